"""Print-grade output of a branch report: A4 print in Chromium, the ``--pdf`` copy, a phone screen.

One zh branch report of the default demo bank (the branch with the most staff, read from
the data) is rendered once for the module. Then:

* the offline PDF (xhtml2pdf) embeds a CJK font and its text extracts (pypdf);
* Chromium's print (skipped where no Chromium is installed) is A4, the body before the
  staff appendix fits the page target, the appendix starts a page, every page carries the
  running header and footer, and no table is clipped (each table's last column heading is
  in the PDF's text, and no text lies outside the page);
* at 390 px the page does not scroll sideways and no staff-table cell is squeezed to a
  character per line.
"""

from __future__ import annotations

import html.parser
import json
import re
import shutil
import subprocess
import unicodedata

import pandas as pd
import pytest

from bankperf_analysis.cli import main
from bankperf_analysis.i18n import t

pypdf = pytest.importorskip("pypdf")
pytest.importorskip("xhtml2pdf")

pytestmark = pytest.mark.slow

#: Pages a branch report may take before its staff appendix (issue 15: "fits on 4 A4 pages").
BODY_PAGES = 4
QUARTER = "2026Q4"
A4 = (595.3, 841.9)  # points


def _chromium() -> str | None:
    return next(
        (p for n in ("chromium", "chromium-browser", "google-chrome") if (p := shutil.which(n))), None
    )


@pytest.fixture(scope="module")
def report(default_bank, tmp_path_factory):
    """(html path, html text) of the zh report of the branch with the most staff, made by
    ``bankperf report --pdf`` (so its PDF copy lies beside it)."""
    staff = pd.read_parquet(default_bank / "staff.parquet")
    branch = str(staff.groupby("branch_id").size().idxmax())
    out = tmp_path_factory.mktemp("print")
    argv = ["report", "--data", str(default_bank), "--quarter", QUARTER, "--branch", branch]
    assert main([*argv, "--out", str(out), "--lang", "zh", "--jobs", "1", "--no-progress", "--pdf"]) == 0
    path = out / QUARTER / f"{branch}.html"
    return path, path.read_text(encoding="utf-8")


def test_pdf_refused_at_once_without_its_engine(tiny_bank, tmp_path, monkeypatch, capsys):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda n, *a: None if n == "xhtml2pdf" else real(n, *a))
    argv = ["report", "--data", str(tiny_bank), "--quarter", QUARTER, "--out", str(tmp_path / "o"), "--pdf"]
    assert main(argv) == 4
    err = capsys.readouterr().err
    todo = [line for line in err.splitlines() if line.startswith("what to do:")]
    assert todo and "bankperf-analysis[pdf]" in todo[0] and "another run" not in todo[0], err
    assert not (tmp_path / "o").exists()


def _texts(pdf_path) -> list[str]:
    return [p.extract_text() or "" for p in pypdf.PdfReader(str(pdf_path)).pages]


def _squash(text: str) -> str:
    """Text without white space, NFKC-normalised (Chromium's PDF maps some CJK glyphs to Kangxi radicals)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


class _Tables(html.parser.HTMLParser):
    """The text of the last heading cell of each table's first row."""

    def __init__(self) -> None:
        super().__init__()
        self.last: list[str] = []
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._first = False

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._first = True
        elif tag == "tr" and self._first:
            self._row = []
        elif tag in ("th", "td") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("th", "td") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if self._row and self._row[-1]:
                self.last.append(self._row[-1])
            self._row, self._first = None, False

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def test_pdf_copy_embeds_a_cjk_font_and_its_chinese_extracts(report):
    path, page = report
    pdf = path.with_suffix(".pdf")
    reader = pypdf.PdfReader(str(pdf))
    text = _squash("".join(p.extract_text() or "" for p in reader.pages))
    for key in ("heading_kpis", "heading_staff_appendix", "footer_fingerprint"):
        assert _squash(t(key, "zh")) in text, key
    fonts = set()
    for p in reader.pages:
        for f in (p["/Resources"].get("/Font") or {}).values():
            f = f.get_object()
            descendants = f.get("/DescendantFonts")
            desc = (descendants[0].get_object() if descendants else f).get("/FontDescriptor")
            if desc is not None and "/FontFile2" in desc.get_object():
                fonts.add(str(f["/BaseFont"]))
    assert any("SimHei" in f for f in fonts), fonts
    assert len(reader.pages) >= 2 and all(abs(float(p.mediabox.width) - A4[0]) < 2 for p in reader.pages)


