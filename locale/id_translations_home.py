# ruff: noqa: E501
"""Indonesian for the home page's sales and win-back panels."""

ID = {
    "all branches": "semua cabang",
    "your branches": "cabang Anda",
    "vs last %(day)s by this time": "dibanding %(day)s lalu pada jam yang sama",
    "Last 7 days": "7 hari terakhir",
    "vs the 7 days before": "dibanding 7 hari sebelumnya",
    "Paid orders, net of refunds, each period beside the one a week earlier up to the same time of day. Returning: customers who had bought before the period.": "Pesanan lunas, setelah dikurangi pengembalian dana, tiap periode dibanding periode seminggu sebelumnya hingga jam yang sama. Kembali: pelanggan yang sudah pernah membeli sebelum periode ini.",
    "Per order": "Per pesanan",
    "Returning customers": "Pelanggan kembali",
    "Loyalty members, last 30 days": "Anggota loyalitas, 30 hari terakhir",
    "Share of revenue": "Porsi pendapatan",
    "Spend per member": "Belanja per anggota",
    "per other customer": "per pelanggan lain",
    "Customers to win back": "Pelanggan untuk dirangkul kembali",
    "last visit %(days)s day ago": "kunjungan terakhir %(days)s hari lalu",
    "spent so far": "total belanja",
    "No good customer has gone quiet.": "Tidak ada pelanggan baik yang menghilang.",
    "Customer analytics has not been computed yet.": "Analitik pelanggan belum dihitung.",
    "Good customers who have not come back for a while (RFM segments: can't lose them, at risk, about to sleep), the biggest spenders first. Call them or send an offer.": "Pelanggan baik yang sudah lama tidak kembali (segmen RFM: jangan sampai hilang, berisiko, hampir tidur), yang belanjanya terbesar lebih dulu. Telepon mereka atau kirim penawaran.",
}
