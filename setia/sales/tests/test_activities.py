"""Activities: the services and their rules, visibility, reminders, the morning digest, the
360° timeline/panel/merge, "my day", the quick actions and the API, over personas."""

import datetime as dt
import zoneinfo

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from setia.accounts.models import User
from setia.conftest import PERSONAS, Business, SmtpServer, client_for, make_user, persona_user
from setia.core.errors import ApplicationError, NotFoundError, PermissionDeniedError
from setia.core.models import AuditEvent, Notification
from setia.customers.models import Customer
from setia.sales.models import Activity, Lead, LeadSource, Opportunity, Pipeline, Stage, Subscription
from setia.sales.selectors import activities as selectors
from setia.sales.services import activities as services

JAKARTA = zoneinfo.ZoneInfo("Asia/Jakarta")
# A Tuesday morning in Jakarta; every time in these tests is relative to it.
NOW = dt.datetime(2026, 3, 10, 9, 0, tzinfo=JAKARTA)


def at(days: int = 0, hours: int = 0, minutes: int = 0) -> dt.datetime:
    return NOW + dt.timedelta(days=days, hours=hours, minutes=minutes)


@pytest.fixture
def crm(business: Business, shop: dict) -> dict:
    """A sales person in branch A with a lead, an opportunity and a subscription, and a lead and
    an opportunity in branch B."""
    sales = make_user("sales_a", "sales", business.branch_a, first_name="Budi", email="budi@example.com")
    sales_b = make_user("sales_b", "sales", business.branch_b, first_name="Dewi", email="dewi@example.com")
    source = LeadSource.objects.create(name="Instagram")
    lead = Lead.objects.create(
        name="Andi Wijaya", phone="+6281311112222", source=source, branch=business.branch_a, owner=sales
    )
    lead_b = Lead.objects.create(name="Lead Bandung", branch=business.branch_b, owner=sales_b)
    pipeline = Pipeline.objects.create(name="Corporate")
    stage = Stage.objects.create(pipeline=pipeline, name="Proposal", position=1, probability=50)
    opportunity = Opportunity.objects.create(
        title="Office haircuts",
        customer=shop["customer"],
        pipeline=pipeline,
        stage=stage,
        owner=sales,
        branch=business.branch_a,
        value=12_000_000,
        probability=50,
        expected_close=at(days=5).date(),
    )
    customer_b = Customer.objects.create(name="Bandung Corp", search_name="bandung corp", home_branch=business.branch_b)
    opportunity_b = Opportunity.objects.create(
        title="Bandung fleet",
        customer=customer_b,
        pipeline=pipeline,
        stage=stage,
        owner=sales_b,
        branch=business.branch_b,
    )
    User.objects.update(language="en")  # pages in English, for exact assertions
    subscription = Subscription.objects.create(
        customer=shop["customer"],
        name="Yearly salon package",
        branch=business.branch_a,
        owner=sales,
        price=3_000_000,
        starts_on=dt.date(2025, 3, 15),
        ends_on=at(days=5).date(),
    )
    return {
        "sales": sales,
        "sales_b": sales_b,
        "lead": lead,
        "lead_b": lead_b,
        "opportunity": opportunity,
        "opportunity_b": opportunity_b,
        "customer": shop["customer"],
        "customer_b": customer_b,
        "subscription": subscription,
        "source": source,
    }


def make(actor: User, **fields: object) -> Activity:
    values: dict = {"kind": "task", "subject": "Send the price list", "now": NOW}
    values.update(fields)
    return services.activity_create(actor=actor, **values)


# --- Services -------------------------------------------------------------------------------------


