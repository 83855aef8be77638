"""Build the offline package and run its self-test (slow: run with `-m slow`)."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


def test_package_builds_and_passes_its_self_test():
    pytest.importorskip("PyInstaller")
    done = subprocess.run([sys.executable, str(ROOT / "build" / "package.py"), "--skip-archive"],
                          capture_output=True, text=True, timeout=3600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "Curator self-test passed" in done.stdout
