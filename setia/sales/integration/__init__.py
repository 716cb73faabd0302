"""What the sales app registers with lower apps, one module per area."""

from setia.sales.integration import activities, leads, merge_facts, orders, pipeline, quotes, renewals


def register() -> None:
    for module in (orders, leads, pipeline, quotes, renewals, activities, merge_facts):
        module.register()
