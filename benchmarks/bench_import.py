"""Time to import the Tate catalog in each format, against the plain reader of the same file.

    python benchmarks/bench_import.py [--repeat 3] [--formats jsonl,csv,xlsx,lido]
                                      [--xlsx-rows N]

Peers, each loading the same file with no mapping or checks:

- JSON Lines: DuckDB's own JSON reader into a table (``sample_size=-1``: its default
  sampling cannot infer Tate's varying nested records).
- CSV: DuckDB's ``read_csv`` into a table.
- Excel: python-calamine reading the sheet, cells to an Arrow table, into DuckDB (what
  Curator's workbook reader does before validation). The workbook is generated from the
  Tate records (``--xlsx-rows``, default all of them).
- LIDO: a plain lxml ``iterparse`` of the same gzip file, each record's title read and the
  record cleared. The LIDO file is generated from all Tate records.

Curator's figure is the whole import: read, map, flatten, parse dates, keep extra fields,
validate, hash, and write in one transaction. Target: ratio <= 2 for JSONL and CSV.
"""

from __future__ import annotations

import argparse
import gzip
import sys
import tempfile
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks._common import SHARED_DATA, best_of, need  # noqa: E402
from benchmarks.tate_exports import tate_records, write_lido, write_xlsx  # noqa: E402
from curator.core.catalog import Catalog  # noqa: E402


def peer_jsonl(source: Path, tmp: Path) -> None:
    con = duckdb.connect(str(tmp / "peer.duckdb"))
    con.execute("CREATE OR REPLACE TABLE t AS SELECT * FROM read_json(?, format = "
                "'newline_delimited', sample_size = -1)", [str(source)])
    con.close()


def peer_csv(source: Path, tmp: Path) -> None:
    con = duckdb.connect(str(tmp / "peer.duckdb"))
    con.execute("CREATE OR REPLACE TABLE t AS SELECT * FROM read_csv(?, all_varchar = true)",
                [str(source)])
    con.close()


def peer_xlsx(source: Path, tmp: Path) -> None:
    import pyarrow as pa
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(source))
    rows = book.get_sheet_by_index(0).to_python()
    book.close()
    header, body = rows[1], rows[2:]
    table = pa.table({str(name): pa.array([None if r[i] == "" else str(r[i]) for r in body],
                                          type=pa.string()) for i, name in enumerate(header)})
    con = duckdb.connect(str(tmp / "peer.duckdb"))
    con.register("sheet", table)
    con.execute("CREATE OR REPLACE TABLE t AS SELECT * FROM sheet")
    con.close()


def peer_lido(source: Path, tmp: Path) -> None:
    from lxml import etree

    titles = []
    with gzip.open(source, "rb") as handle:
        for _, rec in etree.iterparse(handle, events=("end",), tag="{*}lido"):
            titles.append(rec.findtext(".//{*}titleSet/{*}appellationValue"))
            rec.clear()
    assert titles


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--formats", default="jsonl,csv,xlsx,lido")
    parser.add_argument("--xlsx-rows", type=int, default=None,
                        help="Tate records written to the workbook (default: all)")
    args = parser.parse_args()
    tate = SHARED_DATA / "tate"
    jsonl = need(tate / "artworks.jsonl.gz")
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        sources = {"jsonl": (jsonl, peer_jsonl, "duckdb read_json"),
                   "csv": (need(tate / "artwork_data.csv.gz"), peer_csv, "duckdb read_csv"),
                   "xlsx": (None, peer_xlsx, "calamine -> arrow -> duckdb"),
                   "lido": (None, peer_lido, "lxml iterparse")}
        for fmt in [f.strip() for f in args.formats.split(",") if f.strip()]:
            source, peer, peer_name = sources[fmt]
            if fmt == "xlsx":
                source = write_xlsx(tate_records(jsonl, args.xlsx_rows), tmp / "tate.xlsx")
            elif fmt == "lido":
                source = write_lido(tate_records(jsonl), tmp / "tate.lido.xml.gz")
            counts = {}

            def curator(source=source, counts=counts) -> None:
                with tempfile.TemporaryDirectory() as db:
                    with Catalog(Path(db) / "bench.duckdb") as catalog:
                        result = catalog.imports.catalog(source).detail
                    counts.update(rows=result.rows, inserted=result.inserted,
                                  rejected=result.rejected)

            t_peer = best_of(args.repeat, lambda peer=peer, source=source: peer(source, tmp))
            t_cur = best_of(args.repeat, curator)
            print(f"{fmt}: {source.name}, {source.stat().st_size / 1e6:.1f} MB "
                  f"({counts['inserted']:,} of {counts['rows']:,} records imported, "
                  f"{counts['rejected']:,} rejected)")
            print(f"  {peer_name:<28}: {t_peer:6.2f} s")
            print(f"  {'curator import-catalog':<28}: {t_cur:6.2f} s")
            print(f"  {'ratio curator/peer':<28}: {t_cur / t_peer:6.2f}", flush=True)


if __name__ == "__main__":
    main()
