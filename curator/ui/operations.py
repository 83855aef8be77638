"""Every background job the window runs, its key, and how requests under one key combine.

The one place that names background work (Anki's ``CollectionOp``, Orange's
``ConcurrentWidgetMixin.start``). A job is a plain function called on a worker thread as
``fn(*args, progress, cancel)``: every argument is a value read on the main thread before
the job starts (a path, a :class:`~curator.core.embedding.search.Filters`, an
:class:`ImportRequest`), never a widget. Results come back to the main thread as signals
(:class:`~curator.ui.jobs.JobRunner`); a result that is a
:class:`~curator.core.changes.Changes` record is also announced on ``JobRunner.changed``,
and the views refresh from it.

How requests under one key combine (:class:`Policy`):

``LATEST``
    The newest request wins: the one before is told to cancel and its result is dropped
    (search boxes, sliders, the visitor being looked at).
``SERIAL``
    One at a time: a request made while one runs waits and starts when it ends; a later
    request replaces the waiting one. The same embedding can never run twice at once.
``PARALLEL``
    Independent requests (thumbnails), nothing to supersede.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, StrEnum
from pathlib import Path

from ..core.catalog import Catalog
from ..core.changes import Changes
from ..core.embedding.search import Filters
from ..core.importing.mapping import Mapping
from ..core.progress import CancelToken, ProgressFn


class Policy(Enum):
    LATEST = "latest"
    SERIAL = "serial"
    PARALLEL = "parallel"


class Op(StrEnum):
    """The name and key of each background job."""

    EMBED = "embed"                    # text vectors, then image features: one key everywhere
    WARM_SEARCH = "warm-search"        # build the keyword index before the first search
    WARM_RECOMMENDER = "warm-recommender"  # fit or load the recommender before the first list
    BROWSE_QUERY = "browse"            # semantic search, more like this, visually similar
    THUMBNAIL = "thumbnail"            # decode one image into a thumbnail
    IMPORT_PREVIEW = "import-preview"  # read a whole file to show its first rows and columns
    IMPORT_CHECK = "import-check"      # the dry run that lists rejects
    IMPORT_RUN = "import-run"          # the import itself
    UNDO_IMPORT = "undo-import"
    BACKUP = "backup"
    OPEN_DEMO = "open-demo"            # fill the demo database the first time
    CHECK_DATABASE = "check-database"  # read every table and block (Help > Check database)
    SET_AVAILABLE = "set-available"    # mark works unavailable (on loan) or available again
    USERS = "users"                    # a visitor's recommendations (Visitors tab)
    USERS_EXPORT = "users-export"      # write a visitor's list as CSV or XLSX
    TUNING = "tuning"                  # metrics and sample list for the sliders' weights
    TUNING_CURVE = "tuning-curve"      # saved profiles' points and the λ curve (Tuning plot)
    TUNING_BUILD = "tuning-build"      # the evaluation the Tuning tab measures with
    FIT_WEIGHTS = "tuning-fit"         # choose weights on a validation split (Tuning)
    FIT_DEFAULT = "fit-default"        # fit a new catalog's default profile once it can be
    LEARN = "learn"                    # train the sequence signal or fine-tune the encoder

    @property
    def policy(self) -> Policy:
        return _POLICIES.get(self, Policy.LATEST)


_POLICIES = {Op.EMBED: Policy.SERIAL, Op.IMPORT_RUN: Policy.SERIAL,
             Op.FIT_WEIGHTS: Policy.SERIAL, Op.FIT_DEFAULT: Policy.SERIAL,
             Op.UNDO_IMPORT: Policy.SERIAL, Op.BACKUP: Policy.SERIAL,
             Op.OPEN_DEMO: Policy.SERIAL, Op.CHECK_DATABASE: Policy.SERIAL,
             Op.USERS_EXPORT: Policy.SERIAL, Op.LEARN: Policy.SERIAL,
             Op.SET_AVAILABLE: Policy.SERIAL,
             Op.THUMBNAIL: Policy.PARALLEL}


# -- job bodies: plain values in, a result out; they run on a worker thread ------------------

def embed_all(catalog: Catalog, progress: ProgressFn | None = None,
              cancel: CancelToken | None = None) -> Changes:
    """Embed what is missing or stale: text vectors, then images when a folder is set."""
    changes = catalog.embeddings.embed(progress=progress, cancel=cancel)
    if catalog.embeddings.images_root() is not None:
        changes = changes | catalog.embeddings.embed_images(progress=progress, cancel=cancel)
    return changes


def learn(catalog: Catalog, what: str, progress: ProgressFn | None = None,
          cancel: CancelToken | None = None) -> Changes:
    """Train the sequence signal (``sequence``) or fine-tune the encoder (``encoder``); each
    is switched on only when it beats what is in use on a validation split."""
    if what == "sequence":
        return catalog.recommendations.train_sequence(progress=progress, cancel=cancel)
    return catalog.embeddings.train_encoder(progress=progress, cancel=cancel)


@dataclass(frozen=True)
class ImportRequest:
    """What the import wizard asks for, read off its pages on the main thread."""

    kind: str
    path: Path
    mapping: Mapping
    skip_invalid: bool = False
    new_users: bool = False


def run_import(catalog: Catalog, request: ImportRequest, dry_run: bool,
               progress: ProgressFn | None = None, cancel: CancelToken | None = None
               ) -> Changes:
    """Import (or only check) the file a request names, as one transaction."""
    options = dict(mapping=request.mapping, dry_run=dry_run, progress=progress, cancel=cancel,
                   skip_invalid=request.skip_invalid)
    if request.kind == "events":
        options["new_users"] = request.new_users
    imports = catalog.imports
    method = {"catalog": imports.catalog, "events": imports.events,
              "users": imports.users}[request.kind]
    return method(request.path, **options)


def preview_file(catalog: Catalog, path: Path, kind: str, progress=None, cancel=None) -> dict:
    """The first rows, the columns and the detected mapping of a file (reads it whole)."""
    return catalog.imports.preview(path, kind=kind)


def search(catalog: Catalog, text: str, filters: Filters, mode: str = "hybrid", progress=None,
           cancel=None):
    return catalog.artworks.search(text, k=200, filters=filters, mode=mode)


def similar(catalog: Catalog, artwork_id: str, filters: Filters, progress=None, cancel=None):
    return catalog.artworks.similar(artwork_id, k=100, filters=filters)


def visually_similar(catalog: Catalog, artwork_id: str, filters: Filters, progress=None,
                     cancel=None):
    return catalog.artworks.visually_similar(artwork_id, k=100, filters=filters)


def fit_default_if_ready(catalog: Catalog, progress=None, cancel=None):
    """Fit the default profile to the histories the first time there are enough of them."""
    return catalog.recommendations.fit_default_if_ready(progress=progress, cancel=cancel)


def warm_search(catalog: Catalog, progress=None, cancel=None) -> None:
    """Build the keyword index now, so the first keyword search does not wait for it."""
    catalog.artworks.lexical_index()


def warm_recommender(catalog: Catalog, progress=None, cancel=None) -> None:
    """Load the default profile's saved recommender, or fit (and save) it, now, so the first
    visitor's list does not wait for it."""
    catalog.recommendations.warm()


