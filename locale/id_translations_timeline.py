"""Indonesian for the 360° page's timeline paging."""

ID = {
    "Show older": "Tampilkan yang lebih lama",
    "%(action)s %(kind)s %(name)s": "%(action)s %(kind)s %(name)s",
}
