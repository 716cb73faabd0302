"""Loyalty pages: the programme's back office (settings, tiers, rules, rewards, vouchers,
promotions, value propositions, 4R programmes, the balance check) and a member's pages (join,
adjust, rewards, ledger, printable card). Thin: parse, call a service or selector, render."""

import csv
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from textwrap import shorten
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.db import models
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from setia.accounts.decorators import staff_view
from setia.accounts.models import User
from setia.accounts.selectors import require
from setia.core.errors import ApplicationError, NotFoundError
from setia.core.forms import add_application_error
from setia.core.money import format_count, format_rupiah
from setia.core.pagination import keyset_page
from setia.core.ratelimit import hit
from setia.loyalty import forms, selectors
from setia.loyalty.models import (
    CashbackRule,
    EarnRule,
    Membership,
    Programme,
    Promotion,
    Reward,
    Tier,
    ValueProposition,
    Voucher,
)
from setia.loyalty.services import ledger, membership, programmes, rewards, tiers, vouchers

PAGE_SIZE = 50


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _posted(request: HttpRequest) -> Any:
    """The form data of a POST — even an empty one (a form whose fields are all optional)."""
    return request.POST if request.method == "POST" else None


def _prefill(request: HttpRequest, kind: "Kind") -> dict[str, str]:
    """A new item's form pre-filled from the query string (e.g. a promotion made from a cross-sell
    rule): only the form's own fields; the form still validates everything on save."""
    names = kind.form.base_fields
    return {name: str(request.GET.get(name, ""))[:200] for name in request.GET if name in names}


def _yes(value: bool) -> str:
    return str(_("yes") if value else _("no"))


def _date(value: Any) -> str:
    """A date, or a moment's date where the business is (as templates show it): a voucher valid
    until 02.50 on 2 March is valid until 2 March, not the 1st of UTC."""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value)
    return date_format(value, "SHORT_DATE_FORMAT") if value else "—"


def _aimed_at(proposition: ValueProposition) -> str:
    """Its tiers, tags and segments in one line ("everyone" when none is chosen)."""
    names = [
        str(item) for related in (proposition.tiers, proposition.tags, proposition.segments) for item in related.all()
    ]
    return ", ".join(names) or str(_("everyone"))


@dataclass(frozen=True)
class Column:
    label: Any
    render: Callable[[Any], str]
    numeric: bool = False  # an amount or a count: right-aligned, kept on one line


@dataclass(frozen=True)
class Kind:
    """One configurable list of the back office."""

    model: type[models.Model]
    form: type[forms.ConfigForm]
    title: Any
    add_label: Any
    icon: str
    columns: list[Column]
    empty: Any
    order: tuple[str, ...] = ("name", "id")
    search: tuple[str, ...] = ("name",)
    detail: str = ""  # a url name showing one record, when there is more than its form


