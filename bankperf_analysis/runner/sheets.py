"""The appraisal sheets of a quarter (``bankperf sheets``): one HTML file per branch, one A4 page per person.

No notebook and no kernel: the quarter's scorecards are computed once
(:func:`~bankperf_analysis.scorecard.quarter_scorecards`, what ``bankperf scorecard`` and the
reports run), and each branch's sheets (:mod:`bankperf_analysis.report.person_sheet`) are
written as one self-contained page, ``<out>/<quarter>/sheets-<branch>.html``, beside the
branch report (the file names of :mod:`bankperf_analysis.report.file_names`). The page uses
the reports' stylesheet (``report.css``, no web font, no external URL, the same security
policy) plus ``sheets.css``: on paper each person's sheet is one A4 page. ``pdf=True`` also
writes ``sheets-<branch>.pdf`` through the reports' offline PDF engine
(:mod:`bankperf_analysis.runner.pdf`), one page per person too.

The branch reports link each person to their sheet; a link to a sheet file not written is
shown as text (:mod:`bankperf_analysis.runner.links`), and becomes a link once written.
"""

from __future__ import annotations

import datetime as dt
import html as _html
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from bankperf_analysis._summary import Summary
from bankperf_analysis.exceptions import ParamsError, ReportError
from bankperf_analysis.i18n import check_lang, t
from bankperf_analysis.l10n import local_time, localised_name, period_label
from bankperf_analysis.periods import Period

__all__ = ["build_sheets", "sheets_page", "SheetsResult", "SHEET_PDF_CSS"]

#: What the PDF engine (xhtml2pdf, CSS 2.1) adds to its stylesheet for the sheets: a page per
#: person, the sheets' tables across the page, the signature lines.
SHEET_PDF_CSS = """
.report-nav, .sheets-intro { display: none; }
.sheet-next { page-break-before: always; }
h1 { text-align: center; border-bottom: 0; font-size: 14pt; margin: 0; }
h3 { font-size: 9.5pt; margin: 5pt 0 2pt 0; }
.sheet-period { text-align: center; color: #616e7c; }
table.sheet-info, table.sheet-kpis, table.sheet-facts, table.sheet-sign { width: 100%; }
table.sheet-kpis td, table.sheet-kpis th { font-size: 7.5pt; }
td.group { text-align: left; background-color: #f5f7fa; font-weight: bold; }
td.kpi, td.remark, table.sheet-info td, table.sheet-facts td { text-align: left; }
tfoot td { font-weight: bold; border-top: 1px solid #264653; }
.st-met { color: #1a7f37; }
.st-below { color: #c53030; }
.st-none { color: #616e7c; }
.sheet-veto { color: #c0392b; font-weight: bold; }
table.sheet-sign th { background-color: #ffffff; border-bottom: 0; padding-top: 9pt; }
table.sheet-sign td { border-bottom: 0.8px solid #1f2933; }
.sheet-foot { font-size: 6.5pt; color: #616e7c; margin-top: 6pt; }
table.sheet-cols td.sheet-col { border-bottom: 0; padding: 0 5pt 0 0; vertical-align: top; text-align: left; }
table.sheet-facts th { width: 45%; }
th, td { padding: 1pt 2.5pt; }
"""

_CSP = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:; "
    "base-uri 'none'; form-action 'none'"
)


@dataclass(frozen=True, slots=True)
class SheetsResult:
    """What :func:`build_sheets` wrote.

    Attributes
    ----------
    quarter, lang : str
        The quarter and the sheets' language.
    files : dict
        Branch id -> the HTML file of its sheets.
    pdfs : dict
        Branch id -> the PDF copy (empty without ``pdf=True``).
    people : dict
        Branch id -> the staff ids with a sheet, in page order.
    seconds : float
        Wall time of the whole call.
    """

    quarter: str
    lang: str
    files: dict[str, Path]
    pdfs: dict[str, Path] = field(default_factory=dict)
    people: dict[str, tuple[str, ...]] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def n_people(self) -> int:
        """Number of sheets (people) written."""
        return sum(len(v) for v in self.people.values())

    def to_frame(self) -> pd.DataFrame:
        """One row per branch: ``branch_id, n_people, html, pdf``."""
        return pd.DataFrame(
            {
                "branch_id": list(self.files),
                "n_people": [len(self.people.get(b, ())) for b in self.files],
                "html": [str(p) for p in self.files.values()],
                "pdf": [str(self.pdfs.get(b, "")) for b in self.files],
            }
        )

    def summary(self) -> Summary:
        """Counts and the files written."""
        facts = [
            ("Quarter", self.quarter),
            ("Language", self.lang),
            ("Branches", str(len(self.files))),
            ("Sheets (people)", str(self.n_people)),
            ("Seconds", f"{self.seconds:.1f}"),
        ]
        return Summary(f"Appraisal sheets {self.quarter}", self.to_frame(), facts=facts)


