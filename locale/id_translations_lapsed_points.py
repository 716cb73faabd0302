"""Indonesian for points past their date (not spendable before the nightly expiry)."""

ID = {
    "Not enough points: %(spendable)s can be used; %(lapsed)s are past their date.": (
        "Poin tidak cukup: %(spendable)s dapat dipakai; %(lapsed)s sudah lewat masa berlakunya."
    ),
    "%(points)s past their date": "%(points)s lewat masa berlaku",
    "%(points)s point is past its date: it cannot be spent and goes at the nightly expiry.": (
        "%(points)s poin sudah lewat masa berlakunya: tidak dapat dipakai dan hangus pada proses kedaluwarsa malam ini."
    ),
}
