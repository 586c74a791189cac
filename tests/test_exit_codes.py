"""Every sub-command exits with the shared codes, and writes nothing on 2, 3 or 4.

0 ok; 1 some reports failed; 2 usage error; 3 invalid data; 4 unreadable input or environment
(README "Exit codes"). Each sub-command is run in-process through ``bankperf_analysis.cli.main``
into each code it can give; on 2, 3 and 4 the test compares every file under the test's folder
and the data folders before and after: nothing may appear, change or disappear.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest
from conftest import REPO, file_tree

from bankperf_analysis.cli import main
from bankperf_analysis.exceptions import (
    EXIT_INVALID_DATA,
    EXIT_OK,
    EXIT_REPORTS_FAILED,
    EXIT_UNREADABLE,
    EXIT_USAGE,
)


@pytest.fixture(scope="module")
def banks(tiny_bank, tmp_path_factory) -> dict[str, Path]:
    """The tiny bank, an invalid copy (a survey score of 11), a copy with a 0-byte Parquet file,
    a scheme that breaks the scheme's rules and a scheme path that does not exist."""
    root = tmp_path_factory.mktemp("exit_inputs")
    bad = root / "bad"
    shutil.copytree(tiny_bank, bad)
    surveys = pd.read_parquet(bad / "surveys.parquet")
    surveys.loc[surveys.index[0], "score"] = 11
    surveys.to_parquet(bad / "surveys.parquet", index=False)
    zero = root / "zero"
    shutil.copytree(tiny_bank, zero)
    (zero / "surveys.parquet").write_bytes(b"")
    scheme = root / "scheme_bad.yaml"
    text = (REPO / "params" / "scheme.yaml").read_text(encoding="utf-8")
    scheme.write_text(text.replace("schema_version: 1", "schema_version: 99", 1), encoding="utf-8")
    a_file = root / "a_file"
    a_file.write_text("not a folder", encoding="utf-8")
    branch = str(sorted(pd.read_parquet(tiny_bank / "branches.parquet")["branch_id"])[0])
    return {
        "good": tiny_bank,
        "bad": bad,
        "zero": zero,
        "scheme_bad": scheme,
        "missing": root / "missing.yaml",
        "a_file": a_file,
        "branch": branch,
    }


# (sub-command, arguments with {placeholders}, expected code)
REFUSALS = [
    ("validate", ["{good}", "--periods", "2025Q1"], EXIT_USAGE),
    ("validate", ["{good}", "--periods", "2025Q1:2026Q9"], EXIT_USAGE),
    ("validate", ["{bad}"], EXIT_INVALID_DATA),
    ("validate", ["{zero}"], EXIT_UNREADABLE),
    ("demo-data", ["{tmp}/demo", "--scale", "huge"], EXIT_USAGE),
    ("demo-data", ["{tmp}/demo", "--seed", "x"], EXIT_USAGE),
    ("demo-data", ["{a_file}", "--scale", "tiny", "--quiet"], EXIT_UNREADABLE),
    ("scorecard", ["--data", "{good}", "--quarter", "2026Q3", "--out", "{tmp}/card.txt"], EXIT_USAGE),
    ("scorecard", ["--data", "{good}", "--quarter", "2026Q5", "--out", "{tmp}/card.xlsx"], EXIT_USAGE),
    (
        "scorecard",
        ["--data", "{good}", "--quarter", "2026Q3", "--out", "{tmp}/c.xlsx", "--scheme", "{scheme_bad}"],
        2,
    ),
    ("scorecard", ["--data", "{good}", "--quarter", "2026Q3"], EXIT_USAGE),
    ("scorecard", ["--data", "{bad}", "--quarter", "2026Q3", "--out", "{tmp}/card.xlsx"], EXIT_INVALID_DATA),
    (
        "scorecard",
        ["--data", "{good}", "--quarter", "2026Q3", "--out", "{tmp}/c.xlsx", "--scheme", "{missing}"],
        4,
    ),
    ("staffing", ["--data", "{good}", "--branch", "no such branch", "--quarter", "2026Q4"], EXIT_USAGE),
    (
        "staffing",
        ["--data", "{good}", "--branch", "{branch}", "--quarter", "2026Q4", "--out", "{tmp}/p.txt"],
        2,
    ),
    ("staffing", ["--data", "{good}", "--branch", "{branch}", "--quarter", "2026Q4", "--interval", "7"], 2),
    (
        "staffing",
        ["--data", "{bad}", "--branch", "{branch}", "--quarter", "2026Q4", "--out", "{tmp}/p.xlsx"],
        3,
    ),
    (
        "staffing",
        ["--data", "{good}", "--branch", "{branch}", "--quarter", "2026Q4", "--scheme", "{missing}"],
        4,
    ),
    ("report", ["--data", "{good}", "--quarter", "2026Q5", "--out", "{tmp}/out"], EXIT_USAGE),
    (
        "report",
        ["--data", "{good}", "--quarter", "2026Q4", "--branch", "../x", "--out", "{tmp}/out"],
        EXIT_USAGE,
    ),
    ("report", ["--data", "{good}", "--quarter", "2026Q4", "--jobs", "0", "--out", "{tmp}/out"], EXIT_USAGE),
    ("report", ["--data", "{good}", "--quarter", "2026Q4", "--lang", "fr", "--out", "{tmp}/out"], EXIT_USAGE),
    (
        "report",
        ["--data", "{good}", "--quarter", "2026Q4", "--scheme", "{scheme_bad}", "--out", "{tmp}/out"],
        2,
    ),
    ("report", ["--data", "{bad}", "--quarter", "2026Q4", "--out", "{tmp}/out"], EXIT_INVALID_DATA),
    ("report", ["--data", "{good}", "--quarter", "2026Q4", "--scheme", "{missing}", "--out", "{tmp}/out"], 4),
    ("report", ["--data", "{zero}", "--quarter", "2026Q4", "--out", "{tmp}/out"], EXIT_UNREADABLE),
]