def build_sheets(
    data: str | Path,
    quarter: str,
    out: str | Path = "outputs",
    *,
    branches: Sequence[str] | None = None,
    lang: str = "en",
    scheme_path: str | Path | None = None,
    pdf: bool = False,
) -> SheetsResult:
    """Write the appraisal sheets of ``quarter``: ``out/<quarter>/sheets-<branch>.html`` per branch.

    Parameters
    ----------
    data : str or Path
        The dataset (folder, DuckDB file or database URL).
    quarter : str
        The quarter, e.g. ``"2026Q4"``.
    out : str or Path
        Output root; the files go in its quarter folder, beside the reports.
    branches : sequence of str, optional
        Branch ids (default: every branch of the dataset).
    lang : {"en", "zh"}
    scheme_path : str or Path, optional
        Scheme YAML (default: the packaged scheme).
    pdf : bool
        Also write a PDF copy of each file (the ``[pdf]`` extra).

    Returns
    -------
    SheetsResult

    Raises
    ------
    ParamsError
        A bad quarter or language, an unknown branch, an invalid scheme (nothing written).
    DataValidationError, UnreadableInputError
        The data break the contract or cannot be read (nothing written).
    ReportError
        Another run holds the quarter folder; a page would carry live content; no PDF engine.
    """
    from bankperf_analysis.dataset.load import default_cache_dir, load_dataset
    from bankperf_analysis.report.file_names import report_stems
    from bankperf_analysis.report.person_sheet import person_sheets, sheet_file
    from bankperf_analysis.scheme import load_scheme
    from bankperf_analysis.scorecard.quarter import quarter_scorecards

    t0 = time.perf_counter()
    q, lang = str(Period.parse(quarter)), check_lang(lang)
    if pdf:
        from bankperf_analysis.runner.pdf import check_pdf_engine

        check_pdf_engine()
    scheme_file = Path(scheme_path).resolve() if scheme_path else None
    scheme = load_scheme(scheme_file)
    with load_dataset(data, fingerprint_cache=default_cache_dir()) as ds:
        table = ds.table("branches")
        chosen = _chosen(branches, table["branch_id"].astype(str).tolist())
        _, card, _ = quarter_scorecards(ds, q, scheme)
        fp = ds.fingerprint
        footer = _footer_rows(fp, scheme, scheme_file, lang)
        meta = dict(ds.meta)
    stems = report_stems(table["branch_id"].astype(str).tolist())
    rows = {str(r["branch_id"]): r for r in table.to_dict("records")}
    pages, people = {}, {}
    for b in chosen:
        sheets = person_sheets(card, b, branches=table, meta=meta, footer_rows=footer)
        people[b] = tuple(s.staff_id for s in sheets)
        name = localised_name(rows[b], "branch_name", lang) or b
        label = f"{name}（{b}）" if lang == "zh" else f"{name} ({b})"
        pages[b] = sheets_page(
            sheets, lang, quarter=q, branch=label, branch_file=f"{stems[b]}.html", fingerprint=fp
        )
    files = _publish(Path(out).resolve() / q, {sheet_file(stems[b]): p for b, p in pages.items()})
    by_branch = {b: files[sheet_file(stems[b])] for b in chosen}
    pdfs = _pdfs(by_branch) if pdf else {}
    return SheetsResult(q, lang, by_branch, pdfs, people, time.perf_counter() - t0)


def _chosen(branches: Sequence[str] | None, known: list[str]) -> list[str]:
    """The branches asked for (default: all); an unknown id is refused before anything is written."""
    chosen = [str(b) for b in branches] if branches else sorted(known)
    unknown = [b for b in chosen if b not in set(known)]
    if unknown:
        raise ParamsError(
            f"The 'branches' parameter of build_sheets must name branches of the dataset "
            f"({', '.join(sorted(known)[:20])}{' ...' if len(known) > 20 else ''}). Got {unknown} instead."
        )
    return list(dict.fromkeys(chosen))


