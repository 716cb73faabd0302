# ruff: noqa: E501
"""Indonesian for the bookings API (setia/sales/api/bookings.py: trips and appointments listed,
read, booked, cancelled and checked out). Its other messages (trip and appointment not found, the
booking rules, "Choose one of: …") are the trip board's, the calendar's and the API's, translated
with them. Merged by scripts/translate.py."""

ID = {
    # GET /trips, GET /appointments: `to` before `from`
    "Enter a day on or after the first day, %(first)s.": "Isi tanggal yang sama dengan atau sesudah tanggal pertama, %(first)s.",
}
