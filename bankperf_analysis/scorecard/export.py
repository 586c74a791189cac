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
  the quarter's own value). Header rows are frozen, columns sized, rates shown as
  percentages. Written with openpyxl's streaming ``write_only`` mode, so a bank
  of 20,000 staff in 1,000 branches exports in seconds.
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
import re
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from bankperf_analysis._atomic import atomic_write, atomic_write_many
from bankperf_analysis._validation import param_error
from bankperf_analysis.exceptions import ParamsError
from bankperf_analysis.kpis import KPIS, channel_label
from bankperf_analysis.scheme import KNOWN_KPIS
from bankperf_analysis.scorecard.consequences import quarter_consequences
from bankperf_analysis.scorecard.period_basis import basis_label
from bankperf_analysis.scorecard.results import BranchScorecard, StaffScorecard

__all__ = ["write_scorecard", "excel_sheet_name"]

Progress = bool | Callable[[int, int], None] | None

_INVALID_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
#: Sheet of the people in post fewer than the scheme's minimum days (not scored).
_NOT_IN_POST = "Not in post long enough"
_DEDUCTIONS, _POOLS = "Deductions and veto", "Bonus pools"
_FIXED_SHEETS = (
    "Summary",
    "Consequences",
    "Branch results",
    "Branch KPIs",
    "Bonus list",
    _DEDUCTIONS,
    _POOLS,
    "Training list",
    _NOT_IN_POST,
    "About",
)

_PCT = "0.0%"
_SCORE = "0.00"
_YUAN = "#,##0"


# -------------------------------------------------------------- sheet names


def excel_sheet_name(name: object, used: set[str] | None = None) -> str:
    r"""Make a valid, unique Excel sheet name.

    Excel's rules: at most 31 characters, none of ``[ ] : * ? / \``, not empty,
    not starting or ending with an apostrophe, not ``History``, and unique
    ignoring case. Invalid characters become ``_``; a clash gets ``~2``, ``~3``...

    Parameters
    ----------
    name : object
        Wanted name (converted with ``str``).
    used : set of str, optional
        Lower-cased names already taken; the result is added to it.

    Returns
    -------
    str

    Examples
    --------
    >>> used = set()
    >>> excel_sheet_name("B01 Nanjing Road [flagship]: east/west", used)
    'B01 Nanjing Road _flagship__ ea'
    >>> excel_sheet_name("b01 nanjing road _flagship__ ea", used)
    'b01 nanjing road _flagship__ ~2'
    >>> excel_sheet_name("'History'", used)
    'History_'
    """
    used = set() if used is None else used
    text = _INVALID_SHEET_CHARS.sub("_", _ILLEGAL_XML.sub("", str(name))).strip().strip("'")
    text = text.strip() or "Sheet"
    if text.lower() == "history":
        text = "History_"
    text = text[:31]
    candidate, i = text, 1
    while candidate.lower() in used:
        i += 1
        suffix = f"~{i}"
        candidate = text[: 31 - len(suffix)] + suffix
    used.add(candidate.lower())
    return candidate


# ----------------------------------------------------------------- frames


def _summary_frame(staff: StaffScorecard, branch: BranchScorecard | None) -> pd.DataFrame:
    p = staff.people.assign(branch_id=staff.people["branch_id"].fillna("(no branch)"))
    g = p.groupby("branch_id", sort=True)
    out = pd.DataFrame(
        {
            "n_staff": g.size(),
            "n_graded": g["gradable"].sum().astype("int64"),
            "mean_composite": g["composite_score"].mean(),
        }
    )
    counts = pd.crosstab(p["branch_id"], p["grade"]).reindex(columns=list(staff.grade_names), fill_value=0)
    counts.columns = [f"n_{c}" for c in counts.columns]
    out = out.join(counts)
    out["n_not_graded"] = out["n_staff"] - out["n_graded"]
    out["total_bonus_yuan"] = g["bonus_yuan"].sum()
    names = (
        p.dropna(subset=["branch_name"]).drop_duplicates("branch_id").set_index("branch_id")["branch_name"]
        if p["branch_name"].notna().any()
        else None
    )
    region = p.drop_duplicates("branch_id").set_index("branch_id")["region"]
    out.insert(0, "region", region)
    out.insert(0, "branch_name", names if names is not None else pd.NA)
    for c in [c for c in out.columns if c.startswith("n_")]:
        out[c] = out[c].fillna(0).astype("int64")
    if branch is not None and len(branch.branches):
        b = branch.branches.set_index("branch_id")
        flag_cols = [c for c in b.columns if c.endswith(("_pay_cut",))] + [
            "reward",
            "pay_cut_share_total",
            "recheck",
        ]
        out = out.join(b[flag_cols], how="outer")
        out["branch_name"] = out["branch_name"].combine_first(b["branch_name"])
        out["region"] = out["region"].combine_first(b["region"])
        for c in ["n_staff", "n_graded", "n_not_graded"] + list(counts.columns):
            out[c] = out[c].fillna(0).astype("int64")
        out["total_bonus_yuan"] = out["total_bonus_yuan"].fillna(0.0)
    out.index.name = "branch_id"
    return out.reset_index()


