"""Fill the scorecard workbook: every sheet's frame, labelled in ``lang``, written as a table.

Used by :func:`~bankperf_analysis.scorecard.export.write_scorecard`. ``lang=None`` writes the
data workbook (column ids, codes) that programs read back; ``"en"`` / ``"zh"`` the HR
workbook (labels, words, totals rows on the money sheets, the About sheet in words).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from bankperf_analysis._xlsx import SheetTable, Styles, excel_sheet_name
from bankperf_analysis.i18n import t
from bankperf_analysis.kpis import KPIS, channel_label
from bankperf_analysis.l10n import DEFAULT_TIMEZONE, period_label
from bankperf_analysis.scorecard._about import provenance_rows, scheme_rules
from bankperf_analysis.scorecard._hr import column_label, formats_for, kpi_value_formats, localise
from bankperf_analysis.scorecard.consequences import quarter_consequences
from bankperf_analysis.scorecard.period_basis import basis_label
from bankperf_analysis.scorecard.results import BranchScorecard, StaffScorecard

__all__ = ["fill_workbook", "FIXED_SHEETS"]

Progress = bool | Callable[[int, int], None] | None

#: Keys of the fixed sheets (their titles: ``t("sheet_<key>")``), in order; About comes last.
FIXED_SHEETS = (
    "summary",
    "consequences",
    "branch_results",
    "branch_kpis",
    "bonus",
    "deductions",
    "pools",
    "training",
    "not_in_post",
    "about",
)


@dataclass
class _Book:
    """What every sheet of one workbook needs: the workbook, its styles, the language."""

    wb: Any
    styles: Styles
    lang: str | None
    quarter: str
    names: dict[str, str] | None = None
    regions: dict[str, str] | None = None

    def title(self, key: str) -> str:
        return t(f"sheet_{key}", self.lang or "en")

    def table(
        self,
        frame: pd.DataFrame,
        *,
        freeze_after: str | None = None,
        totals: tuple[str, ...] = (),
        value_rows: bool = False,
    ) -> SheetTable:
        """``frame`` labelled in the book's language, with its formats, as a SheetTable."""
        lang = self.lang
        return SheetTable(
            localise(frame, lang, self.quarter, self.names, self.regions),
            formats_for(frame, lang),
            kpi_value_formats(frame, lang) if value_rows else None,
            headers=[column_label(str(c), lang) for c in frame.columns],
            freeze_after=freeze_after,
            totals=totals if lang is not None else (),
            total_label=t("row_total", lang or "en"),
        )

    def sheet(self, key: str, frame: pd.DataFrame, **kw) -> None:
        self.table(frame, **kw).write(self.wb.create_sheet(self.title(key)), self.styles)


def _pick(frame: pd.DataFrame, lang: str | None, *cols: str) -> pd.DataFrame:
    """In zh, each ``<col>_zh`` (``<col>_en``) replaces ``<col>``; in en the ``_en`` one does."""
    out = frame.copy()
    for c in cols:
        if lang is None:
            continue
        src = f"{c}_{lang}" if f"{c}_{lang}" in out.columns else c
        out[c] = out[src]
        out = out.drop(columns=[x for x in (f"{c}_en", f"{c}_zh") if x in out.columns])
    return out


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


def _staff_sheet_frame(staff: StaffScorecard, p: pd.DataFrame, lang: str | None) -> pd.DataFrame:
    """The per-person columns of a branch sheet; in a language, training needs and notes in it."""
    if lang is None:
        return p[_STAFF_SHEET_COLUMNS]
    out = _pick(p[[*_STAFF_SHEET_COLUMNS, "veto_reason_zh"]], lang, "veto_reason")
    tr = staff.training
    topic = "topic_zh" if lang == "zh" else "topic_en"
    sep = "；" if lang == "zh" else "; "
    needs = (
        tr.sort_values(["staff_id", "priority"], kind="stable")
        .groupby("staff_id")[topic]
        .agg(lambda s: sep.join(dict.fromkeys(s)))
        if len(tr)
        else pd.Series(dtype=object)
    )
    out["training_needs"] = p["staff_id"].map(needs).to_numpy()
    if lang == "zh":  # the note of the card is English text: say it with the reports' labels
        n_sc, n_k = p["n_kpis_scored"].to_numpy(), p["n_kpis"].to_numpy()
        note = np.full(len(p), None, dtype=object)
        rew = p["reweighted"].to_numpy(bool) & (n_sc > 0)
        note[rew] = [
            t("note_reweighted", lang, n=int(a), m=int(b)) for a, b in zip(n_sc[rew], n_k[rew], strict=True)
        ]
        note[~p["gradable"].to_numpy(bool)] = t("status_insufficient", lang)
        note[n_k == 0] = t("status_role_not_scored", lang)
        out["note"] = note
    return out


