"""Fail if a user-facing string lacks an Indonesian translation, or the compiled catalog is stale.

Extracts the project's messages afresh (Django's makemessages, into a temporary copy of the
sources) and checks each against locale/id/LC_MESSAGES/django.po: present, translated, not
fuzzy. Then checks that django.mo holds exactly what django.po says.
"""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale" / "id" / "LC_MESSAGES" / "django.po"
SOURCES = ["config", "setia", "templates", "manage.py"]


def fresh_messages() -> set[tuple[str, str]]:
    with tempfile.TemporaryDirectory() as temp:
        for name in SOURCES:
            source = ROOT / name
            target = Path(temp) / name
            if source.is_dir():
                shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", "tests"))
            else:
                shutil.copy(source, target)
        (Path(temp) / "locale").mkdir()
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "PYTHONPATH": temp}
        subprocess.run(
            [sys.executable, "manage.py", "makemessages", "-l", "id", "--no-location", "-v", "0"],
            cwd=temp,
            env=env,
            check=True,
        )
        catalog = polib.pofile(str(Path(temp) / "locale" / "id" / "LC_MESSAGES" / "django.po"))
        return {(entry.msgctxt or "", entry.msgid) for entry in catalog}


def main() -> int:
    if not PO.exists():
        print(f"missing {PO.relative_to(ROOT)}; run `make messages`")
        return 1
    catalog = polib.pofile(str(PO))
    translated = {
        (entry.msgctxt or "", entry.msgid)
        for entry in catalog
        if entry.translated() and "fuzzy" not in entry.flags and not entry.obsolete
    }
    missing = sorted(fresh_messages() - translated)
    for context, msgid in missing:
        print(f"untranslated (id): {msgid!r}" + (f" [context {context}]" if context else ""))
    mo = PO.with_suffix(".mo")
    stale = not mo.exists() or {(e.msgctxt or "", e.msgid, e.msgstr) for e in polib.mofile(str(mo))} != {
        (e.msgctxt or "", e.msgid, e.msgstr) for e in catalog.translated_entries()
    }
    if stale:
        print("locale/id/LC_MESSAGES/django.mo is out of date; run `make messages`")
    if missing or stale:
        return 1
    print(f"Indonesian catalog complete: {len(translated)} messages.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
