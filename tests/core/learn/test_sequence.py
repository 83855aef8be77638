"""The sequence signal: it learns, it is switched on only when it helps, and it resumes."""

from dataclasses import replace

import numpy as np
import pytest

from curator.cli import main
from curator.core.errors import Cancelled
from curator.core.learn import files
from curator.core.learn.files import learned_dir
from curator.core.learn.sequence import SequenceConfig, train
from curator.core.progress import CancelToken
from curator.core.recommend.interactions import Interactions

from ...conftest import write

N_ITEMS = 20
TINY = SequenceConfig(dim=16, layers=1, heads=2, max_len=10, dropout=0.0, negatives=19,
                      epochs=30, batch_size=16, lr=5e-3)


def histories(ordered: bool, users: int = 60, length: int = 8, seed: int = 0):
    """Visitors walking a gallery of ``N_ITEMS`` rooms: in order round the circuit
    (``ordered``), or to random rooms at random times."""
    rng = np.random.default_rng(seed)
    rows = []
    for u in range(users):
        start = rng.integers(N_ITEMS)
        rooms = [(start + j) % N_ITEMS for j in range(length)] if ordered else \
            list(rng.choice(N_ITEMS, length, replace=False))
        for j, room in enumerate(rooms):
            rows.append((f"v{u:02d}", f"W{room:02d}", 1_700_000_000 + u * 10_000 + j * 60))
    return rows


def interactions(rows) -> Interactions:
    users = sorted({r[0] for r in rows})
    items = [f"W{i:02d}" for i in range(N_ITEMS)]
    return Interactions(np.asarray(users, dtype=object), np.asarray(items, dtype=object),
                        np.asarray([users.index(r[0]) for r in rows]),
                        np.asarray([items.index(r[1]) for r in rows]),
                        np.asarray(["view"] * len(rows), dtype=object),
                        np.full(len(rows), np.nan), np.asarray([r[2] for r in rows], float))


def make_catalog(tmp_path, rows):
    db = tmp_path / "gallery.duckdb"
    catalog = write(tmp_path / "cat.csv", "accession_number,title,artist\n" + "".join(
        f"W{i:02d},Room {i},Painter {i % 3}\n" for i in range(N_ITEMS)))
    events = write(tmp_path / "ev.csv", "user_id,artwork_id,kind,timestamp\n" + "".join(
        f"{u},{a},view,{t}\n" for u, a, t in rows))
    assert main(["--db", str(db), "import-catalog", str(catalog), "--no-embed"]) == 0
    assert main(["--db", str(db), "import-events", str(events)]) == 0
    return db


def test_training_lowers_the_loss():
    model = train(interactions(histories(ordered=True)), None, replace(TINY, epochs=10))
    assert len(model.losses) == 10
    assert model.losses[-1] < 0.7 * model.losses[0]


def test_sampled_negatives_learn_too_on_a_catalog_past_the_full_softmax():
    sampled = replace(TINY, epochs=10, negatives=8, full_softmax_items=0)
    model = train(interactions(histories(ordered=True)), None, sampled)
    assert model.losses[-1] < 0.7 * model.losses[0]
    # a full softmax over 20 artworks starts near log(20); 8 negatives near log(9)
    full = train(interactions(histories(ordered=True)), None, replace(TINY, epochs=1))
    assert model.losses[0] < full.losses[0]


def test_epoch_choices_end_at_the_most_asked_for():
    from curator.core.learn.sequence import epoch_choices

    assert epoch_choices(50) == [10, 20, 50]
    assert epoch_choices(30) == [10, 20, 30]
    assert epoch_choices(1) == [1]


def test_switched_on_when_the_order_of_visits_predicts_the_next(tmp_path):
    from curator.core.catalog import Catalog

    db = make_catalog(tmp_path, histories(ordered=True))
    with Catalog(db) as cat:
        changes = cat.recommendations.train_sequence(device="cpu", settings=TINY)
        verdict = changes.detail.verdict
        assert verdict.enabled and verdict.learned >= 1.02 * verdict.baseline
        assert "switched on" in changes.message and "validation nDCG@10" in changes.message
        folder = learned_dir(db)
        assert (folder / "sequence.safetensors").is_file()  # no pickle anywhere
        assert files.load_json(folder / "sequence.json")["enabled"] is True
        # v00 walked eight rooms in order: the next room comes first, explained
        recs = cat.recommendations.recommend("v00", k=3)
        last = int(histories(ordered=True)[7][1][1:])
        assert recs[0].item_id == f"W{(last + 1) % N_ITEMS:02d}"
        assert recs[0].parts["sequence"].contribution > 0
        assert "follows on from what they looked at last: ‘Room" in recs[0].explanation
        assert "sequence" in cat.recommendations.evaluation().signals
        # the epochs were chosen on validation among 10, 20 and 30, and the saved model was
        # trained for exactly that many
        chosen = changes.detail.epochs
        assert chosen in (10, 20, 30) and f"Trained for {chosen} epochs" in changes.message
        assert len(files.load_json(folder / "sequence.json")["losses"]) == chosen


def test_left_off_when_it_does_not_beat_the_hybrid(tmp_path):
    from curator.core.catalog import Catalog

    db = make_catalog(tmp_path, histories(ordered=False))
    with Catalog(db) as cat:
        changes = cat.recommendations.train_sequence(device="cpu", settings=TINY)
        verdict = changes.detail.verdict
        assert not verdict.enabled and verdict.learned < verdict.baseline * 1.02
        assert "left off" in changes.message
        assert "sequence" not in [s.name for s in cat.recommendations.signals()]
        recs = cat.recommendations.recommend("v00", k=3)
        assert all("sequence" not in r.parts for r in recs)


def test_cli_trains_and_reports_the_verdict(tmp_path, capsys):
    db = make_catalog(tmp_path, histories(ordered=False))
    capsys.readouterr()
    assert main(["--db", str(db), "train-sequence", "--epochs", "1", "--device", "cpu"]) == 0
    out = capsys.readouterr().out
    assert "The sequence signal is left off" in out and "1 epoch " in out


def test_cancel_then_resume_ends_where_an_uninterrupted_run_does(tmp_path):
    inter = interactions(histories(ordered=True))
    cfg = replace(TINY, epochs=4)
    whole = train(inter, None, cfg)
    token = CancelToken()
    seen = []

    def progress(done, total, message):
        seen.append(message)
        if "epoch 3/" in message:
            token.cancel()

    ckpt = tmp_path / "seq.ckpt"
    with pytest.raises(Cancelled):
        train(inter, None, cfg, checkpoint=ckpt, progress=progress, cancel=token)
    assert files.load_json(ckpt.with_suffix(".json"))["epoch"] == 2
    resumed_messages = []
    resumed = train(inter, None, cfg, checkpoint=ckpt,
                    progress=lambda d, t, m: resumed_messages.append(m))
    assert not any("epoch 1/" in m or "epoch 2/" in m for m in resumed_messages)
    assert resumed.losses == pytest.approx(whole.losses, rel=1e-5)
    for key, value in whole.state.items():
        np.testing.assert_allclose(resumed.state[key], value, rtol=1e-5, atol=1e-6)
    assert not ckpt.with_suffix(".json").exists()  # a finished run leaves no checkpoint
