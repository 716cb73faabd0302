"""Indonesian for a programme's results panel (templates/loyalty/programme_detail.html).
Merged by scripts/translate.py."""

ID = {
    "no budget set": "tanpa anggaran",
    "paid orders of the members reached while it runs, less refunds": (
        "pesanan lunas anggota yang dijangkau selama program berjalan, dikurangi pengembalian dana"
    ),
    "Friends brought": "Teman yang diajak",
    "Referrals rewarded": "Referensi yang diberi hadiah",
    "the friend joined or bought, as the referral rule says": "teman bergabung atau membeli, sesuai aturan referal",
}
