"""Keyword search: whole words, accents folded, relevance order, artists named in a query."""

import numpy as np
import pytest

from curator.core.embedding.search import Filters
from curator.core.errors import CuratorError
from curator.core.search.artists import name_words
from curator.core.search.lexical import fold, terms, words

from ...conftest import write

# Notes that mention Turner, a town that contains "sea", accented and unaccented names,
# two Moores, and a surname that is also a material.
WORKS = """accession_number,title,artist,date,medium,tags,description
T1,Storm at Sea,"Turner, Joseph Mallord William",1840,Oil paint on canvas,sea|storm,
T2,Norham Castle,"Turner, Joseph Mallord William",1845,Oil paint on canvas,castle|river,
T3,The Fighting Temeraire,"Turner, Joseph Mallord William",1839,Oil paint on canvas,ship,
S1,Swansea Bay,"Smith, John",1850,Watercolour,town|coast,
S2,A Quiet Harbour,"Jones, Mary",1860,Oil paint on canvas,harbour,A calm sea beyond the wall.
N1,After Turner,"Brown, Ann",1900,Etching,sea|ship,A homage to Turner and his Turner-like skies.
N2,Notes on Turner's Light,"Grey, Paul",1910,Graphite on paper,,Turner Turner Turner: notes on Turner.
V1,Farms near Auvers,Vincent van Gogh,1890,Oil paint on canvas,landscape|farm,
V2,Pietà (after Delacroix),Vincent van Gogh,1889,Oil paint on canvas,religion,
M1,Reclining Figure,"Moore, Henry",1951,Bronze,figure|sculpture,
M2,Two Forms,"Moore, Henry",1966,Marble,sculpture,
M3,A Garden,"Moore, Albert",1869,Oil paint on canvas,garden,
W1,Trees in a Wood,"Palmer, Samuel",1830,Ink on paper,trees|wood,
W2,Wooden Bowl,"Lee, Ann",1950,Wood,wood,
W3,Boy with a Kite,"Wood, Christopher",1930,Oil paint on canvas,child,
D1,Melencolia I,Albrecht Dürer,1514,Engraving,angel,
D2,Rhinoceros,Albrecht Durer,1515,Woodcut,animal,
"""


@pytest.fixture
def works(catalog, tmp_path):
    catalog.imports.catalog(write(tmp_path / "works.csv", WORKS))
    return catalog


def keyword(catalog, text, k=20):
    return [h.id for h in catalog.artworks.search(text, k=k, mode="keyword")]


def test_words_are_folded_whole_words():
    assert fold("Dürer's Æsop Łódź") == "durer's aesop lodz"
    assert words("Turner's Swansea-Bay, 1850") == ["turner", "swansea", "bay", "1850"]
    assert terms("the seas of Swansea") == ["sea", "swansea"]  # stop word out, stemmed
    assert words("%_\\") == []


def test_artist_names_set_aside_honours_titles_and_places():
    assert name_words("Henry Moore OM, CH") == ("henry", "moore")
    assert name_words("CH Henry Moore OM") == ("henry", "moore")  # inverted on import
    assert name_words("Dame Barbara Hepworth") == ("barbara", "hepworth")
    assert name_words("William Turner of Oxford") == ("william", "turner")
    assert name_words("Vincent van Gogh") == ("vincent", "van", "gogh")


def test_a_word_does_not_match_inside_another(works):
    found = works.artworks.find_ids(Filters(text="sea"))
    assert "S1" not in found  # Swansea
    assert {"T1", "S2", "N1"} <= set(found)
    assert works.artworks.find_ids(Filters(text="wood")) and "W2" in works.artworks.find_ids(Filters(text="wood"))
    assert works.artworks.find_ids(Filters(text="swan")) == []


def test_accents_are_folded_both_ways(works):
    assert set(works.artworks.find_ids(Filters(text="Durer"))) == {"D1", "D2"}
    assert set(works.artworks.find_ids(Filters(text="DÜRER"))) == {"D1", "D2"}
    assert works.artworks.find_ids(Filters(text="pieta")) == ["V2"]


def test_keyword_results_come_by_relevance_not_title(works):
    found = works.artworks.find_ids(Filters(text="sea"))
    # "sea" in the title and the subjects beats "sea" once in the notes.
    assert found.index("T1") < found.index("S2")
    # Title order reads titles as a person does: "A Quiet Harbour" under Q.
    assert works.artworks.find_ids(Filters(text="sea"), order="title") == ["N1", "S2", "T1"]
    # More of the query's words rank higher.
    assert keyword(works, "storm sea")[0] == "T1"


