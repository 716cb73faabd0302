"""Indonesian translations of the merge screen's summary (merged by scripts/translate.py)."""

ID = {
    "Last activity": "Aktivitas terakhir",
    "No contact recorded": "Belum ada kontak tercatat",
    "Total spent": "Total belanja",
    "card %(number)s": "kartu %(number)s",
    "Contact and profile": "Kontak dan profil",
}
