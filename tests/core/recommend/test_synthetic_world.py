"""Visitors in taste groups over a small Tate sample: the cases a curator checks first."""

import pytest

from curator.core.catalog import Catalog
from curator.core.evaluate import synthetic as syn

from ...conftest import SHARED_DATA

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    if not SHARED_DATA.is_dir():
        pytest.skip(f"the shared data folder {SHARED_DATA} is not present")
    shared = SHARED_DATA
    folder = tmp_path_factory.mktemp("world")
    sample = folder / "tate.jsonl"
    syn.sample_tate(shared / "tate" / "artworks.jsonl.gz", sample, per_group=30, others=40)
    cat = Catalog(folder / "world.duckdb")
    cat.imports.catalog(sample)
    cat.embeddings.embed(device="cpu")
    artworks = cat.artworks.get(cat.artworks.find_ids())
    made = syn.make_visitors(artworks, folder / "events.csv", per_group=12)
    cat.imports.events(folder / "events.csv")
    yield cat, made
    cat.close()


def test_each_visitor_is_shown_their_own_taste(world):
    cat, made = world
    figures = syn.measure(lambda u: cat.recommendations.recommend(u, k=10), made)
    # a Henry Moore-only visitor gets Moore; the drifted visitor gets abstract prints
    assert figures.probes[syn.MOORE_PROBE] >= 0.5
    assert figures.probes[syn.DRIFT_PROBE] >= 0.6
    assert figures.own_taste >= 0.75
    assert figures.clauses > 0 and figures.weak_clauses == 0.0
    assert figures.filled == 1.0


def test_an_artist_cap_still_fills_the_list(world):
    cat, made = world
    recs = cat.recommendations.recommend(syn.MOORE_PROBE, k=10, artist_cap=2)
    assert len(recs) == 10
    artists = [a["artists"][0] if a["artists"] else None
               for a in cat.artworks.get([r.item_id for r in recs])]
    assert artists.count(syn.MOORE) == 2


def test_a_moore_nobody_has_seen_reaches_the_moore_visitor(world):
    cat, made = world
    touched = {e["artwork_id"] for u in cat.visitors.ids() for e in cat.visitors.history(u)}
    new = made.new["moore"]
    assert new and not set(new) & touched
    recs = cat.recommendations.recommend(syn.MOORE_PROBE, k=10)
    arrived = [r for r in recs if r.item_id in new]
    assert arrived
    assert "close in subject and style" in arrived[0].explanation


def test_the_default_profile_is_fitted_once_there_is_enough_history(world):
    cat, made = world
    assert made.events >= 1000
    report = cat.recommendations.fit_default_if_ready()
    assert report is not None
    default = cat.recommendations.profile()
    assert default.is_default and default.fitted["events"] == made.events
    assert "fitted" in default.provenance()
    assert set(report.test) >= {"ndcg", "recall"} and report.tried > 20
    assert cat.recommendations.fit_default_if_ready() is None  # once
