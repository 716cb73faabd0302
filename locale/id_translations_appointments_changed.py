"""Indonesian for an appointment whose service or stylist changed after it was booked."""

ID = {
    (
        "%(service)s was switched off in the catalogue after this booking: switch it on again to check "
        "out, or cancel the appointment."
    ): (
        "%(service)s dinonaktifkan di katalog setelah janji temu ini dipesan: aktifkan lagi untuk membayar, "
        "atau batalkan janji temu."
    ),
    (
        "%(service)s is no longer offered at %(branch)s: offer it there again in the catalogue to check "
        "out, or cancel the appointment."
    ): (
        "%(service)s tidak lagi tersedia di %(branch)s: sediakan lagi di katalog untuk membayar, atau batalkan "
        "janji temu."
    ),
    (
        "%(staff)s no longer works at %(branch)s: check out on the cashier screen and choose who served %(service)s."
    ): "%(staff)s tidak lagi bekerja di %(branch)s: bayar di layar kasir dan pilih siapa yang melayani %(service)s.",
}
