"""Site-wide safety net: every named GET page of the product, for every persona, on the demo business.

Catches 500s, pages that leak to a role without the capability of their navigation section, and
template variables that do not resolve. A new URL must be crawled (fill its parameters below) or
listed in EXCLUDED with a reason: `test_every_named_url_is_crawled_or_excluded` fails otherwise.
"""

import copy
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from setia.core.navigation import _sections
from setia.demo.data import DEMO_USERS

INVALID = "@@INVALID-TEMPLATE-VARIABLE@@"


class _Missing(str):
    """TEMPLATES' string_if_invalid during the crawl. Falsy, so Django still applies the filters
    (`{{ query|default:'' }}` stays a deliberate, working idiom) and only a bare missing variable
    prints the marker."""

    def __bool__(self) -> bool:
        return False


PERSONAS = ["anonymous", *(username for username, _role, _branch in DEMO_USERS)]

# Named URLs that are not crawled, and why. Namespaces are excluded whole when the key ends in ":".
EXCLUDED: dict[str, str] = {
    "admin:": "Django admin for support staff; not a product page",
    "api:": "the JSON API has its own tests per endpoint (setia/*/tests/test_api*.py)",
    "account_logout": "signing out is a POST; a GET only shows a confirmation and ends nothing",
    "set_language": "language switch (POST redirect), not a page",
}

# Pages open without signing in, and the status the anonymous visitor gets.
PUBLIC: dict[str, int] = {
    "healthz": 200,
    "account_login": 200,
    "account_signup": 200,  # the "sign-up is closed" page (StaffAccountAdapter)
    "account_reset_password": 200,
    "account_reset_password_done": 200,
    "account_reset_password_from_key": 200,  # the "bad or expired link" page for a wrong key
    "account_reset_password_from_key_done": 200,
    "account_confirm_email": 200,  # "this confirmation link is invalid" for a wrong key
    "account_inactive": 200,
    "account_email_verification_sent": 200,
    "sales:lead_form": 200,  # the public web form of a lead source (its key is the secret)
    "loyalty:referral_invite": 200,  # a member's invitation for a friend (her referral link)
}

# Several pages take a word from a fixed list as a parameter: crawl each value.
VARIANTS: dict[str, list[str]] = {
    "customers:region_options": ["regency", "district"],
    "sales:activities_for_record": ["customer", "lead", "opportunity"],
    "loyalty:config_list": [],  # filled below from setia.loyalty.views.KINDS
    "loyalty:config_create": [],
    "loyalty:config_edit": [],
}


def _loyalty_slugs() -> list[str]:
    from setia.loyalty.views import KINDS

    return list(KINDS)


for _name in ("loyalty:config_list", "loyalty:config_create", "loyalty:config_edit"):
    VARIANTS[_name] = _loyalty_slugs()


# --- The URL tree ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str
    params: tuple[str, ...]
    view: Callable[..., Any]


def _routes() -> list[Route]:
    found: list[Route] = []

    def walk(patterns: list[Any], namespace: str, params: tuple[str, ...]) -> None:
        for pattern in patterns:
            own = tuple(pattern.pattern.regex.groupindex)
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, inner, params + own)
            elif isinstance(pattern, URLPattern) and pattern.name:
                found.append(Route(f"{namespace}{pattern.name}", params + own, pattern.callback))

    walk(get_resolver().url_patterns, "", ())
    return found


def _allowed_methods(view: Callable[..., Any]) -> list[str] | None:
    """The methods a `require_http_methods` decorator anywhere in the view's wrappers allows."""
    layer: Any = view
    while layer is not None:
        code = getattr(layer, "__code__", None)
        if code is not None and "request_method_list" in code.co_freevars:
            cell = layer.__closure__[code.co_freevars.index("request_method_list")]
            return list(cell.cell_contents)
        layer = getattr(layer, "__wrapped__", None)
    return None


