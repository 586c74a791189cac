"""Loading, validation and fingerprint: every kind of error with a crafted bad file."""

from __future__ import annotations

import shutil

import duckdb
import pandas as pd
import pytest

from bankperf_analysis.cli.main import main
from bankperf_analysis.dataset.load import load_dataset, validate_dataset
from bankperf_analysis.exceptions import DataValidationError


def _issues(folder, **kw):
    with pytest.raises(DataValidationError) as exc:
        load_dataset(folder, **kw)
    return exc.value


def _to_csv(folder, table):
    df = pd.read_parquet(folder / f"{table}.parquet")
    (folder / f"{table}.parquet").unlink()
    return df


def test_demo_bank_validates(tiny_bank):
    s = validate_dataset(tiny_bank)
    assert s.first_period == "2025Q1" and s.last_period == "2026Q4"
    assert s.tables["branches"] == 4
    assert "valid:" in s.as_text()


def test_missing_required_file(bank_copy):
    (bank_copy / "staff.parquet").unlink()
    err = _issues(bank_copy)
    assert any(i.table == "staff" and "staff.parquet" in i.expected for i in err.issues)


def test_optional_table_may_be_absent(bank_copy):
    (bank_copy / "reviews_360.parquet").unlink()
    with load_dataset(bank_copy) as ds:
        assert not ds.has("reviews_360")
        assert "reviews_360" in ds.missing
        assert ds.has("surveys")


def test_missing_column(bank_copy):
    df = pd.read_parquet(bank_copy / "surveys.parquet").drop(columns="score")
    df.to_parquet(bank_copy / "surveys.parquet")
    err = _issues(bank_copy)
    (issue,) = [i for i in err.issues if i.table == "surveys"]
    assert issue.column == "score" and "missing" in issue.value
    assert issue.file == "surveys.parquet"


def test_unparseable_value_in_csv_names_row_and_column(bank_copy):
    df = _to_csv(bank_copy, "surveys").astype({"score": object})
    df.loc[9, "score"] = "nine"
    df.to_csv(bank_copy / "surveys.csv", index=False)
    err = _issues(bank_copy)
    (issue,) = err.issues
    assert (issue.table, issue.file, issue.row, issue.column, issue.value) == (
        "surveys",
        "surveys.csv",
        10,
        "score",
        "nine",
    )
    assert "integer" in issue.expected
    assert "row 10 (line 11)" in str(err)


def test_out_of_range_score_and_negative_amount(bank_copy):
    s = pd.read_parquet(bank_copy / "surveys.parquet")
    s.loc[0, "score"] = 11
    s.to_parquet(bank_copy / "surveys.parquet")
    t = pd.read_parquet(bank_copy / "teller_transactions.parquet")
    t.loc[4, "cash_handled_yuan"] = -5.0
    t.to_parquet(bank_copy / "teller_transactions.parquet")
    err = _issues(bank_copy)
    got = {(i.table, i.row, i.column, i.value) for i in err.issues}
    assert ("surveys", 1, "score", "11") in got
    assert ("teller_transactions", 5, "cash_handled_yuan", "-5.0") in got


def test_answer_before_arrival_and_close_before_open(bank_copy):
    c = pd.read_parquet(bank_copy / "contacts.parquet")
    i = c.index[~c.abandoned][3]
    c.loc[i, "answer_ts"] = c.loc[i, "arrival_ts"] - pd.Timedelta(seconds=5)
    c.to_parquet(bank_copy / "contacts.parquet")
    k = pd.read_parquet(bank_copy / "complaints.parquet")
    k.loc[2, "closed_ts"] = k.loc[2, "opened_ts"] - pd.Timedelta(hours=1)
    k.to_parquet(bank_copy / "complaints.parquet")
    err = _issues(bank_copy)
    rules = {(x.table, x.row, x.column) for x in err.issues}
    assert ("contacts", i + 1, "arrival_ts, answer_ts") in rules
    assert ("complaints", 3, "opened_ts, closed_ts") in rules


def test_duplicate_key(bank_copy):
    b = pd.read_parquet(bank_copy / "branches.parquet")
    b = pd.concat([b, b.iloc[[1]]], ignore_index=True)
    b.to_parquet(bank_copy / "branches.parquet")
    err = _issues(bank_copy)
    (issue,) = [x for x in err.issues if x.table == "branches"]
    assert issue.row == 5 and issue.column == "branch_id" and issue.value == b.branch_id[1]
    assert "unique" in issue.expected and "row 2" in issue.expected


def test_orphan_reference(bank_copy):
    st = pd.read_parquet(bank_copy / "staff.parquet")
    st.loc[2, "branch_id"] = "B99"
    st.to_parquet(bank_copy / "staff.parquet")
    err = _issues(bank_copy)
    issue = next(x for x in err.issues if x.table == "staff")
    assert (issue.row, issue.column, issue.value) == (3, "branch_id", "B99")
    assert "present in branches" in issue.expected


def test_timestamp_outside_periods(bank_copy):
    m = pd.read_parquet(bank_copy / "mystery_shopper.parquet")
    m.loc[0, "check_date"] = pd.Timestamp("2019-03-01").date()
    m.to_parquet(bank_copy / "mystery_shopper.parquet")
    err = _issues(bank_copy)
    (issue,) = err.issues
    assert issue.column == "check_date" and issue.row == 1 and "periods" in issue.expected


