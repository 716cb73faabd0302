"""Indonesian translations of the stamp card promotion ("every N visits with X, the next X is
free"): the promotion form, the member panel, the caller card and the till's suggestions (merged by
scripts/translate.py)."""

ID = {
    "stamp card: every N visits with X, the next X is free": (
        "kartu stempel: setiap N kunjungan dengan X, X berikutnya gratis"
    ),
    "free code earned": "kode gratis yang didapat",
    "stamp": "stempel",
    "stamps": "stempel",
    "%(item)s: %(count)s of %(needed)s stamps": "%(item)s: %(count)s dari %(needed)s stempel",
    "This visit completes her stamp card: the next %(item)s is free (%(name)s).": (
        "Kunjungan ini melengkapi kartu stempelnya: %(item)s berikutnya gratis (%(name)s)."
    ),
    "One more visit and the next %(item)s is free (%(name)s).": (
        "Satu kunjungan lagi dan %(item)s berikutnya gratis (%(name)s)."
    ),
    "Add %(item)s: this visit completes her stamp card and the next one is free (%(name)s).": (
        "Tambahkan %(item)s: kunjungan ini melengkapi kartu stempelnya dan berikutnya gratis (%(name)s)."
    ),
    "Choose product X.": "Pilih produk X.",
    "A stamp card needs at least 2 visits before the free one.": (
        "Kartu stempel butuh paling sedikit 2 kunjungan sebelum yang gratis."
    ),
    "Stamp card: the visits with X that earn a free X (at least 2).": (
        "Kartu stempel: jumlah kunjungan dengan X untuk mendapat X gratis (minimal 2)."
    ),
    "Stamp card: how many days the free X's code is valid.": "Kartu stempel: berapa hari kode X gratis berlaku.",
}
