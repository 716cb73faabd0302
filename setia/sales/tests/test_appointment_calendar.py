"""The appointment calendar: a column for every staff member who takes appointments (free ones
too), free times that open the booking form for that stylist and time, booking without starting
from the customer's page (found by phone, or added and brought back), a booking without a
customer refused naming the field, and who may open these pages."""

import datetime as dt
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from setia.accounts.models import User
from setia.conftest import PERSONAS, Business, client_for, make_user, persona_user
from setia.core.errors import ApplicationError
from setia.customers.models import Customer, CustomerPhone
from setia.sales.models import Appointment, Order
from setia.sales.selectors.appointments import appointment_calendar, appointment_staff
from setia.sales.services import bookings


def english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _tomorrow() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=1)


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


@pytest.fixture
def salon(business: Business, shop: dict) -> dict:
    """Branch A's floor: Sari (cashier) and Lestari (the manager) from the business, Dewi who
    styles (sales role); beside them people who take no appointments."""
    CustomerPhone.objects.create(customer=shop["customer"], number="+6281234567890", is_primary=True)
    return {
        "dewi": make_user("dewi", "sales", business.branch_a, first_name="Dewi"),
        "agent": make_user("agent_a", "call_agent", business.branch_a, first_name="Agus"),
        "gone": make_user("gone_a", "cashier", business.branch_a, first_name="Wati", is_active=False),
    }


