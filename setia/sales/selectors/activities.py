"""Reads of activities and of what a staff member has on their plate ("my day", the morning
digest), through the actor's visibility.

Who sees an activity: the person it is assigned to and the person who made it, and anyone who
may see the record it is linked to (the customer, the lead or the opportunity) — so a branch's
staff see the calls logged on their customers' 360° pages. Owners and back office see all.

Leads and opportunities are visible to staff holding `leads.view` / `opportunities.view` within
their branch scope, and always to their owner.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from setia.accounts.models import User
from setia.accounts.roles import Role
from setia.accounts.selectors import branch_scope, require
from setia.core.errors import NotFoundError
from setia.customers.selectors import visible_customers
from setia.sales.models import Activity, Lead, Opportunity, Subscription
from setia.sales.selectors.leads import OPEN_STATUSES, visible_leads
from setia.sales.selectors.pipeline import visible_opportunities


def linkable_leads(actor: User) -> QuerySet[Lead]:
    """Leads the actor may see (and so link an activity to); none without `leads.view`."""
    if not actor.has_capability("leads.view"):
        return Lead.objects.none()
    return visible_leads(actor)


def linkable_opportunities(actor: User) -> QuerySet[Opportunity]:
    """Opportunities the actor may see; none without `opportunities.view`."""
    if not actor.has_capability("opportunities.view"):
        return Opportunity.objects.none()
    return visible_opportunities(actor)


def visible_activities(actor: User) -> QuerySet[Activity]:
    require(actor, "activities.use")
    activities = Activity.objects.all()
    if branch_scope(actor).all_branches:
        return activities
    return activities.filter(
        Q(assigned_to=actor)
        | Q(created_by=actor)
        | Q(customer__in=visible_customers(actor).values("pk"))
        | Q(lead__in=linkable_leads(actor).values("pk"))
        | Q(opportunity__in=linkable_opportunities(actor).values("pk"))
    )


def activity_get(*, actor: User, pk: int) -> Activity:
    activity = (
        visible_activities(actor)
        .select_related("assigned_to", "created_by", "customer", "lead", "opportunity")
        .filter(pk=pk)
        .first()
    )
    if activity is None:
        raise NotFoundError(_("Activity not found."))
    return activity


def may_change(actor: User, activity: Activity) -> bool:
    """The assignee, the author, and managers and owners (of an activity they can see) may edit,
    complete, reopen or delete it."""
    if actor.pk in (activity.assigned_to_id, activity.created_by_id):
        return True
    return actor.is_superuser or actor.role in (Role.OWNER, Role.MANAGER)


def activity_list(
    *,
    actor: User,
    assigned_to_id: int | None = None,
    everyone: bool = False,
    status: str = "open",
    kind: str = "",
    customer_id: int | None = None,
    lead_id: int | None = None,
    opportunity_id: int | None = None,
    due_from: dt.datetime | None = None,
    due_until: dt.datetime | None = None,
) -> QuerySet[Activity]:
    """Activities assigned to the actor by default; `assigned_to_id` for someone else's, or
    `everyone` for all the actor may see. `status`: open, done or all."""
    activities = visible_activities(actor).select_related("assigned_to", "customer", "lead", "opportunity")
    if assigned_to_id is not None:
        activities = activities.filter(assigned_to_id=assigned_to_id)
    elif not everyone:
        activities = activities.filter(assigned_to=actor)
    if status == "open":
        activities = activities.filter(done_at__isnull=True).exclude(kind=Activity.Kind.NOTE)
    elif status == "done":
        activities = activities.filter(Q(done_at__isnull=False) | Q(kind=Activity.Kind.NOTE))
    if kind:
        activities = activities.filter(kind=kind)
    if customer_id is not None:
        activities = activities.filter(customer_id=customer_id)
    if lead_id is not None:
        activities = activities.filter(lead_id=lead_id)
    if opportunity_id is not None:
        activities = activities.filter(opportunity_id=opportunity_id)
    if due_from is not None:
        activities = activities.filter(due_at__gte=due_from)
    if due_until is not None:
        activities = activities.filter(due_at__lt=due_until)
    return activities


def activities_for_record(
    *, actor: User, customer_id: int | None = None, lead_id: int | None = None, opportunity_id: int | None = None
) -> tuple[list[Activity], list[Activity]]:
    """The open activities (soonest first) and the latest 10 done ones of one record."""
    activities = visible_activities(actor).select_related("assigned_to", "created_by")
    if customer_id is not None:
        activities = activities.filter(customer_id=customer_id)
    if lead_id is not None:
        activities = activities.filter(lead_id=lead_id)
    if opportunity_id is not None:
        activities = activities.filter(opportunity_id=opportunity_id)
    open_ones = list(
        activities.filter(done_at__isnull=True).exclude(kind=Activity.Kind.NOTE).order_by("due_at", "id")[:50]
    )
    done = list(
        activities.filter(Q(done_at__isnull=False) | Q(kind=Activity.Kind.NOTE)).order_by("-created_at", "-id")[:10]
    )
    return open_ones, done


# --- My day and the digest ---------------------------------------------------------------------


def local_day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The start of `day` and of the next day in the business time zone."""
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))
    return start, end


