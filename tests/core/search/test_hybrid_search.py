"""Hybrid search (words and meaning fused), and what search says before embedding is done."""

import json
import shutil

import pytest

from curator.cli import main
from curator.core.catalog import Catalog
from curator.core.embedding.search import Filters
from curator.core.errors import CuratorError

from ...conftest import write
from .test_keyword_search import WORKS


@pytest.fixture(scope="module")
def embedded_db(tmp_path_factory):
    """The keyword tests' works, embedded once with the packaged model."""
    folder = tmp_path_factory.mktemp("hybrid")
    with Catalog(folder / "works.duckdb") as cat:
        cat.imports.catalog(write(folder / "works.csv", WORKS))
        cat.embeddings.embed(device="cpu")
    return folder / "works.duckdb"


@pytest.fixture
def works(embedded_db, tmp_path):
    path = tmp_path / "works.duckdb"
    shutil.copy(embedded_db, path)
    cat = Catalog(path)
    yield cat
    cat.close()


@pytest.fixture
def unembedded(catalog, tmp_path):
    catalog.imports.catalog(write(tmp_path / "works.csv", WORKS))
    return catalog


def ids(hits):
    return [h.id for h in hits]


def test_hybrid_fuses_words_and_meaning(works):
    hits = works.artworks.search("ship in a storm at sea", k=5)
    assert hits.mode == "hybrid" and hits.notice is None
    assert hits[0].id == "T1"  # both lists rank it near the top
    assert set(hits[0].parts) == {"keyword", "semantic"}
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True)


def test_meaning_finds_works_without_the_words(works):
    # No work has "tempest" or "ocean": keyword search finds nothing, hybrid still answers.
    assert works.artworks.search("tempest ocean", mode="keyword") == []
    hits = works.artworks.search("tempest ocean", k=3)
    assert hits and all(set(h.parts) == {"semantic"} for h in hits)


def test_an_exact_rare_word_counts_as_much_as_meaning(works):
    assert works.artworks.search("Temeraire", k=3)[0].id == "T3"


@pytest.mark.parametrize(("query", "artist_works"), [
    ("Van Gogh masterpieces", {"V1", "V2"}),
    ("Turner's masterpieces", {"T1", "T2", "T3"}),
    ("Henry Moore sculpture", {"M1", "M2"}),
])
def test_artist_named_in_a_hybrid_query_comes_first(works, query, artist_works):
    hits = works.artworks.search(query, k=10)
    assert set(ids(hits[:len(artist_works)])) == artist_works
    assert all("artist" in h.parts for h in hits[:len(artist_works)])
    assert not any("artist" in h.parts for h in hits[len(artist_works):])


def test_semantic_mode_is_meaning_alone(works):
    hits = works.artworks.search("Turner's masterpieces", k=5, mode="semantic")
    assert hits.mode == "semantic"
    assert all(set(h.parts) == {"semantic"} for h in hits)


def test_a_partly_embedded_catalog_says_how_far_it_is(works, tmp_path):
    works.imports.catalog(write(tmp_path / "more.csv",
                                "accession_number,title,artist\nL1,The Lighthouse,Ann Lee\n"))
    hits = works.artworks.search("lighthouse", k=5)
    assert "17 of 18 artworks embedded so far" in hits.notice
    assert ids(hits)[0] == "L1"  # found by its words before it has a vector
    with pytest.raises(CuratorError, match="L1 is not embedded yet.*17 of 18"):
        works.artworks.similar("L1")


def test_before_embedding_semantic_search_says_so(unembedded):
    message = "still being embedded: 0 of 17 artworks embedded so far"
    with pytest.raises(CuratorError, match=message):
        unembedded.artworks.search("sea", mode="semantic")
    with pytest.raises(CuratorError, match=message + ".*More like this"):
        unembedded.artworks.similar("T1")
    with pytest.raises(CuratorError, match=message + ".*brief"):
        unembedded.recommendations.recommend(None, brief="portraits of women")


def test_before_embedding_hybrid_search_ranks_by_words(unembedded):
    hits = unembedded.artworks.search("works by Turner", k=5)
    assert hits.mode == "keyword"
    assert "0 of 17 artworks embedded so far" in hits.notice
    assert "words only" in hits.notice
    assert set(ids(hits[:3])) == {"T1", "T2", "T3"}


def test_cli_modes_and_parts(works, capsys):
    db = works.path
    works.close()
    assert main(["--db", db, "search", "Temeraire", "--mode", "keyword", "--json",
                 "-k", "3"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out[0]["id"] == "T3" and set(out[0]["parts"]) == {"keyword"}
    assert main(["--db", db, "search", "ship in a storm at sea", "--json", "-k", "3"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out[0]["id"] == "T1" and set(out[0]["parts"]) == {"keyword", "semantic"}


def test_cli_before_embedding_says_so_without_a_traceback(tmp_path, capsys):
    db = str(tmp_path / "c.duckdb")
    assert main(["--db", db, "import-catalog", str(write(tmp_path / "w.csv", WORKS)),
                 "--no-embed"]) == 0
    capsys.readouterr()
    for args in (["search", "sea", "--mode", "semantic"], ["similar", "T1"],
                 ["recommend", "--brief", "portraits of women"]):
        assert main(["--db", db, *args]) == 1
        err = capsys.readouterr().err
        assert "0 of 17 artworks embedded so far" in err, args
        assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert main(["--db", db, "search", "works by Turner", "-k", "3"]) == 0
    captured = capsys.readouterr()
    assert "0 of 17 artworks embedded so far" in captured.err
    assert "Storm at Sea" in captured.out


def test_filters_narrow_every_mode(works):
    sea = set(works.artworks.find_ids(Filters(text="sea")))
    for mode in ("hybrid", "semantic", "keyword"):
        oil = works.artworks.search("ship", k=20, mode=mode, filters=Filters(medium="oil"))
        assert oil and all("Oil" in works.artworks.one(h.id)["medium"] for h in oil), mode
    # Keyword text as a filter on a semantic search: only works with the word.
    hits = works.artworks.search("a calm day", k=20, mode="semantic", filters=Filters(text="sea"))
    assert hits and {h.id for h in hits} <= sea
    assert works.artworks.similar("T1", filters=Filters(text="sea"))[0].id in sea
