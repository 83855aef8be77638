"""The command line: the same Catalog the desktop app uses, driven from a terminal.

This interface is stable: scripts rely on the command names, options and the keys of
``--json`` output. Add to it; do not rename.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from .core.errors import CuratorError
from .paths import default_db, demo_db


@contextmanager
def progress_bar(label: str) -> Iterator[Callable[[int, int, str], None]]:
    """A terminal progress bar fed by the core's ``progress(done, total, message)``."""
    from tqdm import tqdm

    bar = tqdm(total=0, desc=label, unit="", leave=False, file=sys.stderr, disable=None)

    def update(done: int, total: int, message: str) -> None:
        if bar.total != total:
            bar.reset(total=total)
        bar.n = done
        bar.set_postfix_str(message, refresh=False)
        bar.refresh()

    try:
        yield update
    finally:
        bar.close()


@contextmanager
def cancel_on_interrupt() -> Iterator:
    """A CancelToken that Ctrl-C sets, so long work stops at its next check (and keeps its
    checkpoint) instead of dying mid-step."""
    import signal

    from .core.progress import CancelToken

    token = CancelToken()
    previous = signal.signal(signal.SIGINT, lambda *_: token.cancel())
    try:
        yield token
    finally:
        signal.signal(signal.SIGINT, previous)


def _open(args, *, read_only: bool = False):
    from .core.catalog import Catalog

    if args.db == demo_db() and not read_only:
        from .core.demo import open_demo

        return open_demo(args.db)  # the same demo the app opens, filled the first time
    return Catalog(args.db, read_only=read_only)


def cmd_import_catalog(args) -> int:
    with _open(args) as catalog:
        with progress_bar("Importing catalog") as bar:
            result = catalog.imports.catalog(args.file, mapping=args.mapping,
                                            skip_invalid=args.skip_invalid, progress=bar,
                                            rejects=args.rejects, sheet=args.sheet,
                                            language=args.language)
        print(result.message, flush=True)
        if not args.no_embed:
            with progress_bar("Embedding") as bar:
                print(catalog.embeddings.embed(device=args.device, progress=bar).message)
    return 0


def _fit_default_if_ready(catalog) -> None:
    with progress_bar("Fitting the default profile") as bar:
        report = catalog.recommendations.fit_default_if_ready(progress=bar)
    if report is not None:
        print(f"The default profile “{report.profile.name}” was fitted to the histories. "
              + report.summary())


def cmd_import_events(args) -> int:
    with _open(args) as catalog:
        with progress_bar("Importing history") as bar:
            result = catalog.imports.events(args.file, mapping=args.mapping,
                                            skip_invalid=args.skip_invalid, progress=bar,
                                            new_users=args.new_users, rejects=args.rejects)
        print(result.message, flush=True)
        if result.events:
            _fit_default_if_ready(catalog)
    return 0


def cmd_import_users(args) -> int:
    with _open(args) as catalog, progress_bar("Importing users") as bar:
        result = catalog.imports.users(args.file, mapping=args.mapping,
                                      skip_invalid=args.skip_invalid, progress=bar,
                                      rejects=args.rejects)
    print(result.message)
    return 0


def cmd_info(args) -> int:
    with _open(args, read_only=args.read_only) as catalog:
        counts = catalog.counts()
        batches = catalog.imports.batches(limit=5)
        # Counting rows reads no data blocks; the check reads them all (a fraction of a
        # second for the Tate catalog), so damage shows here and not first in a search.
        check = catalog.maintenance.check()
        info = {**counts, "database": str(args.db),
                "schema_version": catalog.maintenance.schema_version(),
                "last_batches": [b.__dict__ for b in batches], "check": check.to_json()}
    if args.json:
        print(json.dumps(info, indent=2, default=str))
        return 0 if check.ok else 2
    if not check.ok:
        print(f"curator: {check.sentence()}", file=sys.stderr)
    print(f"Database {args.db} (schema version {info['schema_version']})")
    for key in ("artworks", "users", "events", "batches"):
        print(f"  {key:<10}{counts[key]:>12,}")
    if batches:
        print("Last imports:")
        for b in batches:
            print(f"  #{b.id} {b.finished_at} {b.kind:<8} {Path(b.source).name}: "
                  f"{b.inserted:,} new, {b.updated:,} updated, {b.unchanged:,} unchanged, "
                  f"{b.rejected:,} rejected{' (undone)' if b.status == 'undone' else ''}")
    return 0 if check.ok else 2


