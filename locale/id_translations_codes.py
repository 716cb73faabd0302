"""Indonesian for messages added in the loyalty and sales screens (voucher codes, bookings)."""

ID = {
    "%(field)s may hold only letters, digits and hyphens (no spaces).": (
        "%(field)s hanya boleh berisi huruf, angka, dan tanda hubung (tanpa spasi)."
    ),
    "The code": "Kode",
}
