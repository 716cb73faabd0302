# ruff: noqa: E501
"""Indonesian for messages added on the customer pages: consent recorded by staff, the list's
search by contact point, another branch's customer, birthday limits."""

ID = {
    # Consent on the 360° page and the new-customer form
    "Record consent": "Catat persetujuan",
    "Channel: choose a channel.": "Saluran: pilih saluran.",
    "Channel: “%(value)s” is not a channel. Choose email, SMS, WhatsApp or phone call.": (
        "Saluran: “%(value)s” bukan saluran. Pilih email, SMS, WhatsApp, atau telepon."
    ),
    "Purpose: choose a purpose.": "Tujuan: pilih tujuan.",
    "Purpose: “%(value)s” is not a purpose. Choose marketing or profiling.": (
        "Tujuan: “%(value)s” bukan tujuan. Pilih pemasaran atau profil."
    ),
    "Consent: choose given or withdrawn.": "Persetujuan: pilih diberikan atau ditarik.",
    "How the customer said it": "Cara pelanggan menyatakannya",
    "“Recorded by staff”: told in person or on the phone.": (
        "“Dicatat oleh staf”: disampaikan langsung atau lewat telepon."
    ),
    "How the customer said it: “%(value)s” is not one of the choices.": (
        "Cara pelanggan menyatakannya: “%(value)s” bukan salah satu pilihan."
    ),
    "Privacy notice version": "Versi pemberitahuan privasi",
    "The version of the privacy notice the customer was shown.": (
        "Versi pemberitahuan privasi yang ditunjukkan kepada pelanggan."
    ),
    "Privacy notice version: enter the version the customer was shown.": (
        "Versi pemberitahuan privasi: isi versi yang ditunjukkan kepada pelanggan."
    ),
    "Consent %(state)s recorded: %(channel)s · %(purpose)s.": "Persetujuan %(state)s dicatat: %(channel)s · %(purpose)s.",
    "Each statement is kept: recording a withdrawal does not erase the consent given before it. The status shown is the latest statement per channel and purpose.": (
        "Setiap pernyataan disimpan: mencatat penarikan tidak menghapus persetujuan sebelumnya. "
        "Status yang ditampilkan adalah pernyataan terakhir per saluran dan tujuan."
    ),
    "No consent recorded yet.": "Belum ada persetujuan yang dicatat.",
    "All records": "Semua catatan",
    "Notice version": "Versi pemberitahuan",
    "system": "sistem",
    "Agrees to marketing by WhatsApp": "Setuju menerima pemasaran lewat WhatsApp",
    "Agrees to marketing by SMS": "Setuju menerima pemasaran lewat SMS",
    "Agrees to marketing by email": "Setuju menerima pemasaran lewat email",
    # The customer list's search
    "Name, phone, email, card number…": "Nama, telepon, email, nomor kartu…",
    "Search the customer list": "Cari di daftar pelanggan",
    "%(counter)s customer found": "%(counter)s pelanggan ditemukan",
    "%(counter)s customers found": "%(counter)s pelanggan ditemukan",
    # Another branch's customer
    "This number belongs to a customer of %(branch)s. Branches do not share customers here, so you cannot see her; she is not a new caller.": (
        "Nomor ini milik pelanggan %(branch)s. Cabang di sini tidak berbagi pelanggan, jadi Anda tidak dapat "
        "melihatnya; ia bukan penelepon baru."
    ),
    "This number belongs to a customer of %(branch)s. Branches do not share customers here: she is not a new customer; here she can buy as a guest.": (
        "Nomor ini milik pelanggan %(branch)s. Cabang di sini tidak berbagi pelanggan: ia bukan pelanggan baru; "
        "di sini ia dapat berbelanja sebagai tamu."
    ),
    "The number %(number)s belongs to a customer of %(branch)s. Branches do not share customers here, so you cannot see her: saving makes a second record of the same person.": (
        "Nomor %(number)s milik pelanggan %(branch)s. Cabang di sini tidak berbagi pelanggan, jadi Anda tidak "
        "dapat melihatnya: menyimpan akan membuat data kedua untuk orang yang sama."
    ),
    # Birthday
    "Birthday: the date is in the future.": "Tanggal lahir: tanggalnya di masa depan.",
    "Birthday: the date is more than %(years)s years ago.": "Tanggal lahir: tanggalnya lebih dari %(years)s tahun lalu.",
    # Export
    "A spreadsheet sheet holds at most %(max)s rows; export these %(count)s customers as CSV.": (
        "Satu lembar spreadsheet memuat paling banyak %(max)s baris; ekspor %(count)s pelanggan ini sebagai CSV."
    ),
}
