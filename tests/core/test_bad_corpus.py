"""Every file in tests/data/bad: a clear message, and the database exactly as it was."""

import pytest

from curator.core.errors import CuratorError
from curator.core.importing import sources

from ..conftest import TEST_DATA, snapshot, write

BAD = TEST_DATA / "bad"

# file -> (kind, pattern of the message); None: imports safely (nothing to reject)
EXPECTED = {
    "unbalanced_quotes.csv": ("catalog", r"unbalanced_quotes\.csv, line 2: a quoted field is never closed"),
    "ragged_rows.csv": ("catalog", r"ragged_rows\.csv, line 2: the row does not have the 4 fields of the first row"),
    "empty.csv": ("catalog", r"empty\.csv is empty"),
    "header_only.csv": ("catalog", r"header_only\.csv has no data rows"),
    "mixed_encoding.csv": ("catalog", r"mixed_encoding\.csv, line 3: byte 0xe9 is not UTF-8.*mixes encodings"),
    "binary.csv": ("catalog", r"binary\.csv is not a text, JSON, Parquet or workbook file"),
    "truncated.csv.gz": ("catalog", r"truncated\.csv\.gz is a damaged or truncated gzip"),
    "bomb.csv.gz": ("catalog", r"bomb\.csv\.gz expands to more than"),
    "duplicate_ids.csv": ("catalog", r"duplicate_ids\.csv, row 4, field `accession_number`: 'B1' appears more than once"),
    "missing_id_column.csv": ("catalog", r"missing_id_column\.csv has no id column"),
    "not_json.json": ("catalog", r"not_json\.json could not be read as JSON"),
    "events_nan_rating.csv": ("events", r"row 2, field `value`: 'NaN' is not a finite number"),
    "events_inf_value.csv": ("events", r"row 2, field `value`: 'inf' is not a finite number"),
    "events_rating_out_of_range.csv": ("events", r"row 2, field `value`: '-1' is outside the rating range"),
    "events_before_1900.csv": ("events", r"row 2, field `timestamp`: '1899-12-31T23:59:59Z' is before 1900"),
    "events_in_future.csv": ("events", r"row 2, field `timestamp`: '2199-01-01' is in the future"),
    "events_unknown_artwork.csv": ("events", r"row 2, field `artwork_id`: 'NOPE' is not an artwork"),
    "events_missing_user.csv": ("events", r"row 2, field `user_id`: has no user id"),
    "events_bad_kind.csv": ("events", r"row 2, field `kind`: 'teleport' is not a known kind"),
    "events_16_digit_epoch.csv": ("events", r"row 2, field `timestamp`: '1700000000000000' is not epoch seconds"),
    "cr_only_newlines.csv": ("catalog", None),
    "cp1252_then_utf8.csv": ("catalog", r"cp1252_then_utf8\.csv, line 3: 'ê' is written in UTF-8, but line 2 is not UTF-8.*mixes encodings"),
    "repeated_header.csv": ("catalog", r"row 3, field `\(row\)`: repeats the header row"),
    "ids_nan.csv": ("catalog", r"row 3, field `accession_number`: 'nan' is not an id"),
    "nul_character.csv": ("catalog", r"row 402, field `title`: 'Bad␀title' contains a NUL character"),
    "duplicate_json_keys.jsonl": ("catalog", r"row 1, field `\(record\)`: 'title' is a key the record names twice"),
    "unicode_forms.csv": ("catalog", r"row 3, field `accession_number`: 'Cafe\u0301' appears more than once in this file \(first on row 2\)"),
    "mapping_columns_as_list.toml": ("mapping", r"mapping_columns_as_list\.toml: \[columns\] must be a table"),
    "mapping_value_as_list.toml": ("mapping", r"\[columns\] user_id must be a column name"),
    "mapping_header_as_text.toml": ("mapping", r"\[read\] header must be a bool, not 'yes'"),
    "mapping_unknown_encoding.toml": ("mapping", r"\[read\] encoding 'klingon' is not an encoding"),
    "mapping_array.json": ("mapping", r"mapping_array\.json: expected sections \(an object\), found a list"),
    "mapping_validate_text.toml": ("mapping", r"\[validate\] rating_min must be a finite number"),
    "mapping_duplicate_key.json": ("mapping", r"could not be read: the key 'user_id' appears twice"),
    "mapping_long_delimiter.toml": ("mapping", r"\[read\] delimiter must be one character"),
    "utf16_no_bom.csv": ("catalog", None),
    "nested_5000_deep.jsonl": ("catalog", None),
}


def test_every_corpus_file_has_an_expectation():
    on_disk = {p.name for p in BAD.iterdir() if p.name != "README.md"}
    assert on_disk == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_file(loaded, name, monkeypatch):
    monkeypatch.setattr(sources, "MAX_EXPANDED_BYTES", 16 << 20)
    kind, pattern = EXPECTED[name]
    run = loaded.imports.catalog if kind == "catalog" else loaded.imports.events
    if kind == "mapping":  # a good history read with a broken mapping file
        def run(mapping):
            return loaded.imports.events(BAD / "events_in_future.csv", mapping=mapping)
    if pattern is None:
        result = run(BAD / name).detail
        assert result.inserted == 1 and result.rejected == 0
        return
    before = snapshot(loaded)
    with pytest.raises(CuratorError, match=pattern):
        run(BAD / name)
    assert snapshot(loaded) == before


def test_a_field_of_several_megabytes(loaded, tmp_path):
    before = snapshot(loaded)
    path = write(tmp_path / "big_field.csv",
                 "accession_number,title,description\nB1,One," + "z" * (5 << 20) + "\n")
    with pytest.raises(CuratorError, match=r"row 2, field `description`: .* is longer than"):
        loaded.imports.catalog(path)
    assert snapshot(loaded) == before


def test_utf16_without_bom_is_read_correctly(catalog):
    catalog.imports.catalog(BAD / "utf16_no_bom.csv")
    assert catalog.artworks.one("B1")["title"] == "Tempête"
