"""The template compiled to SQL renders exactly what its definition says."""

import os
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from curator.core.embedding.templates import (
    DEFAULT_TEMPLATE,
    FIELDS,
    LIST_FIELDS,
    check_template,
    render,
)
from curator.core.errors import CuratorError


def reference(template: str, row: dict) -> str:
    """The template's definition, written plainly: the oracle for the SQL."""
    def value(name):
        v = row.get(name)
        if isinstance(v, list):
            v = ", ".join(x for x in v if x)
        return v or ""

    out = []
    for i, part in enumerate(re.split(r"\[([^\[\]]*)\]", template)):
        names = re.findall(r"\{([a-z_]+)\}", part)
        if i % 2 and not all(value(n) for n in names):
            continue
        out.append(re.sub(r"\{([a-z_]+)\}", lambda m: value(m.group(1)), part))
    return re.sub(r"\s+", " ", "".join(out)).strip()


def test_parts_with_an_empty_field_are_left_out():
    rows = [{"title": "Storm", "artists": ["J. Turner", "T. Girtin"], "date_text": None,
             "tags": ["sea", "storm"]},
            {"title": "Untitled", "artists": [], "medium": ""},
            {}]
    assert render(DEFAULT_TEMPLATE, rows) == [
        "Storm. By J. Turner, T. Girtin. Subjects: sea, storm.", "Untitled.", ""]


def test_literal_text_is_never_sql():
    template = "{title}' || (SELECT 1) || ' [it's {medium}] \\n ?"
    assert render(template, [{"title": "A", "medium": "oil"}]) == [
        "A' || (SELECT 1) || ' it's oil \\n ?"]


def test_unknown_fields_are_refused():
    with pytest.raises(CuratorError, match="unknown field.*colour.*known fields.*dimensions"):
        check_template("{title} {colour}", extras=["dimensions"])
    check_template("{title} {dimensions}", extras=["dimensions"])


def test_extra_fields_render_from_the_row():
    rows = [{"title": "A", "extra": {"dimensions": "10 x 20 cm"}}, {"title": "B"}]
    assert render("{title}[, {dimensions}]", rows) == ["A, 10 x 20 cm", "B"]


@pytest.mark.parametrize("template", ["", "   ", "Artwork. [Nothing here.]"])
def test_templates_naming_no_field_are_refused(template):
    with pytest.raises(CuratorError, match="names no field"):
        render(template, [{"title": "A"}])


text = st.text(st.characters(codec="utf-8", exclude_characters="[]{}"), max_size=12)
value = st.one_of(st.none(), st.just(""), text)
row = st.fixed_dictionaries({
    name: st.one_of(st.none(), st.lists(value, max_size=3)) if name in LIST_FIELDS else value
    for name in FIELDS
})
literal = st.text(st.characters(codec="utf-8", exclude_characters="[]{}"), max_size=6)
segment = st.one_of(literal, st.sampled_from([f"{{{f}}}" for f in FIELDS]))
part = st.lists(segment, max_size=4).map("".join)
# Templates naming no field are refused (see below), so every generated one names one.
template = st.lists(st.one_of(part, part.map(lambda p: f"[{p}]")), min_size=1, max_size=5
                    ).map("".join).filter(lambda t: re.search(r"\{[a-z_]+\}", t))


@settings(max_examples=int(os.environ.get("CURATOR_EXAMPLES", 150)))
@given(template, st.lists(row, min_size=1, max_size=5))
def test_sql_rendering_agrees_with_the_definition(template, rows):
    assert render(template, rows) == [reference(template, r) for r in rows]
