"""``bankperf report --kind incentive``: the incentive study through the quarter reports' exporter.

End to end on the default demo bank (fixture ``default_bank``: 12 branches, 2025Q1-2026Q4).
Its ``truth.json`` plants the bonus scheme: the adoption quarter of each adopting branch
(``truth["bonus_scheme"]["adoption"]``), the effect on the satisfied share
(``truth["bonus_scheme"]["effect"]["satisfaction_rate"]``) and a local drop in one never-adopting
branch (``truth["satisfaction_drop"]``). The tests read every branch and quarter from there.

The study runs *as of* ``--quarter``: its window ends there. The CLI runs (zh and en) use the
quarter before the planted drop, so the drop is outside the window.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from conftest import assert_offline, file_tree

from bankperf_analysis.cli import main
from bankperf_analysis.exceptions import EXIT_OK, EXIT_USAGE
from bankperf_analysis.periods import Period

pytestmark = pytest.mark.notebook  # executes the study's notebook


@pytest.fixture(scope="module")
def truth(default_bank) -> dict:
    return json.loads((default_bank / "truth.json").read_text(encoding="utf-8"))


def _before(quarter: str) -> str:
    """The quarter before ``quarter``."""
    return str(Period.parse(quarter).shift(-1))


@pytest.fixture(scope="module")
def runs(default_bank, truth, tmp_path_factory):
    """The study in zh and in en, as of the quarter before the planted drop; (exit code, stdout) each."""
    q = _before(truth["satisfaction_drop"]["quarter"])
    out, done = tmp_path_factory.mktemp("incentive_cli"), {}
    for lang in ("zh", "en"):
        argv = ["report", "--kind", "incentive", "--data", str(default_bank), "--quarter", q]
        argv += ["--lang", lang, "--out", str(out / lang), "--no-progress", "--jobs", "1"]
        done[lang] = main(argv)
    return {"out": out, "quarter": q, "codes": done}


def _study(runs, lang: str) -> Path:
    return runs["out"] / lang / runs["quarter"] / "incentive-satisfaction-rate.html"


class _Text(HTMLParser):
    """The visible text of a page (no style, no head except its title)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in ("br", "img", "meta", "link", "hr", "col", "wbr"):
            self.stack.append(tag)

    def handle_endtag(self, tag):
        while tag in self.stack and self.stack.pop() != tag:
            pass

    def handle_data(self, data):
        if "style" in self.stack or ("head" in self.stack and "title" not in self.stack):
            return
        self.parts.append(data)


def visible_text(page: str) -> str:
    parser = _Text()
    parser.feed(page)
    return " ".join(parser.parts)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_study_is_rendered_offline_and_listed(runs, lang):
    assert runs["codes"][lang] == EXIT_OK
    page = _study(runs, lang).read_text(encoding="utf-8")
    assert_offline(page)
    # listed on the quarter's index page, linked, under the page's own title
    index = (runs["out"] / lang / runs["quarter"] / "index.html").read_text(encoding="utf-8")
    h1 = re.search(r'<h1 id="title">([^<]+)</h1>', page).group(1)
    assert f'href="{_study(runs, lang).name}"' in index
    assert h1 in index
    assert_offline(index)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_raw_frame_no_code_no_missing_value(runs, lang):
    page = _study(runs, lang).read_text(encoding="utf-8")
    index = (runs["out"] / lang / runs["quarter"] / "index.html").read_text(encoding="utf-8")
    for text in (visible_text(page), visible_text(index)):
        assert not re.search(r"\b(NaN|nan|True|False|None|NaT|<NA>)\b", text)
        assert not re.findall(r"\b[a-z]+_[a-z0-9_]+\b", text)  # no snake_case header or code
    # a raw DataFrame's HTML (pandas' to_html / _repr_html_) has these
    assert 'border="1"' not in page and "<style scoped>" not in page
    assert "-0.0" not in visible_text(page)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_footer_names_data_scheme_and_code(runs, default_bank, lang):
    from bankperf_analysis import __version__
    from bankperf_analysis.dataset.load import load_dataset
    from bankperf_analysis.i18n import t

    with load_dataset(default_bank, validate=False) as ds:
        fp = ds.fingerprint
    page = _study(runs, lang).read_text(encoding="utf-8")
    footer = page[page.index('<footer class="provenance">') :]
    for key in ("footer_fingerprint", "footer_scheme", "footer_params_hash", "footer_code_digest"):
        assert t(key, lang) in footer, key
    assert fp in footer and __version__ in footer


def test_the_window_ends_at_the_quarter(runs, truth):
    """As of the quarter before the drop: the sample ends there and the drop is not mentioned."""
    from bankperf_analysis.l10n import period_label

    text = visible_text(_study(runs, "zh").read_text(encoding="utf-8"))
    first = min(truth["bonus_scheme"]["adoption"].values())  # the data start before any adoption
    assert f"至 {period_label(runs['quarter'], 'zh')}" in text
    assert period_label(truth["satisfaction_drop"]["quarter"], "zh") not in text
    assert period_label(first, "zh") in text


def test_rerun_is_cached(runs, default_bank, capsys):
    page = _study(runs, "en")
    before = page.stat().st_mtime_ns
    argv = ["report", "--kind", "incentive", "--data", str(default_bank), "--quarter", runs["quarter"]]
    capsys.readouterr()
    assert main([*argv, "--lang", "en", "--out", str(runs["out"] / "en"), "--no-progress"]) == EXIT_OK
    assert capsys.readouterr().out.startswith("0 rendered, 1 up to date, 0 failed")
    assert page.stat().st_mtime_ns == before


