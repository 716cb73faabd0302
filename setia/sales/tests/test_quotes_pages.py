"""Quote pages and API: who may open what, the form with its lines, the actions, the API's
validation, the 360° timeline and a customer merge."""

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from setia.accounts.models import User
from setia.accounts.services import api_key_create
from setia.conftest import Business, client_for, make_user
from setia.customers.merge import customers_merge
from setia.customers.models import Customer, CustomerEmail
from setia.customers.timeline import timeline_for
from setia.sales.models import Opportunity, Order, Quote
from setia.sales.services import pipeline, quotes
from setia.sales.services.quotes import QuoteLineIn


@pytest.fixture
def team(business: Business) -> dict[str, User]:
    return {
        "sales_a": make_user("sales_a", "sales", business.branch_a, first_name="Dewi"),
        "sales_b": make_user("sales_b", "sales", business.branch_b, first_name="Bayu"),
    }


@pytest.fixture
def quote(business: Business, team: dict, shop: dict) -> Quote:
    CustomerEmail.objects.create(customer=shop["customer"], email="siti@example.co.id", is_primary=True)
    return quotes.quote_create(
        actor=team["sales_a"],
        customer=shop["customer"],
        branch=business.branch_a,
        lines=[QuoteLineIn(product_id=shop["creambath"].pk, quantity=2, discount_percent=10)],
        title="Paket creambath",
    )


PERSONAS = [
    "anonymous",
    "other_branch_sales",
    "same_branch_cashier",
    "same_branch_sales",
    "analyst",
    "manager",
    "owner",
]


def _user(business: Business, team: dict, persona: str) -> User | None:
    return {
        "anonymous": None,
        "other_branch_sales": team["sales_b"],
        "same_branch_cashier": business.cashier_a,
        "same_branch_sales": team["sales_a"],
        "analyst": business.analyst,
        "manager": business.manager,
        "owner": business.owner,
    }[persona]


@pytest.mark.parametrize("persona", PERSONAS)
def test_pages_by_persona(business: Business, team: dict, shop: dict, quote: Quote, persona: str) -> None:
    user = _user(business, team, persona)
    web = client_for(user)
    reading = [
        reverse("sales:quote_list"),
        reverse("sales:quote_detail", args=[quote.pk]),
        reverse("sales:quote_pdf", args=[quote.pk]),
    ]
    writing = [
        reverse("sales:quote_new") + f"?customer={shop['customer'].pk}",
        reverse("sales:quote_edit", args=[quote.pk]),
    ]
    for url in reading + writing:
        response = web.get(url)
        if user is None:
            assert response.status_code == 302 and "/accounts/login" in response["Location"], url
        elif persona == "same_branch_cashier":
            assert response.status_code == 403, url  # cashiers do not work with quotes
        elif persona == "analyst" and url in writing:
            assert response.status_code == 403, url  # analysts read quotes, never change them
        elif persona == "other_branch_sales" and url not in (reading[0], writing[0]):
            assert response.status_code == 404, url
        elif persona == "other_branch_sales" and url == writing[0]:
            assert response.status_code == 404, url  # branch A's customer is not theirs to see
        else:
            assert response.status_code == 200, (url, response.status_code)
    if persona == "other_branch_sales":
        assert quote.number not in web.get(reading[0]).content.decode()
    if persona in ("same_branch_sales", "manager", "owner"):
        page = web.get(reading[0]).content.decode()
        assert quote.number in page and 'data-testid="quote-row"' in page