KINDS: dict[str, Kind] = {
    "tiers": Kind(
        Tier,
        forms.TierForm,
        gettext_lazy("Tiers"),
        gettext_lazy("Add tier"),
        "trophy",
        [
            Column(gettext_lazy("Rank"), lambda t: str(t.rank), numeric=True),
            # One rule, spend OR visits (either is enough): two columns read as both being needed.
            Column(gettext_lazy("Qualifies with"), tiers.tier_rule),
            Column(gettext_lazy("Window (days)"), lambda t: str(t.window_days), numeric=True),
            Column(
                gettext_lazy("Discount"), lambda t: f"{number_format(t.discount_percent.normalize())}%", numeric=True
            ),
            Column(
                gettext_lazy("Points multiplier"),
                lambda t: f"x{number_format(t.points_multiplier.normalize())}",
                numeric=True,
            ),
            Column(gettext_lazy("Free items"), lambda t: t.free_items or "—"),
            Column(gettext_lazy("Members"), lambda t: str(t.member_count), numeric=True),
        ],
        gettext_lazy("No tiers yet. The tier with rank 0 is the one members join in."),
        order=("rank", "id"),
    ),
    "earn-rules": Kind(
        EarnRule,
        forms.EarnRuleForm,
        gettext_lazy("Earn rules"),
        gettext_lazy("Add earn rule"),
        "star",
        [
            Column(gettext_lazy("Kind"), lambda r: str(r.get_kind_display())),
            Column(
                gettext_lazy("Rule"),
                lambda r: (
                    f"x{number_format(r.multiplier.normalize())}"
                    if r.kind == EarnRule.Kind.MULTIPLIER
                    else f"+{r.points} · {r.product or r.category or ''}"
                ),
            ),
            Column(gettext_lazy("Weekdays"), lambda r: r.weekdays or "—"),
            Column(gettext_lazy("Until"), lambda r: _date(r.ends_on)),
            Column(gettext_lazy("Active"), lambda r: _yes(r.is_active)),
        ],
        gettext_lazy("No extra earn rules: members earn by the base rule in the settings."),
    ),
    "cashback": Kind(
        CashbackRule,
        forms.CashbackRuleForm,
        gettext_lazy("Cashback rules"),
        gettext_lazy("Add cashback rule"),
        "wallet2",
        [
            Column(gettext_lazy("Cashback"), lambda r: f"{number_format(r.percent.normalize())}%", numeric=True),
            Column(gettext_lazy("Minimum spend"), lambda r: format_rupiah(r.min_spend), numeric=True),
            Column(gettext_lazy("At most"), lambda r: format_rupiah(r.max_amount) or "—", numeric=True),
            Column(gettext_lazy("Returning customers only"), lambda r: _yes(r.returning_only)),
            Column(gettext_lazy("Active"), lambda r: _yes(r.is_active)),
        ],
        gettext_lazy("No cashback rules yet, e.g. 10% back for returning customers."),
    ),
    "rewards": Kind(
        Reward,
        forms.RewardForm,
        gettext_lazy("Rewards"),
        gettext_lazy("Add reward"),
        "gift",
        [
            Column(gettext_lazy("Points"), lambda r: number_format(r.points_cost, force_grouping=True), numeric=True),
            Column(gettext_lazy("Stock"), lambda r: "∞" if r.stock is None else str(r.stock), numeric=True),
            Column(gettext_lazy("Taken"), lambda r: str(r.taken), numeric=True),
            Column(gettext_lazy("Active"), lambda r: _yes(r.is_active)),
        ],
        gettext_lazy("No rewards yet: add what members can take for their points."),
        order=("points_cost", "id"),
    ),
    "vouchers": Kind(
        Voucher,
        forms.VoucherForm,
        gettext_lazy("Vouchers"),
        gettext_lazy("Add voucher"),
        "ticket-perforated",
        [
            Column(gettext_lazy("Kind"), lambda v: str(v.get_kind_display())),
            Column(
                gettext_lazy("Value"),
                lambda v: (
                    f"{v.value}%"
                    if v.kind == Voucher.Kind.PERCENT
                    else (str(v.free_product or "") if v.kind == Voucher.Kind.FREE_ITEM else format_rupiah(v.value))
                ),
            ),
            Column(gettext_lazy("Minimum spend"), lambda v: format_rupiah(v.min_spend), numeric=True),
            Column(gettext_lazy("Valid until"), lambda v: _date(v.valid_until)),
            Column(gettext_lazy("Codes"), lambda v: str(v.code_count), numeric=True),
            Column(
                gettext_lazy("Used"),
                lambda v: f"{v.times_used}" + (f" / {v.usage_limit}" if v.usage_limit else ""),
                numeric=True,
            ),
        ],
        gettext_lazy("No vouchers yet."),
        order=("-created_at", "-id"),
        detail="loyalty:voucher_detail",
    ),
    "promotions": Kind(
        Promotion,
        forms.PromotionForm,
        gettext_lazy("Promotions"),
        gettext_lazy("Add promotion"),
        "bag-plus",
        [
            Column(gettext_lazy("Kind"), lambda p: str(p.get_kind_display())),
            Column(gettext_lazy("Product X"), lambda p: str(p.product)),
            Column(gettext_lazy("Product Y"), lambda p: str(p.reward_product or "—")),
            Column(gettext_lazy("Until"), lambda p: _date(p.ends_on)),
            Column(gettext_lazy("Active"), lambda p: _yes(p.is_active)),
        ],
        gettext_lazy('No promotions yet, e.g. "buy a shoe, get socks" or "buy 4, get 1 free".'),
    ),
    "value-propositions": Kind(
        ValueProposition,
        forms.ValuePropositionForm,
        gettext_lazy("Value propositions"),
        gettext_lazy("Add value proposition"),
        "heart",
        [
            Column(gettext_lazy("Kind"), lambda v: str(v.get_kind_display())),
            Column(gettext_lazy("Description"), lambda v: shorten(v.description, 80, placeholder="…")),
            Column(gettext_lazy("Aimed at"), _aimed_at),
        ],
        gettext_lazy(
            "No value propositions yet: what does the business promise, financially, emotionally, spiritually?"
        ),
        order=("kind", "name", "id"),
    ),
    "programmes": Kind(
        Programme,
        forms.ProgrammeForm,
        gettext_lazy("Programmes (4R)"),
        gettext_lazy("Add programme"),
        "diagram-3",
        [
            Column(gettext_lazy("4R type"), lambda p: str(p.get_kind_display())),
            Column(gettext_lazy("Goal"), lambda p: shorten(p.goal, 60, placeholder="…")),
            Column(gettext_lazy("From"), lambda p: _date(p.starts_on)),
            Column(gettext_lazy("Until"), lambda p: _date(p.ends_on)),
            Column(gettext_lazy("Budget"), lambda p: format_rupiah(p.budget), numeric=True),
        ],
        gettext_lazy("No programmes yet: Relationship, Retention, Referral or Recovery."),
        order=("-starts_on", "id"),
        search=("name", "goal"),
        detail="loyalty:programme_detail",
    ),
}


