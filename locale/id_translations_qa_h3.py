"""Indonesian translations of strings met on the salon and taxi pages that no other area translates
(merged by scripts/translate.py)."""

ID = {
    # Django's empty choice of a required select (forms of the loyalty back office and others)
    "- Select an option -": "- Pilih -",
}