def cmd_batches(args) -> int:
    with _open(args, read_only=args.read_only) as catalog:
        batches = catalog.imports.batches()
    if args.json:
        print(json.dumps([b.__dict__ for b in batches], indent=2, default=str))
        return 0
    for b in batches:
        print(f"#{b.id} {b.finished_at} {b.kind:<8} {b.status:<8} {b.source}  "
              f"new {b.inserted:,} updated {b.updated:,} unchanged {b.unchanged:,} "
              f"rejected {b.rejected:,}")
    return 0


def cmd_embed(args) -> int:
    changes = args.model or args.default_model or args.template is not None \
        or args.default_template
    with _open(args, read_only=args.show and not changes) as catalog:
        if args.model or args.default_model:
            catalog.embeddings.set_model_path(None if args.default_model else args.model)
        if args.template is not None or args.default_template:
            catalog.embeddings.set_template(None if args.default_template else args.template)
        if args.show:
            status = catalog.embeddings.status()
            sample = catalog.artworks.find_ids(order="id", limit=1)
            text = catalog.embeddings.text(sample[0]) if sample else None
            if args.json:
                print(json.dumps({**status.to_json(), "example": text}, indent=2,
                                 ensure_ascii=False))
            else:
                print(status.summary())
                if text is not None:
                    print(f"Example ({sample[0]}): {text}")
            return 0
        if args.images_folder:
            catalog.embeddings.set_images_root(args.images_folder)
        if args.image_model:
            catalog.embeddings.set_image_model_path(args.image_model)
        with progress_bar("Embedding") as bar:
            print(catalog.embeddings.embed(device=args.device, progress=bar).message,
                  flush=True)
        _fit_default_if_ready(catalog)
        if args.images or args.images_folder:
            if catalog.embeddings.images_root() is None:
                raise CuratorError("Set the images folder first (--images-folder DIR).")
            with progress_bar("Describing images") as bar:
                result = catalog.embeddings.embed_images(progress=bar).detail
            print(f"Images: {result.embedded:,} described; {result.total:,} artworks name an "
                  "image file.")
            for artwork, name, reason in result.unreadable:
                print(f"  skipped {name} (artwork {artwork}): {reason}", file=sys.stderr)
    return 0


def cmd_export_catalog(args) -> int:
    with _open(args, read_only=True) as catalog:
        n = catalog.embeddings.export_catalog(args.file)
    print(f"Exported {n:,} artworks (id, content hash, text) to {args.file}.")
    return 0


def cmd_cluster_embed(args) -> int:
    from .core.embedding.cluster import embed_on_cluster

    result = embed_on_cluster(args.catalog, args.outdir, model_path=args.model,
                              address=args.address, num_gpus=args.num_gpus,
                              workers=args.workers, batch_size=args.batch_size)
    print(result.summary())
    return 0


def cmd_attach_vectors(args) -> int:
    with _open(args) as catalog, progress_bar("Attaching") as bar:
        print(catalog.embeddings.attach_vectors(args.folder, progress=bar).message)
    return 0


def _filters(args):
    from .core.embedding.search import Filters

    extra = []
    for pair in args.field or []:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise CuratorError(f"--field {pair!r}: write it as NAME=VALUE, e.g. "
                               "department=Prints.")
        extra.append((name.strip(), value.strip()))
    return Filters(artist=args.artist, medium=args.medium, tag=args.tag,
                   year_from=args.year_from, year_to=args.year_to, extra=tuple(extra))


def _print_hits(hits, as_json: bool) -> None:
    if as_json:
        print(json.dumps([h.to_json() for h in hits], indent=2, ensure_ascii=False))
        return
    for rank, h in enumerate(hits, 1):
        who = ", ".join(h.artists) or "unknown artist"
        print(f"{rank:>3}. {h.score:.3f}  {h.id:<10} {h.title or '(untitled)'} — {who}"
              f"{', ' + h.date_text if h.date_text else ''}")


