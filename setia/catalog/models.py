"""What the business sells: products and services in categories, priced in whole Rupiah.

Loyalty rules (points per product or category, promotions, vouchers) name these records, so
the catalogue sits below both loyalty and sales.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from setia.core.models import TimeStampedModel


class Category(TimeStampedModel):
    name = models.CharField(_("name"), max_length=100, unique=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Product(TimeStampedModel):
    class Kind(models.TextChoices):
        PRODUCT = "product", _("product")
        SERVICE = "service", _("service")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.PRODUCT)
    name = models.CharField(_("name"), max_length=150)
    sku = models.CharField(_("code (SKU)"), max_length=50, null=True, blank=True, unique=True)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), null=True, blank=True, on_delete=models.PROTECT, related_name="products"
    )
    price = models.PositiveBigIntegerField(_("price (Rp)"))
    duration_minutes = models.PositiveIntegerField(
        _("duration (minutes)"), null=True, blank=True, help_text=_("For services booked as appointments.")
    )
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    all_branches = models.BooleanField(_("sold in every branch"), default=True)
    branches = models.ManyToManyField(
        "accounts.Branch", verbose_name=_("sold in these branches"), blank=True, related_name="products"
    )

    class Meta:
        verbose_name = _("product or service")
        verbose_name_plural = _("products and services")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name
