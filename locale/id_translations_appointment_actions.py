"""Indonesian for what the calendar says after an appointment is cancelled or marked not come."""

ID = {
    "%(time)s %(customer)s did not come: recorded; the time is free again.": (
        "%(time)s %(customer)s tidak datang: sudah dicatat; jamnya kosong lagi."
    ),
    "%(time)s %(customer)s: appointment cancelled; the time is free again.": (
        "%(time)s %(customer)s: janji temu dibatalkan; jamnya kosong lagi."
    ),
    "Record that the customer did not come?": "Catat bahwa pelanggan tidak datang?",
    (
        "The appointment is at %(time)s: whether the customer came is known from then on. To call it off before, "
        "cancel it."
    ): (
        "Janji temu ini pada %(time)s: apakah pelanggan datang baru diketahui sejak saat itu. Untuk "
        "membatalkannya sebelum itu, batalkan janji temu."
    ),
}
