"""Leads: capture (staff, API, public web form, import), assignment to a sales person, status
changes, conversion into a customer (and optionally an opportunity), and the configuration of
sources and assignment rules. Every write is atomic, validated and audited."""

import dataclasses
import datetime as dt
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from setia.accounts.models import Branch, User
from setia.accounts.roles import Role
from setia.accounts.selectors import branch_scope, require
from setia.core.audit import audit_changed, audit_created, audit_log, snapshot
from setia.core.errors import ApplicationError, NotFoundError, validate_instance
from setia.core.money import parse_rupiah
from setia.core.notifications import notify
from setia.core.phones import normalize_phone
from setia.core.texts import Message
from setia.customers.models import ConsentRecord, Customer
from setia.customers.services import ContactPoints, PhoneIn, consent_record, customer_create
from setia.customers.tabular import detect_format, read_rows
from setia.sales.models import Lead, LeadAssignmentRule, LeadSource, RoundRobinCursor

LEAD_FIELDS = [
    "name",
    "company_name",
    "phone",
    "email",
    "city",
    "interest",
    "estimated_value",
    "source",
    "channel",
    "branch",
    "owner",
    "status",
    "next_follow_up",
    "unqualified_reason",
    "consent_marketing",
    "customer",
]
# What staff may change on a lead through the edit form or PATCH; status, owner and conversion
# have their own services.
EDITABLE_FIELDS = [
    "name",
    "company_name",
    "phone",
    "email",
    "city",
    "interest",
    "estimated_value",
    "source",
    "branch",
    "next_follow_up",
    "consent_marketing",
]
SOURCE_FIELDS = ["name", "active", "form_enabled", "form_title", "form_intro", "form_thanks", "branch"]
RULE_FIELDS = ["position", "active", "source", "city", "branch", "assign_to"]
MAX_ESTIMATED_VALUE = 1_000_000_000_000  # Rp 1 trillion: anything above is a typing error

# The wording the public form shows next to its consent box; stored with each consent record so
# it is known later what the person agreed to.
CONSENT_NOTICE_VERSION = "lead-form-1"
CONSENT_SOURCE_BY_CHANNEL = {
    Lead.Channel.MANUAL: ConsentRecord.Source.STAFF,
    Lead.Channel.FORM: ConsentRecord.Source.FORM,
    Lead.Channel.IMPORT: ConsentRecord.Source.IMPORT,
    Lead.Channel.API: ConsentRecord.Source.API,
}
CUSTOMER_SOURCE_BY_CHANNEL = {
    Lead.Channel.FORM: Customer.Source.WEBSITE,
    Lead.Channel.IMPORT: Customer.Source.IMPORT,
}

# Statuses staff can set by hand, and from which statuses; "converted" only through lead_convert.
TRANSITIONS: dict[str, set[str]] = {
    Lead.Status.NEW: {Lead.Status.CONTACTED, Lead.Status.QUALIFIED, Lead.Status.UNQUALIFIED},
    Lead.Status.CONTACTED: {Lead.Status.QUALIFIED, Lead.Status.UNQUALIFIED},
    Lead.Status.QUALIFIED: {Lead.Status.CONTACTED, Lead.Status.UNQUALIFIED},
    Lead.Status.UNQUALIFIED: {Lead.Status.CONTACTED, Lead.Status.QUALIFIED},
    Lead.Status.CONVERTED: set(),
}


def _error(field: str, message: str) -> ApplicationError:
    return ApplicationError(message, {field: [message]})


# --- Validation ---------------------------------------------------------------------------------


def _clean(lead: Lead) -> None:
    """Trim and check a lead before it is saved; every refusal names its field."""
    for name in ("name", "company_name", "city", "interest", "unqualified_reason"):
        setattr(lead, name, (getattr(lead, name) or "").strip())
    if not lead.name:
        raise _error("name", _("Enter the lead's name."))
    raw_phone = (lead.phone or "").strip()
    lead.phone = normalize_phone(raw_phone, field="phone") if raw_phone else ""
    lead.email = (lead.email or "").strip().lower()
    if lead.email:
        try:
            validate_email(lead.email)
        except ValidationError as error:
            raise _error("email", _("“%(value)s” is not an email address.") % {"value": lead.email}) from error
    if not lead.phone and not lead.email:
        raise _error("phone", _("Enter a phone number or an email address, so the lead can be contacted."))
    if lead.estimated_value is not None and not 0 <= lead.estimated_value <= MAX_ESTIMATED_VALUE:
        raise _error("estimated_value", _("Enter an estimated value between Rp 0 and Rp 1 trillion."))
    validate_instance(lead, exclude=["source", "branch", "owner", "customer", "created_by"])


