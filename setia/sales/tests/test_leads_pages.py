"""Lead pages by persona, the page flows (entry, status, reassignment, conversion), the public web
form (frameable, honeypot, throttle, consent, 404s) and the import (check, nothing saved on errors,
write)."""

import io
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from setia.accounts.models import User
from setia.conftest import Business, client_for, make_user
from setia.core.models import Notification
from setia.core.ratelimit import forget_leases
from setia.customers.models import Customer
from setia.customers.services import ContactPoints, PhoneIn, customer_create
from setia.sales.models import Lead, LeadAssignmentRule, LeadSource, Opportunity
from setia.sales.services import leads as services
from setia.sales.tests.test_leads import Team, make_team


@pytest.fixture
def team(business: Business) -> Team:
    return make_team(business)


@pytest.fixture
def lead(business: Business, team: Team) -> Lead:
    return services.lead_create(actor=team.sales_a1, name="Sari Dewi", phone="0812-3456-7890", owner=team.sales_a1)


def english(client: Client) -> Client:
    """Pages open in Indonesian unless the language switch says otherwise; assert in English."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


LEAD_PERSONAS = ["anonymous", "cashier", "other_branch_sales", "same_branch_sales", "manager", "owner"]


def lead_persona(business: Business, team: Team, persona: str) -> User | None:
    return {
        "anonymous": None,
        "cashier": business.cashier_a,
        "other_branch_sales": team.sales_b,
        "same_branch_sales": team.sales_a2,
        "manager": business.manager,
        "owner": business.owner,
    }[persona]


# --- Permissions ---------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", LEAD_PERSONAS)
def test_lead_pages_by_persona(business: Business, team: Team, lead: Lead, persona: str) -> None:
    user = lead_persona(business, team, persona)
    web = english(client_for(user))
    list_pages = [reverse("sales:lead_list"), reverse("sales:lead_create")]
    record_pages = [
        reverse("sales:lead_detail", args=[lead.pk]),
        reverse("sales:lead_edit", args=[lead.pk]),
        reverse("sales:lead_convert", args=[lead.pk]),
    ]
    for url in list_pages + record_pages:
        response = web.get(url)
        if user is None:
            assert response.status_code == 302 and "/accounts/login" in response["Location"], url
        elif persona == "cashier":
            assert response.status_code == 403, url
        elif persona == "other_branch_sales" and url in record_pages:
            assert response.status_code == 404, url
        else:
            assert response.status_code == 200, (url, response.status_code)
    if persona == "other_branch_sales":
        assert "Sari Dewi" not in web.get(list_pages[0]).content.decode()
    for action, data in (("lead_status", {"status": "contacted"}), ("lead_assign", {"owner": ""})):
        response = web.post(reverse(f"sales:{action}", args=[lead.pk]), data)
        expected = {"anonymous": 302, "cashier": 403, "other_branch_sales": 404}.get(persona, 302)
        assert response.status_code == expected, (action, response.status_code)
    lead.refresh_from_db()
    changed = persona in ("same_branch_sales", "manager", "owner")
    assert (lead.status, lead.owner_id is None) == (("contacted", True) if changed else ("new", False))


@pytest.mark.parametrize(
    ("persona", "import_allowed", "configure_allowed"),
    [
        ("anonymous", None, None),
        ("cashier", False, False),
        ("same_branch_sales", False, False),
        ("marketing", True, False),
        ("manager", True, True),
        ("owner", True, True),
    ],
)
def test_import_and_configuration_pages_by_persona(
    business: Business, team: Team, persona: str, import_allowed: bool | None, configure_allowed: bool | None
) -> None:
    user = make_user("marketing", "marketing") if persona == "marketing" else lead_persona(business, team, persona)
    rule = LeadAssignmentRule.objects.create(branch=business.branch_a)
    web = english(client_for(user))

    def expected(allowed: bool | None) -> int:
        return 302 if allowed is None else 200 if allowed else 403

    assert web.get(reverse("sales:lead_import")).status_code == expected(import_allowed)
    for url in [
        reverse("sales:lead_sources"),
        reverse("sales:lead_source_create"),
        reverse("sales:lead_source_edit", args=[team.website.pk]),
        reverse("sales:lead_rules"),
        reverse("sales:lead_rule_edit", args=[rule.pk]),
    ]:
        assert web.get(url).status_code == expected(configure_allowed), url
    response = web.post(reverse("sales:lead_rule_action", args=[rule.pk, "delete"]))
    assert response.status_code == (302 if configure_allowed in (None, True) else 403)
    assert LeadAssignmentRule.objects.filter(pk=rule.pk).exists() is not bool(configure_allowed)


def test_navigation_shows_leads_and_configuration_by_capability(business: Business, team: Team) -> None:
    page = english(client_for(team.sales_a1)).get(reverse("sales:lead_list")).content.decode()
    assert 'data-nav="leads"' in page and 'data-nav="lead_sources"' not in page
    page = english(client_for(business.manager)).get(reverse("sales:lead_list")).content.decode()
    assert 'data-nav="lead_sources"' in page and 'data-nav="lead_rules"' in page
    page = english(client_for(business.cashier_a)).get(reverse("core:home")).content.decode()
    assert 'data-nav="leads"' not in page


# --- Page flows ----------------------------------------------------------------------------------


def test_entering_a_lead_through_the_page(business: Business, team: Team) -> None:
    LeadAssignmentRule.objects.create(branch=business.branch_a, assign_to=team.sales_a2)
    web = english(client_for(team.sales_a1))
    response = web.post(
        reverse("sales:lead_create"),
        {"name": "Rina", "phone": "62 813 1111 2222", "source": team.instagram.pk, "next_follow_up": "2030-01-02"},
    )
    lead = Lead.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("sales:lead_detail", args=[lead.pk])
    assert (lead.phone, lead.owner, lead.branch, str(lead.next_follow_up)) == (
        "+6281311112222",
        team.sales_a2,
        business.branch_a,
        "2030-01-02",
    )
    assert Notification.objects.filter(recipient=team.sales_a2).count() == 1


def test_bad_input_on_the_page_is_shown_under_its_field(business: Business, team: Team) -> None:
    response = english(client_for(team.sales_a1)).post(reverse("sales:lead_create"), {"name": "Rina", "phone": "12345"})
    assert response.status_code == 200
    assert 'data-field-error="phone"' in response.content.decode()
    assert Lead.objects.count() == 0


def test_status_actions_and_reassignment_on_the_lead_page(business: Business, team: Team, lead: Lead) -> None:
    web = english(client_for(business.manager))
    page = web.get(reverse("sales:lead_detail", args=[lead.pk])).content.decode()
    assert 'data-testid="lead-status-contacted"' in page and 'data-testid="lead-convert"' in page
    web.post(reverse("sales:lead_status", args=[lead.pk]), {"status": "unqualified", "reason": ""})
    lead.refresh_from_db()
    assert lead.status == "new"  # refused: no reason
    web.post(reverse("sales:lead_status", args=[lead.pk]), {"status": "unqualified", "reason": "Pindah kota"})
    web.post(reverse("sales:lead_assign", args=[lead.pk]), {"owner": team.sales_a2.pk})
    lead.refresh_from_db()
    assert (lead.status, lead.unqualified_reason, lead.owner) == ("unqualified", "Pindah kota", team.sales_a2)
    assert Notification.objects.filter(recipient=team.sales_a2, key=f"lead:{lead.pk}:assigned:{team.sales_a2.pk}")


def test_the_conversion_page_names_the_existing_customer_and_links_her(
    business: Business, team: Team, lead: Lead
) -> None:
    existing = customer_create(
        actor=business.owner,
        name="Sari Dewi",
        home_branch=business.branch_a,
        contacts=ContactPoints(phones=[PhoneIn("+6281234567890")]),
    )
    web = english(client_for(team.sales_a1))
    page = web.get(reverse("sales:lead_convert", args=[lead.pk])).content.decode()
    assert "Sari Dewi, 0812-3456-7890 already exists — the lead will be linked to this customer." in page
    assert 'name="create_opportunity"' in page
    response = web.post(reverse("sales:lead_convert", args=[lead.pk]), {})
    assert response["Location"] == reverse("customers:detail", args=[existing.pk])
    assert Customer.objects.count() == 1
    page = web.get(reverse("sales:lead_detail", args=[lead.pk])).content.decode()
    assert reverse("customers:detail", args=[existing.pk]) in page and 'data-testid="lead-convert"' not in page
    again = web.get(reverse("sales:lead_convert", args=[lead.pk]))
    assert again.status_code == 302 and again["Location"] == reverse("sales:lead_detail", args=[lead.pk])


def test_converting_with_an_opportunity_goes_to_the_opportunity(business: Business, team: Team, lead: Lead) -> None:
    web = english(client_for(team.sales_a1))
    page = web.get(reverse("sales:lead_convert", args=[lead.pk])).content.decode()
    assert "a new customer Sari Dewi will be created" in page
    response = web.post(
        reverse("sales:lead_convert", args=[lead.pk]),
        {"create_opportunity": "on", "opportunity_title": "Paket pernikahan", "opportunity_value": "12000000"},
    )
    opportunity = Opportunity.objects.get()
    assert (opportunity.title, opportunity.value, opportunity.lead) == ("Paket pernikahan", 12_000_000, lead)
    assert response["Location"] == reverse("sales:opportunity_detail", args=[opportunity.pk])


def test_a_source_page_shows_the_form_address_and_the_embed_code(business: Business, team: Team) -> None:
    web = english(client_for(business.manager))
    response = web.post(
        reverse("sales:lead_source_create"),
        {"name": "Facebook", "active": "on", "form_enabled": "on", "form_title": "Tanya paket", "branch": ""},
    )
    source = LeadSource.objects.get(name="Facebook")
    assert response["Location"] == reverse("sales:lead_source_edit", args=[source.pk])
    page = web.get(response["Location"]).content.decode()
    url = f"http://testserver/f/{source.form_key}/"
    assert f'value="{url}"' in page
    assert f"&lt;iframe src=&quot;{url}&quot;" in page  # shown as text to copy


def test_assignment_rules_page_adds_and_orders_rules(business: Business, team: Team) -> None:
    web = english(client_for(business.owner))
    web.post(reverse("sales:lead_rules"), {"branch": business.branch_a.pk, "active": "on"})
    web.post(
        reverse("sales:lead_rules"),
        {"branch": business.branch_b.pk, "city": "Bandung", "assign_to": team.sales_b.pk, "active": "on"},
    )
    refused = web.post(reverse("sales:lead_rules"), {"branch": business.branch_b.pk, "assign_to": team.sales_a1.pk})
    assert 'data-field-error="assign_to"' in refused.content.decode()
    first, second = LeadAssignmentRule.objects.order_by("position")
    assert (second.city, second.assign_to) == ("Bandung", team.sales_b)
    web.post(reverse("sales:lead_rule_action", args=[second.pk, "up"]))
    assert list(LeadAssignmentRule.objects.order_by("position").values_list("pk", flat=True)) == [second.pk, first.pk]


# --- The public web form -------------------------------------------------------------------------


def form_url(source: LeadSource) -> str:
    return reverse("sales:lead_form", args=[source.form_key])


FORM = {"name": "Maya", "phone": "0812 7777 8888", "email": "maya@example.com", "city": "Jakarta", "message": "Halo"}


@pytest.fixture(autouse=True)
def fresh_rate_leases() -> None:
    forget_leases()


@pytest.fixture(autouse=True)
def uploads_in_a_temporary_folder(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


def test_the_public_form_opens_without_sign_in_and_may_be_framed(business: Business, team: Team) -> None:
    response = english(Client()).get(form_url(team.website))
    assert response.status_code == 200
    page = response.content.decode()
    for name in ("name", "phone", "email", "city", "message", "consent"):
        assert f'name="{name}"' in page
    assert "X-Frame-Options" not in response.headers
    assert "frame-ancestors *" in response["Content-Security-Policy"]
    other = english(client_for(business.owner)).get(reverse("sales:lead_list"))
    assert other["X-Frame-Options"] == "DENY" and "frame-ancestors 'none'" in other["Content-Security-Policy"]


def test_a_sent_form_becomes_an_assigned_lead_keeping_its_consent(business: Business, team: Team) -> None:
    LeadAssignmentRule.objects.create(branch=business.branch_a, source=team.website)
    response = english(Client(REMOTE_ADDR="203.0.113.7")).post(form_url(team.website), {**FORM, "consent": "on"})
    assert response.status_code == 302 and response["Location"] == form_url(team.website) + "?sent=1"
    lead = Lead.objects.get()
    assert (lead.name, lead.phone, lead.email, lead.interest, lead.channel) == (
        "Maya",
        "+6281277778888",
        "maya@example.com",
        "Halo",
        "form",
    )
    assert (lead.source, lead.branch, lead.owner, lead.consent_marketing, lead.submitted_ip) == (
        team.website,
        business.branch_a,
        team.sales_a1,
        True,
        "203.0.113.7",
    )
    assert Notification.objects.filter(recipient=team.sales_a1).count() == 1
    thanks = english(Client()).get(response["Location"]).content.decode()
    assert "Thank you! We will contact you soon." in thanks


def test_the_public_form_names_the_field_in_error_and_saves_nothing(business: Business, team: Team) -> None:
    response = english(Client()).post(form_url(team.website), {**FORM, "phone": "123"})
    assert response.status_code == 400
    assert 'data-field-error="phone"' in response.content.decode()
    response = english(Client()).post(form_url(team.website), {**FORM, "name": ""})
    assert 'data-field-error="name"' in response.content.decode()
    assert Lead.objects.count() == 0


def test_a_filled_honeypot_pretends_success_and_saves_nothing(business: Business, team: Team) -> None:
    response = english(Client()).post(form_url(team.website), {**FORM, "website": "http://spam.example"})
    assert response.status_code == 302 and response["Location"].endswith("?sent=1")
    assert Lead.objects.count() == 0 and Notification.objects.count() == 0


def test_a_thousand_posts_from_one_address_are_throttled(business: Business, team: Team) -> None:
    web = english(Client(REMOTE_ADDR="198.51.100.9"))
    statuses = []
    for number in range(1000):
        response = web.post(form_url(team.website), {**FORM, "phone": f"0812{number:08d}"})
        statuses.append(response.status_code)
    assert statuses[:5] == [302] * 5 and statuses[5:] == [429] * 995
    assert Lead.objects.count() == 5
    refused = web.post(form_url(team.website), FORM)
    assert int(refused["Retry-After"]) > 0
    assert "Too many messages were sent from your connection" in refused.content.decode()
    # Another address, and the same address on another form, are counted apart.
    assert english(Client(REMOTE_ADDR="198.51.100.10")).post(form_url(team.website), FORM).status_code == 302
    other = LeadSource.objects.create(name="Promo", form_enabled=True)
    assert web.post(form_url(other), {**FORM, "phone": "081399990000"}).status_code == 302
    assert Lead.objects.count() == 7


def test_inactive_sources_and_disabled_forms_are_not_found(business: Business, team: Team) -> None:
    off = LeadSource.objects.create(name="No form")
    closed = LeadSource.objects.create(name="Closed", form_enabled=True, active=False)
    for source in (off, closed):
        assert english(Client()).get(form_url(source)).status_code == 404
        assert english(Client()).post(form_url(source), FORM).status_code == 404
    assert english(Client()).get(reverse("sales:lead_form", args=["no-such-key"])).status_code == 404
    assert Lead.objects.count() == 0


# --- Import --------------------------------------------------------------------------------------


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


GOOD_CSV = (
    b"nama,telepon,email,kota,sumber,cabang,persetujuan\n"
    b"Sari,0812-3456-7890,,Jakarta,Instagram,kmg,ya\n"
    b"Budi,,budi@example.com,Depok,,,tidak\n"
)


def test_import_page_checks_first_then_writes_on_confirmation(business: Business, team: Team) -> None:
    web = english(client_for(business.manager))
    page = web.post(reverse("sales:lead_import"), {"file": upload("leads.csv", GOOD_CSV)}).content.decode()
    assert "2 leads are ready to import" in page and Lead.objects.count() == 0
    token = page.split('name="token" value="')[1].split('"')[0]
    response = web.post(reverse("sales:lead_import"), {"action": "confirm", "token": token})
    assert response.status_code == 302
    leads = {lead.name: lead for lead in Lead.objects.all()}
    assert set(leads) == {"Sari", "Budi"}
    assert (leads["Sari"].phone, leads["Sari"].source, leads["Sari"].branch, leads["Sari"].consent_marketing) == (
        "+6281234567890",
        team.instagram,
        business.branch_a,
        True,
    )
    # No branch in the file: a manager's leads go to his own branch.
    assert (leads["Budi"].channel, leads["Budi"].branch, leads["Budi"].consent_marketing) == (
        "import",
        business.branch_a,
        False,
    )
    # The token is used up: confirming again imports nothing twice.
    again = web.post(reverse("sales:lead_import"), {"action": "confirm", "token": token}).content.decode()
    assert "no longer here" in again and Lead.objects.count() == 2


def test_import_page_lists_row_errors_and_saves_nothing(business: Business, team: Team) -> None:
    bad = (
        b"name,phone,email,source,next_follow_up,estimated_value\n"
        b"Sari,0812-3456-7890,,,,\n"
        b",0812-1111-2222,,,,\n"
        b"Budi,12,,TikTok,31-02-2025,lots\n"
        b"Sari lagi,+62 812 3456 7890,,,,\n"
    )
    web = english(client_for(business.owner))
    page = web.post(reverse("sales:lead_import"), {"file": upload("leads.csv", bad)}).content.decode()
    assert "Nothing was imported" in page and 'data-testid="import-confirm"' not in page
    assert page.count('data-testid="import-error"') == 6
    assert "<td>3</td><td><code>name</code></td>" in page
    assert "<td>5</td><td><code>phone</code></td><td>The same as row 2.</td>" in page
    assert Lead.objects.count() == 0
    forged = web.post(reverse("sales:lead_import"), {"action": "confirm", "token": "1-abc.csv"}).content.decode()
    assert "no longer here" in forged and Lead.objects.count() == 0


def test_another_persons_upload_cannot_be_confirmed(business: Business, team: Team) -> None:
    page = english(client_for(business.manager)).post(
        reverse("sales:lead_import"), {"file": upload("leads.csv", GOOD_CSV)}
    )
    token = page.content.decode().split('name="token" value="')[1].split('"')[0]
    response = english(client_for(business.owner)).post(
        reverse("sales:lead_import"), {"action": "confirm", "token": token}
    )
    assert "no longer here" in response.content.decode() and Lead.objects.count() == 0


def _xlsx(rows: list[list[object]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_import_service_reads_csv_and_xlsx(business: Business, team: Team, tmp_path: object) -> None:
    from pathlib import Path

    folder = Path(str(tmp_path))
    csv_path = folder / "leads.csv"
    csv_path.write_bytes(b"Name;Phone;Company;Owner\nDewi;0813 2222 3333;PT Maju;sales_a2\n")
    check = services.leads_import_check(actor=business.owner, path=csv_path, file_format="csv")
    assert check.ok and check.row_numbers == [2]
    assert check.rows[0]["company_name"] == "PT Maju" and check.rows[0]["owner"] == team.sales_a2
    xlsx_path = folder / "leads.xlsx"
    xlsx_path.write_bytes(
        _xlsx(
            [
                ["Nama", "HP", "Nilai", "Tindak lanjut", "Cabang"],
                ["Eka", 6281344445555, "Rp 2.500.000", "2030-04-01", "Dago"],
                ["Fajar", "0813-5555-6666", 1000000, None, "Kemang"],
            ]
        )
    )
    check = services.leads_import_check(actor=business.owner, path=xlsx_path, file_format="xlsx")
    assert check.errors == [] and [row["phone"] for row in check.rows] == ["+6281344445555", "+6281355556666"]
    leads = services.leads_import(actor=business.owner, path=xlsx_path, file_format="xlsx")
    assert [(lead.name, lead.estimated_value, lead.branch) for lead in leads] == [
        ("Eka", 2_500_000, business.branch_b),
        ("Fajar", 1_000_000, business.branch_a),
    ]
    assert str(leads[0].next_follow_up) == "2030-04-01"
    # Importing the same file again is refused row by row: those leads exist.
    check = services.leads_import_check(actor=business.owner, path=xlsx_path, file_format="xlsx")
    assert [(issue.row, issue.field) for issue in check.errors] == [(2, "phone"), (3, "phone")]
    with pytest.raises(Exception, match="Row 2, phone"):
        services.leads_import(actor=business.owner, path=xlsx_path, file_format="xlsx")
    assert Lead.objects.count() == 2


def test_front_office_import_rows_stay_in_their_branch(business: Business, team: Team, tmp_path: object) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "leads.csv"
    path.write_bytes(b"name,phone,branch\nEka,081344445555,Dago\n")
    check = services.leads_import_check(actor=business.manager, path=path, file_format="csv")
    assert [(issue.row, issue.field) for issue in check.errors] == [(2, "branch")]


def test_the_list_page_reads_a_fixed_number_of_queries(business: Business, team: Team) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    web = english(client_for(business.owner))

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert web.get(reverse("sales:lead_list")).status_code == 200
        return len(captured)

    for number in range(3):
        services.lead_create(
            actor=business.owner, name=f"A{number}", phone=f"08131111{number:04d}", owner=team.sales_a1
        )
    queries()  # the first request of a session reads more (session, settings)
    few = queries()
    for number in range(3, 30):
        services.lead_create(
            actor=business.owner, name=f"A{number}", phone=f"08131111{number:04d}", source=team.instagram
        )
    assert queries() == few
