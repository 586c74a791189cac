"""Accountability (issue 13, item 2): a rule is scored on the person's own value or the team's.

Crafted small banks test each rule at its edge: a representative with a perfect own service
level in a team below target scores the team's value; ``scored_on: own`` in the YAML scores the
own value (and changes the params hash); ``min_n`` applies to the team's n; a manager with no
contacts of their own gets a team score; a mover gets the team value of the branch they are
scored under; the team value is the branch row of the KPI frame, abandoned contacts and
channel scope included; invalid bases are refused naming the key; every output marks the
team's values. On the default demo bank, 2026Q4, every scored role has every grade band.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from bankperf_analysis.dataset.load import load_dataset
from bankperf_analysis.exceptions import ParamsError
from bankperf_analysis.scheme import Scheme, load_scheme
from bankperf_analysis.scheme.parse import parse_scheme
from bankperf_analysis.scorecard import annual_summary, quarter_scorecards, score_staff, write_scorecard
from bankperf_analysis.scorecard.rules import STATUS_BELOW

Q = "2026Q4"
CSR = "customer_service_rep"
COLS = ["level", "entity_id", "branch_id", "region", "role", "period_type", "period", "kpi", "value", "n"]
#: the representative's own KPIs, all exactly at target (score 100 each)
CSR_OWN = {
    "satisfaction_rate": 0.90,
    "resolution_rate": 0.95,
    "complaint_closed_on_time_rate": 1.0,
    "cross_sales_per_month": 5.0,
}


def rows(level: str, entity: str, values: dict, *, branch: str = "B1", role=None, n=100) -> pd.DataFrame:
    """KPI-frame rows of one entity in Q; values maps kpi -> value or (value, n)."""
    out = []
    for kpi, v in values.items():
        value, nn = v if isinstance(v, tuple) else (v, n)
        out.append((level, entity, branch, "North", role, "quarter", Q, kpi, float(value), nn))
    return pd.DataFrame(out, columns=COLS)


def rep(staff_id: str, values: dict, branch: str = "B1") -> pd.DataFrame:
    return rows("staff", staff_id, values, branch=branch, role=CSR)


def team(branch: str, values: dict, n=500) -> pd.DataFrame:
    return rows("branch", branch, values, branch=branch, n=n)


def cell(card, staff_id: str, kpi: str) -> pd.Series:
    k = card.kpis
    return k[(k.staff_id == staff_id) & (k.kpi == kpi)].iloc[0]


def with_scored_on(scheme: Scheme, role: str, kpi: str, scored_on) -> dict:
    d = scheme.to_dict()
    d["roles"][role]["kpis"][kpi]["scored_on"] = scored_on
    return d


@pytest.fixture(scope="module")
def scheme() -> Scheme:
    return load_scheme()


# ------------------------------------------------------------------ team versus own


def test_perfect_own_service_level_in_a_team_below_target_scores_the_team_value(scheme):
    own = {**CSR_OWN, "service_level": 1.0, "response_time_seconds": 10.0}
    branch = {"service_level": 0.80, "response_time_seconds": 270.0}  # scores 40 and 50
    card = score_staff(pd.concat([rep("S1", own), team("B1", branch)]), scheme, Q)
    sl, rt = cell(card, "S1", "service_level"), cell(card, "S1", "response_time_seconds")
    assert (sl.scored_on, sl.value, sl.n, sl.score) == ("team", 0.80, 500, pytest.approx(40.0))
    assert (rt.scored_on, rt.value, rt.n, rt.score) == ("team", 270.0, 500, pytest.approx(50.0))
    assert cell(card, "S1", "satisfaction_rate").scored_on == "own"
    person = card.people.iloc[0]
    # 100 - 0.10 x 60 (service level) - 0.15 x 50 (response time)
    assert person.composite_score == pytest.approx(86.5) and person.grade == "good"
    assert person.team_kpis == "response_time_seconds; service_level"


def test_team_at_target_lets_a_representative_be_excellent(scheme):
    own = {**CSR_OWN, "service_level": 0.10, "response_time_seconds": 900.0}  # poor own queue figures
    branch = {"service_level": 0.95, "response_time_seconds": 180.0}
    card = score_staff(pd.concat([rep("S1", own), team("B1", branch)]), scheme, Q)
    assert card.people.iloc[0].composite_score == 100.0 and card.people.iloc[0].grade == "excellent"


def test_a_team_value_below_target_is_no_personal_training_need(scheme):
    """The branch's queue below target is the staffing's problem, not the person's training need."""
    own = {**CSR_OWN, "service_level": 1.0, "response_time_seconds": 10.0, "satisfaction_rate": 0.80}
    branch = {"service_level": 0.80, "response_time_seconds": 270.0}  # both below target
    card = score_staff(pd.concat([rep("S1", own), team("B1", branch)]), scheme, Q)
    assert cell(card, "S1", "service_level").status == STATUS_BELOW
    assert list(card.training["kpi"]) == ["satisfaction_rate"]  # own value below target: a need
    on_own = parse_scheme(with_scored_on(scheme, CSR, "service_level", "own"), "bank.yaml")
    low_own = {**own, "service_level": 0.80}
    card = score_staff(pd.concat([rep("S1", low_own), team("B1", branch)]), on_own, Q)
    assert "service_level" in set(card.training["kpi"])  # scored on the own value: a need again


