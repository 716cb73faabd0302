"""Indonesian for an order's discounts by kind (the order page, receipts) and the discounts by kind
on the sales figures page. Merged by scripts/translate.py."""

ID = {
    # order fields
    "member discount": "diskon anggota",
    "promotion discounts": "diskon promo",
    "voucher discount": "diskon voucher",
    "member tier": "tingkat anggota",
    # order page and receipts
    "Member discount": "Diskon anggota",
    "Discounts": "Diskon",
    # sales figures
    "Discounts by kind": "Diskon per jenis",
    "%(counter)s sale in the period": "%(counter)s penjualan dalam periode ini",
    "the owner filter does not apply": "filter penanggung jawab tidak berlaku",
    "Sales with it": "Penjualan",
    "Of the sales before discounts": "Dari penjualan sebelum diskon",
    "Member discounts (tiers)": "Diskon anggota (tingkat)",
    "Not by kind (older orders)": "Tanpa rincian jenis (pesanan lama)",
}
