"""Indonesian for small fixes across areas: the order line's names (merged by scripts/translate.py)."""

ID = {
    "order line": "baris pesanan",
    "order lines": "baris pesanan",
}
