"""Visitors' privacy: what a pseudonym is, and the key that makes them, kept apart from the data.

A pseudonym is ``p_`` and 24 hex digits: a keyed hash (HMAC-SHA256) of the id an institution
uses. The keys live in a file of their own in the user's data folder
(``<data folder>/keys/<database id>.key``, readable by its owner only), never in the
database, so a copy of the database alone cannot be used to re-identify visitors by hashing
guessed ids.

Rotating adds a key: stored pseudonyms are hashed once more with the new key, and an id read
from a later file is hashed with every key in turn, so it still joins the same person. A key
that leaked before a rotation no longer leads from a raw id to a current pseudonym.

The database records a fingerprint of the keys it was hashed with, in the same transaction
as the hashing. A new key file is written under a temporary name first and takes its place
only once that transaction has committed; if the work stops in between, the next use sees
which file matches the database and keeps that one, so a key and its pseudonyms always
change together.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
from pathlib import Path

from ..paths import data_dir
from .errors import CuratorError
from .settings import get_setting
from .store import Store

PSEUDONYM = re.compile(r"p_[0-9a-f]{24}")
PSEUDONYMIZED = "privacy.pseudonymize_imports"
DATABASE_ID = "privacy.database_id"
FINGERPRINT = "privacy.key_fingerprint"
LEGACY_KEY = "privacy.key"


def is_pseudonym(user_id: str) -> bool:
    """Whether ``user_id`` has the form of a pseudonym Curator made (the one definition)."""
    return PSEUDONYM.fullmatch(user_id) is not None


def pseudonym(keys: list[bytes], user_id: str) -> str:
    """The pseudonym of a raw id under ``keys`` (oldest first: each key hashes the last)."""
    text = user_id
    for key in keys:
        text = _hash(key, text)
    return text


def rehash(key: bytes, stored: str) -> str:
    """A stored pseudonym hashed once more under a newly added key."""
    return _hash(key, stored)


def _hash(key: bytes, text: str) -> str:
    return "p_" + hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()[:24]


def fingerprint(keys: list[bytes]) -> str:
    """A one-way fingerprint of ``keys`` the database keeps, to tell which key file is its."""
    digest = hashlib.sha256(b"curator key fingerprint")
    for key in keys:
        digest.update(hashlib.sha256(key).digest())
    return digest.hexdigest()[:32]


def key_path(database_id: str) -> Path:
    return data_dir() / "keys" / f"{database_id}.key"


def pending_path(database_id: str) -> Path:
    return key_path(database_id).with_suffix(".key.new")


def write_key_file(path: Path, keys: list[bytes]) -> None:
    """Write ``keys`` to ``path``, readable and writable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.chmod(path.parent, 0o700)
    except OSError:
        pass
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump({"keys": [k.hex() for k in keys]}, handle)
        handle.flush()
        os.fsync(handle.fileno())


def read_key_file(path: Path) -> list[bytes]:
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.loads(handle.read(1 << 16))
        return [bytes.fromhex(k) for k in data["keys"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CuratorError(f"The pseudonymization key file {path} could not be read ({exc}); "
                           "restore it from a backup of your data folder.") from exc


def new_key() -> bytes:
    return secrets.token_bytes(32)


def new_database_id() -> str:
    return secrets.token_hex(16)


def current_keys(store: Store) -> list[bytes] | None:
    """The keys this database's pseudonyms were made with, or ``None`` before any.

    Settles an interrupted key change first (see the module notes). Raises when the
    database is pseudonymized but its key file is missing or belongs to another state.
    """
    legacy = get_setting(store, LEGACY_KEY)
    if legacy is not None:
        return [bytes.fromhex(legacy)]  # an older database; moved out by migrate_legacy_key
    expected = get_setting(store, FINGERPRINT)
    database_id = get_setting(store, DATABASE_ID)
    if expected is None or database_id is None:
        return None
    path, pending = key_path(database_id), pending_path(database_id)
    if pending.exists():
        keys = read_key_file(pending)
        if fingerprint(keys) == expected:
            os.replace(pending, path)  # the change committed; its key file takes its place
            return keys
        pending.unlink(missing_ok=True)  # the change never committed
    if not path.exists():
        raise CuratorError(
            f"The pseudonymization key of this database is missing (expected {path}). "
            "Without it, later imports and deletions cannot find visitors by the ids your "
            "institution uses. Restore the key file from a backup of your data folder; "
            "pseudonyms already stored stay as they are.")
    keys = read_key_file(path)
    if fingerprint(keys) != expected:
        raise CuratorError(
            f"The key file {path} does not match this database's pseudonyms (it was "
            "replaced or belongs to another copy); restore the matching key file.")
    return keys


def key_file(store: Store) -> Path | None:
    """Where this database's key file is (``None`` before any pseudonymization)."""
    database_id = get_setting(store, DATABASE_ID)
    return key_path(database_id) if database_id else None


def import_keys(store: Store) -> list[bytes] | None:
    """The keys later imports hash visitor ids with, once the database was pseudonymized."""
    return current_keys(store) if get_setting(store, PSEUDONYMIZED) else None


def stored_id(store: Store, cur, given: str) -> str | None:
    """The id ``given`` has in the database (as given, or its pseudonym), or ``None``."""
    def known(uid: str) -> bool:
        return bool(cur.execute("SELECT count(*) FROM users WHERE id = ?",
                                [uid]).fetchall()[0][0])

    if known(given):
        return given
    keys = import_keys(store)
    if keys is not None:
        hashed = pseudonym(keys, given)
        if known(hashed):
            return hashed
    return None


def migrate_legacy_key(store: Store) -> bool:
    """Move a key an older Curator kept inside the database out to its key file.

    The database is then rewritten so the key's bytes leave the file. Returns whether a
    key was moved.
    """
    legacy = get_setting(store, LEGACY_KEY)
    if legacy is None or store.read_only:
        return False
    from .settings import put_setting

    keys = [bytes.fromhex(legacy)]
    database_id = get_setting(store, DATABASE_ID) or new_database_id()
    write_key_file(pending_path(database_id), keys)
    with store.transaction() as cur:
        cur.execute("DELETE FROM settings WHERE key = ?", [LEGACY_KEY])
        put_setting(cur, DATABASE_ID, database_id)
        put_setting(cur, FINGERPRINT, fingerprint(keys))
    current_keys(store)  # puts the key file in place
    store.rewrite()
    return True
