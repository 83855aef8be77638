"""Progress reporting and cancellation, free of any UI toolkit.

Long-running functions take ``progress: ProgressFn | None`` and call it as
``progress(done, total, message)``. A :class:`CancelToken` is checked between steps;
cancelling raises :class:`~curator.core.errors.Cancelled` at the next check.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from .errors import Cancelled

ProgressFn = Callable[[int, int, str], None]


class CancelToken:
    """A flag any thread may set; the worker checks it between steps."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def check(self) -> None:
        if self._event.is_set():
            raise Cancelled()


def report(progress: ProgressFn | None, done: int, total: int, message: str) -> None:
    """Call ``progress`` if one was given."""
    if progress is not None:
        progress(done, total, message)


def check(cancel: CancelToken | None) -> None:
    """Raise :class:`Cancelled` if ``cancel`` was set."""
    if cancel is not None:
        cancel.check()