def _kind(slug: str) -> Kind:
    kind = KINDS.get(slug)
    if kind is None:
        raise NotFoundError(_("Not found."))
    return kind


def _annotated(slug: str, queryset: Any) -> Any:
    if slug == "tiers":
        return queryset.annotate(member_count=Count("membership", distinct=True))
    if slug == "rewards":
        return queryset.annotate(taken=Count("redemptions", distinct=True))
    if slug == "vouchers":
        return queryset.select_related("free_product").annotate(code_count=Count("codes", distinct=True))
    if slug == "earn-rules":
        return queryset.select_related("product", "category")
    if slug == "promotions":
        return queryset.select_related("product", "reward_product")
    if slug == "value-propositions":
        return queryset.prefetch_related("tiers", "tags", "segments")
    return queryset


def _tabs() -> list[tuple[str, Any, str]]:
    return [(slug, kind.title, kind.icon) for slug, kind in KINDS.items()]


# --- Overview, settings, check ------------------------------------------------------------------


@staff_view("loyalty.view")
def home(request: HttpRequest) -> HttpResponse:
    context = {
        "nav_key": "loyalty",
        "tab": "home",
        "tabs": _tabs(),
        "overview": selectors.overview(),
        "config": membership.loyalty_settings(),
        "check": selectors.last_check(),
        "cashback_rules": selectors.cashback_rules_in_force(),
    }
    return render(request, "loyalty/home.html", context)


