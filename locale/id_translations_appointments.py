"""Indonesian for the appointment calendar's quick check-out (templates/sales/_appointment.html).
Merged by scripts/translate.py."""

ID = {
    "To pay: %(amount)s": "Dibayar: %(amount)s",
    "member discount %(percent)s%%": "diskon anggota %(percent)s%%",
}
