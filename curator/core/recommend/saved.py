"""The fitted recommender saved beside the database, so no list waits for a fit.

What is slow to fit is saved in ``<database stem>.learned/fitted/``, without pickle: a
signal's fitted arrays (item CF's item-item model) as ``<signal>.safetensors`` whose header
carries the fingerprint of what it was fitted on, and the signals' calibrated scales in
``calibration.json``, keyed the same way. A fingerprint hashes the data itself (visitors,
artworks, the histories the signal learns from, the vectors and event weights for the
calibration) and the settings, so a file fitted on other data is never used: after an
import the fingerprint differs, the next recommender is fitted and the file replaced. A
damaged or unreadable file counts as missing. A read-only catalog reads, never writes.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from pathlib import Path

import numpy as np

from .explain import ItemInfo
from .hybrid import HybridRecommender
from .signals import FitData, Signal

FORMAT = 1
CALIBRATIONS_KEPT = 8  # one per weight configuration in use, as the in-memory cache


def fitted_dir(db_path: str | Path, *, create: bool) -> Path:
    """``<stem>.learned/fitted`` beside the database (created only when ``create``)."""
    from ..learn.files import saved_dir

    return saved_dir(db_path, create=create)


def digest(*parts) -> str:
    """A fingerprint of arrays (dtype, shape and bytes) and JSON-able values."""
    h = hashlib.blake2b(digest_size=16)
    for part in parts:
        if isinstance(part, np.ndarray):
            part = np.ascontiguousarray(part)
            h.update(f"{part.dtype.str}{part.shape}".encode())
            h.update(memoryview(part).cast("B"))
        else:
            h.update(json.dumps(part, sort_keys=True, default=str).encode())
        h.update(b"\x00")
    return h.hexdigest()


def _ids(values: np.ndarray) -> str:
    return digest("\x1f".join(map(str, values)))


def fit_or_load(signals: list[Signal], data: FitData, info: ItemInfo, folder: Path | None,
                *, write: bool) -> HybridRecommender:
    """The hybrid recommender over ``data``, taking from ``folder`` what was saved for
    exactly this data and these settings, fitting the rest (and saving it when ``write``).

    Any thread may call this; concurrent writers each replace a file whole.
    """
    if folder is None:
        return HybridRecommender.fit(signals, data, info)
    inter = data.interactions
    base = [FORMAT, inter.n_users, inter.n_items, _ids(inter.item_ids), _ids(inter.user_ids)]
    keys: dict[str, str | None] = {}
    for signal in signals:
        settings = signal.settings()
        learns = getattr(signal, "learns_from", None)
        if settings is None or learns is None:
            signal.fit(data)
            keys[signal.name] = None if settings is None else digest(type(signal).__name__,
                                                                     settings)
            continue
        key = digest(*base, type(signal).__name__, settings, *learns(data))
        keys[signal.name] = key
        path = folder / f"{signal.name}.safetensors"
        arrays = read_state(path, key)
        if arrays is not None and signal.restore(data, arrays):
            continue
        signal.fit(data)
        state = signal.state()
        if write and state is not None:
            write_state(path, key, state)
    if any(k is None for k in keys.values()):  # a signal whose state cannot be identified
        return HybridRecommender(signals, data, info)
    w = data.weighted
    key = digest(*base, sorted(keys.items()), w.indptr, w.indices,
                 np.round(w.data.astype(np.float64), 5),
                 "no vectors" if data.vectors is None else data.vectors)
    path = folder / "calibration.json"
    saved = read_json(path)
    entry = (saved.get("entries") or {}).get(key) if saved else None
    if _valid_calibration(entry, keys):
        return HybridRecommender(signals, data, info, scales=entry["scales"],
                                 transfer=entry["transfer"])
    recommender = HybridRecommender(signals, data, info)
    if write:
        entries = dict((saved or {}).get("entries") or {})
        entries.pop(key, None)
        entries[key] = {"scales": recommender.scales, "transfer": recommender.transfer}
        entries = dict(list(entries.items())[-CALIBRATIONS_KEPT:])
        write_json(path, {"format": FORMAT, "entries": entries})
    return recommender


def _valid_calibration(entry, keys: dict) -> bool:
    if not isinstance(entry, dict):
        return False
    scales, transfer = entry.get("scales"), entry.get("transfer")
    return (isinstance(scales, dict) and set(scales) == set(keys)
            and all(isinstance(v, int | float) and np.isfinite(v) for v in scales.values())
            and isinstance(transfer, int | float) and 0.0 <= transfer <= 1.0)


# -- files ----------------------------------------------------------------------------------
def _temporary(path: Path) -> Path:
    return path.with_name(f"{path.name}.{os.getpid()}-{threading.get_ident()}.part")


def read_state(path: Path, key: str) -> dict[str, np.ndarray] | None:
    """The arrays saved at ``path`` when its header names ``key``; None when missing,
    fitted on other data, or damaged."""
    if not path.is_file():
        return None
    try:
        from safetensors import safe_open

        with safe_open(str(path), framework="numpy") as f:
            meta = f.metadata() or {}
            if meta.get("format") != str(FORMAT) or meta.get("key") != key:
                return None
            return {name: f.get_tensor(name) for name in f.keys()}
    except Exception:  # any damage (truncated, not safetensors): fitted again instead
        return None


def write_state(path: Path, key: str, arrays: dict[str, np.ndarray]) -> None:
    """Save ``arrays`` under ``key``, replacing the file whole; a failure leaves no file
    behind (the fit is simply not saved)."""
    from safetensors.numpy import save_file

    tmp = _temporary(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        save_file({k: np.ascontiguousarray(v) for k, v in arrays.items()}, str(tmp),
                  metadata={"format": str(FORMAT), "key": key})
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)


def read_json(path: Path) -> dict | None:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) and value.get("format") == FORMAT else None


def write_json(path: Path, value: dict) -> None:
    tmp = _temporary(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps(value), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)
