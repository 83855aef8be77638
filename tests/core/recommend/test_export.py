"""A visitor's list as a spreadsheet: titles, artists, dates, scores, parts, explanations."""

import csv

import pytest

from curator.core.errors import CuratorError
from curator.core.recommend.export import columns, write_rows

from ...conftest import build_small_world


@pytest.fixture(scope="module")
def cat(tmp_path_factory):
    c = build_small_world(tmp_path_factory.mktemp("export"))
    yield c
    c.close()


def test_rows_carry_what_a_curator_reads(cat):
    recs = cat.recommendations.recommend("sailor", k=3)
    rows = cat.recommendations.export_rows("sailor", recs)
    assert [r["artwork"] for r in rows] == [r.item_id for r in recs]
    assert [r["rank"] for r in rows] == [1, 2, 3]
    first = rows[0]
    art = cat.artworks.one(first["artwork"])
    assert first["title"] == art["title"] and first["artists"] == "; ".join(art["artists"])
    assert first["date"] == art["date_text"]
    assert first["explanation"] == recs[0].explanation and first["explanation"]
    parts = {k: v for k, v in first.items() if k in recs[0].breakdown()}
    assert sum(parts.values()) == pytest.approx(first["score"], abs=1e-5)
    shares = [first[f"{k} share"] for k in parts]
    assert sum(shares) == pytest.approx(1.0, abs=1e-3)
    assert columns(rows)[7:9] == ["content", "content share"]  # a share next to its part


def test_csv_and_xlsx_hold_the_same_rows(cat, tmp_path):
    from openpyxl import load_workbook

    rows = cat.recommendations.export_rows("sailor", cat.recommendations.recommend("sailor", k=5))
    rows[0]["title"] = "=HYPERLINK(\"http://x\")"  # a title that looks like a formula
    write_rows(tmp_path / "list.csv", rows)
    write_rows(tmp_path / "list.XLSX", rows)
    with open(tmp_path / "list.csv", newline="", encoding="utf-8") as fh:
        from_csv = list(csv.DictReader(fh))
    sheet = load_workbook(tmp_path / "list.XLSX").active
    header = [c.value for c in sheet[1]]
    assert header[:7] == ["user", "rank", "artwork", "title", "artists", "date", "score"]
    assert header[-1] == "explanation" and list(from_csv[0]) == header
    from_xlsx = [dict(zip(header, [c.value for c in row], strict=True))
                 for row in sheet.iter_rows(min_row=2)]
    assert [r["title"] for r in from_xlsx] == [r["title"] for r in rows]
    assert sheet.cell(row=2, column=4).data_type == "s"  # kept as text, not a formula
    # the CSV neutralises the formula the way spreadsheets read as plain text
    assert [r["title"] for r in from_csv] == ["'" + rows[0]["title"]] + [
        r["title"] for r in rows[1:]]
    assert [r["explanation"] for r in from_xlsx] == [r["explanation"] for r in rows]
    assert from_xlsx[0]["score"] == pytest.approx(rows[0]["score"])


def test_other_formats_are_refused_with_the_file_named(tmp_path):
    with pytest.raises(CuratorError, match="list.txt: Curator writes lists as .csv or .xlsx"):
        write_rows(tmp_path / "list.txt", [])
    assert not (tmp_path / "list.txt").exists()


def test_every_visitors_rows_for_the_command_line(cat):
    rows = cat.recommendations.recommend_all(k=2, explain=True)
    assert len(rows) == 2 * len(cat.visitors.ids())
    assert all(r["title"] and r["explanation"] for r in rows)


def test_the_batch_path_gives_the_explained_lists_without_sentences(cat):
    explained = cat.recommendations.recommend_all(k=3, explain=True)
    batches = list(cat.recommendations.iter_all(k=3, memory=1))  # one visitor a batch
    assert len(batches) == len(cat.visitors.ids())
    plain = [row for batch in batches for row in batch]
    assert [(r["user"], r["rank"], r["artwork"]) for r in plain] == \
        [(r["user"], r["rank"], r["artwork"]) for r in explained]
    for a, b in zip(plain, explained, strict=True):
        assert a["explanation"] == "" and a["title"] == b["title"]
        assert {k: v for k, v in a.items() if k != "explanation"} == \
            pytest.approx({k: v for k, v in b.items() if k != "explanation"}, abs=1e-5)
    assert list(cat.recommendations.iter_all(k=3)) == [plain]  # all in one batch


def test_a_stopped_run_reports_progress_and_writes_nothing(cat, tmp_path):
    from curator.core.errors import Cancelled
    from curator.core.progress import CancelToken
    from curator.core.recommend.export import write_batches

    token, seen = CancelToken(), []

    def progress(done, total, message):
        seen.append((done, total))
        if done == 2:
            token.cancel()

    out = tmp_path / "all.csv"
    with pytest.raises(Cancelled):
        write_batches(out, cat.recommendations.iter_all(k=2, memory=1, progress=progress,
                                                        cancel=token))
    total = len(cat.visitors.ids())
    assert seen == [(1, total), (2, total)]
    assert list(tmp_path.iterdir()) == []
    assert write_batches(out, cat.recommendations.iter_all(k=2)) == 2 * total
    assert len(out.read_text(encoding="utf-8").splitlines()) == 1 + 2 * total


def test_batch_size_keeps_a_batch_within_its_memory():
    from curator.core.recommend.hybrid import batch_size

    assert batch_size(1_000_000, 3, 1 << 30) == 21   # 1M works: 49 MB a visitor
    assert batch_size(10_000, 3, 1 << 30) == 1024     # capped
    assert batch_size(10_000_000, 3, 1 << 20) == 1    # never none


def test_what_moved_between_two_lists():
    from curator.core.recommend.moves import ListMoves

    moves = ListMoves.between(["a", "b", "c", "d"], ["c", "a", "e", "b"])
    assert [moves.mark_in_b(i) for i in ["c", "a", "e", "b"]] == ["↑ 2", "↓ 1", "new", "↓ 2"]
    assert [moves.mark_in_a(i) for i in ["a", "b", "c", "d"]] == \
        ["#2 in B", "#4 in B", "#1 in B", "dropped"]
    assert moves.summary() == "B against A: 1 new, 1 dropped, 1 up, 2 down, 0 in the same place"
    assert ListMoves.between(["x"], ["x"]).mark_in_b("x") == "="
