"""Report content: shared inputs computed once per batch, and the sections of each report.

The report notebooks are thin: every cell calls one function here and shows its result.

* :func:`prepare_batch` runs once per batch (the runner's ``prepare`` hook): it loads and
  validates the dataset, computes the KPI frame, the quarter's scorecards, the
  significance of the satisfaction changes, the league table and the staffing plans,
  and writes them as Parquet + ``meta.json`` into one folder.
* :class:`BranchReport` and :class:`BankOverview` read that folder (milliseconds) and
  render each section: KPI tiles with traffic lights, trends, the satisfaction verdict,
  the staff table, the branch checks, complaints, staffing, and a data-quality note.

Every name coming from the data is HTML-escaped; every label goes through
:mod:`bankperf_analysis.i18n`, so ``lang="zh"`` gives a Chinese report throughout.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bankperf_analysis import __version__
from bankperf_analysis.exceptions import ParamsError
from bankperf_analysis.i18n import check_lang, kpi_label, role_label, t
from bankperf_analysis.metrics.compute import KPI_CATALOGUE
from bankperf_analysis.periods import Period

__all__ = [
    "prepare_batch",
    "ReportInputs",
    "BranchReport",
    "BankOverview",
    "HtmlBlock",
    "format_value",
]

#: KPIs shown as tiles at the top of a branch report, in order.
TILE_KPIS: tuple[str, ...] = (
    "satisfaction_rate", "response_time_seconds", "service_level", "resolution_rate",
    "cross_sales_per_month", "complaint_closed_on_time_rate", "mystery_shopper_score",
    "video_check_score", "queue_wait_seconds", "churn_rate",
)
#: KPIs drawn in the trend panel.
TREND_KPIS: tuple[str, ...] = (
    "satisfaction_rate", "response_time_seconds", "resolution_rate", "cross_sales_per_month",
)
N_TREND_QUARTERS = 5

_COLORS = {"met": "#1a7f37", "near": "#b7791f", "below": "#c53030", "none": "#718096"}


# ----------------------------------------------------------------------------- display


@dataclass(frozen=True)
class HtmlBlock:
    """A piece of report HTML; displays itself in a notebook (last line of a cell)."""

    html: str

    def _repr_html_(self) -> str:
        return self.html

    def __str__(self) -> str:
        return self.html


def _e(x: Any) -> str:
    """Escape any value for HTML."""
    if x is None or (isinstance(x, float) and not np.isfinite(x)):
        return ""
    return html.escape(str(x), quote=True)


def format_value(kpi: str, value: float | None, lang: str = "en") -> str:
    """Format a KPI value with its unit for display.

    Examples
    --------
    >>> format_value("satisfaction_rate", 0.8523)
    '85.2 %'
    >>> format_value("response_time_seconds", 232.4, "zh")
    '232 秒'
    """
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "–"
    unit = KPI_CATALOGUE[kpi].unit if kpi in KPI_CATALOGUE else ""
    v = float(value)
    if unit == "share":
        if kpi in ("cash_error_rate", "ledger_error_rate"):
            return f"{100 * v:.3f} %"
        return f"{100 * v:.1f} %"
    if unit == "seconds":
        return f"{v:,.0f} {t('unit_seconds', lang)}"
    if unit == "minutes":
        return f"{v:.1f} {t('unit_minutes', lang)}"
    if unit == "hours":
        return f"{v:.1f} {t('unit_hours', lang)}"
    if unit == "yuan":
        return f"{v:,.0f} {t('unit_yuan', lang)}"
    if unit in ("complaints", "customers", "incidents"):
        return f"{v:,.0f}"
    if unit == "share of baseline":
        return f"{100 * v:.0f} %"
    if unit == "points of 100":
        return f"{v:.1f}"
    return f"{v:.2f}" if abs(v) < 100 else f"{v:,.0f}"


# ----------------------------------------------------------------------------- inputs


def _write_frame(df: pd.DataFrame, path: Path) -> None:
    tmp = path.with_suffix(".tmp")
    df = df.copy()
    for c in df.columns:
        if df[c].dtype == object:
            df[c] = df[c].astype("string")
    df.to_parquet(tmp, index=False)
    tmp.replace(path)


def prepare_batch(data_dir: str | Path, quarter: str, out_dir: str | Path, *,
                  scheme_path: str | Path | None = None, ds=None) -> Path:
    """Compute every input the reports of one quarter share, once, into ``out_dir``.

    Parameters
    ----------
    data_dir : str or Path
        The dataset (folder or DuckDB file).
    quarter : str
        Reporting quarter, e.g. ``"2026Q3"``.
    out_dir : str or Path
        Folder for the shared inputs (created). The runner passes its path to every
        notebook as the ``shared_inputs`` parameter.
    scheme_path : str or Path, optional
        Scheme YAML (default: the packaged ``params/scheme.yaml``).
    ds : Dataset, optional
        An already loaded dataset (skips loading and validation).

    Returns
    -------
    Path
        ``out_dir``.
    """
    from bankperf_analysis.dataset.load import load_dataset
    from bankperf_analysis.metrics.compute import MetricOptions, compute_kpis, kpi_availability
    from bankperf_analysis.scheme import load_scheme
    from bankperf_analysis.scorecard.quarter import quarter_scorecards

    q = Period.parse(quarter)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    scheme = load_scheme(scheme_path) if scheme_path else load_scheme()
    own = ds is None
    ds = ds or load_dataset(data_dir)
    try:
        opts = MetricOptions.from_scheme(scheme)
        first = q.shift(-(N_TREND_QUARTERS - 1))
        cov_first, _ = ds.coverage()
        start = max(first, Period.parse(cov_first)) if cov_first else q
        frames = []
        for p in _quarters(start, q):
            frames.append(compute_kpis(ds, period=str(p), options=opts,
                                       period_types=("month", "quarter")))
        kpis = pd.concat(frames, ignore_index=True)
        qkpis = kpis[kpis.period.isin(_quarter_and_months(q))]
        _, staff_card, branch_card = quarter_scorecards(ds, str(q), scheme, kpis=qkpis)
        changes = _satisfaction_changes(ds, kpis, q)
        league = _league(ds, kpis, q)
        branches = ds.table("branches")
        staff = ds.table("staff")
        meta = {
            "quarter": str(q),
            "fingerprint": ds.fingerprint,
            "params_hash": scheme.params_hash(),
            "scheme_name": scheme.name,
            "version": __version__,
            "dataset": ds.meta.get("name", str(data_dir)),
            "generated_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "quarters": [str(p) for p in _quarters(start, q)],
            "unavailable": kpi_availability(ds).query("not available").kpi.tolist(),
            "min_n": {r.kpi: r.min_n for role in scheme.roles for r in role.kpis},
            "branch_targets": _report_targets(scheme),
        }
        staffing = _staffing_inputs(ds, q, scheme)
    finally:
        if own:
            ds.close()
    _write_frame(kpis, out / "kpis.parquet")
    _write_frame(staff_card.people, out / "staff_scores.parquet")
    _write_frame(staff_card.kpis, out / "staff_kpis.parquet")
    _write_frame(staff_card.training, out / "training.parquet")
    _write_frame(branch_card.branches, out / "branch_scores.parquet")
    _write_frame(branch_card.checks, out / "branch_checks.parquet")
    _write_frame(branch_card.kpis, out / "branch_kpis.parquet")
    _write_frame(changes, out / "changes.parquet")
    _write_frame(league, out / "league.parquet")
    _write_frame(branches, out / "branches.parquet")
    _write_frame(staff, out / "staff.parquet")
    for name, df in staffing.items():
        _write_frame(df, out / f"staffing_{name}.parquet")
    tmp = out / "meta.json.tmp"
    tmp.write_text(json.dumps(meta, indent=2, ensure_ascii=False), encoding="utf-8")
    tmp.replace(out / "meta.json")
    return out


def _report_targets(scheme) -> dict[str, dict]:
    """Targets shown in a branch report: the branch's own, else the role standard.

    A branch KPI without a branch target (service level, response time, cross-sales...)
    is held to the standard the scheme sets for the roles that deliver it (e.g. 95 %
    answered within 30 s), marked ``source: role``.
    """
    out: dict[str, dict] = {}
    for role in scheme.roles:
        for r in role.kpis:
            if r.kpi not in out and r.target is not None:
                out[r.kpi] = {"target": r.target, "direction": r.direction, "min_n": r.min_n,
                              "source": "role"}
    for r in scheme.branch.kpis:
        out[r.kpi] = {"target": r.target, "direction": r.direction, "min_n": r.min_n,
                      "source": "branch"}
    return out


def _quarters(a: Period, b: Period) -> list[Period]:
    out = []
    while a <= b:
        out.append(a)
        a = a.shift(1)
    return out


def _quarter_and_months(q: Period) -> list[str]:
    from bankperf_analysis.periods import months_in

    return [str(q), *[str(m) for m in months_in(q)]]


def _satisfaction_changes(ds, kpis: pd.DataFrame, q: Period) -> pd.DataFrame:
    """Satisfaction of every branch and of the bank: this quarter vs the previous one.

    Branch verdicts use Benjamini–Hochberg-adjusted p-values over all branches
    (:func:`bankperf_analysis.significance.changes.kpi_changes`).
    """
    import warnings

    from bankperf_analysis.significance import kpi_changes

    parts = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # small-sample notes are in the verdicts
        for level in ("branch", "bank"):
            res = kpi_changes(ds, "satisfaction_rate", str(q), against="previous", level=level,
                              kpis=kpis).to_frame()
            parts.append(res.assign(level=level))
    return pd.concat(parts, ignore_index=True)


def _league(ds, kpis: pd.DataFrame, q: Period) -> pd.DataFrame:
    """Branch satisfaction league: raw and empirical-Bayes shrunk rates, funnel limits."""
    import warnings

    from bankperf_analysis.significance import league_table

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return league_table(kpis, "satisfaction_rate", str(q), level="branch")


def _staffing_inputs(ds, q: Period, scheme) -> dict[str, pd.DataFrame]:
    """Per-branch staffing plan inputs (filled in by :mod:`bankperf_analysis.staffing.erlang`)."""
    try:
        from bankperf_analysis.staffing.plan import branch_staffing_inputs
    except ImportError:
        return {}
    return branch_staffing_inputs(ds, q, scheme)


@dataclass
class ReportInputs:
    """The shared inputs of one batch, read back from :func:`prepare_batch`'s folder."""

    path: Path
    meta: dict = field(default_factory=dict)

    @classmethod
    def load(cls, path: str | Path) -> ReportInputs:
        """Read ``meta.json`` (frames are read lazily, on first use)."""
        p = Path(path)
        if not (p / "meta.json").is_file():
            raise ParamsError(f"The 'shared_inputs' folder {str(p)!r} has no meta.json: run "
                              "prepare_batch (bankperf report does) first.")
        return cls(p, json.loads((p / "meta.json").read_text(encoding="utf-8")))

    def frame(self, name: str) -> pd.DataFrame:
        """One of the shared frames (empty if it was not produced)."""
        f = self.path / f"{name}.parquet"
        return pd.read_parquet(f) if f.is_file() else pd.DataFrame()

    @cached_property
    def kpis(self) -> pd.DataFrame:
        """The KPI frame of the batch."""
        return self.frame("kpis")

    @property
    def quarter(self) -> str:
        """The quarter of the batch."""
        return self.meta["quarter"]


