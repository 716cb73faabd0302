"""The demo's portfolio and programmes: segments of the customer base, the value propositions the
business promises, and one loyalty programme of each 4R type aimed at those segments and tiers —
so the segment, programme and results pages open with something to read.

Created through the segments and loyalty services, after the history (a segment is evaluated when
it is saved, and counted again after the analytics refresh that `seed_demo` runs last)."""

import datetime as dt
from typing import Any

from django.utils import timezone

from setia.accounts.models import User
from setia.loyalty.models import EarnRule, Programme, Promotion, Tier, ValueProposition, Voucher
from setia.loyalty.services import programmes
from setia.segments.models import Segment
from setia.segments.services import segment_create


def _condition(field: str, op: str, value: Any) -> dict[str, Any]:
    return {"match": "all", "conditions": [{"field": field, "op": op, "value": value}]}


def seed_marketing(owner: User, profile: str) -> dict[str, int]:
    salon = profile == "salon"
    segments: dict[str, Segment] = {
        "loyal": segment_create(
            actor=owner,
            name="Pelanggan setia",
            description="Lima kali belanja atau lebih.",
            definition=_condition("sales.orders", "gte", 5),
        ),
        "lapsed": segment_create(
            actor=owner,
            name="Lama tidak datang",
            description="Belanja terakhir lebih dari 90 hari lalu.",
            definition=_condition("sales.last_purchase", "more_than_days_ago", 90),
        ),
        "guests": segment_create(
            actor=owner,
            name="Belum jadi member",
            description="Pernah belanja, belum bergabung dengan program loyalitas.",
            definition={
                "match": "all",
                "conditions": [
                    {"field": "loyalty.member", "op": "is", "value": False},
                    {"field": "sales.orders", "op": "gte", "value": 1},
                ],
            },
        ),
    }
    kinds = ValueProposition.Kind
    tiers = {tier.name: tier for tier in Tier.objects.all()}
    upper_tiers = [tiers[name] for name in ("Gold", "Platinum") if name in tiers]
    propositions: dict[str, ValueProposition] = {}
    aimed_at: dict[str, dict[str, list[Any]]] = {
        kinds.FINANCIAL: {"segments": [segments["guests"], segments["loyal"]]},
        kinds.EMOTIONAL: {"tiers": upper_tiers},
        kinds.SPIRITUAL: {},  # everyone
    }
    for kind, name, text in (
        (
            kinds.FINANCIAL,
            "Hemat sebagai member" if salon else "Tarif jelas, poin setiap perjalanan",
            "Diskon per tingkat, poin yang bisa dipakai membayar, dan cashback untuk pelanggan yang kembali."
            if salon
            else "Tarif tercatat di setiap perjalanan; poin dan cashback untuk pelanggan yang kembali.",
        ),
        (
            kinds.EMOTIONAL,
            "Dikenal dan dimanja" if salon else "Kami ingat alamat jemput Anda",
            "Kami ingat perawatan favorit dan ulang tahun Anda; minuman gratis untuk Platinum."
            if salon
            else "Penelepon dikenali dari nomornya; alamat jemput dan patokan sudah terisi.",
        ),
        (
            kinds.SPIRITUAL,
            "Berbagi di bulan Ramadan",
            "Selama Ramadan, sebagian dari setiap transaksi disumbangkan untuk santunan anak yatim.",
        ),
    ):
        proposition = ValueProposition(name=name, kind=kind, description=text)
        programmes.config_save(actor=owner, instance=proposition, m2m=aimed_at[kind])
        propositions[kind] = proposition
    earn_rule = EarnRule.objects.order_by("pk").first()
    offers = list(Promotion.objects.order_by("pk"))
    free = Voucher.objects.filter(kind=Voucher.Kind.FREE_ITEM).order_by("pk").first()
    win_back = Voucher.objects.filter(name="Diskon Rp 20.000").first()
    year_ago = timezone.localdate() - dt.timedelta(days=365)
    history_start = timezone.localdate() - dt.timedelta(days=730)  # the demo's two years of visits
    star = "creambath" if salon else "perjalanan"
    plans: list[tuple[Programme, dict[str, list[Any]]]] = [
        (
            Programme(
                name="Member Gold & Platinum",
                kind=Programme.Kind.RELATIONSHIP,
                goal="Member terbaik merasa dikenal: poin ekstra dan layanan istimewa.",
                value_proposition=propositions[kinds.EMOTIONAL],
                starts_on=year_ago,
                budget=5_000_000,
                cost=1_200_000,
            ),
            {"tiers": upper_tiers, "earn_rules": [earn_rule]},
        ),
        (
            Programme(
                name="Tambah perawatan, tambah hemat" if salon else "Antar bandara, pulang lebih hemat",
                kind=Programme.Kind.RETENTION,
                goal="Pelanggan setia kembali lebih sering.",
                value_proposition=propositions[kinds.FINANCIAL],
                segment=segments["loyal"],
                starts_on=year_ago,
                budget=3_000_000,
            ),
            {"promotions": offers},
        ),
        (
            Programme(
                name=f"Ajak 3 teman, gratis {star}",
                kind=Programme.Kind.REFERRAL,
                goal="Member membawa teman yang menjadi pelanggan.",
                value_proposition=propositions[kinds.FINANCIAL],
                starts_on=history_start,  # the first members' friends joined early on
                budget=2_000_000,
            ),
            {"vouchers": [free]},
        ),
        (
            Programme(
                name="Kami rindu Anda",
                kind=Programme.Kind.RECOVERY,
                goal="Pelanggan yang lama tidak datang kembali berbelanja.",
                value_proposition=propositions[kinds.EMOTIONAL],
                segment=segments["lapsed"],
                starts_on=year_ago,
                budget=1_500_000,
                cost=250_000,
            ),
            {"vouchers": [win_back]},
        ),
    ]
    for programme, benefits in plans:
        programmes.config_save(
            actor=owner,
            instance=programme,
            m2m={name: [item for item in items if item is not None] for name, items in benefits.items()},
        )
    return {"segments": len(segments), "value_propositions": len(propositions), "programmes": len(plans)}
