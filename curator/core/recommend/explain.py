"""Turning a score's breakdown into a sentence a curator can read aloud."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..store import Store

VERBS = {"view": "viewed", "click": "opened", "favourite": "favourited", "like": "liked",
         "share": "shared", "purchase": "bought", "rating": "rated"}


@dataclass
class ItemInfo:
    """Facts about each artwork, aligned with the recommender's item indices."""

    titles: list[str]
    years: list[int | None]
    tags: list[list[str]]
    artist_index: np.ndarray   # first artist as a number, -1 when none
    available: np.ndarray      # bool

    @classmethod
    def from_store(cls, store: Store, item_ids: np.ndarray) -> ItemInfo:
        cur = store.cursor()
        try:
            table = cur.sql("SELECT id, title, year_start, tags, artists[1] AS artist, available "
                            "FROM artworks ORDER BY id").to_arrow_table().to_pydict()
        finally:
            cur.close()
        if list(table["id"]) != list(item_ids):
            raise RuntimeError("artwork list changed while the recommender was being built")
        names: dict[str, int] = {}
        artist_index = np.asarray([-1 if a is None else names.setdefault(a, len(names))
                                   for a in table["artist"]], dtype=np.int64)
        return cls(titles=[t or "(untitled)" for t in table["title"]],
                   years=table["year_start"], tags=[t or [] for t in table["tags"]],
                   artist_index=artist_index,
                   available=np.asarray(table["available"], dtype=bool))


def describe(info: ItemInfo, item: int) -> str:
    """A title in quotes, with its year: single quotes, or double ones around a title that
    quotes something itself (Study for ‘Adam and Eve’ -> “Study for ‘Adam and Eve’”)."""
    year = info.years[item]
    title = info.titles[item]
    quoted = f"“{title}”" if "‘" in title or "'" in title else f"‘{title}’"
    return quoted + (f" ({year})" if year else "")


def _event(kind: str, value: float) -> str:
    verb = VERBS.get(kind, kind)
    if kind == "rating" and np.isfinite(value):
        verb += f" {value:g}★"
    return verb


# A signal is named only when it carries at least this share of the score, and a history
# item only when it accounts for at least HISTORY_SHARE of its signal's score.
CLAUSE_SHARE = 0.15
HISTORY_SHARE = 0.10


@dataclass(frozen=True)
class Clause:
    """One reason in an explanation: the signal behind it and its share of the score."""

    signal: str
    share: float
    text: str


def shares(parts: dict) -> dict[str, float]:
    """Each signal's share of the score (0 for all when the score is 0)."""
    score = sum(p.contribution for p in parts.values())
    return {n: (p.contribution / score if score > 0 else 0.0) for n, p in parts.items()}


def _history(info: ItemInfo, because: list) -> str:
    return " and ".join(f"{_event(b.kind, b.value)} {describe(info, b.item)}" for b in because)


def clauses(info: ItemInfo, item: int, parts: dict, reasons: dict, *, rank: int | None,
            brief_moved: bool = False) -> list[Clause]:
    """The reasons worth naming, biggest share first.

    A signal is named only when it carries at least :data:`CLAUSE_SHARE` of the score; the
    history items named are those that account for at least :data:`HISTORY_SHARE` of their
    signal's score; the brief is named only when it moved the item (``brief_moved``: the
    artwork matches the brief better than most of the catalog).
    """
    share = shares(parts)
    out: list[Clause] = []
    for name in ("content", "item", "sequence"):
        if share.get(name, 0.0) < CLAUSE_SHARE:
            continue
        because = [b for b in (reasons.get(name) or []) if b.share >= HISTORY_SHARE][:2]
        if not because:
            continue
        if name == "content":
            tags = set(info.tags[item]) & set().union(*(info.tags[b.item] for b in because))
            text = f"it is close in subject and style to works they {_history(info, because)}"
            if tags:
                text += f" (shares subjects {', '.join(sorted(tags)[:3])})"
        elif name == "item":
            text = f"visitors who {_history(info, because)} also engaged with this work"
        else:
            text = ("it follows on from what they looked at last: "
                    + " and ".join(describe(info, b.item) for b in because))
        out.append(Clause(name, share[name], text))
    if brief_moved and share.get("brief", 0.0) >= CLAUSE_SHARE:
        out.append(Clause("brief", share["brief"], "it matches the curator's brief"))
    if share.get("popularity", 0.0) >= CLAUSE_SHARE:
        where = f" (#{rank} in the collection)" if rank else ""
        out.append(Clause("popularity", share["popularity"],
                          f"it is popular with visitors lately{where}"))
    out.sort(key=lambda c: -c.share)
    return out


def sentence(found: list[Clause], *, cold: bool) -> str:
    """The clauses as one sentence: "Mostly because ..." when one reason carries half."""
    if not found:
        return "Recommended to fill the list; no signal stands out."
    first = found[0].text
    if found[0].share >= 0.5:
        text = "Mostly because " + first
        if len(found) > 1:
            text += "; also because " + " and ".join(c.text for c in found[1:])
    else:
        text = "Because " + "; and ".join(c.text for c in found)
    if cold:
        text = "No history yet, so: " + text[0].lower() + text[1:]
    return text + "."
