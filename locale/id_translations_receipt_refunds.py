"""Indonesian for the cash rounding limit, PPN added to prices that exclude it on the till and the
receipts, and refunds on the order page and the receipts."""

ID = {
    # The cash rounding step (settings)
    "Round cash to at most Rp 1.000 (the usual steps are 100, 500 and 1.000).": (
        "Pembulatan tunai paling besar Rp 1.000 (yang lazim 100, 500 dan 1.000)."
    ),
    "E.g. 100: Rp 12.345 in cash is Rp 12.300. 0 or 1: no rounding. At most 1.000.": (
        "Mis. 100: Rp 12.345 tunai menjadi Rp 12.300. 0 atau 1: tanpa pembulatan. Paling besar 1.000."
    ),
    # PPN added to the prices (the plain-text receipt)
    "PPN %(rate)s%%: %(amount)s": "PPN %(rate)s%%: %(amount)s",
    # Refunds on the order page and the receipts
    "Refunds": "Pengembalian dana",
    "Refunded:": "Dikembalikan:",
    "Paid after refunds": "Dibayar setelah pengembalian",
    "Paid after refunds: %(amount)s": "Dibayar setelah pengembalian: %(amount)s",
    "by %(name)s": "oleh %(name)s",
    "Points taken back": "Poin ditarik kembali",
    "Cashback taken back": "Cashback ditarik kembali",
    "Points earned: %(points)s, taken back with the refund: %(back)s": (
        "Poin didapat: %(points)s, ditarik kembali karena pengembalian dana: %(back)s"
    ),
    "Cashback earned: %(amount)s, taken back with the refund: %(back)s": (
        "Cashback didapat: %(amount)s, ditarik kembali karena pengembalian dana: %(back)s"
    ),
}
