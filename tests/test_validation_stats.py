"""Two more validation shortcuts give the exact checks' answers (issue 14, goal 3).

- A float column read from Parquet floats is checked for NaN on the float, not on its text.
  The trap: pyarrow leaves NaN out of a row group's statistics, and DuckDB folds ``isnan()``
  to false from them, so a NaN or an infinity planted among finite amounts must still be
  refused with its file, row and column, in one row group or among many.
- A required text column that every Parquet row group's statistics prove never NULL nor
  blank is not checked row by row (:func:`proved_text`). The proof is compared with the
  plain reference ``x IS NULL OR trim(x) = ''`` over crafted parts, and a blank or missing
  id in one part of a table given as several files is still refused.
"""

from __future__ import annotations

import math

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from bankperf_analysis.dataset._validation_stats import proved_text
from bankperf_analysis.dataset.load import load_dataset
from bankperf_analysis.dataset.sources import TableSource
from bankperf_analysis.exceptions import DataValidationError

AMOUNT = "cash_handled_yuan"
FINITE = "a finite number >= 0 (yuan)"


def _issues(folder) -> list[tuple]:
    with pytest.raises(DataValidationError) as err:
        load_dataset(folder)
    return [(i.table, i.file, i.row, i.column, i.value, i.expected) for i in err.value.issues]


@pytest.mark.parametrize(
    ("value", "shown", "expected"),
    [(math.nan, "nan", "a value: " + FINITE), (math.inf, "inf", FINITE), (-math.inf, "-inf", FINITE)],
)
@pytest.mark.parametrize("row_group_size", [None, 500], ids=["one-row-group", "many-row-groups"])
def test_a_non_finite_teller_amount_is_refused_with_file_row_and_column(
    bank_copy, value, shown, expected, row_group_size
):
    path = bank_copy / "teller_transactions.parquet"
    t = pq.read_table(path)
    i = t.num_rows * 2 // 3  # far from the first row group
    values = t.column(AMOUNT).to_pylist()
    assert all(math.isfinite(v) for v in values)
    values[i] = value
    arr = pa.array(values, type=pa.float64(), from_pandas=False)
    pq.write_table(
        t.set_column(t.schema.get_field_index(AMOUNT), AMOUNT, arr), path, row_group_size=row_group_size
    )
    # The trap is set: the row group holding the value says its amounts are finite (NaN left out).
    meta = pq.ParquetFile(path).metadata
    col = t.schema.get_field_index(AMOUNT)
    starts = [sum(meta.row_group(g).num_rows for g in range(k)) for k in range(meta.num_row_groups)]
    group = max(k for k, s in enumerate(starts) if s <= i)
    stats = meta.row_group(group).column(col).statistics
    if value != value:
        assert math.isfinite(stats.min) and math.isfinite(stats.max)
    got = _issues(bank_copy)
    assert got == [("teller_transactions", "teller_transactions.parquet", i + 1, AMOUNT, shown, expected)]


def _reference_blank(con, files) -> int:
    """Rows NULL or blank by the plain definition (no gate, no statistics)."""
    paths = ", ".join(f"'{p}'" for p in files)
    return con.execute(
        f"SELECT count_if(x IS NULL OR trim(x) = '') FROM read_parquet([{paths}]) "
    ).fetchone()[0]


PARTS = {
    "clean ids": [["C1", "C2"], ["C3", "Z~"]],
    "leading space": [["C1"], [" C2", "C3"]],
    "ideographic space": [["C1"], ["\u3000", "C3"]],
    "no-break space": [["\u00a0C1"], ["C3"]],
    "empty": [["C1"], ["", "C3"]],
    "tab": [["\t"], ["C3"]],
    "null": [["C1"], [None, "C3"]],
    "all null part": [["C1"], [None]],
    "non-ascii, not blank": [["中1"], ["C3"]],
    "below '!' but printable": [["C1"], ["!x", " "]],
}


@pytest.mark.parametrize("case", list(PARTS))
def test_proved_text_never_proves_a_column_with_a_missing_or_blank_value(tmp_path, case):
    con = duckdb.connect()
    files = []
    for k, part in enumerate(PARTS[case]):
        f = tmp_path / f"part-{k}.parquet"
        pq.write_table(pa.table({"x": pa.array(part, type=pa.string())}), f)
        files.append(f)
    src = TableSource("contacts", "parquet", tuple(files))
    proved = "x" in proved_text(con, src, ["x"])
    blank = _reference_blank(con, files)
    if proved:
        assert blank == 0
    if case == "clean ids":  # the shortcut is taken where it holds
        assert proved and blank == 0
    elif blank:
        assert not proved


def _split_contacts(folder, edits: dict[tuple[int, int], object]) -> list[str]:
    """Write contacts as three parts in ``contacts/``, with ``{(part, row): contact_id}`` edits."""
    df = pd.read_parquet(folder / "contacts.parquet")
    (folder / "contacts.parquet").unlink()
    (folder / "contacts").mkdir()
    names = []
    for k, chunk in enumerate(pd.Series(range(len(df))).groupby(pd.Series(range(len(df))) * 3 // len(df))):
        part = df.iloc[chunk[1].to_numpy()].reset_index(drop=True).astype({"contact_id": object})
        for (p, r), v in edits.items():
            if p == k:
                part.loc[r, "contact_id"] = v
        name = f"part-{k:04d}.parquet"
        part.to_parquet(folder / "contacts" / name, index=False)
        names.append(name)
    return names


def test_clean_parts_prove_their_ids_and_pass(bank_copy):
    names = _split_contacts(bank_copy, {})
    con = duckdb.connect()
    src = TableSource("contacts", "parquet", tuple(bank_copy / "contacts" / n for n in names))
    assert proved_text(con, src, ["contact_id", "branch_id", "channel"]) == {
        "contact_id",
        "branch_id",
        "channel",
    }
    with load_dataset(bank_copy) as ds:
        assert ds.n_rows("contacts") > 0


@pytest.mark.parametrize(("bad", "shown"), [(" ", " "), ("", ""), (None, "(empty)")])
def test_a_blank_or_missing_id_in_one_part_is_refused_with_its_file_and_row(bank_copy, bad, shown):
    names = _split_contacts(bank_copy, {(1, 6): bad})
    got = _issues(bank_copy)
    assert ("contacts", names[1], 7, "contact_id", shown, "a value: text") in got
