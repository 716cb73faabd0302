"""Indonesian for messages added at the till, on the order page and on the receipts (change,
cash received, discount labels, input messages)."""

ID = {
    "Pay with points: enter an amount of zero or more.": "Bayar dengan poin: masukkan nominal nol atau lebih.",
    "Pay with cashback: enter an amount of zero or more.": "Bayar dengan cashback: masukkan nominal nol atau lebih.",
    "Payment %(number)s (%(method)s): more than the amount due (%(due)s left). "
    "Only cash can be more: the change is given in cash.": (
        "Pembayaran %(number)s (%(method)s): melebihi jumlah tagihan (sisa %(due)s). "
        "Hanya tunai yang boleh lebih: kembalian diberikan dalam tunai."
    ),
    "Find a product or service to start the sale.": "Cari produk atau layanan untuk memulai penjualan.",
    "Voucher %(code)s": "Voucher %(code)s",
    "Member discount (%(tier)s %(percent)s%%)": "Diskon anggota (%(tier)s %(percent)s%%)",
    "Promotions: %(names)s": "Promo: %(names)s",
    "cash received": "uang diterima",
    "receipt\x04Cash received": "Uang diterima",
    "receipt\x04Walk-in customer": "Pelanggan umum",
    "receipt\x04Number": "Nomor",
    "receipt\x04Date": "Tanggal",
    "document title\x04Receipt": "Struk",
    "Cash received: %(received)s, change: %(change)s": "Uang diterima: %(received)s, kembalian: %(change)s",
}