class _Table:
    """A frame converted once to Python rows for openpyxl.

    Text is sanitised (no XML-illegal control characters), missing values become
    None, and column widths and number formats are worked out. Branch sheets are
    slices of one big table, so the pandas work is done once for the whole bank
    instead of once per branch.
    """

    def __init__(
        self,
        frame: pd.DataFrame,
        formats: dict[str, str] | None = None,
        row_formats: dict[str, np.ndarray] | None = None,
    ):
        self.columns = [str(c) for c in frame.columns]
        obj = frame.astype(object).where(frame.notna(), None)
        formula = np.zeros(len(frame), dtype=bool)
        widths = []
        sample = obj.head(500)
        for c in obj.columns:
            col = obj[c]
            text_mask = col.map(lambda v: isinstance(v, str)).to_numpy(bool)
            if text_mask.any():
                cleaned = col[text_mask].astype(str).str.replace(_ILLEGAL_XML, "", regex=True)
                obj.loc[text_mask, c] = cleaned
                starts_eq = cleaned.str.startswith("=").to_numpy(bool)
                formula[np.flatnonzero(text_mask)[starts_eq]] = True
            shown = sample[c].map(
                lambda v: "" if v is None else f"{v:.2f}" if isinstance(v, float) else str(v)
            )
            lens = shown.str.len() + shown.str.count(r"[^\x00-\xff]")  # CJK ~ double width
            longest = int(lens.max()) if len(lens) else 0
            widths.append(max(min(max(len(str(c)), longest) + 2, 60), 8))
        self.rows = obj.to_numpy().tolist()
        self.formula_rows = formula
        self.widths = widths
        formats = formats or {}
        self.formats = {i: formats[c] for i, c in enumerate(self.columns) if c in formats}
        row_formats = row_formats or {}
        self.row_formats = {i: row_formats[c] for i, c in enumerate(self.columns) if c in row_formats}

    def write(self, ws, cols: list[int] | None = None, start: int = 0, stop: int | None = None) -> None:
        """Append rows ``start:stop`` (columns ``cols``) to a write-only sheet."""
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font
        from openpyxl.utils import get_column_letter

        cols = list(range(len(self.columns))) if cols is None else cols
        for j, i in enumerate(cols, start=1):
            ws.column_dimensions[get_column_letter(j)].width = self.widths[i]
        ws.freeze_panes = "A2"
        bold = Font(bold=True)
        header = []
        for i in cols:
            cell = WriteOnlyCell(ws, _ILLEGAL_XML.sub("", self.columns[i]))
            cell.font = bold
            header.append(cell)
        ws.append(header)
        fmts = [(j, self.formats[i]) for j, i in enumerate(cols) if i in self.formats]
        row_fmts = [(j, self.row_formats[i]) for j, i in enumerate(cols) if i in self.row_formats]
        full = cols == list(range(len(self.columns)))
        stop = len(self.rows) if stop is None else stop
        for r in range(start, stop):
            row = self.rows[r]
            out = list(row) if full else [row[i] for i in cols]
            for j, f in fmts:
                if out[j] is not None:
                    cell = WriteOnlyCell(ws, out[j])
                    cell.number_format = f
                    out[j] = cell
            for j, arr in row_fmts:
                if out[j] is not None and arr[r]:
                    cell = WriteOnlyCell(ws, out[j])
                    cell.number_format = arr[r]
                    out[j] = cell
            if self.formula_rows[r]:
                for j, v in enumerate(out):
                    if isinstance(v, str) and v.startswith("="):
                        cell = WriteOnlyCell(ws, v)
                        cell.data_type = "s"  # text, never a formula
                        out[j] = cell
            ws.append(out)


