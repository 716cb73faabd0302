"""A branch is not closed with bookings still open there: its appointments and trips would drop
out of every calendar and list, which show only open branches."""

import pytest
from django.conf import settings
from django.test import Client

from setia.accounts.models import Branch, User
from setia.accounts.roles import FRONT_OFFICE
from setia.accounts.services import branch_update
from setia.conftest import Business, client_for
from setia.core.errors import ApplicationError
from setia.sales.models import Appointment
from setia.sales.services import bookings
from setia.sales.tests.conftest import tomorrow_at


def _staff_moved_away(business: Business) -> None:
    """The branch's front office works elsewhere now: only its bookings keep it open."""
    User.objects.filter(branch=business.branch_a, role__in=list(FRONT_OFFICE)).update(branch=business.branch_b)


@pytest.mark.django_db
def test_a_branch_with_a_booked_appointment_and_an_open_trip_is_not_closed_until_both_are_done(
    business: Business, shop: dict, booked: Appointment
) -> None:
    trip = bookings.trip_book(
        actor=business.cashier_a,
        customer=shop["customer"],
        branch=business.branch_a,
        pickup_at=tomorrow_at(9),
        pickup_text="Jl. Melati No. 12",
    )
    _staff_moved_away(business)
    with pytest.raises(ApplicationError) as refused:
        branch_update(actor=business.owner, branch=business.branch_a, is_active=False)
    first = bookings._when(tomorrow_at(9))
    assert refused.value.extra == {
        "is_active": [
            f"Kemang still has 1 booked appointment and 1 open trip (the first on {first}): check them out, "
            "complete or cancel them before closing it."
        ]
    }
    assert Branch.objects.get(pk=business.branch_a.pk).is_active
    bookings.trip_cancel(actor=business.owner, trip=trip)
    with pytest.raises(ApplicationError) as refused:
        branch_update(actor=business.owner, branch=business.branch_a, is_active=False)
    assert "Kemang still has 1 booked appointment (the first on" in refused.value.message
    bookings.appointment_cancel(actor=business.owner, appointment=booked)
    branch_update(actor=business.owner, branch=business.branch_a, is_active=False)
    assert not Branch.objects.get(pk=business.branch_a.pk).is_active


@pytest.mark.django_db
def test_the_branch_page_shows_why_it_stays_open(business: Business, booked: Appointment) -> None:
    _staff_moved_away(business)
    owner: Client = client_for(business.owner)
    owner.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    branch = business.branch_a
    form = {"name": branch.name, "code": branch.code, "address": "", "city": "", "province": "", "phone": ""}
    page = owner.post(f"/branches/{branch.pk}/edit/", form)  # "active" unticked
    assert page.status_code == 200
    assert 'data-field-error="is_active"' in page.content.decode()
    assert "Kemang still has 1 booked appointment (the first on" in page.content.decode()
    assert Branch.objects.get(pk=branch.pk).is_active
