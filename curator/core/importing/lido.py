"""LIDO XML (1.0 and 1.1): museum records streamed into a table of catalog fields.

LIDO is the ICOM/CIDOC harvesting schema (Europeana aggregators, museum-digital, the
Rijksmuseum). A file holds a ``lidoWrap`` of many ``lido`` records, or one record; it may be
gzip-compressed. Records are streamed with lxml's ``iterparse`` and each is cleared once
read, so memory stays flat however large the file. Entities are not resolved and nothing is
fetched from the network.

Each record becomes one row. Columns named after catalog fields feed them through the
ordinary mapping (``id``, ``title``, ``artists``, ``date``, ``medium``, ``object_type``,
``description``, ``subjects``); the rest are kept as extra fields (``classifications``,
``dimensions``, ``repository``, ``credit_line``, ``record_url``, ``image_url``, ...). Every
language variant of a title or a note is kept as ``title_<lang>`` / ``description_<lang>``;
the catalog's own title and note are in the preferred language given on import, else the
variant the record marks preferred, else the first.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import duckdb
import pyarrow as pa

from ..errors import CuratorError

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# LIDO 1.1 writes a concept as an embedded SKOS concept: its URI and its labels.
SKOS = "{http://www.w3.org/2004/02/skos/core#}"
RDF_ABOUT = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about"
# Event types whose actors made the work: the LIDO term (lido00007 is Production) or its
# name in the languages museums exchange LIDO in.
MAKING = {"production", "creation", "herstellung", "vervaardiging", "productie", "création",
          "production/creation", "produzione", "producción", "making", "design", "entwurf"}
MAKING_IDS = ("lido00007", "lido00012")
SEP = "; "


def is_lido(head_text: str) -> bool:
    """Whether a text file's start is a LIDO document."""
    start = head_text.lstrip("\ufeff \t\r\n")
    return start.startswith("<") and ("lido-schema.org" in head_text[:8192]
                                      or "<lidoWrap" in head_text[:8192]
                                      or "<lido:" in head_text[:8192])


def _lang(el, inherited: str | None) -> str | None:
    lang = el.get(XML_LANG) or inherited
    return lang.lower().split("-")[0] if lang else None


def _pref(el) -> bool:
    """Marked preferred: ``pref="preferred"`` (1.0) or the term's URI (1.1, lido00169)."""
    return any(k.endswith("pref") and ("prefer" in v.lower() or v.endswith("lido00169"))
               for k, v in el.attrib.items())


def _text(el) -> str | None:
    text = " ".join("".join(el.itertext()).split()) if el is not None else ""
    return text or None


