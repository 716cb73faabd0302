"""What segments contribute to `customers`: the segments panel on the 360° page, and the merge
handler (a merged customer's place in static lists passes to the survivor). Registered from
`SegmentsConfig.ready`."""

from typing import Any

from django.http import HttpRequest

from setia.customers import merge, panels
from setia.customers.models import Customer


def _segments_panel(request: HttpRequest, customer: Customer) -> dict[str, Any] | None:
    from setia.segments.selectors import customer_segments

    user: Any = request.user
    if not user.has_capability("segments.view"):
        return None
    return {"segments": customer_segments(actor=user, customer=customer)}


def _merge(survivor: Customer, merged: Customer, actor: Any) -> None:
    from setia.segments.services import merge_memberships

    merge_memberships(survivor, merged)


def register() -> None:
    panels.register_panel(
        panels.Panel("segments.member_of", "segments/panels/member_of.html", _segments_panel, "side", 40)
    )
    merge.register_merge_handler("segments", _merge)
