"""Embedding on a Ray cluster (a local one here) and attaching the vectors at the desk."""

import json
import sys

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from curator.core.catalog import Catalog
from curator.core.embedding.cluster import MANIFEST, embed_on_cluster
from curator.core.errors import CuratorError

from ...conftest import snapshot, write

SUBJECTS = ["sea", "storm", "river", "portrait", "garden", "city", "night", "mountain", "ship",
            "harvest"]
MEDIA = ["Oil paint on canvas", "Watercolour on paper", "Graphite on paper", "Bronze",
         "Etching"]


def catalog_csv(n: int = 50, *, renamed: int | None = None, skip: tuple = ()) -> str:
    lines = ["accession_number,title,artist,date,medium,tags"]
    for i in range(n):
        if i in skip:
            continue
        title = f"{SUBJECTS[i % 10].title()} study {i}" + (" (retitled)" if i == renamed else "")
        lines.append(f"W{i:03d},{title},Artist {i % 7},{1800 + i},{MEDIA[i % 5]},"
                     f"{SUBJECTS[i % 10]}|{SUBJECTS[(i * 3) % 10]}")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def cluster_run(tmp_path_factory):
    """The same 50 works embedded on one machine and on a local Ray cluster."""
    ray = pytest.importorskip("ray")
    folder = tmp_path_factory.mktemp("cluster")
    desk = Catalog(folder / "desk.duckdb")
    desk.imports.catalog(write(folder / "cat.csv", catalog_csv()))
    desk.embeddings.embed(device="cpu")
    reference = desk.embeddings.text_index()
    exported = folder / "catalog.parquet"
    assert desk.embeddings.export_catalog(exported) == 50
    ray.init(num_cpus=1, include_dashboard=False, log_to_driver=False)
    try:
        result = embed_on_cluster(exported, folder / "vectors", batch_size=16)
    finally:
        ray.shutdown()
    yield folder, result, reference
    desk.close()


def test_cluster_vectors_match_the_desk_embedder(cluster_run, tmp_path):
    folder, result, reference = cluster_run
    assert result.rows == 50 and result.shards >= 1
    manifest = json.loads((folder / "vectors" / MANIFEST).read_text())
    assert manifest["dim"] == reference.matrix.shape[1]
    with Catalog(tmp_path / "other.duckdb") as other:
        other.imports.catalog(write(tmp_path / "cat.csv", catalog_csv()))
        changes = other.embeddings.attach_vectors(folder / "vectors")
        detail = changes.detail
        assert (detail.matched, detail.stale, detail.unknown, detail.missing) == (50, 0, 0, 0)
        assert other.embeddings.progress().done  # nothing left to embed at the desk
        attached = other.embeddings.text_index()
        rows = attached.positions(reference.ids)
        assert (rows >= 0).all()
        cosines = np.einsum("ij,ij->i", attached.matrix[rows], reference.matrix)
        assert cosines.min() >= 0.999
        assert [h.id for h in other.artworks.similar("W003", k=5)] == \
            [i for i, _ in reference.top_k(reference.matrix[reference.position("W003")], 5,
                                           exclude={"W003"})]


def test_stale_and_unknown_vectors_are_counted_and_left_out(cluster_run, tmp_path):
    folder, _, _ = cluster_run
    with Catalog(tmp_path / "changed.duckdb") as other:
        # W007 was retitled since the export; W010 and W011 are not in this catalog.
        other.imports.catalog(write(tmp_path / "cat.csv",
                                    catalog_csv(renamed=7, skip=(10, 11))))
        detail = other.embeddings.attach_vectors(folder / "vectors").detail
        assert (detail.matched, detail.stale, detail.unknown, detail.missing) == (47, 1, 2, 1)
        assert "1 were stale" in detail.summary() or "1 was stale" in detail.summary()
        assert other.embeddings.progress().embedded == 47  # W007 still needs embedding


def fake_shards(folder, manifest: dict, vectors: list, ids=None):
    folder.mkdir()
    ids = ids or [f"W{i:03d}" for i in range(len(vectors))]
    pq.write_table(pa.table({"artwork_id": ids, "content_hash": ["h"] * len(ids),
                             "vector": pa.array(vectors, type=pa.list_(pa.float32()))}),
                   folder / "part-0.parquet")
    (folder / MANIFEST).write_text(json.dumps(manifest))
    return folder


def desk_manifest(catalog) -> dict:
    status = catalog.embeddings.status()
    return {"model_id": status.model_id, "dim": status.dim, "template": status.template}


def test_shards_of_another_model_or_shape_are_refused_and_nothing_changes(catalog, tmp_path):
    catalog.imports.catalog(write(tmp_path / "cat.csv", catalog_csv(5)))
    good = desk_manifest(catalog)
    before = snapshot(catalog)
    other_model = fake_shards(tmp_path / "a", {**good, "model_id": "someone:else:384"},
                              [[0.1] * good["dim"]])
    with pytest.raises(CuratorError, match="someone:else:384.*nothing attached"):
        catalog.embeddings.attach_vectors(other_model)
    short = fake_shards(tmp_path / "b", good, [[0.1] * good["dim"], [0.1] * 3])
    with pytest.raises(CuratorError, match=r"part-0\.parquet, row 2: the vector is missing"):
        catalog.embeddings.attach_vectors(short)
    holes = fake_shards(tmp_path / "c", good, [[0.1] * good["dim"], None])
    with pytest.raises(CuratorError, match="row 2: the vector"):
        catalog.embeddings.attach_vectors(holes)
    with pytest.raises(CuratorError, match="no manifest.json"):
        catalog.embeddings.attach_vectors(tmp_path)
    assert snapshot(catalog) == before


def test_export_writes_the_texts_the_desk_embeds(loaded, tmp_path):
    out = tmp_path / "export.parquet"
    assert loaded.embeddings.export_catalog(out) == 4
    table = pq.read_table(out)
    assert table.column_names == ["id", "content_hash", "text"]
    assert table.column("text")[0].as_py() == loaded.embeddings.text("A1")
    assert table.schema.metadata[b"curator.template"].decode() == loaded.embeddings.template()
    with pytest.raises(CuratorError, match=r"\.parquet file"):
        loaded.embeddings.export_catalog(tmp_path / "export.csv")


def test_without_ray_the_message_says_how_to_install_it(loaded, tmp_path, monkeypatch):
    out = tmp_path / "export.parquet"
    loaded.embeddings.export_catalog(out)
    monkeypatch.setitem(sys.modules, "ray", None)
    with pytest.raises(CuratorError, match=r"curator\[cluster\]"):
        embed_on_cluster(out, tmp_path / "vectors")
    with pytest.raises(CuratorError, match="lacks the column"):
        pq.write_table(pa.table({"id": ["A1"]}), tmp_path / "bad.parquet")
        embed_on_cluster(tmp_path / "bad.parquet", tmp_path / "vectors")


def test_cli_export_and_a_clear_message_without_ray(loaded, tmp_path, monkeypatch, capsys):
    from curator.cli import main

    db = loaded.store.path
    loaded.close()
    out = tmp_path / "export.parquet"
    assert main(["--db", db, "export-catalog", str(out)]) == 0
    assert "Exported 4 artworks" in capsys.readouterr().out
    monkeypatch.setitem(sys.modules, "ray", None)
    assert main(["cluster", "embed", str(out), str(tmp_path / "v")]) == 1
    assert "pip install 'curator[cluster]'" in capsys.readouterr().err
    assert main(["--db", db, "attach-vectors", str(tmp_path)]) == 1
    assert "no manifest.json" in capsys.readouterr().err
