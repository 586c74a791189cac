"""The command line's refusals: no abbreviations, unknown options named, one error style.

Every refusal prints ``error: <message>`` (or a table of problems under ``UNREADABLE:`` /
``INVALID:``) and then ``what to do: <one line>``, exits with its code from the README's
"Exit codes" table, and writes nothing. The quarter and the branches are checked before any
heavy work: no fingerprint, no full validation, no shared inputs.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import pandas as pd
import pytest
from conftest import file_tree

from bankperf_analysis.cli import build_parser, main
from bankperf_analysis.cli.main import _SUBCOMMANDS
from bankperf_analysis.exceptions import EXIT_OK, EXIT_UNREADABLE, EXIT_USAGE


def _parsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    found = [parser]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                found += _parsers(sub)
    return found


def _branch(bank: Path) -> str:
    return str(sorted(pd.read_parquet(bank / "branches.parquet")["branch_id"].astype(str))[0])


def _refused(capsys) -> tuple[str, str]:
    """(the message line, the what-to-do line) of a refusal printed in the house style."""
    lines = [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]
    assert "Traceback" not in "\n".join(lines)
    assert lines[-1].startswith("what to do: "), lines
    return lines[0], lines[-1]


@pytest.fixture
def work(tmp_path) -> Path:
    folder = tmp_path / "work"
    folder.mkdir()
    return folder


def test_no_parser_takes_an_abbreviation():
    parsers = _parsers(build_parser())
    assert len(parsers) == 1 + len(_SUBCOMMANDS)  # the command and each sub-command
    assert [p.prog for p in parsers if p.allow_abbrev] == []


def test_an_abbreviated_option_is_refused_not_taken(tiny_bank, work, capsys):
    """``--dat`` used to be taken as ``--data`` (argparse prefix matching) and ran the batch."""
    out = work / "out"
    before = file_tree(work, tiny_bank)
    code = main(["report", "--dat", str(tiny_bank), "--quarter", "2026Q4", "--out", str(out)])
    assert code == EXIT_USAGE
    message, todo = _refused(capsys)
    assert message == "error: unknown option --dat; did you mean --data?"
    assert "`bankperf report --help`" in todo
    assert file_tree(work, tiny_bank) == before and not out.exists()


# (sub-command, arguments with the unknown option, the option named, the suggestion)
UNKNOWN = [
    ("report", ["--data", "{bank}", "--quater", "2026Q4", "--out", "{work}/o"], "--quater", "--quarter"),
    (
        "scorecard",
        ["--data", "{bank}", "--quater", "2026Q4", "--out", "{work}/c.xlsx"],
        "--quater",
        "--quarter",
    ),
    ("staffing", ["--data", "{bank}", "--quarter", "2026Q4", "--branc", "X"], "--branc", "--branch"),
    ("validate", ["{bank}", "--period=2025Q1:2026Q4"], "--period", "--periods"),
    ("demo-data", ["{work}/demo", "--sed", "3"], "--sed", "--seed"),
    ("report", ["--data", "{bank}", "--quarter", "2026Q4", "--xyzzy"], "--xyzzy", None),
]


@pytest.mark.parametrize(
    ("command", "args", "option", "close"), UNKNOWN, ids=[u[2] + "-" + u[0] for u in UNKNOWN]
)
def test_an_unknown_option_is_named_with_the_closest_one(
    tiny_bank, work, capsys, command, args, option, close
):
    """Named even when a required option is missing too (``--quater`` leaves ``--quarter`` out)."""
    argv = [command] + [a.format(bank=tiny_bank, work=work) for a in args]
    before = file_tree(work, tiny_bank)
    assert main(argv) == EXIT_USAGE
    message, todo = _refused(capsys)
    hint = f"; did you mean {close}?" if close else ""
    assert message == f"error: unknown option {option}{hint}"
    assert f"`bankperf {command} --help`" in todo
    assert file_tree(work, tiny_bank) == before


def test_argparse_usage_errors_print_in_the_same_style(capsys):
    assert main(["report", "--data", "x"]) == EXIT_USAGE
    message, todo = _refused(capsys)
    assert message == "error: one of the arguments --quarter --period is required"
    assert "`bankperf report --help`" in todo
    assert main(["reprt"]) == EXIT_USAGE
    message, _ = _refused(capsys)
    assert "invalid choice: 'reprt'" in message


@pytest.fixture
def no_heavy_work(monkeypatch):
    """Fail the test if a refusal reaches the fingerprint, a full validation or the work itself."""
    import bankperf_analysis.dataset.load as load
    import bankperf_analysis.runner.batch as batch
    import bankperf_analysis.scorecard.quarter as quarter
    import bankperf_analysis.staffing.plan as plan

    def heavy(*args, **kwargs):
        raise AssertionError("heavy work started before the quarter and branches were checked")

    quick = load.load_dataset

    def quick_only(path, **kwargs):
        if kwargs.get("validate", True):
            heavy()
        return quick(path, **kwargs)

    monkeypatch.setattr(load, "load_dataset", quick_only)
    monkeypatch.setattr(load.Dataset, "fingerprint", property(heavy))
    monkeypatch.setattr(batch, "build_reports", heavy)
    monkeypatch.setattr(quarter, "quarter_scorecards", heavy)
    monkeypatch.setattr(plan, "branch_staffing_plan", heavy)


EMPTY_QUARTER = [
    ("report", ["--data", "{bank}", "--quarter", "2030Q1", "--out", "{work}/out"]),
    ("scorecard", ["--data", "{bank}", "--quarter", "2030Q1", "--out", "{work}/card.xlsx"]),
    ("sheets", ["--data", "{bank}", "--quarter", "2030Q1", "--out", "{work}/out"]),
    (
        "staffing",
        ["--data", "{bank}", "--quarter", "2030Q1", "--branch", "{branch}", "--out", "{work}/p.xlsx"],
    ),
]


@pytest.mark.parametrize(("command", "args"), EMPTY_QUARTER, ids=[c for c, _ in EMPTY_QUARTER])
def test_a_quarter_without_data_is_refused_before_any_work(
    tiny_bank, work, capsys, no_heavy_work, command, args
):
    """One check for every sub-command: the data's coverage named, and what to do; < 2 s of CPU."""
    truth = json.loads((tiny_bank / "truth.json").read_text(encoding="utf-8"))
    first, last = truth["first_period"], truth["last_period"]
    argv = [command] + [a.format(bank=tiny_bank, work=work, branch=_branch(tiny_bank)) for a in args]
    before = file_tree(work, tiny_bank)
    cpu = time.process_time()
    assert main(argv) == EXIT_USAGE
    assert time.process_time() - cpu < 2.0
    message, todo = _refused(capsys)
    assert message == f"error: The dataset {tiny_bank} has no data for 2030Q1: it covers {first}–{last}."
    assert f"give a quarter from {first} to {last} with --quarter" in todo
    assert f"`bankperf {command}`" in todo and "Nothing was written." in todo
    assert file_tree(work, tiny_bank) == before