def _check_source(source: LeadSource | None, before: LeadSource | None = None) -> None:
    if source is not None and not source.active and (before is None or before.pk != source.pk):
        raise _error("source", _("The source %(name)s is not active.") % {"name": source.name})


def _check_branch(actor: User, branch: Branch | None) -> None:
    if branch is not None and not branch_scope(actor).allows(branch.pk):
        raise _error("branch", _("You can only add leads to your own branch."))
    if branch is not None and not branch.is_active:
        raise _error("branch", _("The branch %(name)s is closed.") % {"name": branch.name})


def _check_owner(owner: User | None, branch_id: int | None, field: str = "owner") -> None:
    """An owner must be active staff who work on leads, in the lead's branch."""
    if owner is None:
        return
    name = owner.get_full_name() or owner.get_username()
    if not owner.is_active or not owner.has_capability("leads.edit"):
        raise _error(field, _("%(name)s cannot work on leads.") % {"name": name})
    if branch_id is not None and not branch_scope(owner).allows(branch_id):
        message = (
            _("%(name)s does not work in this rule's branch.")
            if field == "assign_to"
            else _("%(name)s does not work in this lead's branch.")
        )
        raise _error(field, message % {"name": name})


def _check_visible(actor: User, lead: Lead) -> None:
    """The actor's branches, or a lead they own; otherwise it does not exist for them."""
    if not (branch_scope(actor).allows(lead.branch_id) or (lead.owner_id and lead.owner_id == actor.pk)):
        raise NotFoundError(_("Lead not found."))


def _locked(actor: User, lead: Lead) -> Lead:
    locked = Lead.objects.select_for_update().filter(pk=lead.pk).first()
    if locked is None:
        raise NotFoundError(_("Lead not found."))
    _check_visible(actor, locked)
    return locked


# --- Assignment ---------------------------------------------------------------------------------


def _rule_for(lead: Lead) -> LeadAssignmentRule | None:
    """The first active rule, in order, whose source, city and branch all fit the lead.

    A rule's branch must be the lead's when the lead already has one: rules never move a lead
    another branch is working on."""
    rules = LeadAssignmentRule.objects.filter(active=True).select_related("assign_to", "branch")
    rules = rules.filter(Q(source__isnull=True) | Q(source=lead.source_id))
    if lead.branch_id:
        rules = rules.filter(branch_id=lead.branch_id)
    city = lead.city.strip().lower()
    for rule in rules.order_by("position", "id"):
        if rule.city.strip() and rule.city.strip().lower() != city:
            continue
        return rule
    return None


def round_robin_candidates(branch: Branch) -> list[User]:
    """The branch's active sales staff in a fixed order; when it has none, its managers."""
    sales = list(User.objects.filter(branch=branch, role=Role.SALES, is_active=True).order_by("pk"))
    if sales:
        return sales
    managers = User.objects.filter(role=Role.MANAGER, is_active=True).filter(
        Q(branch=branch) | Q(managed_branches=branch)
    )
    return list(managers.distinct().order_by("pk"))


def round_robin_next(branch: Branch) -> User | None:
    """The next person in turn. The branch's cursor row is locked until the caller's transaction
    ends, so two leads arriving at once go to two different people."""
    candidates = round_robin_candidates(branch)
    if not candidates:
        return None
    RoundRobinCursor.objects.get_or_create(branch=branch)
    cursor = RoundRobinCursor.objects.select_for_update().get(branch=branch)
    chosen = next((user for user in candidates if cursor.last_user_id and user.pk > cursor.last_user_id), None)
    chosen = chosen or candidates[0]
    cursor.last_user = chosen
    cursor.save(update_fields=["last_user"])
    return chosen


def _assign_by_rules(lead: Lead) -> None:
    rule = _rule_for(lead)
    if rule is None:
        return
    if lead.branch_id is None:
        lead.branch = rule.branch
    owner = rule.assign_to if rule.assign_to is not None and rule.assign_to.is_active else None
    lead.owner = owner or round_robin_next(rule.branch)


def _notify_owner(actor: User | None, lead: Lead) -> None:
    if lead.owner is None or (actor is not None and lead.owner_id == actor.pk):
        return  # nobody to tell, or they did it themselves
    text = _("New lead for you: %(name)s") % {"name": lead.name}
    if lead.source is not None:
        text += f" ({lead.source.name})"
    notify(
        recipient=lead.owner,
        text=text,
        url=reverse("sales:lead_detail", args=[lead.pk]),
        key=f"lead:{lead.pk}:assigned:{lead.owner_id}",
    )