def _footer_rows(fingerprint: str, scheme, scheme_file: Path | None, lang: str) -> list[tuple[str, str]]:
    """The provenance of every sheet: data, scheme, parameters, version, code, generation time."""
    from bankperf_analysis import __version__
    from bankperf_analysis._provenance import code_digest
    from bankperf_analysis.runner.batch import scheme_text

    now = local_time(dt.datetime.now(dt.UTC), scheme.timezone, lang)
    return [
        (t("footer_fingerprint", lang), fingerprint),
        (t("footer_scheme", lang), scheme_text(scheme, scheme_file, lang)),
        (t("footer_params_hash", lang), scheme.params_hash()),
        (t("footer_version", lang), __version__),
        (t("footer_code_digest", lang), code_digest()),
        (t("footer_generated", lang), now),
    ]


def sheets_page(
    sheets: Sequence, lang: str, *, quarter: str, branch: str, branch_file: str, fingerprint: str = ""
) -> str:
    """One branch's sheets as a self-contained HTML page (one A4 page per person in print).

    ``branch`` is the branch as the title names it; ``branch_file`` its report (linked from
    the navigation line, shown as text when not rendered); ``fingerprint`` the data's, in the
    printed page's running footer.
    """
    from bankperf_analysis import __version__
    from bankperf_analysis.report.links import INDEX_FILE, xref
    from bankperf_analysis.report.person_sheet import sheet_html
    from bankperf_analysis.runner.render import TEMPLATES, page_css, report_css

    title = f"{t('sheet_page_title', lang, branch=branch)} · {period_label(quarter, lang)}"
    css = report_css() + "\n" + (TEMPLATES / "sheets.css").read_text(encoding="utf-8")
    css += "\n" + page_css(title, f"{t('footer_fingerprint', lang)} {fingerprint[:16]}".strip())
    nav = (
        '<nav class="report-nav"><ul>'
        f"<li>{xref(INDEX_FILE, t('nav_index', lang))}</li><li>{xref(branch_file, branch)}</li></ul></nav>"
    )
    body = "".join(sheet_html(s, lang, next_page=i > 0).html for i, s in enumerate(sheets))
    if not sheets:
        body = f'<p class="note">{_html.escape(t("sheet_none", lang))}</p>'
    return (
        f'<!DOCTYPE html>\n<html lang="{"zh-CN" if lang == "zh" else "en"}">\n'
        '<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">\n'
        f'<meta name="generator" content="bankperf-analysis {_html.escape(__version__)}">\n'
        f"<title>{_html.escape(title)}</title>\n<style>\n{css}\n</style>\n</head>\n<body>\n"
        f'<main class="report sheets">{nav}{body}</main>\n</body>\n</html>\n'
    )


def _publish(folder: Path, pages: Mapping[str, str]) -> dict[str, Path]:
    """Write the pages into the quarter folder (under its lock), links checked; then the folder's links.

    Each page is checked for live or external content first: nothing is written if one has any.
    """
    from bankperf_analysis._atomic import atomic_write
    from bankperf_analysis.runner.cache import folder_lock
    from bankperf_analysis.runner.links import resolve_folder, resolve_page
    from bankperf_analysis.runner.safety import unsafe_content

    for name, page in pages.items():
        problems = unsafe_content(page)
        if problems:
            raise ReportError(f"The sheets page {name} would carry live or external content: {problems[:3]}.")
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    with folder_lock(folder):
        for name, page in pages.items():
            written[name] = atomic_write(folder / name, resolve_page(page, folder, name))
        resolve_folder(folder)  # the branch reports' links to these sheets come alive
    return {name: Path(p) for name, p in written.items()}


def _pdfs(files: Mapping[str, Path]) -> dict[str, Path]:
    """The PDF copy of each sheets file (one page per person); a failure names the file."""
    from bankperf_analysis.runner.pdf import html_to_pdf

    out = {}
    for b, path in files.items():
        try:
            out[b] = html_to_pdf(path, path.with_suffix(".pdf"), extra_css=SHEET_PDF_CSS)
        except Exception as exc:  # noqa: BLE001 - said with the file it concerns
            raise ReportError(f"The PDF of {path} could not be written: {type(exc).__name__}: {exc}") from exc
    return out
