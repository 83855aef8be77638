"""What moved between two lists of the same visitor (two profiles side by side)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ListMoves:
    """How list B differs from list A, by artwork id.

    ``shift[id]`` for each id in B: ``None`` when it is new in B, else how many places it
    rose (positive) or fell (negative). ``dropped``: the ids of A that B left out.
    """

    shift: dict[str, int | None]
    dropped: frozenset[str]
    rank_in_b: dict[str, int]

    @classmethod
    def between(cls, a: list[str], b: list[str]) -> ListMoves:
        rank_a = {item: r for r, item in enumerate(a, 1)}
        rank_b = {item: r for r, item in enumerate(b, 1)}
        shift = {item: (rank_a[item] - r if item in rank_a else None)
                 for item, r in rank_b.items()}
        return cls(shift, frozenset(set(a) - set(b)), rank_b)

    def mark_in_b(self, item: str) -> str:
        """``new``, ``↑ 2``, ``↓ 1`` or ``=`` for an id of list B."""
        moved = self.shift.get(item)
        if moved is None:
            return "new"
        if moved > 0:
            return f"↑ {moved}"
        if moved < 0:
            return f"↓ {-moved}"
        return "="

    def mark_in_a(self, item: str) -> str:
        """``dropped`` for an id B left out, else where B puts it (``#3 in B``)."""
        return "dropped" if item in self.dropped else f"#{self.rank_in_b[item]} in B"

    def summary(self) -> str:
        values = list(self.shift.values())
        new = sum(v is None for v in values)
        up = sum(v is not None and v > 0 for v in values)
        down = sum(v is not None and v < 0 for v in values)
        same = sum(v == 0 for v in values)
        return (f"B against A: {new} new, {len(self.dropped)} dropped, {up} up, {down} down, "
                f"{same} in the same place")