def _find(args, method: str, subject: str, **options) -> int:
    with _open(args, read_only=args.read_only) as catalog:
        hits = getattr(catalog.artworks, method)(subject, k=args.k, filters=_filters(args),
                                                 **options)
    if getattr(hits, "notice", None):
        print(f"curator: {hits.notice}", file=sys.stderr)
    _print_hits(hits, args.json)
    return 0


def cmd_search(args) -> int:
    if args.images:
        return _find(args, "search_images", args.query)
    return _find(args, "search", args.query, mode=args.mode)


def cmd_similar(args) -> int:
    return _find(args, "visually_similar" if args.visual else "similar", args.artwork_id)


def cmd_recommend(args) -> int:
    from .core.errors import Cancelled
    from .core.recommend.export import export_format, write_batches
    from .core.recommend.profiles import parse_weights

    weights = parse_weights(args.weights) if args.weights else None
    if args.all:
        if not args.output:
            raise CuratorError("recommend --all needs --output FILE.csv (or FILE.xlsx).")
        export_format(args.output)
        with _open(args, read_only=args.read_only) as catalog, \
                progress_bar("Recommending") as bar, cancel_on_interrupt() as token:
            try:
                count = write_batches(args.output, catalog.recommendations.iter_all(
                    k=args.k, profile=args.profile, weights=weights, explain=args.explain,
                    progress=bar, cancel=token))
            except Cancelled:
                raise CuratorError(f"Stopped; {args.output} was not written.") from None
        print(f"Wrote {count:,} recommendations to {args.output}.")
        return 0
    if not args.user and not args.brief:
        raise CuratorError("Name a visitor (or use --all, or --brief for a new visitor).")
    with _open(args, read_only=args.read_only) as catalog:
        recs = catalog.recommendations.recommend(args.user, k=args.k, profile=args.profile,
                                                 weights=weights, mmr_lambda=args.mmr_lambda,
                                                 artist_cap=args.artist_cap, brief=args.brief,
                                                 exclude_seen=not args.include_seen)
        if args.brief and not (progress := catalog.embeddings.progress()).done:
            print("curator: " + progress.sentence("the brief is matched against those only"),
                  file=sys.stderr)
        titles = {a["id"]: a for a in catalog.artworks.get([r.item_id for r in recs])}
    if args.json:
        print(json.dumps({"user": args.user, "items": [
            {"id": r.item_id, "score": round(r.score, 6), "title": titles[r.item_id]["title"],
             "breakdown": {n: round(v, 6) for n, v in r.breakdown().items()},
             "signals": {n: {"raw": p.raw, "normalised": p.normalised, "weight": p.weight,
                             "contribution": p.contribution, "share": round(r.shares()[n], 4)}
                         for n, p in r.parts.items()},
             "explanation": r.explanation} for r in recs]}, indent=2, ensure_ascii=False))
        return 0
    for rank, r in enumerate(recs, 1):
        shares = r.shares()
        parts = "  ".join(f"{n} {v:.2f} ({shares[n]:.0%})" for n, v in r.breakdown().items()
                          if v)
        print(f"{rank:>3}. {r.score:.3f}  {r.item_id:<10} {titles[r.item_id]['title']}")
        print(f"       [{parts}]  {r.explanation}")
    return 0


def cmd_profiles(args) -> int:
    from dataclasses import replace

    from .core.recommend.profiles import Profile, parse_weights

    with _open(args) as catalog:
        if args.action == "list":
            for p in catalog.recommendations.profiles() or [catalog.recommendations.profile()]:
                print(f"{p.name}{' (default)' if p.is_default else ''}: weights {p.weights}, "
                      f"mmr_lambda {p.mmr_lambda}, artist_cap {p.artist_cap}, half-life "
                      f"{p.half_life_days} days, kinds {p.kind_weights or 'default'}; "
                      f"{p.provenance()}")
            return 0
        if not args.name:
            raise CuratorError("Name the profile.")
        if args.action == "fit":
            with progress_bar("Fitting") as bar:
                report = catalog.recommendations.fit_profile(
                    args.name, split=args.split, make_default=args.default, progress=bar)
            print(f"Saved profile {args.name}. " + report.summary())
            return 0
        if args.action == "delete":
            catalog.recommendations.delete_profile(args.name)
            print(f"Deleted profile {args.name}.")
            return 0
        base = next((p for p in catalog.recommendations.profiles() if p.name == args.name),
                    Profile(args.name))
        changes = {}
        if args.weights:
            changes["weights"] = {**base.weights, **parse_weights(args.weights)}
        if args.kinds:
            changes["kind_weights"] = parse_weights(args.kinds)
        if args.mmr_lambda is not None:
            changes["mmr_lambda"] = args.mmr_lambda
        if args.artist_cap is not None:
            changes["artist_cap"] = args.artist_cap or None
        if args.half_life is not None:
            changes["half_life_days"] = args.half_life or None
        catalog.recommendations.save_profile(replace(base, **changes), make_default=args.default)
        print(f"Saved profile {args.name}.")
    return 0


