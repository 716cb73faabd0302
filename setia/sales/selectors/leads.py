"""Reads of leads, sources and assignment rules. Staff see the leads of their branches (all of
them for owners and back office) and the leads they own wherever those are."""

import datetime as dt
import re
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from setia.accounts.models import Branch, User
from setia.accounts.roles import CAPABILITIES
from setia.accounts.selectors import branch_scope, require
from setia.core.errors import ApplicationError, NotFoundError
from setia.core.phones import normalize_phone
from setia.sales.models import Lead, LeadAssignmentRule, LeadSource

_PHONE_LIKE = re.compile(r"^[\d\s()+.-]{6,}$")
OPEN_STATUSES = (Lead.Status.NEW, Lead.Status.CONTACTED, Lead.Status.QUALIFIED)


def visible_leads(actor: User) -> QuerySet[Lead]:
    require(actor, "leads.view")
    scope = branch_scope(actor)
    if scope.all_branches:
        return Lead.objects.all()
    return Lead.objects.filter(Q(branch__in=scope.branch_ids) | Q(owner=actor))


@dataclass
class LeadFilters:
    status: str = ""
    source_id: int | None = None
    owner: str = ""  # a user id, "me" or "none"
    branch_id: int | None = None
    follow_up: str = ""  # "due" (today), "overdue" (before today) or "" (any)
    query: str = ""

    def any(self) -> bool:
        return any(vars(self).values())


def lead_list(*, actor: User, filters: LeadFilters | None = None) -> QuerySet[Lead]:
    filters = filters or LeadFilters()
    leads = visible_leads(actor).select_related("source", "owner", "branch")
    if filters.status == "open":
        leads = leads.filter(status__in=OPEN_STATUSES)
    elif filters.status:
        leads = leads.filter(status=filters.status)
    if filters.source_id:
        leads = leads.filter(source_id=filters.source_id)
    if filters.owner == "me":
        leads = leads.filter(owner=actor)
    elif filters.owner == "none":
        leads = leads.filter(owner__isnull=True)
    elif filters.owner.isdigit():
        leads = leads.filter(owner_id=int(filters.owner))
    if filters.branch_id:
        leads = leads.filter(branch_id=filters.branch_id)
    today = timezone.localdate()
    if filters.follow_up == "due":
        leads = leads.filter(next_follow_up=today, status__in=OPEN_STATUSES)
    elif filters.follow_up == "overdue":
        leads = leads.filter(next_follow_up__lt=today, status__in=OPEN_STATUSES)
    query = filters.query.strip()
    if query:
        leads = leads.filter(_text(query))
    return leads


def _text(query: str) -> Q:
    """A name, company or email containing the text; a phone number in any form people type."""
    condition = Q(name__icontains=query) | Q(company_name__icontains=query) | Q(email__icontains=query)
    if _PHONE_LIKE.match(query) and sum(char.isdigit() for char in query) >= 6:
        try:
            condition |= Q(phone=normalize_phone(query))
        except ApplicationError:
            condition |= Q(phone__contains=re.sub(r"\D", "", query))
    return condition


def lead_get(*, actor: User, pk: int) -> Lead:
    lead = (
        visible_leads(actor).select_related("source", "owner", "branch", "customer", "created_by").filter(pk=pk).first()
    )
    if lead is None:
        raise NotFoundError(_("Lead not found."))
    return lead


def follow_ups_due(*, actor: User, day: dt.date | None = None) -> int:
    """How many of the actor's open leads are due for a follow-up by `day` (today)."""
    day = day or timezone.localdate()
    return visible_leads(actor).filter(owner=actor, status__in=OPEN_STATUSES, next_follow_up__lte=day).count()


def lead_owner_choices(*, actor: User, branch: Branch | None = None, keep: User | None = None) -> list[User]:
    """Staff a lead may be given to: active people who work on leads, in the branch when known,
    else in the actor's branches; and `keep` (a rule's assignee being edited) when she no longer
    is one: editing keeps her."""
    people = _lead_owner_choices(actor=actor, branch=branch)
    return people if keep is None or keep in people else [*people, keep]


def _lead_owner_choices(*, actor: User, branch: Branch | None) -> list[User]:
    require(actor, "leads.view")
    people = list(
        User.objects.filter(is_active=True, role__in=CAPABILITIES["leads.edit"])
        .select_related("branch")
        .order_by("first_name", "username")
    )
    if branch is not None:
        return [user for user in people if user.branch_id == branch.pk or branch_scope(user).allows(branch.pk)]
    scope = branch_scope(actor)
    if scope.all_branches:
        return people
    return [user for user in people if user.branch_id in scope.branch_ids or user.pk == actor.pk]


def lead_branch_choices(*, actor: User) -> QuerySet[Branch]:
    return branch_scope(actor).filter(Branch.objects.filter(is_active=True), field="pk").order_by("name")


def source_choices() -> QuerySet[LeadSource]:
    """Active sources, for picking on a lead (anyone who works on leads)."""
    return LeadSource.objects.filter(active=True).order_by("name")


def source_list(*, actor: User) -> QuerySet[LeadSource]:
    require(actor, "sales.configure")
    return LeadSource.objects.select_related("branch").order_by("name")


def source_get(*, actor: User, pk: int) -> LeadSource:
    source = source_list(actor=actor).filter(pk=pk).first()
    if source is None:
        raise NotFoundError(_("Source not found."))
    return source


def public_form_source(form_key: str) -> LeadSource:
    """The source behind a public form address, if its form is switched on (no sign-in needed)."""
    source = LeadSource.objects.filter(form_key=form_key, active=True, form_enabled=True).first()
    if source is None:
        raise NotFoundError(_("This form is not available."))
    return source


def rule_list(*, actor: User) -> QuerySet[LeadAssignmentRule]:
    require(actor, "sales.configure")
    return LeadAssignmentRule.objects.select_related("source", "branch", "assign_to").order_by("position", "id")


def rule_get(*, actor: User, pk: int) -> LeadAssignmentRule:
    rule = rule_list(actor=actor).filter(pk=pk).first()
    if rule is None:
        raise NotFoundError(_("Rule not found."))
    return rule
