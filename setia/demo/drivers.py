"""The taxi demo's drivers: four per pool, with plates of the pool's region, added through the
sales services like a dispatcher would."""

import random

from setia.accounts.models import Branch, User
from setia.demo.data import DRIVERS, DRIVERS_PER_BRANCH, MOBILE_PREFIXES, PLATE_REGIONS, phone_as_typed
from setia.sales.models import Driver
from setia.sales.services.drivers import driver_create

PLATE_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"


def seed_drivers(*, seed: int, owner: User, branches: list[Branch]) -> dict[int, list[Driver]]:
    """Drivers of each branch, by branch id. Their own random stream, so adding them does not
    change the rest of the demo."""
    rng = random.Random(f"drivers-{seed}")
    drivers: dict[int, list[Driver]] = {}
    names = iter(DRIVERS)
    for branch in branches:
        region = PLATE_REGIONS.get(branch.code, "B")
        drivers[branch.pk] = []
        for _index in range(DRIVERS_PER_BRANCH):
            name, car = next(names, (f"Pak Sopir {len(drivers[branch.pk]) + 1}", "Toyota Avanza, putih"))
            suffix = "".join(rng.choice(PLATE_LETTERS) for _ in range(rng.choice([2, 3])))
            number = "".join(str(rng.randrange(10)) for _ in range(8))
            drivers[branch.pk].append(
                driver_create(
                    actor=owner,
                    name=name,
                    phone=phone_as_typed(rng, rng.choice(MOBILE_PREFIXES), number),
                    vehicle_plate=f"{region} {rng.randrange(1000, 10000)} {suffix}",
                    vehicle_description=car,
                    branch=branch,
                )
            )
    return drivers
