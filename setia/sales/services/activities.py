"""Activities: calls, meetings, tasks and notes on a customer, a lead or an opportunity; their
reminders (in-app) and the morning digest (email).

Rules decided here (and documented in docs/user/activities.md):
- An activity is linked to at least one of customer, lead, opportunity, each of which the actor
  must be able to see. An opportunity's customer, and a converted lead's customer, are filled in
  so that the activity lands on the customer's 360° timeline.
- A note is done when written; it has no due time and no reminder.
- A meeting needs a due time; calls and tasks may have one.
- Without a reminder time, calls and meetings remind 30 minutes before they are due, tasks at
  the due time. A reminder may not come after the due time.
- Completing a call needs its outcome ("no answer", "will visit Tuesday").
- The assignee and the author may change, complete, reopen or delete an activity; so may
  managers and owners. Assigning to someone else notifies them.
"""

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from setia.accounts.models import User
from setia.accounts.selectors import branch_scope, business_settings, require
from setia.core.audit import audit_log, diff, snapshot
from setia.core.errors import ApplicationError, PermissionDeniedError
from setia.core.notifications import notify
from setia.customers.models import Customer
from setia.customers.selectors import visible_customers
from setia.sales.models import Activity, DigestDelivery, Lead, Opportunity
from setia.sales.selectors import activities as selectors

logger = logging.getLogger(__name__)

REMINDER_BEFORE = {
    Activity.Kind.CALL: dt.timedelta(minutes=30),
    Activity.Kind.MEETING: dt.timedelta(minutes=30),
    Activity.Kind.TASK: dt.timedelta(0),
}
AUDITED = ["kind", "subject", "body", "due_at", "remind_at", "assigned_to", "done_at", "outcome"]


def _error(field: str, message: str) -> ApplicationError:
    return ApplicationError(message, {field: [message]})


def default_remind_at(kind: str, due_at: dt.datetime | None) -> dt.datetime | None:
    before = REMINDER_BEFORE.get(Activity.Kind(kind)) if kind in Activity.Kind.values else None
    if due_at is None or before is None:
        return None
    return due_at - before


def _links(
    actor: User, customer_id: int | None, lead_id: int | None, opportunity_id: int | None
) -> tuple[Customer | None, Lead | None, Opportunity | None]:
    if not (customer_id or lead_id or opportunity_id):
        raise _error("customer", _("Link the activity to a customer, a lead or an opportunity."))
    customer = lead = opportunity = None
    if opportunity_id:
        opportunity = selectors.linkable_opportunities(actor).filter(pk=opportunity_id).first()
        if opportunity is None:
            raise _error("opportunity", _("Opportunity not found."))
    if lead_id:
        lead = selectors.linkable_leads(actor).filter(pk=lead_id).first()
        if lead is None:
            raise _error("lead", _("Lead not found."))
    if customer_id:
        customer = visible_customers(actor).filter(pk=customer_id).first()
        if customer is None:
            raise _error("customer", _("Customer not found."))
    implied = opportunity.customer_id if opportunity else (lead.customer_id if lead else None)
    if customer is not None and implied is not None and implied != customer.pk:
        raise _error("customer", _("This customer is not the one of the opportunity or lead."))
    if customer is None and implied is not None:
        customer = Customer.objects.filter(pk=implied).first()
    return customer, lead, opportunity


def _assignee(actor: User, assigned_to_id: int | None) -> User:
    if assigned_to_id is None or assigned_to_id == actor.pk:
        return actor
    assignee = User.objects.filter(pk=assigned_to_id, is_active=True).first()
    if (
        assignee is None
        or not assignee.has_capability("activities.use")
        or not branch_scope(actor).allows(assignee.branch_id)
    ):
        raise _error("assigned_to", _("Choose an active staff member of your branches."))
    return assignee


def _clean_times(
    kind: str, due_at: dt.datetime | None, remind_at: dt.datetime | None
) -> tuple[dt.datetime | None, dt.datetime | None]:
    if kind == Activity.Kind.NOTE:
        return None, None
    if kind == Activity.Kind.MEETING and due_at is None:
        raise _error("due_at", _("Enter when the meeting is."))
    if remind_at is None:
        return due_at, default_remind_at(kind, due_at)
    if due_at is None:
        raise _error("due_at", _("Enter the due time the reminder is for."))
    if remind_at > due_at:
        raise _error("remind_at", _("The reminder must come before the due time."))
    return due_at, remind_at


def _check_fields(kind: str, subject: str) -> str:
    if kind not in Activity.Kind.values:
        raise _error("kind", _("Choose call, meeting, task or note."))
    subject = subject.strip()
    if not subject:
        raise _error("subject", _("Enter a subject."))
    if len(subject) > 200:
        raise _error("subject", _("The subject may be at most 200 characters."))
    return subject