def _print(chromium: str, html_path, pdf_path) -> None:
    subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
         f"--print-to-pdf={pdf_path}", html_path.as_uri()],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip


@pytest.mark.skipif(_chromium() is None, reason="no Chromium to print with")
def test_chromium_print_is_a4_fits_the_page_target_and_clips_no_table(report, tmp_path):
    path, page = report
    pdf = tmp_path / "print.pdf"
    _print(_chromium(), path, pdf)
    reader = pypdf.PdfReader(str(pdf))
    texts = _texts(pdf)
    n = len(texts)
    assert all(abs(float(p.mediabox.width) - A4[0]) < 2 for p in reader.pages)
    heading = t("heading_staff_appendix", "zh")
    # The contents list on page 1 names the appendix too: its heading is the last mention.
    at = [i for i, tx in enumerate(texts) if _squash(heading) in _squash(tx)][-1]
    assert at >= 1, "the staff appendix is missing from the print"
    assert at <= BODY_PAGES, f"the body takes {at} pages, more than {BODY_PAGES}"
    top = unicodedata.normalize("NFKC", texts[at])
    assert top.find(unicodedata.normalize("NFKC", heading)) < 200, "the appendix must start a page"
    fingerprint = _squash(t("footer_fingerprint", "zh"))
    for i, tx in enumerate(texts):  # running footer: page x / y and the data fingerprint
        assert f"{i + 1} / {n}" in tx and fingerprint in _squash(tx), f"page {i + 1}"
    all_text = _squash("".join(texts))
    parser = _Tables()
    parser.feed(page)
    assert len(parser.last) >= 5
    for heading in parser.last:
        assert _squash(html.unescape(heading)) in all_text, f"table column {heading!r} clipped"
    xs: list[float] = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            xs.append(tm[4] * cm[0] + cm[4])

    for p in reader.pages:
        p.extract_text(visitor_text=visit)
    assert xs and min(xs) >= 0 and max(xs) <= A4[0], "text outside the page"


#: Laid out 390 px wide (headless Chromium's window is at least 500 px: the root is narrowed
#: instead; the phone rules of report.css apply below 40rem). The probe reports the widest
#: right edge outside any scroll box, and the narrowest staff-table cell.
_PHONE_PROBE = """<style>html { width: 390px; }</style><script>
var right = 0;
document.querySelectorAll("body *").forEach(function (e) {
  for (var a = e.parentElement; a && a !== document.body; a = a.parentElement) {
    if (["auto", "scroll", "hidden"].indexOf(getComputedStyle(a).overflowX) >= 0) return;
  }
  right = Math.max(right, e.getBoundingClientRect().right);
});
var cells = Array.from(document.querySelectorAll(".staff-table td"))
  .map(function (c) { return c.clientWidth; });
document.body.setAttribute("data-probe",
  JSON.stringify({page: Math.ceil(right), cell: Math.min.apply(null, cells)}));
</script></body>"""


@pytest.mark.skipif(_chromium() is None, reason="no Chromium to lay the page out")
def test_phone_width_has_no_page_scroll_and_readable_staff_cells(report, tmp_path):
    """Lay the report out at 390 px and measure it (a copy without the CSP, so the probe may run)."""
    path, page = report
    copy = tmp_path / "phone.html"
    copy.write_text(
        re.sub(r"<meta[^>]*Content-Security-Policy[^>]*>", "", page).replace("</body>", _PHONE_PROBE),
        encoding="utf-8",
    )
    dom = subprocess.run(
        [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--window-size=500,2400",
         "--dump-dom", copy.as_uri()],
        check=True, capture_output=True, text=True, timeout=180,
    ).stdout  # fmt: skip
    m = re.search(r"data-probe=\"([^\"]*)\"", dom)
    assert m, "the probe did not run"
    probe = json.loads(html.unescape(m.group(1)))
    assert probe["page"] <= 390, probe
    assert probe["cell"] >= 40, probe  # at least three Chinese characters wide