def cmd_evaluate(args) -> int:
    from .core.recommend.hybrid import Rules
    from .core.recommend.profiles import parse_weights

    with _open(args, read_only=args.read_only) as catalog:
        profile = catalog.recommendations.profile(args.profile)
        weights = {**profile.weights, **(parse_weights(args.weights) if args.weights else {})}
        ev = catalog.recommendations.evaluation(split=args.split, ratio=args.ratio, seed=args.seed,
                                last_n=args.last_n, k=args.k,
                                half_life_days=profile.half_life_days,
                                kind_weights=profile.kind_weights)
    rows = {name: ev.measure({name: 1.0}).metrics for name in ev.signals}
    hybrid = ev.measure(weights, Rules(mmr_lambda=profile.mmr_lambda,
                                       artist_cap=profile.artist_cap))
    rows["hybrid"] = hybrid.metrics
    keys = ["precision", "recall", "f1", "ndcg", "map", "hit_rate", "coverage", "diversity",
            "novelty", "popularity_bias"]
    print(f"{len(ev.users):,} visitors evaluated, top {args.k}, {args.split} split; "
          f"hybrid weights {weights}")
    print(f"{'':<12}" + "".join(f"{k[:10]:>11}" for k in keys))
    for name, m in rows.items():
        print(f"{name:<12}" + "".join(f"{m[k]:>11.4f}" for k in keys))
    if hybrid.exact < 1.0:
        print(f"Lists are chosen from each visitor's best {ev.pool_size:,} works by each "
              f"signal; for {hybrid.exact:.0%} of visitors the hybrid list is provably the "
              f"one the whole catalog gives.")
    if args.output:
        Path(args.output).write_text(json.dumps(
            {"k": args.k, "split": args.split, "weights": weights, "users": len(ev.users),
             "results": rows}, indent=2))
        print(f"Wrote {args.output}.")
    return 0


def cmd_train_sequence(args) -> int:
    from .core.errors import Cancelled

    with _open(args) as catalog, progress_bar("Learning") as bar, \
            cancel_on_interrupt() as token:
        try:
            changes = catalog.recommendations.train_sequence(
                epochs=args.epochs, device=args.device, profile=args.profile, progress=bar,
                cancel=token)
        except Cancelled:
            raise CuratorError("Stopped; the finished epochs are kept, and running "
                               "train-sequence again resumes from them.") from None
    print(changes.message)
    return 0


def cmd_train_embedder(args) -> int:
    from dataclasses import replace

    from .core.errors import Cancelled
    from .core.learn.embedder import TuneConfig

    settings = TuneConfig()
    if args.max_pairs is not None:
        settings = replace(settings, max_pairs=args.max_pairs or None)
    with _open(args) as catalog, progress_bar("Fine-tuning") as bar, \
            cancel_on_interrupt() as token:
        try:
            changes = catalog.embeddings.train_encoder(
                epochs=args.epochs, device=args.device, settings=settings, progress=bar,
                cancel=token)
        except Cancelled:
            raise CuratorError("Stopped; training resumes from its last checkpoint when "
                               "train-embedder is run again.") from None
    print(changes.message)
    return 0


