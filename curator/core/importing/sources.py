"""Opening an input file as a DuckDB table, whatever its format and encoding.

DuckDB does the reading. This module only decides *how* it should read: the format
(delimited text, JSON array, JSON Lines, Parquet; each optionally gzip-compressed), and the
encoding. DuckDB reads UTF-8 only, so UTF-16 and Windows-1252/Latin-1 files are first
re-encoded as UTF-8 into a temporary file, streaming in blocks.
"""

from __future__ import annotations

import codecs
import gzip
import hashlib
import re
import shutil
import tempfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from ..errors import CuratorError

SNIFF_BYTES = 1 << 16
# A compressed input may not expand past this; a "zip bomb" is refused, not read.
MAX_EXPANDED_BYTES = 8 << 30
# The longest line a delimited file may have (a description of several megabytes fits).
MAX_LINE = 64 << 20
# Histories and visitor lists hold short fields: a longer line is a broken file.
SHORT_LINE = 1 << 20
# More columns than this in a delimited file is not a table a curator made.
MAX_COLUMNS = 5_000
# Characters DuckDB's readers expand as a pattern of file names.
_GLOB = re.compile(r"[*?\[\]{}]")


@dataclass
class ReadOptions:
    """How to read a file; every field is detected (or the first sheet, the record's own
    language taken) when left as ``None``."""

    delimiter: str | None = None
    header: bool | None = None
    names: list[str] | None = None
    encoding: str | None = None
    quote: str | None = None
    sheet: str | int | None = None      # a workbook's sheet, by name or number (1 = first)
    language: str | None = None         # LIDO: the language preferred for titles and notes


@dataclass
class Source:
    """An input file staged as the temporary table ``src`` on one cursor.

    ``kind`` is ``"json"`` (one JSON column ``rec``) or ``"table"`` (one column per field).
    ``_row`` numbers the records from 1 in file order; ``first_line`` is the line a
    spreadsheet shows the first record on (2 when there is a header).
    """

    path: Path
    kind: str
    columns: list[str]
    rows: int
    sha256: str
    first_line: int = 1
    encoding: str = "utf-8"
    cleanup: list[Path] = field(default_factory=list)

    def line_of(self, row: int) -> int:
        return row + self.first_line - 1

    def close(self) -> None:
        for path in self.cleanup:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)

    def __enter__(self) -> Source:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class LineLimit:
    """Follows line lengths through a stream of blocks; raises past ``limit`` bytes.

    Both LF and a lone CR end a line (old Mac files use CR only). Blocks must not be longer
    than the limit.
    """

    def __init__(self, name: str, limit: int, what: str):
        self.name, self.limit, self.what = name, limit, what
        self.run = 0  # bytes since the last line end
        self.line = 1

    def feed(self, block: bytes) -> None:
        first = _first_break(block)
        if first < 0:
            self.run += len(block)
        else:
            if self.run + first > self.limit:
                self._refuse()
            self.run = len(block) - _last_break(block) - 1
        if self.run > self.limit:
            self._refuse()
        self.line += block.count(b"\n") or block.count(b"\r")

    def _refuse(self) -> None:
        raise CuratorError(
            f"{self.name}, line {self.line:,}: the line is longer than "
            f"{_size(self.limit)}, the limit for {self.what}; it was not imported.")


def _first_break(block: bytes) -> int:
    hits = [i for i in (block.find(b"\n"), block.find(b"\r")) if i >= 0]
    return min(hits) if hits else -1


def _last_break(block: bytes) -> int:
    return max(block.rfind(b"\n"), block.rfind(b"\r"))


def _size(n: int) -> str:
    return f"{n >> 30} GB" if n >= 1 << 30 else f"{n >> 20} MB" if n >= 1 << 20 else f"{n:,} bytes"


