"""Behaviour of the hybrid recommender on a small catalog with known histories."""

import numpy as np
import pytest

from curator.core.evaluate.splits import stratified_split, temporal_split
from curator.core.recommend.hybrid import mmr_select
from curator.core.recommend.interactions import Interactions, WeightConfig
from curator.core.recommend.profiles import Profile

from ...conftest import build_small_world

CATALOG = """accession_number,title,artist,date,tags
S1,Storm at Sea,Turner,1840,sea|storm|ship
S2,Shipwreck,Turner,1805,sea|storm|ship
S3,Calm Sea,Turner,1830,sea|ship
S4,Sea Battle,Loutherbourg,1795,sea|ship|battle
P1,Portrait of a Lady,Gainsborough,1770,portrait|woman
P2,Portrait of a Man,Reynolds,1780,portrait|man
P3,Portrait of a Girl,Romney,1790,portrait|girl
L1,Haywain,Constable,1821,landscape|river
L2,Flatford Mill,Constable,1817,landscape|river|mill
N1,Untouched Seascape,Monamy,1720,sea|ship|storm
"""
EVENTS = """user_id,artwork_id,kind,value,timestamp
sailor,S1,favourite,,2024-01-01T00:00:00
sailor,S2,view,,2024-01-02T00:00:00
painter,P1,view,,2024-01-01T00:00:00
painter,P2,favourite,,2024-01-03T00:00:00
mixed,S1,view,,2024-02-01T00:00:00
mixed,P1,purchase,,2024-02-02T00:00:00
mixed,S3,view,,2024-02-03T00:00:00
walker,L1,rating,5,2024-03-01T00:00:00
walker,L2,view,,2024-03-02T00:00:00
walker,S1,view,,2024-03-03T00:00:00
fan,S1,view,,2024-04-01T00:00:00
fan,S2,view,,2024-04-01T00:00:00
fan,S3,view,,2024-04-02T00:00:00
fan,S4,favourite,,2024-04-03T00:00:00
"""


@pytest.fixture(scope="module")
def cat(tmp_path_factory):
    c = build_small_world(tmp_path_factory.mktemp("rec"))
    yield c
    c.close()


def test_breakdown_adds_up_to_the_score(cat):
    for user in ("sailor", "painter", "mixed"):
        for r in cat.recommendations.recommend(user, k=5):
            assert sum(r.breakdown().values()) == pytest.approx(r.score, abs=1e-6)
            for part in r.parts.values():
                assert part.contribution == pytest.approx(part.weight * part.normalised)
                assert 0.0 <= part.normalised <= 1.0


def test_seen_works_are_excluded_by_default(cat):
    ids = [r.item_id for r in cat.recommendations.recommend("sailor", k=10)]
    assert "S1" not in ids and "S2" not in ids
    with_seen = [r.item_id for r in cat.recommendations.recommend("sailor", k=10, exclude_seen=False)]
    assert "S1" in with_seen


def test_content_finds_an_artwork_nobody_touched(cat):
    recs = cat.recommendations.recommend("sailor", k=3, weights={"content": 1.0, "item": 0.0, "popularity": 0.0})
    assert "N1" in [r.item_id for r in recs]  # no events, reached through content alone
    n1 = next(r for r in recs if r.item_id == "N1")
    assert "‘Storm at Sea’" in n1.explanation or "‘Shipwreck’" in n1.explanation
    assert "favourited" in n1.explanation or "viewed" in n1.explanation


def test_two_interests_do_not_blur(cat):
    recs = [r.item_id for r in cat.recommendations.recommend(
        "mixed", k=4, weights={"content": 1.0, "item": 0.0, "popularity": 0.0})]
    assert any(i.startswith("S") or i == "N1" for i in recs)
    assert any(i.startswith("P") for i in recs)


def test_collaborative_explanation_names_history(cat):
    recs = cat.recommendations.recommend("sailor", k=3, weights={"content": 0.0, "item": 1.0, "popularity": 0.0})
    top = recs[0]
    assert top.parts["item"].contribution > 0
    assert top.reasons["item"], "the collaborative part names the history behind it"
    assert "visitors who" in top.explanation


def test_cold_start_gets_popularity_and_brief(cat):
    recs = cat.recommendations.recommend(None, k=3)
    assert recs[0].item_id == "S1"  # the most engaged-with work
    assert recs[0].explanation.startswith("No history yet")
    briefed = cat.recommendations.recommend(None, k=2, brief="a portrait of a young girl",
                            weights={"brief": 1.0, "popularity": 0.0})
    assert briefed[0].item_id == "P3"
    assert "brief" in briefed[0].explanation


def test_unknown_visitor_is_a_clear_error(cat):
    from curator.core.errors import CuratorError

    with pytest.raises(CuratorError, match="no visitor 'nobody'"):
        cat.recommendations.recommend("nobody")


def test_artist_cap(cat):
    recs = cat.recommendations.recommend("painter", k=6, artist_cap=1, exclude_seen=False)
    turners = [r.item_id for r in recs if r.item_id in ("S1", "S2", "S3")]
    assert len(turners) <= 1


