"""Any branch id that validates reports, in its own file, and never takes a bank-level file.

The tiny bank's branches are renamed (ids taken from its data, renamed in every table) to ids
that are not safe file names, are reserved for the bank-level files, or differ only in letter
case; `bankperf report` renders them all, the bank-level files stay the bank's, and the index
links each report to its own file, showing the real id.
"""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from bankperf_analysis.cli import main
from bankperf_analysis.runner import build_reports, report_stems
from bankperf_analysis.runner.names import SAFE_ID, hashed_stem, is_reserved, report_stem

pytestmark = pytest.mark.notebook  # renders reports

QUARTER = "2026Q4"
LONG_ID = "Branch-" + "x" * 63  # 70 characters: longer than a plain file name may be


def _rename_branches(src: Path, dst: Path, new_ids: list[str]) -> dict[str, str]:
    """Copy the bank to ``dst`` with its branches (sorted ids, from the data) renamed in every table."""
    shutil.copytree(src, dst)
    old = sorted(pd.read_parquet(dst / "branches.parquet")["branch_id"])
    mapping = dict(zip(old, new_ids, strict=True))
    for path in dst.glob("*.parquet"):
        df = pd.read_parquet(path)
        if "branch_id" in df.columns:
            df["branch_id"] = df["branch_id"].map(lambda b: mapping.get(b, b))
            df.to_parquet(path, index=False)
    return mapping


def _title(page: str) -> str:
    return html.unescape(re.search(r"<title>(.*?)</title>", page, re.S).group(1))


def _index_links(index: str) -> dict[str, str]:
    """Anchor text (unescaped) -> href of every report linked from an index page."""
    return {html.unescape(text): href for href, text in re.findall(r'<a href="([^"]+)">([^<]*)</a>', index)}


def _names(bank: Path) -> dict[str, str]:
    br = pd.read_parquet(bank / "branches.parquet")
    return dict(zip(br.branch_id, br.branch_name, strict=True))


@pytest.fixture(scope="module")
def reserved_batch(tiny_bank, tmp_path_factory):
    """A full 2026Q4 batch of a bank whose branches are 北京分行, overview, index and annual-2026."""
    root = tmp_path_factory.mktemp("reserved")
    bank = root / "bank"
    _rename_branches(tiny_bank, bank, ["北京分行", "overview", "index", "annual-2026"])
    out = root / "out"
    code = main(
        ["report", "--data", str(bank), "--quarter", QUARTER, "--out", str(out)]
        + ["--jobs", "2", "--no-progress"]
    )
    return code, bank, out / QUARTER


def test_reserved_and_chinese_ids_all_render(reserved_batch, capsys):
    code, bank, folder = reserved_batch
    assert code == 0
    stems = report_stems(_names(bank))
    files = sorted(p.name for p in folder.glob("*.html"))
    expected = sorted(
        [f"{s}.html" for s in stems.values()] + ["index.html", "overview.html", "annual-2026.html"]
    )
    assert files == expected  # 4 branches + overview + annual + index: nothing overwritten
    for branch_id, stem in stems.items():
        assert stem != branch_id and SAFE_ID.fullmatch(stem)
        page = (folder / f"{stem}.html").read_text(encoding="utf-8")
        assert f"({branch_id})" in _title(page)  # the real id in the HTML title
        assert html.escape(_names(bank)[branch_id]) in page  # its own branch's report


def test_bank_level_files_are_intact(reserved_batch):
    _, _, folder = reserved_batch
    assert _title((folder / "overview.html").read_text(encoding="utf-8")).startswith("Bank overview")
    assert _title((folder / "annual-2026.html").read_text(encoding="utf-8")).startswith("Annual summary")
    index = (folder / "index.html").read_text(encoding="utf-8")
    assert _title(index).startswith("Performance reports")
    assert index.count('class="status-ok"') == 6


def test_index_links_each_id_to_its_own_file(reserved_batch):
    _, bank, folder = reserved_batch
    links = _index_links((folder / "index.html").read_text(encoding="utf-8"))
    stems = report_stems(_names(bank))
    for branch_id, name in _names(bank).items():
        assert links[f"{name} ({branch_id})"] == f"{stems[branch_id]}.html"
    assert links["Bank overview"] == "overview.html"  # the index speaks the report language (en)
    assert links["Annual summary 2026"] == "annual-2026.html"
    assert len(set(links.values())) == len(links) == 6


@pytest.fixture(scope="module")
def odd_batch(tiny_bank, tmp_path_factory):
    """The four branch reports of a bank whose branches are 'a b', a 70-character id, Bq and bq."""
    root = tmp_path_factory.mktemp("odd")
    bank = root / "bank"
    _rename_branches(tiny_bank, bank, ["a b", LONG_ID, "Bq", "bq"])
    out = root / "out"
    ids = sorted(_names(bank))
    res = build_reports(bank, QUARTER, out, branches=ids, jobs=2, progress=False)
    return res, bank, out


def test_unsafe_long_and_case_twin_ids_render_in_their_own_files(odd_batch):
    res, bank, out = odd_batch
    folder = out / QUARTER
    assert res.exit_code == 0 and len(res.done) == 4
    stems = report_stems(_names(bank))
    assert stems["a b"].startswith("a-b-") and len(stems[LONG_ID]) <= 64
    assert stems["Bq"].lower() != stems["bq"].lower()  # one file each, even on macOS or Windows
    assert {o.id: o.file for o in res.outcomes} == stems
    for branch_id, stem in stems.items():
        page = (folder / f"{stem}.html").read_text(encoding="utf-8")
        assert f"({branch_id})" in _title(page)
    links = _index_links((folder / "index.html").read_text(encoding="utf-8"))
    for branch_id, name in _names(bank).items():
        assert links[f"{name} ({branch_id})"] == f"{stems[branch_id]}.html"


def test_file_names_do_not_depend_on_the_branches_chosen(odd_batch):
    """One branch alone gets the same file (and is up to date): names are stable over the dataset."""
    _, bank, out = odd_batch
    again = build_reports(bank, QUARTER, out, branches=["bq"], jobs=1, progress=False)
    assert [(o.status, o.file) for o in again.outcomes] == [("cached", report_stems(_names(bank))["bq"])]


def test_names_rules():
    assert report_stem("B01") == "B01" and report_stem("0012") == "0012"
    for reserved in ("overview", "OVERVIEW", "index", "Index", "annual-2026", "Annual-2027", "nul"):
        assert is_reserved(reserved) and report_stem(reserved) == hashed_stem(reserved)
    assert hashed_stem("北京分行").startswith("branch-") and hashed_stem("a b").startswith("a-b-")
    assert hashed_stem("a b") != hashed_stem("a  b") != hashed_stem("a_b")
    assert report_stems(["B01", "b01"], taken=()) == {"B01": hashed_stem("B01"), "b01": hashed_stem("b01")}
    assert report_stems(["B02"], taken=["b02"]) == {"B02": hashed_stem("B02")}
