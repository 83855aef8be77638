"""Background work for the window: workers never touch widgets.

:class:`JobRunner` runs a function on a worker thread and delivers its result, error or
progress to the main thread through Qt signals. Each job is named by an
:class:`~curator.ui.operations.Op`, whose policy says how requests under it combine: the
latest wins (the tuning sliders rely on this), one at a time (embedding), or side by side.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from functools import partial
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from ..core.changes import Changes
from ..core.errors import Cancelled, CuratorError
from ..core.progress import CancelToken
from .operations import Op, Policy


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
    """Runs jobs on its own thread pool. Create and call from the main thread.

    ``changed`` carries the :class:`Changes` record of every job that returns one, after
    that job's own ``on_done``: views refresh from it.
    """

    changed = Signal(object)

    def __init__(self, parent: QObject | None = None, threads: int = 2):
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(threads)
        self._numbers = itertools.count(1)
        self._handlers: dict[int, tuple[Callable | None, Callable | None, Callable | None]] = {}
        self._latest: dict[Op, tuple[int, CancelToken]] = {}
        self._serial: dict[Op, int] = {}          # the job running under a SERIAL op
        self._waiting: dict[Op, tuple[int, Callable, CancelToken]] = {}
        self._op_of: dict[int, Op] = {}
        self._running: dict[int, CancelToken] = {}
        self._signals = _Signals()
        self._signals.done.connect(self._on_done)
        self._signals.failed.connect(self._on_failed)
        self._signals.progress.connect(self._on_progress)

    def start(self, op: Op, fn: Callable, *args: Any,
              on_done: Callable[[Any], None] | None = None,
              on_error: Callable[[str], None] | None = None,
              on_progress: Callable[[int, int, str], None] | None = None) -> CancelToken:
        """Run ``fn(*args, progress, cancel)`` in the background as ``op``.

        ``args`` must be plain values read on the main thread (never widgets).
        Returns the job's cancel token.
        """
        return self.submit(partial(fn, *args), on_done=on_done, on_error=on_error,
                           on_progress=on_progress, key=op)

    def submit(self, fn: Callable[[Callable, CancelToken], Any], *,
               on_done: Callable[[Any], None] | None = None,
               on_error: Callable[[str], None] | None = None,
               on_progress: Callable[[int, int, str], None] | None = None,
               key: Op | None = None) -> CancelToken:
        """Run ``fn(progress, cancel)`` in the background; returns its cancel token.

        ``key`` names the job: an :class:`Op`, never a string (not even one of their
        values), so that every job is named in :mod:`.operations` and nowhere else.
        """
        if key is not None and type(key) is not Op:
            raise TypeError(f"A job is named by an Op of curator.ui.operations, not {key!r}.")
        op = key
        number = next(self._numbers)
        cancel = CancelToken()
        self._handlers[number] = (on_done, on_error, on_progress)
        if op is not None:
            self._op_of[number] = op
        policy = op.policy if op is not None else Policy.PARALLEL
        if policy is Policy.LATEST:
            previous = self._latest.get(op)
            if previous is not None:
                previous[1].cancel()
                self._handlers.pop(previous[0], None)
            self._latest[op] = (number, cancel)
        elif policy is Policy.SERIAL and op in self._serial:
            replaced = self._waiting.pop(op, None)
            if replaced is not None:
                handlers = self._handlers.pop(replaced[0], None)
                if handlers and handlers[1]:
                    handlers[1]("Replaced by a newer request.")
            self._waiting[op] = (number, fn, cancel)
            return cancel
        self._launch(number, fn, cancel)
        return cancel

    def _launch(self, number: int, fn: Callable, cancel: CancelToken) -> None:
        op = self._op_of.get(number)
        if op is not None and op.policy is Policy.SERIAL:
            self._serial[op] = number
        self._running[number] = cancel
        self.pool.start(_Job(number, fn, cancel, self._signals))

    def running(self, op: Op) -> bool:
        """Whether a job under ``op`` is running or waiting to run."""
        return any(self._op_of.get(n) is op for n in self._running) or op in self._waiting

    def busy(self) -> bool:
        return self.pool.activeThreadCount() > 0 or bool(self._running) or bool(self._waiting)

    def wait(self, msecs: int = 30_000) -> bool:
        """Block until every job has finished (used on close and by tests)."""
        return self.pool.waitForDone(msecs)

    def cancel_all(self) -> None:
        """Ask every job still running to stop (each stops at its next check); drop the
        ones still waiting for their turn."""
        for number, _fn, token in self._waiting.values():
            token.cancel()
            self._handlers.pop(number, None)
            self._op_of.pop(number, None)
        self._waiting.clear()
        for token in list(self._running.values()):
            token.cancel()

    def _finished(self, number: int) -> None:
        self._running.pop(number, None)
        op = self._op_of.pop(number, None)
        if op is not None and self._serial.get(op) == number:
            del self._serial[op]
            waiting = self._waiting.pop(op, None)
            if waiting is not None:
                self._launch(*waiting)

    def _on_done(self, number: int, result: object) -> None:
        self._finished(number)
        handlers = self._handlers.pop(number, None)
        if handlers and handlers[0]:
            handlers[0](result)
        if isinstance(result, Changes) and result.any:
            self.changed.emit(result)

    def _on_failed(self, number: int, message: str) -> None:
        self._finished(number)
        handlers = self._handlers.pop(number, None)
        if handlers and handlers[1]:
            handlers[1](message)

    def _on_progress(self, number: int, done: int, total: int, message: str) -> None:
        handlers = self._handlers.get(number)
        if handlers and handlers[2]:
            handlers[2](done, total, message)
