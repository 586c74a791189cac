"""The data contract: README drift, internal consistency."""

from __future__ import annotations

import pytest
from conftest import REPO

from bankperf_analysis.dataset._readme import contract_section
from bankperf_analysis.dataset.schema import CONTRACT, ROLES, contract_markdown


def test_readme_contract_table_is_generated_from_schema():
    text = (REPO / "README.md").read_text(encoding="utf-8")
    assert contract_section(text) == contract_markdown(), (
        "README.md's data contract drifted from schema.py: run `python -m bankperf_analysis.dataset._readme`"
    )


def test_foreign_keys_point_at_primary_keys():
    for t in CONTRACT.values():
        for c in t.columns:
            if c.references:
                table, col = c.references.split(".")
                assert CONTRACT[table].primary_key == (col,), (t.name, c.name)


def test_keys_and_period_columns_exist():
    for t in CONTRACT.values():
        names = set(t.column_names)
        assert set(t.primary_key) <= names
        assert set(t.period_columns) <= names
        for ck in t.checks:
            assert set(ck.columns) <= names


def test_roles_cover_domain():
    assert {"teller", "customer_manager", "customer_service_rep", "lobby_manager"} <= set(ROLES)


def test_required_tables():
    assert [t.name for t in CONTRACT.values() if t.required] == ["branches", "staff"]


def test_public_api_resolves():
    """Each lazily exported name is the object of the subpackage that documents it."""
    import importlib

    import bankperf_analysis as b
    from bankperf_analysis import exceptions, periods

    # Where each public name lives, written out here (not read from the package's lazy table).
    home = {
        "dataset": ["load_dataset", "validate_dataset", "Dataset", "make_demo_bank"],
        "metrics": ["compute_kpis", "MetricOptions", "KPI_CATALOGUE", "kpi_availability"],
        "scheme": ["load_scheme", "Scheme"],
        "scorecard": [
            "score_staff",
            "score_branches",
            "annual_summary",
            "consequence_counts",
            "write_scorecard",
        ],
        "significance": [
            "compare_rates",
            "compare_means",
            "compare_ordinal",
            "compare_many",
            "funnel_data",
            "shrink_rates",
            "minimum_detectable_change",
            "required_sample_size",
            "kpi_changes",
            "league_table",
            "ordinal_regression",
            "OrdinalRegressionResult",
            "brant_test",
            "BrantResult",
        ],
        "incentives": [
            "attach_treatment",
            "did_regression",
            "event_study",
            "pretrend_test",
            "twfe_did",
            "staggered_did",
            "estimate_incentive_effect",
            "rtm_guarded_effect",
            "honest_sensitivity",
            "uniform_critical_value",
        ],
        "staffing": [
            "ErlangStaffing",
            "required_staff",
            "achieved_service",
            "scheduled_staff",
            "traffic_intensity",
            "DemandForecaster",
            "branch_staffing_plan",
            "ShiftScheduler",
            "RosterPlan",
            "estimate_patience",
            "PatienceResult",
        ],
        "runner": ["run_reports", "build_sheets", "build_monthly_reports"],
        "report": ["prepare_batch", "person_sheets", "PersonSheet", "monthly_frame", "prepare_month"],
    }
    eager = {
        "BankPerfError": exceptions,
        "BankPerfWarning": exceptions,
        "DataValidationError": exceptions,
        "InsufficientSampleError": exceptions,
        "ParamsError": exceptions,
        "SmallSampleWarning": exceptions,
        "Period": periods,
    }
    lazy = {name: sub for sub, names in home.items() for name in names}
    assert sorted(b.__all__) == sorted(["__version__", *eager, *lazy])
    assert b.__version__ == "0.1.0"
    listed = dir(b)
    for name, module in eager.items():
        assert getattr(b, name) is getattr(module, name), name
    for name, sub in lazy.items():
        subpackage = importlib.import_module(f"bankperf_analysis.{sub}")
        assert name in subpackage.__all__, (name, sub)
        assert getattr(b, name) is getattr(subpackage, name), (name, sub)
        assert name in listed, name
    for name in [*eager, *lazy]:
        obj = getattr(b, name)
        if callable(obj):  # KPI_CATALOGUE is a table, documented in its module
            assert (obj.__doc__ or "").strip(), name
    with pytest.raises(AttributeError, match="no attribute 'load_datasets'"):
        b.load_datasets  # noqa: B018
