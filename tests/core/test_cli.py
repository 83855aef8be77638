import json

from curator.cli import main

from ..conftest import write


def test_import_and_info_json(tmp_path, small_catalog_file, capsys):
    db = str(tmp_path / "c.duckdb")
    assert main(["--db", db, "import-catalog", str(small_catalog_file), "--no-embed"]) == 0
    events = write(tmp_path / "h.csv", "user_id,artwork_id,kind,value,timestamp\n"
                   "u1,A1,view,,1700000000\nu2,A2,favourite,,1700000100\n")
    assert main(["--db", db, "import-events", str(events)]) == 0
    capsys.readouterr()
    assert main(["--db", db, "info", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert (info["artworks"], info["users"], info["events"]) == (4, 2, 2)
    assert [b["kind"] for b in info["last_batches"]] == ["events", "catalog"]


def test_failure_is_one_sentence_and_nonzero(tmp_path, capsys):
    db = str(tmp_path / "c.duckdb")
    bad = write(tmp_path / "bad.csv", "accession_number,title\n,No id\n")
    assert main(["--db", db, "import-catalog", str(bad)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("curator: bad.csv, row 2, field `accession_number`: has no id")
    assert "Traceback" not in err and len(err.splitlines()) == 1
    assert main(["--db", db, "info", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["artworks"] == 0


def test_recommend_json_and_all(tmp_path, small_catalog_file, capsys):
    db = str(tmp_path / "c.duckdb")
    assert main(["--db", db, "import-catalog", str(small_catalog_file)]) == 0
    events = write(tmp_path / "h.csv", "user_id,artwork_id,kind,value,timestamp\n"
                   "u1,A1,view,,1700000000\nu2,A1,favourite,,1700000100\n"
                   "u2,A2,view,,1700000200\n")
    assert main(["--db", db, "import-events", str(events)]) == 0
    capsys.readouterr()
    assert main(["--db", db, "recommend", "u1", "-k", "2", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["user"] == "u1" and len(out["items"]) == 2
    first = out["items"][0]
    assert set(first) >= {"id", "score", "breakdown", "explanation"}
    assert sum(first["breakdown"].values()) == __import__("pytest").approx(first["score"], abs=1e-5)
    csv_path = tmp_path / "recs.csv"
    assert main(["--db", db, "recommend", "--all", "-k", "2", "--output", str(csv_path)]) == 0
    lines = csv_path.read_text().splitlines()
    assert lines[0].startswith("user,rank,artwork,title,artists,date,score,")
    assert lines[0].endswith(",explanation")
    assert len(lines) == 1 + 2 * 2
    assert main(["--db", db, "recommend", "--all", "--output", str(tmp_path / "r.txt")]) == 1
    assert "r.txt: Curator writes lists as .csv or .xlsx" in capsys.readouterr().err
