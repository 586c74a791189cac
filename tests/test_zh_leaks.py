"""No English in a Chinese report: every report kind rendered in zh, every visible word checked.

``bankperf report --lang zh`` on the tiny demo bank (2026Q4: the branch reports, the overview,
the annual summary and the index), and ``bankperf report --kind incentive --lang zh`` on the
default demo bank (the study needs its 12 branches: the tiny bank's 4 are too few to
estimate). A word of Latin letters in the visible text of a page (HTML text nodes, the page
title, tooltips) or in a figure (every text matplotlib draws: titles, axis labels, tick
labels, legends, annotations) fails the test, unless it is an id, a unit or a code of the
allowlist below. The failure names each word, the page and where on it.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from bankperf_analysis.dataset.schema import CONTRACT
from bankperf_analysis.runner import build_reports

QUARTER = "2026Q4"

#: Words a Chinese report may show: units, statistics' symbols, method names, codes of formats.
ALLOWED_WORDS = frozenset(
    {
        "KPI",  # the abbreviation is what Chinese banks write too
        "FTE",  # 折合全职人数(FTE)
        "n",  # sample size (n=368)
        "p",  # p 值
        "q",  # a quarter's rate in the annualising formula 1 − (1 − q)⁴
        "CI",
        "UTC",  # a time zone offset (UTC+08:00) when the zone has no Chinese name
        "Benjamini",  # the multiple-testing method's name (Benjamini–Hochberg)
        "Hochberg",
        "Callaway-Sant",  # the staggered DiD estimator's authors (Callaway–Sant'Anna), split at the '
        "Anna",
        *("t", "F", "z"),  # test statistics: t(11), F(3, 11), z × standard error
        "bankperf-analysis",  # the package's name in the footer
        *("parquet", "csv", "xlsx", "duckdb", "utf-8", "utf-8-sig", "gbk", "gb18030"),  # file formats
        *CONTRACT,  # the data contract's table names (footer: how each table was read)
    }
)
#: Ids and codes: branch / staff / complaint ids (B01, S00008, K0000052), digests, file paths.
_ALLOWED = (
    re.compile(r"[A-Z]{1,3}\d{1,8}"),
    re.compile(r"[0-9a-f]{12,64}"),
    re.compile(r"[\w.\-]*/[\w.\-/]*"),
)
_TOKEN = re.compile(r"[0-9A-Za-z_][0-9A-Za-z_.\-/]*")
_LATIN = re.compile(r"[A-Za-z]")


def english_words(text: str) -> list[str]:
    """The tokens of ``text`` with a Latin letter that the allowlist does not cover.

    >>> english_words("全行: 88.2 % · n=368 (B01) 2026Q4 below target")
    ['2026Q4', 'below', 'target']
    """
    out = []
    for tok in _TOKEN.findall(text):
        tok = tok.strip(".-")
        if not _LATIN.search(tok) or tok in ALLOWED_WORDS:
            continue
        if any(p.fullmatch(tok) for p in _ALLOWED):
            continue
        out.append(tok)
    return out


class _Visible(HTMLParser):
    """Visible text of a page with where it is: (nearest id above, tag, text)."""

    _VOID = frozenset({"br", "img", "meta", "link", "input", "hr", "col", "wbr", "source"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.where = "(top)"
        self.found: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.where = f"#{a['id']}"
        for name in ("title", "alt", "aria-label", "placeholder"):
            if a.get(name):
                self.found.append((self.where, f"<{tag} {name}>", a[name]))
        if tag not in self._VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in self.stack:
            while self.stack and self.stack.pop() != tag:
                pass

    def handle_data(self, data):
        if not data.strip() or {"script", "style"} & set(self.stack):
            return
        if "head" in self.stack and "title" not in self.stack:
            return
        self.found.append((self.where, f"<{self.stack[-1] if self.stack else ''}>", data.strip()))


def html_leaks(name: str, page: str) -> list[str]:
    """Every English word of a page's visible text, as ``page #anchor <tag>: 'word' in '...text...'``."""
    parser = _Visible()
    parser.feed(page)
    return [
        f"{name} {where} {tag}: {w!r} in {text[:100]!r}"
        for where, tag, text in parser.found
        for w in english_words(text)
    ]


