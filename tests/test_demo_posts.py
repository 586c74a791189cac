"""The demo bank's posts (定编) follow the scheme's rules but for one planted branch (issue 17, item 4).

The planted truths come from ``truth.json`` (``posts``): the 理财中心 and 营业部 branches and the
branch planted short of the 50 % sales-staff share. The check is the package's own post rule
(:func:`~bankperf_analysis.staffing.posts.check_minimum_posts`) on the staff in post at the end
of the last quarter; the staffing plan then adds staff for the post rules only where the truth
says a rule fails.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from bankperf_analysis.staffing.posts import check_minimum_posts


@pytest.fixture(scope="module")
def truth(default_bank):
    return json.loads((default_bank / "truth.json").read_text())


@pytest.fixture(scope="module")
def posts(default_bank, truth):
    staff = pd.read_parquet(default_bank / "staff.parquet")
    branches = pd.read_parquet(default_bank / "branches.parquet")
    end = pd.Timestamp(truth["last_period"].replace("Q4", "-12-31"))
    hired, left = pd.to_datetime(staff["hire_date"]), pd.to_datetime(staff["leave_date"])
    now = staff[(hired <= end) & (left.isna() | (left > end))]
    return check_minimum_posts(now, branches=branches), branches


def test_planted_branch_types_are_in_the_branches_table(truth, posts):
    _, branches = posts
    types = branches.set_index("branch_id")["branch_type"]
    planted = truth["posts"]["branch_types"]
    assert set(planted.values()) == {"wealth_center", "business_department"}
    for bid, kind in planted.items():
        assert types[bid] == kind


def test_only_the_planted_branch_fails_and_only_the_sales_share(truth, posts):
    result, _ = posts
    failed = result[~result["passed"].astype(bool)]
    short = truth["posts"]["sales_short_branch"]
    assert failed[["branch_id", "rule"]].values.tolist() == [[short, "sales_share"]]
    assert float(failed["actual"].iloc[0]) < 0.5
    # the planted types' own posts are checked, and met
    for bid in truth["posts"]["branch_types"]:
        rules = set(result.loc[result["branch_id"] == bid, "rule"])
        assert {"financial_advisor", "deputy_lobby_manager", "customer_manager"} <= rules
