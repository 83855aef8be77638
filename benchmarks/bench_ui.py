"""Time from a curator's action to what the window shows, on the 69k Tate catalog.

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_ui.py [--db benchmarks/tate-ui.duckdb]
        [--users 1000] [--repeat 10]

Drives the real window offscreen (``MainWindow``, its tabs, their jobs) over the Tate
catalog with SYNTHETIC visitor histories (``bench_recommend.synthetic_events``):

1. a weight slider move in Tuning -> the sample visitor's new top 10, the metrics and the
   plots (the 30 ms debounce included);
2. a click on a visitor -> their list and the comparison profile's list, painted
   (Compare with on, so two profiles each time);
3. a sort click in Browse -> the sorted grid, painted (each order in turn).

Each is timed from the widget call to the painted result, against a 300 ms target, and
against its peer in the same process: the core calls alone (no widgets, no threads).
The database is built once (import, embed: minutes on a CPU, resumed if interrupted) and
kept at ``--db`` (ignored by git); vectors already there are reused, and ``--no-embed``
times with those alone (the missing ones are zero rows of the same matrices).
``--stand-in-vectors`` fills a catalog not wholly embedded with word-count vectors
instead (TF-IDF of each work's embedding text reduced to the model's dimension): a machine
where embedding 69k works takes hours then still times content scores that vary between
works as the model's do (similar words, similar vectors), not zeros. They are stored as the
model's vectors in that database only; run ``embed`` on it to replace them.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks._common import SHARED_DATA, need  # noqa: E402
from benchmarks.bench_recommend import synthetic_events  # noqa: E402
from curator.core.catalog import Catalog  # noqa: E402

TARGET_MS = 300.0
DEFAULT_DB = Path(__file__).resolve().parent / "tate-ui.duckdb"


def stand_in_vectors(catalog: Catalog) -> None:
    """Word-count vectors in place of the model's, for a catalog with no text vectors."""
    import numpy as np
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer

    from curator.core.changes import Changes
    from curator.core.embedding.spaces import get_or_create_space, write_vectors
    from curator.core.embedding.templates import catalog_texts

    embeddings = catalog.embeddings
    if not embeddings.status().stale:
        return
    start = time.perf_counter()
    info, template = embeddings.model_info(), embeddings.template()
    cur = catalog.store.cursor()
    try:
        ids, texts = catalog_texts(cur, template)
        hashes = dict(cur.execute("SELECT id, content_hash FROM artworks").fetchall())
    finally:
        cur.close()
    words = TfidfVectorizer(min_df=2, max_features=50_000, sublinear_tf=True).fit_transform(
        texts)
    vectors = TruncatedSVD(info.dim, random_state=0).fit_transform(words)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    space = get_or_create_space(catalog.store, "text", info.model_id, template, info.dim)
    with catalog.store.transaction() as cur:
        write_vectors(cur, space, ids, [hashes[i] for i in ids], vectors)
    catalog.apply(Changes(vectors=True, count=len(ids)))
    embeddings.index_vectors()
    print(f"stand-in vectors (TF-IDF, {info.dim} dimensions) for {len(ids):,} artworks in "
          f"{time.perf_counter() - start:.0f} s")


def prepare(db: Path, n_users: int, embed: bool = True, stand_in: bool = False) -> Catalog:
    """The Tate catalog, embedded, with synthetic visitors and a second profile."""
    from curator.core.recommend.profiles import Profile

    catalog = Catalog(db)
    if catalog.counts()["artworks"] == 0:
        catalog.imports.catalog(need(SHARED_DATA / "tate" / "artworks.jsonl.gz"))
    if stand_in:
        stand_in_vectors(catalog)
    if embed:
        start = time.perf_counter()
        result = catalog.embeddings.embed(device="cpu").detail
        if result.embedded:
            print(f"embedded {result.embedded:,} artworks in "
                  f"{time.perf_counter() - start:.0f} s")
    status = catalog.embeddings.status()
    if status.stale:
        print(f"{status.artworks - status.stale:,} of {status.artworks:,} artworks have text "
              "vectors; the rest are zero rows of the same matrices (same sizes, same work)")
    if catalog.counts()["events"] == 0:
        with tempfile.TemporaryDirectory() as tmp:
            events = Path(tmp) / "events.csv"
            synthetic_events(catalog, events, n_users)
            catalog.imports.events(events)
    names = [p.name for p in catalog.recommendations.profiles()]
    if "content first" not in names:
        catalog.recommendations.save_profile(
            Profile("content first", weights={"content": 1.0, "item": 0.3, "popularity": 0.1}))
    return catalog


