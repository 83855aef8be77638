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

-- Year range from a date text: '1805', 'c.1830-41', '1890s', '19th century'.
CREATE OR REPLACE TEMP MACRO cur_century(t) AS
    TRY_CAST(regexp_extract(lower(t),
        '\b(\d{1,2})(?:st|nd|rd|th)[\s-]*(?:century|cent\b|c\b)', 1) AS INTEGER);
CREATE OR REPLACE TEMP MACRO cur_decade(t) AS
    TRY_CAST(regexp_extract(t, '\b(\d{3})0s\b', 1) AS INTEGER);
CREATE OR REPLACE TEMP MACRO cur_range(t) AS
    regexp_extract(t, '\b(\d{3,4})\s*(?:-|–|—|to|/)\s*(\d{1,4})\b', ['a', 'b']);
CREATE OR REPLACE TEMP MACRO cur_single(t) AS
    TRY_CAST(regexp_extract(t, '\b(\d{3,4})\b', 1) AS INTEGER);
CREATE OR REPLACE TEMP MACRO cur_year_start(t) AS CASE
    WHEN cur_century(t) BETWEEN 1 AND 21 THEN (cur_century(t) - 1) * 100
    WHEN cur_decade(t) IS NOT NULL THEN cur_decade(t) * 10
    WHEN cur_range(t).a <> '' THEN CAST(cur_range(t).a AS INTEGER)
    ELSE cur_single(t) END;
-- An abbreviated end year takes the start's leading digits and rolls forward if needed:
-- 1830-41 ends in 1841, 1798-5 in 1805.
CREATE OR REPLACE TEMP MACRO cur_expand_end(a, b) AS CASE
    WHEN length(b) >= length(a) THEN CAST(b AS INTEGER)
    WHEN CAST(left(a, length(a) - length(b)) || b AS INTEGER) >= CAST(a AS INTEGER)
        THEN CAST(left(a, length(a) - length(b)) || b AS INTEGER)
    ELSE CAST(left(a, length(a) - length(b)) || b AS INTEGER)
         + CAST(pow(10, length(b)) AS INTEGER) END;
CREATE OR REPLACE TEMP MACRO cur_year_end(t) AS CASE
    WHEN cur_century(t) BETWEEN 1 AND 21 THEN (cur_century(t) - 1) * 100 + 99
    WHEN cur_decade(t) IS NOT NULL THEN cur_decade(t) * 10 + 9
    WHEN cur_range(t).a <> '' THEN cur_expand_end(cur_range(t).a, cur_range(t).b)
    ELSE cur_single(t) END;
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
