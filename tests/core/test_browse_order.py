"""Sorting the collection: by title as a person reads it, artist, date, recently added."""

import pytest

from curator.core.embedding.search import Filters
from curator.core.errors import CuratorError

from ..conftest import write

FIRST = ("accession_number,title,artist,date\n"
         "T1,\"\"\"The Fighting Temeraire\"\"\",\"Turner, Joseph Mallord William\",1839\n"
         "T2,A Storm at Sea,\"Constable, John\",1824\n"
         "T3,Apple Trees,\"Cézanne, Paul\",1890\n"
         "T4,...Untitled,,\n"
         "T5,Beach,\"Boudin, Eugène\",1865\n")
LATER = "accession_number,title,artist,date\nN1,Zebra,\"Adams, Ansel\",1950\n"


@pytest.fixture
def works(catalog, tmp_path):
    catalog.imports.catalog(write(tmp_path / "a.csv", FIRST))
    catalog.imports.catalog(write(tmp_path / "b.csv", LATER))
    return catalog


def titles(cat, ids):
    return [cat.artworks.one(i)["title"] for i in ids]


def test_title_order_ignores_quotes_punctuation_and_articles(works):
    assert titles(works, works.artworks.find_ids(order="title")) == [
        "Apple Trees", "Beach", "\"The Fighting Temeraire\"", "A Storm at Sea", "...Untitled",
        "Zebra"]


def test_artist_date_and_recently_added(works):
    by_artist = works.artworks.find_ids(order="artist")
    assert by_artist[:2] == ["N1", "T5"] and by_artist[-1] == "T4"  # no artist: last
    assert works.artworks.find_ids(order="date") == ["T2", "T1", "T5", "T3", "N1", "T4"]
    assert works.artworks.find_ids(order="date_desc")[:2] == ["N1", "T3"]
    assert works.artworks.find_ids(order="added")[0] == "N1"


def test_sorting_a_search_result_keeps_only_its_works(works):
    hits = ["T3", "T1", "T2"]  # a semantic search's order
    assert works.artworks.find_ids(within=hits) == hits
    assert works.artworks.find_ids(within=hits, order="date") == ["T2", "T1", "T3"]
    assert works.artworks.find_ids(Filters(year_from=1830), within=hits,
                                   order="title") == ["T3", "T1"]


def test_an_unknown_order_is_refused(works):
    with pytest.raises(CuratorError, match="Unknown order 'colour'"):
        works.artworks.find_ids(order="colour")


def test_the_source_record_keeps_every_field(works):
    record = works.artworks.record("T2")
    assert record["title"] == "A Storm at Sea" and record["date"] == "1824"
    assert works.artworks.record("NOPE") == {}
