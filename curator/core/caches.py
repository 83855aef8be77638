"""In-memory caches of a catalog (vectors, fitted recommenders, loaded models), thread-safe.

A change record says what went stale: :meth:`Caches.invalidate` is the one place that
decides which cache a kind of change drops.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from .changes import Changes

# Fitted recommenders kept at once: one per weight profile in use (current, compared,
# tuned), so switching between them costs no refit.
RECOMMENDERS_KEPT = 4
# Small values read on every recommendation (settings, saved profiles): any applied change
# drops them, so a writer only has to apply its change record.
REREAD_AFTER_ANY_CHANGE = ("setting:", "profiles")


class Recent:
    """The last ``size`` values made, by key, the least recently asked for dropped first.

    Any thread may call :meth:`get`; two threads missing the same key at once may both make
    it (the values are equal), which costs less than making every caller wait.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._lock = threading.Lock()
        self._values: OrderedDict[Any, Any] = OrderedDict()

    def get(self, key: Any, make: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
        value = make()
        with self._lock:
            self._values[key] = value
            while len(self._values) > self.size:
                self._values.popitem(last=False)
        return value


class Caches:
    """Named values built on first use and dropped when a change makes them stale.

    Any thread may call :meth:`get` and :meth:`invalidate`. A value is built at most once at
    a time per key: other threads asking for it wait for the first build.
    """

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._values: dict[str, Any] = {}
        self._recommenders: OrderedDict[str, Any] = OrderedDict()
        self._building: dict[str, threading.Lock] = {}
        self._generation = 0

    def get(self, key: str, build: Callable[[], Any]) -> Any:
        """The cached value for ``key``, built with ``build()`` the first time."""
        return self._get(self._values, key, build)

    def recommender(self, key: str, build: Callable[[], Any]) -> Any:
        """A fitted recommender for one weight configuration (the last few are kept)."""
        value = self._get(self._recommenders, key, build)
        with self._lock:
            if key in self._recommenders:
                self._recommenders.move_to_end(key)
            while len(self._recommenders) > RECOMMENDERS_KEPT:
                self._recommenders.popitem(last=False)
        return value

    def drop(self, prefix: str) -> None:
        """Drop every value whose key starts with ``prefix`` (e.g. loaded encoders)."""
        with self._lock:
            self._generation += 1
            for key in [k for k in self._values if k.startswith(prefix)]:
                del self._values[key]

    def invalidate(self, changes: Changes) -> None:
        """Drop whatever ``changes`` made stale."""
        text = changes.artworks or changes.vectors
        models = text or changes.events or changes.visitors or changes.learned
        with self._lock:
            self._generation += 1
            for key in list(self._values):
                if key.startswith(REREAD_AFTER_ANY_CHANGE):
                    del self._values[key]
                    continue
                images = changes.artworks or changes.images
                if ((text and key.startswith("text_index"))
                        or (changes.artworks and key.startswith("lexical"))
                        or (images and key.startswith("image_index"))):
                    del self._values[key]
            if models:
                self._recommenders.clear()

    def clear(self) -> None:
        with self._lock:
            self._generation += 1
            self._values.clear()
            self._recommenders.clear()

    def _get(self, table: dict, key: str, build: Callable[[], Any]) -> Any:
        with self._lock:
            if key in table:
                return table[key]
            gate = self._building.setdefault(key, threading.Lock())
        with gate:
            with self._lock:
                if key in table:
                    return table[key]
                generation = self._generation
            value = build()
            with self._lock:
                # A change that arrived during the build made this value stale already:
                # hand it to the caller but do not keep it.
                if generation == self._generation:
                    table[key] = value
                self._building.pop(key, None)
            return value
