"""Every write to staff, branches, teams, settings and API keys. Each one is audited."""

import secrets
from collections.abc import Callable, Iterable
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from setia.accounts.models import ApiKey, Branch, BusinessSettings, Team, User
from setia.accounts.roles import FRONT_OFFICE, Role
from setia.accounts.selectors import _managed_scope, business_settings, require
from setia.core.audit import audit_changed, audit_created, audit_log, snapshot
from setia.core.errors import ApplicationError, PermissionDeniedError, validate_instance
from setia.core.models import check_closed_days
from setia.core.navigation import optional_sections
from setia.core.phones import normalize_phone
from setia.core.texts import Message

BRANCH_FIELDS = [
    "name",
    "code",
    "address",
    "city",
    "province",
    "phone",
    "opens_at",
    "closes_at",
    "closed_days",
    "is_active",
]
TEAM_FIELDS = ["name", "branch"]
STAFF_FIELDS = [
    "username",
    "first_name",
    "last_name",
    "email",
    "role",
    "branch",
    "phone",
    "language",
    "is_active",
    "managed_branches",
    "teams",
]
SETTINGS_FIELDS = [
    "name",
    "address",
    "phone",
    "email",
    "tax_id",
    "share_customers_across_branches",
    "mfa_required_roles",
    "unused_sections",
]
LOGO_MAX_BYTES = 2_000_000


def _assign(instance: Any, fields: dict[str, Any], allowed: list[str]) -> None:
    """Set `fields` on `instance`, trimming text; a field outside `allowed` is a programming error."""
    for name, value in fields.items():
        if name not in allowed:
            raise ApplicationError(_("Unknown field: %(field)s") % {"field": name})
        setattr(instance, name, value.strip() if isinstance(value, str) else value)


def _normalized_phone(value: str) -> str:
    return normalize_phone(value) if value and value.strip() else ""


# --- Branches -------------------------------------------------------------------------------

# What stands in the way of closing a branch, from apps above this one (sales: bookings still to
# come there). Each returns the sentence to show, or "" when nothing does.
BranchClosingCheck = Callable[[Branch], str]
_closing_checks: list[BranchClosingCheck] = []


def register_branch_closing_check(check: BranchClosingCheck) -> None:
    _closing_checks.append(check)


@transaction.atomic
def branch_create(*, actor: User, name: str, code: str, **fields: Any) -> Branch:
    require(actor, "branches.manage")
    branch = Branch(name=name.strip(), code=code.strip(), **fields)
    branch.phone = _normalized_phone(branch.phone)
    _check_hours(branch)
    validate_instance(branch)
    branch.save()
    audit_created(actor=actor, instance=branch, fields=BRANCH_FIELDS, branch_id=branch.pk)
    return branch


@transaction.atomic
def branch_update(*, actor: User, branch: Branch, **fields: Any) -> Branch:
    require(actor, "branches.manage")
    branch = Branch.objects.select_for_update().get(pk=branch.pk)
    before = snapshot(branch, BRANCH_FIELDS)
    _assign(branch, fields, BRANCH_FIELDS)
    branch.phone = _normalized_phone(branch.phone)
    front_office = branch.staff.filter(is_active=True, role__in=list(FRONT_OFFICE)).order_by("first_name", "username")
    if not branch.is_active and front_office.exists():
        names = ", ".join(person.get_full_name() or person.username for person in front_office[:10])
        message = _("Move or deactivate this branch's front-office staff before closing it: %(names)s.") % {
            "names": names
        }
        raise ApplicationError(message, {"is_active": [message]})
    if not branch.is_active and before["is_active"]:
        for check in _closing_checks:
            if message := check(branch):
                raise ApplicationError(message, {"is_active": [message]})
    _check_hours(branch)
    validate_instance(branch)
    branch.save()
    audit_changed(actor=actor, instance=branch, before=before, fields=BRANCH_FIELDS, branch_id=branch.pk)
    return branch


