"""A synthetic collection test: visitors in taste groups over a real catalog (Tate).

Each taste group is a rule over an artwork's artists, subjects and medium ("Henry Moore",
"Turner seascapes", "abstract prints", ...). Visitors of a group interact only with its
works, so what a visitor should be shown is known: more of their group. One visitor in
four moved on to another group some months ago; their current taste is the new group.
A tenth of each group's works are new arrivals nobody has seen. Two probe visitors carry
the cases a curator checks first: one whose whole history is Henry Moore, and one whose
taste drifted from Turner seascapes (a year ago) to abstract prints (last month).

:func:`measure` reports, for every visitor and for each probe, the share of the top 10 that
comes from the visitor's own current taste, and the share of explanation clauses whose
signal carries under 15% of the score (which honest explanations keep at 0).
"""

from __future__ import annotations

import csv
import gzip
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..recommend.explain import CLAUSE_SHARE

SEA = {"sea", "coast", "shipwreck", "wave", "harbour", "boat, sailing", "ship, sailing",
       "beach", "storm"}
ABSTRACT = {"geometric", "gestural", "irregular forms", "abstraction", "colour"}
PRINT = ("print", "lithograph", "etching", "engraving", "woodcut", "aquatint")
FACES = {"head / face", "self-portraits", "portrait"}
LAND = {"landscape", "hill", "river", "wooded", "tree", "field", "valley"}
TURNER = "Joseph Mallord William Turner"
MOORE = "Henry Moore OM, CH"


def _medium(a: dict) -> str:
    return (a.get("medium") or "").lower()


def _tags(a: dict) -> set[str]:
    return set(a.get("tags") or [])


def _artist(a: dict) -> str:
    return (a.get("artists") or [""])[0]


GROUPS: dict[str, Callable[[dict], bool]] = {
    "moore": lambda a: _artist(a) == MOORE,
    "turner_sea": lambda a: _artist(a) == TURNER and bool(_tags(a) & SEA),
    "abstract_prints": lambda a: bool(_tags(a) & ABSTRACT) and any(
        p in _medium(a) for p in PRINT),
    "faces": lambda a: bool(_tags(a) & FACES) and _artist(a) != TURNER,
    "oil_landscape": lambda a: "oil" in _medium(a) and bool(_tags(a) & LAND)
    and _artist(a) != TURNER,
    "photography": lambda a: "photograph" in _medium(a),
}
MOORE_PROBE, DRIFT_PROBE = "probe-moore-only", "probe-drifted"
DAY = 86_400
NOW = 1_735_689_600  # 2025-01-01, the newest event


def tate_row(record: dict) -> dict:
    """The fields the groups look at, read from one record of Tate's JSON export."""
    tags: list[str] = []

    def leaves(node: dict) -> None:
        children = node.get("children") or []
        if not children and node.get("name") and node.get("id") != 1:
            tags.append(node["name"])
        for child in children:
            leaves(child)

    leaves(record.get("subjects") or {})
    return {"artists": [c.get("fc") for c in record.get("contributors") or []],
            "tags": tags, "medium": record.get("medium")}


def sample_tate(source: Path, target: Path, *, every: int | None = None,
                per_group: int | None = None, others: int = 0, seed: int = 0) -> int:
    """Write a sample of Tate's JSON lines to ``target``; returns how many.

    ``every``: every n-th record (a plain 1-in-n sample). ``per_group``: instead, up to
    this many works of each taste group plus ``others`` works from outside the groups.
    """
    rng = np.random.default_rng(seed)
    kept: list[str] = []
    taken = dict.fromkeys(GROUPS, 0)
    outside: list[str] = []
    with gzip.open(source, "rt", encoding="utf-8") as handle:
        for n, line in enumerate(handle):
            if every is not None:
                if n % every == 0:
                    kept.append(line)
                continue
            row = tate_row(json.loads(line))
            group = next((g for g, rule in GROUPS.items() if rule(row)), None)
            if group is None:
                outside.append(line)
            elif taken[group] < per_group and rng.random() < 0.5:
                taken[group] += 1
                kept.append(line)
    if others and outside:
        pick = rng.choice(len(outside), min(others, len(outside)), replace=False)
        kept.extend(outside[i] for i in sorted(pick))
    target.write_text("".join(kept), encoding="utf-8")
    return len(kept)


@dataclass
class World:
    """The visitors made and what each of them should be shown."""

    pools: dict[str, list[str]]       # group -> its artwork ids
    taste: dict[str, str]             # visitor -> their current group
    events: int
    new: dict[str, list[str]]         # group -> its new arrivals, which nobody has seen yet