def test_create_call_defaults_reminder_assignee_and_customer_of_the_opportunity(crm: dict) -> None:
    call = make(
        crm["sales"],
        kind="call",
        subject="Call about the offer",
        due_at=at(hours=2),
        opportunity_id=crm["opportunity"].pk,
    )

    assert call.remind_at == at(hours=1, minutes=30)
    assert call.assigned_to == crm["sales"] and call.created_by == crm["sales"]
    assert call.customer == crm["customer"] and call.opportunity == crm["opportunity"]
    assert call.done_at is None and call.is_open
    event = AuditEvent.objects.get(object_type="sales.activity", object_id=str(call.pk))
    assert event.action == "create" and event.changes["subject"] == [None, "Call about the offer"]


def test_task_reminds_at_due_time_meeting_needs_a_time_note_is_done(crm: dict) -> None:
    task = make(crm["sales"], due_at=at(days=1), lead_id=crm["lead"].pk)
    assert task.remind_at == at(days=1)
    assert make(crm["sales"], lead_id=crm["lead"].pk).remind_at is None  # no due time, no reminder

    with pytest.raises(ApplicationError) as refused:
        make(crm["sales"], kind="meeting", subject="Visit", lead_id=crm["lead"].pk)
    assert refused.value.extra == {"due_at": ["Enter when the meeting is."]}

    note = make(
        crm["sales"], kind="note", subject="Prefers WhatsApp", due_at=at(days=1), customer_id=crm["customer"].pk
    )
    assert note.done_at == NOW and note.due_at is None and note.remind_at is None and not note.is_open


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"subject": "  "}, "subject", "Enter a subject."),
        ({"kind": "visit"}, "kind", "Choose call, meeting, task or note."),
        ({"lead_id": None}, "customer", "Link the activity to a customer, a lead or an opportunity."),
        ({"due_at": NOW, "remind_at": at(hours=1)}, "remind_at", "The reminder must come before the due time."),
        ({"remind_at": at(hours=1)}, "due_at", "Enter the due time the reminder is for."),
        ({"assigned_to_id": 999_999}, "assigned_to", "Choose an active staff member of your branches."),
    ],
)
def test_bad_input_names_the_field_and_saves_nothing(crm: dict, fields: dict, field: str, message: str) -> None:
    values = {"lead_id": crm["lead"].pk, **fields}
    with pytest.raises(ApplicationError) as refused:
        make(crm["sales"], **values)
    assert refused.value.extra == {field: [message]}
    assert Activity.objects.count() == 0 and not AuditEvent.objects.filter(object_type="sales.activity").exists()


def test_linked_record_must_be_visible_to_the_actor(business: Business, crm: dict) -> None:
    for fields, field, message in [
        ({"lead_id": crm["lead_b"].pk}, "lead", "Lead not found."),
        ({"opportunity_id": crm["opportunity_b"].pk}, "opportunity", "Opportunity not found."),
        ({"customer_id": crm["customer_b"].pk}, "customer", "Customer not found."),
    ]:
        with pytest.raises(ApplicationError) as refused:
            make(crm["sales"], **fields)
        assert refused.value.extra == {field: [message]}
    # A cashier has activities but not leads: a lead is not hers to link.
    with pytest.raises(ApplicationError) as refused:
        make(business.cashier_a, lead_id=crm["lead"].pk)
    assert refused.value.extra == {"lead": ["Lead not found."]}
    # The customer must be the opportunity's.
    with pytest.raises(ApplicationError) as refused:
        make(business.owner, opportunity_id=crm["opportunity"].pk, customer_id=crm["customer_b"].pk)
    assert "customer" in refused.value.extra
    assert Activity.objects.count() == 0
    # Analysts have no activities at all.
    with pytest.raises(PermissionDeniedError):
        make(business.analyst, customer_id=crm["customer"].pk)


def test_assigning_to_a_colleague_notifies_them_and_other_branches_are_refused(business: Business, crm: dict) -> None:
    task = make(business.manager, lead_id=crm["lead"].pk, assigned_to_id=crm["sales"].pk)
    assert task.assigned_to == crm["sales"]
    notice = Notification.objects.get(recipient=crm["sales"])
    assert notice.text == "Lestari gave you an activity: Send the price list"
    with pytest.raises(ApplicationError) as refused:
        make(crm["sales"], lead_id=crm["lead"].pk, assigned_to_id=crm["sales_b"].pk)
    assert refused.value.extra == {"assigned_to": ["Choose an active staff member of your branches."]}


