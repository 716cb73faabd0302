# ruff: noqa: E501
"""Indonesian for numbers typed at the till and on order pages that are not whole numbers, and the
till's note on another branch's member."""

ID = {
    "%(field)s: “%(value)s” is not a whole number; type e.g. 150000 or 150.000.": (
        "%(field)s: “%(value)s” bukan bilangan bulat; ketik mis. 150000 atau 150.000."
    ),
    "Item %(number)s: price": "Item %(number)s: harga",
    "Item %(number)s: quantity": "Item %(number)s: jumlah",
    "Refund amount": "Jumlah pengembalian dana",
    "Member of %(branch)s: she collects and pays with points there; here she buys as a guest.": (
        "Anggota %(branch)s: ia mengumpulkan dan memakai poin di sana; di sini ia berbelanja sebagai tamu."
    ),
    # Receipts only for paid orders; a trip's fare beside what was paid
    "A receipt is printed once the order is paid.": "Struk dicetak setelah pesanan dibayar.",
    "A receipt is sent once the order is paid.": "Struk dikirim setelah pesanan dibayar.",
    "cash rounding": "pembulatan tunai",
    "fare %(fare)s": "tarif %(fare)s",
    # A member's public invitation (her referral link)
    "%(name)s invites you to become a member": "%(name)s mengundang Anda menjadi anggota",
    "An invitation to %(business)s": "Undangan dari %(business)s",
    "Every new member also gets %(points)s point for joining.": "Setiap anggota baru juga mendapat %(points)s poin saat bergabung.",
    "Every new member gets %(points)s point for joining.": "Setiap anggota baru mendapat %(points)s poin saat bergabung.",
    "Join with this code and get %(points)s point after your first purchase.": (
        "Bergabunglah dengan kode ini dan dapatkan %(points)s poin setelah pembelian pertama Anda."
    ),
    "Join with this code and get %(points)s point.": "Bergabunglah dengan kode ini dan dapatkan %(points)s poin.",
    "Show this page at the cashier when you visit, or say the code when you call: you join as a member with it. It is for new customers who have not bought before.": (
        "Tunjukkan halaman ini di kasir saat Anda datang, atau sebutkan kodenya saat menelepon: dengan kode ini "
        "Anda bergabung sebagai anggota. Kode ini untuk pelanggan baru yang belum pernah berbelanja."
    ),
    "This page was opened too often from your connection. Please try again in a few minutes.": (
        "Halaman ini terlalu sering dibuka dari koneksi Anda. Silakan coba lagi beberapa menit lagi."
    ),
    "This referral code does not exist. Ask your friend to send the link again.": (
        "Kode referal ini tidak ada. Minta teman Anda mengirim tautannya lagi."
    ),
    "Your referral code": "Kode referal Anda",
    "Codes valid until: that moment has passed; choose a later one or leave it empty.": (
        "Kode berlaku sampai: waktu itu sudah lewat; pilih waktu yang lebih lambat atau kosongkan."
    ),
    "Referral: a friend's first purchase": "Referal: pembelian pertama seorang teman",
    # A caller who already has a trip to come
    "%(name)s also has trip %(number)s on %(time)s: cancel one if she booked twice.": (
        "%(name)s juga punya perjalanan %(number)s pada %(time)s: batalkan salah satunya bila ia memesan dua kali."
    ),
    "Already booked: %(number)s on %(day)s at %(time)s (%(status)s) from %(place)s.": (
        "Sudah dipesan: %(number)s tanggal %(day)s pukul %(time)s (%(status)s) dari %(place)s."
    ),
    "Open the trips": "Buka daftar perjalanan",
    "%(tier)s since joining on %(day)s; no change since.": "%(tier)s sejak bergabung pada %(day)s; belum berubah sejak itu.",
}
