"""Indonesian for an appointment refused because no staff member is free for its whole time."""

ID = {
    (
        "Nobody is free for the whole time from %(start)s to %(end)s: every staff member has an appointment then, "
        "those booked with any staff member included. Choose another time or a shorter service."
    ): (
        "Tidak ada staf yang kosong sepanjang %(start)s sampai %(end)s: semua staf sudah punya janji temu pada jam "
        "itu, termasuk janji temu dengan staf mana saja. Pilih jam lain atau layanan yang lebih singkat."
    ),
}
