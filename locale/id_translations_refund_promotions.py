"""Indonesian for a refund of items that had earned the items kept a promotion: what the refund
keeps back for them, and what comes back when they follow."""

ID = {
    "promotions no longer applying": "promo yang tidak berlaku lagi",
    (
        "Nothing to refund: without these items, what she keeps no longer gets %(promotions)s (%(amount)s), "
        "which is all these items are worth."
    ): (
        "Tidak ada yang dikembalikan: tanpa barang ini, yang tetap dibawanya tidak lagi mendapat %(promotions)s "
        "(%(amount)s), sebesar seluruh nilai barang ini."
    ),
    "Nothing to refund: these items were free.": "Tidak ada yang dikembalikan: barang ini gratis.",
    "Less %(amount)s: %(promotions)s no longer applies to the items kept": (
        "Dikurangi %(amount)s: %(promotions)s tidak berlaku lagi untuk barang yang tetap dibawa"
    ),
    "Including %(amount)s an earlier refund kept back for a promotion": (
        "Termasuk %(amount)s yang ditahan pengembalian sebelumnya untuk promo"
    ),
    "Including %(amount)s an earlier refund kept back for %(promotions)s": (
        "Termasuk %(amount)s yang ditahan pengembalian sebelumnya untuk %(promotions)s"
    ),
}