def _add_filters(p: argparse.ArgumentParser) -> None:
    p.add_argument("-k", type=int, default=20, help="how many results (default 20)")
    p.add_argument("--json", action="store_true",
                   help="print a JSON list of {id, score, ...}; search adds the parts that "
                        "ranked each work (keyword, semantic, artist)")
    p.add_argument("--artist", help="only works by this artist (exact name)")
    p.add_argument("--medium", help="only works whose medium contains this text")
    p.add_argument("--tag", help="only works with this subject tag")
    p.add_argument("--year-from", type=int, help="only works made in or after this year")
    p.add_argument("--year-to", type=int, help="only works made in or before this year")
    p.add_argument("--field", action="append", metavar="NAME=VALUE",
                   help="only works whose extra field has this value, e.g. movement=Pop Art "
                   "(repeatable)")


def cmd_undo(args) -> int:
    with _open(args) as catalog:
        result = catalog.imports.undo(args.batch).detail
    if result["kind"] == "catalog":
        print(f"Undid import #{result['batch']}: {result['restored']:,} artworks restored, "
              f"{result['removed']:,} removed.")
    elif result["kind"] == "users":
        print(f"Undid import #{result['batch']}: {result['users_removed']:,} visitors removed, "
              f"{result['unlisted']:,} no longer listed.")
    else:
        print(f"Undid import #{result['batch']}: {result['removed']:,} events and "
              f"{result['users_removed']:,} visitors removed.")
    return 0


def cmd_backup(args) -> int:
    with _open(args, read_only=args.read_only) as catalog:
        path = catalog.maintenance.backup(args.path)
    print(f"Backed up {args.db} to {path}.")
    return 0


def cmd_check(args) -> int:
    from .core.catalog import Catalog

    report = Catalog.check_file(args.db)
    if args.json:
        print(json.dumps(report.to_json(), indent=2))
    else:
        print(report.sentence())
    return 0 if report.ok else 2


def cmd_artworks(args) -> int:
    with _open(args) as catalog:
        changes = catalog.artworks.set_available(args.ids, available=args.undo)
    state = "available again" if args.undo else "unavailable"
    print(f"Marked {changes.count:,} of {len(set(args.ids)):,} artworks {state}"
          f"{'' if args.undo else '; recommendations leave them out'}.")
    return 0