def test_complete_call_needs_outcome_reopen_and_delete(business: Business, crm: dict) -> None:
    call = make(crm["sales"], kind="call", subject="Call Andi", due_at=at(hours=1), lead_id=crm["lead"].pk)
    with pytest.raises(ApplicationError) as refused:
        services.activity_complete(actor=crm["sales"], activity=call, outcome=" ")
    assert refused.value.extra == {"outcome": ["Enter the outcome of the call."]}
    call.refresh_from_db()
    assert call.done_at is None

    done = services.activity_complete(
        actor=crm["sales"], activity=call, outcome="Will visit on Thursday", now=at(hours=1)
    )
    assert done.done_at == at(hours=1) and done.outcome == "Will visit on Thursday"
    with pytest.raises(ApplicationError):
        services.activity_complete(actor=crm["sales"], activity=done, outcome="again")

    reopened = services.activity_reopen(actor=crm["sales"], activity=done)
    assert reopened.done_at is None
    changes = AuditEvent.objects.filter(object_id=str(call.pk)).order_by("id").values_list("changes", flat=True)
    assert list(changes)[-1] == {"done_at": ["2026-03-10T03:00:00+00:00", None]}

    # Someone else of the branch (not assignee, author or manager) may see but not change it.
    other = make_user("sales_a2", "sales", business.branch_a)
    assert selectors.activity_get(actor=other, pk=call.pk) == call
    with pytest.raises(PermissionDeniedError):
        services.activity_delete(actor=other, activity=call)
    services.activity_delete(actor=business.manager, activity=call)
    assert not Activity.objects.filter(pk=call.pk).exists()
    assert AuditEvent.objects.filter(object_id=str(call.pk), action="delete").count() == 1


def test_notes_stay_notes_and_update_resets_the_reminder(crm: dict) -> None:
    note = make(crm["sales"], kind="note", subject="Likes mornings", customer_id=crm["customer"].pk)
    with pytest.raises(ApplicationError) as refused:
        services.activity_reopen(actor=crm["sales"], activity=note)
    assert refused.value.extra == {"kind": ["A note cannot be reopened."]}
    with pytest.raises(ApplicationError):
        services.activity_update(actor=crm["sales"], activity=note, kind="task", subject="x")

    call = make(crm["sales"], kind="call", subject="Call", due_at=at(minutes=10), lead_id=crm["lead"].pk)
    assert services.reminders_send(now=at(minutes=10)) == 1
    moved = services.activity_update(actor=crm["sales"], activity=call, kind="call", subject="Call", due_at=at(days=1))
    assert moved.remind_at == at(days=1, minutes=-30) and moved.reminded_at is None


def test_other_branch_staff_do_not_see_activities(business: Business, crm: dict) -> None:
    task = make(crm["sales"], customer_id=crm["customer"].pk)
    assert selectors.activity_get(actor=business.cashier_a, pk=task.pk) == task  # her branch's customer
    assert selectors.activity_get(actor=business.owner, pk=task.pk) == task
    with pytest.raises(NotFoundError):
        selectors.activity_get(actor=business.cashier_b, pk=task.pk)
    with pytest.raises(NotFoundError):
        selectors.activity_get(actor=crm["sales_b"], pk=task.pk)


# --- Reminders and the digest --------------------------------------------------------------------


