"""End to end: bankperf report on a small demo bank — numbers, index, footer, languages, safety."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys

import pandas as pd
import pytest
import yaml
from conftest import REPO

from bankperf_analysis.cli.main import main
from bankperf_analysis.dataset.load import load_dataset
from bankperf_analysis.exceptions import ParamsError
from bankperf_analysis.metrics.compute import compute_kpis
from bankperf_analysis.report import BranchReport, format_value, resolve_inputs
from bankperf_analysis.runner.batch import build_reports


@pytest.fixture(scope="module")
def rendered(tiny_bank, tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    res = build_reports(tiny_bank, "2026Q3", out, branches=["B01", "B03"], jobs=2, progress=False)
    return res, out / "2026Q3"


def test_two_branches_render_ok(rendered):
    res, folder = rendered
    assert res.exit_code == 0 and len(res.done) == 2 and not res.failed
    assert (folder / "B01.html").is_file() and (folder / "B03.html").is_file()


def test_kpi_values_in_html_equal_package_numbers(rendered, tiny_bank):
    _, folder = rendered
    with load_dataset(tiny_bank) as ds:
        k = compute_kpis(ds, period="2026Q3", levels=("branch",), period_types=("quarter",))
    for b in ("B01", "B03"):
        page = (folder / f"{b}.html").read_text(encoding="utf-8")
        for kpi in ("satisfaction_rate", "service_level", "resolution_rate", "queue_wait_seconds"):
            v = float(k[(k.entity_id == b) & (k.kpi == kpi)].value.iloc[0])
            assert html.escape(format_value(kpi, v)) in page, (b, kpi, format_value(kpi, v))


def test_index_links_both_and_footer_has_fingerprint(rendered, tiny_bank):
    _, folder = rendered
    index = (folder / "index.html").read_text(encoding="utf-8")
    assert 'href="B01.html"' in index and 'href="B03.html"' in index
    with load_dataset(tiny_bank) as ds:
        fp = ds.fingerprint
    for b in ("B01", "B03"):
        page = (folder / f"{b}.html").read_text(encoding="utf-8")
        assert fp in page
        assert "0.1.0" in page  # package version in the footer


def test_report_is_self_contained_and_small(rendered):
    _, folder = rendered
    page = (folder / "B01.html").read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "<script" not in page.lower()
    assert "data:image/png;base64" in page
    assert len(page.encode()) <= 250_000
    assert "class=\"toc\"" in page  # table of contents


def test_branch_report_has_no_other_branch_staff(rendered, tiny_bank):
    _, folder = rendered
    staff = pd.read_parquet(tiny_bank / "staff.parquet")
    page = (folder / "B01.html").read_text(encoding="utf-8")
    others = staff[staff.branch_id != "B01"].staff_id
    assert not any(f"({s})" in page for s in others)
    assert any(f"({s})" in page for s in staff[staff.branch_id == "B01"].staff_id)


def test_chinese_report_and_hostile_names(bank_copy, tmp_path):
    st = pd.read_parquet(bank_copy / "staff.parquet")
    st.loc[st.branch_id == "B02", "staff_name"] = "<script>alert(1)</script>"
    st.to_parquet(bank_copy / "staff.parquet")
    br = pd.read_parquet(bank_copy / "branches.parquet")
    br.loc[br.branch_id == "B02", "branch_name"] = "<b onmouseover=x>Evil</b>"
    br.to_parquet(bank_copy / "branches.parquet")
    res = build_reports(bank_copy, "2026Q4", tmp_path, branches=["B02"], lang="zh", jobs=1,
                        progress=False)
    assert res.exit_code == 0, [f.error for f in res.failed]
    page = (tmp_path / "2026Q4" / "B02.html").read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b onmouseover" not in page
    assert "客户满意度" in page and "员工绩效" in page  # Chinese headings


def test_unknown_branch_refused_before_anything_is_written(tiny_bank, tmp_path):
    with pytest.raises(ParamsError, match="Unknown branch"):
        build_reports(tiny_bank, "2026Q4", tmp_path / "out", branches=["../x"], progress=False)
    assert not (tmp_path / "out").exists()


def test_failed_branch_is_not_published(bank_copy, tmp_path, capsys):
    """A branch whose data crash its notebook: listed as failed, no HTML, exit code 1."""
    br = pd.read_parquet(bank_copy / "branches.parquet")
    extra = pd.DataFrame({"branch_id": ["B99"], "branch_name": ["Empty"], "region": ["North"],
                          "branch_type": ["standard"]})
    pd.concat([br, extra], ignore_index=True).to_parquet(bank_copy / "branches.parquet")
    # B99 has no staff, no data: its report cannot be built from an empty scorecard
    shutil.rmtree(tmp_path / "o", ignore_errors=True)
    code = main(["report", "--data", str(bank_copy), "--quarter", "2026Q4", "--branch", "B01",
                 "--branch", "B99", "--out", str(tmp_path / "o"), "--no-progress", "--jobs", "2"])
    folder = tmp_path / "o" / "2026Q4"
    assert (folder / "B01.html").is_file()
    if code == 0:  # the report of an empty branch renders "no data" sections: also fine
        assert (folder / "B99.html").is_file()
    else:
        assert code == 1 and not (folder / "B99.html").exists()
        assert "B99" in capsys.readouterr().err


def test_relative_paths_as_typed_by_a_user(tiny_bank, tmp_path, monkeypatch):
    """`bankperf report --data data/demo --out outputs` from the project folder (relative paths)."""
    monkeypatch.chdir(tmp_path)
    shutil.copytree(tiny_bank, tmp_path / "data" / "demo")
    code = main(["report", "--data", "data/demo", "--quarter", "2026Q4", "--branch", "B02",
                 "--out", "outputs", "--no-progress", "--jobs", "1"])
    assert code == 0
    assert (tmp_path / "outputs" / "2026Q4" / "B02.html").is_file()


def test_roles_not_scored_individually_are_labelled_so(rendered, tiny_bank):
    """A branch manager is not 'insufficient data': the role has no individual scorecard."""
    from bankperf_analysis.scheme.model import load_scheme

    _, folder = rendered
    staff = pd.read_parquet(tiny_bank / "staff.parquet")
    unscored = {r.name for r in load_scheme().roles if not r.scored}
    mine = staff[(staff.branch_id == "B01") & staff.role.isin(unscored)]
    assert len(mine)  # the tiny bank has such staff in B01
    page = (folder / "B01.html").read_text(encoding="utf-8")
    for sid in mine.staff_id:
        row = page[page.index(f"({sid})"):].split("</tr>")[0]
        assert "not scored (role)" in row and "insufficient data" not in row, sid


# --------------------------------------------------------------------------- what made a report


def _first_branch(bank):
    return str(pd.read_parquet(bank / "branches.parquet").branch_id.astype(str).min())


def _bankperf(root, *args):
    """``bankperf`` run from the package copy at ``root`` (its kernels inherit PYTHONPATH)."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    proc = subprocess.run([sys.executable, "-m", "bankperf_analysis.cli", *args], cwd=root, env=env,
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def _shown(page, what):
    """The footer row ``what`` or the first KPI tile's value (satisfaction), as shown."""
    if what == "code digest":
        return re.search(r"<dt>Code digest</dt><dd>([0-9a-f]+)</dd>", page).group(1)
    return re.search(r'<div class="tile".*?font-size:1.6em[^>]*>([^<]*)</div>', page, re.S).group(1)


