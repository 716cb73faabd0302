"""Staff record a customer's consent on her 360° page: per channel and purpose, given or
withdrawn, appended to the history; people who may not edit customers see the status only."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from setia.accounts.services import api_key_create
from setia.conftest import PERSONAS, Business, client_for, persona_user
from setia.core.models import AuditEvent
from setia.customers.models import ConsentRecord, Customer
from setia.customers.services import ContactPoints, PhoneIn, consent_record, customer_create


@pytest.fixture
def ayu(business: Business) -> Customer:
    return customer_create(
        actor=business.owner,
        name="Ayu Lestari",
        home_branch=business.branch_a,
        contacts=ContactPoints(phones=[PhoneIn("0812-3456-7890")]),
    )


def _english(user: object) -> Client:
    client = client_for(user)  # type: ignore[arg-type]
    client.cookies["django_language"] = "en"
    return client


GIVE = {
    "channel": "whatsapp",
    "purpose": "marketing",
    "granted": "given",
    "source": "staff",
    "notice_version": "2026-03",
}


@pytest.mark.parametrize("persona_index", range(len(PERSONAS)), ids=PERSONAS)
def test_consent_page_per_persona(business: Business, ayu: Customer, persona_index: int) -> None:
    user = persona_user(business, PERSONAS[persona_index])
    url = reverse("customers:consent", args=[ayu.pk])
    assert client_for(user).get(url).status_code == [302, 404, 200, 200, 200][persona_index]
    response = client_for(user).post(url, GIVE)
    assert response.status_code == [302, 404, 302, 302, 302][persona_index]
    recorded = list(ayu.consents.values_list("channel", "purpose", "granted", "source", "notice_version", "actor"))
    if persona_index >= 2:
        assert response["Location"] == reverse("customers:detail", args=[ayu.pk])
        assert recorded == [("whatsapp", "marketing", True, "staff", "2026-03", user.pk)]  # type: ignore[union-attr]
    else:
        assert recorded == []


def test_who_may_not_edit_customers_sees_the_status_only(business: Business, ayu: Customer) -> None:
    consent_record(
        actor=business.owner,
        customer=ayu,
        channel="email",
        purpose="marketing",
        granted=True,
        source="staff",
        notice_version="2026-03",
    )
    url = reverse("customers:consent", args=[ayu.pk])
    assert client_for(business.analyst).get(url).status_code == 403
    assert client_for(business.analyst).post(url, GIVE).status_code == 403
    assert ayu.consents.count() == 1
    page = _english(business.analyst).get(reverse("customers:detail", args=[ayu.pk])).content.decode()
    assert 'data-consent="email.marketing"' in page and 'data-testid="record-consent"' not in page
    # The API takes the same rule: viewing is not recording.
    key = api_key_create(actor=business.analyst, name="t")[1]
    body = {"channel": "sms", "purpose": "marketing", "granted": True, "notice_version": "2026-03"}
    api = Client().post(
        f"/api/v1/customers/{ayu.pk}/consent",
        body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {key}"},
    )
    assert api.status_code == 403 and ayu.consents.count() == 1
    editor = _english(business.cashier_a).get(reverse("customers:detail", args=[ayu.pk])).content.decode()
    assert 'data-testid="record-consent"' in editor


def test_withdrawal_is_appended_and_the_page_shows_status_and_history(business: Business, ayu: Customer) -> None:
    client = _english(business.cashier_a)
    url = reverse("customers:consent", args=[ayu.pk])
    client.post(url, GIVE)
    client.post(url, {**GIVE, "granted": "withdrawn", "source": "form"})
    assert list(ayu.consents.order_by("id").values_list("granted", "source")) == [(True, "staff"), (False, "form")]
    page = client.get(reverse("customers:detail", args=[ayu.pk])).content.decode()
    row = page.split('data-consent="whatsapp.marketing"')[1].split("</li>")[0]
    assert "withdrawn" in row and "given" not in row
    history = page.split('data-testid="consent-history"')[1].split("</details>")[0]
    assert history.count('data-testid="consent-record"') == 2
    assert "Sari" in history and "web form" in history and "recorded by staff" in history and "2026-03" in history
    assert history.index("withdrawn") < history.index("given")  # newest first
    events = AuditEvent.objects.filter(subject_key=f"customers.customer:{ayu.pk}", action="update")
    assert events.count() == 2


def test_the_form_prefills_the_notice_version_of_the_settings(business: Business, ayu: Customer) -> None:
    url = reverse("customers:consent", args=[ayu.pk])
    client = _english(business.cashier_a)
    assert client.get(url).context["form"].initial["notice_version"] == "2026-01"  # CONSENT_NOTICE_VERSION


def test_without_a_configured_version_the_last_one_recorded_is_offered(
    business: Business, ayu: Customer, settings: Any
) -> None:
    settings.CONSENT_NOTICE_VERSION = ""
    url = reverse("customers:consent", args=[ayu.pk])
    client = _english(business.cashier_a)
    assert client.get(url).context["form"].initial["notice_version"] == ""  # nothing recorded yet
    client.post(url, {**GIVE, "notice_version": "2026-04"})
    form = client.get(url + "?channel=sms&purpose=profiling").context["form"]
    assert (form.initial["notice_version"], form.initial["channel"], form.initial["purpose"]) == (
        "2026-04",
        "sms",
        "profiling",
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("channel", "pigeon", "Channel: “pigeon” is not a channel."),
        ("purpose", "spam", "Purpose: “spam” is not a purpose."),
        ("granted", "maybe", "Consent: choose given or withdrawn."),
        ("source", "import", "How the customer said it: “import” is not one of the choices."),
        ("notice_version", "", "Privacy notice version: enter the version the customer was shown."),
    ],
)
def test_bad_input_names_the_field_and_records_nothing(
    business: Business, ayu: Customer, field: str, value: str, message: str
) -> None:
    response = _english(business.cashier_a).post(reverse("customers:consent", args=[ayu.pk]), {**GIVE, field: value})
    assert response.status_code == 400
    page = response.content.decode()
    top = page.split('data-testid="form-errors"')[1].split("</div></div>")[0]
    assert message in top.replace("&ldquo;", "“").replace("&rdquo;", "”")
    assert f'data-field-error="{field}"' in page
    assert not ConsentRecord.objects.exists()


def test_another_branchs_customer_is_not_found(business: Business, ayu: Customer) -> None:
    response = client_for(business.cashier_b).post(reverse("customers:consent", args=[ayu.pk]), GIVE)
    assert response.status_code == 404 and not ConsentRecord.objects.exists()


def test_new_customer_form_records_marketing_consent_from_the_form(business: Business) -> None:
    client = _english(business.cashier_a)
    form = client.get(reverse("customers:create")).content.decode()
    assert 'data-testid="consent-fields"' in form
    data = {
        "kind": "person",
        "name": "Bunga Citra",
        "phone_1": "0813-1111-2222",
        "preferred_language": "id",
        "preferred_channel": "whatsapp",
        "source": "walk_in",
        "consent_whatsapp": "on",
        "consent_email": "on",
        "consent_notice_version": "2026-03",
    }
    response = client.post(reverse("customers:create"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    customer = Customer.objects.get(name="Bunga Citra")
    records = customer.consents.order_by("channel").values_list(
        "channel", "purpose", "granted", "source", "notice_version"
    )
    assert list(records) == [
        ("email", "marketing", True, "form", "2026-03"),
        ("whatsapp", "marketing", True, "form", "2026-03"),
    ]
    edit = client.get(reverse("customers:edit", args=[customer.pk])).content.decode()
    assert 'data-testid="consent-fields"' not in edit  # later changes go through her page, with history


def test_consent_without_a_notice_version_saves_no_customer(business: Business) -> None:
    data = {
        "kind": "person",
        "name": "Bunga Citra",
        "preferred_language": "id",
        "preferred_channel": "whatsapp",
        "source": "walk_in",
        "consent_sms": "on",
        "consent_notice_version": "",
    }
    response = _english(business.cashier_a).post(reverse("customers:create"), data)
    assert response.status_code == 200
    assert 'data-field-error="consent_notice_version"' in response.content.decode()
    assert not Customer.objects.exists() and not ConsentRecord.objects.exists()
