"""A walk-in friend joins with a referral code as she is added at the till: the new-customer
form's loyalty block, offered only there and only to staff who may enrol members."""

from collections.abc import Callable

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from setia.accounts import roles
from setia.conftest import PERSONAS, Business, client_for, persona_user
from setia.core.models import AuditEvent
from setia.customers.models import Customer, CustomerPhone
from setia.loyalty.models import LoyaltySettings, Membership, PointsEntry, Referral, Tier

pytestmark = pytest.mark.django_db

TILL = "/cashier/"
FROM_THE_TILL = reverse("customers:create") + "?phone=0857%201234%205678&source=walk_in&next=/cashier/"
MAYA = {
    "kind": "person",
    "name": "Maya Sari",
    "phone_1": "0857 1234 5678",
    "preferred_language": "id",
    "preferred_channel": "whatsapp",
    "source": "walk_in",
    "next": TILL,
}


@pytest.fixture
def ayu(business: Business, tiers: dict[str, Tier], join: Callable[..., Membership]) -> Membership:
    """The member who brought her friend."""
    return join("Ayu Lestari")


def _rewarded_at_sign_up(programme: LoyaltySettings) -> None:
    programme.sign_up_points = 10
    programme.referrer_points = 50
    programme.referee_points = 20
    programme.referral_trigger = LoyaltySettings.ReferralTrigger.SIGN_UP
    programme.save()


def _offers_join(html: str) -> bool:
    return 'data-testid="walk-in-join"' in html and 'name="join_member"' in html and 'name="referral_code"' in html


def _said(message: str, **params: str) -> str:
    """`message` as the cashier reads it (the pages speak her language, Indonesian here)."""
    with translation.override("id"):
        return gettext(message) % params


def _field_errors(html: str, field: str) -> list[str]:
    marker = f'data-field-error="{field}">'
    return [part.split("</div>", 1)[0] for part in html.split(marker)[1:]]


def test_a_walk_in_joins_with_her_friends_code_in_one_step(
    business: Business, programme: LoyaltySettings, ayu: Membership
) -> None:
    _rewarded_at_sign_up(programme)
    web = client_for(business.cashier_a)
    assert _offers_join(web.get(FROM_THE_TILL).content.decode())

    saved = web.post(FROM_THE_TILL, {**MAYA, "join_member": "on", "referral_code": f" {ayu.referral_code.lower()} "})

    maya = Customer.objects.get(name="Maya Sari")
    card = Membership.objects.get(customer=maya)
    assert saved.status_code == 302 and saved["Location"] == f"{TILL}?customer={maya.pk}"
    assert card.number == f"SLN{card.pk:08d}" and maya.member_number == card.number
    assert card.branch == business.branch_a and card.tier is not None and card.tier.name == "Silver"
    assert card.referred_by == ayu
    assert (maya.source, maya.version) == ("referral", 2)  # a friend brought her, not a walk-in
    referral = Referral.objects.get(referee=card)
    assert referral.referrer == ayu and referral.status == Referral.Status.REWARDED
    card.refresh_from_db()
    ayu.refresh_from_db()
    assert card.points_balance == 30  # 10 for joining + 20 from the friend
    assert ayu.points_balance == 50
    assert list(PointsEntry.objects.filter(membership=ayu).values_list("points", "source")) == [
        (50, f"loyalty.referral:{referral.pk}")
    ]
    # The till opens with her chosen, her card number shown.
    till = web.get(saved["Location"]).content.decode()
    assert "Maya Sari" in till
    badge = till.split('data-testid="member-badge">', 1)[1].split("</span>", 1)[0]
    assert badge.startswith(card.number)
    # And the referrer's page lists her friend.
    page = web.get(reverse("customers:detail", args=[ayu.customer_id])).content.decode()
    assert "Maya Sari" in page.split('data-testid="referral-tree"', 1)[1].split("</ul>", 1)[0]


def test_rewarded_at_the_first_purchase_the_referral_waits(
    business: Business, programme: LoyaltySettings, ayu: Membership
) -> None:
    web = client_for(business.cashier_a)
    web.post(FROM_THE_TILL, {**MAYA, "join_member": "on", "referral_code": ayu.referral_code})
    referral = Referral.objects.get(referee__customer__name="Maya Sari")
    assert referral.referrer == ayu and referral.status == Referral.Status.JOINED
    assert PointsEntry.objects.count() == 0


def test_joining_without_a_code_gives_her_a_card(business: Business, programme: LoyaltySettings) -> None:
    saved = client_for(business.cashier_a).post(FROM_THE_TILL, {**MAYA, "join_member": "on", "referral_code": ""})
    card = Membership.objects.get(customer__name="Maya Sari")
    assert saved["Location"] == f"{TILL}?customer={card.customer_id}"
    assert card.referred_by is None and Referral.objects.count() == 0
    assert card.customer.source == "walk_in"  # no friend named: the walk-in she was


