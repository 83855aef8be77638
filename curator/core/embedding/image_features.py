"""Image features for "visually similar": a colour/texture descriptor, or a CLIP model.

The default descriptor needs only Pillow and NumPy: a hue/saturation/value histogram
(what colours, how much) and gradient-orientation histograms over a 2x2 grid (which way
the strokes and edges run, and where), square-rooted and L2-normalised so a dot product
is a similarity. A CLIP-style model loaded from a local folder gives vectors that text
can be matched against too, so words can search pictures.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..errors import CuratorError

DESCRIPTOR_ID = "colour-texture-v1"
DESCRIPTOR_DIM = 8 * 4 * 4 + 2 * 2 * 8  # 160


def colour_texture(path: Path, size: int = 128) -> np.ndarray:
    """The default descriptor of one image file (unit length, float32)."""
    from PIL import Image, ImageOps

    try:
        with Image.open(path) as img:
            img = ImageOps.exif_transpose(img).convert("RGB")
            img.thumbnail((size, size))
            hsv = np.asarray(img.convert("HSV"), dtype=np.float32) / 256.0
            grey = np.asarray(img.convert("L"), dtype=np.float32) / 255.0
    except (OSError, Image.DecompressionBombError) as exc:
        raise CuratorError(f"{path.name} is not an image Curator can read ({exc}).") from exc
    h, s, v = (np.minimum((hsv[..., i] * n).astype(int), n - 1)
               for i, n in enumerate((8, 4, 4)))
    colour = np.bincount((h * 16 + s * 4 + v).ravel(), minlength=128).astype(np.float32)
    colour /= max(colour.sum(), 1.0)
    gy, gx = np.gradient(grey)
    magnitude = np.hypot(gx, gy)
    angle = (np.arctan2(gy, gx) % np.pi) / np.pi  # 0..1, direction without sign
    bins = np.minimum((angle * 8).astype(int), 7)
    rows, cols = grey.shape
    texture = []
    for r in range(2):
        for c in range(2):
            cell = (slice(r * rows // 2, (r + 1) * rows // 2),
                    slice(c * cols // 2, (c + 1) * cols // 2))
            hist = np.bincount(bins[cell].ravel(), weights=magnitude[cell].ravel(), minlength=8)
            texture.append(hist / max(magnitude.sum(), 1e-9))
    vector = np.sqrt(np.concatenate([colour, np.concatenate(texture).astype(np.float32)]))
    return (vector / max(np.linalg.norm(vector), 1e-12)).astype(np.float32)


class ColourTextureEncoder:
    model_id = DESCRIPTOR_ID
    dim = DESCRIPTOR_DIM
    device = "cpu"
    can_match_text = False

    def encode_images(self, paths: list[Path]) -> np.ndarray:
        return np.stack([colour_texture(p) for p in paths]) if paths else \
            np.zeros((0, self.dim), dtype=np.float32)


def is_clip_folder(path: Path) -> bool:
    config = Path(path) / "config.json"
    if not config.is_file():
        return False
    try:
        return json.loads(config.read_text()).get("model_type") == "clip"
    except (OSError, json.JSONDecodeError):
        return False


class ClipEncoder:
    """A CLIP-style model from a local folder: images and texts in one space."""

    can_match_text = True

    def __init__(self, path: str | Path, device: str = "auto"):
        from transformers import AutoImageProcessor, AutoTokenizer, CLIPModel
        from transformers.utils import logging as hf_logging

        from .text_encoder import pick_device

        hf_logging.disable_progress_bar()
        self.path = Path(path)
        if not is_clip_folder(self.path):
            raise CuratorError(f"{self.path} is not a CLIP model folder.")
        self.device = pick_device(device)
        try:
            self.model = CLIPModel.from_pretrained(self.path, local_files_only=True,
                                                   trust_remote_code=False).to(self.device).eval()
            self.processor = AutoImageProcessor.from_pretrained(self.path, local_files_only=True)
            self.tokenizer = AutoTokenizer.from_pretrained(self.path, local_files_only=True)
        except Exception as exc:  # a damaged folder: say so, keep the app usable
            raise CuratorError(f"The image model in {self.path} could not be loaded "
                               f"({str(exc).splitlines()[0]}).") from exc
        self.dim = int(self.model.config.projection_dim)
        self.model_id = f"clip:{self.path.name}:{self.dim}"

    def encode_images(self, paths: list[Path], batch: int = 32) -> np.ndarray:
        import torch
        from PIL import Image

        out = []
        with torch.inference_mode():
            for start in range(0, len(paths), batch):
                images = []
                for p in paths[start:start + batch]:
                    with Image.open(p) as img:
                        images.append(img.convert("RGB"))
                pixels = self.processor(images=images, return_tensors="pt")["pixel_values"]
                feats = self.model.get_image_features(pixel_values=pixels.to(self.device))
                feats = getattr(feats, "pooler_output", feats)
                out.append(torch.nn.functional.normalize(feats.float(), dim=-1).cpu().numpy())
        return np.concatenate(out) if out else np.zeros((0, self.dim), dtype=np.float32)

    def encode_texts(self, texts: list[str]) -> np.ndarray:
        import torch

        with torch.inference_mode():
            tokens = self.tokenizer(texts, padding=True, truncation=True, return_tensors="pt",
                                    max_length=self.model.config.text_config.max_position_embeddings)
            tokens = {k: v.to(self.device) for k, v in tokens.items()
                      if k in ("input_ids", "attention_mask")}
            feats = self.model.get_text_features(**tokens)
            feats = getattr(feats, "pooler_output", feats)
            return torch.nn.functional.normalize(feats.float(), dim=-1).cpu().numpy()
