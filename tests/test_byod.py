"""The README's "Bring your own data" code runs as written, on CSV files like a user's own."""

from __future__ import annotations

import re
import warnings

import numpy as np
from conftest import REPO

from bankperf_analysis.exceptions import BankPerfWarning
from bankperf_analysis.incentives.simulate import simulate_staggered_panel


def _readme_code() -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- byod:start -->\s*```python\n(.*?)```\s*<!-- byod:end -->", text, re.S)
    assert block, "README.md has no 'Bring your own data' code block"
    return block.group(1)


def test_bring_your_own_data_walkthrough_runs_and_recovers_the_effect(tmp_path, monkeypatch, capsys):
    panel, adoption = simulate_staggered_panel(
        n_units=600, n_periods=10, n_clusters=40, cohorts=[4, 6], effect=2.0, seed=11
    )
    panel.rename(columns={"y": "satisfaction"})[["unit", "period", "branch", "satisfaction"]].to_csv(
        tmp_path / "my_panel.csv", index=False
    )
    adoption.to_csv(tmp_path / "my_adoption.csv", index=False)  # never adopted: an empty cell
    assert ",\n" in (tmp_path / "my_adoption.csv").read_text()
    monkeypatch.chdir(tmp_path)
    scope: dict = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BankPerfWarning)
        exec(compile(_readme_code(), "README.md", "exec"), scope)  # noqa: S102 - the README's own code
    assert "Staggered difference-in-differences" in capsys.readouterr().out
    np.testing.assert_allclose(scope["effect"].estimate, 2.0, atol=0.3)
    assert scope["regression"].design == "event"
    np.testing.assert_allclose(scope["regression"].estimate, 2.0, atol=0.3)
