"""Artwork images: safe paths under the folder the user chose, and cached thumbnails."""

from __future__ import annotations

import hashlib
from pathlib import Path

from ..paths import data_dir
from .errors import CuratorError

THUMB_SIZE = 256


def resolve_image(root: str | Path | None, image_path: str | None) -> Path | None:
    """The image file for an artwork, or ``None``; never a path outside ``root``."""
    if not root or not image_path:
        return None
    base = Path(root).resolve()
    candidate = (base / image_path).resolve()
    if base != candidate and base not in candidate.parents:
        raise CuratorError(f"The image path {image_path!r} points outside {base}; it was ignored.")
    return candidate if candidate.is_file() else None


def thumbnail(path: Path, size: int = THUMB_SIZE, cache: Path | None = None) -> Path:
    """A PNG thumbnail of ``path`` (made once, then read from the cache folder)."""
    from PIL import Image, ImageOps

    cache = cache or (data_dir() / "thumbnails")
    stat = path.stat()
    key = hashlib.sha1(f"{path}|{stat.st_mtime_ns}|{stat.st_size}|{size}".encode()).hexdigest()
    target = cache / key[:2] / f"{key}.png"
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with Image.open(path) as img:
            img = ImageOps.exif_transpose(img)
            img.thumbnail((size, size))
            img.convert("RGB").save(target, "PNG")
    except (OSError, Image.DecompressionBombError) as exc:
        raise CuratorError(f"{path.name} is not an image Curator can read ({exc}).") from exc
    return target
