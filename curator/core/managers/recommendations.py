"""Recommendations: fitted recommenders, one visitor's explained list, profiles, evaluation."""

from __future__ import annotations

from ..changes import Changes
from ..errors import CuratorError
from ..progress import CancelToken, ProgressFn
from .base import Manager


class RecommendationManager(Manager):
    """``catalog.recommendations``: what each visitor is shown, and why."""

    def recommender(self, config=None):
        """The fitted hybrid recommender for a :class:`WeightConfig` (kind weights, decay).

        The last few configurations stay fitted (one per profile in use) until the catalog
        or the histories change. Any thread may call this.
        """
        from ..recommend.build import build
        from ..recommend.interactions import WeightConfig

        config = config or WeightConfig()
        key = repr(sorted(config.to_json().items()))
        index = self._catalog.embeddings.content_index_or_none()
        return self._caches.recommender(
            key, lambda: build(self._store, index, config, signals=self.signals()))

    def signals(self) -> list:
        """Fresh, unfitted signals: the built-in ones, plus the sequence signal when one was
        trained and switched on (see :meth:`train_sequence`)."""
        from ..learn.files import learned_dir
        from ..learn.sequence import saved_signal
        from ..recommend.build import default_signals

        saved = saved_signal(learned_dir(self._catalog.path))
        return default_signals() + ([saved[0]] if saved else [])

    def learned_weights(self) -> dict[str, float]:
        """Weights of switched-on learned signals (a profile's own weights override them)."""
        from ..learn.files import learned_dir
        from ..learn.sequence import saved_signal

        saved = saved_signal(learned_dir(self._catalog.path))
        return {"sequence": saved[1]} if saved else {}

    def recommend(self, user_id: str | None, *, k: int = 20, profile: str | None = None,
                  weights: dict[str, float] | None = None, mmr_lambda: float | None = None,
                  artist_cap: int | None = None, brief: str | None = None,
                  exclude_seen: bool = True):
        """One visitor's top ``k`` with score breakdowns and explanations.

        ``weights`` (signal -> weight) override the profile's; an unknown or new visitor
        gets popularity and, with ``brief``, artworks matching the curator's brief.
        """
        from ..recommend.hybrid import Rules
        from ..recommend.profiles import get_profile

        chosen = get_profile(self._store, profile)
        rec = self.recommender(chosen.weight_config())
        if user_id is not None and rec.interactions.user_index(user_id) is None:
            if not self._catalog.visitors.exists(user_id):
                raise CuratorError(f"There is no visitor {user_id!r}; use --brief for a new one.")
        rules = Rules(mmr_lambda=chosen.mmr_lambda if mmr_lambda is None else mmr_lambda,
                      artist_cap=chosen.artist_cap if artist_cap is None else artist_cap,
                      exclude_seen=exclude_seen)
        brief_scores = None
        if brief:
            from ..recommend.build import aligned_vectors

            embeddings = self._catalog.embeddings
            vectors = rec.data.vectors if rec.data.vectors is not None else aligned_vectors(
                embeddings.text_index(), rec.interactions.item_ids)
            brief_scores = vectors @ embeddings.content_encoder().encode([brief])[0]
        return rec.recommend_explained(user_id, k, weights={**self.learned_weights(),
                                                            **chosen.weights, **(weights or {})},
                                       rules=rules, brief_scores=brief_scores)

    def recommend_all(self, *, k: int = 10, profile: str | None = None,
                      weights: dict[str, float] | None = None, progress: ProgressFn | None = None,
                      cancel: CancelToken | None = None) -> list[dict]:
        """Top ``k`` for every visitor as rows: user, rank, artwork, score, signal parts."""
        from ..progress import check, report

        users = self._catalog.visitors.ids()
        rows = []
        for n, user in enumerate(users):
            for rank, r in enumerate(self.recommend(user, k=k, profile=profile,
                                                    weights=weights), 1):
                rows.append({"user": user, "rank": rank, "artwork": r.item_id,
                             "score": round(r.score, 6),
                             **{name: round(v, 6) for name, v in r.breakdown().items()}})
            report(progress, n + 1, len(users), "Recommending")
            check(cancel)
        return rows

    # -- profiles -------------------------------------------------------------------------
    def profiles(self):
        from ..recommend.profiles import list_profiles

        return list_profiles(self._store)

    def profile(self, name: str | None = None):
        from ..recommend.profiles import get_profile

        return get_profile(self._store, name)

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

    # -- evaluation -----------------------------------------------------------------------
    def evaluation(self, *, split: str = "stratified", ratio: float = 0.75, seed: int = 42,
                   last_n: int | None = None, k: int = 10,
                   half_life_days: float | None = 365.0,
                   kind_weights: dict[str, float] | None = None,
                   max_users: int | None = 2000):
        """An :class:`~..evaluate.runner.Evaluation` over this catalog's histories."""
        from ..evaluate.runner import Evaluation
        from ..evaluate.splits import stratified_split, temporal_split
        from ..recommend.build import aligned_vectors
        from ..recommend.explain import ItemInfo
        from ..recommend.interactions import DEFAULT_KIND_WEIGHTS, Interactions, WeightConfig

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
        from ..recommend.profiles import get_profile

        inter = Interactions.from_store(self._store)
        if len(inter.users) == 0:
            raise CuratorError("There are no visitor histories to learn from; import some first.")
        chosen = get_profile(self._store, profile)
        cfg = settings or SequenceConfig()  # model size and training (a SequenceConfig)
        if epochs is not None:
            cfg = replace(cfg, epochs=epochs)
        index = self._catalog.embeddings.content_index_or_none()
        report = train_signal(inter, ItemInfo.from_store(self._store, inter.item_ids),
                              aligned_vectors(index, inter.item_ids),
                              config=chosen.weight_config(), weights=chosen.weights,
                              signals=default_signals(), folder=learned_dir(self._catalog.path),
                              cfg=cfg, device=pick_device(device), progress=progress,
                              cancel=cancel)
        return self._catalog.apply(Changes(learned=True, message=report.summary(),
                                           detail=report))