@pytest.mark.parametrize("command", ["report", "sheets", "staffing"])
def test_an_unknown_branch_is_refused_before_any_work(tiny_bank, work, capsys, no_heavy_work, command):
    known = sorted(pd.read_parquet(tiny_bank / "branches.parquet")["branch_id"].astype(str))
    typo = known[0].lower() if known[0].lower() not in known else known[0] + "x"
    argv = [command, "--data", str(tiny_bank), "--quarter", "2026Q4", "--branch", typo]
    argv += ["--out", str(work / ("p.xlsx" if command == "staffing" else "out"))]
    before = file_tree(work, tiny_bank)
    assert main(argv) == EXIT_USAGE
    message, todo = _refused(capsys)
    assert message.startswith(f"error: Unknown branch id(s) {typo!r}: the dataset has {', '.join(known)}.")
    assert message.endswith(f"Closest: {typo!r} → {known[0]!r}.")
    assert "--branch" in todo and "0012 and 12 are different branches" in todo
    assert file_tree(work, tiny_bank) == before


MISSING = [
    ("validate", ["{missing}"]),
    ("scorecard", ["--data", "{missing}", "--quarter", "2026Q4", "--out", "{work}/card.xlsx"]),
    ("report", ["--data", "{missing}", "--quarter", "2026Q4", "--out", "{work}/out"]),
    ("sheets", ["--data", "{missing}", "--quarter", "2026Q4", "--out", "{work}/out"]),
    ("staffing", ["--data", "{missing}", "--quarter", "2026Q4", "--branch", "B01", "--out", "{work}/p.xlsx"]),
]


@pytest.mark.parametrize(("command", "args"), MISSING, ids=[c for c, _ in MISSING])
def test_a_missing_data_folder_is_unreadable_input_in_every_sub_command(
    tmp_path, work, capsys, command, args
):
    """Exit 4 and the same message everywhere (``validate`` exited 1 once, ``report`` 2)."""
    missing = tmp_path / "no_such_folder"
    argv = [command] + [a.format(missing=missing, work=work) for a in args]
    before = file_tree(tmp_path)
    assert main(argv) == EXIT_UNREADABLE
    message, todo = _refused(capsys)
    assert message == f"UNREADABLE: {missing}: 1 problem(s) found"
    assert (
        todo.startswith("what to do: check that the path exists") and f"bankperf validate {missing}" in todo
    )
    assert file_tree(tmp_path) == before and not missing.exists()


def test_report_announces_what_it_prepares_before_the_first_bar(tiny_bank, work, capsys, monkeypatch):
    """The line comes before the batch starts (and so before any bar), only with progress on."""
    import bankperf_analysis.runner.batch as batch
    from bankperf_analysis.runner.items import RunResult

    seen: list[str] = []

    def fake_build(*args, **kwargs):
        seen.append(capsys.readouterr().err)  # what was printed before the batch began
        return RunResult((), (), 0.0)

    monkeypatch.setattr(batch, "build_reports", fake_build)
    base = ["report", "--data", str(tiny_bank), "--quarter", "2026Q4", "--out", str(work / "out")]
    assert main(base) == EXIT_OK
    assert seen[0].startswith(f"Preparing the 2026Q4 reports from {tiny_bank}: the data fingerprint")
    assert "full validation" in seen[0] and "inputs all reports share" in seen[0]
    assert main([*base, "--no-progress"]) == EXIT_OK
    assert seen[1] == ""


def test_a_database_is_not_read_twice_for_the_check(monkeypatch):
    """A PostgreSQL dataset is copied on every load: the quick check leaves it to the sub-command."""
    import bankperf_analysis.dataset.load as load
    from bankperf_analysis.cli._request import check_request

    def copy_everything(*args, **kwargs):
        raise AssertionError("the check read the database")

    monkeypatch.setattr(load, "load_dataset", copy_everything)
    check_request("postgresql://analyst@db.example:5432/bank", "2030Q1", ["NOPE"])
    with pytest.raises(AssertionError, match="read the database"):
        check_request("/some/folder", "2030Q1")
