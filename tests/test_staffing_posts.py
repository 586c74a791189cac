"""Post rules (定编, source 003 措施(二)): minimum posts per branch type and the sales-staff share.

Crafted small branches with expectations worked by hand from 003's sentences:
"所有网点至少配备专职大堂经理和非现金柜员各1名,精品网点至少增配1名个人客户经理,理财中心和营业部至少增配
1名理财参谋[理财顾问]和1名大堂副理" and the sales team "大堂经理、客户经理、理财经理、非现金柜员".
"""

from __future__ import annotations

import pandas as pd
import pytest

from bankperf_analysis.dataset.load import load_dataset
from bankperf_analysis.exceptions import DataValidationError, ParamsError
from bankperf_analysis.periods import Period
from bankperf_analysis.scheme import Scheme, load_scheme
from bankperf_analysis.staffing import DEFAULT_SALES_ROLES, check_minimum_posts
from bankperf_analysis.staffing.plan_config import _config
from bankperf_analysis.staffing.plan_tables import _headcount, _posts
from bankperf_analysis.staffing.posts import post_counts, sales_staff
from bankperf_analysis.staffing.shown import post_findings


def _staff(branch: str, *people: tuple[str, str | None]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "staff_id": [f"{branch}-{i}" for i in range(len(people))],
            "branch_id": branch,
            "role": [r for r, _ in people],
            "counter_type": [c for _, c in people],
        }
    )


LOBBY = ("lobby_manager", None)
NON_CASH = ("teller", "non_cash")
CASH = ("teller", "cash")
CM = ("customer_manager", None)
WM = ("wealth_manager", None)
FA = ("financial_advisor", None)
DLM = ("deputy_lobby_manager", None)
REP = ("customer_service_rep", None)


def _cfg(scheme: Scheme | None = None):
    return _config(scheme, Period.parse("2026Q4"), 30, None, "erlang_c", True, 10.0, (0.95,), 40.0)


def _failed(posts: pd.DataFrame, branch: str) -> set[str]:
    b = posts[posts["branch_id"] == branch]
    return set(b.loc[~b["passed"], "rule"])


def test_wealth_center_without_its_financial_advisor_is_flagged():
    # W: a 理财中心 with every post but the 理财顾问; X: the same staff at a 营业部, with one
    staff = pd.concat(
        [
            _staff("W", LOBBY, NON_CASH, CM, DLM, WM),
            _staff("X", LOBBY, NON_CASH, CM, DLM, WM, FA),
        ]
    )
    branches = pd.DataFrame(
        {"branch_id": ["W", "X"], "branch_type": ["wealth_center", "business_department"]}
    )
    posts = _posts(staff, branches, _cfg())
    assert _failed(posts, "W") == {"financial_advisor"}
    assert _failed(posts, "X") == set()
    w = posts[posts["branch_id"] == "W"].set_index("rule")
    assert list(w.index) == [
        "lobby_manager",
        "non_cash_teller",
        "customer_manager",
        "financial_advisor",
        "deputy_lobby_manager",
        "sales_share",
    ]
    assert (w.loc["financial_advisor", "required"], w.loc["financial_advisor", "actual"]) == (1.0, 0.0)
    # the finding in both languages names the post and the branch type
    zh = dict(zip(w.index, post_findings(w.reset_index(), "zh")))
    en = dict(zip(w.index, post_findings(w.reset_index(), "en")))
    assert zh["financial_advisor"] == "理财顾问：实有 0 人，理财中心至少需要 1 人"
    assert en["financial_advisor"] == "Financial advisor: 0; a wealth-management centre needs at least 1"
    # the plan's minimum headcount adds the two posts of a 理财中心
    intervals = pd.DataFrame(
        columns=["branch_id", "queue", "role", "contacts", "required_staff", "scheduled_staff"]
    )
    hc = _headcount(intervals, staff, branches, pd.Series(dtype=float), False, _cfg())
    w = hc[hc["branch_id"] == "W"].set_index("role")
    assert w.loc[
        "financial_advisor", ["current_headcount", "minimum_headcount", "planned_headcount"]
    ].tolist() == [0, 1, 1]
    assert w.loc["financial_advisor", "basis"] == "minimum post"


def test_premium_outlet_without_a_personal_customer_manager_is_flagged():
    staff = pd.concat([_staff("F", LOBBY, NON_CASH, WM), _staff("S", LOBBY, NON_CASH, WM)])
    branches = pd.DataFrame({"branch_id": ["F", "S"], "branch_type": ["flagship", "standard"]})
    posts = check_minimum_posts(staff, branches=branches)
    assert _failed(posts, "F") == {"customer_manager"}
    assert _failed(posts, "S") == set()  # a standard outlet needs no customer manager
    f = posts[posts["branch_id"] == "F"].set_index("rule")
    assert f.loc["customer_manager", "message"] == (
        "FAIL - Branch F (flagship): 0 customer manager(s); at least 1 required."
    )
    assert post_findings(f.reset_index().iloc[[2]], "zh") == ["客户经理：实有 0 人，精品网点至少需要 1 人"]


