# ruff: noqa: E501
"""Indonesian for the lifetime value model's notes and the refresh's step names."""

ID = {
    "not fitted: the spend model found no stable fit for these purchases (spend varies too little between customers, or too few of them bought twice). Predicted values in Rupiah stay empty; purchase predictions are not affected.": "belum dilatih: model belanja tidak menemukan hasil yang stabil untuk pembelian ini (belanja terlalu mirip antarpelanggan, atau terlalu sedikit yang membeli dua kali). Prediksi nilai dalam Rupiah tetap kosong; prediksi pembelian tidak terpengaruh.",
    "%(customers)s customers have purchases in the calibration window and %(repeat)s of them came back; the model needs at least %(need)s customers and %(need_repeat)s who came back.": "%(customers)s pelanggan berbelanja dalam jendela kalibrasi dan %(repeat)s di antaranya kembali lagi; model membutuhkan sedikitnya %(need)s pelanggan dan %(need_repeat)s yang kembali.",
    "the purchase model found no stable fit for this history. It is tried again at the next refresh; more history usually helps.": "model pembelian tidak menemukan hasil yang stabil untuk riwayat ini. Model dicoba lagi pada pembaruan berikutnya; riwayat yang lebih panjang biasanya membantu.",
    "reading purchases": "membaca pembelian",
    "RFM scores": "skor RFM",
    "fitting the lifetime value model": "melatih model nilai seumur hidup",
    "predicting lifetime values": "memprediksi nilai seumur hidup",
    "cohorts": "kohort",
    "cross-sell rules": "aturan cross-sell",
    "saving the scores": "menyimpan skor",
    "score history": "riwayat skor",
}
