"""Named settings kept in the database (JSON values)."""

from __future__ import annotations

import json
from typing import Any

from .store import Store


def get_setting(store: Store, key: str, default: Any = None) -> Any:
    cur = store.cursor()
    try:
        rows = cur.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchall()
    finally:
        cur.close()
    return json.loads(rows[0][0]) if rows else default


def set_setting(store: Store, key: str, value: Any) -> None:
    with store.transaction() as cur:
        put_setting(cur, key, value)


def put_setting(cur, key: str, value: Any) -> None:
    """Set ``key`` inside the caller's transaction."""
    cur.execute("INSERT OR REPLACE INTO settings VALUES (?, ?)", [key, json.dumps(value)])
