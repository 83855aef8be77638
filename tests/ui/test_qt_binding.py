"""The Qt binding must survive a long session: a curator repaints rows all day."""

import os
import subprocess
import sys


def test_many_calls_of_qt_methods_that_return_nothing_do_not_abort_the_app():
    # PySide6 6.12 lost one reference to None per such call; Python aborts once None's
    # count runs out ("deallocating None"), a few thousand calls into a session.
    code = ("from PySide6.QtWidgets import QApplication, QLabel\n"
            "app = QApplication([])\n"
            "label = QLabel('x')\n"
            "for _ in range(100_000):\n"
            "    label.repaint()\n"
            "    label.setText('y')\n"
            "print('survived')\n")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0 and "survived" in done.stdout, done.stderr[-500:]
