"""Indonesian translations of the audit trail's notes, which are stored untranslated and shown in
the reader's language (merged by scripts/translate.py)."""

ID = {
    "%(count)s values deleted": "%(count)s nilai dihapus",
    "Consent given (%(source)s, notice %(notice)s)": "Persetujuan diberikan (%(source)s, pemberitahuan %(notice)s)",
    "Consent withdrawn (%(source)s, notice %(notice)s)": "Persetujuan ditarik (%(source)s, pemberitahuan %(notice)s)",
    "Created from lead %(lead)s": "Dibuat dari prospek %(lead)s",
    "Demo data: %(count)s customers loaded in bulk": "Data demo: %(count)s pelanggan dimuat sekaligus",
    "Evaluated: %(joined)s joined, %(left)s left, %(members)s members": (
        "Dievaluasi: %(joined)s masuk, %(left)s keluar, %(members)s anggota"
    ),
    "Exported %(count)s customers (%(filter)s)": "Mengekspor %(count)s pelanggan (%(filter)s)",
    "Exported %(count)s members": "Mengekspor %(count)s anggota",
    "Import done: %(created)s created, %(updated)s updated, %(skipped)s skipped": (
        "Impor selesai: %(created)s dibuat, %(updated)s diperbarui, %(skipped)s dilewati"
    ),
    "Import started (%(mode)s)": "Impor dimulai (%(mode)s)",
    "Imported %(count)s customers": "Mengimpor %(count)s pelanggan",
    "Imported %(count)s leads": "Mengimpor %(count)s prospek",
    "Imported from a file": "Diimpor dari berkas",
    "Lead %(lead)s linked (same phone or email)": "Prospek %(lead)s ditautkan (telepon atau email sama)",
    "Merged customer #%(id)s into this one": "Pelanggan #%(id)s digabungkan ke pelanggan ini",
    "Merged into customer #%(id)s": "Digabungkan ke pelanggan #%(id)s",
    "Moved down": "Dipindah ke bawah",
    "Moved up": "Dipindah ke atas",
    "Orders import %(file)s: %(orders)s orders, %(lines)s lines": (
        "Impor pesanan %(file)s: %(orders)s pesanan, %(lines)s baris"
    ),
    "Password changed": "Kata sandi diubah",
    "Removed %(count)s members": "Menghapus %(count)s anggota",
    "Snapshot of segment %(segment)s: %(members)s members": "Salinan segmen %(segment)s: %(members)s anggota",
    "Two-factor sign-in reset": "Masuk dua langkah diatur ulang",
    "Uploaded %(file)s": "Mengunggah %(file)s",
    "Uploaded %(file)s: %(rows)s rows, %(matched)s matched, %(added)s added": (
        "Mengunggah %(file)s: %(rows)s baris, %(matched)s cocok, %(added)s ditambahkan"
    ),
}
