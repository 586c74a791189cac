"""The monthly report (月报): 环比, 同比, early warnings and the small-sample caution.

A crafted bank: the tiny demo bank with the surveys of its first branch replaced, in five
months, by surveys whose counts are set here, so every satisfaction value, change and
interval below is hand arithmetic (satisfied = score ≥ 8, the scheme's default):

========  =======  =========  ==============================================
month     surveys  satisfied  role in the tests
========  =======  =========  ==============================================
2025-11   50       40 (80 %)  同比 of 2026-11
2026-07   50       10 (20 %)  July: the quarter to date of 2026-08 misses badly
2026-08   10        2 (20 %)  fewer than min_n = 30: caution, not a warning
2026-10   50       30 (60 %)  环比 of 2026-11
2026-11   40       26 (65 %)  the month reported; QTD 56 / 90 misses ≥ 85 %
========  =======  =========  ==============================================

The branch is read from the data (the first branch id), never named.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest

from bankperf_analysis._i18n_monthly import mt
from bankperf_analysis.cli import main
from bankperf_analysis.dataset.load import load_dataset
from bankperf_analysis.exceptions import EXIT_OK, EXIT_USAGE
from bankperf_analysis.report.monthly import monthly_frame, prepare_month, warning_status
from bankperf_analysis.report.monthly_sections import MonthlyBranchReport, MonthlyOverview
from bankperf_analysis.scheme import load_scheme

#: month -> (surveys, satisfied) of the crafted branch
PLANTED = {
    "2025-11": (50, 40),
    "2026-07": (50, 10),
    "2026-08": (10, 2),
    "2026-10": (50, 30),
    "2026-11": (40, 26),
}


def _crafted_tables(folder) -> tuple[dict[str, pd.DataFrame], str]:
    """Every table of the tiny bank, the first branch's surveys replaced in the planted months."""
    tables = {p.stem: pd.read_parquet(p) for p in sorted(folder.glob("*.parquet"))}
    branch = sorted(tables["branches"].branch_id.astype(str))[0]
    s = tables["surveys"]
    day = pd.to_datetime(s.survey_date)
    month = day.dt.strftime("%Y-%m")
    mine = s.branch_id.astype(str) == branch
    new = []
    for m, (n, sat) in PLANTED.items():
        # dates and staff of the branch's own surveys of that month: the person was in post then
        real = s[mine & (month == m)].sort_values("survey_date").reset_index(drop=True)
        for i in range(n):
            row = real.iloc[i % len(real)].copy()
            row["survey_id"] = f"VX{m.replace('-', '')}{i:04d}"
            row["score"] = 9 if i < sat else 5
            new.append(row)
    keep = s[~(mine & month.isin(list(PLANTED)))]
    tables["surveys"] = pd.concat([keep, pd.DataFrame(new)], ignore_index=True).astype(s.dtypes.to_dict())
    return tables, branch


@pytest.fixture(scope="module")
def crafted(tiny_bank):
    tables, branch = _crafted_tables(tiny_bank)
    return tables, branch


def _row(frame: pd.DataFrame, branch: str, kpi: str = "satisfaction_rate") -> pd.Series:
    sel = frame[(frame.level == "branch") & (frame.entity_id == branch) & (frame.kpi == kpi)]
    assert len(sel) == 1
    return sel.iloc[0]


