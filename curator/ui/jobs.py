"""Background work for the window: workers never touch widgets.

:class:`JobRunner` runs a function on a worker thread and delivers its result, error or
progress to the main thread through Qt signals. Jobs submitted under the same ``key``
supersede each other: the previous one is told to cancel and its result is dropped, so
the latest request always wins (the tuning sliders rely on this).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from ..core.errors import Cancelled, CuratorError
from ..core.progress import CancelToken


class _Signals(QObject):
    done = Signal(int, object)
    failed = Signal(int, str)
    progress = Signal(int, int, int, str)


class _Job(QRunnable):
    def __init__(self, number: int, fn: Callable, cancel: CancelToken, signals: _Signals):
        super().__init__()
        self.number, self.fn, self.cancel, self.signals = number, fn, cancel, signals
        self.setAutoDelete(True)

    def run(self) -> None:
        def progress(done: int, total: int, message: str) -> None:
            self.signals.progress.emit(self.number, done, total, message)

        try:
            result = self.fn(progress, self.cancel)
        except Cancelled as exc:
            self.signals.failed.emit(self.number, str(exc))
        except CuratorError as exc:
            self.signals.failed.emit(self.number, str(exc))
        except Exception as exc:  # shown as a sentence, never as a traceback
            self.signals.failed.emit(self.number, f"Something went wrong: {exc}")
        else:
            self.signals.done.emit(self.number, result)


class JobRunner(QObject):
    """Runs jobs on its own thread pool. Create and call from the main thread."""

    def __init__(self, parent: QObject | None = None, threads: int = 2):
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(threads)
        self._numbers = itertools.count(1)
        self._handlers: dict[int, tuple[Callable | None, Callable | None, Callable | None]] = {}
        self._latest: dict[str, tuple[int, CancelToken]] = {}
        self._running: dict[int, CancelToken] = {}
        self._signals = _Signals()
        self._signals.done.connect(self._on_done)
        self._signals.failed.connect(self._on_failed)
        self._signals.progress.connect(self._on_progress)

    def submit(self, fn: Callable[[Callable, CancelToken], Any], *,
               on_done: Callable[[Any], None] | None = None,
               on_error: Callable[[str], None] | None = None,
               on_progress: Callable[[int, int, str], None] | None = None,
               key: str | None = None) -> CancelToken:
        """Run ``fn(progress, cancel)`` in the background; returns its cancel token."""
        number = next(self._numbers)
        cancel = CancelToken()
        if key is not None:
            previous = self._latest.get(key)
            if previous is not None:
                previous[1].cancel()
                self._handlers.pop(previous[0], None)
            self._latest[key] = (number, cancel)
        self._handlers[number] = (on_done, on_error, on_progress)
        self._running[number] = cancel
        self.pool.start(_Job(number, fn, cancel, self._signals))
        return cancel

    def busy(self) -> bool:
        return self.pool.activeThreadCount() > 0

    def wait(self, msecs: int = 30_000) -> bool:
        """Block until every job has finished (used on close and by tests)."""
        return self.pool.waitForDone(msecs)

    def cancel_all(self) -> None:
        """Ask every job still running to stop (each stops at its next check)."""
        for token in list(self._running.values()):
            token.cancel()

    def _on_done(self, number: int, result: object) -> None:
        self._running.pop(number, None)
        handlers = self._handlers.pop(number, None)
        if handlers and handlers[0]:
            handlers[0](result)

    def _on_failed(self, number: int, message: str) -> None:
        self._running.pop(number, None)
        handlers = self._handlers.pop(number, None)
        if handlers and handlers[1]:
            handlers[1](message)

    def _on_progress(self, number: int, done: int, total: int, message: str) -> None:
        handlers = self._handlers.get(number)
        if handlers and handlers[2]:
            handlers[2](done, total, message)
