"""Lead services: entry and validation, status stamps, assignment (rules, round robin,
notifications), conversion (never a duplicate customer, consent, opportunity), the customer's
timeline and merge, and visibility."""

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from setia.accounts.models import Branch, User
from setia.conftest import Business, make_user
from setia.core.errors import ApplicationError, NotFoundError, PermissionDeniedError
from setia.core.models import AuditEvent, Notification
from setia.customers.merge import customers_merge
from setia.customers.models import ConsentRecord, Customer, CustomerEmail, CustomerPhone
from setia.customers.services import ContactPoints, PhoneIn, consent_record, customer_create
from setia.customers.timeline import timeline_for
from setia.sales.models import Lead, LeadAssignmentRule, LeadSource, Opportunity, RoundRobinCursor
from setia.sales.selectors import leads as selectors
from setia.sales.services import leads as services


@dataclass
class Team:
    sales_a1: User
    sales_a2: User
    sales_b: User
    instagram: LeadSource
    website: LeadSource


def make_team(business: Business) -> Team:
    """Two sales people in branch A (Kemang), one in B (Dago), and two sources."""
    return Team(
        sales_a1=make_user("sales_a1", "sales", business.branch_a, first_name="Dewi"),
        sales_a2=make_user("sales_a2", "sales", business.branch_a, first_name="Budi"),
        sales_b=make_user("sales_b", "sales", business.branch_b, first_name="Agus"),
        instagram=LeadSource.objects.create(name="Instagram"),
        website=LeadSource.objects.create(name="Website", form_enabled=True, branch=business.branch_a),
    )


@pytest.fixture
def team(business: Business) -> Team:
    return make_team(business)


def add_lead(actor: User, **fields: object) -> Lead:
    values: dict[str, object] = {"name": "Sari Dewi", "phone": "0812-3456-7890"}
    values.update(fields)
    return services.lead_create(actor=actor, **values)  # type: ignore[arg-type]


# --- Entry and validation -------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed", ["0812-3456-7890", "+62 812 3456 7890", "62812-3456-7890", "812 3456 7890", "(0812) 3456.7890"]
)
def test_phone_in_any_indonesian_format_is_stored_as_e164(business: Business, team: Team, typed: str) -> None:
    lead = add_lead(team.sales_a1, phone=typed)
    assert Lead.objects.get(pk=lead.pk).phone == "+6281234567890"


