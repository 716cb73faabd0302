import unicodedata


def search_key(text: str) -> str:
    """Lower-case, accents removed, spaces collapsed: `Siti Nurhalizá ` → `siti nurhaliza`."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(plain.casefold().split())
