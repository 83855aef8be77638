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
    # A date text is kept as text, but not one of megabytes: the row is refused at once.
    with pytest.raises(CuratorError, match=r"row 2, field `date`: .* is longer than 100,000 "
                                           r"characters"):
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


def test_a_sixteen_digit_epoch_is_rejected_and_skip_invalid_imports_the_rest(loaded, tmp_path):
    path = write(tmp_path / "h.csv", HEADER + "u1,A1,view,,1700000000000000\n"
                 "u1,A2,view,,1700000000\n")
    with pytest.raises(CuratorError, match=r"row 2, field `timestamp`: '1700000000000000' is "
                                           r"not epoch seconds"):
        loaded.imports.events(path)
    result = loaded.imports.events(path, skip_invalid=True).detail
    assert (result.inserted, result.rejected) == (1, 1)


def test_an_unreadable_file_is_named_with_the_reason(loaded, tmp_path, monkeypatch):
    import builtins
    import os

    path = write(tmp_path / "locked.csv", "accession_number,title\nB1,One\n")
    if os.name == "posix" and os.geteuid() != 0:
        path.chmod(0)
    else:  # an administrator reads every file; refuse this one as the system would
        real_open = builtins.open

        def refusing(file, *args, **kwargs):
            if str(file) == str(path):
                raise PermissionError(13, "Permission denied", str(file))
            return real_open(file, *args, **kwargs)

        monkeypatch.setattr(sources, "open", refusing, raising=False)
    before = snapshot(loaded)
    with pytest.raises(CuratorError, match=r"locked\.csv could not be read: permission denied"):
        loaded.imports.catalog(path)
    assert snapshot(loaded) == before


def test_a_mapping_that_is_a_folder_a_pipe_or_a_device_is_refused_at_once(loaded, tmp_path):
    import os

    history = write(tmp_path / "h.csv", HEADER + "u1,A1,view,,1700000000\n")
    folder = tmp_path / "mapping.toml"
    folder.mkdir()
    candidates = [folder]
    if hasattr(os, "mkfifo"):
        fifo = tmp_path / "pipe.toml"
        os.mkfifo(fifo)  # opening it for reading would wait for a writer forever
        candidates.append(fifo)
    if os.path.exists("/dev/zero"):
        candidates.append("/dev/zero")  # endless: reading it whole would exhaust memory
    for mapping in candidates:
        with pytest.raises(CuratorError, match="is not a regular file"):
            loaded.imports.events(history, mapping=mapping)


def test_a_huge_mapping_file_is_refused_by_size(loaded, tmp_path):
    history = write(tmp_path / "h.csv", HEADER + "u1,A1,view,,1700000000\n")
    big = write(tmp_path / "big.toml", "# " + "x" * (2 << 20) + "\n")
    with pytest.raises(CuratorError, match=r"big\.toml: larger than 1 MB"):
        loaded.imports.events(history, mapping=big)


def test_ids_a_spreadsheet_wrote_as_decimals_are_kept_with_a_warning(catalog, tmp_path):
    result = catalog.imports.catalog(write(tmp_path / "c.csv", "accession_number,title\n"
                                           "1.0,One\n2,Two\n")).detail
    assert result.inserted == 2
    assert "1 value(s) of `accession_number` look like whole numbers" in result.summary()


def test_ids_in_two_unicode_forms_join_one_visitor_with_a_warning(loaded, tmp_path):
    nfc, nfd = "Zo\u00eb", "Zoe\u0308"
    result = loaded.imports.events(write(tmp_path / "h.csv", HEADER + f"{nfc},A1,view,,1700000000\n"
                                         f"{nfd},A2,view,,1700000001\n")).detail
    assert result.inserted == 2
    assert loaded.visitors.ids() == [nfc]
    assert "decomposed Unicode form" in result.summary() and repr(nfc) in result.summary()