# --- Creating and changing leads ----------------------------------------------------------------


def _create(
    *,
    actor: User | None,
    channel: str,
    name: str,
    phone: str = "",
    email: str = "",
    company_name: str = "",
    city: str = "",
    interest: str = "",
    estimated_value: int | None = None,
    source: LeadSource | None = None,
    branch: Branch | None = None,
    owner: User | None = None,
    next_follow_up: dt.date | None = None,
    consent_marketing: bool = False,
    submitted_ip: str | None = None,
) -> Lead:
    lead = Lead(
        name=name,
        phone=phone,
        email=email,
        company_name=company_name,
        city=city,
        interest=interest,
        estimated_value=estimated_value,
        source=source,
        channel=channel,
        branch=branch if branch is not None else (source.branch if source is not None else None),
        owner=owner,
        next_follow_up=next_follow_up,
        consent_marketing=bool(consent_marketing),
        created_by=actor,
        submitted_ip=submitted_ip,
    )
    _clean(lead)
    _check_source(source)
    _check_owner(owner, lead.branch_id)
    if lead.owner is None:
        _assign_by_rules(lead)
    lead.save()
    audit_created(actor=actor or "web form", instance=lead, fields=LEAD_FIELDS, branch_id=lead.branch_id)
    _notify_owner(actor, lead)
    return lead


@transaction.atomic
def lead_create(
    *,
    actor: User,
    name: str,
    channel: str = Lead.Channel.MANUAL,
    branch: Branch | None = None,
    **fields: Any,
) -> Lead:
    """A lead entered by staff (page, API or import). Without an owner the assignment rules choose one."""
    require(actor, "leads.edit")
    if channel not in (Lead.Channel.MANUAL, Lead.Channel.API, Lead.Channel.IMPORT):
        raise _error("channel", _("Unknown channel %(value)s.") % {"value": channel})
    source = fields.get("source")
    if branch is None:
        # The source's branch when the actor works there, else (front office) the actor's own.
        scope = branch_scope(actor)
        if source is not None and source.branch_id is not None and scope.allows(source.branch_id):
            branch = source.branch
        elif not scope.all_branches:
            branch = actor.branch
    _check_branch(actor, branch)
    return _create(actor=actor, channel=channel, name=name, branch=branch, **fields)


@transaction.atomic
def lead_submit_form(
    *,
    source: LeadSource,
    name: str,
    phone: str = "",
    email: str = "",
    city: str = "",
    message: str = "",
    consent_marketing: bool = False,
    ip_address: str | None = None,
) -> Lead:
    """A lead sent through a source's public web form (nobody signed in)."""
    source = LeadSource.objects.filter(pk=source.pk, active=True, form_enabled=True).first()  # type: ignore[assignment]
    if source is None:
        raise NotFoundError(_("This form is not available."))
    if not (phone or "").strip():
        raise _error("phone", _("Enter your phone number."))
    return _create(
        actor=None,
        channel=Lead.Channel.FORM,
        name=name,
        phone=phone,
        email=email,
        city=city,
        interest=message,
        source=source,
        consent_marketing=consent_marketing,
        submitted_ip=ip_address,
    )


@transaction.atomic
def lead_update(*, actor: User, lead: Lead, **fields: Any) -> Lead:
    """Change a lead's details. A converted lead is closed: its customer is edited instead."""
    require(actor, "leads.edit")
    lead = _locked(actor, lead)
    if lead.status == Lead.Status.CONVERTED:
        raise _error("status", _("A converted lead cannot be changed; edit the customer instead."))
    before = snapshot(lead, LEAD_FIELDS)
    previous_source = lead.source
    for name, value in fields.items():
        if name not in EDITABLE_FIELDS:
            raise _error(name, _("Unknown field: %(field)s") % {"field": name})
        setattr(lead, name, value)
    _clean(lead)
    _check_source(lead.source, previous_source)
    if "branch" in fields and lead.branch_id != before["branch"]:
        _check_branch(actor, lead.branch)
        _check_owner(lead.owner, lead.branch_id)  # reassign first when the owner does not work there
    lead.save()
    audit_changed(actor=actor, instance=lead, before=before, fields=LEAD_FIELDS, branch_id=lead.branch_id)
    return lead