# ----------------------------------------------------------------------------- branch report


def _status(kpi: str, value: float, target: float | None, n: int, min_n: int) -> str:
    if value is None or not np.isfinite(value):
        return "none"
    if n < min_n or target is None:
        return "none"
    higher = KPI_CATALOGUE[kpi].direction == "higher"
    gap = (value - target) if higher else (target - value)
    if gap >= -1e-12:
        return "met"
    rel = abs(gap) / max(abs(target), 1e-12)
    return "near" if rel <= 0.05 else "below"


class BranchReport:
    """The sections of one branch's quarterly report.

    Parameters
    ----------
    shared_inputs : str or Path
        Folder written by :func:`prepare_batch`.
    branch_id : str
        The branch (kept as a string).
    lang : {"en", "zh"}
    """

    def __init__(self, shared_inputs: str | Path, branch_id: str, lang: str = "en"):
        self.lang = check_lang(lang)
        self.inputs = ReportInputs.load(shared_inputs)
        self.branch_id = str(branch_id)
        br = self.inputs.frame("branches")
        row = br[br.branch_id == self.branch_id]
        if row.empty:
            raise ParamsError(f"The 'branch_id' parameter must be a branch of the dataset. "
                              f"Got {self.branch_id!r} instead.")
        self.branch = row.iloc[0]
        self.quarter = self.inputs.quarter

    # -- helpers -----------------------------------------------------------------------
    @cached_property
    def _kpis(self) -> pd.DataFrame:
        k = self.inputs.kpis
        return k[(k.level == "branch") & (k.entity_id == self.branch_id)
                 | (k.level == "bank")]

    def _value(self, kpi: str, period: str | None = None, level: str = "branch"):
        k = self._kpis
        sel = k[(k.level == level) & (k.kpi == kpi) & (k.period == (period or self.quarter))]
        if sel.empty:
            return None, 0
        return float(sel.value.iloc[0]), int(sel.n.iloc[0])

    def _target(self, kpi: str):
        tg = self.inputs.meta.get("branch_targets", {}).get(kpi)
        return (tg or {}).get("target"), int((tg or {}).get("min_n") or 0)

    def heading(self, key: str, anchor: str) -> HtmlBlock:
        """A section heading (h2) in the report language; it appears in the contents."""
        return HtmlBlock(f'<h2 id="{_e(anchor)}">{_e(t(key, self.lang))}</h2>')

    # -- sections ----------------------------------------------------------------------
    def title(self) -> HtmlBlock:
        """Report title with the branch name, quarter and region."""
        name = self.branch.get("branch_name", self.branch_id)
        sub = f"{_e(self.branch.get('region', ''))} · {_e(self.quarter)}"
        return HtmlBlock(
            f'<h1 id="title">{_e(t("report_title_branch", self.lang))}: {_e(name)} '
            f'({_e(self.branch_id)})</h1><p class="subtitle">{sub}</p>')

    def kpi_tiles(self) -> HtmlBlock:
        """Headline KPIs against the branch targets, with traffic-light status."""
        tiles = []
        for kpi in TILE_KPIS:
            v, n = self._value(kpi)
            if v is None:
                continue
            target, min_n = self._target(kpi)
            status = _status(kpi, v, target, n, min_n)
            bank, _ = self._value(kpi, level="bank")
            if n < min_n:
                note = t("status_insufficient", self.lang) + f" (n={n})"
            elif target is None:
                note = ""
            else:
                sign = "≥" if KPI_CATALOGUE[kpi].direction == "higher" else "≤"
                note = f"{t('label_target', self.lang)} {sign} {format_value(kpi, target, self.lang)}"
            bank_txt = f"{t('label_bank', self.lang)}: {format_value(kpi, bank, self.lang)}"
            tiles.append(
                f'<div class="tile" style="border-left:6px solid {_COLORS[status]};padding:6px 10px;'
                f'margin:4px;min-width:170px;flex:1 1 170px;background:#fafafa">'
                f'<div style="font-size:0.85em;color:#4a5568">{_e(kpi_label(kpi, self.lang))}</div>'
                f'<div style="font-size:1.6em;font-weight:600;color:{_COLORS[status]}">'
                f'{_e(format_value(kpi, v, self.lang))}</div>'
                f'<div style="font-size:0.8em;color:#4a5568">{_e(note)}</div>'
                f'<div style="font-size:0.8em;color:#718096">{_e(bank_txt)} · n={n:,}</div></div>')
        legend = " ".join(
            f'<span style="color:{_COLORS[s]}">■ {_e(t(k, self.lang))}</span>'
            for s, k in (("met", "status_met"), ("near", "status_near"),
                         ("below", "status_below"), ("none", "status_insufficient")))
        return HtmlBlock('<div style="display:flex;flex-wrap:wrap">' + "".join(tiles)
                         + f'</div><p style="font-size:0.8em">{legend}</p>')

    def trends_figure(self):
        """Small multiples: this branch vs the bank over the last quarters, with targets."""
        import matplotlib.pyplot as plt

        k = self._kpis[(self._kpis.period_type == "quarter") & self._kpis.kpi.isin(TREND_KPIS)]
        fig, axes = plt.subplots(2, 2, figsize=(9, 5.2), sharex=True)
        quarters = self.inputs.meta.get("quarters", [])
        for ax, kpi in zip(axes.ravel(), TREND_KPIS):
            scale = 100.0 if KPI_CATALOGUE[kpi].unit == "share" else 1.0
            for level, style, label in (("branch", "-o", self.branch_id),
                                        ("bank", "--", t("label_bank", self.lang))):
                s = k[(k.kpi == kpi) & (k.level == level)].set_index("period").value
                s = s.reindex(quarters) * scale
                ax.plot(range(len(quarters)), s.to_numpy(), style, label=label,
                        color="#2b6cb0" if level == "branch" else "#a0aec0")
            target, _ = self._target(kpi)
            if target is not None:
                ax.axhline(target * scale, color="#c53030", lw=1, ls=":",
                           label=t("label_target", self.lang))
            unit = {"share": "%", "seconds": t("unit_seconds", self.lang),
                    "products per month": t("unit_per_month", self.lang)}.get(
                KPI_CATALOGUE[kpi].unit, "")
            ax.set_title(kpi_label(kpi, self.lang) + (f" ({unit})" if unit else ""),
                         fontsize=10)
            ax.set_xticks(range(len(quarters)))
            ax.set_xticklabels(quarters, fontsize=8)
        axes[0, 0].legend(fontsize=8, loc="best")
        fig.tight_layout()
        return fig

    def satisfaction_change(self) -> HtmlBlock:
        """Satisfaction of this quarter vs the previous one, with a significance verdict."""
        ch = self.inputs.frame("changes")
        row = ch[(ch.entity == self.branch_id)] if len(ch) else ch
        if row.empty:
            return HtmlBlock(f"<p>{_e(t('no_data', self.lang))}</p>")
        r = row.iloc[0]
        verdict = r.get(f"verdict_{self.lang}", r.get("verdict_en", ""))
        flag = str(r.get("flag", ""))
        color = {"down": _COLORS["below"], "up": _COLORS["met"]}.get(flag, _COLORS["none"])
        before, after = r.get("period_before", ""), r.get("period_after", "")
        detail = (f"{_e(before)}: {_e(format_value('satisfaction_rate', r.before))} "
                  f"(n={int(r.n_before):,}) → {_e(after)}: "
                  f"{_e(format_value('satisfaction_rate', r.after))} "
                  f"(n={int(r.n_after):,})")
        padj = r.get("p_adjusted", np.nan)
        ptxt = (f"{t('p_adjusted', self.lang)} = {padj:.3f}" if pd.notna(padj) else "")
        return HtmlBlock(
            f'<div style="border-left:6px solid {color};padding:8px 12px;background:#fafafa">'
            f'<p style="font-size:1.15em;margin:0">{_e(verdict)}</p>'
            f'<p style="font-size:0.85em;color:#4a5568;margin:4px 0 0 0">{detail} · {_e(ptxt)}</p>'
            f'<p style="font-size:0.8em;color:#718096;margin:2px 0 0 0">'
            f'{_e(t("note_multiple_testing", self.lang))}</p></div>')

    def staff_table(self) -> HtmlBlock:
        """Staff of the branch: composite score, grade, bonus and training needs."""
        people = self.inputs.frame("staff_scores")
        people = people[people.branch_id == self.branch_id]
        training = self.inputs.frame("training")
        training = training[training.branch_id == self.branch_id]
        topic_col = "topic_zh" if self.lang == "zh" else "topic_en"
        needs = (training.sort_values(["staff_id", "priority"]).groupby("staff_id")[topic_col]
                 .apply(lambda s: "; ".join(dict.fromkeys(s))) if len(training) else pd.Series(dtype=str))
        head = [t(k, self.lang) for k in ("label_staff", "label_role", "label_composite",
                                          "label_grade", "label_bonus_yuan", "label_training_needs",
                                          "label_note")]
        rows = []
        order = people.sort_values(["composite_score"], ascending=False, na_position="last")
        for _, p in order.iterrows():
            grade = p.get("grade")
            role_scored = int(p.get("n_kpis", 1) or 0) > 0  # no KPIs: the role is not scored
            grade_txt = t(f"grade_{grade}", self.lang) if isinstance(grade, str) and grade else \
                t("status_role_not_scored", self.lang) if not role_scored else \
                t("status_insufficient", self.lang) if bool(p.get("gradable", True)) is False or \
                pd.isna(p.get("composite_score")) else ""
            comp = p.get("composite_score")
            note = ""
            if bool(p.get("reweighted", False)) and int(p.get("n_kpis_scored", 0) or 0) > 0:
                note = t("note_reweighted", self.lang, n=int(p.get("n_kpis_scored", 0)),
                         m=int(p.get("n_kpis", 0)))
            cells = [f"{_e(p.staff_name)} <span style='color:#718096'>({_e(p.staff_id)})</span>",
                     _e(role_label(p.role, self.lang)),
                     "" if pd.isna(comp) else f"{comp:.1f}",
                     _e(grade_txt),
                     f"{float(p.get('bonus_yuan', 0) or 0):,.0f}",
                     _e(needs.get(p.staff_id, "")),
                     _e(note)]
            left = (0, 1, 3, 5, 6)  # text columns
            rows.append("<tr>" + "".join(
                f"<td style='text-align:left'>{c}</td>" if i in left else f"<td>{c}</td>"
                for i, c in enumerate(cells)) + "</tr>")
        total = float(people.bonus_yuan.fillna(0).sum()) if len(people) else 0.0
        return HtmlBlock(
            '<table class="dataframe"><thead><tr>' + "".join(f"<th>{_e(h)}</th>" for h in head)
            + "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
            + f"<p>{_e(t('total_bonus', self.lang))}: {total:,.0f} {_e(t('unit_yuan', self.lang))}</p>")

    def checks_table(self) -> HtmlBlock:
        """Mystery-shopper and video checks: score, rank, reward / pay cut / re-check."""
        ch = self.inputs.frame("branch_checks")
        ch = ch[ch.branch_id == self.branch_id]
        head = [t(k, self.lang) for k in ("label_check", "label_score", "label_rank", "label_action")]
        rows = []
        for _, c in ch.iterrows():
            acts = []
            if bool(c.reward):
                acts.append(t("action_reward", self.lang))
            if c.pay_cut == "cut":
                acts.append(t("action_cut", self.lang) + f" ({100 * float(c.pay_cut_share):.0f} %)")
            elif c.pay_cut == "heavier_cut":
                acts.append(t("action_heavier_cut", self.lang)
                            + f" ({100 * float(c.pay_cut_share):.0f} %)")
            if bool(c.recheck):
                acts.append(t("action_recheck", self.lang))
            act = "; ".join(acts) or t("action_none", self.lang)
            color = _COLORS["below"] if c.pay_cut != "none" else (
                _COLORS["met"] if bool(c.reward) else "inherit")
            rank = "" if pd.isna(c["rank"]) else f"{int(c['rank'])} / {int(c.n_ranked)}"
            score = "–" if pd.isna(c.score) else f"{float(c.score):.1f} (n={int(c.n)})"
            rows.append(f"<tr><td style='text-align:left'>{_e(kpi_label(c.kpi, self.lang))}</td>"
                        f"<td>{_e(score)}</td><td>{_e(rank)}</td>"
                        f"<td style='color:{color};text-align:left'>{_e(act)}</td></tr>")
        return HtmlBlock('<table class="dataframe"><thead><tr>'
                         + "".join(f"<th>{_e(h)}</th>" for h in head) + "</tr></thead><tbody>"
                         + "".join(rows) + "</tbody></table>")

    def complaints_table(self) -> HtmlBlock:
        """Complaints this quarter vs the previous quarter and the bank."""
        kp = ("complaint_count", "complaint_closed_on_time_rate", "complaint_median_hours",
              "complaint_resolution_score")
        prev = str(Period.parse(self.quarter).previous())
        head = [t("label_kpi", self.lang), self.quarter, prev, t("label_bank", self.lang)]
        rows = []
        for kpi in kp:
            cur, n = self._value(kpi)
            old, _ = self._value(kpi, prev)
            bank, _ = self._value(kpi, level="bank")
            if kpi == "complaint_count" and bank is not None:
                nb = max(len(self.inputs.frame("branches")), 1)
                bank = bank / nb
            rows.append(f"<tr><td style='text-align:left'>{_e(kpi_label(kpi, self.lang))}</td>"
                        f"<td>{_e(format_value(kpi, cur, self.lang))}</td>"
                        f"<td>{_e(format_value(kpi, old, self.lang))}</td>"
                        f"<td>{_e(format_value(kpi, bank, self.lang))}</td></tr>")
        note = t("note_bank_complaints_per_branch", self.lang)
        return HtmlBlock('<table class="dataframe"><thead><tr>'
                         + "".join(f"<th>{_e(h)}</th>" for h in head) + "</tr></thead><tbody>"
                         + "".join(rows) + f"</tbody></table><p style='font-size:0.8em'>{_e(note)}</p>")

    def staffing_heatmap(self) -> HtmlBlock:
        """Weekday x hour heatmap of rostered minus required staff (negative = short), as PNG."""
        import base64

        import matplotlib.pyplot as plt

        from bankperf_analysis.plots.style import figure_png
        from bankperf_analysis.staffing.plan import plot_branch_staffing

        hm = self.inputs.frame("staffing_heatmap")
        if hm.empty or not (hm.branch_id == self.branch_id).any():
            return HtmlBlock(f"<p>{_e(t('no_data', self.lang))}</p>")
        fig = plot_branch_staffing(hm, self.branch_id, value="gap", lang=self.lang)
        png = base64.b64encode(figure_png(fig)).decode("ascii")
        plt.close(fig)
        return HtmlBlock(f'<img alt="staffing heatmap" src="data:image/png;base64,{png}">'
                         f"<p style='font-size:0.8em'>{_e(t('note_heatmap', self.lang))}</p>")

    def staffing_table(self) -> HtmlBlock:
        """Headcount per role (定编), minimum posts, cost vs benefit of the extra staff."""
        plan = self.inputs.frame("staffing_plan")
        if plan.empty:
            return HtmlBlock(f"<p>{_e(t('no_data', self.lang))}</p>")
        plan = plan[plan.branch_id == self.branch_id]
        head = [t(k, self.lang) for k in ("label_role", "label_current_headcount",
                                          "label_planned_headcount", "label_required_fte")]
        rows = []
        for _, r in plan.iterrows():
            fte = "" if pd.isna(r.required_fte) else f"{r.scheduled_fte:.1f}"
            rows.append(f"<tr><td style='text-align:left'>{_e(role_label(r.role, self.lang))}</td>"
                        f"<td>{int(r.current_headcount)}</td><td>{int(r.planned_headcount)}</td>"
                        f"<td>{_e(fte)}</td></tr>")
        posts = self.inputs.frame("staffing_posts")
        posts = posts[posts.branch_id == self.branch_id] if len(posts) else posts
        ok = all(bool(x) for x in posts.passed) if len(posts) else True
        post_txt = t("posts_ok" if ok else "posts_failed", self.lang)
        failed = [] if ok else [p.message for _, p in posts.iterrows() if not bool(p.passed)]
        cb = self.inputs.frame("staffing_cost_benefit")
        cb = cb[cb.branch_id == self.branch_id] if len(cb) else cb
        cb_txt = ""
        if len(cb):
            c = cb.iloc[0]
            cb_txt = t("cost_benefit_line", self.lang, fte=float(c.extra_fte),
                       cost=float(c.cost_yuan_per_year), pts=float(c.satisfaction_points_assumed),
                       benefit=float(c.benefit_yuan_per_year),
                       be=float(c.break_even_points) if pd.notna(c.break_even_points) else float("nan"))
        return HtmlBlock('<table class="dataframe"><thead><tr>'
                         + "".join(f"<th>{_e(h)}</th>" for h in head) + "</tr></thead><tbody>"
                         + "".join(rows) + "</tbody></table>"
                         + f"<p>{_e(post_txt)}</p>"
                         + "".join(f"<p style='color:{_COLORS['below']}'>{_e(m)}</p>" for m in failed)
                         + (f"<p>{_e(cb_txt)}</p>" if cb_txt else ""))

    def data_quality(self) -> HtmlBlock:
        """KPIs not scored for lack of data, and KPIs the dataset cannot compute."""
        sk = self.inputs.frame("staff_kpis")
        sk = sk[(sk.branch_id == self.branch_id)] if len(sk) else sk
        items = []
        if len(sk):
            ins = sk[sk.status == "insufficient data"].groupby("kpi").size()
            for kpi, cnt in ins.items():
                items.append(t("dq_insufficient", self.lang, kpi=kpi_label(kpi, self.lang), n=int(cnt)))
        v, n = self._value("satisfaction_rate")
        _, min_n = self._target("satisfaction_rate")
        if v is not None and n < min_n:
            items.append(t("dq_branch_small", self.lang, n=n, m=min_n))
        for kpi in self.inputs.meta.get("unavailable", []):
            items.append(t("dq_unavailable", self.lang, kpi=kpi_label(kpi, self.lang)))
        if not items:
            items.append(t("dq_ok", self.lang))
        return HtmlBlock("<ul>" + "".join(f"<li>{_e(i)}</li>" for i in items) + "</ul>")

    def headline(self) -> dict[str, Any]:
        """Headline numbers for the index page."""
        sat, n = self._value("satisfaction_rate")
        people = self.inputs.frame("staff_scores")
        people = people[people.branch_id == self.branch_id]
        checks = self.inputs.frame("branch_checks")
        checks = checks[checks.branch_id == self.branch_id]
        ch = self.inputs.frame("changes")
        ch = ch[ch.entity == self.branch_id] if len(ch) else ch
        flag = None if ch.empty else str(ch.flag.iloc[0])
        return {
            "satisfaction_rate": sat,
            "label_change": t(f"flag_{flag}", self.lang) if flag else None,
            "total_bonus": int(people.bonus_yuan.fillna(0).sum()) if len(people) else 0,
            "grade_excellent": int((people.grade == "excellent").sum()) if len(people) else 0,
            "action_cut": int((checks.pay_cut != "none").sum()) if len(checks) else 0,
            "action_recheck": int(checks.recheck.sum()) if len(checks) else 0,
        }