def _check_hours(branch: Branch) -> None:
    """A branch's own opening hours: both times or neither (the business's), closing after
    opening; closed days only with its own times, and not every day."""
    if (branch.opens_at is None) != (branch.closes_at is None):
        field = "closes_at" if branch.closes_at is None else "opens_at"
        message = _("Enter both the opening and the closing time, or leave both empty.")
        raise ApplicationError(message, {field: [message]})
    if branch.opens_at is not None and branch.closes_at is not None and branch.closes_at <= branch.opens_at:
        message = _("The closing time must be after the opening time.")
        raise ApplicationError(message, {"closes_at": [message]})
    branch.closed_days = check_closed_days(branch.closed_days)
    if branch.closed_days and branch.opens_at is None:
        message = _("Enter the branch's own opening and closing times too, or leave its closed days to the business.")
        raise ApplicationError(message, {"closed_days": [message]})


# --- Teams ----------------------------------------------------------------------------------


def _check_team_branch(actor: User, branch: Branch | None) -> None:
    scope = _managed_scope(actor)
    if not scope.all_branches and (branch is None or branch.pk not in scope.branch_ids):
        message = _("You can only manage teams of your own branches.")
        raise ApplicationError(message, {"branch": [message]})


@transaction.atomic
def team_create(*, actor: User, name: str, branch: Branch | None = None) -> Team:
    require(actor, "teams.manage")
    _check_team_branch(actor, branch)
    team = Team(name=name.strip(), branch=branch)
    validate_instance(team)
    team.save()
    audit_created(actor=actor, instance=team, fields=TEAM_FIELDS, branch_id=team.branch_id)
    return team


@transaction.atomic
def team_update(*, actor: User, team: Team, name: str, branch: Branch | None) -> Team:
    require(actor, "teams.manage")
    _check_team_branch(actor, team.branch)
    _check_team_branch(actor, branch)
    before = snapshot(team, TEAM_FIELDS)
    team.name, team.branch = name.strip(), branch
    validate_instance(team)
    team.save()
    audit_changed(actor=actor, instance=team, before=before, fields=TEAM_FIELDS, branch_id=team.branch_id)
    return team


# --- Staff ----------------------------------------------------------------------------------


def _check_password(password: str, user: User) -> None:
    try:
        validate_password(password, user)
    except ValidationError as error:
        messages = [str(m) for m in error.messages]
        raise ApplicationError(_("Password: %(reason)s") % {"reason": messages[0]}, {"password": messages}) from error


def _validate_staff(user: User, managed_branches: Iterable[Branch]) -> None:
    if user.role in FRONT_OFFICE and user.branch_id is None:
        message = _("Front-office staff need a home branch.")
        raise ApplicationError(message, {"branch": [message]})
    managed_branches = list(managed_branches)
    if user.role != Role.MANAGER and managed_branches:
        message = _("Only managers manage branches.")
        raise ApplicationError(message, {"managed_branches": [message]})
    if user.role == Role.MANAGER and user.is_active and not managed_branches and user.branch_id is None:
        message = _("A manager needs a home branch or branches to manage.")
        raise ApplicationError(message, {"managed_branches": [message]})
    validate_instance(user, exclude=["password"])


@transaction.atomic
def staff_create(
    *,
    actor: User,
    username: str,
    password: str,
    role: str,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    branch: Branch | None = None,
    phone: str = "",
    language: str = "id",
    managed_branches: Iterable[Branch] = (),
    teams: Iterable[Team] = (),
) -> User:
    require(actor, "staff.manage")
    managed_branches, teams = list(managed_branches), list(teams)
    user = User(
        username=username.strip(),
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        email=email.strip().lower(),
        role=role,
        branch=branch,
        phone=_normalized_phone(phone),
        language=language,
    )
    if User.objects.filter(username__iexact=user.username).exists():
        message = _("A staff member with this username already exists.")
        raise ApplicationError(message, {"username": [message]})
    _validate_staff(user, managed_branches)
    _check_password(password, user)
    user.set_password(password)
    user.save()
    user.managed_branches.set(managed_branches)
    user.teams.set(teams)
    audit_created(actor=actor, instance=user, fields=STAFF_FIELDS, branch_id=user.branch_id)
    return user