def _formats_for(columns: Iterable[str]) -> dict[str, str]:
    f: dict[str, str] = {}
    for c in map(str, columns):
        if c.endswith(("_share", "share_total")) or (c in KNOWN_KPIS and KNOWN_KPIS[c].is_rate):
            f[c] = _PCT
        elif c.endswith("_yuan"):
            f[c] = _YUAN
        elif c.endswith(("_score", "_composite", "_mean")) or c in (
            "composite_score",
            "mean_composite",
            "score",
        ):
            f[c] = _SCORE
    return f


def _kpi_value_formats(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """Per-row formats of the value/target columns of a long frame (rates as %)."""
    if "kpi" not in frame.columns:
        return {}
    rates = {k for k, info in KNOWN_KPIS.items() if info.is_rate}
    arr = np.where(frame["kpi"].isin(rates).to_numpy(bool), _PCT, "")
    return {c: arr for c in ("value", "target") if c in frame.columns}


def _sheet(
    wb,
    title: str,
    frame: pd.DataFrame,
    formats: dict[str, str] | None = None,
    row_formats: dict[str, np.ndarray] | None = None,
) -> None:
    _Table(frame, _formats_for(frame.columns) if formats is None else formats, row_formats).write(
        wb.create_sheet(title)
    )


_STAFF_SHEET_COLUMNS = [
    "staff_id",
    "staff_name",
    "role",
    "raw_composite",
    "adjustment_points",
    "composite_score",
    "grade",
    "veto_reason",
    "bonus_yuan",
    "deduction_yuan",
    "scored_weight_share",
    "reweighted",
    "n_kpis_met",
    "n_kpis",
    "training_needs",
    "note",
    "days_in_post",
    "days_by_branch",
    "team_kpis",
]


def _write_branch_sheets(wb, staff: StaffScorecard, used: set[str], progress: Progress):
    """One sheet per branch: its staff, their results and their KPI scores."""
    p = staff.people.assign(branch_id=staff.people["branch_id"].fillna("(no branch)"))
    p = p.sort_values(["branch_id", "staff_id"], kind="stable").reset_index(drop=True)
    k = staff.kpis
    if "scored_on" in k.columns:  # a score on the team's value has its own column: <kpi>_team_score
        k = k.assign(kpi=k["kpi"].astype(str) + np.where(k["scored_on"].to_numpy() == "team", "_team", ""))
    order = list(dict.fromkeys(k["kpi"]))
    if len(k):
        wide = k.pivot_table(
            index="staff_id", columns="kpi", values="score", aggfunc="first", dropna=False
        ).reindex(columns=order)
        scores = wide.reindex(p["staff_id"]).reset_index(drop=True)
    else:
        scores = pd.DataFrame(index=p.index)
    scores.columns = [f"{c}_score" for c in scores.columns]
    table = _Table(
        pd.concat([p[_STAFF_SHEET_COLUMNS], scores], axis=1),
        _formats_for(list(_STAFF_SHEET_COLUMNS) + list(scores.columns)),
    )
    base = list(range(len(_STAFF_SHEET_COLUMNS)))
    kpi_pos = {kpi: len(base) + i for i, kpi in enumerate(order)}
    role_kpis = {r: list(g) for r, g in k.groupby("role", sort=False)["kpi"].unique().items()}
    ids = p["branch_id"].to_numpy()
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]]) if len(ids) else np.array([], int)
    stops = np.r_[starts[1:], len(ids)]
    names = p["branch_name"]
    roles = p["role"]
    total = len(starts)
    bar = None
    if progress is True:
        from tqdm.auto import tqdm

        bar = tqdm(total=total, desc="branch sheets", unit="branch")
    try:
        for done, (a, b) in enumerate(zip(starts, stops, strict=True), start=1):
            here: set[str] = set()
            for r in roles.iloc[a:b].dropna().unique():
                here.update(role_kpis.get(r, ()))
            cols = base + [kpi_pos[x] for x in order if x in here]
            bname = names.iloc[a:b].dropna()
            label = f"{ids[a]} {bname.iloc[0]}" if len(bname) else ids[a]
            table.write(wb.create_sheet(excel_sheet_name(label, used)), cols, a, b)
            if bar is not None:
                bar.update(1)
            elif callable(progress):
                progress(done, total)
    finally:
        if bar is not None:
            bar.close()


