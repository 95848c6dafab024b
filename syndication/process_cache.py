"""A small cache kept in one process's memory, for values that are cheap
to make again (items' JSON, whole pages of the listing)."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict


class ProcessCache:
    """A few get and set methods of a Django cache, kept in this process's
    memory: least recently used entries go first, each expires after its
    timeout. Without pickling or key checks, a page's fifty items are found
    in microseconds; for values that are cheap to make again and whose keys
    say what they were made from, so that processes never disagree."""

    def __init__(self, max_entries: int):
        self.max_entries = max_entries
        self._entries: OrderedDict[object, tuple[float, object]] = OrderedDict()
        self._lock = threading.Lock()

    def get_many(self, keys) -> dict:
        now = time.monotonic()
        found = {}
        with self._lock:
            for key in keys:
                entry = self._entries.get(key)
                if entry is None:
                    continue
                if entry[0] <= now:
                    del self._entries[key]
                    continue
                self._entries.move_to_end(key)
                found[key] = entry[1]
        return found

    def set_many(self, mapping: dict, timeout: float) -> None:
        expires = time.monotonic() + timeout
        with self._lock:
            for key, value in mapping.items():
                self._entries[key] = (expires, value)
                self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
