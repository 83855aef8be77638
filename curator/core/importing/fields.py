"""SQL expressions that pull each mapped field out of the staged ``src`` table."""

from __future__ import annotations

from dataclasses import dataclass

from .common import json_path
from .sources import Source
from .sql import ident, literal


@dataclass
class FieldSQL:
    """``relation`` is a sub-query over ``src``; ``exprs`` gives each field's expression."""

    relation: str
    exprs: dict[str, str]
    record: str
    extra: dict[str, str]   # extra field name -> its text expression (NULL when blank)


def field_sql(source: Source, chosen: dict[str, str], constants: dict[str, str],
              nested: set[str], extra: dict[str, str] | None = None,
              deep_extra: set[str] = frozenset()) -> FieldSQL:
    """Build the expressions for the fields in ``chosen`` (source columns) and ``constants``.

    Fields in ``nested`` come out as JSON (lists, trees); the others as trimmed text, NULL
    when blank. ``extra`` (name -> source column) come out as text: a JSON list or tree as
    its names joined with "; " (only the extra fields named in ``deep_extra`` can hold one).
    """
    exprs: dict[str, str] = {}
    extra = extra or {}
    extras: dict[str, str] = {}
    if source.kind == "json":
        scalar = [f for f in chosen if f not in nested]
        deep = [f for f in chosen if f in nested]
        cols = ["_row", "rec"]
        flat = [n for n in extra if n not in deep_extra]
        deep_names = [n for n in extra if n in deep_extra]
        if flat:
            paths = ", ".join(literal(json_path(extra[n])) for n in flat)
            cols.append(f"json_extract_string(rec, [{paths}]) AS _xs")
            extras.update({n: f"cur_blank(_xs[{i}])" for i, n in enumerate(flat, start=1)})
        if deep_names:
            paths = ", ".join(literal(json_path(extra[n])) for n in deep_names)
            cols.append(f"json_extract(rec, [{paths}]) AS _xj")
            extras.update({n: f"cur_extra_text(_xj[{i}])"
                           for i, n in enumerate(deep_names, start=1)})
        if scalar:
            paths = ", ".join(literal(json_path(chosen[f])) for f in scalar)
            cols.append(f"json_extract_string(rec, [{paths}]) AS _s")
        if deep:
            paths = ", ".join(literal(json_path(chosen[f])) for f in deep)
            cols.append(f"json_extract(rec, [{paths}]) AS _j")
        relation = f"(SELECT {', '.join(cols)} FROM src)"
        for i, f in enumerate(scalar, start=1):
            exprs[f] = f"cur_blank(_s[{i}])"
        for i, f in enumerate(deep, start=1):
            exprs[f] = f"_j[{i}]"
        record = "rec"
    else:
        relation = "src"
        for f, column in chosen.items():
            exprs[f] = f"to_json({ident(column)})" if f in nested else f"cur_blank({ident(column)})"
        extras = {name: f"cur_blank({ident(column)})" for name, column in extra.items()}
        pairs = ", ".join(f"{literal(c)}: {ident(c)}" for c in source.columns)
        record = f"to_json({{{pairs}}})"
    for f, value in constants.items():
        exprs[f] = f"to_json({literal(value)})" if f in nested else literal(value)
    return FieldSQL(relation=relation, exprs=exprs, record=record, extra=extras)