def _notify_assignee(actor: User, activity: Activity) -> None:
    assignee = activity.assigned_to
    if assignee is None or assignee.pk == actor.pk:
        return
    text = _("%(name)s gave you an activity: %(subject)s") % {"name": str(actor), "subject": activity.subject}
    notify(
        recipient=assignee,
        text=text,
        url=reverse("sales:my_day"),
        key=f"activity:{activity.pk}:assigned:{assignee.pk}",
    )


@transaction.atomic
def activity_create(
    *,
    actor: User,
    kind: str,
    subject: str,
    details: str = "",
    due_at: dt.datetime | None = None,
    remind_at: dt.datetime | None = None,
    assigned_to_id: int | None = None,
    customer_id: int | None = None,
    lead_id: int | None = None,
    opportunity_id: int | None = None,
    now: dt.datetime | None = None,
) -> Activity:
    require(actor, "activities.use")
    subject = _check_fields(kind, subject)
    due_at, remind_at = _clean_times(kind, due_at, remind_at)
    customer, lead, opportunity = _links(actor, customer_id, lead_id, opportunity_id)
    assignee = _assignee(actor, assigned_to_id)
    activity = Activity.objects.create(
        kind=kind,
        subject=subject,
        body=details.strip(),
        due_at=due_at,
        remind_at=remind_at,
        done_at=(now or timezone.now()) if kind == Activity.Kind.NOTE else None,
        assigned_to=assignee,
        created_by=actor,
        customer=customer,
        lead=lead,
        opportunity=opportunity,
    )
    # Audited about the activity itself, not the customer: the customer's timeline shows activities
    # from their own source, and would otherwise list each one twice.
    audit_log(actor=actor, action="create", instance=activity, changes=diff({}, snapshot(activity, AUDITED)))
    _notify_assignee(actor, activity)
    return activity


def _changeable(actor: User, activity: Activity) -> None:
    require(actor, "activities.use")
    if not selectors.may_change(actor, activity):
        raise PermissionDeniedError(_("Only the person it is assigned to, its author or a manager may change it."))


def _lock(activity: Activity) -> Activity:
    return Activity.objects.select_for_update(of=("self",)).select_related("customer").get(pk=activity.pk)


@transaction.atomic
def activity_update(
    *,
    actor: User,
    activity: Activity,
    kind: str,
    subject: str,
    details: str = "",
    due_at: dt.datetime | None = None,
    remind_at: dt.datetime | None = None,
    assigned_to_id: int | None = None,
) -> Activity:
    """Change what the activity is and when. Its links stay. A new reminder time (or a new due
    time with the default reminder) is sent again."""
    _changeable(actor, activity)
    activity = _lock(activity)
    if activity.kind == Activity.Kind.NOTE and kind != Activity.Kind.NOTE:
        raise _error("kind", _("A note stays a note."))
    subject = _check_fields(kind, subject)
    due_at, remind_at = _clean_times(kind, due_at, remind_at)
    previous_assignee = activity.assigned_to_id
    if assigned_to_id is None or assigned_to_id == activity.assigned_to_id:
        assignee = activity.assigned_to or actor  # unchanged: no need to be in the actor's branches
    else:
        assignee = _assignee(actor, assigned_to_id)
    before = snapshot(activity, AUDITED)
    if remind_at != activity.remind_at:
        activity.reminded_at = None
    activity.kind, activity.subject, activity.body = kind, subject, details.strip()
    activity.due_at, activity.remind_at, activity.assigned_to = due_at, remind_at, assignee
    changes = diff(before, snapshot(activity, AUDITED))
    if changes:
        activity.save()
        audit_log(actor=actor, action="update", instance=activity, changes=changes)
        if assignee.pk != previous_assignee:
            _notify_assignee(actor, activity)
    return activity


@transaction.atomic
def activity_complete(
    *, actor: User, activity: Activity, outcome: str = "", now: dt.datetime | None = None
) -> Activity:
    _changeable(actor, activity)
    activity = _lock(activity)
    outcome = outcome.strip()
    if activity.done_at is not None:
        raise _error("done_at", _("This activity is already done."))
    if activity.kind == Activity.Kind.CALL and not outcome:
        raise _error("outcome", _("Enter the outcome of the call."))
    if len(outcome) > 255:
        raise _error("outcome", _("The outcome may be at most 255 characters."))
    before = snapshot(activity, AUDITED)
    activity.done_at = now or timezone.now()
    activity.outcome = outcome
    activity.save(update_fields=["done_at", "outcome", "updated_at"])
    audit_log(
        actor=actor,
        action="update",
        instance=activity,
        changes=diff(before, snapshot(activity, AUDITED)),
    )
    return activity


