"""Indonesian for the mends of an evening's walk through the till, the receipts and the loyalty
pages."""

ID = {
    "%(count)s code issued.": "%(count)s kode dibuat.",
    (
        "The codes are listed for those who manage the loyalty programme; the cashier screen checks a code when "
        "it is typed."
    ): ("Daftar kode hanya untuk yang mengelola program loyalitas; layar kasir memeriksa kode saat diketik."),
    "receipt line\x04discount": "diskon",
    "%(tier)s members get free: %(items)s": "Anggota %(tier)s mendapat gratis: %(items)s",
    "Free items": "Item gratis",
    "Free: %(items)s": "Gratis: %(items)s",
}
