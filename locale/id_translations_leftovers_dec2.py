"""Indonesian for the small mends of December: a driver with trips to drive is not moved to another
branch, and the other refusals that came with them."""

ID = {
    (
        "%(name)s still has a trip to drive for %(branch)s: %(trips)s. Assign it to another driver "
        "(or cancel it) before moving the driver to %(new_branch)s."
    ): (
        "%(name)s masih punya %(count)s perjalanan yang harus diantar untuk %(branch)s: %(trips)s. Tugaskan ke "
        "sopir lain (atau batalkan) sebelum memindahkan sopir ini ke %(new_branch)s."
    ),
    "Appointments are booked up to a year ahead: no free times this day.": (
        "Janji temu diterima sampai setahun ke depan: tidak ada waktu kosong pada hari ini."
    ),
    "Enter a whole number, e.g. 42.": "Isi bilangan bulat, mis. 42.",
    "How many codes: another issue took some of the same codes at the same moment. Issue again.": (
        "Berapa kode: penerbitan lain mengambil sebagian kode yang sama pada saat yang sama. Terbitkan lagi."
    ),
    "Send a JSON object as the request body: {} when every field is left out.": (
        "Kirim objek JSON sebagai isi permintaan: {} bila semua bidang dikosongkan."
    ),
    "This cursor cannot be read: pass the next_cursor of the page before, as it came.": (
        "Kursor ini tidak terbaca: kirim next_cursor dari halaman sebelumnya apa adanya."
    ),
}