def test_mmr_raises_diversity():
    rng = np.random.default_rng(0)
    base = rng.normal(size=(2, 16))
    # 20 near-copies of one work scoring high, 20 of another scoring a little lower
    vectors = np.vstack([base[0] + 0.01 * rng.normal(size=(20, 16)),
                         base[1] + 0.01 * rng.normal(size=(20, 16))]).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    relevance = np.r_[np.linspace(1.0, 0.9, 20), np.linspace(0.8, 0.7, 20)]
    cand = np.arange(40)
    plain = mmr_select(cand, relevance, vectors, 6, 1.0)
    diverse = mmr_select(cand, relevance, vectors, 6, 0.3)

    def ild(items):
        v = vectors[items]
        s = v @ v.T
        return 1 - (s.sum() - np.trace(s)) / (len(items) * (len(items) - 1))

    assert set(plain) <= set(range(20))
    assert any(i >= 20 for i in diverse)
    assert ild(diverse) > ild(plain) + 0.2


def test_batch_recommend_matches_explained(cat):
    rec = cat.recommendations.recommender()
    weights = cat.recommendations.profile().weights
    ids, scores = rec.recommend(["sailor", "painter"], k=3, weights=weights)
    single = cat.recommendations.recommend("painter", k=3)
    assert list(ids[1]) == [r.item_id for r in single]
    assert scores[1] == pytest.approx([r.score for r in single], abs=1e-5)


def test_profiles_round_trip(cat):
    cat.recommendations.save_profile(Profile("sea lover", weights={"content": 1.0, "item": 0.2}), make_default=True)
    assert cat.recommendations.profile().name == "sea lover"
    cat.recommendations.save_profile(Profile("other", weights={"item": 1.0}), make_default=True)
    assert [p.name for p in cat.recommendations.profiles() if p.is_default] == ["other"]


def test_weights_decay_with_age():
    inter = Interactions(np.array(["u"], dtype=object), np.array(["a", "b"], dtype=object),
                         users=np.array([0, 0]), items=np.array([0, 1]),
                         kinds=np.array(["view", "purchase"], dtype=object),
                         values=np.array([np.nan, np.nan]),
                         ts=np.array([0.0, 365 * 86400.0]))
    w = inter.event_weights(WeightConfig(half_life_days=365))
    assert w == pytest.approx([0.5, 5.0])


def test_splits():
    users = np.repeat(np.arange(4), 8)
    inter = Interactions(np.arange(4).astype(str).astype(object),
                         np.arange(8).astype(str).astype(object), users=users,
                         items=np.tile(np.arange(8), 4), kinds=np.full(32, "view", dtype=object),
                         values=np.full(32, np.nan), ts=np.arange(32, dtype=float))
    train = stratified_split(inter, 0.75, seed=42)
    assert [train[users == u].sum() for u in range(4)] == [6, 6, 6, 6]
    assert (stratified_split(inter, 0.75, seed=42) == train).all()
    last = temporal_split(inter, last_n=2)
    assert not last[users == 0][-2:].any() and last[users == 0][:-2].all()


def test_evaluation_reweighting(cat):
    ev = cat.recommendations.evaluation(ratio=0.5, k=3)
    a = ev.measure({"item": 1.0}).metrics
    b = ev.measure({"popularity": 1.0}).metrics
    assert set(a) >= {"precision", "recall", "ndcg", "map", "coverage", "novelty"}
    assert a != b


def test_kind_weights_from_a_profile_change_the_taste(cat):
    # mixed viewed S1 and S3 but bought P1: with purchases counting for nothing, the
    # content taste leans to the sea; counting them heavily, to portraits.
    sea_first = Profile("views only", weights={"content": 1.0},
                        kind_weights={"purchase": 0.0, "view": 1.0})
    buyer = Profile("purchases", weights={"content": 1.0},
                    kind_weights={"purchase": 50.0, "view": 1.0})
    cat.recommendations.save_profile(sea_first)
    cat.recommendations.save_profile(buyer)
    top_views = cat.recommendations.recommend("mixed", k=1, profile="views only")[0].item_id
    top_buys = cat.recommendations.recommend("mixed", k=1, profile="purchases")[0].item_id
    assert not top_views.startswith("P") and top_buys.startswith("P")


def test_profiles_cli(cat, capsys):
    from curator.cli import main

    path = cat.path
    cat.close()
    try:
        assert main(["--db", path, "profiles", "save", "curated", "--weights", "content=0.7",
                     "--kinds", "purchase=8", "--half-life", "0", "--default"]) == 0
        assert main(["--db", path, "profiles", "list"]) == 0
        out = capsys.readouterr().out
        assert "curated (default)" in out and "'purchase': 8.0" in out and "None days" in out
    finally:
        cat.__init__(path)


def test_titles_that_quote_something_get_double_quotes():
    from curator.core.recommend.explain import ItemInfo, describe

    info = ItemInfo(titles=["Study for ‘Adam and Eve’", "Storm at Sea", "Lady's Maid"],
                    years=[1936, None, 1800], tags=[[], [], []],
                    artist_index=np.zeros(3, dtype=int), available=np.ones(3, dtype=bool))
    assert describe(info, 0) == "“Study for ‘Adam and Eve’” (1936)"
    assert describe(info, 1) == "‘Storm at Sea’"
    assert describe(info, 2) == "“Lady's Maid” (1800)"
