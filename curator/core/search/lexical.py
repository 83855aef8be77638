"""Keyword search: BM25 over each artwork's words, whole words only, accents folded.

Words are cut at word boundaries (so "sea" never matches "Swansea"), folded to lower case
without accents ("Dürer" and "Durer" are the same word), English stop words dropped, and
stemmed (Snowball) so "seas" finds "sea". Scoring is BM25 from :mod:`bm25s`; the title
counts twice, because a word in the title says more about a work than one in its notes.

The index is read-only once built; any thread may query it.
"""

from __future__ import annotations

import json
import os
import re
import threading
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pyarrow as pa

from ..store import Store

# Letters NFKD does not split into a base letter and an accent.
_LETTERS = str.maketrans({"ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE",
                          "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ð": "d", "þ": "th",
                          "ı": "i", "’": "'", "‘": "'"})
_MARKS = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_POSSESSIVE = re.compile(r"(?<=\w)'s\b")
_WORD = re.compile(r"[^\W_]+")
TITLE_WEIGHT = 2  # times a title's words are counted
SAVED_FORMAT = 1  # of the index saved beside the database; raise when words are cut anew
# Separators between documents and their parts while a whole catalog is folded at once;
# the same characters inside a field become spaces.
_SEPARATORS = {0x1e: " ", 0x1f: " "}


def fold(text: str) -> str:
    """Lower case without accents: ``fold("Dürer's Æsop") == "durer's aesop"``."""
    text = unicodedata.normalize("NFKD", text.translate(_LETTERS))
    return _MARKS.sub("", text).casefold()


def words(text: str | None) -> list[str]:
    """The folded whole words of ``text``, possessive 's dropped ("Turner's" -> "turner")."""
    if not text:
        return []
    return _WORD.findall(_POSSESSIVE.sub("", fold(text)))


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


@lru_cache(maxsize=1)
def _stop_words() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN)


def terms(text: str | None) -> list[str]:
    """The index terms of ``text``: its words without stop words, stemmed."""
    stop = _stop_words()
    kept = [w for w in words(text) if w not in stop]
    return _stemmer().stemWords(kept) if kept else []


@dataclass(frozen=True)
class LexicalMatch:
    """BM25 scores of every artwork for one query (zero: no query word in it)."""

    scores: np.ndarray

    def rows(self) -> np.ndarray:
        """Rows with a word of the query, best first; equal scores in row order."""
        hit = np.flatnonzero(self.scores > 0)
        return hit[np.argsort(-self.scores[hit], kind="stable")]


