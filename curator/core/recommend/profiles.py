"""Weight profiles: named sets of signal weights and re-ranking settings, kept in the database."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from .. import checks
from ..errors import CuratorError
from ..store import Store
from .build import DEFAULT_WEIGHTS
from .interactions import DEFAULT_HALF_LIFE_DAYS


@dataclass(frozen=True)
class Profile:
    name: str
    weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    mmr_lambda: float = 1.0
    artist_cap: int | None = None
    half_life_days: float | None = DEFAULT_HALF_LIFE_DAYS
    # How much each kind of event counts (view, favourite, purchase, ...); None: defaults.
    kind_weights: dict[str, float] | None = None
    is_default: bool = False
    # How the settings were fitted from the histories (split, events, nDCG@10 on the
    # validation and test events, when); None for a profile set by hand.
    fitted: dict | None = None

    def check(self) -> Profile:
        """Refuse weights and settings that are not finite or out of range (never saved)."""
        checks.weights("The weight of", self.weights)
        checks.weights("The weight of event kind", self.kind_weights)
        checks.number("mmr_lambda (diversity)", self.mmr_lambda, high=1.0)
        if self.artist_cap is not None:
            checks.count("The artist cap", self.artist_cap)
        if self.half_life_days is not None:
            checks.number("The half-life in days", self.half_life_days, low_open=True)
        return self

    def params(self) -> dict:
        return {"mmr_lambda": self.mmr_lambda, "artist_cap": self.artist_cap,
                "half_life_days": self.half_life_days, "kind_weights": self.kind_weights,
                "fitted": self.fitted}

    def provenance(self) -> str:
        """How the settings came about, in a phrase."""
        f = self.fitted
        if not f:
            return "set by hand"
        return (f"fitted {f['at']} on {f['events']:,} events ({f['split']} split; nDCG@10 "
                f"validation {f['validation_ndcg']:.3f}, test {f['test_ndcg']:.3f})")

    def weight_config(self):
        from .interactions import DEFAULT_KIND_WEIGHTS, WeightConfig

        return WeightConfig(kind_weights={**DEFAULT_KIND_WEIGHTS, **(self.kind_weights or {})},
                            half_life_days=self.half_life_days)


BUILT_IN = Profile("balanced", is_default=True)


def parse_weights(text: str) -> dict[str, float]:
    """``content=0.3,item=1`` -> ``{"content": 0.3, "item": 1.0}``."""
    weights = {}
    for part in text.split(","):
        if not part.strip():
            continue
        name, sep, value = part.partition("=")
        try:
            if not sep:
                raise ValueError
            weights[name.strip()] = float(value)
        except ValueError:
            raise CuratorError(f"Weights are written name=number, comma-separated; "
                               f"{part.strip()!r} is not.") from None
    return checks.weights("The weight of", weights)


def save_profile(store: Store, profile: Profile, *, make_default: bool = False) -> None:
    if not profile.name.strip():
        raise CuratorError("A profile needs a name.")
    profile.check()
    with store.transaction() as cur:
        if make_default:
            cur.execute("UPDATE weight_profiles SET is_default = FALSE WHERE is_default")
        cur.execute("DELETE FROM weight_profiles WHERE name = ?", [profile.name])
        cur.execute("INSERT INTO weight_profiles VALUES (?, ?, ?, ?, now())",
                    [profile.name, json.dumps(profile.weights), json.dumps(profile.params()),
                     make_default or profile.is_default])


def list_profiles(store: Store) -> list[Profile]:
    cur = store.cursor()
    try:
        rows = cur.execute("SELECT name, weights, params, is_default FROM weight_profiles "
                           "ORDER BY name").fetchall()
    finally:
        cur.close()
    return [Profile(name, json.loads(w), is_default=d, **json.loads(p)) for name, w, p, d in rows]


def get_profile(store: Store, name: str | None = None) -> Profile:
    """A saved profile by name; without a name the default one (or the built-in)."""
    return pick_profile(list_profiles(store), name)


def pick_profile(profiles: list[Profile], name: str | None = None) -> Profile:
    """:func:`get_profile` among profiles already read."""
    if name is None:
        return next((p for p in profiles if p.is_default), BUILT_IN)
    for p in profiles:
        if p.name == name:
            return p
    if name == BUILT_IN.name:
        return BUILT_IN
    known = ", ".join(p.name for p in profiles) or "none saved"
    raise CuratorError(f"There is no weight profile {name!r} ({known}).")


def delete_profile(store: Store, name: str) -> None:
    with store.transaction() as cur:
        cur.execute("DELETE FROM weight_profiles WHERE name = ?", [name])
