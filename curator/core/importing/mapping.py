"""Which source column feeds which field: detected from common names, or given in a file.

A mapping file is TOML or JSON::

    [read]                 # optional: how to read the file
    delimiter = "\\t"
    header = false
    names = ["user", "item", "rating", "when"]
    encoding = "latin-1"
    sheet = "Works"        # a workbook's sheet (name, or number from 1)
    language = "en"        # LIDO: the language the catalog shows

    [columns]              # field = source column (or JSON key)
    user_id = "user"
    artwork_id = "item"
    value = "rating"
    timestamp = "when"

    [constants]            # field = value used for every row
    kind = "rating"

    [validate]
    rating_min = 1
    rating_max = 5

    [extra]                # catalogs: extra field = source column (every other column is
    dimensions = "Masse"   # kept too, under a name made from its own)
"""

from __future__ import annotations

import json
import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import CuratorError
from .sources import ReadOptions

CATALOG_FIELDS: dict[str, list[str]] = {
    "id": ["accession_number", "accessionnumber", "acno", "object_number", "objectnumber",
           "inventory_number", "momanumber", "objectid", "object_id", "artwork_id", "movieid",
           "item_id", "itemid", "id"],
    "title": ["title", "name", "object_title"],
    "artists": ["contributors", "artists", "all_artists", "artist", "artistdisplayname",
                "constituents", "maker", "creator", "artist_name", "author"],
    "date_text": ["datetext", "date_text", "date", "objectdate", "display_date", "dated"],
    "year": ["year", "year_start", "start_year", "objectbegindate"],
    "medium": ["medium", "materials", "technique"],
    "classification": ["classification", "object_type", "objecttype", "type", "category"],
    "description": ["description", "summary", "label", "text"],
    "tags": ["subjects", "tags", "keywords", "subject", "genres", "genre", "themes"],
    # Art movements and styles become tags, and the extra field `movement` (a facet).
    "movement": ["movements", "movement", "styles", "style"],
    "image_path": ["image", "image_path", "imagepath", "filename", "file", "image_file"],
}
# Every other column is kept as an extra field named after it (see extra_name).

EVENT_FIELDS: dict[str, list[str]] = {
    "user_id": ["user_id", "userid", "user", "visitor_id", "visitor", "collector_id",
                "collector", "person_id"],
    "artwork_id": ["artwork_id", "artworkid", "artwork", "item_id", "itemid", "item",
                   "object_id", "objectid", "movieid", "movie_id", "acno",
                   "accession_number"],
    "kind": ["kind", "event", "event_type", "type", "action", "interaction"],
    "value": ["value", "rating", "score", "stars"],
    "timestamp": ["timestamp", "ts", "time", "datetime", "date", "created_at", "when",
                  "event_time"],
}

# A list of visitors and collectors: one person per row (other columns are not kept).
USER_FIELDS: dict[str, list[str]] = {
    "user_id": [*EVENT_FIELDS["user_id"], "id", "member_id", "member", "member_number",
                "visitor_number", "person"],
}

KNOWN_NAMES = {alias for aliases in (*CATALOG_FIELDS.values(), *EVENT_FIELDS.values())
               for alias in aliases}


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


EXTRA_NAME = re.compile(r"[a-z][a-z0-9_]{0,62}")
# Extra fields may not shadow a column of the artworks table.
RESERVED = frozenset({"id", "title", "artists", "date_text", "year_start", "year_end", "medium",
                      "classification", "description", "tags", "image_path", "available",
                      "record", "content_hash", "batch_id", "updated_at", "extra"})


def extra_name(column: str) -> str:
    """The extra field a source column is kept as: ``CreditLine``, ``creditLine`` and
    ``Credit Line`` all become ``credit_line``; a core field's name gets ``source_``."""
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", column.strip())
    name = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    name = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")[:56]
    if not name or not name[0].isalpha():
        name = "field_" + name
    return "source_" + name if name in RESERVED else name


def resolve_extra(available: list[str], chosen: dict[str, str], given: Mapping,
                  file_name: str, *, keep_others: bool = True) -> dict[str, str]:
    """Extra field name -> source column: the mapping's ``extra`` section, then every column
    no core field took (named by :func:`extra_name`) when ``keep_others``."""
    extra: dict[str, str] = {}
    for name, column in given.extra.items():
        if name in RESERVED or not EXTRA_NAME.fullmatch(name):
            raise CuratorError(f"`{name}` cannot name an extra field; use lower-case letters, "
                               "digits and _, and not the name of a built-in field.")
        if column not in available:
            raise CuratorError(
                f"{file_name} has no column `{column}` (mapped to extra field `{name}`); its "
                f"columns are {', '.join(available[:20])}.")
        extra[name] = column
    if keep_others:
        taken = set(chosen.values()) | set(extra.values())
        for column in available:
            if column in taken:
                continue
            name, n = extra_name(column), 1
            while name in extra:
                n += 1
                name = f"{extra_name(column)}_{n}"
            extra[name] = column
    return extra


@dataclass
class Mapping:
    """Source column for each field, constants, read options and validation settings."""

    columns: dict[str, str] = field(default_factory=dict)
    constants: dict[str, str] = field(default_factory=dict)
    read: ReadOptions = field(default_factory=ReadOptions)
    validate: dict[str, float] = field(default_factory=dict)
    # extra field name -> source column, for catalogs (other columns keep their own names)
    extra: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> str:
        """The mapping as recorded with an import batch. A visitor id given as a constant
        is personal data and is not recorded."""
        constants = {k: ("(not recorded)" if k == "user_id" else v)
                     for k, v in self.constants.items()}
        return json.dumps({"columns": self.columns, "constants": constants,
                           "validate": self.validate, "extra": self.extra}, sort_keys=True)


