"""Property: a corrupted bank is refused by name, or gives exactly the uncorrupted bank's numbers.

Hypothesis draws a small random bank (the demo generator at tiny scale with one of a few seeds,
contacts and roster trimmed so that an example takes about a second), a corruption from
:data:`KINDS` and the table, column and row it hits. The corrupted bank must either be refused
with a :class:`~bankperf_analysis.exceptions.DataValidationError` whose issues name that table
and column (a file that cannot be read at all names the table and file), or load with the same
fingerprint and the same KPI and scorecard frames as the uncorrupted bank — never different
numbers without a word. A few kinds are benign re-encodings banks really send (GB18030, a BOM
and CRLF, integers with blanks around them): they must take the second branch.

The profile is fixed and derandomized (:data:`PROFILE`), so CI draws the same examples every
run; it stays under a minute on the 2-core development machine.
"""

from __future__ import annotations

import math
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from bankperf_analysis.dataset.load import load_dataset
from bankperf_analysis.dataset.schema import CONTRACT, Column
from bankperf_analysis.exceptions import DataValidationError, UnreadableInputError

#: Seeds of the random banks (each generated once per session).
SEEDS = (3, 11, 29)
QUARTER = "2026Q3"
#: Rows kept of the two big tables, so that one example takes about a second.
TRIM = {"contacts": 3000, "roster": 2000}
PROFILE = settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


# ----------------------------------------------------------------------------- the catalogue


@dataclass(frozen=True)
class Kind:
    """A kind of corruption: which columns it applies to, and the cell text (or typed value) it writes."""

    name: str
    fits: Callable[[str, Column], bool]
    value: Callable[[Any], Any]  # old value -> new cell (text for CSV, typed for Parquet)
    how: str = "csv"  # "csv": the table rewritten as CSV; "parquet": the cell set in Parquet
    benign: bool = False  # a legitimate variant: the numbers must be identical


def _is(*dtypes: str, nullable: bool | None = None) -> Callable[[str, Column], bool]:
    return lambda t, c: c.dtype in dtypes and (nullable is None or c.nullable == nullable)


def _num(v: Any, default: float = 1) -> Any:
    return default if v is None or (isinstance(v, float) and math.isnan(v)) else v


KINDS: tuple[Kind, ...] = (
    Kind("decimal in an int column", _is("int"), lambda v: f"{_num(v)}.5"),
    Kind("int written 8.0", _is("int"), lambda v: f"{_num(v)}.0"),
    Kind("hex literal", _is("int"), lambda v: f"0x{int(_num(v)):X}"),
    Kind("underscore literal", _is("int"), lambda v: f"{_num(v)}_0"),
    Kind("exponent in an int column", _is("int"), lambda v: f"{_num(v)}e0"),
    Kind("fraction in a float Parquet int column", _is("int"), lambda v: float(_num(v)) + 0.25, "parquet"),
    Kind("inf text", _is("float"), lambda v: "inf"),
    Kind("IEEE inf", _is("float"), lambda v: math.inf, "parquet"),
    Kind("IEEE NaN where required", _is("float", nullable=False), lambda v: math.nan, "parquet"),
    Kind("decimal comma", _is("float"), lambda v: f"{int(_num(v))},5"),
    Kind("blank required cell", lambda t, c: not c.nullable, lambda v: ""),
    Kind("impossible date", _is("date"), lambda v: "2025-02-30"),
    Kind("day-first date", _is("date"), lambda v: "30/06/2025"),
    Kind("time-zone offset", _is("timestamp"), lambda v: f"{_num(v, '2026-07-01 10:00:00')}+08:00"),
    Kind("hour 24", _is("timestamp"), lambda v: "2026-07-01 24:00:00"),
    Kind("bool word", _is("bool"), lambda v: "maybe"),
    Kind("category not allowed", lambda t, c: bool(c.allowed), lambda v: "janitor"),
    Kind("dangling reference", lambda t, c: bool(c.references), lambda v: "ZZ999", "parquet"),
    Kind("duplicate key", lambda t, c: c.name in CONTRACT[t].primary_key, lambda v: None, "duplicate"),
    Kind("out of range", lambda t, c: c.min_value is not None, lambda v: None, "range"),
    Kind("undecodable byte", _is("string"), lambda v: f"{_num(v, 'x')}\udcff", "bytes"),
    Kind("truncated Parquet file", _is("string"), lambda v: None, "truncate"),
    Kind("GB18030 file", _is("string"), lambda v: v, "gb18030", benign=True),
    Kind("BOM and CRLF", _is("string"), lambda v: v, "bom", benign=True),
    Kind("int with blanks and a sign", _is("int", nullable=False), lambda v: f" +{v} ", benign=True),
)
TARGETS: dict[str, list[tuple[str, str]]] = {
    k.name: [(t.name, c.name) for t in CONTRACT.values() for c in t.columns if k.fits(t.name, c)]
    for k in KINDS
}


# ----------------------------------------------------------------------------- applying one


def _rewrite_csv(d: Path, table: str, df: pd.DataFrame, **to_csv: Any) -> None:
    (d / f"{table}.parquet").unlink()
    df.to_csv(d / f"{table}.csv", index=False, **to_csv)


def _set_parquet(d: Path, table: str, col: str, i: int, value: Any) -> None:
    t = pq.read_table(d / f"{table}.parquet")
    values = t.column(col).to_pylist()
    values[i] = value
    typ = pa.float64() if isinstance(value, float) else t.schema.field(col).type
    arr = pa.array(values, type=typ, from_pandas=False)
    pq.write_table(t.set_column(t.schema.get_field_index(col), col, arr), d / f"{table}.parquet")