@staff_view("loyalty.view")
def settings_edit(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    config = membership.loyalty_settings()
    form = forms.SettingsForm(_posted(request), instance=config)
    if request.method == "POST":
        require(actor, "loyalty.manage")
        if form.is_valid():
            try:
                programmes.settings_save(actor=actor, config=form.instance_to_save())
            except ApplicationError as error:
                add_application_error(form, error)
            else:
                messages.success(request, _("Loyalty settings saved."))
                return redirect("loyalty:settings")
    if not actor.has_capability("loyalty.manage"):  # viewers see the rules, read-only
        for field in form.fields.values():
            field.disabled = True
    context = {"nav_key": "loyalty", "tab": "settings", "tabs": _tabs(), "form": form}
    return render(request, "loyalty/settings.html", context)


@staff_view("loyalty.view")
def check(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    if request.method == "POST":
        require(actor, "loyalty.manage")
        result = ledger.ledger_check(actor=actor)
        if result.ok:
            messages.success(request, _("Every balance equals its ledger."))
        else:
            messages.error(request, _("%(count)s balances differ from the ledger.") % {"count": len(result.mismatches)})
        return redirect("loyalty:check")
    context = {"nav_key": "loyalty", "tab": "check", "tabs": _tabs(), "check": selectors.last_check()}
    return render(request, "loyalty/check.html", context)


@require_POST
@staff_view("loyalty.manage")
def tiers_reevaluate(request: HttpRequest) -> HttpResponse:
    """The tiers page's "Re-evaluate tiers now": the nightly re-evaluation, at once."""
    result = tiers.tiers_reevaluate_now(actor=_actor(request))
    if result.started:
        message = ngettext(
            "Re-evaluating the tiers of %(members)s member in the background: they move within a few minutes.",
            "Re-evaluating the tiers of %(members)s members in the background: they move within a few minutes.",
            result.members,
        )
    else:
        message = ngettext(
            "Tiers re-evaluated for %(members)s member: %(upgraded)s moved up, %(downgraded)s moved down.",
            "Tiers re-evaluated for %(members)s members: %(upgraded)s moved up, %(downgraded)s moved down.",
            result.members,
        )
    messages.success(
        request,
        message
        % {
            "members": format_count(result.members),
            "upgraded": format_count(result.upgraded),
            "downgraded": format_count(result.downgraded),
        },
    )
    return redirect("loyalty:config_list", slug="tiers")


# --- Configurable lists -------------------------------------------------------------------------


@staff_view("loyalty.view")
def config_list(request: HttpRequest, slug: str) -> HttpResponse:
    kind = _kind(slug)
    query = request.GET.get("q", "").strip()[:100]
    rows = selectors.search(_annotated(slug, kind.model._default_manager.all()), query, kind.search)
    page = keyset_page(rows, order=kind.order, cursor=request.GET.get("after", ""), size=PAGE_SIZE)
    query_string = request.GET.copy()
    query_string.pop("after", None)
    context = {
        "nav_key": "loyalty",
        "tab": slug,
        "tabs": _tabs(),
        "slug": slug,
        "kind": kind,
        "query": query,
        "page": page,
        "rows": [(row, [(column.render(row), column.numeric) for column in kind.columns]) for row in page.rows],
        "query_string": query_string.urlencode(),
    }
    return render(request, "loyalty/config_list.html", context)


@staff_view("loyalty.manage")
def config_form(request: HttpRequest, slug: str, pk: int | None = None) -> HttpResponse:
    kind = _kind(slug)
    instance = kind.model._default_manager.filter(pk=pk).first() if pk else None
    if pk and instance is None:
        raise NotFoundError(_("Not found."))
    form = kind.form(_posted(request), instance=instance, initial=_prefill(request, kind) if instance is None else None)
    if request.method == "POST" and form.is_valid():
        try:
            saved = programmes.config_save(actor=_actor(request), instance=form.instance_to_save(), m2m=form.m2m())
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, _("%(name)s saved.") % {"name": saved})
            if kind.detail:
                return redirect(kind.detail, pk=saved.pk)
            return redirect("loyalty:config_list", slug=slug)
    context = {"nav_key": "loyalty", "tab": slug, "tabs": _tabs(), "slug": slug, "kind": kind, "form": form}
    context["instance"] = instance
    return render(request, "loyalty/config_form.html", context)


# --- Vouchers and programmes -------------------------------------------------------------------


@staff_view("loyalty.view")
def voucher_detail(request: HttpRequest, pk: int) -> HttpResponse:
    voucher = Voucher.objects.filter(pk=pk).select_related("free_product", "segment").first()
    if voucher is None:
        raise NotFoundError(_("Voucher not found."))
    actor = _actor(request)
    form = forms.IssueCodesForm(_posted(request))
    if request.method == "POST":
        require(actor, "loyalty.manage")
        if form.is_valid():
            data = form.cleaned_data
            try:
                customer = None
                if data["customer"]:
                    customer = selectors.customer_by_reference(actor=actor, reference=data["customer"])
                issued = vouchers.codes_issue(
                    actor=actor,
                    voucher=voucher,
                    count=data["count"],
                    customer=customer,
                    max_uses=data["max_uses"],
                    prefix=data["code_prefix"],
                    code=data["code"],
                    valid_until=data["valid_until"],
                )
            except ApplicationError as error:
                add_application_error(form, error)
            else:
                count = len(issued)
                messages.success(
                    request, ngettext("%(count)s code issued.", "%(count)s codes issued.", count) % {"count": count}
                )
                return redirect("loyalty:voucher_detail", pk=voucher.pk)
    codes = selectors.voucher_codes(actor=actor, voucher=voucher, query=request.GET.get("q", ""))
    page = None
    if codes is not None:
        page = keyset_page(codes, order=("-issued_at", "-id"), cursor=request.GET.get("after", ""), size=PAGE_SIZE)
    uses = list(programmes.voucher_uses(voucher)[:50])
    context = {
        "nav_key": "loyalty",
        "tab": "vouchers",
        "tabs": _tabs(),
        "voucher": voucher,
        "form": form,
        "page": page,
        "query": request.GET.get("q", ""),
        "uses": uses,
        "out_of_view": selectors.customers_out_of_view(
            actor=actor,
            customers=[*(code.customer for code in (page.rows if page else [])), *(use.customer for use in uses)],
        ),
        "restrictions": {
            "tiers": list(voucher.tiers.all()),
            "products": list(voucher.products.all()),
            "categories": list(voucher.categories.all()),
        },
    }
    return render(request, "loyalty/voucher_detail.html", context)


class _Echo:
    def write(self, value: str) -> str:
        return value


@staff_view("loyalty.manage")
def voucher_codes_csv(request: HttpRequest, pk: int) -> HttpResponseBase:
    voucher = Voucher.objects.filter(pk=pk).first()
    if voucher is None:
        raise NotFoundError(_("Voucher not found."))
    writer = csv.writer(_Echo())
    header = [_("Code"), _("Maximum uses"), _("Uses"), _("Customer ID"), _("Customer"), _("Valid until")]

    def lines() -> Any:
        yield writer.writerow(header)
        for row in selectors.voucher_code_rows(actor=_actor(request), voucher=voucher):
            yield writer.writerow(row)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="voucher-{voucher.pk}-codes.csv"'
    return response


@staff_view("loyalty.view")
def programme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    programme = (
        Programme.objects.filter(pk=pk)
        .select_related("value_proposition", "segment")
        .prefetch_related("tiers", "tags", "vouchers", "promotions", "earn_rules")
        .first()
    )
    if programme is None:
        raise NotFoundError(_("Programme not found."))
    context = {
        "nav_key": "loyalty",
        "tab": "programmes",
        "tabs": _tabs(),
        "programme": programme,
        "results": programmes.programme_results(programme),
    }
    return render(request, "loyalty/programme_detail.html", context)


# --- A member -----------------------------------------------------------------------------------


def _member_page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    return render(request, template, {"nav_key": "customers", **context})


@staff_view("loyalty.enrol")
def member_join(request: HttpRequest, customer_id: int) -> HttpResponse:
    actor = _actor(request)
    customer = selectors.member_customer(actor=actor, customer_id=customer_id)
    form = forms.JoinForm(_posted(request), initial={"referral_code": request.GET.get("ref", "")})
    if request.method == "POST" and form.is_valid():
        try:
            joined = membership.membership_join(
                actor=actor, customer=customer, referral_code=form.cleaned_data["referral_code"]
            )
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(
                request, _("%(name)s joined: card %(number)s.") % {"name": customer.name, "number": joined.number}
            )
            return redirect("customers:detail", pk=customer.pk)
    return _member_page(request, "loyalty/member_join.html", {"customer": customer, "form": form})


@staff_view("loyalty.enrol")
def member_referral(request: HttpRequest, customer_id: int) -> HttpResponse:
    """Link her to the friend who brought her (the box on her membership panel posts here); a
    code refused is shown again at its field, with why."""
    actor = _actor(request)
    member = selectors.membership_get(actor=actor, customer_id=customer_id)
    form = forms.ReferralLinkForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            membership.referral_link(actor=actor, membership=member, referral_code=form.cleaned_data["referral_code"])
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, _("Referral recorded."))
            return redirect("customers:detail", pk=member.customer_id)
    context = {"customer": member.customer, "membership": member, "form": form}
    return _member_page(request, "loyalty/member_referral.html", context)


