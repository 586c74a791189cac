"""The headline banner and KPI tiles of a branch report (issue 15, item 1).

The banner's rank and consequence are checked against a branch scorecard computed here
from the raw data (``compute_kpis`` + ``score_branches``, not the batch's inputs), and its
"what moved" line against the planted satisfaction drop of the bank's ``truth.json``. The
tiles' bank line carries the bank's n (the bug: the branch's n). Planted bugs that these
tests caught: rank by ascending score (``composite_ranks``), the branch's n on the bank line
(``kpi_tiles``), the check rows of another branch in the consequence (``_headline``), a
bank-wide gap marked where one branch is not red (``below_everywhere`` with ``any``).
"""

from __future__ import annotations

import html
import json
import re
import warnings

import pandas as pd
import pytest
import yaml

from bankperf_analysis.i18n import kpi_label, t
from bankperf_analysis.l10n import localised_name
from bankperf_analysis.numbers import fmt_n
from bankperf_analysis.report import BranchReport, prepare_batch
from bankperf_analysis.report.branch import TILE_KPIS, _status


def _text(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


@pytest.fixture(scope="module")
def batch(tiny_bank, tmp_path_factory):
    """The tiny bank's last quarter: shared inputs, the quarter, the branch ids."""
    q = yaml.safe_load((tiny_bank / "dataset.yaml").read_text(encoding="utf-8"))["last_period"]
    shared = prepare_batch(tiny_bank, q, tmp_path_factory.mktemp("headline") / "shared")
    ids = sorted(pd.read_parquet(tiny_bank / "branches.parquet").branch_id.astype(str))
    return shared, q, ids


@pytest.fixture(scope="module")
def card(tiny_bank, batch):
    """The branch scorecard of the quarter, computed here from the raw data."""
    from bankperf_analysis.dataset import load_dataset
    from bankperf_analysis.scorecard.quarter import quarter_scorecards

    _, q, _ = batch
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return quarter_scorecards(load_dataset(tiny_bank), q)[2]


def test_rank_in_bank_and_region_match_the_scorecard(batch, card):
    shared, _, ids = batch
    b = card.branches.set_index("branch_id")
    for branch in ids:
        me = b.loc[branch]
        higher = b.composite_score > me.composite_score
        rank, n = int(higher.sum()) + 1, int(b.composite_score.notna().sum())
        same = b[b.region == me.region]
        rank_r = int((same.composite_score > me.composite_score).sum()) + 1
        for lang in ("en", "zh"):
            report = BranchReport(shared, branch, lang)
            region = localised_name(report.branch, "region", lang)  # the data's region_zh in zh
            want = t("hl_rank", lang, rank=rank, n=n, rank_region=rank_r, n_region=len(same), region=region)
            page = _text(report.headline_banner().html)
            assert want in page, (branch, lang, page)
            assert f"{me.composite_score:.1f}" in page
        rec = BranchReport(shared, branch, "en").headline()
        assert (
            rec["label_rank_bank"] == f"{rank} / {n}"
            and rec["label_rank_region"] == f"{rank_r} / {len(same)}"
        )
        assert rec["label_composite"] == pytest.approx(me.composite_score)


def test_consequence_matches_the_checks(batch, card):
    shared, _, ids = batch
    seen = set()
    for branch in ids:
        checks = card.checks[card.checks.branch_id == branch]
        page = _text(BranchReport(shared, branch, "en").headline_banner().html)
        consequence = page.split(t("label_consequence", "en") + ":")[1].split(t("hl_moved", "en"))[0]
        for c in checks.itertuples():
            words = [t("action_reward", "en")] if c.reward else []
            if c.pay_cut in ("cut", "heavier_cut"):
                words.append(f"{t(f'action_{c.pay_cut}', 'en')} ({100 * c.pay_cut_share:.0f} %)")
            words += [t("action_recheck", "en")] if c.recheck else []
            seen.update([c.pay_cut] if c.pay_cut != "none" else [])
            seen.update(["reward"] if c.reward else [])
            label = kpi_label(c.kpi, "en")
            if words:
                assert f"{label}: {', '.join(words)}" in consequence, (branch, consequence)
            else:
                assert label not in consequence, (branch, consequence)
        total = float(checks.pay_cut_share.sum())
        assert (t("hl_cut_total", "en", share=f"{100 * total:.0f} %") in consequence) == (total > 0)
        expected = next(
            (
                word
                for word, hit in (
                    ("heavier pay cut", (checks.pay_cut == "heavier_cut").any()),
                    ("pay cut", (checks.pay_cut == "cut").any()),
                    ("re-check", checks.recheck.any()),
                    ("reward", checks.reward.any()),
                )
                if hit
            ),
            "none",
        )
        assert BranchReport(shared, branch, "en").headline()["label_consequence"] == expected
    assert {"reward", "cut", "heavier_cut"} <= seen  # the tiny bank shows every kind


def test_planted_satisfaction_drop_is_named_as_a_significant_fall(tiny_bank, batch):
    shared, q, _ = batch
    drop = json.loads((tiny_bank / "truth.json").read_text(encoding="utf-8"))["satisfaction_drop"]
    assert drop["quarter"] == q
    for lang in ("en", "zh"):
        report = BranchReport(shared, drop["branch_id"], lang)
        page = _text(report.headline_banner().html)
        label = kpi_label("satisfaction_rate", lang)
        line = next(x for x in page.split(label)[1:] if "▼" in x[:5])
        assert t("hl_flag_down", lang) in line.split("(")[1], page
        assert kpi_label("satisfaction_rate", lang) in t("hl_act_fall", lang, kpi=label)


def test_tiles_show_the_banks_n_with_its_unit(batch):
    shared, q, ids = batch
    kpis = pd.read_parquet(shared / "kpis.parquet")
    bank = kpis[(kpis.level == "bank") & (kpis.period == q)].set_index("kpi")
    for lang in ("en", "zh"):
        report = BranchReport(shared, ids[0], lang)
        page = report.kpi_tiles().html
        for tile in page.split('class="tile"')[1:]:
            kpi = next(k for k in TILE_KPIS if f">{html.escape(kpi_label(k, lang))}</div>" in tile)
            if kpi in report._annual or kpi not in bank.index:
                continue
            own_n = report._value(kpi)[1]
            bank_line = _text(tile.split('class="bp-tile-bank">')[1].split("</div>")[0])
            assert fmt_n(int(bank.loc[kpi, "n"]), kpi, lang) in bank_line, (kpi, bank_line)
            assert fmt_n(own_n, kpi, lang) in _text(tile.split('class="bp-tile-n">')[1].split("</div>")[0])
            if own_n != int(bank.loc[kpi, "n"]):
                assert fmt_n(own_n, kpi, lang) not in bank_line


def test_tiles_show_the_change_with_an_arrow(batch):
    shared, q, ids = batch
    from bankperf_analysis.periods import Period

    report = BranchReport(shared, ids[0], "en")
    changes = _text(report.kpi_tiles().html)
    assert changes.count(f"vs {Period.parse(q).previous()}") >= 5
    assert re.search(r"[▲▼＝] [+-]?\d", changes)


def test_a_kpi_red_in_every_branch_is_called_a_bank_wide_gap(batch):
    shared, q, ids = batch
    reports = [BranchReport(shared, b, "en") for b in ids]
    wide = t("tile_bank_wide", "en")
    found = 0
    for kpi in TILE_KPIS:
        lights = []
        for r in reports:
            v, n = r._value(kpi)
            target, min_n = r._target(kpi)
            lights.append(None if v is None else _status(kpi, v, target, n, min_n))
        everywhere = all(s == "below" for s in lights) and len(lights) >= 2
        found += everywhere
        for r in reports:
            tile = next(
                x
                for x in r.kpi_tiles().html.split('class="tile"')[1:]
                if f">{kpi_label(kpi, 'en')}</div>" in x
            )
            assert (wide in html.unescape(tile)) == everywhere, (kpi, r.branch_id)
    assert found >= 1  # the tiny bank has one (cross-sales against its 5-a-month target)


def test_banner_sits_in_the_notebook_after_the_title():
    from pathlib import Path

    nb = json.loads((Path(__file__).resolve().parents[1] / "notebooks" / "branch_quarter.ipynb").read_text())
    src = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    assert src[src.index("report.title()") + 1] == "report.headline_banner()"


def test_branch_planted_worst_on_mystery_shopper_gets_its_pay_cut(tiny_bank, batch):
    """truth.json plants each branch's mystery-shopper mean; the lowest (below the 85 line) is cut."""
    shared, _, _ = batch
    means = json.loads((tiny_bank / "truth.json").read_text(encoding="utf-8"))["mystery_shopper_branch_means"]
    worst = min(means, key=means.get)
    assert means[worst] < 85  # the planted truth is below the pay-cut line of the default scheme
    for lang in ("en", "zh"):
        page = _text(BranchReport(shared, worst, lang).headline_banner().html)
        colon = "：" if lang == "zh" else ": "
        consequence = page.split(t("label_consequence", lang) + colon)[1].split(t("hl_moved", lang))[0]
        part = consequence.split(kpi_label("mystery_shopper_score", lang) + colon)[1]
        assert t("action_cut", lang) in part or t("action_heavier_cut", lang) in part, consequence
        assert t("hl_act_cut", lang, checks="", share="")[:6] in page  # the action names the cut
