"""Indonesian translations of the fixes from the taxi story's walk-through: the trip form's pick-up
(saved address or another place), booking times within a year, over-long texts, the board's fare
and payment method, completing a trip once driven, and deactivating a driver with trips to drive
(merged by scripts/translate.py)."""

ID = {
    # services: booking times, texts
    "The pick-up time is more than a year ahead: check the date.": (
        "Waktu jemput lebih dari setahun lagi: periksa tanggalnya."
    ),
    "The appointment time is more than a year ahead: check the date.": (
        "Waktu janji temu lebih dari setahun lagi: periksa tanggalnya."
    ),
    "the pick-up place": "tempat jemput",
    "the landmark notes": "catatan patokan",
    "the destination": "tujuan",
    "the driver's name": "nama sopir",
    "the number plate": "pelat nomor",
    "Shorten %(field)s to at most %(limit)s characters (%(count)s now).": (
        "Persingkat %(field)s menjadi paling banyak %(limit)s karakter (sekarang %(count)s)."
    ),
    "Choose a saved address or enter another place, not both.": (
        "Pilih alamat tersimpan atau isi tempat lain, jangan keduanya."
    ),
    # services: assigning, completing
    "Only booked or assigned trips can be assigned.": (
        "Hanya perjalanan yang dipesan atau sudah ditugaskan yang bisa ditugaskan."
    ),
    "The driver chosen is %(driver)s, not %(name)s: send one of them.": (
        "Sopir yang dipilih adalah %(driver)s, bukan %(name)s: kirim salah satunya saja."
    ),
    "The pick-up is at %(time)s: complete the trip once it has been driven.": (
        "Penjemputan pada %(time)s: selesaikan perjalanan setelah diantar."
    ),
    # services: deactivating a driver
    "%(number)s at %(time)s": "%(number)s pada %(time)s",
    "and %(count)s more": "dan %(count)s lagi",
    "%(name)s still has a trip to drive: %(trips)s. Assign it to another driver (or cancel it) first.": (
        "%(name)s masih punya %(count)s perjalanan yang harus diantar: %(trips)s. Tugaskan ke sopir lain "
        "(atau batalkan) dulu."
    ),
    # pages
    "%(day)s is too far from today: showing today. Days up to %(years)s years either way are shown.": (
        "%(day)s terlalu jauh dari hari ini: yang ditampilkan hari ini. Hari sampai %(years)s tahun ke belakang "
        "atau ke depan bisa ditampilkan."
    ),
    "Trip %(number)s: %(reason)s": "Perjalanan %(number)s: %(reason)s",
}
