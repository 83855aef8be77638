"""Maintenance: backups and the state of the database file."""

from __future__ import annotations

from pathlib import Path

from .base import Manager


class MaintenanceManager(Manager):
    """``catalog.maintenance``: keeping the database safe."""

    def backup(self, target: str | Path) -> Path:
        """A consistent copy of the database in a new file (changes nothing here)."""
        from ..maintenance import backup

        return backup(self._store, target)

    def check(self):
        """Read every table and block of the database; a :class:`~..integrity.CheckReport`
        whose ``sentence()`` says whether it is whole and, if not, the newest backup found.
        Changes nothing; any thread may call this (it can take a while on a big catalog)."""
        from ..integrity import check_store

        return check_store(self._store)

    def schema_version(self) -> int:
        return self._store.schema_version()
