"""Recommendations: fitted recommenders, one visitor's explained list, profiles, evaluation."""

from __future__ import annotations

from collections.abc import Iterator

from .. import checks
from ..changes import Changes
from ..errors import CuratorError
from ..progress import CancelToken, ProgressFn
from ..recommend.interactions import DEFAULT_HALF_LIFE_DAYS
from .base import Manager

_FROM_PROFILE = object()


class RecommendationManager(Manager):
    """``catalog.recommendations``: what each visitor is shown, and why."""

    def recommender(self, config=None):
        """The fitted hybrid recommender for a :class:`WeightConfig` (kind weights, decay).

        The last few configurations stay fitted (one per profile in use) until the catalog
        or the histories change. What was fitted is saved beside the database and loaded
        instead of fitting again while the data it was fitted on are unchanged (see
        :mod:`..recommend.saved`). Any thread may call this.
        """
        from ..recommend.build import build
        from ..recommend.interactions import WeightConfig
        from ..recommend.saved import fitted_dir

        config = config or WeightConfig()
        key = repr(sorted(config.to_json().items()))
        index = self._catalog.embeddings.content_index_or_none()
        in_memory = self._store.path == ":memory:"
        write = not self._catalog.read_only and not in_memory
        saved = None if in_memory else fitted_dir(self._catalog.path, create=write)
        return self._caches.recommender(
            key, lambda: build(self._store, index, config, signals=self.signals(),
                               saved=saved, write=write))

    def warm(self, profile: str | None = None) -> None:
        """Have ``profile``'s recommender ready: loaded when saved, else fitted and saved.

        Call from a worker thread after opening a catalog or importing, so the next list
        does not wait for a fit.
        """
        self.recommender(self.profile(profile).weight_config())

    def signals(self) -> list:
        """Fresh, unfitted signals: the built-in ones, plus the sequence signal when one was
        trained and switched on (see :meth:`train_sequence`)."""
        from ..learn.files import learned_dir
        from ..learn.sequence import saved_signal
        from ..recommend.build import default_signals

        saved = saved_signal(learned_dir(self._catalog.path, create=False),
                             self._catalog.embeddings.text_index_or_none())
        return default_signals() + ([saved[0]] if saved else [])

    def learned_weights(self) -> dict[str, float]:
        """Weights of switched-on learned signals (a profile's own weights override them)."""
        from ..learn.files import learned_dir
        from ..learn.sequence import saved_signal

        saved = saved_signal(learned_dir(self._catalog.path, create=False))
        return {"sequence": saved[1]} if saved else {}

    def recommend(self, user_id: str | None, *, k: int = 20, profile: str | None = None,
                  weights: dict[str, float] | None = None, mmr_lambda: float | None = None,
                  artist_cap: int | None = None, brief: str | None = None,
                  exclude_seen: bool = True, half_life_days=_FROM_PROFILE):
        """One visitor's top ``k`` with score breakdowns and explanations.

        ``weights`` (signal -> weight) override the profile's, and ``half_life_days`` its
        time decay (``None``: no decay); an unknown or new visitor gets popularity and,
        with ``brief``, artworks matching the curator's brief.
        """
        checks.count("The number of recommendations (-k)", k)
        config, merged, rules = self._choice(profile, weights, mmr_lambda, artist_cap,
                                             exclude_seen, half_life_days)
        rec = self.recommender(config)
        if user_id is not None and rec.interactions.user_index(user_id) is None:
            stored = self._catalog.visitors.stored_id(user_id)
            if stored is None:
                raise CuratorError(f"There is no visitor {user_id!r}; use --brief for a new one.")
            user_id = stored
        brief_scores = None
        if brief:
            from ..recommend.build import aligned_vectors

            embeddings = self._catalog.embeddings
            index = embeddings.text_index_or_none()
            if index is None:
                raise CuratorError(embeddings.not_embedded("a brief can be matched once it is "
                                                           "done"))
            vectors = rec.data.vectors if rec.data.vectors is not None else aligned_vectors(
                index, rec.interactions.item_ids)
            # the brief is embedded by the encoder that made the vectors it is compared with
            encoder = embeddings.content_encoder() if rec.data.vectors is not None \
                else embeddings.text_encoder()
            brief_scores = vectors @ encoder.encode([brief])[0]
        return rec.recommend_explained(user_id, k, weights=merged, rules=rules,
                                       brief_scores=brief_scores)

    def _choice(self, profile, weights, mmr_lambda=None, artist_cap=None, exclude_seen=True,
                half_life_days=_FROM_PROFILE):
        """A profile's event weighting, signal weights and rules, with the overrides asked."""
        from dataclasses import replace

        from ..recommend.hybrid import Rules

        checks.weights("The weight of", weights)
        if mmr_lambda is not None:
            checks.number("mmr_lambda (diversity)", mmr_lambda, high=1.0)
        if artist_cap is not None:
            checks.count("The artist cap", artist_cap)
        chosen = self.profile(profile)
        config = chosen.weight_config()
        if half_life_days is not _FROM_PROFILE:
            config = replace(config, half_life_days=half_life_days)
        rules = Rules(mmr_lambda=chosen.mmr_lambda if mmr_lambda is None else mmr_lambda,
                      artist_cap=chosen.artist_cap if artist_cap is None else artist_cap,
                      exclude_seen=exclude_seen)
        return config, {**self.learned_weights(), **chosen.weights, **(weights or {})}, rules

    def recommend_all(self, *, k: int = 10, profile: str | None = None,
                      weights: dict[str, float] | None = None, explain: bool = False,
                      progress: ProgressFn | None = None,
                      cancel: CancelToken | None = None) -> list[dict]:
        """Top ``k`` for every visitor as export rows (see :meth:`iter_all`), in one list."""
        return [row for rows in self.iter_all(k=k, profile=profile, weights=weights,
                                              explain=explain, progress=progress, cancel=cancel)
                for row in rows]

    def iter_all(self, *, k: int = 10, profile: str | None = None,
                 weights: dict[str, float] | None = None, explain: bool = False,
                 memory: int | None = None, progress: ProgressFn | None = None,
                 cancel: CancelToken | None = None) -> Iterator[list[dict]]:
        """Top ``k`` for every visitor as export rows (see
        :func:`..recommend.export.export_rows`), one batch of visitors at a time.

        Visitors are scored together in batches that fit in ``memory`` bytes (default
        :data:`..recommend.hybrid.BATCH_BYTES`), so the whole run holds one batch's scores
        and the caller writes each batch's rows before the next is made. The rows carry
        each signal's contribution and share; the sentence explaining a row is written only
        with ``explain`` (one visitor at a time, far slower). Call from a worker thread.
        """
        from ..progress import check, report
        from ..recommend.hybrid import BATCH_BYTES, batch_size

        checks.count("The number of recommendations (-k)", k)
        config, merged, rules = self._choice(profile, weights)
        rec = self.recommender(config)
        users = self._catalog.visitors.ids()
        size = 1 if explain else batch_size(rec.interactions.n_items, len(rec.signals),
                                            BATCH_BYTES if memory is None else memory)
        for start in range(0, len(users), size):
            check(cancel)
            part = users[start:start + size]
            if explain:
                lists = [(u, rec.recommend_explained(u, k, weights=merged, rules=rules))
                         for u in part]
            else:
                lists = self._unexplained(rec, part, k, merged, rules)
            yield self._rows(lists, sorted({r.item_id for _, recs in lists for r in recs}))
            report(progress, start + len(part), len(users), "Recommending")

    @staticmethod
    def _unexplained(rec, users: list[str], k: int, weights, rules) -> list[tuple]:
        """Lists for ``users`` through the batch path: parts of every score, no sentences."""
        import numpy as np

        from ..recommend.hybrid import Part, Recommendation

        idx = np.asarray([rec.interactions.user_index(u) for u in users], dtype=object)
        known = np.flatnonzero(idx != None)  # noqa: E711 (an object array)
        chosen, parts = rec.top_parts(idx[known].astype(np.int64), k, weights=weights,
                                      rules=rules)
        item_ids = rec.interactions.item_ids
        lists: dict[int, list] = {}
        for row, at in enumerate(known):
            recs = []
            for j in range(k):
                if chosen[row, j] < 0:
                    break
                p = {name: Part(*(float(a[row, j]) for a in arrays))
                     for name, arrays in parts.items()}
                recs.append(Recommendation(str(item_ids[chosen[row, j]]),
                                           float(sum(x.contribution for x in p.values())),
                                           p, {}, ""))
            lists[int(at)] = recs
        # a visitor added since the fit (none in a fresh fit) gets the one-visitor path
        return [(u, lists[n] if n in lists else
                 rec.recommend_explained(u, k, weights=weights, rules=rules))
                for n, u in enumerate(users)]

    def export_rows(self, user_id: str | None, recs: list) -> list[dict]:
        """A list already made (``recommend``'s result) as export rows with titles, artists,
        dates and explanations."""
        return self._rows([(user_id, recs)], [r.item_id for r in recs])

    def _rows(self, lists: list[tuple], wanted: list[str]) -> list[dict]:
        from ..recommend.export import export_rows

        artworks = {a["id"]: a for a in self._catalog.artworks.get(wanted)}
        return [row for user, recs in lists for row in export_rows(user, recs, artworks)]

    # -- profiles -------------------------------------------------------------------------
    def profiles(self):
        """The saved profiles, by name; read once until a change is applied (each
        recommendation asks for its profile). Any thread may call this."""
        from ..recommend.profiles import list_profiles

        return list(self._caches.get("profiles", lambda: list_profiles(self._store)))

    def profile(self, name: str | None = None):
        """A saved profile by name; without a name the default one (or the built-in)."""
        from ..recommend.profiles import pick_profile

        return pick_profile(self.profiles(), name)

    def save_profile(self, profile, *, make_default: bool = False) -> Changes:
        from ..recommend.profiles import save_profile

        save_profile(self._store, profile, make_default=make_default)
        return self._catalog.apply(Changes(profiles=True, count=1,
                                           message=f"Profile {profile.name!r} saved."))

    def delete_profile(self, name: str) -> Changes:
        from ..recommend.profiles import delete_profile

        delete_profile(self._store, name)
        return self._catalog.apply(Changes(profiles=True, count=1,
                                           message=f"Profile {name!r} deleted."))

    def fit_profile(self, name: str | None = None, *, split: str = "stratified",
                    make_default: bool = False, progress: ProgressFn | None = None,
                    cancel: CancelToken | None = None):
        """Fit a profile's weights, MMR lambda and half-life to this catalog's histories and
        save it (see :mod:`..evaluate.fit`); returns the :class:`~..evaluate.fit.FitReport`.

        ``name`` defaults to the default profile; a new name starts from the built-in one.
        Slow (seconds to minutes): the app runs it as a background job.
        """
        import numpy as np

        from ..evaluate.fit import fit_profile
        from ..recommend.build import aligned_vectors
        from ..recommend.explain import ItemInfo
        from ..recommend.interactions import Interactions
        from ..recommend.profiles import BUILT_IN, Profile

        if split not in ("stratified", "temporal"):
            raise CuratorError(f"Unknown split {split!r}; use stratified or temporal.")
        saved = {p.name: p for p in self.profiles()}
        if name is None:
            base = self.profile()
        else:
            base = saved.get(name) or (BUILT_IN if name == BUILT_IN.name else Profile(name))
        inter = Interactions.from_store(self._store)
        if len(np.unique(inter.users)) < 2:
            raise CuratorError("Fitting needs the histories of several visitors; import "
                               "events first.")
        info = ItemInfo.from_store(self._store, inter.item_ids)
        index = self._catalog.embeddings.text_index_or_none()
        result = fit_profile(inter, info, aligned_vectors(index, inter.item_ids), base,
                             split=split, progress=progress, cancel=cancel)
        self.save_profile(result.profile, make_default=make_default or base.is_default)
        return result

    def fit_default_if_ready(self, *, progress: ProgressFn | None = None,
                             cancel: CancelToken | None = None):
        """Fit the default profile once: when the catalog is embedded, has enough history
        and no profile has been saved yet. Returns the report, or None when not due."""
        from ..evaluate.fit import enough_history
        from ..recommend.interactions import Interactions

        if self._catalog.read_only or self.profiles() \
                or self._catalog.embeddings.text_index_or_none() is None:
            return None
        if not enough_history(Interactions.from_store(self._store)):
            return None
        # temporal: the settings that best predict what visitors do next from what they did
        return self.fit_profile(None, split="temporal", make_default=True, progress=progress,
                                cancel=cancel)

    # -- evaluation -----------------------------------------------------------------------
    def evaluation(self, *, split: str = "stratified", ratio: float = 0.75, seed: int = 42,
                   last_n: int | None = None, k: int = 10,
                   half_life_days: float | None = DEFAULT_HALF_LIFE_DAYS,
                   kind_weights: dict[str, float] | None = None,
                   max_users: int | None = 2000):
        """An :class:`~..evaluate.runner.Evaluation` over this catalog's histories."""
        from ..evaluate.runner import Evaluation
        from ..evaluate.splits import stratified_split, temporal_split
        from ..recommend.build import aligned_vectors
        from ..recommend.explain import ItemInfo
        from ..recommend.interactions import DEFAULT_KIND_WEIGHTS, Interactions, WeightConfig

        checks.count("The list length (-k)", k)
        checks.number("The training share (--ratio)", ratio, high=1.0, low_open=True)
        if last_n is not None:
            checks.count("--last-n", last_n)
        if half_life_days is not None:
            checks.number("The half-life in days", half_life_days, low_open=True)
        checks.weights("The weight of event kind", kind_weights)
        inter = Interactions.from_store(self._store)
        if len(inter.users) == 0:
            raise CuratorError("There are no visitor histories to evaluate; import some first.")
        if split == "stratified":
            train = stratified_split(inter, ratio, seed)
        elif split == "temporal":
            train = temporal_split(inter, last_n=last_n, fraction=None if last_n else 1 - ratio)
        else:
            raise CuratorError(f"Unknown split {split!r}; use stratified or temporal.")
        info = ItemInfo.from_store(self._store, inter.item_ids)
        index = self._catalog.embeddings.content_index_or_none()
        return Evaluation(inter, train, signals=self.signals(), info=info,
                          vectors=aligned_vectors(index, inter.item_ids),
                          config=WeightConfig(
                              kind_weights={**DEFAULT_KIND_WEIGHTS, **(kind_weights or {})},
                              half_life_days=half_life_days),
                          k=k, max_users=max_users)

    # -- learned signals ------------------------------------------------------------------
    def train_sequence(self, *, epochs: int | None = None, device: str = "auto",
                       profile: str | None = None, settings=None,
                       progress: ProgressFn | None = None,
                       cancel: CancelToken | None = None) -> Changes:
        """Learn "what next" from the order of every visitor's history; switch the sequence
        signal on only when it improves the validation split (the latest fifth of each
        visitor's events). Saved beside the database; a cancelled run resumes.

        Call from a worker thread; it takes seconds to minutes on a CPU.
        """
        from dataclasses import replace

        from ..embedding.text_encoder import pick_device
        from ..learn.files import learned_dir
        from ..learn.sequence import SequenceConfig, train_signal
        from ..recommend.build import aligned_vectors, default_signals
        from ..recommend.explain import ItemInfo
        from ..recommend.interactions import Interactions

        inter = Interactions.from_store(self._store)
        if len(inter.users) == 0:
            raise CuratorError("There are no visitor histories to learn from; import some first.")
        chosen = self.profile(profile)
        cfg = settings or SequenceConfig()  # model size and training (a SequenceConfig)
        if epochs is not None:
            cfg = replace(cfg, epochs=epochs)
        embeddings = self._catalog.embeddings
        report = train_signal(inter, ItemInfo.from_store(self._store, inter.item_ids),
                              aligned_vectors(embeddings.content_index_or_none(),
                                              inter.item_ids),
                              aligned_vectors(embeddings.text_index_or_none(), inter.item_ids),
                              config=chosen.weight_config(), weights=chosen.weights,
                              signals=default_signals(), folder=learned_dir(self._catalog.path),
                              cfg=cfg, device=pick_device(device), progress=progress,
                              cancel=cancel)
        return self._catalog.apply(Changes(learned=True, message=report.summary(),
                                           detail=report))
