"""Filling an empty installation with a demo business, through each app's own services."""

import random
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_noop

from setia.accounts import services as accounts
from setia.accounts.models import Branch, Team, User
from setia.core.texts import Message
from setia.demo.data import (
    DEMO_USERS,
    FIRST_NAMES,
    LANDMARKS,
    LAST_NAMES,
    MOBILE_PREFIXES,
    PLACES,
    PROFILES,
    REGION_OF_BRANCH,
    STREETS,
    first_name_for,
    phone_as_typed,
)


@dataclass
class SeedReport:
    profile: str
    branches: list[str] = field(default_factory=list)
    logins: list[tuple[str, str, str]] = field(default_factory=list)
    customers: int = 0
    orders: int = 0
    order_lines: int = 0
    members: int = 0
    crm: dict[str, int] = field(default_factory=dict)


def demo_password() -> str:
    return getattr(settings, "DEMO_PASSWORD", "setia-demo-2026")


def _person(rng: random.Random) -> tuple[str, str, str]:
    prefix = rng.choice(MOBILE_PREFIXES)
    number = "".join(str(rng.randrange(10)) for _ in range(8))
    return rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES), phone_as_typed(rng, prefix, number)


@transaction.atomic
def seed_demo(
    *,
    profile: str = "salon",
    seed: int = 1,
    extra_staff_per_branch: int = 3,
    customers: int = 60,
    orders: int | None = None,
) -> SeedReport:
    """A demo business. `orders` is the number of order lines of history (default: about eight
    per customer, at most 600 — the default demo stays fast); large numbers are written in bulk."""
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; choose from {', '.join(PROFILES)}")
    spec = PROFILES[profile]
    rng = random.Random(seed)
    password = demo_password()
    report = SeedReport(profile=profile)

    # The first owner cannot be created by another user's service call: bootstrap it directly.
    first, last, phone = _person(rng)
    owner = User.objects.create_user(
        "admin", password=password, role="owner", first_name=first, last_name=last, email="admin@example.com"
    )
    # The parts of the product this kind of business does not use leave the menu (still reachable).
    unused = {"salon": ["trips"], "taxi": ["appointments"]}.get(profile, [])
    # A PKP business charging PPN prints its NPWP on receipts (a made-up number).
    accounts.business_settings_update(
        actor=owner,
        name=spec.business,
        unused_sections=unused,
        tax_id="01.234.567.8-012.000",
        email="halo@example.com",
    )

    branches: list[Branch] = []
    for name, code, street, place_index in spec.branches:
        province, city = PLACES[place_index]
        _f, _l, branch_phone = _person(rng)
        branches.append(
            accounts.branch_create(
                actor=owner,
                name=name,
                code=code.lower(),
                address=street,
                city=city,
                province=province,
                phone=branch_phone,
            )
        )
        report.branches.append(name)
    teams: list[Team] = [accounts.team_create(actor=owner, name=team_name) for team_name in spec.teams]

    for username, role, branch_index in DEMO_USERS:
        first, last, phone = _person(rng)
        if username == "admin":
            accounts.staff_update(actor=owner, staff=owner, phone=phone)
            report.logins.append((username, role, password))
            continue
        member = accounts.staff_create(
            actor=owner,
            username=username,
            password=password,
            role=role,
            first_name=first,
            last_name=last,
            email=f"{username}@example.com",
            phone=phone,
            branch=branches[branch_index] if branch_index is not None else None,
            managed_branches=branches[:2] if role == "manager" else [],
            teams=[rng.choice(teams)],
        )
        report.logins.append((member.username, role, password))

    # More front-office staff in every branch, so branch visibility has something to hide.
    front_roles = ["cashier", "call_agent", "sales", "service_agent"] if profile == "taxi" else ["cashier", "sales"]
    for branch in branches:
        for index in range(extra_staff_per_branch):
            first, last, phone = _person(rng)
            accounts.staff_create(
                actor=owner,
                username=f"{first.lower()}.{branch.code}{index}",
                password=password,
                role=front_roles[index % len(front_roles)],
                first_name=first,
                last_name=last,
                phone=phone,
                branch=branch,
                teams=[rng.choice(teams)],
            )
    if customers > BULK_FROM:
        report.customers = _seed_customers_bulk(rng, owner, branches, customers)
    else:
        report.customers = _seed_customers(rng, owner, branches, customers, profile)
    from setia.demo.history import seed_catalogue, seed_history, seed_programme

    if profile == "taxi":
        from setia.demo.drivers import seed_drivers

        seed_drivers(seed=seed, owner=owner, branches=branches)
    products = seed_catalogue(profile)
    seed_programme(owner, profile, products)
    lines = min(customers * 8, 600) if orders is None else orders
    history = seed_history(rng=rng, owner=owner, profile=profile, branches=branches, products=products, orders=lines)
    report.orders, report.order_lines, report.members = history["orders"], history["lines"], history["members"]
    from setia.demo.crm import seed_crm
    from setia.demo.marketing import seed_marketing

    marketing = seed_marketing(owner, profile)
    if customers <= BULK_FROM:  # the nightly duplicate scan, once now: the duplicates page has its pairs
        from setia.customers.merge import duplicate_scan

        duplicate_scan()
    report.crm = {**seed_crm(rng=rng, owner=owner, profile=profile, branches=branches), **marketing}
    return report