def test_reminders_are_posted_once_and_marked(crm: dict) -> None:
    User.objects.filter(pk=crm["sales"].pk).update(language="en")  # written in the recipient's language
    due = make(crm["sales"], kind="call", subject="Call Andi", due_at=at(minutes=20), lead_id=crm["lead"].pk)
    later = make(crm["sales"], kind="meeting", subject="Visit", due_at=at(days=1), lead_id=crm["lead"].pk)
    done = make(crm["sales"], kind="task", subject="Done already", due_at=at(minutes=1), lead_id=crm["lead"].pk)
    services.activity_complete(actor=crm["sales"], activity=done, now=NOW)

    assert services.reminders_send(now=NOW) == 1
    assert services.reminders_send(now=NOW) == 0
    assert services.reminders_send(now=at(minutes=5)) == 0  # idempotent: nothing twice
    due.refresh_from_db()
    later.refresh_from_db()
    assert due.reminded_at == NOW and later.reminded_at is None
    notice = Notification.objects.get(recipient=crm["sales"], key=f"activity:{due.pk}:reminder")
    assert notice.text == "Reminder: call “Call Andi” with Andi Wijaya at 09:20"
    assert notice.url == (selectors.record_url("sales:lead_detail", crm["lead"].pk) or reverse("sales:my_day"))
    # Even if the mark were lost, the keyed notification is not posted twice.
    Activity.objects.filter(pk=due.pk).update(reminded_at=None)
    assert services.reminders_send(now=at(minutes=6)) == 0
    assert Notification.objects.filter(key=f"activity:{due.pk}:reminder").count() == 1


def test_morning_digest_lists_what_is_due_and_skips_people_with_nothing(
    business: Business, crm: dict, django_capture_on_commit_callbacks: object
) -> None:
    sales = crm["sales"]
    sales.language = "en"
    sales.save()
    business.manager.email = "lestari@example.com"  # nothing due: no email
    business.manager.save()
    make(sales, kind="call", subject="Overdue call", due_at=at(days=-1), lead_id=crm["lead"].pk)
    make(sales, kind="meeting", subject="Meeting at ten", due_at=at(hours=1), customer_id=crm["customer"].pk)
    make(sales, kind="task", subject="Next week task", due_at=at(days=3), lead_id=crm["lead"].pk)
    crm["lead"].next_follow_up = NOW.date()
    crm["lead"].save()
    morning = dt.datetime(2026, 3, 10, 7, 0, tzinfo=JAKARTA)

    with (
        override_settings(SITE_URL="https://crm.salonmelati.id"),
        django_capture_on_commit_callbacks(execute=True),  # type: ignore[operator]
    ):
        assert services.digest_send(now=morning) == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert f"https://crm.salonmelati.id/leads/{crm['lead'].pk}/" in message.body  # links to the site
    assert message.to == ["budi@example.com"]
    body = message.body
    assert "Overdue call" in body and "Meeting at ten" in body and "Next week task" not in body
    assert "Andi Wijaya" in body  # the lead due a follow-up
    assert "Office haircuts" in body  # closes Sunday 15 March at the latest
    assert "Yearly salon package" in body  # renewal on 15 March, within 7 days
    assert "Lead Bandung" not in body
    assert isinstance(message, EmailMultiAlternatives)
    html = str(message.alternatives[0][0])
    assert "Overdue call" in html

    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        assert services.digest_send(now=morning + dt.timedelta(minutes=5)) == 0  # a retry sends nothing
    assert len(mail.outbox) == 1


def test_digest_sends_nothing_when_nothing_is_due(
    crm: dict, business: Business, django_capture_on_commit_callbacks: object
) -> None:
    Opportunity.objects.update(expected_close=at(days=30).date())
    Subscription.objects.update(ends_on=at(days=60).date())
    Lead.objects.update(next_follow_up=None)  # new leads wait on "my day", not in the email
    make(crm["sales"], kind="task", subject="Later", due_at=at(days=2), lead_id=crm["lead"].pk)
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        assert services.digest_send(now=NOW) == 0
    assert mail.outbox == []