MAX_MAPPING_BYTES = 1 << 20
_READ_TYPES = {"delimiter": str, "header": bool, "names": list, "encoding": str, "quote": str,
               "sheet": (str, int), "language": str}


def load_mapping(path: str | Path) -> Mapping:
    """Read a TOML or JSON mapping file (at most 1 MB; a regular file only)."""
    path = Path(path)
    name = path.name

    def bad(what: str) -> CuratorError:
        return CuratorError(f"Mapping file {name}: {what}.")

    if not path.exists():
        raise CuratorError(f"Mapping file {path} does not exist.")
    if not path.is_file():
        raise CuratorError(f"Mapping file {path} is not a regular file (a folder, a pipe or a "
                           "device); give a .toml or .json file.")
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_MAPPING_BYTES + 1)
    except OSError as exc:
        raise CuratorError(f"Mapping file {path} could not be read: {exc.strerror or exc}."
                           ) from exc
    if len(raw) > MAX_MAPPING_BYTES:
        raise bad(f"larger than {MAX_MAPPING_BYTES >> 20} MB; a mapping is a few lines")
    try:
        text = raw.decode("utf-8")
        data = (_strict_json(text) if path.suffix.lower() == ".json"
                else tomllib.loads(text))
    except (tomllib.TOMLDecodeError, json.JSONDecodeError, UnicodeDecodeError,
            ValueError) as exc:
        raise CuratorError(f"Mapping file {name} could not be read: {exc}") from exc
    if not isinstance(data, dict):
        raise bad(f"expected sections (an object), found a {type(data).__name__}")
    unknown = set(data) - {"read", "columns", "constants", "validate", "extra"}
    if unknown:
        raise CuratorError(
            f"Mapping file {name} has unknown section(s) {', '.join(sorted(unknown))}; "
            "expected read, columns, constants, validate, extra."
        )
    for section in ("read", "columns", "constants", "validate", "extra"):
        if not isinstance(data.get(section, {}), dict):
            raise bad(f"[{section}] must be a table of keys and values, not a "
                      f"{type(data[section]).__name__}")
    extra = {}
    for key, value in data.get("extra", {}).items():
        if not EXTRA_NAME.fullmatch(str(key)) or not isinstance(value, str):
            raise bad(f"[extra] {key} = {value!r}: name an extra field in lower-case letters, "
                      "digits and _ (for example credit_line) and give it a column name")
        extra[str(key)] = value
    read = data.get("read", {})
    if set(read) - set(_READ_TYPES):
        raise CuratorError(
            f"Mapping file {name}: unknown [read] key(s) "
            f"{', '.join(sorted(set(read) - set(_READ_TYPES)))}."
        )
    for key, value in read.items():
        if not isinstance(value, _READ_TYPES[key]):
            kind = getattr(_READ_TYPES[key], "__name__", "name or number")
            raise bad(f"[read] {key} must be a {kind}, not {value!r}")
    if "names" in read and not all(isinstance(n, str) and n for n in read["names"]):
        raise bad("[read] names must be a list of column names (text)")
    for key in ("delimiter", "quote"):
        if key in read and len(read[key]) != 1:
            raise bad(f"[read] {key} must be one character, not {read[key]!r}")
    if "encoding" in read:
        import codecs

        try:
            read["encoding"] = codecs.lookup(read["encoding"]).name
        except LookupError:
            raise bad(f"[read] encoding {read['encoding']!r} is not an encoding Python "
                      "knows (try utf-8, cp1252, latin-1 or utf-16)") from None
    for section in ("columns", "constants"):
        for key, value in data.get(section, {}).items():
            if not isinstance(value, (str, int, float)) or isinstance(value, bool):
                raise bad(f"[{section}] {key} must be a column name or value (text), "
                          f"not {value!r}")
    validate = {}
    for key, value in data.get("validate", {}).items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or not math.isfinite(value):
            raise bad(f"[validate] {key} must be a finite number, not {value!r}")
        validate[str(key)] = float(value)
    return Mapping(
        columns={str(k): str(v) for k, v in data.get("columns", {}).items()},
        constants={str(k): str(v) for k, v in data.get("constants", {}).items()},
        read=ReadOptions(**read),
        validate=validate,
        extra=extra,
    )


def _strict_json(text: str):
    """JSON with a repeated key refused rather than silently overwritten."""
    def pairs(items):
        seen = {}
        for key, value in items:
            if key in seen:
                raise ValueError(f"the key {key!r} appears twice")
            seen[key] = value
        return seen

    return json.loads(text, object_pairs_hook=pairs)


def resolve(fields: dict[str, list[str]], available: list[str], given: Mapping,
            file_name: str) -> dict[str, str]:
    """Map each field to a source column: explicit choices first, then common names.

    Raises when an explicitly mapped column is not in the file.
    """
    by_norm: dict[str, str] = {}
    for column in available:
        by_norm.setdefault(_norm(column), column)
    chosen: dict[str, str] = {}
    for target, column in given.columns.items():
        if target not in fields:
            raise CuratorError(
                f"The mapping names an unknown field `{target}`; known fields are "
                f"{', '.join(fields)}."
            )
        if column not in available:
            raise CuratorError(
                f"{file_name} has no column `{column}` (mapped to `{target}`); its columns "
                f"are {', '.join(available[:20])}."
            )
        chosen[target] = column
    used = set(chosen.values())
    for target, aliases in fields.items():
        if target in chosen or target in given.constants:
            continue
        for alias in aliases:
            column = by_norm.get(_norm(alias))
            if column is not None and column not in used:
                chosen[target] = column
                used.add(column)
                break
    return chosen
