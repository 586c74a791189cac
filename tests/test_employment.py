"""Employment over time (issue 13, item 5): who is scored in a quarter, where, and on what.

Crafted small banks test each rule at its edge: a leaver the day before and the day after the
quarter starts; the minimum days in post exactly met and one day short; a transfer on the 15th
of the middle month (the person's score, both branches' KPIs and reports); activity one day
after leaving refused, with the assignment history's own refusals. ``leave_date`` and
``valid_to`` are the first day no longer in post. On the tiny demo bank, 2026Q4: no one who
left before the quarter appears in any output (ids from truth.json, never named here).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from bankperf_analysis.cli import main
from bankperf_analysis.dataset.load import load_dataset
from bankperf_analysis.exceptions import DataValidationError
from bankperf_analysis.metrics.compute import compute_kpis
from bankperf_analysis.report import AnnualReport, BranchReport, prepare_batch
from bankperf_analysis.scheme import Scheme, load_scheme
from bankperf_analysis.scorecard import annual_summary, quarter_scorecards

Q = "2026Q4"
Q_START, Q_END = dt.date(2026, 10, 1), dt.date(2027, 1, 1)  # END: first day after the quarter
MID15 = dt.date(2026, 11, 15)  # the 15th of the middle month
FAR = dt.date(2020, 1, 1)

# person -> (branch, hire_date, leave_date); the mover's assignments are in MOVES
PEOPLE = {
    "P_LEFT_BEFORE": ("B1", FAR, Q_START - dt.timedelta(days=1)),  # last day in post: 29 Sep
    "P_LEFT_AT_START": ("B1", FAR, Q_START),  # last day in post: 30 Sep, the day before
    "P_LEFT_DAY_AFTER": ("B1", FAR, Q_START + dt.timedelta(days=1)),  # in post on 1 Oct only
    "P_MIN_MET": ("B1", Q_END - dt.timedelta(days=30), None),  # exactly 30 days
    "P_MIN_SHORT": ("B1", Q_END - dt.timedelta(days=29), None),  # one day short
    "P_STAY_1": ("B1", FAR, None),
    "P_STAY_2": ("B2", FAR, None),
    "P_MOVER": ("B2", FAR, None),
}
MOVES = [("P_MOVER", "B1", FAR, MID15), ("P_MOVER", "B2", MID15, None)]


def _days(a: dt.date, b: dt.date | None) -> list[dt.date]:
    """Every day from ``a`` to the day before ``b`` within 2026Q3-Q4."""
    lo, hi = max(a, dt.date(2026, 7, 1)), min(b or Q_END, Q_END)
    return [lo + dt.timedelta(days=i) for i in range((hi - lo).days)]


def _assignments() -> pd.DataFrame:
    rows = [(s, b, "customer_service_rep", h, lv) for s, (b, h, lv) in PEOPLE.items() if s != "P_MOVER"]
    rows += [(s, b, "customer_service_rep", a, z) for s, b, a, z in MOVES]
    return pd.DataFrame(rows, columns=["staff_id", "branch_id", "role", "valid_from", "valid_to"])


def _crafted(folder: Path, *, with_assignments: bool = True) -> Path:
    """Two branches, eight reps; a survey and a sale every in-post day, at the day's branch."""
    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(
        {"branch_id": ["B1", "B2"], "branch_name": ["One", "Two"], "region": "R", "branch_type": "standard"}
    ).to_csv(folder / "branches.csv", index=False)
    pd.DataFrame(
        [(s, f"name {s}", b, "customer_service_rep", None, h, lv) for s, (b, h, lv) in PEOPLE.items()],
        columns=["staff_id", "staff_name", "branch_id", "role", "counter_type", "hire_date", "leave_date"],
    ).to_csv(folder / "staff.csv", index=False)
    hist = _assignments()
    if with_assignments:
        hist.to_csv(folder / "assignments.csv", index=False)
    surveys, sales = [], []
    for r in hist.itertuples():
        for i, d in enumerate(_days(r.valid_from, r.valid_to)):
            # the mover is satisfied at B1 and not at B2: their own rate mixes both
            score = (10 if r.branch_id == "B1" else 3) if r.staff_id == "P_MOVER" else 8 + i % 3
            surveys.append((f"V{len(surveys):06d}", r.branch_id, r.staff_id, d, "on_site", score))
            sales.append((f"X{len(sales):06d}", r.branch_id, r.staff_id, d, "fund", 1))
    pd.DataFrame(
        surveys, columns=["survey_id", "branch_id", "staff_id", "survey_date", "channel", "score"]
    ).to_csv(folder / "surveys.csv", index=False)
    pd.DataFrame(
        sales, columns=["sale_id", "branch_id", "staff_id", "sale_date", "product", "quantity"]
    ).to_csv(folder / "sales.csv", index=False)
    return folder


