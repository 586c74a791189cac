"""The benchmarks' own checks: they refuse to time different work, and their subsets keep the contract."""

from __future__ import annotations

import duckdb
import pytest

from benchmarks._common import Contender
from benchmarks.bench_incentives import check_agreement
from benchmarks.bench_reports import check_same_numbers, report_numbers
from benchmarks.bench_scaling import make_subset
from benchmarks.run import BENCHMARKS, scale_arguments

TILE = (
    '<div class="tile" style="x"><div style="a">{label}</div><div style="b">{value}</div>'
    '<div style="c">Target ≥ 85.0 %</div><div style="d">Bank: 88.1 % · n=965</div></div>'
)


def _report(value: str = "92.6 %", cell: str = "1,234") -> dict:
    html = (
        '<div style="display:flex">'
        + TILE.format(label="Customer satisfaction", value=value)
        + TILE.format(label="Service level", value="95.9 %")
        + f"</div><table><tr><th>KPI</th></tr><tr><td> {cell} </td></tr></table>"
    )
    return report_numbers(html)


def test_report_numbers_reads_every_tile_line_and_table_cell():
    got = _report()
    assert got["tiles"][0] == ["Customer satisfaction", "92.6 %", "Target ≥ 85.0 %", "Bank: 88.1 % · n=965"]
    assert [t[1] for t in got["tiles"]] == ["92.6 %", "95.9 %"]
    assert got["tables"] == [["KPI", "1,234"]]


def test_equal_reports_pass_and_count_what_was_compared():
    n = check_same_numbers({"product": {"X1": _report()}, "naive": {"X1": _report()}})
    assert n == 2 * 4 + 2  # two tiles of four lines, two table cells


@pytest.mark.parametrize(
    "other, words",
    [
        (_report(value="92.7 %"), ["X1", "tile 1", "92.6 %", "92.7 %"]),
        (_report(cell="1,235"), ["X1", "table 1", "1,234", "1,235"]),
    ],
)
def test_a_differing_number_stops_the_benchmark_naming_it(other, words):
    with pytest.raises(SystemExit) as err:
        check_same_numbers({"product": {"X1": _report()}, "naive": {"X1": other}})
    assert all(w in str(err.value) for w in words), err.value


def test_a_missing_report_or_one_without_tiles_stops_the_benchmark():
    empty = report_numbers("<p>no tiles</p>")
    with pytest.raises(SystemExit, match="branch X2 shows no KPI tile"):
        check_same_numbers({"product": {"X2": empty}, "naive": {"X2": empty}})
    with pytest.raises(SystemExit, match="naive: no HTML report for branch X1"):
        check_same_numbers({"product": {"X1": _report()}, "naive": {"X1": None}})


def _pair(ours: dict, ref: dict) -> tuple[Contender, Contender]:
    a, b = Contender("ours", "m:f"), Contender("ref", "m:g")
    a.results, b.results = [ours], [ref]
    return a, b


def test_incentive_estimates_must_agree():
    same = {"estimate": 1.2810871833677648, "se": 0.04227759004616435}
    worst = check_agreement([_pair(same, {"estimate": same["estimate"] * (1 + 1e-9), "se": same["se"]})])
    assert worst["ref"]["estimate"] == pytest.approx(1e-9, rel=1e-3)
    with pytest.raises(SystemExit, match="ours vs ref: se 0.04227759004616435 vs 0.0423"):
        check_agreement([_pair(same, {"estimate": same["estimate"], "se": 0.0423})])
    with pytest.raises(SystemExit, match="estimate"):
        check_agreement([_pair(same, {"estimate": float("nan"), "se": same["se"]})])


def _ids(folder, table: str, column: str) -> set:
    path = folder / f"{table}.parquet"
    pattern = path if path.exists() else folder / table / "*.parquet"
    return {r[0] for r in duckdb.sql(f"SELECT {column} FROM read_parquet('{pattern}')").fetchall()}