class LexicalIndex:
    """BM25 over title (twice), artists, tags, medium, classification and description.

    Rows are artworks in id order; ``ids[row]`` names one and ``artists[row]`` lists its
    artists as stored.
    """

    def __init__(self, ids: list[str], documents: tuple[list[list[int]], dict[str, int]],
                 artists: list[list[str]], plain_counts: dict[str, int] | None = None):
        """``documents``: each artwork's term ids, and the vocabulary (term -> id)."""
        import bm25s

        token_ids, vocab = documents
        bm25 = bm25s.BM25()
        if ids:
            bm25.index((token_ids, vocab), show_progress=False)
        self._setup(ids, artists, dict(plain_counts or {}), vocab, bm25)

    def _setup(self, ids, artists, plain_counts: dict[str, int], vocab: dict[str, int],
               bm25) -> None:
        from .artists import ArtistNames

        self.ids = np.asarray(ids, dtype=object)
        self.artists = artists
        self._plain = plain_counts
        self.names = ArtistNames(artists, lambda word: plain_counts.get(word, 0))
        self._row = {artwork_id: row for row, artwork_id in enumerate(ids)}
        self._vocab = vocab
        self._bm25 = bm25

    # -- saved beside the database ------------------------------------------------------
    @staticmethod
    def content_key(store: Store) -> str:
        """A fingerprint of every artwork's indexed fields (computed in the database, so
        cheap even at a million works) and of how the index is made."""
        import bm25s

        cur = store.cursor()
        try:
            count, mixed = cur.execute(
                "SELECT count(*), bit_xor(hash(id, title, artists, tags, medium, "
                "classification, description, extra)) FROM artworks").fetchall()[0]
        finally:
            cur.close()
        return f"{SAVED_FORMAT}:{TITLE_WEIGHT}:{bm25s.__version__}:{count}:{mixed}"

    def save(self, folder: Path, key: str) -> None:
        """Write the index to ``folder`` (numpy arrays without pickle, and JSON), replacing
        what was there only once whole; a failure leaves no partial folder behind."""
        import shutil

        tag = f"{os.getpid()}-{threading.get_ident()}"
        part = folder.with_name(f"{folder.name}.{tag}.part")
        old = folder.with_name(f"{folder.name}.{tag}.old")
        try:
            shutil.rmtree(part, ignore_errors=True)
            part.mkdir(parents=True)
            if len(self.ids):
                self._bm25.save(str(part), allow_pickle=False, show_progress=False)
            (part / "index.json").write_text(json.dumps(
                {"key": key, "ids": self.ids.tolist(), "artists": self.artists,
                 "plain": self._plain, "vocab": self._vocab}), encoding="utf-8")
            if folder.exists():
                os.replace(folder, old)
            os.replace(part, folder)
        except OSError:
            pass  # not saved: built again next time
        finally:
            shutil.rmtree(part, ignore_errors=True)
            shutil.rmtree(old, ignore_errors=True)

    @classmethod
    def load(cls, folder: Path, key: str) -> LexicalIndex | None:
        """The index saved in ``folder`` for ``key``; None when missing, made from other
        artworks, or damaged."""
        try:
            meta = json.loads((folder / "index.json").read_text(encoding="utf-8"))
            if not isinstance(meta, dict) or meta.get("key") != key:
                return None
            import bm25s

            bm25 = bm25s.BM25()
            if meta["ids"]:
                bm25 = bm25s.BM25.load(str(folder), allow_pickle=False, show_progress=False)
                if bm25.scores["num_docs"] != len(meta["ids"]):
                    return None
            index = cls.__new__(cls)
            index._setup(meta["ids"], meta["artists"], meta["plain"], meta["vocab"], bm25)
            return index
        except Exception:  # any damage: built again instead
            return None

    @classmethod
    def build(cls, store: Store) -> LexicalIndex:
        """Read every artwork's words from the database and index them."""
        cur = store.cursor()
        try:
            table = cur.sql(
                "SELECT id, title, artists, tags, medium, classification, description, "
                # extra fields' words (credit line, department, ...), links left out
                "array_to_string(list_filter(map_values(extra), lambda v: NOT "
                "regexp_matches(v, '^(https?|ftp)://')), ' ') AS extra "
                "FROM artworks ORDER BY id").to_arrow_table()
        finally:
            cur.close()
        columns = {name: table.column(name).to_pylist() for name in table.column_names}
        artists = [a or [] for a in columns["artists"]]
        # Fold every document in one call (C speed), then cut it back into documents and
        # their parts: the title, the other text, the extra fields, the artists.
        docs = "\x1e".join(
            "\x1f".join(part.translate(_SEPARATORS) for part in (
                title or "", f"{' '.join(tags or [])} {medium or ''} {classification or ''} "
                f"{description or ''}", extra or "", " ".join(names)))
            for title, tags, medium, classification, description, extra, names in zip(
                columns["title"], columns["tags"], columns["medium"],
                columns["classification"], columns["description"], columns["extra"], artists,
                strict=True))
        stem = _stemmer().stemWord
        stop = _stop_words()
        vocab: dict[str, int] = {}
        token: dict[str, int] = {}  # folded word -> its term's id (-1: a stop word)
        plain: Counter[str] = Counter()  # artworks with a word outside their artists' names

        def ids(found: list[str]) -> list[int]:
            out = []
            for w in found:
                t = token.get(w)
                if t is None:
                    t = token[w] = -1 if w in stop else vocab.setdefault(stem(w), len(vocab))
                if t >= 0:
                    out.append(t)
            return out

        documents = []
        for doc in _POSSESSIVE.sub("", fold(docs)).split("\x1e") if artists else []:
            title, rest, extra, names = (_WORD.findall(part) for part in doc.split("\x1f"))
            # Extra fields repeat names ("Turner Bequest", all artists): not plain words.
            plain.update(set(title).union(rest))
            documents.append(ids(title) * TITLE_WEIGHT + ids(rest) + ids(extra) + ids(names))
        return cls(columns["id"], (documents, vocab), artists, dict(plain))

    @classmethod
    def load_or_build(cls, store: Store, folder: Path | None, *, write: bool) -> LexicalIndex:
        """The index saved in ``folder`` for the artworks as they are now, else built (and
        saved there when ``write``)."""
        if folder is None:
            return cls.build(store)
        key = cls.content_key(store)
        index = cls.load(folder, key)
        if index is None:
            index = cls.build(store)
            if write:
                index.save(folder, key)
        return index

    def __len__(self) -> int:
        return len(self.ids)

    def match(self, query: str) -> LexicalMatch:
        """BM25 scores of every artwork for ``query``'s words."""
        wanted = [self._vocab[t] for t in dict.fromkeys(terms(query)) if t in self._vocab]
        if not wanted or not len(self.ids):
            return LexicalMatch(np.zeros(len(self.ids), dtype=np.float32))
        return LexicalMatch(np.asarray(self._bm25.get_scores_from_ids(wanted), dtype=np.float32))

    def rows_of(self, artwork_ids) -> np.ndarray:
        """The row of each id, ``-1`` for ids not in the index."""
        return np.asarray([self._row.get(i, -1) for i in artwork_ids], dtype=np.int64)

    def id_table(self, rows: np.ndarray) -> pa.Table:
        """``rows`` as an Arrow table of ``id`` and ``rank`` (their order), for joins."""
        rows = np.asarray(rows, dtype=np.int64)
        return pa.table({"id": pa.array(self.ids[rows].tolist(), type=pa.string()),
                         "rank": pa.array(np.arange(len(rows), dtype=np.int64))})