def _column_ids(page: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-testid="staff-column" data-staff="(\d+)"', page)]


# --- Free stylists are shown ---------------------------------------------------------------------


def test_every_stylist_has_a_column_even_when_others_are_booked(business: Business, shop: dict, salon: dict) -> None:
    day = _tomorrow()
    bookings.appointment_book(
        actor=business.cashier_a,
        customer=shop["customer"],
        branch=business.branch_a,
        service=shop["creambath"],
        starts_at=_at(day, 10),
        staff=business.cashier_a,
    )
    calendar = appointment_calendar(actor=business.cashier_a, branch=business.branch_a, day=day)
    # Ordered by first name; the owner, the analyst, the call agent, the inactive cashier and
    # branch B's cashier take no appointments here.
    assert [column.member for column in calendar.columns] == [salon["dewi"], business.manager, business.cashier_a]
    page = english(client_for(business.cashier_a)).get(
        reverse("sales:appointments") + f"?day={day.isoformat()}&branch={business.branch_a.pk}"
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert _column_ids(html) == [salon["dewi"].pk, business.manager.pk, business.cashier_a.pk]
    assert html.count('data-testid="appointment"') == 1


def test_someone_booked_that_day_keeps_a_column_after_leaving_the_branch(business: Business, shop: dict) -> None:
    day = _tomorrow()
    bookings.appointment_book(
        actor=business.cashier_a,
        customer=shop["customer"],
        branch=business.branch_a,
        service=shop["creambath"],
        starts_at=_at(day, 11),
        staff=business.cashier_a,
    )
    User.objects.filter(pk=business.cashier_a.pk).update(branch=business.branch_b)
    calendar = appointment_calendar(actor=business.owner, branch=business.branch_a, day=day)
    assert [column.member.username for column in calendar.columns] == ["manager", "cashier_a"]
    assert [a.starts_at for a in calendar.columns[1].appointments] == [_at(day, 11)]


def test_the_staff_filter_shows_one_column(business: Business, shop: dict, salon: dict) -> None:
    day = _tomorrow()
    url = reverse("sales:appointments") + f"?day={day.isoformat()}&branch={business.branch_a.pk}"
    html = client_for(business.cashier_a).get(f"{url}&staff={salon['dewi'].pk}").content.decode()
    assert _column_ids(html) == [salon["dewi"].pk]
    # The filter still lists everyone, and the Book button proposes the chosen stylist.
    assert f'<option value="{business.manager.pk}">' in html
    assert f"staff={salon['dewi'].pk}" in html.split('data-testid="book"')[0].rsplit("<a ", 1)[1]


def test_free_times_skip_the_booked_hour_and_the_past(business: Business, shop: dict) -> None:
    day = _tomorrow()
    bookings.appointment_book(
        actor=business.cashier_a,
        customer=shop["customer"],
        branch=business.branch_a,
        service=shop["creambath"],  # 60 minutes
        starts_at=_at(day, 10),
        staff=business.cashier_a,
    )
    calendar = appointment_calendar(
        actor=business.cashier_a, branch=business.branch_a, day=day, staff_id=business.cashier_a.pk
    )
    (column,) = calendar.columns
    first, appointment, after = column.blocks
    assert [free.value[11:] for free in first.free] == ["09:00", "09:30"]
    assert appointment.appointment is not None and appointment.appointment.starts_at == _at(day, 10)
    assert [free.value[11:] for free in after.free][:2] == ["11:00", "11:30"]
    assert after.free[-1].value == f"{day.isoformat()}T19:30" and len(after.free) == 18
    # Today at 12:10: the half-hour under way is still offered, earlier ones are not.
    today = timezone.localdate()
    now = _at(today, 12, 10)
    (today_column,) = appointment_calendar(
        actor=business.cashier_a, branch=business.branch_a, day=today, staff_id=business.cashier_a.pk, now=now
    ).columns
    assert today_column.blocks[0].free[0].value == f"{today.isoformat()}T12:00"
    assert appointment_calendar(actor=business.cashier_a, branch=business.branch_a, day=today, now=now).book_at == (
        f"{today.isoformat()}T13:00"
    )


def test_no_free_times_are_offered_further_ahead_than_bookings_are_taken(business: Business, shop: dict) -> None:
    now = _at(timezone.localdate(), 12, 10)
    last_day = (now + bookings.BOOKING_AHEAD).date()

    def free(day: dt.date) -> list[str]:
        calendar = appointment_calendar(
            actor=business.cashier_a, branch=business.branch_a, day=day, staff_id=business.cashier_a.pk, now=now
        )
        return [slot.value[11:] for block in calendar.columns[0].blocks for slot in block.free]

    assert free(last_day)[:2] == ["09:00", "09:30"] and free(last_day)[-1] == "12:00"  # up to a year from now
    assert free(last_day + dt.timedelta(days=1)) == []
    page = english(client_for(business.cashier_a)).get(
        reverse("sales:appointments") + f"?day={(last_day + dt.timedelta(days=1)).isoformat()}"
    )
    html = page.content.decode()
    assert 'data-testid="free-slot"' not in html
    assert "Appointments are booked up to a year ahead: no free times this day." in html


def test_a_free_time_opens_the_form_with_that_stylist_and_time(business: Business, shop: dict, salon: dict) -> None:
    day = _tomorrow()
    web = english(client_for(business.cashier_a))
    html = web.get(reverse("sales:appointments") + f"?day={day.isoformat()}").content.decode()
    column = html.split(f'data-staff="{salon["dewi"].pk}"')[1].split('data-testid="staff-column"')[0]
    link = re.findall(r'href="([^"]+)" data-testid="free-slot"', column)[0]
    assert parse_qs(urlsplit(link).query) == {
        "branch": [str(business.branch_a.pk)],
        "staff": [str(salon["dewi"].pk)],
        "starts_at": [f"{day.isoformat()}T09:00"],
    }
    form = web.get(link).content.decode()
    assert f'<option value="{salon["dewi"].pk}" selected>' in form
    assert f'value="{day.isoformat()}T09:00"' in form
    assert 'data-testid="find-customer"' in form
    # The staff list is the calendar's: no call agent, no owner.
    assert f'value="{salon["agent"].pk}"' not in form and f'value="{business.owner.pk}"' not in form


# --- Booking from the calendar -----------------------------------------------------------------


def test_booking_from_the_calendar_with_the_customer_found_by_phone(
    business: Business, shop: dict, salon: dict
) -> None:
    day = _tomorrow()
    web = english(client_for(business.cashier_a))
    choice = {"branch": business.branch_a.pk, "staff": salon["dewi"].pk, "starts_at": f"{day.isoformat()}T14:30"}
    found = web.get(reverse("sales:appointment_customers"), {**choice, "find": "0812 3456 7890"}).content.decode()
    assert re.findall(r'name="customer" value="(\d+)"[^>]*checked', found) == [str(shop["customer"].pk)]
    assert "Siti Rahma" in found
    response = web.post(
        reverse("sales:appointment_new"), {**choice, "customer": shop["customer"].pk, "service": shop["creambath"].pk}
    )
    assert response.status_code == 302
    assert (
        response["Location"] == reverse("sales:appointments") + f"?day={day.isoformat()}&branch={business.branch_a.pk}"
    )
    appointment = Appointment.objects.select_related("order").get()
    assert (appointment.staff_id, appointment.starts_at, appointment.ends_at, appointment.status) == (
        salon["dewi"].pk,
        _at(day, 14, 30),
        _at(day, 15, 30),
        Appointment.Status.BOOKED,
    )
    assert (appointment.order.customer_id, appointment.order.branch_id, appointment.order.status) == (
        shop["customer"].pk,
        business.branch_a.pk,
        Order.Status.BOOKED,
    )
    calendar = web.get(response["Location"]).content.decode()
    dewi = calendar.split(f'data-staff="{salon["dewi"].pk}"')[1].split('data-testid="staff-column"')[0]
    assert "14:30\u201315:30" in dewi and "Siti Rahma" in dewi and "Creambath" in dewi


def test_a_booking_without_a_customer_is_refused_naming_the_field(business: Business, shop: dict, salon: dict) -> None:
    web = english(client_for(business.cashier_a))
    response = web.post(
        reverse("sales:appointment_new"),
        {
            "branch": business.branch_a.pk,
            "service": shop["creambath"].pk,
            "staff": business.cashier_a.pk,
            "starts_at": f"{_tomorrow().isoformat()}T10:00",
            "find": "0812 3456 7890",  # typed, but nobody chosen (Enter in the search box)
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="form-errors"' not in html  # said once, under the field
    assert 'data-testid="customer-error">Choose the customer.</div>' in html
    assert 'value="0812 3456 7890"' in html and "Siti Rahma" in html  # the search shown again
    assert f'<option value="{shop["creambath"].pk}" selected>' in html  # the rest kept
    assert (Appointment.objects.count(), Order.objects.count()) == (0, 0)


def test_the_booking_names_every_missing_field_and_saves_nothing(business: Business) -> None:
    with pytest.raises(ApplicationError) as error:
        bookings.appointment_book(
            actor=business.cashier_a, customer=None, branch=business.branch_a, service=None, starts_at=None
        )
    assert error.value.message == "Choose the customer."
    assert error.value.extra == {
        "customer": ["Choose the customer."],
        "service": ["Choose the service."],
        "starts_at": ["Enter the time."],
    }
    assert (Appointment.objects.count(), Order.objects.count()) == (0, 0)


@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("agent", "Agus does not take appointments."),
        ("owner", "Nur does not take appointments."),
        ("gone", "Wati does not take appointments."),
        ("cashier_b", "Rina does not work at Kemang."),
    ],
)
def test_staff_who_take_no_appointments_are_refused(
    business: Business, shop: dict, salon: dict, who: str, message: str
) -> None:
    staff = {"owner": business.owner, "cashier_b": business.cashier_b}.get(who) or salon[who]
    web = english(client_for(business.cashier_a))
    response = web.post(
        reverse("sales:appointment_new"),
        {
            "branch": business.branch_a.pk,
            "customer": shop["customer"].pk,
            "service": shop["creambath"].pk,
            "staff": staff.pk,
            "starts_at": f"{_tomorrow().isoformat()}T10:00",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<div class="invalid-feedback d-block">{message}</div>' in html and 'data-testid="form-errors"' not in html
    assert (Appointment.objects.count(), Order.objects.count()) == (0, 0)


def test_a_past_time_is_refused_on_the_form(business: Business, shop: dict) -> None:
    past = timezone.localtime() - dt.timedelta(days=1)
    response = english(client_for(business.cashier_a)).post(
        reverse("sales:appointment_new"),
        {
            "branch": business.branch_a.pk,
            "customer": shop["customer"].pk,
            "service": shop["creambath"].pk,
            "starts_at": past.strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert "The appointment time is in the past." in response.content.decode()
    assert Appointment.objects.count() == 0


def test_a_new_customer_comes_back_to_the_booking_chosen(business: Business, shop: dict, salon: dict) -> None:
    day = _tomorrow()
    web = english(client_for(business.cashier_a))
    choice = {"branch": business.branch_a.pk, "staff": salon["dewi"].pk, "starts_at": f"{day.isoformat()}T16:00"}
    found = web.get(reverse("sales:appointment_customers"), {**choice, "find": "0857 1111 2222"}).content.decode()
    assert 'data-testid="no-customer"' in found
    link = re.findall(r'href="([^"]+)" data-testid="new-customer"', found)[0].replace("&amp;", "&")
    query = parse_qs(urlsplit(link).query)
    assert query["phone"] == ["0857 1111 2222"]
    back = query["next"][0]
    assert urlsplit(back).path == reverse("sales:appointment_new")
    assert parse_qs(urlsplit(back).query) == {key: [str(value)] for key, value in choice.items()}
    saved = web.post(
        link,
        {
            "kind": "person",
            "preferred_language": "id",
            "preferred_channel": "whatsapp",
            "name": "Maya Sari",
            "phone_1": "0857 1111 2222",
            "source": "phone",
            "next": back,
        },
    )
    assert saved.status_code == 302, saved.content.decode()[-3000:]
    maya = Customer.objects.get(name="Maya Sari")
    assert saved.status_code == 302 and saved["Location"] == f"{back}&customer={maya.pk}"
    form = web.get(saved["Location"]).content.decode()
    assert 'data-testid="chosen-customer"' in form and "Maya Sari" in form
    assert f'name="customer" value="{maya.pk}"' in form
    assert f'<option value="{salon["dewi"].pk}" selected>' in form and f"{day.isoformat()}T16:00" in form
    booked = web.post(
        reverse("sales:appointment_new"), {**choice, "customer": maya.pk, "service": shop["creambath"].pk}
    )
    assert booked.status_code == 302
    assert Appointment.objects.get().order.customer_id == maya.pk


def test_the_search_keeps_to_the_branches_the_receptionist_sees(business: Business, shop: dict) -> None:
    # Siti is branch A's customer; branch B's cashier does not find her, only where she belongs.
    CustomerPhone.objects.create(customer=shop["customer"], number="+6281234567890", is_primary=True)
    web = english(client_for(business.cashier_b))
    found = web.get(
        reverse("sales:appointment_customers"), {"find": "0812 3456 7890", "branch": str(business.branch_b.pk)}
    ).content.decode()
    assert 'name="customer"' not in found and "Siti" not in found
    assert 'data-testid="phone-elsewhere"' in found and "Kemang" in found
    # Nor can she book her by sending her id.
    response = web.post(
        reverse("sales:appointment_new"),
        {
            "branch": business.branch_b.pk,
            "customer": shop["customer"].pk,
            "service": shop["creambath"].pk,
            "starts_at": f"{_tomorrow().isoformat()}T10:00",
        },
    )
    assert response.status_code == 404
    assert (Appointment.objects.count(), Order.objects.count()) == (0, 0)


# --- Who may open the pages -----------------------------------------------------------------------


@pytest.mark.parametrize("persona", [*PERSONAS, "analyst"])
def test_calendar_booking_and_search_by_persona(business: Business, shop: dict, persona: str) -> None:
    CustomerPhone.objects.create(customer=shop["customer"], number="+6281234567890", is_primary=True)
    user = business.analyst if persona == "analyst" else persona_user(business, persona)
    web = english(client_for(user))
    pages = [
        reverse("sales:appointments") + f"?branch={business.branch_a.pk}",
        reverse("sales:appointment_new") + f"?branch={business.branch_a.pk}",
        reverse("sales:appointment_customers") + "?find=0812+3456+7890",
    ]
    for url in pages:
        response = web.get(url)
        if user is None:
            assert response.status_code == 302 and "/accounts/login" in response["Location"], url
        elif persona == "analyst":
            assert response.status_code == 403, url
        else:
            assert response.status_code == 200, url
    if user is None or persona == "analyst":
        return
    calendar = web.get(pages[0]).content.decode()
    found = web.get(pages[2]).content.decode()
    if persona == "other_branch_front_office":
        # Her own branch's calendar, whatever branch is asked for; branch A's customer not found.
        assert "Dago" in calendar and _column_ids(calendar) == [business.cashier_b.pk]
        assert "Siti Rahma" not in found
    else:
        assert _column_ids(calendar) == [business.manager.pk, business.cashier_a.pk]
        assert "Siti Rahma" in found


def test_the_staff_list_of_a_branch(business: Business, salon: dict) -> None:
    assert list(appointment_staff(branch=business.branch_a)) == [salon["dewi"], business.manager, business.cashier_a]
    assert list(appointment_staff(branch=business.branch_b)) == [business.cashier_b]


def test_a_time_outside_the_opening_hours_is_refused_on_the_form(business: Business, shop: dict) -> None:
    """Opening hours 09:00-20:00 (the default): a booking starts at 09:00 at the earliest and
    before 20:00; "21:00" for "12:00" is refused naming the time, and nothing is saved."""
    day = _tomorrow()
    client = english(client_for(business.cashier_a))
    form = {"branch": business.branch_a.pk, "customer": shop["customer"].pk, "service": shop["creambath"].pk}
    for typed in ("08:59", "20:00", "21:00"):
        response = client.post(reverse("sales:appointment_new"), {**form, "starts_at": f"{day.isoformat()}T{typed}"})
        assert response.status_code == 200
        assert response.context["errors"] == {
            "starts_at": ["Opening hours are 09:00 to 20:00: choose a time within them."]
        }
    assert Appointment.objects.count() == 0
    for hour, minute in ((9, 0), (19, 30)):
        bookings.appointment_book(
            actor=business.cashier_a,
            customer=shop["customer"],
            branch=business.branch_a,
            service=shop["creambath"],
            starts_at=_at(day, hour, minute),
        )
    assert Appointment.objects.count() == 2


def test_the_calendar_follows_the_business_hours(business: Business, shop: dict) -> None:
    from setia.sales.services.settings import sales_settings_update

    sales_settings_update(actor=business.owner, opens_at=dt.time(8, 0), closes_at=dt.time(17, 0))
    day = _tomorrow()
    calendar = appointment_calendar(
        actor=business.cashier_a, branch=business.branch_a, day=day, staff_id=business.cashier_a.pk
    )
    (column,) = calendar.columns
    (free,) = column.blocks
    assert free.free[0].value == f"{day.isoformat()}T08:00" and free.free[-1].value == f"{day.isoformat()}T16:30"
    assert calendar.book_at == f"{day.isoformat()}T08:00"


def test_a_branch_with_its_own_hours(business: Business, shop: dict) -> None:
    """Branch A opens 10:00-21:00 (the business: 09:00-20:00): its calendar, its booking form's
    proposed time and its bookings follow its hours; branch B keeps the business's."""
    from setia.accounts.services import branch_update

    kemang = branch_update(actor=business.owner, branch=business.branch_a, opens_at=dt.time(10), closes_at=dt.time(21))
    day = _tomorrow()
    calendar = appointment_calendar(actor=business.cashier_a, branch=kemang, day=day, staff_id=business.cashier_a.pk)
    (free,) = calendar.columns[0].blocks
    assert (free.free[0].value, free.free[-1].value) == (f"{day.isoformat()}T10:00", f"{day.isoformat()}T20:30")
    assert calendar.book_at == f"{day.isoformat()}T10:00"
    book = {"customer": shop["customer"], "branch": kemang, "service": shop["creambath"]}
    with pytest.raises(ApplicationError) as error:
        bookings.appointment_book(actor=business.cashier_a, starts_at=_at(day, 9, 30), **book)
    assert "10:00" in error.value.extra["starts_at"][0] and "21:00" in error.value.extra["starts_at"][0]
    assert bookings.appointment_book(actor=business.cashier_a, starts_at=_at(day, 20, 30), **book).pk
    other = appointment_calendar(actor=business.owner, branch=business.branch_b, day=day)
    assert other.book_at == f"{day.isoformat()}T09:00"
    page = english(client_for(business.owner)).get(reverse("accounts:branch_detail", args=[business.branch_a.pk]))
    assert "10:00\u201321:00" in page.content.decode()


@pytest.mark.parametrize(
    ("now", "proposed"),
    [((7, 10), "T09:00"), ((12, 40), "T13:00"), ((18, 59), "T19:00"), ((19, 5), "+1T09:00"), ((23, 30), "+1T09:00")],
)
def test_the_form_proposes_a_time_within_the_opening_hours(now: tuple[int, int], proposed: str) -> None:
    from setia.sales.selectors.appointments import Hours, book_at

    today = timezone.localdate()
    at = _at(today, *now)
    day = today + dt.timedelta(days=1) if proposed.startswith("+1") else today
    assert book_at(today, Hours(dt.time(9), dt.time(20)), at) == f"{day.isoformat()}{proposed.removeprefix('+1')}"


def test_closed_days_move_the_proposed_time_to_the_next_open_day() -> None:
    """Closed on Sundays and Mondays: on a Saturday evening, and on either closed day, the form
    proposes Tuesday's opening; a later closed day chosen on the calendar proposes the next open one."""
    from setia.sales.selectors.appointments import Hours, book_at

    hours = Hours(dt.time(9), dt.time(20), frozenset({6, 0}))
    saturday = timezone.localdate() + dt.timedelta(days=(5 - timezone.localdate().weekday()) % 7 + 7)
    tuesday = saturday + dt.timedelta(days=3)
    assert book_at(saturday, hours, _at(saturday, 12, 10)) == f"{saturday.isoformat()}T13:00"
    assert book_at(saturday, hours, _at(saturday, 19, 30)) == f"{tuesday.isoformat()}T09:00"
    for closed in (saturday + dt.timedelta(days=1), saturday + dt.timedelta(days=2)):
        assert book_at(closed, hours, _at(closed, 7, 0)) == f"{tuesday.isoformat()}T09:00"
        assert book_at(closed, hours, _at(saturday, 10, 0)) == f"{tuesday.isoformat()}T09:00"
    assert hours.next_open_day(tuesday) == tuesday


def _next(weekday: int) -> dt.date:
    """The first such weekday after tomorrow (Monday 0)."""
    start = timezone.localdate() + dt.timedelta(days=2)
    return start + dt.timedelta(days=(weekday - start.weekday()) % 7)


def test_a_closed_day_offers_no_times_and_refuses_bookings(business: Business, shop: dict) -> None:
    """The business closes on Mondays: a Monday's calendar says so and offers no free time, a
    booking on a Monday is refused naming the day and the time field, and Tuesday books as usual.
    A branch with its own hours keeps its own closed days (none here): its Monday is open."""
    from setia.accounts.services import branch_update
    from setia.sales.services.settings import sales_settings_update

    sales_settings_update(actor=business.owner, closed_days=[0])
    monday, tuesday = _next(0), _next(1)
    calendar = appointment_calendar(actor=business.cashier_a, branch=business.branch_a, day=monday)
    assert calendar.closed and all(not block.free for column in calendar.columns for block in column.blocks)
    assert calendar.book_at == f"{tuesday.isoformat()}T09:00"
    page = english(client_for(business.cashier_a)).get(
        reverse("sales:appointments"), {"day": monday.isoformat(), "branch": str(business.branch_a.pk)}
    )
    assert "is closed on Monday: no free times this day." in page.content.decode()
    assert 'data-testid="free-slot"' not in page.content.decode()
    book = {"customer": shop["customer"], "branch": business.branch_a, "service": shop["creambath"]}
    with pytest.raises(ApplicationError) as error:
        bookings.appointment_book(actor=business.cashier_a, starts_at=_at(monday, 10), **book)
    assert error.value.extra["starts_at"][0].endswith("is closed on Monday: choose another day.")
    assert not Appointment.objects.exists()
    assert bookings.appointment_book(actor=business.cashier_a, starts_at=_at(tuesday, 10), **book).pk
    own = branch_update(actor=business.owner, branch=business.branch_b, opens_at=dt.time(8), closes_at=dt.time(17))
    assert not appointment_calendar(actor=business.owner, branch=own, day=monday).closed


def test_closed_days_on_the_branch_form(business: Business) -> None:
    """Ticked on the branch form with the branch's own times: saved, shown on the branch page,
    followed by its calendar. Without own times, or every day ticked, refused naming the field,
    and nothing saved."""
    client = english(client_for(business.owner))
    url = reverse("accounts:branch_edit", args=[business.branch_a.pk])
    form = client.get(url).content.decode()
    assert form.count('name="closed_days"') == 7 and "Monday" in form and "Sunday" in form
    data = {"name": business.branch_a.name, "code": business.branch_a.code, "is_active": "on"}
    refused = client.post(url, {**data, "closed_days": ["6"]})
    assert refused.status_code == 200
    assert refused.context["form"].errors["closed_days"] == [
        "Enter the branch's own opening and closing times too, or leave its closed days to the business."
    ]
    every_day = client.post(url, {**data, "opens_at": "10:00", "closes_at": "19:00", "closed_days": list("0123456")})
    assert every_day.context["form"].errors["closed_days"] == ["Leave at least one day open."]
    business.branch_a.refresh_from_db()
    assert business.branch_a.closed_days == [] and business.branch_a.opens_at is None
    saved = client.post(url, {**data, "opens_at": "10:00", "closes_at": "19:00", "closed_days": ["6", "0"]})
    assert saved.status_code == 302
    business.branch_a.refresh_from_db()
    assert business.branch_a.closed_days == [0, 6]
    page = client.get(reverse("accounts:branch_detail", args=[business.branch_a.pk])).content.decode()
    assert "closed on Monday, Sunday" in page
    assert appointment_calendar(actor=business.owner, branch=business.branch_a, day=_next(6)).closed


def test_hours_that_close_before_they_open_are_refused_on_the_settings_page(business: Business) -> None:
    from setia.sales.models import SalesSettings

    client = client_for(business.owner)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("sales:settings")).content.decode()
    assert 'name="opens_at"' in page and 'type="time"' in page
    data = {
        "tax_registered": "on",
        "ppn_percent": "11",
        "prices_include_tax": "on",
        "cash_rounding": "100",
        "receipt_footer": "",
        "opens_at": "18:00",
        "closes_at": "09:00",
        "closed_days": ["6"],
    }
    refused = client.post(reverse("sales:settings"), data)
    assert refused.status_code == 200
    assert "The closing time must be after the opening time." in refused.context["form"].errors["closes_at"]
    assert SalesSettings.objects.get().closes_at == dt.time(20, 0)  # nothing saved
    saved = client.post(reverse("sales:settings"), {**data, "opens_at": "10:00", "closes_at": "21:00"})
    assert saved.status_code == 302
    assert (SalesSettings.objects.get().opens_at, SalesSettings.objects.get().closes_at) == (
        dt.time(10, 0),
        dt.time(21, 0),
    )
    assert SalesSettings.objects.get().closed_days == [6]
    every_day = client.post(reverse("sales:settings"), {**data, "closes_at": "21:00", "closed_days": list("0123456")})
    assert every_day.context["form"].errors["closed_days"] == ["Leave at least one day open."]
    assert SalesSettings.objects.get().closed_days == [6]


def test_a_paid_appointment_keeps_its_time(business: Business, shop: dict, salon: dict) -> None:
    """Paid before her treatment (checked out early), the appointment still holds the stylist's
    time: the calendar offers no free time under it and a booking there is refused. A cancelled
    appointment frees its time."""
    from setia.sales.services.checkout import PaymentIn

    day = _tomorrow()
    book = {"customer": shop["customer"], "branch": business.branch_a, "service": shop["creambath"]}
    paid = bookings.appointment_book(actor=business.cashier_a, starts_at=_at(day, 10), staff=salon["dewi"], **book)
    due = bookings.appointment_amounts_due([paid])[paid.pk][0]
    bookings.appointment_checkout(actor=business.cashier_a, appointment=paid, payments=[PaymentIn("cash", due)])
    calendar = appointment_calendar(
        actor=business.cashier_a, branch=business.branch_a, day=day, staff_id=salon["dewi"].pk
    )
    free = [slot.value[-5:] for block in calendar.columns[0].blocks for slot in block.free]
    assert "09:30" in free and "10:00" not in free and "10:30" not in free and "11:00" in free
    with pytest.raises(ApplicationError) as error:
        bookings.appointment_book(actor=business.cashier_a, starts_at=_at(day, 10, 30), staff=salon["dewi"], **book)
    assert "starts_at" in error.value.extra
    cancelled = bookings.appointment_book(actor=business.cashier_a, starts_at=_at(day, 14), staff=salon["dewi"], **book)
    bookings.appointment_cancel(actor=business.cashier_a, appointment=cancelled)
    assert bookings.appointment_book(actor=business.cashier_a, starts_at=_at(day, 14), staff=salon["dewi"], **book).pk