class _Variants:
    """Values of one field in several languages: the chosen one, and every variant."""

    def __init__(self):
        self.items: list[tuple[str, str | None, bool]] = []

    def add(self, text: str | None, lang: str | None, preferred: bool) -> None:
        if text:
            self.items.append((text, lang, preferred))

    def choose(self, language: str | None) -> str | None:
        for wanted in ((lambda t: t[1] == language) if language else None,
                       lambda t: t[2], lambda t: True):
            if wanted is None:
                continue
            found = [t for t in self.items if wanted(t)]
            if found:
                return found[0][0]
        return None

    def by_language(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for text, lang, _ in self.items:
            if lang and lang not in out:
                out[lang] = text
        return out


def _labels(concept, lang: str | None) -> _Variants:
    """A concept's names: its ``term``s (1.0) and its SKOS preferred labels (1.1)."""
    v = _Variants()
    for term in concept.iterfind("{*}term"):
        v.add(_text(term), _lang(term, lang), _pref(term))
    for label in concept.iterfind(f"{SKOS}Concept/{SKOS}prefLabel"):
        v.add(_text(label), _lang(label, lang), True)
    return v


def _concept_ids(concept) -> list[str]:
    """A concept's identifiers: ``conceptID``s and the URI of an embedded SKOS concept."""
    return [i for i in [_text(c) for c in concept.iterfind("{*}conceptID")]
            + [c.get(RDF_ABOUT) for c in concept.iterfind(f"{SKOS}Concept")] if i]


def _terms(parent, path: str, lang: str | None, language: str | None) -> list[str]:
    """The chosen-language term of each element at ``path`` (a concept's own variants),
    in the language asked for, else the record's own."""
    out = []
    for concept in parent.iterfind(path):
        chosen = _labels(concept, lang).choose(language or lang)
        if chosen and chosen not in out:
            out.append(chosen)
    return out


def _named(el, lang: str | None, language: str | None) -> str | None:
    """A measurement's type or unit: plain text (1.0) or a SKOS concept's label (1.1)."""
    if el is None:
        return None
    return _labels(el, lang).choose(language or _lang(el, lang)) or _text(el)


def _measurements(ms, lang: str | None, language: str | None) -> str | None:
    """Structured measurements written out when the record gives no display text:
    ``Höhe 106 cm, Breite 101,1 cm``."""
    parts = []
    for m in ms.iterfind("{*}objectMeasurements/{*}measurementsSet"):
        value = _text(m.find("{*}measurementValue"))
        if value:
            parts.append(" ".join(p for p in (
                _named(m.find("{*}measurementType"), lang, language), value,
                _named(m.find("{*}measurementUnit"), lang, language)) if p))
    return ", ".join(parts) or None


def read_record(rec, language: str | None) -> dict:
    """One ``lido`` element as a row of catalog and extra fields."""
    row: dict = {"lido_rec_id": _text(rec.find("{*}lidoRecID"))}
    titles, notes, dates = _Variants(), _Variants(), _Variants()
    artists: list[str] = []
    work_ids: list[str] = []
    repositories: list[str] = []
    work_types: list[str] = []
    classes: list[str] = []
    subjects: list[str] = []
    media: list[str] = []
    measures: list[str] = []
    earliest = latest = None
    blocks = list(rec.iterfind("{*}descriptiveMetadata"))
    # A record may repeat its description once per language: titles and notes are taken
    # from every block as language variants, every other field from one block only (the
    # asked-for language, else the first), so that no field mixes two languages.
    main = next((dm for dm in blocks if language and _lang(dm, None) == language),
                blocks[0] if blocks else None)
    for dm in blocks:
        lang = _lang(dm, None)
        for ts in dm.iterfind(".//{*}titleWrap/{*}titleSet"):
            for av in ts.iterfind("{*}appellationValue"):
                titles.add(_text(av), _lang(av, _lang(ts, lang)), _pref(av) or _pref(ts))
        for note in dm.iterfind(".//{*}objectDescriptionWrap/{*}objectDescriptionSet/"
                                "{*}descriptiveNoteValue"):
            notes.add(_text(note), _lang(note, lang), _pref(note))
        if dm is not main:
            continue
        for rs in dm.iterfind(".//{*}repositoryWrap/{*}repositorySet"):
            for wid in rs.iterfind("{*}workID"):
                if _text(wid) and _text(wid) not in work_ids:
                    work_ids.append(_text(wid))
            name = _text(rs.find("{*}repositoryName/{*}legalBodyName/{*}appellationValue"))
            if name and name not in repositories:
                repositories.append(name)
        work_types += [t for t in _terms(dm, ".//{*}objectWorkTypeWrap/{*}objectWorkType",
                                         lang, language) if t not in work_types]
        classes += [t for t in _terms(dm, ".//{*}classificationWrap/{*}classification",
                                      lang, language) if t not in classes]
        for ms in dm.iterfind(".//{*}objectMeasurementsWrap/{*}objectMeasurementsSet"):
            shown = [_text(m) for m in ms.iterfind("{*}displayObjectMeasurements")]
            found = [m for m in shown if m] or [_measurements(ms, lang, language)]
            measures += [m for m in found if m and m not in measures]
        for event in dm.iterfind(".//{*}eventWrap/{*}eventSet/{*}event"):
            kinds = {t.lower() for et in event.iterfind("{*}eventType")
                     for t, _, _ in _labels(et, None).items}
            ids = [i for et in event.iterfind("{*}eventType") for i in _concept_ids(et)]
            if not (kinds & MAKING or any(i.endswith(MAKING_IDS) for i in ids)):
                continue
            for actor_el in event.iterfind("{*}eventActor"):
                names = _Variants()
                for av in actor_el.iterfind("{*}actorInRole/{*}actor/{*}nameActorSet/"
                                            "{*}appellationValue"):
                    names.add(_text(av), _lang(av, lang), _pref(av))
                name = names.choose(language) or _text(actor_el.find("{*}displayActorInRole"))
                if name and name not in artists:
                    artists.append(name)
            for d in event.iterfind("{*}eventDate/{*}displayDate"):
                dates.add(_text(d), _lang(d, lang), _pref(d))
            earliest = earliest or _text(event.find("{*}eventDate/{*}date/{*}earliestDate"))
            latest = latest or _text(event.find("{*}eventDate/{*}date/{*}latestDate"))
            for mt in event.iterfind("{*}eventMaterialsTech"):
                shown = _text(mt.find("{*}displayMaterialsTech"))
                found = [shown] if shown else _terms(
                    mt, "{*}materialsTech/{*}termMaterialsTech", lang, language)
                media += [m for m in found if m and m not in media]
        # LIDO 1.1 also describes materials outside any event.
        for mt in dm.iterfind(".//{*}objectMaterialsTechWrap/{*}objectMaterialsTechSet"):
            shown = _text(mt.find("{*}displayMaterialsTech"))
            found = [shown] if shown else _terms(
                mt, "{*}materialsTech/{*}termMaterialsTech", lang, language)
            media += [m for m in found if m and m not in media]
        for subject in dm.iterfind(".//{*}objectRelationWrap/{*}subjectWrap/{*}subjectSet/"
                                   "{*}subject"):
            found = _terms(subject, "{*}subjectConcept", lang, language)
            for path in ("{*}subjectActor/{*}actor/{*}nameActorSet/{*}appellationValue",
                         "{*}subjectPlace/{*}displayPlace", "{*}subjectEvent/{*}displayEvent"):
                found += [t for t in (_text(e) for e in subject.iterfind(path)) if t]
            subjects += [s for s in found if s not in subjects]
        for shown in dm.iterfind(".//{*}objectRelationWrap/{*}subjectWrap/{*}subjectSet/"
                                 "{*}displaySubject"):
            if _text(shown) and _text(shown) not in subjects:
                subjects.append(_text(shown))
    images: list[str] = []
    for am in rec.iterfind("{*}administrativeMetadata"):
        row["record_url"] = row.get("record_url") or _text(
            am.find(".//{*}recordWrap/{*}recordInfoSet/{*}recordInfoLink"))
        row["credit_line"] = row.get("credit_line") or _text(
            am.find(".//{*}rightsWorkWrap/{*}rightsWorkSet/{*}creditLine"))
        for link in am.iterfind(".//{*}resourceWrap/{*}resourceSet/"
                                "{*}resourceRepresentation/{*}linkResource"):
            if _text(link) and _text(link) not in images:
                images.append(_text(link))
    date = dates.choose(language)
    if date is None and (earliest or latest):
        date = earliest if (earliest == latest or not latest) else \
            f"{earliest or ''}-{latest or ''}".strip("-")
    row.update({
        "id": work_ids[0] if work_ids else row["lido_rec_id"],
        "title": titles.choose(language), "artists": artists, "date": date,
        "earliest_date": earliest, "latest_date": latest,
        "medium": SEP.join(media) or None, "object_type": SEP.join(work_types) or None,
        "classifications": SEP.join(classes) or None, "description": notes.choose(language),
        "subjects": subjects, "dimensions": SEP.join(measures) or None,
        "repository": SEP.join(repositories) or None,
        "other_work_ids": SEP.join(work_ids[1:]) or None,
        "image_url": images[0] if images else None,
        "image_urls": SEP.join(images[1:]) or None,
    })
    for prefix, variants in (("title", titles), ("description", notes)):
        by_lang = variants.by_language()
        if len(by_lang) > 1 or (by_lang and language and language not in by_lang):
            for lang, text in by_lang.items():
                row[f"{prefix}_{lang}"] = text
    return row


def read_lido(path: Path, gz: bool, language: str | None) -> list[dict]:
    """Every record of a LIDO file as rows, streamed."""
    from lxml import etree

    language = language.lower().split("-")[0] if language else None
    opener = gzip.open if gz else open
    rows: list[dict] = []
    try:
        with opener(path, "rb") as handle:
            for _, rec in etree.iterparse(handle, events=("end",), tag="{*}lido",
                                          resolve_entities=False, no_network=True,
                                          huge_tree=False):
                rows.append(read_record(rec, language))
                rec.clear()
                parent = rec.getparent()
                if parent is not None:
                    while rec.getprevious() is not None:
                        del parent[0]
    except etree.XMLSyntaxError as exc:
        line = getattr(exc, "lineno", None) or (exc.position[0] if exc.position else 0)
        raise CuratorError(f"{path.name}, line {line:,}: the XML is not well formed "
                           f"({exc.msg}); the import was not applied.") from exc
    except (OSError, EOFError) as exc:
        raise CuratorError(f"{path.name} could not be read: {exc}") from exc
    return rows


def stage_lido(cur: duckdb.DuckDBPyConnection, path: Path, gz: bool, language: str | None
               ) -> tuple[list[str], int]:
    """Create the temporary table ``src`` from a LIDO file; its columns and record count."""
    rows = read_lido(path, gz, language)
    if not rows:
        raise CuratorError(f"{path.name} holds no LIDO records (lido elements); there is "
                           "nothing to import.")
    names: dict[str, None] = {}
    for row in rows:
        names.update(dict.fromkeys(row))
    columns = {"_row": pa.array(range(1, len(rows) + 1), type=pa.int64())}
    for name in names:
        kind = pa.list_(pa.string()) if name in ("artists", "subjects") else pa.string()
        columns[name] = pa.array([r.get(name) for r in rows], type=kind)
    table = pa.table(columns)
    cur.execute("DROP TABLE IF EXISTS src")
    cur.register("_lido", table)
    try:
        cur.execute("CREATE TEMP TABLE src AS SELECT * FROM _lido")
    finally:
        cur.unregister("_lido")
    return list(names), len(rows)
