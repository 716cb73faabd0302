"""Indonesian for the loyalty index panel's explanations (templates/analytics/panels/scores.html).
Merged by scripts/translate.py."""

ID = {
    "%(bought)s categories bought (%(target)s = full score)": "%(bought)s kategori dibeli (%(target)s = skor penuh)",
    "the gaps between them vary too much": "jarak antarpembeliannya terlalu tidak teratur",
}
ID["%(times)s\u00d7 likelier than for anyone"] = "%(times)s\u00d7 lebih mungkin dibanding pelanggan lain"
