"""The dataset fingerprint: a content hash of the typed rows (issue 14, goal 2).

Properties of the recipe (:mod:`bankperf_analysis.dataset._fingerprint`), checked on the
tiny demo bank's typed tables and on crafted relations: row order does not change a table's
digest; any single changed value does, and so does a swap of two values between rows, a
duplicated row and a row of zeros (each in *both* the sum and the XOR, so neither half hides
what the other sees); NULL and an empty text differ; -0.0 and 0.0 are the same number. Then
the dataset: every table as CSV (rows shuffled) gives the Parquet bank's fingerprint; and the
cache: an unchanged re-run reads no row, any change to a file, the code or the recipe
recomputes, a broken cache file is ignored, and without a cache nothing is written.
"""

from __future__ import annotations

import os

import duckdb
import pandas as pd
import pytest

from bankperf_analysis.dataset import _fingerprint
from bankperf_analysis.dataset._fingerprint import CACHE_ENV, table_digest
from bankperf_analysis.dataset._sql import quote
from bankperf_analysis.dataset.load import load_dataset
from bankperf_analysis.dataset.schema import CONTRACT

#: Tables whose every column is changed in turn (strings, ints, floats, dates, timestamps, bools).
TABLES = ["surveys", "contacts", "staff", "training"]


@pytest.fixture(scope="module")
def typed(tiny_bank):
    """The tiny bank's connection, holding a copy of each typed table in ``TABLES`` (``t_<name>``)."""
    with load_dataset(tiny_bank, validate=False) as ds:
        for name in TABLES:
            ds.con.execute(f"CREATE TABLE {quote('t_' + name)} AS SELECT * FROM {quote(name)}")
        yield ds.con


def _digest(con, relation: str, table: str):
    return table_digest(con, relation, list(CONTRACT[table].column_names))


def _differs_in_sum_and_xor(a, b) -> None:
    assert a[1] != b[1], "the sum of row hashes did not see the change"
    assert a[2] != b[2], "the XOR of row hashes did not see the change"


@pytest.mark.parametrize("table", TABLES)
def test_row_order_does_not_change_the_digest(typed, table):
    ref = _digest(typed, quote("t_" + table), table)
    shuffled = f"(SELECT * FROM {quote('t_' + table)} ORDER BY hash(rowid * 7919))"
    assert _digest(typed, shuffled, table) == ref
    assert ref[0] == typed.execute(f"SELECT count(*) FROM {quote('t_' + table)}").fetchone()[0]


def _two_distinct(con, rel: str, col: str) -> tuple[int, int] | None:
    """Row ids of two rows whose ``col`` values differ (None if the column holds one value)."""
    q = quote(col)
    row = con.execute(
        f"SELECT min(rowid) FILTER (WHERE {q} IS NOT DISTINCT FROM (SELECT {q} FROM {rel} LIMIT 1)), "
        f"min(rowid) FILTER (WHERE {q} IS DISTINCT FROM (SELECT {q} FROM {rel} LIMIT 1)) FROM {rel}"
    ).fetchone()
    return None if row[1] is None else (int(row[0]), int(row[1]))


def _replace(rel: str, q: str, cases: str) -> str:
    """``rel`` with column ``q`` replaced where ``cases`` (``WHEN ... THEN ...``) say."""
    return f"(SELECT * REPLACE (CASE {cases} ELSE {q} END AS {q}) FROM {rel})"


@pytest.mark.parametrize("table", TABLES)
def test_any_single_value_change_and_any_swap_between_rows_change_the_digest(typed, table):
    """Each column in turn: one value replaced by another of the column; two rows' values swapped."""
    rel = quote("t_" + table)
    ref = _digest(typed, rel, table)
    checked = 0
    for col in CONTRACT[table].column_names:
        pair = _two_distinct(typed, rel, col)
        if pair is None:
            continue
        a, b = pair
        q = quote(col)
        value_of = {r: f"(SELECT {q} FROM {rel} WHERE rowid = {r})" for r in (a, b)}
        changed = _replace(rel, q, f"WHEN rowid = {a} THEN {value_of[b]}")
        _differs_in_sum_and_xor(_digest(typed, changed, table), ref)
        swapped = _replace(rel, q, f"WHEN rowid = {a} THEN {value_of[b]} WHEN rowid = {b} THEN {value_of[a]}")
        _differs_in_sum_and_xor(_digest(typed, swapped, table), ref)
        checked += 1
    assert checked >= len(CONTRACT[table].column_names) // 2  # most columns hold two values