# ----------------------------------------------------------------------------- bank overview


class BankOverview:
    """The sections of the bank overview report (all branches)."""

    def __init__(self, shared_inputs: str | Path, lang: str = "en"):
        self.lang = check_lang(lang)
        self.inputs = ReportInputs.load(shared_inputs)
        self.quarter = self.inputs.quarter

    def title(self) -> HtmlBlock:
        """The report title."""
        return HtmlBlock(f'<h1 id="title">{_e(t("report_title_bank", self.lang))} · '
                         f'{_e(self.quarter)}</h1>')

    def heading(self, key: str, anchor: str) -> HtmlBlock:
        """A section heading with an anchor."""
        return HtmlBlock(f'<h2 id="{_e(anchor)}">{_e(t(key, self.lang))}</h2>')

    def league_table(self) -> HtmlBlock:
        """Branches ranked by empirical-Bayes shrunk satisfaction (raw rate and n beside it).

        A branch with few surveys is pulled towards the bank's rate, so it is not ranked
        first (or last) by luck; the funnel band says whether it differs from the bank
        by more than chance (95 % / 99.8 % limits, over-dispersion allowed for).
        """
        lg = self.inputs.frame("league")
        if lg.empty:
            return HtmlBlock(f"<p>{_e(t('no_data', self.lang))}</p>")
        names = self.inputs.frame("branches").set_index("branch_id").branch_name
        lg = lg.sort_values("rank_shrunk")
        head = [t(k, self.lang) for k in ("label_rank", "label_branch", "label_n", "label_raw_rate",
                                          "label_shrunk_rate", "label_ci", "label_funnel")]
        rows = []
        for _, r in lg.iterrows():
            band = str(r.get("band", ""))
            color = (_COLORS["below"] if band.startswith("below") else
                     _COLORS["met"] if band.startswith("above") else "inherit")
            rows.append(
                f"<tr><td>{int(r['rank_shrunk'])}</td>"
                f"<td style='text-align:left'>{_e(names.get(r.entity, r.entity))} ({_e(r.entity)})</td>"
                f"<td>{int(r.n):,}</td><td>{100 * r.rate:.1f} %</td>"
                f"<td>{100 * r.shrunk_rate:.1f} %</td>"
                f"<td>{100 * r.ci_low:.1f}–{100 * r.ci_high:.1f} %</td>"
                f"<td style='color:{color}'>{_e(t('band_' + band, self.lang) if band else '')}</td></tr>")
        return HtmlBlock('<table class="dataframe"><thead><tr>'
                         + "".join(f"<th>{_e(h)}</th>" for h in head) + "</tr></thead><tbody>"
                         + "".join(rows) + "</tbody></table>")

    def funnel_figure(self):
        """Funnel plot: branch satisfaction vs number of surveys, with control limits."""
        from bankperf_analysis.significance import funnel_plot

        lg = self.inputs.frame("league").sort_values("entity")
        return funnel_plot(x=lg.x.to_numpy(float), n=lg.n.to_numpy(float),
                           labels=lg.entity.astype(str).tolist(), lang=self.lang,
                           title=kpi_label("satisfaction_rate", self.lang))

    def changes_table(self) -> HtmlBlock:
        """Satisfaction change per branch, verdicts on multiple-testing-adjusted p-values."""
        ch = self.inputs.frame("changes")
        if ch.empty:
            return HtmlBlock(f"<p>{_e(t('no_data', self.lang))}</p>")
        ch = ch.sort_values(["level", "entity"], ascending=[False, True])
        head = [t(k, self.lang) for k in ("label_branch", "label_previous_quarter",
                                          "label_current_quarter", "label_change",
                                          "p_adjusted", "label_verdict")]
        rows = []
        for _, r in ch.iterrows():
            flag = str(r.flag)
            color = {"down": _COLORS["below"], "up": _COLORS["met"]}.get(flag, "inherit")
            name = t("label_bank", self.lang) if r.entity == "BANK" else r.entity
            padj = "–" if pd.isna(r.p_adjusted) else f"{r.p_adjusted:.3f}"
            diff = "–" if pd.isna(r["diff"]) else f"{100 * r['diff']:+.1f}"
            rows.append(
                f"<tr><td style='text-align:left'>{_e(name)}</td>"
                f"<td>{_e(format_value('satisfaction_rate', r.before))} (n={int(r.n_before):,})</td>"
                f"<td>{_e(format_value('satisfaction_rate', r.after))} (n={int(r.n_after):,})</td>"
                f"<td>{_e(diff)}</td><td>{_e(padj)}</td>"
                f"<td style='text-align:left;color:{color}'>"
                f"{_e(r.get('verdict_' + self.lang, ''))}</td></tr>")
        return HtmlBlock('<table class="dataframe"><thead><tr>'
                         + "".join(f"<th>{_e(h)}</th>" for h in head) + "</tr></thead><tbody>"
                         + "".join(rows) + "</tbody></table>"
                         + f"<p style='font-size:0.8em'>{_e(t('note_multiple_testing', self.lang))}</p>")

    def branch_results(self) -> HtmlBlock:
        """Every branch: composite, checks, reward / pay cut / re-check."""
        b = self.inputs.frame("branch_scores")
        head = [t(k, self.lang) for k in ("label_branch", "label_composite", "mystery_shopper_score",
                                          "video_check_score", "label_action")]
        rows = []
        for _, r in b.sort_values("branch_id").iterrows():
            acts = []
            if bool(r.get("reward", False)):
                acts.append(t("action_reward", self.lang))
            share = float(r.get("pay_cut_share_total", 0) or 0)
            if share > 0:
                acts.append(f"{t('action_cut', self.lang)} {100 * share:.0f} %")
            if bool(r.get("recheck", False)):
                acts.append(t("action_recheck", self.lang))
            comp = r.get("composite_score")
            rows.append(
                f"<tr><td style='text-align:left'>{_e(r.branch_name)} ({_e(r.branch_id)})</td>"
                f"<td>{'' if pd.isna(comp) else f'{comp:.1f}'}</td>"
                f"<td>{_e(format_value('mystery_shopper_score', r.get('mystery_shopper_score')))}</td>"
                f"<td>{_e(format_value('video_check_score', r.get('video_check_score')))}</td>"
                f"<td style='text-align:left'>{_e('; '.join(acts) or t('action_none', self.lang))}</td></tr>")
        return HtmlBlock('<table class="dataframe"><thead><tr>'
                         + "".join(f"<th>{_e(h)}</th>" for h in head) + "</tr></thead><tbody>"
                         + "".join(rows) + "</tbody></table>")

    def headline(self) -> dict[str, Any]:
        """Headline numbers of the bank for the index page."""
        people = self.inputs.frame("staff_scores")
        checks = self.inputs.frame("branch_checks")
        ch = self.inputs.frame("changes")
        k = self.inputs.kpis
        sat = k[(k.level == "bank") & (k.kpi == "satisfaction_rate") & (k.period == self.quarter)]
        return {
            "satisfaction_rate": float(sat.value.iloc[0]) if len(sat) else None,
            "label_change": t("flagged_down_n", self.lang,
                              n=int(((ch.level == "branch") & (ch.flag == "down")).sum())
                              if len(ch) else 0),
            "total_bonus": int(people.bonus_yuan.fillna(0).sum()),
            "grade_excellent": int((people.grade == "excellent").sum()),
            "action_cut": int((checks.pay_cut != "none").sum()) if len(checks) else 0,
            "action_recheck": int(checks.recheck.sum()) if len(checks) else 0,
        }

    def money_totals(self) -> HtmlBlock:
        """Bonus total, pay cuts and re-checks across the bank."""
        people = self.inputs.frame("staff_scores")
        checks = self.inputs.frame("branch_checks")
        rows = [
            (t("total_bonus", self.lang), f"{float(people.bonus_yuan.fillna(0).sum()):,.0f} "
                                          f"{t('unit_yuan', self.lang)}"),
            (t("grade_excellent", self.lang), f"{int((people.grade == 'excellent').sum())}"),
            (t("action_cut", self.lang), f"{int((checks.pay_cut == 'cut').sum())}"),
            (t("action_heavier_cut", self.lang), f"{int((checks.pay_cut == 'heavier_cut').sum())}"),
            (t("action_recheck", self.lang), f"{int(checks.recheck.sum())}"),
            (t("action_reward", self.lang), f"{int(checks.reward.sum())}"),
        ]
        return HtmlBlock("<table class='dataframe'><tbody>" + "".join(
            f"<tr><th>{_e(a)}</th><td>{_e(b)}</td></tr>" for a, b in rows) + "</tbody></table>")


