from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from setia.core.models import TimeStampedModel


class Province(models.Model):
    """Indonesian provinces, regencies/cities and districts: reference data shipped in the repo."""

    code = models.CharField(_("code"), max_length=16, primary_key=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("province")
        verbose_name_plural = _("provinces")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Regency(models.Model):
    code = models.CharField(_("code"), max_length=16, primary_key=True)
    province = models.ForeignKey(Province, on_delete=models.CASCADE, related_name="regencies")
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("city / regency")
        verbose_name_plural = _("cities / regencies")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class District(models.Model):
    code = models.CharField(_("code"), max_length=16, primary_key=True)
    regency = models.ForeignKey(Regency, on_delete=models.CASCADE, related_name="districts")
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("district")
        verbose_name_plural = _("districts")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Tag(TimeStampedModel):
    class Kind(models.TextChoices):
        LABEL = "label", _("label")
        INTEREST = "interest", _("interest / lifestyle")

    name = models.CharField(_("name"), max_length=60)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.LABEL)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["kind", "name"], name="tag_unique_per_kind")]

    def __str__(self) -> str:
        return self.name


class CustomFieldDefinition(TimeStampedModel):
    """A business-specific customer field defined by an admin (e.g. "Berat badan (kg)").

    Values live in `Customer.custom` under `key` (see docs/adr/0006-custom-field-storage.md).
    A definition is archived rather than deleted, so no value is ever silently lost.
    """

    class FieldType(models.TextChoices):
        TEXT = "text", _("text")
        LONG_TEXT = "long_text", _("long text")
        INTEGER = "integer", _("whole number")
        DECIMAL = "decimal", _("decimal number")
        DATE = "date", _("date")
        BOOLEAN = "boolean", _("yes/no")
        CHOICE = "choice", _("single choice")
        MULTI_CHOICE = "multi_choice", _("multiple choice")

    key = models.SlugField(
        _("key"), max_length=50, unique=True, help_text=_("Used in imports, exports and the API, e.g. weight_kg.")
    )
    label = models.CharField(_("label"), max_length=100)
    field_type = models.CharField(_("type"), max_length=20, choices=FieldType.choices)
    required = models.BooleanField(_("required"), default=False)
    help_text = models.CharField(_("help text"), max_length=255, blank=True)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    group = models.CharField(
        _("group"), max_length=60, blank=True, help_text=_("Fields with the same group show together.")
    )
    position = models.PositiveIntegerField(_("order"), default=0)
    # Limits of whole-number, decimal and date fields, held in the value's own stored form (an int,
    # a decimal as text, an ISO date), so a value is compared with them as it is stored.
    minimum = models.JSONField(_("minimum"), null=True, blank=True, default=None)
    maximum = models.JSONField(_("maximum"), null=True, blank=True, default=None)
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)

    class Meta:
        verbose_name = _("custom field")
        verbose_name_plural = _("custom fields")
        ordering = ["group", "position", "label"]

    def __str__(self) -> str:
        return self.label