@dataclass
class Agenda:
    """What one staff member has due. Activities are theirs (assigned to them) and open."""

    today: dt.date
    overdue: list[Activity] = field(default_factory=list)
    due_today: list[Activity] = field(default_factory=list)
    upcoming: list[Activity] = field(default_factory=list)
    leads: list[Lead] = field(default_factory=list)
    opportunities: list[Opportunity] = field(default_factory=list)
    renewals: list[Subscription] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (
            self.overdue or self.due_today or self.upcoming or self.leads or self.opportunities or self.renewals
        )


def agenda(
    *,
    user: User,
    now: dt.datetime | None = None,
    upcoming_days: int = 7,
    closing_until: dt.date | None = None,
    renewals_until: dt.date | None = None,
    new_leads: bool = True,
) -> Agenda:
    """The user's own open activities split into overdue, due today and the next `upcoming_days`;
    their open leads that are new (with `new_leads`) or due a follow-up today or earlier; their
    open opportunities expected to close by `closing_until`; their active subscriptions ending
    by `renewals_until`. Reads only what `user` owns, and only the kinds of record their role
    may see."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    _start_of_today, start_of_tomorrow = local_day_bounds(today)
    result = Agenda(today=today)
    mine = (
        Activity.objects.filter(assigned_to=user, done_at__isnull=True, due_at__isnull=False)
        .exclude(kind=Activity.Kind.NOTE)
        .select_related("customer", "lead", "opportunity")
        .order_by("due_at", "id")
    )
    upcoming_end = start_of_tomorrow + dt.timedelta(days=upcoming_days)
    for activity in mine.filter(due_at__lt=upcoming_end)[:300]:
        due = activity.due_at
        assert due is not None  # filtered above
        if due < now:
            result.overdue.append(activity)
        elif due < start_of_tomorrow:
            result.due_today.append(activity)
        else:
            result.upcoming.append(activity)
    if user.has_capability("leads.view"):
        due_leads = Q(next_follow_up__lte=today)
        if new_leads:
            due_leads |= Q(status=Lead.Status.NEW)
        result.leads = list(
            Lead.objects.filter(due_leads, owner=user, status__in=OPEN_STATUSES)
            .select_related("source")
            .order_by("next_follow_up", "-created_at", "-id")[:100]
        )
    if closing_until is not None and user.has_capability("opportunities.view"):
        result.opportunities = list(
            Opportunity.objects.filter(
                owner=user,
                status=Opportunity.Status.OPEN,
                expected_close__isnull=False,
                expected_close__lte=closing_until,
            )
            .select_related("customer", "stage")
            .order_by("expected_close", "id")[:100]
        )
    if renewals_until is not None and user.has_capability("subscriptions.view"):
        result.renewals = list(
            Subscription.objects.filter(owner=user, status=Subscription.Status.ACTIVE, ends_on__lte=renewals_until)
            .select_related("customer")
            .order_by("ends_on", "id")[:100]
        )
    return result


def my_day(*, actor: User, now: dt.datetime | None = None) -> Agenda:
    """The "my day" page: overdue, today and the next 7 days; leads that are new or due; open
    opportunities closing within 14 days; renewals due within 30 days."""
    require(actor, "activities.use")
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    return agenda(
        user=actor,
        now=now,
        upcoming_days=7,
        closing_until=today + dt.timedelta(days=14),
        renewals_until=today + dt.timedelta(days=30),
    )


def digest_agenda(*, user: User, now: dt.datetime) -> Agenda:
    """The morning email: overdue and today's activities (nothing later), leads due a follow-up
    today or earlier, opportunities expected to close by Sunday of this week, renewals due
    within 7 days."""
    today = timezone.localtime(now).date()
    sunday = today + dt.timedelta(days=6 - today.weekday())
    return agenda(
        user=user,
        now=now,
        upcoming_days=0,
        closing_until=sunday,
        renewals_until=today + dt.timedelta(days=7),
        new_leads=False,
    )


# --- Links to the records' pages (built by other areas; used only when they exist) -------------


def record_url(url_name: str, pk: int) -> str:
    """The URL of a record's page, or "" while that page does not exist."""
    try:
        return reverse(url_name, args=[pk])
    except NoReverseMatch:
        return ""


def activity_record_url(activity: Activity) -> str:
    if activity.opportunity_id:
        url = record_url("sales:opportunity_detail", activity.opportunity_id)
        if url:
            return url
    if activity.lead_id:
        url = record_url("sales:lead_detail", activity.lead_id)
        if url:
            return url
    if activity.customer_id:
        return record_url("customers:detail", activity.customer_id)
    return ""


def activity_record_label(activity: Activity) -> str:
    if activity.opportunity_id and activity.opportunity is not None:
        return activity.opportunity.title
    if activity.lead_id and activity.lead is not None:
        return activity.lead.name
    if activity.customer_id and activity.customer is not None:
        return activity.customer.name
    return ""