def _wilson(x: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson (1927) score interval written out (the reference, not the package's statsmodels call)."""
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


def test_mom_and_yoy_match_hand_arithmetic(crafted):
    tables, branch = crafted
    with load_dataset(tables) as ds:
        r = _row(monthly_frame(ds, "2026-11", load_scheme()), branch)
    assert (r.value, r.n) == (26 / 40, 40)
    assert (r.prev_value, r.prev_n) == (30 / 50, 50)
    assert (r.yoy_value, r.yoy_n) == (40 / 50, 50)
    assert r.mom_change == pytest.approx(26 / 40 - 30 / 50, abs=1e-12)  # +5.0 pp
    assert r.yoy_change == pytest.approx(26 / 40 - 40 / 50, abs=1e-12)  # -15.0 pp
    assert (r.qtd_value, r.qtd_n) == (pytest.approx(56 / 90, abs=1e-12), 90)
    lo, hi = _wilson(56, 90)
    assert (r.ci_low, r.ci_high) == (pytest.approx(lo, abs=1e-9), pytest.approx(hi, abs=1e-9))


def test_planted_miss_gets_the_warning_in_the_report(crafted, tmp_path):
    """QTD 56/90 = 62.2 %, its interval (51.9 %, 71.5 %) wholly below the branch target 85 %."""
    tables, branch = crafted
    with load_dataset(tables) as ds:
        folder = prepare_month(None, "2026-11", tmp_path / "m", ds=ds)
    report = MonthlyBranchReport(folder, branch, "en")
    assert _row(report.inputs.frame, branch).status == "warning"
    table = report.kpi_table().html
    assert "▲ +5.0 pp vs 2026-10 (60.0 %, n = 50 surveys)" in table
    assert "▼ -15.0 pp vs 2025-11 (80.0 %, n = 50 surveys)" in table
    sat_item = next(li for li in report.warnings().html.split("<li>") if "Customer satisfaction" in li)
    assert mt("month_status_warning", "en") in sat_item
    assert "Quarter to date 62.2 % [51.9 % to 71.5 %]" in sat_item  # 56/90, Wilson (51.90 %, 71.54 %)
    zh = MonthlyBranchReport(folder, branch, "zh").kpi_table().html
    assert "较2025年11月▼ -15.0 个百分点（80.0 %，n = 50 份问卷）" in zh


def test_small_month_shows_the_caution_not_a_warning(crafted, tmp_path):
    """August: 10 surveys < min_n 30. Its QTD (12/60 = 20 %) misses 85 % far outside noise, yet
    the status is the caution and the page has no warning for satisfaction."""
    tables, branch = crafted
    with load_dataset(tables) as ds:
        folder = prepare_month(None, "2026-08", tmp_path / "m", ds=ds)
    report = MonthlyBranchReport(folder, branch, "zh")
    r = _row(report.inputs.frame, branch)
    assert (r.n, r.qtd_value, r.status) == (10, pytest.approx(12 / 60), "caution")
    assert _wilson(12, 60)[1] < 0.85  # the miss is real: without the caution it would warn
    sat_row = next(tr for tr in report.kpi_table().html.split("<tr>") if "客户满意度" in tr)
    assert "样本量不足，仅供参考" in sat_row and "预警" not in sat_row
    warn = report.warnings().html
    sat_item = next(li for li in warn.split("<li>") if "客户满意度" in li)
    assert "样本量不足，仅供参考" in sat_item and mt("month_status_warning", "zh") not in sat_item


def test_comparison_month_without_data_is_said_not_available(tiny_bank, tmp_path):
    """The demo data begin in 2025-01: 2024-12 and 2024-01 have none; the report says so, never NaN."""
    with load_dataset(tiny_bank) as ds:
        folder = prepare_month(None, "2025-01", tmp_path / "m", ds=ds)
    branch = sorted(pd.read_parquet(tiny_bank / "branches.parquet").branch_id.astype(str))[0]
    for lang in ("en", "zh"):
        page = MonthlyBranchReport(folder, branch, lang).kpi_table().html
        assert mt("month_not_available", lang, period="2024-12" if lang == "en" else "2024年12月") in page
        assert not re.search(r"\b(nan|NaN|None|inf)\b", re.sub(r"<[^>]+>", " ", page))
    f = MonthlyBranchReport(folder, branch, "en").rows
    assert f.prev_value.isna().all() and f.yoy_value.isna().all() and f.value.notna().any()


@pytest.mark.parametrize(
    ("kw", "expected"),
    [
        (dict(month_n=29, qtd_value=0.2, ci_low=0.1, ci_high=0.3), "caution"),
        (dict(month_n=30, qtd_value=0.2, ci_low=0.1, ci_high=0.3), "warning"),
        (dict(month_n=30, qtd_value=0.84, ci_low=0.8, ci_high=0.86), "watch"),
        (dict(month_n=30, qtd_value=0.85, ci_low=0.8, ci_high=0.9), "on_track"),
        (dict(month_n=30, qtd_value=0.5, ci_low=np.nan, ci_high=np.nan), "warning"),
        (dict(month_n=0, qtd_value=0.5, ci_low=np.nan, ci_high=np.nan), "no_data"),
    ],
)
def test_warning_rule_boundaries(kw, expected):
    """The rule at its edges: min_n itself is enough; meeting the target exactly is on track."""
    assert warning_status(min_n=30, target=0.85, direction="higher", annual=False, **kw) == expected


def test_cli_period_end_to_end(tiny_bank, tmp_path, capsys):
    """``--period`` with one branch: its report and the overview render; an unrendered branch is grey text."""
    ids = sorted(pd.read_parquet(tiny_bank / "branches.parquet").branch_id.astype(str))
    out = tmp_path / "out"
    argv = ["report", "--data", str(tiny_bank), "--period", "2026-11", "--out", str(out)]
    assert main([*argv, "--branch", ids[0], "--lang", "zh", "--jobs", "2", "--no-progress"]) == EXIT_OK
    folder = out / "2026-11"
    assert {f"{ids[0]}.html", "overview.html", "index.html"} <= {p.name for p in folder.glob("*.html")}
    page = (folder / f"{ids[0]}.html").read_text(encoding="utf-8")
    assert "网点月报" in page and "环比" in page and "同比" in page and "年初至今目标进度" in page
    overview = (folder / "overview.html").read_text(encoding="utf-8")
    assert f'<a class="xref" href="{ids[0]}.html">{ids[0]}</a>' in overview
    assert f'<a class="xref" href="{ids[1]}.html"' not in overview  # not rendered: no dead link
    assert f'<span class="xref" data-href="{ids[1]}.html">{ids[1]}</span>' in overview


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("2026-13", "'--period' option of bankperf report must be a month"),
        ("2026Q4", "use --quarter 2026Q4"),
        ("nov", "must be a month like '2026-11'"),
    ],
)
def test_cli_bad_period_is_refused(tiny_bank, tmp_path, capsys, value, says):
    out = tmp_path / "out"
    code = main(["report", "--data", str(tiny_bank), "--period", value, "--out", str(out), "--no-progress"])
    assert code == EXIT_USAGE
    assert says in capsys.readouterr().err
    assert not out.exists()