def test_not_ticked_she_is_added_without_a_card(business: Business, programme: LoyaltySettings) -> None:
    saved = client_for(business.cashier_a).post(FROM_THE_TILL, MAYA)
    maya = Customer.objects.get(name="Maya Sari")
    assert saved["Location"] == f"{TILL}?customer={maya.pk}"
    assert maya.member_number is None or maya.member_number == ""
    assert Membership.objects.count() == 0


def _cancelled(ayu: Membership) -> str:
    ayu.status = Membership.Status.CANCELLED
    ayu.save(update_fields=["status"])
    return ayu.referral_code


REFUSED: list[tuple[str, Callable[[Membership], str], dict[str, str], str]] = [
    ("unknown", lambda _ayu: "NOPE123", {"join_member": "on"}, "The referral code %(code)s does not exist."),
    ("cancelled member", _cancelled, {"join_member": "on"}, "The referral code %(code)s does not exist."),
    ("box not ticked", lambda ayu: ayu.referral_code, {}, "Tick “Join as member now” to use the referral code."),
]


@pytest.mark.parametrize(("code_of", "ticked", "message"), [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED])
def test_a_refused_code_is_shown_on_its_field_and_nothing_is_saved(
    business: Business,
    programme: LoyaltySettings,
    ayu: Membership,
    code_of: Callable[[Membership], str],
    ticked: dict[str, str],
    message: str,
) -> None:
    _rewarded_at_sign_up(programme)
    code = code_of(ayu)
    web = client_for(business.cashier_a)
    counts = (Customer.objects.count(), Membership.objects.count(), PointsEntry.objects.count())
    audit_rows = AuditEvent.objects.count()

    refused = web.post(FROM_THE_TILL, {**MAYA, **ticked, "referral_code": code})

    html = refused.content.decode()
    assert refused.status_code == 200
    said = _said(message, code=code) if "%(code)s" in message else _said(message)
    assert _field_errors(html, "referral_code") == [escape(said)]
    assert (Customer.objects.count(), Membership.objects.count(), PointsEntry.objects.count()) == counts
    assert AuditEvent.objects.count() == audit_rows
    assert not Customer.objects.filter(name="Maya Sari").exists()
    # What she typed is kept, so the cashier corrects the code and saves again.
    assert 'value="Maya Sari"' in html and f'value="{code}"' in html


def test_an_unknown_code_is_named_with_her_other_problems_at_once(
    business: Business, programme: LoyaltySettings
) -> None:
    """No name and a code nobody has: both are said on the first save, not the code only once the
    name is fixed."""
    web = client_for(business.cashier_a)
    html = web.post(FROM_THE_TILL, {**MAYA, "name": "", "join_member": "on", "referral_code": "NOSUCH99"}).content
    page = html.decode()
    assert _field_errors(page, "referral_code") == [
        escape(_said("The referral code %(code)s does not exist.", code="NOSUCH99"))
    ]
    assert _field_errors(page, "name") and not Customer.objects.filter(phones__number="+6285712345678").exists()


def test_the_code_for_someone_who_has_bought_before_is_refused_on_its_field(
    business: Business, programme: LoyaltySettings, ayu: Membership, monkeypatch: pytest.MonkeyPatch
) -> None:
    from setia.loyalty.services import membership as membership_services

    # "Sales" says she has bought before (orders of a guest matched to her record, say).
    monkeypatch.setattr(membership_services, "_history_checks", [lambda _customer_id: True])
    refused = client_for(business.cashier_a).post(
        FROM_THE_TILL, {**MAYA, "join_member": "on", "referral_code": ayu.referral_code}
    )
    said = _said("%(name)s is already a customer: referral codes are for new customers.", name="Maya Sari")
    assert _field_errors(refused.content.decode(), "referral_code") == [escape(said)]
    assert not Customer.objects.filter(name="Maya Sari").exists()


def test_a_duplicate_warning_keeps_the_join_and_the_code(
    business: Business, programme: LoyaltySettings, ayu: Membership, make_customer: Callable[..., Customer]
) -> None:
    CustomerPhone.objects.create(customer=make_customer("Maya S."), number="+6285712345678", is_primary=True)
    web = client_for(business.cashier_a)
    data = {**MAYA, "join_member": "on", "referral_code": ayu.referral_code}
    warned = web.post(FROM_THE_TILL, data).content.decode()
    assert 'data-testid="duplicate-warning"' in warned
    assert f'value="{ayu.referral_code}"' in warned and 'name="join_member" class="form-check-input"' in warned
    assert "checked" in warned.split('name="join_member"', 1)[1].split(">", 1)[0]
    assert Membership.objects.count() == 1
    saved = web.post(FROM_THE_TILL, {**data, "confirm_duplicate": "on"})
    assert saved.status_code == 302
    assert Membership.objects.get(referred_by=ayu).customer.name == "Maya Sari"


