"""A dataset in a real PostgreSQL server (``--data postgresql://...``): same checks, same numbers.

The tests start their own throwaway server (:mod:`pgcluster`: initdb into a temporary folder,
a free port on 127.0.0.1, password authentication; as root the server runs as the
unprivileged ``postgres`` user) and load the tiny demo bank into it from its Parquet files,
with the contract's column types and primary keys. Tests that break the data work on a copy
of that database (``CREATE DATABASE ... TEMPLATE``). They skip only when no PostgreSQL
server binaries are installed (``.ci/run`` installs Debian's ``postgresql``).
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pandas as pd
import pytest
from pgcluster import Cluster, load_bank, server_binaries, start_cluster

from bankperf_analysis.cli.main import main
from bankperf_analysis.dataset.database import password_in_environment, password_via_environment, redact
from bankperf_analysis.dataset.load import load_dataset, validate_dataset
from bankperf_analysis.dataset.schema import CONTRACT
from bankperf_analysis.exceptions import DataValidationError, UnreadableInputError
from bankperf_analysis.metrics.compute import compute_kpis
from bankperf_analysis.report.annual import AnnualReport
from bankperf_analysis.report.inputs import resolve_data_dir
from bankperf_analysis.scorecard.quarter import quarter_scorecards

pytest.importorskip("adbc_driver_postgresql", reason="adbc-driver-postgresql is not installed (.[postgres])")


@pytest.fixture(scope="module")
def cluster():
    bindir = server_binaries()
    if bindir is None:
        pytest.skip(
            "no PostgreSQL server binaries (initdb, pg_ctl) under /usr/lib/postgresql/*/bin or on PATH: "
            "apt-get install postgresql"
        )
    c = start_cluster(bindir)
    yield c
    c.stop()


@pytest.fixture(scope="module")
def bank_db(cluster: Cluster, tiny_bank: Path) -> str:
    """The tiny demo bank loaded into database ``bank`` (do not modify: use ``db_copy``)."""
    load_bank(cluster, "bank", tiny_bank)
    return "bank"


@pytest.fixture
def db_copy(cluster: Cluster, bank_db: str):
    """A private copy of the bank's database that a test may break."""
    name = f"copy_{uuid.uuid4().hex[:8]}"
    cluster.execute("postgres", f'CREATE DATABASE "{name}" TEMPLATE "{bank_db}"')
    yield name
    cluster.execute("postgres", f'DROP DATABASE "{name}" WITH (FORCE)')


def _last_quarter(folder: Path) -> str:
    with load_dataset(folder) as ds:
        return str(ds.coverage()[1])


def _ids_by_key(folder: Path, table: str) -> list[str]:
    """A table's single-column primary key values in byte order, read from the Parquet file."""
    (key,) = CONTRACT[table].primary_key
    return sorted(pd.read_parquet(folder / f"{table}.parquet")[key].astype(str), key=lambda s: s.encode())


# ----------------------------------------------------------------------------- same data, same numbers


def test_same_summary_and_fingerprint_as_parquet(cluster, bank_db, tiny_bank):
    from_db = validate_dataset(cluster.url(bank_db))
    from_files = validate_dataset(tiny_bank)
    assert from_db.fingerprint == from_files.fingerprint
    for field in ("tables", "missing", "first_period", "last_period"):  # rows per table, not provided
        assert getattr(from_db, field) == getattr(from_files, field), field
    assert from_db.as_text().startswith(from_files.as_text().split("; read as")[0])


def test_kpis_and_scorecards_are_identical_frames(cluster, bank_db, tiny_bank):
    q = _last_quarter(tiny_bank)
    with load_dataset(cluster.url(bank_db)) as db, load_dataset(tiny_bank) as files:
        pd.testing.assert_frame_equal(compute_kpis(db, period=q), compute_kpis(files, period=q))
        kpis_db, staff_db, branch_db = quarter_scorecards(db, q)
        kpis_f, staff_f, branch_f = quarter_scorecards(files, q)
    pd.testing.assert_frame_equal(kpis_db, kpis_f)
    for a, b in [
        (staff_db.people, staff_f.people),
        (staff_db.kpis, staff_f.kpis),
        (staff_db.training, staff_f.training),
        (branch_db.branches, branch_f.branches),
        (branch_db.checks, branch_f.checks),
        (branch_db.kpis, branch_f.kpis),
    ]:
        pd.testing.assert_frame_equal(a, b)
    assert len(staff_db.people) > 0 and staff_db.total_bonus_yuan == staff_f.total_bonus_yuan


