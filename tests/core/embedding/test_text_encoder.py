import numpy as np
import pytest

from curator.core.embedding.text_encoder import TextEncoder, default_model_path, read_model_info
from curator.core.errors import CuratorError

TEXTS = ["Storm at sea with a sinking ship.", "Portrait of an old man in a red hat.",
         "x", "Landscape with a river, a cart and distant hills. " * 40,
         "Ölgemälde einer Kathedrale im Nebel", ""]


@pytest.fixture(scope="module")
def encoder():
    return TextEncoder(device="cpu")


def test_vectors_match_sentence_transformers(encoder):
    st = pytest.importorskip("sentence_transformers")
    reference = st.SentenceTransformer(str(default_model_path()), device="cpu")
    expected = reference.encode(TEXTS, normalize_embeddings=True, convert_to_numpy=True)
    got = encoder.encode(TEXTS)
    cosine = (got * expected).sum(axis=1)
    assert cosine.min() >= 0.999
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)


def test_order_is_preserved_whatever_the_batching(encoder):
    encoder_small = TextEncoder(device="cpu")
    encoder_small.token_budget = 40  # forces many tiny batches
    a = encoder.encode(TEXTS)
    b = encoder_small.encode(TEXTS)
    assert np.allclose(a, b, atol=1e-5)


def test_run_ahead_chunks_and_tiny_batches_keep_every_vector_in_place(encoder):
    texts = [f"{t} {i}" for i, t in enumerate(TEXTS * 7)]
    expected = encoder.encode(texts)
    queued = TextEncoder(device="cpu")
    queued.ahead, queued.CHUNK, queued.token_budget = 3, 5, 60  # many chunks and batches
    seen = []
    for rows, vectors in queued.stream(texts):
        seen.extend(rows.tolist())
        assert np.allclose(vectors, expected[rows], atol=1e-5)
    assert sorted(seen) == list(range(len(texts)))


def test_progress_and_cancel(encoder):
    from curator.core.errors import Cancelled
    from curator.core.progress import CancelToken

    token = CancelToken()
    seen = []

    def progress(done, total, message):
        seen.append(done)
        token.cancel()

    encoder.token_budget, budget = 40, encoder.token_budget
    try:
        with pytest.raises(Cancelled):
            encoder.encode(TEXTS * 3, progress=progress, cancel=token)
    finally:
        encoder.token_budget = budget
    assert seen and seen[0] < len(TEXTS) * 3


def test_missing_model_folder_is_a_readable_error(tmp_path):
    with pytest.raises(CuratorError, match="is not a model folder"):
        read_model_info(tmp_path)


def test_corrupt_weights_are_a_readable_error(tmp_path):
    import shutil

    folder = tmp_path / "broken"
    shutil.copytree(default_model_path(), folder)
    (folder / "model.safetensors").write_bytes(b"not really weights")
    with pytest.raises(CuratorError, match="could not be loaded"):
        TextEncoder(folder, device="cpu")


def test_cuda_request_without_gpu_is_refused():
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    with pytest.raises(CuratorError, match="no.*GPU|none is available"):
        TextEncoder(device="cuda")


def test_half_precision_weights_run_in_float32_on_the_cpu(tiny_model, tmp_path):
    import shutil

    import torch
    from transformers import AutoModel

    folder = tmp_path / "fp16"
    shutil.copytree(tiny_model, folder)
    AutoModel.from_pretrained(tiny_model).half().save_pretrained(folder)
    encoder = TextEncoder(folder, device="cpu")
    assert next(encoder.model.parameters()).dtype == torch.float32
    assert encoder.encode(["a sea"]).dtype == np.float32
