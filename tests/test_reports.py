"""End to end: bankperf report on a small demo bank — numbers, index, footer, languages, safety."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys

import nbformat
import pandas as pd
import pytest
import yaml
from conftest import REPO

from bankperf_analysis.cli import main
from bankperf_analysis.dataset import load_dataset
from bankperf_analysis.exceptions import ParamsError
from bankperf_analysis.report import BranchReport, resolve_inputs
from bankperf_analysis.runner import build_reports


def _branch_ids(bank) -> list[str]:
    """The bank's branch ids, sorted, read from its data (the tests name no demo branch)."""
    return sorted(pd.read_parquet(bank / "branches.parquet")["branch_id"])


@pytest.fixture(scope="module")
def two_branches(tiny_bank) -> list[str]:
    ids = _branch_ids(tiny_bank)
    return [ids[0], ids[-1]]


@pytest.fixture(scope="module")
def rendered(tiny_bank, two_branches, tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    res = build_reports(tiny_bank, "2026Q3", out, branches=two_branches, jobs=2, progress=False)
    return res, out / "2026Q3"


def test_two_branches_render_ok(rendered, two_branches):
    res, folder = rendered
    assert res.exit_code == 0 and len(res.done) == 2 and not res.failed
    assert all((folder / f"{b}.html").is_file() for b in two_branches)


def _expected_tiles(bank, branch: str) -> dict[str, tuple[str, str]]:
    """KPI tiles of a branch in 2026Q3, computed here with plain pandas from the raw tables.

    Definitions (domain.md, "KPIs, formulas and default targets"; the threshold and T from
    params/scheme.yaml): satisfaction = surveys scoring >= the satisfied threshold / all
    surveys; average response time = mean seconds from arrival to answer over answered
    contacts; service level = contacts answered within T seconds / contacts offered (both over
    the channels of their scope, ``definitions.channels``: phone and online);
    resolution = resolved / answered contacts; queue waiting time = mean wait of answered
    counter customers. Returns English label -> (displayed value, n with its unit).
    """
    defs = yaml.safe_load((REPO / "params" / "scheme.yaml").read_text(encoding="utf-8"))["definitions"]
    start, end = pd.Timestamp("2026-07-01"), pd.Timestamp("2026-10-01")
    surveys = pd.read_parquet(bank / "surveys.parquet")
    day = pd.to_datetime(surveys["survey_date"])
    surveys = surveys[(surveys["branch_id"] == branch) & (day >= start) & (day < end)]
    contacts = pd.read_parquet(bank / "contacts.parquet")
    contacts = contacts[
        (contacts["branch_id"] == branch) & (contacts["arrival_ts"] >= start) & (contacts["arrival_ts"] < end)
    ]
    wait = (contacts["answer_ts"] - contacts["arrival_ts"]).dt.total_seconds()
    answered = contacts["answer_ts"].notna()
    counter = answered & (contacts["channel"] == "counter")
    # each contact KPI counts the channels of its scope (definitions.channels)
    rt = answered & contacts["channel"].isin(defs["channels"]["response_time_seconds"])
    sl = contacts["channel"].isin(defs["channels"]["service_level"])
    satisfied = (surveys["score"] >= defs["satisfied_threshold"]).mean()
    in_time = (wait[sl] <= defs["service_level_seconds"]).sum() / sl.sum()
    resolved = contacts.loc[answered, "resolved"].astype(bool).sum() / answered.sum()
    return {
        "Customer satisfaction": (f"{100 * satisfied:.1f} %", f"n = {len(surveys):,} surveys"),
        "Average response time": (_duration(wait[rt].mean()), f"n = {int(rt.sum()):,} contacts"),
        "Service level": (f"{100 * in_time:.1f} %", f"n = {int(sl.sum()):,} contacts"),
        "Resolution rate": (f"{100 * resolved:.1f} %", f"n = {int(answered.sum()):,} contacts"),
        "Queue waiting time": (
            _duration(wait[counter].mean()),
            f"n = {int(counter.sum()):,} counter customers",
        ),
    }


def _duration(seconds: float) -> str:
    """A wait as the reports show it: m:ss up to 120 s, else minutes with one decimal."""
    if seconds > 120:
        return f"{seconds / 60:.1f} min"
    m, s = divmod(round(seconds), 60)
    return f"{m}:{s:02d}"


def test_kpi_values_in_html_equal_package_numbers(rendered, tiny_bank, two_branches):
    """The KPI tiles show the values and sample sizes computed independently from the raw data."""
    _, folder = rendered
    for b in two_branches:
        page = (folder / f"{b}.html").read_text(encoding="utf-8")
        tiles = page.split('class="tile"')[1:]
        for label, (value, n) in _expected_tiles(tiny_bank, b).items():
            tile = [t for t in tiles if f">{html.escape(label)}</div>" in t]
            assert len(tile) == 1, (b, label)
            assert f">{html.escape(value)}</div>" in tile[0], (b, label, value)
            assert n in html.unescape(tile[0]), (b, label, n)


def test_index_links_both_and_footer_has_fingerprint(rendered, tiny_bank, two_branches):
    _, folder = rendered
    index = (folder / "index.html").read_text(encoding="utf-8")
    assert all(f'href="{b}.html"' in index for b in two_branches)
    with load_dataset(tiny_bank) as ds:
        fp = ds.fingerprint
    for b in two_branches:
        page = (folder / f"{b}.html").read_text(encoding="utf-8")
        assert fp in page
        assert "0.1.0" in page  # package version in the footer


def test_report_is_self_contained_and_small(rendered, two_branches):
    _, folder = rendered
    page = (folder / f"{two_branches[0]}.html").read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "<script" not in page.lower()
    assert "data:image/png;base64" in page
    assert len(page.encode()) <= 250_000
    assert 'class="toc"' in page  # table of contents


def test_branch_report_has_no_other_branch_staff(rendered, tiny_bank, two_branches):
    _, folder = rendered
    branch = two_branches[0]
    staff = pd.read_parquet(tiny_bank / "staff.parquet")
    page = (folder / f"{branch}.html").read_text(encoding="utf-8")
    others = staff[staff.branch_id != branch].staff_id
    assert not any(f"({s})" in page for s in others)
    assert any(f"({s})" in page for s in staff[staff.branch_id == branch].staff_id)


def test_chinese_report_and_hostile_names(bank_copy, tmp_path):
    branch = _branch_ids(bank_copy)[1]
    st = pd.read_parquet(bank_copy / "staff.parquet")
    st.loc[st.branch_id == branch, "staff_name"] = "<script>alert(1)</script>"
    st.to_parquet(bank_copy / "staff.parquet")
    br = pd.read_parquet(bank_copy / "branches.parquet")
    br.loc[br.branch_id == branch, "branch_name"] = "<b onmouseover=x>Evil</b>"
    br.loc[br.branch_id == branch, "branch_name_zh"] = "<b onmouseover=x>坏</b>"  # what zh shows
    br.to_parquet(bank_copy / "branches.parquet")
    res = build_reports(bank_copy, "2026Q4", tmp_path, branches=[branch], lang="zh", jobs=1, progress=False)
    assert res.exit_code == 0, [f.error for f in res.failed]
    page = (tmp_path / "2026Q4" / f"{branch}.html").read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b onmouseover" not in page and "&lt;b onmouseover=x&gt;坏&lt;/b&gt;" in page
    assert "客户满意度" in page and "员工绩效" in page  # Chinese headings


def test_unknown_branch_refused_before_anything_is_written(tiny_bank, tmp_path):
    with pytest.raises(ParamsError, match="Unknown branch"):
        build_reports(tiny_bank, "2026Q4", tmp_path / "out", branches=["../x"], progress=False)
    assert not (tmp_path / "out").exists()


@pytest.fixture
def planted_failure(tmp_path, monkeypatch):
    """The packaged branch notebook, copied with a cell that raises for one branch id.

    ``bankperf report`` finds its notebooks in the installed package first: the copy is put
    where an installed package keeps them, so the real command runs it.
    """
    import bankperf_analysis._resources as resources

    def plant(bad: str) -> str:
        nb = nbformat.read(REPO / "notebooks" / "branch_quarter.ipynb", as_version=4)
        first = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
        message = f"planted failure for branch {bad}"
        nb.cells.insert(
            first + 1,
            nbformat.v4.new_code_cell(f"if branch_id == {bad!r}:\n    raise RuntimeError({message!r})"),
        )
        package = tmp_path / "installed" / "bankperf_analysis"
        copy = package / "notebooks" / "branch_quarter.ipynb"
        copy.parent.mkdir(parents=True)
        nbformat.write(nb, copy)
        monkeypatch.setattr(resources, "_PACKAGE", package)
        assert resources.notebook_path("branch_quarter.ipynb") == copy
        return message

    return plant


def test_failed_branch_is_not_published(bank_copy, tmp_path, capsys, planted_failure):
    """A branch whose notebook raises: exit code 1, no HTML (last run's removed), named on
    stderr and in the index; the other branch is published."""
    good, bad = _branch_ids(bank_copy)[:2]
    message = planted_failure(bad)
    folder = tmp_path / "o" / "2026Q4"
    folder.mkdir(parents=True)
    (folder / f"{bad}.html").write_text("<p>last run's numbers</p>", encoding="utf-8")
    code = main(
        [
            "report",
            "--data",
            str(bank_copy),
            "--quarter",
            "2026Q4",
            "--branch",
            good,
            "--branch",
            bad,
            "--out",
            str(tmp_path / "o"),
            "--no-progress",
            "--jobs",
            "2",
        ]
    )
    err = capsys.readouterr().err
    assert code == 1
    assert (folder / f"{good}.html").is_file()
    assert not (folder / f"{bad}.html").exists()
    assert (folder / "_failed" / f"{bad}.ipynb").is_file()  # kept for debugging
    assert f"2026Q4/{bad}" in err and message in err and good not in err
    index = (folder / "index.html").read_text(encoding="utf-8")
    assert f'href="{good}.html"' in index and f'href="{bad}.html"' not in index
    failed_rows = [row for row in index.split("<tr>") if 'class="status-failed"' in row]
    assert len(failed_rows) == 1 and f"({bad})" in failed_rows[0] and message in failed_rows[0]


def test_relative_paths_as_typed_by_a_user(tiny_bank, tmp_path, monkeypatch):
    """`bankperf report --data data/demo --out outputs` from the project folder (relative paths)."""
    branch = _branch_ids(tiny_bank)[1]
    monkeypatch.chdir(tmp_path)
    shutil.copytree(tiny_bank, tmp_path / "data" / "demo")
    code = main(
        [
            "report",
            "--data",
            "data/demo",
            "--quarter",
            "2026Q4",
            "--branch",
            branch,
            "--out",
            "outputs",
            "--no-progress",
            "--jobs",
            "1",
        ]
    )
    assert code == 0
    assert (tmp_path / "outputs" / "2026Q4" / f"{branch}.html").is_file()


def test_roles_not_scored_individually_are_labelled_so(tiny_bank, two_branches, tmp_path):
    """A role the scheme does not score is not 'insufficient data': it has no scorecard."""
    import yaml

    from bankperf_analysis.report import BranchReport, prepare_batch
    from bankperf_analysis.scheme import load_scheme

    d = load_scheme().to_dict()
    d["roles"]["service_manager"] = {"scored": False}  # a bank that does not score its managers
    scheme = tmp_path / "bank.yaml"
    scheme.write_text(yaml.safe_dump(d, allow_unicode=True), encoding="utf-8")
    branch = two_branches[0]
    staff = pd.read_parquet(tiny_bank / "staff.parquet")
    mine = staff[(staff.branch_id == branch) & (staff.role == "service_manager")]
    assert len(mine)  # the tiny bank has such staff in every branch
    shared = prepare_batch(tiny_bank, "2026Q3", tmp_path / "shared", scheme_path=scheme)
    page = BranchReport(shared, branch).staff_table().html
    for sid in mine.staff_id:
        row = page[page.index(f"({sid})") :].split("</tr>")[0]
        assert "not scored (role)" in row and "insufficient data" not in row, sid


def test_managers_are_scored_on_their_team(rendered, tiny_bank, two_branches):
    """The default scheme scores the customer-service manager on the team's KPIs (issue 13)."""
    _, folder = rendered
    branch = two_branches[0]
    staff = pd.read_parquet(tiny_bank / "staff.parquet")
    mine = staff[(staff.branch_id == branch) & (staff.role == "service_manager")]
    assert len(mine)
    page = html.unescape((folder / f"{branch}.html").read_text(encoding="utf-8"))  # ' may be &#x27;
    for sid in mine.staff_id:
        row = page[page.index(f"({sid})") :].split("</tr>")[0]
        assert "not scored (role)" not in row, sid
    assert "not the person's own: " in page and "Customer-service manager: Customer satisfaction" in page


# --------------------------------------------------------------------------- what made a report


def _first_branch(bank):
    return str(pd.read_parquet(bank / "branches.parquet").branch_id.astype(str).min())


def _bankperf(root, *args):
    """``bankperf`` run from the package copy at ``root`` (its kernels inherit PYTHONPATH)."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    proc = subprocess.run(
        [sys.executable, "-m", "bankperf_analysis.cli", *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def _shown(page, what):
    """The footer row ``what`` or the first KPI tile's value (satisfaction), as shown."""
    if what == "code digest":
        return re.search(r"<dt>Code digest</dt><dd>([0-9a-f]+)</dd>", page).group(1)
    return re.search(r'<div class="tile".*?font-size:1.6em[^>]*>([^<]*)</div>', page, re.S).group(1)


def test_changing_one_line_of_a_kpi_function_reruns_the_report(tiny_bank, tmp_path):
    """The cache key hashes the package's code: a one-line KPI change re-renders (issue 11, item 6)."""
    root = tmp_path / "copy"
    shutil.copytree(
        REPO / "bankperf_analysis", root / "bankperf_analysis", ignore=shutil.ignore_patterns("__pycache__")
    )
    (root / "notebooks").mkdir()
    for nb in (REPO / "notebooks").glob("*.ipynb"):
        shutil.copy(nb, root / "notebooks" / nb.name)
    (root / "params").mkdir()
    shutil.copy(REPO / "params" / "scheme.yaml", root / "params" / "scheme.yaml")
    branch = _first_branch(tiny_bank)
    page = tmp_path / "out" / "2026Q3" / f"{branch}.html"
    args = [
        "report",
        "--data",
        str(tiny_bank),
        "--quarter",
        "2026Q3",
        "--branch",
        branch,
        "--out",
        str(tmp_path / "out"),
        "--no-progress",
        "--jobs",
        "1",
    ]

    assert _bankperf(root, *args).startswith("1 rendered, 0 up to date, 0 failed")
    before = page.read_text(encoding="utf-8")
    assert _bankperf(root, *args).startswith("0 rendered, 1 up to date, 0 failed")

    # A satisfied customer scores >= the threshold; make it > (one line of the KPI's SQL).
    line = "count_if(score >= {thr}) AS sat"
    (source,) = [
        p
        for p in (root / "bankperf_analysis" / "metrics").rglob("*.py")
        if line in p.read_text(encoding="utf-8")
    ]
    source.write_text(
        source.read_text(encoding="utf-8").replace(line, line.replace(">=", ">")), encoding="utf-8"
    )
    assert _bankperf(root, *args).startswith("1 rendered, 0 up to date, 0 failed")
    after = page.read_text(encoding="utf-8")
    assert _shown(after, "code digest") != _shown(before, "code digest")
    assert _shown(after, "satisfaction") != _shown(before, "satisfaction")  # the new code's number


def test_edited_scheme_changes_what_the_interactive_notebook_shows(tiny_bank, tmp_path, monkeypatch):
    """JupyterLab's path (resolve_inputs with default parameters) follows an edited scheme.yaml."""
    monkeypatch.chdir(tmp_path)  # outputs/<quarter>/_shared_interactive is written here
    scheme = tmp_path / "scheme.yaml"
    shutil.copy(REPO / "params" / "scheme.yaml", scheme)
    branch = _first_branch(tiny_bank)

    def satisfaction_tile(folder):
        tiles = BranchReport(folder, branch).kpi_tiles().html.split('<div class="tile"')[1:]
        (tile,) = [x for x in tiles if ">Customer satisfaction<" in x]
        return tile

    first = resolve_inputs("", str(tiny_bank), "2026Q3", str(scheme))
    assert first == tmp_path / "outputs" / "2026Q3" / "_shared_interactive"
    meta = json.loads((first / "meta.json").read_text(encoding="utf-8"))
    assert resolve_inputs("", str(tiny_bank), "2026Q3", str(scheme)) == first
    assert json.loads((first / "meta.json").read_text(encoding="utf-8")) == meta  # reused as is
    doc = yaml.safe_load(scheme.read_text(encoding="utf-8"))
    old = doc["branch"]["kpis"]["satisfaction_rate"]["target"]
    assert f"≥ {100 * old:.1f} %" in satisfaction_tile(first)

    new = round(old - 0.07, 2)  # one branch target edited
    doc["branch"]["kpis"]["satisfaction_rate"]["target"] = new
    scheme.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")

    second = resolve_inputs("", str(tiny_bank), "2026Q3", str(scheme))
    again = json.loads((second / "meta.json").read_text(encoding="utf-8"))
    assert again["params_hash"] != meta["params_hash"]  # recomputed with the edited scheme
    tile = satisfaction_tile(second)
    assert f"≥ {100 * new:.1f} %" in tile and f"≥ {100 * old:.1f} %" not in tile


# --------------------------------------------------------------------------- scheme and data in the footer


def _footer_row(page: str, label: str) -> str:
    return html.unescape(re.search(rf"<dt>{re.escape(label)}</dt><dd>([^<]*)</dd>", page).group(1))


def test_footer_names_the_default_scheme(rendered, two_branches):
    _, folder = rendered
    page = (folder / f"{two_branches[0]}.html").read_text(encoding="utf-8")
    assert _footer_row(page, "Scheme") == "the default scheme (params/scheme.yaml)"


def test_scheme_option_is_used_and_named_in_the_footer(tiny_bank, tmp_path, capsys, monkeypatch):
    """`bankperf report --scheme FILE`: the report uses the file (its numbers) and names it; the
    footer also states the encodings the dataset says it read."""
    from bankperf_analysis.dataset.load import Dataset

    monkeypatch.setattr(Dataset, "encodings", {"staff": "gb18030", "branches": "utf-8"}, raising=False)
    doc = yaml.safe_load((REPO / "params" / "scheme.yaml").read_text(encoding="utf-8"))
    doc["name"] = "no-bonus test scheme"
    doc["money"] = {"bonus_by_grade": {grade: 0 for grade in doc["money"]["bonus"]["coefficient_by_grade"]}}
    scheme = tmp_path / "custom scheme.yaml"
    scheme.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    branch = _first_branch(tiny_bank)
    args = ["report", "--data", str(tiny_bank), "--quarter", "2026Q3", "--branch", branch, "--no-progress"]
    assert main([*args, "--out", str(tmp_path / "out"), "--scheme", str(scheme)]) == 0
    page = (tmp_path / "out" / "2026Q3" / f"{branch}.html").read_text(encoding="utf-8")
    assert _footer_row(page, "Scheme") == f"no-bonus test scheme ({scheme})"
    assert _footer_row(page, "Data encodings") == "utf-8 (branches), gb18030 (staff)"
    index = (tmp_path / "out" / "2026Q3" / "index.html").read_text(encoding="utf-8")
    manifest = json.loads((tmp_path / "out" / "2026Q3" / ".bankperf-cache.json").read_text(encoding="utf-8"))
    assert manifest["reports"][branch]["headline"]["count_bonus_total"] == "0 yuan", index


def test_annual_summary_uses_the_runs_scheme(tiny_bank, tmp_path):
    """A Q4 batch with --scheme: the annual summary too computes with it (no bonus here) and names it."""
    from bankperf_analysis._resources import notebook_path
    from bankperf_analysis.runner.plan import declared_parameters

    assert "scheme_path" in declared_parameters(notebook_path("annual_summary.ipynb"))
    doc = yaml.safe_load((REPO / "params" / "scheme.yaml").read_text(encoding="utf-8"))
    doc["name"] = "no-bonus test scheme"
    doc["money"] = {"bonus_by_grade": {grade: 0 for grade in doc["money"]["bonus"]["coefficient_by_grade"]}}
    scheme = tmp_path / "scheme.yaml"
    scheme.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    res = build_reports(tiny_bank, "2026Q4", tmp_path / "out", jobs=2, progress=False, scheme_path=scheme)
    assert res.exit_code == 0
    annual = next(o for o in res.outcomes if o.id == "annual-2026")
    assert annual.headline["count_bonus_total"] == "0 yuan"
    page = annual.html_path.read_text(encoding="utf-8")
    assert _footer_row(page, "Scheme") == f"no-bonus test scheme ({scheme})"


def test_editing_dataset_yaml_holidays_reruns_the_reports(bank_copy, tmp_path):
    """The cache key covers dataset.yaml (through the data fingerprint): new holidays re-run the report."""
    branch = _first_branch(bank_copy)

    def run():
        return build_reports(bank_copy, "2026Q3", tmp_path, branches=[branch], jobs=1, progress=False)

    def fingerprint():
        with load_dataset(bank_copy) as ds:
            return ds.fingerprint

    assert [o.status for o in run().outcomes] == ["ok"]
    before = fingerprint()
    meta = yaml.safe_load((bank_copy / "dataset.yaml").read_text(encoding="utf-8"))
    meta["holidays"] = [*meta.get("holidays", []), "2026-08-03", "2026-08-04"]
    (bank_copy / "dataset.yaml").write_text(yaml.safe_dump(meta, allow_unicode=True), encoding="utf-8")
    assert fingerprint() != before  # the fingerprint covers dataset.yaml
    assert [o.status for o in run().outcomes] == ["ok"]  # re-run, not "cached"
