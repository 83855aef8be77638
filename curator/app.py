"""Wiring only: parse arguments, open the catalog, show the main window."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

_STARTED = time.perf_counter()


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="curator-app", description="Curator desktop app")
    parser.add_argument("db", nargs="?", type=Path,
                        help="a Curator database (default: the built-in demo)")
    parser.add_argument("--quit-after", type=float, default=None, metavar="SECONDS",
                        help="close the window after SECONDS (for smoke tests)")
    parser.add_argument("--screenshots", type=Path, default=None, metavar="DIR",
                        help="tour the window, save a PNG of each screen into DIR and exit "
                             "(smoke tests, the README's pictures)")
    parser.add_argument("--self-test", action="store_true",
                        help="import, embed and recommend on a small catalog offscreen, "
                             "print a summary and exit (0 when everything works)")
    return parser.parse_args(argv)


def self_test() -> int:
    """Exercise the whole product without a screen or a person: the installer's check."""
    import tempfile

    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from .core.catalog import Catalog
    from .core.demo import DEMO_DIR
    from .core.errors import CuratorError
    from .ui.main_window import MainWindow

    started = time.perf_counter()
    try:
        with tempfile.TemporaryDirectory(prefix="curator-self-test-") as tmp:
            catalog = Catalog(Path(tmp) / "self-test.duckdb")
            art = catalog.imports.catalog(DEMO_DIR / "artworks.jsonl.gz")
            events = catalog.imports.events(DEMO_DIR / "events.csv.gz")
            embedded = catalog.embeddings.embed()
            hits = catalog.artworks.search("storm at sea", k=3)
            user = catalog.visitors.ids(limit=1)[0]
            recs = catalog.recommendations.recommend(user, k=5)
            assert abs(sum(recs[0].breakdown().values()) - recs[0].score) < 1e-5
            app = QApplication.instance() or QApplication([])
            window = MainWindow(catalog, embed_on_start=False,
                                settings=QSettings(str(Path(tmp) / "s.ini"), QSettings.IniFormat))
            window.show()
            app.processEvents()
            window.close()
            catalog.close()
    except (CuratorError, AssertionError, IndexError) as exc:
        print(f"Curator self-test FAILED: {exc}", flush=True)
        return 1
    print(f"Curator self-test passed in {time.perf_counter() - started:.1f} s: "
          f"{art.detail.inserted:,} artworks and {events.detail.inserted:,} events imported, "
          f"{embedded.count:,} embedded on {embedded.detail.device}; "
          f"search 'storm at sea' -> {hits[0].title!r}; "
          f"{len(recs)} recommendations for {user}, first {recs[0].item_id} "
          f"(score {recs[0].score:.3f}).", flush=True)
    return 0


def database_to_open(given: Path | None, settings) -> Path:
    """The database a start opens: the one named, else the last one used, else the demo."""
    from .paths import demo_db

    if given is not None:
        return given
    last = settings.value("last_db")
    if last and Path(str(last)).is_file():
        return Path(str(last))
    return demo_db()


def open_catalog(path: Path, *, read_only: bool = False):
    """Open ``path``; the demo's database is filled from the shipped files the first time."""
    from .core.catalog import Catalog
    from .core.demo import open_demo
    from .paths import demo_db

    if path == demo_db() and not read_only:
        return open_demo(path)
    return Catalog(path, read_only=read_only)


def install_error_hook() -> None:
    """Show unexpected errors as a readable message, never as a traceback dialog."""
    import logging
    import traceback

    from PySide6.QtWidgets import QMessageBox

    from .core.errors import CuratorError

    def hook(kind, value, tb) -> None:
        logging.getLogger("curator").error("".join(traceback.format_exception(kind, value, tb)))
        text = str(value) if isinstance(value, CuratorError) else (
            f"Something went wrong ({kind.__name__}: {value}). Your data is safe; "
            "the last change was not applied.")
        QMessageBox.warning(None, "Curator", text)

    sys.excepthook = hook


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.self_test:
        return self_test()
    from .ui.platform_check import display_problem

    problem = display_problem()
    if problem:
        print(f"Curator: {problem}", file=sys.stderr, flush=True)
        return 2
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    from .core.errors import CuratorError, DatabaseInUse
    from .ui.appearance import follow_color_scheme
    from .ui.main_window import MainWindow, app_settings

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Curator")
    app.setOrganizationName("Curator")
    follow_color_scheme(app)
    install_error_hook()
    settings = app_settings()
    path = database_to_open(args.db, settings)
    try:
        try:
            catalog = open_catalog(path)
        except DatabaseInUse as exc:
            answer = QMessageBox.question(None, "Curator", f"{exc}\n\nOpen it read-only?")
            if answer != QMessageBox.Yes:
                return 1
            catalog = open_catalog(path, read_only=True)
    except CuratorError as exc:
        QMessageBox.critical(None, "Curator", str(exc))
        return 1
    window = MainWindow(catalog, settings=settings)
    window.show()
    app.processEvents()
    print(f"Curator: {catalog.path}: " + ", ".join(
        f"{v:,} {k}" for k, v in catalog.counts().items())
        + f"; window shown {time.perf_counter() - _STARTED:.2f} s after start"
        + ("" if "torch" not in sys.modules else " (torch was loaded)"), flush=True)
    if args.screenshots is not None:
        from .ui.tour import take_screenshots

        saved = take_screenshots(window, args.screenshots)
        print("Curator: screenshots " + ", ".join(p.name for p in saved)
              + f" on {app.platformName()} in {args.screenshots}", flush=True)
        window.close()
        catalog.close()
        return 0
    if args.quit_after is not None:
        QTimer.singleShot(int(args.quit_after * 1000), app.quit)
    code = app.exec()
    catalog.close()
    return code
