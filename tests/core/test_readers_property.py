"""Property-based tests: whatever text a catalog holds, it comes back as written."""

import csv
import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from curator.core.catalog import Catalog


def _encodable(text: str, encoding: str) -> bool:
    try:
        text.encode(encoding)
        return True
    except UnicodeEncodeError:
        return False


def _ambiguous(text: str) -> bool:
    """Windows-1252 bytes that read as UTF-8 letters ("Ã©" is the UTF-8 for "é")."""
    from curator.core.importing.sources import has_utf8_letters

    data = text.encode("cp1252")
    try:
        return data.decode("utf-8") != text
    except UnicodeDecodeError:
        return has_utf8_letters(data)


titles = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1,
                 max_size=40).map(str.strip).filter(bool)
# Windows-1252 text whose bytes happen to be UTF-8 letters ("Ã©" is C3 A9, the UTF-8 for
# "é") cannot be told from UTF-8 and is read as such; those texts are left out here.
CP1252 = "".join(c for c in map(chr, range(32, 0x2200))
                 if c.isprintable() and _encodable(c, "cp1252"))
cp1252_titles = st.text(alphabet=CP1252, min_size=1, max_size=40).map(str.strip).filter(
    lambda t: t and not _ambiguous(t))


def _round_trip(folder, data: bytes, ids: list[str]) -> dict:
    path = folder / "p.csv"
    path.write_bytes(data)
    cat = Catalog(folder / "p.duckdb")
    try:
        cat.imports.catalog(path)
        return {a["id"]: a["title"] for a in cat.artworks.get(ids)}
    finally:
        cat.close()


def _csv(rows, delimiter=","):
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(["accession_number", "title"])
    writer.writerows(rows)
    return out.getvalue()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(titles, min_size=1, max_size=8),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]),
       delimiter=st.sampled_from([",", "\t", ";"]))
def test_titles_round_trip(tmp_path_factory, values, encoding, delimiter):
    rows = [(f"P{i}", v) for i, v in enumerate(values)]
    got = _round_trip(tmp_path_factory.mktemp("prop"), _csv(rows, delimiter).encode(encoding),
                      [r[0] for r in rows])
    assert got == dict(rows)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(cp1252_titles, min_size=1, max_size=5))
def test_windows_exports_round_trip(tmp_path_factory, values):
    rows = [(f"W{i}", v) for i, v in enumerate(values)]
    got = _round_trip(tmp_path_factory.mktemp("prop"), _csv(rows).encode("cp1252"),
                      [r[0] for r in rows])
    assert got == dict(rows)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=st.integers(1000, 2020), span=st.integers(0, 5))
def test_year_ranges_parse(tmp_path_factory, start, span):
    folder = tmp_path_factory.mktemp("years")
    end = start + span
    path = folder / "y.csv"
    path.write_text(f"accession_number,date\nY1,c.{start}–{end}\nY2,{start}\n")
    cat = Catalog(folder / "y.duckdb")
    try:
        cat.imports.catalog(path)
        got = {a["id"]: (a["year_start"], a["year_end"]) for a in cat.artworks.get(["Y1", "Y2"])}
    finally:
        cat.close()
    assert got == {"Y1": (start, end), "Y2": (start, start)}
