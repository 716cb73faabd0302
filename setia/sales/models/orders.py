"""Orders (purchases), their lines and payments, refunds, and bookings ahead of time: taxi
trips and salon appointments. An order's money is whole Rupiah."""

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from setia.core.models import TimeStampedModel, WeekdaysField

CASH_ROUNDING_MAX = 1000  # Rp: the largest cash rounding step


class SalesSettings(TimeStampedModel):
    """Tax and cash rules for the whole business (a single row, id 1)."""

    tax_registered = models.BooleanField(
        _("registered for PPN (PKP)"),
        default=True,
        help_text=_("Off for a business that is not a PKP: no PPN is charged."),
    )
    ppn_percent = models.DecimalField(_("PPN rate %"), max_digits=5, decimal_places=2, default=11)
    prices_include_tax = models.BooleanField(_("prices include PPN"), default=True)
    # Indonesian practice rounds cash to Rp 100, 500 or 1.000; a larger step priced sales at Rp 0.
    cash_rounding = models.PositiveIntegerField(
        _("round cash payments to (Rp)"),
        default=100,
        validators=[
            MaxValueValidator(
                CASH_ROUNDING_MAX, _("Round cash to at most Rp 1.000 (the usual steps are 100, 500 and 1.000).")
            )
        ],
        help_text=_("E.g. 100: Rp 12.345 in cash is Rp 12.300. 0 or 1: no rounding. At most 1.000."),
    )
    receipt_footer = models.CharField(_("receipt footer"), max_length=255, blank=True, default="")
    quote_validity_days = models.PositiveIntegerField(
        _("quotes are valid for (days)"), default=14, help_text=_("The default validity of a new quote.")
    )
    quote_terms = models.TextField(
        _("quote terms"), blank=True, default="", help_text=_("Printed at the foot of every quote.")
    )
    opens_at = models.TimeField(
        _("opens at"), default=dt.time(9, 0), help_text=_("The appointment calendar offers times from here.")
    )
    closes_at = models.TimeField(
        _("closes at"), default=dt.time(20, 0), help_text=_("The last appointment starts half an hour before.")
    )
    closed_days = WeekdaysField(_("closed on"), help_text=_("No appointments are booked on these days."))

    class Meta:
        verbose_name = _("sales settings")
        verbose_name_plural = _("sales settings")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)