def test_staffing_plan_is_the_same_holidays_and_all(cluster, bank_db, tiny_bank, capsys):
    """The plan counts open days: the holidays of dataset.yaml come from the table dataset_meta."""
    branch = str(pd.read_parquet(tiny_bank / "branches.parquet").branch_id.astype(str).min())
    printed = []
    for data in (cluster.url(bank_db), str(tiny_bank)):
        assert (
            main(["staffing", "--data", data, "--branch", branch, "--quarter", _last_quarter(tiny_bank)]) == 0
        )
        printed.append(
            [line for line in capsys.readouterr().out.splitlines() if not line.startswith("done in")]
        )
    assert printed[0] == printed[1] and len(printed[0]) > 20


def test_cli_validate_and_scorecard_on_the_database(cluster, bank_db, tiny_bank, tmp_path, capsys):
    """`bankperf validate URL` exits 0 with the files' fingerprint; `scorecard` writes the same workbook."""
    url = cluster.url(bank_db)
    assert main(["validate", url]) == 0
    out = capsys.readouterr().out
    assert validate_dataset(tiny_bank).fingerprint in out and cluster.password not in out
    q = _last_quarter(tiny_bank)
    books = {}
    for name, data in (("db", url), ("files", str(tiny_bank))):
        books[name] = tmp_path / f"{name}.xlsx"
        args = ["scorecard", "--data", data, "--quarter", q, "--out", str(books[name]), "--no-progress"]
        assert main(args) == 0
    capsys.readouterr()
    from_db = pd.read_excel(books["db"], sheet_name=None, engine="openpyxl")
    from_files = pd.read_excel(books["files"], sheet_name=None, engine="openpyxl")
    assert list(from_db) == list(from_files) and len(from_db) > 4
    about = "About"  # its generation time and payroll file name name the run, not the data
    for sheet in from_files:
        db, files = from_db[sheet], from_files[sheet]
        if sheet == about:
            keep = ~files.iloc[:, 1].astype(str).str.contains(r"_payroll\.csv$|\(UTC[+-]\d\d:\d\d\)$")
            assert int((~keep).sum()) == 2, files
            db, files = db[keep], files[keep]
        pd.testing.assert_frame_equal(db, files, obj=sheet)


# ----------------------------------------------------------------------------- refused by name


def _plant_score_11(ids):
    return [f"UPDATE surveys SET score = 11 WHERE survey_id = '{ids[17]}'"], 17, "score", "11", "[1, 10]"


def _plant_decimal_score(ids):
    sql = [
        "ALTER TABLE surveys ALTER COLUMN score TYPE numeric",
        f"UPDATE surveys SET score = 7.5 WHERE survey_id = '{ids[23]}'",
    ]
    return sql, 23, "score", "7.5", "integer"


def _plant_dangling_staff(ids):
    return (
        [f"UPDATE surveys SET staff_id = 'S99999' WHERE survey_id = '{ids[5]}'"],
        5,
        "staff_id",
        "S99999",
        "staff",
    )


def _plant_outside_periods(ids):
    """dataset_meta says 2025Q1-2026Q4, as the folder's dataset.yaml does."""
    sql = [f"UPDATE surveys SET survey_date = '2027-02-01' WHERE survey_id = '{ids[40]}'"]
    return sql, 40, "survey_date", "2027-02-01", "within the dataset's periods"


@pytest.mark.parametrize(
    "plant",
    [
        _plant_score_11,
        _plant_outside_periods,
        _plant_decimal_score,
        _plant_dangling_staff,
    ],
    ids=["score-11", "outside-periods", "numeric-7.5-in-integer", "dangling-staff-id"],
)
def test_bad_value_is_refused_with_table_row_column_value(cluster, db_copy, tiny_bank, plant, capsys):
    """Rows are numbered by primary key (byte order): the planted row's number is its key's rank,
    although the UPDATE moved it to the end of the table on disk."""
    ids = _ids_by_key(tiny_bank, "surveys")
    statements, index, column, value, expected = plant(ids)
    cluster.execute(db_copy, *statements)
    with pytest.raises(DataValidationError) as info:
        load_dataset(cluster.url(db_copy))
    assert not isinstance(info.value, UnreadableInputError)
    # a date moved past the periods may also fall after its staff member left (test_employment.py)
    (issue,) = [i for i in info.value.issues if i.column == column]
    assert (issue.table, issue.row, issue.column, issue.value) == ("surveys", index + 1, column, value)
    assert issue.file == f"{db_copy}.public.surveys, rows by survey_id"
    assert expected in issue.expected
    assert main(["validate", cluster.url(db_copy)]) == 3
    err = capsys.readouterr().err
    assert f"INVALID: {redact(cluster.url(db_copy))}" in err and cluster.password not in err


