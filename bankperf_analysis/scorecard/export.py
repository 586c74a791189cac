"""Write scorecards to Excel (.xlsx) or CSV, atomically.

:func:`write_scorecard` picks the format from the file suffix:

- ``.xlsx`` — one workbook with the sheets ``Summary`` (per branch: staff count,
  mean composite, grade counts, total bonus, reward / pay-cut / re-check flags),
  ``Consequences`` (every consequence count of the quarter with its unit and
  definition, in English and Chinese: :mod:`~bankperf_analysis.scorecard.consequences`),
  ``Branch results`` (mystery-shopper and video checks with rank, flags and the
  reason), ``Branch KPIs`` (each branch KPI against its target, with the basis of the
  target: the quarter, per month, or year-to-date / annualised for a yearly target),
  ``Bonus list``, ``Deductions and veto`` (additions and deductions with their
  reasons, vetoes with why, pay deductions), ``Bonus pools`` (with a pool: how each was
  shared, remainders included), ``Training list``, ``Not in post long enough`` (people in
  post fewer than ``scoring.min_days_in_post`` days: not scored, with their days), one
  sheet per branch (its staff in post with
  composite, grade, bonus, training needs and KPI scores; a score on the team's value is
  in its own column ``<kpi>_team_score``, and ``team_kpis`` lists those KPIs) and ``About``
  (quarter, scheme, params hash, channels, and the basis of every target not compared with
  the quarter's own value, what made the workbook: data fingerprint, params hash, version,
  code digest, time, and the scheme's rules in words when the scheme is given).
  Every sheet is an Excel table with its autofilter; the header row and the name column
  are frozen; columns are sized; numbers carry a format by unit (``0.0%``, seconds and
  minutes with their symbol, yuan ``#,##0.00``, other numbers two decimals) while the
  cell keeps full precision; every sheet prints on A4, one page wide (landscape when
  wide), the header row on every page. Written with openpyxl's streaming ``write_only``
  mode and one shared style per format, so a bank of 20,000 staff in 1,000 branches
  exports in seconds.

  With ``lang="en"`` or ``"zh"`` it is the HR workbook (``bankperf scorecard --lang``):
  sheet names, headers and codes (grades, roles, KPIs, statuses, consequences, Yes/No) in
  words of that language (:mod:`~bankperf_analysis.scorecard._hr`, from
  :mod:`bankperf_analysis.i18n`), a totals row under the bonus and deduction tables, and
  the payroll import file ``<stem>_payroll.csv`` next to the workbook
  (:mod:`~bankperf_analysis.scorecard.payroll`). Without ``lang`` (the default) the
  headers are the column ids and the values codes, as programs read them back.
- ``.csv`` — tidy CSV files next to each other, one per frame:
  ``<stem>_staff.csv``, ``<stem>_staff_kpis.csv``, ``<stem>_training.csv``,
  ``<stem>_not_in_post.csv``, with a bonus pool ``<stem>_bonus_pools.csv`` and,
  with a branch scorecard, ``<stem>_branches.csv``, ``<stem>_branch_kpis.csv``,
  ``<stem>_branch_checks.csv``. The path given is only the stem: no file is
  written at ``path`` itself. Encoding UTF-8 with BOM (``utf-8-sig``) so that
  Excel shows Chinese names correctly; rates stay fractions.

Every file is first written to a temporary file in the destination folder and
then renamed over the destination (:mod:`bankperf_analysis._atomic`), so a crash or an
error never leaves a half-written file (with CSV, no file is replaced unless all were
written).

Examples
--------
>>> import tempfile, pathlib, pandas as pd
>>> from bankperf_analysis.scheme import load_scheme
>>> from bankperf_analysis.scorecard import score_staff
>>> kpis = pd.DataFrame({
...     "level": "staff", "entity_id": "S1", "branch_id": "B1", "region": "North",
...     "role": "lobby_manager", "period_type": "quarter", "period": "2026Q3",
...     "kpi": ["on_duty_rate", "satisfaction_rate", "service_quality_score",
...             "complaint_count", "cross_sales_per_month"],
...     "value": [1.0, 0.95, 90.0, 0.0, 6.0], "n": 50})
>>> card = score_staff(kpis, load_scheme(), "2026Q3")
>>> out = pathlib.Path(tempfile.mkdtemp()) / "2026Q3.xlsx"
>>> [p.name for p in write_scorecard(out, card)]
['2026Q3.xlsx']
>>> pd.ExcelFile(out).sheet_names  # doctest: +NORMALIZE_WHITESPACE
['Summary', 'Consequences', 'Bonus list', 'Deductions and veto', 'Training list',
 'Not in post long enough', 'B1', 'About']
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from bankperf_analysis._atomic import atomic_write, atomic_write_many
from bankperf_analysis._validation import param_error
from bankperf_analysis._xlsx import excel_sheet_name
from bankperf_analysis.exceptions import ParamsError
from bankperf_analysis.i18n import check_lang
from bankperf_analysis.scorecard._workbook import fill_workbook
from bankperf_analysis.scorecard.payroll import payroll_frame, payroll_path, write_payroll
from bankperf_analysis.scorecard.results import BranchScorecard, StaffScorecard

__all__ = ["write_scorecard", "excel_sheet_name"]

Progress = bool | Callable[[int, int], None] | None


def _write_xlsx(
    tmp: Path, staff: StaffScorecard, branch: BranchScorecard | None, progress: Progress, **kw
) -> None:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    try:
        fill_workbook(wb, staff, branch, progress, **kw)
    except BaseException:
        _discard(wb)
        raise
    wb.save(tmp)


def _discard(wb) -> None:
    """Close the streaming sheets of an unfinished workbook and delete their temp files."""
    for ws in getattr(wb, "_sheets", []):
        rows, writer = getattr(ws, "_rows", None), getattr(ws, "_writer", None)
        if rows is not None:
            with contextlib.suppress(Exception):
                rows.close()
        if writer is not None:
            with contextlib.suppress(Exception):
                writer.close()
            with contextlib.suppress(Exception):
                writer.cleanup()


# ------------------------------------------------------------------- public


def write_scorecard(
    path: str | Path,
    staff_card: StaffScorecard,
    branch_card: BranchScorecard | None = None,
    *,
    lang: str | None = None,
    scheme=None,
    fingerprint: str | None = None,
    branches: pd.DataFrame | None = None,
    progress: Progress = None,
) -> list[Path]:
    """Write a quarter's scorecards to an Excel workbook or to CSV files.

    Parameters
    ----------
    path : str or Path
        ``*.xlsx`` for a workbook; ``*.csv`` for tidy CSV files written next to
        each other as ``<stem>_staff.csv``, ``<stem>_staff_kpis.csv``,
        ``<stem>_training.csv`` (+ ``<stem>_branches.csv``,
        ``<stem>_branch_kpis.csv``, ``<stem>_branch_checks.csv`` with a branch
        scorecard); nothing is written at ``path`` itself.
    staff_card : StaffScorecard
        From :func:`~bankperf_analysis.scorecard.score_staff`.
    branch_card : BranchScorecard, optional
        From :func:`~bankperf_analysis.scorecard.score_branches`.
    lang : {"en", "zh"} or None
        ``None`` (default): the data workbook, column ids as headers and codes as values,
        for programs that read it back. ``"en"`` / ``"zh"``: the HR workbook, headers and
        values as words in that language, a totals row on the money sheets, the About sheet
        in words, and the payroll import file ``<stem>_payroll.csv`` next to it
        (:mod:`~bankperf_analysis.scorecard.payroll`). ``.xlsx`` only.
    scheme : Scheme, optional
        The scheme the cards were scored with: its rules in words on the About sheet and the
        grade coefficients of the payroll file. Refused if its parameters hash is not the cards'.
    fingerprint : str, optional
        The data fingerprint (``Dataset.fingerprint``), stated on the About sheet.
    branches : pandas.DataFrame, optional
        The data's ``branches`` table: in zh, the names of branches and regions where the
        data give them (``branch_name_zh``, ``region_zh``).
    progress : bool or callable, optional
        ``True`` shows a tqdm bar over the branch sheets; a callable is called
        as ``progress(done, total)`` after each branch sheet (xlsx only).

    Returns
    -------
    list of Path
        The files written (the workbook, then the payroll file with a ``lang``).

    Raises
    ------
    ParamsError
        If the suffix is neither ``.xlsx`` nor ``.csv``, the cards are of different
        quarters, ``lang`` is not a language, or ``scheme`` is not the cards' scheme.

    Notes
    -----
    Writes are atomic (temporary file + rename): on any error no destination
    file is created or changed. In the workbook, text that starts with ``=`` is
    stored as text, never as a formula; CSV files keep values verbatim.
    """
    p = Path(path)
    _check_cards(staff_card, branch_card)
    suffix = p.suffix.lower()
    if lang is not None:
        check_lang(lang)
    _check_scheme(scheme, staff_card)
    if suffix == ".xlsx" and lang is not None:
        kw = {"lang": lang, "scheme": scheme, "fingerprint": fingerprint, "branches": branches}
        return _write_hr(p, staff_card, branch_card, progress, **kw)
    if suffix == ".xlsx":
        data_kw = {"scheme": scheme, "fingerprint": fingerprint}
        return [atomic_write(p, lambda tmp: _write_xlsx(tmp, staff_card, branch_card, progress, **data_kw))]
    if suffix == ".csv":
        return _write_csv(p, staff_card, branch_card)
    raise ParamsError(
        f"The 'path' parameter of write_scorecard must end in .xlsx or .csv. Got {str(path)!r} instead."
    )


def _write_hr(p: Path, staff_card, branch_card, progress: Progress, *, lang: str, scheme, **kw) -> list[Path]:
    """The HR workbook and its payroll file, published together (neither without the other)."""
    pay = payroll_path(p)
    frame = payroll_frame(staff_card, scheme, lang)
    kw.update(lang=lang, scheme=scheme, payroll_name=pay.name)
    return atomic_write_many(
        [
            (p, lambda tmp: _write_xlsx(tmp, staff_card, branch_card, progress, **kw)),
            (pay, lambda tmp: write_payroll(tmp, frame)),
        ]
    )


def _check_scheme(scheme, staff_card: StaffScorecard) -> None:
    """Refuse a scheme other than the one the card was scored with (its rules would be wrong)."""
    if scheme is None:
        return
    got = getattr(scheme, "params_hash", None)
    if not callable(got) or got() != staff_card.params_hash:
        raise param_error(
            "scheme",
            "write_scorecard",
            f"the Scheme the cards were scored with (params hash {staff_card.params_hash[:12]})",
            f"{type(scheme).__name__} with params hash {got()[:12]}"
            if callable(got)
            else type(scheme).__name__,
        )


def _check_cards(staff_card: StaffScorecard, branch_card: BranchScorecard | None) -> None:
    """Refuse anything but a staff card and, optionally, a branch card of the same quarter."""
    if not isinstance(staff_card, StaffScorecard):
        raise ParamsError(
            "The 'staff_card' parameter of write_scorecard must be a StaffScorecard. "
            f"Got {type(staff_card).__name__} instead."
        )
    if branch_card is None:
        return
    if not isinstance(branch_card, BranchScorecard):
        raise ParamsError(
            "The 'branch_card' parameter of write_scorecard must be a BranchScorecard or "
            f"None. Got {type(branch_card).__name__} instead."
        )
    if branch_card.quarter != staff_card.quarter:
        expected = f"of the staff card's quarter {staff_card.quarter}"
        raise param_error("branch_card", "write_scorecard", expected, branch_card.quarter)


def _write_csv(p: Path, staff_card: StaffScorecard, branch_card: BranchScorecard | None) -> list[Path]:
    """The cards' frames as ``<stem>_<frame>.csv`` next to ``p``, published together."""
    frames = {
        "staff": staff_card.people,
        "staff_kpis": staff_card.kpis,
        "training": staff_card.training,
        "not_in_post": staff_card.not_in_post,
    }
    if staff_card.bonus_pools is not None:
        frames["bonus_pools"] = staff_card.bonus_pools
    if branch_card is not None:
        frames.update(
            branches=branch_card.branches, branch_kpis=branch_card.kpis, branch_checks=branch_card.checks
        )

    def writer(frame: pd.DataFrame) -> Callable[[Path], None]:
        return lambda tmp: frame.to_csv(tmp, index=False, encoding="utf-8-sig")

    return atomic_write_many((p.with_name(f"{p.stem}_{name}.csv"), writer(f)) for name, f in frames.items())
