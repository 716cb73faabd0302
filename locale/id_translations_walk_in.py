"""Indonesian translations of the till's new-customer form: joining as a member in the same step
(merged by scripts/translate.py)."""

ID = {
    "Join as member now": "Gabung jadi anggota sekarang",
    "Referral code": "Kode referal",
    "The code of the friend who brought her, if any. Used when she joins.": (
        "Kode teman yang mengajaknya, jika ada. Dipakai saat ia bergabung."
    ),
    "Tick “Join as member now” to use the referral code.": (
        "Centang “Gabung jadi anggota sekarang” untuk memakai kode referal."
    ),
}