def test_a_failed_digest_does_not_stop_the_others_and_is_sent_once_later(crm: dict, smtp_server: SmtpServer) -> None:
    from setia.sales.models import DigestDelivery

    port, delivered, refused = smtp_server.port, smtp_server.delivered, smtp_server.refused
    make(crm["sales"], kind="call", subject="Overdue call", due_at=at(days=-1), lead_id=crm["lead"].pk)
    make(crm["sales_b"], kind="call", subject="Call Bandung", due_at=at(days=-1), lead_id=crm["lead_b"].pk)
    mailers = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }
    morning = dt.datetime(2026, 3, 10, 7, 0, tzinfo=JAKARTA)
    refused.add("budi@example.com")  # Budi's mailbox refuses the first try; Dewi's takes it
    with override_settings(MAILERS=mailers):
        assert services.digest_send(now=morning) == 1
        assert delivered == ["dewi@example.com"]
        owed = DigestDelivery.objects.get(user=crm["sales"], day=morning.date())
        assert owed.sent_at is None and owed.attempts == 1 and owed.last_error.startswith("{'budi@example.com': (451")
        dewi = DigestDelivery.objects.get(user=crm["sales_b"], day=morning.date())
        assert dewi.sent_at is not None and dewi.attempts == 1 and dewi.last_error == ""
        # The in-app notice is posted once, whatever happens to the email.
        assert Notification.objects.filter(recipient=crm["sales"], key="digest:2026-03-10").count() == 1

        # A run while the failed send may still be under way elsewhere leaves it alone.
        assert services.digests_retry(now=morning + dt.timedelta(minutes=5)) == 0
        # The mailbox is back: the next run sends Budi's digest, once.
        refused.clear()
        assert services.digests_retry(now=morning + dt.timedelta(minutes=15)) == 1
        assert sorted(delivered) == ["budi@example.com", "dewi@example.com"]
        owed.refresh_from_db()
        assert owed.sent_at is not None and owed.attempts == 2 and owed.last_error == ""

        # Later runs the same day send nothing more, to anyone.
        assert services.digests_retry(now=morning + dt.timedelta(minutes=30)) == 0
        assert services.digest_send(now=morning + dt.timedelta(hours=1)) == 0
        assert sorted(delivered) == ["budi@example.com", "dewi@example.com"]
    assert Notification.objects.filter(recipient=crm["sales"], key="digest:2026-03-10").count() == 1


def test_a_digest_owed_from_an_earlier_day_is_not_sent(crm: dict) -> None:
    """Yesterday's digest that never went out is stale: today's runs leave it; old records go."""
    from setia.sales.models import DigestDelivery

    make(crm["sales"], kind="call", subject="Overdue call", due_at=at(days=-1), lead_id=crm["lead"].pk)
    morning = dt.datetime(2026, 3, 10, 7, 0, tzinfo=JAKARTA)
    DigestDelivery.objects.create(user=crm["sales_b"], day=dt.date(2026, 3, 9))
    DigestDelivery.objects.create(user=crm["sales_b"], day=dt.date(2025, 11, 1))
    assert services.digests_retry(now=morning) == 0
    assert services.digest_send(now=morning) == 1
    assert [message.to for message in mail.outbox] == [["budi@example.com"]]
    assert set(DigestDelivery.objects.values_list("user__username", "day")) == {
        ("sales_b", dt.date(2026, 3, 9)),
        ("sales_a", dt.date(2026, 3, 10)),
    }


def test_an_owed_digest_with_nothing_left_to_say_is_dropped(crm: dict) -> None:
    from setia.sales.models import DigestDelivery

    call = make(crm["sales"], kind="call", subject="Overdue call", due_at=at(days=-1), lead_id=crm["lead"].pk)
    Opportunity.objects.update(expected_close=at(days=30).date())
    Subscription.objects.update(ends_on=at(days=60).date())
    morning = dt.datetime(2026, 3, 10, 7, 0, tzinfo=JAKARTA)
    DigestDelivery.objects.create(user=crm["sales"], day=morning.date(), attempted_at=morning, attempts=1)
    services.activity_complete(actor=crm["sales"], activity=call, outcome="Reached", now=morning)
    assert services.digests_retry(now=morning + dt.timedelta(minutes=15)) == 0
    assert mail.outbox == [] and not DigestDelivery.objects.exists()


