"""LIDO XML: a wrap of records or one record, 1.0 and 1.1, gzip, languages, streaming."""

import gzip

import pytest

from curator.core.errors import CuratorError
from curator.core.importing import lido

from ..conftest import TEST_DATA, snapshot

LIDO = TEST_DATA / "lido"


def extras(cat, artwork_id):
    return dict(cat.artworks.one(artwork_id)["extra"] or [])


def test_a_lido_wrap_maps_every_part_of_a_record(catalog):
    result = catalog.imports.catalog(LIDO / "wrap-1.0.xml").detail
    assert (result.inserted, result.rejected) == (2, 0)
    art = catalog.artworks.one("SK-C-5")
    assert art["title"] == "De Nachtwacht"           # the preferred appellation
    assert art["artists"] == ["Rembrandt van Rijn"]  # production event only, not acquisition
    assert (art["date_text"], art["year_start"], art["year_end"]) == ("1642", 1642, 1642)
    assert art["medium"] == "olieverf op doek"
    assert art["classification"] == "schilderij"
    assert art["description"] == "Schutterstuk met kapitein Frans Banninck Cocq."
    assert art["tags"] == ["Frans Banninck Cocq", "schutterij", "vaandel"]
    assert extras(catalog, "SK-C-5") == {
        "lido_rec_id": "MV-REC-0001", "classifications": "Schilderkunst",
        "dimensions": "h 379.5cm x w 453.5cm", "repository": "Museum Voorbeeld",
        "credit_line": "Bruikleen van de gemeente Amsterdam",
        "record_url": "https://example.org/collectie/SK-C-5",
        "image_url": "https://example.org/img/SK-C-5-thumb.jpg",
        "image_urls": "https://example.org/img/SK-C-5.jpg",
        "earliest_date": "1642", "latest_date": "1642",
        "title_nl": "De Nachtwacht", "title_en": "The Night Watch",
        "description_nl": "Schutterstuk met kapitein Frans Banninck Cocq.",
        "description_en": "Militia company of Captain Frans Banninck Cocq."}
    prints = catalog.artworks.one("RP-P-OB-215")
    # no display date: the earliest/latest dates; materials from their terms
    assert (prints["date_text"], prints["year_start"]) == ("1643", 1643)
    assert prints["medium"] == "ets; droge naald"
    assert prints["artists"] == ["Rembrandt van Rijn"]


def test_a_preferred_language_is_chosen_on_import(catalog):
    catalog.imports.catalog(LIDO / "wrap-1.0.xml", language="en")
    art = catalog.artworks.one("SK-C-5")
    assert (art["title"], art["classification"], art["medium"]) == (
        "The Night Watch", "painting", "olieverf op doek")
    assert art["tags"] == ["Frans Banninck Cocq", "banner", "civic guard"]
    assert art["description"] == "Militia company of Captain Frans Banninck Cocq."
    assert extras(catalog, "SK-C-5")["title_nl"] == "De Nachtwacht"
    assert catalog.artworks.one("RP-P-OB-215")["title"] == "The Three Trees"


def test_one_lido_1_1_record_per_file_gzip(catalog, tmp_path):
    path = tmp_path / "record.xml.gz"
    path.write_bytes(gzip.compress((LIDO / "record-1.1.xml").read_bytes()))
    result = catalog.imports.catalog(path).detail
    assert result.inserted == 1
    art = catalog.artworks.one("HK-1046")
    assert art["title"] == "Der Wanderer über dem Nebelmeer"
    assert art["artists"] == ["Caspar David Friedrich"]
    assert (art["date_text"], art["year_start"], art["year_end"]) == ("um 1817", 1817, 1817)
    assert extras(catalog, "HK-1046")["title_en"] == "Wanderer above the Sea of Fog"
    assert extras(catalog, "HK-1046")["dimensions"] == "94,8 x 74,8 cm"
    preview = catalog.imports.preview(path)
    assert preview["encoding"] == "LIDO XML"
    assert preview["mapping"]["title"] == "title" and preview["mapping"]["id"] == "id"