@pytest.mark.parametrize(
    "extra",
    [
        ["--kind", "incentives"],  # argparse: invalid choice
        ["--kind", "incentive", "--kpi", "no_such_kpi"],
        ["--kind", "incentive", "--level", "branch-month"],
        ["--kind", "incentive", "--level", "staff-quarter", "--kpi", "churn_rate"],  # a branch-only KPI
        ["--kind", "incentive", "--adoption", "no-such-adoption.csv"],
        ["--kind", "incentive", "--quarter", "2031Q1"],  # no data
        ["--kind", "incentive", "--branch", "X"],  # the study covers the whole bank
        ["--kind", "incentive", "--period", "2026-11"],  # a month is the monthly reports' option
        ["--kpi", "satisfaction_rate", "--quarter", "2026Q4"],  # an incentive option on the branch kind
    ],
)
def test_bad_arguments_exit_2_and_write_nothing(default_bank, tmp_path, capsys, extra):
    out = tmp_path / "out"
    before = file_tree(tmp_path, default_bank)
    assert (
        main(["report", "--data", str(default_bank), "--out", str(out), "--no-progress", *extra])
        == EXIT_USAGE
    )
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.startswith("error: ")
    assert file_tree(tmp_path, default_bank) == before
    if extra[1] == "incentives":
        assert "invalid choice: 'incentives'" in err


def test_help_says_what_the_quarter_means(capsys):
    assert main(["report", "--help"]) == EXIT_OK
    text = " ".join(capsys.readouterr().out.split())
    kinds = re.search(r"--kind \{([^}]*)\}", text)  # every kind of report, incentive among them
    assert kinds is not None and "incentive" in kinds.group(1).split(",")
    assert "the study's window ends at this quarter" in text


def test_study_as_of_a_quarter_equals_the_study_of_data_cut_there(default_bank, truth, tmp_path):
    """Second method: cut the data files themselves at the quarter (every dated table) and blank the
    later adoptions in the adoption CSV; the study of that folder equals ``until=`` on the full data."""
    from bankperf_analysis.dataset.schema import CONTRACT
    from bankperf_analysis.incentives.study import IncentiveStudy

    adoption = truth["bonus_scheme"]["adoption"]
    cohorts = sorted(set(adoption.values()))
    q = cohorts[0]  # only the first cohort has adopted by then
    end = pd.Timestamp(Period.parse(q).end)
    cut = tmp_path / "cut"
    cut.mkdir()
    for f in default_bank.iterdir():
        if f.suffix == ".parquet" and f.stem in CONTRACT and CONTRACT[f.stem].period_columns:
            frame = pd.read_parquet(f)
            keep = pd.Series(True, index=frame.index)
            for col in CONTRACT[f.stem].period_columns:
                keep &= pd.to_datetime(frame[col]) < end
            frame[keep].to_parquet(cut / f.name)
        elif f.name != "truth.json":
            (cut / f.name).write_bytes(f.read_bytes())
    rulings = pd.read_parquet(cut / "complaint_rulings.parquet")  # rulings of complaints kept
    kept = set(pd.read_parquet(cut / "complaints.parquet")["complaint_id"])
    rulings[rulings["complaint_id"].isin(kept)].to_parquet(cut / "complaint_rulings.parquet")
    table = pd.DataFrame(
        {
            "branch_id": sorted(adoption) + sorted(truth["bonus_scheme"]["never_treated"]),
            "adoption_period": [adoption[b] if adoption[b] <= q else "" for b in sorted(adoption)]
            + [""] * len(truth["bonus_scheme"]["never_treated"]),
        }
    )
    table.to_csv(tmp_path / "adoption.csv", index=False)
    full = IncentiveStudy(default_bank, until=q, max_leave_one_out=0)
    other = IncentiveStudy(cut, adoption=str(tmp_path / "adoption.csv"), max_leave_one_out=0)
    assert full.counts_ == other.counts_
    assert full.counts_["adopters"] == sum(v <= q for v in adoption.values())
    assert full.counts_["cohorts"] == 1
    assert str(full.panel_["period"].max()) == q
    assert full.result_.estimate == pytest.approx(other.result_.estimate, abs=1e-12)
    assert full.result_.ci_low == pytest.approx(other.result_.ci_low, abs=1e-12)
    true = truth["bonus_scheme"]["effect"]["satisfaction_rate"]
    assert full.result_.ci_low <= true <= full.result_.ci_high


def test_until_must_be_a_quarter(default_bank):
    from bankperf_analysis.exceptions import ParamsError
    from bankperf_analysis.incentives.study import IncentiveStudy

    with pytest.raises(ParamsError, match=r"The 'until' parameter of IncentiveStudy must be a quarter"):
        IncentiveStudy(default_bank, until="2026-07")


def test_a_study_that_cannot_estimate_says_why_in_words(tiny_bank, tmp_path):
    """The tiny bank's branches are too few: exit 0, and the page and the index say why, in zh."""
    from test_zh_leaks import html_leaks

    from bankperf_analysis._i18n_incentive import INCENTIVE_LABELS

    out = tmp_path / "out"
    argv = ["report", "--kind", "incentive", "--data", str(tiny_bank), "--lang", "zh", "--out", str(out)]
    assert main([*argv, "--no-progress", "--jobs", "1"]) == EXIT_OK
    (folder,) = [p for p in out.iterdir() if p.is_dir() and not p.name.startswith(".")]
    index = (folder / "index.html").read_text(encoding="utf-8")
    page = (folder / "incentive-satisfaction-rate.html").read_text(encoding="utf-8")
    assert INCENTIVE_LABELS["incentive_not_estimated"][1] in index
    for name, text in (("index.html", index), ("study", page)):
        assert not re.search(r"\b(NaN|nan|True|False|None|NaT|<NA>)\b", visible_text(text)), name
        assert html_leaks(name, text) == []
    assert_offline(page)
