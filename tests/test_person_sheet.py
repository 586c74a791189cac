"""The per-person appraisal sheet (个人绩效考核表, issue 16 item 1), on the tiny demo bank, 2026Q4.

``bankperf sheets`` writes one HTML file per branch, one A4 page per person. Checked here:

* every number of a sheet is the staff scorecard's (read independently with
  ``quarter_scorecards``): each KPI row's value, target, weight, effective weight, score and
  weighted score, the composite, the points, grade, bonus and deductions; and the weighted
  scores add up to the composite before adjustments (a second route to the same number);
* the person is chosen from the data, not by a hard-coded id: the planted veto of
  ``truth.json`` and, by rule, the person with the most KPI rows;
* a vetoed person's sheet shows the veto and its reason, in zh and en;
* a zh sheet has no English outside the allowlist of ``test_zh_leaks``;
* the offline PDF (xhtml2pdf) and, where installed, Chromium's print-to-PDF give exactly one
  A4 page per person, each page naming one person, in staff-id order;
* the branch report links each person to their sheet (text until the sheet exists).
"""

from __future__ import annotations

import json
import math
import re
import shutil
import subprocess

import pandas as pd
import pytest
from test_zh_leaks import html_leaks

from bankperf_analysis.cli import main
from bankperf_analysis.dataset.load import load_dataset
from bankperf_analysis.kpis import INDICATOR_GROUPS, KPI_GROUPS, KPIS
from bankperf_analysis.scorecard import quarter_scorecards

QUARTER = "2026Q4"
A4 = (595.3, 841.9)  # points
_SHEET = re.compile(r'<div class="sheet[^"]*" id="person-[^"]*" data-staff-id="([^"]*)">(.*?)</div>', re.S)
_ROW = re.compile(r'<tr data-kpi="([^"]*)"([^>]*)>')
_ATTR = re.compile(r'data-([a-z-]+)="([^"]*)"')


@pytest.fixture(scope="module")
def card(tiny_bank):
    """The quarter's staff scorecard, read the way ``bankperf scorecard`` reads it."""
    with load_dataset(tiny_bank) as ds:
        return quarter_scorecards(ds, QUARTER)[1]


@pytest.fixture(scope="module")
def vetoed(tiny_bank) -> str:
    """The person the demo generator planted an effective complaint against (truth.json)."""
    return json.loads((tiny_bank / "truth.json").read_text(encoding="utf-8"))["pay"]["planted_veto"][
        "staff_id"
    ]


@pytest.fixture(scope="module")
def sheets(tiny_bank, tmp_path_factory):
    """``bankperf sheets`` for every branch, in zh and en: lang -> quarter folder."""
    out = {}
    for lang in ("zh", "en"):
        root = tmp_path_factory.mktemp(f"sheets_{lang}")
        assert (
            main(
                ["sheets", "--data", str(tiny_bank), "--quarter", QUARTER, "--lang", lang, "--out", str(root)]
            )
            == 0
        )
        out[lang] = root / QUARTER
    return out


def _sheets_of(folder) -> dict[str, str]:
    """staff id -> the HTML of their sheet, over every sheets file of the folder."""
    found = {}
    for path in sorted(folder.glob("sheets-*.html")):
        for sid, body in _SHEET.findall(path.read_text(encoding="utf-8")):
            assert sid not in found, f"{sid} has two sheets"
            found[sid] = body
    return found


def _attrs(text: str) -> dict[str, str]:
    return dict(_ATTR.findall(text))


def _same(shown: str, expected) -> bool:
    """A data-* value equals the scorecard's exactly (empty for a missing value)."""
    if expected is None or (isinstance(expected, float) and math.isnan(expected)) or pd.isna(expected):
        return shown == ""
    return shown != "" and float(shown) == float(expected)


def _check_person(body: str, sid: str, card) -> None:
    people = card.people.set_index("staff_id")
    p = people.loc[sid]
    rows = card.kpis.loc[card.kpis["staff_id"] == sid].set_index("kpi")
    shown = {k: _attrs(a) for k, a in _ROW.findall(body)}
    assert set(shown) == set(rows.index), sid
    for kpi, a in shown.items():
        r = rows.loc[kpi]
        for attr, col in (
            ("value", "value"),
            ("target", "target"),
            ("weight", "weight"),
            ("effective-weight", "effective_weight"),
            ("score", "score"),
            ("contribution", "contribution"),
        ):
            assert _same(a[attr], r[col]), (sid, kpi, attr, a[attr], r[col])
    facts = _attrs(body)
    if not len(rows):  # a role the scheme does not score individually: no KPI table, no total
        assert "sheet-no-kpis" in body and "raw-composite" not in facts, sid
        assert int(p["n_kpis"]) == 0 and not bool(p["gradable"]), sid
        return
    for attr, col in (
        ("raw-composite", "raw_composite"),
        ("composite", "composite_score"),
        ("points", "adjustment_points"),
        ("bonus", "bonus_yuan"),
        ("deduction", "deduction_yuan"),
        ("branch-cut", "branch_cut_yuan"),
    ):
        assert _same(facts[attr], p[col]), (sid, attr, facts[attr], p[col])
    assert facts["grade"] == (p["grade"] or "")
    assert facts["veto"] == str(bool(p["veto"])).lower()
    # a second route to the composite: the weighted scores the sheet shows add up to it
    scored = [float(a["contribution"]) for a in shown.values() if a["score"] != ""]
    if scored and pd.notna(p["raw_composite"]):
        assert math.isclose(sum(scored), float(facts["raw-composite"]), abs_tol=1e-9)


