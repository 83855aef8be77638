"""The real exports in ../shared/data import with the right counts."""

import pytest

from ..conftest import TEST_DATA, snapshot

pytestmark = pytest.mark.integration


def test_tate_jsonl_then_csv(catalog, shared_data):
    first = catalog.imports.catalog(shared_data / "tate" / "artworks.jsonl.gz").detail
    assert (first.inserted, first.rejected) == (69_202, 0)
    tagged = catalog.store.con.execute(
        "SELECT count(*) FROM artworks WHERE len(tags) > 0").fetchall()[0][0]
    assert tagged == 58_801  # records whose subject tree has named leaves
    again = catalog.imports.catalog(shared_data / "tate" / "artworks.jsonl.gz").detail
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 69_202)
    flat = catalog.imports.catalog(shared_data / "tate" / "artwork_data.csv.gz").detail
    assert flat.inserted == 0 and flat.rows == 69_202
    # The flat export names only the first artist, as "Surname, Forenames, Title": only
    # those artworks change; titles, dates, media and tags stay as they were.
    assert flat.updated == 2_774
    assert catalog.counts()["artworks"] == 69_202
    unchanged_tags = catalog.store.con.execute(
        "SELECT count(*) FROM artworks WHERE len(tags) > 0").fetchall()[0][0]
    assert unchanged_tags == tagged


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