def test_sales_share_counted_by_hand():
    # 12 staff: 1 lobby manager, 2 customer managers, 1 wealth manager, 2 non-cash tellers (sales,
    # 6) and 3 cash tellers, 1 teller without a counter type, 2 reps (not sales): 6 / 12 = 50 %
    staff = _staff("A", LOBBY, CM, CM, WM, NON_CASH, NON_CASH, CASH, CASH, CASH, ("teller", None), REP, REP)
    assert DEFAULT_SALES_ROLES == load_scheme().staffing.sales_roles  # the function's default is the scheme's
    posts = check_minimum_posts(staff, sales_roles=load_scheme().staffing.sales_roles).set_index("rule")
    assert posts.loc["sales_share", "actual"] == pytest.approx(6 / 12)
    assert posts.loc["sales_share", "passed"]
    assert "sales staff 6 of 12 (50%)" in posts.loc["sales_share", "message"]
    # one cash teller more: 6 / 13 < 50 %
    more = pd.concat([staff, _staff("Z", CASH).assign(branch_id="A")])
    posts = check_minimum_posts(more).set_index("rule")
    assert (
        posts.loc["sales_share", "actual"] == pytest.approx(6 / 13) and not posts.loc["sales_share", "passed"]
    )
    counts = post_counts(staff, ["teller", "non_cash_teller", "wealth_manager"])
    assert counts.iloc[0].tolist() == [12, 6, 2, 1]
    assert sales_staff(counts, ["non_cash_teller", "wealth_manager"]).tolist() == [3]
    with pytest.raises(ParamsError, match="do not overlap"):
        sales_staff(counts, ["teller", "non_cash_teller"])


def test_plan_tops_up_sales_staff_with_the_same_definition(crafted_headcount):
    # planned: 8 tellers (600 half-hours on the counter = 7.5 FTE), 1 rep, 1 lobby manager,
    # 1 wealth manager = 11; sales = lobby 1 + wealth manager 1 + the 2 non-cash tellers kept = 4.
    # 50 % needs (0.5 x 11 - 4) / (1 - 0.5) = 3 customer managers more: 7 of 14.
    hc = crafted_headcount(_staff("X", NON_CASH, NON_CASH, CASH, LOBBY, REP, WM))
    assert hc.loc["teller", "planned_headcount"] == 8 and hc.loc["wealth_manager", "planned_headcount"] == 1
    assert hc.loc["customer_manager", "planned_headcount"] == 3
    assert hc.loc["customer_manager", "basis"] == "raised by 3 for sales staff >= 50%"
    assert hc["planned_headcount"].sum() == 14


def test_the_scheme_changes_the_minimum_posts():
    d = load_scheme().to_dict()
    d["staffing"]["minimum_posts"] = {
        "every_branch": {"lobby_manager": 1, "non_cash_teller": 1},
        "community": {"financial_advisor": 1, "teller": 2},  # 2 tellers, 1 of them non-cash
        "flagship": {"non_cash_teller": 2},  # 1 + 2 = 3 non-cash tellers at a 精品网点
    }
    scheme = Scheme.from_dict(d)
    staff = pd.concat([_staff("C", LOBBY, NON_CASH), _staff("F", LOBBY, NON_CASH, NON_CASH, CASH)])
    branches = pd.DataFrame({"branch_id": ["C", "F"], "branch_type": ["community", "flagship"]})
    posts = _posts(staff, branches, _cfg(scheme))
    assert _failed(posts, "C") == {"financial_advisor", "teller"}
    f = posts[posts["branch_id"] == "F"].set_index("rule")
    assert "customer_manager" not in f.index  # this bank's 精品网点 need no customer manager
    assert (f.loc["non_cash_teller", "required"], f.loc["non_cash_teller", "actual"]) == (3.0, 2.0)
    # the plan's tellers: at least the 3 non-cash ones
    intervals = pd.DataFrame(
        columns=["branch_id", "queue", "role", "contacts", "required_staff", "scheduled_staff"]
    )
    hc = _headcount(intervals, staff, branches, pd.Series(dtype=float), False, _cfg(scheme))
    cols = ["current_headcount", "minimum_headcount", "planned_headcount"]
    f = hc[hc["branch_id"] == "F"].set_index("role")
    assert f.loc["teller", cols].tolist() == [3, 3, 3]
    c = hc[hc["branch_id"] == "C"].set_index("role")  # 2 tellers cover the non-cash one: 2, not 3
    assert c.loc["teller", cols].tolist() == [1, 2, 2]
    # the same through the public check, with a mapping
    posts = check_minimum_posts(staff, branches=branches, minimum_posts=d["staffing"]["minimum_posts"])
    assert _failed(posts, "F") == {"non_cash_teller"}
    with pytest.raises(ParamsError, match="minimum_posts"):
        check_minimum_posts(staff, branches=branches, minimum_posts={"every_branch": {"cashier": 1}})


def test_unknown_branch_type_is_refused(bank_copy):
    branches = pd.read_parquet(bank_copy / "branches.parquet")
    branches.loc[1, "branch_type"] = "boutique"
    branches.to_parquet(bank_copy / "branches.parquet", index=False)
    with pytest.raises(DataValidationError) as info:
        load_dataset(bank_copy)
    issue = next(i for i in info.value.issues if i.column == "branch_type")
    assert (issue.table, issue.file, issue.row, issue.value) == (
        "branches",
        "branches.parquet",
        2,
        "boutique",
    )
    assert "'wealth_center', 'business_department'" in issue.expected
    # the public check refuses a type it does not know too
    staff = _staff("A", LOBBY)
    with pytest.raises(ParamsError, match="branch types among"):
        check_minimum_posts(staff, branches=pd.DataFrame({"branch_id": ["A"], "branch_type": ["boutique"]}))
