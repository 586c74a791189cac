"""The set-up every batch shares (quarter, monthly, incentive study, staffing), checked on its plans.

Each build is stopped where it would run (``execute_plans`` replaced by a spy), so nothing is
rendered: the plans it made are read instead. Whatever the kind, every report must carry the
options given (language, workers, --force, progress, timeouts), the data's fingerprint and the
scheme's hash and time zone, read here straight from the dataset and the scheme (not through
the runner), the output folder, and a footer that names the scheme.
"""

from __future__ import annotations

import importlib
import shutil

import pytest

from bankperf_analysis._resources import default_scheme_path
from bankperf_analysis.dataset.load import load_dataset
from bankperf_analysis.scheme import load_scheme

_BUILDS = {
    "quarter": ("bankperf_analysis.runner.batch", "build_reports", "2026Q4"),
    "month": ("bankperf_analysis.runner.monthly", "build_monthly_reports", "2026-11"),
    "incentive": ("bankperf_analysis.runner.study", "build_incentive_study", "2026Q4"),
    "staffing": ("bankperf_analysis.runner.staffing", "build_staffing_reports", "2026Q4"),
}


@pytest.fixture(scope="module")
def truth(tiny_bank, tmp_path_factory) -> dict:
    """The fingerprint, the scheme file (a copy of the packaged one), its hash and time zone."""
    with load_dataset(tiny_bank, validate=False) as ds:
        fingerprint = ds.fingerprint
    scheme_file = tmp_path_factory.mktemp("scheme") / "copy.yaml"
    shutil.copyfile(default_scheme_path(), scheme_file)
    scheme = load_scheme(scheme_file)
    return {
        "fingerprint": fingerprint,
        "scheme_file": scheme_file,
        "params_hash": scheme.params_hash(),
        "timezone": scheme.timezone,
    }


@pytest.mark.parametrize("kind", list(_BUILDS))
def test_every_batch_plans_with_the_options_data_and_scheme_given(
    tiny_bank, tmp_path, monkeypatch, truth, kind
):
    name, func, period = _BUILDS[kind]
    module = importlib.import_module(name)
    seen: list = []
    monkeypatch.setattr(module, "execute_plans", lambda plans: seen.extend(plans) or "stopped")
    options = dict(lang="zh", jobs=1, force=True, progress=False, timeout_cell=7.0, timeout_report=70.0)
    options["scheme_path"] = truth["scheme_file"]
    if kind in ("quarter", "month"):
        options["scheduler"] = "tcp://127.0.0.1:1"
    assert getattr(module, func)(tiny_bank, period, tmp_path / "out", **options) == "stopped"
    assert seen and not (tmp_path / "out").exists()  # planned, nothing written
    for plan in seen:
        run = plan.run
        assert (run.lang, run.force, run.out_root) == ("zh", True, (tmp_path / "out").resolve())
        opts = run.opts
        assert (opts.jobs, opts.timeout_cell, opts.timeout_report, opts.progress) == (1, 7.0, 70.0, False)
        assert opts.scheduler == options.get("scheduler")
        assert opts.timezone == truth["timezone"]
        assert str(truth["scheme_file"]) in run.footer[0][1]  # the footer names the scheme
        assert plan.planned
        for p in plan.planned:
            assert (p.fingerprint, p.params_hash, p.quarter) == (
                truth["fingerprint"],
                truth["params_hash"],
                period,
            )
            assert p.params["data_dir"] == str(tiny_bank.resolve())
            assert p.params.get("scheme_path", str(truth["scheme_file"])) == str(truth["scheme_file"])
