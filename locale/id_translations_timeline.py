"""Indonesian for the 360° page's timeline paging."""

ID = {
    "Show older": "Tampilkan yang lebih lama",
}
