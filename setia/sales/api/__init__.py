"""The sales API, one router per area, gathered into one router for `config/api.py`."""

from ninja import Router

from setia.sales.api import activities, bookings, leads, orders, pipeline, quotes, renewals

router = Router()
for _module in (orders, bookings, leads, pipeline, quotes, renewals, activities):
    router.add_router("/", _module.router)
