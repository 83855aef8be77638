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


def sentence(info: ItemInfo, item: int, parts: dict, reasons: dict, *, cold: bool,
             rank: int | None) -> str:
    """One or two sentences naming the history and facts behind the biggest contributions."""
    score = sum(p.contribution for p in parts.values())
    bits: list[str] = []
    content = reasons.get("content") or []
    if content:
        named = " and ".join(f"{_event(b.kind, b.value)} {describe(info, b.item)}"
                             for b in content[:2])
        shared = sorted(set(info.tags[item]) & set().union(*(info.tags[b.item] for b in content)))
        bit = f"close in subject and style to works they {named}"
        if shared:
            bit += f" (shares subjects {', '.join(shared[:3])})"
        bits.append((parts["content"].contribution, bit))
    collab = reasons.get("item") or []
    if collab:
        named = " and ".join(f"{_event(b.kind, b.value)} {describe(info, b.item)}"
                             for b in collab[:2])
        bits.append((parts["item"].contribution,
                     f"visitors who {named} also engaged with this work"))
    following = reasons.get("sequence") or []
    if following:
        named = " and ".join(describe(info, b.item) for b in following[:2])
        bits.append((parts["sequence"].contribution,
                     f"it follows on from what they looked at last: {named}"))
    if "brief" in parts and parts["brief"].contribution > 0:
        bits.append((parts["brief"].contribution, "it matches the curator's brief"))
    if "popularity" in parts and parts["popularity"].contribution > 0.15 * max(score, 1e-9):
        where = f" (#{rank} in the collection)" if rank else ""
        bits.append((parts["popularity"].contribution,
                     f"it is popular with visitors lately{where}"))
    bits.sort(key=lambda b: -b[0])
    if not bits:
        return "Recommended to fill the list; no signal stands out."
    text = "; ".join(b for _, b in bits)
    lead = "No history yet, so: " if cold else "Because "
    return lead + text[0].lower() + text[1:] + "."
