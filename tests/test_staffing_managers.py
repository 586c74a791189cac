"""Customer-manager headcount (定编) from managed customers (管户数 / 有效管户), issue 17 item 4.

The data contract's optional column ``branches.managed_customers`` and the scheme's
``staffing.customers_per_manager`` size the customer managers as ceil(managed / per manager);
without either, the current headcount is kept and the plan says so.
"""

from __future__ import annotations

import math
import re

import pandas as pd
import pytest

from bankperf_analysis.dataset import load_dataset
from bankperf_analysis.exceptions import ParamsError
from bankperf_analysis.scheme import load_scheme
from bankperf_analysis.scheme.model import Scheme
from bankperf_analysis.staffing.plan import branch_staffing_inputs

QUARTER = "2026Q4"
PER_MANAGER = 150


def _scheme(per_manager):
    d = load_scheme().to_dict()
    d["staffing"]["customers_per_manager"] = per_manager
    return Scheme.from_dict(d)


def _cm_rows(folder, scheme):
    with load_dataset(folder) as ds:
        plan = branch_staffing_inputs(ds, QUARTER, scheme, forecast=False)["plan"]
    return plan[plan["role"] == "customer_manager"].set_index("branch_id")


def test_managers_sized_from_managed_customers(bank_copy):
    path = bank_copy / "branches.parquet"
    branches = pd.read_parquet(path)
    # flagship branches first: their minimum post (one customer manager) must hold even with 0 customers
    branches = branches.sort_values("branch_type", key=lambda t: t != "flagship", kind="stable")
    assert (branches["branch_type"] == "flagship").any()
    ids = branches["branch_id"].astype(str).tolist()
    # values chosen here (not from the demo): 0 -> 0 but the flagship minimum makes it 1;
    # 1,000 / 150 -> 7; 301 / 150 -> 3; the last branch has no value (NULL)
    values = [0, 1000, 301] + [None] * (len(ids) - 3)
    branches["managed_customers"] = pd.array(values, dtype="Int64")
    branches.reset_index(drop=True).to_parquet(path)
    cm = _cm_rows(bank_copy, _scheme(PER_MANAGER))
    for b, v in zip(ids, values, strict=True):
        row = cm.loc[b]
        if v is None:
            assert row["planned_headcount"] >= row["current_headcount"]
            assert "no managed_customers" in row["basis"], row["basis"]
            continue
        need = max(math.ceil(v / PER_MANAGER), int(row["minimum_headcount"]))
        if "raised by" in row["basis"]:  # the sales-share rule may add managers on top
            assert row["planned_headcount"] > need
        else:
            assert row["planned_headcount"] == need, (b, v, row.to_dict())
            assert f"ceil({v:,} / {PER_MANAGER} per manager)" in row["basis"], row["basis"]
    first = cm.loc[ids[0]]  # the minimum post, then any managers the sales-share rule adds
    raised = re.search(r"raised by (\d+) ", first["basis"])
    assert first["planned_headcount"] == 1 + (int(raised.group(1)) if raised else 0)
    assert "minimum post" in first["basis"]
    # without the scheme key the column is ignored: the plan is the one of before
    base = _cm_rows(bank_copy, None)
    assert not base["basis"].str.contains("managed customers").any()


def test_absent_column_keeps_headcount_and_says_so(tiny_bank):
    sized = _cm_rows(tiny_bank, _scheme(PER_MANAGER))
    base = _cm_rows(tiny_bank, None)
    pd.testing.assert_series_equal(sized["planned_headcount"], base["planned_headcount"])
    kept = sized[~sized["basis"].str.startswith("raised by")]
    assert len(kept) and kept["basis"].str.contains("no managed_customers for the branch in the data").all()


def test_scheme_key_checked():
    assert load_scheme().staffing.customers_per_manager is None
    assert "customers_per_manager" not in load_scheme().to_dict()["staffing"]  # params hash unchanged
    assert _scheme(200).to_dict()["staffing"]["customers_per_manager"] == 200
    for bad in (0, -10, "many"):
        with pytest.raises(ParamsError, match=r"staffing\.customers_per_manager"):
            _scheme(bad)


def test_basis_worded_in_zh():
    """The customer-manager basis reads in Chinese in the shown tables (no English left)."""
    from bankperf_analysis.staffing.shown import _basis

    zh = _basis("managed customers: ceil(1,000 / 150 per manager) = 7", "zh")
    assert zh == "按管户数定编：⌈1,000 ÷ 每人 150 户⌉ = 7 人"
    assert _basis("managed customers: ceil(0 / 150 per manager) = 0 (minimum post)", "zh").endswith(
        "（最低配置）"
    )
    kept = _basis("kept at current headcount (no managed_customers for the branch in the data)", "zh")
    assert kept == "维持现有人数（数据中无该网点管户数）"
