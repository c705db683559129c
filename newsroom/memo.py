"""A small in-process memory with a bound, for values that are cheap to lose and costly to rebuild."""

import threading


class BoundedMemo:
    """
    A mapping kept by one process that forgets its oldest entries beyond ``size``. Safe to share
    between threads (runserver and threaded workers serve requests side by side).
    """

    def __init__(self, size):
        self.size = size
        self._entries = {}
        self._lock = threading.Lock()

    def get(self, key, default=None):
        return self._entries.get(key, default)

    def set(self, key, value):
        with self._lock:
            if key not in self._entries and len(self._entries) >= self.size:
                del self._entries[next(iter(self._entries))]  # the oldest
            self._entries[key] = value

    def clear(self):
        with self._lock:
            self._entries.clear()

    def __len__(self):
        return len(self._entries)
