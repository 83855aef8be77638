"""Fine-tuning the text encoder: it learns, it is judged, it resumes."""

from dataclasses import replace

import numpy as np
import pytest

from curator.core.errors import Cancelled
from curator.core.learn.embedder import Pairs, TuneConfig, fine_tune, training_pairs
from curator.core.learn.files import learned_dir, load_arrays
from curator.core.progress import CancelToken

from .test_sequence import N_ITEMS, histories, interactions, make_catalog

TEXTS = [f"Room {i}. A gallery of {['sea', 'portrait', 'landscape'][i % 3]} works."
         for i in range(N_ITEMS)]
FAST = TuneConfig(epochs=20, batch_size=8, lr=3e-3, max_pairs=None, checkpoint_every=1000,
                  max_length=32)


def cycle_pairs(window: int = 1) -> Pairs:
    inter = interactions(histories(ordered=True))
    return training_pairs(inter, np.arange(inter.n_users), None, replace(FAST, window=window))


def test_visit_pairs_are_close_in_time_and_in_order():
    pairs = cycle_pairs()
    gaps = (pairs.positive_items - pairs.anchors) % N_ITEMS
    assert set(gaps) <= {1, N_ITEMS - 1}  # only neighbours on the circuit
    assert len(pairs) == N_ITEMS  # each neighbouring pair once


def test_subjects_pair_an_artwork_with_its_tags():
    inter = interactions(histories(ordered=True))
    tags = [["sea", "storm"] if i == 3 else [] for i in range(N_ITEMS)]
    pairs = training_pairs(inter, np.arange(0), tags, FAST)  # no visitors, only subjects
    assert list(pairs.anchors) == [3] and pairs.positive_texts == ["Subjects: sea, storm."]


def test_fine_tuning_lowers_the_contrastive_loss(tiny_model, tmp_path):
    result = fine_tune(TEXTS, cycle_pairs(), tiny_model, tmp_path / "out", FAST)
    assert len(result.losses) == FAST.epochs
    assert max(result.losses[-3:]) < 0.7 * result.losses[0]
    assert (tmp_path / "out" / "model.safetensors").is_file()


def test_cancel_then_resume_ends_where_an_uninterrupted_run_does(tiny_model, tmp_path):
    pairs = cycle_pairs()
    cfg = replace(FAST, epochs=3, checkpoint_every=2)
    whole = fine_tune(TEXTS, pairs, tiny_model, tmp_path / "whole", cfg)
    token = CancelToken()

    def stop_after_five(done, total, message):
        if done == 5:  # checkpoints were written after steps 2, 3 (an epoch's end) and 4
            token.cancel()

    ckpt = tmp_path / "ckpt"
    with pytest.raises(Cancelled):
        fine_tune(TEXTS, pairs, tiny_model, tmp_path / "resumed", cfg, checkpoint=ckpt,
                  progress=stop_after_five, cancel=token)
    steps = []
    resumed = fine_tune(TEXTS, pairs, tiny_model, tmp_path / "resumed", cfg, checkpoint=ckpt,
                        progress=lambda d, t, m: steps.append(d))
    assert steps[0] == 5  # steps 1-4 came from the checkpoint, step 5 is redone
    assert resumed.steps == whole.steps and not ckpt.exists()
    a = load_arrays(tmp_path / "whole" / "model.safetensors")
    b = load_arrays(tmp_path / "resumed" / "model.safetensors")
    for key in a:
        np.testing.assert_allclose(b[key], a[key], rtol=1e-4, atol=1e-5)


def _gallery(tmp_path, tiny_model, ordered=True):
    from curator.core.catalog import Catalog

    db = make_catalog(tmp_path, histories(ordered=ordered, users=80))
    cat = Catalog(db)
    cat.embeddings.set_model_path(tiny_model)
    cat.embeddings.embed(device="cpu")
    return cat


def test_a_tuned_encoder_that_beats_the_frozen_one_becomes_the_content_signal(
        tiny_model, tmp_path):
    cat = _gallery(tmp_path, tiny_model)
    try:
        changes = cat.embeddings.train_encoder(device="cpu", settings=FAST)
        verdict = changes.detail.verdict
        assert verdict.enabled and verdict.learned >= 1.02 * verdict.baseline
        assert "Content similarity uses the fine-tuned encoder" in changes.message
        tuned = cat.embeddings.tuned()
        assert tuned is not None and str(learned_dir(db_path(cat))) in tuned["path"]
        index = cat.embeddings.content_index_or_none()
        assert index is not cat.embeddings.text_index() and len(index) == N_ITEMS
        rec = cat.recommendations.recommender()
        np.testing.assert_allclose(rec.data.vectors[0], index.matrix[index.positions(
            np.asarray(["W00"], dtype=object))[0]])
        # a new artwork is embedded by both encoders
        from ...conftest import write

        more = write(tmp_path / "more.csv", "accession_number,title\nW99,Room 99\n")
        cat.imports.catalog(more)
        cat.embeddings.embed(device="cpu")
        assert len(cat.embeddings.content_index_or_none()) == N_ITEMS + 1
    finally:
        cat.close()


def test_a_tuned_encoder_that_does_not_beat_the_frozen_one_is_not_switched_on(
        tiny_model, tmp_path):
    cat = _gallery(tmp_path, tiny_model)
    try:
        # a learning rate of zero leaves the weights as they were: no better than frozen
        changes = cat.embeddings.train_encoder(device="cpu", settings=replace(FAST, lr=0.0, epochs=1))
        verdict = changes.detail.verdict
        assert not verdict.enabled
        assert verdict.learned == pytest.approx(verdict.baseline, abs=1e-6)
        assert "left off" in changes.message and "uses the frozen encoder" in changes.message
        assert cat.embeddings.tuned() is None
        assert not list(learned_dir(db_path(cat)).glob("encoder-*"))
        index = cat.embeddings.content_index_or_none()
        assert index.matrix.shape == cat.embeddings.text_index().matrix.shape
    finally:
        cat.close()


def db_path(cat):
    from pathlib import Path

    return Path(cat.path)


def test_cli_fine_tunes_and_says_which_encoder_is_used(tiny_model, tmp_path, capsys):
    from curator.cli import main

    cat = _gallery(tmp_path, tiny_model)
    db = cat.path
    cat.close()
    capsys.readouterr()
    assert main(["--db", db, "train-embedder", "--epochs", "1", "--max-pairs", "16",
                 "--device", "cpu"]) == 0
    out = capsys.readouterr().out
    assert "validation nDCG@10" in out and "with the frozen one" in out
    assert "Content similarity uses the" in out and "on cpu" in out