def _seed_customers(rng: random.Random, owner: User, branches: list[Branch], count: int, profile: str) -> int:
    """Customers with phones typed the way people type them, and pick-up/home addresses in real
    districts near their branch (the taxi story needs usual pick-up addresses)."""
    from setia.customers.models import District
    from setia.customers.regions import load_regions
    from setia.customers.services import AddressIn, ContactPoints, PhoneIn, customer_create

    load_regions()  # reference data (a no-op when present; a flushed test database needs it back)

    districts_by_branch = {
        branch.pk: list(
            District.objects.filter(regency__name__iexact=REGION_OF_BRANCH.get(branch.code, "")).order_by("code")
        )
        for branch in branches
    }
    created = 0
    for index in range(count):
        _first, last, phone = _person(rng)
        gender = rng.choice(["female", "male"]) if profile == "taxi" else rng.choice(["female", "female", "male"])
        first = first_name_for(rng, gender)
        branch = branches[index % len(branches)]
        districts = districts_by_branch[branch.pk]
        addresses = []
        if districts:
            street = rng.choice(STREETS)
            addresses.append(
                AddressIn(
                    line=f"{street} No. {rng.randrange(1, 200)}",
                    label="home",
                    district_id=rng.choice(districts).pk,
                    landmark=rng.choice(LANDMARKS) if profile == "taxi" else "",
                )
            )
            if profile == "taxi" and rng.random() < 0.5:
                addresses.append(
                    AddressIn(
                        line=f"{rng.choice(STREETS)} No. {rng.randrange(1, 200)}",
                        label="office",
                        district_id=rng.choice(districts).pk,
                        landmark=rng.choice(LANDMARKS),
                    )
                )
        customer_create(
            actor=owner,
            name=f"{first} {last}",
            home_branch=branch,
            contacts=ContactPoints(
                phones=[PhoneIn(phone)],
                emails=[f"{first.lower()}.{last.lower()}{index}@example.com"] if rng.random() < 0.6 else [],
                addresses=addresses,
            ),
            gender=gender,
            source=rng.choice(["walk_in", "phone", "referral", "social"]),
            preferred_channel=rng.choice(["whatsapp", "whatsapp", "phone", "sms"]),
        )
        created += 1
    return created


BULK_FROM = 2000  # above this many demo customers, write in bulk (benchmarks ask for a million)


def _seed_customers_bulk(rng: random.Random, owner: User, branches: list[Branch], count: int) -> int:
    """Many customers fast, in chunks (constant memory): each with a mobile phone and a home
    address in a real district near their branch; one audit event records the whole load."""
    from django.utils import timezone

    from setia.core.audit import audit_log
    from setia.core.bulk import allocate_ids, bulk_insert, refresh_statistics
    from setia.customers.models import Address, Customer, CustomerPhone, District
    from setia.customers.regions import load_regions
    from setia.customers.text import search_key

    load_regions()
    districts = {
        branch.pk: list(
            District.objects.filter(regency__name__iexact=REGION_OF_BRANCH.get(branch.code, ""))
            .select_related("regency")
            .order_by("code")
        )
        for branch in branches
    }
    now = timezone.now()
    chunk = 10_000
    for start in range(0, count, chunk):
        size = min(chunk, count - start)
        with transaction.atomic():
            ids = allocate_ids(Customer, size)
            customers, phones, addresses = [], [], []
            for offset, pk in enumerate(ids):
                index = start + offset
                branch = branches[index % len(branches)]
                gender = rng.choice(["female", "male"])
                name = f"{first_name_for(rng, gender)} {rng.choice(LAST_NAMES)}"
                customers.append(
                    Customer(
                        id=pk,
                        name=name,
                        search_name=search_key(name),
                        home_branch=branch,
                        created_at=now,
                        updated_at=now,
                        source="import",
                        gender=gender,
                    )
                )
                prefix = MOBILE_PREFIXES[index % len(MOBILE_PREFIXES)]
                phones.append(CustomerPhone(customer_id=pk, number=f"+62{prefix}{index:08d}", is_primary=True))
                if districts[branch.pk]:
                    district = rng.choice(districts[branch.pk])
                    addresses.append(
                        Address(
                            customer_id=pk,
                            line=f"{rng.choice(STREETS)} No. {rng.randrange(1, 200)}",
                            district=district,
                            regency_id=district.regency_id,
                            province_id=district.regency.province_id,
                            created_at=now,
                            updated_at=now,
                        )
                    )
            bulk_insert(customers, with_ids=True)
            bulk_insert(phones)
            bulk_insert(addresses)
    refresh_statistics()
    audit_log(
        actor=owner,
        action="create",
        instance=owner,
        message=Message(gettext_noop("Demo data: %(count)s customers loaded in bulk"), {"count": count}),
    )
    return count


def demo_logins() -> list[tuple[str, str]]:
    usernames = [username for username, _role, _branch in DEMO_USERS]
    found = dict(User.objects.filter(username__in=usernames, is_active=True).values_list("username", "role"))
    return [(username, found[username]) for username in usernames if username in found]