@transaction.atomic
def lead_set_status(*, actor: User, lead: Lead, status: str, reason: str = "") -> Lead:
    """Move a lead on: contacted, qualified, or unqualified (with a reason). The first time a lead
    leaves "new" it is stamped contacted; the first time it is qualified, qualified."""
    require(actor, "leads.edit")
    lead = _locked(actor, lead)
    if status not in Lead.Status.values:
        raise _error("status", _("Unknown status %(value)s.") % {"value": status})
    if status == Lead.Status.CONVERTED:
        raise _error("status", _("Use Convert to turn a lead into a customer."))
    if lead.status == Lead.Status.CONVERTED:
        raise _error("status", _("This lead was already converted."))
    if status == lead.status:
        return lead
    if status not in TRANSITIONS[lead.status]:
        raise _error(
            "status",
            _("A %(current)s lead cannot become %(status)s.")
            % {"current": lead.get_status_display(), "status": Lead.Status(status).label},
        )
    reason = (reason or "").strip()
    if status == Lead.Status.UNQUALIFIED and not reason:
        raise _error("reason", _("Say why the lead is unqualified."))
    before = snapshot(lead, LEAD_FIELDS)
    now = timezone.now()
    lead.status = status
    lead.unqualified_reason = reason[:255] if status == Lead.Status.UNQUALIFIED else ""
    if lead.contacted_at is None:
        lead.contacted_at = now
    if status == Lead.Status.QUALIFIED and lead.qualified_at is None:
        lead.qualified_at = now
    lead.save()
    audit_changed(actor=actor, instance=lead, before=before, fields=LEAD_FIELDS, branch_id=lead.branch_id)
    return lead


@transaction.atomic
def lead_assign(*, actor: User, lead: Lead, owner: User | None) -> Lead:
    """Give a lead to another sales person (or to nobody); the new owner is notified."""
    require(actor, "leads.edit")
    lead = _locked(actor, lead)
    if lead.status == Lead.Status.CONVERTED:
        raise _error("owner", _("A converted lead cannot be reassigned."))
    _check_owner(owner, lead.branch_id)
    if (owner.pk if owner else None) == lead.owner_id:
        return lead
    before = snapshot(lead, ["owner"])
    lead.owner = owner
    lead.save(update_fields=["owner", "updated_at"])
    audit_changed(actor=actor, instance=lead, before=before, fields=["owner"], branch_id=lead.branch_id)
    _notify_owner(actor, lead)
    return lead


# --- Conversion ---------------------------------------------------------------------------------


def matching_customer(lead: Lead) -> Customer | None:
    """The customer this lead already is: one whose phone (E.164) or email is the lead's.

    Searched across every branch, so converting never creates a second record of one person;
    a current customer comes before an archived one."""
    from setia.customers.models import CustomerEmail, CustomerPhone

    ids: list[int] = []
    if lead.phone:
        ids += CustomerPhone.objects.filter(number=lead.phone).values_list("customer_id", flat=True)
    if lead.email:
        ids += CustomerEmail.objects.filter(email=lead.email.lower()).values_list("customer_id", flat=True)
    if not ids:
        return None
    customers = Customer.objects.filter(pk__in=ids, merged_into__isnull=True).prefetch_related("phones", "emails")
    found = sorted(customers, key=lambda customer: (customer.archived_at is not None, customer.pk))
    return found[0] if found else None


def _record_consent(actor: User, lead: Lead, customer: Customer) -> None:
    """The marketing consent the lead gave, for each channel whose address it left. A statement the
    customer made after the lead was captured (e.g. a withdrawal) is newer and stays in force."""
    channels = []
    if lead.phone:
        channels += [ConsentRecord.Channel.WHATSAPP, ConsentRecord.Channel.SMS]
    if lead.email:
        channels.append(ConsentRecord.Channel.EMAIL)
    for channel in channels:
        newer = ConsentRecord.objects.filter(
            customer=customer,
            channel=channel,
            purpose=ConsentRecord.Purpose.MARKETING,
            recorded_at__gt=lead.created_at,
        ).exists()
        if newer:
            continue
        consent_record(
            actor=actor,
            customer=customer,
            channel=channel,
            purpose=ConsentRecord.Purpose.MARKETING,
            granted=True,
            source=CONSENT_SOURCE_BY_CHANNEL.get(Lead.Channel(lead.channel), ConsentRecord.Source.STAFF),
            notice_version=CONSENT_NOTICE_VERSION,
        )