def scan_input(path: Path, gz: bool, max_line: int, what: str) -> str:
    """Read ``path`` once (and its gzip content once), refusing it as soon as it expands
    past the limit or a line grows past ``max_line``; returns the file's SHA-256."""
    digest = hashlib.sha256()
    block_size = min(1 << 20, max_line)
    lines = LineLimit(path.name, max_line, what)
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(block_size), b""):
            digest.update(block)
            if not gz:
                lines.feed(block)
    if gz:
        total = 0
        try:
            with gzip.open(path, "rb") as handle:
                for block in iter(lambda: handle.read(block_size), b""):
                    total += len(block)
                    if total > MAX_EXPANDED_BYTES:
                        raise CuratorError(
                            f"{path.name} expands to more than {_size(MAX_EXPANDED_BYTES)}; "
                            "it was not imported.")
                    lines.feed(block)
        except (OSError, EOFError, zlib.error) as exc:
            raise CuratorError(
                f"{path.name} is a damaged or truncated gzip file ({exc}); it was not imported."
            ) from exc
    return digest.hexdigest()


def literal_path(path: Path, cleanup: list[Path]) -> Path:
    """A name DuckDB reads as exactly ``path``.

    DuckDB's readers take a file name as a pattern (``cat?.jsonl`` would also read
    ``catZ.jsonl``). A name with pattern characters is read through a link (or, where links
    are not allowed, a copy) under a plain name in a new temporary folder; the folder is
    added to ``cleanup``.
    """
    full = path.resolve()
    if not _GLOB.search(str(full)):
        return full
    folder = Path(tempfile.mkdtemp(prefix="curator-input-"))
    cleanup.append(folder)
    suffixes = "".join(s for s in full.suffixes[-2:] if not _GLOB.search(s))
    link = folder / f"input{suffixes}"
    try:
        link.symlink_to(full)
    except OSError:
        shutil.copyfile(full, link)
    if _GLOB.search(str(link)):
        raise CuratorError(f"The temporary folder {folder} has pattern characters in its "
                           "name; set TMPDIR to a plain folder name.")
    return link


def _is_gzip(path: Path) -> bool:
    with open(path, "rb") as handle:
        return handle.read(2) == b"\x1f\x8b"


def _head(path: Path, gz: bool) -> bytes:
    try:
        if gz:
            with gzip.open(path, "rb") as handle:
                return handle.read(SNIFF_BYTES)
        with open(path, "rb") as handle:
            return handle.read(SNIFF_BYTES)
    except (OSError, EOFError, zlib.error) as exc:
        raise CuratorError(f"{path.name} could not be read: {exc}") from exc