class Customer(TimeStampedModel):
    """A person or a company the business serves. Persons may belong to a company."""

    class Kind(models.TextChoices):
        PERSON = "person", _("person")
        COMPANY = "company", _("company")

    class Gender(models.TextChoices):
        FEMALE = "female", _("female")
        MALE = "male", _("male")

    class Channel(models.TextChoices):
        WHATSAPP = "whatsapp", _("WhatsApp")
        PHONE = "phone", _("phone call")
        SMS = "sms", _("SMS")
        EMAIL = "email", _("email")
        VISIT = "visit", _("visit")

    class Source(models.TextChoices):
        WALK_IN = "walk_in", _("walk-in")
        PHONE = "phone", _("phone")
        REFERRAL = "referral", _("referral")
        WEBSITE = "website", _("website")
        SOCIAL = "social", _("social media")
        MARKETPLACE = "marketplace", _("marketplace")
        IMPORT = "import", _("import")
        OTHER = "other", _("other")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.PERSON)
    name = models.CharField(_("name"), max_length=150)
    # Lower-case, accents removed: what name search matches against (prefix and contains).
    search_name = models.CharField(max_length=150, editable=False)
    company = models.ForeignKey(
        "self",
        verbose_name=_("company"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
        limit_choices_to={"kind": "company"},
        db_index=False,  # a partial index in Meta: most customers have no company
    )
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, blank=True)
    occupation = models.CharField(_("occupation"), max_length=100, blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=5, choices=[("id", "Bahasa Indonesia"), ("en", "English")], default="id"
    )
    preferred_channel = models.CharField(
        _("preferred channel"), max_length=10, choices=Channel.choices, default=Channel.WHATSAPP
    )
    source = models.CharField(_("source"), max_length=20, choices=Source.choices, default=Source.WALK_IN)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_customers",
        db_index=False,  # a partial index in Meta
    )
    home_branch = models.ForeignKey(
        "accounts.Branch",
        verbose_name=_("home branch"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="customers",
        db_index=False,  # a partial index in Meta
    )
    external_id = models.CharField(
        _("external id"),
        max_length=64,
        null=True,
        blank=True,
        help_text=_("The business's own reference, e.g. from its cash register or old system."),
    )
    # Unique through Meta constraints, not unique=True: on PostgreSQL a unique CharField also gets
    # a second (varchar_pattern_ops) index for LIKE 'x%', which nothing here asks (ADR 0011).
    member_number = models.CharField(_("member card number"), max_length=32, null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="customers")
    custom = models.JSONField(_("custom fields"), default=dict, blank=True)
    # Optimistic concurrency: an update names the version it was based on.
    version = models.PositiveIntegerField(default=1)
    # No index of its own: "merged_into IS NULL" holds for nearly every row, and an index on it
    # lures SQLite's planner away from the name index (measured: a list page 300 ms instead of 1 ms).
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged_from",
        editable=False,
        db_index=False,
    )
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["search_name", "id"]
        indexes = [
            # The list and name search read live customers only, in name order.
            models.Index(
                fields=["search_name", "id"],
                name="customer_live_name_idx",
                condition=models.Q(merged_into__isnull=True, archived_at__isnull=True),
            ),
            # Read only for `home_branch_id = x` / `IN (…)` (a branch filter, a branch-scoped
            # staff member), which never matches a customer without a branch: those stay out.
            models.Index(
                fields=["home_branch", "search_name", "id"],
                name="customer_live_branch_name_idx",
                condition=models.Q(merged_into__isnull=True, archived_at__isnull=True, home_branch__isnull=False),
            ),
            models.Index(fields=["-created_at", "-id"], name="customer_created_idx"),
            # Foreign keys that most customers leave empty: only the rows that have one are indexed
            # (an equality lookup implies IS NOT NULL, so both databases use these as they would a
            # full index), and a customer written without them touches none of these indexes.
            models.Index(
                fields=["home_branch"], name="customer_branch_idx", condition=models.Q(home_branch__isnull=False)
            ),
            models.Index(fields=["owner"], name="customer_owner_idx", condition=models.Q(owner__isnull=False)),
            models.Index(fields=["company"], name="customer_company_idx", condition=models.Q(company__isnull=False)),
        ]
        constraints = [
            models.UniqueConstraint(fields=["external_id"], name="customer_external_id_unique"),
            # A card number is given by the loyalty programme; customers without one are not indexed.
            models.UniqueConstraint(
                fields=["member_number"],
                name="customer_member_number_unique",
                condition=models.Q(member_number__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CustomerPhone(models.Model):
    class Label(models.TextChoices):
        MOBILE = "mobile", _("mobile")
        HOME = "home", _("home")
        OFFICE = "office", _("office")
        OTHER = "other", _("other")

    # No index of its own on customer: the unique (customer, number) index starts with it.
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="phones", db_index=False)
    number = models.CharField(_("phone"), max_length=20)
    label = models.CharField(_("label"), max_length=10, choices=Label.choices, default=Label.MOBILE)
    is_primary = models.BooleanField(_("primary"), default=False)

    class Meta:
        verbose_name = _("phone")
        verbose_name_plural = _("phones")
        ordering = ["-is_primary", "id"]
        constraints = [models.UniqueConstraint(fields=["customer", "number"], name="phone_once_per_customer")]
        # In Meta rather than db_index=True: no LIKE index beside it on PostgreSQL (ADR 0011).
        indexes = [models.Index(fields=["number"], name="phone_number_idx")]

    def __str__(self) -> str:
        return self.number


class CustomerEmail(models.Model):
    # No index of its own on customer: the unique (customer, email) index starts with it.
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="emails", db_index=False)
    email = models.EmailField(_("email"))
    is_primary = models.BooleanField(_("primary"), default=False)

    class Meta:
        verbose_name = _("email")
        verbose_name_plural = _("emails")
        ordering = ["-is_primary", "id"]
        constraints = [models.UniqueConstraint(fields=["customer", "email"], name="email_once_per_customer")]
        indexes = [models.Index(fields=["email"], name="email_address_idx")]

    def __str__(self) -> str:
        return self.email


class Address(TimeStampedModel):
    class Label(models.TextChoices):
        HOME = "home", _("home")
        OFFICE = "office", _("office")
        OTHER = "other", _("other")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="addresses")
    label = models.CharField(_("label"), max_length=10, choices=Label.choices, default=Label.HOME)
    line = models.CharField(_("street address"), max_length=255)
    landmark = models.CharField(
        _("landmark / notes"), max_length=255, blank=True, help_text=_("E.g. 'gate next to the mosque'.")
    )
    # Indexes in Meta (segments filter on province and city; districts are rarely given).
    province = models.ForeignKey(
        Province, verbose_name=_("province"), null=True, blank=True, on_delete=models.PROTECT, db_index=False
    )
    regency = models.ForeignKey(
        Regency, verbose_name=_("city / regency"), null=True, blank=True, on_delete=models.PROTECT, db_index=False
    )
    district = models.ForeignKey(
        District, verbose_name=_("district"), null=True, blank=True, on_delete=models.PROTECT, db_index=False
    )
    postal_code = models.CharField(_("postal code"), max_length=10, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("address")
        verbose_name_plural = _("addresses")
        ordering = [models.F("last_used_at").desc(nulls_last=True), "-created_at"]
        indexes = [
            models.Index(fields=["province"], name="address_province_idx", condition=models.Q(province__isnull=False)),
            models.Index(fields=["regency"], name="address_regency_idx", condition=models.Q(regency__isnull=False)),
            models.Index(fields=["district"], name="address_district_idx", condition=models.Q(district__isnull=False)),
        ]

    def __str__(self) -> str:
        place = ", ".join(str(part) for part in (self.district, self.regency) if part)
        return f"{self.line}, {place}" if place else self.line


class ConsentRecord(models.Model):
    """One statement of consent (or its withdrawal). Append-only: the current status is the latest."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("email")
        SMS = "sms", _("SMS")
        WHATSAPP = "whatsapp", _("WhatsApp")
        PHONE = "phone", _("phone call")

    class Purpose(models.TextChoices):
        MARKETING = "marketing", _("marketing")
        PROFILING = "profiling", _("profiling")

    class Source(models.TextChoices):
        STAFF = "staff", _("recorded by staff")
        IN_PERSON = "in_person", _("in person")
        PHONE = "phone", _("by phone")
        FORM = "form", _("web form")
        IMPORT = "import", _("import")
        API = "api", _("API")
        PORTAL = "portal", _("customer portal")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="consents")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    purpose = models.CharField(_("purpose"), max_length=10, choices=Purpose.choices)
    granted = models.BooleanField(_("granted"))
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    notice_version = models.CharField(_("notice version"), max_length=30)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")
        ordering = ["-recorded_at", "-id"]
        indexes = [models.Index(fields=["customer", "channel", "purpose", "-recorded_at"], name="consent_latest_idx")]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.channel}/{self.purpose}: {self.granted}"


class ScreenPop(models.Model):
    """A call event for one agent's screen. The agent's open pages poll for new rows (by id), which
    works with any number of server processes and on SQLite as well as PostgreSQL."""

    class Event(models.TextChoices):
        RINGING = "ringing", _("ringing")
        ANSWERED = "answered", _("answered")
        MISSED = "missed", _("missed")
        # The agent typed the number into "Who's calling?" (no phone system, or it did not report).
        LOOKUP = "lookup", _("looked up")

    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="screen_pops")
    event = models.CharField(_("event"), max_length=10, choices=Event.choices)
    caller = models.CharField(_("caller"), max_length=40, blank=True, help_text=_("As the phone system sent it."))
    phone = models.CharField(_("phone"), max_length=20, blank=True, help_text=_("E.164, empty when withheld."))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("screen pop")
        verbose_name_plural = _("screen pops")
        indexes = [models.Index(fields=["agent", "id"], name="screenpop_agent_idx")]

    def __str__(self) -> str:
        return f"{self.event} {self.caller} → {self.agent_id}"


class CustomerImport(TimeStampedModel):
    """One uploaded file on its way in: mapping, dry-run check, then the import itself (a job)."""

    class Mode(models.TextChoices):
        CREATE = "create", _("create new customers only")
        UPDATE = "update", _("update existing customers only")
        UPSERT = "upsert", _("create or update")

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("uploaded")
        CHECKING = "checking", _("checking")
        CHECKED = "checked", _("checked")
        IMPORTING = "importing", _("importing")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    original_name = models.CharField(_("file"), max_length=255)
    stored_path = models.CharField(max_length=500)
    file_format = models.CharField(max_length=5)
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices, default=Mode.CREATE)
    header = models.JSONField(default=list)
    mapping = models.JSONField(default=dict, blank=True)  # column index (as text) -> target
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.UPLOADED)
    skip_invalid = models.BooleanField(_("import only the valid rows"), default=False)
    total_rows = models.PositiveIntegerField(default=0)
    valid_rows = models.PositiveIntegerField(default=0)
    invalid_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)  # checkpoint: rows already written
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)  # [[row number, field, message]], first 1000
    failure = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("customer import")
        verbose_name_plural = _("customer imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.original_name


class ImportMapping(models.Model):
    """The mapping last used for files with this header, offered again next time."""

    shape = models.CharField(max_length=64, unique=True)
    mapping = models.JSONField(default=dict)

    def __str__(self) -> str:
        return self.shape


class DuplicateCandidate(TimeStampedModel):
    """Two customers that may be one person, found by the duplicate scan."""

    class Reason(models.TextChoices):
        PHONE = "phone", _("same phone")
        EMAIL = "email", _("same email")
        NAME_CITY = "name_city", _("same name in the same city")

    class Status(models.TextChoices):
        OPEN = "open", _("to review")
        MERGED = "merged", _("merged")
        DISMISSED = "dismissed", _("not a duplicate")

    first = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("reason"), max_length=10, choices=Reason.choices)
    score = models.PositiveSmallIntegerField(_("score"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)

    class Meta:
        verbose_name = _("possible duplicate")
        verbose_name_plural = _("possible duplicates")
        ordering = ["-score", "id"]
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="duplicate_pair_once"),
            models.CheckConstraint(condition=models.Q(first__lt=models.F("second")), name="duplicate_pair_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.first_id} ~ {self.second_id} ({self.reason})"


class SavedView(TimeStampedModel):
    """A staff member's named customer list: its filters and columns, as the list's query string."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="customer_views")
    name = models.CharField(_("name"), max_length=60)
    query = models.CharField(_("filters"), max_length=2000, blank=True)

    class Meta:
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="saved_view_name_per_owner")]

    def __str__(self) -> str:
        return self.name