# ----------------------------------------------------------------------------- notebooks


def resolve_inputs(shared_inputs: str = "", data_dir: str = "", quarter: str = "") -> Path:
    """The shared-inputs folder a notebook should read.

    In a batch the runner passes ``shared_inputs``. Run interactively (JupyterLab,
    default parameters), the notebook passes an empty string: the inputs are then
    prepared here from ``data_dir`` (default: ``$BANKPERF_DATA`` or ``data/demo`` of the
    repository) into ``outputs/<quarter>/_shared_interactive`` and reused while the data
    fingerprint is unchanged.
    """
    if shared_inputs:
        return Path(shared_inputs)
    from bankperf_analysis.dataset.load import load_dataset

    root = _repo_root()
    data = resolve_data_dir(data_dir)
    with load_dataset(data) as ds:
        q = quarter or ds.coverage()[1]
        out = root / "outputs" / str(q) / "_shared_interactive"
        meta = out / "meta.json"
        if meta.is_file():
            m = json.loads(meta.read_text(encoding="utf-8"))
            if m.get("fingerprint") == ds.fingerprint and m.get("version") == __version__:
                return out
        return prepare_batch(data, str(q), out, ds=ds)


def resolve_data_dir(data_dir: str = "") -> Path:
    """The dataset a notebook reads: ``data_dir``, else ``$BANKPERF_DATA``, else ``data/demo``."""
    import os

    data = Path(data_dir or os.environ.get("BANKPERF_DATA", "") or _repo_root() / "data" / "demo")
    if not data.exists():
        raise ParamsError(f"The 'data_dir' parameter must name a dataset. Got {str(data)!r}, which "
                          "does not exist (run `make demo` to create the demo bank).")
    return data