def detect_encoding(head: bytes) -> str:
    """Guess the text encoding of a file from its first bytes."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    sample = head[:4096]
    if len(sample) >= 4:
        even_nul = sample[0::2].count(0) / max(1, len(sample[0::2]))
        odd_nul = sample[1::2].count(0) / max(1, len(sample[1::2]))
        if odd_nul > 0.3 and even_nul < 0.05:
            return "utf-16-le"
        if even_nul > 0.3 and odd_nul < 0.05:
            return "utf-16-be"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        return "cp1252"


def _looks_binary(head: bytes, encoding: str) -> bool:
    if encoding.startswith("utf-16"):
        return False
    if b"\x00" in head[:4096]:
        return True
    controls = sum(1 for b in head[:4096] if b < 9 or 13 < b < 32)
    return controls > len(head[:4096]) * 0.05


def detect_format(path: Path, head: bytes, encoding: str) -> str:
    """One of ``parquet``, ``json`` (an array), ``jsonl`` or ``delimited``."""
    if head.startswith(b"PAR1"):
        return "parquet"
    text = head.decode(encoding if encoding != "utf-8-sig" else "utf-8-sig", errors="replace")
    stripped = text.lstrip("\ufeff \t\r\n")
    suffixes = [s.lower() for s in path.suffixes]
    if stripped.startswith("["):
        return "json"
    if stripped.startswith("{"):
        return "jsonl"
    if ".parquet" in suffixes:
        return "parquet"
    return "delimited"


def _cp1252_fallback(error: UnicodeDecodeError) -> tuple[str, int]:
    # Bytes Windows-1252 leaves undefined are read as Latin-1, as spreadsheets do.
    bad = error.object[error.start : error.end]
    return bad.decode("latin-1"), error.end


codecs.register_error("curator-cp1252", _cp1252_fallback)


def transcode_to_utf8(path: Path, encoding: str, gz: bool) -> Path:
    """Stream ``path`` into a temporary UTF-8 file; the caller deletes it."""
    decoder = codecs.getincrementaldecoder(encoding)(
        errors="curator-cp1252" if encoding == "cp1252" else "strict"
    )
    opener = gzip.open if gz else open
    out = tempfile.NamedTemporaryFile(prefix="curator-", suffix=".txt", delete=False)
    written = 0
    try:
        with opener(path, "rb") as src, out:
            for block in iter(lambda: src.read(1 << 20), b""):
                written += len(block)
                if written > MAX_EXPANDED_BYTES:
                    raise CuratorError(
                        f"{path.name} expands to more than {MAX_EXPANDED_BYTES >> 30} GB; "
                        "it was not imported."
                    )
                out.write(decoder.decode(block).encode("utf-8"))
            out.write(decoder.decode(b"", final=True).encode("utf-8"))
    except UnicodeDecodeError as exc:
        Path(out.name).unlink(missing_ok=True)
        raise CuratorError(
            f"{path.name} is not valid {encoding} text (byte {exc.start:,} of a block); "
            "save it as UTF-8 and try again."
        ) from exc
    except (OSError, EOFError, zlib.error) as exc:
        Path(out.name).unlink(missing_ok=True)
        raise CuratorError(f"{path.name} could not be read: {exc}") from exc
    except BaseException:
        Path(out.name).unlink(missing_ok=True)
        raise
    return Path(out.name)


_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}"
                            rb"|[\xf0-\xf4][\x80-\xbf]{3}")


def has_utf8_letters(data: bytes) -> bool:
    """Whether ``data`` holds a UTF-8 multi-byte sequence that decodes to a letter.

    Windows-1252 text can contain byte pairs that are valid UTF-8 by accident ("Â¡" is the
    UTF-8 for "¡"), but they rarely decode to letters; genuine UTF-8 text ("é") does.
    """
    return any(_decodes_to_letter(m.group()) for m in _UTF8_SEQUENCE.finditer(data))


def refuse_mixed_encoding(path: Path, gz: bool) -> None:
    """Raise when a file is UTF-8 in part and something else in another part.

    Reading such a file in either encoding would garble one of its parts, so it is refused
    with the line where the second encoding shows. A file with bytes that are not UTF-8 and
    no UTF-8 letters anywhere is a plain Windows-1252/Latin-1 file and passes.
    """
    opener = gzip.open if gz else open
    line = 1
    seen_letters = False
    legacy_line = None  # the line of the first byte that is not UTF-8, once met
    carry = b""
    with opener(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            data = carry + block
            carry = b""
            if legacy_line is not None:
                _refuse_utf8_after_legacy(path, data, line, legacy_line)
                line += data.count(b"\n")
                continue
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError as exc:
                if exc.reason == "unexpected end of data" and exc.start >= len(data) - 3:
                    text = data[:exc.start].decode("utf-8")
                    carry = data[exc.start:]
                else:
                    before = data[:exc.start]
                    seen_letters = seen_letters or has_utf8_letters(before)
                    bad_line = line + before.count(b"\n")
                    if seen_letters:
                        raise CuratorError(
                            f"{path.name}, line {bad_line:,}: byte 0x{data[exc.start]:02x} is "
                            "not UTF-8, but earlier lines are; the file mixes encodings. Save "
                            "it again in one encoding (UTF-8) and retry.") from None
                    legacy_line = bad_line
                    rest = data[exc.start:]
                    _refuse_utf8_after_legacy(path, rest, bad_line, legacy_line)
                    line = bad_line + rest.count(b"\n")
                    continue
            seen_letters = seen_letters or has_utf8_letters(text.encode("utf-8"))
            line += text.count("\n")


def _refuse_utf8_after_legacy(path: Path, data: bytes, line: int, legacy_line: int) -> None:
    match = next((m for m in _UTF8_SEQUENCE.finditer(data)
                  if _decodes_to_letter(m.group())), None)
    if match is not None:
        at = line + data[:match.start()].count(b"\n")
        raise CuratorError(
            f"{path.name}, line {at:,}: {match.group().decode('utf-8')!r} is written in UTF-8, "
            f"but line {legacy_line:,} is not UTF-8 (Windows-1252?); the file mixes "
            "encodings. Save it again in one encoding (UTF-8) and retry.")


def _decodes_to_letter(sequence: bytes) -> bool:
    try:
        return sequence.decode("utf-8").isalpha()
    except UnicodeDecodeError:
        return False


def open_source(cur: duckdb.DuckDBPyConnection, path: str | Path,
                options: ReadOptions | None = None, *, max_line: int | None = None,
                what: str = "a catalog file") -> Source:
    """Stage ``path`` as the temporary table ``src`` on ``cur``.

    ``max_line`` bounds a line's length (checked while the file is first read, so an
    oversized file is refused in seconds); ``what`` names the kind of file in that message.
    """
    path = Path(path)
    options = options or ReadOptions()
    if not path.is_file():
        raise CuratorError(f"{path} does not exist or is not a file.")
    try:
        if path.stat().st_size == 0:
            raise CuratorError(f"{path.name} is empty; there is nothing to import.")
        gz = _is_gzip(path)
        sha256 = scan_input(path, gz, max_line or MAX_LINE, what)
    except PermissionError as exc:
        raise CuratorError(f"{path.name} could not be read: permission denied. Check that "
                           "your account may read it.") from exc
    except OSError as exc:
        raise CuratorError(f"{path.name} could not be read: {exc.strerror or exc}.") from exc
    head = _head(path, gz)
    if not head.strip():
        raise CuratorError(f"{path.name} is empty; there is nothing to import.")
    from .workbooks import is_workbook, stage_workbook

    raw_head = head if not gz else b""
    if raw_head and is_workbook(path, raw_head):
        source = Source(path=path, kind="table", columns=[], rows=0, sha256=sha256,
                        encoding="workbook")
        source.columns, source.rows, source.first_line, sheet = stage_workbook(
            cur, path, options.sheet)
        source.encoding = f"workbook, sheet {sheet}"
        return source
    encoding = options.encoding or detect_encoding(head)
    from .lido import is_lido, stage_lido

    if not encoding.startswith("utf-16") and is_lido(head.decode("utf-8", errors="replace")):
        source = Source(path=path, kind="table", columns=[], rows=0, sha256=sha256,
                        encoding="LIDO XML")
        source.columns, source.rows = stage_lido(cur, path, gz, options.language)
        return source
    if _looks_binary(head, encoding) and not head.startswith(b"PAR1"):
        raise CuratorError(f"{path.name} is not a text, JSON, Parquet or workbook file.")
    fmt = detect_format(path, head, encoding)
    head_text = head.decode(encoding if encoding != "cp1252" else "cp1252",
                            errors="replace").lstrip("\ufeff")
    if fmt == "delimited":
        refuse_too_many_columns(path, head_text, options)
    source = Source(path=path, kind="table", columns=[], rows=0, sha256=sha256,
                    encoding=encoding)
    readable = literal_path(path, source.cleanup)
    if fmt != "parquet" and encoding not in ("utf-8", "utf-8-sig"):
        if encoding == "cp1252" and not options.encoding:
            refuse_mixed_encoding(path, gz)
        readable = transcode_to_utf8(path, encoding, gz)
        source.cleanup.append(readable)
        gz = False
    try:
        _stage(cur, source, readable, fmt, options, head_text)
    except duckdb.Error as exc:
        text = str(exc)
        if "unicode" in text.lower() and source.encoding in ("utf-8", "utf-8-sig"):
            # The first block was UTF-8 but a later one is not: a Windows export, unless
            # the UTF-8 part holds accented text (then the file mixes encodings).
            try:
                refuse_mixed_encoding(path, gz)
            except CuratorError:
                source.close()
                raise
            source.encoding = "cp1252"
            readable = transcode_to_utf8(path, "cp1252", gz)
            source.cleanup.append(readable)
            try:
                _stage(cur, source, readable, fmt, options, head_text)
            except duckdb.Error as exc2:
                source.close()
                raise _read_error(path, fmt, str(exc2)) from exc2
        else:
            source.close()
            raise _read_error(path, fmt, text) from exc
    return source


def refuse_too_many_columns(path: Path, head_text: str, options: ReadOptions) -> None:
    """Refuse a delimited file whose first line has more than :data:`MAX_COLUMNS` fields."""
    delimiter = options.delimiter or detect_delimiter(path, head_text)
    first = next((ln for ln in re.split(r"\r\n|\r|\n", head_text) if ln.strip()), "")
    if first.count(delimiter) + 1 > MAX_COLUMNS:
        raise CuratorError(f"{path.name}, line 1: more than {MAX_COLUMNS:,} columns, the limit "
                           "for a table; it was not imported.")


def detect_delimiter(path: Path, head_text: str) -> str:
    """The delimiter of a text table, judged on its first line outside quotes."""
    first = next((ln for ln in re.split(r"\r\n|\r|\n", head_text) if ln.strip()), "")
    outside = re.sub(r'"[^"]*"', "", first)
    counts = {d: outside.count(d) for d in (",", "\t", ";", "|")}
    best = max(counts, key=lambda d: counts[d])
    if counts[best] == 0:
        return "\t" if path.suffix.lower() in (".tsv", ".tab") else ","
    return best


def _stage(cur: duckdb.DuckDBPyConnection, source: Source, readable: Path, fmt: str,
           options: ReadOptions, head_text: str) -> None:
    cur.execute("DROP TABLE IF EXISTS src")
    name = str(readable)
    if fmt in ("json", "jsonl"):
        cur.execute(
            "CREATE TEMP TABLE src AS SELECT row_number() OVER () AS _row, json AS rec "
            "FROM read_json_objects(?, format = ?, maximum_object_size = ?)",
            [name, "array" if fmt == "json" else "newline_delimited", 64 << 20],
        )
        source.kind = "json"
        source.columns = _json_keys(cur)
        source.first_line = 1
    elif fmt == "parquet":
        cur.execute("CREATE TEMP TABLE src AS SELECT row_number() OVER () AS _row, * "
                    "FROM read_parquet(?)", [name])
        source.columns = [c for c in _table_columns(cur) if c != "_row"]
        source.first_line = 1
    else:
        delimiter = options.delimiter or detect_delimiter(source.path, head_text)
        quote = options.quote if options.quote is not None else '"'
        header = (options.header if options.header is not None
                  else _sniff_header(cur, _head_file(head_text, source), delimiter))
        # Reading with the layout stated (not sniffed) makes DuckDB name the line of a
        # ragged row or an unclosed quote.
        names = _column_names(head_text, delimiter, quote, header, options.names)
        args = {"auto_detect": False, "header": header, "delim": delimiter, "quote": quote,
                "escape": quote, "strict_mode": True, "max_line_size": MAX_LINE,
                "columns": {n: "VARCHAR" for n in names}}
        named = "".join(f", {k} = ?" for k in args)
        cur.execute("CREATE TEMP TABLE src AS SELECT row_number() OVER () AS _row, * "
                    f"FROM read_csv(?{named})", [name, *args.values()])
        source.columns = [c for c in _table_columns(cur) if c != "_row"]
        source.first_line = 2 if header else 1
    source.rows = cur.execute("SELECT count(*) FROM src").fetchall()[0][0]
    if source.rows == 0:
        raise CuratorError(f"{source.path.name} has no data rows; there is nothing to import.")


def _head_file(head_text: str, source: Source) -> str:
    """The first lines of the file (its head, cut at a line end) in a temporary file.

    DuckDB's sniffer takes minutes over a field of megabytes; the head is all it needs.
    """
    cut = max(head_text.rfind("\n"), head_text.rfind("\r"))
    text = head_text[: cut + 1] if cut > 0 else head_text
    handle = tempfile.NamedTemporaryFile(prefix="curator-head-", suffix=".csv", delete=False)
    with handle:
        handle.write(text.encode("utf-8"))
    source.cleanup.append(Path(handle.name))
    return handle.name


def _sniff_header(cur: duckdb.DuckDBPyConnection, name: str, delimiter: str) -> bool:
    """Whether the first line is a header, using DuckDB's typed sniffer.

    A file whose every column is text gives the typed sniffer nothing to compare, so a
    first row made only of plausible column names counts as a header.
    """
    row = cur.execute("SELECT HasHeader, Columns FROM sniff_csv(?, sample_size = 20480, "
                      "delim = ?, ignore_errors = true, max_line_size = ?)",
                      [name, delimiter, MAX_LINE]).fetchall()
    if not row:
        return True
    has_header, columns = row[0]
    if has_header:
        return True
    # All-text tables give the typed sniffer nothing to compare: a first row made only
    # of names Curator knows is a header.
    from .mapping import KNOWN_NAMES

    first = cur.execute("SELECT * FROM read_csv(?, delim = ?, header = false, all_varchar = true, "
                        "ignore_errors = true, max_line_size = ?) LIMIT 1",
                        [name, delimiter, MAX_LINE]).fetchall()
    cells = [str(c or "").strip().lower().replace(" ", "_") for c in (first[0] if first else [])]
    return any(c in KNOWN_NAMES for c in cells) and all(
        re.fullmatch(r"[a-z_][\w.-]{0,63}", c) for c in cells)


def _column_names(head_text: str, delimiter: str, quote: str, header: bool,
                  given: list[str] | None) -> list[str]:
    """Unique column names: given ones, the header's (blank ones numbered), or column0..N."""
    import csv
    import io

    first = next(csv.reader(io.StringIO(head_text, newline=None), delimiter=delimiter,
                            quotechar=quote or '"'), [])
    if given:
        raw = list(given)
    elif header:
        raw = [c.strip() or f"column{i}" for i, c in enumerate(first)]
    else:
        raw = [f"column{i}" for i in range(len(first))]
    seen: dict[str, int] = {}
    names = []
    for n in raw:
        if n in seen:
            seen[n] += 1
            n = f"{n}_{seen[n]}"
        seen.setdefault(n, 0)
        names.append(n)
    return names or ["column0"]


