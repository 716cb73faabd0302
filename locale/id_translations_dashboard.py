# ruff: noqa: E501, RUF001
"""Indonesian translations of the customer ("Pelanggan") dashboard (merged by scripts/translate.py)."""

ID = {
    "Dashboard": "Dasbor",
    "Customer dashboard": "Dasbor pelanggan",
    "No scores yet. They are computed every night, or now with “Refresh now” on the analytics page.": "Belum ada skor. Skor dihitung setiap malam, atau sekarang dengan “Perbarui sekarang” di halaman analitik.",
    "Figures of the refresh of %(when)s.": "Angka dari pembaruan %(when)s.",
    "No segments in the last refresh.": "Tidak ada segmen pada pembaruan terakhir.",
    "Predicted value (12 months): distribution": "Sebaran nilai prediksi (12 bulan)",
    "Predicted value": "Nilai prediksi",
    "No predicted values yet: the lifetime value model could not be fitted.": "Belum ada nilai prediksi: model nilai seumur hidup belum bisa dilatih.",
    "Valuable customers at risk": "Pelanggan bernilai yang berisiko pergi",
    "Customers with a churn risk of at least %(threshold)s%%, ordered by the value at stake (predicted value × churn risk).": "Pelanggan dengan risiko churn minimal %(threshold)s%%, diurutkan menurut nilai yang dipertaruhkan (nilai prediksi × risiko churn).",
    "Value at stake": "Nilai yang dipertaruhkan",
    "No valuable customer is at risk.": "Tidak ada pelanggan bernilai yang berisiko pergi.",
    "Cohort retention": "Retensi kohort",
    "The monthly cohort retention and revenue tables are on the analytics page.": "Tabel retensi dan pendapatan kohort bulanan ada di halaman analitik.",
    "No cohorts to show yet.": "Belum ada kohort untuk ditampilkan.",
    "Open the analytics page": "Buka halaman analitik",
}