@transaction.atomic
def staff_update(
    *,
    actor: User,
    staff: User,
    managed_branches: Iterable[Branch] | None = None,
    teams: Iterable[Team] | None = None,
    password: str | None = None,
    **fields: Any,
) -> User:
    """Change a staff member; with `password`, set it too (checked before anything is saved)."""
    require(actor, "staff.manage")
    # Lock every active owner first: two owners demoting each other at once must not leave none.
    list(User.objects.select_for_update().filter(role=Role.OWNER, is_active=True).order_by("pk").values_list("pk"))
    user = User.objects.select_for_update().get(pk=staff.pk)
    before = snapshot(user, STAFF_FIELDS)
    _assign(user, fields, STAFF_FIELDS)
    user.email = user.email.lower()
    user.phone = _normalized_phone(user.phone)
    stops_being_owner = before["role"] == Role.OWNER and (user.role != Role.OWNER or not user.is_active)
    if stops_being_owner and not User.objects.filter(role=Role.OWNER, is_active=True).exclude(pk=user.pk).exists():
        message = _("The business needs at least one active owner.")
        raise ApplicationError(message, {"role": [message]})
    managed = list(managed_branches) if managed_branches is not None else list(user.managed_branches.all())
    if user.role != Role.MANAGER:
        managed = []
    if User.objects.filter(username__iexact=user.username).exclude(pk=user.pk).exists():
        message = _("A staff member with this username already exists.")
        raise ApplicationError(message, {"username": [message]})
    _validate_staff(user, managed)
    if password:
        _check_password(password, user)
        user.set_password(password)
    user.save()
    user.managed_branches.set(managed)
    if teams is not None:
        user.teams.set(list(teams))
    audit_changed(actor=actor, instance=user, before=before, fields=STAFF_FIELDS, branch_id=user.branch_id)
    if password:
        audit_log(
            actor=actor,
            action="update",
            instance=user,
            message=Message(gettext_noop("Password changed")),
            branch_id=user.branch_id,
        )
    return user


@transaction.atomic
def my_profile_update(*, actor: User, first_name: str, last_name: str, email: str, phone: str, language: str) -> User:
    """What staff may change about themselves (not their role or branch)."""
    user = User.objects.select_for_update().get(pk=actor.pk)
    fields = ["first_name", "last_name", "email", "phone", "language"]
    before = snapshot(user, fields)
    user.first_name, user.last_name = first_name.strip(), last_name.strip()
    user.email, user.phone, user.language = email.strip().lower(), _normalized_phone(phone), language
    validate_instance(user, exclude=["password"])
    user.save()
    audit_changed(actor=actor, instance=user, before=before, fields=fields, branch_id=user.branch_id)
    return user


@transaction.atomic
def staff_reset_two_factor(*, actor: User, staff: User) -> int:
    """Remove a staff member's authenticator app and recovery codes (e.g. a lost phone).

    They sign in with their password next time and, if their role requires it, set up two-factor
    sign-in again. Returns the number of authenticators removed.
    """
    from allauth.mfa.models import Authenticator

    require(actor, "staff.manage")
    removed, _details = Authenticator.objects.filter(user=staff).delete()
    if removed:
        audit_log(
            actor=actor,
            action="update",
            instance=staff,
            message=Message(gettext_noop("Two-factor sign-in reset")),
            branch_id=staff.branch_id,
        )
    return removed


# --- Business settings ----------------------------------------------------------------------


