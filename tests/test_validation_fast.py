"""The faster validation paths give the exact checks' answers (issue 14, goal 3).

Three shortcuts, each checked against an independent reference on crafted data:

- a blank text is found by a byte comparison before ``trim`` (the plain ``trim(x) = ''``
  over every Unicode space and every ASCII character is the reference);
- the activity check is skipped when the table's one scan proves every row in post through
  each person's unbroken span; a day between two assignments is still refused, with the rows
  read from the data by pandas, and a transfer (one assignment ends the day the next starts)
  is no gap;
- a repeated key is found by sorting the keys' hashes in NumPy, and by DuckDB's hash
  aggregate beyond the size cap.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd
import pytest

from bankperf_analysis.dataset import checks, employment
from bankperf_analysis.dataset._sql import is_blank
from bankperf_analysis.dataset.load import load_dataset
from bankperf_analysis.exceptions import DataValidationError

#: Unicode category Zs (what DuckDB's trim removes) and other blanks it keeps.
SPACES = [" ", "\u00a0", "\u1680", *map(chr, range(0x2000, 0x200B)), "\u202f", "\u205f", "\u3000"]


def _cells() -> list[str | None]:
    ascii_chars = [chr(i) for i in range(1, 128)]
    others = ["", "\t", "\u200b", "\u0085", "中", "é", "C000000001", "\ufeff"]
    singles = SPACES + ascii_chars + others
    return [None, *singles, *(a + b for a in SPACES + ["\t", ""] for b in [" ", "x", "\u3000", "中"])]


def test_blank_text_is_what_trim_leaves_empty():
    con = duckdb.connect()
    con.execute("CREATE TABLE t (x VARCHAR)")
    con.executemany("INSERT INTO t VALUES (?)", [[c] for c in _cells()])
    got = con.execute(
        f"SELECT x, {is_blank('x')}, x IS NULL OR trim(x) = '' FROM t ORDER BY x NULLS FIRST"
    ).fetchall()
    differ = [(x, fast, ref) for x, fast, ref in got if fast != ref]
    assert differ == []
    assert {x for x, _, ref in got if ref and x is not None and len(x) <= 1} == {"", *SPACES}


def _issues(folder) -> list:
    with pytest.raises(DataValidationError) as err:
        load_dataset(folder)
    return err.value.issues


def _busy_person(folder) -> tuple[str, dt.date, pd.DataFrame]:
    """A person with one assignment and contacts on several days; one such day (not the first)."""
    a = pd.read_parquet(folder / "assignments.parquet")
    c = pd.read_parquet(folder / "contacts.parquet")
    c["day"] = c.arrival_ts.dt.date
    single = a.groupby("staff_id").size().loc[lambda s: s == 1].index
    days = c[c.staff_id.isin(single)].groupby("staff_id").day.nunique().sort_index()
    person = str(days[days > 3].index[0])
    day = sorted(c[c.staff_id == person].day.unique())[2]
    return person, day, c


def _split(folder, person: str, first_end: dt.date, second_start: dt.date) -> None:
    """Replace the person's one assignment by two: up to ``first_end``, from ``second_start``."""
    path = folder / "assignments.parquet"
    a = pd.read_parquet(path)
    row = a[a.staff_id == person].iloc[0]
    second = row.copy()
    a.loc[a.staff_id == person, "valid_to"] = first_end
    second["valid_from"] = second_start
    pd.concat([a, second.to_frame().T], ignore_index=True).astype(a.dtypes).to_parquet(path)


def test_a_day_between_two_assignments_is_refused_on_every_row(bank_copy):
    person, day, c = _busy_person(bank_copy)
    _split(bank_copy, person, day, day + dt.timedelta(days=1))  # not in post on `day` only
    got = [i for i in _issues(bank_copy) if i.table == "contacts" and i.column == "staff_id, arrival_ts"]
    expected_rows = [int(r) + 1 for r in c.index[(c.staff_id == person) & (c.day == day)]]  # 1-based
    listed = [i.row for i in got if i.row is not None]
    assert listed == expected_rows[: checks.MAX_EXAMPLES]
    assert all(i.value == f"{person} / {day}" for i in got if i.row is not None)
    more = len(expected_rows) - len(listed)
    assert [i.value for i in got if i.row is None] == ([f"{more:,} more rows like this"] if more else [])


def test_in_post_rows_skip_the_exact_activity_check_and_a_transfer_is_no_gap(bank_copy, monkeypatch):
    ran = []
    real = employment._check_activity

    def spy(con, src, staff_col, date_col, *args):
        ran.append((src.table, staff_col, date_col))
        return real(con, src, staff_col, date_col, *args)

    monkeypatch.setattr(employment, "_check_activity", spy)
    person, day, _ = _busy_person(bank_copy)
    _split(bank_copy, person, day, day)  # a transfer: the second assignment starts the day the first ends
    with load_dataset(bank_copy) as ds:
        assert ds.n_rows("contacts") > 0
        leftover = ds.con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE '_check%'")
        assert leftover.fetchone()[0] == 0
    assert ran == []  # every activity table proved in post by its one scan


@pytest.mark.parametrize("cap", [checks.SORTED_KEYS_MAX_ROWS, 0], ids=["numpy-sort", "hash-aggregate"])
def test_a_repeated_key_is_found_by_either_path(bank_copy, monkeypatch, cap):
    monkeypatch.setattr(checks, "SORTED_KEYS_MAX_ROWS", cap)
    path = bank_copy / "contacts.parquet"
    df = pd.read_parquet(path)
    last = len(df) - 1
    df.loc[last, "contact_id"] = df.loc[17, "contact_id"]  # the last row repeats row 18
    df.to_parquet(path)
    got = [(i.table, i.row, i.column, i.expected) for i in _issues(bank_copy)]
    assert got == [("contacts", last + 1, "contact_id", "a unique key (also in row 18)")]


def test_unique_keys_pass_either_path(tiny_bank, monkeypatch):
    searched: list[tuple[int, str]] = []
    for cap in (checks.SORTED_KEYS_MAX_ROWS, 0):
        monkeypatch.setattr(checks, "SORTED_KEYS_MAX_ROWS", cap)
        monkeypatch.setattr(checks, "_check_keys", lambda con, t, *a, cap=cap: searched.append((cap, t.name)))
        load_dataset(tiny_bank).close()
    assert searched == []  # no false alarm: the exact search of repeated keys never ran
