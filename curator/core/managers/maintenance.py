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

    def schema_version(self) -> int:
        return self._store.schema_version()
