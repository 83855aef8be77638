"""The real app on a real X server (Xvfb): it starts, shows its window, fits a 1366x768
screen, and every screen can be photographed, light and dark.

Needs Xvfb (Debian: ``apt-get install xvfb``) and Qt's X11 libraries (see the README);
skipped, with the reason, where either is missing. The screenshots are kept in the test's
temporary folder, or in $CURATOR_SMOKE_SHOTS when set.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREEN = (1366, 768)

pytestmark = pytest.mark.xvfb


@pytest.fixture
def x_display():
    """A fresh Xvfb on a free display number, stopped afterwards."""
    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb is not installed (apt-get install xvfb): no real X server to "
                    "run the smoke test on")
    read, write = os.pipe()
    server = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0",
                               f"{SCREEN[0]}x{SCREEN[1]}x24", "-nolisten", "tcp"],
                              pass_fds=(write,), stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    os.close(write)
    try:
        with os.fdopen(read) as pipe:
            number = pipe.readline().strip()
        if not number:
            pytest.fail("Xvfb started but did not report its display")
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(10)


def test_the_app_runs_on_a_real_x_server_and_every_screen_is_photographed(
        x_display, ui_db, tmp_path):
    from PySide6.QtGui import QImage

    from curator.ui.platform_check import display_problem

    env = {k: v for k, v in os.environ.items()
           if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY")}
    env.update(DISPLAY=x_display, CURATOR_HOME=str(tmp_path / "home"))
    problem = display_problem(env)
    if problem:
        pytest.skip(problem)
    database = tmp_path / "gallery.duckdb"
    shutil.copy(ui_db, database)
    shots = Path(os.environ.get("CURATOR_SMOKE_SHOTS") or tmp_path / "shots")
    done = subprocess.run([sys.executable, "main.py", str(database), "--screenshots",
                           str(shots)], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "window shown" in done.stdout and " on xcb " in done.stdout

    def lightness(name: str) -> float:
        image = QImage(str(shots / f"{name}.png"))
        assert not image.isNull(), name
        assert image.width() <= SCREEN[0] and image.height() <= SCREEN[1], name
        step = 7
        values = [image.pixelColor(x, y).lightness()
                  for x in range(0, image.width(), image.width() // step)
                  for y in range(0, image.height(), image.height() // step)]
        assert max(values) - min(values) > 40, f"{name} is blank"
        return sum(values) / len(values)

    for name in ("browse", "visitors", "tuning", "import", "manual"):
        lightness(name)
    assert lightness("browse-dark") < lightness("browse") - 40
    assert lightness("visitors-dark") < lightness("visitors") - 40
    browse = QImage(str(shots / "browse.png"))
    assert browse.width() >= 1200 and browse.height() >= 700  # the window nearly fills it
