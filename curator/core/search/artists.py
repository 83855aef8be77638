"""Artist names in a query, found in the catalog's own list of artists.

"Henry Moore sculpture" names Henry Moore by full name; "works by Turner" and "Van Gogh
masterpieces" by surname. Names are compared as folded words (case and accents ignored,
possessive 's dropped), after setting aside honours ("Henry Moore OM, CH"), titles ("Dame
Barbara Hepworth") and places ("William Turner of Oxford").

A surname alone is a weaker clue than a full name: "wood" is a material as often as it is
Christopher Wood. It counts when it is written with a capital in the query, or when the
word is rarer in the catalog's titles, subjects and notes than among that artist's works.
Among artists sharing a surname, the one with the most works is meant (and any with at
least a quarter as many): "Turner" is J. M. W. Turner, not the four works by Daniel Turner.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from .lexical import _LETTERS, _MARKS, _POSSESSIVE, _WORD, fold

_TITLES = {"sir", "dame", "lord", "lady", "rev", "revd", "dr", "mr", "mrs", "miss", "hon"}
_PLACE = {"of"}  # "William Turner of Oxford": the name ends before the place
MIN_SURNAME = 3  # shorter words alone are too ambiguous to be a name
SHARE = 0.25  # artists sharing a surname count when they have this share of the top one's works


def _raw_words(text: str) -> list[str]:
    """Whole words with accents stripped but case kept (to see capitals)."""
    text = unicodedata.normalize("NFKD", text.translate(_LETTERS))
    return _WORD.findall(_POSSESSIVE.sub("", _MARKS.sub("", text)))


def name_words(name: str) -> tuple[str, ...]:
    """The folded words a person is called by: "Henry Moore OM, CH" -> ("henry", "moore")."""
    raw = _raw_words(name.split(",")[0])
    while len(raw) > 1 and raw[-1].isupper() and len(raw[-1]) <= 4:
        raw.pop()  # post-nominal honours: OM, CH, RA, CBE
    while len(raw) > 2 and raw[0].isupper() and 2 <= len(raw[0]) <= 4:
        raw.pop(0)  # honours put first by an inverted "Henry Moore OM, CH"
    out = [fold(w) for w in raw]
    while len(out) > 1 and out[0] in _TITLES:
        out.pop(0)
    for n, w in enumerate(out[1:], 1):
        if w in _PLACE:
            out = out[:n]
            break
    return tuple(out)


@dataclass(frozen=True)
class ArtistMatch:
    """An artist a query names, how (``"name"`` or ``"surname"``) and the words used."""

    artist: str
    how: str
    rows: np.ndarray  # the artist's works: rows of the lexical index
    span: tuple[int, int]  # [start, end) of the query words naming them


class ArtistNames:
    """Every artist of the catalog by the words of their name, with their works' rows."""

    def __init__(self, artists_per_row: list[list[str]], plain_count):
        """``plain_count(word)`` is the number of artworks whose text has ``word``."""
        rows: dict[str, list[int]] = defaultdict(list)
        for row, names in enumerate(artists_per_row):
            for name in names:
                rows[name].append(row)
        self._rows = {name: np.asarray(r, dtype=np.int64) for name, r in rows.items()}
        self._words = {name: name_words(name) for name in self._rows}
        self._by_surname: dict[str, list[str]] = defaultdict(list)
        for name, w in self._words.items():
            if w:
                self._by_surname[w[-1]].append(name)
        self._plain_count = plain_count

    def works(self, artist: str) -> np.ndarray:
        return self._rows.get(artist, np.zeros(0, dtype=np.int64))

    def find(self, query: str) -> list[ArtistMatch]:
        """The artists ``query`` names, full names first; each query word names one at most."""
        raw = _raw_words(query)
        q = [fold(w) for w in raw]
        found: list[ArtistMatch] = []
        used = [False] * len(q)
        # Names first: the surname said after one or more of the artist's other names
        # ("Henry Moore", "William Turner", "Vincent van Gogh").
        for end in range(1, len(q)):
            for name in self._by_surname.get(q[end], ()):
                given = set(self._words[name][:-1])
                start = end
                while start > 0 and q[start - 1] in given:
                    start -= 1
                if start < end:
                    found.append(ArtistMatch(name, "name", self._rows[name], (start, end + 1)))
                    used[start:end + 1] = [True] * (end + 1 - start)
        # Then surnames alone.
        for end, word in enumerate(q):
            if used[end] or len(word) < MIN_SURNAME or word not in self._by_surname:
                continue
            names = self._by_surname[word]
            counts = {n: len(self._rows[n]) for n in names}
            top = max(counts.values())
            chosen = sorted((n for n in names if counts[n] >= SHARE * top),
                            key=lambda n: (-counts[n], n))
            works = sum(counts.values())
            if not (raw[end][:1].isupper() or self._plain_count(word) < works):
                continue
            for name in chosen:
                w = self._words[name]
                start = end
                while start > 0 and end - start + 1 < len(w) and \
                        q[start - 1] == w[-1 - (end - start + 1)]:
                    start -= 1  # particles said with the surname: "van" Gogh
                found.append(ArtistMatch(name, "surname", self._rows[name], (start, end + 1)))
            used[end] = True
        return found