def test_not_allowed_category_and_null(bank_copy):
    st = pd.read_parquet(bank_copy / "staff.parquet")
    st.loc[0, "role"] = "janitor"
    st.loc[1, "staff_name"] = None
    st.to_parquet(bank_copy / "staff.parquet")
    err = _issues(bank_copy)
    got = {(x.row, x.column) for x in err.issues}
    assert (1, "role") in got and (2, "staff_name") in got


def test_many_bad_rows_are_summarised(bank_copy):
    s = pd.read_parquet(bank_copy / "surveys.parquet")
    s.loc[:99, "score"] = 0
    s.to_parquet(bank_copy / "surveys.parquet")
    err = _issues(bank_copy)
    assert len(err.issues) == 11  # 10 examples + one "... more rows" line
    assert err.issues[-1].row is None and "90 more rows" in err.issues[-1].value


def test_excel_input(bank_copy):
    df = _to_csv(bank_copy, "branches")
    df.to_excel(bank_copy / "branches.xlsx", index=False)
    with load_dataset(bank_copy) as ds:
        assert ds.n_rows("branches") == 4


def test_duckdb_file_input(tiny_bank, tmp_path):
    db = tmp_path / "bank.duckdb"
    con = duckdb.connect(str(db))
    for f in tiny_bank.glob("*.parquet"):
        con.execute(f"CREATE TABLE {f.stem} AS SELECT * FROM read_parquet('{f}')")
    con.close()
    with load_dataset(db) as ds, load_dataset(tiny_bank) as ref:
        assert ds.encodings["staff"] == "duckdb"
        assert ds.fingerprint != ref.fingerprint  # the folder's dataset.yaml is part of it
    shutil.copy(tiny_bank / "dataset.yaml", tmp_path / "bank.yaml")  # the metadata beside the file
    with load_dataset(db) as ds, load_dataset(tiny_bank) as ref:
        assert ds.fingerprint == ref.fingerprint


def test_three_planted_errors_cli(bank_copy, capsys):
    s = pd.read_parquet(bank_copy / "surveys.parquet")
    s.loc[5, "score"] = 11
    s.to_parquet(bank_copy / "surveys.parquet")
    st = pd.read_parquet(bank_copy / "staff.parquet")
    st.loc[3, "branch_id"] = "B99"
    st.to_parquet(bank_copy / "staff.parquet")
    k = pd.read_parquet(bank_copy / "complaints.parquet")
    k.loc[7, "closed_ts"] = k.loc[7, "opened_ts"] - pd.Timedelta(hours=2)
    k.to_parquet(bank_copy / "complaints.parquet")
    before = sorted(p.name for p in bank_copy.rglob("*"))
    assert main(["validate", str(bank_copy)]) == 3  # invalid data
    err = capsys.readouterr().err
    assert "3 problem(s)" in err
    for needle in ("B99", "11", "closed_ts on or after opened_ts"):
        assert needle in err
    assert sorted(p.name for p in bank_copy.rglob("*")) == before  # nothing written


def test_validate_cli_ok(tiny_bank, capsys):
    assert main(["validate", str(tiny_bank)]) == 0
    out = capsys.readouterr().out.strip()
    assert out.startswith("valid: 19 tables") and "2025Q1–2026Q4" in out


# ----------------------------------------------------------------------------- fingerprint


def test_fingerprint_same_for_csv_and_parquet_and_row_order(bank_copy, tiny_bank):
    with load_dataset(tiny_bank) as ds:
        ref = ds.fingerprint
    for table in ("surveys", "complaints", "staff"):
        df = _to_csv(bank_copy, table)
        df.sample(frac=1.0, random_state=3).to_csv(bank_copy / f"{table}.csv", index=False)
    with load_dataset(bank_copy) as ds:
        assert ds.fingerprint == ref


def test_fingerprint_changes_with_content(bank_copy, tiny_bank):
    s = pd.read_parquet(bank_copy / "surveys.parquet")
    s.loc[0, "score"] = 10 if s.loc[0, "score"] != 10 else 9
    s.to_parquet(bank_copy / "surveys.parquet")
    with load_dataset(bank_copy) as a, load_dataset(tiny_bank) as b:
        assert a.fingerprint != b.fingerprint


def test_fingerprint_same_seed_same_different_seed_different(tmp_path, tiny_bank):
    from bankperf_analysis.dataset.demo import make_demo_bank

    make_demo_bank(tmp_path / "a", scale="tiny", seed=1)
    make_demo_bank(tmp_path / "b", scale="tiny", seed=2)
    with load_dataset(tmp_path / "a") as a, load_dataset(tmp_path / "b") as b, load_dataset(tiny_bank) as ref:
        assert a.fingerprint == ref.fingerprint
        assert b.fingerprint != ref.fingerprint


def test_ambiguous_files(bank_copy):
    shutil.copy(bank_copy / "branches.parquet", bank_copy / "branches.csv")
    err = _issues(bank_copy)
    assert "exactly one file" in err.issues[0].expected