@transaction.atomic
def activity_reopen(*, actor: User, activity: Activity) -> Activity:
    _changeable(actor, activity)
    activity = _lock(activity)
    if activity.kind == Activity.Kind.NOTE:
        raise _error("kind", _("A note cannot be reopened."))
    if activity.done_at is None:
        raise _error("done_at", _("This activity is still open."))
    before = snapshot(activity, AUDITED)
    activity.done_at = None
    activity.save(update_fields=["done_at", "updated_at"])
    audit_log(
        actor=actor,
        action="update",
        instance=activity,
        changes=diff(before, snapshot(activity, AUDITED)),
    )
    return activity


@transaction.atomic
def activity_delete(*, actor: User, activity: Activity) -> None:
    _changeable(actor, activity)
    activity = _lock(activity)
    audit_log(
        actor=actor,
        action="delete",
        instance=activity,
        changes=diff(snapshot(activity, AUDITED), {}),
    )
    activity.delete()


# --- Reminders and the morning digest (scheduled; see config/schedule.py) ----------------------


def reminders_send(*, now: dt.datetime | None = None, limit: int = 1000) -> int:
    """Post one in-app notification per open activity whose reminder time has passed and that
    has not been reminded yet, and mark it reminded. Safe to run twice (and side by side): the
    notification is keyed per activity and the mark is a conditional update."""
    now = now or timezone.now()
    due = (
        Activity.objects.filter(remind_at__lte=now, reminded_at__isnull=True, done_at__isnull=True)
        .exclude(assigned_to__isnull=True)
        .select_related("assigned_to", "customer", "lead", "opportunity")
        .order_by("remind_at", "id")[:limit]
    )
    sent = 0
    for activity in due:
        assignee = activity.assigned_to
        assert assignee is not None  # excluded above
        with transaction.atomic():
            marked = Activity.objects.filter(pk=activity.pk, reminded_at__isnull=True).update(reminded_at=now)
            if not marked:
                continue  # another run took it
            with translation.override(assignee.language or "id"):
                text = _reminder_text(activity)
            url = selectors.activity_record_url(activity) or reverse("sales:my_day")
            if notify(recipient=assignee, text=text, url=url, key=f"activity:{activity.pk}:reminder"):
                sent += 1
    return sent


def _reminder_text(activity: Activity) -> str:
    due = activity.due_at
    record = selectors.activity_record_label(activity)
    values = {
        "kind": activity.get_kind_display(),
        "subject": activity.subject,
        "record": record,
        "time": timezone.localtime(due).strftime("%H:%M") if due else "",
    }
    if due and record:
        return _("Reminder: %(kind)s “%(subject)s” with %(record)s at %(time)s") % values
    if due:
        return _("Reminder: %(kind)s “%(subject)s” at %(time)s") % values
    return _("Reminder: %(kind)s “%(subject)s”") % values


# How long a run that took a digest on is left to finish it before another run may try again.
DIGEST_ATTEMPT_LEASE = dt.timedelta(minutes=10)
# Records of digests are kept this long (they answer "did I get my digest last week?").
DIGEST_RECORDS_KEPT = dt.timedelta(days=90)


def digest_send(*, now: dt.datetime | None = None) -> int:
    """Email each active staff member with an email address what they have due today: overdue and
    today's activities, leads to follow up, opportunities closing this week, renewals within 7
    days. Nobody with nothing due gets an email. Returns how many emails the mail server took.

    Each person's digest is first recorded as owed for the day (`DigestDelivery`, with the in-app
    notice), then sent, then stamped sent. One person's failed send (the mail server refused or
    could not be reached) stays owed and does not stop the others; `digests_retry` sends it later
    the same day. Sent at most once per person and day: a person who already has a record for the
    day is skipped, so a repeated run sends nothing twice. Digests still owed from an earlier run
    are retried at the end of this one."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    DigestDelivery.objects.filter(day__lt=today - DIGEST_RECORDS_KEPT).delete()
    business = business_settings()
    recorded = set(DigestDelivery.objects.filter(day=today).values_list("user_id", flat=True))
    sent = 0
    staff = User.objects.filter(is_active=True).exclude(email="").order_by("pk")
    for user in staff:
        if user.pk in recorded or not user.has_capability("activities.use"):
            continue
        plan = selectors.digest_agenda(user=user, now=now)
        if plan.is_empty:
            continue
        delivery = _digest_owe(user, plan, today, now)
        if delivery is not None and _digest_deliver(delivery, user, plan, business):
            sent += 1
    return sent + digests_retry(now=now)


def digests_retry(*, now: dt.datetime | None = None) -> int:
    """Send today's digests that are still owed (their send failed), each with what is due at
    the time of sending; scheduled every 15 minutes through the morning. A digest another run took
    on less than DIGEST_ATTEMPT_LEASE ago is left to it; one whose person has nothing due any more
    is dropped. Earlier days' digests are not sent: they would be out of date."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    business = business_settings()
    owed = (
        DigestDelivery.objects.filter(day=today, sent_at__isnull=True)
        .filter(Q(attempted_at__isnull=True) | Q(attempted_at__lte=now - DIGEST_ATTEMPT_LEASE))
        .select_related("user")
        .order_by("pk")
    )
    sent = 0
    for delivery in owed:
        user = delivery.user
        if not (user.is_active and user.email and user.has_capability("activities.use")):
            continue
        # Take the send on: a conditional update, so two runs at once never both send it.
        taken = DigestDelivery.objects.filter(
            pk=delivery.pk, sent_at__isnull=True, attempted_at=delivery.attempted_at
        ).update(attempted_at=now, attempts=F("attempts") + 1)
        if not taken:
            continue
        plan = selectors.digest_agenda(user=user, now=now)
        if plan.is_empty:
            DigestDelivery.objects.filter(pk=delivery.pk, sent_at__isnull=True).delete()
            continue
        if _digest_deliver(delivery, user, plan, business):
            sent += 1
    return sent