def test_a_lead_entered_by_front_office_goes_to_their_branch_with_its_fields(business: Business, team: Team) -> None:
    lead = add_lead(
        team.sales_a1,
        email=" Sari@Example.COM ",
        company_name="PT Maju",
        city="Jakarta Selatan",
        interest="Paket pernikahan",
        estimated_value=5_000_000,
        source=team.instagram,
        next_follow_up=dt.date(2030, 1, 5),
        consent_marketing=True,
    )
    lead.refresh_from_db()
    assert (lead.branch, lead.owner, lead.created_by, lead.channel) == (
        business.branch_a,
        None,
        team.sales_a1,
        "manual",
    )
    assert (lead.email, lead.status, lead.estimated_value, lead.consent_marketing) == (
        "sari@example.com",
        "new",
        5_000_000,
        True,
    )
    event = AuditEvent.objects.get(object_type="sales.lead", object_id=str(lead.pk))
    assert event.action == "create" and event.changes["name"] == [None, "Sari Dewi"]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": "  "}, "name"),
        ({"phone": "", "email": ""}, "phone"),
        ({"phone": "12"}, "phone"),
        ({"phone": "", "email": "sari@"}, "email"),
        ({"estimated_value": -5}, "estimated_value"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_saved(
    business: Business, team: Team, fields: dict, field: str
) -> None:
    with pytest.raises(ApplicationError) as refused:
        add_lead(team.sales_a1, **fields)
    assert list(refused.value.extra) == [field]
    assert Lead.objects.count() == 0 and AuditEvent.objects.filter(object_type="sales.lead").count() == 0


def test_inactive_source_other_branch_and_unfit_owner_are_refused(business: Business, team: Team) -> None:
    closed = LeadSource.objects.create(name="Pameran 2024", active=False)
    with pytest.raises(ApplicationError) as refused:
        add_lead(team.sales_a1, source=closed)
    assert list(refused.value.extra) == ["source"]
    with pytest.raises(ApplicationError) as refused:
        add_lead(team.sales_a1, branch=business.branch_b)
    assert list(refused.value.extra) == ["branch"]
    with pytest.raises(ApplicationError) as refused:
        add_lead(team.sales_a1, owner=team.sales_b)  # works in Dago, the lead is Kemang's
    assert list(refused.value.extra) == ["owner"]
    with pytest.raises(ApplicationError) as refused:
        add_lead(team.sales_a1, owner=business.cashier_a)  # does not work on leads
    assert list(refused.value.extra) == ["owner"]
    assert Lead.objects.count() == 0


def test_roles_without_leads_edit_cannot_add_leads(business: Business, team: Team) -> None:
    for actor in (business.cashier_a, business.analyst):
        with pytest.raises(PermissionDeniedError):
            add_lead(actor)
    assert Lead.objects.count() == 0


def test_update_changes_details_and_audits_only_what_changed(business: Business, team: Team) -> None:
    lead = add_lead(team.sales_a1)
    services.lead_update(actor=team.sales_a1, lead=lead, phone="+62 813 1111 2222", city="Depok")
    lead.refresh_from_db()
    assert (lead.phone, lead.city) == ("+6281311112222", "Depok")
    update = AuditEvent.objects.get(object_type="sales.lead", action="update")
    assert update.changes == {"city": ["", "Depok"], "phone": ["+6281234567890", "+6281311112222"]}
    with pytest.raises(ApplicationError) as refused:
        services.lead_update(actor=team.sales_a1, lead=lead, status="converted")
    assert list(refused.value.extra) == ["status"]


# --- Status --------------------------------------------------------------------------------------


def test_status_stamps_are_set_the_first_time_only(business: Business, team: Team) -> None:
    lead = add_lead(team.sales_a1)
    assert (lead.contacted_at, lead.qualified_at) == (None, None)
    lead = services.lead_set_status(actor=team.sales_a1, lead=lead, status="contacted")
    first_contact = lead.contacted_at
    assert first_contact is not None and lead.qualified_at is None
    lead = services.lead_set_status(actor=team.sales_a1, lead=lead, status="qualified")
    first_qualified = lead.qualified_at
    assert first_qualified is not None and lead.contacted_at == first_contact
    lead = services.lead_set_status(actor=team.sales_a1, lead=lead, status="unqualified", reason="Budget too small")
    assert (lead.status, lead.unqualified_reason) == ("unqualified", "Budget too small")
    lead = services.lead_set_status(actor=team.sales_a1, lead=lead, status="qualified")
    lead.refresh_from_db()
    assert (lead.status, lead.unqualified_reason) == ("qualified", "")
    assert (lead.contacted_at, lead.qualified_at) == (first_contact, first_qualified)


def test_qualifying_a_new_lead_directly_also_stamps_first_contact(business: Business, team: Team) -> None:
    lead = services.lead_set_status(actor=team.sales_a1, lead=add_lead(team.sales_a1), status="qualified")
    assert lead.contacted_at is not None and lead.contacted_at == lead.qualified_at


@pytest.mark.parametrize(
    ("status", "reason", "field"),
    [("unqualified", "  ", "reason"), ("converted", "", "status"), ("won", "", "status"), ("new", "", "status")],
)
def test_refused_status_changes_name_the_field_and_change_nothing(
    business: Business, team: Team, status: str, reason: str, field: str
) -> None:
    lead = services.lead_set_status(actor=team.sales_a1, lead=add_lead(team.sales_a1), status="contacted")
    with pytest.raises(ApplicationError) as refused:
        services.lead_set_status(actor=team.sales_a1, lead=lead, status=status, reason=reason)
    assert list(refused.value.extra) == [field]
    lead.refresh_from_db()
    assert lead.status == "contacted"


# --- Assignment ----------------------------------------------------------------------------------


def test_first_matching_active_rule_assigns_and_notifies_the_owner(business: Business, team: Team) -> None:
    LeadAssignmentRule.objects.create(position=1, active=False, branch=business.branch_a, assign_to=team.sales_a2)
    LeadAssignmentRule.objects.create(position=2, source=team.website, branch=business.branch_a, city="Bandung")
    LeadAssignmentRule.objects.create(position=3, source=team.instagram, branch=business.branch_b, city="bandung")
    LeadAssignmentRule.objects.create(position=4, branch=business.branch_a, assign_to=team.sales_a1)
    lead = services.lead_create(
        actor=business.owner, name="Rina", phone="081311112222", source=team.instagram, city="Bandung "
    )
    assert (lead.branch, lead.owner) == (business.branch_b, team.sales_b)  # rule 3: round robin in Dago
    notification = Notification.objects.get(recipient=team.sales_b)
    assert notification.key == f"lead:{lead.pk}:assigned:{team.sales_b.pk}"
    assert notification.url == f"/leads/{lead.pk}/"
    assert notification.text == "New lead for you: Rina (Instagram)"
    other = services.lead_create(actor=business.owner, name="Tono", phone="081311113333", city="Depok")
    assert (other.branch, other.owner) == (business.branch_a, team.sales_a1)  # rule 4, the catch-all


def test_rules_never_move_a_lead_that_already_has_a_branch(business: Business, team: Team) -> None:
    LeadAssignmentRule.objects.create(position=1, branch=business.branch_b, assign_to=team.sales_b)
    lead = add_lead(team.sales_a1)  # Kemang's
    assert (lead.branch, lead.owner) == (business.branch_a, None)
    assert Notification.objects.count() == 0


def test_round_robin_takes_turns_among_the_branchs_active_sales_staff(business: Business, team: Team) -> None:
    make_user("sales_a3_gone", "sales", business.branch_a, is_active=False)
    LeadAssignmentRule.objects.create(position=1, branch=business.branch_a)
    owners = [
        services.lead_create(actor=business.owner, name=f"Lead {n}", phone=f"08131111{n:04d}").owner for n in range(5)
    ]
    assert owners == [team.sales_a1, team.sales_a2, team.sales_a1, team.sales_a2, team.sales_a1]
    assert RoundRobinCursor.objects.get(branch=business.branch_a).last_user == team.sales_a1
    assert Notification.objects.filter(recipient=team.sales_a1).count() == 3


def test_round_robin_falls_back_to_the_branchs_manager(business: Business, team: Team) -> None:
    empty = Branch.objects.create(name="Depok", code="dpk")
    manager = make_user("manager_depok", "manager", empty)
    LeadAssignmentRule.objects.create(position=1, branch=empty)
    lead = services.lead_create(actor=business.owner, name="Lina", phone="081311114444")
    assert (lead.branch, lead.owner) == (empty, manager)
    lonely = Branch.objects.create(name="Bogor", code="bgr")
    LeadAssignmentRule.objects.all().delete()
    LeadAssignmentRule.objects.create(position=1, branch=lonely)
    lead = services.lead_create(actor=business.owner, name="Lani", phone="081311115555")
    assert (lead.branch, lead.owner) == (lonely, None)  # nobody to take it: unassigned, not an error


def test_a_rule_naming_an_inactive_person_takes_turns_instead(business: Business, team: Team) -> None:
    LeadAssignmentRule.objects.create(position=1, branch=business.branch_a, assign_to=team.sales_a2)
    team.sales_a2.is_active = False
    team.sales_a2.save()
    lead = services.lead_create(actor=business.owner, name="Lina", phone="081311114444")
    assert lead.owner == team.sales_a1


def test_staff_choosing_themselves_are_not_notified(business: Business, team: Team) -> None:
    add_lead(team.sales_a1, owner=team.sales_a1)
    assert Notification.objects.count() == 0


def test_manual_reassignment_notifies_the_new_owner_once(business: Business, team: Team) -> None:
    lead = add_lead(team.sales_a1, owner=team.sales_a1)
    services.lead_assign(actor=business.manager, lead=lead, owner=team.sales_a2)
    services.lead_assign(actor=business.manager, lead=lead, owner=team.sales_a2)  # no change, no second note
    lead.refresh_from_db()
    assert lead.owner == team.sales_a2
    assert list(Notification.objects.values_list("recipient__username", "key")) == [
        ("sales_a2", f"lead:{lead.pk}:assigned:{team.sales_a2.pk}")
    ]
    event = AuditEvent.objects.get(object_type="sales.lead", action="update")
    assert event.changes == {"owner": [team.sales_a1.pk, team.sales_a2.pk]}
    with pytest.raises(ApplicationError) as refused:
        services.lead_assign(actor=business.manager, lead=lead, owner=team.sales_b)
    assert list(refused.value.extra) == ["owner"]
    lead.refresh_from_db()
    assert lead.owner == team.sales_a2


# --- Visibility ----------------------------------------------------------------------------------


def test_staff_see_their_branches_leads_and_the_ones_they_own(business: Business, team: Team) -> None:
    kemang = add_lead(team.sales_a1)
    dago = add_lead(team.sales_b, name="Agus Lead", phone="081311116666")
    assert list(selectors.lead_list(actor=team.sales_b)) == [dago]
    assert set(selectors.lead_list(actor=business.owner)) == {kemang, dago}
    assert list(selectors.lead_list(actor=business.manager)) == [kemang]
    with pytest.raises(NotFoundError):
        selectors.lead_get(actor=team.sales_b, pk=kemang.pk)
    with pytest.raises(NotFoundError):
        services.lead_set_status(actor=team.sales_b, lead=kemang, status="contacted")
    with pytest.raises(PermissionDeniedError):
        selectors.lead_list(actor=business.cashier_a)


def test_list_filters(business: Business, team: Team) -> None:
    today = timezone.localdate()
    due = add_lead(team.sales_a1, name="Due Today", next_follow_up=today, owner=team.sales_a1)
    late = add_lead(team.sales_a1, name="Late", phone="081311117777", next_follow_up=today - dt.timedelta(days=2))
    later = add_lead(
        team.sales_a1,
        name="Later",
        phone="",
        email="later@example.com",
        next_follow_up=today + dt.timedelta(days=3),
        source=team.instagram,
        company_name="CV Sentosa",
    )

    def names(**filters: object) -> list[str]:
        found = selectors.lead_list(actor=team.sales_a1, filters=selectors.LeadFilters(**filters))  # type: ignore[arg-type]
        return sorted(lead.name for lead in found)

    assert names(follow_up="due") == ["Due Today"]
    assert names(follow_up="overdue") == ["Late"]
    assert names(owner="me") == ["Due Today"] and names(owner="none") == ["Late", "Later"]
    assert names(source_id=team.instagram.pk) == ["Later"]
    assert names(query="sentosa") == ["Later"] and names(query="LATER@example") == ["Later"]
    assert names(query="0813 1111 7777") == ["Late"] and names(query="+62 812-3456-7890") == ["Due Today"]
    services.lead_set_status(actor=team.sales_a1, lead=late, status="unqualified", reason="No budget")
    assert names(follow_up="overdue") == [] and names(status="unqualified") == ["Late"]
    assert names(status="open") == ["Due Today", "Later"]
    assert names(branch_id=business.branch_b.pk) == []
    assert {due.owner, later.owner} == {team.sales_a1, None}


# --- Conversion ----------------------------------------------------------------------------------


def sari(business: Business, **contacts: list) -> Customer:
    return customer_create(
        actor=business.owner,
        name="Sari Dewi",
        home_branch=business.branch_a,
        contacts=ContactPoints(**contacts),
    )


def test_a_lead_whose_phone_belongs_to_a_customer_is_linked_not_duplicated(business: Business, team: Team) -> None:
    existing = sari(business, phones=[PhoneIn("+6281234567890")])
    lead = add_lead(team.sales_a1, phone="0812 3456 7890", name="Bu Sari")
    before = Customer.objects.count()
    customer, opportunity = services.lead_convert(actor=team.sales_a1, lead=lead)
    assert (customer, opportunity) == (existing, None)
    assert Customer.objects.count() == before
    lead.refresh_from_db()
    assert (lead.status, lead.customer, lead.converted_at is not None) == ("converted", existing, True)
    assert lead.contacted_at is not None and lead.qualified_at is not None


def test_a_lead_whose_email_belongs_to_a_customer_of_another_branch_is_linked(business: Business, team: Team) -> None:
    existing = customer_create(
        actor=business.owner,
        name="Sari D.",
        home_branch=business.branch_b,
        contacts=ContactPoints(emails=["sari@example.com"]),
    )
    lead = add_lead(team.sales_a1, phone="", email="SARI@example.com")
    customer, _ = services.lead_convert(actor=team.sales_a1, lead=lead)
    assert customer == existing and Customer.objects.count() == 1


def test_a_new_person_becomes_a_new_customer_with_the_leads_contacts(business: Business, team: Team) -> None:
    lead = add_lead(
        team.sales_a1,
        email="dewi@example.com",
        owner=team.sales_a1,
        company_name="PT Maju",
        interest="Paket keluarga",
        source=team.website,
    )
    customer, _ = services.lead_convert(actor=team.sales_a1, lead=lead)
    customer.refresh_from_db()
    assert (customer.name, customer.home_branch, customer.owner, customer.notes) == (
        "Sari Dewi",
        business.branch_a,
        team.sales_a1,
        "PT Maju\nPaket keluarga",
    )
    assert list(CustomerPhone.objects.filter(customer=customer).values_list("number", flat=True)) == ["+6281234567890"]
    assert list(CustomerEmail.objects.filter(customer=customer).values_list("email", flat=True)) == ["dewi@example.com"]
    assert ConsentRecord.objects.filter(customer=customer).count() == 0  # no consent given
    lead_events = AuditEvent.objects.filter(object_type="sales.lead", object_id=str(lead.pk), action="update")
    assert lead_events.get().changes["status"] == ["new", "converted"]


def test_consent_given_on_the_lead_is_recorded_on_the_customer_at_conversion(business: Business, team: Team) -> None:
    lead = services.lead_submit_form(
        source=team.website, name="Sari", phone="0812-3456-7890", email="sari@example.com", consent_marketing=True
    )
    assert lead.consent_marketing is True and ConsentRecord.objects.count() == 0  # not a customer yet
    customer, _ = services.lead_convert(actor=team.sales_a1, lead=lead)
    records = ConsentRecord.objects.filter(customer=customer).order_by("channel")
    assert [(r.channel, r.purpose, r.granted, r.source, r.notice_version) for r in records] == [
        ("email", "marketing", True, "form", "lead-form-1"),
        ("sms", "marketing", True, "form", "lead-form-1"),
        ("whatsapp", "marketing", True, "form", "lead-form-1"),
    ]


def test_a_withdrawal_made_after_the_lead_stays_in_force(business: Business, team: Team) -> None:
    existing = sari(business, phones=[PhoneIn("+6281234567890")])
    lead = add_lead(team.sales_a1, consent_marketing=True)
    consent_record(
        actor=business.owner,
        customer=existing,
        channel="whatsapp",
        purpose="marketing",
        granted=False,
        source="staff",
        notice_version="v1",
    )
    services.lead_convert(actor=team.sales_a1, lead=lead)
    latest = ConsentRecord.objects.filter(customer=existing, channel="whatsapp").order_by("-recorded_at", "-id")
    assert latest.first().granted is False  # type: ignore[union-attr]
    assert ConsentRecord.objects.get(customer=existing, channel="sms").granted is True


def test_converting_twice_is_refused(business: Business, team: Team) -> None:
    lead = add_lead(team.sales_a1)
    services.lead_convert(actor=team.sales_a1, lead=lead)
    with pytest.raises(ApplicationError) as refused:
        services.lead_convert(actor=team.sales_a1, lead=lead)
    assert refused.value.message == "This lead was already converted to the customer Sari Dewi."
    assert list(refused.value.extra) == ["status"]
    assert Customer.objects.count() == 1


def test_conversion_can_open_an_opportunity(business: Business, team: Team) -> None:
    lead = add_lead(team.sales_a1, owner=team.sales_a1, interest="Paket pernikahan")
    customer, opportunity = services.lead_convert(
        actor=team.sales_a1, lead=lead, create_opportunity=True, opportunity_value=7_500_000
    )
    assert isinstance(opportunity, Opportunity)
    assert (opportunity.customer, opportunity.lead, opportunity.title, opportunity.value, opportunity.owner) == (
        customer,
        lead,
        "Paket pernikahan",
        7_500_000,
        team.sales_a1,
    )


def test_a_failed_opportunity_leaves_the_lead_unconverted(business: Business, team: Team) -> None:
    lead = add_lead(team.sales_a1)
    with pytest.raises(ApplicationError) as refused:
        services.lead_convert(actor=team.sales_a1, lead=lead, create_opportunity=True, opportunity_value=-1)
    assert list(refused.value.extra) == ["opportunity_value"]
    lead.refresh_from_db()
    assert (lead.status, lead.customer, Customer.objects.count()) == ("new", None, 0)


def test_marketing_may_convert_but_not_open_opportunities(business: Business, team: Team) -> None:
    marketing = make_user("marketing", "marketing")
    lead = add_lead(marketing, branch=business.branch_a)
    with pytest.raises(PermissionDeniedError):
        services.lead_convert(actor=marketing, lead=lead, create_opportunity=True)
    customer, opportunity = services.lead_convert(actor=marketing, lead=lead)
    assert opportunity is None and customer.name == "Sari Dewi"


# --- Timeline and merge --------------------------------------------------------------------------


def test_the_converted_customers_timeline_shows_the_lead(business: Business, team: Team) -> None:
    lead = add_lead(team.sales_a1, source=team.instagram, owner=team.sales_a1, interest="Creambath")
    customer, _ = services.lead_convert(actor=team.sales_a1, lead=lead)
    entries = [entry for entry in timeline_for(customer) if entry.kind == "lead"]
    assert [(entry.title, entry.detail, entry.url) for entry in entries] == [
        ("Lead converted to customer", "Owner: Dewi", f"/leads/{lead.pk}/"),
        ("Came in as a lead (Instagram)", "Creambath", f"/leads/{lead.pk}/"),
    ]
    lead.refresh_from_db()
    older = [entry for entry in timeline_for(customer, before=lead.converted_at) if entry.kind == "lead"]
    assert [entry.title for entry in older] == ["Came in as a lead (Instagram)"]


def test_a_customer_merge_moves_her_leads(business: Business, team: Team) -> None:
    first = sari(business, phones=[PhoneIn("+6281234567890")])
    second = customer_create(actor=business.owner, name="Sari", home_branch=business.branch_a)
    lead = add_lead(team.sales_a1)
    services.lead_convert(actor=team.sales_a1, lead=lead)
    customers_merge(actor=business.owner, survivor=second, merged=first)
    lead.refresh_from_db()
    assert lead.customer == second


# --- Sources and rules ---------------------------------------------------------------------------


def test_sources_and_rules_need_sales_configure_and_name_their_fields(business: Business, team: Team) -> None:
    with pytest.raises(PermissionDeniedError):
        services.source_create(actor=team.sales_a1, name="TikTok")
    with pytest.raises(ApplicationError) as refused:
        services.source_create(actor=business.manager, name="instagram")
    assert list(refused.value.extra) == ["name"]
    source = services.source_create(actor=business.manager, name="TikTok", form_enabled=True, form_title=" Halo ")
    assert (source.form_title, len(source.form_key) >= 16) == ("Halo", True)
    with pytest.raises(ApplicationError) as refused:
        services.source_update(actor=business.manager, source=source, branch=business.branch_b)  # not his branch
    assert list(refused.value.extra) == ["branch"]
    with pytest.raises(ApplicationError) as refused:
        services.rule_create(actor=business.owner, branch=business.branch_b, assign_to=team.sales_a1)
    assert list(refused.value.extra) == ["assign_to"]
    with pytest.raises(ApplicationError) as refused:
        services.rule_create(actor=business.owner, branch=None)
    assert list(refused.value.extra) == ["branch"]
    first = services.rule_create(actor=business.owner, branch=business.branch_a, source=team.instagram)
    second = services.rule_create(actor=business.owner, branch=business.branch_b, city="Bandung")
    assert (first.position, second.position) == (10, 20)
    services.rule_move(actor=business.owner, rule=second, direction="up")
    assert list(LeadAssignmentRule.objects.values_list("pk", "position")) == [(second.pk, 10), (first.pk, 20)]
    services.rule_delete(actor=business.owner, rule=first)
    assert list(LeadAssignmentRule.objects.values_list("pk", flat=True)) == [second.pk]


def test_moving_a_lead_to_a_branch_its_owner_does_not_work_in_is_refused(business: Business, team: Team) -> None:
    lead = add_lead(business.owner, branch=business.branch_a, owner=team.sales_a1)
    with pytest.raises(ApplicationError) as refused:
        services.lead_update(actor=business.owner, lead=lead, branch=business.branch_b)
    assert list(refused.value.extra) == ["owner"]
    lead.refresh_from_db()
    assert lead.branch == business.branch_a
    services.lead_assign(actor=business.owner, lead=lead, owner=None)
    services.lead_update(actor=business.owner, lead=lead, branch=business.branch_b)
    lead.refresh_from_db()
    assert (lead.branch, lead.owner) == (business.branch_b, None)
