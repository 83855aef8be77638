"""SQL building blocks shared by the importers: macros, quoting and reject collection."""

from __future__ import annotations

import duckdb

# Macros are created per connection (TEMP), at the start of each import.
MACROS = r"""
CREATE OR REPLACE TEMP MACRO cur_blank(v) AS nullif(trim(CAST(v AS VARCHAR)), '');

CREATE OR REPLACE TEMP MACRO cur_invert_name(n) AS (
    CASE WHEN regexp_matches(n, '^[^,]+,[^,]+$') AND NOT regexp_matches(n, '\d')
         THEN trim(split_part(n, ',', 2)) || ' ' || trim(split_part(n, ',', 1))
         ELSE trim(n) END);

CREATE OR REPLACE TEMP MACRO cur_leaves(j) AS list_concat(
    [x->>'$.name' for x in coalesce(json_extract(j, '$.children[*]'), [])
        if (x->'$.children') IS NULL],
    [x->>'$.name' for x in coalesce(json_extract(j, '$.children[*].children[*]'), [])
        if (x->'$.children') IS NULL],
    [x->>'$.name' for x in coalesce(json_extract(j, '$.children[*].children[*].children[*]'), [])
        if (x->'$.children') IS NULL],
    [x->>'$.name' for x in coalesce(
        json_extract(j, '$.children[*].children[*].children[*].children[*]'), [])
        if (x->'$.children') IS NULL]);

CREATE OR REPLACE TEMP MACRO cur_split(s) AS
    [trim(x) for x in regexp_split_to_array(s, '\s*[;|]\s*') if trim(x) <> ''];

CREATE OR REPLACE TEMP MACRO cur_names(j) AS coalesce(CASE json_type(j)
    WHEN 'VARCHAR' THEN [cur_invert_name(x) for x in cur_split(j->>'$')]
    WHEN 'ARRAY' THEN [trim(n) for n in
        [coalesce(x->>'$.fc', x->>'$.name', x->>'$.displayName', x->>'$.full_name',
                  CASE WHEN json_type(x) = 'VARCHAR' THEN x->>'$' END)
         for x in json_extract(j, '$[*]')]
        if trim(coalesce(n, '')) <> '']
    END, []);

CREATE OR REPLACE TEMP MACRO cur_tags(j) AS list_sort(list_distinct(coalesce(CASE json_type(j)
    WHEN 'VARCHAR' THEN cur_split(j->>'$')
    WHEN 'ARRAY' THEN [trim(n) for n in
        [coalesce(x->>'$.name', CASE WHEN json_type(x) = 'VARCHAR' THEN x->>'$' END)
         for x in json_extract(j, '$[*]')]
        if trim(coalesce(n, '')) <> '']
    WHEN 'OBJECT' THEN [trim(n) for n in cur_leaves(j) if trim(coalesce(n, '')) <> '']
    END, [])));

-- An extra field's text from a JSON value: scalars as text, lists and trees as their names
-- joined with '; ' (or, holding no names, as JSON), empty ones as NULL.
-- (Flattening is slow: importers use it only for keys that hold lists or trees.)
CREATE OR REPLACE TEMP MACRO cur_extra_text(j) AS CASE
    WHEN j IS NULL OR json_type(j) = 'NULL' THEN NULL
    WHEN json_type(j) IN ('ARRAY', 'OBJECT') THEN coalesce(
        nullif(array_to_string(cur_tags(j), '; '), ''),
        CASE WHEN CAST(j AS VARCHAR) NOT IN ('[]', '{}') THEN CAST(j AS VARCHAR) END)
    ELSE cur_blank(j->>'$') END;

-- Extra fields as a map sorted by name (so equal content hashes equal), NULL when empty.
CREATE OR REPLACE TEMP MACRO cur_extra_map(entries) AS CASE
    WHEN len(entries) > 0 THEN map_from_entries(list_sort(entries)) END;
-- An artwork's extras after an import: the fields this file carries (keys) come from it,
-- the others keep their values.
CREATE OR REPLACE TEMP MACRO cur_merge_extra(old, new, keys) AS cur_extra_map(list_concat(
    [e for e in coalesce(map_entries(old), []) if NOT list_contains(keys, e.key)],
    coalesce(map_entries(new), [])));

-- Year range from a date text, the one parser for dates: '1805', 'c.1830-41', '1890s',
-- '19th century', 'ca. 1900-1910', 'before 1850', '1st century B.C.', 'Edo period
-- (1615-1868)', '(published c1993-94)', an ISO date '1999-05-12' (its year). Years before
-- the common era are negative (1st century B.C. is -100 to -1). A text no rule reads gives
-- no years and is kept as text only.
CREATE OR REPLACE TEMP MACRO cur_date_clean(t) AS
    regexp_replace(lower(t), '(^|[^a-z])(?:circa|ca|c)\.?\s*(\d)', '\1 \2', 'g');
CREATE OR REPLACE TEMP MACRO cur_century(t) AS
    TRY_CAST(regexp_extract(t,
        '\b(\d{1,2})(?:st|nd|rd|th)[\s-]*(?:century|cent\b|c\b)', 1) AS INTEGER);
CREATE OR REPLACE TEMP MACRO cur_decade(t) AS
    TRY_CAST(regexp_extract(t, '\b(\d{3})0s\b', 1) AS INTEGER);
CREATE OR REPLACE TEMP MACRO cur_iso_year(t) AS
    TRY_CAST(regexp_extract(t, '^\s*(\d{4})-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])(?:$|[\st])',
                            1) AS INTEGER);
CREATE OR REPLACE TEMP MACRO cur_range(t) AS
    regexp_extract(t, '\b(\d{3,4})\s*(?:-|–|—|to|/)\s*(\d{1,4})\b', ['a', 'b']);
CREATE OR REPLACE TEMP MACRO cur_single(t) AS
    TRY_CAST(regexp_extract(t, '\b(\d{3,4})\b', 1) AS INTEGER);
CREATE OR REPLACE TEMP MACRO cur_single_bc(t) AS
    TRY_CAST(regexp_extract(t, '\b(\d{1,4})\s*b', 1) AS INTEGER);
CREATE OR REPLACE TEMP MACRO cur_bc(t) AS
    regexp_matches(t, '(^|[^a-z])(b\.?\s?c\.?(e\.?)?|before (the )?common era)($|[^a-z])');
CREATE OR REPLACE TEMP MACRO cur_before(t) AS
    regexp_matches(t, '^\W*(before|by|until|not after|prior to)\s');
CREATE OR REPLACE TEMP MACRO cur_after(t) AS
    regexp_matches(t, '^\W*(after|not before|since)\s');
-- An abbreviated end year takes the start's leading digits and rolls forward if needed:
-- 1830-41 ends in 1841, 1798-5 in 1805.
CREATE OR REPLACE TEMP MACRO cur_expand_end(a, b) AS CASE
    WHEN length(b) >= length(a) THEN CAST(b AS INTEGER)
    WHEN CAST(left(a, length(a) - length(b)) || b AS INTEGER) >= CAST(a AS INTEGER)
        THEN CAST(left(a, length(a) - length(b)) || b AS INTEGER)
    ELSE CAST(left(a, length(a) - length(b)) || b AS INTEGER)
         + CAST(pow(10, length(b)) AS INTEGER) END;
-- The years as written, before era, 'before'/'after' and order are applied. Each pattern is
-- matched once per text: a one-element list comprehension binds its results (`for p in
-- [...]`), where a macro argument used twice would be matched twice.
CREATE OR REPLACE TEMP MACRO cur_raw_years(t) AS [CASE
    WHEN p.c BETWEEN 1 AND 21 THEN {'s': (p.c - 1) * 100, 'e': (p.c - 1) * 100 + 99, 'c': true}
    WHEN p.i IS NOT NULL THEN {'s': p.i, 'e': p.i, 'c': false}
    WHEN p.d IS NOT NULL THEN {'s': p.d * 10, 'e': p.d * 10 + 9, 'c': false}
    WHEN p.r.a <> '' THEN {'s': CAST(p.r.a AS INTEGER), 'e': cur_expand_end(p.r.a, p.r.b),
                           'c': false}
    WHEN p.x IS NOT NULL THEN {'s': p.x, 'e': p.x, 'c': false}
    WHEN p.bc AND p.bx > 0 THEN {'s': p.bx, 'e': p.bx, 'c': false}
    END for p in [{'c': cur_century(t), 'i': cur_iso_year(t), 'd': cur_decade(t),
                   'r': cur_range(t), 'x': cur_single(t), 'bx': cur_single_bc(t),
                   'bc': cur_bc(t)}]][1];
CREATE OR REPLACE TEMP MACRO cur_era_years(r, bc) AS CASE
    WHEN r IS NULL THEN NULL
    WHEN bc AND r.c THEN {'s': -(r.s + 100), 'e': -(r.s + 1)}
    WHEN bc THEN {'s': -r.s, 'e': -r.e}
    ELSE {'s': r.s, 'e': r.e} END;
-- {s, e, swapped}: start and end year (either may be NULL: 'before 1850' has no start), and
-- whether the text gave them in reverse order (they are swapped, and reported, not rejected).
CREATE OR REPLACE TEMP MACRO cur_years(text) AS [[CASE
    WHEN y IS NULL THEN NULL
    WHEN p.before THEN {'s': NULL::INTEGER, 'e': greatest(y.s, y.e), 'swapped': false}
    WHEN p.after THEN {'s': least(y.s, y.e), 'e': NULL::INTEGER, 'swapped': false}
    ELSE {'s': least(y.s, y.e), 'e': greatest(y.s, y.e), 'swapped': y.s > y.e} END
    for y in [cur_era_years(p.raw, p.bc)]][1]
    for p in [{'raw': cur_raw_years(t), 'bc': cur_bc(t), 'before': cur_before(t),
               'after': cur_after(t)} for t in [cur_date_clean(text)]]][1];
CREATE OR REPLACE TEMP MACRO cur_unknown_date(t) AS
    regexp_matches(lower(t), '^\W*(date )?(not known|unknown|undated|no date|n\.? ?d\.?)\W*$');
"""


def install_macros(cur: duckdb.DuckDBPyConnection) -> None:
    cur.execute(MACROS)


def ident(name: str) -> str:
    """Quote a column name for SQL."""
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    """Quote a string constant for SQL (used only where DuckDB takes no parameters)."""
    return "'" + text.replace("'", "''") + "'"