@staff_view("loyalty.adjust")
def member_adjust(request: HttpRequest, customer_id: int) -> HttpResponse:
    actor = _actor(request)
    member = selectors.membership_get(actor=actor, customer_id=customer_id)
    form = forms.AdjustForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["balance"] == "cashback":
                ledger.wallet_adjust(actor=actor, membership=member, amount=data["amount"], reason=data["reason"])
            else:
                ledger.points_adjust(actor=actor, membership=member, points=data["amount"], reason=data["reason"])
        except ApplicationError as error:
            if "points" in error.extra or "cashback" in error.extra or "amount" in error.extra:
                form.add_error("amount", error.message)
            else:
                add_application_error(form, error)
        else:
            messages.success(request, _("Balance adjusted."))
            return redirect("customers:detail", pk=member.customer_id)
    return _member_page(
        request, "loyalty/member_adjust.html", {"customer": member.customer, "membership": member, "form": form}
    )


@staff_view("loyalty.redeem")
def member_reward(request: HttpRequest, customer_id: int) -> HttpResponse:
    actor = _actor(request)
    member = selectors.membership_get(actor=actor, customer_id=customer_id)
    standing = ledger.points_standing(member)  # points she can pay with, and those past their date
    form = forms.RewardRedeemForm(_posted(request), spendable=standing.spendable)
    if request.method == "POST" and form.is_valid():
        try:
            redemption = rewards.reward_redeem(actor=actor, membership=member, reward=form.cleaned_data["reward"])
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, _("%(reward)s given.") % {"reward": redemption.reward.name})
            return redirect("customers:detail", pk=member.customer_id)
    context = {
        "customer": member.customer,
        "membership": member,
        "form": form,
        "rewards": Reward.objects.filter(is_active=True),
        "standing": standing,
    }
    return _member_page(request, "loyalty/member_reward.html", context)


