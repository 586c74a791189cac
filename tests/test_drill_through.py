"""Drill-through: the links between the reports of a quarter folder, the overview's matrix and 红黑榜.

* every relative link of every published page resolves (its file is in the folder, its
  anchor is in that file), in a whole-bank batch and in a ``--branch`` subset, where a link
  to a report not rendered is plain text, and becomes a link once that report is there;
* the overview's KPI × branch matrix shows the values and n of the KPI frame of the batch
  (read here from the shared inputs with pandas, not through the report code);
* the 红黑榜 names, per KPI, the arg-max / arg-min over the branches with enough data, in
  the direction the scheme states for the KPI.
"""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bankperf_analysis.report.html import format_value
from bankperf_analysis.runner import build_reports
from bankperf_analysis.runner.links import resolve_folder

QUARTER = "2026Q4"


class _Page(HTMLParser):
    """The ids, the hrefs of links and the data-href of link-less texts of one page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.hrefs: list[str] = []
        self.texts: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        if tag == "a" and a.get("href") is not None:
            self.hrefs.append(a["href"])
        if tag == "span" and "xref" in (a.get("class") or "") and a.get("data-href"):
            self.texts.append(a["data-href"])


def _pages(folder: Path) -> dict[str, _Page]:
    pages = {}
    for path in sorted(folder.glob("*.html")):
        page = _Page()
        page.feed(path.read_text(encoding="utf-8"))
        pages[path.name] = page
    return pages


def _dead_links(folder: Path) -> list[str]:
    """Every relative href of every page whose file or anchor is not there (``page -> href``)."""
    pages = _pages(folder)
    dead = []
    for name, page in pages.items():
        for href in page.hrefs:
            if re.match(r"^[a-z][a-z0-9+.-]*:", href, re.I) or href.startswith("//"):
                dead.append(f"{name} -> {href} (not relative)")
                continue
            file, _, anchor = href.partition("#")
            target = pages.get(file or name)
            if target is None or (anchor and anchor not in target.ids):
                dead.append(f"{name} -> {href}")
    return dead


@pytest.fixture(scope="module")
def whole_bank(tiny_bank, tmp_path_factory):
    """Every report of the tiny bank's Q4: branch reports, overview, annual summary, index."""
    out = tmp_path_factory.mktemp("drill_all")
    res = build_reports(tiny_bank, QUARTER, out, jobs=2, progress=False)
    assert res.exit_code == 0, res.summary()
    return out


@pytest.fixture(scope="module")
def one_branch(tiny_bank, tmp_path_factory):
    """One branch report only (``--branch``): no overview, no neighbour, no annual summary."""
    from bankperf_analysis.dataset.load import load_dataset

    with load_dataset(tiny_bank, validate=False) as ds:
        ids = sorted(ds.sql("SELECT branch_id FROM branches").branch_id.astype(str))
    branch = ids[1]  # a branch with a previous and a next one
    out = tmp_path_factory.mktemp("drill_one")
    res = build_reports(tiny_bank, QUARTER, out, branches=[branch], jobs=1, progress=False)
    assert res.exit_code == 0, res.summary()
    return out / QUARTER, branch, ids


def test_every_link_of_a_whole_bank_batch_resolves(whole_bank):
    folder = whole_bank / QUARTER
    assert _dead_links(folder) == []
    pages = _pages(folder)
    bank_level = ("index.html", "overview.html", "annual-2026.html")
    branches = sorted(n for n in pages if n not in bank_level)
    assert len(branches) == 4
    for i, name in enumerate(branches):  # index, overview, region, previous / next: links, not text
        hrefs = pages[name].hrefs
        assert {"index.html", "overview.html", "annual-2026.html"} <= set(hrefs), name
        assert any(h.startswith("overview.html#region-") for h in hrefs), name
        assert (branches[i - 1] in hrefs) == (i > 0) and (branches[(i + 1) % 4] in hrefs) == (i < 3), name
        # the appraisal sheets come from their own command (bankperf sheets): in a report-only
        # batch the staff names stay text (test_person_sheet checks they become links)
        assert [x for x in pages[name].texts if not x.startswith("sheets-")] == [], name
    overview = pages["overview.html"]
    assert set(branches) <= set(overview.hrefs) and "index.html" in overview.hrefs
    assert overview.texts == []
    people = [h for h in pages["annual-2026.html"].hrefs if "#staff-" in h]
    assert people, "the annual summary links no person to the branch report's staff row"
    assert "overview.html" in pages["index.html"].hrefs