def _write_branch_sheets(book: _Book, staff: StaffScorecard, used: set[str], progress: Progress):
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
    frame = pd.concat([_staff_sheet_frame(staff, p, book.lang), scores], axis=1)
    table = book.table(frame, freeze_after="staff_name")
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
            shown = (book.names or {}).get(ids[a]) or (bname.iloc[0] if len(bname) else None)
            label = f"{ids[a]} {shown}" if shown else ids[a]
            table.write(book.wb.create_sheet(excel_sheet_name(label, used)), book.styles, cols, a, b)
            if bar is not None:
                bar.update(1)
            elif callable(progress):
                progress(done, total)
    finally:
        if bar is not None:
            bar.close()


def fill_workbook(
    wb,
    staff: StaffScorecard,
    branch: BranchScorecard | None,
    progress: Progress,
    *,
    lang: str | None = None,
    scheme=None,
    fingerprint: str | None = None,
    payroll_name: str | None = None,
    branches: pd.DataFrame | None = None,
) -> None:
    """Write every sheet of the scorecard workbook into the write-only workbook ``wb``.

    ``branches`` (the data's branches table) gives the names of branches and regions in
    ``lang`` where the data have them (``branch_name_zh``, ``region_zh``).
    """
    names, regions = _data_names(branches, lang)
    book = _Book(wb, Styles(wb), lang, staff.quarter, names, regions)
    used = {book.title(s).lower() for s in FIXED_SHEETS}
    book.sheet("summary", _summary_frame(staff, branch), freeze_after="branch_name")
    book.sheet(
        "consequences", _consequences_frame(staff, branch, lang), freeze_after="label" if lang else "label_zh"
    )
    if branch is not None:
        res = branch.branches.drop(columns=["period"], errors="ignore")
        if lang == "zh":
            res = res.drop(columns=["reason"])  # English text; the columns before it say the same
        book.sheet("branch_results", res, freeze_after="branch_name")
        kf = _branch_kpi_frame(branch, lang)
        book.sheet("branch_kpis", kf, freeze_after="branch_name", value_rows=True)
    cols = [
        "branch_id",
        "branch_name",
        "staff_id",
        "staff_name",
        "role",
        "grade",
        "composite_score",
        "bonus_yuan",
    ]
    bonus = staff.people.loc[staff.people["bonus_yuan"] > 0, cols]
    bonus = bonus.sort_values(["branch_id", "staff_id"], kind="stable")
    book.sheet("bonus", bonus, freeze_after="staff_name", totals=("bonus_yuan",))
    ded = _pick(_deductions_frame(staff, lang), lang, "adjustment_reasons", "veto_reason")
    book.sheet("deductions", ded, freeze_after="staff_name", totals=("deduction_yuan", "branch_cut_yuan"))
    if staff.bonus_pools is not None:
        book.sheet("pools", staff.bonus_pools, freeze_after="group")
    tcols = ["branch_id", "staff_id", "staff_name", "role", "priority", "kpi", "value", "target", "score"]
    tr = _pick(staff.training[[*tcols, "topic_en", "topic_zh"]], lang, "topic")
    book.sheet("training", tr, freeze_after="staff_name", value_rows=True)
    book.sheet("not_in_post", staff.not_in_post.drop(columns="period"), freeze_after="staff_name")
    _write_branch_sheets(book, staff, used, progress)
    about = _about_frame(staff, branch, lang, scheme, fingerprint, payroll_name)
    book.sheet("about", about, freeze_after="item")


def _data_names(branches: pd.DataFrame | None, lang: str | None):
    """Branch id -> name and region -> name in ``lang``, from the data (None: none to change)."""
    if branches is None or lang != "zh" or not len(branches):
        return None, None
    from bankperf_analysis.l10n import branch_names

    names = branch_names(branches, lang) if "branch_name_zh" in branches.columns else None
    regions = None
    if {"region", "region_zh"} <= set(branches.columns):
        r = branches.dropna(subset=["region", "region_zh"]).drop_duplicates("region")
        regions = dict(zip(r["region"].astype(str), r["region_zh"].astype(str), strict=True)) or None
    return names, regions


