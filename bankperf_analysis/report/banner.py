"""The headline of a branch report: score, rank, consequence, what moved, and what to do.

What a manager reads first (issue 15): the branch's composite score with its rank in the
bank and in its region; the consequence of the quarter from the scheme (reward, pay cut,
heavier pay cut, re-check), in words and in percent of the branch's performance pay (and
in yuan where the scheme shares the cut out); the two or three tile KPIs that moved most
against the previous quarter, each with the word of its change test; and one sentence to
act on. Nothing here applies a rule: the consequences are the branch scorecard's
(``branch_checks``, ``branch_scores``), the yuan the pay code's (``branch_cut_yuan``), the
changes the significance tests' (``tile_changes``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from bankperf_analysis.i18n import kpi_label, t
from bankperf_analysis.l10n import period_label
from bankperf_analysis.metrics.compute import KPI_CATALOGUE
from bankperf_analysis.numbers import fmt_number, fmt_percent, is_number
from bankperf_analysis.report.html import STATUS_COLORS, _e

__all__ = ["composite_ranks", "Mover", "Headline", "movers_of", "consequence_of", "banner_html", "tile_html"]

#: Flags of a change test and the word the banner uses for them.
_FLAG_WORD = {
    "up": "hl_flag_up",
    "down": "hl_flag_down",
    "ns": "hl_flag_ns",
    "inconclusive": "hl_flag_inconclusive",
}


def composite_ranks(scores: pd.DataFrame) -> pd.DataFrame:
    """Rank of each branch's composite score in the bank and in its region (best = 1).

    Competition ranks (ties share the better rank) among the branches with a score, as the
    branch checks rank; a branch without a score has no rank (``<NA>``).

    Parameters
    ----------
    scores : pandas.DataFrame
        ``branch_id, region, composite_score`` (the branch scorecard's ``branches`` of one quarter).

    Returns
    -------
    pandas.DataFrame
        ``branch_id, region, composite_score, rank_bank, n_bank, rank_region, n_region``.

    Examples
    --------
    >>> s = pd.DataFrame({"branch_id": ["A", "B", "C", "D"], "region": ["N", "N", "S", "N"],
    ...                   "composite_score": [80.0, 90.0, 85.0, None]})
    >>> composite_ranks(s)[["branch_id", "rank_bank", "n_bank", "rank_region", "n_region"]].values.tolist()
    [['A', 3, 3, 2, 2], ['B', 1, 3, 1, 2], ['C', 2, 3, 1, 1], ['D', <NA>, 3, <NA>, 2]]
    """
    out = scores[["branch_id", "region", "composite_score"]].copy()
    comp = pd.to_numeric(out["composite_score"], errors="coerce")
    out["rank_bank"] = comp.rank(method="min", ascending=False).astype("Int64")
    out["n_bank"] = int(comp.notna().sum())
    by_region = comp.groupby(out["region"], dropna=False)
    out["rank_region"] = by_region.rank(method="min", ascending=False).astype("Int64")
    out["n_region"] = by_region.transform("count").astype(int)
    return out.reset_index(drop=True)


@dataclass(frozen=True)
class Mover:
    """One KPI's change against the previous quarter, with the flag of its change test."""

    kpi: str
    before: float
    after: float
    diff: float
    flag: str
    statistic: float
    pvalue: float = float("nan")
    alpha: float = 0.05

    def good(self) -> bool | None:
        """True if the change is in the KPI's good direction, None for no change."""
        if not is_number(self.diff) or self.diff == 0:
            return None
        return (self.diff > 0) == (KPI_CATALOGUE[self.kpi].direction == "higher")


def movers_of(changes: pd.DataFrame, top: int = 3) -> list[Mover]:
    """The ``top`` KPIs of one branch's tested changes that moved most (largest test statistic).

    The size of a move is the absolute test statistic (z or t), which compares KPIs of
    different units: a big move in a noisy KPI ranks below a clear one.

    Examples
    --------
    >>> ch = pd.DataFrame({"kpi": ["satisfaction_rate", "churn_rate", "service_level"],
    ...     "before": [0.9, 0.04, 0.9], "after": [0.8, 0.041, 0.91], "diff": [-0.1, 0.001, 0.01],
    ...     "flag": ["down", "ns", "ns"], "statistic": [-4.1, 0.2, 1.1]})
    >>> [m.kpi for m in movers_of(ch, 2)]
    ['satisfaction_rate', 'service_level']
    """
    if changes.empty:
        return []
    ch = changes[np.isfinite(pd.to_numeric(changes["statistic"], errors="coerce").astype(float))]
    ch = ch.assign(_size=ch["statistic"].astype(float).abs()).sort_values(
        "_size", ascending=False, kind="stable"
    )
    return [
        Mover(
            str(r.kpi),
            float(r.before),
            float(r.after),
            float(r.diff),
            str(r.flag),
            float(r.statistic),
            float(getattr(r, "pvalue", np.nan)),
            float(getattr(r, "alpha", 0.05)),
        )
        for r in ch.head(top).itertuples()
    ]


@dataclass(frozen=True)
class Consequence:
    """The quarter's consequence for a branch, from its check rows (``branch_checks``)."""

    items: tuple[tuple[str, str, float], ...]  # (check kpi, action key, pay-cut share)
    cut_share: float
    cut_yuan: float
    recheck: bool
    reward: bool

    @property
    def severity(self) -> str:
        """``heavier_cut``, ``cut``, ``recheck``, ``reward`` or ``none`` (the worst that applies)."""
        acts = {a for _, a, _ in self.items}
        for key in ("heavier_cut", "cut", "recheck", "reward"):
            if key in acts:
                return key
        return "none"


def consequence_of(checks: pd.DataFrame, cut_yuan: float = 0.0) -> Consequence:
    """The consequence of one branch's check rows: each check's actions and the total pay cut.

    Examples
    --------
    >>> ch = pd.DataFrame({"kpi": ["mystery_shopper_score", "video_check_score"],
    ...     "reward": [False, False], "pay_cut": ["heavier_cut", "cut"],
    ...     "pay_cut_share": [0.1, 0.05], "recheck": [True, True]})
    >>> c = consequence_of(ch)
    >>> c.severity, round(c.cut_share, 2), c.items[0]
    ('heavier_cut', 0.15, ('mystery_shopper_score', 'heavier_cut', 0.1))
    """
    items: list[tuple[str, str, float]] = []
    for r in checks.itertuples():
        if bool(r.reward):
            items.append((str(r.kpi), "reward", 0.0))
        if r.pay_cut in ("cut", "heavier_cut"):
            items.append((str(r.kpi), str(r.pay_cut), float(r.pay_cut_share)))
        if bool(r.recheck):
            items.append((str(r.kpi), "recheck", 0.0))
    share = (
        float(pd.to_numeric(checks["pay_cut_share"], errors="coerce").fillna(0).sum()) if len(checks) else 0.0
    )
    return Consequence(
        tuple(items),
        share,
        float(cut_yuan),
        any(a == "recheck" for _, a, _ in items),
        any(a == "reward" for _, a, _ in items),
    )


@dataclass(frozen=True)
class Headline:
    """The facts of a branch report's banner (see :func:`banner_html`)."""

    composite: float | None
    rank_bank: int | None
    n_bank: int
    rank_region: int | None
    n_region: int
    region: str
    consequence: Consequence | None  # None: no check data
    movers: Sequence[Mover] = field(default_factory=tuple)
    no_previous: str | None = None  # the previous quarter, when the data begin this quarter
    below: Sequence[tuple[str, bool]] = field(default_factory=tuple)  # (kpi, bank-wide) below target

    def rank_text(self, lang: str) -> str:
        """``12 / 12 in the bank, 3 / 3 in North`` (zh ``全行第 12 / 12 名，West 区域第 3 / 3 名``)."""
        if self.rank_bank is None:
            return t("hl_not_ranked", lang)
        return t(
            "hl_rank",
            lang,
            rank=self.rank_bank,
            n=self.n_bank,
            rank_region=self.rank_region,
            n_region=self.n_region,
            region=self.region,
        )

    def consequence_text(self, lang: str) -> str:
        """The consequence in words, with the pay cut in percent (and yuan where shared out)."""
        c = self.consequence
        if c is None:
            return t("hl_no_checks", lang)
        if not c.items:
            return t("hl_consequence_none", lang)
        sep, comma, colon = ("；", "，", "：") if lang == "zh" else ("; ", ", ", ": ")
        per_check: dict[str, list[str]] = {}
        for kpi, act, share in c.items:
            word = t(f"action_{act}", lang)
            per_check.setdefault(kpi, []).append(word + (f" ({fmt_percent(share, 0)})" if share > 0 else ""))
        text = sep.join(f"{kpi_label(k, lang)}{colon}{comma.join(w)}" for k, w in per_check.items())
        if c.cut_share > 0:
            total = t("hl_cut_total", lang, share=fmt_percent(c.cut_share, 0))
            if c.cut_yuan > 0:
                total += t("hl_cut_yuan", lang, yuan=fmt_number(c.cut_yuan, 0))
            text += sep + total
        return text

    def mover_text(self, m: Mover, lang: str) -> str:
        """``Customer satisfaction ▼ -3.5 pp (91.3 % → 87.9 %): within noise``."""
        from bankperf_analysis.report.html import format_value

        word = change_word(m.flag, m.pvalue, m.alpha, lang)
        colon = "：" if lang == "zh" else ": "
        return (
            f"{kpi_label(m.kpi, lang)} {arrow_text(m.kpi, m.diff, lang)} "
            f"({format_value(m.kpi, m.before, lang)} → {format_value(m.kpi, m.after, lang)}){colon}{word}"
        )

    def action(self, lang: str) -> str:
        """One sentence a manager can act on: the most pressing thing the facts show."""
        c = self.consequence
        if c is not None and c.cut_share > 0:
            cut = [kpi_label(k, lang) for k, a, _ in c.items if a in ("cut", "heavier_cut")]
            return t("hl_act_cut", lang, checks=_join(cut, lang), share=fmt_percent(c.cut_share, 0))
        bad = [m for m in self.movers if m.flag in ("up", "down") and m.good() is False]
        if bad:
            return t("hl_act_fall", lang, kpi=kpi_label(bad[0].kpi, lang))
        own = [k for k, wide in self.below if not wide]
        if own:
            return t("hl_act_below", lang, kpis=_join([kpi_label(k, lang) for k in own[:2]], lang))
        if c is not None and c.recheck:
            return t("hl_act_recheck", lang)
        return t("hl_act_keep", lang)


def change_word(flag: str, pvalue: float, alpha: float, lang: str) -> str:
    """The word of a change test's flag; "not significant after adjusting" when only the raw p is.

    Examples
    --------
    >>> change_word("down", 0.0001, 0.05, "en"), change_word("ns", 0.01, 0.05, "en")
    ('significant fall', 'not significant after adjusting for all branches')
    >>> change_word("ns", 0.4, 0.05, "zh"), change_word("untested", float("nan"), 0.05, "en")
    ('在随机波动范围内', 'not tested')
    """
    if flag == "ns" and is_number(pvalue) and pvalue < alpha:
        return t("hl_flag_lost", lang)
    return t(_FLAG_WORD.get(flag, "hl_flag_untested"), lang)


def arrow_text(kpi: str, diff: float, lang: str) -> str:
    """The change with its arrow: ``▲ +1.2 pp``, ``▼ -0:32``; ``＝ 0:00`` when it shows as zero.

    Examples
    --------
    >>> arrow_text("satisfaction_rate", -0.035, "en"), arrow_text("response_time_seconds", -0.3, "en")
    ('▼ -3.5 pp', '＝ 0:00')
    """
    text = change_text(kpi, diff, lang)
    arrow = "▲" if text.startswith("+") else "▼" if text.startswith("-") else "＝"
    return f"{arrow} {text}"


def change_text(kpi: str, diff: float, lang: str) -> str:
    """A change in the KPI's unit, signed: ``-3.5 pp``, ``-0:32``, ``+0.42``."""
    from bankperf_analysis.numbers import fmt_duration, fmt_pp, fmt_signed

    unit = KPI_CATALOGUE[kpi].unit
    if unit in ("share", "share of baseline"):
        return fmt_pp(diff, lang)
    if unit == "seconds":
        return fmt_duration(diff, lang, signed=True)
    return fmt_signed(diff, 2 if abs(diff) < 10 else 1)


def _join(names: Sequence[str], lang: str) -> str:
    if lang == "zh":
        return "、".join(names)
    return " and ".join(names) if len(names) <= 2 else ", ".join(names[:-1]) + " and " + names[-1]


def banner_html(h: Headline, title: str, lang: str) -> str:
    """The banner: score and rank, consequence, the KPIs that moved most, and the action."""
    sev = h.consequence.severity if h.consequence is not None else "none"
    color = {
        "heavier_cut": STATUS_COLORS["below"],
        "cut": STATUS_COLORS["below"],
        "recheck": STATUS_COLORS["near"],
        "reward": STATUS_COLORS["met"],
    }.get(sev, STATUS_COLORS["none"])
    score = fmt_number(h.composite) if h.composite is not None else "–"
    if h.no_previous is not None:
        moved = [t("hl_no_previous", lang, previous=period_label(h.no_previous, lang))]
    else:
        moved = [h.mover_text(m, lang) for m in h.movers] or [t("hl_no_moves", lang)]
    colon = "：" if lang == "zh" else ": "
    return (
        f'<section class="bp-banner bp-sev-{sev}" style="border-left-color:{color}" '
        f'aria-label="{_e(title)}">'
        f'<div class="bp-banner-score"><span class="bp-banner-label">{_e(t("label_composite", lang))}</span>'
        f'<span class="bp-banner-value">{_e(score)}</span>'
        f'<span class="bp-banner-rank">{_e(h.rank_text(lang))}</span></div>'
        f'<div class="bp-banner-body">'
        f'<p class="bp-banner-consequence" style="color:{color}"><b>{_e(t("label_consequence", lang))}'
        f"{colon}</b>{_e(h.consequence_text(lang))}</p>"
        f'<p class="bp-banner-moved"><b>{_e(t("hl_moved", lang))}{colon}</b></p><ul>'
        + "".join(f"<li>{_e(x)}</li>" for x in moved)
        + f'</ul><p class="bp-banner-action"><b>{_e(t("hl_action", lang))}{colon}</b>{_e(h.action(lang))}</p>'
        "</div></section>"
    )


def headline_values(h: Headline, lang: str) -> dict[str, Any]:
    """The banner's facts for the index page (``record_headline``)."""
    return {
        "label_composite": h.composite,
        "label_rank_bank": None if h.rank_bank is None else f"{h.rank_bank} / {h.n_bank}",
        "label_rank_region": None if h.rank_region is None else f"{h.rank_region} / {h.n_region}",
        "label_consequence": t(f"hl_sev_{h.consequence.severity}", lang)
        if h.consequence is not None
        else None,
    }


def below_everywhere(
    kpis: pd.DataFrame,
    basis: pd.DataFrame,
    quarter: str,
    tile_kpis: Sequence[str],
    annual: Sequence[str],
    meta: dict[str, Any],
    status: Any,
) -> frozenset[str]:
    """The KPIs below target ("below", red) in every branch of the quarter: a bank-wide gap.

    ``status(kpi, value, target, n, min_n)`` is the tiles' traffic light; a yearly-target
    KPI is judged on its basis rows (``basis``), others on the quarter's branch rows. A KPI
    needs at least two branches, all of them red.
    """
    targets = meta.get("branch_targets", {})
    out = set()
    for kpi in tile_kpis:
        tg = targets.get(kpi) or {}
        if tg.get("target") is None:
            continue
        src = basis if kpi in annual else kpis
        if not {"level", "kpi", "period", "value", "n"} <= set(src.columns):
            continue
        rows = src[(src["level"] == "branch") & (src["kpi"] == kpi) & (src["period"].astype(str) == quarter)]
        if len(rows) < 2:
            continue
        lights = [
            status(kpi, float(v), tg["target"], int(n), int(tg.get("min_n") or 0))
            for v, n in zip(rows["value"], rows["n"], strict=True)
        ]
        if all(s == "below" for s in lights):
            out.add(kpi)
    return frozenset(out)


def tile_html(kpi: str, status: str, value: str, note: str, foot: str, lang: str) -> str:
    """One KPI tile: label, value in the status colour, note, and a foot line (already escaped)."""
    return (
        f'<div class="tile" style="border-left:6px solid {STATUS_COLORS[status]};'
        f'padding:6px 10px;margin:4px;min-width:170px;flex:1 1 170px;background:#fafafa">'
        f'<div style="font-size:0.85em;color:#4a5568">{_e(kpi_label(kpi, lang))}</div>'
        f'<div style="font-size:1.6em;font-weight:600;color:{STATUS_COLORS[status]}">'
        f"{_e(value)}</div>"
        f'<div style="font-size:0.8em;color:#4a5568">{_e(note)}</div>'
        f'<div class="bp-tile-foot" style="font-size:0.8em;color:#718096">{foot}</div></div>'
    )
