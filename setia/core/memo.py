"""Values kept in the memory of one server process for a few seconds: the API key behind a
request and the business settings a permission check reads.

Every API request needs them, and each is a database round trip otherwise (measured: the caller
lookup's key query alone cost as much as the lookup itself). The trade-off is staleness across
processes, so a memo is

- short-lived: an entry is used for at most `MEMO_SECONDS` (setting, default 5) after it was read;
- cleared in its own process at once when the rows behind it change (the owners connect
  `post_save`/`post_delete` receivers that call `clear`), so a revoked key, a deactivated user or
  a changed setting takes effect immediately in the process that made the change and within
  `MEMO_SECONDS` in the other server processes;
- never handed out to be changed: callers get copies or frozen values;
- not filled inside a transaction: what a transaction reads may yet be rolled back, and a
  rollback sends no signal.

Tests clear every memo before each test (`setia/conftest.py`): a test that commits (a
`transaction=True` test) is flushed afterwards without a signal either.
"""

import threading
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import connection

_memos: list["Memo"] = []
_others: list[Callable[[], None]] = []


def register_clear(clear: Callable[[], None]) -> None:
    """Other per-process state to drop with the memos (tests)."""
    _others.append(clear)


class Memo:
    """A dict of `key -> (value, read_at)` that forgets entries older than `MEMO_SECONDS`."""

    def __init__(self, name: str, max_entries: int = 1000) -> None:
        self.name = name
        self.max_entries = max_entries
        self._entries: dict[Any, tuple[Any, float]] = {}
        self._lock = threading.Lock()
        _memos.append(self)

    @staticmethod
    def seconds() -> float:
        return float(getattr(settings, "MEMO_SECONDS", 5))

    def get(self, key: Any, load: Callable[[], Any]) -> Any:
        """The remembered value for `key`, or `load()` (remembered unless it is None)."""
        now = time.monotonic()
        entry = self._entries.get(key)
        if entry is not None and now - entry[1] < self.seconds():
            return entry[0]
        value = load()
        if value is not None and self.seconds() > 0 and not connection.in_atomic_block:
            with self._lock:
                if len(self._entries) >= self.max_entries:
                    self._entries.clear()
                self._entries[key] = (value, now)
        return value

    def forget(self, key: Any) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def clear(self, *args: Any, **kwargs: Any) -> None:
        """Forget everything (usable as a signal receiver)."""
        with self._lock:
            self._entries.clear()


def clear_all() -> None:
    for memo in _memos:
        memo.clear()
    for clear in _others:
        clear()