def make_visitors(artworks: list[dict], path: Path, *, per_group: int = 30,
                  new_share: float = 0.1, seed: int = 0) -> World:
    """Write visitors' events for ``artworks`` (dicts with id, artists, tags, medium) to
    ``path`` as CSV, and return who likes what. Deterministic for a seed.

    ``new_share`` of each group's works are new arrivals: no visitor has touched them.
    """
    rng = np.random.default_rng(seed)
    pools = {g: sorted(a["id"] for a in artworks if rule(a)) for g, rule in GROUPS.items()}
    pools = {g: ids for g, ids in pools.items() if len(ids) >= 8}
    new = {g: sorted(rng.choice(ids, max(1, round(new_share * len(ids))), replace=False))
           for g, ids in pools.items()} if new_share else {g: [] for g in pools}
    arrivals = set().union(*map(set, new.values()))  # a work may belong to two groups
    seen_pools = {g: [a for a in ids if a not in arrivals] for g, ids in pools.items()}
    kinds = np.array(["view", "favourite", "rating", "purchase"])
    rows: list[list] = []
    taste: dict[str, str] = {}

    def visit(user: str, pool: list[str], n: int, start: float, end: float) -> None:
        for item in rng.choice(pool, size=min(n, len(pool)), replace=False):
            kind = kinds[rng.choice(4, p=[0.7, 0.15, 0.1, 0.05])]
            value = int(rng.integers(3, 6)) if kind == "rating" else ""
            rows.append([user, item, kind, value, int(rng.uniform(start, end))])

    names = list(pools)
    for g, (group, pool) in enumerate(seen_pools.items()):
        for v in range(per_group):
            user = f"{group}-{v:03d}"
            if v % 4 == 3:  # one visitor in four moved on to the next group some months ago
                later = names[(g + 1) % len(names)]
                taste[user] = later
                turn = NOW - int(rng.integers(60, 200)) * DAY
                visit(user, pool, int(rng.integers(8, 20)), NOW - 700 * DAY, turn)
                visit(user, seen_pools[later], int(rng.integers(5, 12)), turn, NOW)
            else:
                taste[user] = group
                visit(user, pool, int(rng.integers(8, 25)), NOW - 700 * DAY, NOW)
    if "moore" in pools:
        taste[MOORE_PROBE] = "moore"
        visit(MOORE_PROBE, seen_pools["moore"], 8, NOW - 200 * DAY, NOW)
    if "turner_sea" in pools and "abstract_prints" in pools:
        taste[DRIFT_PROBE] = "abstract_prints"
        visit(DRIFT_PROBE, seen_pools["turner_sea"], 15, NOW - 420 * DAY, NOW - 330 * DAY)
        visit(DRIFT_PROBE, seen_pools["abstract_prints"], 6, NOW - 30 * DAY, NOW)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["user_id", "artwork_id", "kind", "value", "timestamp"])
        out.writerows(rows)
    return World(pools, taste, len(rows), {g: [str(a) for a in ids] for g, ids in new.items()})


@dataclass(frozen=True)
class Figures:
    own_taste: float            # mean share of a top 10 from the visitor's own taste
    probes: dict[str, float]    # the same, for each probe visitor
    weak_clauses: float         # share of clauses whose signal carries < 15% of the score
    clauses: int
    filled: float               # mean list length / k
    new_reached: float          # share of visitors whose top k holds a new work of their taste


def measure(recommend: Callable[[str], list], world: World, *, k: int = 10,
            users: list[str] | None = None) -> Figures:
    """Run ``recommend(user) -> list[Recommendation]`` for the visitors and score the lists."""
    pools = {g: set(ids) for g, ids in world.pools.items()}
    users = users if users is not None else list(world.taste)
    own, filled, reached, weak, clauses = [], [], [], 0, 0
    new = {g: set(ids) for g, ids in world.new.items()}
    probes = {}
    for user in users:
        recs = recommend(user)[:k]
        share = sum(r.item_id in pools[world.taste[user]] for r in recs) / k
        own.append(share)
        filled.append(len(recs) / k)
        reached.append(any(r.item_id in new[world.taste[user]] for r in recs))
        if user in (MOORE_PROBE, DRIFT_PROBE):
            probes[user] = share
        for r in recs:
            shares = r.shares()
            for c in r.clauses:
                clauses += 1
                weak += shares[c.signal] < CLAUSE_SHARE
    return Figures(float(np.mean(own)), probes, weak / clauses if clauses else 0.0, clauses,
                   float(np.mean(filled)), float(np.mean(reached)))
