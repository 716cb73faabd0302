"""Indonesian translations of the custom field limits (minimum and maximum)."""

ID = {
    "minimum": "minimum",
    "maximum": "maksimum",
    "Minimum": "Minimum",
    "Maximum": "Maksimum",
    "must be at least %(limit)s": "minimal %(limit)s",
    "must be at most %(limit)s": "maksimal %(limit)s",
    "must be on or after %(limit)s": "paling awal %(limit)s",
    "must be on or before %(limit)s": "paling lambat %(limit)s",
    "Only whole number, decimal number and date fields have a minimum and maximum.": (
        "Hanya kolom bilangan bulat, bilangan desimal, dan tanggal yang punya minimum dan maksimum."
    ),
    "The minimum must not be more than the maximum.": "Minimum tidak boleh lebih besar dari maksimum.",
    "For whole numbers, decimal numbers and dates (the earliest date). "
    "Values already saved are kept; one outside the limits is refused only when someone changes it.": (
        "Untuk bilangan bulat, bilangan desimal, dan tanggal (tanggal paling awal). "
        "Nilai yang sudah tersimpan tetap ada; nilai di luar batas hanya ditolak ketika diubah."
    ),
    "For dates: the latest date. Leave both empty for no limit.": (
        "Untuk tanggal: tanggal paling akhir. Kosongkan keduanya jika tanpa batas."
    ),
}
