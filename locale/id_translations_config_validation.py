"""Indonesian for the loyalty set-up pages' checks at the field: whole numbers typed with dots,
limits of percentages, multipliers, days and uses, tier names, card prefixes and bundle prices, and
the constraints' own messages (shown only if a value gets past the fields)."""

ID = {
    # Whole numbers as people type them (setia.core.forms.WholeNumberField)
    "Enter a whole number, e.g. 25000 or 25.000.": "Masukkan bilangan bulat, mis. 25000 atau 25.000.",
    # Limits at the field
    "Enter at least 1, or leave it empty for no limit.": "Masukkan minimal 1, atau kosongkan untuk tanpa batas.",
    "Enter a percentage from 0 to 100.": "Masukkan persentase dari 0 sampai 100.",
    "Enter a percentage greater than 0 and at most 100.": "Masukkan persentase lebih dari 0 dan paling banyak 100.",
    "Enter at least 1 day.": "Masukkan minimal 1 hari.",
    "Enter at least Rp 1: a sale earns points for every step of this amount.": (
        "Masukkan minimal Rp 1: penjualan mendapat poin untuk setiap kelipatan jumlah ini."
    ),
    "Use letters and digits only, e.g. SET.": "Gunakan huruf dan angka saja, mis. SET.",
    "There is already a tier named %(name)s.": "Sudah ada tingkat bernama %(name)s.",
    "In words, what members of this tier get free, e.g. a drink at every visit.": (
        "Dengan kata-kata, apa yang didapat gratis oleh anggota tingkat ini, mis. minuman di setiap kunjungan."
    ),
    "A reward costs at least 1 point.": "Hadiah paling sedikit seharga 1 poin.",
    "Already used %(count)s times: enter at least %(count)s, or leave it empty for no limit.": (
        "Sudah dipakai %(count)s kali: masukkan minimal %(count)s, atau kosongkan untuk tanpa batas."
    ),
    "Bought apart, X and Y cost %(price)s: enter a bundle price of at most that.": (
        "Jika dibeli terpisah, X dan Y seharga %(price)s: masukkan harga paket paling banyak sebesar itu."
    ),
    # The constraints' messages
    "The member discount can be at most 100.": "Diskon anggota paling banyak 100.",
    "The points balance cannot go below zero.": "Saldo poin tidak boleh kurang dari nol.",
    "The cashback balance cannot go below zero.": "Saldo cashback tidak boleh kurang dari nol.",
    "Points earned must be more than zero, points taken less than zero.": (
        "Poin yang didapat harus lebih dari nol, poin yang diambil kurang dari nol."
    ),
    "Cashback credited must be more than zero, cashback taken less than zero.": (
        "Cashback yang dikreditkan harus lebih dari nol, cashback yang diambil kurang dari nol."
    ),
    "The voucher has been used more often than its limit of uses allows.": (
        "Voucher ini sudah dipakai lebih sering daripada batas pemakaiannya."
    ),
    "The code has been used more often than its limit of uses allows.": (
        "Kode ini sudah dipakai lebih sering daripada batas pemakaiannya."
    ),
    "A member cannot refer herself.": "Anggota tidak dapat mereferensikan dirinya sendiri.",
}
