"""What every manager shares: the catalog it belongs to, its store and its caches."""

from __future__ import annotations

from copy import deepcopy
from typing import TYPE_CHECKING, Any

from ..settings import get_setting

if TYPE_CHECKING:
    from ..catalog import Catalog


class Manager:
    """One part of the catalog's work; holds no state of its own beyond the catalog."""

    def __init__(self, catalog: Catalog):
        self._catalog = catalog

    @property
    def _store(self):
        return self._catalog.store

    @property
    def _caches(self):
        return self._catalog._caches

    def _setting(self, key: str, default: Any = None) -> Any:
        """A setting, read from the database once until a change is applied (the writers
        of settings apply a change record; hot paths such as each recommendation ask)."""
        value = self._caches.get(f"setting:{key}", lambda: get_setting(self._store, key))
        return default if value is None else deepcopy(value)