@staff_view("loyalty.view")
def member_ledger(request: HttpRequest, customer_id: int) -> HttpResponse:
    member = selectors.membership_get(actor=_actor(request), customer_id=customer_id)
    # Two ledgers, one page each: her points (with her tier history) and her cashback wallet.
    cashback = request.GET.get("balance") == "cashback"
    entries = selectors.wallet_entries(member) if cashback else selectors.ledger_entries(member)
    page = keyset_page(
        entries,
        order=("-created_at", "-id"),
        cursor=request.GET.get("after", ""),
        size=PAGE_SIZE,
    )
    sources = selectors.ledger_sources(actor=_actor(request), entries=page.rows)
    rows = [(entry, sources.get(entry.source)) for entry in page.rows]
    context = {
        "customer": member.customer,
        "membership": member,
        "page": page,
        "rows": rows,
        "cashback": cashback,
        # On the points' first page only: why she is in her tier, each change with its reason.
        "tier_changes": None if cashback or request.GET.get("after") else selectors.tier_history(member),
    }
    return _member_page(request, "loyalty/member_ledger.html", context)


@staff_view("loyalty.view")
def member_card(request: HttpRequest, customer_id: int) -> HttpResponse:
    member = selectors.membership_get(actor=_actor(request), customer_id=customer_id)
    context = {
        "customer": member.customer,
        "membership": member,
        "qr_svg": selectors.card_svg(member.number, scale=5, fit=True),
        "business_name": getattr(request, "business_name", ""),
    }
    return render(request, "loyalty/member_card.html", context)


# The invitation page is public: each address may open it this often (codes are short).
INVITE_RATE_LIMIT = 60
INVITE_RATE_PERIOD = 600


@login_not_required
def referral_invite(request: HttpRequest, code: str) -> HttpResponse:
    """Where a member's referral link leads her friend (no sign-in): who invites — her first name
    only — what the friend gets for joining with it, and the code with its QR code to show at the
    till or say on the phone. Each address may open it `INVITE_RATE_LIMIT` times in ten minutes."""
    decision = hit(f"referral-invite:{request.META.get('REMOTE_ADDR', '')}", INVITE_RATE_LIMIT, INVITE_RATE_PERIOD)
    if not decision.allowed:
        response = render(request, "loyalty/referral_invite.html", {"throttled": True}, status=429)
        response["Retry-After"] = str(decision.retry_after)
        return response
    invite = selectors.referral_invite(code)
    context = {"invite": invite, "qr_svg": selectors.card_svg(invite.code, scale=6) if invite else ""}
    return render(request, "loyalty/referral_invite.html", context, status=200 if invite else 404)


@staff_view("loyalty.view")
def join_link(request: HttpRequest) -> HttpResponse:
    """Where a member's referral link leads: who invites, and the code to give at joining."""
    code = request.GET.get("ref", "").strip().upper()[:16]
    referrer = (
        Membership.objects.select_related("customer")
        .filter(referral_code=code, status=Membership.Status.ACTIVE)
        .first()
        if code
        else None
    )
    context = {"nav_key": "loyalty", "code": code, "referrer": referrer}
    return render(request, "loyalty/join_link.html", context)
