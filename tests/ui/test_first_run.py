"""First run on a bare machine: no display, or Qt's X11 libraries missing, is said plainly."""

import os
import subprocess
import sys
from pathlib import Path

from curator.ui import platform_check
from curator.ui.platform_check import XCB_PACKAGES, display_problem, packages_for

ROOT = Path(__file__).resolve().parents[2]


def test_no_display_means_a_clear_message_and_a_failing_exit(tmp_path):
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["CURATOR_HOME"] = str(tmp_path)
    done = subprocess.run([sys.executable, "main.py", "--quit-after", "0"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "needs a graphical display" in done.stderr
    assert "window shown" not in done.stdout
    assert not (tmp_path / "demo.duckdb").exists()  # stopped before doing anything


def test_a_chosen_platform_is_respected():
    assert display_problem({"QT_QPA_PLATFORM": "offscreen"}, "linux") is None
    assert display_problem({}, "win32") is None
    assert "DISPLAY" in display_problem({}, "linux")


def test_every_missing_library_is_named_with_its_package(monkeypatch, tmp_path):
    plugin = tmp_path / "libqxcb.so"
    plugin.write_bytes(b"")
    monkeypatch.setattr(platform_check, "xcb_plugin", lambda: plugin)
    monkeypatch.setattr(platform_check, "missing_libraries", lambda p: [
        "libxcb-cursor.so.0", "libxcb-icccm.so.4", "libxcb-keysyms.so.1",
        "libxkbcommon-x11.so.0"])
    message = display_problem({"DISPLAY": ":0"}, "linux")
    assert message.endswith("sudo apt-get install libxcb-cursor0 libxcb-icccm4 "
                            "libxcb-keysyms1 libxkbcommon-x11-0")


def test_what_ldd_finds_missing_here_maps_to_packages():
    plugin = platform_check.xcb_plugin()
    assert plugin is not None, "PySide6 ships the xcb plugin"
    missing = platform_check.missing_libraries(plugin)
    assert all(lib in XCB_PACKAGES for lib in missing), missing
    assert len(packages_for(missing)) == len(missing)


def test_readme_lists_the_packages_the_check_names():
    readme = (ROOT / "README.md").read_text()
    for package in ("libxcb-cursor0", "libxcb-icccm4", "libxcb-keysyms1",
                    "libxkbcommon-x11-0"):
        assert package in readme
