"""Indonesian for a refund shown before it is recorded, when it comes to less than the items' price."""

ID = {
    "The refund comes to %(amount)s.": "Pengembalian dana menjadi %(amount)s.",
    "Record refund of %(amount)s": "Catat pengembalian dana %(amount)s",
    "The refund now comes to %(amount)s, not %(expected)s as shown: check it again.": (
        "Pengembalian dana sekarang menjadi %(amount)s, bukan %(expected)s seperti yang ditampilkan: periksa lagi."
    ),
}
