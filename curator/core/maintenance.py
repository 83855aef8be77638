"""Keeping a catalog safe: undoing an import, consistent backups, and visitors' privacy."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from . import integrity, privacy
from .errors import CuratorError
from .settings import get_setting, put_setting
from .store import Store


def _artwork_struct(cur) -> tuple[list[str], str]:
    cols = cur.execute("SELECT column_name, data_type FROM information_schema.columns "
                       "WHERE table_name = 'artworks' ORDER BY ordinal_position").fetchall()
    names = [c for c, _ in cols]
    struct = "{" + ", ".join(f'"{c}": "{t}"' for c, t in cols) + "}"
    return names, struct


def undo_batch(store: Store, batch_id: int) -> dict:
    """Restore what import batch ``batch_id`` changed, in one transaction.

    Refused when a later import changed the same artworks, or when events refer to
    artworks the batch brought in (undo that history first).
    """
    with store.transaction() as cur:
        row = cur.execute("SELECT kind, status FROM import_batches WHERE id = ?",
                          [batch_id]).fetchall()
        if not row:
            raise CuratorError(f"There is no import batch #{batch_id}.")
        kind, status = row[0]
        if status != "applied":
            raise CuratorError(f"Import batch #{batch_id} was already undone.")
        if kind == "catalog":
            later = cur.execute(
                "SELECT DISTINCT v.batch_id FROM artwork_versions v JOIN import_batches b "
                "ON b.id = v.batch_id WHERE v.batch_id > ? AND b.status = 'applied' AND v.id IN "
                "(SELECT id FROM artwork_versions WHERE batch_id = ?) ORDER BY 1",
                [batch_id, batch_id]).fetchall()
            if later:
                raise CuratorError(
                    f"Import batch #{batch_id} cannot be undone while later imports "
                    f"({', '.join('#' + str(b) for (b,) in later)}) changed the same artworks; "
                    "undo those first.")
            used = cur.execute(
                "SELECT count(*), min(e.batch_id) FROM events e JOIN artwork_versions v "
                "ON v.id = e.artwork_id WHERE v.batch_id = ? AND v.previous IS NULL",
                [batch_id]).fetchall()[0]
            if used[0]:
                raise CuratorError(
                    f"{used[0]:,} events (from import #{used[1]}) refer to artworks that batch "
                    f"#{batch_id} added; undo that history import first.")
            names, struct = _artwork_struct(cur)
            restored = cur.execute("SELECT count(*) FROM artwork_versions WHERE batch_id = ? "
                                   "AND previous IS NOT NULL", [batch_id]).fetchall()[0][0]
            removed = cur.execute("SELECT count(*) FROM artwork_versions WHERE batch_id = ? "
                                  "AND previous IS NULL", [batch_id]).fetchall()[0][0]
            cur.execute("DELETE FROM artworks WHERE id IN "
                        "(SELECT id FROM artwork_versions WHERE batch_id = ?)", [batch_id])
            cols = ", ".join(names)
            picks = ", ".join(f"r.{c}" for c in names)
            cur.execute(
                f"INSERT INTO artworks ({cols}) SELECT {picks} FROM (SELECT "
                f"from_json(previous, '{struct}') AS r FROM artwork_versions "
                "WHERE batch_id = ? AND previous IS NOT NULL)", [batch_id])
            cur.execute("DELETE FROM artwork_versions WHERE batch_id = ?", [batch_id])
            result = {"batch": batch_id, "kind": kind, "restored": restored, "removed": removed}
        elif kind == "users":
            # People the list brought in go again unless a history has named them since;
            # people it only marked as listed go back to unlisted.
            users = _delete_unused_users(cur, "first_batch_id = ? AND listed_batch_id = ?",
                                         [batch_id, batch_id])
            unlisted = cur.execute("UPDATE users SET listed_batch_id = NULL "
                                   "WHERE listed_batch_id = ?", [batch_id]).fetchall()[0][0]
            result = {"batch": batch_id, "kind": kind, "users_removed": users,
                      "unlisted": unlisted}
        else:
            removed = cur.execute("SELECT count(*) FROM events WHERE batch_id = ?",
                                  [batch_id]).fetchall()[0][0]
            cur.execute("DELETE FROM events WHERE batch_id = ?", [batch_id])
            users = _delete_unused_users(cur, "first_batch_id = ? AND listed_batch_id IS NULL",
                                         [batch_id])
            result = {"batch": batch_id, "kind": kind, "removed": removed,
                      "users_removed": users}
        cur.execute("UPDATE import_batches SET status = 'undone' WHERE id = ?", [batch_id])
    return result


def _delete_unused_users(cur, where: str, params: list) -> int:
    """Delete the users matching ``where`` that no event names; returns how many."""
    condition = f"{where} AND id NOT IN (SELECT DISTINCT user_id FROM events)"
    n = cur.execute(f"SELECT count(*) FROM users WHERE {condition}", params).fetchall()[0][0]
    cur.execute(f"DELETE FROM users WHERE {condition}", params)
    return n


def backup(store: Store, target: str | Path) -> Path:
    """Write a consistent copy of the whole database to ``target`` (a new file).

    The copy is written under a temporary name beside ``target`` and renamed once complete,
    so an interrupted or failed backup (a full disk) leaves nothing at ``target`` and the
    next attempt can use the same name. Works on a database opened read-only.
    """
    target = Path(target).resolve()
    if target.exists():
        raise CuratorError(f"{target} already exists; choose a new file for the backup.")
    if str(target) == str(Path(store.path).resolve()):
        raise CuratorError("A backup must go to another file than the database itself.")
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_name(f".{target.name}.partial")  # a retry clears what a kill left
    _remove(temp)
    cur = store.cursor()
    try:
        source = cur.execute("SELECT current_database()").fetchall()[0][0]
        quoted = "'" + str(temp).replace("'", "''") + "'"
        cur.execute(f"ATTACH {quoted} AS curator_backup (READ_WRITE)")
        try:
            cur.execute(f'COPY FROM DATABASE "{source}" TO curator_backup')
        finally:
            cur.execute("DETACH curator_backup")
        os.replace(temp, target)
    except duckdb.Error as exc:
        raise CuratorError(f"The backup to {target} failed ({_first_line(str(exc))}); "
                           "nothing was written there.") from exc
    except OSError as exc:
        raise CuratorError(f"The backup to {target} failed ({exc.strerror or exc}); "
                           "nothing was written there.") from exc
    finally:
        cur.close()
        _remove(temp)
    integrity.record_backup(store.path, target)
    return target


def _remove(path: Path) -> None:
    for candidate in (path, Path(f"{path}.wal")):
        candidate.unlink(missing_ok=True)


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else text


def pseudonymize(store: Store, *, rotate: bool = False) -> int:
    """Replace every visitor id by a keyed pseudonym (see :mod:`.privacy`).

    ``rotate`` adds a new key and hashes the stored pseudonyms once more with it, so old
    pseudonyms (in earlier exports) no longer match the current ones. Later imports, and
    deleting or recommending by the ids the institution uses, hash with every key, so a
    person's later history joins their earlier one. The key file and the ids change
    together or not at all; the database is then rewritten so the raw ids leave its file.
    Returns the number of visitors whose id changed.
    """
    current = privacy.current_keys(store)
    database_id = get_setting(store, privacy.DATABASE_ID) or privacy.new_database_id()
    added = privacy.new_key() if (rotate or current is None) else None
    keys = (current or []) + ([added] if added else [])
    if added is not None:
        privacy.write_key_file(privacy.pending_path(database_id), keys)
    try:
        n = _hash_stored_ids(store, keys, added if current is not None else None,
                             database_id)
    except BaseException:
        privacy.pending_path(database_id).unlink(missing_ok=True)
        raise
    privacy.current_keys(store)  # the committed key file takes its place
    if n:
        _rewrite_after(store, f"{n:,} visitor ids were pseudonymized")
    return n


def _rewrite_after(store: Store, done: str) -> None:
    """Rewrite the file after a privacy change, saying plainly what happened if it fails."""
    try:
        store.rewrite()
    except CuratorError as exc:
        raise CuratorError(
            f"{done}, but the database file could not be rewritten ({exc}), so the old ids "
            "may stay readable in its unused space. Free some disk space; the next deletion "
            "or pseudonymization rewrites it.") from exc


def _hash_stored_ids(store: Store, keys: list[bytes], rotated: bytes | None,
                     database_id: str) -> int:
    """In one transaction: the key fingerprint, the flag, and every id hashed."""
    with store.transaction() as cur:
        put_setting(cur, privacy.PSEUDONYMIZED, True)
        put_setting(cur, privacy.DATABASE_ID, database_id)
        put_setting(cur, privacy.FINGERPRINT, privacy.fingerprint(keys))
        ids = [r[0] for r in cur.execute("SELECT id FROM users").fetchall()]
        mapping = {}
        for i in ids:
            if privacy.is_pseudonym(i):
                if rotated is not None:
                    mapping[i] = privacy.rehash(rotated, i)
            else:
                mapping[i] = privacy.pseudonym(keys, i)
        if not mapping:
            return 0
        import pyarrow as pa

        cur.register("_pseudo", pa.table({"old": list(mapping), "new": list(mapping.values())}))
        cur.execute("UPDATE events SET user_id = p.new FROM _pseudo p WHERE events.user_id = p.old")
        cur.execute("CREATE TEMP TABLE _users AS SELECT * FROM users WHERE id IN "
                    "(SELECT old FROM _pseudo)")
        cur.execute("DELETE FROM users WHERE id IN (SELECT old FROM _pseudo)")
        cur.execute("INSERT INTO users (id, first_batch_id, created_at, listed_batch_id) "
                    "SELECT p.new, u.first_batch_id, u.created_at, u.listed_batch_id "
                    "FROM _users u JOIN _pseudo p ON p.old = u.id")
        cur.execute("DROP TABLE _users")
        cur.unregister("_pseudo")
    return len(mapping)


def pseudonymize_column(cur, table: str, keys: list[bytes]) -> None:
    """Replace the ``user_id`` values of (temporary) ``table`` by their pseudonyms, so the
    histories imported after a pseudonymization join up with the earlier ones."""
    ids = [r[0] for r in cur.execute(
        f"SELECT DISTINCT user_id FROM {table} WHERE user_id IS NOT NULL").fetchall()]
    if not ids:
        return
    import pyarrow as pa

    cur.register("_incoming", pa.table({"old": ids,
                                        "new": [privacy.pseudonym(keys, i) for i in ids]}))
    try:
        cur.execute(f"UPDATE {table} SET user_id = p.new FROM _incoming p "
                    f"WHERE {table}.user_id = p.old")
    finally:
        cur.unregister("_incoming")


def delete_user(store: Store, user_id: str) -> int:
    """Remove a visitor and every event of theirs; returns the events removed.

    After a pseudonymization the id may be given as the institution knows it (it is
    hashed here). The database is then rewritten so no trace of the person stays in its
    file.
    """
    with store.transaction() as cur:
        stored = privacy.stored_id(store, cur, user_id)
        if stored is None:
            raise CuratorError(f"There is no visitor {user_id!r}.")
        n = cur.execute("SELECT count(*) FROM events WHERE user_id = ?", [stored]).fetchall()[0][0]
        cur.execute("DELETE FROM events WHERE user_id = ?", [stored])
        cur.execute("DELETE FROM users WHERE id = ?", [stored])
    _rewrite_after(store, f"Visitor {user_id!r} and {n:,} events were deleted")
    return n


def set_available(store: Store, artwork_ids: list[str], available: bool) -> int:
    """Mark artworks available or not (on loan, in conservation) in one transaction.

    Returns how many changed. Unknown ids raise :class:`CuratorError` and change nothing.
    """
    import pyarrow as pa

    ids = list(dict.fromkeys(artwork_ids))
    if not ids:
        raise CuratorError("Name at least one artwork.")
    with store.transaction() as cur:
        cur.register("_marked", pa.table({"id": ids}))
        unknown = [r[0] for r in cur.execute(
            "SELECT m.id FROM _marked m ANTI JOIN artworks a ON a.id = m.id").fetchall()]
        if unknown:
            raise CuratorError(f"There is no artwork {', '.join(map(repr, unknown[:5]))}"
                               f"{' and more' if len(unknown) > 5 else ''}; nothing was changed.")
        changed = cur.execute(
            "SELECT count(*) FROM artworks WHERE id IN (SELECT id FROM _marked) "
            "AND available <> ?", [available]).fetchall()[0][0]
        cur.execute("UPDATE artworks SET available = ? WHERE id IN (SELECT id FROM _marked)",
                    [available])
        cur.unregister("_marked")
    return int(changed)
