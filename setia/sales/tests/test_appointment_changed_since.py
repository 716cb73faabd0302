"""An appointment whose service was switched off, or whose stylist left the branch, after it was
booked: the day's calendar still opens (it answered 400 for the whole day), says what stands in
the way of its quick check-out, and the check-out names it — on the page and through the API."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from setia.accounts.models import User
from setia.accounts.services import api_key_create
from setia.conftest import Business, client_for
from setia.core.errors import ApplicationError
from setia.sales.models import Appointment
from setia.sales.services import bookings
from setia.sales.services.checkout import PaymentIn
from setia.sales.tests.conftest import tomorrow_at


def _calendar(business: Business) -> str:
    client = client_for(business.manager)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    day = tomorrow_at(10).date().isoformat()
    page = client.get(reverse("sales:appointments") + f"?day={day}&branch={business.branch_a.pk}")
    assert page.status_code == 200
    return page.content.decode()


def test_a_stylist_gone_from_the_branch(business: Business, shop: dict, booked: Appointment) -> None:
    User.objects.filter(pk=business.cashier_a.pk).update(branch=business.branch_b)
    message = "Sari no longer works at Kemang: check out on the cashier screen and choose who served Creambath."
    html = _calendar(business)
    assert message in html and 'data-testid="appointment-to-till"' in html  # settled there
    with pytest.raises(ApplicationError) as refused:
        bookings.appointment_checkout(actor=business.manager, appointment=booked, payments=[PaymentIn("cash", 150_000)])
    assert refused.value.extra == {"staff": [message]}
    # The cashier screen takes her in, with who served left to choose.
    till = client_for(business.manager).get(reverse("sales:cashier") + f"?appointment={booked.pk}")
    assert till.status_code == 200
    assert till.context["lines"][0].staff_id is None


def test_a_service_switched_off(business: Business, shop: dict, booked: Appointment) -> None:
    shop["creambath"].is_active = False
    shop["creambath"].save()
    message = (
        "Creambath was switched off in the catalogue after this booking: switch it on again to check out, or "
        "cancel the appointment."
    )
    html = _calendar(business)
    assert message in html and 'data-testid="appointment-problem"' in html
    assert 'data-testid="appointment-to-till"' not in html  # the cashier screen would refuse it too
    key = api_key_create(actor=business.manager, name="pos")[1]
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    answer = client.post(
        f"/api/v1/appointments/{booked.pk}/checkout",
        {"payments": [{"method": "cash", "amount": 150_000}]},
        content_type="application/json",
        headers={"Authorization": f"Bearer {key}"},
    )
    assert answer.status_code == 400
    assert answer.json()["extra"] == {"service": [message]}
    booked.refresh_from_db()
    assert booked.status == Appointment.Status.BOOKED


def test_a_service_no_longer_offered_at_the_branch(business: Business, shop: dict, booked: Appointment) -> None:
    shop["creambath"].all_branches = False
    shop["creambath"].save()
    shop["creambath"].branches.set([business.branch_b])
    message = (
        "Creambath is no longer offered at Kemang: offer it there again in the catalogue to check out, or cancel "
        "the appointment."
    )
    assert message in _calendar(business)
    with pytest.raises(ApplicationError) as refused:
        bookings.appointment_checkout(actor=business.manager, appointment=booked, payments=[PaymentIn("cash", 150_000)])
    assert refused.value.extra == {"service": [message]}


def test_an_appointment_as_booked_keeps_its_quick_check_out(
    business: Business, shop: dict, booked: Appointment
) -> None:
    html = _calendar(business)
    assert 'data-testid="appointment-problem"' not in html and 'data-testid="appointment-due"' in html


def test_a_stylist_gone_from_the_branch_keeps_her_column_for_her_appointments_but_offers_no_free_times(
    business: Business, shop: dict, booked: Appointment
) -> None:
    from setia.sales.selectors.appointments import appointment_calendar

    day = tomorrow_at(10).date()
    before = appointment_calendar(actor=business.manager, branch=business.branch_a, day=day)
    [hers] = [column for column in before.columns if column.member.pk == business.cashier_a.pk]
    assert any(block.free for block in hers.blocks)  # free times around her appointment
    User.objects.filter(pk=business.cashier_a.pk).update(branch=business.branch_b)
    after = appointment_calendar(actor=business.manager, branch=business.branch_a, day=day)
    [hers] = [column for column in after.columns if column.member.pk == business.cashier_a.pk]
    assert hers.appointments == [booked] and not any(block.free for block in hers.blocks)
