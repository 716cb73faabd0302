# ruff: noqa: E501
"""Indonesian for taking the payment of a placed order (checkout.order_pay, the payment card on the
order page). Merged by scripts/translate.py."""

ID = {
    # service
    "Only a placed order can be paid; %(number)s is %(status)s.": "Hanya pesanan berstatus dibuat yang dapat dibayar; %(number)s berstatus %(status)s.",
    "Payment for order %(number)s": "Pembayaran pesanan %(number)s",
    # order page
    "Record payment": "Catat pembayaran",
    "This order is not paid yet. Total to pay: %(total)s.": "Pesanan ini belum dibayar. Total yang harus dibayar: %(total)s.",
    "In cash (rounded): %(cash)s.": "Tunai (dibulatkan): %(cash)s.",
    "Payment": "Pembayaran",
    "Second payment (optional)": "Pembayaran kedua (opsional)",
    "Method": "Metode",
    "Amount (Rp)": "Jumlah (Rp)",
    "Reference": "Referensi",
    "e.g. transfer number": "mis. nomor transfer",
    "Payment %(number)s: enter the amount in whole Rupiah.": "Pembayaran %(number)s: masukkan jumlah dalam Rupiah bulat.",
    "Enter the amount paid.": "Masukkan jumlah yang dibayar.",
    "Payment for order %(number)s recorded.": "Pembayaran pesanan %(number)s dicatat.",
    "Change: %(amount)s.": "Kembalian: %(amount)s.",
}
