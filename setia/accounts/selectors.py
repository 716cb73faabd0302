"""Reads that apply role and branch visibility. Every function takes the acting user."""

import copy
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from setia.accounts.models import ApiKey, Branch, BusinessSettings, Team, User
from setia.accounts.roles import BACK_OFFICE, Role
from setia.core.errors import NotFoundError, PermissionDeniedError
from setia.core.memo import Memo, register_clear


def business_settings() -> BusinessSettings:
    """The business's settings; before anyone saved them, the defaults (not stored: a read writes
    nothing; `services.business_settings_update` stores the row)."""
    settings_row = BusinessSettings.objects.filter(pk=1).first()
    if settings_row is None:
        settings_row = BusinessSettings(pk=1, mfa_required_roles=list(settings.MFA_REQUIRED_ROLES_DEFAULT))
    return settings_row


@dataclass(frozen=True)
class AccessSettings:
    """The business settings that permission checks read on every request, remembered per
    process for a few seconds (`setia.core.memo`)."""

    share_customers_across_branches: bool
    mfa_required_roles: frozenset[str]
    unused_sections: frozenset[str] = frozenset()


ACCESS_SETTINGS = Memo("access settings", max_entries=1)


def access_settings() -> AccessSettings:
    def load() -> AccessSettings:
        row = business_settings()
        return AccessSettings(
            row.share_customers_across_branches, frozenset(row.mfa_required_roles), frozenset(row.unused_sections)
        )

    value: AccessSettings = ACCESS_SETTINGS.get(1, load)
    return value


@dataclass(frozen=True)
class BranchScope:
    """Which branches' customer data an actor may see: all of them, or these ids."""

    all_branches: bool
    branch_ids: frozenset[int]

    def filter(self, queryset: QuerySet[Any], field: str = "branch") -> QuerySet[Any]:
        if self.all_branches:
            return queryset
        return queryset.filter(**{f"{field}__in": self.branch_ids})

    def allows(self, branch_id: int | None) -> bool:
        return self.all_branches or branch_id in self.branch_ids


def branch_scope(actor: User) -> BranchScope:
    if not actor.is_active:
        return BranchScope(False, frozenset())
    if actor.role == Role.OWNER or actor.role in BACK_OFFICE or actor.is_superuser:
        return BranchScope(True, frozenset())
    if access_settings().share_customers_across_branches:
        return BranchScope(True, frozenset())
    own = {actor.branch_id} if actor.branch_id else set()
    if actor.role == Role.MANAGER:
        own |= set(actor.managed_branches.values_list("pk", flat=True))
    return BranchScope(False, frozenset(own))


def require(actor: User, capability: str) -> None:
    if not actor.is_authenticated or not actor.has_capability(capability):
        raise PermissionDeniedError(_("You do not have permission to do this."))


def _managed_scope(actor: User) -> BranchScope:
    """Branches whose staff an actor manages: all for the owner, managed (and own) for managers."""
    if actor.role == Role.OWNER or actor.is_superuser:
        return BranchScope(True, frozenset())
    own = set(actor.managed_branches.values_list("pk", flat=True))
    if actor.branch_id:
        own.add(actor.branch_id)
    return BranchScope(False, frozenset(own))


def branch_list(*, actor: User, include_inactive: bool = False) -> QuerySet[Branch]:
    require(actor, "branches.view")
    branches = Branch.objects.all() if include_inactive else Branch.objects.filter(is_active=True)
    return _managed_scope(actor).filter(branches, field="pk").order_by("name")


def branch_get(*, actor: User, pk: int) -> Branch:
    try:
        return branch_list(actor=actor, include_inactive=True).get(pk=pk)
    except Branch.DoesNotExist as error:
        raise NotFoundError(_("Branch not found.")) from error


def branch_list_for_customers(*, actor: User) -> QuerySet[Branch]:
    """Branches the actor may put customers in (their customer scope)."""
    branches = Branch.objects.filter(is_active=True).order_by("name")
    return branch_scope(actor).filter(branches, field="pk")


def team_list(*, actor: User) -> QuerySet[Team]:
    require(actor, "teams.manage")
    scope = _managed_scope(actor)
    teams = Team.objects.select_related("branch")
    if not scope.all_branches:
        teams = teams.filter(Q(branch__in=scope.branch_ids) | Q(branch__isnull=True))
    return teams.order_by("name")


def team_get(*, actor: User, pk: int) -> Team:
    try:
        return team_list(actor=actor).get(pk=pk)
    except Team.DoesNotExist as error:
        raise NotFoundError(_("Team not found.")) from error


def staff_list(
    *,
    actor: User,
    query: str = "",
    branch_id: int | None = None,
    role: str = "",
    include_inactive: bool = False,
) -> QuerySet[User]:
    require(actor, "staff.view")
    staff = User.objects.select_related("branch").order_by("first_name", "last_name", "username")
    scope = _managed_scope(actor)
    if not scope.all_branches:
        staff = staff.filter(branch__in=scope.branch_ids)
    if not include_inactive:
        staff = staff.filter(is_active=True)
    if query:
        staff = staff.filter(
            Q(username__icontains=query)
            | Q(first_name__icontains=query)
            | Q(last_name__icontains=query)
            | Q(email__icontains=query)
        )
    if branch_id:
        staff = staff.filter(branch_id=branch_id)
    if role:
        staff = staff.filter(role=role)
    return staff


def staff_get(*, actor: User, pk: int) -> User:
    try:
        return staff_list(actor=actor, include_inactive=True).get(pk=pk)
    except User.DoesNotExist as error:
        raise NotFoundError(_("Staff member not found.")) from error


def api_key_list(*, actor: User) -> QuerySet[ApiKey]:
    require(actor, "api_keys.use")
    return ApiKey.objects.filter(user=actor).order_by("-created_at")


API_KEYS = Memo("api keys")
_touched: dict[int, float] = {}  # key id -> when its last_used_at was last known fresh (monotonic)
register_clear(_touched.clear)


def api_key_user(raw_key: str) -> User | None:
    """The active user owning an unrevoked key, or None. One indexed lookup, no password hashing;
    remembered per process for a few seconds (`setia.core.memo`), so a busy integration costs no
    query per request. Each caller gets its own copy of the user."""
    if not raw_key or len(raw_key) > 200:
        return None
    digest = ApiKey.digest_of(raw_key)
    key: ApiKey | None = API_KEYS.get(
        digest,
        lambda: (
            ApiKey.objects.select_related("user")
            .filter(digest=digest, revoked_at__isnull=True, user__is_active=True)
            .first()
        ),
    )
    if key is None:
        return None
    # Touch at most once a minute so a busy integration does not write on every request.
    moment = time.monotonic()
    touched = _touched.get(key.pk)
    if touched is None or moment - touched > 60:
        now = timezone.now()
        age = (now - key.last_used_at).total_seconds() if key.last_used_at is not None else None
        if age is None or age > 60:
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
            age = 0
        _touched[key.pk] = moment - age
    return copy.copy(key.user)


def user_requires_mfa(user: User) -> bool:
    return user.role in access_settings().mfa_required_roles
