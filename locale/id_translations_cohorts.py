# ruff: noqa: E501
"""Indonesian translations of the monthly acquisition cohorts on the analytics page (merged by
scripts/translate.py)."""

ID = {
    "Monthly cohorts: retention and revenue": "Kohort bulanan: retensi dan pendapatan",
    "Customers grouped by the month of their first purchase (the last 12 months). Each column is a month since that first purchase: month 0 is the month they joined; the current month is not over yet.": "Pelanggan dikelompokkan menurut bulan pembelian pertamanya (12 bulan terakhir). Setiap kolom adalah bulan sejak pembelian pertama itu: bulan 0 adalah bulan mereka bergabung; bulan berjalan belum selesai.",
    "Retention: share of the cohort who bought in the month": "Retensi: persentase kohort yang membeli pada bulan tersebut",
    "First purchase": "Pembelian pertama",
    "Month %(offset)s": "Bulan %(offset)s",
    "%(customers)s customer": "%(customers)s pelanggan",
    "Revenue per cohort customer in the month": "Pendapatan per pelanggan kohort pada bulan tersebut",
    "Total %(total)s": "Total %(total)s",
    "No customer made a first purchase in the last 12 months (or the last refresh predates cohorts): no cohorts to show yet.": "Belum ada pelanggan yang melakukan pembelian pertama dalam 12 bulan terakhir (atau penyegaran terakhir dibuat sebelum ada kohort): belum ada kohort untuk ditampilkan.",
}