@pytest.mark.parametrize("table", TABLES)
def test_a_duplicated_row_counts(typed, table):
    rel = quote("t_" + table)
    ref = _digest(typed, rel, table)
    first = f"(SELECT * FROM {rel} LIMIT 1)"
    once = _digest(typed, f"(SELECT * FROM {rel} UNION ALL {first})", table)
    twice = _digest(typed, f"(SELECT * FROM {rel} UNION ALL {first} UNION ALL {first})", table)
    assert once[0] == ref[0] + 1 and twice[0] == ref[0] + 2
    _differs_in_sum_and_xor(once, ref)
    assert twice[1] != once[1] != ref[1] and twice[1] != ref[1]  # the XOR of a pair cancels; the sum does not


def test_null_and_empty_text_differ_and_a_row_of_zeros_counts():
    con = duckdb.connect()
    base = "SELECT * FROM (VALUES ('a', 1), ({v}, 2)) t(s, k)"
    null, empty = (table_digest(con, f"({base.format(v=v)})", ["s", "k"]) for v in ("NULL", "''"))
    _differs_in_sum_and_xor(null, empty)
    zeros = "(SELECT * FROM (VALUES (0, 0.0), (1, 2.5)) t(k, x))"
    without = "(SELECT * FROM (VALUES (1, 2.5)) t(k, x))"
    _differs_in_sum_and_xor(table_digest(con, zeros, ["k", "x"]), table_digest(con, without, ["k", "x"]))


def test_minus_zero_and_zero_are_the_same_number():
    """Documented: -0.0 and 0.0 compare equal and hash alike (no KPI tells them apart)."""
    con = duckdb.connect()
    a, b = (
        table_digest(con, f"(SELECT * FROM (VALUES (1, {z}::DOUBLE)) t(k, x))", ["k", "x"])
        for z in ("-0.0", "0.0")
    )
    assert a == b


# ----------------------------------------------------------------------------- the dataset


def test_every_table_as_shuffled_csv_gives_the_parquet_fingerprint(bank_copy, tiny_bank, monkeypatch):
    monkeypatch.delenv(CACHE_ENV, raising=False)
    with load_dataset(tiny_bank, validate=False) as ds:
        ref = ds.fingerprint
    for name in CONTRACT:
        path = bank_copy / f"{name}.parquet"
        if path.exists():
            df = pd.read_parquet(path).sample(frac=1.0, random_state=5)
            path.unlink()
            df.to_csv(bank_copy / f"{name}.csv", index=False)
    with load_dataset(bank_copy) as ds:
        assert set(ds.encodings.values()) == {"utf-8"}
        assert ds.fingerprint == ref


# ----------------------------------------------------------------------------- the cache


def _fp(folder, cache=None) -> str:
    with load_dataset(folder, validate=False, fingerprint_cache=cache) as ds:
        return ds.fingerprint


def _no_scan(monkeypatch) -> None:
    def fail(*args, **kwargs):
        raise AssertionError("a table was scanned")

    monkeypatch.setattr(_fingerprint, "table_digest", fail)
    monkeypatch.setattr("bankperf_analysis.dataset.load.table_digest", fail)


def test_unchanged_rerun_reads_no_row_and_gives_the_same_fingerprint(tiny_bank, tmp_path, monkeypatch):
    monkeypatch.delenv(CACHE_ENV, raising=False)
    plain = _fp(tiny_bank)
    cache = tmp_path / "cache"
    assert _fp(tiny_bank, cache) == plain
    entries = sorted(p.name for p in cache.iterdir())
    assert len(entries) == len([n for n in CONTRACT if any(tiny_bank.glob(f"{n}.*"))])
    assert not any(n.endswith(".tmp") for n in entries)
    _no_scan(monkeypatch)
    assert _fp(tiny_bank, cache) == plain
    monkeypatch.setenv(CACHE_ENV, str(cache))  # the environment names the same cache
    assert _fp(tiny_bank) == plain