def test_cli_month_without_data_names_the_covered_span(tiny_bank, tmp_path, capsys):
    out = tmp_path / "out"
    code = main(
        ["report", "--data", str(tiny_bank), "--period", "2031-01", "--out", str(out), "--no-progress"]
    )
    err = capsys.readouterr().err
    assert code == EXIT_USAGE and "has no data for 2031-01" in err and "with --period" in err
    assert not out.exists()


def test_cli_quarter_and_period_together_are_refused(tiny_bank, capsys):
    assert (
        main(["report", "--data", str(tiny_bank), "--quarter", "2026Q4", "--period", "2026-11"]) == EXIT_USAGE
    )
    assert "not allowed with argument" in capsys.readouterr().err


def test_overview_counts_the_warnings(crafted, tmp_path):
    tables, branch = crafted
    with load_dataset(tables) as ds:
        folder = prepare_month(None, "2026-11", tmp_path / "m", ds=ds)
    overview = MonthlyOverview(folder, "en")
    f = overview.inputs.frame
    mine = f[(f.level == "branch") & (f.entity_id == branch)]
    row = next(tr for tr in overview.matrix().html.split("<tr>") if f'href="{branch}.html"' in tr)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row)
    assert cells[1] == str(int((mine.status == "warning").sum())) and int(cells[1]) >= 1
    assert cells[2] == str(int((mine.status == "caution").sum()))
