"""Offers the cashier screen suggests for the customer at the counter, contributed by higher apps.

An app registers a function in `AppConfig.ready` (analytics registers its next best offers, mined
from the purchases); the cashier asks `offers_for` with the customer (or None for a walk-in) and
the products in the cart, and shows what comes back with an "Add" button. `sales` never imports
the apps that contribute offers.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from setia.catalog.models import Product
from setia.customers.models import Customer


@dataclass(frozen=True)
class Offer:
    product: Product
    reason: str  # one sentence the cashier can say, e.g. "Often bought with Shampoo (in 48% of the orders with it)"


OfferSource = Callable[[Customer | None, list[int]], list[Offer]]

_sources: dict[str, OfferSource] = {}


def register_offer_source(key: str, source: OfferSource) -> None:
    _sources[key] = source


def offers_for(customer: Customer | None, cart: Iterable[int], limit: int = 3) -> list[Offer]:
    """Up to `limit` offers, one per product, from the registered sources in registration order."""
    products = sorted({int(product) for product in cart})
    offers: list[Offer] = []
    seen: set[int] = set()
    for source in _sources.values():
        for offer in source(customer, products):
            if offer.product.pk in seen:
                continue
            seen.add(offer.product.pk)
            offers.append(offer)
            if len(offers) == limit:
                return offers
    return offers