def _excluded(name: str) -> str | None:
    if name in EXCLUDED:
        return EXCLUDED[name]
    namespace = name.split(":")[0] + ":" if ":" in name else ""
    return EXCLUDED.get(namespace) if namespace else None


def _post_only(route: Route) -> bool:
    methods = _allowed_methods(route.view)
    return methods is not None and "GET" not in methods


ROUTES = _routes()
CRAWLED = [route for route in ROUTES if not _excluded(route.name) and not _post_only(route)]
CASES = [
    f"{route.name}[{variant}]" if variant else route.name
    for route in CRAWLED
    for variant in (VARIANTS.get(route.name) or [""])
]

# --- Filling path parameters from the demo data ---------------------------------------------


def _models() -> dict[tuple[str, str], Any]:
    """(namespace, prefix of the URL name) → the model whose pk fills `pk`. Longest prefix wins;
    an empty prefix is the namespace's own record (customers:detail is a customer)."""
    from setia.accounts.models import ApiKey, Branch, Team
    from setia.catalog.models import Category, Product
    from setia.core.models import Notification
    from setia.customers.models import Customer, CustomerImport, CustomFieldDefinition, DuplicateCandidate, SavedView
    from setia.loyalty.models import Programme, Voucher
    from setia.sales.models import (
        Activity,
        Appointment,
        Driver,
        Lead,
        LeadAssignmentRule,
        LeadSource,
        LostReason,
        Opportunity,
        Order,
        OrderImport,
        Pipeline,
        Quote,
        Stage,
        Subscription,
        Trip,
    )
    from setia.segments.models import Segment

    return {
        ("accounts", "staff"): get_user_model(),
        ("accounts", "branch"): Branch,
        ("accounts", "team"): Team,
        ("accounts", "api_key"): ApiKey,
        ("core", "notification"): Notification,
        ("customers", ""): Customer,
        ("customers", "view"): SavedView,
        ("customers", "duplicate"): DuplicateCandidate,
        ("customers", "import"): CustomerImport,
        ("customers", "field"): CustomFieldDefinition,
        ("catalog", "product"): Product,
        ("catalog", "category"): Category,
        ("segments", ""): Segment,
        ("loyalty", "voucher"): Voucher,
        ("loyalty", "programme"): Programme,
        ("sales", "order"): Order,
        ("sales", "order_import"): OrderImport,
        ("sales", "trip"): Trip,
        ("sales", "driver"): Driver,
        ("sales", "appointment"): Appointment,
        ("sales", "lead"): Lead,
        ("sales", "lead_source"): LeadSource,
        ("sales", "lead_rule"): LeadAssignmentRule,
        ("sales", "opportunity"): Opportunity,
        ("sales", "pipeline"): Pipeline,
        ("sales", "stage"): Stage,
        ("sales", "lost_reason"): LostReason,
        ("sales", "quote"): Quote,
        ("sales", "subscription"): Subscription,
        ("sales", "activity"): Activity,
    }


def _model_for(name: str) -> Any:
    namespace, _sep, local = name.rpartition(":")
    matches = [
        (len(prefix), model)
        for (space, prefix), model in _models().items()
        if space == namespace and (prefix == "" or local == prefix or local.startswith(prefix + "_"))
    ]
    if not matches:
        raise LookupError(f"no model for the pk of {name}: add it to _models()")
    return max(matches, key=lambda match: match[0])[1]


def _first(model: Any, branch: Any) -> int:
    """A record in the front office's branch where the model has one, so the 200 path is walked."""
    rows = model._default_manager.order_by("pk")
    field_names = {field.name for field in model._meta.get_fields()}
    for field in ("branch", "home_branch"):
        if field in field_names and rows.filter(**{field: branch}).exists():
            return int(rows.filter(**{field: branch}).values_list("pk", flat=True)[0])
    pk = rows.values_list("pk", flat=True).first()
    if pk is None:
        raise LookupError(f"the demo data has no {model.__name__}")
    return int(pk)


