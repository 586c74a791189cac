"""``bankperf report``: each ``--kind`` refuses the options of the other kinds, word for word.

The texts below are the refusals as they were before the kinds' options became one table
(``cli/report.py``): exit 2, ``error: ...`` and ``what to do: ...`` on standard error, and
nothing written. The options a kind takes are checked too: they reach the data (here a
missing folder), not the kind check.
"""

from __future__ import annotations

import pytest

from bankperf_analysis.cli import main
from bankperf_analysis.exceptions import EXIT_USAGE

_FIX = (
    "what to do: correct the command; `bankperf report --help` lists the arguments and options. "
    "Nothing was written."
)
_FOR_INCENTIVE = "of bankperf report must come with --kind incentive. Got them with --kind branch instead."
_FOR_BRANCH = (
    "The options --branch, --scheduler and --period of bankperf report must come with --kind branch (the "
    "incentive study covers the whole bank, on the local pool). Got them with --kind incentive instead."
)
_NOT_STAFFING = (
    "of bankperf report must not come with --kind staffing (it takes --quarter and --branch; the staffing "
    "reports run on the local pool). Got them with --kind staffing instead."
)
_NEEDS_QUARTER = (
    "error: the argument --quarter is required with --kind staffing\n"
    "what to do: --kind staffing needs --quarter (e.g. 2026Q4): its contacts and roster are the basis of the "
    "plan for the next quarter. Nothing was written.\n"
)

REFUSED = [
    (["--kpi", "satisfaction_rate", "--quarter", "2026Q4"], f"error: The options --kpi {_FOR_INCENTIVE}"),
    (
        ["--adoption", "a.csv", "--level", "staff-month", "--kpi", "churn_rate", "--period", "2026-11"],
        f"error: The options --kpi, --adoption, --level {_FOR_INCENTIVE}",
    ),
    (
        ["--level", "staff-quarter", "--quarter", "2026Q4", "--branch", "B1"],
        f"error: The options --level {_FOR_INCENTIVE}",
    ),
    (["--kind", "incentive", "--branch", "X"], f"error: {_FOR_BRANCH}"),
    (["--kind", "incentive", "--scheduler", "tcp://h:1", "--quarter", "2026Q4"], f"error: {_FOR_BRANCH}"),
    (["--kind", "incentive", "--period", "2026-11", "--kpi", "satisfaction_rate"], f"error: {_FOR_BRANCH}"),
    (
        ["--kind", "staffing", "--quarter", "2026Q4", "--kpi", "satisfaction_rate"],
        f"error: The options --kpi {_NOT_STAFFING}",
    ),
    (
        ["--kind", "staffing", "--period", "2026-11", "--scheduler", "tcp://h:1", "--level", "staff-quarter"]
        + ["--adoption", "a.csv", "--kpi", "k"],
        f"error: The options --kpi, --adoption, --period, --scheduler, --level {_NOT_STAFFING}",
    ),
]


def _run(tmp_path, monkeypatch, capsys, extra: list[str]) -> tuple[int, str]:
    monkeypatch.chdir(tmp_path)
    code = main(["report", "--data", "data", "--out", "out", "--no-progress", *extra])
    err = capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []  # nothing written
    return code, err


@pytest.mark.parametrize(("extra", "message"), REFUSED)
def test_other_kinds_options_are_refused_word_for_word(tmp_path, monkeypatch, capsys, extra, message):
    code, err = _run(tmp_path, monkeypatch, capsys, extra)
    assert code == EXIT_USAGE
    assert err == f"{message}\n{_FIX}\n"


@pytest.mark.parametrize("extra", [["--kind", "staffing"], ["--kind", "staffing", "--branch", "X"]])
def test_staffing_needs_a_quarter(tmp_path, monkeypatch, capsys, extra):
    code, err = _run(tmp_path, monkeypatch, capsys, extra)
    assert (code, err) == (EXIT_USAGE, _NEEDS_QUARTER)


def test_branch_kind_needs_a_quarter_or_a_period(tmp_path, monkeypatch, capsys):
    code, err = _run(tmp_path, monkeypatch, capsys, ["--kind", "branch"])
    assert code == EXIT_USAGE
    assert err == (
        "error: one of the arguments --quarter --period is required\n"
        "what to do: --kind branch (the default) needs --quarter (e.g. 2026Q3) or --period (e.g. 2026-11); "
        "`bankperf report --help` lists the options. Nothing was written.\n"
    )


