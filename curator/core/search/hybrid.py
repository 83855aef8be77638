"""Ranking artworks for a query: keyword (BM25), semantic (vectors), or both fused.

Hybrid ranking fuses the two lists by reciprocal rank fusion (Cormack, Clarke and Büttcher,
2009): an artwork scores ``sum(1 / (RRF_K + rank))`` over the lists it is in. Ranks, not
scores, are fused because BM25 scores and cosine similarities are on unrelated scales that
change with every query; a work both lists rank well comes first, and an exact word or
name counts as much as closeness in meaning.

When the query names an artist of the catalog (see :mod:`.artists`), that artist's works
come first, ranked among themselves by the rest of the query ("masterpieces" in "Turner's
masterpieces"); works that merely mention the name follow with everything else. Semantic
mode is meaning alone and does not do this.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import islice

import numpy as np

from ..embedding.search import VectorIndex
from .lexical import LexicalIndex, words

MODES = ("hybrid", "semantic", "keyword")
RRF_K = 60  # the constant of the original paper; it damps the weight of the very top ranks
DEPTH = 100  # each list contributes at least this many candidates (or 5 k)
ARTIST_BONUS = 1.0  # added to the score of a named artist's works, so they rank first


@dataclass(frozen=True)
class Ranked:
    """One artwork in a ranking, with what each part said about it."""

    id: str
    score: float
    parts: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Query:
    """A query and everything it is ranked with. ``vector`` is ``None`` in keyword mode."""

    text: str
    mode: str
    lexical: LexicalIndex
    vectors: VectorIndex | None = None
    vector: np.ndarray | None = None
    allowed: np.ndarray | None = None  # artwork ids the facet filters allow; None: all
    vector_rows: np.ndarray | None = None  # the vector row of each lexical row (-1: none)


def rank(query: Query, k: int | None) -> list[Ranked]:
    """The best ``k`` artworks for ``query`` (``None``: every keyword match), best first."""
    lexical = query.lexical
    lex_allowed = None
    if query.allowed is not None:
        lex_allowed = np.zeros(len(lexical), dtype=bool)
        rows = lexical.rows_of(query.allowed)
        lex_allowed[rows[rows >= 0]] = True
    depth = None if k is None else max(DEPTH, 5 * k)
    if query.mode == "semantic":
        return _fused(query, query.text, lex_allowed, depth, k, keyword=False)
    matches = lexical.names.find(query.text)
    if not matches:
        return _fused(query, query.text, lex_allowed, depth, k)
    group = np.zeros(len(lexical), dtype=bool)
    for m in matches:
        group[m.rows] = True
    if lex_allowed is not None:
        group &= lex_allowed
    named = {m.artist: m for m in matches}
    said = set()
    for m in matches:
        said.update(range(*m.span))
    rest_words = [w for n, w in enumerate(words(query.text)) if n not in said]
    first = _fused(query, " ".join(rest_words), group, depth, k, fill=True)
    out = []
    for r in first:
        who = next((a for a in lexical.artists[lexical.rows_of([r.id])[0]] if a in named), None)
        parts = {**r.parts, "artist": {"name": who, "how": named[who].how if who else None}}
        out.append(Ranked(r.id, ARTIST_BONUS + r.score, parts))
    if k is not None and len(out) >= k:
        return out[:k]
    others = ~group if lex_allowed is None else (lex_allowed & ~group)
    rest = _fused(query, query.text, others, depth, None if k is None else k - len(out))
    return out + rest


def _fused(query: Query, text: str, lex_allowed: np.ndarray | None, depth: int | None,
           k: int | None, keyword: bool = True, fill: bool = False) -> list[Ranked]:
    """RRF of the keyword and semantic lists over the allowed rows (``None``: all).

    ``fill``: every allowed row is a candidate; those neither list ranks follow the others
    in id order (used for a named artist's works).
    """
    lexical = query.lexical
    lists: dict[str, list[tuple[str, float]]] = {}
    if keyword and query.mode != "semantic" and text.strip():
        lists["keyword"] = _keyword(lexical, text, lex_allowed, depth)
    if query.vector is not None and query.mode != "keyword":
        lists["semantic"] = _semantic(query, lex_allowed, depth)
    if query.mode == "keyword" or len(lists) == 1 and not fill:
        name, ranked = next(iter(lists.items())) if lists else ("keyword", [])
        out = [Ranked(i, s, {name: {"rank": n, "score": round(s, 6)}})
               for n, (i, s) in enumerate(ranked, 1)]
    else:
        out = _rrf(lists)
    if fill:
        seen = {r.id for r in out}
        rows = np.flatnonzero(lex_allowed) if lex_allowed is not None else np.arange(len(lexical))
        floor = min((r.score for r in out), default=0.0)
        rest = (Ranked(i, floor * 0.999, {}) for i in map(str, lexical.ids[rows]) if i not in seen)
        out += list(islice(rest, None if k is None else max(0, k - len(out))))
    return out if k is None else out[:k]


def _keyword(lexical: LexicalIndex, text: str, allowed: np.ndarray | None,
             depth: int | None) -> list[tuple[str, float]]:
    scores = lexical.match(text).scores
    if allowed is not None:
        scores = np.where(allowed, scores, 0)
    hit = np.flatnonzero(scores > 0)
    if depth is not None and len(hit) > depth:
        hit = hit[np.argpartition(-scores[hit], depth - 1)[:depth]]
    hit = hit[np.lexsort((hit, -scores[hit]))]  # best first, equal scores in id order
    return [(str(lexical.ids[r]), float(scores[r])) for r in hit]


def _semantic(query: Query, lex_allowed: np.ndarray | None,
              depth: int | None) -> list[tuple[str, float]]:
    index = query.vectors
    rows = None
    if lex_allowed is not None:
        pos = (query.vector_rows[lex_allowed] if query.vector_rows is not None
               else index.positions(query.lexical.ids[lex_allowed]))
        rows = np.sort(pos[pos >= 0])
    return index.top_k(query.vector, depth or len(index), rows)


def _rrf(lists: dict[str, list[tuple[str, float]]]) -> list[Ranked]:
    scores: dict[str, float] = {}
    parts: dict[str, dict] = {}
    for name, ranked in lists.items():
        for n, (artwork_id, s) in enumerate(ranked, 1):
            scores[artwork_id] = scores.get(artwork_id, 0.0) + 1.0 / (RRF_K + n)
            parts.setdefault(artwork_id, {})[name] = {"rank": n, "score": round(s, 6)}
    order = sorted(scores, key=lambda i: (-scores[i], i))
    return [Ranked(i, scores[i], parts[i]) for i in order]