@pytest.mark.parametrize(
    "address",
    [
        reverse("customers:create"),
        reverse("customers:create") + "?phone=0857%201234%205678",
        reverse("customers:create") + "?phone=0857%201234%205678&source=walk_in",
        reverse("customers:create") + "?phone=0857%201234%205678&next=/cashier/",
        reverse("customers:create") + "?source=phone&next=/cashier/",
        reverse("customers:create") + "?source=walk_in&next=/customers/",
        reverse("customers:create") + "?source=walk_in&next=https://example.com/cashier/",
        reverse("customers:create") + "?source=walk_in&next=/nowhere/",
    ],
)
def test_away_from_the_till_the_form_does_not_offer_joining(
    business: Business, programme: LoyaltySettings, address: str
) -> None:
    web = client_for(business.cashier_a)
    assert not _offers_join(web.get(address).content.decode())
    # A posted box is not read there either: she is added, without a card.
    web.post(address, {**MAYA, "next": "", "join_member": "on"})
    assert Customer.objects.filter(name="Maya Sari").count() == 1
    assert Membership.objects.count() == 0


def test_staff_who_may_not_enrol_members_are_not_offered_joining(
    business: Business, programme: LoyaltySettings, ayu: Membership, monkeypatch: pytest.MonkeyPatch
) -> None:
    capabilities = {**roles.CAPABILITIES, "loyalty.enrol": frozenset({roles.Role.OWNER, roles.Role.MANAGER})}
    monkeypatch.setattr(roles, "CAPABILITIES", capabilities)
    web = client_for(business.cashier_a)
    assert not _offers_join(web.get(FROM_THE_TILL).content.decode())
    saved = web.post(FROM_THE_TILL, {**MAYA, "join_member": "on", "referral_code": ayu.referral_code})
    maya = Customer.objects.get(name="Maya Sari")
    assert saved["Location"] == f"{TILL}?customer={maya.pk}"
    assert not Membership.objects.filter(customer=maya).exists()
    assert _offers_join(client_for(business.manager).get(FROM_THE_TILL).content.decode())


CREATE = [302, 200, 200, 200, 200]  # customers.edit, as before: every role but the analyst


@pytest.mark.parametrize("persona_index", range(len(PERSONAS)), ids=PERSONAS)
def test_the_form_from_the_till_per_persona(business: Business, programme: LoyaltySettings, persona_index: int) -> None:
    user = persona_user(business, PERSONAS[persona_index])
    response = client_for(user).get(FROM_THE_TILL)
    assert response.status_code == CREATE[persona_index]
    if response.status_code == 200:
        assert _offers_join(response.content.decode())  # every role here may enrol members


def test_the_analyst_may_not_add_customers_from_the_till(business: Business, programme: LoyaltySettings) -> None:
    assert client_for(business.analyst).get(FROM_THE_TILL).status_code == 403
    refused = client_for(business.analyst).post(FROM_THE_TILL, {**MAYA, "join_member": "on"})
    assert refused.status_code == 403
    assert Customer.objects.count() == 0 and Membership.objects.count() == 0


@pytest.mark.parametrize("persona", ["other_branch_front_office", "same_branch_front_office", "manager", "owner"])
def test_each_persona_adds_and_enrols_her_in_one_step(
    business: Business, programme: LoyaltySettings, ayu: Membership, persona: str
) -> None:
    user = persona_user(business, persona)
    saved = client_for(user).post(FROM_THE_TILL, {**MAYA, "join_member": "on", "referral_code": ayu.referral_code})
    maya = Customer.objects.get(name="Maya Sari")
    assert saved.status_code == 302 and saved["Location"] == f"{TILL}?customer={maya.pk}"
    card = Membership.objects.get(customer=maya)
    assert card.referred_by == ayu
    assert maya.home_branch == (user.branch if user and user.branch else None)


def test_a_code_from_another_branch_counts_but_names_stay_in_their_branch(
    business: Business, ayu: Membership, make_customer: Callable[..., Customer]
) -> None:
    """Branches do not share customers: Dewi joins at Dago with Ayu's code (from Kemang). The
    referral counts for the business; Dago's cashier sees "a member of another branch", not Ayu's
    name or a link to her; Kemang's cashier likewise for Dewi; the owner sees both names."""
    from setia.loyalty.services.membership import membership_join

    dewi = membership_join(
        actor=business.cashier_b,
        customer=make_customer("Dewi Anggraini", branch=business.branch_b),
        referral_code=ayu.referral_code,
    )
    assert Referral.objects.get(referee=dewi).referrer == ayu
    other = _said("a member of another branch")
    dago = client_for(business.cashier_b).get(reverse("customers:detail", args=[dewi.customer_id])).content.decode()
    assert other in dago
    assert "Ayu Lestari" not in dago and reverse("customers:detail", args=[ayu.customer_id]) not in dago
    kemang = client_for(business.cashier_a).get(reverse("customers:detail", args=[ayu.customer_id])).content.decode()
    assert 'data-testid="referral-tree"' in kemang and other in kemang and "Dewi Anggraini" not in kemang
    owner = client_for(business.owner).get(reverse("customers:detail", args=[ayu.customer_id])).content.decode()
    assert "Dewi Anggraini" in owner and other not in owner
