"""Hostile and careless inputs: read literally, refused quickly, reported clearly."""

import gzip

import pytest

from curator.core.errors import CuratorError
from curator.core.importing import sources

from ..conftest import snapshot, write
from .test_import_events import HEADER


def test_a_file_name_with_question_mark_reads_only_that_file(catalog, tmp_path):
    write(tmp_path / "cat?.jsonl", '{"accession_number": "Q1", "title": "Mine"}\n')
    write(tmp_path / "catZ.jsonl", '{"accession_number": "Z1", "title": "Not mine"}\n')
    write(tmp_path / "cat[1].csv", "accession_number,title\nB1,Brackets\n")
    write(tmp_path / "cat1.csv", "accession_number,title\nC1,Other\n")
    assert catalog.imports.catalog(tmp_path / "cat?.jsonl").detail.inserted == 1
    assert catalog.imports.catalog(tmp_path / "cat[1].csv").detail.inserted == 1
    assert sorted(catalog.artworks.find_ids(order="id")) == ["B1", "Q1"]
    assert list(tmp_path.iterdir())  # the files themselves are untouched
    assert not list(tmp_path.glob("input*"))


def test_a_history_with_a_five_megabyte_field_is_refused_naming_the_limit(loaded, tmp_path):
    before = snapshot(loaded)
    path = write(tmp_path / "h.csv", HEADER + "u1,A1,rating," + "9" * (5 << 20)
                 + ",1700000000\n")
    with pytest.raises(CuratorError, match=r"h\.csv, line 2: the line is longer than 1 MB, "
                                           r"the limit for a history file"):
        loaded.imports.events(path)
    assert snapshot(loaded) == before


def test_a_catalog_date_of_megabytes_is_rejected_not_parsed_for_minutes(loaded, tmp_path):
    path = write(tmp_path / "c.csv", "accession_number,title,date\nB1,One," + "9" * (2 << 20)
                 + "\n")
    with pytest.raises(CuratorError, match=r"row 2, field `date`: .* is not a date"):
        loaded.imports.catalog(path)


def test_a_gzip_of_one_endless_line_is_refused_before_it_is_expanded(loaded, tmp_path,
                                                                    monkeypatch):
    monkeypatch.setattr(sources, "MAX_LINE", 4 << 20)
    path = tmp_path / "bomb.csv.gz"
    member = gzip.compress(b"accession_number," + b"9" * (1 << 20))
    path.write_bytes(member * 64)  # 64 MB of one line when expanded
    before = snapshot(loaded)
    with pytest.raises(CuratorError, match=r"bomb\.csv\.gz, line 1: the line is longer than "
                                           r"4 MB, the limit for a catalog file"):
        loaded.imports.catalog(path)
    assert snapshot(loaded) == before


def test_a_file_with_a_million_columns_is_refused_naming_the_limit(loaded, tmp_path):
    path = write(tmp_path / "wide.csv", ",".join(f"c{i}" for i in range(1_000_000)) + "\n")
    with pytest.raises(CuratorError, match=r"wide\.csv, line 1: more than 5,000 columns"):
        loaded.imports.catalog(path)
