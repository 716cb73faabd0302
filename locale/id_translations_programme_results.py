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

# The loyalty overview's rules in short (templates/loyalty/home.html).
ID.update(
    {
        "Cashback “%(name)s”: %(percent)s%% of purchases from %(minimum)s": (
            "Cashback “%(name)s”: %(percent)s%% dari belanja mulai %(minimum)s"
        ),
        "(at most %(most)s)": "(paling banyak %(most)s)",
        "for returning customers": "untuk pelanggan yang kembali",
        "No cashback rule is in force.": "Tidak ada aturan cashback yang berlaku.",
        "Referral, rewarded %(trigger)s: %(referrer)s points for the member, %(friend)s for the friend.": (
            "Referal, diberi hadiah %(trigger)s: %(referrer)s poin untuk anggota, %(friend)s untuk temannya."
        ),
        "After %(friends)s friend: %(voucher)s.": "Setelah %(friends)s teman: %(voucher)s.",
        "Referrals earn no reward yet.": "Referal belum diberi hadiah.",
    }
)

# Issuing voucher codes for one customer (setia/loyalty/forms.py, selectors.customer_by_reference).
ID.update(
    {
        "For one customer": "Untuk satu pelanggan",
        "Her card number or phone number (empty: anyone may use the codes).": (
            "Nomor kartu atau nomor teleponnya (kosong: siapa pun boleh memakai kodenya)."
        ),
        "Several customers share this phone number: enter her card number.": (
            "Beberapa pelanggan memakai nomor telepon ini: masukkan nomor kartunya."
        ),
        "No customer with this card number, phone number or customer number.": (
            "Tidak ada pelanggan dengan nomor kartu, nomor telepon, atau nomor pelanggan ini."
        ),
    }
)

# The promotion form (setia/loyalty/forms.py).
ID["Buy X, get Y free: empty means X itself (buy N, get one more free)."] = (
    "Beli X, gratis Y: kosong berarti X itu sendiri (beli N, gratis satu lagi)."
)
ID["None to choose from yet."] = "Belum ada yang bisa dipilih."
ID["Cashback “%(name)s”: %(percent)s%% of every purchase"] = "Cashback “%(name)s”: %(percent)s%% dari setiap belanja"
