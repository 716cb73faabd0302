# ruff: noqa: E501
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
    # pipeline: a business without a pipeline yet
    "No sales pipeline has been set up yet. A pipeline holds the stages an opportunity goes through, from first contact to won or lost.": "Belum ada pipeline penjualan. Pipeline berisi tahap-tahap yang dilalui sebuah peluang, dari kontak pertama sampai menang atau kalah.",
    "Set up the pipeline: Sales, with four stages": "Siapkan pipeline: Penjualan, dengan empat tahap",
    "You can rename its stages, add others or add more pipelines afterwards in Pipeline settings.": "Setelah itu Anda dapat mengganti nama tahapnya, menambah tahap lain, atau menambah pipeline di pengaturan Pipeline.",
    "Ask the owner or a manager to set it up.": "Minta pemilik atau manajer untuk menyiapkannya.",
    "No active pipeline: the board stays empty until there is one. Set up the usual one, or add your own below.": "Tidak ada pipeline aktif: papan tetap kosong sampai ada satu. Siapkan pipeline yang biasa, atau tambahkan pipeline Anda sendiri di bawah.",
    "Pipeline %(name)s is ready.": "Pipeline %(name)s siap dipakai.",
}
