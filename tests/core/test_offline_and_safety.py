"""Offline by construction, parameterised SQL, and model failures that keep the app usable."""

import socket
from pathlib import Path

import numpy as np
import pytest

from curator.core.embedding.search import Filters
from curator.core.errors import CuratorError

from ..conftest import write

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def no_network(monkeypatch):
    attempts = []

    def refuse(self, *args, **kwargs):
        attempts.append(args)
        raise OSError("network access is blocked in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection",
                        lambda *a, **k: refuse(None, *a))
    return attempts


def test_import_embed_search_recommend_with_sockets_blocked(catalog, small_catalog_file,
                                                             tmp_path, no_network):
    catalog.imports.catalog(small_catalog_file)
    catalog.imports.events(write(tmp_path / "h.csv", "user_id,artwork_id,kind,value,timestamp\n"
                                "u1,A1,view,,1700000000\nu2,A2,view,,1700000000\n"))
    assert catalog.embeddings.embed(device="cpu").detail.embedded == 4
    assert catalog.artworks.search("sea", k=2)
    assert catalog.artworks.similar("A1", k=2)
    assert catalog.recommendations.recommend("u1", k=2)
    assert no_network == []


def test_no_pickle_or_remote_code_in_the_product():
    for path in (ROOT / "curator").rglob("*.py"):
        text = path.read_text()
        assert "import pickle" not in text and "pickle.load" not in text, path
        assert "trust_remote_code=True" not in text, path
        assert "torch.load(" not in text, path


HOSTILE = ["'; DROP TABLE artworks; --", "\" OR 1=1 --", "%", "_", "\\", "a' UNION SELECT 1"]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_strings_in_filters_and_ids(loaded, text):
    before = loaded.counts()
    loaded.artworks.find_ids(Filters(text=text, artist=text, medium=text, tag=text))
    assert loaded.artworks.find_ids(Filters(text=text)) == []
    with pytest.raises(CuratorError):
        loaded.recommendations.recommend(text)
    assert loaded.visitors.ids(search=text) == []
    assert loaded.counts() == before


def test_image_paths_cannot_escape_the_images_folder(tmp_path):
    from curator.core.images import resolve_image

    root = tmp_path / "images"
    root.mkdir()
    (root / "a.jpg").write_bytes(b"x")
    (tmp_path / "secret.jpg").write_bytes(b"x")
    assert resolve_image(root, "a.jpg") == (root / "a.jpg").resolve()
    with pytest.raises(CuratorError, match="outside"):
        resolve_image(root, "../secret.jpg")
    with pytest.raises(CuratorError, match="outside"):
        resolve_image(root, str(tmp_path / "secret.jpg"))


def test_missing_model_keeps_browsing_and_recommending(loaded, tmp_path):
    loaded.imports.events(write(tmp_path / "h.csv", "user_id,artwork_id,kind,value,timestamp\n"
                               "u1,A1,view,,1700000000\nu2,A1,view,,1700000000\n"
                               "u2,A2,view,,1700000000\n"))
    broken = tmp_path / "broken-model"
    broken.mkdir()
    (broken / "config.json").write_text('{"hidden_size": 8}')
    loaded.embeddings.set_model_path(broken)
    with pytest.raises(CuratorError, match="could not be loaded.*browsing and keyword search"):
        loaded.embeddings.embed(device="cpu")
    assert loaded.artworks.find_ids(Filters(text="storm")) == ["A1"]
    recs = loaded.recommendations.recommend("u1", k=2)  # content has no vectors; the other signals work
    assert recs and recs[0].item_id == "A2"


def test_gpu_out_of_memory_shrinks_the_batch(monkeypatch):
    import torch

    from curator.core.embedding.text_encoder import TextEncoder

    encoder = TextEncoder(device="cpu")
    expected = encoder.encode(["one", "two", "three", "four"])
    real = encoder.model.forward
    sizes = []

    def forward(*args, **kwargs):
        n = kwargs["input_ids"].shape[0]
        sizes.append(n)
        if n > 1:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory (simulated)")
        return real(*args, **kwargs)

    monkeypatch.setattr(encoder.model, "forward", forward)
    encoder.token_budget, encoder.ahead = 64, 2  # batches queued ahead, as on a GPU
    got = encoder.encode(["one", "two", "three", "four"])
    assert sizes[0] > 1 and sizes[-1] == 1
    assert np.allclose(got, expected, atol=1e-5)


def test_gpu_out_of_memory_for_a_single_text_is_a_readable_error(monkeypatch):
    import torch

    from curator.core.embedding.text_encoder import TextEncoder

    encoder = TextEncoder(device="cpu")

    def forward(*args, **kwargs):
        raise torch.cuda.OutOfMemoryError("CUDA out of memory (simulated)")

    monkeypatch.setattr(encoder.model, "forward", forward)
    with pytest.raises(CuratorError, match="out of memory even for one text"):
        encoder.encode(["one", "two", "three"])
