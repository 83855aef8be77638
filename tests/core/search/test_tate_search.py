"""Plain-language queries naming artists, on the full Tate catalog (69,202 works).

The keyword and hybrid tests import the catalog without vectors (hybrid search then ranks
by words and says so). The ``slow`` test runs hybrid search with vectors: it embeds the
whole catalog first (long on a CPU), or uses an embedded copy named by ``CURATOR_TATE_DB``.
"""

import os
import shutil

import pytest

from curator.core.catalog import Catalog
from curator.core.embedding.search import Filters

from ...conftest import SHARED_DATA

pytestmark = pytest.mark.integration

# Each query, and the artist whose works must fill its first places (all of them when the
# artist has fewer than ten works in the collection).
QUERIES = {
    "Van Gogh masterpieces": "Vincent van Gogh",
    "works by Turner": "Joseph Mallord William Turner",
    "turner seascapes": "Joseph Mallord William Turner",  # credit lines say "Turner Bequest"
    "Turner's masterpieces": "Joseph Mallord William Turner",
    "Henry Moore sculpture": "Henry Moore OM, CH",
    "Hepworth": "Dame Barbara Hepworth",
    "Constable clouds": "John Constable",
}


@pytest.fixture(scope="module")
def shared_tate():
    if not SHARED_DATA.is_dir():
        pytest.skip(f"the shared data folder {SHARED_DATA} is not present")
    return SHARED_DATA / "tate" / "artworks.jsonl.gz"


@pytest.fixture(scope="module")
def tate(shared_tate, tmp_path_factory):
    cat = Catalog(tmp_path_factory.mktemp("tate") / "tate.duckdb")
    cat.imports.catalog(shared_tate)
    yield cat
    cat.close()


def first_places(catalog, hits, artist):
    works = len(catalog.artworks.find_ids(Filters(artist=artist)))
    return hits[:min(10, works)]


@pytest.mark.parametrize("mode", ["keyword", "hybrid"])
@pytest.mark.parametrize("query", list(QUERIES))
def test_artist_queries_bring_that_artists_works_first(tate, query, mode):
    hits = tate.artworks.search(query, k=10, mode=mode)
    top = first_places(tate, hits, QUERIES[query])
    assert top and all(QUERIES[query] in h.artists for h in top), \
        [(h.title, h.artists) for h in hits]
    if mode == "hybrid":  # no vectors in this catalog: words only, and it says so
        assert hits.mode == "keyword" and "0 of 69,202 artworks embedded so far" in hits.notice


def test_whole_words_and_accents_on_the_real_catalog(tate):
    found = set(tate.artworks.find_ids(Filters(text="sea")))
    text = ("lower(concat_ws(' ', title, array_to_string(artists, ' '), "
            "array_to_string(tags, ' '), medium, classification, description, "
            "array_to_string(list_filter(map_values(extra), lambda v: NOT "
            "regexp_matches(v, '^(https?|ftp)://')), ' ')))")
    cur = tate.store.cursor()
    whole = {r[0] for r in cur.execute(
        f"SELECT id FROM artworks WHERE regexp_matches({text}, '\\bseas?\\b')").fetchall()}
    inside = {r[0] for r in cur.execute(
        f"SELECT id FROM artworks WHERE {text} LIKE '%swansea%'").fetchall()}
    cur.close()
    assert found == whole  # "sea" or "seas" as a word, nothing else
    assert inside - whole and not (inside - whole) & found  # Swansea alone is not the sea
    durer = tate.artworks.find_ids(Filters(text="Durer"))
    assert durer and durer == tate.artworks.find_ids(Filters(text="Dürer"))


@pytest.fixture(scope="module")
def embedded_tate(shared_tate, tmp_path_factory):
    path = tmp_path_factory.mktemp("tate-embedded") / "tate.duckdb"
    prepared = os.environ.get("CURATOR_TATE_DB")
    if prepared:
        shutil.copy(prepared, path)
    cat = Catalog(path)
    if cat.counts()["artworks"] == 0:
        cat.imports.catalog(shared_tate)
    cat.embeddings.embed()
    yield cat
    cat.close()


@pytest.mark.slow
@pytest.mark.parametrize("query", list(QUERIES))
def test_hybrid_artist_queries_with_vectors(embedded_tate, query):
    hits = embedded_tate.artworks.search(query, k=10)
    assert hits.mode == "hybrid" and hits.notice is None
    top = first_places(embedded_tate, hits, QUERIES[query])
    assert top and all(QUERIES[query] in h.artists for h in top), \
        [(h.title, h.artists) for h in hits]
    assert all("semantic" in h.parts or "keyword" in h.parts for h in top)
