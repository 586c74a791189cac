"""Shared fixtures: a seeded tiny demo bank, RNG guard, figure closing."""

from __future__ import annotations

import os
import random
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("MPLBACKEND", "Agg")
# The commands keep fingerprint digests in the user's cache folder: tests keep theirs apart
# (set before any test runs, so that kernels started by the runner inherit it too).
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="bankperf-test-cache-")

REPO = Path(__file__).resolve().parents[1]


def file_tree(*roots: Path) -> dict[str, tuple[int, int]]:
    """Every file and folder under ``roots``: path -> (size, mtime in ns); what "nothing written" compares."""
    seen: dict[str, tuple[int, int]] = {}
    for root in roots:
        if root.exists():
            for p in [root, *root.rglob("*")]:
                st = p.stat()
                seen[str(p)] = (st.st_size if p.is_file() else -1, st.st_mtime_ns)
    return seen


def assert_offline(page: str) -> None:
    """A rendered page loads nothing from the network and runs nothing (what an intranet needs).

    No ``http://`` / ``https://`` anywhere (no script, style, font or image from a CDN, such as
    nbconvert's require.js and MathJax), no ``<script>`` at all, and the reports' security policy.
    """
    assert "http://" not in page and "https://" not in page
    assert "<script" not in page.lower()
    assert "Content-Security-Policy" in page


@pytest.fixture(scope="session")
def tiny_bank(tmp_path_factory) -> Path:
    """A tiny demo bank (4 branches, 8 quarters), generated once per session. Do not modify."""
    from bankperf_analysis.dataset.demo import make_demo_bank

    folder = tmp_path_factory.mktemp("tiny_bank")
    make_demo_bank(folder, scale="tiny", seed=1)
    return folder


@pytest.fixture
def bank_copy(tiny_bank, tmp_path) -> Path:
    """A private copy of the tiny bank that a test may break."""
    dst = tmp_path / "bank"
    shutil.copytree(tiny_bank, dst)
    return dst


@pytest.fixture(scope="session")
def default_bank(tmp_path_factory) -> Path:
    """The default demo bank (12 branches, 8 quarters), generated once per session."""
    from bankperf_analysis.dataset.demo import make_demo_bank

    folder = tmp_path_factory.mktemp("default_bank")
    make_demo_bank(folder, scale="default", seed=20261)
    return folder


@pytest.fixture(scope="module")
def tiny_ds(tiny_bank):
    """The tiny bank loaded (validated) once per test module, closed after it."""
    from bankperf_analysis.dataset.load import load_dataset

    ds = load_dataset(tiny_bank)
    yield ds
    ds.close()


@pytest.fixture(autouse=True)
def _rng_guard():
    """Tests must seed their own generators: fail if one changes the global RNG state."""
    state = np.random.get_state()[1].copy()
    py_state = random.getstate()
    yield
    assert np.array_equal(np.random.get_state()[1], state), "a test used the global numpy RNG"
    assert random.getstate() == py_state, "a test used the global random module"


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import sys

    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")


@pytest.fixture
def crafted_headcount():
    """The plan's headcount rule on a crafted standard branch ``X`` (private helpers, no dataset).

    Its counter (tellers) has 600 scheduled half-hours (300 h = 7.5 FTE, so 8 tellers) and its
    phone queue (customer service reps) 20. Call it with the branch's staff (``staff_id,
    branch_id, role, counter_type``) and, optionally, a scheme; it returns the headcount table
    by role (2026Q4, Erlang C, the default targets).
    """
    import pandas as pd

    from bankperf_analysis.periods import Period
    from bankperf_analysis.staffing.plan_config import _config
    from bankperf_analysis.staffing.plan_tables import _headcount

    intervals = pd.DataFrame(
        {
            "branch_id": "X",
            "queue": ["counter", "phone_online"],
            "role": ["teller", "customer_service_rep"],
            "contacts": [100.0, 10.0],
            "required_staff": [400, 10],
            "scheduled_staff": [600, 20],
        }
    )
    branches = pd.DataFrame({"branch_id": ["X"], "branch_type": ["standard"]})

    def headcount(staff: pd.DataFrame, scheme=None) -> pd.DataFrame:
        cfg = _config(scheme, Period.parse("2026Q4"), 30, None, "erlang_c", True, 10.0, (0.95,), 40.0)
        return _headcount(intervals, staff, branches, pd.Series(dtype=float), False, cfg).set_index("role")

    return headcount
