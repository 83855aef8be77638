"""The shape of the house: front ends go through the facade; every mutation says what changed."""

import ast
import threading
from pathlib import Path

import pytest

from curator.core.caches import RECOMMENDERS_KEPT, Caches
from curator.core.catalog import Catalog
from curator.core.changes import Changes

ROOT = Path(__file__).resolve().parents[2]
FRONT_ENDS = [*sorted((ROOT / "curator" / "ui").rglob("*.py")), ROOT / "curator" / "cli.py",
              ROOT / "curator" / "app.py"]


@pytest.mark.parametrize("path", FRONT_ENDS, ids=lambda p: str(p.relative_to(ROOT)))
def test_front_ends_never_reach_past_the_facade(path):
    """No store, no SQL, no settings helpers in the app or the command line."""
    tree = ast.parse(path.read_text())
    bad = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in ("store", "execute", "sql", "con"):
            bad.append(f"line {node.lineno}: .{node.attr}")
        if isinstance(node, ast.ImportFrom) and node.module and node.module.endswith(
                ("core.store", "core.settings", "core.maintenance")):
            bad.append(f"line {node.lineno}: imports {node.module}")
    assert not bad, f"{path.name} reaches past the Catalog facade: {bad}"


def test_every_mutation_returns_one_change_record(loaded, tmp_path):
    events = tmp_path / "h.csv"
    events.write_text("user_id,artwork_id,kind,value,timestamp\n"
                      "ann,A1,view,,2024-01-01T00:00:00\n")
    results = [
        loaded.imports.events(events),
        loaded.embeddings.set_template("{title}"),
        loaded.embeddings.set_template(None),
        loaded.visitors.delete("ann"),
    ]
    assert all(isinstance(r, Changes) for r in results)
    imported, template, _, deleted = results
    assert imported.events and imported.visitors and not imported.artworks
    assert imported.batch_id is not None and imported.count == 1
    assert template.vectors and not template.events
    assert deleted.visitors and deleted.count == 1
    undone = loaded.imports.undo(imported.batch_id)
    assert isinstance(undone, Changes) and undone.events and undone.batch_id == imported.batch_id


def test_switching_profiles_keeps_each_fitted_recommender(loaded):
    """Compare-with switches between profiles without refitting either one."""
    from curator.core.recommend.interactions import WeightConfig

    first = loaded.recommendations.recommender(WeightConfig(half_life_days=30))
    second = loaded.recommendations.recommender(WeightConfig(half_life_days=300))
    assert first is not second
    assert loaded.recommendations.recommender(WeightConfig(half_life_days=30)) is first
    assert loaded.recommendations.recommender(WeightConfig(half_life_days=300)) is second


def test_profiles_and_settings_are_read_once_and_fresh_after_a_change(loaded, monkeypatch):
    """Each recommendation reads its profile and the embedding settings from memory, and a
    profile or template saved through the facade counts from the next call on."""
    from curator.core.recommend import profiles
    from curator.core.recommend.profiles import Profile

    reads = []
    real = profiles.list_profiles
    monkeypatch.setattr(profiles, "list_profiles", lambda store: reads.append(1) or real(store))
    recs = loaded.recommendations
    recs.profile(), recs.profile(), recs.profiles()
    assert len(reads) == 1
    recs.save_profile(Profile("sea", weights={"content": 1.0}), make_default=True)
    assert recs.profile().name == "sea" and recs.profile().weights == {"content": 1.0}
    assert len(reads) == 2
    recs.delete_profile("sea")
    assert recs.profile().name != "sea"

    assert loaded.embeddings.template() != "{title}"
    loaded.embeddings.set_template("{title}")
    assert loaded.embeddings.template() == "{title}"
    loaded.embeddings.set_template(None)
    assert loaded.embeddings.template() != "{title}"


def test_a_change_to_histories_drops_fitted_recommenders(loaded, tmp_path):
    before = loaded.recommendations.recommender()
    events = tmp_path / "h.csv"
    events.write_text("user_id,artwork_id,kind,value,timestamp\n"
                      "bob,A2,favourite,,2024-01-01T00:00:00\n")
    loaded.imports.events(events)
    assert loaded.recommendations.recommender() is not before


def test_caches_build_once_under_concurrent_readers():
    caches = Caches()
    builds = []
    barrier = threading.Barrier(8)

    def build():
        builds.append(1)
        return object()

    def reader(out):
        barrier.wait()
        out.append(caches.get("text_index:x", build))

    got: list = []
    threads = [threading.Thread(target=reader, args=(got,)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(builds) == 1 and len({id(v) for v in got}) == 1


def test_caches_keep_the_last_few_recommenders_and_drop_on_change():
    caches = Caches()
    for n in range(RECOMMENDERS_KEPT + 2):
        caches.recommender(f"p{n}", lambda n=n: n)
    assert caches.recommender("p0", lambda: "refit") == "refit"  # the oldest went
    assert caches.recommender(f"p{RECOMMENDERS_KEPT + 1}", lambda: "refit") == RECOMMENDERS_KEPT + 1
    caches.invalidate(Changes(events=True))
    assert caches.recommender("p1", lambda: "refit") == "refit"


def test_a_value_built_while_a_change_lands_is_not_kept():
    caches = Caches()

    def build():
        caches.invalidate(Changes(artworks=True))  # an import lands during the build
        return "stale"

    assert caches.get("text_index:x", build) == "stale"
    assert caches.get("text_index:x", lambda: "fresh") == "fresh"


def test_catalog_facade_is_thin():
    public = [n for n in vars(Catalog) if not n.startswith("_")]
    assert len(public) <= 8, public



def unnamed_jobs(source: str) -> list[str]:
    """Calls of ``<…>.jobs.start(key, ...)`` and ``<…>.jobs.submit(..., key=...)`` whose key
    is not written as a member of ``Op``."""
    from curator.ui.operations import Op

    bad = []
    for call in ast.walk(ast.parse(source)):
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
                and call.func.attr in ("start", "submit")):
            continue
        owner = call.func.value
        if (owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")) \
                != "jobs":
            continue
        if call.func.attr == "start":
            key = call.args[0] if call.args else None
        else:
            key = next((k.value for k in call.keywords if k.arg == "key"), None)
        if not (isinstance(key, ast.Attribute) and isinstance(key.value, ast.Name)
                and key.value.id == "Op" and key.attr in Op.__members__):
            bad.append(f"line {call.lineno}: {ast.unparse(key) if key else 'no key'}")
    return bad


@pytest.mark.parametrize("path", sorted((ROOT / "curator" / "ui").rglob("*.py")),
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_every_background_job_is_named_by_an_operation(path):
    """Each job a view starts is keyed by a member of ``Op``, written as such: a string
    (even one of Op's values) would name a job outside ``curator/ui/operations.py``."""
    bad = unnamed_jobs(path.read_text())
    assert not bad, f"{path.name} starts jobs not named by an Op: {bad}"


def test_the_job_key_check_refuses_strings_and_unknown_names():
    source = ("def f(self, jobs):\n"
              "    self.jobs.submit(work, key='tuning-build')\n"
              "    jobs.start('embed', work)\n"
              "    self.jobs.start(Op.NO_SUCH_JOB, work)\n"
              "    self.jobs.submit(work)\n"
              "    self.jobs.start(Op.EMBED, work)\n"
              "    self.jobs.submit(work, key=Op.TUNING)\n")
    assert unnamed_jobs(source) == ["line 2: 'tuning-build'", "line 3: 'embed'",
                                    "line 4: Op.NO_SUCH_JOB", "line 5: no key"]