@pytest.mark.parametrize("persona", PERSONAS)
def test_actions_by_persona(
    business: Business,
    team: dict,
    quote: Quote,
    persona: str,
    mailoutbox: list,
    django_capture_on_commit_callbacks: Any,
) -> None:
    user = _user(business, team, persona)
    web = client_for(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = web.post(reverse("sales:quote_send", args=[quote.pk]), {"to": "siti@example.co.id"})
    quote.refresh_from_db()
    if persona in ("same_branch_sales", "manager", "owner"):
        assert response.status_code == 302 and quote.status == "sent" and len(mailoutbox) == 1
        response = web.post(reverse("sales:quote_reject", args=[quote.pk]), {"reason": "Terlalu mahal"})
        quote.refresh_from_db()
        assert response.status_code == 302 and quote.status == "rejected"
    else:
        expected = {"anonymous": 302, "other_branch_sales": 404}.get(persona, 403)
        assert response.status_code == expected and quote.status == "draft" and mailoutbox == []
        for action in ("quote_accept", "quote_reject"):
            assert web.post(reverse(f"sales:{action}", args=[quote.pk])).status_code == expected
        assert Quote.objects.get().status == "draft"


def test_settings_page_by_persona(business: Business, team: dict) -> None:
    url = reverse("sales:quote_settings")
    assert client_for(None).get(url).status_code == 302
    assert client_for(team["sales_a"]).get(url).status_code == 403
    assert client_for(business.manager).get(url).status_code == 200
    web = client_for(business.owner)
    assert web.post(url, {"quote_validity_days": "0", "quote_terms": ""}).status_code == 200
    response = web.post(url, {"quote_validity_days": "30", "quote_terms": "  Bayar 50% di muka. "})
    assert response.status_code == 302
    from setia.sales.models import SalesSettings

    row = SalesSettings.objects.get()
    assert (row.quote_validity_days, row.quote_terms) == (30, "Bayar 50% di muka.")


def _form(business: Business, **extra: Any) -> dict[str, Any]:
    data = {
        "branch": business.branch_a.pk,
        "title": "Perawatan untuk arisan",
        "valid_until": (timezone.localdate() + dt.timedelta(days=10)).isoformat(),
        "notes": "",
        "terms": "Harga berlaku 10 hari.",
        "line_product": [],
        "line_description": [],
        "line_quantity": [],
        "line_price": [],
        "line_discount": [],
    }
    data.update(extra)
    return data


def test_new_quote_through_the_form(business: Business, team: dict, shop: dict) -> None:
    web = client_for(team["sales_a"])
    url = reverse("sales:quote_new") + f"?customer={shop['customer'].pk}"
    page = web.get(url).content.decode()
    assert "Siti Rahma" in page and 'data-testid="quote-line"' in page
    lines = {
        "line_product": [str(shop["creambath"].pk), "", ""],
        "line_description": ["", "Rias wajah", ""],
        "line_quantity": ["3", "1", "1"],
        "line_price": ["", "250.000", ""],
        "line_discount": ["10", "", ""],
    }
    # "Add line" with HTMX answers with the lines part only, one row longer, priced.
    added = web.post(url, _form(business, **lines, action="add_line"), headers={"HX-Request": "true"})
    html = added.content.decode()
    assert added.status_code == 200 and "<html" not in html
    assert html.count('data-testid="quote-line"') == 4 and "Rp 655.000" in html  # 405.000 + 250.000
    # A change in a line answers with the amounts and totals only (out of band), never the inputs,
    # so that nothing typed meanwhile is replaced.
    refreshed = web.post(url, _form(business, **lines, action="refresh"), headers={"HX-Request": "true"})
    html = refreshed.content.decode()
    assert "<input" not in html and "<select" not in html and 'hx-swap-oob="true"' in html
    assert 'id="line-0-amount"' in html and "Rp 405.000" in html and "Rp 655.000" in html
    removed = web.post(url, _form(business, **lines, action="remove:1"), headers={"HX-Request": "true"})
    assert removed.content.decode().count('data-testid="quote-line"') == 2
    saved = web.post(url, _form(business, **lines, action="save"))
    created = Quote.objects.get()
    assert saved.status_code == 302 and saved["Location"] == reverse("sales:quote_detail", args=[created.pk])
    assert (created.title, created.total, created.terms) == (
        "Perawatan untuk arisan",
        655_000,
        "Harga berlaku 10 hari.",
    )
    assert list(created.lines.values_list("description", "quantity", "unit_price", "line_total")) == [
        ("Creambath", 3, 150_000, 405_000),
        ("Rias wajah", 1, 250_000, 250_000),
    ]
    detail = web.get(saved["Location"]).content.decode()
    for testid in ("quote-send", "quote-pdf", "quote-edit"):
        assert f'data-testid="{testid}"' in detail
    assert 'data-testid="quote-accept"' not in detail  # only once sent


def test_the_form_shows_a_bad_line_and_saves_nothing(business: Business, team: dict, shop: dict) -> None:
    web = client_for(team["sales_a"])
    url = reverse("sales:quote_new") + f"?customer={shop['customer'].pk}"
    bad = {
        "line_product": [""],
        "line_description": ["Rias wajah"],
        "line_quantity": ["1"],
        "line_price": ["dua ratus"],
        "line_discount": [""],
    }
    response = web.post(url, _form(business, **bad, action="save"))
    assert response.status_code == 200 and Quote.objects.count() == 0
    html = response.content.decode()
    assert 'data-testid="line-errors"' in html and "dua ratus" in html  # the typed value stays
    past = web.post(
        url,
        _form(
            business,
            **{**bad, "line_price": ["200000"]},
            valid_until=(timezone.localdate() - dt.timedelta(days=1)).isoformat(),
            action="save",
        ),
    )
    assert 'data-field-error="valid_until"' in past.content.decode() and Quote.objects.count() == 0


def test_choose_a_customer_first(business: Business, team: dict, shop: dict) -> None:
    web = client_for(team["sales_a"])
    page = web.get(reverse("sales:quote_new") + "?q=siti").content.decode()
    assert f"?customer={shop['customer'].pk}" in page


def _opportunity(business: Business, shop: dict) -> Opportunity:
    board = pipeline.default_pipeline()
    opportunity = Opportunity.objects.create(
        title="Paket arisan",
        customer=shop["customer"],
        pipeline=board,
        stage=board.stages.order_by("position")[0],
        branch=business.branch_a,
        value=450_000,
    )
    opportunity.lines.create(product=shop["shampoo"], description="Sampo", quantity=10, unit_price=45_000)
    return opportunity


def test_from_an_opportunity_to_an_order_through_the_pages(
    business: Business, team: dict, shop: dict, quote: Quote, mailoutbox: list, django_capture_on_commit_callbacks: Any
) -> None:
    """The salesperson's walk: the opportunity's quote, send it, the customer accepts, an order."""
    opportunity = _opportunity(business, shop)
    web = client_for(team["sales_a"])
    url = reverse("sales:quote_new") + f"?opportunity={opportunity.pk}"
    page = web.get(url).content.decode()
    assert "Paket arisan" in page and 'value="45000"' in page
    data = _form(
        business,
        title="Paket arisan",
        opportunity=str(opportunity.pk),
        line_product=[str(shop["shampoo"].pk), ""],
        line_description=["Sampo", ""],
        line_quantity=["10", "1"],
        line_price=["45000", ""],
        line_discount=["", ""],
        action="save",
    )
    saved = web.post(reverse("sales:quote_new"), data)
    made = Quote.objects.get(opportunity=opportunity)
    assert saved.status_code == 302 and made.total == 450_000 and made.customer == shop["customer"]
    detail_url = reverse("sales:quote_detail", args=[made.pk])
    assert 'value="siti@example.co.id"' in web.get(detail_url).content.decode()  # prefilled
    with django_capture_on_commit_callbacks(execute=True):
        web.post(reverse("sales:quote_send", args=[made.pk]), {"to": "siti@example.co.id"})
    assert mailoutbox[0].attachments[0][0] == f"{made.number}.pdf"
    assert 'data-testid="quote-accept"' in web.get(detail_url).content.decode()
    web.post(reverse("sales:quote_accept", args=[made.pk]), {"create_order": "1"})
    made.refresh_from_db()
    order = Order.objects.get()
    assert made.status == "accepted" and made.order == order
    page = web.get(detail_url).content.decode()
    assert order.number in page and 'data-testid="quote-order"' in page
    opportunity.refresh_from_db()
    assert opportunity.status == "won" and opportunity.order == order


def test_an_illegal_move_is_shown_as_a_message(business: Business, team: dict, quote: Quote) -> None:
    web = client_for(team["sales_a"])
    response = web.post(reverse("sales:quote_accept", args=[quote.pk]), {"create_order": "1"}, follow=True)
    with translation.override(team["sales_a"].language or "id"):
        expected = gettext("Only a sent quote can be accepted; %(number)s is %(status)s.") % {
            "number": quote.number,
            "status": gettext("draft"),
        }
    assert expected in response.content.decode()
    assert Quote.objects.get().status == "draft" and Order.objects.count() == 0


def test_the_pdf_download(business: Business, team: dict, quote: Quote) -> None:
    response = client_for(team["sales_a"]).get(reverse("sales:quote_pdf", args=[quote.pk]) + "?download=1")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{quote.number}.pdf"'
    assert response.content.startswith(b"%PDF-")


def test_list_filters(business: Business, team: dict, shop: dict, quote: Quote, mailoutbox: list) -> None:
    other = Customer.objects.create(name="Budi Santoso", search_name="budi santoso", home_branch=business.branch_a)
    second = quotes.quote_create(
        actor=team["sales_a"],
        customer=other,
        branch=business.branch_a,
        lines=[QuoteLineIn(description="Potong rambut", unit_price=75_000)],
    )
    quotes.quote_send(actor=team["sales_a"], quote=second, to="budi@example.com")
    web = client_for(team["sales_a"])

    def numbers(query: str) -> set[str]:
        html = web.get(reverse("sales:quote_list") + query).content.decode()
        return {number for number in (quote.number, second.number) if number in html}

    assert numbers("") == {quote.number, second.number}
    assert numbers("?status=sent") == {second.number}
    assert numbers(f"?customer={shop['customer'].pk}") == {quote.number}
    assert numbers("?q=budi") == {second.number}
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    assert numbers(f"?from={tomorrow}") == set()
    assert numbers(f"?to={timezone.localdate().isoformat()}") == {quote.number, second.number}
    assert numbers("?status=bogus&from=not-a-date") == {quote.number, second.number}


# --- API ------------------------------------------------------------------------------------------


def _api(user: User) -> tuple[Client, dict[str, str]]:
    _record, key = api_key_create(actor=user, name="crm")
    return Client(), {"Authorization": f"Bearer {key}"}


def test_api_create_send_accept(business: Business, team: dict, shop: dict, mailoutbox: list) -> None:
    CustomerEmail.objects.create(customer=shop["customer"], email="siti@example.co.id", is_primary=True)
    client, headers = _api(team["sales_a"])
    body = {
        "customer_id": shop["customer"].pk,
        "branch_id": business.branch_a.pk,
        "title": "Via API",
        "lines": [
            {"product_id": shop["creambath"].pk, "quantity": 2, "discount_percent": "10"},
            {"description": "Rias", "unit_price": 250_000},
        ],
    }
    created = client.post("/api/v1/quotes", body, content_type="application/json", headers=headers)
    assert created.status_code == 201, created.content
    data = created.json()
    assert (data["status"], data["total"], data["subtotal"], data["discount_total"]) == (
        "draft",
        520_000,
        550_000,
        30_000,
    )
    assert [line["line_total"] for line in data["lines"]] == [270_000, 250_000]
    quote_id = data["id"]
    listed = client.get("/api/v1/quotes?status=draft", headers=headers).json()
    assert [item["id"] for item in listed["items"]] == [quote_id] and listed["next_cursor"] is None
    sent = client.post(f"/api/v1/quotes/{quote_id}/send", {}, content_type="application/json", headers=headers)
    assert sent.status_code == 200 and sent.json()["sent_to"] == "siti@example.co.id"
    accepted = client.post(
        f"/api/v1/quotes/{quote_id}/accept", {"create_order": True}, content_type="application/json", headers=headers
    )
    order = Order.objects.get()
    assert accepted.json()["status"] == "accepted" and accepted.json()["order_number"] == order.number
    again = client.post(f"/api/v1/quotes/{quote_id}/reject", {}, content_type="application/json", headers=headers)
    with translation.override(team["sales_a"].language or "id"):
        expected = gettext("Only a sent quote can be rejected; %(number)s is %(status)s.") % {
            "number": data["number"],
            "status": gettext("accepted"),
        }
    assert again.status_code == 400 and again.json()["extra"] == {"status": [expected]}
    pdf = client.get(f"/api/v1/quotes/{quote_id}/pdf", headers=headers)
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"customer_id": 999_999}, "customer_id"),
        ({"branch_id": 999_999}, "branch_id"),
        ({"opportunity_id": 999_999}, "opportunity_id"),
        ({"lines": []}, "lines"),
        ({"lines": [{"description": "X", "unit_price": 1000, "discount_percent": 150}]}, "lines"),
        ({"lines": [{"description": "X", "unit_price": 1000, "quantity": 0}]}, "lines[1].quantity"),
        ({"lines": [{"description": "", "unit_price": 1000}]}, "lines[1].description"),
        ({"valid_until": "2001-01-01"}, "valid_until"),
        ({"valid_until": "besok"}, "valid_until"),
    ],
)
def test_api_validation(business: Business, team: dict, shop: dict, change: dict, field: str) -> None:
    client, headers = _api(team["sales_a"])
    body = {
        "customer_id": shop["customer"].pk,
        "branch_id": business.branch_a.pk,
        "lines": [{"description": "Rias", "unit_price": 250_000}],
        **change,
    }
    response = client.post("/api/v1/quotes", body, content_type="application/json", headers=headers)
    assert response.status_code == 400, response.content
    assert any(key.startswith(field) for key in response.json()["extra"]), response.json()
    assert Quote.objects.count() == 0


