"""Editing an opportunity or a lead assignment rule whose owner (assignee) was deactivated since
keeps her, named as no longer active; the form no longer silently drops her. Choosing her anew
elsewhere is still refused."""

import datetime as dt

import pytest

from setia.accounts.models import User
from setia.conftest import Business, client_for, make_user
from setia.core.errors import ApplicationError
from setia.sales.models import LeadAssignmentRule, Opportunity
from setia.sales.services import leads, pipeline
from setia.sales.tests.test_leads import Team, make_team
from setia.sales.tests.test_leads_pages import english

pytestmark = pytest.mark.django_db


def _option(page: str, user: User) -> str:
    """The option of `user` in the page's owner list, as shown."""
    start = page.index(f'<option value="{user.pk}"')
    return page[page.index(">", start) + 1 : page.index("</option>", start)]


def test_an_opportunity_keeps_its_deactivated_owner_when_edited(business: Business, shop: dict) -> None:
    budi = make_user("sales_budi", "sales", business.branch_a, first_name="Budi")
    deal = pipeline.opportunity_create(
        actor=budi, customer=shop["customer"], title="Paket karyawan", expected_close=dt.date(2030, 3, 31)
    )
    User.objects.filter(pk=budi.pk).update(is_active=False)
    web = english(client_for(business.owner))
    url = f"/opportunities/{deal.pk}/edit/"
    page = web.get(url).content.decode()
    assert _option(page, budi) == "Budi (no longer active)"
    assert f'<option value="{budi.pk}" selected>' in page
    form = {"title": "Paket karyawan 10 orang", "value": "0", "owner": str(budi.pk), "branch": ""}
    assert web.post(url, {**form, "expected_close": "2030-04-30"}).status_code == 302
    deal.refresh_from_db()
    assert (deal.title, deal.owner_id) == ("Paket karyawan 10 orang", budi.pk)
    # The board and the list still filter by her while she owns open opportunities (to hand them over).
    for page_url in ("/pipeline/", "/opportunities/"):
        listed = web.get(page_url).content.decode()
        assert _option(listed, budi) == "Budi (no longer active)", page_url
    assert [o.pk for o in web.get(f"/opportunities/?owner={budi.pk}").context["page"].rows] == [deal.pk]
    for page_url in (f"/opportunities/{deal.pk}/", f"/opportunities/?owner={budi.pk}"):
        assert 'data-testid="no-longer-active">no longer active<' in web.get(page_url).content.decode(), page_url
    # She is not offered for another opportunity, and the service refuses her as a new owner.
    other = pipeline.opportunity_create(actor=business.owner, customer=shop["customer"], title="Lain")
    assert f'value="{budi.pk}"' not in web.get(f"/opportunities/{other.pk}/edit/").content.decode()
    budi.refresh_from_db()
    with pytest.raises(ApplicationError) as refused:
        pipeline.opportunity_update(
            actor=business.owner, opportunity=other, title="Lain", value=0, owner=budi, branch=None, expected_close=None
        )
    assert "owner" in refused.value.extra
    assert Opportunity.objects.get(pk=other.pk).owner_id != budi.pk


def test_a_lead_rule_keeps_its_deactivated_assignee_when_edited(business: Business) -> None:
    team: Team = make_team(business)
    rule = leads.rule_create(actor=business.owner, branch=business.branch_a, assign_to=team.sales_a1, active=True)
    User.objects.filter(pk=team.sales_a1.pk).update(is_active=False)
    web = english(client_for(business.owner))
    url = f"/leads/rules/{rule.pk}/"
    page = web.get(url).content.decode()
    assert _option(page, team.sales_a1) == "Dewi (no longer active)"
    form = {"branch": business.branch_a.pk, "city": "Jakarta", "assign_to": team.sales_a1.pk, "active": "on"}
    assert web.post(url, form).status_code == 302
    rule.refresh_from_db()
    assert (rule.city, rule.assign_to_id) == ("Jakarta", team.sales_a1.pk)
    assert 'data-testid="no-longer-active">no longer active<' in web.get("/leads/rules/").content.decode()
    # A new rule cannot name her.
    refused = web.post("/leads/rules/", {"branch": business.branch_a.pk, "assign_to": team.sales_a1.pk})
    assert 'data-field-error="assign_to"' in refused.content.decode()
    elsewhere = web.post("/leads/rules/", {"branch": business.branch_a.pk, "assign_to": team.sales_b.pk})
    assert "Agus does not work in this rule&#x27;s branch." in elsewhere.content.decode()
    assert LeadAssignmentRule.objects.count() == 1


def test_the_owner_filter_lists_a_deactivated_owner_only_to_those_who_see_her_deals(
    business: Business, shop: dict
) -> None:
    from setia.sales.selectors.pipeline import owner_filter_choices

    budi = make_user("sales_budi", "sales", business.branch_a, first_name="Budi")
    pipeline.opportunity_create(actor=budi, customer=shop["customer"], title="Paket karyawan")
    User.objects.filter(pk=budi.pk).update(is_active=False)
    other_branch = make_user("sales_dewi", "sales", business.branch_b, first_name="Dewi")
    assert budi.pk in [user.pk for user in owner_filter_choices(actor=business.owner)]
    assert budi.pk not in [user.pk for user in owner_filter_choices(actor=other_branch)]  # Kemang's deal: not hers