def _kwargs(case: str, demo: "Demo") -> dict[str, Any]:
    from setia.core.models import AuditEvent
    from setia.customers.models import Customer
    from setia.loyalty.models import Membership
    from setia.loyalty.views import KINDS
    from setia.sales.models import Lead, LeadSource, Opportunity, Pipeline, Stage

    name, _sep, variant = case.partition("[")
    variant = variant.rstrip("]")
    route = next(route for route in CRAWLED if route.name == name)
    kwargs: dict[str, Any] = {}
    for param in route.params:
        if name == "core:audit_record":
            event = AuditEvent.objects.filter(object_type="customers.customer").order_by("pk").first()
            assert event is not None
            kwargs.update(object_type=event.object_type, object_id=event.object_id)
        elif name == "sales:lead_form":
            kwargs[param] = LeadSource.objects.filter(form_enabled=True).order_by("pk").first().form_key  # type: ignore[union-attr]
        elif name == "loyalty:referral_invite":
            kwargs[param] = Membership.objects.order_by("pk").values_list("referral_code", flat=True)[0]
        elif name == "sales:activities_for_record" and param == "record":
            kwargs[param] = variant
        elif name == "sales:activities_for_record" and param == "pk":
            model = {"customer": Customer, "lead": Lead, "opportunity": Opportunity}[variant]
            kwargs[param] = _first(model, demo.branch)
        elif param in ("level", "slug"):
            kwargs[param] = variant
        elif name == "loyalty:config_edit" and param == "pk":
            kwargs[param] = _first(KINDS[variant].model, demo.branch)
        elif param == "customer_id":  # loyalty member pages: a member
            kwargs[param] = Membership.objects.order_by("pk").values_list("customer_id", flat=True)[0]
        elif param == "stage_id":
            kwargs[param] = _first(Stage, demo.branch)
        elif param == "pipeline_pk":
            kwargs[param] = _first(Pipeline, demo.branch)
        elif param == "key":  # allauth e-mail confirmation / password reset: a wrong key
            kwargs[param] = "wrong-key"
        elif param == "uidb36":
            kwargs[param] = "0"
        elif param == "pk":
            kwargs[param] = _first(_model_for(name), demo.branch)
        else:
            raise LookupError(f"no value for <{param}> of {name}: fill it in _kwargs()")
    return kwargs


# --- The demo business, once per module -----------------------------------------------------


@dataclass
class Demo:
    branch: Any  # the branch of the front-office demo users
    users: dict[str, Any]
    cookies: dict[str, Any]  # a signed-in session per persona, made once (force_login costs a write)


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    from setia.customers import imports
    from setia.customers.services import custom_field_create
    from setia.demo.services import seed_demo
    from setia.loyalty.models import Programme, Reward, ValueProposition
    from setia.segments.services import segment_create

    templates: list[dict[str, Any]] = copy.deepcopy(settings.TEMPLATES)
    templates[0]["OPTIONS"]["string_if_invalid"] = _Missing(INVALID)
    overrides = override_settings(TEMPLATES=templates, MEDIA_ROOT=str(tmp_path_factory.mktemp("media")))
    with django_db_blocker.unblock(), overrides:
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            seed_demo(profile="salon", customers=40, orders=200)
            users = {user.username: user for user in get_user_model().objects.filter(username__in=PERSONAS)}
            owner = users["admin"]
            # Records the demo does not create, so their pages are crawled too.
            custom_field_create(actor=owner, key="crawl_note", label="Note", field_type="text")
            upload = SimpleUploadedFile("customers.csv", b"name,phone\nSiti Aminah,081234567890\n")
            imports.import_upload(actor=owner, uploaded=upload, mode="create")
            from setia.sales.services.order_imports import order_import_check_run, order_import_upload

            past = SimpleUploadedFile("orders.csv", b"customer_ref,date,amount\nNOBODY,2024-01-05,50000\n")
            order_import_check_run(order_import_upload(actor=owner, uploaded=past).pk)
            segment_create(actor=owner, name="Crawl list", definition={}, kind="static")
            from setia.sales.services.drivers import driver_create

            driver_create(
                actor=owner,
                name="Pak Joko",
                phone="0812 3456 7890",
                vehicle_plate="B 1234 XYZ",
                branch=users["manager"].branch,
            )
            Reward.objects.create(name="Free hair wash", points_cost=100)
            proposition = ValueProposition.objects.create(name="Members first", kind=ValueProposition.Kind.values[0])
            Programme.objects.create(
                name="Welcome back",
                kind=Programme.Kind.values[0],
                goal="Bring lapsed members back",
                value_proposition=proposition,
                starts_on=timezone.localdate(),
            )
            cookies = {}
            for persona in PERSONAS[1:]:
                signed_in = Client()
                signed_in.force_login(users[persona])
                cookies[persona] = signed_in.cookies
            yield Demo(branch=users["manager"].branch, users=users, cookies=cookies)
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _marker_positions(html: str) -> list[int]:
    positions: list[int] = []
    start = 0
    while (found := html.find(INVALID, start)) != -1 and len(positions) < 5:
        positions.append(found)
        start = found + 1
    return positions


