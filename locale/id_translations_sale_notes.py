"""Indonesian for what the till says while the amounts typed fall short, and what a friend's first
purchase gave for her referral (the order page), and the columns of a voucher's codes (CSV)."""

ID = {
    "Still to pay": "Masih kurang",
    'Her first purchase rewarded the friend who brought her, <a href="%(referrer_url)s">%(name)s</a>.': (
        'Pembelian pertamanya memberi hadiah kepada teman yang mengajaknya, <a href="%(referrer_url)s">%(name)s</a>.'
    ),
    "Her first purchase rewarded the friend who brought her, %(name)s.": (
        "Pembelian pertamanya memberi hadiah kepada teman yang mengajaknya, %(name)s."
    ),
    "%(name)s: %(points)s points": "%(name)s: %(points)s poin",
    "Her welcome from a friend: %(points)s points": "Sambutan untuknya dari teman: %(points)s poin",
    "%(name)s has brought enough friends for “%(voucher)s”: code %(code)s.": (
        "%(name)s sudah mengajak cukup teman untuk “%(voucher)s”: kode %(code)s."
    ),
    "Maximum uses": "Maks. pemakaian",
    "Uses": "Terpakai",
    "Customer ID": "ID pelanggan",
    "The customer belongs to another branch: her receipt is sent from there.": (
        "Pelanggan ini milik cabang lain: struknya dikirim dari sana."
    ),
    "%(method)s is not allowed here; this endpoint takes %(allowed)s.": (
        "%(method)s tidak diterima di sini; endpoint ini menerima %(allowed)s."
    ),
    "Add at least one line.": "Tambahkan minimal satu baris.",
    "Enter a quantity of 1 or more.": "Isi jumlah 1 atau lebih.",
    "Enter a price of 0 or more.": "Isi harga 0 atau lebih.",
    "Enter a discount from 0 up to the line's amount.": "Isi diskon dari 0 sampai nilai barisnya.",
    "Enter at most 120 months (10 years), or 0: never.": (
        "Isi paling banyak 120 bulan (10 tahun), atau 0: tidak pernah."
    ),
    "Enter at most 365 days.": "Isi paling banyak 365 hari.",
    "Enter at most 3,660 days (10 years).": "Isi paling banyak 3.660 hari (10 tahun).",
    "Payment %(number)s: the amount is too large.": "Pembayaran %(number)s: nominalnya terlalu besar.",
    "Payment %(number)s: %(received)s received for %(due)s gives %(change)s in change; check the amount.": (
        "Pembayaran %(number)s: diterima %(received)s untuk %(due)s, kembaliannya %(change)s; periksa nominalnya."
    ),
    "Pay with points: enter a number of points, zero or more.": "Bayar dengan poin: isi jumlah poin, nol atau lebih.",
    "Not enough cashback: her balance is %(balance)s.": "Cashback tidak cukup: saldonya %(balance)s.",
    "Refund: what she paid with, given back": "Pengembalian dana: yang ia bayarkan dikembalikan",
    "in money": "berupa uang",
    "points back to her balance": "poin kembali ke saldonya",
    "cashback back to her balance": "cashback kembali ke saldonya",
    "These items are worth %(amount)s, but only %(left)s of the order is left to refund (earlier refunds took "
    "%(refunded)s): refund an amount instead.": (
        "Barang ini bernilai %(amount)s, tetapi sisa pesanan yang dapat dikembalikan hanya %(left)s "
        "(pengembalian sebelumnya %(refunded)s): kembalikan berupa nominal saja."
    ),
    "%(rows)s rows: %(valid)s valid, %(invalid)s with errors; %(orders)s orders (%(before)s imported before)": (
        "%(rows)s baris: %(valid)s valid, %(invalid)s bermasalah; %(orders)s pesanan "
        "(%(before)s sudah diimpor sebelumnya)"
    ),
    "%(rows)s rows: %(valid)s valid, %(invalid)s with errors": (
        "%(rows)s baris: %(valid)s valid, %(invalid)s bermasalah"
    ),
    "row %(number)s: %(reason)s": "baris %(number)s: %(reason)s",
    "… and %(count)s more rows with errors": "… dan %(count)s baris bermasalah lainnya",
    "rows with errors and reasons: %(path)s": "baris bermasalah beserta alasannya: %(path)s",
    "customers to create: %(count)s": "pelanggan yang akan dibuat: %(count)s",
    "%(count)s rows have errors; nothing was imported. Fix the file, or use --skip-invalid to import only the "
    "valid rows.": (
        "%(count)s baris bermasalah; tidak ada yang diimpor. Perbaiki berkasnya, atau pakai --skip-invalid untuk "
        "mengimpor baris yang valid saja."
    ),
    "created %(orders)s orders with %(lines)s lines, %(customers)s customers; skipped %(skipped)s rows": (
        "dibuat %(orders)s pesanan dengan %(lines)s baris, %(customers)s pelanggan; dilewati %(skipped)s baris"
    ),
    "points earned %(points)s": "poin diperoleh %(points)s",
    "created %(created)s, updated %(updated)s, unchanged %(unchanged)s, skipped %(skipped)s": (
        "dibuat %(created)s, diperbarui %(updated)s, tidak berubah %(unchanged)s, dilewati %(skipped)s"
    ),
    "skipped rows with reasons: %(path)s": "baris yang dilewati beserta alasannya: %(path)s",
    "Pick-up %(time)s": "Jemput %(time)s",
    "No items: the booking was cancelled.": "Tidak ada item: pesanan dibatalkan.",
    "Why it was cancelled": "Alasan pembatalan",
    "Appointment %(number)s paid.": "Janji temu %(number)s dibayar.",
}
