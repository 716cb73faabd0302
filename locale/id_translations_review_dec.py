"""Indonesian translations of what a review of the running demo mended in December (merged by
scripts/translate.py)."""

ID = {
    "Pipelines and stages": "Pipeline dan tahap",
    "Every day at %(time)s": "Setiap hari pukul %(time)s",
    "Every %(weekday)s at %(time)s": "Setiap %(weekday)s pukul %(time)s",
    "Every %(minutes)s minutes": "Setiap %(minutes)s menit",
    "%(every)s from %(start)s to %(end)s": "%(every)s, pukul %(start)s\u2013%(end)s",
    "Last run": "Terakhir berjalan",
    "All jobs": "Semua tugas",
    "Failed only": "Hanya yang gagal",
    "No runs match these filters.": "Tidak ada tugas yang cocok dengan filter ini.",
    "Not run yet": "Belum pernah berjalan",
    "Customer import: check the file": "Impor pelanggan: periksa berkas",
    "Customer import: import": "Impor pelanggan: impor",
    "Order import: check the file": "Impor pesanan: periksa berkas",
    "Order import: import": "Impor pesanan: impor",
    "Loyalty: balance check": "Loyalitas: pemeriksaan saldo",
    "Customer analytics: refresh": "Analitik pelanggan: perbarui",
    "How long the last refresh took": "Lama pembaruan terakhir",
    "Subtotal: %(amount)s": "Subtotal: %(amount)s",
    "Cash rounding: %(amount)s": "Pembulatan tunai: %(amount)s",
    "incl. PPN %(rate)s%%: %(amount)s": "termasuk PPN %(rate)s%%: %(amount)s",
    "Cashback earned: %(amount)s": "Cashback didapat: %(amount)s",
    "Often bought with %(product)s (in %(percent)s%% of the orders with it)": (
        "Sering dibeli bersama %(product)s (ada di %(percent)s%% pesanan yang memuat %(product)s)"
    ),
    "Often bought with %(product)s, which this customer bought before (in %(percent)s%% of the orders with it)": (
        "Sering dibeli bersama %(product)s, yang pernah dibeli pelanggan ini "
        "(ada di %(percent)s%% pesanan yang memuat %(product)s)"
    ),
    "The price is set when the booking is completed.": "Harga ditetapkan saat pemesanan selesai.",
    "Last 30 days": "30 hari terakhir",
    "Average churn risk: of the segment\u2019s customers who bought on more than one day. For a one-time buyer "
    "the model has no buying rhythm to judge by.": (
        "Rata-rata risiko churn: dari pelanggan segmen ini yang berbelanja di lebih dari satu hari. Untuk "
        "pelanggan yang baru sekali berbelanja, model belum punya ritme belanja untuk dinilai."
    ),
}