def corrupt(d: Path, kind: Kind, table: str, col: str, i: int) -> None:
    """Apply ``kind`` to row ``i`` of ``table``.``col`` in the bank folder ``d``."""
    df = pd.read_parquet(d / f"{table}.parquet")
    old = df[col].iloc[i]
    old = None if old is pd.NaT or old is pd.NA or (not isinstance(old, str) and pd.isna(old)) else old
    if kind.how == "csv" or kind.how == "bytes" or kind.benign:
        df[col] = df[col].astype(object)
        df.iloc[i, df.columns.get_loc(col)] = kind.value(old)
        if kind.how == "bytes":
            _rewrite_csv(d, table, df, encoding="utf-8", errors="surrogateescape")
        elif kind.how == "gb18030":
            _rewrite_csv(d, table, df, encoding="gb18030")
        elif kind.how == "bom":
            _rewrite_csv(d, table, df, encoding="utf-8-sig", lineterminator="\r\n")
        else:
            _rewrite_csv(d, table, df)
    elif kind.how == "parquet":
        _set_parquet(d, table, col, i, kind.value(old))
    elif kind.how == "duplicate":
        other = (i + 1) % len(df)
        for k in CONTRACT[table].primary_key:
            df[k] = df[k].astype(object)
            df.iloc[i, df.columns.get_loc(k)] = df[k].iloc[other]
        df.to_parquet(d / f"{table}.parquet")
    elif kind.how == "range":
        c = CONTRACT[table].column(col)
        bad = c.max_value + 1 if c.max_value is not None else c.min_value - 1
        _set_parquet(d, table, col, i, float(bad) if c.dtype == "float" else int(bad))
    elif kind.how == "truncate":
        data = (d / f"{table}.parquet").read_bytes()
        (d / f"{table}.parquet").write_bytes(data[: len(data) // 2])


# ----------------------------------------------------------------------------- banks and numbers


def _numbers(data: Path) -> tuple[str, dict[str, pd.DataFrame]]:
    from bankperf_analysis.scorecard.quarter import quarter_scorecards

    with load_dataset(data) as ds:
        kpis, staff, branch = quarter_scorecards(ds, QUARTER)
        return ds.fingerprint, {"kpis": kpis, "staff": staff.people, "branches": branch.branches}


@pytest.fixture(scope="module")
def banks(tmp_path_factory) -> dict[int, tuple[Path, tuple[str, dict[str, pd.DataFrame]]]]:
    """Each seed's small bank and its uncorrupted numbers."""
    from bankperf_analysis.dataset.demo import make_demo_bank

    out = {}
    for seed in SEEDS:
        folder = tmp_path_factory.mktemp(f"bank{seed}")
        make_demo_bank(folder, scale="tiny", seed=seed)
        for table, n in TRIM.items():
            pd.read_parquet(folder / f"{table}.parquet").iloc[:n].to_parquet(folder / f"{table}.parquet")
        out[seed] = (folder, _numbers(folder))
    return out


@st.composite
def corruptions(draw) -> tuple[int, Kind, str, str, int]:
    kind = draw(st.sampled_from(KINDS))
    table, col = draw(st.sampled_from(TARGETS[kind.name]))
    return draw(st.sampled_from(SEEDS)), kind, table, col, draw(st.integers(0, 10**6))


def _names(err: DataValidationError, table: str, col: str) -> bool:
    """An issue names the table and the column (or, for a file that cannot be read, the table)."""
    unreadable = isinstance(err, UnreadableInputError)
    return any(
        i.table == table and (col in i.column.split(", ") or (unreadable and i.column == ""))
        for i in err.issues
    )


@PROFILE
@given(case=corruptions())
def test_corruption_is_refused_by_name_or_changes_nothing(banks, case):
    event(case[1].name)
    event(_check(banks, *case))


@pytest.mark.parametrize("kind", KINDS, ids=[k.name for k in KINDS])
def test_every_corruption_once(banks, kind):
    """Each kind of the catalogue at least once (the random draws above need not cover all)."""
    targets = TARGETS[kind.name]
    table, col = targets[len(kind.name) % len(targets)]  # a fixed, arbitrary target per kind
    _check(banks, SEEDS[len(targets) % len(SEEDS)], kind, table, col, 7)


def _check(banks, seed: int, kind: Kind, table: str, col: str, row: int) -> str:
    """Corrupt a copy of the bank; assert a refusal naming table and column, or identical numbers."""
    folder, (fingerprint, frames) = banks[seed]
    with tempfile.TemporaryDirectory(prefix="bankperf-corrupt-") as tmp:
        d = Path(tmp) / "bank"
        shutil.copytree(folder, d)
        i = row % pd.read_parquet(d / f"{table}.parquet").shape[0]
        corrupt(d, kind, table, col, i)
        try:
            got_fp, got = _numbers(d)
        except DataValidationError as err:
            assert not kind.benign, f"{kind.name} on {table}.{col} row {i + 1} refused:\n{err}"
            assert _names(err, table, col), f"{kind.name} on {table}.{col} row {i + 1}: not named\n{err}"
            return "refused by name"
    assert got_fp == fingerprint, f"{kind.name} on {table}.{col} row {i + 1}: silently different data"
    for name, frame in frames.items():
        pd.testing.assert_frame_equal(got[name], frame, check_exact=True)
    return "identical numbers"


def test_every_kind_has_targets():
    """Each corruption in the catalogue applies to at least one column of the contract."""
    assert all(TARGETS[k.name] for k in KINDS)
    assert len({k.name for k in KINDS}) == len(KINDS)