def _repo_root() -> Path:
    here = Path.cwd().resolve()
    for p in (here, *here.parents):
        if (p / "pyproject.toml").is_file() and (p / "bankperf_analysis").is_dir():
            return p
    return here


# ----------------------------------------------------------------------------- annual summary


class AnnualReport:
    """The annual summary: four quarters → annual grades, total bonus, promotion candidates.

    Parameters
    ----------
    data_dir : str or Path
        The dataset.
    year : str
        The year, e.g. ``"2026"``.
    lang : {"en", "zh"}
    scheme_path : str or Path, optional
    """

    def __init__(self, data_dir: str | Path, year: str, lang: str = "en",
                 scheme_path: str | Path | None = None):
        from bankperf_analysis.dataset.load import load_dataset
        from bankperf_analysis.metrics.compute import MetricOptions, compute_kpis
        from bankperf_analysis.scheme import load_scheme
        from bankperf_analysis.scorecard import annual_summary

        self.lang = check_lang(lang)
        y = Period.parse(str(year))
        if y.kind != "year":
            raise ParamsError(f"The 'year' parameter of AnnualReport must be a year like '2026'. "
                              f"Got {year!r} instead.")
        self.year = str(y)
        scheme = load_scheme(scheme_path) if scheme_path else load_scheme()
        with load_dataset(data_dir) as ds:
            kpis = compute_kpis(ds, period=self.year, options=MetricOptions.from_scheme(scheme),
                                period_types=("quarter", "year"))
            self.summary = annual_summary(kpis, scheme, self.year, ds.table("staff"),
                                          branches=ds.table("branches"))
            self.fingerprint = ds.fingerprint
        self.params_hash = scheme.params_hash()

    def title(self) -> HtmlBlock:
        return HtmlBlock(f'<h1 id="title">{_e(t("report_title_annual", self.lang))} · '
                         f'{_e(self.year)}</h1>')

    def heading(self, key: str, anchor: str) -> HtmlBlock:
        """A section heading with an anchor."""
        return HtmlBlock(f'<h2 id="{_e(anchor)}">{_e(t(key, self.lang))}</h2>')

    def totals(self) -> HtmlBlock:
        s = self.summary
        rows = [(t("total_bonus", self.lang), f"{s.total_bonus_yuan:,.0f} {t('unit_yuan', self.lang)}"),
                (t("promotion_candidate", self.lang), f"{s.n_promotion_candidates}"),
                (t("excellent_branch", self.lang), f"{s.n_excellent_branches}"),
                (t("action_cut", self.lang), f"{s.n_pay_cuts}")]
        return HtmlBlock("<table class='dataframe'><tbody>" + "".join(
            f"<tr><th>{_e(a)}</th><td>{_e(b)}</td></tr>" for a, b in rows) + "</tbody></table>")

    def staff_table(self) -> HtmlBlock:
        """Every person: quarterly grades, annual composite and grade, bonus, promotion."""
        st = self.summary.staff
        head = [t(k, self.lang) for k in ("label_staff", "label_branch", "label_role",
                                          "label_composite", "label_grade", "label_bonus_yuan",
                                          "promotion_candidate")]
        rows = []
        for _, p in st.sort_values(["branch_id", "staff_id"]).iterrows():
            g = p.get("annual_grade")
            grade = t(f"grade_{g}", self.lang) if isinstance(g, str) and g else ""
            comp = p.get("annual_composite")
            promo = "✓" if bool(p.get("promotion_candidate", False)) else ""
            rows.append(
                f"<tr><td style='text-align:left'>{_e(p.staff_name)} ({_e(p.staff_id)})</td>"
                f"<td>{_e(p.branch_id)}</td>"
                f"<td style='text-align:left'>{_e(role_label(p.role, self.lang))}</td>"
                f"<td>{'' if pd.isna(comp) else f'{comp:.1f}'}</td><td>{_e(grade)}</td>"
                f"<td>{float(p.get('total_bonus_yuan', 0) or 0):,.0f}</td><td>{promo}</td></tr>")
        return HtmlBlock('<table class="dataframe"><thead><tr>'
                         + "".join(f"<th>{_e(h)}</th>" for h in head) + "</tr></thead><tbody>"
                         + "".join(rows) + "</tbody></table>")

    def branch_table(self) -> HtmlBlock:
        """Branches: annual mystery-shopper mean, rank, excellent-branch status."""
        b = self.summary.branches
        return HtmlBlock(b.to_html(index=False, escape=True, na_rep="–", classes="dataframe",
                                   float_format=lambda x: f"{x:.2f}"))

    def headline(self) -> dict[str, Any]:
        s = self.summary
        return {"total_bonus": int(s.total_bonus_yuan),
                "promotion_candidate": int(s.n_promotion_candidates),
                "excellent_branch": int(s.n_excellent_branches)}


