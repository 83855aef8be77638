"""The text an artwork is embedded as, rendered from a template a user can change.

A template is plain text with ``{field}`` placeholders. A part in square brackets is left
out when any field inside it is empty, so ``[By {artists}.]`` vanishes for anonymous works.
Fields: id, title, artists, date_text, medium, classification, description, tags.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..errors import CuratorError

DEFAULT_TEMPLATE = ("[{title}.] [By {artists}.] [{date_text}.] [{medium}.] "
                    "[{classification}.] [{description}] [Subjects: {tags}.]")
FIELDS = ("id", "title", "artists", "date_text", "medium", "classification", "description",
          "tags")
_PART = re.compile(r"\[([^\[\]]*)\]")
_FIELD = re.compile(r"\{([a-z_]+)\}")


def check_template(template: str) -> None:
    unknown = sorted(set(_FIELD.findall(template)) - set(FIELDS))
    if unknown:
        raise CuratorError(f"The text template names unknown field(s) {', '.join(unknown)}; "
                           f"known fields are {', '.join(FIELDS)}.")


def render(template: str, rows: Iterable[dict]) -> list[str]:
    """One text per row (rows hold the FIELDS; lists are joined with commas)."""
    check_template(template)
    parts = _PART.split(template)  # even: literal text, odd: optional part

    def fill(text: str, row: dict) -> str | None:
        out = []
        last = 0
        for m in _FIELD.finditer(text):
            value = row.get(m.group(1))
            if isinstance(value, list | tuple):
                value = ", ".join(str(v) for v in value if v)
            if value is None or value == "":
                return None
            out.append(text[last:m.start()])
            out.append(str(value))
            last = m.end()
        out.append(text[last:])
        return "".join(out)

    texts = []
    for row in rows:
        pieces = []
        for i, part in enumerate(parts):
            filled = fill(part, row)
            if filled is None:
                if i % 2 == 0:
                    filled = _FIELD.sub(lambda m, row=row: str(row.get(m.group(1)) or ""), part)
                else:
                    continue
            pieces.append(filled)
        texts.append(re.sub(r"\s+", " ", "".join(pieces)).strip())
    return texts