def test_every_kpi_has_an_indicator_group_with_labels():
    assert set(KPI_GROUPS) == set(KPIS)
    assert {g for pair in KPI_GROUPS.values() for g in pair} <= set(INDICATOR_GROUPS)


def test_a_sheets_numbers_are_the_scorecards(sheets, card, vetoed):
    found = _sheets_of(sheets["en"])
    assert set(found) == set(card.people["staff_id"])  # one sheet per person on the card
    n_rows = card.kpis.groupby("staff_id").size()
    by_rule = str(n_rows.idxmax())  # the person with the most KPI rows
    for sid in dict.fromkeys([vetoed, by_rule]):
        _check_person(found[sid], sid, card)
    for sid, body in found.items():  # and everyone else: the same numbers, in both languages
        _check_person(body, sid, card)
    zh = _sheets_of(sheets["zh"])
    _check_person(zh[by_rule], by_rule, card)


def test_a_vetoed_persons_sheet_shows_the_veto(sheets, card, vetoed):
    p = card.people.set_index("staff_id").loc[vetoed]
    assert bool(p["veto"])  # the planted effective complaint holds
    for lang, reason in (("zh", p["veto_reason_zh"]), ("en", p["veto_reason"])):
        body = _sheets_of(sheets[lang])[vetoed]
        m = re.search(r'<span class="sheet-veto">([^<]*)</span>', body)
        assert m is not None, lang
        assert m.group(1).replace("&#x27;", "'") == reason and reason
    assert "一票否决" in p["veto_reason_zh"]
    other = card.people.loc[~card.people["veto"], "staff_id"].iloc[0]
    assert "sheet-veto" not in _sheets_of(sheets["zh"])[other]


def test_a_zh_sheet_has_no_english(sheets):
    pages = sorted(sheets["zh"].glob("sheets-*.html"))
    assert pages
    leaks = [leak for p in pages for leak in html_leaks(p.name, p.read_text(encoding="utf-8"))]
    assert leaks == [], "\n".join(leaks[:30])


def _one_page_each(pdf_path, people: tuple[str, ...]) -> None:
    import pypdf

    reader = pypdf.PdfReader(str(pdf_path))
    assert len(reader.pages) == len(people), (pdf_path.name, len(reader.pages), len(people))
    for page, sid in zip(reader.pages, people, strict=True):
        box = page.mediabox
        assert abs(float(box.width) - A4[0]) < 2 and abs(float(box.height) - A4[1]) < 2
        assert re.findall(r"S\d{5}", page.extract_text()) == [sid]


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_pdf_has_one_a4_page_per_person(tiny_bank, card, vetoed, tmp_path, lang):
    pytest.importorskip("xhtml2pdf")
    pytest.importorskip("pypdf")
    from bankperf_analysis.runner.sheets import build_sheets

    branch = str(card.people.set_index("staff_id").loc[vetoed, "branch_id"])
    res = build_sheets(tiny_bank, QUARTER, tmp_path, branches=[branch], lang=lang, pdf=True)
    people = res.people[branch]
    assert vetoed in people and len(people) > 1
    _one_page_each(res.pdfs[branch], people)


@pytest.mark.slow
def test_chromium_prints_one_a4_page_per_person(sheets, card):
    chromium = next((p for n in ("chromium", "chromium-browser") if (p := shutil.which(n))), None)
    if chromium is None:
        pytest.skip("no Chromium installed")
    pytest.importorskip("pypdf")
    people = card.people.sort_values("staff_id")
    branch = str(people.groupby("branch_id").size().idxmax())
    html_path = sheets["zh"] / f"sheets-{branch}.html"
    pdf_path = html_path.with_suffix(".chromium.pdf")
    subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
         f"--print-to-pdf={pdf_path}", html_path.as_uri()],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    _one_page_each(pdf_path, tuple(people.loc[people["branch_id"] == branch, "staff_id"]))


def test_an_unknown_branch_is_refused_and_nothing_written(tiny_bank, tmp_path, capsys):
    argv = [
        "sheets",
        "--data",
        str(tiny_bank),
        "--quarter",
        QUARTER,
        "--branch",
        "NOPE",
        "--out",
        str(tmp_path / "o"),
    ]
    assert main(argv) == 2
    assert "NOPE" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_the_branch_report_links_each_person_to_their_sheet(tiny_bank, card, tmp_path):
    from bankperf_analysis.report import BranchReport, prepare_batch
    from bankperf_analysis.runner.links import resolve_page
    from bankperf_analysis.runner.sheets import build_sheets

    shared = prepare_batch(tiny_bank, QUARTER, tmp_path / "shared")
    branch = str(card.people["branch_id"].iloc[0])
    table = BranchReport(shared, branch, "zh").staff_table().html
    ids = card.people.loc[card.people["branch_id"] == branch, "staff_id"]
    links = re.findall(r'<a class="xref" href="(sheets-[^"#]*\.html)#person-([^"]*)">', table)
    assert sorted(s for _, s in links) == sorted(ids)
    folder = tmp_path / "out" / QUARTER
    folder.mkdir(parents=True)
    before = resolve_page(table, folder, f"{branch}.html")  # no sheets yet: text, not dead links
    assert '<a class="xref" href="sheets-' not in before and 'data-href="sheets-' in before
    build_sheets(tiny_bank, QUARTER, tmp_path / "out", branches=[branch], lang="zh")
    after = resolve_page(table, folder, f"{branch}.html")
    assert len(re.findall(r'<a class="xref" href="sheets-', after)) == len(ids)
