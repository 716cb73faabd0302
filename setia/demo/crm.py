"""Demo sales CRM: lead sources (one with a public web form), leads in every status, a pipeline
with open, won and lost opportunities spread over the last months, proposals, subscriptions
coming up for renewal, and the sales people's activities (some overdue, some today).

Records are made through the services, then their timestamps are moved back in time so that
the sales figures have a history to show."""

import datetime as dt
import random

from django.db.models import F
from django.utils import timezone

from setia.accounts.models import Branch, User
from setia.catalog.models import Product
from setia.customers.models import Customer
from setia.sales.models import Activity, Lead, LostReason, Opportunity, Quote, StageChange
from setia.sales.services import activities, leads, pipeline, quotes, renewals
from setia.sales.services.quotes import QuoteLineIn

SOURCES = [("Website", True), ("Instagram", False), ("Datang langsung", False), ("Rekomendasi teman", False)]
LOST_REASONS = ["Harga terlalu tinggi", "Memilih pesaing", "Belum ada anggaran", "Tidak ada kabar"]
INTERESTS = {
    "salon": [
        "Paket perawatan pengantin untuk 6 orang",
        "Membership tahunan untuk kantor kami",
        "Kelas rias untuk karyawan",
        "Paket spa ulang tahun",
    ],
    "taxi": [
        "Antar-jemput karyawan setiap hari",
        "Sewa mobil untuk acara kantor",
        "Kontrak antar bandara untuk tamu hotel",
        "Paket perjalanan dinas bulanan",
    ],
}
COMPANIES = ["PT Sinar Abadi", "CV Maju Jaya", "PT Nusantara Sejahtera", "Hotel Melati", "PT Karya Mandiri", ""]


def _ago(days: float, now: dt.datetime) -> dt.datetime:
    return now - dt.timedelta(days=days)


