"""``bankperf report --kind staffing``: each branch's plan, roster and what-if through the reports' exporter.

On the tiny demo bank (fixture ``tiny_bank``), from its last quarter; the branch is the first
of its ``branches`` table (no demo branch is named here). One report in zh and one in en,
then: offline, listed on the index in the staffing group, footer, no NaN / True / False /
snake_case in the visible text, rates in %, the zh page without an English word, the figure,
the re-run cached, the other kinds' options refused before anything is written. The roster
what-if is checked on properties that hold whatever the data (more demand with the same staff
gives a lower service level; a higher requirement never costs less) and against the
scheduler's own service level, computed there with another weighting of the same contacts.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from conftest import assert_offline, file_tree
from test_cli_incentive import visible_text

from bankperf_analysis.cli import main
from bankperf_analysis.exceptions import EXIT_OK, EXIT_USAGE

pytestmark = pytest.mark.notebook  # executes the staffing notebook


@pytest.fixture(scope="module")
def branch(tiny_bank) -> str:
    return str(sorted(pd.read_parquet(tiny_bank / "branches.parquet")["branch_id"].astype(str))[0])


@pytest.fixture(scope="module")
def quarter(tiny_bank) -> str:
    from bankperf_analysis.runner.study import last_quarter

    return last_quarter(tiny_bank)


@pytest.fixture(scope="module")
def runs(tiny_bank, branch, quarter, tmp_path_factory):
    """The staffing report of one branch in zh and in en; the exit codes."""
    out, codes = tmp_path_factory.mktemp("staffing_cli"), {}
    for lang in ("zh", "en"):
        argv = ["report", "--kind", "staffing", "--data", str(tiny_bank), "--quarter", quarter]
        argv += ["--branch", branch, "--lang", lang, "--out", str(out / lang), "--no-progress", "--jobs", "1"]
        codes[lang] = main(argv)
    return {"out": out, "codes": codes}


def _page(runs, quarter: str, branch: str, lang: str) -> Path:
    return runs["out"] / lang / quarter / f"staffing-{branch}.html"


def _index(runs, quarter: str, lang: str) -> str:
    return (runs["out"] / lang / quarter / "index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_report_is_offline_and_listed_in_its_group(runs, quarter, branch, lang):
    from bankperf_analysis.i18n import t

    assert runs["codes"][lang] == EXIT_OK
    page = _page(runs, quarter, branch, lang).read_text(encoding="utf-8")
    assert_offline(page)
    index = _index(runs, quarter, lang)
    assert_offline(index)
    h1 = re.search(r'<h1 id="title">([^<]+)</h1>', page).group(1)
    assert f'href="staffing-{branch}.html"' in index and h1 in index
    assert t("srep_index_group", lang) in index  # its own group, not "other reports"
    assert t("index_group_other", lang) not in index
    # the index's key figures: FTE, 定编 and its change, the roster's cost and its service level in %
    keys = ("label_required_fte", "srep_index_planned", "srep_index_change", "srep_index_roster_cost")
    for key in (*keys, "srep_index_service_rate"):
        assert t(key, lang) in index, key
    assert re.search(r"\d+\.\d %", visible_text(index))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_missing_value_no_code_no_raw_rate(runs, quarter, branch, lang):
    page = _page(runs, quarter, branch, lang).read_text(encoding="utf-8")
    for text in (visible_text(page), visible_text(_index(runs, quarter, lang))):
        assert not re.search(r"\b(NaN|nan|True|False|None|NaT|<NA>)\b", text)
        assert not re.findall(r"\b[a-z]+_[a-z0-9_]+\b", text)  # no snake_case header or code
        assert not re.search(r"(?<![\d.])0\.\d{2,}(?![\d %])", text)  # no rate as a raw share (0.87)
    assert 'border="1"' not in page and "<style scoped>" not in page


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_roster_and_what_if_are_shown_with_rates_in_percent(runs, quarter, branch, lang):
    from bankperf_analysis.i18n import t

    page = _page(runs, quarter, branch, lang).read_text(encoding="utf-8")
    roster = page[page.index('id="roster"') : page.index('id="what-if"')]
    assert "data:image/png;base64," in roster  # the figure, embedded
    for key in ("roster_heading_shifts", "roster_heading_cover", "roster_fact_cost", "roster_fact_idle"):
        assert t(key, lang) in roster, key
    what_if = page[page.index(t("srep_heading_roster_what_if", lang)) : page.index('id="forecast"')]
    scenarios = re.findall(r"<tr>(.*?)</tr>", what_if)[1:]  # under the header row
    assert len(scenarios) >= 4
    sl_col = 6  # scenario, queue, covers, headcount, cost, change, service level
    for r in scenarios:
        cells = re.findall(r"<td>(.*?)</td>", r)
        assert re.fullmatch(r"\d{1,3}\.\d %", cells[sl_col]), cells


def test_zh_report_has_no_english_word(runs, quarter, branch):
    from test_zh_leaks import html_leaks

    page = _page(runs, quarter, branch, "zh").read_text(encoding="utf-8")
    assert html_leaks("staffing.html", page) == []
    assert html_leaks("index.html", _index(runs, quarter, "zh")) == []


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_footer_names_data_scheme_and_code(runs, tiny_bank, quarter, branch, lang):
    from bankperf_analysis import __version__
    from bankperf_analysis.dataset.load import load_dataset
    from bankperf_analysis.i18n import t

    with load_dataset(tiny_bank, validate=False) as ds:
        fp = ds.fingerprint
    page = _page(runs, quarter, branch, lang).read_text(encoding="utf-8")
    footer = page[page.index('<footer class="provenance">') :]
    for key in ("footer_fingerprint", "footer_scheme", "footer_params_hash", "footer_code_digest"):
        assert t(key, lang) in footer, key
    assert fp in footer and __version__ in footer


def test_rerun_is_cached(runs, tiny_bank, quarter, branch, capsys):
    page = _page(runs, quarter, branch, "en")
    before = page.stat().st_mtime_ns
    argv = [
        "report",
        "--kind",
        "staffing",
        "--data",
        str(tiny_bank),
        "--quarter",
        quarter,
        "--branch",
        branch,
    ]
    capsys.readouterr()
    assert main([*argv, "--lang", "en", "--out", str(runs["out"] / "en"), "--no-progress"]) == EXIT_OK
    assert capsys.readouterr().out.startswith("0 rendered, 1 up to date, 0 failed")
    assert page.stat().st_mtime_ns == before


@pytest.mark.parametrize(
    "extra",
    [
        ["--kind", "staffing"],  # no --quarter
        ["--kind", "staffing", "--quarter", "2031Q1"],  # no data
        ["--kind", "staffing", "--quarter", "{q}", "--branch", "no-such-branch"],
        ["--kind", "staffing", "--quarter", "{q}", "--kpi", "satisfaction_rate"],  # incentive options
        ["--kind", "staffing", "--quarter", "{q}", "--level", "staff-quarter"],
        ["--kind", "staffing", "--quarter", "{q}", "--adoption", "adoption.csv"],
        ["--kind", "staffing", "--period", "2026-11"],  # the monthly reports' option
        ["--kind", "staffing", "--quarter", "{q}", "--scheduler", "tcp://127.0.0.1:1"],
        ["--kind", "staffing", "--quarter", "{q}", "--lang", "fr"],
    ],
)
def test_bad_arguments_exit_2_and_write_nothing(tiny_bank, quarter, tmp_path, capsys, extra):
    out = tmp_path / "out"
    before = file_tree(tmp_path, tiny_bank)
    argv = ["report", "--data", str(tiny_bank), "--out", str(out), "--no-progress"]
    assert main([*argv, *(a.replace("{q}", quarter) for a in extra)]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.startswith("error: ")
    assert file_tree(tmp_path, tiny_bank) == before


def test_help_lists_the_kind(capsys):
    assert main(["report", "--help"]) == EXIT_OK
    text = " ".join(capsys.readouterr().out.split())
    assert "--kind {branch,incentive,staffing}" in text


# ----------------------------------------------------------------------------- the roster what-if


@pytest.fixture(scope="module")
def plan_and_what_if(tiny_bank, branch, quarter):
    from bankperf_analysis.dataset.load import load_dataset
    from bankperf_analysis.staffing.plan import branch_staffing_plan
    from bankperf_analysis.staffing.queue_rosters import roster_queues, roster_what_if

    with load_dataset(tiny_bank) as ds:
        plan = branch_staffing_plan(ds, branch, quarter)
    rosters = roster_queues(plan)
    return plan, rosters, roster_what_if(plan, rosters=rosters)


def test_what_if_properties(plan_and_what_if):
    _, rosters, w = plan_and_what_if
    wide = w.pivot(index="queue", columns="scenario")
    sl, cost = wide["service_level"], wide["cost_yuan_per_week"]
    assert sorted(wide.index) == sorted(rosters)
    # more demand with the same staff: a lower service level, at the same cost
    assert (sl["demand_up_same"] < sl["proposed"]).all()
    assert (cost["demand_up_same"] == cost["proposed"]).all()
    # a requirement at least as high (more demand, or one more in every interval) never costs less
    assert (cost["demand_up_rostered"] >= cost["proposed"] - 1e-9).all()
    assert (cost["one_more"] > cost["proposed"]).all()
    assert (sl["one_more"] >= sl["proposed"]).all()
    # re-rostered for the higher demand: every interval covered again
    assert w.loc[w["scenario"] == "demand_up_rostered", "feasible"].all()
    # one staff fewer: the headcount cap holds
    n = {q: p.headcount_full_time + p.headcount_part_time for q, p in rosters.items()}
    fewer = w[w["scenario"] == "one_fewer"].set_index("queue")["headcount"]
    assert all(fewer[q] <= n[q] - 1 for q in fewer.index)


def test_what_if_proposed_matches_the_schedulers_own_service_level(plan_and_what_if):
    """Second computation: the scheduler computes each roster's service level itself (roster.py: productive
    staff after shrinkage, weighted by contacts per interval); the what-if recomputes it from the staff on
    duty (its own shrinkage, Erlang call and weights: contacts per second). Both must agree."""
    _, rosters, w = plan_and_what_if
    proposed = w[w["scenario"] == "proposed"].set_index("queue")["service_level"]
    for queue, p in rosters.items():
        assert proposed[queue] == pytest.approx(p.service_level, abs=1e-12)
