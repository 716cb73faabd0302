# ruff: noqa: E501
"""Indonesian for points past their date, and for the API and import messages of the same walk."""

ID = {
    "Not enough points: %(spendable)s can be used; %(lapsed)s are past their date.": (
        "Poin tidak cukup: %(spendable)s dapat dipakai; %(lapsed)s sudah lewat masa berlakunya."
    ),
    "%(points)s past their date": "%(points)s lewat masa berlaku",
    "%(points)s point is past its date: it cannot be spent and goes at the nightly expiry.": (
        "%(points)s poin sudah lewat masa berlakunya: tidak dapat dipakai dan hangus pada proses kedaluwarsa malam ini."
    ),
    "This trip is already completed.": "Perjalanan ini sudah selesai.",
    "This trip was cancelled.": "Perjalanan ini sudah dibatalkan.",
    "Item %(number)s: the staff member who served it does not work at %(branch)s.": (
        "Item %(number)s: staf yang melayaninya tidak bekerja di %(branch)s."
    ),
    "This Idempotency-Key was already used by another sender: make your keys unique to your system, e.g. by starting them with its name.": (
        "Idempotency-Key ini sudah dipakai oleh pengirim lain: buat kunci Anda unik untuk sistem Anda, misalnya dengan mengawalinya dengan nama sistem itu."
    ),
    "Its columns are separated by semicolons: save it again as CSV separated by commas.": (
        "Kolomnya dipisahkan dengan titik koma: simpan lagi sebagai CSV yang dipisahkan dengan koma."
    ),
    "%(column)s “%(value)s” is not a whole number": "%(column)s “%(value)s” bukan bilangan bulat",
    "Refund either an amount or lines, not both.": "Kembalikan sejumlah uang atau baris pesanan, bukan keduanya.",
    "The fare is too large.": "Tarifnya terlalu besar.",
}
