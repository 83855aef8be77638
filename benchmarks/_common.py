"""Helpers shared by the benchmark scripts."""

from __future__ import annotations

import sys
import time
from pathlib import Path

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def need(path: Path) -> Path:
    if not path.exists():
        sys.exit(f"{path} is not present; the benchmark needs ../shared/data beside the checkout.")
    return path


def best_of(n: int, func) -> float:
    """The fastest of ``n`` runs of ``func()``, in seconds."""
    times = []
    for _ in range(n):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)
