"""The real exports in ../shared/data import with the right counts."""

import pytest

from ..conftest import TEST_DATA, snapshot

pytestmark = pytest.mark.integration


def test_tate_jsonl_then_csv(catalog, shared_data):
    first = catalog.imports.catalog(shared_data / "tate" / "artworks.jsonl.gz").detail
    assert (first.inserted, first.rejected) == (69_202, 0)
    tagged = catalog.store.con.execute(
        "SELECT count(*) FROM artworks WHERE len(tags) > 0").fetchall()[0][0]
    # records whose subject tree has named leaves, and one with only a movement
    assert tagged == 58_802
    # Every field is kept: the credit line and dimensions of every work, movements as a facet
    assert catalog.store.con.execute(
        "SELECT count(*) FILTER (extra['credit_line'] IS NOT NULL), "
        "count(*) FILTER (extra['dimensions'] IS NOT NULL) FROM artworks").fetchall()[0] == (
        69_199, 66_769)
    facets = {f["name"] for f in catalog.artworks.extra_fields() if f["facet"]}
    assert "movement" in facets and "acquisition_year" not in facets  # numbers: no facet
    assert catalog.artworks.facet_values("movement", limit=1)[0][1] == 848  # the commonest
    again = catalog.imports.catalog(shared_data / "tate" / "artworks.jsonl.gz").detail
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 69_202)
    flat = catalog.imports.catalog(shared_data / "tate" / "artwork_data.csv.gz").detail
    assert flat.inserted == 0 and flat.rows == 69_202 and flat.rejected == 0
    # The flat export carries fields the JSON lacks (artistRole, artistId), so every
    # artwork gains extra fields; titles, dates, media and tags stay as they were.
    assert flat.updated == 69_202
    assert catalog.counts()["artworks"] == 69_202
    unchanged_tags = catalog.store.con.execute(
        "SELECT count(*) FROM artworks WHERE len(tags) > 0").fetchall()[0][0]
    assert unchanged_tags == tagged


def test_tate_as_excel_and_lido(catalog, shared_data, tmp_path):
    """The Tate records exported the way other collection systems do: all 69,202 as one
    gzip-compressed LIDO file, and the first 10,000 as an Excel workbook."""
    from benchmarks.tate_exports import tate_records, write_lido, write_xlsx

    source = shared_data / "tate" / "artworks.jsonl.gz"
    lido_file = write_lido(tate_records(source), tmp_path / "tate.lido.xml.gz")
    result = catalog.imports.catalog(lido_file).detail
    assert (result.rows, result.inserted, result.rejected) == (69_202, 69_202, 0)
    turner = catalog.artworks.one("N00530")
    assert turner["artists"] == ["Joseph Mallord William Turner"]
    assert turner["year_start"] is not None and turner["tags"]
    assert dict(turner["extra"])["repository"] == "Tate"

    from curator.core.catalog import Catalog

    with Catalog(tmp_path / "xlsx.duckdb") as other:
        workbook = write_xlsx(tate_records(source, 10_000), tmp_path / "tate.xlsx")
        result = other.imports.catalog(workbook).detail
        assert (result.rows, result.inserted, result.rejected) == (10_000, 10_000, 0)
        first = other.artworks.one("A00001")
        assert (first["title"], first["date_text"]) == (
            catalog.artworks.one("A00001")["title"], "date not known")
        assert dict(first["extra"])["credit_line"] == "Presented by Mrs John Richmond 1922"


def test_movielens_100k(catalog, shared_data):
    ml = shared_data / "movielens" / "ml-100k"
    assert catalog.imports.catalog(ml / "u.item").detail.inserted == 1_682
    mapping = TEST_DATA / "mappings" / "movielens-u-data.toml"
    assert catalog.imports.events(ml / "u.data", mapping=mapping).detail.inserted == 100_000
    assert catalog.counts() == {"artworks": 1_682, "users": 943, "events": 100_000, "batches": 2}


def test_movielens_latest_small(catalog, shared_data, tmp_path):
    ml = shared_data / "movielens" / "ml-latest-small"
    assert catalog.imports.catalog(ml / "movies.csv").detail.inserted == 9_742
    assert catalog.imports.events(ml / "ratings.csv").detail.inserted == 100_836
    before = snapshot(catalog)
    assert catalog.imports.events(ml / "ratings.csv").detail.inserted == 0
    assert snapshot(catalog) == before


def test_skip_invalid_reports_every_unknown_artwork(
        catalog, shared_data, tmp_path):
    # The rejects file goes beside the database, so ../shared stays untouched.
    source = shared_data / "movielens" / "ml-latest-small" / "ratings.csv"
    result = catalog.imports.events(source, skip_invalid=True).detail
    assert result.rejected == 100_836  # no movies imported: every event is unknown
    assert (tmp_path / "ratings.csv.rejects.csv").exists()
    assert not (source.parent / "ratings.csv.rejects.csv").exists()
