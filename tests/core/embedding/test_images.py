"""Image thumbnails, the colour/texture descriptor, and the CLIP path with a tiny model."""

import numpy as np
import pytest
from PIL import Image

from curator.core.errors import CuratorError
from curator.core.images import thumbnail

from ...conftest import write


def _image(path, colour, stripes=False):
    img = Image.new("RGB", (96, 64), colour)
    if stripes:
        for x in range(0, 96, 8):
            for y in range(64):
                img.putpixel((x, y), (0, 0, 0))
    img.save(path)
    return path


@pytest.fixture
def pictured(catalog, tmp_path):
    folder = tmp_path / "images"
    folder.mkdir()
    _image(folder / "red1.png", (220, 20, 20))
    _image(folder / "red2.png", (200, 30, 25))
    _image(folder / "blue.png", (20, 30, 220))
    _image(folder / "blue_striped.png", (20, 30, 220), stripes=True)
    catalog.imports.catalog(write(tmp_path / "c.csv", "accession_number,title,image\n"
                                 "R1,Red one,red1.png\nR2,Red two,red2.png\nB1,Blue,blue.png\n"
                                 "B2,Blue stripes,blue_striped.png\nN1,No picture,\n"
                                 "M1,Missing file,gone.png\n"))
    catalog.embeddings.set_images_root(folder)
    return catalog


def test_thumbnail_is_cached(tmp_path):
    src = _image(tmp_path / "big.png", (10, 200, 10))
    first = thumbnail(src, size=32, cache=tmp_path / "cache")
    assert first.exists() and Image.open(first).size == (32, 21)
    assert thumbnail(src, size=32, cache=tmp_path / "cache") == first


def test_not_an_image_is_a_readable_error(tmp_path):
    bogus = tmp_path / "x.png"
    bogus.write_text("not a picture")
    with pytest.raises(CuratorError, match="not an image"):
        thumbnail(bogus, cache=tmp_path / "cache")


def test_colour_texture_similarity(pictured):
    result = pictured.embeddings.embed_images().detail
    assert (result.embedded, result.total) == (4, 5)  # the missing file is skipped
    assert [h.id for h in pictured.artworks.visually_similar("R1", k=1)] == ["R2"]
    assert [h.id for h in pictured.artworks.visually_similar("B1", k=1)] == ["B2"]
    assert pictured.embeddings.embed_images().detail.embedded == 0  # nothing stale the second time
    with pytest.raises(CuratorError, match="CLIP-style"):
        pictured.artworks.search_images("red")


@pytest.fixture(scope="session")
def tiny_clip(tmp_path_factory, tiny_model):
    from transformers import AutoTokenizer, CLIPConfig, CLIPImageProcessor, CLIPModel

    folder = tmp_path_factory.mktemp("tiny-clip")
    tokenizer = AutoTokenizer.from_pretrained(tiny_model, local_files_only=True)
    config = CLIPConfig(
        text_config={"vocab_size": tokenizer.vocab_size, "hidden_size": 32,
                     "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 2,
                     "max_position_embeddings": 64, "eos_token_id": tokenizer.sep_token_id},
        vision_config={"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2,
                       "num_attention_heads": 2, "image_size": 32, "patch_size": 8},
        projection_dim=16)
    CLIPModel(config).save_pretrained(folder)
    CLIPImageProcessor(size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32}
                       ).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def test_clip_path_embeds_images_and_matches_text(pictured, tiny_clip):
    pictured.embeddings.set_image_model_path(tiny_clip)
    result = pictured.embeddings.embed_images().detail
    assert result.embedded == 4 and result.space.dim == 16
    index = pictured.embeddings.image_index()
    assert np.allclose(np.linalg.norm(index.matrix, axis=1), 1.0, atol=1e-5)
    hits = pictured.artworks.search_images("a red painting", k=4)
    assert len(hits) == 4 and {h.id for h in hits} == {"R1", "R2", "B1", "B2"}
    assert pictured.artworks.visually_similar("R1", k=3)


def test_not_a_clip_folder(pictured, tmp_path):
    with pytest.raises(CuratorError, match="not a CLIP model folder"):
        pictured.embeddings.set_image_model_path(tmp_path)


def test_one_unreadable_image_is_skipped_counted_and_named(pictured, tmp_path, capsys):
    from curator.cli import main

    folder = pictured.embeddings.images_root()
    (folder / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)  # a cut-off PNG
    pictured.imports.catalog(write(tmp_path / "more.csv", "accession_number,title,image\n"
                                   "X1,Broken,broken.png\n"))
    result = pictured.embeddings.embed_images().detail
    assert result.embedded == 4
    assert [(a, name) for a, name, _ in result.unreadable] == [("X1", "broken.png")]
    assert "1 image(s) could not be read and were skipped: broken.png (X1)" in result.summary()
    assert [h.id for h in pictured.artworks.visually_similar("R1", k=1)] == ["R2"]
    db = pictured.path
    pictured.close()
    assert main(["--db", db, "embed", "--images"]) == 0
    assert "skipped broken.png (artwork X1)" in capsys.readouterr().err
