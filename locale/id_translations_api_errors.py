"""Indonesian for the API's own words on a request body (pydantic's are English), references not
found, refunds retried with an Idempotency-Key, and paying with points as a guest of a branch."""

ID = {
    "not found": "tidak ditemukan",
    "This field is required.": "Bidang ini tidak boleh kosong.",
    "Unknown field: leave it out or check its spelling.": "Kolom tidak dikenal: hapus atau periksa ejaannya.",
    "Enter a whole number (a JSON number, not text).": "Isi bilangan bulat (angka JSON, bukan teks).",
    "Enter text.": "Isi teks.",
    "Enter true or false.": "Isi true atau false.",
    "Enter a list.": "Isi daftar (list).",
    "Enter an object.": "Isi objek.",
    "Enter a date and time, e.g. 2026-12-24T15:00:00+07:00.": "Isi tanggal dan jam, mis. 2026-12-24T15:00:00+07:00.",
    "Enter a date, e.g. 2026-12-24.": "Isi tanggal, mis. 2026-12-24.",
    "Enter at least %(limit)s.": "Isi paling sedikit %(limit)s.",
    "Enter more than %(limit)s.": "Isi lebih dari %(limit)s.",
    "Enter at most %(limit)s.": "Isi paling banyak %(limit)s.",
    "Enter less than %(limit)s.": "Isi kurang dari %(limit)s.",
    "Enter at most %(limit)s characters.": "Isi paling banyak %(limit)s karakter.",
    "Enter at least %(limit)s characters.": "Isi paling sedikit %(limit)s karakter.",
    "At most %(limit)s items.": "Paling banyak %(limit)s butir.",
    "At least %(limit)s items.": "Paling sedikit %(limit)s butir.",
    "Choose one of: %(choices)s.": "Pilih salah satu: %(choices)s.",
    "The request body is not valid JSON.": "Isi permintaan bukan JSON yang sah.",
    "A number in the request is too large.": "Ada angka yang terlalu besar dalam permintaan.",
    "The number is too large.": "Angkanya terlalu besar.",
    "This Idempotency-Key was already used for a different refund.": (
        "Idempotency-Key ini sudah dipakai untuk pengembalian dana yang lain."
    ),
    "Choose how the fare was paid.": "Pilih cara pembayaran tarifnya.",
    "She is a member of another branch and a guest here: she pays with points or cashback at her own branch.": (
        "Ia anggota cabang lain dan tamu di sini: ia membayar dengan poin atau cashback di cabangnya sendiri."
    ),
}
