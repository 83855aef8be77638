"""The built-in demo: a small CC0 Tate subset with synthetic visitor histories."""

from __future__ import annotations

from pathlib import Path

from ..paths import RESOURCES, demo_db
from .catalog import Catalog
from .progress import ProgressFn

DEMO_DIR = RESOURCES / "demo"


def open_demo(path: Path | None = None, progress: ProgressFn | None = None) -> Catalog:
    """Open the demo database, importing the shipped files the first time."""
    path = path or demo_db()
    catalog = Catalog(path)
    if catalog.counts()["artworks"] == 0:
        catalog.imports.catalog(DEMO_DIR / "artworks.jsonl.gz", progress=progress)
        catalog.imports.events(DEMO_DIR / "events.csv.gz", progress=progress)
    return catalog