def cmd_users(args) -> int:
    with _open(args) as catalog:
        if args.action == "pseudonymize":
            print(catalog.visitors.pseudonymize(rotate=args.rotate).message)
        elif args.action == "delete":
            if not args.user:
                raise CuratorError("Name the visitor to delete.")
            n = catalog.visitors.delete(args.user).count
            print(f"Deleted visitor {args.user} and their {n:,} events.")
        else:
            for user in catalog.visitors.ids(search=args.user):
                print(user)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="curator", description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=default_db(),
                        help="the Curator database file (default: %(default)s)")
    parser.add_argument("--read-only", action="store_true",
                        help="open the database without taking the write lock")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    for name, func, what in (("import-catalog", cmd_import_catalog, "artworks"),
                             ("import-events", cmd_import_events, "visitor/collector events"),
                             ("import-users", cmd_import_users,
                              "the list of visitors/collectors (ids only)")):
        p = sub.add_parser(name, help=f"import {what} from CSV/TSV/JSON/JSONL/Parquet (.gz ok), "
                           "Excel/OpenDocument workbooks or LIDO XML")
        p.add_argument("file", type=Path)
        p.add_argument("--mapping", type=Path, help="a TOML or JSON column mapping file")
        p.add_argument("--skip-invalid", action="store_true",
                       help="import the valid rows and list the rejected ones in a CSV file "
                       "(FILE.rejects.csv beside the database unless --rejects names one)")
        p.add_argument("--rejects", type=Path, metavar="CSV",
                       help="where to list rejected rows (and, beside it, dates kept as text)")
        if name == "import-catalog":
            p.add_argument("--sheet", help="the workbook sheet to read, by name or number "
                           "(default: the first visible one)")
            p.add_argument("--language", help="LIDO: the language whose titles and notes the "
                           "catalog shows (e.g. en, nl); the others are kept as title_<lang>")
            p.add_argument("--no-embed", action="store_true",
                           help="skip embedding new and changed artworks after the import")
            p.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto",
                           help="where to embed (default: a CUDA GPU if there is one)")
        if name == "import-events":
            p.add_argument("--new-users", action="store_true",
                           help="accept people not on the users list (they are added)")
        p.set_defaults(func=func)

    p = sub.add_parser("info", help="counts per table and the last imports")
    p.add_argument("--json", action="store_true", help="print a JSON object")
    p.set_defaults(func=cmd_info)

    p = sub.add_parser("embed", help="embed new and changed artworks with the local model")
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    p.add_argument("--images", action="store_true", help="also describe artwork images")
    p.add_argument("--images-folder", type=Path, help="the folder the image paths refer to")
    p.add_argument("--image-model", type=Path, help="a local CLIP-style model folder")
    model = p.add_mutually_exclusive_group()
    model.add_argument("--model", type=Path,
                       help="use this local Hugging Face encoder folder from now on")
    model.add_argument("--default-model", action="store_true",
                       help="go back to the packaged all-MiniLM-L6-v2")
    template = p.add_mutually_exclusive_group()
    template.add_argument("--template", help="embed artworks as this text from now on, e.g. "
                          "'{title}. [By {artists}.] [Subjects: {tags}.]' ([...] is left out "
                          "when a field in it is empty)")
    template.add_argument("--default-template", action="store_true",
                          help="go back to the default template")
    p.add_argument("--show", action="store_true",
                   help="print the model, the template, an example text and how many "
                        "artworks wait; embed nothing")
    p.add_argument("--json", action="store_true", help="with --show: print a JSON object")
    p.set_defaults(func=cmd_embed)

    p = sub.add_parser("export-catalog",
                       help="write ids, content hashes and texts to Parquet for a cluster")
    p.add_argument("file", type=Path, help="the .parquet file to write")
    p.set_defaults(func=cmd_export_catalog)

    p = sub.add_parser("cluster", help="work on a Ray cluster (needs curator[cluster])")
    cluster = p.add_subparsers(dest="cluster_command", required=True, metavar="COMMAND")
    p = cluster.add_parser("embed", help="embed an exported catalog into Parquet shards")
    p.add_argument("catalog", type=Path, help="a file from `curator export-catalog`")
    p.add_argument("outdir", type=Path, help="a new folder for the vector shards")
    p.add_argument("--address", help="the Ray cluster (ray://HEAD:10001, or auto on a node); "
                   "default: a cluster on this machine")
    p.add_argument("--num-gpus", type=int, default=0,
                   help="GPU workers, one GPU and one model each, half precision (default 0: "
                        "CPU workers)")
    p.add_argument("--workers", type=int, default=None, help="CPU workers (default 1)")
    p.add_argument("--batch-size", type=int, default=None,
                   help="texts per worker call (default 4096 on GPUs, 256 on CPUs)")
    p.add_argument("--model", type=Path, default=None,
                   help="the encoder folder on every node (default: the packaged model)")
    p.set_defaults(func=cmd_cluster_embed)

    p = sub.add_parser("attach-vectors", help="use vectors from `curator cluster embed`")
    p.add_argument("folder", type=Path)
    p.set_defaults(func=cmd_attach_vectors)

    p = sub.add_parser("search", help="find artworks by words and meaning")
    p.add_argument("query")
    p.add_argument("--mode", choices=["hybrid", "semantic", "keyword"], default="hybrid",
                   help="hybrid (default): exact words and closeness in meaning fused; "
                        "semantic: meaning only; keyword: whole words only (BM25). Works by "
                        "an artist the query names come first, except in semantic mode")
    p.add_argument("--images", action="store_true",
                   help="search pictures by words (needs a CLIP-style image model)")
    _add_filters(p)
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("similar", help="artworks most like a given one")
    p.add_argument("artwork_id")
    p.add_argument("--visual", action="store_true", help="by image instead of by meaning")
    _add_filters(p)
    p.set_defaults(func=cmd_similar)

    p = sub.add_parser("recommend", help="a visitor's recommendations with breakdowns")
    p.add_argument("user", nargs="?")
    p.add_argument("-k", type=int, default=20)
    p.add_argument("--profile", help="a saved weight profile (default: the default one)")
    p.add_argument("--weights", help="override weights, e.g. content=0.5,item=1,popularity=0.1")
    p.add_argument("--mmr-lambda", type=float, help="diversity: 1 = pure relevance")
    p.add_argument("--artist-cap", type=int, help="at most this many works per artist")
    p.add_argument("--brief", help="a curator's brief, matched against the artworks")
    p.add_argument("--include-seen", action="store_true", help="also show works already seen")
    p.add_argument("--all", action="store_true", help="every visitor, written to --output")
    p.add_argument("--output", type=Path, help="CSV or XLSX file for --all")
    p.add_argument("--explain", action="store_true",
                   help="with --all: a sentence explaining each row (one visitor at a time, "
                        "far slower; the signals' parts are written either way)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_recommend)

    p = sub.add_parser("profiles", help="list, save, delete or fit weight profiles")
    p.add_argument("action", choices=["list", "save", "delete", "fit"],
                   help="fit: choose weights, MMR lambda and half-life from the histories")
    p.add_argument("name", nargs="?")
    p.add_argument("--split", choices=["stratified", "temporal"], default="stratified",
                   help="fit: hold out a random quarter of each history, or its last fifth")
    p.add_argument("--weights", help="signal weights, e.g. content=0.5,item=1,popularity=0.1")
    p.add_argument("--kinds", help="event kind weights, e.g. view=1,favourite=3,purchase=5")
    p.add_argument("--mmr-lambda", type=float)
    p.add_argument("--artist-cap", type=int, help="0 for no cap")
    p.add_argument("--half-life", type=float, help="days; 0 for no time decay")
    p.add_argument("--default", action="store_true", help="make it the default profile")
    p.set_defaults(func=cmd_profiles)

    p = sub.add_parser("evaluate", help="offline quality of each signal and the hybrid")
    p.add_argument("-k", type=int, default=10)
    p.add_argument("--split", choices=["stratified", "temporal"], default="stratified")
    p.add_argument("--ratio", type=float, default=0.75, help="training share (default 0.75)")
    p.add_argument("--last-n", type=int, help="temporal split: hold out each visitor's last N")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--profile")
    p.add_argument("--weights")
    p.add_argument("--output", type=Path, help="write the results as JSON")
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("train-sequence",
                       help="learn what visitors look at next from the order of their "
                            "histories; switched on only if it improves a validation split")
    p.add_argument("--epochs", type=int, help="the most passes over the histories (default 50; "
                   "fewer are chosen when they do better on the validation split)")
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    p.add_argument("--profile", help="the weight profile it must improve (default: default)")
    p.set_defaults(func=cmd_train_sequence)

    p = sub.add_parser("train-embedder",
                       help="fine-tune the text encoder on what visitors engage with together; "
                            "used for content only if it beats the frozen one on held-out "
                            "visitors")
    p.add_argument("--epochs", type=int, help="passes over the pairs (default 1)")
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    p.add_argument("--max-pairs", type=int,
                   help="pairs drawn per epoch (default 10,000; 0 for all)")
    p.set_defaults(func=cmd_train_embedder)

    p = sub.add_parser("undo", help="undo one import batch (see `batches`)")
    p.add_argument("batch", type=int)
    p.set_defaults(func=cmd_undo)

    p = sub.add_parser("backup", help="write a consistent copy of the database")
    p.add_argument("path", type=Path)
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("check", help="read every table and block; report damage and the "
                       "newest backup")
    p.add_argument("--json", action="store_true", help="print a JSON object")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("users", help="list, pseudonymize or delete visitors")
    p.add_argument("action", choices=["list", "pseudonymize", "delete"])
    p.add_argument("user", nargs="?", help="the visitor (delete) or a search text (list)")
    p.add_argument("--rotate", action="store_true", help="pseudonymize under a new key")
    p.set_defaults(func=cmd_users)

    p = sub.add_parser("artworks", help="mark artworks unavailable (on loan, in conservation)")
    p.add_argument("action", choices=["unavailable"])
    p.add_argument("ids", nargs="+", metavar="ID", help="artwork ids")
    p.add_argument("--undo", action="store_true", help="mark them available again")
    p.set_defaults(func=cmd_artworks)

    p = sub.add_parser("batches", help="list import batches")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_batches)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except CuratorError as exc:
        print(f"curator: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # The reader stopped early (`curator ... | head`): not an error. Later writes go
        # nowhere, so Python's exit flush does not fail again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except duckdb.Error as exc:
        from .core.integrity import database_error

        print(f"curator: {database_error(str(args.db), exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("curator: interrupted; finished work is kept (run again to resume), nothing "
              "half-done was saved.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
