"""Indonesian for a refund of items that had earned the items kept a promotion: what the refund
keeps back for them, and what comes back when they follow."""

ID = {
    "promotions no longer applying": "promo yang tidak berlaku lagi",
    (
        "Nothing to refund: these items are worth %(worth)s, and without them what the customer keeps "
        "no longer gets %(promotions)s (%(amount)s). Take them back together with the rest, or refund "
        "an amount."
    ): (
        "Tidak ada yang dikembalikan: barang ini bernilai %(worth)s, dan tanpa barang ini yang tetap dibawa "
        "pelanggan tidak lagi mendapat %(promotions)s (%(amount)s). Kembalikan bersama sisanya, atau kembalikan "
        "dana sejumlah tertentu."
    ),
    "Nothing to refund: these items were free.": "Tidak ada yang dikembalikan: barang ini gratis.",
    "Less %(amount)s: %(promotions)s no longer applies to the items kept": (
        "Dikurangi %(amount)s: %(promotions)s tidak berlaku lagi untuk barang yang tetap dibawa"
    ),
    "Including %(amount)s that an earlier refund kept back for a promotion": (
        "Termasuk %(amount)s yang ditahan pengembalian sebelumnya untuk promo"
    ),
    "Including %(amount)s that an earlier refund kept back for %(promotions)s": (
        "Termasuk %(amount)s yang ditahan pengembalian sebelumnya untuk %(promotions)s"
    ),
}
