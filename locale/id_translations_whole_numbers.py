"""Indonesian for numbers typed at the till and on order pages that are not whole numbers, and the
till's note on another branch's member."""

ID = {
    "%(field)s: “%(value)s” is not a whole number; type e.g. 150000 or 150.000.": (
        "%(field)s: “%(value)s” bukan bilangan bulat; ketik mis. 150000 atau 150.000."
    ),
    "Item %(number)s: price": "Item %(number)s: harga",
    "Item %(number)s: quantity": "Item %(number)s: jumlah",
    "Refund amount": "Jumlah pengembalian dana",
    "Member of %(branch)s: she collects and pays with points there; here she buys as a guest.": (
        "Anggota %(branch)s: ia mengumpulkan dan memakai poin di sana; di sini ia berbelanja sebagai tamu."
    ),
}
