"""Indonesian for what stays in place while it is used: a voucher the programme gives, the entry
tier, a branch with bookings still open, and an owner deactivated since."""

ID = {
    (
        "Active: this voucher is the reward for bringing friends (loyalty settings). Choose another threshold "
        "reward there, or set the friends needed to 0, before switching it off."
    ): (
        "Aktif: voucher ini adalah hadiah untuk mengajak teman (pengaturan loyalitas). Pilih hadiah ambang lain di "
        "sana, atau isi jumlah teman yang dibutuhkan dengan 0, sebelum menonaktifkannya."
    ),
    (
        "Active: this voucher is what the promotion \u201c%(name)s\u201d gives. Switch the promotion off before "
        "switching the voucher off."
    ): (
        "Aktif: voucher ini yang diberikan oleh promosi \u201c%(name)s\u201d. Nonaktifkan promosinya dulu sebelum "
        "menonaktifkan voucher ini."
    ),
    (
        "Active: \u201c%(name)s\u201d is the tier new members join (the lowest rank). Switch the tiers above it off "
        "first, or make another tier the entry tier by giving it a lower rank."
    ): (
        "Aktif: \u201c%(name)s\u201d adalah tingkat yang diikuti anggota baru (peringkat terendah). Nonaktifkan "
        "dulu tingkat di atasnya, atau jadikan tingkat lain sebagai tingkat awal dengan memberinya peringkat lebih "
        "rendah."
    ),
    "Threshold reward: the voucher \u201c%(name)s\u201d is switched off. Choose an active voucher.": (
        "Hadiah ambang: voucher \u201c%(name)s\u201d sudah nonaktif. Pilih voucher yang aktif."
    ),
    (
        "%(branch)s still has %(what)s (the first on %(first)s): check them out, complete or cancel them before "
        "closing it."
    ): (
        "%(branch)s masih punya %(what)s (yang pertama pada %(first)s): selesaikan pembayarannya, selesaikan atau "
        "batalkan dulu sebelum menutup cabang ini."
    ),
    "%(count)s booked appointment": "%(count)s janji temu yang dipesan",
    "%(count)s open trip": "%(count)s perjalanan yang belum selesai",
    "%(first)s and %(second)s": "%(first)s dan %(second)s",
    "%(name)s (no longer active)": "%(name)s (sudah tidak aktif)",
    "no longer active": "sudah tidak aktif",
    "%(name)s does not work in this rule's branch.": "%(name)s tidak bekerja di cabang aturan ini.",
}
