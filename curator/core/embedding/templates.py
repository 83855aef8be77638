"""The text an artwork is embedded as, rendered from a template a user can change.

A template is plain text with ``{field}`` placeholders. A part in square brackets is left
out when any field inside it is empty, so ``[By {artists}.]`` vanishes for anonymous works.
Fields: id, title, artists, date_text, medium, classification, description, tags; lists
(artists, tags) are joined with commas. Any other name is an extra field the catalog keeps
(``{dimensions}``, ``{credit_line}``, ``{movement}``...). Runs of whitespace become one space.

The template is compiled into one DuckDB expression, so the catalog's texts are rendered
by the database, in parallel, in the same query that finds the stale artworks.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import duckdb
import pyarrow as pa

from ..errors import CuratorError

DEFAULT_TEMPLATE = ("[{title}.] [By {artists}.] [{date_text}.] [{medium}.] "
                    "[{classification}.] [{description}] [Subjects: {tags}.]")
FIELDS = ("id", "title", "artists", "date_text", "medium", "classification", "description",
          "tags")
LIST_FIELDS = frozenset({"artists", "tags"})
_PART = re.compile(r"\[([^\[\]]*)\]")
_FIELD = re.compile(r"\{([a-z][a-z0-9_]*)\}")
# Python's \s for text, spelled for RE2: ASCII whitespace plus the Unicode spaces.
_SPACES = (r"[\s\v\x{1c}-\x{1f}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}"
           r"\x{202f}\x{205f}\x{3000}]+")


def check_template(template: str, extras: Iterable[str] | None = None) -> None:
    """Refuse a template that names no field, or (given the catalog's ``extras``) a field
    the catalog does not have. With ``extras`` None any other name is taken as an extra."""
    named = set(_FIELD.findall(template))
    if extras is not None:
        unknown = sorted(named - set(FIELDS) - set(extras))
        if unknown:
            known = [*FIELDS, *sorted(set(extras))]
            raise CuratorError(f"The text template names unknown field(s) {', '.join(unknown)}; "
                               f"known fields are {', '.join(known)}.")
    if not named:
        raise CuratorError("The text template names no field, so every artwork would read "
                           f"the same; use some of {', '.join('{' + f + '}' for f in FIELDS)}.")


def _field_sql(name: str, alias: str) -> str:
    """The field as text, NULL when empty (an empty list, or one of empty strings, too)."""
    if name not in FIELDS:  # an extra field; names match [a-z_]+, safe to quote inline
        return f"nullif({alias}.extra['{name}'], '')"
    column = f"{alias}.{name}"
    if name in LIST_FIELDS:
        column = (f"array_to_string(list_filter({column}, lambda v: coalesce(v, '') <> ''), ', ')")
    return f"nullif({column}, '')"


def sql_expression(template: str, alias: str = "a") -> tuple[str, list[str]]:
    """The template as one SQL expression over ``alias``'s columns, with its parameters.

    Literal text travels as parameters, never inside the SQL.
    """
    check_template(template)
    params: list[str] = []
    pieces = []
    for i, part in enumerate(_PART.split(template)):  # even: literal text, odd: optional
        terms, fields, last = [], [], 0
        for m in _FIELD.finditer(part):
            terms.append("?::VARCHAR")
            params.append(part[last:m.start()])
            fields.append(_field_sql(m.group(1), alias))
            terms.append(f"coalesce({fields[-1]}, '')")
            last = m.end()
        terms.append("?::VARCHAR")
        params.append(part[last:])
        text = f"concat({', '.join(terms)})"
        if i % 2 and fields:
            text = f"CASE WHEN {' AND '.join(f'{f} IS NOT NULL' for f in fields)} " \
                   f"THEN {text} ELSE '' END"
        pieces.append(text)
    return (f"trim(regexp_replace(concat({', '.join(pieces)}), '{_SPACES}', ' ', 'g'))",
            params)


def render(template: str, rows: Iterable[dict]) -> list[str]:
    """One text per row (dicts holding some of the FIELDS, and ``extra``: a dict of extra
    fields), rendered as the catalog's are."""
    rows = list(rows)
    columns = {
        name: pa.array([row.get(name) for row in rows],
                       type=pa.list_(pa.string()) if name in LIST_FIELDS else pa.string())
        for name in FIELDS
    }
    columns["extra"] = pa.array([list((row.get("extra") or {}).items()) for row in rows],
                                type=pa.map_(pa.string(), pa.string()))
    table = pa.table({**columns, "_pos": pa.array(range(len(rows)), type=pa.int64())})
    expression, params = sql_expression(template, alias="r")
    con = duckdb.connect()
    try:
        con.register("r", table)
        result = con.execute(f"SELECT {expression} FROM r ORDER BY _pos", params)
        return [text for (text,) in result.fetchall()]
    finally:
        con.close()


def catalog_texts(cur: duckdb.DuckDBPyConnection, template: str) -> tuple[list[str], list[str]]:
    """``(ids, texts)`` of every artwork in the catalog, by id."""
    expression, params = sql_expression(template, alias="a")
    rows = cur.sql(f"SELECT a.id, {expression} FROM artworks a ORDER BY a.id",
                   params=params).fetchall()
    return [r[0] for r in rows], [r[1] for r in rows]


def artwork_text(cur: duckdb.DuckDBPyConnection, template: str, artwork_id: str) -> str | None:
    """The text one artwork is embedded as under ``template`` (None: no such artwork)."""
    expression, params = sql_expression(template, alias="a")
    rows = cur.execute(f"SELECT {expression} FROM artworks a WHERE a.id = ?",
                       [*params, artwork_id]).fetchall()
    return rows[0][0] if rows else None
