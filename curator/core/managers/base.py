"""What every manager shares: the catalog it belongs to, its store and its caches."""

from __future__ import annotations

from typing import TYPE_CHECKING

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
