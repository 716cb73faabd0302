"""Indonesian for an appointment refused because every staff member is taken at that time."""

ID = {
    (
        "Nobody is free at that time: the one staff member is booked (counting appointments with any "
        "staff member). Choose another time."
    ): (
        "Tidak ada yang kosong pada jam itu: semua %(count)s staf sudah dipesan (termasuk janji temu dengan "
        "staf mana saja). Pilih jam lain."
    ),
}