def _new_customer(actor: User, lead: Lead) -> Customer:
    notes = "\n".join(part for part in (lead.company_name, lead.interest) if part)
    home_branch = lead.branch
    if home_branch is not None and not branch_scope(actor).allows(home_branch.pk):
        home_branch = None  # a lead the actor owns in another branch: the customer joins the actor's
    return customer_create(
        actor=actor,
        name=lead.name,
        contacts=ContactPoints(
            phones=[PhoneIn(lead.phone)] if lead.phone else [], emails=[lead.email] if lead.email else []
        ),
        home_branch=home_branch,
        owner=lead.owner,
        source=CUSTOMER_SOURCE_BY_CHANNEL.get(Lead.Channel(lead.channel), Customer.Source.OTHER),
        notes=notes,
    )


@transaction.atomic
def lead_convert(
    *,
    actor: User,
    lead: Lead,
    create_opportunity: bool = False,
    opportunity_title: str = "",
    opportunity_value: int = 0,
    pipeline: Any = None,
) -> tuple[Customer, Any]:
    """Turn a lead into a customer — the existing one with the same phone or email, else a new one —
    and optionally open an opportunity for her. Returns (customer, opportunity or None)."""
    require(actor, "leads.edit")
    if create_opportunity:
        require(actor, "opportunities.edit")
    lead = _locked(actor, lead)
    if lead.status == Lead.Status.CONVERTED:
        name = lead.customer.name if lead.customer else ""
        raise _error("status", _("This lead was already converted to the customer %(name)s.") % {"name": name})
    if lead.status == Lead.Status.UNQUALIFIED:
        raise _error("status", _("An unqualified lead cannot be converted; move it back to contacted first."))
    if create_opportunity and (opportunity_value or 0) < 0:
        raise _error("opportunity_value", _("The opportunity's value cannot be negative."))
    customer = matching_customer(lead)
    linked = customer is not None
    if customer is None:
        customer = _new_customer(actor, lead)
    if lead.consent_marketing:
        _record_consent(actor, lead, customer)
    before = snapshot(lead, LEAD_FIELDS)
    now = timezone.now()
    lead.status = Lead.Status.CONVERTED
    lead.customer = customer
    lead.converted_at = lead.converted_at or now
    lead.contacted_at = lead.contacted_at or now
    lead.qualified_at = lead.qualified_at or now
    lead.save()
    audit_changed(actor=actor, instance=lead, before=before, fields=LEAD_FIELDS, branch_id=lead.branch_id)
    audit_log(
        actor=actor,
        action="update",
        instance=customer,
        message=(
            Message(gettext_noop("Lead %(lead)s linked (same phone or email)"), {"lead": str(lead.pk)})
            if linked
            else Message(gettext_noop("Created from lead %(lead)s"), {"lead": str(lead.pk)})
        ),
        branch_id=customer.home_branch_id,
    )
    opportunity = None
    if create_opportunity:
        from setia.sales.services.pipeline import opportunity_create

        opportunity = opportunity_create(
            actor=actor,
            customer=customer,
            title=(opportunity_title or "").strip() or lead.interest[:100].strip() or lead.name,
            pipeline=pipeline,
            value=int(opportunity_value or 0),
            owner=lead.owner,
            branch=lead.branch,
            lead=lead,
        )
    return customer, opportunity


# --- Sources and assignment rules ---------------------------------------------------------------


def _clean_source(actor: User, source: LeadSource) -> None:
    source.name = (source.name or "").strip()
    if source.branch_id is not None and not branch_scope(actor).allows(source.branch_id):
        raise _error("branch", _("You can only send a source's leads to your own branches."))
    if not source.name:
        raise _error("name", _("Give the source a name."))
    duplicate = LeadSource.objects.filter(name__iexact=source.name).exclude(pk=source.pk).exists()
    if duplicate:
        raise _error("name", _("A source named %(name)s already exists.") % {"name": source.name})
    for name in ("form_title", "form_intro", "form_thanks"):
        setattr(source, name, (getattr(source, name) or "").strip())
    validate_instance(source, exclude=["branch"])


@transaction.atomic
def source_create(*, actor: User, name: str, **fields: Any) -> LeadSource:
    require(actor, "sales.configure")
    source = LeadSource(name=name, **{k: v for k, v in fields.items() if k in SOURCE_FIELDS})
    _clean_source(actor, source)
    source.save()
    audit_created(actor=actor, instance=source, fields=SOURCE_FIELDS)
    return source


@transaction.atomic
def source_update(*, actor: User, source: LeadSource, **fields: Any) -> LeadSource:
    require(actor, "sales.configure")
    source = LeadSource.objects.select_for_update().get(pk=source.pk)
    before = snapshot(source, SOURCE_FIELDS)
    for name, value in fields.items():
        if name not in SOURCE_FIELDS:
            raise _error(name, _("Unknown field: %(field)s") % {"field": name})
        setattr(source, name, value)
    _clean_source(actor, source)
    source.save()
    audit_changed(actor=actor, instance=source, before=before, fields=SOURCE_FIELDS)
    return source