class Clock:
    """Waits for the window's jobs and paints inside one event loop per wait.

    Polling with ``processEvents()`` is avoided on purpose: under PySide6 6.12 on Python
    3.11 each call of a method returning nothing drops a reference to ``None``, and a
    polling loop aborts the process within seconds ("deallocating None"). A timer inside
    an event loop checks the condition instead, without such calls.
    """

    def __init__(self, app):
        self.app = app

    def until(self, done, timeout: float = 120.0) -> None:
        from PySide6.QtCore import QEventLoop, QTimer

        if done():
            return
        loop, timer = QEventLoop(), QTimer()
        timer.setInterval(1)
        start, late = time.perf_counter(), []

        def check() -> None:
            if done():
                loop.quit()
            elif time.perf_counter() - start > timeout:
                late.append(True)
                loop.quit()

        timer.timeout.connect(check)
        timer.start()
        loop.exec()
        timer.stop()
        if late:
            raise TimeoutError(f"the window did not answer within {timeout:.0f} s")

    def flush(self) -> None:
        """Handle the events already posted (a model reset's relayout, a deferred draw)."""
        from PySide6.QtCore import QEventLoop, QTimer

        loop = QEventLoop()
        QTimer.singleShot(0, loop.quit)
        loop.exec()

    def settle(self, window) -> None:
        self.until(lambda: not window.jobs.busy())
        self.flush()


def ms(seconds: float) -> float:
    return seconds * 1000.0


def report(name: str, times: list[float], peer: list[float], peer_name: str) -> None:
    median, worst = statistics.median(times), max(times)
    peer_median = statistics.median(peer)
    verdict = "under" if worst <= TARGET_MS else ("median under" if median <= TARGET_MS
                                                 else "OVER")
    print(f"{name}: median {median:.0f} ms, worst {worst:.0f} ms over {len(times)} "
          f"({verdict} the {TARGET_MS:.0f} ms target); peer {peer_name}: median "
          f"{peer_median:.0f} ms, window/peer {median / max(peer_median, 1e-3):.1f}x")


def bench_visitors(clock: Clock, window, users: list[str], repeat: int) -> None:
    view = window.users
    window.tabs.setCurrentWidget(view)
    view.reload_profiles()
    view.profile.setCurrentText(window.catalog.recommendations.profile().name)
    view.compare.setCurrentText("content first")
    proxy = view.proxy
    rows = {proxy.index(r, 0).data(): r for r in range(proxy.rowCount())}

    def click(user: str) -> float:
        start = time.perf_counter()
        view.users.setCurrentIndex(proxy.index(rows[user], 0))
        clock.until(lambda: view.shown is not None and view.shown.request.user == user
                    and view.shown.request.compare == "content first")
        view.primary.table.viewport().repaint()
        view.secondary.table.viewport().repaint()
        return time.perf_counter() - start

    first = click(users[0])
    print(f"visitor click, first time (fits both profiles' recommenders): {ms(first):.0f} ms")
    clock.settle(window)
    recommend = window.catalog.recommendations.recommend
    times, peer = [], []
    # window and peer in turn, so both see the same load; each on visitors the other has not
    # asked for, since a visitor's signal scores are kept for the next request for them
    for user, other in zip(users[1:repeat + 1], users[repeat + 1:2 * repeat + 1],
                           strict=False):
        times.append(ms(click(user)))
        clock.settle(window)
        user = other
        start = time.perf_counter()
        a = recommend(user, k=20)
        b = recommend(user, k=20, profile="content first")
        window.catalog.artworks.get([r.item_id for r in a + b])
        peer.append(ms(time.perf_counter() - start))
    report("visitor click -> both lists (Compare with on)", times, peer,
           "two recommend() calls + artworks.get")