@transaction.atomic
def business_settings_update(*, actor: User, **fields: Any) -> BusinessSettings:
    require(actor, "settings.manage")
    defaults = business_settings()
    BusinessSettings.objects.get_or_create(pk=defaults.pk, defaults={"mfa_required_roles": defaults.mfa_required_roles})
    row = BusinessSettings.objects.select_for_update().get(pk=defaults.pk)
    before = snapshot(row, SETTINGS_FIELDS)
    logo_before = row.logo.name or ""
    # The logo: an uploaded file replaces it, False removes it, anything else keeps it.
    logo = fields.pop("logo", None)
    _assign(row, fields, SETTINGS_FIELDS)
    if row.tax_id:
        digits = "".join(ch for ch in row.tax_id if ch.isdigit())
        if len(digits) not in (15, 16) or any(not (ch.isdigit() or ch in ".- ") for ch in row.tax_id):
            message = _("Enter the NPWP as its 15 or 16 digits (dots and dashes allowed).")
            raise ApplicationError(message, {"tax_id": [message]})
    unknown_roles = set(row.mfa_required_roles) - {r.value for r in Role}
    if unknown_roles:
        message = _("Unknown role: %(role)s") % {"role": ", ".join(sorted(unknown_roles))}
        raise ApplicationError(message, {"mfa_required_roles": [message]})
    row.mfa_required_roles = sorted(row.mfa_required_roles)
    optional = {section.key for section in optional_sections()}
    unknown_sections = set(row.unused_sections) - optional
    if unknown_sections:
        message = _("Unknown part of Setia: %(part)s") % {"part": ", ".join(sorted(unknown_sections))}
        raise ApplicationError(message, {"sections_in_use": [message]})
    row.unused_sections = sorted(row.unused_sections)
    row.phone = _normalized_phone(row.phone)
    validate_instance(row, exclude=["logo"])
    if logo is False:
        row.logo.delete(save=False)
    elif isinstance(logo, UploadedFile):
        _check_logo(logo)
        row.logo.save(f"logo{'.png' if logo.content_type == 'image/png' else '.jpg'}", logo, save=False)
    row.save()
    changes = audit_changed(actor=actor, instance=row, before=before, fields=SETTINGS_FIELDS)
    if (row.logo.name or "") != logo_before:
        audit_log(
            actor=actor,
            action="update",
            instance=row,
            changes={"logo": [logo_before or None, row.logo.name or None]},
            message="" if changes else Message(gettext_noop("Logo changed")),
        )
    return row


def _check_logo(logo: UploadedFile) -> None:
    """PNG or JPEG of at most 2 MB, judged by the file's first bytes, not its name."""
    message = _("The logo must be a PNG or JPEG image of at most 2 MB.")
    if logo.size is None or logo.size > LOGO_MAX_BYTES:
        raise ApplicationError(message, {"logo": [message]})
    logo.seek(0)
    head = logo.read(8)
    logo.seek(0)
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        logo.content_type = "image/png"
    elif head.startswith(b"\xff\xd8\xff"):
        logo.content_type = "image/jpeg"
    else:
        raise ApplicationError(message, {"logo": [message]})


# --- API keys -------------------------------------------------------------------------------

API_KEY_PREFIX = "sk_"


@transaction.atomic
def api_key_create(*, actor: User, user: User | None = None, name: str) -> tuple[ApiKey, str]:
    """Create a key for `user` (default: the actor). Returns the record and the key, shown once."""
    user = user or actor
    if user.pk != actor.pk:
        require(actor, "staff.manage")
    require(user, "api_keys.use")
    name = name.strip()
    if not name:
        message = _("Give the key a name, e.g. the system that will use it.")
        raise ApplicationError(message, {"name": [message]})
    raw = API_KEY_PREFIX + secrets.token_urlsafe(32)
    api_key = ApiKey(user=user, name=name[:100], prefix=raw[:10], digest=ApiKey.digest_of(raw))
    validate_instance(api_key)
    api_key.save()
    audit_log(actor=actor, action="create", instance=api_key, changes={"name": [None, api_key.name]})
    return api_key, raw


@transaction.atomic
def api_key_revoke(*, actor: User, api_key: ApiKey) -> ApiKey:
    if api_key.user_id != actor.pk and not actor.has_capability("staff.manage"):
        raise PermissionDeniedError(_("You can only revoke your own keys."))
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])
        audit_log(actor=actor, action="revoke", instance=api_key)
    return api_key