def test_scheduled_tasks_are_in_the_schedule() -> None:
    from setia.core.scheduler import load_schedule

    jobs = {job.key: job for job in load_schedule()}
    assert jobs["activity_reminders"].cron == "*/5 * * * *"
    assert jobs["activity_digest"].cron == "0 7 * * *"
    assert jobs["activity_digest_retry"].cron == "*/15 7-11 * * *"
    from django.utils.module_loading import import_string

    for key in ("activity_reminders", "activity_digest", "activity_digest_retry"):
        assert import_string(jobs[key].task_path).name  # importable tasks


# --- Timeline, panel, merge -----------------------------------------------------------------------


def test_timeline_panel_and_merge(business: Business, crm: dict) -> None:
    from setia.customers import merge as customer_merge
    from setia.customers.timeline import timeline_for

    duplicate = Customer.objects.create(name="Siti R.", search_name="siti r.", home_branch=business.branch_a)
    make(crm["sales"], kind="call", subject="Call about colour", due_at=at(hours=3), customer_id=duplicate.pk)
    entries = timeline_for(duplicate)
    assert [e.title for e in entries if e.kind == "activity"] == ["Call: Call about colour"]
    assert [e for e in entries if e.kind == "audit"] == []  # not listed twice

    page = client_for(crm["sales"]).get(reverse("customers:detail", args=[duplicate.pk])).content.decode()
    assert 'id="activities-customer-' in page and "Call about colour" in page

    customer_merge._handlers["activities"](crm["customer"], duplicate, business.owner)
    assert Activity.objects.get().customer == crm["customer"]


# --- Pages ----------------------------------------------------------------------------------------


