"""Visitors: who they are, what they did, and their privacy (pseudonyms, deletion)."""

from __future__ import annotations

from contextlib import contextmanager

from ..changes import Changes
from ..errors import CuratorError
from .base import Manager


class VisitorManager(Manager):
    """``catalog.visitors``: the people whose histories the catalog holds."""

    def ids(self, search: str | None = None, limit: int | None = None) -> list[str]:
        """Visitor ids in order, those containing ``search`` (any case) when given."""
        cur = self._store.cursor()
        try:
            sql, params = "SELECT id FROM users", []
            if search:
                sql += " WHERE id ILIKE ?"
                params.append(f"%{search}%")
            sql += " ORDER BY id"
            if limit:
                sql += f" LIMIT {int(limit)}"
            return [r[0] for r in cur.execute(sql, params).fetchall()]
        finally:
            cur.close()

    def exists(self, user_id: str) -> bool:
        cur = self._store.cursor()
        try:
            return bool(cur.execute("SELECT count(*) FROM users WHERE id = ?",
                                    [user_id]).fetchall()[0][0])
        finally:
            cur.close()

    def stored_id(self, user_id: str) -> str | None:
        """The id a visitor has in the database: ``user_id`` itself, or, once visitors were
        pseudonymized, the pseudonym of the id the institution uses; ``None`` if unknown."""
        from ..privacy import stored_id

        cur = self._store.cursor()
        try:
            return stored_id(self._store, cur, user_id)
        finally:
            cur.close()

    def history(self, user_id: str) -> list[dict]:
        """A visitor's events, newest first, with the artwork's title (the id may be the
        institution's own after a pseudonymization)."""
        user_id = self.stored_id(user_id) or user_id
        cur = self._store.cursor()
        try:
            return cur.sql(
                "SELECT e.ts, e.kind, e.value, e.artwork_id, a.title FROM events e "
                "LEFT JOIN artworks a ON a.id = e.artwork_id WHERE e.user_id = ? "
                "ORDER BY e.ts DESC", params=[user_id]).to_arrow_table().to_pylist()
        finally:
            cur.close()

    def pseudonymize(self, *, rotate: bool = False) -> Changes:
        """Replace every visitor id by a keyed pseudonym (``rotate``: under an added key);
        see :func:`..maintenance.pseudonymize`. The database file is rewritten after."""
        from ..maintenance import pseudonymize
        from ..privacy import key_file

        with self._stale_on_error():
            n = pseudonymize(self._store, rotate=rotate)
        return self._catalog.apply(Changes(
            visitors=bool(n), events=bool(n), count=n,
            message=f"{n:,} visitor ids pseudonymized{' under a new key' if rotate else ''}. "
                    f"The key is kept in {key_file(self._store)}; back it up with the "
                    "database."))

    def delete(self, user_id: str) -> Changes:
        """Remove a visitor, their events, and what was derived from them (cached models)."""
        from ..maintenance import delete_user

        with self._stale_on_error():
            n = delete_user(self._store, user_id)
        return self._catalog.apply(Changes(visitors=True, events=bool(n), count=n,
                                           message=f"Visitor deleted with {n:,} events."))

    @contextmanager
    def _stale_on_error(self):
        """A privacy change can commit and then fail to rewrite the file: drop what was
        derived from the visitors either way, so no cache keeps a deleted person."""
        try:
            yield
        except CuratorError:
            self._catalog.apply(Changes(visitors=True, events=True))
            raise
