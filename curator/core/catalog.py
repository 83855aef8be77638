"""The Catalog facade: the one object the desktop app and the command line talk to.

Its work is split among managers, reached as attributes:

- ``catalog.imports``: catalogs, histories and visitor lists in; batches; undo;
- ``catalog.embeddings``: encoders, their settings, embedding runs, vector indexes;
- ``catalog.artworks``: reading artworks, facets, search, "more like this";
- ``catalog.recommendations``: explained lists, profiles, evaluation;
- ``catalog.visitors``: visitors, their histories, pseudonyms and deletion;
- ``catalog.maintenance``: backups and the database file.

Every mutation returns one :class:`~.changes.Changes` record; :meth:`Catalog.apply` is where
a change drops the caches it made stale.
"""

from __future__ import annotations

from pathlib import Path

from .caches import Caches
from .changes import Changes
from .managers.artworks import ArtworkManager, Hit, Hits
from .managers.embeddings import EmbeddingManager, EmbeddingProgress, EmbeddingStatus
from .managers.imports import BatchInfo, ImportManager
from .managers.maintenance import MaintenanceManager
from .managers.recommendations import RecommendationManager
from .managers.visitors import VisitorManager
from .store import Store

__all__ = ["BatchInfo", "Catalog", "Changes", "EmbeddingProgress", "EmbeddingStatus", "Hit",
           "Hits"]


class Catalog:
    """An open Curator database.

    Parameters
    ----------
    path
        The database file; created with the current schema if it does not exist.
    read_only
        Open for reading only (another Curator may be writing).

    Managers may be called from any thread: reads take their own cursor, writes are
    serialised by the store, and the caches are locked.
    """

    def __init__(self, path: str | Path, *, read_only: bool = False):
        self.path = str(path)
        # The store is for the managers, tests and benchmarks; front ends never use it.
        self.store = Store(path, read_only=read_only)
        if not read_only:
            from .privacy import migrate_legacy_key

            migrate_legacy_key(self.store)
        self._caches = Caches()
        self.imports = ImportManager(self)
        self.embeddings = EmbeddingManager(self)
        self.artworks = ArtworkManager(self)
        self.recommendations = RecommendationManager(self)
        self.visitors = VisitorManager(self)
        self.maintenance = MaintenanceManager(self)

    @staticmethod
    def check_file(path: str | Path):
        """Check a database file that may be too damaged to open as a catalog; see
        :meth:`.managers.maintenance.MaintenanceManager.check`."""
        from .integrity import check_file

        return check_file(path)

    @property
    def read_only(self) -> bool:
        return self.store.read_only

    def apply(self, changes: Changes) -> Changes:
        """Drop what ``changes`` made stale and hand the record back (managers call this)."""
        self._caches.invalidate(changes)
        return changes

    def counts(self) -> dict[str, int]:
        """Rows per table: artworks, users, events, import batches."""
        cur = self.store.cursor()
        try:
            row = cur.execute(
                "SELECT (SELECT count(*) FROM artworks), (SELECT count(*) FROM users), "
                "(SELECT count(*) FROM events), (SELECT count(*) FROM import_batches)"
            ).fetchall()[0]
        finally:
            cur.close()
        return dict(zip(["artworks", "users", "events", "batches"], row, strict=True))

    def close(self) -> None:
        self._caches.clear()
        self.store.close()

    def __enter__(self) -> Catalog:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
