"""What the sales app registers with lower apps, one module per area."""

from setia.sales.integration import activities, leads, orders, pipeline, quotes, renewals


def register() -> None:
    for module in (orders, leads, pipeline, quotes, renewals, activities):
        module.register()
