"""Build the offline package: a self-contained folder and an archive of it.

    python build/package.py [--skip-archive]

Writes build/dist/curator/ (run build/dist/curator/curator) and
build/dist/curator-<version>-<platform>.tar.gz (.zip on Windows), then runs the packaged
binary's --self-test and prints the folder size, archive size and start time.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DIST = ROOT / "build" / "dist"
WORK = ROOT / "build" / "work"


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-archive", action="store_true")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from curator import __version__

    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level",
                    "WARN", "--distpath", str(DIST), "--workpath", str(WORK),
                    str(ROOT / "build" / "curator.spec")], check=True)
    built = time.perf_counter() - start
    app_dir = DIST / "curator"
    exe = app_dir / ("curator.exe" if os.name == "nt" else "curator")
    print(f"built {app_dir} in {built:.0f} s: {folder_size(app_dir) / 1e6:,.0f} MB")

    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", CURATOR_HOME=str(WORK / "home"))
    shutil.rmtree(WORK / "home", ignore_errors=True)
    test = subprocess.run([str(exe), "--self-test"], env=env, capture_output=True, text=True,
                          timeout=600)
    print(test.stdout.strip() or test.stderr.strip()[-2000:])
    if test.returncode != 0:
        return test.returncode
    # First start: creates the data folder and the demo, embeds it in the background.
    start = time.perf_counter()
    first = subprocess.run([str(exe), "--quit-after", "60"], env=env, capture_output=True,
                           text=True, timeout=300)
    print(f"first start (demo built, embedded in the background, window kept 60 s): "
          f"{first.stdout.strip()}")
    start = time.perf_counter()
    shown = subprocess.run([str(exe), "--quit-after", "0"], env=env, capture_output=True,
                           text=True, timeout=300)
    print(f"next start to window and quit: {time.perf_counter() - start:.1f} s "
          f"({shown.stdout.strip()})")
    if not args.skip_archive:
        system = {"Linux": "linux", "Darwin": "macos", "Windows": "windows"}.get(
            platform.system(), platform.system().lower())
        base = DIST / f"curator-{__version__}-{system}-{platform.machine().lower()}"
        fmt = "zip" if os.name == "nt" else "gztar"
        archive = shutil.make_archive(str(base), fmt, root_dir=DIST, base_dir="curator")
        print(f"archive {archive}: {Path(archive).stat().st_size / 1e6:,.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
