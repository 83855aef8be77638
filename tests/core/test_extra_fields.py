"""Fields beyond the core ones: kept by name, searchable, facets, in the template, undoable."""

import json

import pytest

from curator.core.embedding.search import Filters
from curator.core.errors import CuratorError
from curator.core.importing.mapping import Mapping, extra_name

from ..conftest import snapshot, write

MET = """Object Number,Title,Artist Display Name,Object Date,Medium,Dimensions,Credit Line,Department,Classification
1979.1,Wheat Field,Vincent van Gogh,1887,Oil on canvas,25 x 30 cm,Gift of A,European Paintings,Paintings
1979.2,Cypresses,Vincent van Gogh,1889,Oil on canvas,93 x 74 cm,Gift of B,European Paintings,Paintings
1979.3,The Wave,Hokusai,ca. 1830-32,Woodblock print,26 x 38 cm,Bequest of C,Asian Art,Prints
1979.4,Fuji,Hokusai,ca. 1830-32,Woodblock print,25 x 37 cm,Bequest of C,Asian Art,Prints
1979.5,Bowl,,1st century B.C.,Glass,12 cm,Gift of D,Greek and Roman Art,Glass
1979.6,Jug,,n.d.,Clay,20 cm,Gift of D,Greek and Roman Art,Ceramics
"""


def extras(cat, artwork_id):
    return dict(cat.artworks.one(artwork_id)["extra"] or [])


@pytest.fixture
def met(catalog, tmp_path):
    catalog.imports.catalog(write(tmp_path / "met.csv", MET))
    return catalog


def test_other_columns_are_kept_as_named_extra_fields(met):
    art = met.artworks.one("1979.3")
    assert (art["title"], art["artists"], art["year_start"], art["year_end"]) == (
        "The Wave", ["Hokusai"], 1830, 1832)
    assert art["classification"] == "Prints"
    assert extras(met, "1979.3") == {"dimensions": "26 x 38 cm", "credit_line": "Bequest of C",
                                     "department": "Asian Art"}
    assert extras(met, "1979.5")["department"] == "Greek and Roman Art"


def test_extra_names_follow_the_column(catalog):
    assert [extra_name(c) for c in ["CreditLine", "creditLine", "Credit Line", "id",
                                    "Object Begin Date"]] == [
        "credit_line", "credit_line", "credit_line", "source_id", "object_begin_date"]


def test_categorical_extra_fields_are_facets(met):
    fields = {f["name"]: f for f in met.artworks.extra_fields()}
    assert fields["department"]["facet"] and fields["department"]["values"] == 3
    assert not fields["dimensions"]["facet"]  # every value differs
    assert met.artworks.facet_values("department") == [("Asian Art", 2), ("European Paintings", 2),
                                               ("Greek and Roman Art", 2)]
    # by title: Fuji, The Wave
    assert met.artworks.find_ids(Filters(extra=(("department", "asian art"),))) == ["1979.4", "1979.3"]
    with pytest.raises(CuratorError, match="no facet 'nope'"):
        met.artworks.facet_values("nope")


def test_keyword_search_reads_extra_fields(met):
    # "Bequest" is only in the credit line, "Greek" only in the department
    assert met.artworks.find_ids(Filters(text="Bequest"), order="id") == ["1979.3", "1979.4"]
    assert met.artworks.find_ids(Filters(text="Greek"), order="id") == ["1979.5", "1979.6"]
    assert met.artworks.search("bequest fuji", mode="keyword")[0].id == "1979.4"


def test_extra_fields_in_the_embedding_template(met):
    text = met.embeddings.text("1979.1", "{title}. [{dimensions}.] [{credit_line}.] [{nope}]")
    assert text == "Wheat Field. 25 x 30 cm. Gift of A."
    met.embeddings.set_template("{title} ({department})")
    assert met.embeddings.text("1979.6") == "Jug (Greek and Roman Art)"
    with pytest.raises(CuratorError, match="unknown field.*nope.*known fields.*department"):
        met.embeddings.set_template("{title} {nope}")
    assert "credit_line" in met.embeddings.template_fields()


def test_reimport_unchanged_changes_nothing_and_edits_update(met, tmp_path):
    before = snapshot(met)
    again = met.imports.catalog(write(tmp_path / "met.csv", MET)).detail
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 6)
    assert snapshot(met) == before
    edited = met.imports.catalog(write(tmp_path / "met.csv", MET.replace("Gift of A", "Gift of Z"))).detail
    assert (edited.updated, edited.unchanged) == (1, 5)
    assert extras(met, "1979.1")["credit_line"] == "Gift of Z"


def test_fields_a_file_does_not_carry_keep_their_values(met, tmp_path):
    flat = "Object Number,Title,Department\n1979.1,Wheat Field,Drawings\n1979.2,Cypresses,\n"
    met.imports.catalog(write(tmp_path / "flat.csv", flat))
    assert extras(met, "1979.1") == {"dimensions": "25 x 30 cm", "credit_line": "Gift of A",
                                     "department": "Drawings"}
    # The file carries `Department`; a blank cell empties it.
    assert "department" not in extras(met, "1979.2")
    assert extras(met, "1979.2")["dimensions"] == "93 x 74 cm"


def test_undo_restores_extra_fields(met, tmp_path):
    before = snapshot(met)
    result = met.imports.catalog(write(tmp_path / "met.csv", MET.replace("25 x 30", "1 x 1"))).detail
    assert extras(met, "1979.1")["dimensions"] == "1 x 1 cm"
    met.imports.undo(result.batch_id)
    assert extras(met, "1979.1")["dimensions"] == "25 x 30 cm"
    assert {k: v for k, v in snapshot(met).items() if k != "import_batches"} == {
        k: v for k, v in before.items() if k != "import_batches"}