def _client(demo: Demo, persona: str) -> Client:
    client = Client()
    if persona != "anonymous":
        client.cookies = copy.deepcopy(demo.cookies[persona])
    return client


SECTIONS = {section.url_name: section for section in _sections.values()}


# --- Tests ----------------------------------------------------------------------------------


def test_every_named_url_is_crawled_or_excluded() -> None:
    crawled = {route.name for route in CRAWLED}
    for route in ROUTES:
        assert route.name in crawled or _excluded(route.name) or _post_only(route), route.name
    names = {route.name for route in ROUTES}
    stale = [key for key in EXCLUDED if not key.endswith(":") and key not in names]
    assert not stale, f"EXCLUDED names that no longer exist: {stale}"
    assert set(PUBLIC) <= crawled
    assert set(SECTIONS) <= crawled, "every navigation section's page is crawled"


def test_post_only_detection_sees_the_decorators() -> None:
    post_only = {route.name for route in ROUTES if _post_only(route)}
    assert {"sales:order_refund", "core:notification_read", "catalog:product_archive"} <= post_only
    assert "sales:order_detail" not in post_only


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("case", CASES)
def test_page(case: str, persona: str, demo: Demo, db: None) -> None:
    name = case.partition("[")[0]
    url = reverse(name, kwargs=_kwargs(case, demo))
    response = _client(demo, persona).get(url)
    status = response.status_code
    assert status < 500, f"{url} as {persona}: {status}"
    if persona == "anonymous":
        if name in PUBLIC:
            assert status == PUBLIC[name], f"{url}: {status}"
        else:
            login = reverse("account_login")
            assert status == 302 and response["Location"].startswith(login), f"{url} open to anonymous: {status}"
    else:
        assert status in (200, 302, 403, 404), f"{url} as {persona}: {status}"
        section = SECTIONS.get(name)
        if section is not None and section.capability:
            if demo.users[persona].has_capability(section.capability):
                assert status == 200, f"{url}: {persona} holds {section.capability} but gets {status}"
            else:
                assert status != 200, f"{url}: {persona} lacks {section.capability} but gets the page"
    if status == 200 and response.get("Content-Type", "").startswith("text/html"):
        html = response.content.decode()
        assert INVALID not in html, f"{url} as {persona}: a template variable is missing: " + " | ".join(
            html[max(0, i - 120) : i + 40].replace("\n", " ") for i in _marker_positions(html)
        )


def test_lead_form_with_a_wrong_key_is_not_found(demo: Demo, db: None) -> None:
    response = Client().get(reverse("sales:lead_form", kwargs={"form_key": "no-such-form"}))
    assert response.status_code == 404