def test_switching_scored_on_to_own_in_the_yaml_changes_the_score_and_the_hash(scheme, tmp_path):
    d = with_scored_on(scheme, CSR, "service_level", "own")
    path = tmp_path / "bank.yaml"
    path.write_text(yaml.safe_dump(d, allow_unicode=True), encoding="utf-8")
    own_scheme = load_scheme(path)
    assert own_scheme.role(CSR).kpi("service_level").scored_on == "own"
    assert own_scheme.params_hash() != scheme.params_hash()
    own = {**CSR_OWN, "service_level": 1.0, "response_time_seconds": 180.0}
    frame = pd.concat([rep("S1", own), team("B1", {"service_level": 0.80, "response_time_seconds": 180.0})])
    on_team, on_own = score_staff(frame, scheme, Q), score_staff(frame, own_scheme, Q)
    assert cell(on_team, "S1", "service_level").score == pytest.approx(40.0)
    assert (cell(on_own, "S1", "service_level").scored_on, cell(on_own, "S1", "service_level").score) == (
        "own",
        100.0,
    )
    assert on_team.people.iloc[0].composite_score == pytest.approx(94.0)
    assert on_own.people.iloc[0].composite_score == 100.0
    assert on_own.people.iloc[0].team_kpis == "response_time_seconds"


def test_absent_scored_on_follows_the_catalogue_and_hashes_like_the_explicit_default(scheme):
    d = scheme.to_dict()
    for rule in d["roles"][CSR]["kpis"].values():
        del rule["scored_on"]
    s = Scheme.from_dict(d)
    assert {k.kpi: k.scored_on for k in s.role(CSR).kpis}["service_level"] == "team"
    assert {k.kpi: k.scored_on for k in s.role(CSR).kpis}["satisfaction_rate"] == "own"
    # the default scheme states the lobby manager's on-duty rate as own (the data: own shifts)
    assert scheme.role("lobby_manager").kpi("on_duty_rate").scored_on == "own"


@pytest.mark.parametrize(
    ("team_n", "own_n", "status"),
    [(29, 1000, "insufficient data"), (30, 1000, "met"), (30, 1, "met")],
)
def test_min_n_applies_to_the_team_n(scheme, team_n, own_n, status):
    own = {**CSR_OWN, "service_level": (1.0, own_n), "response_time_seconds": (100.0, own_n)}
    branch = {"service_level": (0.95, team_n), "response_time_seconds": (180.0, 500)}
    card = score_staff(pd.concat([rep("S1", own), team("B1", branch)]), scheme, Q)
    sl = cell(card, "S1", "service_level")
    assert (sl.n, sl.min_n, sl.status) == (team_n, 30, status)


