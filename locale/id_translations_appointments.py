"""Indonesian for the appointment calendar's quick check-out (templates/sales/_appointment.html).
Merged by scripts/translate.py."""

ID = {
    "To pay: %(amount)s": "Harus dibayar: %(amount)s",
    "member discount %(percent)s%%": "diskon anggota %(percent)s%%",
}

# The trip board's messages (setia/sales/views/orders.py `trip_action`).
ID.update(
    {
        "Trip %(number)s assigned to %(driver)s.": "Perjalanan %(number)s ditugaskan ke %(driver)s.",
        "Trip %(number)s completed: %(fare)s paid.": "Perjalanan %(number)s selesai: %(fare)s dibayar.",
        "Trip %(number)s cancelled.": "Perjalanan %(number)s dibatalkan.",
    }
)

# The cashier screen's preview of what a member earns.
ID["Earns %(amount)s cashback"] = "Dapat cashback %(amount)s"

# The cashier's customer search, for a card of another branch (templates/sales/cashier_customers.html).
ID[
    "This card belongs to a member of %(branch)s. Branches do not share members here: she earns and pays "
    "with points at %(branch)s; here she can buy as a guest."
] = (
    "Kartu ini milik anggota %(branch)s. Cabang di sini tidak berbagi anggota: ia mengumpulkan dan "
    "membayar dengan poin di %(branch)s; di sini ia dapat berbelanja sebagai tamu."
)