def _clean_rule(actor: User, rule: LeadAssignmentRule, kept_assignee: int | None = None) -> None:
    """`kept_assignee`: the rule's assignee before an edit, who may stay though deactivated since
    (her leads go to the branch's staff in turn meanwhile)."""
    rule.city = (rule.city or "").strip()
    if rule.branch_id is None:
        raise _error("branch", _("Choose the branch whose staff get these leads."))
    if not branch_scope(actor).allows(rule.branch_id):
        raise _error("branch", _("You can only set rules for your own branches."))
    if rule.assign_to_id is None or rule.assign_to_id != kept_assignee:
        _check_owner(rule.assign_to, rule.branch_id, field="assign_to")
    validate_instance(rule, exclude=["source", "branch", "assign_to"])


@transaction.atomic
def rule_create(*, actor: User, branch: Branch | None, **fields: Any) -> LeadAssignmentRule:
    require(actor, "sales.configure")
    if "position" not in fields or fields["position"] is None:
        last = LeadAssignmentRule.objects.order_by("-position").values_list("position", flat=True).first()
        fields["position"] = (last or 0) + 10
    rule = LeadAssignmentRule(branch=branch, **{k: v for k, v in fields.items() if k in RULE_FIELDS})
    _clean_rule(actor, rule)
    rule.save()
    audit_created(actor=actor, instance=rule, fields=RULE_FIELDS, branch_id=rule.branch_id)
    return rule


@transaction.atomic
def rule_update(*, actor: User, rule: LeadAssignmentRule, **fields: Any) -> LeadAssignmentRule:
    require(actor, "sales.configure")
    rule = LeadAssignmentRule.objects.select_for_update().get(pk=rule.pk)
    before = snapshot(rule, RULE_FIELDS)
    for name, value in fields.items():
        if name not in RULE_FIELDS:
            raise _error(name, _("Unknown field: %(field)s") % {"field": name})
        setattr(rule, name, value)
    _clean_rule(actor, rule, kept_assignee=before["assign_to"])
    rule.save()
    audit_changed(actor=actor, instance=rule, before=before, fields=RULE_FIELDS, branch_id=rule.branch_id)
    return rule


@transaction.atomic
def rule_delete(*, actor: User, rule: LeadAssignmentRule) -> None:
    require(actor, "sales.configure")
    audit_log(actor=actor, action="delete", instance=rule, branch_id=rule.branch_id)
    rule.delete()


@transaction.atomic
def rule_move(*, actor: User, rule: LeadAssignmentRule, direction: str) -> None:
    """Swap a rule with its neighbour above ("up") or below ("down"); rules are renumbered 10, 20…"""
    require(actor, "sales.configure")
    if direction not in ("up", "down"):
        raise _error("direction", _("Move a rule up or down."))
    rules = list(LeadAssignmentRule.objects.select_for_update().order_by("position", "id"))
    index = next((i for i, item in enumerate(rules) if item.pk == rule.pk), None)
    if index is None:
        raise NotFoundError(_("Rule not found."))
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(rules):
        rules[index], rules[other] = rules[other], rules[index]
    for position, item in enumerate(rules, start=1):
        if item.position != position * 10:
            LeadAssignmentRule.objects.filter(pk=item.pk).update(position=position * 10)
    audit_log(
        actor=actor,
        action="update",
        instance=rule,
        message=Message(gettext_noop("Moved up") if direction == "up" else gettext_noop("Moved down")),
        branch_id=rule.branch_id,
    )


# --- Import -------------------------------------------------------------------------------------

MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_IMPORT_ROWS = 5000
UPLOAD_KEPT_SECONDS = 24 * 3600  # an upload checked but not confirmed is removed after a day
IMPORT_COLUMNS = [
    "name",
    "phone",
    "email",
    "company_name",
    "city",
    "interest",
    "estimated_value",
    "source",
    "branch",
    "owner",
    "next_follow_up",
    "consent_marketing",
]
IMPORT_ALIASES = {
    "nama": "name",
    "nama lengkap": "name",
    "full name": "name",
    "telepon": "phone",
    "hp": "phone",
    "no hp": "phone",
    "nomor hp": "phone",
    "whatsapp": "phone",
    "mobile": "phone",
    "e-mail": "email",
    "surel": "email",
    "company": "company_name",
    "perusahaan": "company_name",
    "kota": "city",
    "message": "interest",
    "pesan": "interest",
    "minat": "interest",
    "value": "estimated_value",
    "nilai": "estimated_value",
    "sumber": "source",
    "cabang": "branch",
    "pemilik": "owner",
    "follow_up": "next_follow_up",
    "tindak lanjut": "next_follow_up",
    "consent": "consent_marketing",
    "persetujuan": "consent_marketing",
}
_YES = {"1", "y", "yes", "ya", "true", "x", "setuju"}
_NO = {"", "0", "n", "no", "tidak", "false"}