class Order(TimeStampedModel):
    class Channel(models.TextChoices):
        OUTLET = "outlet", _("outlet")
        PHONE = "phone", _("phone")
        WEB = "web", _("web")
        MARKETPLACE = "marketplace", _("marketplace")

    class Status(models.TextChoices):
        BOOKED = "booked", _("booked")
        PLACED = "placed", _("placed")
        FULFILLED = "fulfilled", _("fulfilled")
        CANCELLED = "cancelled", _("cancelled")
        PARTLY_REFUNDED = "partly_refunded", _("partly refunded")
        REFUNDED = "refunded", _("refunded")

    class Kind(models.TextChoices):
        SALE = "sale", _("sale")
        TRIP = "trip", _("taxi trip")
        APPOINTMENT = "appointment", _("appointment")

    # Unique through Meta constraints, not `unique=True`: on PostgreSQL that would add a second,
    # pattern-matching index to every text key, which slows bulk imports and nothing reads.
    number = models.CharField(_("number"), max_length=32)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.SALE)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
        db_index=False,  # order_customer_time_idx starts with it
    )
    branch = models.ForeignKey(
        "accounts.Branch",
        verbose_name=_("branch"),
        on_delete=models.PROTECT,
        related_name="orders",
        db_index=False,  # order_branch_time_idx starts with it
    )
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices, default=Channel.OUTLET)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.FULFILLED)
    placed_at = models.DateTimeField(_("time"), default=timezone.now)
    # The business-local (Asia/Jakarta) calendar day of the purchase; what reports group by.
    business_date = models.DateField(_("date"), db_index=True)
    subtotal = models.BigIntegerField(_("subtotal"), default=0)
    discount_total = models.BigIntegerField(_("discounts"), default=0)
    # The discounts by kind, as the sale priced them; they add up to `discount_total`. Orders
    # recorded before they were kept, imported history and agreed orders (quotes) have 0 in all
    # three: their split is unknown and `discount_total` alone tells the discount. Database
    # defaults, because the history import and the demo insert orders naming their columns.
    member_discount = models.BigIntegerField(_("member discount"), default=0, db_default=0)
    promotion_discount = models.BigIntegerField(_("promotion discounts"), default=0, db_default=0)
    voucher_discount = models.BigIntegerField(_("voucher discount"), default=0, db_default=0)
    # The member's tier and its discount at the time of the sale (she may have another tier now).
    member_tier = models.CharField(_("member tier"), max_length=60, blank=True, default="", db_default="")
    member_discount_percent = models.DecimalField(
        _("member discount %"), max_digits=5, decimal_places=2, default=0, db_default=0
    )
    tax_total = models.BigIntegerField(_("PPN"), default=0)
    tax_rate = models.DecimalField(_("PPN rate %"), max_digits=5, decimal_places=2, default=0)
    rounding = models.BigIntegerField(_("rounding"), default=0)
    total = models.BigIntegerField(_("total"), default=0)
    refunded_total = models.BigIntegerField(_("refunded"), default=0)
    points_earned = models.BigIntegerField(_("points earned"), default=0)
    points_redeemed = models.BigIntegerField(_("points redeemed"), default=0)
    cashback_earned = models.BigIntegerField(_("cashback earned"), default=0)
    voucher_code = models.CharField(_("voucher"), max_length=32, blank=True)
    service_address = models.ForeignKey(
        "customers.Address",
        verbose_name=_("service address"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # order_service_address_idx: only the orders that have one
    )
    note = models.CharField(_("note"), max_length=255, blank=True)
    imported = models.BooleanField(_("imported history"), default=False)
    idempotency_key = models.CharField(max_length=100, null=True, blank=True, editable=False)
    request_digest = models.CharField(max_length=64, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # staff are deactivated, not deleted; nothing looks orders up by recorder
    )

    class Meta:
        verbose_name = pgettext_lazy("purchase", "order")
        verbose_name_plural = _("orders")
        ordering = ["-placed_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-placed_at"], name="order_customer_time_idx"),
            models.Index(fields=["branch", "-placed_at"], name="order_branch_time_idx"),
            # Read only when an address is deleted (SET_NULL); most orders (all imported ones) have
            # none, and a full index took an entry for each of them.
            models.Index(
                fields=["service_address"],
                condition=Q(service_address__isnull=False),
                name="order_service_address_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["number"], name="order_number_unique"),
            models.UniqueConstraint(fields=["idempotency_key"], name="order_idempotency_key_unique"),
            models.CheckConstraint(condition=Q(total__gte=0), name="order_total_not_negative"),
            models.CheckConstraint(
                condition=Q(refunded_total__gte=0, refunded_total__lte=models.F("total")),
                name="order_refund_within_total",
            ),
            models.CheckConstraint(
                condition=Q(
                    member_discount__gte=0,
                    promotion_discount__gte=0,
                    voucher_discount__gte=0,
                    discount_total__gte=models.F("member_discount")
                    + models.F("promotion_discount")
                    + models.F("voucher_discount"),
                ),
                name="order_discount_split_within_total",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def source(self) -> str:
        """How the loyalty ledgers, voucher uses and referrals name this sale."""
        return order_source(self.pk)


def order_source(pk: int) -> str:
    """`sales.order:<pk>`: a sale as the loyalty ledgers name their sources."""
    return f"sales.order:{pk}"


# An order that was paid (a refund keeps it paid: what was refunded is counted apart).
PAID_STATUSES = (Order.Status.FULFILLED, Order.Status.PARTLY_REFUNDED, Order.Status.REFUNDED)


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(
        "catalog.Product", verbose_name=_("product"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Kept as sold, so a later change of the catalogue does not rewrite history.
    category_id_at_sale = models.BigIntegerField(null=True, blank=True)
    description = models.CharField(_("item"), max_length=200)
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    unit_price = models.BigIntegerField(_("price"))
    discount = models.BigIntegerField(_("discount"), default=0)
    total = models.BigIntegerField(_("amount"))
    refunded_quantity = models.PositiveIntegerField(default=0)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("served by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # staff are deactivated, not deleted
    )
    promotion_note = models.CharField(max_length=120, blank=True)

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="order_line_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="order_line_price_not_negative"),
            models.CheckConstraint(
                condition=Q(refunded_quantity__lte=models.F("quantity")), name="order_line_refund_within_quantity"
            ),
        ]

    def __str__(self) -> str:
        return self.description


class Payment(models.Model):
    class Method(models.TextChoices):
        CASH = "cash", _("cash")
        QRIS = "qris", _("QRIS")
        GOPAY = "gopay", _("GoPay")
        OVO = "ovo", _("OVO")
        DANA = "dana", _("DANA")
        SHOPEEPAY = "shopeepay", _("ShopeePay")
        TRANSFER = "transfer", _("bank transfer")
        CARD = "card", _("debit/credit card")
        POINTS = "points", _("points")
        CASHBACK = "cashback", _("cashback balance")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="payments")
    method = models.CharField(_("method"), max_length=12, choices=Method.choices)
    amount = models.BigIntegerField(_("amount"))
    # Cash handed over when it was more than this payment (the difference went back as change);
    # empty when exactly the amount was paid. `amount` is always what the payment paid.
    tendered = models.BigIntegerField(_("cash received"), null=True, blank=True)
    reference = models.CharField(_("reference"), max_length=64, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(tendered__isnull=True) | Q(tendered__gt=models.F("amount")),
                name="payment_tendered_above_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.amount}"

    @property
    def label(self) -> str:
        """How receipts name it: the method, and for points how many were paid ("Poin (50)")."""
        from django.utils.text import capfirst

        from setia.core.money import format_count

        name = str(capfirst(self.get_method_display()))
        if self.method == self.Method.POINTS and self.reference.isdigit():
            return f"{name} ({format_count(int(self.reference))})"
        return name

    @property
    def change(self) -> int:
        """The change given back from the cash received."""
        return self.tendered - self.amount if self.tendered is not None else 0


class Refund(models.Model):
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="refunds")
    amount = models.BigIntegerField(_("amount"))
    reason = models.CharField(_("reason"), max_length=255)
    lines = models.JSONField(default=dict, blank=True)  # line id -> quantity
    created_at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A refund asked for through the API with an Idempotency-Key: a retry of the same request
    # answers with this refund instead of refunding again (unique per order).
    idempotency_key = models.CharField(max_length=100, blank=True, default="")
    request_digest = models.CharField(max_length=64, blank=True, default="")
    # Items taken back that had earned the items kept a promotion ("buy a shoe, get socks"): what
    # the kept items no longer get, taken off this refund, and the promotions' names.
    promotions_lost = models.BigIntegerField(_("promotions no longer applying"), default=0, db_default=0)
    promotions_note = models.CharField(max_length=255, blank=True, default="", db_default="")
    # Not stored: set on the refund a retry with its Idempotency-Key returns (the API answers 200
    # for it, 201 for a refund just made).
    replayed = False

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive"),
            models.UniqueConstraint(
                fields=["order", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="refund_idempotency_key_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} {self.amount}"


class Trip(models.Model):
    """A taxi trip booked ahead: who, from where (with landmark notes), to where, which driver."""

    class Status(models.TextChoices):
        BOOKED = "booked", _("booked")
        ASSIGNED = "assigned", _("assigned")
        COMPLETED = "completed", _("completed")
        CANCELLED = "cancelled", _("cancelled")

    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="trip")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.BOOKED)
    pickup_at = models.DateTimeField(_("pick-up time"))
    pickup_address = models.ForeignKey(
        "customers.Address",
        verbose_name=_("pick-up address"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    pickup_text = models.CharField(_("pick-up"), max_length=255)
    landmark = models.CharField(_("landmark notes"), max_length=255, blank=True)
    destination = models.CharField(_("destination"), max_length=255, blank=True)
    # The driver from the list, plus the name and plate as assigned at the time: history stays
    # readable when the driver is later edited (or the trip predates the list).
    driver = models.ForeignKey(
        "sales.Driver",
        verbose_name=_("driver"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="trips",
        db_index=False,  # trip_driver_time_idx starts with it
    )
    driver_name = models.CharField(_("driver"), max_length=100, blank=True)
    vehicle = models.CharField(_("vehicle"), max_length=50, blank=True)
    fare = models.BigIntegerField(_("fare"), null=True, blank=True)
    assigned_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pickup_at"]
        indexes = [
            models.Index(fields=["status", "pickup_at"], name="trip_status_time_idx"),
            # A driver's trips of a day, and whether she is busy around a pick-up time.
            models.Index(
                fields=["driver", "pickup_at"], condition=Q(driver__isnull=False), name="trip_driver_time_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.pickup_text


class Appointment(models.Model):
    """A salon appointment: a service with a staff member in a time slot; checked out as an order."""

    class Status(models.TextChoices):
        BOOKED = "booked", _("booked")
        COMPLETED = "completed", _("checked out")
        CANCELLED = "cancelled", _("cancelled")
        NO_SHOW = "no_show", _("did not come")

    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="appointment")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.BOOKED)
    service = models.ForeignKey(
        "catalog.Product", verbose_name=_("service"), on_delete=models.PROTECT, related_name="+"
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="appointments",
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))

    class Meta:
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["starts_at", "staff"], name="appointment_time_staff_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="appointment_ends_after_start")
        ]

    def __str__(self) -> str:
        return f"{self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def started(self) -> bool:
        """Its time has come: from now on she may be recorded as not come."""
        return self.starts_at <= timezone.now()
