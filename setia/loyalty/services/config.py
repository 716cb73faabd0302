"""The loyalty configuration every sale reads — the settings, the active earn and cashback rules,
the active tiers and the day's promotions — remembered per server process for `MEMO_SECONDS`
(`setia.core.memo`).

Checkout reads these on every sale (seven queries before). A change made in this process clears
them at once (receivers below); other processes see it within `MEMO_SECONDS`. What is returned is
shared: read it, never change it (`loyalty_settings()` gives a row to edit); promotions are
handed out as copies.

A memo is filled only outside a transaction (what a transaction reads may be rolled back), so
checkout calls `warm()` before it opens its transaction; the test suite, whose tests run inside
one, reads the database every time as before.
"""

import copy
import datetime as dt
from typing import Any

from django.db.models import Q
from django.utils import timezone

from setia.catalog.models import Product
from setia.core.memo import Memo
from setia.loyalty.models import CashbackRule, EarnRule, LoyaltySettings, Promotion, Tier

CONFIG = Memo("loyalty configuration", max_entries=8)


def settings() -> LoyaltySettings:
    from setia.loyalty.services.membership import loyalty_settings

    value: LoyaltySettings = CONFIG.get("settings", loyalty_settings)
    return value


def earn_rules() -> list[EarnRule]:
    """Active earn rules (their dates and weekdays are checked by the caller)."""
    value: list[EarnRule] = CONFIG.get("earn", lambda: list(EarnRule.objects.filter(is_active=True)))
    return value


def cashback_rules() -> list[CashbackRule]:
    value: list[CashbackRule] = CONFIG.get("cashback", lambda: list(CashbackRule.objects.filter(is_active=True)))
    return value


def tiers_highest_first() -> list[Tier]:
    value: list[Tier] = CONFIG.get("tiers", lambda: list(Tier.objects.filter(is_active=True).order_by("-rank")))
    return value


def promotions(on: dt.date) -> list[Promotion]:
    """The promotions running on `on`, with their products; each caller gets its own copies."""
    return [copy.copy(promotion) for promotion in running_promotions(on)]


def running_promotions(on: dt.date) -> list[Promotion]:
    """As `promotions`, but the remembered instances themselves, shared: for readers only (a
    cart priced on every sale need not copy them)."""

    def load() -> list[Promotion]:
        return list(
            Promotion.objects.select_related("product", "reward_product")
            .filter(is_active=True)
            .filter(Q(starts_on__isnull=True) | Q(starts_on__lte=on))
            .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on))
        )

    running: list[Promotion] = CONFIG.get(("promotions", on), load)
    return running


def warm() -> None:
    """Fill the memos (outside a transaction) so a sale's transaction finds them."""
    settings()
    earn_rules()
    cashback_rules()
    tiers_highest_first()
    running_promotions(timezone.localdate())


def _forget(sender: Any, **kwargs: Any) -> None:
    CONFIG.clear()


def connect_receivers() -> None:
    from django.db.models.signals import post_delete, post_save

    for model in (LoyaltySettings, EarnRule, CashbackRule, Tier, Promotion, Product):
        post_save.connect(_forget, sender=model, dispatch_uid=f"memo-loyalty-config-save-{model.__name__}")
        post_delete.connect(_forget, sender=model, dispatch_uid=f"memo-loyalty-config-delete-{model.__name__}")
