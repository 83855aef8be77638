"""One record of what a change to the catalog did, returned by every mutation.

Views refresh from it (Anki's ``OpChanges``): a change to artworks redraws Browse, a
change to histories refits recommendations, and so on. ``detail`` carries the full result
of the operation (an import's counts and rejects, an embedding run's figures) for whoever
wants to report it.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any


@dataclass(frozen=True)
class Changes:
    """What a mutation changed.

    Attributes
    ----------
    artworks
        Artwork rows were added, edited, removed or marked (un)available.
    vectors
        Text vectors, or the model or template they are computed with.
    images
        Image features, or the images folder or image model.
    events
        Visitor histories.
    visitors
        The set of visitors or their ids (lists, deletions, pseudonymization).
    profiles
        Saved weight profiles.
    learned
        A model learned from the histories was trained, switched on or left off.
    batch_id
        The import batch this change made or undid, if any.
    count
        How many records the change touched (rows imported, artworks embedded, ...).
    message
        One sentence for a status bar.
    detail
        The operation's full result (e.g. ``ImportResult``, ``EmbedResult``).
    """

    artworks: bool = False
    vectors: bool = False
    images: bool = False
    events: bool = False
    visitors: bool = False
    profiles: bool = False
    learned: bool = False
    batch_id: int | None = None
    count: int = 0
    message: str = ""
    detail: Any = None

    _FLAGS = ("artworks", "vectors", "images", "events", "visitors", "profiles", "learned")

    @property
    def any(self) -> bool:
        """Whether anything that a view shows changed."""
        return any(getattr(self, f) for f in self._FLAGS)

    def __or__(self, other: Changes) -> Changes:
        """Both changes together (flags joined, counts added, the later detail kept)."""
        merged = {f.name: getattr(self, f.name) or getattr(other, f.name)
                  for f in fields(self) if f.name in self._FLAGS}
        return replace(other, **merged, count=self.count + other.count,
                       batch_id=other.batch_id if other.batch_id is not None else self.batch_id,
                       message=" ".join(m for m in (self.message, other.message) if m))