def undo_last_import(catalog: Catalog, batch_id: int, progress=None, cancel=None) -> Changes:
    return catalog.imports.undo(batch_id)


def set_available(catalog: Catalog, ids: list[str], available: bool, progress=None,
                  cancel=None) -> Changes:
    return catalog.artworks.set_available(ids, available)


def backup(catalog: Catalog, target: Path, progress=None, cancel=None) -> Path:
    return catalog.maintenance.backup(target)


def check_database(catalog: Catalog, progress=None, cancel=None):
    """Read the whole database file; a report whose ``sentence()`` says what was found."""
    return catalog.maintenance.check()


def prepare_demo(path: Path, progress=None, cancel=None) -> Path:
    """Make sure the demo database at ``path`` holds the demo; returns its path.

    Opened and closed on the worker thread: the window then opens it on the main thread.
    """
    from ..core.demo import open_demo

    open_demo(path, progress=progress).close()
    return path


def thumbnail_image(path: Path, size: int, progress=None, cancel=None):
    """Decode an image file into a ``QImage`` of at most ``size`` pixels a side.

    ``QImage`` (unlike ``QPixmap``) may be made off the main thread; the view turns it
    into a pixmap when it arrives.
    """
    from PySide6.QtGui import QImage

    from ..core.images import thumbnail

    stored = 256 if size <= 256 else 512  # two sizes on disk, so the cache is reused
    image = QImage(str(thumbnail(path, size=stored)))
    if not image.isNull() and max(image.width(), image.height()) > size:
        from PySide6.QtCore import Qt

        image = image.scaled(size, size, Qt.KeepAspectRatio, Qt.SmoothTransformation)
    return image


@dataclass(frozen=True)
class ListRequest:
    """What the Visitors tab asks for, read off its widgets on the main thread."""

    user: str | None
    profile: str | None
    compare: str | None = None
    brief: str = ""
    k: int = 20


@dataclass
class VisitorLists:
    """A visitor's list (and the comparison), their artworks and thumbnail files."""

    request: ListRequest
    first: list
    second: list
    artworks: dict[str, dict]
    thumbs: dict[str, str]
    note: str = ""  # a sentence when the brief could not be used


BRIEF_NOT_EMBEDDED = ("The brief is not used yet: it is matched against the works' text "
                      "vectors, and this catalog is not embedded yet. The list below ignores "
                      "it; apply it again once embedding has finished.")