# ----------------------------------------------------------------------------- staffing plan


class StaffingReport:
    """The staffing-plan report of one branch: forecast, required staff, FTE, cost, what-if.

    Parameters
    ----------
    data_dir : str or Path
    branch_id : str
    quarter : str
        The quarter whose contacts and roster are the basis; the plan is for the next one.
    lang : {"en", "zh"}
    """

    def __init__(self, data_dir: str | Path, branch_id: str, quarter: str, lang: str = "en"):
        from bankperf_analysis.dataset.load import load_dataset
        from bankperf_analysis.staffing.backtest import backtest
        from bankperf_analysis.staffing.plan import branch_staffing_plan

        self.lang = check_lang(lang)
        self.branch_id = str(branch_id)
        self.quarter = str(Period.parse(quarter))
        with load_dataset(data_dir) as ds:
            names = ds.sql("SELECT branch_id, branch_name FROM branches")
            if self.branch_id not in set(names.branch_id):
                raise ParamsError(f"The 'branch_id' parameter must be a branch of the dataset. "
                                  f"Got {self.branch_id!r} instead.")
            self.branch_name = str(names.set_index("branch_id").branch_name[self.branch_id])
            self.plan = branch_staffing_plan(ds, self.branch_id, self.quarter)
            q = Period.parse(self.quarter)
            contacts = ds.sql(
                "SELECT branch_id, channel, arrival_ts FROM contacts WHERE branch_id = ? "
                "AND arrival_ts < ? ORDER BY arrival_ts", [self.branch_id, q.end]) \
                if ds.has("contacts") else pd.DataFrame()
            holidays = ds.meta.get("holidays") or []
        self.backtest = None
        if len(contacts) > 0 and contacts.arrival_ts.dt.normalize().nunique() >= 42:
            self.backtest = backtest(contacts, interval_minutes=30, holidays=holidays, n_folds=4)

    def title(self) -> HtmlBlock:
        return HtmlBlock(f'<h1 id="title">{_e(t("report_title_staffing", self.lang))}: '
                         f'{_e(self.branch_name)} ({_e(self.branch_id)})</h1>'
                         f'<p class="subtitle">{_e(self.quarter)}</p>')

    def heading(self, key: str, anchor: str) -> HtmlBlock:
        """A section heading with an anchor."""
        return HtmlBlock(f'<h2 id="{_e(anchor)}">{_e(t(key, self.lang))}</h2>')

    def summary(self):
        """The plan in words and tables (demand, required vs rostered, headcount, posts, cost)."""
        return self.plan.summary()

    def heatmap_figure(self):
        """Weekday x hour gap between rostered and required staff."""
        return self.plan.plot("gap", lang=self.lang)

    def what_if(self) -> HtmlBlock:
        """Service-level target -> staff -> FTE -> cost."""
        return HtmlBlock(self.plan.what_if.to_html(index=False, escape=True, classes="dataframe",
                                                   float_format=lambda x: f"{x:,.2f}"))

    def forecast_check(self) -> HtmlBlock:
        """Rolling-origin backtest: the count model against the seasonal-naive forecast."""
        if self.backtest is None:
            return HtmlBlock(f"<p>{_e(t('no_data', self.lang))}</p>")
        return HtmlBlock(self.backtest.overall.to_html(index=False, escape=True,
                                                       classes="dataframe",
                                                       float_format=lambda x: f"{x:.3f}"))

    def headline(self) -> dict[str, Any]:
        cb = self.plan.cost_benefit
        return {"label_required_fte": float(self.plan.headcount.get("scheduled_fte",
                                                                    pd.Series(dtype=float)).sum()),
                "total_cost": None if cb.empty else float(cb.cost_yuan_per_year.iloc[0])}
