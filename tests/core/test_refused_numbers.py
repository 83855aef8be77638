"""Counts, weights and settings that make no sense are refused with a message, never saved."""

import re
import subprocess
import sys

import pytest

from curator.cli import main
from curator.core.errors import CuratorError
from curator.core.recommend.profiles import Profile

from ..conftest import write
from .test_import_events import HEADER


@pytest.fixture
def with_history(loaded, tmp_path):
    loaded.imports.events(write(tmp_path / "h.csv", HEADER + "u1,A1,view,,1700000000\n"
                                "u2,A2,view,,1700000000\nu2,A1,view,,1700000001\n"))
    return loaded


@pytest.mark.parametrize("argv,message", [
    (["evaluate", "-k", "0"], "list length .* at least 1, not 0"),
    (["recommend", "u1", "-k", "0"], r"number of recommendations \(-k\) must be"),
    (["recommend", "u1", "-k", "-3"], "at least 1, not -3"),
    (["recommend", "u1", "--weights", "content=nan"], "weight of 'content' must be a finite"),
    (["recommend", "u1", "--weights", "item=-1"], "weight of 'item' must be a finite number "
                                                  "at least 0"),
    (["recommend", "u1", "--mmr-lambda", "inf"], "mmr_lambda"),
    (["recommend", "u1", "--artist-cap", "-2"], "artist cap must be"),
    (["profiles", "save", "odd", "--weights", "content=inf"], "must be a finite number"),
    (["profiles", "save", "odd", "--kinds", "view=-5"], "weight of 'view' must be"),
    (["profiles", "save", "odd", "--mmr-lambda", "-0.5"], "mmr_lambda"),
    (["profiles", "save", "odd", "--mmr-lambda", "nan"], "mmr_lambda"),
    (["profiles", "save", "odd", "--half-life", "-30"], "half-life in days"),
    (["profiles", "save", "odd", "--half-life", "inf"], "half-life in days"),
    (["profiles", "save", "odd", "--artist-cap", "-1"], "artist cap"),
])
def test_nonsense_numbers_get_a_message_and_nothing_is_saved(with_history, argv, message,
                                                             capsys):
    db = with_history.path
    with_history.close()
    assert main(["--db", db, *argv]) == 1
    err = capsys.readouterr().err
    assert re.search(message, err), err
    assert main(["--db", db, "profiles", "list"]) == 0
    assert "odd" not in capsys.readouterr().out


def test_a_profile_with_a_negative_weight_cannot_be_saved(catalog):
    with pytest.raises(CuratorError, match="weight of 'item'"):
        catalog.recommendations.save_profile(Profile("p", weights={"item": -1.0}))
    assert catalog.recommendations.profiles() == []


def test_output_piped_into_head_ends_quietly(with_history, tmp_path):
    many = "".join(f"v{i},A{1 + i % 3},view,,{1700000000 + i}\n" for i in range(3000))
    with_history.imports.events(write(tmp_path / "many.csv", HEADER + many))
    db = with_history.path
    with_history.close()
    proc = subprocess.run(f"{sys.executable} -m curator.cli --db {db} users list | head -n 1",
                          shell=True, capture_output=True, text=True, timeout=120)
    assert proc.stdout.strip() == "u1"
    assert "Traceback" not in proc.stderr and "BrokenPipe" not in proc.stderr
