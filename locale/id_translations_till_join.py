"""Indonesian for joining at the counter, a friend's referral code typed at the till, and the code
a sale gives for next time on the order page and the receipts."""

ID = {
    "Join as a member now": "Jadikan anggota sekarang",
    "Card %(number)s issued: this sale earns as a member's.": (
        "Kartu %(number)s diterbitkan: penjualan ini sudah mendapat poin anggota."
    ),
    "Print the card": "Cetak kartu",
    "%(code)s is %(name)s's referral code: a friend she brought.": (
        "%(code)s adalah kode referensi %(name)s: teman yang ia ajak."
    ),
    "New customer with this code": "Pelanggan baru dengan kode ini",
    "(valid until %(date)s)": "(berlaku sampai %(date)s)",
    "Your code for next time: %(code)s": "Kode Anda untuk kunjungan berikutnya: %(code)s",
    "Your code for next time: %(given)s": "Kode Anda untuk kunjungan berikutnya: %(given)s",
    "Her code for next time: %(given)s": "Kodenya untuk kunjungan berikutnya: %(given)s",
}