def _write_xlsx(tmp: Path, staff: StaffScorecard, branch: BranchScorecard | None, progress: Progress) -> None:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    try:
        _fill_workbook(wb, staff, branch, progress)
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


def _fill_workbook(wb, staff: StaffScorecard, branch: BranchScorecard | None, progress: Progress) -> None:
    used = {s.lower() for s in _FIXED_SHEETS}
    _sheet(wb, "Summary", _summary_frame(staff, branch))
    _sheet(wb, "Consequences", _consequences_frame(staff, branch), {})
    if branch is not None:
        _sheet(wb, "Branch results", branch.branches)
        kf = _branch_kpi_frame(branch)
        _sheet(wb, "Branch KPIs", kf, {"score": _SCORE}, _kpi_value_formats(kf))
    bonus = staff.people.loc[
        staff.people["bonus_yuan"] > 0,
        [
            "branch_id",
            "branch_name",
            "staff_id",
            "staff_name",
            "role",
            "grade",
            "composite_score",
            "bonus_yuan",
        ],
    ]
    _sheet(wb, "Bonus list", bonus.sort_values(["branch_id", "staff_id"], kind="stable"))
    _sheet(wb, _DEDUCTIONS, _deductions_frame(staff))
    if staff.bonus_pools is not None:
        _sheet(wb, _POOLS, staff.bonus_pools)
    tr = staff.training[
        [
            "branch_id",
            "staff_id",
            "staff_name",
            "role",
            "priority",
            "kpi",
            "value",
            "target",
            "score",
            "topic_en",
            "topic_zh",
        ]
    ]
    _sheet(wb, "Training list", tr, {"score": _SCORE}, _kpi_value_formats(tr))
    _sheet(wb, _NOT_IN_POST, staff.not_in_post.drop(columns="period"), {})
    _write_branch_sheets(wb, staff, used, progress)
    about = pd.DataFrame(
        {
            "item": [
                "quarter",
                "scheme",
                "params_hash",
                "staff",
                "branches",
                "consequence counts",
                "<kpi>_team_score, team_kpis",
            ],
            "value": [
                staff.quarter,
                staff.scheme_name,
                staff.params_hash,
                staff.n_staff,
                branch.n_branches if branch is not None else None,
                "see the sheet Consequences",
                "scored on the team's (branch's) value, not the person's own (团队值，非个人值)",
            ],
        }
    ).astype(object)
    about = pd.concat(
        [about, _channel_rows(staff), _basis_rows(staff, branch), _pay_rows(staff)], ignore_index=True
    )
    _sheet(wb, "About", about, {})


_DEDUCTION_COLUMNS = [
    "branch_id",
    "staff_id",
    "staff_name",
    "role",
    "raw_composite",
    "adjustment_points",
    "adjustment_reasons",
    "composite_score",
    "grade",
    "veto_reason",
    "veto_reason_zh",
    "deduction_yuan",
    "branch_cut_yuan",
]


def _deductions_frame(staff: StaffScorecard) -> pd.DataFrame:
    """Who had additions or deductions (加减分项), a veto (一票否决) or a pay deduction, and why."""
    p = staff.people
    cols = [c for c in _DEDUCTION_COLUMNS if c in p.columns]
    if "veto" not in p.columns:
        return p.loc[[], cols]
    hit = p["veto"].astype(bool) | p["adjustment_reasons"].fillna("").ne("") | p["deduction_yuan"].gt(0)
    hit |= p["branch_cut_yuan"].gt(0) if "branch_cut_yuan" in p.columns else False
    return p.loc[hit.to_numpy(bool), cols].sort_values(["branch_id", "staff_id"], kind="stable")


def _pay_rows(staff: StaffScorecard) -> pd.DataFrame:
    """Rows of the About sheet: veto rules not evaluated, and how a bonus pool is shared."""
    items = [(f"veto rule not evaluated: {k}", v) for k, v in staff.veto_not_evaluated.items()]
    if staff.bonus_pools is not None:
        items.append(
            (
                "bonus pools",
                "shared by grade coefficient in whole yuan, summing exactly to each pool (largest "
                "remainder: the yuan left over go one each to the largest remainders, ties by staff id; "
                "bonus_remainder_yuan on each person, remainder_yuan per pool)",
            )
        )
    return pd.DataFrame({"item": [i for i, _ in items], "value": [v for _, v in items]}).astype(object)


