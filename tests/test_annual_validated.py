"""The annual summary inside ``bankperf report`` does not validate the data a second time (issue 14).

The batch validates the data once before any report runs; the annual summary's kernel read the
whole dataset again and re-ran every contract check (22 s of its 47 s on the 1,000-branch bank).
``AnnualReport(..., validated=True)`` skips that; run on its own it still validates.
"""

from __future__ import annotations

import pytest

import bankperf_analysis.dataset.load as load_module
from bankperf_analysis._resources import notebook_path
from bankperf_analysis.report import AnnualReport
from bankperf_analysis.runner.plan import declared_parameters


@pytest.fixture
def validations(monkeypatch):
    """Count the contract checks of every table ``load_dataset`` runs."""
    calls: list[str] = []
    real = load_module.validate_table

    def counted(*args, **kwargs):
        calls.append("table")
        return real(*args, **kwargs)

    monkeypatch.setattr(load_module, "validate_table", counted)
    return calls


def test_validated_skips_the_contract_checks_and_gives_the_same_summary(tiny_bank, validations):
    alone = AnnualReport(tiny_bank, "2026")
    checked = len(validations)
    assert checked > 0  # on its own, the annual summary validates every table
    in_batch = AnnualReport(tiny_bank, "2026", validated=True)
    assert len(validations) == checked  # no check more
    assert in_batch.headline() == alone.headline()
    assert in_batch.fingerprint == alone.fingerprint


def test_the_notebook_takes_the_flag_and_the_batch_sets_it(tiny_bank, tmp_path, monkeypatch):
    import bankperf_analysis.runner.batch as batch

    declared = declared_parameters(notebook_path("annual_summary.ipynb"))["validated"]
    assert declared["inferred_type_name"] == "bool" and declared["default"] == "False"  # alone: validate
    seen = []
    monkeypatch.setattr(batch, "execute_plans", lambda plans: seen.extend(plans) or "planned")
    assert batch.build_reports(tiny_bank, "2026Q4", tmp_path, jobs=1, progress=False) == "planned"
    annual = [p for plan in seen for p in plan.planned if "year" in p.params]
    assert [p.params["validated"] for p in annual] == [True]