def test_json_movements_become_tags_and_a_facet(catalog, tmp_path):
    records = [
        {"acno": "T1", "title": "Sea", "subjects": ["sea"], "creditLine": "Presented 1920",
         "movements": [{"id": 1, "name": "Romanticism", "era": {"name": "19th century"}}],
         "dateRange": {"startYear": 1840, "endYear": 1845}, "catalogueGroup": {}},
        {"acno": "T2", "title": "Soup", "subjects": ["food"], "inscription": None,
         "movements": [{"name": "Pop Art"}, {"name": "Romanticism"}]},
        {"acno": "T3", "title": "Late key", "later": 7},
    ]
    path = write(tmp_path / "t.jsonl", "\n".join(json.dumps(r) for r in records) + "\n")
    catalog.imports.catalog(path)
    assert catalog.artworks.one("T1")["tags"] == ["Romanticism", "sea"]
    assert catalog.artworks.one("T2")["tags"] == ["Pop Art", "Romanticism", "food"]
    assert extras(catalog, "T1") == {
        "credit_line": "Presented 1920", "movement": "Romanticism",
        "date_range": '{"startYear":1840,"endYear":1845}'}
    assert extras(catalog, "T2") == {"movement": "Pop Art; Romanticism"}
    assert extras(catalog, "T3") == {"later": "7"}
    assert catalog.artworks.facet_values("movement") == [("Romanticism", 2), ("Pop Art", 1)]
    assert catalog.artworks.find_ids(Filters(extra=(("movement", "pop art"),))) == ["T2"]


def test_mapping_names_a_new_extra_field(catalog, tmp_path):
    path = write(tmp_path / "c.csv", "inv,Titel,Masse,Abteilung\nK1,Baum,10 x 20,Grafik\n")
    mapping = write(tmp_path / "m.toml", '[columns]\nid = "inv"\ntitle = "Titel"\n'
                    '[extra]\ndimensions = "Masse"\ndepartment = "Abteilung"\n')
    catalog.imports.catalog(path, mapping=mapping)
    assert extras(catalog, "K1") == {"dimensions": "10 x 20", "department": "Grafik"}
    preview = catalog.imports.preview(path, mapping=mapping)
    assert preview["extra"] == {"dimensions": "Masse", "department": "Abteilung"}
    bad = Mapping(columns={"id": "inv"}, extra={"title": "Masse"})
    with pytest.raises(CuratorError, match="`title` cannot name an extra field"):
        catalog.imports.catalog(path, mapping=bad)
    with pytest.raises(CuratorError, match="no column `Mass` \\(mapped to extra field"):
        catalog.imports.catalog(path, mapping=Mapping(extra={"dimensions": "Mass"},
                                                     columns={"id": "inv"}))


MOMA = ("Title,Artist,ConstituentID,ArtistBio,BeginDate,Date,Medium,Dimensions,CreditLine,"
        "AccessionNumber,Classification,Department,DateAcquired,ObjectID,URL\n"
        '"Ferdinandsbrücke Project",Otto Wagner,6210,(Austrian),(1841),1896,Ink on paper,'
        '"19 1/8 x 66 1/2"" (48.6 x 168.9 cm)",Fractional gift,885.1996,Architecture,'
        "Architecture & Design,1996-04-09,2,http://www.moma.org/collection/works/2\n")
MET_OPEN = ("Object Number,Is Highlight,Object ID,Department,AccessionYear,Object Name,Title,"
            "Culture,Artist Role,Artist Display Name,Object Date,Object Begin Date,"
            "Object End Date,Medium,Dimensions,Credit Line,Classification,Tags\n"
            "1979.486.1,False,1,The American Wing,1979,Coin,One-dollar Liberty Head Coin,,"
            "Maker,James Barton Longacre,1853,1853,1853,Gold,Dimensions unavailable,"
            "\"Gift of Heinz L. Stoppelmann, 1979\",Metal,Animals|Birds\n")


@pytest.mark.parametrize("text,expected,extra", [
    (MOMA, {"id": "AccessionNumber", "title": "Title", "artists": "Artist", "date_text": "Date",
            "medium": "Medium", "classification": "Classification"},
     {"dimensions": "Dimensions", "credit_line": "CreditLine", "department": "Department",
      "date_acquired": "DateAcquired", "object_id": "ObjectID"}),
    (MET_OPEN, {"id": "Object Number", "title": "Title", "artists": "Artist Display Name",
                "date_text": "Object Date", "year": "Object Begin Date", "medium": "Medium",
                "classification": "Classification", "tags": "Tags"},
     {"dimensions": "Dimensions", "credit_line": "Credit Line", "department": "Department",
      "object_id": "Object ID", "accession_year": "AccessionYear"}),
])
def test_museum_open_access_layouts_need_no_mapping(catalog, tmp_path, text, expected, extra):
    path = write(tmp_path / "open.csv", text)
    preview = catalog.imports.preview(path)
    assert {f: preview["mapping"][f] for f in expected} == expected
    assert {k: preview["extra"][k] for k in extra} == extra
    result = catalog.imports.catalog(path).detail
    assert (result.inserted, result.rejected) == (1, 0)
    art = catalog.artworks.get(catalog.artworks.find_ids())[0]
    assert art["year_start"] in (1896, 1853) and art["title"]
