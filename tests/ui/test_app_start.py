"""`python main.py` (the README's run command) opens the demo and shows its counts."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_main_opens_the_demo(tmp_path):
    env = dict(os.environ, CURATOR_HOME=str(tmp_path), QT_QPA_PLATFORM="offscreen")
    done = subprocess.run([sys.executable, "main.py", "--quit-after", "0"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "2,000 artworks, 300 users, 9,881 events" in done.stdout
    assert "window shown" in done.stdout
    assert (tmp_path / "demo.duckdb").exists()