def test_facets_narrow_keyword_matches_and_keep_their_order(works):
    found = works.artworks.find_ids(Filters(text="sea", medium="oil"))
    assert found == [i for i in works.artworks.find_ids(Filters(text="sea")) if i in {"T1", "S2"}]


@pytest.mark.parametrize("query", ["works by Turner", "Turner's masterpieces", "TURNER",
                                   "works by turner"])
def test_a_named_artist_comes_before_works_that_mention_the_name(works, query):
    found = keyword(works, query)
    assert set(found[:3]) == {"T1", "T2", "T3"}
    # The notes that repeat "Turner" follow, they do not lead.
    assert set(found[3:]) >= {"N2"} and "N2" not in found[:3]


def test_van_gogh_and_full_names(works):
    assert set(keyword(works, "Van Gogh masterpieces")[:2]) == {"V1", "V2"}
    hits = works.artworks.search("Henry Moore sculpture", mode="keyword")
    assert {h.id for h in hits[:2]} == {"M1", "M2"}  # not Albert Moore
    assert hits[0].parts["artist"] == {"name": "Henry Moore", "how": "name"}
    assert "M3" not in [h.id for h in hits[:2]]


def test_rest_of_the_query_ranks_the_artists_works(works):
    assert keyword(works, "Turner castle")[0] == "T2"
    assert keyword(works, "Turner ship")[:2] == ["T3", "T1"] or \
        keyword(works, "Turner ship")[0] == "T3"


def test_a_surname_that_is_a_common_word_does_not_take_over(works):
    found = keyword(works, "trees in the wood")
    # Christopher Wood's work has the word (in its artist) but is not put first.
    assert found[0] == "W1" and found[-1] == "W3"
    assert keyword(works, "works by Wood")[0] == "W3"  # written as a name, it is one


def test_keyword_index_follows_imports_and_undo(works, tmp_path):
    assert works.artworks.find_ids(Filters(text="lighthouse")) == []
    result = works.imports.catalog(write(tmp_path / "more.csv",
                                        "accession_number,title,artist\nL1,The Lighthouse,"
                                        "\"Turner, Joseph Mallord William\"\n"))
    assert works.artworks.find_ids(Filters(text="lighthouse")) == ["L1"]
    assert "L1" in keyword(works, "Turner")[:4]
    works.imports.undo(result.batch_id)
    assert works.artworks.find_ids(Filters(text="lighthouse")) == []


def test_unknown_mode_and_empty_catalog(catalog):
    with pytest.raises(CuratorError, match="Unknown search mode"):
        catalog.artworks.search("sea", mode="fuzzy")
    assert catalog.artworks.search("sea", mode="keyword") == []
    assert catalog.artworks.find_ids(Filters(text="sea")) == []


def test_scores_are_bm25_and_parts_say_so(works):
    hits = works.artworks.search("storm sea", mode="keyword")
    assert hits.mode == "keyword" and hits.notice is None
    assert hits[0].parts["keyword"]["rank"] == 1
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True) and np.all(np.asarray(scores) > 0)


def test_separator_characters_in_a_field_do_not_shift_documents(catalog, tmp_path):
    catalog.imports.catalog(write(tmp_path / "odd.csv", "accession_number,title,artist\n"
                                  "X1,Sea\x1fStorm\x1eCliff,Ann Lee\nX2,Harbour,Bo Li\n"))
    assert catalog.artworks.find_ids(Filters(text="cliff")) == ["X1"]
    assert catalog.artworks.find_ids(Filters(text="harbour")) == ["X2"]


def test_names_in_extra_fields_do_not_hide_the_artist(catalog, tmp_path):
    rows = "".join(f"B{i},Study {i},\"Turner, Joseph Mallord William\",Turner Bequest\n"
                   for i in range(3))
    catalog.imports.catalog(write(tmp_path / "b.csv", "accession_number,title,artist,"
                                  f"credit_line\n{rows}N1,Notes on turner,Ann Lee,Gift\n"))
    found = [h.id for h in catalog.artworks.search("works by turner", mode="keyword")]
    assert set(found[:3]) == {"B0", "B1", "B2"} and found[3] == "N1"
    assert catalog.artworks.find_ids(Filters(text="bequest"))[:3]  # extra words are found
