"""Indonesian for the loyalty pages' second walk: the balance adjustment's own wording (not the
till's "Kembalian"), tier rules read as spend OR visits, re-evaluating tiers on demand, names of
other branches' customers masked, the voucher's segment, issuing limits and the till's voucher
refusals (merged by scripts/translate.py)."""

ID = {
    # Adjusting a member's balance.
    "Points or cashback to add or remove": "Poin atau cashback yang ditambah atau dikurangi",
    "Points to add or remove": "Poin yang ditambah atau dikurangi",
    "Cashback to add or remove (Rp)": "Cashback yang ditambah atau dikurangi (Rp)",
    "Points for the points balance, Rupiah for cashback. Positive adds, negative (with a minus) takes away.": (
        "Poin untuk saldo poin, Rupiah untuk cashback. Positif menambah, negatif (dengan tanda minus) mengurangi."
    ),
    # A tier's rule: spend or visits.
    "Qualifies with": "Syarat masuk",
    "%(spend)s spent or %(visits)s visit": "Belanja %(spend)s atau %(visits)s kunjungan",
    "%(spend)s spent": "Belanja %(spend)s",
    "%(visits)s visit": "%(visits)s kunjungan",
    "Either this spend or the minimum visits within the window is enough to qualify. 0: spend does not count.": (
        "Belanja ini atau kunjungan minimum dalam periode, salah satu sudah cukup untuk masuk. "
        "0: belanja tidak dihitung."
    ),
    (
        "Either these visits or the minimum spend within the window is enough to qualify. 0: visits do not count. "
        "With both at 0 every member qualifies."
    ): (
        "Kunjungan ini atau belanja minimum dalam periode, salah satu sudah cukup untuk masuk. "
        "0: kunjungan tidak dihitung. Jika keduanya 0, semua anggota masuk."
    ),
    (
        "A member is in the highest tier whose minimum spend or minimum visits she reaches within its window: "
        "either one is enough. Members move every night."
    ): (
        "Anggota berada di tingkat tertinggi yang belanja minimum atau kunjungan minimumnya ia capai dalam "
        "periodenya: salah satu sudah cukup. Anggota berpindah tingkat setiap malam."
    ),
    # Re-evaluating tiers now.
    "Re-evaluate tiers now": "Evaluasi ulang tingkat sekarang",
    "Members move between tiers every night; after changing the rule of a tier, move them now.": (
        "Anggota berpindah tingkat setiap malam; setelah mengubah syarat tingkat, pindahkan mereka sekarang."
    ),
    "Tiers re-evaluated for %(members)s member: %(upgraded)s moved up, %(downgraded)s moved down.": (
        "Tingkat dievaluasi ulang untuk %(members)s anggota: %(upgraded)s naik, %(downgraded)s turun."
    ),
    "Re-evaluating the tiers of %(members)s member in the background: they move within a few minutes.": (
        "Tingkat %(members)s anggota sedang dievaluasi ulang di latar belakang: mereka berpindah dalam beberapa menit."
    ),
    "Tiers re-evaluated for %(members)s members: %(upgraded)s up, %(downgraded)s down": (
        "Tingkat dievaluasi ulang untuk %(members)s anggota: %(upgraded)s naik, %(downgraded)s turun"
    ),
    "Tier re-evaluation started for %(members)s members": ("Evaluasi ulang tingkat dimulai untuk %(members)s anggota"),
    # Other branches' customers, the voucher's page.
    "a customer of another branch": "pelanggan cabang lain",
    "Only for segment": "Hanya untuk segmen",
    # Issuing codes.
    "How many codes: issue between 1 and %(max)s at a time.": "Jumlah kode: buat antara 1 dan %(max)s sekaligus.",
    (
        "How many codes: a code of your choice is one code. Enter 1, or leave the code of your choice empty "
        "to issue %(count)s random codes."
    ): (
        "Jumlah kode: kode pilihan Anda hanya satu kode. Isi 1, atau kosongkan kode pilihan Anda untuk membuat "
        "%(count)s kode acak."
    ),
    # The till's voucher refusals.
    "The voucher %(code)s is personal: choose the customer first.": (
        "Voucher %(code)s milik pelanggan tertentu: pilih pelanggannya dulu."
    ),
    "The voucher %(code)s is for members of %(tiers)s: choose the customer first.": (
        "Voucher %(code)s untuk anggota tingkat %(tiers)s: pilih pelanggannya dulu."
    ),
    "The voucher %(code)s is only for members of %(tiers)s.": "Voucher %(code)s hanya untuk anggota tingkat %(tiers)s.",
    "Nothing in this sale qualifies for the voucher %(code)s: it is for %(items)s.": (
        "Tidak ada item di penjualan ini yang memenuhi syarat voucher %(code)s: voucher ini untuk %(items)s."
    ),
    "category %(name)s": "kategori %(name)s",
    (
        "The voucher %(code)s needs a purchase of at least %(amount)s after the member discount and promotions; "
        "this sale comes to %(total)s after them."
    ): (
        "Voucher %(code)s memerlukan pembelian minimal %(amount)s setelah diskon anggota dan promo; "
        "penjualan ini %(total)s setelah diskon tersebut."
    ),
    "The voucher %(code)s is for some customers: choose the customer first.": (
        "Voucher %(code)s untuk pelanggan tertentu: pilih pelanggannya dulu."
    ),
}
