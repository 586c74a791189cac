"""Faults: a Dask cluster that loses its workers, a second run, kill -9 in each phase, a script
without a main guard, and the kernels' connection files.

Every run here is the real ``bankperf report`` in its own process, on a two-branch cut of the
tiny bank (branch ids from its data), with a private Jupyter runtime folder and temp folder, so
the test can check that no kernel connection file (it holds the kernel's HMAC key) is left.
A batch of 2026Q4 has three phases under one lock: the branch reports, the overview, the annual
summary; the test tells them apart from the manifest, where a run marks every report it will run
as pending before it starts.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import psutil
import pytest
from conftest import REPO

from bankperf_analysis.runner import MANIFEST_NAME

pytestmark = pytest.mark.notebook  # runs kernels

QUARTER = "2026Q4"
PY = sys.executable


@pytest.fixture(scope="module")
def two_bank(tiny_bank, tmp_path_factory) -> tuple[Path, list[str]]:
    """The tiny bank cut to its first two branches (every table filtered); their ids, from the data."""
    bank = tmp_path_factory.mktemp("two_bank") / "bank"
    shutil.copytree(tiny_bank, bank)
    keep = sorted(pd.read_parquet(bank / "branches.parquet")["branch_id"])[:2]
    staff = pd.read_parquet(bank / "staff.parquet")
    people = set(staff.loc[staff.branch_id.isin(keep), "staff_id"])
    for path in bank.glob("*.parquet"):
        df = pd.read_parquet(path)
        rows = pd.Series(True, index=df.index)
        if "branch_id" in df.columns:
            rows &= df["branch_id"].isin(keep)
        for col in ("staff_id", "reviewee_id"):
            if col in df.columns:
                rows &= df[col].isna() | df[col].isin(people)
        df[rows].to_parquet(path, index=False)
    rulings = bank / "complaint_rulings.parquet"
    if rulings.exists():  # a ruling names a complaint, not a branch: keep those of the kept complaints
        kept = pd.read_parquet(bank / "complaints.parquet")["complaint_id"]
        r = pd.read_parquet(rulings)
        r[r["complaint_id"].isin(kept)].to_parquet(rulings, index=False)
    return bank, keep


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    """The environment of the runs: this checkout, a private Jupyter runtime folder and temp folder."""
    (tmp_path / "runtime").mkdir()
    (tmp_path / "tmp").mkdir()
    return {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
        "TMPDIR": str(tmp_path / "tmp"),
        "MPLBACKEND": "Agg",
    }


def _start(env, log: Path, *args: str) -> subprocess.Popen:
    """``bankperf report`` in its own process; stdout and stderr go to ``log``."""
    cmd = [PY, "-m", "bankperf_analysis.cli", "report", "--quarter", QUARTER, "--no-progress", *args]
    with open(log, "w") as fh:
        return subprocess.Popen(cmd, env=env, stdout=fh, stderr=subprocess.STDOUT, cwd=REPO)


def _finish(proc: subprocess.Popen, log: Path, timeout: float = 600) -> tuple[int, str]:
    code = proc.wait(timeout)
    return code, log.read_text(encoding="utf-8")


def _manifest(folder: Path) -> dict:
    try:
        return json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))["reports"]
    except (OSError, ValueError, KeyError):
        return {}


def _status(folder: Path) -> dict[str, str]:
    return {file: e["status"] for file, e in _manifest(folder).items()}


def _phase(folder: Path, branches: list[str]) -> str | None:
    """The phase a running batch is in: the first of its reports still pending."""
    status = _status(folder)
    for file, phase in [
        *((b, "branches") for b in branches),
        ("overview", "overview"),
        ("annual-2026", "annual"),
    ]:
        if status.get(file) == "pending":
            return phase
    return None


def _wait(predicate, proc: subprocess.Popen, timeout: float = 600, what: str = "") -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return
        if proc.poll() is not None:
            pytest.fail(f"the run ended (exit {proc.returncode}) before {what}")
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}")


def _ours(env) -> list[psutil.Process]:
    """Live processes started for this test (they carry its runtime folder in their environment)."""
    mine = []
    for p in psutil.process_iter():
        try:
            if p.pid != os.getpid() and p.environ().get("JUPYTER_RUNTIME_DIR") == env["JUPYTER_RUNTIME_DIR"]:
                mine.append(p)
        except psutil.Error:
            pass
    return mine


def _no_leftovers(env, keep: tuple[int, ...] = (), timeout: float = 30) -> None:
    """No process of the run is left (workers, kernels) and no connection file anywhere."""
    end = time.monotonic() + timeout
    while [p for p in _ours(env) if p.pid not in keep] and time.monotonic() < end:
        time.sleep(0.2)
    left = [(p.pid, " ".join(p.cmdline())[:120]) for p in _ours(env) if p.pid not in keep]
    assert left == [], left
    runtime, temp = Path(env["JUPYTER_RUNTIME_DIR"]), Path(env["TMPDIR"])
    files = [p for p in runtime.rglob("*") if p.is_file()] + list(temp.rglob("*.json"))
    assert files == [], files  # no kernel connection file (it holds the kernel's HMAC key)


def _complete(folder: Path) -> None:
    """Nothing half-written: every visible page is whole, the manifest parses, the index tells its state."""
    for page in folder.glob("*.html"):
        assert page.read_text(encoding="utf-8").rstrip().endswith("</html>"), page
    status = _status(folder)
    index = (folder / "index.html").read_text(encoding="utf-8")
    for file, st in status.items():
        linked = f'<a href="{file}.html">' in index
        assert linked == (st == "ok"), (file, st)
    assert index.count('class="status-ok"') == list(status.values()).count("ok")
    assert index.count('class="status-pending"') == list(status.values()).count("pending")


def _made_at(folder: Path) -> dict[str, str]:
    """When each published report was made (its manifest's ``generated_at``): a report run again
    gets a new time. (Not the file's mtime: the link check rewrites a published page when a
    report it links to appears, e.g. its next branch, without running it again.)"""
    done = {f: e for f, e in _manifest(folder).items() if e.get("status") == "ok"}
    pages = {f"{f}.html": str(e.get("generated_at")) for f, e in done.items()}
    return {name: made for name, made in pages.items() if (folder / name).exists()}


# --------------------------------------------------------------------------- one lock for the batch


def _watch_lock(folder: Path, proc: subprocess.Popen, free: list[float]) -> None:
    """Try the folder's lock every half millisecond until ``proc`` ends; note each moment it was free."""
    import fcntl

    fd = os.open(folder, os.O_RDONLY)
    try:
        while proc.poll() is None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                pass
            else:
                free.append(time.monotonic())
                fcntl.flock(fd, fcntl.LOCK_UN)
            time.sleep(0.0005)
    finally:
        os.close(fd)


def test_a_second_run_is_refused_in_every_phase(two_bank, env, tmp_path):
    """A second run during the branches, the overview and the annual phase exits 4 and writes
    nothing; the first completes. The lock is never free between the phases (tried every half millisecond)."""
    import threading

    bank, branches = two_bank
    out, folder = tmp_path / "out", tmp_path / "out" / QUARTER
    args = ("--data", str(bank), "--out", str(out), "--jobs", "1")
    first = _start(env, tmp_path / "first.log", *args)
    _wait(lambda: _phase(folder, branches) is not None, first, what="the batch to start")
    free: list[float] = []
    watcher = threading.Thread(target=_watch_lock, args=(folder, first, free), daemon=True)
    watcher.start()
    seen = []
    for phase in ("branches", "overview", "annual"):
        _wait(lambda phase=phase: _phase(folder, branches) == phase, first, what=f"the {phase} phase")
        code, text = _finish(
            _start(env, tmp_path / f"second-{phase}.log", *args), tmp_path / f"second-{phase}.log"
        )
        seen.append((phase, code, _phase(folder, branches)))
        assert code == 4, text
        assert "Another bankperf run is writing" in text and "rendered" not in text
    code, text = _finish(first, tmp_path / "first.log")
    ended = time.monotonic()
    watcher.join(10)
    assert code == 0 and text.startswith("4 rendered, 0 up to date, 0 failed"), (seen, text)
    assert [round(ended - t, 1) for t in free if ended - t > 5] == []  # free only as the run exits
    assert sorted(_status(folder).items()) == sorted(
        [(b, "ok") for b in branches] + [("overview", "ok"), ("annual-2026", "ok")]
    )
    _complete(folder)
    _no_leftovers(env)


# --------------------------------------------------------------------------- kill -9


def test_kill_9_in_each_phase_then_a_rerun_completes_exactly_what_is_missing(two_bank, env, tmp_path):
    bank, (b1, b2) = two_bank
    out, folder = tmp_path / "out", tmp_path / "out" / QUARTER
    args = ("--data", str(bank), "--out", str(out), "--jobs", "1")

    def run_and_kill(n: int, ready) -> None:
        proc = _start(env, tmp_path / f"run{n}.log", *args)
        _wait(ready, proc, what=f"the kill point of run {n}")
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
        _no_leftovers(env)  # workers and kernels follow their parent; no connection file stays
        _complete(folder)

    # 1: in the branch phase, the first branch published, the second running
    run_and_kill(
        1,
        lambda: _status(folder) == {b1: "ok", b2: "pending", "overview": "pending", "annual-2026": "pending"},
    )
    after1 = _made_at(folder)
    assert set(after1) == {f"{b1}.html"}
    # 2: in the overview phase; b1 was not run again, b2 was
    run_and_kill(2, lambda: _phase(folder, [b1, b2]) == "overview" and _status(folder)[b2] == "ok")
    after2 = _made_at(folder)
    assert after2[f"{b1}.html"] == after1[f"{b1}.html"] and set(after2) == {f"{b1}.html", f"{b2}.html"}
    # 3: in the annual phase; nothing done before was run again
    run_and_kill(3, lambda: _phase(folder, [b1, b2]) == "annual")
    after3 = _made_at(folder)
    assert {k: after3[k] for k in after2} == after2 and set(after3) == set(after2) | {"overview.html"}
    # 4: the re-run completes exactly what is missing: the annual summary
    code, text = _finish(_start(env, tmp_path / "run4.log", *args), tmp_path / "run4.log")
    assert code == 0 and text.startswith("1 rendered, 3 up to date, 0 failed"), text
    after4 = _made_at(folder)
    assert {k: after4[k] for k in after3} == after3 and "annual-2026.html" in after4
    assert set(_status(folder).values()) == {"ok"}
    assert not list(folder.rglob("*.tmp"))
    _complete(folder)
    _no_leftovers(env)


# --------------------------------------------------------------------------- no main guard


def test_a_script_without_a_main_guard_renders(two_bank, env, tmp_path):
    """build_reports at module level of a script: the local pool does not re-import the script."""
    bank, branches = two_bank
    out = tmp_path / "out"
    script = tmp_path / "make_reports.py"
    script.write_text(
        "from bankperf_analysis.runner import build_reports\n\n"
        f"res = build_reports({str(bank)!r}, {QUARTER!r}, {str(out)!r}, branches={branches[:1]!r}, "
        "jobs=2, progress=False)\n"
        "print('RESULT', res.exit_code, len(res.done), [o.error.kind for o in res.failed])\n",
        encoding="utf-8",
    )
    proc = subprocess.run(
        [PY, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600
    )
    assert "RESULT 0 1 []" in proc.stdout, proc.stdout + proc.stderr
    assert (out / QUARTER / f"{branches[0]}.html").is_file()
    _no_leftovers(env)


# --------------------------------------------------------------------------- Dask


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_worker(env, address: str, log: Path) -> subprocess.Popen:
    cmd = [
        PY,
        "-m",
        "distributed.cli.dask_worker",
        address,
        "--nthreads",
        "1",
        "--no-nanny",
        "--no-dashboard",
    ]
    with open(log, "w") as fh:
        proc = subprocess.Popen(cmd, env=env, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True)
    _wait(
        lambda: "Registered to" in log.read_text(errors="replace"), proc, timeout=120, what="the Dask worker"
    )
    return proc


def _kill_group(proc: subprocess.Popen) -> None:
    """Kill a process and everything it started (a machine of the cluster lost at once)."""
    with_children = [proc.pid]
    try:
        with_children += [c.pid for c in psutil.Process(proc.pid).children(recursive=True)]
    except psutil.Error:
        pass
    for pid in with_children:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.wait(30)


def test_losing_every_dask_worker_fails_within_the_timeout_and_a_rerun_completes(two_bank, env, tmp_path):
    bank, (b1, b2) = two_bank
    out, folder = tmp_path / "out", tmp_path / "out" / QUARTER
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    scheduler_cmd = [PY, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", str(port)]
    with open(tmp_path / "scheduler.log", "w") as fh:
        scheduler = subprocess.Popen(
            [*scheduler_cmd, "--no-dashboard"], env=env, stdout=fh, stderr=subprocess.STDOUT
        )
    workers: list[subprocess.Popen] = []
    try:
        workers.append(_start_worker(env, address, tmp_path / "worker1.log"))
        timeout = 40
        args = (
            "--data",
            str(bank),
            "--out",
            str(out),
            "--scheduler",
            address,
            "--branch",
            b1,
            "--branch",
            b2,
        )
        run = _start(env, tmp_path / "run1.log", *args, "--timeout-report", str(timeout))
        workers.append(run)  # stopped at the end whatever happens
        _wait(lambda: _status(folder).get(b1) == "ok", run, what="the first report")
        _kill_group(workers[0])  # mid-batch: the second report was running or queued
        lost = time.monotonic()
        code, text = _finish(run, tmp_path / "run1.log", timeout=timeout + 60)
        assert time.monotonic() - lost <= timeout + 30  # it did not hang
        assert code == 1, text
        assert f"FAILED {QUARTER}/{b2}: not_done" in text and f"{QUARTER}/{b1}" not in text
        assert (folder / f"{b1}.html").is_file() and not (folder / f"{b2}.html").exists()
        assert _status(folder) == {b1: "ok", b2: "failed"}
        _complete(folder)

        workers.append(worker2 := _start_worker(env, address, tmp_path / "worker2.log"))
        before = _made_at(folder)
        code, text = _finish(_start(env, tmp_path / "run2.log", *args), tmp_path / "run2.log")
        assert code == 0 and text.startswith("1 rendered, 1 up to date, 0 failed"), text
        assert _made_at(folder)[f"{b1}.html"] == before[f"{b1}.html"]
        assert _status(folder) == {b1: "ok", b2: "ok"}
        _no_leftovers(env, keep=(scheduler.pid, worker2.pid))
    finally:
        for proc in [*workers, scheduler]:
            if proc.poll() is None:
                _kill_group(proc)
