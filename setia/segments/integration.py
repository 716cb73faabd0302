"""What segments contribute to `customers`: the merge handler (a merged customer's place in static
lists passes to the survivor). Registered from `SegmentsConfig.ready`."""

from typing import Any

from setia.customers import merge
from setia.customers.models import Customer


def _merge(survivor: Customer, merged: Customer, actor: Any) -> None:
    from setia.segments.services import merge_memberships

    merge_memberships(survivor, merged)


def register() -> None:
    merge.register_merge_handler("segments", _merge)