def test_a_changed_file_is_hashed_again(bank_copy, tmp_path, monkeypatch):
    monkeypatch.delenv(CACHE_ENV, raising=False)
    cache = tmp_path / "cache"
    before = _fp(bank_copy, cache)
    path = bank_copy / "surveys.parquet"
    df = pd.read_parquet(path)
    df.loc[0, "score"] = 10 if df.loc[0, "score"] != 10 else 9  # one value, same file size or not
    df.to_parquet(path)
    after = _fp(bank_copy, cache)
    assert after != before
    assert after == _fp(bank_copy)  # what the data hold, not what the cache remembered


def test_the_same_content_rewritten_is_hashed_again_to_the_same_value(bank_copy, tmp_path, monkeypatch):
    monkeypatch.delenv(CACHE_ENV, raising=False)
    cache = tmp_path / "cache"
    before = _fp(bank_copy, cache)
    path = bank_copy / "staff.parquet"
    st = os.stat(path)
    path.write_bytes(path.read_bytes())
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))  # size and mtime as before: ctime tells
    calls = []
    real = _fingerprint.table_digest

    def counting(con, relation, columns):
        calls.append(relation)
        return real(con, relation, columns)

    monkeypatch.setattr("bankperf_analysis.dataset.load.table_digest", counting)
    assert _fp(bank_copy, cache) == before
    assert calls == ['"staff"']


def test_another_code_or_recipe_never_trusts_the_cache(tiny_bank, tmp_path, monkeypatch):
    monkeypatch.delenv(CACHE_ENV, raising=False)
    cache = tmp_path / "cache"
    plain = _fp(tiny_bank, cache)
    monkeypatch.setattr(_fingerprint, "code_digest", lambda: "another code")
    n = len(list(cache.iterdir()))
    assert _fp(tiny_bank, cache) == plain
    assert len(list(cache.iterdir())) == 2 * n  # every table hashed again under the new key
    monkeypatch.setattr(_fingerprint, "FINGERPRINT_VERSION", 99)
    _no_scan(monkeypatch)
    with pytest.raises(AssertionError, match="scanned"):
        _fp(tiny_bank, cache)


def test_a_broken_or_foreign_cache_file_is_ignored(tiny_bank, tmp_path, monkeypatch):
    monkeypatch.delenv(CACHE_ENV, raising=False)
    cache = tmp_path / "cache"
    plain = _fp(tiny_bank, cache)
    files = sorted(cache.iterdir())
    files[0].write_text("{not json", encoding="utf-8")
    other = (
        files[1]
        .read_text(encoding="utf-8")
        .replace('"digest": [', '"digest": [1, ')
        .replace('"table": "', '"table": "x')
    )
    files[1].write_text(other, encoding="utf-8")  # another key in this file's place
    assert _fp(tiny_bank, cache) == plain


def test_without_a_cache_nothing_is_written(tiny_bank, tmp_path, monkeypatch):
    monkeypatch.delenv(CACHE_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    before = sorted(tiny_bank.rglob("*"))
    _fp(tiny_bank)
    assert sorted(tiny_bank.rglob("*")) == before
    assert list(tmp_path.iterdir()) == []


# ----------------------------------------------------------------------------- the commands


def test_bankperf_report_rerun_reads_no_row_from_the_users_cache(tiny_bank, tmp_path, monkeypatch):
    """``bankperf report`` keeps the digests in the user's cache: an unchanged re-run scans nothing."""
    from bankperf_analysis.dataset.load import default_cache_dir
    from bankperf_analysis.runner.batch import build_reports

    monkeypatch.delenv(CACHE_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    with load_dataset(tiny_bank, validate=False) as ds:
        first = ds.sql("SELECT min(branch_id) AS b FROM branches").b.iloc[0]
        quarter = ds.coverage()[1]
    out = tmp_path / "out"
    res = build_reports(tiny_bank, quarter, out, branches=[first], jobs=1, progress=False)
    assert res.exit_code == 0
    cache = default_cache_dir()
    assert cache is not None and cache.is_relative_to(tmp_path / "xdg")
    assert any(cache.glob("contacts-*.json"))
    assert not any(p.name.startswith(".cache") for p in out.rglob("*"))  # nothing in the output folder
    _no_scan(monkeypatch)
    again = build_reports(tiny_bank, quarter, out, branches=[first], jobs=1, progress=False)
    assert [o.status for o in again.outcomes] == ["cached"] and again.exit_code == 0
