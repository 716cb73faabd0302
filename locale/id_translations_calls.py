"""Indonesian for the calls page (templates/customers/calls.html). Merged by scripts/translate.py."""

ID = {
    "Your recent calls": "Panggilan terakhir Anda",
    "New caller": "Penelepon baru",
    "Show card": "Tampilkan kartu",
    "No calls for you yet. Calls your phone system reports appear here.": (
        "Belum ada panggilan untuk Anda. Panggilan yang dilaporkan sistem telepon muncul di sini."
    ),
}
