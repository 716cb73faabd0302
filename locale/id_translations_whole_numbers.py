"""Indonesian for numbers typed at the till and on order pages that are not whole numbers."""

ID = {
    "%(field)s: “%(value)s” is not a whole number; type e.g. 150000 or 150.000.": (
        "%(field)s: “%(value)s” bukan bilangan bulat; ketik mis. 150000 atau 150.000."
    ),
    "Item %(number)s: price": "Item %(number)s: harga",
    "Item %(number)s: quantity": "Item %(number)s: jumlah",
    "Refund amount": "Jumlah pengembalian dana",
}
