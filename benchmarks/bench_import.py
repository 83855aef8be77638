"""Time to import the Tate catalog, against DuckDB alone reading the same file.

    python benchmarks/bench_import.py [--repeat 3]

The peer is DuckDB's own JSON reader loading every record into a table (with
``sample_size=-1``: its default sampling cannot infer Tate's varying nested records).
Curator's figure is the whole import: read, map, flatten subjects and contributors, parse
dates, validate, hash, and write in one transaction. Target: ratio <= 2.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks._common import SHARED_DATA, best_of, need  # noqa: E402
from curator.core.catalog import Catalog  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    source = need(SHARED_DATA / "tate" / "artworks.jsonl.gz")

    def peer() -> None:
        with tempfile.TemporaryDirectory() as tmp:
            con = duckdb.connect(str(Path(tmp) / "peer.duckdb"))
            con.execute("CREATE TABLE t AS SELECT * FROM read_json(?, format = "
                        "'newline_delimited', sample_size = -1)", [str(source)])
            con.close()

    counts = {}

    def curator() -> None:
        with tempfile.TemporaryDirectory() as tmp:
            catalog = Catalog(Path(tmp) / "bench.duckdb")
            result = catalog.imports.catalog(source).detail
            counts["inserted"] = result.inserted
            catalog.close()

    t_peer = best_of(args.repeat, peer)
    t_cur = best_of(args.repeat, curator)
    print(f"file: {source.name} ({counts['inserted']:,} artworks)")
    print(f"duckdb read_json -> table : {t_peer:6.2f} s")
    print(f"curator import-catalog    : {t_cur:6.2f} s")
    print(f"ratio curator/duckdb      : {t_cur / t_peer:6.2f}  (target <= 2)")


if __name__ == "__main__":
    main()
