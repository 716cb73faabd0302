"""Indonesian translations of the taxi's driver list and assigning trips from it (merged by
scripts/translate.py)."""

ID = {
    # models, form
    "plate": "pelat nomor",
    "drivers": "sopir",
    "Number plate": "Pelat nomor",
    "E.g. 0812 3456 7890.": "Mis. 0812 3456 7890.",
    "E.g. B 1234 XYZ.": "Mis. B 1234 XYZ.",
    "E.g. Toyota Avanza, white.": "Mis. Toyota Avanza, putih.",
    # services
    "Enter the number plate, e.g. B 1234 XYZ.": "Isi pelat nomor, mis. B 1234 XYZ.",
    "“%(value)s” is not a number plate: write it like B 1234 XYZ.": (
        "“%(value)s” bukan pelat nomor: tulis seperti B 1234 XYZ."
    ),
    "Enter the driver's name.": "Isi nama sopir.",
    "Choose one of your branches.": "Pilih salah satu cabang Anda.",
    "%(name)s is already on the list of %(branch)s: add a surname or initial to tell them apart.": (
        "%(name)s sudah ada di daftar %(branch)s: tambahkan nama belakang atau inisial agar bisa dibedakan."
    ),
    "Driver not found.": "Sopir tidak ditemukan.",
    "Choose an active driver from the list.": "Pilih sopir aktif dari daftar.",
    "%(driver)s drives for %(home)s, not for %(branch)s.": "%(driver)s sopir %(home)s, bukan %(branch)s.",
    "Choose the driver.": "Pilih sopirnya.",
    "%(name)s is not on the driver list of %(branch)s.": "%(name)s tidak ada di daftar sopir %(branch)s.",
    # pages
    "%(name)s added to the drivers.": "%(name)s ditambahkan ke daftar sopir.",
    "%(name)s is back on the driver list.": "%(name)s kembali ada di daftar sopir.",
    "%(name)s deactivated: no longer offered for trips; past trips keep the name.": (
        "%(name)s dinonaktifkan: tidak lagi ditawarkan untuk perjalanan; perjalanan lama tetap memakai namanya."
    ),
    "%(driver)s is also on trip %(other)s at %(time)s.": (
        "%(driver)s juga bertugas di perjalanan %(other)s pukul %(time)s."
    ),
    "Drivers": "Sopir",
    "Add driver": "Tambah sopir",
    "Edit driver": "Ubah sopir",
    "Name or plate": "Nama atau pelat",
    "Deactivated": "Nonaktif",
    "deactivated": "nonaktif",
    "Active and deactivated": "Aktif dan nonaktif",
    "Trips today": "Perjalanan hari ini",
    "Deactivate %(name)s? Past trips keep the name.": "Nonaktifkan %(name)s? Perjalanan lama tetap memakai namanya.",
    "Deactivate": "Nonaktifkan",
    "Reactivate": "Aktifkan lagi",
    "No drivers match these filters.": "Tidak ada sopir yang cocok dengan saringan ini.",
    "No drivers yet. Add your drivers with their plates, then choose them when assigning a trip.": (
        "Belum ada sopir. Tambahkan sopir beserta pelatnya, lalu pilih mereka saat menugaskan perjalanan."
    ),
    "Add the first driver": "Tambah sopir pertama",
    "Trips already assigned keep the name and plate they were assigned with.": (
        "Perjalanan yang sudah ditugaskan tetap memakai nama dan pelat saat ditugaskan."
    ),
    "All drivers": "Semua sopir",
    "%(counter)s trip today": "%(counter)s perjalanan hari ini",
    "%(counter)s trip this day": "%(counter)s perjalanan hari itu",
    "Choose the driver": "Pilih sopir",
    "busy: %(number)s at %(time)s": "sibuk: %(number)s pukul %(time)s",
    "No drivers listed for this branch yet: add them to choose from a list.": (
        "Cabang ini belum punya daftar sopir: tambahkan agar bisa dipilih dari daftar."
    ),
}
