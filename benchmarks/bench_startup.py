"""How long `python main.py` takes to show its window, against a bare Python start.

    python benchmarks/bench_startup.py [--repeat 5]

Runs the app on the demo database (created first if needed) with --quit-after 0 and reads
the time it reports from start to window shown; the peer is `python -c pass` in the same
run, so the figure can be read against this machine's own interpreter start. Target: the
window within 3 seconds, with torch and transformers not yet imported.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        env = dict(os.environ, CURATOR_HOME=home, QT_QPA_PLATFORM="offscreen")
        # First start builds the demo database; embedding runs in the background.
        subprocess.run([sys.executable, "-c",
                        "from curator.core.demo import open_demo; open_demo().embed()"],
                       env=env, check=True, cwd=ROOT)
        shown, total, bare = [], [], []
        for _ in range(args.repeat):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", "pass"], check=True)
            bare.append(time.perf_counter() - start)
            start = time.perf_counter()
            out = subprocess.run([sys.executable, "main.py", "--quit-after", "0"], env=env,
                                 cwd=ROOT, capture_output=True, text=True, check=True).stdout
            total.append(time.perf_counter() - start)
            shown.append(float(re.search(r"window shown ([\d.]+) s", out).group(1)))
            assert "torch was loaded" not in out, out
    print(f"python -c pass                 : {statistics.median(bare):.2f} s")
    print(f"window shown (after app import): {statistics.median(shown):.2f} s")
    print(f"whole run, start to exit       : {statistics.median(total):.2f} s  (target < 3 s)")


if __name__ == "__main__":
    main()