def _stamp(folder) -> list:
    return sorted((str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in folder.rglob("*") if p.is_file())


def test_contact_subsets_are_nested_valid_and_leave_the_source_alone(tiny_bank, tmp_path):
    from bankperf_analysis.dataset.load import load_dataset

    before = _stamp(tiny_bank)
    eighth = make_subset(tiny_bank, tmp_path / "e1", eighths=1)
    half = make_subset(tiny_bank, tmp_path / "e4", eighths=4)
    every = _ids(tiny_bank, "contacts", "contact_id")
    one, four = _ids(eighth, "contacts", "contact_id"), _ids(half, "contacts", "contact_id")
    assert one < four < every
    assert 0.05 < len(one) / len(every) < 0.2 and 0.4 < len(four) / len(every) < 0.6
    assert _ids(eighth, "staff", "staff_id") == _ids(tiny_bank, "staff", "staff_id")
    for folder in (eighth, half):
        with load_dataset(folder) as ds:  # validates in full: raises if the subset broke the contract
            assert ds.n_rows("contacts") == len(_ids(folder, "contacts", "contact_id"))
    assert _stamp(tiny_bank) == before


def test_a_branch_subset_keeps_only_those_branches_and_still_validates(tiny_bank, tmp_path):
    from bankperf_analysis.dataset.load import load_dataset

    sub = make_subset(tiny_bank, tmp_path / "b2", n_branches=2)
    kept = _ids(sub, "branches", "branch_id")
    assert len(kept) == 2 and kept < _ids(tiny_bank, "branches", "branch_id")
    for table in ("staff", "contacts", "assignments", "surveys"):
        assert _ids(sub, table, "branch_id") <= kept, table
    with load_dataset(sub) as ds:
        assert ds.n_rows("contacts") > 0


def test_every_benchmark_has_arguments_at_every_scale():
    for scale in ("bench", "small"):
        assert set(scale_arguments(scale, "demo")) == set(BENCHMARKS)


def _bank(folder, n_contacts: int):
    """A stand-in bank folder: a contacts Parquet file of ``n_contacts`` rows and a staff file."""
    folder.mkdir(parents=True, exist_ok=True)
    with duckdb.connect() as con:
        con.execute(
            f"COPY (SELECT 'C' || i AS contact_id FROM range({n_contacts}) t(i)) "
            f"TO '{folder / 'contacts.parquet'}' (FORMAT parquet)"
        )
    (folder / "staff.csv").write_text("staff_id\nS1\n", encoding="utf-8")
    return folder


def test_a_re_run_size_replaces_only_its_own_row(tmp_path, monkeypatch):
    import json

    from benchmarks import bench_scaling

    monkeypatch.setattr(bench_scaling, "RESULTS_DIR", tmp_path)
    src = _bank(tmp_path / "bench", 10)
    order = [{"key": k} for k in ("1/8", "1/4", "all", "12b")]
    old = [{"key": "1/8", "x": 1}, {"key": "all", "x": 1}, {"key": "12b", "x": 1}]
    stored = {"source": str(src), "source_identity": bench_scaling.source_identity(src), "rows": old}
    (tmp_path / "scaling.json").write_text(json.dumps(stored), encoding="utf-8")
    got = bench_scaling._merged([{"key": "1/8", "x": 2}], src, order)
    assert got == [{"key": "1/8", "x": 2}, {"key": "all", "x": 1}, {"key": "12b", "x": 1}]
    other = _bank(tmp_path / "other", 10)  # a copy elsewhere: the same bank, its rows kept
    assert bench_scaling._merged([{"key": "1/8", "x": 2}], other, order) == got
    assert bench_scaling._merged([{"key": "1/8", "x": 2}], _bank(tmp_path / "b2", 11), order) == [
        {"key": "1/8", "x": 2}
    ]


def test_results_name_the_commit_that_made_them(tmp_path, monkeypatch):
    """Every results file says which code it measured: a figure without its commit cannot be reproduced."""
    import json
    import re
    import subprocess
    from pathlib import Path

    import benchmarks._common as common

    root = Path(common.__file__).resolve().parent.parent
    if not (root / ".git").exists():
        pytest.skip("not a git checkout")
    monkeypatch.setattr(common, "RESULTS_DIR", tmp_path)
    written = json.loads(common.write_results("probe", {"rows": []}).read_text(encoding="utf-8"))
    head = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True)
    assert re.fullmatch(r"[0-9a-f]{40}", written["machine"]["code_commit"])
    assert written["machine"]["code_commit"] == head.stdout.strip()
    assert isinstance(written["machine"]["code_dirty"], bool)


