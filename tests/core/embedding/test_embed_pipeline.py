import json

import pytest

from curator.core.embedding.search import Filters
from curator.core.embedding.templates import DEFAULT_TEMPLATE, render
from curator.core.errors import CuratorError

from ...conftest import write


def test_template_drops_parts_with_empty_fields():
    rows = [{"title": "Storm", "artists": ["J. Turner", "T. Girtin"], "date_text": None,
             "tags": ["sea", "storm"]}]
    assert render(DEFAULT_TEMPLATE, rows) == ["Storm. By J. Turner, T. Girtin. Subjects: sea, storm."]


def test_unknown_template_field_is_refused(loaded):
    with pytest.raises(CuratorError, match="unknown field"):
        loaded.embeddings.set_template("{title} {colour}")


@pytest.fixture
def embedded(loaded):
    loaded.embeddings.embed(device="cpu")
    return loaded


def test_second_run_embeds_nothing_and_changes_reembed_only_them(embedded, tmp_path):
    assert embedded.embeddings.embed(device="cpu").detail.embedded == 0
    edited = write(tmp_path / "e.csv", "accession_number,title\nA2,The Hay Wain\nA9,New\n")
    embedded.imports.catalog(edited)
    result = embedded.embeddings.embed(device="cpu").detail
    assert result.embedded == 2 and result.total == 5


def test_template_change_makes_everything_stale(embedded):
    embedded.embeddings.set_template("{title}")
    assert embedded.embeddings.embed(device="cpu").detail.embedded == 4
    spaces = embedded.store.con.execute("SELECT count(*) FROM embedding_spaces").fetchall()
    assert spaces == [(1,)]  # the old space's vectors were dropped


def test_search_finds_the_meaningful_match(embedded):
    hits = embedded.artworks.search("a ship in a tempest on the ocean", k=2)
    assert hits[0].id == "A1"
    assert hits[0].score > hits[1].score


def test_search_with_filters(embedded):
    hits = embedded.artworks.search("painting", k=10, filters=Filters(year_from=1850))
    assert {h.id for h in hits} == {"A3", "A4"}  # 1870s, 19th century overlap 1850+
    hits = embedded.artworks.search("painting", k=10, filters=Filters(tag="RIVER"))
    assert {h.id for h in hits} == {"A2", "A3"}
    hits = embedded.artworks.search("painting", k=10, filters=Filters(artist="john constable"))
    assert [h.id for h in hits] == ["A2"]


def test_hostile_filter_strings_are_just_text(embedded):
    nasty = "'; DROP TABLE artworks; --"
    assert embedded.artworks.search("sea", k=5, filters=Filters(medium=nasty, tag=nasty)) == []
    assert embedded.counts()["artworks"] == 4


def test_similar_excludes_itself(embedded):
    hits = embedded.artworks.similar("A3", k=3)
    assert "A3" not in [h.id for h in hits] and len(hits) == 3
    with pytest.raises(CuratorError, match="no artwork 'NOPE'"):
        embedded.artworks.similar("NOPE")


def test_cli_search_json(embedded, capsys):
    from curator.cli import main

    path = embedded.path
    embedded.close()
    assert main(["--db", path, "search", "storm at sea", "-k", "2", "--json"]) == 0
    hits = json.loads(capsys.readouterr().out)
    assert [set(h) >= {"id", "score"} for h in hits] == [True, True]
    assert hits[0]["id"] == "A1"


def test_status_counts_what_waits_and_follows_template_and_model(loaded, tiny_model):
    status = loaded.embeddings.status()
    assert (status.artworks, status.stale) == (4, 4)
    assert status.default_model and status.default_template
    loaded.embeddings.embed(device="cpu")
    assert loaded.embeddings.status().stale == 0
    loaded.embeddings.set_template("{title} [by {artists}]")
    assert loaded.embeddings.status().stale == 4 and not loaded.embeddings.status().default_template
    loaded.embeddings.set_template(None)  # back to the default: the stored vectors count again
    assert loaded.embeddings.status().stale == 0
    loaded.embeddings.set_model_path(tiny_model)
    status = loaded.embeddings.status()
    assert (status.stale, status.dim, status.default_model) == (4, 32, False)


def test_example_text_follows_an_unsaved_template(loaded):
    template = "{title} [with {tags}] [in {medium}]"
    assert loaded.embeddings.text("A1", template) == \
        "Storm at Sea with sea, ship, storm in Oil paint on canvas"
    assert loaded.embeddings.text("A4", template) == "Untitled in Graphite on paper"
    with pytest.raises(CuratorError, match="no artwork 'NOPE'"):
        loaded.embeddings.text("NOPE")
    with pytest.raises(CuratorError, match="names no field"):
        loaded.embeddings.set_template("just words")


def test_cli_changes_and_shows_the_template(loaded, capsys):
    from curator.cli import main

    path = loaded.path
    loaded.close()
    assert main(["--db", path, "embed", "--template", "{title}!", "--show", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["template"] == "{title}!" and shown["stale"] == 4
    assert shown["example"].endswith("!")
    assert main(["--db", path, "embed", "--default-template", "--show"]) == 0
    assert "Template (default)" in capsys.readouterr().out
