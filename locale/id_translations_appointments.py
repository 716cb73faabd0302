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

# Booking from the calendar: every stylist's column with her free times, the booking form's
# customer search (templates/sales/appointments.html, appointment_form.html; setia/sales).
ID.update(
    {
        "All staff": "Semua staf",
        "Click a free time in a staff member's column to book it, or Book for any time.": (
            "Klik jam kosong di kolom staf untuk memesannya, atau Pesan untuk jam lain."
        ),
        "Book %(name)s at %(time)s": "Pesan pukul %(time)s dengan %(name)s",
        "No appointments.": "Tidak ada janji temu.",
        "Nobody in this branch takes appointments yet: give the staff who serve customers their home branch "
        "here.": "Belum ada yang menerima janji temu di cabang ini: jadikan cabang ini cabang asal staf yang "
        "melayani pelanggan.",
        "choose another customer\x04Change": "Ganti",
        "This number belongs to a customer of %(branch)s. Branches do not share customers here: book her at "
        "%(branch)s.": "Nomor ini milik pelanggan %(branch)s. Cabang di sini tidak berbagi pelanggan: pesankan "
        "janji temunya di %(branch)s.",
        "Back to the calendar": "Kembali ke kalender",
        "Choose the staff member.": "Pilih staf.",
        "%(staff)s does not take appointments.": "%(staff)s tidak menerima janji temu.",
    }
)