def visitor_lists(catalog: Catalog, request: ListRequest, progress=None,
                  cancel=None) -> VisitorLists:
    """One visitor's list under a profile, and under a second one to compare with."""
    from ..core.errors import CuratorError

    note, brief = "", request.brief or None
    if brief and catalog.embeddings.text_index_or_none() is None:
        if request.user is None:
            raise CuratorError(BRIEF_NOT_EMBEDDED.split(" The list")[0]
                               + " Choose a visitor instead.")
        note, brief = BRIEF_NOT_EMBEDDED, None
    recommend = catalog.recommendations.recommend
    first = recommend(request.user, k=request.k, profile=request.profile, brief=brief)
    if cancel is not None:
        cancel.check()
    second = (recommend(request.user, k=request.k, profile=request.compare, brief=brief)
              if request.compare else [])
    ids = list(dict.fromkeys(r.item_id for r in first + second))
    artworks = {a["id"]: a for a in catalog.artworks.get(ids)}
    return VisitorLists(request, first, second, artworks, _thumbnail_files(catalog, artworks),
                        note)


def _thumbnail_files(catalog: Catalog, artworks: dict[str, dict]) -> dict[str, str]:
    """Thumbnail files of the works that have a readable image; the rest get tiles."""
    from ..core.errors import CuratorError
    from ..core.images import resolve_image, thumbnail

    root = catalog.embeddings.images_root()
    thumbs = {}
    for item, art in artworks.items():
        try:
            path = resolve_image(root, art.get("image_path"))
            if path is not None:
                thumbs[item] = str(thumbnail(path))
        except (CuratorError, OSError):
            continue
    return thumbs


def write_list(path: Path, rows: list[dict], progress=None, cancel=None) -> Path:
    """Write a list's export rows as CSV or XLSX (by the file's suffix)."""
    from ..core.recommend.export import write_rows

    return write_rows(path, rows)


# -- Tuning ---------------------------------------------------------------------------------

def tuning_evaluation(catalog: Catalog, half_life_days: float | None, progress=None,
                      cancel=None):
    """The evaluation the Tuning tab measures with: every signal's scores for up to 1,000
    held-out visitors, computed once per half-life (seconds on a large catalog)."""
    return catalog.recommendations.evaluation(half_life_days=half_life_days, max_users=1000)


@dataclass(frozen=True)
class TuningRequest:
    """The Tuning sliders, read on the main thread."""

    weights: dict
    mmr_lambda: float
    half_life_days: float | None
    visitor: str | None


def measure_weights(catalog: Catalog, evaluation, request: TuningRequest, progress=None,
                    cancel=None) -> tuple[dict, dict, list]:
    """The sliders' metrics and the sample visitor's top 10 as ``(id, title, score)``."""
    from ..core.recommend.hybrid import Rules

    current = evaluation.measure(request.weights, Rules(mmr_lambda=request.mmr_lambda)).metrics
    if cancel is not None:
        cancel.check()
    sample = []
    if request.visitor:
        recs = catalog.recommendations.recommend(
            request.visitor, k=10, weights=request.weights, mmr_lambda=request.mmr_lambda,
            half_life_days=request.half_life_days)
        titles = {a["id"]: a["title"] for a in catalog.artworks.get([r.item_id for r in recs])}
        sample = [(r.item_id, titles.get(r.item_id), r.score) for r in recs]
    return request.weights, current, sample


def measure_curve(evaluation, weights: dict, profiles: list, known_saved: dict,
                  known_dists: dict | None, frontier: list | None, progress=None,
                  cancel=None) -> tuple[dict, dict, dict, list]:
    """The saved profiles' metrics, each signal's score sample and the curve over λ for
    ``weights`` (what is already known is passed in and reused)."""
    from ..core.recommend.hybrid import Rules

    known_saved = dict(known_saved)
    saved = {}
    for p in profiles:
        key = (p.name, tuple(sorted(p.weights.items())), p.mmr_lambda)
        if key not in known_saved:
            if cancel is not None:
                cancel.check()
            known_saved[key] = evaluation.measure(p.weights,
                                                  Rules(mmr_lambda=p.mmr_lambda)).metrics
        saved[key] = known_saved[key]
    dists = known_dists or {n: evaluation.signal_distribution(n, sample=5000)
                            for n in evaluation.signals}
    curve = frontier
    if curve is None:
        curve = []
        for lam in (0.0, 0.25, 0.5, 0.75, 1.0):
            if cancel is not None:
                cancel.check()
            curve.append((lam, evaluation.measure(weights, Rules(mmr_lambda=lam)).metrics))
    return weights, saved, dists, curve


def fit_weights(catalog: Catalog, name: str | None, make_default: bool, progress=None,
                cancel=None):
    """Fit a profile (the named one, else the default) on a validation split and save it."""
    return catalog.recommendations.fit_profile(name, make_default=make_default,
                                               progress=progress, cancel=cancel)