@pytest.mark.parametrize("persona", PERSONAS)
def test_api_by_persona(business: Business, team: dict, quote: Quote, persona: str, mailoutbox: list) -> None:
    user = _user(business, team, persona)
    client, headers = (Client(), {}) if user is None else _api(user)
    base = f"/api/v1/quotes/{quote.pk}"
    requests = {
        "list": client.get("/api/v1/quotes", headers=headers),
        "get": client.get(base, headers=headers),
        "pdf": client.get(f"{base}/pdf", headers=headers),
        "reject": client.post(f"{base}/reject", {}, content_type="application/json", headers=headers),
    }
    statuses = {name: response.status_code for name, response in requests.items()}
    expected = {
        "anonymous": {"list": 401, "get": 401, "pdf": 401, "reject": 401},
        "other_branch_sales": {"list": 200, "get": 404, "pdf": 404, "reject": 404},
        "same_branch_cashier": {"list": 403, "get": 403, "pdf": 403, "reject": 403},
        "analyst": {"list": 200, "get": 200, "pdf": 200, "reject": 403},
        # a draft cannot be rejected: the move is refused, naming the status
        "same_branch_sales": {"list": 200, "get": 200, "pdf": 200, "reject": 400},
        "manager": {"list": 200, "get": 200, "pdf": 200, "reject": 400},
        "owner": {"list": 200, "get": 200, "pdf": 200, "reject": 400},
    }[persona]
    assert statuses == expected
    if persona == "other_branch_sales":
        assert requests["list"].json()["items"] == []
    assert Quote.objects.get().status == "draft"