def test_a_branch_subset_shows_missing_reports_as_text_not_dead_links(one_branch):
    folder, branch, ids = one_branch
    assert sorted(p.name for p in folder.glob("*.html")) == sorted([f"{branch}.html", "index.html"])
    assert _dead_links(folder) == []
    page = _pages(folder)[f"{branch}.html"]
    assert page.hrefs.count("index.html") == 1  # the index is there: a link
    for missing in ("overview.html", f"{ids[0]}.html", f"{ids[2]}.html"):
        assert missing in page.texts and missing not in page.hrefs
    # once the missing reports are in the folder, the same text becomes a link again
    for name in ("overview.html", f"{ids[0]}.html"):
        (folder / name).write_text("<html></html>", encoding="utf-8")
    try:
        resolve_folder(folder)
        again = _pages(folder)[f"{branch}.html"]
        assert "overview.html" in again.hrefs and f"{ids[0]}.html" in again.hrefs
        assert f"{ids[2]}.html" in again.texts
        assert [h for h in again.texts if h.startswith("overview.html#region-")]  # no such anchor: text
    finally:
        for name in ("overview.html", f"{ids[0]}.html"):
            (folder / name).unlink()
        resolve_folder(folder)


# --------------------------------------------------------------------------- the matrix


def _shared(out: Path) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    folder = out / ".bankperf-shared" / QUARTER
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    return pd.read_parquet(folder / "kpis.parquet"), pd.read_parquet(folder / "target_basis.parquet"), meta


def _expected(out: Path) -> pd.DataFrame:
    """Branch × KPI of the matrix, from the shared KPI frame: value, n, min n, direction."""
    kpis, basis, meta = _shared(out)
    yearly = {k for k, b in meta["target_basis"].items() if b["period"] == "year"}
    q = kpis[(kpis.level == "branch") & (kpis.period == QUARTER) & (kpis.period_type == "quarter")]
    q = q[~q.kpi.isin(yearly)]
    b = basis[(basis.level == "branch") & (basis.period == QUARTER) & basis.kpi.isin(yearly)]
    rows = pd.concat([q, b])[["entity_id", "kpi", "value", "n"]].rename(columns={"entity_id": "branch_id"})
    targets = meta["branch_targets"]
    rows = rows[rows.kpi.isin(targets)].copy()
    rows["min_n"] = [int(targets[k]["min_n"]) for k in rows.kpi]
    rows["direction"] = [targets[k]["direction"] for k in rows.kpi]
    return rows.reset_index(drop=True)


# (the published HTML is re-serialised by nbconvert: double quotes, attributes sorted, <br/>)
_ROW = re.compile(r"<tr class=[\"']drill-row[\"'] data-branch=[\"']([^\"']*)[\"']>(.*?)</tr>", re.S)
_CELL = re.compile(
    r"data-kpi=[\"']([^\"']*)[\"'][^>]*><span[^>]*>([^<]*)</span><br/?><small>n=([0-9,]+)</small>"
)


def _matrix_cells(page: str) -> dict[tuple[str, str], tuple[str, int]]:
    cells = {}
    for branch, row in _ROW.findall(page):
        for kpi, value, n in _CELL.findall(row):
            cells[(html.unescape(branch), kpi)] = (html.unescape(value), int(n.replace(",", "")))
    return cells


def test_matrix_cells_equal_the_kpi_frame(whole_bank):
    page = (whole_bank / QUARTER / "overview.html").read_text(encoding="utf-8")
    cells = _matrix_cells(page)
    expected = _expected(whole_bank)
    shown = expected[expected.kpi.isin({k for _, k in cells})]
    assert len(cells) >= 4 * 8, "the matrix shows fewer than 8 KPIs of 4 branches"
    assert len(shown) == len(cells)
    for r in shown.itertuples():
        shown_value = (format_value(r.kpi, r.value, "en"), int(r.n))
        assert cells[(r.branch_id, r.kpi)] == shown_value, (r.branch_id, r.kpi)


def _red_black(page: str) -> dict[str, tuple[str, str]]:
    table = page[page.index("table-scroll red-black") :]
    table = table[: table.index("</table>")]
    got = {}
    for kpi, row in re.findall(r"<tr data-kpi=[\"']([^\"']*)[\"']>(.*?)</tr>", table, re.S):
        best, worst = re.findall(r"<td[^>]*><(?:a|span)[^>]*>([^<]*)</(?:a|span)>", row)
        got[kpi] = (best, worst)
    return got


def test_red_black_list_is_the_arg_max_and_min_in_each_kpis_direction(whole_bank):
    page = (whole_bank / QUARTER / "overview.html").read_text(encoding="utf-8")
    got = _red_black(page)
    expected = _expected(whole_bank)
    ok = expected[np.isfinite(expected.value) & (expected.n >= expected.min_n)].sort_values("branch_id")
    checked = 0
    for kpi, g in ok.groupby("kpi"):
        if kpi not in got:
            continue
        v = g.value.to_numpy(float)
        hi, lo = g.branch_id.iloc[int(np.argmax(v))], g.branch_id.iloc[int(np.argmin(v))]
        best, worst = (hi, lo) if g.direction.iloc[0] == "higher" else (lo, hi)
        assert got[kpi] == (best, worst), kpi
        checked += 1
    directions = set(ok[ok.kpi.isin(got)].direction)
    assert checked >= 6 and directions == {"higher", "lower"}  # both directions are checked
