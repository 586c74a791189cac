"""Tests of the report runner against the fixture notebooks in tests/notebooks/.

report.ipynb mimics a real branch report (pandas table, seaborn figure with a Chinese
title, markdown headings, record_headline); failing.ipynb raises, sleeps past the cell
timeout, sleeps past the report timeout or prints a live <script>, depending on the
branch id prefix (BAD, SLOW, LONG, XSS).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import subprocess
import time
from pathlib import Path

import nbformat
import psutil
import pytest
from conftest import assert_offline

import bankperf_analysis
from bankperf_analysis.cli.report import add_report_arguments
from bankperf_analysis.exceptions import ParamsError
from bankperf_analysis.l10n import local_time
from bankperf_analysis.report import record_headline
from bankperf_analysis.runner import (
    MANIFEST_NAME,
    ReportFailure,
    ReportOutcome,
    RunResult,
    exit_code,
    format_failures,
    run_reports,
)

pytestmark = pytest.mark.notebook  # this file executes notebooks (CI runs it all)

NB_DIR = Path(__file__).resolve().parent / "notebooks"
REPORT_NB = NB_DIR / "report.ipynb"
FAILING_NB = NB_DIR / "failing.ipynb"
HOSTILE = "<script>alert(1)</script>"
QUARTER = "2026Q4"
ITEMS = [
    {"branch_id": "B01", "branch_name": HOSTILE, "title": "Branch B01"},
    {"branch_id": "0012", "branch_name": '王府井支行 "quoted" \\ back'},
]


def _kernels_of_this_process() -> list[psutil.Process]:
    out = []
    for p in psutil.Process().children(recursive=True):
        try:
            if any("ipykernel_launcher" in part for part in p.cmdline()):
                out.append(p)
        except psutil.Error:
            pass
    return out


def _prepare_token(workdir, items):
    path = workdir / "shared.json"
    path.write_text(json.dumps({"token": "shared-ok"}), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """Two realistic reports in Chinese, with a prepare() step; run once per module."""
    out = tmp_path_factory.mktemp("reports")
    calls = []

    def prepare(workdir, items):
        calls.append([i.id for i in items])
        path = workdir / "shared.json"
        path.write_text(json.dumps({"token": "shared-ok"}), encoding="utf-8")
        return path

    t0 = time.perf_counter()
    result = run_reports(
        REPORT_NB,
        ITEMS,
        out,
        quarter=QUARTER,
        lang="zh",
        fingerprint="fp-1234abcd",
        params_hash="ph-5678ef",
        jobs=2,
        prepare=prepare,
        progress=False,
    )
    return {"result": result, "out": out, "prepare_calls": calls, "seconds": time.perf_counter() - t0}


def _html(batch, branch):
    return (batch["out"] / QUARTER / f"{branch}.html").read_text(encoding="utf-8")


# --------------------------------------------------------------------------- rendering


def test_batch_succeeds_and_prepares_once(batch):
    result = batch["result"]
    assert result.ok, result.summary()
    assert [o.id for o in result.done] == ["B01", "0012"]
    assert batch["prepare_calls"] == [["B01", "0012"]]
    assert all(o.headline["shared"] == "shared-ok" for o in result.done)
    assert not _kernels_of_this_process()


@pytest.mark.parametrize("branch", ["B01", "0012"])
def test_report_html_is_clean_self_contained_and_small(batch, branch):
    page = _html(batch, branch)
    path = batch["out"] / QUARTER / f"{branch}.html"
    assert path.stat().st_size <= 250 * 1024
    # no input code, no prompts
    for code in ("use_report_style", "import seaborn", "record_headline", "rng ="):
        assert code not in page
    assert "In&nbsp;[" not in page and "In [" not in page and "Out[" not in page
    assert "jp-InputPrompt" not in page
    # a table of contents linking the headings
    toc = re.search(r'<nav class="toc".*?</nav>', page, re.S)
    assert toc and len(re.findall(r'<a href="#', toc.group(0))) >= 3
    assert "目录" in toc.group(0)  # lang="zh"
    # embedded PNG, no external URL, no JavaScript at all
    assert re.search(r'<img alt="" src="data:image/png;base64,[A-Za-z0-9+/=]{1000,}"', page)
    assert_offline(page)
    # the headline bundle is not shown
    assert "x.bankperf-headline" not in page
    # footer: fingerprint, params hash, version, generation time
    footer = page[page.index('<footer class="provenance">') :]
    assert "fp-1234abcd" in footer and "ph-5678ef" in footer
    assert bankperf_analysis.__version__ in footer
    assert "数据指纹" in footer and "生成时间" in footer
    # the time in the run's zone (default Asia/Shanghai), labelled; never a bare UTC
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d（北京时间）", footer) and "UTC" not in footer
    # Chinese labels from i18n
    assert "客户满意度" in page and "柜员" in page


def test_hostile_names_are_escaped(batch):
    page = _html(batch, "B01")
    assert HOSTILE not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # table cell and heading
    page12 = _html(batch, "0012")
    assert "王府井支行" in page12


def test_branch_id_stays_a_string(batch):
    outcome = batch["result"].outcomes[1]
    assert outcome.headline["branch_id"] == "0012"
    assert outcome.headline["branch_id_type"] == "str"


def test_index_links_every_report_with_status(batch):
    index = (batch["out"] / QUARTER / "index.html").read_text(encoding="utf-8")
    assert batch["result"].index_paths == (batch["out"] / QUARTER / "index.html",)
    assert 'href="B01.html"' in index and 'href="0012.html"' in index
    assert index.count('class="status-ok"') == 2
    assert "Branch B01" in index  # item title
    assert "客户满意度" in index  # headline KPI label, translated
    assert "<script" not in index.lower() and "http://" not in index and "https://" not in index
    manifest = json.loads((batch["out"] / QUARTER / MANIFEST_NAME).read_text(encoding="utf-8"))
    assert {k: v["status"] for k, v in manifest["reports"].items()} == {"B01": "ok", "0012": "ok"}


# --------------------------------------------------------------------------- incremental


def test_unchanged_batch_is_all_cached_and_fast(batch, tmp_path):
    out = tmp_path / "copy"
    shutil.copytree(batch["out"], out)
    calls = []

    def prepare(workdir, items):
        calls.append([i.id for i in items])
        return _prepare_token(workdir, items)

    before = {p.name: p.stat().st_mtime_ns for p in (out / QUARTER).glob("B01.html")}
    t0 = time.perf_counter()
    again = run_reports(
        REPORT_NB,
        ITEMS,
        out,
        quarter=QUARTER,
        lang="zh",
        fingerprint="fp-1234abcd",
        params_hash="ph-5678ef",
        jobs=2,
        prepare=prepare,
        progress=False,
    )
    assert time.perf_counter() - t0 < 5
    assert [o.status for o in again.outcomes] == ["cached", "cached"]
    assert calls == []  # nothing to run: shared inputs not even prepared
    assert {p.name: p.stat().st_mtime_ns for p in (out / QUARTER).glob("B01.html")} == before
    assert again.outcomes[0].headline["branch_id"] == "B01"  # headline kept for the index
    assert again.ok and again.exit_code == 0


def test_changed_param_reruns_only_that_item_and_force_reruns_all(tmp_path):
    items = [{"branch_id": "B01", "branch_name": "One"}, {"branch_id": "B02", "branch_name": "Two"}]
    common = dict(quarter=QUARTER, jobs=1, preload=(), progress=False, fingerprint="fp-1")
    first = run_reports(FAILING_NB, items, tmp_path, **common)
    assert [o.status for o in first.outcomes] == ["ok", "ok"]

    changed = [items[0], {**items[1], "branch_name": "Two, renamed"}]
    partial = run_reports(FAILING_NB, changed, tmp_path, **common)
    assert [o.status for o in partial.outcomes] == ["cached", "ok"]

    forced = run_reports(FAILING_NB, changed, tmp_path, force=True, **common)
    assert [o.status for o in forced.outcomes] == ["ok", "ok"]
    assert not _kernels_of_this_process()


def test_input_key_covers_every_input(tmp_path):
    from bankperf_analysis.runner.plan import plan_items

    def key(nb=FAILING_NB, lang="en", fingerprint="fp", params_hash="ph", code="1", item=None, digest="nb1"):
        item = item or {"branch_id": "B01", "title": "T"}
        (planned,) = plan_items(
            Path(nb),
            [item],
            lang=lang,
            quarter=QUARTER,
            fingerprint=fingerprint,
            params_hash=params_hash,
            id_param="branch_id",
            with_shared_inputs=False,
            nb_digest=digest,
            code_digest=code,
        )
        return planned.key

    base = key()
    assert key() == base  # deterministic
    variants = [
        key(lang="zh"),
        key(fingerprint="fp2"),
        key(params_hash="ph2"),
        key(code="2"),
        key(digest="nb2"),
        key(item={"branch_id": "B01", "title": "T", "data_dir": "/x"}),
        key(item={"branch_id": "B01", "title": "Other"}),
        key(item={"branch_id": "B01", "title": "T", "fingerprint": "per-item"}),
    ]
    assert base not in variants and len(set(variants)) == len(variants)


def test_cache_survives_a_lost_manifest(batch, tmp_path):
    out = tmp_path / "copy"
    shutil.copytree(batch["out"], out)
    (out / QUARTER / MANIFEST_NAME).unlink()
    again = run_reports(
        REPORT_NB,
        ITEMS,
        out,
        quarter=QUARTER,
        lang="zh",
        fingerprint="fp-1234abcd",
        params_hash="ph-5678ef",
        progress=False,
        prepare=_prepare_token,
    )
    assert [o.status for o in again.outcomes] == ["cached", "cached"]
    assert "B01.html" in (out / QUARTER / "index.html").read_text(encoding="utf-8")


# --------------------------------------------------------------------------- failures


@pytest.fixture(scope="module")
def failing_batch(tmp_path_factory):
    out = tmp_path_factory.mktemp("failing")
    folder = out / QUARTER
    folder.mkdir()
    # a good report of BAD1 from an earlier run: must not survive a failed re-run
    (folder / "BAD1.html").write_text("<html>old good report</html>", encoding="utf-8")
    items = [{"branch_id": b} for b in ("B01", "BAD1", "SLOW1", "LONG1", "XSS1", "B02")]
    # cells of LONG1 sleep 3 s each (< the 4 s cell timeout), 9 s in all (> the 8 s report
    # timeout); SLOW1 sleeps 60 s in one cell
    result = run_reports(
        FAILING_NB,
        items,
        out,
        quarter=QUARTER,
        jobs=2,
        timeout_cell=4,
        timeout_report=8,
        preload=(),
        progress=False,
    )
    return {"result": result, "out": out, "folder": folder}


def test_failed_items_do_not_stop_the_batch(failing_batch):
    result = failing_batch["result"]
    status = {o.id: o.status for o in result.outcomes}
    assert status == {
        "B01": "ok",
        "BAD1": "failed",
        "SLOW1": "failed",
        "LONG1": "failed",
        "XSS1": "failed",
        "B02": "ok",
    }
    assert not result.ok and result.exit_code == 1 and exit_code(result) == 1
    assert [o.id for o in result.failed] == ["BAD1", "SLOW1", "LONG1", "XSS1"]
    folder = failing_batch["folder"]
    assert sorted(p.name for p in folder.glob("*.html")) == ["B01.html", "B02.html", "index.html"]
    assert not _kernels_of_this_process()


def test_cell_error_is_reported_with_cell_and_notebook_kept(failing_batch):
    bad = next(o for o in failing_batch["result"].outcomes if o.id == "BAD1")
    assert bad.error.kind == "error"
    assert bad.error.ename == "ValueError"
    assert "no survey data for branch BAD1" in bad.error.message
    assert bad.error.cell_index == 6  # index in the source notebook
    assert nbformat.read(FAILING_NB, 4).cells[6].source.startswith("# fixture: BAD*")
    assert "raise ValueError" in bad.error.cell_source
    kept = failing_batch["folder"] / "_failed" / "BAD1.ipynb"
    assert bad.failed_notebook == kept
    nb = nbformat.read(kept, 4)
    assert any(o.get("ename") == "ValueError" for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert nb.metadata.papermill.parameters["branch_id"] == "BAD1"
    text = format_failures(failing_batch["result"])
    assert "BAD1" in text and "cell [6]" in text and "ValueError" in text and str(kept) in text


def test_stale_html_of_a_failed_item_is_removed(failing_batch):
    assert not (failing_batch["folder"] / "BAD1.html").exists()
    index = (failing_batch["folder"] / "index.html").read_text(encoding="utf-8")
    assert 'href="BAD1.html"' not in index
    assert index.count('class="status-failed"') == 4 and index.count('class="status-ok"') == 2


def test_timeouts_are_failures_even_without_an_error_banner(failing_batch):
    by_id = {o.id: o for o in failing_batch["result"].outcomes}
    slow = by_id["SLOW1"].error
    assert slow.kind == "cell_timeout" and slow.cell_index == 7
    assert "time.sleep(60" in slow.cell_source
    long = by_id["LONG1"].error
    assert long.kind == "report_timeout"
    assert long.cell_index in (8, 9, 10)
    assert by_id["LONG1"].duration_s < 30  # killed, not waited for


def test_live_script_output_is_not_published(failing_batch):
    xss = next(o for o in failing_batch["result"].outcomes if o.id == "XSS1")
    assert xss.error.kind == "unsafe_html" and "<script>" in xss.error.message
    assert not (failing_batch["folder"] / "XSS1.html").exists()


def test_kernels_are_reused_reset_and_recycled(tmp_path):
    folder = tmp_path / QUARTER
    folder.mkdir()
    # a temp file left by a killed run is cleaned, never taken for a report
    (folder / ".K0.html.abc123.tmp").write_text("<html>half", encoding="utf-8")
    items = [{"branch_id": f"K{i}"} for i in range(3)]
    result = run_reports(
        FAILING_NB,
        items,
        tmp_path,
        quarter=QUARTER,
        jobs=1,
        preload=(),
        progress=False,
        max_reports_per_kernel=2,
        kernel_name="python3",
    )
    assert result.ok
    pids = [o.headline["kernel_pid"] for o in result.outcomes]
    assert pids[0] == pids[1] != pids[2]  # one kernel ran two reports, then was replaced
    assert not any(o.headline["leaked"] for o in result.outcomes)  # namespace was reset
    # no IPython history database: concurrent kernels sharing it print errors into reports
    assert not any(o.headline["history"] for o in result.outcomes)
    assert not list(folder.glob("*.tmp"))


def test_kernel_start_is_retried_with_backoff(monkeypatch):
    import jupyter_client
    import zmq

    from bankperf_analysis.runner.kernels import KernelOptions, KernelStartError, PooledKernel

    real_start = jupyter_client.AsyncKernelManager.start_kernel
    calls = []

    async def flaky_start(self, **kw):
        calls.append(time.perf_counter())
        if len(calls) == 1:
            raise zmq.ZMQError(msg="Address already in use")  # two kernels, one port
        return await real_start(self, **kw)

    monkeypatch.setattr(jupyter_client.AsyncKernelManager, "start_kernel", flaky_start)
    kernel = PooledKernel(KernelOptions(preload=(), start_retries=3), None)
    try:
        assert len(calls) == 2 and calls[1] - calls[0] >= 0.5
        assert kernel.alive()
        kernel.reset(None)
    finally:
        kernel.close()
    assert not kernel.alive()

    async def broken_start(self, **kw):
        raise RuntimeError("no ports left")

    monkeypatch.setattr(jupyter_client.AsyncKernelManager, "start_kernel", broken_start)
    with pytest.raises(KernelStartError, match="after 2 attempt"):
        PooledKernel(KernelOptions(preload=(), start_retries=2), None)


def test_exit_code_function():
    ok = RunResult((ReportOutcome("B01", QUARTER, "ok"), ReportOutcome("B02", QUARTER, "cached")))
    assert exit_code(ok) == 0 and ok.ok
    bad = RunResult(
        (
            *ok.outcomes,
            ReportOutcome("B03", QUARTER, "failed", error=ReportFailure("error", "ValueError: x", 4, "1/0")),
        )
    )
    assert exit_code(bad) == 1 and not bad.ok
    assert "B03" in bad.summary() and "cell [4]" in format_failures(bad)
    assert list(bad.to_frame()["status"]) == ["ok", "cached", "failed"]


# --------------------------------------------------------------------------- interrupted


def test_interrupted_batch_leaves_no_partial_file_and_resumes(tmp_path):
    items = [{"branch_id": f"G{i}"} for i in range(4)]
    seen = []

    def crash_after_first(outcome):
        seen.append(outcome.id)
        raise RuntimeError("simulated crash")

    with pytest.raises(RuntimeError, match="simulated crash"):
        run_reports(
            FAILING_NB,
            items,
            tmp_path,
            quarter=QUARTER,
            jobs=2,
            preload=(),
            progress=False,
            on_result=crash_after_first,
        )
    assert not _kernels_of_this_process()
    folder = tmp_path / QUARTER
    leftovers = [p.name for p in folder.rglob("*") if p.name.endswith(".tmp")]
    assert leftovers == []
    published = sorted(p.name for p in folder.glob("G*.html"))
    assert published == [f"{seen[0]}.html"]
    for p in folder.glob("*.html"):
        assert p.read_text(encoding="utf-8").rstrip().endswith("</html>")

    resumed = run_reports(FAILING_NB, items, tmp_path, quarter=QUARTER, jobs=2, preload=(), progress=False)
    assert resumed.ok
    assert [o.id for o in resumed.cached] == [seen[0]]
    assert len(resumed.done) == 3
    assert sorted(p.name for p in folder.glob("G*.html")) == [f"G{i}.html" for i in range(4)]


# --------------------------------------------------------------------------- refusing bad input


@pytest.mark.parametrize("bad_id", ["", "   ", "B\x0001", 12, None])
def test_item_ids_that_are_not_text_are_refused_before_anything_is_written(tmp_path, bad_id):
    out = tmp_path / "out"
    with pytest.raises(ParamsError, match="item id|needs an 'id'"):
        run_reports(
            REPORT_NB,
            [{"branch_id": "B01"}, {"id": bad_id, "branch_id": "B02"}],
            out,
            quarter=QUARTER,
            progress=False,
        )
    assert not out.exists()


def test_any_text_id_gets_a_safe_distinct_file_name():
    """Ids that are not safe file names are planned, not refused: each gets its own safe file."""
    from bankperf_analysis.runner.names import SAFE_ID, is_reserved
    from bankperf_analysis.runner.plan import plan_items

    ids = ["../x", "..", "a/b", ".hidden", "x" * 65, "a..b", "B 01", "B01\n", "北京分行", "overview"]
    ids += ["Index", "annual-2026", "CON", "Bq", "bq", "B01", "0012"]

    def files():
        planned = plan_items(
            FAILING_NB,
            [{"branch_id": i} for i in ids],
            lang="en",
            quarter=QUARTER,
            fingerprint="fp",
            params_hash="ph",
            id_param="branch_id",
            with_shared_inputs=False,
            nb_digest="nb",
            code_digest="c",
        )
        return {p.item.id: p.file for p in planned}

    stems = files()
    assert stems == files()  # stable
    assert stems["B01"] == "B01" and stems["0012"] == "0012"  # plain ids keep their names
    assert len({s.lower() for s in stems.values()}) == len(ids)  # distinct, even ignoring case
    for item_id, stem in stems.items():
        assert SAFE_ID.fullmatch(stem) and ".." not in stem, (item_id, stem)
        assert not is_reserved(stem) or stem.startswith("annual-2026-"), (item_id, stem)
        assert stem.lower() not in ("index", "overview", "annual-2026"), item_id
    assert stems["Bq"] != "Bq" and stems["bq"] != "bq"  # twins by case both move away


@pytest.mark.parametrize(
    "params",
    [
        {"x=1;import os;os.system('touch /tmp/pwned');y": 1},
        {"not_declared": "x"},
        {"branch_id": 12},  # declared str: branch ids are strings
        {"branch_name": float("nan")},
        {"branch_name": object()},
        {"lang": "fr"},
    ],
)
def test_bad_parameters_are_refused(tmp_path, params):
    out = tmp_path / "out"
    item = {"id": "B01", "branch_id": "B01", **params}
    with pytest.raises(ParamsError):
        run_reports(REPORT_NB, [item], out, quarter=QUARTER, progress=False)
    assert not out.exists()
    assert not Path("/tmp/pwned").exists()


def test_other_invalid_calls(tmp_path):
    with pytest.raises(ParamsError, match="appears twice"):
        run_reports(
            REPORT_NB,
            [{"branch_id": "B01"}, {"branch_id": "B01"}],
            tmp_path / "o",
            quarter=QUARTER,
            progress=False,
        )
    with pytest.raises(ParamsError, match="no quarter"):
        run_reports(FAILING_NB, [{"branch_id": "B01", "quarter": None}], tmp_path / "o", progress=False)
    with pytest.raises(ParamsError, match="lang"):
        run_reports(REPORT_NB, [{"branch_id": "B01"}], tmp_path / "o", lang="fr")
    with pytest.raises(ParamsError, match="does not exist"):
        run_reports(NB_DIR / "missing.ipynb", [{"branch_id": "B01"}], tmp_path / "o")
    assert not (tmp_path / "o").exists()


def test_failing_prepare_fails_every_report_and_keeps_the_previous_html(tmp_path):
    """prepare() failing runs nothing: each report fails (kind 'prepare'), named in the index in
    red with the run's time; its previous good HTML is kept and labelled as the previous run's."""
    first = run_reports(
        FAILING_NB, [{"branch_id": "B01"}], tmp_path, quarter=QUARTER, preload=(), progress=False
    )
    assert first.ok
    page = tmp_path / QUARTER / "B01.html"
    before = page.read_bytes()

    def prepare(workdir, items):
        raise OSError("disk full")

    result = run_reports(
        FAILING_NB,
        [{"branch_id": "B01"}, {"branch_id": "B02"}],
        tmp_path,
        quarter=QUARTER,
        prepare=prepare,
        progress=False,
        fingerprint="new-data",
    )
    assert result.exit_code == 1 and [o.status for o in result.outcomes] == ["failed", "failed"]
    assert {o.error.kind for o in result.outcomes} == {"prepare"}
    assert all("disk full" in o.error.message for o in result.outcomes)
    assert page.read_bytes() == before  # not a report's own failure: the previous HTML stays
    assert not (tmp_path / QUARTER / "B02.html").exists()
    index = (tmp_path / QUARTER / "index.html").read_text(encoding="utf-8")
    assert index.count('class="status-failed"') == 2 and "disk full" in index
    assert "report of the previous run" in index and 'href="B01.html"' in index
    assert 'class="note run-failed"' in index and "run of 20" in index


def test_a_report_that_never_ran_keeps_its_previous_html(tmp_path, monkeypatch):
    """A kernel that does not start, a worker that dies at once: the report never ran, so its
    previous good HTML stays, and the index shows the failure in red and links the previous
    report with its time. Once it can run again with the same inputs, the kept HTML is current."""
    from bankperf_analysis.runner import pool

    common = dict(quarter=QUARTER, preload=(), progress=False, jobs=1)
    first = run_reports(FAILING_NB, [{"branch_id": "B01"}], tmp_path, **common)
    page = tmp_path / QUARTER / "B01.html"
    assert first.ok
    before = page.read_bytes()
    manifest = json.loads((tmp_path / QUARTER / MANIFEST_NAME).read_text(encoding="utf-8"))
    generated = local_time(manifest["reports"]["B01"]["generated_at"])  # the index shows Beijing time

    no_kernel = run_reports(
        FAILING_NB, [{"branch_id": "B01"}], tmp_path, force=True, kernel_name="no-such-kernel", **common
    )
    monkeypatch.setattr(pool, "WORKER_MODULE", "bankperf_analysis.no_such_worker")
    no_worker = run_reports(FAILING_NB, [{"branch_id": "B01"}], tmp_path, force=True, **common)
    monkeypatch.undo()
    for result, kind in ((no_kernel, "kernel_start"), (no_worker, "worker_died")):
        assert result.exit_code == 1 and result.outcomes[0].error.kind == kind
    assert page.read_bytes() == before
    index = (tmp_path / QUARTER / "index.html").read_text(encoding="utf-8")
    assert 'class="status-failed"' in index and "worker_died" in index
    assert f'<a href="B01.html">report of the previous run, generated {generated}' in index

    again = run_reports(FAILING_NB, [{"branch_id": "B01"}], tmp_path, **common)
    assert [o.status for o in again.outcomes] == ["cached"] and page.read_bytes() == before
    index = (tmp_path / QUARTER / "index.html").read_text(encoding="utf-8")
    assert 'class="status-ok"' in index and "previous run" not in index


# --------------------------------------------------------------------------- helpers


@pytest.mark.parametrize(
    ("fragment", "unsafe"),
    [
        ("<script>alert(1)</script>", True),
        ('<img src="x" onerror="alert(1)">', True),
        ('<a href="javascript:alert(1)">x</a>', True),
        ('<img src="https://cdn.example/x.png">', True),
        ("<img src=//cdn.example/x.png>", True),
        ('<div style="background:url(http://x/y.png)">', True),
        ("<iframe src=x></iframe>", True),
        ('<img src="data:image/png;base64,AAAA">', False),
        ('<div style="background:\\75 rl(http://x/y.png)">', True),  # a CSS escape of url(
        ("<style>@import 'x.css';</style>", True),
        ('<a href="java&#x09;script:alert(1)">x</a>', True),
        ('<img srcset="a.png 1x, https://cdn.example/b.png 2x">', True),
        ('<a href="https://example.com/">x</a>', True),
        ("<p>&lt;script&gt;alert(1)&lt;/script&gt; javascript: is text</p>", False),
        ("<pre>data=//share/folder</pre>", False),
        ('<table class="dataframe"><tr><td>on=1</td></tr></table>', False),
        # escaped names that the regex check of old blocked: text, never live
        ("<td>Wang @import url(http://evil.example/x.css)</td>", False),
        ("<td>&lt;style&gt;@import url(x)&lt;/style&gt; url(//cdn.example/y)</td>", False),
        ('<td title="@import url(x) &lt;script&gt;">name</td>', False),
        ('<a class="anchor-link" href="#Section-one">¶</a>', False),
    ],
)
def test_unsafe_content_guard(fragment, unsafe):
    from bankperf_analysis.runner.render import unsafe_content

    assert bool(unsafe_content(f"<main>{fragment}</main>")) is unsafe


@pytest.fixture
def ipython_shell(tmp_path, monkeypatch):
    """A real IPython shell in this process (as in a notebook kernel), removed afterwards."""
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    config = Config()
    config.HistoryManager.enabled = False
    shell = InteractiveShell.instance(config=config)
    yield shell
    InteractiveShell.clear_instance()


def test_record_headline_validates_and_converts(ipython_shell):
    np = pytest.importorskip("numpy")
    from IPython.utils.capture import capture_output

    mime = "application/x.bankperf-headline+json"  # what the runner reads from the notebook
    with capture_output() as cap:
        shown = record_headline(
            {
                "a": np.float64(0.5),
                "b": np.int64(3),
                "ok": np.bool_(True),
                "name": "王府井",
                "gone": None,
                "c": 1.0,
            },
            c=float("nan"),
            inf=np.float32("inf"),
        )
        record_headline(satisfaction_rate=0.87)
    assert shown is None  # a last-line call adds no text output
    assert [o.data for o in cap.outputs] == [
        {mime: {"a": 0.5, "b": 3, "ok": True, "name": "王府井", "gone": None, "c": None, "inf": None}},
        {mime: {"satisfaction_rate": 0.87}},
    ]
    payload = cap.outputs[0].data[mime]
    assert [type(payload[k]) for k in ("a", "b", "ok")] == [float, int, bool]  # no NumPy scalars
    assert json.loads(json.dumps(payload, allow_nan=False)) == payload  # plain JSON, no NaN
    assert cap.stdout == ""
    with capture_output() as cap:
        with pytest.raises(ParamsError) as info:
            record_headline({"a": [1, 2]})
        assert str(info.value) == (
            "The value of 'a' in record_headline must be a number, string, bool or None. Got list instead."
        )
        for key in (1, ""):
            with pytest.raises(ParamsError) as info:
                record_headline({key: 2})
            assert str(info.value) == (
                f"The keys of record_headline must be non-empty strings. Got {key!r} instead."
            )
    assert cap.outputs == []  # nothing recorded when the values are refused


def test_cli_arguments_keep_branch_ids_as_strings():
    parser = add_report_arguments(argparse.ArgumentParser(prog="bankperf report"))
    args = parser.parse_args(
        [
            "--data",
            "d",
            "--quarter",
            "2026Q3",
            "--branch",
            "0012",
            "--branch",
            "B01",
            "--lang",
            "zh",
            "--jobs",
            "3",
            "--force",
        ]
    )
    assert args.branch == ["0012", "B01"] and args.lang == "zh" and args.jobs == 3
    assert args.force and args.out == "outputs" and args.scheduler is None and args.progress


# --------------------------------------------------------------------------- Dask


def test_dask_cluster_gives_the_same_reports(batch, tmp_path):
    distributed = pytest.importorskip("distributed")
    out = tmp_path / "dask"
    # distributed draws from the global `random` module (scheduling); that is not this
    # test's randomness, so restore it for the RNG guard of conftest.py.
    random_state = random.getstate()
    try:
        with distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster:
            result = run_reports(
                REPORT_NB,
                ITEMS,
                out,
                quarter=QUARTER,
                lang="zh",
                fingerprint="fp-1234abcd",
                params_hash="ph-5678ef",
                scheduler=cluster.scheduler_address,
                progress=False,
                prepare=_prepare_token,
            )
            # the cluster is still up, but the kernels its workers started are stopped
            assert not _kernels_of_this_process()
    finally:
        random.setstate(random_state)
    local = batch["result"]
    assert [(o.id, o.status) for o in result.outcomes] == [(o.id, o.status) for o in local.outcomes]
    assert [o.headline for o in result.outcomes] == [o.headline for o in local.outcomes]

    def names(root):
        return sorted(p.name for p in (root / QUARTER).glob("*.html"))

    assert names(out) == names(batch["out"])

    def body(root, branch):
        page = (root / QUARTER / f"{branch}.html").read_text(encoding="utf-8")
        return page[: page.index('<footer class="provenance">')]

    for branch in ("B01", "0012"):
        assert body(out, branch) == body(batch["out"], branch)


# --------------------------------------------------------------------------- browser


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")
def test_report_renders_in_headless_chromium(batch, tmp_path):
    page = batch["out"] / QUARTER / "B01.html"
    shot = tmp_path / "B01.png"
    cmd = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
        f"--screenshot={shot}",
        "--window-size=1280,2000",
        page.as_uri(),
    ]
    subprocess.run(cmd, check=True, capture_output=True, timeout=90)
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1280, 2000)
    assert len(data) > 20_000  # a real page, not a blank one


def test_index_is_rewritten_at_most_every_few_seconds_and_exactly_at_the_end(tmp_path, monkeypatch):
    """Rendering the index after every report costs a 1,000-branch batch O(n^2): at most every
    INDEX_INTERVAL_S while it runs, and once more, complete, at the end; the manifest (what a
    re-run reads) after every report."""
    from bankperf_analysis.runner import publish

    writes: list[int] = []
    manifests: list[list[str]] = []
    page, manifest_text = publish.RunState._index_page, publish.RunState._manifest_text

    def counted(self, folder, quarter, manifest):
        writes.append(len(manifest["reports"]))
        return page(self, folder, quarter, manifest)

    def seen(self, quarter):
        manifests.append(sorted(e["status"] for e in self.manifests[quarter]["reports"].values()))
        return manifest_text(self, quarter)

    monkeypatch.setattr(publish.RunState, "_index_page", counted)
    monkeypatch.setattr(publish.RunState, "_manifest_text", seen)
    monkeypatch.setattr(publish, "INDEX_INTERVAL_S", 3600.0)
    monkeypatch.setattr(publish, "INDEX_ALWAYS_UP_TO", 0)  # throttle as a large run does
    items = [{"branch_id": f"B{i:02d}", "branch_name": f"Branch {i}"} for i in range(4)]
    result = run_reports(FAILING_NB, items, tmp_path, quarter=QUARTER, jobs=1, preload=(), progress=False)
    assert [o.status for o in result.outcomes] == ["ok"] * 4
    assert len(writes) == 2  # the pending list before the first report, the complete index at the end
    assert [m.count("ok") for m in manifests[1:5]] == [1, 2, 3, 4]  # the manifest after each report
    manifest = json.loads((tmp_path / QUARTER / MANIFEST_NAME).read_text(encoding="utf-8"))
    assert sorted(e["status"] for e in manifest["reports"].values()) == ["ok"] * 4
    index = (tmp_path / QUARTER / "index.html").read_text(encoding="utf-8")
    assert all(f"B{i:02d}.html" in index for i in range(4))


@pytest.mark.parametrize("users_choice", [None, "mimalloc"])
def test_kernels_use_the_system_allocator_for_arrow_unless_the_user_chose(monkeypatch, users_choice):
    """Arrow's default pool keeps ~120 MB per kernel after the shared reads; two kernels run side by side."""
    import jupyter_client

    from bankperf_analysis.runner.kernels import KernelOptions, KernelStartError, PooledKernel

    if users_choice is None:
        monkeypatch.delenv("ARROW_DEFAULT_MEMORY_POOL", raising=False)
    else:
        monkeypatch.setenv("ARROW_DEFAULT_MEMORY_POOL", users_choice)
    seen = []

    async def no_start(self, **kw):
        seen.append(kw["env"].get("ARROW_DEFAULT_MEMORY_POOL"))
        raise RuntimeError("not started: the test reads the environment only")

    monkeypatch.setattr(jupyter_client.AsyncKernelManager, "start_kernel", no_start)
    with pytest.raises(KernelStartError):
        PooledKernel(KernelOptions(preload=(), start_retries=1), None)
    assert seen == [users_choice or "system"]
