"""The staff summary's counts and tables, in the notebook (``StaffScorecard.summary``) and in
what ``bankperf scorecard`` prints (``scorecard_summary_text``), against a second computation.

The reference counts people and topics with plain Python over the scorecard's rows (sets of
staff per topic, sums per grade), not with the pandas group-bys of the code. The printed text
is read line by line: each count with its thousands separator, each grade with its bonus in
yuan, each of the ten most common topics of its language with its number of staff.
"""

from __future__ import annotations

import dataclasses
import re

import pandas as pd
import pytest

from bankperf_analysis.dataset.load import load_dataset
from bankperf_analysis.scorecard._cli_summary import scorecard_summary_text
from bankperf_analysis.scorecard.quarter import quarter_scorecards


@pytest.fixture(scope="module")
def quarter_cards(tiny_bank):
    with load_dataset(tiny_bank) as ds:
        _, staff, branch = quarter_scorecards(ds, "2026Q4")
    return staff, branch


@pytest.fixture(scope="module", params=["as scored", "crafted"])
def cards(quarter_cards, request):
    """The tiny bank's cards, and a crafted staff card: its people 25 times over (over 1,000, for
    the thousands separator), two of them graded no more for want of data, one of a role not scored."""
    staff, branch = quarter_cards
    if request.param == "crafted":
        people = pd.concat(
            [staff.people.assign(staff_id=staff.people["staff_id"].astype(str) + f"-{i}") for i in range(25)],
            ignore_index=True,
        )
        people.loc[[0, 1], ["gradable", "grade", "bonus_yuan"]] = [False, None, 0.0]
        people.loc[2, ["gradable", "grade", "bonus_yuan", "n_kpis"]] = [False, None, 0.0, 0]
        staff = dataclasses.replace(staff, people=people)
    return staff, branch


def _counts(staff) -> dict[str, int]:
    rows = staff.people.to_dict("records")
    return {
        "Staff": len(rows),
        "Graded": sum(1 for r in rows if r["gradable"]),
        "Insufficient data to grade": sum(1 for r in rows if not r["gradable"] and r["n_kpis"] > 0),
        "Not scored (role not scored individually)": sum(1 for r in rows if r["n_kpis"] == 0),
        "Re-weighted (some KPI not scored)": sum(1 for r in rows if r["reweighted"]),
        "Not in post long enough (not scored)": len(staff.not_in_post),
    }


def _grades(staff) -> list[tuple[str, int, float]]:
    rows = [r for r in staff.people.to_dict("records") if r["gradable"]]
    out = []
    for g in staff.grade_names:  # highest first, grades nobody has left out
        mine = [r for r in rows if r["grade"] == g]
        if mine:
            out.append((g, len(mine), sum(r["bonus_yuan"] for r in mine)))
    return out


def _topics(staff, columns: tuple[str, ...]) -> list[tuple[tuple[str, ...], int]]:
    """The ten topics with most staff (ties: the topic met first in the training rows)."""
    people: dict[tuple[str, ...], set[str]] = {}
    for r in staff.training.to_dict("records"):
        people.setdefault(tuple(r[c] for c in columns), set()).add(r["staff_id"])
    ranked = sorted(people.items(), key=lambda kv: -len(kv[1]))  # stable: first met first among ties
    return [(k, len(v)) for k, v in ranked[:10]]


def test_the_reference_data_exercise_every_table(quarter_cards, cards):
    staff, _ = quarter_cards
    assert len(_topics(staff, ("topic_en",))) == 10 and staff.training["topic_en"].nunique() > 10
    assert len(_grades(staff)) >= 3 and staff.people["team_kpis"].fillna("").ne("").any()
    counts = _counts(cards[0])
    if counts["Staff"] > 1000:  # the crafted card: 25 copies, two ungradable and one unscored planted
        base = _counts(staff)
        assert counts["Insufficient data to grade"] == 25 * base["Insufficient data to grade"] + 2
        assert (
            counts["Not scored (role not scored individually)"]
            == 25 * base["Not scored (role not scored individually)"] + 1
        )


def test_notebook_summary_counts_and_tables(cards):
    staff, _ = cards
    s = staff.summary()
    facts = dict(s.facts)
    for label, n in _counts(staff).items():
        assert facts[label] == str(n)
    tables = {t.heading: t.frame for t in s.tables}
    grades = tables["Grades"]
    assert list(zip(grades["grade"], grades["n_staff"], grades["bonus_yuan"], strict=True)) == _grades(staff)
    topics = tables["Most common training needs"]
    got = [
        ((a, b), n) for a, b, n in zip(topics["topic_en"], topics["topic_zh"], topics["n_staff"], strict=True)
    ]
    assert got == _topics(staff, ("topic_en", "topic_zh"))
    assert "KPIs scored on the team's (branch's) value, not the person's own" in tables


def _has_line(text: str, *cells: str) -> bool:
    pattern = r"^\s*" + r"\s+".join(re.escape(c) for c in cells) + r"\s*$"
    return re.search(pattern, text, flags=re.MULTILINE) is not None


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_printed_summary_counts_and_tables(cards, lang):
    staff, branch = cards
    text = scorecard_summary_text(staff, branch, lang)
    staff_part = text[: text.index("Branch scorecard" if lang == "en" else "网点考核结果")]
    if lang == "en":
        for label, n in _counts(staff).items():
            assert _has_line(staff_part, label, f"{n:,}"), label
        for grade, n, bonus in _grades(staff):
            shown = grade.replace("_", " ")  # the grade's label: needs_improvement -> needs improvement
            assert _has_line(staff_part, shown, str(n), f"{bonus:,.0f}"), grade
    topic = "topic_zh" if lang == "zh" else "topic_en"
    for (name,), n in _topics(staff, (topic,)):
        assert _has_line(staff_part, name, str(n)), name
    shown = [
        ln
        for ln in staff_part.splitlines()
        if any(_has_line(ln, k[0], str(n)) for k, n in _topics(staff, (topic,)))
    ]
    assert len(shown) == 10
