"""Indonesian for joining at the counter, a friend's referral code typed at the till, and the code
a sale gives for next time on the order page and the receipts."""

ID = {
    "Join as a member now": "Jadikan anggota sekarang",
    "Card %(number)s issued: this sale earns as a member's.": (
        "Kartu %(number)s diterbitkan: penjualan ini sudah mendapat poin anggota."
    ),
    "Print the card": "Cetak kartu",
    "%(code)s is %(name)s's referral code: whoever has it was brought by her.": (
        "%(code)s adalah kode referal %(name)s: pemegangnya teman yang ia ajak."
    ),
    "New customer with this code": "Pelanggan baru dengan kode ini",
    "(valid until %(date)s)": "(berlaku sampai %(date)s)",
    "Your code for next time: %(code)s": "Kode Anda untuk kunjungan berikutnya: %(code)s",
    "Your code for next time: %(given)s": "Kode Anda untuk kunjungan berikutnya: %(given)s",
    "Her code for next time: %(given)s": "Kodenya untuk kunjungan berikutnya: %(given)s",
    "Members get %(percent)s%% off the next %(item)s (%(name)s): choose her, or offer her the card.": (
        "Anggota mendapat diskon %(percent)s%% untuk %(item)s berikutnya (%(name)s): pilih pelanggannya, "
        "atau tawarkan kartu anggota."
    ),
    "Loyalty: re-evaluate tiers": "Loyalitas: evaluasi ulang tingkat",
}
