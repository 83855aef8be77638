"""Time to refuse oversized inputs, against reading the same file once in full.

    python benchmarks/bench_reject.py

Files a careless export or a hostile sender could produce: a history CSV with one 5 MB
numeric field, a gzip bomb (2 GB of one line, as concatenated gzip members), a delimited
file with 10^6 columns, and a catalog whose date field is 5 MB of digits. Each import must
be refused with a message naming the file (and the limit, where one applies) in under
10 s. The peer is one plain pass over the file's (expanded) bytes in Python, what any
reader must at least spend to see the whole file.
"""

from __future__ import annotations

import gzip
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from curator.core.catalog import Catalog  # noqa: E402
from curator.core.errors import CuratorError  # noqa: E402

TARGET_S = 10.0


def make_files(folder: Path) -> dict[str, tuple[str, Path]]:
    field = folder / "history_5mb_field.csv"
    field.write_text("user_id,artwork_id,kind,value,timestamp\n"
                     f"u1,A1,rating,{'9' * (5 << 20)},1700000000\n")
    bomb = folder / "bomb_2gb_one_line.csv.gz"
    member = gzip.compress(b"accession_number," + b"9" * ((16 << 20) - 17), compresslevel=9)
    with open(bomb, "wb") as handle:
        for _ in range(128):  # 128 members of 16 MB: 2 GB of one line when expanded
            handle.write(member)
    wide = folder / "million_columns.csv"
    wide.write_text(",".join(f"c{i}" for i in range(1_000_000)) + "\n"
                    + ",".join("x" for _ in range(1_000_000)) + "\n")
    dated = folder / "catalog_5mb_date.csv"
    dated.write_text(f"accession_number,title,date\nB1,One,{'9' * (5 << 20)}\n")
    return {"5 MB numeric field": ("events", field), "gzip bomb, 2 GB one line": ("catalog", bomb),
            "10^6 columns": ("catalog", wide), "catalog, 5 MB date field": ("catalog", dated)}


def read_all(path: Path) -> None:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as handle:
        while handle.read(1 << 22):
            pass


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        files = make_files(folder)
        catalog = Catalog(folder / "bench.duckdb")
        catalog.imports.catalog(_small_catalog(folder))
        print(f"{'input':<28}{'refused in':>12}{'one read':>12}{'ratio':>8}  message")
        worst = 0.0
        for label, (kind, path) in files.items():
            run = catalog.imports.events if kind == "events" else catalog.imports.catalog
            start = time.perf_counter()
            try:
                run(path)
                message = "NOT REFUSED"
            except CuratorError as exc:
                message = str(exc)
            took = time.perf_counter() - start
            start = time.perf_counter()
            read_all(path)
            peer = time.perf_counter() - start
            worst = max(worst, took)
            print(f"{label:<28}{took:>11.2f}s{peer:>11.2f}s{took / peer:>8.2f}  {message}")
        catalog.close()
        verdict = "met" if worst < TARGET_S else "MISSED"
        print(f"Slowest refusal {worst:.2f} s; target under {TARGET_S:.0f} s each: {verdict}.")


def _small_catalog(folder: Path) -> Path:
    path = folder / "catalog.csv"
    path.write_text("accession_number,title\nA1,One\nA2,Two\n")
    return path


if __name__ == "__main__":
    main()
