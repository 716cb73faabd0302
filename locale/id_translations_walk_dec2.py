"""Indonesian for the mends of an evening's walk through the till, the receipts and the loyalty
pages."""

ID = {
    "%(count)s code issued.": "%(count)s kode dibuat.",
    (
        "The codes are listed for those who manage the loyalty programme; the cashier screen checks a code when "
        "it is typed."
    ): ("Daftar kode hanya untuk yang mengelola program loyalitas; layar kasir memeriksa kode saat diketik."),
    "receipt line\x04discount": "diskon",
    "%(tier)s members get free: %(items)s": "Anggota %(tier)s mendapat gratis: %(items)s",
    "Free items": "Item gratis",
    "Free: %(items)s": "Gratis: %(items)s",
    "payment\x04amount": "jumlah",
    "%(field)s: \u201c%(value)s\u201d is not a whole number; type e.g. 2.": (
        "%(field)s: \u201c%(value)s\u201d bukan bilangan bulat; ketik mis. 2."
    ),
    "%(count)s more points needed": "kurang %(count)s poin",
    "Not enough cashback: %(amount)s needed, and the balance is %(balance)s.": (
        "Cashback tidak cukup: dibutuhkan %(amount)s, saldonya %(balance)s."
    ),
    "Not enough points: %(points)s needed, and the balance is %(balance)s.": (
        "Poin tidak cukup: dibutuhkan %(points)s, saldonya %(balance)s."
    ),
    "Cashback ledger": "Buku besar cashback",
    "Cashback ledger of %(name)s (%(number)s)": "Buku besar cashback %(name)s (%(number)s)",
    "No cashback movements yet.": "Belum ada pergerakan cashback.",
    "reward given": "hadiah diberikan",
    "rewards given": "hadiah diberikan",
    "Rank %(rank)s is %(tier)s's: give each tier a rank of its own.": (
        "Peringkat %(rank)s sudah dipakai %(tier)s: beri setiap tingkat peringkatnya sendiri."
    ),
    (
        "Her friend's referral code links them: both are rewarded as for a referral made at joining (before her "
        "first purchase)."
    ): (
        "Kode referal temannya menautkan keduanya: keduanya mendapat hadiah seperti referal saat bergabung "
        "(sebelum pembelian pertamanya)."
    ),
    "Who brought %(name)s": "Siapa yang mengajak %(name)s",
    "Why cancelled (optional)": "Alasan batal (opsional)",
    "Why the trip is cancelled": "Alasan perjalanan dibatalkan",
}