@dataclass
class ImportIssue:
    row: int  # the row's number in the file, the header being row 1
    field: str
    message: str


@dataclass
class ImportCheck:
    rows: list[dict[str, Any]] = dataclasses.field(default_factory=list)  # the checked values, ready for lead_create
    row_numbers: list[int] = dataclasses.field(default_factory=list)
    errors: list[ImportIssue] = dataclasses.field(default_factory=list)
    ignored_columns: list[str] = dataclasses.field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)


def _imports_dir() -> Path:
    directory = Path(settings.MEDIA_ROOT) / "imports" / "leads"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def leads_import_store(*, actor: User, uploaded: Any) -> str:
    """Keep an uploaded file for its check and import; returns the token that names it."""
    require(actor, "leads.import")
    if uploaded is None:
        raise _error("file", _("Choose a file."))
    if uploaded.size > MAX_IMPORT_BYTES:
        raise _error("file", _("The file is larger than 5 MB; split it into smaller files."))
    head = uploaded.read(8)
    uploaded.seek(0)
    file_format = detect_format(uploaded.name, head)
    directory = _imports_dir()
    stale = time.time() - UPLOAD_KEPT_SECONDS
    for old in directory.iterdir():  # files checked but never confirmed
        if old.is_file() and old.stat().st_mtime < stale:
            old.unlink(missing_ok=True)
    token = f"{actor.pk}-{secrets.token_hex(16)}.{file_format}"
    with (directory / token).open("wb") as target:
        for chunk in uploaded.chunks():
            target.write(chunk)
    return token


def leads_import_file(*, actor: User, token: str) -> tuple[Path, str]:
    """The stored file a token names, if this actor uploaded it."""
    require(actor, "leads.import")
    owner, _dash, rest = (token or "").partition("-")
    stem, _dot, file_format = rest.partition(".")
    path = _imports_dir() / f"{owner}-{stem}.{file_format}"
    valid = owner == str(actor.pk) and stem.isalnum() and file_format in ("csv", "xlsx")
    if not valid or not path.is_file():
        raise _error("file", _("The uploaded file is no longer here; upload it again."))
    return path, file_format


def _column(title: str) -> str:
    key = title.strip().lower()
    key = IMPORT_ALIASES.get(key, key.replace(" ", "_"))
    return key if key in IMPORT_COLUMNS else ""


def _whole_rupiah(text: str) -> int:
    amount = parse_rupiah(text)
    if amount is None:
        raise ValueError(text)
    return amount


def _date(text: str) -> dt.date:
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(text)


class _Lookups:
    """Sources, branches and staff named in the file, read once."""

    def __init__(self, actor: User) -> None:
        self.actor = actor
        self.sources = {source.name.lower(): source for source in LeadSource.objects.all()}
        self.branches: dict[str, Branch] = {}
        for branch in Branch.objects.all():
            self.branches[branch.name.lower()] = branch
            self.branches[branch.code.lower()] = branch
        self.users: dict[str, User | None] = {}

    def user(self, username: str) -> User | None:
        key = username.lower()
        if key not in self.users:
            self.users[key] = User.objects.filter(username__iexact=username).first()
        return self.users[key]


