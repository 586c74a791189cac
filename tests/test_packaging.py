"""The wheel a user installs: what it carries, and that it renders a report outside the checkout."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import tomllib
import venv
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from conftest import REPO

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel of this checkout, built as `pip install .` builds it (hatchling)."""
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(REPO),
        ],
        check=True,
    )
    (whl,) = out.glob("bankperf_analysis-*.whl")
    return whl


def test_wheel_carries_notebooks_scheme_templates_and_py_typed(wheel):
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        for nb in sorted((REPO / "notebooks").glob("*.ipynb")):
            member = f"bankperf_analysis/notebooks/{nb.name}"
            assert member in names, f"the wheel lacks {member}: add it to force-include in pyproject.toml"
            assert z.read(member) == nb.read_bytes()
        assert (
            z.read("bankperf_analysis/scheme/default.yaml") == (REPO / "params" / "scheme.yaml").read_bytes()
        )
        assert "bankperf_analysis/py.typed" in names
        for tpl in (REPO / "bankperf_analysis" / "runner" / "templates").rglob("*"):
            if tpl.is_file():
                assert f"bankperf_analysis/{tpl.relative_to(REPO / 'bankperf_analysis').as_posix()}" in names
        assert not any(n.startswith(("tests/", "notebooks/", "params/")) for n in names)


def test_force_include_lists_every_notebook():
    """A new notebook must reach the wheel: pyproject lists each one (one source, no copy in git)."""
    cfg = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    listed = cfg["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    notebooks = {f"notebooks/{p.name}" for p in (REPO / "notebooks").glob("*.ipynb")}
    assert notebooks <= set(listed)
    assert not (REPO / "bankperf_analysis" / "notebooks").exists(), "no second copy of the notebooks in git"


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """A fresh venv outside the checkout with the wheel installed.

    The dependencies are borrowed from the test environment's site-packages through a .pth
    line (no network in tests). A .pth line adds the folder to sys.path without running the
    .pth files inside it, so the test environment's editable install of the checkout is not
    visible; the venv's own site-packages, holding the wheel, comes first. The dependencies'
    data files under ``share/jupyter`` (nbconvert's templates) are linked in the same way.
    """
    root = tmp_path_factory.mktemp("fresh")
    env = root / "venv"
    venv.EnvBuilder(with_pip=False).create(env)
    py = env / "bin" / "python"
    site = Path(
        subprocess.run(
            [py, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    (site / "_borrowed_deps.pth").write_text(sysconfig.get_path("purelib") + "\n", encoding="utf-8")
    # Data files that the dependencies install under <prefix>/share (nbconvert's templates).
    (env / "share").mkdir(exist_ok=True)
    (env / "share" / "jupyter").symlink_to(Path(sys.prefix) / "share" / "jupyter")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(py),
            "install",
            "-q",
            "--no-deps",
            "--no-index",
            str(wheel),
        ],
        check=True,
    )
    return env


def _run(env: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "BANKPERF_DATA")}
    return subprocess.run(
        [str(env / "bin" / args[0]), *args[1:]],
        cwd=cwd,
        env=clean,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_installed_wheel_renders_a_branch_report(installed, tmp_path):
    where = _run(
        installed, "python", "-c", "import bankperf_analysis; print(bankperf_analysis.__file__)", cwd=tmp_path
    )
    assert where.returncode == 0, where.stderr
    assert Path(where.stdout.strip()).is_relative_to(installed), where.stdout  # not the checkout

    made = _run(installed, "bankperf", "demo-data", "bank", "--scale", "tiny", "--quiet", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    branch = str(pd.read_parquet(tmp_path / "bank" / "branches.parquet").branch_id.iloc[0])
    rep = _run(
        installed,
        "bankperf",
        "report",
        "--data",
        "bank",
        "--quarter",
        "2026Q4",
        "--branch",
        branch,
        "--out",
        "out",
        "--jobs",
        "1",
        "--no-progress",
        cwd=tmp_path,
    )
    assert rep.returncode == 0, rep.stdout + rep.stderr
    page = (tmp_path / "out" / "2026Q4" / f"{branch}.html").read_text(encoding="utf-8")
    assert f"({branch})" in page and "<script" not in page.lower()

    card = _run(
        installed,
        "bankperf",
        "scorecard",
        "--data",
        "bank",
        "--quarter",
        "2026Q4",
        "--out",
        "card.xlsx",
        "--no-progress",
        cwd=tmp_path,
    )
    assert card.returncode == 0, card.stderr  # reads the default scheme from the wheel
    assert (tmp_path / "card.xlsx").is_file()