def test_reimport_changes_nothing(catalog):
    catalog.imports.catalog(LIDO / "wrap-1.0.xml")
    before = snapshot(catalog)
    again = catalog.imports.catalog(LIDO / "wrap-1.0.xml").detail
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 2)
    assert snapshot(catalog) == before


def test_broken_xml_names_the_line_and_changes_nothing(catalog, tmp_path):
    text = (LIDO / "wrap-1.0.xml").read_text()
    broken = tmp_path / "broken.xml"
    broken.write_text(text.replace("</lido:titleSet>", "</lido:titleSett>", 1))
    before = snapshot(catalog)
    with pytest.raises(CuratorError, match=r"broken\.xml, line \d+: the XML is not well formed"):
        catalog.imports.catalog(broken)
    assert snapshot(catalog) == before


def test_entities_are_not_expanded(catalog, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    path = tmp_path / "xxe.xml"
    path.write_text(f'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY s SYSTEM "file://{secret}">]>'
                    '<lido:lidoWrap xmlns:lido="http://www.lido-schema.org"><lido:lido>'
                    "<lido:lidoRecID>R1</lido:lidoRecID><lido:descriptiveMetadata><lido:"
                    "objectIdentificationWrap><lido:titleWrap><lido:titleSet><lido:"
                    "appellationValue>&s;</lido:appellationValue></lido:titleSet></lido:"
                    "titleWrap></lido:objectIdentificationWrap></lido:descriptiveMetadata>"
                    "</lido:lido></lido:lidoWrap>")
    catalog.imports.catalog(path)
    assert "SECRET" not in (catalog.artworks.one("R1")["title"] or "")


def test_records_are_cleared_while_streaming(tmp_path, monkeypatch):
    one = (LIDO / "record-1.1.xml").read_text().split("?>", 1)[1]
    body = one.replace("<lido xmlns=\"http://www.lido-schema.org\"", "<lido")
    path = tmp_path / "many.xml"
    # Read 3,000 records and watch the tree: the records read before are gone from it.
    path.write_text('<lidoWrap xmlns="http://www.lido-schema.org">' + "".join(
        body.replace("HK-1046", f"HK-{i}") for i in range(3000)) + "</lidoWrap>")
    seen = []
    real = lido.read_record

    def spy(rec, language):
        before = rec.getprevious()  # at most the last record, already cleared
        seen.append(before is None or (len(before) == 0 and before.getprevious() is None))
        return real(rec, language)

    monkeypatch.setattr(lido, "read_record", spy)
    rows = lido.read_lido(path, gz=False, language=None)
    assert len(rows) == 3000 and rows[-1]["id"] == "HK-2999"
    assert all(seen)


def test_lido_1_1_skos_concepts_and_a_block_per_language(catalog):
    """The shape of the LIDO homepage's 1.1 examples: SKOS concepts for event types and
    terms, materials outside the event, structured measurements, a block per language."""
    assert catalog.imports.catalog(LIDO / "skos-1.1.xml").detail.inserted == 1
    art = catalog.artworks.one("Inv. 77")
    assert art["title"] == "Flusslandschaft"
    # the production event is known by its SKOS concept; the restoration is not a maker
    assert art["artists"] == ["Muster, Anna"]
    assert art["date_text"] == "um 1850"
    # the work type in the record's language; no field mixes the German and English blocks
    assert art["classification"] == "Gemälde"
    assert art["medium"] == "Ölfarbe"
    extra = extras(catalog, "Inv. 77")
    assert extra["classifications"] == "Malerei"
    assert (extra["earliest_date"], extra["latest_date"]) == ("1845", "1855")
    assert extra["repository"] == "Beispielmuseum (Köln)"
    assert extra["dimensions"] == "Höhe 40,5 cm, Breite 62 cm"
    assert (extra["title_de"], extra["title_en"]) == ("Flusslandschaft", "River landscape")


def test_lido_1_1_english_block_and_labels_on_request(catalog):
    catalog.imports.catalog(LIDO / "skos-1.1.xml", language="en")
    art = catalog.artworks.one("Inv. 77")
    assert (art["title"], art["classification"]) == ("River landscape", "painting")
    assert extras(catalog, "Inv. 77")["repository"] == "Example Museum (Cologne)"
