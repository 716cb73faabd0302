"""Indonesian for an appointment refused because no staff member is free for its whole time."""

ID = {
    (
        "Nobody is free for the whole time from %(start)s to %(end)s (counting the appointments booked with any "
        "staff member): choose another time or a shorter service."
    ): (
        "Tidak ada staf yang kosong sepanjang %(start)s sampai %(end)s (termasuk janji temu dengan staf mana "
        "saja): pilih jam lain atau layanan yang lebih singkat."
    ),
}
