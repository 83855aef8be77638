"""Where Curator keeps its files on this machine (no Qt, no network)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP_NAME = "curator"
REPO_ROOT = Path(__file__).resolve().parents[1]
RESOURCES = REPO_ROOT / "resources"


def data_dir() -> Path:
    """The per-user data folder: $CURATOR_HOME, else the platform's usual place."""
    if os.environ.get("CURATOR_HOME"):
        return Path(os.environ["CURATOR_HOME"])
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share"))
    return base / APP_NAME


def demo_db() -> Path:
    """The built-in demo's database: what the app opens the first time."""
    return data_dir() / "demo.duckdb"


def default_db() -> Path:
    """The database the CLI uses when no --db is given: $CURATOR_DB, else the demo the
    app opens."""
    if os.environ.get("CURATOR_DB"):
        return Path(os.environ["CURATOR_DB"])
    return demo_db()


def settings_file() -> Path:
    """The desktop app's settings (window layout, recent databases), beside its data, so
    that $CURATOR_HOME keeps tests and trials away from the user's own."""
    return data_dir() / "settings.ini"