def test_changing_one_line_of_a_kpi_function_reruns_the_report(tiny_bank, tmp_path):
    """The cache key hashes the package's code: a one-line KPI change re-renders (issue 11, item 6)."""
    root = tmp_path / "copy"
    shutil.copytree(REPO / "bankperf_analysis", root / "bankperf_analysis",
                    ignore=shutil.ignore_patterns("__pycache__"))
    (root / "notebooks").mkdir()
    for nb in (REPO / "notebooks").glob("*.ipynb"):
        shutil.copy(nb, root / "notebooks" / nb.name)
    (root / "params").mkdir()
    shutil.copy(REPO / "params" / "scheme.yaml", root / "params" / "scheme.yaml")
    branch = _first_branch(tiny_bank)
    page = tmp_path / "out" / "2026Q3" / f"{branch}.html"
    args = ["report", "--data", str(tiny_bank), "--quarter", "2026Q3", "--branch", branch,
            "--out", str(tmp_path / "out"), "--no-progress", "--jobs", "1"]

    assert _bankperf(root, *args).startswith("1 rendered, 0 up to date, 0 failed")
    before = page.read_text(encoding="utf-8")
    assert _bankperf(root, *args).startswith("0 rendered, 1 up to date, 0 failed")

    # A satisfied customer scores >= the threshold; make it > (one line of the KPI's SQL).
    line = "count_if(score >= {thr}) AS sat"
    (source,) = [p for p in (root / "bankperf_analysis" / "metrics").rglob("*.py")
                 if line in p.read_text(encoding="utf-8")]
    source.write_text(source.read_text(encoding="utf-8").replace(line, line.replace(">=", ">")),
                      encoding="utf-8")
    assert _bankperf(root, *args).startswith("1 rendered, 0 up to date, 0 failed")
    after = page.read_text(encoding="utf-8")
    assert _shown(after, "code digest") != _shown(before, "code digest")
    assert _shown(after, "satisfaction") != _shown(before, "satisfaction")  # the new code's number


def test_edited_scheme_changes_what_the_interactive_notebook_shows(tiny_bank, tmp_path, monkeypatch):
    """JupyterLab's path (resolve_inputs with default parameters) follows an edited scheme.yaml."""
    monkeypatch.chdir(tmp_path)  # outputs/<quarter>/_shared_interactive is written here
    scheme = tmp_path / "scheme.yaml"
    shutil.copy(REPO / "params" / "scheme.yaml", scheme)
    branch = _first_branch(tiny_bank)

    def satisfaction_tile(folder):
        tiles = BranchReport(folder, branch).kpi_tiles().html.split('<div class="tile"')[1:]
        (tile,) = [x for x in tiles if ">Customer satisfaction<" in x]
        return tile

    first = resolve_inputs("", str(tiny_bank), "2026Q3", str(scheme))
    assert first == tmp_path / "outputs" / "2026Q3" / "_shared_interactive"
    meta = json.loads((first / "meta.json").read_text(encoding="utf-8"))
    assert resolve_inputs("", str(tiny_bank), "2026Q3", str(scheme)) == first
    assert json.loads((first / "meta.json").read_text(encoding="utf-8")) == meta  # reused as is
    doc = yaml.safe_load(scheme.read_text(encoding="utf-8"))
    old = doc["branch"]["kpis"]["satisfaction_rate"]["target"]
    assert f"≥ {100 * old:.1f} %" in satisfaction_tile(first)

    new = round(old - 0.07, 2)  # one branch target edited
    doc["branch"]["kpis"]["satisfaction_rate"]["target"] = new
    scheme.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")

    second = resolve_inputs("", str(tiny_bank), "2026Q3", str(scheme))
    again = json.loads((second / "meta.json").read_text(encoding="utf-8"))
    assert again["params_hash"] != meta["params_hash"]  # recomputed with the edited scheme
    tile = satisfaction_tile(second)
    assert f"≥ {100 * new:.1f} %" in tile and f"≥ {100 * old:.1f} %" not in tile