@pytest.mark.parametrize(
    ("command", "args", "code"), REFUSALS, ids=[f"{c}-{n}-{i}" for i, (c, _, n) in enumerate(REFUSALS)]
)
def test_refusals_exit_with_their_code_and_write_nothing(banks, tmp_path, capsys, command, args, code):
    work = tmp_path / "work"
    work.mkdir()
    argv = [command] + [a.format(tmp=work, **{k: str(v) for k, v in banks.items()}) for a in args]
    data = [banks[k] for k in ("good", "bad", "zero")]
    before = file_tree(work, *data)
    assert main(argv) == code
    assert file_tree(work, *data) == before  # nothing written: no file, no folder, no lock, no index
    err = capsys.readouterr().err
    assert err.strip()  # the reason is printed
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith("what to do: ")  # then what to do (one style)


def test_every_sub_command_succeeds_with_0(banks, tmp_path, capsys):
    good, branch = str(banks["good"]), banks["branch"]
    assert main(["validate", good]) == EXIT_OK
    assert main(["demo-data", str(tmp_path / "demo"), "--scale", "tiny", "--quiet"]) == EXIT_OK
    assert (tmp_path / "demo" / "branches.parquet").is_file()
    card = tmp_path / "card.xlsx"
    assert (
        main(["scorecard", "--data", good, "--quarter", "2026Q3", "--out", str(card), "--no-progress"]) == 0
    )
    assert card.is_file()
    plan = tmp_path / "plan.xlsx"
    args = ["--data", good, "--branch", branch, "--quarter", "2026Q4", "--out", str(plan)]
    assert main(["staffing", *args]) == EXIT_OK and plan.is_file()
    assert main(["--help"]) == EXIT_OK


@pytest.mark.notebook
def test_report_gives_0_then_1_and_refusals_leave_the_outputs_untouched(banks, tmp_path, capsys):
    """0 on success; 1 when a report fails (named on stderr, red in the index); then a refused run
    (invalid data, a missing scheme, the folder locked) on these outputs rewrites nothing."""
    good, branch, out = str(banks["good"]), banks["branch"], tmp_path / "out"
    base = [
        "report",
        "--quarter",
        "2026Q4",
        "--branch",
        branch,
        "--out",
        str(out),
        "--no-progress",
        "--jobs",
        "1",
    ]
    assert main([*base, "--data", good]) == EXIT_OK
    folder = out / "2026Q4"
    assert (folder / f"{branch}.html").is_file()
    assert sorted(p.name for p in folder.iterdir() if p.name.startswith(".")) == [".bankperf-cache.json"]

    capsys.readouterr()
    assert main([*base, "--data", good, "--force", "--timeout-report", "0.5"]) == EXIT_REPORTS_FAILED
    err = capsys.readouterr().err
    assert f"FAILED 2026Q4/{branch}: report_timeout" in err
    assert not (folder / f"{branch}.html").exists()  # the report ran and failed: not published
    index = (folder / "index.html").read_text(encoding="utf-8")
    assert 'class="status-failed"' in index and "report_timeout" in index and "run of 20" in index

    before = file_tree(out)
    assert main([*base, "--data", str(banks["bad"])]) == EXIT_INVALID_DATA
    assert main([*base, "--data", good, "--scheme", str(banks["missing"])]) == EXIT_UNREADABLE
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # another run holds the folder
        assert main([*base, "--data", good]) == EXIT_UNREADABLE
    finally:
        os.close(fd)
    assert "Another bankperf run is writing" in capsys.readouterr().err
    assert file_tree(out) == before  # the index was not rewritten as if the refused runs had succeeded


def test_report_refused_while_locked_creates_nothing_in_an_empty_folder(banks, tmp_path, capsys):
    """The lock is taken before anything is written, and leaves no file of its own."""
    folder = tmp_path / "out" / "2026Q4"
    folder.mkdir(parents=True)
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        code = main(
            ["report", "--data", str(banks["good"]), "--quarter", "2026Q4", "--out", str(tmp_path / "out")]
        )
    finally:
        os.close(fd)
    assert code == EXIT_UNREADABLE
    assert [p.name for p in (tmp_path / "out").rglob("*")] == ["2026Q4"]  # no index, no lock file
