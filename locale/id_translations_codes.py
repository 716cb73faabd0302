"""Indonesian for messages added in the loyalty screens (voucher codes, programme targets)."""

ID = {
    "%(field)s may hold only letters, digits and hyphens (no spaces).": (
        "%(field)s hanya boleh berisi huruf, angka, dan tanda hubung (tanpa spasi)."
    ),
    "The code": "Kode",
}
ID.update(
    {
        "Target": "Sasaran",
        "every member": "semua anggota",
        "Target segment": "Segmen sasaran",
        "aimed at segments": "ditujukan ke segmen",
        "Aimed at": "Ditujukan ke",
        "everyone": "semua orang",
        "Members reached: active members in the target tiers, tags or segment (every member when none is chosen). "
        "Redemptions: uses of the programme's vouchers within its dates.": (
            "Anggota yang dijangkau: anggota aktif di tingkat, label, atau segmen sasaran (semua anggota bila tidak "
            "dipilih). Penukaran: pemakaian voucher program dalam rentang tanggalnya."
        ),
    }
)
