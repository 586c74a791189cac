"""environment.yml (conda) and pyproject.toml (pip) list the same packages."""

from __future__ import annotations

import re
import tomllib

import yaml
from conftest import REPO

# pip name -> conda-forge name, where they differ
CONDA_NAME = {"duckdb": "python-duckdb", "matplotlib": "matplotlib-base"}
PIP_ONLY = {"mplfonts", "xhtml2pdf"}  # listed under `pip:` in environment.yml (mplfonts: not on conda-forge)


def _name(req: str) -> str:
    return re.split(r"[<>=!~\[ ;]", req.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _pyproject():
    data = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    proj = data["project"]
    runtime = {_name(r) for r in proj["dependencies"]}
    extras = proj["optional-dependencies"]
    test = {_name(r) for r in extras["test"] + extras["dev"] + extras["pdf"] if not r.startswith("bankperf")}
    return runtime, test


def _bench() -> set[str]:
    """The references the benchmarks compare with (the ``bench`` extra)."""
    data = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    return {_name(r) for r in data["project"]["optional-dependencies"]["bench"]}


def _environment():
    env = yaml.safe_load((REPO / "environment.yml").read_text(encoding="utf-8"))
    conda, pip = set(), set()
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            pip |= {_name(d) for d in dep["pip"] if not d.startswith("-e")}
        else:
            conda.add(_name(dep))
    return conda - {"python", "pip"}, pip


def test_environment_lists_every_pyproject_package():
    runtime, test = _pyproject()
    conda, pip = _environment()
    for pkg in sorted(runtime | test):
        if pkg in PIP_ONLY:
            assert pkg in pip, f"{pkg} must be under pip: in environment.yml"
        else:
            assert CONDA_NAME.get(pkg, pkg) in conda, f"{pkg} missing from environment.yml"


def test_environment_lists_every_benchmark_reference():
    conda, pip = _environment()
    missing = {p for p in _bench() if p not in pip and CONDA_NAME.get(p, p) not in conda}
    assert not missing, f"the bench extra's {sorted(missing)} missing from environment.yml"


def test_environment_has_nothing_extra():
    runtime, test = _pyproject()
    conda, pip = _environment()
    expected = {CONDA_NAME.get(p, p) for p in runtime | test | _bench()}
    assert conda - expected == set(), "environment.yml lists packages pyproject.toml does not"
    assert pip - runtime - test - _bench() == set()


def test_versions_agree():
    data = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    env = (REPO / "environment.yml").read_text(encoding="utf-8")
    for req in data["project"]["dependencies"] + data["project"]["optional-dependencies"]["bench"]:
        m = re.match(r"([A-Za-z0-9_.-]+)(>=[\d.]+)", req)
        if m:
            name = CONDA_NAME.get(m.group(1).lower(), m.group(1))
            assert f"{name}{m.group(2)}" in env, f"{req}: version floor differs in environment.yml"


def test_environment_installs_the_package():
    env = yaml.safe_load((REPO / "environment.yml").read_text(encoding="utf-8"))
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert "-e ." in pip
