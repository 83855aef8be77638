"""Build the demo catalog shipped in resources/demo from the Tate collection (CC0).

    python tools/make_demo.py [--tate ../shared/data/tate/artworks.jsonl.gz]

Writes ``resources/demo/artworks.jsonl.gz`` (a curated subset of about 2,000 works) and
``resources/demo/events.csv.gz`` (SYNTHETIC visitor histories). Both are deterministic:
the same input gives the same files.

How the histories are made: each of 300 synthetic visitors gets two or three interests,
each a subject tag drawn in proportion to how common it is in the subset. A visitor's
events pick, 85% of the time, a work carrying one of their interests, otherwise any work;
popular works are picked more often (a Zipf-like weight). Kinds are view (70%),
favourite (14%), rating (12%, 1-5 stars, higher for works on an interest) and purchase
(4%), with times spread over 2024-01-01 to 2026-06-30. No real person is behind them.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "resources" / "demo"
SEED = 20261124
N_WORKS = 2000
N_USERS = 300


def leaves(node: dict | None) -> list[str]:
    if not node:
        return []
    kids = node.get("children")
    if not kids:
        return [node["name"]] if "name" in node else []
    return [name for kid in kids for name in leaves(kid)]


def pick_works(path: Path) -> list[dict]:
    records = []
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            rec = json.loads(line)
            if rec.get("subjects") and rec.get("title") and rec.get("dateText"):
                records.append(rec)
    rng = random.Random(SEED)
    # At most 12 works per artist so Turner's bequest does not fill the demo.
    by_artist: dict[str, list[dict]] = {}
    for rec in records:
        by_artist.setdefault(rec.get("all_artists") or "?", []).append(rec)
    chosen: list[dict] = []
    for artist in sorted(by_artist):
        group = by_artist[artist]
        rng.shuffle(group)
        chosen.extend(group[:12])
    rng.shuffle(chosen)
    chosen = sorted(chosen[:N_WORKS], key=lambda r: r["acno"])
    return chosen


def make_events(works: list[dict]) -> list[tuple]:
    rng = random.Random(SEED + 1)
    tags_of = {w["acno"]: set(leaves(w.get("subjects"))) for w in works}
    counts = Counter(t for tags in tags_of.values() for t in tags)
    common = [t for t, c in counts.items() if c >= 15]
    weights = [counts[t] for t in common]
    ids = [w["acno"] for w in works]
    popularity = [1.0 / (rank + 10) for rank in range(len(ids))]
    rng.shuffle(popularity)
    by_tag: dict[str, list[str]] = {}
    for acno, tags in tags_of.items():
        for t in tags:
            by_tag.setdefault(t, []).append(acno)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    span = (datetime(2026, 6, 30, tzinfo=UTC) - start).total_seconds()
    events = []
    for u in range(1, N_USERS + 1):
        user = f"V{u:04d}"
        interests = set(rng.choices(common, weights=weights, k=rng.choice([2, 3])))
        n = int(rng.lognormvariate(3.2, 0.6)) + 5
        for _ in range(n):
            if rng.random() < 0.85:
                tag = rng.choice(sorted(interests))
                acno = rng.choice(by_tag[tag])
            else:
                acno = rng.choices(ids, weights=popularity)[0]
            on_interest = bool(tags_of[acno] & interests)
            r = rng.random()
            when = start + timedelta(seconds=rng.random() * span)
            ts = when.strftime("%Y-%m-%dT%H:%M:%SZ")
            if r < 0.70:
                events.append((user, acno, "view", "", ts))
            elif r < 0.84:
                events.append((user, acno, "favourite", "", ts))
            elif r < 0.96:
                stars = min(5, max(1, round(rng.gauss(4.0 if on_interest else 2.6, 0.8))))
                events.append((user, acno, "rating", str(stars), ts))
            else:
                events.append((user, acno, "purchase", "", ts))
    events.sort(key=lambda e: (e[4], e[0], e[1]))
    return events


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tate", type=Path,
                        default=ROOT.parent / "shared" / "data" / "tate" / "artworks.jsonl.gz")
    args = parser.parse_args()
    works = pick_works(args.tate)
    DEMO.mkdir(parents=True, exist_ok=True)
    with gzip.GzipFile(DEMO / "artworks.jsonl.gz", "wb", mtime=0) as out:
        for w in works:
            out.write((json.dumps(w, ensure_ascii=False, sort_keys=True) + "\n").encode())
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(["user_id", "artwork_id", "kind", "value", "timestamp"])
    writer.writerows(make_events(works))
    with gzip.GzipFile(DEMO / "events.csv.gz", "wb", mtime=0) as out:
        out.write(text.getvalue().encode())
    print(f"{len(works)} works, {text.getvalue().count(chr(10)) - 1} synthetic events in {DEMO}")


if __name__ == "__main__":
    main()
