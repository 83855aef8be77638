"""Write a PNG of each main screen, light and dark, from the real app on the demo database.

    python tools/screenshots.py [--out docs] [--offscreen]

The demo is prepared (imported and embedded) in a private data folder, then the real app
(``main.py --screenshots``) opens it on an X server: the current display, or a private
Xvfb sized like a 1366x768 laptop screen when there is none. ``--offscreen`` renders the
widgets without an X server instead (pictures of the widgets, not of a screen).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SCREEN = "1366x768x24"


def prepare_demo(home: Path) -> Path:
    os.environ["CURATOR_HOME"] = str(home)
    from curator.core.demo import open_demo

    catalog = open_demo()
    catalog.embeddings.embed()
    path = Path(catalog.path)
    catalog.close()
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    parser.add_argument("--offscreen", action="store_true",
                        help="render offscreen instead of on an X server")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="curator-screenshots-") as tmp:
        database = prepare_demo(Path(tmp))
        env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM",)}
        env["CURATOR_HOME"] = tmp
        command = [sys.executable, str(ROOT / "main.py"), str(database), "--screenshots",
                   str(args.out.resolve())]
        if args.offscreen:
            env["QT_QPA_PLATFORM"] = "offscreen"
        elif not env.get("DISPLAY"):
            if shutil.which("xvfb-run") is None:
                print("No display and no xvfb-run (apt-get install xvfb); use --offscreen.",
                      file=sys.stderr)
                return 1
            command = ["xvfb-run", "-a", "-s", f"-screen 0 {SCREEN}", *command]
        done = subprocess.run(command, cwd=ROOT, env=env)
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