def _check_row(cells: dict[str, str], lookups: _Lookups, add: Any) -> dict[str, Any] | None:
    values: dict[str, Any] = {
        name: cells.get(name, "") for name in ("name", "phone", "email", "company_name", "city", "interest")
    }
    failed = False

    def fail(field_name: str, message: str) -> None:
        nonlocal failed
        failed = True
        add(field_name, message)

    if cells.get("estimated_value"):
        try:
            values["estimated_value"] = _whole_rupiah(cells["estimated_value"])
        except ValueError:
            fail("estimated_value", _("“%(value)s” is not an amount in Rupiah.") % {"value": cells["estimated_value"]})
    if cells.get("next_follow_up"):
        try:
            values["next_follow_up"] = _date(cells["next_follow_up"])
        except ValueError:
            fail(
                "next_follow_up", _("“%(value)s” is not a date (use 2025-03-31).") % {"value": cells["next_follow_up"]}
            )
    consent = cells.get("consent_marketing", "").strip().lower()
    if consent in _YES:
        values["consent_marketing"] = True
    elif consent not in _NO:
        fail("consent_marketing", _("“%(value)s” is not yes or no.") % {"value": cells["consent_marketing"]})
    if cells.get("source"):
        source = lookups.sources.get(cells["source"].lower())
        if source is None or not source.active:
            fail("source", _("No active source named %(value)s.") % {"value": cells["source"]})
        values["source"] = source
    if cells.get("branch"):
        branch = lookups.branches.get(cells["branch"].lower())
        if branch is None or not branch.is_active or not branch_scope(lookups.actor).allows(branch.pk):
            fail("branch", _("No branch %(value)s that you may add leads to.") % {"value": cells["branch"]})
        values["branch"] = branch
    if cells.get("owner"):
        owner = lookups.user(cells["owner"])
        if owner is None:
            fail("owner", _("No staff member with the username %(value)s.") % {"value": cells["owner"]})
        values["owner"] = owner
    probe = Lead(**{k: v for k, v in values.items() if k not in ("source", "branch", "owner")})
    try:
        _clean(probe)
    except ApplicationError as error:
        for field_name, messages in error.extra.items():
            fail(field_name, str(messages[0]))
    else:
        values["phone"], values["email"] = probe.phone, probe.email
    owner = values.get("owner")
    branch = values.get("branch") or lookups.actor.branch
    if owner is not None:
        try:
            _check_owner(owner, branch.pk if branch is not None else None)
        except ApplicationError as error:
            fail("owner", error.message)
    return None if failed else values


def leads_import_check(*, actor: User, path: Path, file_format: str) -> ImportCheck:
    """Read and check every row of a lead file; nothing is written. Each problem names the row and
    the column. Rows repeating a phone or email of an earlier row, or of a lead still open in Setia,
    are refused so that importing a file twice does not double its leads."""
    require(actor, "leads.import")
    rows = read_rows(path, file_format)
    header = next(rows, None)
    if header is None:
        raise _error("file", _("The file is empty."))
    columns = [_column(title) for title in header]
    if "name" not in columns:
        raise _error("file", _("The file needs a name column (name or nama)."))
    if "phone" not in columns and "email" not in columns:
        raise _error("file", _("The file needs a phone or an email column."))
    check = ImportCheck(ignored_columns=[title for title, column in zip(header, columns, strict=True) if not column])
    lookups = _Lookups(actor)
    seen: dict[str, int] = {}
    for number, cells in enumerate(rows, start=2):
        if number - 1 > MAX_IMPORT_ROWS:
            raise _error("file", _("The file has more than %(count)s leads; split it.") % {"count": MAX_IMPORT_ROWS})
        named = {column: cells[index] for index, column in enumerate(columns) if column and index < len(cells)}

        def add(field_name: str, message: str, row: int = number) -> None:
            check.errors.append(ImportIssue(row, field_name, message))

        values = _check_row(named, lookups, add)
        if values is None:
            continue
        duplicate = False
        for key_field in ("phone", "email"):
            key = values.get(key_field)
            if not key:
                continue
            if key in seen:
                add(key_field, _("The same as row %(row)s.") % {"row": seen[key]})
                duplicate = True
                continue
            seen[key] = number
            existing = Lead.objects.filter(**{key_field: key}).exclude(status=Lead.Status.CONVERTED).first()
            if existing is not None:
                add(key_field, _("The lead %(name)s already has it.") % {"name": existing.name})
                duplicate = True
        if not duplicate:
            check.rows.append(values)
            check.row_numbers.append(number)
    return check


@transaction.atomic
def leads_import(*, actor: User, path: Path, file_format: str) -> list[Lead]:
    """Write every row of a checked file, or nothing: the file is checked again in the same
    transaction and any error refuses the whole import."""
    check = leads_import_check(actor=actor, path=path, file_format=file_format)
    if check.errors:
        first = check.errors[0]
        message = _("Row %(row)s, %(field)s: %(message)s") % {
            "row": first.row,
            "field": first.field,
            "message": first.message,
        }
        raise _error("file", message)
    if not check.rows:
        raise _error("file", _("The file has no leads."))
    leads = [lead_create(actor=actor, channel=Lead.Channel.IMPORT, **values) for values in check.rows]
    audit_log(
        actor=actor,
        action="other",
        instance=actor,
        message=Message(gettext_noop("Imported %(count)s leads"), {"count": len(leads)}),
    )
    return leads