@pytest.fixture(scope="module")
def crafted(tmp_path_factory) -> Path:
    return _crafted(tmp_path_factory.mktemp("crafted") / "bank")


@pytest.fixture(scope="module")
def cards(crafted):
    with load_dataset(crafted) as ds:
        return quarter_scorecards(ds, Q)


# ------------------------------------------------------------------ who is scored


def test_leavers_before_the_quarter_are_nowhere_and_the_day_after_is_listed(cards):
    _, staff, _ = cards
    everyone = set(staff.people.staff_id) | set(staff.not_in_post.staff_id)
    assert "P_LEFT_BEFORE" not in everyone
    assert "P_LEFT_AT_START" not in everyone  # left the day before the quarter: no day in post
    short = staff.not_in_post.set_index("staff_id")
    assert short.loc["P_LEFT_DAY_AFTER", "days_in_post"] == 1
    assert "P_LEFT_DAY_AFTER" not in set(staff.people.staff_id)


def test_minimum_days_in_post_exactly_met_and_one_day_short(cards):
    _, staff, _ = cards
    people = staff.people.set_index("staff_id")
    assert people.loc["P_MIN_MET", "days_in_post"] == 30 == load_scheme().scoring.min_days_in_post
    short = staff.not_in_post.set_index("staff_id")
    assert short.loc["P_MIN_SHORT", "days_in_post"] == 29
    assert short.loc["P_MIN_SHORT", "min_days_in_post"] == 30
    assert "P_MIN_SHORT" not in people.index


def test_minimum_days_is_a_parameter(crafted):
    d = load_scheme().to_dict()
    d["scoring"]["min_days_in_post"] = 31
    with load_dataset(crafted) as ds:
        _, staff, _ = quarter_scorecards(ds, Q, Scheme.from_dict(d))
    assert "P_MIN_MET" in set(staff.not_in_post.staff_id)
    assert "P_MIN_MET" not in set(staff.people.staff_id)


# ------------------------------------------------------------------ the transfer


def test_transfer_on_the_15th_scores_the_person_once_on_all_work(cards):
    kpis, staff, _ = cards
    mover = staff.people[staff.people.staff_id == "P_MOVER"]
    assert len(mover) == 1  # once, under the branch at the end of the quarter
    row = mover.iloc[0]
    assert (row.branch_id, row.days_in_post, row.days_by_branch) == ("B2", 92, "B1: 45, B2: 47")
    sat = staff.kpis[(staff.kpis.staff_id == "P_MOVER") & (staff.kpis.kpi == "satisfaction_rate")].iloc[0]
    at_b1, at_b2 = len(_days(Q_START, MID15)), len(_days(MID15, None))
    assert (sat.value, sat.n) == (at_b1 / (at_b1 + at_b2), at_b1 + at_b2)
    # cross-sales: one a day over the quarter's three staff-months (November shared by days)
    cs = staff.kpis[(staff.kpis.staff_id == "P_MOVER") & (staff.kpis.kpi == "cross_sales_per_month")].iloc[0]
    assert cs.value == pytest.approx(92 / 3, abs=1e-9)


def test_transfer_splits_branch_kpis_where_the_work_was_done(cards):
    kpis, _, _ = cards
    q = kpis[(kpis.level == "branch") & (kpis.period == Q)].set_index(["entity_id", "kpi"])
    # P_MIN_MET, P_MIN_SHORT (not scored, but their work counts), P_STAY_1, day-after leaver, mover
    b1_days = 30 + 29 + 92 + 1 + len(_days(Q_START, MID15))
    assert q.loc[("B1", "satisfaction_rate"), "n"] == b1_days
    assert q.loc[("B2", "satisfaction_rate"), "n"] == 92 + len(_days(MID15, None))
    # staff-months: B1 gets October and 14/30 of November of the mover, B2 the rest
    b1 = q.loc[("B1", "cross_sales_per_month")]
    mover_b1 = 1 + 14 / 30
    assert float(b1.denominator) == pytest.approx(1 + 1 + 3 + 1 + mover_b1, abs=1e-9)
    b2 = q.loc[("B2", "cross_sales_per_month")]
    assert float(b2.denominator) == pytest.approx(3 + (3 - mover_b1), abs=1e-9)