@pytest.mark.parametrize(
    "extra",
    [
        ["--quarter", "2026Q4", "--branch", "B1", "--scheduler", "tcp://h:1"],
        ["--period", "2026-11", "--branch", "B1"],
        ["--kind", "incentive", "--quarter", "2026Q4", "--kpi", "churn_rate", "--level", "staff-quarter"]
        + ["--adoption", "a.csv"],
        ["--kind", "staffing", "--quarter", "2026Q4", "--branch", "B1"],
    ],
)
def test_a_kinds_own_options_pass_the_kind_check(tmp_path, monkeypatch, capsys, extra):
    """They reach the data (a missing folder, refused with its own message), not the kind check."""
    code, err = _run(tmp_path, monkeypatch, capsys, extra)
    assert code != 0
    assert "of bankperf report must" not in err and "is required" not in err
    assert "data" in err


_BUILDERS = {
    "branch": ("bankperf_analysis.runner.batch", "build_reports"),
    "month": ("bankperf_analysis.runner.monthly", "build_monthly_reports"),
    "incentive": ("bankperf_analysis.runner.study", "build_incentive_study"),
    "staffing": ("bankperf_analysis.runner.staffing", "build_staffing_reports"),
}


@pytest.mark.parametrize("kind", list(_BUILDERS))
def test_every_kind_passes_the_shared_options_to_its_build(tiny_bank, tmp_path, monkeypatch, kind):
    """Language, workers, --force, progress, both timeouts and the scheme reach each kind's build as given."""
    import importlib

    import pandas as pd

    from bankperf_analysis.runner.items import RunResult

    seen: list[tuple[tuple, dict]] = []
    module, name = _BUILDERS[kind]
    monkeypatch.setattr(
        importlib.import_module(module), name, lambda *a, **kw: seen.append((a, kw)) or RunResult((), (), 0.0)
    )
    branch = str(sorted(pd.read_parquet(tiny_bank / "branches.parquet")["branch_id"].astype(str))[0])
    when = ["--period", "2026-11"] if kind == "month" else ["--quarter", "2026Q4"]
    argv = ["report", "--data", str(tiny_bank), "--out", str(tmp_path / "o"), *when, "--no-progress"]
    argv += ["--lang", "zh", "--jobs", "3", "--force", "--timeout-cell", "7", "--timeout-report", "70"]
    argv += ["--scheme", str(tmp_path / "s.yaml")]
    argv += {
        "branch": ["--branch", branch, "--scheduler", "tcp://h:1"],
        "month": ["--branch", branch],
        "incentive": ["--kind", "incentive", "--kpi", "churn_rate", "--adoption", "a.csv"],
        "staffing": ["--kind", "staffing", "--branch", branch],
    }[kind]
    assert main(argv) == 0
    ((args, kwargs),) = seen
    assert args == (str(tiny_bank), "2026-11" if kind == "month" else "2026Q4", str(tmp_path / "o"))
    shared = dict(lang="zh", jobs=3, force=True, progress=False, timeout_cell=7.0, timeout_report=70.0)
    shared["scheme_path"] = str(tmp_path / "s.yaml")
    own = {
        "branch": dict(branches=[branch], scheduler="tcp://h:1"),
        "month": dict(branches=[branch], scheduler=None),
        "incentive": dict(kpis=["churn_rate"], level="branch-quarter", adoption="a.csv"),
        "staffing": dict(branches=[branch]),
    }[kind]
    assert kwargs == {**shared, **own}


@pytest.mark.parametrize("kind", list(_BUILDERS))
def test_with_progress_every_kind_says_what_it_prepares_first(tiny_bank, tmp_path, monkeypatch, capsys, kind):
    """One line on standard error before the build starts; none with --no-progress."""
    import importlib

    from bankperf_analysis.runner.items import RunResult

    said: list[str] = []
    module, name = _BUILDERS[kind]
    fake = lambda *a, **kw: said.append(capsys.readouterr().err) or RunResult((), (), 0.0)  # noqa: E731
    monkeypatch.setattr(importlib.import_module(module), name, fake)
    when = ["--period", "2026-11"] if kind == "month" else ["--quarter", "2026Q4"]
    kinds = {"incentive": ["--kind", "incentive"], "staffing": ["--kind", "staffing"]}.get(kind, [])
    argv = ["report", "--data", str(tiny_bank), "--out", str(tmp_path / "o"), *when, *kinds]
    assert main(argv) == 0 and main([*argv, "--no-progress"]) == 0
    first = {
        "branch": "Preparing the 2026Q4 reports",
        "month": "Preparing the 2026-11 reports",
        "incentive": "Preparing the incentive study: ",
        "staffing": "Preparing the staffing reports: ",
    }[kind]
    assert said[0].startswith(first) and said[0].count("\n") == 1
    assert said[1] == ""
