"""Embedding a catalog too large for one machine on a Ray cluster, and taking the vectors home.

The desktop exports its artworks to Parquet (:func:`export_catalog`: id, content hash and the
text each is embedded as, rendered from the current template). :func:`embed_on_cluster`
reads that file with Ray Data and runs the same :class:`~.text_encoder.TextEncoder` over it
with ``map_batches``: a callable class, so each worker loads the model once (one GPU each
when GPUs are asked for, where the encoder runs in half precision). Vectors are written as
Parquet shards (``artwork_id``, ``content_hash``, ``vector``) with a ``manifest.json`` naming
the model, dimension and template. :func:`attach_vectors` imports the shards into the
catalog's embedding space in one transaction (DuckDB reads the Parquet directly), after
checking the model, template and dimension, and keeps only vectors whose content hash still
matches the artwork.

Ray is an optional dependency (``pip install curator[cluster]``); it is imported only here,
inside the functions that need it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import CuratorError
from ..progress import ProgressFn, report
from ..store import Store
from .spaces import drop_other_spaces, get_or_create_space
from .templates import sql_expression

MANIFEST = "manifest.json"
INPUT_COLUMNS = ("id", "content_hash", "text")
# Texts per map_batches call; the encoder batches by tokens inside it. A GPU worker needs
# big calls to stay busy (measured on an H100 with MiniLM: 5,215 texts/s at 256 per call,
# 24,385 at 4,096); a CPU worker is as fast with small ones and reports progress sooner.
DEFAULT_BATCH = 256
GPU_BATCH = 4096
# Ray's CPU accounting: writing Parquet is I/O and asks for a sliver of a CPU, so it can
# always run beside the encoders (with a whole CPU each, a one-CPU machine would deadlock:
# the worker holds the CPU the write it feeds needs).
IO_CPUS = 0.1
CPU_WORKER_CPUS = 0.8


def _ray():
    try:
        import ray
        import ray.data  # noqa: F401  (Ray Data ships in the `data` extra)
    except ImportError as exc:
        raise CuratorError(
            "Embedding on a cluster needs Ray: install it with `pip install "
            "'curator[cluster]'` (or `pip install 'ray[data]'`) on this machine and on "
            "every node of the cluster.") from exc
    return ray


def export_catalog(store: Store, path: Path, template: str, model_id: str) -> int:
    """Write every artwork's id, content hash and text (under ``template``) to a Parquet
    file at ``path``, by id; returns how many. The file is written beside and then moved
    into place, so a failed export leaves nothing half-written."""
    path = Path(path)
    if path.suffix.lower() != ".parquet":
        raise CuratorError(f"{path}: the catalog is exported as Parquet; name a .parquet file.")
    expression, params = sql_expression(template, alias="a")
    cur = store.cursor()
    try:
        table = cur.sql(f"SELECT a.id, a.content_hash, {expression} AS text FROM artworks a "
                        "ORDER BY a.id", params=params).to_arrow_table()
    finally:
        cur.close()
    table = table.replace_schema_metadata({"curator.template": template,
                                           "curator.model_id": model_id})
    partial = path.with_name(path.name + ".partial")
    pq.write_table(table, partial, row_group_size=65_536)
    partial.replace(path)
    return table.num_rows


class EmbedBatch:
    """One Ray worker's encoder: loaded once, then called on batch after batch.

    Returns ``artwork_id``, ``content_hash`` and ``vector`` (fixed-size float32 lists).
    """

    def __init__(self, model_path: str | None, device: str):
        from .text_encoder import TextEncoder

        self.encoder = TextEncoder(model_path, device=device)

    def __call__(self, batch: pa.Table) -> pa.Table:
        vectors = self.encoder.encode([t or "" for t in batch.column("text").to_pylist()])
        flat = pa.array(vectors.reshape(-1), type=pa.float32())
        return pa.table({
            "artwork_id": batch.column("id"),
            "content_hash": batch.column("content_hash"),
            "vector": pa.FixedSizeListArray.from_arrays(flat, vectors.shape[1]),
        })


@dataclass(frozen=True)
class ClusterResult:
    rows: int
    shards: int
    outdir: Path
    model_id: str
    dim: int

    def summary(self) -> str:
        return (f"Embedded {self.rows:,} artworks into {self.shards} Parquet shard(s) in "
                f"{self.outdir} ({self.model_id}, {self.dim} dimensions). Attach them with "
                f"`curator attach-vectors {self.outdir}`.")


def embed_on_cluster(catalog_file: Path, outdir: Path, *, model_path: str | Path | None = None,
                     address: str | None = None, num_gpus: int = 0, workers: int | None = None,
                     batch_size: int | None = None) -> ClusterResult:
    """Embed the texts of an exported catalog on a Ray cluster into Parquet shards.

    Parameters
    ----------
    catalog_file
        A Parquet file from :func:`export_catalog` (columns id, content_hash, text).
    outdir
        A new or empty folder for the shards and ``manifest.json``.
    model_path
        The encoder folder, present at the same path on every node (default: the packaged
        all-MiniLM-L6-v2, present wherever Curator is installed).
    address
        The cluster to join (``ray://head:10001``, or ``auto`` on a node of it); a local
        one-machine cluster when ``None`` and none is running in this process.
    num_gpus
        GPU workers to run (one GPU each, fp16); ``0``: CPU workers.
    workers
        CPU workers when ``num_gpus`` is 0 (default: one).
    batch_size
        Texts per call of a worker (default: :data:`GPU_BATCH` on GPUs, else
        :data:`DEFAULT_BATCH`).
    """
    from .text_encoder import default_model_path, read_model_info

    catalog_file, outdir = Path(catalog_file), Path(outdir)
    if not catalog_file.is_file():
        raise CuratorError(f"{catalog_file} does not exist; export the catalog first with "
                           "`curator export-catalog FILE.parquet`.")
    try:
        schema = pq.read_schema(catalog_file)
    except (OSError, pa.ArrowInvalid) as exc:
        raise CuratorError(f"{catalog_file} is not a Parquet file: {exc}") from exc
    missing = [c for c in INPUT_COLUMNS if c not in schema.names]
    if missing:
        raise CuratorError(f"{catalog_file} lacks the column(s) {', '.join(missing)}; export "
                           "the catalog with `curator export-catalog`.")
    if outdir.exists() and any(outdir.iterdir()):
        raise CuratorError(f"{outdir} is not empty; write the vectors to a new folder.")
    if batch_size is None:
        batch_size = GPU_BATCH if num_gpus > 0 else DEFAULT_BATCH
    if num_gpus < 0 or batch_size < 1 or (workers is not None and workers < 1):
        raise CuratorError("--num-gpus must be 0 or more, --batch-size and --workers 1 or more.")
    meta = schema.metadata or {}
    template = meta.get(b"curator.template", b"").decode() or None
    info = read_model_info(Path(model_path) if model_path else default_model_path())
    wanted = meta.get(b"curator.model_id", b"").decode()
    if wanted and wanted != info.model_id:
        raise CuratorError(f"{catalog_file} was exported from a catalog that embeds with "
                           f"{wanted!r}, not {info.model_id!r}; pass that model's folder "
                           "with --model.")
    ray = _ray()
    if not ray.is_initialized():
        ray.init(address=address, log_to_driver=False)
    outdir.mkdir(parents=True, exist_ok=True)
    # The driver reads the export (ids and texts only: a few GB for ten million works) and
    # hands it to the workers in blocks of row groups.
    source = pq.ParquetFile(catalog_file)
    dataset = ray.data.from_arrow([source.read_row_group(g, columns=list(INPUT_COLUMNS))
                                   for g in range(source.num_row_groups)])
    gpu = num_gpus > 0
    vectors = dataset.map_batches(
        EmbedBatch, batch_size=batch_size, batch_format="pyarrow",
        fn_constructor_kwargs={"model_path": str(info.path), "device": "cuda" if gpu else "cpu"},
        num_gpus=1 if gpu else 0, num_cpus=1 if gpu else CPU_WORKER_CPUS,
        concurrency=num_gpus if gpu else (workers or 1))
    vectors.write_parquet(str(outdir.resolve()), ray_remote_args={"num_cpus": IO_CPUS})
    shards = sorted(outdir.glob("*.parquet"))
    rows = sum(pq.ParquetFile(s).metadata.num_rows for s in shards)
    (outdir / MANIFEST).write_text(json.dumps({
        "model_id": info.model_id, "dim": info.dim, "template": template, "rows": rows,
        "source": catalog_file.name}, indent=2), encoding="utf-8")
    return ClusterResult(rows, len(shards), outdir, info.model_id, info.dim)


@dataclass(frozen=True)
class AttachResult:
    matched: int
    stale: int
    unknown: int
    missing: int  # artworks of the catalog the shards had no vector for

    def summary(self) -> str:
        return (f"Attached {self.matched:,} vectors; {self.stale:,} were stale (the artwork "
                f"changed since the export) and {self.unknown:,} named artworks not in this "
                f"catalog, so were left out. {self.missing:,} artworks still need embedding.")


def attach_vectors(store: Store, folder: Path, *, model_id: str, dim: int, template: str,
                   progress: ProgressFn | None = None) -> AttachResult:
    """Import the vectors in ``folder`` (from :func:`embed_on_cluster`) into the text space
    of ``model_id`` and ``template``, in one transaction.

    Refuses, changing nothing, shards of another model, template or dimension, or with a
    missing or malformed vector (naming the file and row). A vector whose content hash no
    longer matches its artwork is stale and left out; so is one for an unknown artwork.
    """
    folder = Path(folder)
    manifest_file = folder / MANIFEST
    if not manifest_file.is_file():
        raise CuratorError(f"{folder} has no {MANIFEST}; it is not a folder written by "
                           "`curator cluster embed`.")
    try:
        manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise CuratorError(f"{manifest_file} is damaged: {exc}") from exc
    if manifest.get("model_id") != model_id:
        raise CuratorError(f"{manifest_file}: model_id {manifest.get('model_id')!r} is not the "
                           f"model this catalog embeds with ({model_id!r}); nothing attached.")
    if manifest.get("dim") != dim:
        raise CuratorError(f"{manifest_file}: dim {manifest.get('dim')!r} is not {dim}, the "
                           "model's dimension; nothing attached.")
    if manifest.get("template") not in (None, template):
        raise CuratorError(f"{manifest_file}: the texts were rendered from another template "
                           f"({manifest.get('template')!r}) than this catalog's; "
                           "nothing attached.")
    shards = sorted(str(p) for p in folder.glob("*.parquet"))
    if not shards:
        raise CuratorError(f"{folder} holds no Parquet shards; nothing attached.")
    report(progress, 0, 1, "Checking the vectors")
    source = ("read_parquet(?, filename = true, file_row_number = true)")
    cur = store.cursor()
    try:
        bad = cur.execute(
            f"SELECT filename, file_row_number, CASE WHEN artwork_id IS NULL THEN 'artwork_id' "
            f"WHEN content_hash IS NULL THEN 'content_hash' ELSE 'vector' END "
            f"FROM {source} WHERE artwork_id IS NULL OR content_hash IS NULL OR vector IS NULL "
            f"OR len(vector) <> ? OR list_count(vector) <> len(vector) "
            f"OR NOT isfinite(list_sum(vector)) LIMIT 1", [shards, dim]).fetchall()
    except Exception as exc:  # a shard that is not Parquet, or lacks a column
        raise CuratorError(f"The shards in {folder} cannot be read: "
                           f"{str(exc).splitlines()[0]}; nothing attached.") from exc
    finally:
        cur.close()
    if bad:
        name, row, field = bad[0]
        raise CuratorError(f"{name}, row {row + 1:,}: the {field} is missing or not a vector "
                           f"of {dim} numbers; nothing attached.")
    space = get_or_create_space(store, "text", model_id, template, dim)
    report(progress, 0, 1, "Attaching the vectors")
    with store.transaction() as cur:
        cur.execute(f"CREATE TEMP TABLE _attach AS SELECT p.artwork_id, p.content_hash, "
                    f"p.vector::FLOAT[{int(dim)}] AS vector, a.content_hash AS current "
                    f"FROM {source} p LEFT JOIN artworks a ON a.id = p.artwork_id "
                    "QUALIFY row_number() OVER (PARTITION BY p.artwork_id "
                    "ORDER BY p.content_hash = a.content_hash DESC) = 1", [shards])
        try:
            matched, stale, unknown = cur.execute(
                "SELECT count(*) FILTER (content_hash = current), "
                "count(*) FILTER (content_hash <> current), count(*) FILTER (current IS NULL) "
                "FROM _attach").fetchall()[0]
            cur.execute(f"DELETE FROM {space.table} WHERE artwork_id IN "
                        "(SELECT artwork_id FROM _attach WHERE content_hash = current)")
            cur.execute(f"INSERT INTO {space.table} SELECT artwork_id, content_hash, vector "
                        "FROM _attach WHERE content_hash = current")
            missing = cur.execute(
                f"SELECT count(*) FROM artworks a ANTI JOIN {space.table} e "
                "ON e.artwork_id = a.id AND e.content_hash = a.content_hash").fetchall()[0][0]
        finally:
            cur.execute("DROP TABLE _attach")
    drop_other_spaces(store, space)
    report(progress, 1, 1, "Attached")
    return AttachResult(matched, stale, unknown, missing)
