"""Indonesian translations of segment counts per branch, the digest's deliveries and the empty
pipeline board (merged by scripts/translate.py). Strings another area already translates are left
to it."""

ID = {
    # segments: member counts per branch
    "segment members in a branch": "anggota segmen di satu cabang",
    "segment members in branches": "anggota segmen per cabang",
    # activities: the morning digest's deliveries and retries
    "last attempt": "percobaan terakhir",
    "attempts": "percobaan",
    "last error": "kesalahan terakhir",
    "morning digest": "ringkasan pagi",
    "morning digests": "ringkasan pagi",
    "Activities: send again the morning emails that failed": "Aktivitas: kirim ulang email pagi yang gagal",
}