def figure_leaks(name: str, fig) -> list[str]:
    """Every English word a matplotlib figure draws (titles, labels, ticks, legend, notes)."""
    from matplotlib.text import Text

    fig.canvas.draw()  # tick labels exist once drawn
    texts = {t.get_text() for t in fig.findobj(Text) if t.get_visible() and t.get_text()}
    return [f"{name} (figure): {w!r} in {s[:100]!r}" for s in sorted(texts) for w in english_words(s)]


@pytest.fixture(scope="module")
def zh_reports(tiny_bank, tmp_path_factory):
    """Every report kind of the tiny bank in zh: branches, overview, annual summary, index."""
    out = tmp_path_factory.mktemp("zh_reports")
    res = build_reports(tiny_bank, QUARTER, out, lang="zh", jobs=2, progress=False)
    assert res.exit_code == 0, [f.error for f in res.failed]
    return out


def _pages(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.html"))}


def test_every_report_kind_is_rendered(zh_reports, tiny_bank):
    names = set(_pages(zh_reports / QUARTER))
    branches = sorted(pd.read_parquet(tiny_bank / "branches.parquet").branch_id)
    assert {f"{b}.html" for b in branches} | {"overview.html", "annual-2026.html", "index.html"} <= names


def test_no_english_word_in_a_zh_report(zh_reports):
    leaks = [w for name, page in _pages(zh_reports / QUARTER).items() for w in html_leaks(name, page)]
    assert not leaks, f"{len(leaks)} English word(s) in zh reports:\n" + "\n".join(leaks)


@pytest.fixture(autouse=True)
def _report_style_stays_here():
    """use_report_style("zh") changes matplotlib's settings: restore them after each test
    (the doctests that run later in the same process draw with the defaults)."""
    import matplotlib as mpl

    with mpl.rc_context():
        yield


def test_no_english_word_in_a_zh_figure(zh_reports, tiny_bank):
    """The figures are PNG: build them again from the batch's inputs and read what they draw."""
    from bankperf_analysis.plots import use_report_style
    from bankperf_analysis.report import BankOverview, BranchReport, resolve_inputs

    use_report_style("zh")
    shared = zh_reports / ".bankperf-shared" / QUARTER
    inputs = resolve_inputs(str(shared), str(tiny_bank), QUARTER, "")
    leaks = []
    for b in sorted(pd.read_parquet(tiny_bank / "branches.parquet").branch_id):
        leaks += figure_leaks(f"{b}.html trends", BranchReport(inputs, b, "zh").trends_figure())
    leaks += figure_leaks("overview.html funnel", BankOverview(str(shared), "zh").funnel_figure())
    assert not leaks, f"{len(leaks)} English word(s) in zh figures:\n" + "\n".join(leaks)


def test_a_planted_english_label_is_found_and_named(zh_reports, tiny_bank):
    """The checks can fail: an English label planted in a real page and in a real figure is named."""
    from bankperf_analysis.plots import use_report_style
    from bankperf_analysis.report import BranchReport, resolve_inputs

    b = sorted(pd.read_parquet(tiny_bank / "branches.parquet").branch_id)[0]
    page = (zh_reports / QUARTER / f"{b}.html").read_text(encoding="utf-8")
    planted = re.sub(r'<h2 id="staff">[^<]*</h2>', '<h2 id="staff">Staff results</h2>', page)
    assert planted != page
    assert html_leaks("x.html", planted) == [
        "x.html #staff <h2>: 'Staff' in 'Staff results'",
        "x.html #staff <h2>: 'results' in 'Staff results'",
    ]
    import matplotlib as mpl

    with mpl.rc_context():  # the report style stays inside this test (later doctests draw too)
        use_report_style("zh")
        inputs = resolve_inputs(str(zh_reports / ".bankperf-shared" / QUARTER), str(tiny_bank), QUARTER, "")
        fig = BranchReport(inputs, b, "zh").trends_figure()
        fig.axes[0].set_xlabel("Quarter")
        assert figure_leaks("f", fig) == ["f (figure): 'Quarter' in 'Quarter'"]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_annual_branch_table_is_a_translated_table(tiny_bank, lang):
    """The annual summary's branch table: headers and values in words, no True/False, no code."""
    from bankperf_analysis.i18n import t
    from bankperf_analysis.report import AnnualReport

    page = AnnualReport(tiny_bank, "2026", lang).branch_table().html
    assert page.startswith('<table class="dataframe"><thead><tr><th>')  # report/html.py::data_table
    text = re.sub(r"<[^>]+>", " ", page)
    assert not re.search(r"\b(True|False|nan|None|NaN|<NA>)\b", text), text
    assert not re.findall(r"\b[a-z]+_[a-z0-9_]+\b", text)  # no snake_case column or code
    assert f"<th>{t('label_excellent_branch', lang)}</th>" in page
    head, body = page.split("</thead>")
    n_cols = head.count("<th>")
    rows = body.split("</tr>")[:-1]
    assert rows and all(r.count("<td") == n_cols for r in rows)
    if lang == "zh":
        assert not english_words(text), english_words(text)


@pytest.fixture(scope="module")
def zh_study(default_bank, tmp_path_factory):
    """The incentive study in zh (``bankperf report --kind incentive``), as of the data's last quarter."""
    from bankperf_analysis.runner.study import build_incentive_study

    out = tmp_path_factory.mktemp("zh_study")
    res = build_incentive_study(default_bank, None, out, lang="zh", jobs=1, progress=False)
    assert res.exit_code == 0, [f.error for f in res.failed]
    (folder,) = [p for p in out.iterdir() if p.is_dir() and not p.name.startswith(".")]
    return folder


def test_no_english_word_in_the_zh_incentive_study(zh_study, default_bank):
    pages = _pages(zh_study)
    assert {"incentive-satisfaction-rate.html", "index.html"} <= set(pages)
    leaks = [w for name, page in pages.items() for w in html_leaks(name, page)]
    assert not leaks, f"{len(leaks)} English word(s) in the zh study:\n" + "\n".join(leaks)
    # its figure (a PNG in the page): drawn again from the same study
    from bankperf_analysis.plots import use_report_style
    from bankperf_analysis.report import IncentiveReport

    use_report_style("zh")
    fig = IncentiveReport(default_bank, lang="zh", max_leave_one_out=0).event_study_figure()
    leaks = figure_leaks("incentive-satisfaction-rate.html event study", fig)
    assert not leaks, f"{len(leaks)} English word(s) in the zh study's figure:\n" + "\n".join(leaks)


@pytest.fixture(scope="module")
def zh_monthly(tiny_bank, tmp_path_factory):
    """The monthly reports (月报) in zh: a branch report, the monthly overview and the index."""
    from bankperf_analysis.runner import build_monthly_reports

    out = tmp_path_factory.mktemp("zh_monthly")
    first = sorted(pd.read_parquet(tiny_bank / "branches.parquet").branch_id.astype(str))[0]
    res = build_monthly_reports(
        tiny_bank, "2026-11", out, branches=[first], lang="zh", jobs=2, progress=False
    )
    assert res.exit_code == 0, [f.error for f in res.failed]
    return out / "2026-11", first


def test_no_english_word_in_a_zh_monthly_report(zh_monthly):
    folder, first = zh_monthly
    pages = _pages(folder)
    assert {f"{first}.html", "overview.html", "index.html"} <= set(pages)
    leaks = [w for name, page in pages.items() for w in html_leaks(name, page)]
    assert not leaks, f"{len(leaks)} English word(s) in zh monthly reports:\n" + "\n".join(leaks)
