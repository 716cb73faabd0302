"""Indonesian for what someone did, after her name (setia/core/audit.py `action_verb`): active verbs,
where the audit list's column uses the passive ("dibuat"). Merged by scripts/translate.py."""

ID = {
    "someone did it\x04created": "membuat",
    "someone did it\x04updated": "memperbarui",
    "someone did it\x04deleted": "menghapus",
    "someone did it\x04archived": "mengarsipkan",
    "someone did it\x04signed in": "masuk",
    "someone did it\x04signed out": "keluar",
    "someone did it\x04failed to sign in": "gagal masuk",
    "someone did it\x04revoked": "mencabut",
    "someone did it\x04recorded": "mencatat",
}
