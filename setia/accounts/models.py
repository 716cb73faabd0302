import hashlib
from typing import Any

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from setia.accounts.roles import FRONT_OFFICE, Role, role_has
from setia.core.models import TimeStampedModel, WeekdaysField


class Branch(TimeStampedModel):
    """An outlet of the business: a salon, a shop, a dispatch centre."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    code = models.SlugField(_("code"), max_length=20, unique=True, help_text=_("Short code, e.g. JKT-1."))
    address = models.CharField(_("address"), max_length=255, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    province = models.CharField(_("province"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # Empty: the business's hours (sales settings). Both or neither (`branch_create`/`_update`).
    opens_at = models.TimeField(
        _("opens at"), null=True, blank=True, help_text=_("Leave both times empty for the business's opening hours.")
    )
    closes_at = models.TimeField(_("closes at"), null=True, blank=True)
    closed_days = WeekdaysField(
        _("closed on"),
        help_text=_("Tick with the branch's own opening times above; without them the business's closed days apply."),
    )

    class Meta:
        verbose_name = _("branch")
        verbose_name_plural = _("branches")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def closed_day_names(self) -> list[str]:
        from django.utils.dates import WEEKDAYS

        return [str(WEEKDAYS[day]) for day in self.closed_days or []]


class Team(TimeStampedModel):
    name = models.CharField(_("name"), max_length=120)
    branch = models.ForeignKey(
        Branch,
        verbose_name=_("branch"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="teams",
        help_text=_("Leave empty for a team that works across branches."),
    )

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["name", "branch"], name="team_name_unique_per_branch")]

    def __str__(self) -> str:
        return self.name


class StaffManager(UserManager["User"]):
    def create_superuser(
        self, username: str, email: str | None = None, password: str | None = None, **extra: Any
    ) -> "User":
        """`manage.py createsuperuser` makes the first owner (who may also open the support admin)."""
        extra.setdefault("role", Role.OWNER)
        return super().create_superuser(username, email, password, **extra)


def staff_name(first_name: str, last_name: str, username: str) -> str:
    """`str(user)` from a user's columns, for queries written out (e.g. the caller lookup's)."""
    return f"{first_name} {last_name}".strip() or username


class User(AbstractUser):
    """A staff member. Staff sign in; customers never do (the portal uses one-time codes)."""

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.CASHIER)
    branch = models.ForeignKey(
        Branch,
        verbose_name=_("home branch"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    managed_branches = models.ManyToManyField(
        Branch, verbose_name=_("manages branches"), blank=True, related_name="managers"
    )
    teams = models.ManyToManyField(Team, verbose_name=_("teams"), blank=True, related_name="members")
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    language = models.CharField(
        _("language"), max_length=5, choices=[("id", "Bahasa Indonesia"), ("en", "English")], default="id"
    )

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")
        ordering = ["first_name", "last_name", "username"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(role__in=sorted(r.value for r in FRONT_OFFICE))
                | Q(branch__isnull=False)
                | Q(is_active=False),
                name="front_office_has_branch",
            )
        ]

    objects = StaffManager()  # type: ignore[misc]

    def __str__(self) -> str:
        """How staff know each other ("Sari Utomo"); the login name for one without a name."""
        return staff_name(self.first_name, self.last_name, self.username)

    def has_capability(self, capability: str) -> bool:
        return bool(self.is_active and role_has(self.role, capability))

    @property
    def unused_sections(self) -> frozenset[str]:
        """The parts of the product the business switched off (navigation, quick actions)."""
        from setia.accounts.selectors import access_settings

        return access_settings().unused_sections


class BusinessSettings(TimeStampedModel):
    """The one business this installation serves (a single row, id 1)."""

    name = models.CharField(_("business name"), max_length=150, default="Setia CRM")
    address = models.CharField(_("address"), max_length=255, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    email = models.EmailField(_("email"), blank=True)
    share_customers_across_branches = models.BooleanField(
        _("share customers and memberships across branches"),
        default=False,
        help_text=_("When on, every branch sees every customer; when off, front office sees its own branch."),
    )
    tax_id = models.CharField(_("NPWP"), max_length=30, blank=True, default="")
    logo = models.FileField(
        _("logo"),
        upload_to="business/",
        blank=True,
        help_text=_("PNG or JPEG, printed on quotes and receipts."),
    )
    mfa_required_roles = models.JSONField(_("roles that must use two-factor sign-in"), default=list, blank=True)
    # Keys of optional navigation sections (calls, trips, appointments) this business does not use.
    unused_sections = models.JSONField(_("parts not in use"), default=list, blank=True)

    class Meta:
        verbose_name = _("business settings")
        verbose_name_plural = _("business settings")

    def __str__(self) -> str:
        return self.name


class ApiKey(TimeStampedModel):
    """A per-user API key. Only a SHA-256 digest is stored; the key is shown once."""

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=12, help_text=_("The first characters, to recognise a key."))
    digest = models.CharField(max_length=64, unique=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def digest_of(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()