def seed_crm(*, rng: random.Random, owner: User, profile: str, branches: list[Branch]) -> dict[str, int]:
    now = timezone.now()
    today = timezone.localdate()
    branch = branches[0]
    sellers = list(User.objects.filter(role__in=["sales", "manager"], is_active=True, branch=branch))
    if not sellers:
        return {}
    sources = [
        leads.source_create(
            actor=owner,
            name=name,
            form_enabled=form,
            form_title="Minta penawaran" if form else "",
            form_intro="Tinggalkan nomor Anda, tim kami akan menghubungi." if form else "",
            branch=branch,
        )
        for name, form in SOURCES
    ]
    leads.rule_create(actor=owner, branch=branch, position=1, source=sources[0])
    for position, name in enumerate(LOST_REASONS):
        pipeline.lost_reason_create(actor=owner, name=name, position=position)
    main = pipeline.default_pipeline()
    stages = list(main.stages.order_by("position"))
    products = list(Product.objects.order_by("price"))
    customers = list(Customer.objects.filter(home_branch=branch).order_by("id")[:80])

    # Leads: a few new from the web form, others further along.
    made: list[Lead] = []
    for index in range(24):
        source = rng.choice(sources)
        name = f"{rng.choice(['Dewi', 'Rizky', 'Putri', 'Agus', 'Maya', 'Hendra', 'Sri', 'Yusuf'])} " + rng.choice(
            ["Pratama", "Wijaya", "Lestari", "Santoso", "Hidayat", "Kusuma"]
        )
        lead = leads.lead_create(
            actor=owner,
            name=name,
            branch=branch,
            source=source,
            company_name=rng.choice(COMPANIES),
            phone=f"+62813{rng.randrange(10_000_000, 99_999_999)}",
            email=f"lead{index}@example.com",
            interest=rng.choice(INTERESTS[profile]),
            estimated_value=rng.choice([2_500_000, 5_000_000, 12_000_000, 25_000_000]),
            owner=rng.choice(sellers),
            next_follow_up=today + dt.timedelta(days=rng.randint(-3, 7)),
        )
        status = rng.choice(["new", "new", "contacted", "qualified", "unqualified"])
        if status != "new":
            reason = "Tidak sesuai kebutuhan" if status == "unqualified" else ""
            leads.lead_set_status(actor=owner, lead=lead, status=status, reason=reason)
        made.append(lead)
    for lead in made:
        Lead.objects.filter(pk=lead.pk).update(created_at=_ago(rng.uniform(1, 120), now))
    for lead in [lead for lead in made if lead.status == Lead.Status.QUALIFIED][:3]:
        leads.lead_convert(
            actor=owner,
            lead=Lead.objects.get(pk=lead.pk),
            create_opportunity=True,
            opportunity_title=lead.interest[:200],
            opportunity_value=lead.estimated_value or 0,
        )

    # Opportunities on existing customers, spread over six months; about half closed.
    opportunities: list[Opportunity] = []
    for index, customer in enumerate(customers[:36]):
        product = rng.choice(products)
        quantity = rng.choice([4, 6, 10, 20])
        seller = sellers[index % len(sellers)]
        deal = pipeline.opportunity_create(
            actor=owner,
            customer=customer,
            title=rng.choice(INTERESTS[profile]),
            owner=seller,
            branch=branch,
            expected_close=today + dt.timedelta(days=rng.randint(-10, 60)),
            lines=[{"product_id": product.pk, "quantity": quantity, "unit_price": product.price}],
        )
        created = _ago(rng.uniform(10, 180), now)
        Opportunity.objects.filter(pk=deal.pk).update(created_at=created, stage_entered_at=created)
        StageChange.objects.filter(opportunity=deal).update(changed_at=created)
        for stage in stages[1 : rng.randint(1, len(stages))]:
            deal = pipeline.opportunity_move(actor=owner, opportunity_id=deal.pk, stage_id=stage.pk)
        outcome = rng.random()
        if outcome < 0.3:
            deal = pipeline.opportunity_win(actor=owner, opportunity=deal)
        elif outcome < 0.5:
            deal = pipeline.opportunity_lose(
                actor=owner, opportunity=deal, reason=rng.choice(list(LostReason.objects.all()))
            )
        if deal.closed_at is not None:
            closed = min(now, created + dt.timedelta(days=rng.uniform(7, 60)))
            Opportunity.objects.filter(pk=deal.pk).update(closed_at=closed)
            StageChange.objects.filter(opportunity=deal, status__in=["won", "lost"]).update(changed_at=closed)
        opportunities.append(deal)

    # Proposals for some of the open ones: drafts, sent, and one accepted.
    open_deals = [deal for deal in opportunities if deal.status == Opportunity.Status.OPEN][:6]
    for index, deal in enumerate(open_deals):
        quote = quotes.quote_create(
            actor=owner,
            customer=deal.customer,
            branch=branch,
            opportunity=deal,
            title=deal.title[:200],
            lines=quotes.opportunity_lines(deal),
        )
        if index % 3 != 0:
            sent = _ago(rng.uniform(1, 20), now)
            written = sent - dt.timedelta(hours=rng.uniform(2, 48))  # a quote is written before it is sent
            Quote.objects.filter(pk=quote.pk).update(
                status=Quote.Status.SENT,
                sent_at=sent,
                sent_to="demo@example.com",
                created_at=written,
                valid_until=timezone.localdate(written) + dt.timedelta(days=14),
            )
    if products and customers:
        accepted = quotes.quote_create(
            actor=owner,
            customer=customers[-1],
            branch=branch,
            title="Paket untuk acara kantor",
            lines=[QuoteLineIn(product_id=products[-1].pk, quantity=5)],
        )
        written = _ago(6, now)
        Quote.objects.filter(pk=accepted.pk).update(
            status=Quote.Status.SENT,
            sent_at=_ago(5, now),
            created_at=written,
            valid_until=timezone.localdate(written) + dt.timedelta(days=14),
        )
        quotes.quote_accept(actor=owner, quote=Quote.objects.get(pk=accepted.pk))

    # Subscriptions: yearly packages, some due soon.
    subscriptions = 0
    package = products[-1] if products else None
    for customer in customers[::2][:10]:
        starts = today - dt.timedelta(days=365 - rng.randint(-5, 60)) + dt.timedelta(days=1)
        renewals.subscription_create(
            actor=owner,
            customer=customer,
            branch=branch,
            name="Paket tahunan" if profile == "salon" else "Kontrak antar-jemput karyawan",
            price=(package.price * 10) if package else 1_200_000,
            starts_on=starts,
            term_months=12,
            product=package,
            owner=rng.choice(sellers),
        )
        subscriptions += 1

    # Activities: calls and meetings for each seller, some overdue, some today.
    made_activities = 0
    for index, lead in enumerate(made[:12]):
        due = now + dt.timedelta(hours=rng.choice([-30, -4, 2, 5, 26, 50]))
        activities.activity_create(
            actor=owner,
            kind=rng.choice(["call", "meeting", "task"]),
            subject=("Telepon " if index % 2 == 0 else "Kirim brosur ke ") + lead.name,
            details=lead.interest,
            due_at=due,
            remind_at=due - dt.timedelta(minutes=30),
            assigned_to_id=lead.owner_id,
            lead_id=lead.pk,
        )
        made_activities += 1
    Activity.objects.filter(remind_at__lt=now).update(reminded_at=F("remind_at"))
    return {
        "leads": len(made),
        "opportunities": len(opportunities),
        "quotes": Quote.objects.count(),
        "subscriptions": subscriptions,
        "activities": made_activities,
    }