def test_both_branch_reports_show_the_transfer_and_the_short_list(crafted, tmp_path):
    shared = prepare_batch(crafted, Q, tmp_path / "shared")
    b1 = BranchReport(shared, "B1").staff_table().html
    b2 = BranchReport(shared, "B2").staff_table().html
    assert "P_MOVER" in b1 and "Moved to another branch" in b1 and "B1: 45, B2: 47" in b1
    assert "P_MOVER" in b2 and "moved during the quarter" in b2
    assert "Not in post long enough" in b1 and "P_MIN_SHORT" in b1 and "P_LEFT_DAY_AFTER" in b1
    assert "P_LEFT_BEFORE" not in b1 + b2 and "P_LEFT_AT_START" not in b1 + b2
    zh = BranchReport(shared, "B1", "zh").staff_table().html
    assert "在岗时间不足" in zh and "P_MIN_SHORT" in zh


def test_without_assignments_the_staff_dates_are_the_history(tmp_path):
    bank = _crafted(tmp_path / "bank", with_assignments=False)
    # the mover's B1 work is valid (in post per hire and leave dates); it counts for B1
    with load_dataset(bank) as ds:
        _, staff, _ = quarter_scorecards(ds, Q)
    people = staff.people.set_index("staff_id")
    assert people.loc["P_MOVER", "days_by_branch"] == "B2: 92"
    assert "P_LEFT_AT_START" not in people.index


# ------------------------------------------------------------------ annual summary, HR workbook


def test_annual_summary_scores_leavers_only_in_their_quarters(crafted):
    with load_dataset(crafted) as ds:
        kpis = compute_kpis(ds, period="2026", period_types=("quarter", "year"))
        summ = annual_summary(
            kpis,
            load_scheme(),
            2026,
            ds.table("staff"),
            branches=ds.table("branches"),
            employment=ds.employment(),
        )
    sq = summ.staff_quarterly
    quarters = set(sq.loc[sq.staff_id == "P_LEFT_AT_START", "period"])
    assert "2026Q3" in quarters and Q not in quarters  # in post until the day before Q4
    assert summ.staff.set_index("staff_id").loc["P_LEFT_AT_START", "q4_grade"] is None or pd.isna(
        summ.staff.set_index("staff_id").loc["P_LEFT_AT_START", "q4_grade"]
    )
    assert set(summ.not_in_post.loc[summ.not_in_post.period == Q, "staff_id"]) == {
        "P_LEFT_DAY_AFTER",
        "P_MIN_SHORT",
    }


def test_hr_workbook_lists_short_staff_apart(crafted, tmp_path):
    out = tmp_path / "hr.xlsx"
    assert (
        main(["scorecard", "--data", str(crafted), "--quarter", Q, "--out", str(out), "--no-progress"]) == 0
    )
    sheets = pd.read_excel(out, sheet_name=None)
    short = sheets["Not in post long enough"].set_index("Staff ID")  # the HR workbook's labels
    assert short.loc["P_MIN_SHORT", "Days in post"] == 29
    text = "".join(df.to_csv() for df in sheets.values())
    assert "P_LEFT_AT_START" not in text and "P_LEFT_BEFORE" not in text


# ------------------------------------------------------------------ refused data


def _issues(bank: Path) -> list:
    with pytest.raises(DataValidationError) as err:
        load_dataset(bank)
    return err.value.issues


def test_activity_one_day_after_leaving_is_refused_and_nothing_written(crafted, tmp_path, capsys):
    bank = tmp_path / "bank"
    shutil.copytree(crafted, bank)
    sv = pd.read_csv(bank / "surveys.csv")
    last = sv[sv.staff_id == "P_LEFT_BEFORE"].index.max()  # on the last day in post: valid
    extra = sv.loc[[last]].assign(survey_id="V_AFTER", survey_date=str(PEOPLE["P_LEFT_BEFORE"][2]))
    pd.concat([sv, extra], ignore_index=True).to_csv(bank / "surveys.csv", index=False)
    (issue,) = _issues(bank)
    assert (issue.table, issue.file, issue.row, issue.column) == (
        "surveys",
        "surveys.csv",
        len(sv) + 1,
        "staff_id, survey_date",
    )
    assert issue.value == f"P_LEFT_BEFORE / {PEOPLE['P_LEFT_BEFORE'][2]}"
    assert "in post" in issue.expected and "2026-09-29" in issue.expected  # the last day in post
    out = tmp_path / "hr.xlsx"
    code = main(["scorecard", "--data", str(bank), "--quarter", Q, "--out", str(out), "--no-progress"])
    assert code == 3 and not out.exists() and list(tmp_path.glob("hr*")) == []
    capsys.readouterr()
    assert main(["validate", str(bank)]) == 3
    said = capsys.readouterr()
    assert "staff_id, survey_date" in said.out + said.err and "P_LEFT_BEFORE" in said.out + said.err


