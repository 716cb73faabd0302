"""Indonesian for the customer import's timeline entry (setia/customers/timeline.py). Merged by scripts/translate.py."""

ID = {
    "imported": "diimpor",
    "import #%(id)s: %(file)s": "impor #%(id)s: %(file)s",
}
