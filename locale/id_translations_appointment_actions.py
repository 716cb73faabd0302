"""Indonesian for what the calendar says after an appointment is cancelled or marked not come."""

ID = {
    "%(time)s %(customer)s: recorded as not come; the time is free again.": (
        "%(time)s %(customer)s: dicatat tidak datang; jamnya kosong lagi."
    ),
    "%(time)s %(customer)s: appointment cancelled; the time is free again.": (
        "%(time)s %(customer)s: janji temu dibatalkan; jamnya kosong lagi."
    ),
    "Record that she did not come?": "Catat bahwa pelanggan tidak datang?",
}