def test_the_results_written_by_a_run_do_not_make_the_code_dirty(tmp_path):
    """``make bench`` rewrites benchmarks/results/ as it goes: only a change to the code is "dirty"."""
    import subprocess

    from benchmarks._common import _code_version

    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(tmp_path), *args], check=True, capture_output=True)

    (tmp_path / "benchmarks" / "results").mkdir(parents=True)
    (tmp_path / "benchmarks" / "results" / "kpis.json").write_text("{}")
    (tmp_path / "code.py").write_text("x = 1\n")
    git("init", "-q")
    git("add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "c")
    assert _code_version(tmp_path)["code_dirty"] is False
    (tmp_path / "benchmarks" / "results" / "kpis.json").write_text('{"new": 1}')
    assert _code_version(tmp_path)["code_dirty"] is False  # a results file the run wrote
    (tmp_path / "code.py").write_text("x = 2\n")
    assert _code_version(tmp_path)["code_dirty"] is True  # the code itself


def test_merge_refuses_the_rows_of_a_bank_regenerated_at_the_same_path(tmp_path, monkeypatch, capsys):
    import json

    from benchmarks import bench_scaling

    monkeypatch.setattr(bench_scaling, "RESULTS_DIR", tmp_path)
    src = _bank(tmp_path / "bench", 10)
    order = [{"key": k} for k in ("1/8", "all")]
    stored = {
        "source": str(src),
        "source_identity": bench_scaling.source_identity(src),
        "rows": [{"key": "all", "x": 1}],
    }
    (tmp_path / "scaling.json").write_text(json.dumps(stored), encoding="utf-8")
    _bank(src, 500)  # regenerated in place: same path, other content
    assert bench_scaling._merged([{"key": "1/8", "x": 2}], src, order) == [{"key": "1/8", "x": 2}]
    assert "not merging" in capsys.readouterr().out
    # Results written before the identity was recorded are not merged either.
    (tmp_path / "scaling.json").write_text(json.dumps({"source": str(src), "rows": [{"key": "all"}]}))
    assert bench_scaling._merged([{"key": "1/8", "x": 2}], src, order) == [{"key": "1/8", "x": 2}]


def _spin(seconds: float) -> float:
    """Busy CPU for ``seconds`` of wall time, then sleep as long: CPU about half the wall."""
    import time

    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass
    time.sleep(seconds)
    return seconds


def test_isolated_runs_measure_cpu_apart_from_wall():
    """A run that spins 0.3 s and sleeps 0.3 s: wall about 0.6 s, CPU about 0.3 s (not the wall)."""
    from benchmarks._common import run_isolated_cpu

    elapsed, _peak, out, cpu = run_isolated_cpu("tests.test_benchmarks:_spin", {"seconds": 0.3})
    assert out == 0.3
    assert elapsed >= 0.6
    assert 0.1 < cpu < 0.5


def test_scaling_table_shows_cpu_ratios_and_says_when_none_were_recorded():
    from benchmarks.bench_scaling import markdown

    base = {
        "size": "1/8", "contacts": 8, "branches": 1, "staff": 2, "floor_median_s": 2.0,
        "package_median_s": 3.0, "package_x_floor": 1.5, "package_x_floor_by_round": [1.5],
        "cli_median_s": 9.0, "cli_x_floor": 4.5, "cli_x_floor_by_round": [4.5],
        "peak_mb": {"package": 1.0, "cli": 2.0},
    }  # fmt: skip
    cpu = {"floor_cpu_s": [4.0, 5.0], "package_cpu_s": [7.0, 8.0], "package_x_floor_cpu": 1.7,
           "package_x_floor_cpu_by_round": [1.75, 1.6]}  # fmt: skip
    md = markdown([{**base, **cpu}, {**base, "size": "old"}], "note")
    assert "7.50 vs 4.50 CPU-s (1.70×; 1.75, 1.60)" in md
    old_row = next(line for line in md.splitlines() if line.startswith("| old"))
    assert "not recorded" in old_row
    assert all(line.count("|") == 10 for line in md.splitlines() if line.startswith("|"))


def test_the_real_job_says_what_its_memory_peak_is_made_of():
    """Each process of the job is counted under its role, and the roles add up to the tree's total."""
    import os
    import subprocess
    import sys
    import time

    import psutil

    from benchmarks.bench_bank import _role, _tree_usage

    class P:
        def __init__(self, line: str) -> None:
            self.line = line

        def cmdline(self) -> list[str]:
            return self.line.split()

    assert _role(P("python -Xfrozen_modules=off -m ipykernel_launcher -f k.json")) == "kernel"
    assert _role(P("python -m bankperf_analysis.runner.worker_process 7")) == "worker"
    assert _role(P("python -m bankperf_analysis.cli.main report --data d")) == "command"
    assert _role(P("python -c from multiprocessing.spawn import spawn_main"), in_command=True) == "command"
    # beside the command: the local Dask cluster's processes, whose kernels are still kernels
    assert _role(P("python -c from multiprocessing.spawn import spawn_main"), in_command=False) == "dask"
    assert _role(P("python -m ipykernel_launcher -f k.json"), in_command=False) == "kernel"
    hold = "import time; x = bytearray(50_000_000); time.sleep(6)"
    # a "command" (its command line names the CLI) whose child holds 50 MB, and 50 MB beside it
    marker = "  # bankperf_analysis.cli.main"
    under = f"import subprocess, sys; subprocess.run([sys.executable, '-c', {hold!r}]){marker}"
    children = [subprocess.Popen([sys.executable, "-c", code]) for code in (under, hold)]
    try:
        time.sleep(1.5)
        roles: dict[str, int] = {}
        _, total, _ = _tree_usage(psutil.Process(os.getpid()), roles)
        assert sum(roles.values()) == total  # the roles share out the PSS peak
        assert roles.get("command", 0) >= 50_000_000  # the command's child is the command's
        assert 50_000_000 <= roles.get("dask", 0) < 100_000_000  # what runs beside it is not
    finally:
        for child in children:
            child.kill()
            child.wait()


def test_the_memory_of_a_process_tree_counts_shared_pages_once():
    """Two processes sharing 60 MB: summed RSS counts it twice, summed PSS once (bench_bank's goal).

    A child fills 60 MB, then forks: parent and child map the same pages (copy on write,
    never written again). The benchmark's PSS sum must hold them once, the RSS sum twice.
    """
    import os
    import subprocess
    import sys
    import time

    import psutil

    from benchmarks._common import TreeMemory, resident_and_proportional
    from benchmarks.bench_bank import _tree_usage

    if not hasattr(psutil.Process().memory_full_info(), "pss") or not hasattr(os, "fork"):
        pytest.skip("PSS needs Linux")
    fill = "x = bytearray(60_000_000); x[::4096] = b'1' * len(x[::4096])"  # every page touched
    code = f"import os, time; {fill}; os.fork(); time.sleep(6)"
    child = subprocess.Popen([sys.executable, "-c", code])
    try:
        time.sleep(2.0)
        procs = [psutil.Process(child.pid), *psutil.Process(child.pid).children()]
        assert len(procs) == 2
        rss = sum(resident_and_proportional(p)[0] for p in procs)
        pss = sum(resident_and_proportional(p)[1] for p in procs)
        assert rss >= 120_000_000  # the 60 MB in each
        assert pss <= rss - 50_000_000  # ... and once in the PSS sum
        rss_tree, pss_tree, _ = _tree_usage(psutil.Process(os.getpid()))
        assert pss_tree <= rss_tree - 50_000_000
        with TreeMemory(interval=0.05) as mem:
            time.sleep(0.2)
        assert mem.peak_pss_mb <= mem.peak_mb - 45
    finally:
        for p in psutil.Process(child.pid).children():
            p.kill()
        child.kill()
        child.wait()