def _json_keys(cur: duckdb.DuckDBPyConnection) -> list[str]:
    rows = cur.execute(
        "SELECT DISTINCT unnest(json_keys(rec)) FROM src WHERE json_type(rec) = 'OBJECT'"
    ).fetchall()
    return sorted(r[0] for r in rows)


def _table_columns(cur: duckdb.DuckDBPyConnection) -> list[str]:
    return [r[0] for r in cur.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'src' "
        "ORDER BY ordinal_position").fetchall()]


def _read_error(path: Path, fmt: str, text: str) -> CuratorError:
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    detail = lines[0] if lines else text
    for prefix in ("Invalid Input Error: ", "Conversion Error: ", "IO Error: "):
        detail = detail.removeprefix(prefix)
    if "possible to automatically detect the CSV parsing dialect" in text:
        detail = "its rows do not share one layout (an unclosed quote or rows of different lengths)"
    elif counts := re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", text):
        detail = f"the row does not have the {counts.group(1)} fields of the first row"
    elif "unterminated quote" in text.lower():
        detail = "a quoted field is never closed"
    found = re.search(r"CSV Error on Line: (\d+)", text)
    kind = {"delimited": "delimited text", "json": "JSON", "jsonl": "JSON Lines",
            "parquet": "Parquet"}[fmt]
    if found:
        return CuratorError(f"{path.name}, line {int(found.group(1)):,}: {detail} (read as "
                            f"{kind}); the import was not applied.")
    return CuratorError(
        f"{path.name} could not be read as {kind}: {detail}; the import was not applied."
    )