def test_a_manager_with_no_own_contacts_gets_a_team_score(scheme):
    staff = pd.DataFrame(
        {"staff_id": ["M1"], "staff_name": ["经理"], "branch_id": ["B1"], "role": ["service_manager"]}
    )
    branch = {
        "satisfaction_rate": 0.90,  # 100, weight 0.25
        "service_level": 0.70,  # 0, weight 0.15
        "response_time_seconds": 180.0,  # 100, 0.15
        "resolution_rate": 0.875,  # 50, 0.25
        "complaint_closed_on_time_rate": (1.0, 20),  # 100, 0.20
    }
    branches = pd.DataFrame({"branch_id": ["B1"], "branch_name": ["One"], "region": ["North"]})
    card = score_staff(team("B1", branch), scheme, Q, staff, branches=branches)
    m = card.people.iloc[0]
    assert (m.staff_id, m.n_kpis, m.n_kpis_scored) == ("M1", 5, 5)
    assert m.composite_score == pytest.approx(72.5) and m.grade == "pass" and m.note == ""
    assert set(card.kpis["scored_on"]) == {"team"}


# ------------------------------------------------------------------ from a dataset


def _contact_rows(branch: str, staff: list[str], n: int, within: int, start: int) -> list[tuple]:
    """``n`` phone contacts at ``branch`` on 1-28 Nov, the first ``within`` answered in 10 s, the
    rest in 100 s; then 10 abandoned phone contacts and 50 counter contacts answered in 600 s."""
    out = []
    for i in range(n + 10 + 50):
        day = dt.datetime(2026, 11, 1 + i % 28, 10, 0, 0)
        abandoned, channel = i >= n and i < n + 10, "counter" if i >= n + 10 else "phone"
        wait = 600 if channel == "counter" else (10 if i < within else 100)
        who = None if abandoned else staff[i % len(staff)]
        answer = None if abandoned else day + dt.timedelta(seconds=wait)
        end = day + dt.timedelta(seconds=wait + 60)
        out.append((f"C{start + i:06d}", branch, who, channel, day, answer, end, not abandoned, abandoned))
    return out


@pytest.fixture(scope="module")
def bank(tmp_path_factory) -> Path:
    """Two branches; B1's queue fast, B2's slow; a rep moves from B1 to B2 on 15 Nov."""
    folder = tmp_path_factory.mktemp("accountability") / "bank"
    folder.mkdir()
    pd.DataFrame(
        {"branch_id": ["B1", "B2"], "branch_name": ["One", "Two"], "region": "R", "branch_type": "standard"}
    ).to_csv(folder / "branches.csv", index=False)
    far = dt.date(2020, 1, 1)
    people = [("R1", "B1", CSR), ("R2", "B2", CSR), ("MOVER", "B2", CSR), ("M2", "B2", "service_manager")]
    pd.DataFrame(
        [(s, f"name {s}", b, r, None, far, None) for s, b, r in people],
        columns=["staff_id", "staff_name", "branch_id", "role", "counter_type", "hire_date", "leave_date"],
    ).to_csv(folder / "staff.csv", index=False)
    mid = dt.date(2026, 11, 15)
    hist = [(s, b, r, far, None) for s, b, r in people if s != "MOVER"]
    hist += [("MOVER", "B1", CSR, far, mid), ("MOVER", "B2", CSR, mid, None)]
    pd.DataFrame(hist, columns=["staff_id", "branch_id", "role", "valid_from", "valid_to"]).to_csv(
        folder / "assignments.csv", index=False
    )
    contacts = _contact_rows("B1", ["R1"], 100, 95, 0) + _contact_rows("B2", ["R2"], 100, 60, 1000)
    # the mover answers 40 contacts at B1 before the move, all within 10 s
    contacts += [
        (
            f"C{9000 + i:06d}",
            "B1",
            "MOVER",
            "phone",
            t,
            t + dt.timedelta(seconds=5),
            t + dt.timedelta(minutes=1),
            True,
            False,
        )
        for i, t in enumerate(dt.datetime(2026, 10, 2 + i % 28, 9) for i in range(40))
    ]
    pd.DataFrame(
        contacts,
        columns=[
            "contact_id",
            "branch_id",
            "staff_id",
            "channel",
            "arrival_ts",
            "answer_ts",
            "end_ts",
            "resolved",
            "abandoned",
        ],
    ).to_csv(folder / "contacts.csv", index=False)
    return folder


