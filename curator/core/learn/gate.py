"""Whether a learned model earns its place: measured on a validation split of the training events.

The validation split holds out the last ``VALIDATION_FRACTION`` of each visitor's events
(time order), so a model is judged on what visitors did *after* what it learned from, and
the test events of an offline evaluation are never touched. A learned model is switched on
only when it raises the validation nDCG@10 by at least ``MIN_GAIN`` (relative: a smaller
gain over a few hundred visitors is within the noise of the split).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from ..evaluate.splits import temporal_split
from ..recommend.explain import ItemInfo
from ..recommend.interactions import Interactions, WeightConfig
from ..recommend.signals import Signal

VALIDATION_FRACTION = 0.2
MIN_GAIN = 0.02
WEIGHT_GRID = (0.1, 0.25, 0.5, 1.0, 2.0)
MAX_USERS = 2000


@dataclass(frozen=True)
class Verdict:
    """The validation figures behind switching a learned model on or leaving it off."""

    enabled: bool
    baseline: float        # validation nDCG@10 of what is in use now
    learned: float         # validation nDCG@10 with the learned model
    weight: float | None   # the weight chosen for a new signal (None for a replacement)
    users: int             # visitors in the validation split

    def to_json(self) -> dict:
        return asdict(self)

    def summary(self, what: str, against: str = "without it") -> str:
        state = "switched on" if self.enabled else "left off"
        gain = (self.learned / self.baseline - 1) * 100 if self.baseline > 0 else float("inf")
        weight = f" at weight {self.weight:g}" if self.enabled and self.weight is not None \
            else ""
        return (f"{what} {state}{weight}: validation nDCG@10 {self.learned:.4f} against "
                f"{self.baseline:.4f} {against} ({gain:+.1f}%, {self.users:,} visitors; "
                f"it needs {MIN_GAIN * 100:+.0f}%).")


def validation_mask(inter: Interactions) -> np.ndarray:
    """Training part of the validation split: all but each visitor's latest events."""
    return temporal_split(inter, fraction=VALIDATION_FRACTION)


def beats(learned: float, baseline: float) -> bool:
    return learned > 0 and learned >= baseline * (1 + MIN_GAIN) and learned > baseline


def judge_signal(inter: Interactions, info: ItemInfo, vectors: np.ndarray | None,
                 config: WeightConfig, weights: dict[str, float], signals: list[Signal],
                 new: Signal) -> Verdict:
    """Validation nDCG@10 of the hybrid with ``weights``, against it plus ``new`` at the best
    weight of :data:`WEIGHT_GRID`. ``new`` must already be trained on the validation split's
    training part only."""
    from ..evaluate.runner import Evaluation

    ev = Evaluation(inter, validation_mask(inter), signals=[*signals, new], info=info,
                    vectors=vectors, config=config, k=10, max_users=MAX_USERS)
    base = {**weights, new.name: 0.0}
    baseline = ev.measure(base).metrics["ndcg"]
    best, best_w = -1.0, WEIGHT_GRID[0]
    for w in WEIGHT_GRID:
        score = ev.measure({**base, new.name: w}).metrics["ndcg"]
        if score > best:
            best, best_w = score, w
    return Verdict(beats(best, baseline), baseline, best, best_w, len(ev.users))


def judge_vectors(inter: Interactions, info: ItemInfo, config: WeightConfig,
                  frozen: np.ndarray, tuned: np.ndarray, users: np.ndarray) -> Verdict:
    """Validation nDCG@10 of the content signal alone with the frozen vectors and with the
    fine-tuned ones, judged on the latest events of ``users`` (the held-out visitors, whose
    events the fine-tuning never saw); their earlier events are the histories."""
    from ..evaluate.runner import Evaluation
    from ..recommend.signals import ContentSignal

    mask = validation_mask(inter) | ~np.isin(inter.users, users)
    figures, count = [], 0
    for vectors in (frozen, tuned):
        ev = Evaluation(inter, mask, signals=[ContentSignal()], info=info, vectors=vectors,
                        config=config, k=10, max_users=MAX_USERS)
        figures.append(ev.measure({"content": 1.0}).metrics["ndcg"])
        count = len(ev.users)
    return Verdict(beats(figures[1], figures[0]), figures[0], figures[1], None, count)