def _digest_owe(user: User, plan: selectors.Agenda, today: dt.date, now: dt.datetime) -> DigestDelivery | None:
    """Record the day's digest as owed and taken on by this run, and post the in-app notice. None
    when another run recorded it first."""
    try:
        with transaction.atomic():
            delivery = DigestDelivery.objects.create(user=user, day=today, attempted_at=now, attempts=1)
            with translation.override(user.language or "id"):
                counts = {
                    "activities": len(plan.overdue) + len(plan.due_today),
                    "leads": len(plan.leads),
                    "opportunities": len(plan.opportunities),
                    "renewals": len(plan.renewals),
                }
                text = (
                    _(
                        "Your day: %(activities)s activities, %(leads)s leads, %(opportunities)s opportunities, "
                        "%(renewals)s renewals"
                    )
                    % counts
                )
            notify(recipient=user, text=text, url=reverse("sales:my_day"), key=f"digest:{today.isoformat()}")
    except IntegrityError:
        return None
    return delivery


def _digest_deliver(delivery: DigestDelivery, user: User, plan: selectors.Agenda, business: Any) -> bool:
    """Send the digest now and stamp it sent, or keep it owed with the error. Sent outside any
    transaction of ours: the record of the attempt is committed before the mail server is asked,
    and the outcome after it answers."""
    try:
        with translation.override(user.language or "id"):
            _digest_mail(user, plan, business).send()
    except Exception as error:  # SMTP refusals, connection failures: the next run tries again
        logger.exception("Morning digest for user %s not sent", user.pk)
        DigestDelivery.objects.filter(pk=delivery.pk).update(last_error=str(error)[:255])
        return False
    DigestDelivery.objects.filter(pk=delivery.pk).update(sent_at=timezone.now(), last_error="")
    return True


def site_address() -> str:
    """Where the installation is reached, for links in emails: SITE_URL when set, else the first
    trusted origin (CSRF_TRUSTED_ORIGINS, set for any deployment behind HTTPS), else the first
    named host."""
    if settings.SITE_URL:
        return str(settings.SITE_URL)
    if settings.CSRF_TRUSTED_ORIGINS:
        return str(settings.CSRF_TRUSTED_ORIGINS[0]).rstrip("/")
    hosts = [host for host in settings.ALLOWED_HOSTS if host and "*" not in host and not host.startswith(".")]
    return f"http://{hosts[0]}" if hosts else ""


def _digest_mail(user: User, plan: selectors.Agenda, business: Any) -> EmailMultiAlternatives:
    site = site_address()
    lead_urls = {}
    for lead in plan.leads:
        path = selectors.record_url("sales:lead_detail", lead.pk)
        lead_urls[lead.pk] = site + path if path else ""
    context = {
        "user": user,
        "plan": plan,
        "business": business,
        "my_day_url": site + reverse("sales:my_day"),
        "lead_urls": lead_urls,
    }
    subject = _("Your day at %(business)s: %(date)s") % {
        "business": business.name or "Setia CRM",
        "date": date_format(plan.today, "SHORT_DATE_FORMAT"),
    }
    mail = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("sales/activities/digest_email.txt", context),
        to=[user.email],
    )
    mail.attach_alternative(render_to_string("sales/activities/digest_email.html", context), "text/html")
    return mail