@pytest.fixture(scope="module")
def cards(bank):
    with load_dataset(bank) as ds:
        return quarter_scorecards(ds, Q)


def test_team_value_is_the_branch_row_with_abandoned_contacts_and_the_channel_scope(cards):
    kpis, staff, _ = cards
    b2 = kpis[(kpis.level == "branch") & (kpis.entity_id == "B2") & (kpis.kpi == "service_level")].iloc[0]
    # phone only (counter out of scope); 60 within 30 s of 110 offered (10 abandoned)
    assert (b2.value, b2.n) == (60 / 110, 110)
    sl = cell(staff, "R2", "service_level")
    assert (sl.scored_on, sl.value, sl.n) == ("team", b2.value, b2.n)


def test_a_mover_gets_the_team_value_of_the_branch_they_are_scored_under(cards):
    kpis, staff, _ = cards
    mover = staff.people[staff.people.staff_id == "MOVER"].iloc[0]
    assert mover.branch_id == "B2"  # the last assignment of the quarter
    branch = kpis[(kpis.level == "branch") & (kpis.kpi == "service_level")].set_index("entity_id")
    sl = cell(staff, "MOVER", "service_level")
    # all of the mover's own contacts were at B1 (answered within 30 s: own value 100 %)
    assert (sl.scored_on, sl.value, sl.n) == ("team", branch.loc["B2", "value"], branch.loc["B2", "n"])
    assert sl.value != branch.loc["B1", "value"]


def test_the_service_manager_is_scored_on_the_team_in_the_dataset(cards):
    _, staff, _ = cards
    m = staff.people[staff.people.staff_id == "M2"].iloc[0]
    assert m.n_kpis == 5 and m.team_kpis.count(";") == 4
    sl = cell(staff, "M2", "service_level")
    assert (sl.scored_on, sl.value) == ("team", 60 / 110)


# ------------------------------------------------------------------ validation


@pytest.mark.parametrize(
    ("change", "key", "expected"),
    [
        (lambda d: d["roles"][CSR]["kpis"]["service_level"].update(scored_on="mine"),
         "roles.customer_service_rep.kpis.service_level.scored_on", "one of 'own', 'team'"),
        (lambda d: d["roles"][CSR]["kpis"]["service_level"].update(scored_on=None),
         "roles.customer_service_rep.kpis.service_level.scored_on", "one of 'own', 'team'"),
        (lambda d: d["roles"][CSR]["kpis"].update(
            queue_wait_seconds=d["roles"][CSR]["kpis"].pop("service_level")
            | {"target": 600, "floor": 1800, "direction": "lower", "scored_on": "own"}),
         "roles.customer_service_rep.kpis.queue_wait_seconds.scored_on", "no staff-level value"),
        (lambda d: d["branch"]["kpis"]["satisfaction_rate"].update(scored_on="team"),
         "branch.kpis.satisfaction_rate", "unknown key 'scored_on'"),
    ],
)  # fmt: skip
def test_invalid_scored_on_is_refused_naming_the_key(scheme, change, key, expected):
    d = scheme.to_dict()
    change(d)
    with pytest.raises(ParamsError) as info:
        Scheme.from_dict(d, source="bank.yaml")
    msg = str(info.value)
    assert f"(key {key}" in msg and expected in msg and "bank.yaml" in msg, msg