def test_timestamp_with_time_zone_is_refused_at_the_door(cluster, db_copy):
    """An instant is not the branch's local time: the column is named, never converted silently."""
    cluster.execute(db_copy, "ALTER TABLE contacts ALTER COLUMN arrival_ts TYPE timestamptz")
    with pytest.raises(DataValidationError) as info:
        load_dataset(cluster.url(db_copy))
    (issue,) = info.value.issues
    assert (issue.table, issue.column, issue.row) == ("contacts", "arrival_ts", None)
    assert "timestamptz" in issue.value and "without time zone" in issue.expected


def test_missing_tables_required_and_optional(cluster, db_copy):
    cluster.execute(db_copy, "DROP TABLE surveys")
    summary = validate_dataset(cluster.url(db_copy))
    assert "surveys" in summary.missing and "surveys" not in summary.tables
    cluster.execute(db_copy, "DROP TABLE staff CASCADE")
    with pytest.raises(DataValidationError) as info:
        load_dataset(cluster.url(db_copy))
    assert not isinstance(info.value, UnreadableInputError)
    (issue,) = info.value.issues
    assert (issue.table, issue.value) == ("staff", "(missing)")
    assert f"schema public of database {db_copy}" in issue.expected


def test_schema_parameter_selects_the_schema(cluster, db_copy, tiny_bank):
    moves = [f'ALTER TABLE "{t}" SET SCHEMA hr' for t in [*CONTRACT, "dataset_meta"]]
    cluster.execute(db_copy, "CREATE SCHEMA hr", *moves)
    assert (
        validate_dataset(cluster.url(db_copy, schema="hr")).fingerprint
        == validate_dataset(tiny_bank).fingerprint
    )
    with pytest.raises(DataValidationError) as info:
        load_dataset(cluster.url(db_copy))  # public is empty now
    assert {i.table for i in info.value.issues} == {"branches", "staff"}


@pytest.mark.parametrize("how", ["PGPASSWORD, Unix socket", "~/.pgpass, TCP"])
def test_password_from_libpq_not_the_url(cluster, bank_db, tiny_bank, tmp_path, monkeypatch, how):
    """The README's advice: no password in the URL; libpq finds it in PGPASSWORD or a .pgpass file."""
    monkeypatch.delenv("PGPASSWORD", raising=False)
    if how.startswith("PGPASSWORD"):
        monkeypatch.setenv("PGPASSWORD", cluster.password)
        url = f"postgresql:///{bank_db}?host={cluster.base}&port={cluster.port}&user={cluster.user}"
    else:
        passfile = tmp_path / "pgpass"
        passfile.write_text(f"127.0.0.1:{cluster.port}:{bank_db}:{cluster.user}:{cluster.password}\n")
        passfile.chmod(0o600)
        monkeypatch.setenv("PGPASSFILE", str(passfile))
        url = f"postgresql://{cluster.user}@127.0.0.1:{cluster.port}/{bank_db}"
    assert validate_dataset(url).fingerprint == validate_dataset(tiny_bank).fingerprint


# ----------------------------------------------------------------------------- cannot be read


@pytest.mark.parametrize("what", ["wrong-password", "unknown-database", "no-server"])
def test_unreadable_database_exits_4_without_the_password(cluster, bank_db, what, capsys):
    wrong = "wrong-" + uuid.uuid4().hex[:8]
    url = {
        "wrong-password": cluster.url(bank_db, password=wrong),
        "unknown-database": cluster.url("no_such_bank"),
        "no-server": cluster.url(bank_db).replace(f":{cluster.port}/", f":{_closed_port()}/"),
    }[what]
    with pytest.raises(UnreadableInputError) as info:
        load_dataset(url)
    (issue,) = info.value.issues
    assert issue.file == redact(url) and "@127.0.0.1:" in issue.file
    assert {"wrong-password": "password authentication failed", "unknown-database": "no_such_bank"}.get(
        what, "127.0.0.1"
    ) in issue.value
    for args in (["validate", url], ["scorecard", "--data", url, "--quarter", "2026Q4", "--out", "x.xlsx"]):
        assert main(args) == 4
        out, err = capsys.readouterr()
        assert f"UNREADABLE: {redact(url)}" in err
        assert wrong not in out + err and cluster.password not in out + err
    assert wrong not in str(info.value) and cluster.password not in str(info.value)