def bench_slider(clock: Clock, window, repeat: int) -> None:
    tuning = window.tuning
    start = time.perf_counter()
    window.tabs.setCurrentWidget(tuning)  # builds the evaluation in the background
    clock.until(lambda: tuning.redraws >= 1, timeout=600)
    clock.until(lambda: tuning.settled() and not window.jobs.busy(), timeout=600)
    clock.flush()
    print(f"Tuning tab first shown (scores {len(tuning.evaluation.users):,} evaluation "
          f"visitors): {ms(time.perf_counter() - start):.0f} ms")
    slider = tuning.sliders["content"]
    canvas = tuning.canvas

    def move(value: int) -> tuple[float, float]:
        """Seconds to the new list and metrics, and to the plot's curve and saved points."""
        redraws = tuning.redraws
        start = time.perf_counter()
        slider.setValue(value)
        clock.until(lambda: tuning.redraws > redraws
                    and not getattr(canvas, "_draw_pending", False))
        shown = time.perf_counter() - start
        rest()
        return shown, time.perf_counter() - start

    def rest() -> None:
        """Until the curve over λ (started once the slider rests) is measured and drawn."""
        clock.until(lambda: tuning.settled() and not window.jobs.busy()
                    and not getattr(canvas, "_draw_pending", False))
        clock.flush()

    values = [20 + (i * 37) % 170 for i in range(repeat + 1)]
    move(values[0])  # warm-up: the first move after the tab opens
    rest()
    evaluation, rules = tuning.evaluation, tuning.rules()
    recommend = window.catalog.recommendations.recommend
    times, curves, peer = [], [], []
    for v in values[1:]:  # window and peer in turn, so both see the same load
        shown, whole = move(v)
        times.append(ms(shown))
        curves.append(ms(whole))
        rest()
        weights = tuning.weights()
        start = time.perf_counter()
        evaluation.measure(weights, rules)
        recommend(tuning.sample_user, k=10, weights=weights, mmr_lambda=rules.mmr_lambda,
                  half_life_days=tuning.half_life_days())
        peer.append(ms(time.perf_counter() - start))
    report("weight slider move -> sample list, metrics and plot", times, peer,
           "measure() + the sample visitor's recommend()")
    print(f"  then the plot's curve over λ and the saved profiles: median "
          f"{statistics.median(curves):.0f} ms, worst {max(curves):.0f} ms after the move")


def bench_sort(clock: Clock, window, repeat: int) -> None:
    browse = window.browse
    window.tabs.setCurrentWidget(browse)
    browse.clear_filters()
    clock.settle(window)
    grid = browse.grid
    sort = browse.sort
    artworks = window.catalog.artworks

    def painted(action) -> float:
        start = time.perf_counter()
        action()
        clock.flush()
        grid.viewport().repaint()
        return time.perf_counter() - start

    orders = [sort.itemData(i) for i in range(sort.count())]
    print(f"Browse sorts by {', '.join(orders)}: timing a click on each in turn")
    picks = [i % len(orders) for i in range(1, repeat + 1)]
    label = f"sort click -> {browse.model.rowCount():,} works in a painted grid"
    times, peer = [], []
    for i in picks:  # window and peer in turn, so both see the same load
        times.append(ms(painted(lambda i=i: sort.setCurrentIndex(i))))
        start = time.perf_counter()
        artworks.find_ids(browse.filters(), order=orders[i])
        peer.append(ms(time.perf_counter() - start))
    report(label, times, peer, "find_ids() alone")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=DEFAULT_DB,
                        help="reuse (or create) this database (default: %(default)s)")
    parser.add_argument("--users", type=int, default=1000, help="synthetic visitors")
    parser.add_argument("--repeat", type=int, default=10, help="timed actions of each kind")
    parser.add_argument("--no-embed", action="store_true",
                        help="time with the vectors already there instead of embedding the rest")
    parser.add_argument("--stand-in-vectors", action="store_true",
                        help="unless every work has a text vector, store word-count "
                             "(TF-IDF) vectors as the model's in this database (see above)")
    args = parser.parse_args()

    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from curator.ui.main_window import MainWindow

    catalog = prepare(args.db, args.users, embed=not args.no_embed,
                      stand_in=args.stand_in_vectors)
    counts = catalog.counts()
    print(f"{counts['artworks']:,} artworks, {counts['users']:,} synthetic visitors, "
          f"{counts['events']:,} events; {os.cpu_count()} CPU cores")
    app = QApplication.instance() or QApplication([])
    clock = Clock(app)
    with tempfile.TemporaryDirectory() as tmp:
        settings = QSettings(str(Path(tmp) / "settings.ini"), QSettings.IniFormat)
        window = MainWindow(catalog, embed_on_start=False, settings=settings)
        window.resize(1366, 768)
        window.show()
        clock.settle(window)
        users = catalog.visitors.ids()[: 2 * args.repeat + 1]
        bench_visitors(clock, window, users, args.repeat)
        bench_slider(clock, window, args.repeat)
        bench_sort(clock, window, args.repeat)
        window.close()
    catalog.close()


if __name__ == "__main__":
    main()
