# ruff: noqa: E501
"""Indonesian translations of the checkout's messages (merged by scripts/translate.py)."""

ID = {
    "The member's balance changed while the sale was being recorded. Try again.": "Saldo member berubah saat penjualan sedang dicatat. Coba lagi.",
}