def test_a_branch_only_kpi_may_score_a_role_on_the_team_value(scheme):
    d = scheme.to_dict()
    kp = d["roles"]["data_analyst"]["kpis"]
    kp["abandonment_rate"] = kp.pop("service_level") | {"target": 0.05, "floor": 0.2, "direction": "lower"}
    del kp["abandonment_rate"]["scored_on"]  # default: team
    s = Scheme.from_dict(d)
    assert s.role("data_analyst").kpi("abandonment_rate").scored_on == "team"


# ------------------------------------------------------------------ outputs


def test_workbook_summary_and_annual_summary_mark_team_values(bank, cards, tmp_path):
    kpis, staff, branch = cards
    out = tmp_path / "hr.xlsx"
    write_scorecard(out, staff, branch, progress=False)
    sheets = pd.read_excel(out, sheet_name=None)
    b2 = next(v for k, v in sheets.items() if k.startswith("B2"))
    assert "service_level_team_score" in b2.columns and "service_level_score" not in b2.columns
    assert b2.set_index("staff_id").loc["R2", "team_kpis"] == "response_time_seconds; service_level"
    about = sheets["About"].set_index("item")["value"]
    assert "team" in about["<kpi>_team_score, team_kpis"] and "团队" in about["<kpi>_team_score, team_kpis"]
    text = staff.summary().as_text()
    assert (
        "KPIs scored on the team's (branch's) value" in text
        and "response_time_seconds; service_level" in text
    )
    with load_dataset(bank) as ds:
        from bankperf_analysis.metrics.compute import compute_kpis

        year = compute_kpis(ds, period="2026", period_types=("quarter", "year"))
        a = annual_summary(year, load_scheme(), "2026", ds.table("staff"), employment=ds.employment())
    assert a.staff.set_index("staff_id").loc["M2", "team_kpis"].startswith("satisfaction_rate")
    assert set(a.staff_quarterly.loc[a.staff_quarterly.role == CSR, "team_kpis"]) == {
        "response_time_seconds; service_level"
    }


def test_branch_and_annual_reports_say_which_values_are_the_teams(bank, tmp_path):
    from bankperf_analysis.report import AnnualReport, BranchReport, prepare_batch

    shared = prepare_batch(bank, Q, tmp_path / "shared")
    en = BranchReport(shared, "B2").staff_table().html
    assert "Scored on the team&#x27;s (branch&#x27;s) value, not the person&#x27;s own" in en
    assert "Customer-service representative: Average response time, Service level" in en
    assert "Customer-service manager: Customer satisfaction" in en
    zh = BranchReport(shared, "B2", "zh").staff_table().html
    assert "按团队（网点）值评分，非个人值：" in zh and "客服代表：平均响应时间、服务水平" in zh
    annual = AnnualReport(bank, "2026").staff_table().html
    assert "Average response time, Service level" in annual


# ------------------------------------------------------------------ the demo bank


def test_demo_every_scored_role_has_every_grade_band(default_bank):
    scheme = load_scheme()
    with load_dataset(default_bank) as ds:
        _, staff, _ = quarter_scorecards(ds, Q, scheme)
    counts = staff.people.groupby("role")["grade"].value_counts().unstack(fill_value=0)
    for role in scheme.scored_roles:
        for grade in scheme.grade_names:
            got = int(counts.loc[role, grade]) if role in counts.index and grade in counts.columns else 0
            assert got >= 1, f"{role}: no one graded {grade} in {Q} ({counts.loc[role].to_dict()})"
    # margin for the veto rules (an excellent person may lose the grade): several per role
    excellent = counts[scheme.grade_names[0]]
    assert (excellent.reindex(list(scheme.scored_roles), fill_value=0) >= 2).all(), excellent.to_dict()
    assert np.isfinite(staff.people.loc[staff.people.gradable, "composite_score"]).all()
