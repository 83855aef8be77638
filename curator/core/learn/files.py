"""Where learned models live: a folder beside the database, written without pickle.

Tensors go to ``.safetensors`` files, everything else to JSON. A file is written under a
temporary name and renamed into place, so an interrupted write never leaves half a model.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np


def learned_dir(db_path: str | Path, *, create: bool = True) -> Path:
    """``<database stem>.learned`` beside the database file (created when ``create``; a
    reader passes ``False``, so a read-only catalog never writes)."""
    db_path = Path(db_path)
    folder = db_path.parent / f"{db_path.stem}.learned"
    if create:
        folder.mkdir(parents=True, exist_ok=True)
    return folder


def saved_dir(db_path: str | Path, *, create: bool) -> Path:
    """``<stem>.learned/fitted``: what is built from the data (a fitted recommender, the
    keyword index) and saved so the next session loads it (created only when ``create``)."""
    folder = learned_dir(db_path, create=create) / "fitted"
    if create:
        folder.mkdir(parents=True, exist_ok=True)
    return folder


def save_arrays(path: Path, arrays: dict[str, np.ndarray]) -> None:
    from safetensors.numpy import save_file

    tmp = path.with_name(path.name + ".part")
    save_file({k: np.ascontiguousarray(v) for k, v in arrays.items()}, str(tmp))
    os.replace(tmp, path)


def load_arrays(path: Path) -> dict[str, np.ndarray]:
    from safetensors.numpy import load_file

    return load_file(str(path))


def save_json(path: Path, value: dict) -> None:
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(json.dumps(value, indent=1), encoding="utf-8")
    os.replace(tmp, path)


def load_json(path: Path) -> dict | None:
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None


def remove(*paths: Path) -> None:
    for p in paths:
        p.unlink(missing_ok=True)


def optimizer_arrays(opt) -> dict[str, np.ndarray]:
    """A torch optimiser's per-parameter state as named arrays (for a checkpoint)."""
    out = {}
    for i, state in opt.state_dict()["state"].items():
        for name, value in state.items():
            arr = value.detach().cpu().numpy() if hasattr(value, "detach") else np.asarray(value)
            out[f"{i}.{name}"] = np.asarray(arr, dtype=np.float32 if name == "step" else arr.dtype)
    return out


def load_optimizer(opt, arrays: dict[str, np.ndarray], device: str) -> None:
    """Put :func:`optimizer_arrays` back into ``opt``."""
    import torch

    sd = opt.state_dict()
    state: dict[int, dict] = {}
    for key, arr in arrays.items():
        i, name = key.split(".", 1)
        state.setdefault(int(i), {})[name] = torch.tensor(arr) if name == "step" else \
            torch.from_numpy(arr.copy()).to(device)
    sd["state"] = state
    opt.load_state_dict(sd)
