"""The Tate catalog written out as other museums export theirs: an Excel workbook and LIDO XML.

Used by ``bench_import.py`` and by the integration tests, so both read the same files.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from xml.sax.saxutils import escape

XLSX_COLUMNS = ["ObjectNumber", "Title", "Artist", "Date", "Medium", "Dimensions",
                "CreditLine", "AcquisitionYear", "Classification", "Movements", "Subjects",
                "URL"]


def tate_records(path: Path, limit: int | None = None) -> Iterator[dict]:
    """Records of ``artworks.jsonl.gz``, in file order (the first ``limit`` of them)."""
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for n, line in enumerate(handle):
            if limit is not None and n >= limit:
                return
            yield json.loads(line)


def _leaves(tree: dict | None) -> list[str]:
    out: list[str] = []
    for child in (tree or {}).get("children", []) or []:
        if child.get("children"):
            out += _leaves(child)
        elif child.get("name"):
            out.append(child["name"])
    return out


def _artists(rec: dict) -> list[str]:
    return [c["fc"] for c in rec.get("contributors") or [] if c.get("fc")]


def xlsx_row(rec: dict) -> list:
    return [rec.get("acno"), rec.get("title"), "; ".join(_artists(rec)), rec.get("dateText"),
            rec.get("medium"), rec.get("dimensions"), rec.get("creditLine"),
            rec.get("acquisitionYear"), rec.get("classification"),
            "; ".join(m["name"] for m in rec.get("movements") or [] if m.get("name")),
            "; ".join(_leaves(rec.get("subjects"))), rec.get("url")]


def write_xlsx(records, path: Path) -> Path:
    """An .xlsx workbook: a title row, then the header, then one row per record."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Collection")
    sheet.append(["Tate collection export"])
    sheet.append(XLSX_COLUMNS)
    for rec in records:
        sheet.append(xlsx_row(rec))
    book.save(path)
    return path


def _el(name: str, text, attrs: str = "") -> str:
    if text is None or text == "":
        return ""
    return f"<lido:{name}{attrs}>{escape(str(text))}</lido:{name}>"


def lido_record(rec: dict) -> str:
    """One Tate record as a LIDO 1.0 ``lido`` element."""
    actors = "".join(
        "<lido:eventActor>" + _el("displayActorInRole", name) + "<lido:actorInRole><lido:actor>"
        "<lido:nameActorSet>" + _el("appellationValue", name, ' lido:pref="preferred"')
        + "</lido:nameActorSet></lido:actor></lido:actorInRole></lido:eventActor>"
        for name in _artists(rec))
    subjects = "".join("<lido:subjectConcept>" + _el("term", s) + "</lido:subjectConcept>"
                       for s in _leaves(rec.get("subjects")))
    span = rec.get("dateRange") or {}
    dates = ""
    if span.get("startYear") is not None:
        dates = ("<lido:date>" + _el("earliestDate", span.get("startYear"))
                 + _el("latestDate", span.get("endYear")) + "</lido:date>")
    return (
        "<lido:lido>" + _el("lidoRecID", f"tate-{rec.get('id')}", ' lido:type="local"')
        + '<lido:descriptiveMetadata xml:lang="en"><lido:objectClassificationWrap>'
        "<lido:objectWorkTypeWrap><lido:objectWorkType>"
        + _el("term", rec.get("classification") or "artwork")
        + "</lido:objectWorkType></lido:objectWorkTypeWrap></lido:objectClassificationWrap>"
        "<lido:objectIdentificationWrap><lido:titleWrap><lido:titleSet>"
        + _el("appellationValue", rec.get("title"), ' lido:pref="preferred"')
        + "</lido:titleSet></lido:titleWrap><lido:repositoryWrap><lido:repositorySet>"
        "<lido:repositoryName><lido:legalBodyName><lido:appellationValue>Tate"
        "</lido:appellationValue></lido:legalBodyName></lido:repositoryName>"
        + _el("workID", rec.get("acno")) + "</lido:repositorySet></lido:repositoryWrap>"
        "<lido:objectMeasurementsWrap><lido:objectMeasurementsSet>"
        + _el("displayObjectMeasurements", rec.get("dimensions"))
        + "</lido:objectMeasurementsSet></lido:objectMeasurementsWrap>"
        "</lido:objectIdentificationWrap><lido:eventWrap><lido:eventSet><lido:event>"
        "<lido:eventType><lido:conceptID>http://terminology.lido-schema.org/lido00007"
        "</lido:conceptID><lido:term>Production</lido:term></lido:eventType>" + actors
        + "<lido:eventDate>" + _el("displayDate", rec.get("dateText")) + dates
        + "</lido:eventDate><lido:eventMaterialsTech>"
        + _el("displayMaterialsTech", rec.get("medium"))
        + "</lido:eventMaterialsTech></lido:event></lido:eventSet></lido:eventWrap>"
        + ("<lido:objectRelationWrap><lido:subjectWrap><lido:subjectSet><lido:subject>"
           + subjects + "</lido:subject></lido:subjectSet></lido:subjectWrap>"
           "</lido:objectRelationWrap>" if subjects else "")
        + '</lido:descriptiveMetadata><lido:administrativeMetadata xml:lang="en">'
        "<lido:rightsWorkWrap><lido:rightsWorkSet>" + _el("creditLine", rec.get("creditLine"))
        + "</lido:rightsWorkSet></lido:rightsWorkWrap><lido:recordWrap>"
        + _el("recordID", rec.get("id"), ' lido:type="local"')
        + "<lido:recordType><lido:term>item</lido:term></lido:recordType><lido:recordSource>"
        "<lido:legalBodyName><lido:appellationValue>Tate</lido:appellationValue>"
        "</lido:legalBodyName></lido:recordSource><lido:recordInfoSet>"
        + _el("recordInfoLink", rec.get("url"))
        + "</lido:recordInfoSet></lido:recordWrap><lido:resourceWrap><lido:resourceSet>"
        "<lido:resourceRepresentation>" + _el("linkResource", rec.get("thumbnailUrl"))
        + "</lido:resourceRepresentation></lido:resourceSet></lido:resourceWrap>"
        "</lido:administrativeMetadata></lido:lido>\n")


def write_lido(records, path: Path) -> Path:
    """A gzip-compressed LIDO 1.0 ``lidoWrap`` holding every record."""
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=1) as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n<lido:lidoWrap '
                  'xmlns:lido="http://www.lido-schema.org">\n')
        for rec in records:
            out.write(lido_record(rec))
        out.write("</lido:lidoWrap>\n")
    return path