def _channel_rows(staff: StaffScorecard) -> pd.DataFrame:
    """Rows of the About sheet: the contact channels each contact KPI counts, in en and zh."""
    items = list(staff.channels.items())
    return pd.DataFrame(
        {
            "item": [f"channels: {k} ({KPIS[k].en} / {KPIS[k].zh})" for k, _ in items],
            "value": [f"{channel_label(c, 'en')} ({channel_label(c, 'zh')})" for _, c in items],
        }
    ).astype(object)


def _basis_words(basis: pd.Series, quarter: str, lang: str) -> pd.Series:
    """Each row's target basis in words ("year-to-date (Jan–Dec 2026)")."""
    words = {b: basis_label(b, quarter, lang) for b in basis.dropna().unique()}
    return basis.map(words)


def _branch_kpi_frame(branch: BranchScorecard) -> pd.DataFrame:
    """The branch KPIs against their targets, with the basis of each target in en and zh."""
    cols = ["branch_id", "branch_name", "kpi", "value", "n", "target", "basis", "status", "score"]
    k = branch.kpis[cols].copy()
    for lang in ("en", "zh"):
        k[f"basis_{lang}"] = _basis_words(k["basis"].astype(object), branch.quarter, lang)
    return k


def _basis_rows(staff: StaffScorecard, branch: BranchScorecard | None) -> pd.DataFrame:
    """Rows of the About sheet: every target not compared with the quarter's own value, and how."""
    frames = [staff.kpis[["kpi", "basis"]]] + ([branch.kpis[["kpi", "basis"]]] if branch is not None else [])
    pairs = pd.concat(frames).drop_duplicates().astype(str)
    pairs = pairs[pairs["basis"] != "quarter"]
    return pd.DataFrame(
        {
            "item": [f"target basis: {k} ({KPIS[k].en} / {KPIS[k].zh})" for k in pairs["kpi"]],
            "value": [
                f"{basis_label(b, staff.quarter, 'en')} ({basis_label(b, staff.quarter, 'zh')})"
                for b in pairs["basis"]
            ],
        }
    ).astype(object)


def _consequences_frame(staff: StaffScorecard, branch: BranchScorecard | None) -> pd.DataFrame:
    """Every consequence count: key, label, value, unit, value with unit and definition (en, zh).

    ``value`` is empty when the count is not available (no branch card, or no check data).
    """
    counts = quarter_consequences(staff, branch)
    en, zh = counts.to_frame("en"), counts.to_frame("zh")
    return pd.DataFrame(
        {
            "count": en["count"],
            "label_en": en["label"],
            "label_zh": zh["label"],
            "value": en["value"].astype(object).where(en["value"].notna(), None),
            "unit_en": en["unit"],
            "unit_zh": zh["unit"],
            "text_en": [c.text("en") for c in counts],
            "text_zh": [c.text("zh") for c in counts],
            "definition_en": en["definition"],
            "definition_zh": zh["definition"],
        }
    )


# ------------------------------------------------------------------- public


def write_scorecard(
    path: str | Path,
    staff_card: StaffScorecard,
    branch_card: BranchScorecard | None = None,
    *,
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
    progress : bool or callable, optional
        ``True`` shows a tqdm bar over the branch sheets; a callable is called
        as ``progress(done, total)`` after each branch sheet (xlsx only).

    Returns
    -------
    list of Path
        The files written.

    Raises
    ------
    ParamsError
        If the suffix is neither ``.xlsx`` nor ``.csv``, or the cards are of
        different quarters.

    Notes
    -----
    Writes are atomic (temporary file + rename): on any error no destination
    file is created or changed. In the workbook, text that starts with ``=`` is
    stored as text, never as a formula; CSV files keep values verbatim.
    """
    p = Path(path)
    _check_cards(staff_card, branch_card)
    suffix = p.suffix.lower()
    if suffix == ".xlsx":
        return [atomic_write(p, lambda tmp: _write_xlsx(tmp, staff_card, branch_card, progress))]
    if suffix == ".csv":
        return _write_csv(p, staff_card, branch_card)
    raise ParamsError(
        f"The 'path' parameter of write_scorecard must end in .xlsx or .csv. Got {str(path)!r} instead."
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
