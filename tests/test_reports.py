"""End to end: bankperf report on a small demo bank — numbers, index, footer, languages, safety."""

from __future__ import annotations

import html
import re
import shutil

import pandas as pd
import pytest

from bankperf_analysis.cli.main import main
from bankperf_analysis.dataset.load import load_dataset
from bankperf_analysis.exceptions import ParamsError
from bankperf_analysis.metrics.compute import compute_kpis
from bankperf_analysis.report import format_value
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
