"""Indonesian translations of a member's tier history (why she is in her tier, or in none) and of
a voucher's validity, and a chart's axis (merged by scripts/translate.py)."""

ID = {
    "Rp %(spend)s and %(visits)s visits in the last %(days)s days: below %(tier)s": (
        "Rp %(spend)s dan %(visits)s kunjungan dalam %(days)s hari terakhir: di bawah %(tier)s"
    ),
    "tier change\x04From": "Dari",
    "tier change\x04To": "Menjadi",
    "Tier: %(from)s → %(to)s": "Tingkat: %(from)s → %(to)s",
    "from %(start)s": "mulai %(start)s",
    "until %(end)s": "sampai %(end)s",
    "Per customer, hold-out": "Per pelanggan, uji",
    "No tier changes yet.": "Belum ada perubahan tingkat.",
    "Tier history": "Riwayat tingkat",
    "Why": "Alasan",
    "Why she is in this tier": "Mengapa ia berada di tingkat ini",
}