def test_without_dataset_meta_a_database_is_named_by_its_url_less_the_password(cluster, db_copy):
    cluster.execute(db_copy, "DROP TABLE dataset_meta")
    url = cluster.url(db_copy)
    with load_dataset(url) as ds:
        assert ds.meta == {}  # no periods, no holidays: a folder without dataset.yaml
        assert str(ds.root) == redact(url) and cluster.password not in repr(ds)


def test_unreadable_dataset_meta_exits_4(cluster, db_copy, capsys):
    cluster.execute(db_copy, "UPDATE dataset_meta SET value = '[2026-10-01, ' WHERE key = 'holidays'")
    with pytest.raises(UnreadableInputError) as info:
        load_dataset(cluster.url(db_copy))
    (issue,) = info.value.issues
    assert (issue.table, issue.file, issue.column) == (
        "dataset_meta",
        f"{db_copy}.public.dataset_meta",
        "holidays",
    )
    assert issue.value == "[2026-10-01, " and "YAML" in issue.expected
    assert main(["validate", cluster.url(db_copy)]) == 4
    assert "dataset_meta" in capsys.readouterr().err


def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # closed again on return: nothing listens there


def test_the_report_batch_hands_on_the_url_without_its_password(monkeypatch):
    """Kernels and notebook parameters get the URL less its password; they inherit it in PGPASSWORD."""
    monkeypatch.setenv("PGPASSWORD", "before")
    seen = {}

    @password_via_environment
    def batch(data, quarter):
        seen.update(data=data, quarter=quarter, env=os.environ["PGPASSWORD"])

    url = "postgresql://analyst:s3cret@db:5432/bank?schema=hr"
    for args, kwargs in (((url,), {}), ((), {"data": url})):  # positional, or by keyword
        seen.clear()
        batch(*args, quarter="2026Q4", **kwargs)
        assert seen == {"data": redact(url), "quarter": "2026Q4", "env": "s3cret"}
        assert redact(url) == "postgresql://analyst@db:5432/bank?schema=hr"
        assert os.environ["PGPASSWORD"] == "before"
    with password_in_environment("data/demo") as same:
        assert same == "data/demo"


# ----------------------------------------------------------------------------- a report from the database


def test_annual_summary_reads_the_database_as_its_kernel_does(cluster, bank_db, tiny_bank):
    """The annual notebook's path: ``data_dir`` without the password (PGPASSWORD holds it),
    through ``resolve_data_dir``; the same tables as from the Parquet folder."""
    year = _last_quarter(tiny_bank)[:4]
    with password_in_environment(cluster.url(bank_db)) as public:
        assert cluster.password not in public
        from_db = AnnualReport(resolve_data_dir(public), year)
    from_files = AnnualReport(resolve_data_dir(str(tiny_bank)), year)
    assert from_db.fingerprint == from_files.fingerprint
    for section in ("totals", "staff_table", "branch_table"):
        assert str(getattr(from_db, section)()) == str(getattr(from_files, section)()), section


@pytest.mark.notebook
def test_branch_report_renders_from_the_database(cluster, bank_db, tiny_bank, tmp_path, capsys):
    branch = str(pd.read_parquet(tiny_bank / "branches.parquet").branch_id.astype(str).min())
    q = _last_quarter(tiny_bank)
    args = ["report", "--data", cluster.url(bank_db), "--quarter", q, "--branch", branch]
    assert main([*args, "--out", str(tmp_path / "out"), "--no-progress", "--jobs", "1"]) == 0
    assert capsys.readouterr().out.startswith("1 rendered, 0 up to date, 0 failed")
    page = (tmp_path / "out" / q / f"{branch}.html").read_text(encoding="utf-8")
    assert validate_dataset(tiny_bank).fingerprint in page
    for f in (tmp_path / "out").rglob("*"):
        if f.is_file():
            assert cluster.password.encode() not in f.read_bytes(), f