# --- Timeline and merge -----------------------------------------------------------------------------


def test_quotes_on_the_timeline_and_moved_by_a_merge(
    business: Business, team: dict, shop: dict, quote: Quote, mailoutbox: list
) -> None:
    quotes.quote_send(actor=team["sales_a"], quote=quote)
    quotes.quote_accept(actor=team["sales_a"], quote=quote, create_order=False)
    entries = [entry for entry in timeline_for(shop["customer"]) if entry.kind == "quotes"]
    assert [entry.title for entry in entries] == [
        f"Quote {quote.number} accepted",
        f"Quote {quote.number} sent",
    ]
    assert entries[0].url == reverse("sales:quote_detail", args=[quote.pk])
    duplicate = Customer.objects.create(name="Siti R.", search_name="siti r", home_branch=business.branch_a)
    other = quotes.quote_create(
        actor=team["sales_a"],
        customer=duplicate,
        branch=business.branch_a,
        lines=[QuoteLineIn(description="Potong", unit_price=50_000)],
    )
    customers_merge(actor=business.owner, survivor=shop["customer"], merged=duplicate)
    other.refresh_from_db()
    assert other.customer == shop["customer"]


# --- The business's logo and NPWP (business settings page) -------------------------------------------


def _png() -> bytes:
    import io

    from PIL import Image

    image = io.BytesIO()
    Image.new("RGB", (60, 20), (10, 120, 90)).save(image, format="PNG")
    return image.getvalue()