def test_my_day_shows_overdue_today_upcoming_leads_opportunities_renewals(crm: dict, business: Business) -> None:
    sales = crm["sales"]
    now = timezone.now()
    make(sales, kind="call", subject="Overdue call", due_at=now - dt.timedelta(hours=2), lead_id=crm["lead"].pk)
    make(sales, kind="task", subject="Upcoming task", due_at=now + dt.timedelta(days=3), lead_id=crm["lead"].pk)
    make(sales, kind="task", subject="Far task", due_at=now + dt.timedelta(days=20), lead_id=crm["lead"].pk)
    make(business.owner, kind="task", subject="Owner's own task", due_at=now, customer_id=crm["customer"].pk)
    Opportunity.objects.filter(pk=crm["opportunity"].pk).update(
        expected_close=timezone.localdate() + dt.timedelta(days=10)
    )
    Subscription.objects.filter(pk=crm["subscription"].pk).update(ends_on=timezone.localdate() + dt.timedelta(days=20))

    response = client_for(sales).get("/my-day/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('data-testid="my-day-activity"') == 2
    assert (
        "Overdue call" in html and "Upcoming task" in html and "Far task" not in html and "Owner's own task" not in html
    )
    overdue_card = html.split('data-testid="my-day-overdue"')[1].split('data-testid="my-day-today"')[0]
    assert (
        "Overdue call" in overdue_card
        and "list-group-item-danger" in overdue_card
        and 'data-testid="overdue"' in overdue_card
    )
    lead_rows = html.split('data-testid="my-day-lead"')
    assert len(lead_rows) == 2 and "Andi Wijaya" in lead_rows[1] and "Instagram" in lead_rows[1]
    assert "Lead Bandung" not in html
    assert "Office haircuts" in html and "Yearly salon package" in html
    assert 'data-nav="my_day"' in html


def test_my_day_mark_done_with_htmx(crm: dict) -> None:
    task = make(crm["sales"], due_at=timezone.now() + dt.timedelta(hours=1), lead_id=crm["lead"].pk)
    call = make(crm["sales"], kind="call", subject="Call", due_at=timezone.now(), lead_id=crm["lead"].pk)
    web = client_for(crm["sales"])
    response = web.post(reverse("sales:activity_complete", args=[task.pk]), headers={"HX-Request": "true"})
    assert response.status_code == 200 and response.content == b""
    task.refresh_from_db()
    assert task.done_at is not None
    refused = web.post(reverse("sales:activity_complete", args=[call.pk]), headers={"HX-Request": "true"})
    assert "Enter the outcome of the call." in refused.content.decode()
    web.post(
        reverse("sales:activity_complete", args=[call.pk]), {"outcome": "No answer"}, headers={"HX-Request": "true"}
    )
    call.refresh_from_db()
    assert call.outcome == "No answer"


def test_new_activity_page_and_edit(crm: dict) -> None:
    web = client_for(crm["sales"])
    page = web.get(reverse("sales:activity_new"))
    assert page.status_code == 200 and "Andi Wijaya" in page.content.decode()  # her leads to choose from
    missing = web.post(reverse("sales:activity_new"), {"kind": "task", "subject": "No link"})
    assert missing.status_code == 200
    assert "Link the activity to a customer, a lead or an opportunity." in missing.content.decode()
    saved = web.post(
        reverse("sales:activity_new") + f"?lead={crm['lead'].pk}",
        {"kind": "meeting", "subject": "Visit the office", "due_at": "2030-05-01T10:00", "lead": crm["lead"].pk},
    )
    assert saved.status_code == 302
    meeting = Activity.objects.get(subject="Visit the office")
    assert timezone.localtime(meeting.due_at).hour == 10 and meeting.lead == crm["lead"]
    edited = web.post(
        reverse("sales:activity_edit", args=[meeting.pk]),
        {"kind": "meeting", "subject": "Visit the new office", "due_at": "2030-05-02T10:00"},
    )
    assert edited.status_code == 302
    meeting.refresh_from_db()
    assert meeting.subject == "Visit the new office" and meeting.assigned_to == crm["sales"]
    found = web.get(reverse("sales:activity_customers") + "?find=siti").content.decode()
    assert f'value="{crm["customer"].pk}"' in found


def test_record_block_lists_and_adds(crm: dict) -> None:
    web = client_for(crm["sales"])
    url = reverse("sales:activities_for_record", args=["lead", crm["lead"].pk])
    assert web.get(url).status_code == 200
    response = web.post(
        url, {"kind": "call", "subject": "First call", "due_at": "2030-01-02T09:00"}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert response.status_code == 200 and "First call" in html and 'data-testid="record-activity"' in html
    bad = web.post(url, {"kind": "meeting", "subject": "No time"}, headers={"HX-Request": "true"}).content.decode()
    assert "Enter when the meeting is." in bad
    assert client_for(crm["sales_b"]).get(url).status_code == 404
    assert web.get(reverse("sales:activities_for_record", args=["lead", crm["lead_b"].pk])).status_code == 404
    assert web.get(reverse("sales:activities_for_record", args=["widget", 1])).status_code == 404
    first = Activity.objects.get(subject="First call")
    foreign = web.post(
        reverse("sales:activity_complete", args=[first.pk]),
        {"outcome": "Busy", "record": f"lead:{crm['lead_b'].pk}"},
        headers={"HX-Request": "true"},
    )
    assert foreign.status_code == 404  # the block of a lead she cannot see is not shown
    assert Activity.objects.get(pk=first.pk).done_at is None  # and nothing was done
    done = web.post(
        reverse("sales:activity_complete", args=[first.pk]),
        {"outcome": "Busy", "record": f"lead:{crm['lead'].pk}"},
        headers={"HX-Request": "true"},
    ).content.decode()
    assert 'id="activities-lead-' in done and "Busy" in done


@pytest.mark.parametrize("persona", [*PERSONAS, "analyst"])
def test_pages_by_persona(business: Business, crm: dict, persona: str) -> None:
    user = business.analyst if persona == "analyst" else persona_user(business, persona)
    task = make(business.manager, customer_id=crm["customer"].pk, due_at=at(days=1))
    web = client_for(user)
    gets = [
        reverse("sales:my_day"),
        reverse("sales:activity_new"),
        reverse("sales:activity_edit", args=[task.pk]),
        reverse("sales:activities_for_record", args=["customer", crm["customer"].pk]),
    ]
    for url in gets:
        response = web.get(url)
        if user is None:
            assert response.status_code == 302 and "/accounts/login" in response["Location"], url
        elif persona == "analyst":
            assert response.status_code == 403, url
        elif persona == "other_branch_front_office" and url in gets[2:]:
            assert response.status_code == 404, url
        elif persona == "same_branch_front_office" and url == gets[2]:
            assert response.status_code == 403, url  # sees it, may not change it
        else:
            assert response.status_code == 200, (url, response.status_code)
    done = web.post(reverse("sales:activity_complete", args=[task.pk]))
    task.refresh_from_db()
    expected_done = persona in ("manager", "owner")
    assert (task.done_at is not None) == expected_done, persona
    if user is None:
        assert done.status_code == 302 and "/accounts/login" in done["Location"]
    elif persona == "analyst":
        assert done.status_code == 403
    elif persona == "other_branch_front_office":
        assert done.status_code == 404


# --- API ------------------------------------------------------------------------------------------


def _key(user: User) -> dict:
    from setia.accounts.services import api_key_create

    _record, key = api_key_create(actor=user, name="test")
    return {"Authorization": f"Bearer {key}"}


def test_api_create_list_complete(business: Business, crm: dict, settings: object) -> None:
    web = client_for(None)
    web.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # type: ignore[attr-defined]  # messages in English
    headers = _key(crm["sales"])
    created = web.post(
        "/api/v1/activities",
        {"kind": "call", "subject": "Call Andi", "due_at": "2030-01-02T09:00:00+07:00", "lead_id": crm["lead"].pk},
        content_type="application/json",
        headers=headers,
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert dt.datetime.fromisoformat(body["remind_at"]) == dt.datetime(2030, 1, 2, 8, 30, tzinfo=JAKARTA)
    assert body["assigned_to_id"] == crm["sales"].pk
    make(business.manager, customer_id=crm["customer"].pk, subject="Manager's own")

    mine = web.get("/api/v1/activities", headers=headers).json()
    assert [item["subject"] for item in mine["items"]] == ["Call Andi"]
    everyone = web.get("/api/v1/activities?everyone=true", headers=headers).json()
    assert {item["subject"] for item in everyone["items"]} == {"Call Andi", "Manager's own"}
    assert web.get("/api/v1/activities?status=later", headers=headers).status_code == 400

    refused = web.post(
        f"/api/v1/activities/{body['id']}/complete", {}, content_type="application/json", headers=headers
    )
    assert refused.status_code == 400 and refused.json()["extra"] == {"outcome": ["Enter the outcome of the call."]}
    done = web.post(
        f"/api/v1/activities/{body['id']}/complete",
        {"outcome": "Interested"},
        content_type="application/json",
        headers=headers,
    )
    assert done.status_code == 200 and done.json()["outcome"] == "Interested" and done.json()["done_at"]
    assert web.get("/api/v1/activities", headers=headers).json()["items"] == []

    bad = web.post("/api/v1/activities", {"subject": "x"}, content_type="application/json", headers=headers)
    assert bad.status_code == 400 and "customer_id" in bad.json()["extra"]
    other = _key(crm["sales_b"])
    assert web.get(f"/api/v1/activities/{body['id']}", headers=other).status_code == 404
    assert (
        web.post(
            f"/api/v1/activities/{body['id']}/complete", {}, content_type="application/json", headers=other
        ).status_code
        == 404
    )
    assert web.get("/api/v1/activities", headers=_key(business.analyst)).status_code == 403
    assert web.get("/api/v1/activities").status_code == 401
