"""Before Qt starts: is there a display, and are the X11 plugin's system libraries there?

Qt's own message for a missing library names only the first one and then aborts; this
check names every missing library and the Debian/Ubuntu packages that provide them. It
imports no Qt module (a failing plugin load cannot be caught once Qt tries it).
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

# Shared libraries the xcb plugin loads, and the Debian package of each.
XCB_PACKAGES = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-xinerama.so.0": "libxcb-xinerama0",
    "libxcb-xinput.so.0": "libxcb-xinput0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb.so.1": "libxcb1",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libX11.so.6": "libx11-6",
    "libSM.so.6": "libsm6",
    "libICE.so.6": "libice6",
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libOpenGL.so.0": "libopengl0",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libdbus-1.so.3": "libdbus-1-3",
    "libglib-2.0.so.0": "libglib2.0-0",
}


def xcb_plugin() -> Path | None:
    """PySide6's X11 platform plugin, found without importing Qt."""
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return None
    plugin = Path(list(spec.submodule_search_locations)[0]) / "Qt" / "plugins" / \
        "platforms" / "libqxcb.so"
    return plugin if plugin.is_file() else None


def missing_libraries(plugin: Path) -> list[str]:
    """The shared libraries ``plugin`` needs that the system cannot find (via ``ldd``)."""
    if shutil.which("ldd") is None:
        return _missing_by_name()
    done = subprocess.run(["ldd", str(plugin)], capture_output=True, text=True, timeout=30)
    found = re.findall(r"^\s*(\S+)\s+=>\s+not found", done.stdout, flags=re.M)
    return sorted(set(found))


def _missing_by_name() -> list[str]:
    import ctypes

    missing = []
    for soname in XCB_PACKAGES:
        try:
            ctypes.CDLL(soname)
        except OSError:
            missing.append(soname)
    return missing


def packages_for(libraries: list[str]) -> list[str]:
    """Debian packages that provide ``libraries`` (a library we do not know: as is)."""
    return sorted({XCB_PACKAGES.get(lib, lib) for lib in libraries})


def display_problem(environ=None, platform: str | None = None) -> str | None:
    """A sentence saying why the window cannot be shown, or ``None`` when it can."""
    environ = os.environ if environ is None else environ
    platform = platform or sys.platform
    if not platform.startswith("linux"):
        return None
    chosen = environ.get("QT_QPA_PLATFORM", "")
    if chosen and not chosen.startswith("xcb"):
        return None  # offscreen, wayland, vnc...: chosen on purpose
    if not chosen and not environ.get("DISPLAY") and not environ.get("WAYLAND_DISPLAY"):
        return ("Curator needs a graphical display, and none was found (DISPLAY and "
                "WAYLAND_DISPLAY are not set). Start it from a desktop session, or over SSH "
                "with `ssh -X`. To run without a screen on purpose, set "
                "QT_QPA_PLATFORM=offscreen.")
    if chosen.startswith("xcb") or (not environ.get("WAYLAND_DISPLAY")):
        plugin = xcb_plugin()
        if plugin is None:
            return None
        missing = missing_libraries(plugin)
        if missing:
            packages = packages_for(missing)
            return ("Qt's X11 plugin cannot start: these system libraries are missing: "
                    + ", ".join(missing) + ".\nInstall them with:\n    sudo apt-get install "
                    + " ".join(packages))
    return None