def test_the_logo_and_npwp_are_set_on_the_business_settings_page(
    business: Business, team: dict, quote: Quote, tmp_path: Any, settings: Any
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from setia.accounts.models import BusinessSettings

    settings.MEDIA_ROOT = tmp_path
    web = client_for(business.owner)
    url = reverse("accounts:settings")
    form = {"name": "Salon Melati", "address": "Jl. Kemang 1", "phone": "", "email": "", "mfa_required_roles": []}
    assert 'enctype="multipart/form-data"' in web.get(url).content.decode()
    refused = web.post(url, {**form, "tax_id": "12.345", "logo": SimpleUploadedFile("logo.png", _png())})
    assert refused.status_code == 200 and 'data-field-error="tax_id"' in refused.content.decode()
    fake = SimpleUploadedFile("logo.png", b"<svg onload=alert(1)>", content_type="image/png")
    refused = web.post(url, {**form, "tax_id": "01.234.567.8-901.000", "logo": fake})
    assert refused.status_code == 200 and 'data-field-error="logo"' in refused.content.decode()
    row = BusinessSettings.objects.filter(pk=1).first()
    assert row is None or (row.tax_id, row.logo.name) == ("", "")  # the refused forms saved nothing
    saved = web.post(
        url, {**form, "tax_id": "01.234.567.8-901.000", "logo": SimpleUploadedFile("logo-salon.png", _png())}
    )
    assert saved.status_code == 302
    row = BusinessSettings.objects.get()
    assert row.tax_id == "01.234.567.8-901.000" and (row.logo.name or "").startswith("business/logo")
    assert (tmp_path / row.logo.name).read_bytes().startswith(b"\x89PNG")
    context = quotes.quote_pdf_context(quote)
    assert context["logo"].startswith("data:image/png;base64,") and context["business"].tax_id == row.tax_id
    kept = web.post(url, {**form, "tax_id": "01.234.567.8-901.000"})  # no new file: the logo stays
    row.refresh_from_db()
    assert kept.status_code == 302 and (row.logo.name or "").startswith("business/logo")
    cleared = web.post(url, {**form, "tax_id": "", "logo-clear": "on"})
    row.refresh_from_db()
    assert cleared.status_code == 302 and (row.logo.name, row.tax_id) == ("", "")
    assert client_for(team["sales_a"]).get(url).status_code == 403