@pytest.mark.parametrize(
    "change, column, expected",
    [
        # overlapping assignments of one person
        (
            lambda a: a.assign(valid_from=a.valid_from.where(a.index != 8, MID15 - dt.timedelta(days=1))),
            "valid_from",
            "do not overlap",
        ),
        # valid_to before valid_from
        (
            lambda a: a.assign(valid_to=a.valid_to.where(a.index != 0, dt.date(2019, 1, 1))),
            "valid_from, valid_to",
            "valid_to after valid_from",
        ),
        # an assignment outside hire..leave
        (
            lambda a: a.assign(valid_from=a.valid_from.where(a.index != 3, Q_END - dt.timedelta(days=31))),
            "valid_from, valid_to",
            "within the employment",
        ),
        # an unknown branch, an unknown person
        (
            lambda a: a.assign(branch_id=a.branch_id.where(a.index != 5, "B9")),
            "branch_id",
            "present in branches",
        ),
        (
            lambda a: a.assign(staff_id=a.staff_id.where(a.index != 5, "NOBODY")),
            "staff_id",
            "present in staff",
        ),
    ],
)
def test_assignments_that_cannot_be_a_history_are_refused(crafted, tmp_path, change, column, expected):
    bank = tmp_path / "bank"
    shutil.copytree(crafted, bank)
    a = pd.read_csv(bank / "assignments.csv", parse_dates=["valid_from", "valid_to"])
    for c in ("valid_from", "valid_to"):
        a[c] = a[c].dt.date
    change(a).to_csv(bank / "assignments.csv", index=False)
    issues = [i for i in _issues(bank) if i.table == "assignments"]
    assert issues, "no problem reported in assignments"
    hit = [i for i in issues if i.column == column and expected in i.expected]
    assert hit, [i.as_text() for i in issues]
    assert hit[0].file == "assignments.csv" and hit[0].row is not None


# ------------------------------------------------------------------ the demo bank


def test_demo_truth_plants_leavers_joiners_and_a_transfer(tiny_bank):
    emp = json.loads((tiny_bank / "truth.json").read_text())["employment"]
    p = emp["planted"]
    assert p["left_before_quarter"]["leaver_days"] == 0
    assert 0 < p["left_during_quarter_short"]["leaver_days"] < load_scheme().scoring.min_days_in_post
    assert 0 < p["joined_during_quarter_short"]["joiner_days"] < load_scheme().scoring.min_days_in_post
    t = p["transfer"]
    assert dt.date.fromisoformat(t["date"]).day == 15 and t["from_branch"] != t["to_branch"]
    with load_dataset(tiny_bank) as ds:
        _, staff, _ = quarter_scorecards(ds, emp["quarter"])
    people = staff.people.set_index("staff_id")
    assert people.loc[t["staff_id"], "branch_id"] == t["to_branch"]
    assert people.loc[t["staff_id"], "days_in_post"] == t["days_from"] + t["days_to"]
    short = set(staff.not_in_post.staff_id)
    assert {p["left_during_quarter_short"]["leaver"], p["joined_during_quarter_short"]["joiner"]} <= short


def test_demo_no_one_who_left_before_the_quarter_appears_in_any_output(tiny_bank, tmp_path):
    from bankperf_analysis.runner import build_reports

    emp = json.loads((tiny_bank / "truth.json").read_text())["employment"]
    gone = emp["left_before_quarter"]
    assert emp["planted"]["left_before_quarter"]["leaver"] in gone
    out = tmp_path / "out"
    build_reports(tiny_bank, emp["quarter"], out, jobs=1, progress=False)
    pages = {p.name: p.read_text(encoding="utf-8") for p in (out / emp["quarter"]).glob("*.html")}
    assert "index.html" in pages and any(n.startswith("annual") for n in pages) and len(pages) >= 4
    with load_dataset(tiny_bank) as ds:
        staff = ds.table("staff").set_index("staff_id")
    year_start = dt.date(int(emp["quarter"][:4]), 1, 1)
    for sid in gone:
        for name, html in pages.items():
            if name.startswith("annual") and pd.Timestamp(staff.loc[sid, "leave_date"]).date() > year_start:
                continue  # in post earlier in the year: in the annual summary for those quarters only
            assert sid not in html, (sid, name)
    hr = tmp_path / "hr.xlsx"
    assert main(["scorecard", "--data", str(tiny_bank), "--quarter", emp["quarter"], "--out", str(hr)]) == 0
    text = "".join(df.to_csv() for df in pd.read_excel(hr, sheet_name=None).values())
    assert not [sid for sid in gone if sid in text]
    annual = AnnualReport(tiny_bank, emp["quarter"][:4])
    sq = annual.summary.staff_quarterly
    assert not sq[(sq.period == emp["quarter"]) & sq.staff_id.isin(gone)].size
    q = int(emp["quarter"][-1])
    st = annual.summary.staff.set_index("staff_id")
    assert st.loc[st.index.intersection(gone), f"q{q}_grade"].isna().all()
