"""Which source column feeds which field: detected from common names, or given in a file.

A mapping file is TOML or JSON::

    [read]                 # optional: how to read a delimited file
    delimiter = "\\t"
    header = false
    names = ["user", "item", "rating", "when"]
    encoding = "latin-1"

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
"""

from __future__ import annotations

import json
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
        return json.dumps({"columns": self.columns, "constants": self.constants,
                           "validate": self.validate, "extra": self.extra}, sort_keys=True)


def load_mapping(path: str | Path) -> Mapping:
    """Read a TOML or JSON mapping file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
    except FileNotFoundError as exc:
        raise CuratorError(f"Mapping file {path} does not exist.") from exc
    except (tomllib.TOMLDecodeError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CuratorError(f"Mapping file {path.name} could not be read: {exc}") from exc
    unknown = set(data) - {"read", "columns", "constants", "validate", "extra"}
    if unknown:
        raise CuratorError(
            f"Mapping file {path.name} has unknown section(s) {', '.join(sorted(unknown))}; "
            "expected read, columns, constants, validate, extra."
        )
    extra = {str(k): str(v) for k, v in data.get("extra", {}).items()}
    for name in extra:
        if not EXTRA_NAME.fullmatch(name):
            raise CuratorError(
                f"Mapping file {path.name}: extra field name `{name}` must be lower-case "
                "letters, digits and _ (for example credit_line).")
    read = data.get("read", {})
    allowed_read = {"delimiter", "header", "names", "encoding", "quote", "sheet", "language"}
    if set(read) - allowed_read:
        raise CuratorError(
            f"Mapping file {path.name}: unknown [read] key(s) "
            f"{', '.join(sorted(set(read) - allowed_read))}."
        )
    return Mapping(
        columns={str(k): str(v) for k, v in data.get("columns", {}).items()},
        constants={str(k): str(v) for k, v in data.get("constants", {}).items()},
        read=ReadOptions(**read),
        validate={str(k): float(v) for k, v in data.get("validate", {}).items()},
        extra=extra,
    )


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
