"""Indonesian for taking back items on the order page's refund card, a programme over its budget
and booking a trip from the caller search."""

ID = {
    # The refund card
    "Items to take back": "Barang/layanan yang dikembalikan",
    "%(left)s can be returned": "%(left)s dapat dikembalikan",
    "How many %(item)s to take back": "Berapa %(item)s yang dikembalikan",
    "…or refund an amount:": "…atau kembalikan sejumlah uang:",
    "Choose the items to take back or enter an amount.": (
        "Pilih barang/layanan yang dikembalikan atau isi jumlah uangnya."
    ),
    "%(item)s: enter how many to take back, between 1 and %(left)s.": (
        "%(item)s: isi berapa yang dikembalikan, antara 1 dan %(left)s."
    ),
    "%(item)s: at most %(left)s can be returned.": "%(item)s: paling banyak %(left)s dapat dikembalikan.",
    # A programme's budget
    "%(amount)s over budget": "%(amount)s melebihi anggaran",
    # A trip is booked for a caller
    "Find the customer by her phone number, then book her trip from her card.": (
        "Cari pelanggan dengan nomor teleponnya, lalu pesan perjalanannya dari kartunya."
    ),
}
