"""The fitted recommender saved beside the database: loaded instead of fitting, never stale."""

import shutil

import numpy as np
import pytest

from curator.core.catalog import Catalog
from curator.core.recommend import signals as signals_module
from curator.core.recommend.saved import fitted_dir
from curator.core.recommend.signals import EASE_SECONDS, ItemCFSignal, ease_cost

from ...conftest import build_small_world, write


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    folder = tmp_path_factory.mktemp("saved")
    build_small_world(folder).close()
    return folder / "world.duckdb"


@pytest.fixture
def db(world, tmp_path):
    path = tmp_path / "copy.duckdb"
    shutil.copy(world, path)
    return path


@pytest.fixture
def fits(monkeypatch):
    """How many times item CF was fitted (rather than loaded)."""
    calls = []
    real = ItemCFSignal.fit

    def counted(self, data):
        calls.append(1)
        return real(self, data)

    monkeypatch.setattr(ItemCFSignal, "fit", counted)
    return calls


def top(catalog, user="sailor"):
    return [(r.item_id, round(r.score, 5)) for r in catalog.recommendations.recommend(user, k=5)]


def test_a_saved_fit_is_loaded_instead_of_fitting(db, fits):
    with Catalog(db) as cat:
        first = top(cat)
    assert len(fits) == 1
    saved = fitted_dir(db, create=False)
    assert (saved / "item.safetensors").is_file() and (saved / "calibration.json").is_file()
    with Catalog(db) as cat:
        assert top(cat) == first
    with Catalog(db, read_only=True) as cat:
        assert top(cat) == first
    assert len(fits) == 1  # neither the next session nor a read-only one fitted again


def test_an_import_makes_the_next_list_use_the_new_histories(db, fits, tmp_path):
    with Catalog(db) as cat:
        assert "S3" in [i for i, _ in top(cat)]
        before = (fitted_dir(db, create=False) / "item.safetensors").read_bytes()
        cat.imports.events(write(tmp_path / "more.csv", "user_id,artwork_id,kind,value,"
                                 "timestamp\nsailor,S3,view,,2024-05-01T00:00:00\n"))
        assert "S3" not in [i for i, _ in top(cat)]  # now seen
    assert len(fits) == 2
    assert (fitted_dir(db, create=False) / "item.safetensors").read_bytes() != before
    with Catalog(db) as cat:
        assert "S3" not in [i for i, _ in top(cat)]
    assert len(fits) == 2  # the refreshed file is the one loaded


def test_a_file_fitted_on_other_histories_is_never_used(db, fits, tmp_path):
    other = tmp_path / "other.duckdb"
    shutil.copy(db, other)
    with Catalog(other) as cat:
        cat.imports.events(write(tmp_path / "more.csv", "user_id,artwork_id,kind,value,"
                                 "timestamp\nfan,P1,purchase,,2024-05-01T00:00:00\n"))
        expected = top(cat, "fan")
    with Catalog(db) as cat:
        top(cat, "fan")
    # the other catalog's fit, copied over this one's, does not match this one's histories
    shutil.copytree(fitted_dir(other, create=False), fitted_dir(db, create=False),
                    dirs_exist_ok=True)
    fits.clear()
    with Catalog(db) as cat:
        mine = top(cat, "fan")
    assert len(fits) == 1 and mine != expected
    assert "P1" in [i for i, _ in mine]  # not seen here, as it was there


@pytest.mark.parametrize("damage", ["garbage", "truncated", "wrong shape", "calibration"])
def test_a_damaged_file_is_fitted_again_and_replaced(db, fits, damage):
    with Catalog(db) as cat:
        expected = top(cat)
    saved = fitted_dir(db, create=False)
    item = saved / "item.safetensors"
    if damage == "garbage":
        item.write_bytes(b"not a model at all")
    elif damage == "truncated":
        item.write_bytes(item.read_bytes()[:-40])
    elif damage == "wrong shape":
        from safetensors import safe_open
        from safetensors.numpy import save_file

        with safe_open(str(item), framework="numpy") as f:
            meta, b = f.metadata(), f.get_tensor("b")
        save_file({"method": np.asarray([0]), "b": b[:-1, :-1].copy()}, str(item), metadata=meta)
    else:
        (saved / "calibration.json").write_text('{"format": 1, "entries": {"x": [')
    fits.clear()
    with Catalog(db) as cat:
        assert top(cat) == expected
    assert len(fits) == (0 if damage == "calibration" else 1)
    fits.clear()
    with Catalog(db) as cat:
        assert top(cat) == expected
    assert fits == []  # replaced by a good file


def test_a_read_only_catalog_never_writes_beside_the_database(db, fits):
    with Catalog(db, read_only=True) as cat:
        top(cat)
    assert not fitted_dir(db, create=False).exists()


def test_ease_or_knn_is_chosen_by_predicted_cost():
    signal = ItemCFSignal()
    largest_ease = max(n for n in range(100, 20_000, 50) if signal.choose(n) == "ease")
    assert ease_cost(largest_ease)[0] <= EASE_SECONDS < ease_cost(largest_ease + 50)[0]
    assert signal.choose(100) == "ease" and signal.choose(50_000) == "knn"
    assert ItemCFSignal(method="knn").choose(100) == "knn"
    assert ItemCFSignal(method="ease").choose(50_000) == "ease"
    assert ItemCFSignal(ease_seconds=1e9, ease_bytes=1 << 20).choose(1_000) == "knn"  # memory
    with pytest.raises(ValueError):
        ItemCFSignal(method="als")


def test_ease_through_a_cholesky_factor_equals_the_plain_inverse():
    from curator.core.recommend.signals import ease_weights

    rng = np.random.default_rng(3)
    x = (rng.random((40, 25)) < 0.3).astype(np.float64)
    gram = x.T @ x
    p = np.linalg.inv(gram + 5.0 * np.eye(25))
    expected = -p / np.diag(p)[None, :]
    np.fill_diagonal(expected, 0.0)
    got = ease_weights(gram.copy(), 5.0)
    assert got.dtype == np.float32
    assert np.abs(got - expected).max() <= 1e-5 * np.abs(expected).max()
    assert ease_weights(np.zeros((0, 0)), 5.0).shape == (0, 0)  # no histories yet


def test_the_switch_fits_knn_beyond_the_budget(monkeypatch):
    """Past the predicted budget the same histories are fitted with kNN, which still
    recommends what similar visitors liked."""
    import scipy.sparse as sp

    from curator.core.recommend.interactions import Interactions, WeightConfig
    from curator.core.recommend.signals import FitData

    inter = Interactions(np.asarray(["u1", "u2", "u3"], dtype=object),
                         np.asarray(["a", "b", "c"], dtype=object),
                         np.asarray([0, 0, 1, 1, 2]), np.asarray([0, 1, 0, 1, 0]),
                         np.asarray(["view"] * 5, dtype=object), np.full(5, np.nan),
                         np.arange(5, dtype=np.float64))
    data = FitData(inter, WeightConfig())
    monkeypatch.setattr(signals_module, "EASE_FLOPS_PER_SECOND", 1e-6)
    knn = ItemCFSignal().fit(data)
    monkeypatch.setattr(signals_module, "EASE_FLOPS_PER_SECOND", 1e15)
    ease = ItemCFSignal().fit(data)
    assert knn.method == "knn" and sp.issparse(knn.b) and ease.method == "ease"
    for model in (knn, ease):  # u3 saw a: b (liked with a by u1 and u2) beats c
        scores = model.score(np.asarray([2]))[0]
        assert scores[1] > scores[2]
