"""Fill locale/id/LC_MESSAGES/django.po from locale/id_translations*.py and list what is left.

`make messages` runs makemessages, then this, then compilemessages.
"""

import runpy
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    # One file per area (locale/id_translations.py, locale/id_translations_<app>.py) so that
    # work on different apps does not edit one file.
    translations: dict[str, str] = {}
    for source in sorted((ROOT / "locale").glob("id_translations*.py")):
        translations.update(runpy.run_path(str(source))["ID"])
    po_path = ROOT / "locale" / "id" / "LC_MESSAGES" / "django.po"
    catalog = polib.pofile(str(po_path))
    missing = []
    for entry in catalog:
        if entry.obsolete:
            continue
        # A msgid with a context (pgettext) is keyed "context\x04msgid", as gettext itself does.
        key = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid
        if key in translations:
            if entry.msgid_plural:
                entry.msgstr_plural = {0: translations[key]}  # Indonesian has one plural form
            else:
                entry.msgstr = translations[key]
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
        elif not entry.translated() or "fuzzy" in entry.flags:
            missing.append(entry.msgid)
    catalog.metadata["Language"] = "id"
    catalog.metadata["Content-Type"] = "text/plain; charset=UTF-8"
    catalog.save(str(po_path))
    for msgid in missing:
        print(f"no Indonesian translation yet: {msgid!r}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
