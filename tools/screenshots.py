"""Write a PNG of each main screen, offscreen, on the demo database.

    python tools/screenshots.py [--out docs]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    args = parser.parse_args()
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from curator.core.demo import open_demo
    from curator.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    catalog = open_demo()
    catalog.embeddings.embed()
    settings = QSettings(str(args.out / ".screenshot-settings.ini"), QSettings.IniFormat)
    window = MainWindow(catalog, embed_on_start=False, settings=settings)
    window.resize(1400, 860)
    window.show()

    def settle(seconds: float = 0.5) -> None:
        end = time.time() + seconds
        while time.time() < end:
            app.processEvents()
            time.sleep(0.02)
        window.jobs.wait()
        app.processEvents()

    args.out.mkdir(parents=True, exist_ok=True)
    window.tabs.setCurrentIndex(0)
    window.browse.search.setText("storm at sea")
    window.browse.mode.setCurrentText("Semantic")
    settle(1.0)
    window.browse.grid.setCurrentIndex(window.browse.model.index(0, 6))
    settle()
    window.grab().save(str(args.out / "browse.png"))
    window.tabs.setCurrentIndex(1)
    window.users.select_user(catalog.visitors.ids()[0])
    settle(1.0)
    window.grab().save(str(args.out / "visitors.png"))
    window.tabs.setCurrentIndex(2)
    settle(2.0)
    settle(1.0)
    window.grab().save(str(args.out / "tuning.png"))
    wizard = window.import_file("catalog")
    wizard.choose.file.setText(str(ROOT / "resources" / "demo" / "artworks.jsonl.gz"))
    wizard.next()
    settle()
    wizard.grab().save(str(args.out / "import.png"))
    wizard.close()
    window.close()
    (args.out / ".screenshot-settings.ini").unlink(missing_ok=True)
    print(f"wrote {', '.join(p.name for p in sorted(args.out.glob('*.png')))} to {args.out}")


if __name__ == "__main__":
    main()