def _about_frame(staff, branch, lang, scheme, fingerprint, payroll_name) -> pd.DataFrame:
    """Rows of the About sheet: what made the workbook, totals, notes, the scheme in words."""
    zone = getattr(scheme, "timezone", DEFAULT_TIMEZONE)
    prov = provenance_rows(
        fingerprint=fingerprint,
        params_hash=staff.params_hash,
        scheme_name=staff.scheme_name,
        timezone=zone,
        lang=lang or "en",
    )
    rules = (
        scheme_rules(scheme, lang or "en")
        if scheme is not None
        else [(t("about_rules", lang or "en"), t("about_no_scheme", lang or "en"))]
    )
    if lang is None:  # the data workbook: its items as before, then what made it and the rules
        head = _legacy_about(staff, branch)
        tail = pd.DataFrame(prov + rules, columns=["item", "value"]).astype(object)
        return pd.concat([head, tail], ignore_index=True)
    c = staff.consequences()
    rows: list[tuple[str, object]] = [
        (t("about_quarter", lang), period_label(staff.quarter, lang)),
        *prov,
        (t("about_staff", lang), staff.n_staff),
        (t("about_branches", lang), branch.n_branches if branch is not None else None),
        *[(x.name(lang), x.text(lang)) for x in (c.bonus_total, c.deduction_total)],
    ]
    if payroll_name:
        rows.append((t("about_payroll", lang), payroll_name))
    rows.append((t("about_team_score_item", lang), t("about_team_score", lang)))
    rows += [
        (t("about_channels", lang, kpi=KPIS[k].zh if lang == "zh" else KPIS[k].en), channel_label(ch, lang))
        for k, ch in staff.channels.items()
    ]
    rows += _basis_items(staff, branch, lang)
    why = (lambda v: t("veto_not_evaluated_why", lang)) if lang == "zh" else (lambda v: v)
    rows += [
        (t("about_veto_not_evaluated", lang, rule=k), why(v)) for k, v in staff.veto_not_evaluated.items()
    ]
    rows += rules
    return pd.DataFrame(rows, columns=["item", "value"]).astype(object)


def _basis_items(staff, branch, lang: str) -> list[tuple[str, str]]:
    frames = [staff.kpis[["kpi", "basis"]]] + ([branch.kpis[["kpi", "basis"]]] if branch is not None else [])
    pairs = pd.concat(frames).drop_duplicates().astype(str)
    pairs = pairs[pairs["basis"] != "quarter"]
    return [
        (
            t("about_basis", lang, kpi=KPIS[k].zh if lang == "zh" else KPIS[k].en),
            basis_label(b, staff.quarter, lang),
        )
        for k, b in zip(pairs["kpi"], pairs["basis"], strict=True)
    ]


def _legacy_about(staff: StaffScorecard, branch: BranchScorecard | None) -> pd.DataFrame:
    """The data workbook's About items (ids in both languages), as before issue 16."""
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
    return pd.concat(
        [about, _channel_rows(staff), _basis_rows(staff, branch), _pay_rows(staff)], ignore_index=True
    )


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


def _deductions_frame(staff: StaffScorecard, lang: str | None = None) -> pd.DataFrame:
    """Who had additions or deductions (加减分项), a veto (一票否决) or a pay deduction, and why."""
    p = staff.people
    wanted = _DEDUCTION_COLUMNS if lang is None else [*_DEDUCTION_COLUMNS, "adjustment_reasons_zh"]
    cols = [c for c in wanted if c in p.columns]
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


def _branch_kpi_frame(branch: BranchScorecard, lang: str | None = None) -> pd.DataFrame:
    """The branch KPIs against their targets, with the basis of each target in en and zh.

    In a language the ``basis`` column itself is put in words (:func:`localise`).
    """
    cols = ["branch_id", "branch_name", "kpi", "value", "n", "target", "basis", "status", "score"]
    k = branch.kpis[cols].copy()
    if lang is not None:
        return k
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


def _consequences_frame(
    staff: StaffScorecard, branch: BranchScorecard | None, lang: str | None = None
) -> pd.DataFrame:
    """Every consequence count: key, label, value, unit, value with unit and definition (en, zh).

    ``value`` is empty when the count is not available (no branch card, or no check data).
    In a language: one column each of label, unit, text and definition, in it.
    """
    counts = quarter_consequences(staff, branch)
    if lang is not None:
        f = counts.to_frame(lang)
        return pd.DataFrame(
            {
                "count": f["count"],
                "label": f["label"],
                "value": f["value"].astype(object).where(f["value"].notna(), None),
                "unit": f["unit"],
                "text": [c.text(lang) for c in counts],
                "definition": f["definition"],
            }
        )
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
