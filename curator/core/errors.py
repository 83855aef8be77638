"""Errors a curator can act on.

Every failure that reaches the user is a :class:`CuratorError` whose message is one
plain sentence; tracebacks stay in logs.
"""

from __future__ import annotations

from dataclasses import dataclass


class CuratorError(Exception):
    """A failure explained in words a curator understands."""


class DatabaseInUse(CuratorError):
    """Another Curator process holds the database for writing."""


class Cancelled(CuratorError):
    """Long work stopped because the user asked it to."""

    def __init__(self, message: str = "The operation was cancelled; nothing was changed."):
        super().__init__(message)


@dataclass(frozen=True)
class Reject:
    """One rejected input row: where it is and why it was refused."""

    file: str
    row: int
    field: str
    value: str | None
    reason: str

    def sentence(self) -> str:
        shown = "" if self.value is None else f" {_shorten(self.value)!r}"
        return f"{self.file}, row {self.row:,}, field `{self.field}`:{shown} {self.reason}"


class ImportRejected(CuratorError):
    """An import found invalid rows and applied nothing."""

    def __init__(self, file: str, rejects: list[Reject], total_rejected: int):
        self.file = file
        self.rejects = rejects
        self.total_rejected = total_rejected
        first = rejects[0].sentence() if rejects else file
        more = total_rejected - 1
        tail = f" (and {more:,} more rejected rows)" if more > 0 else ""
        super().__init__(
            f"{first}{tail}; the import was not applied. "
            "Fix the file, or use --skip-invalid to import only the valid rows."
        )


def _shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
