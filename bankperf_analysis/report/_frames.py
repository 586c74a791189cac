"""The shared frames of a batch, read once per process and looked up by key.

A batch's shared inputs (:func:`~bankperf_analysis.report.inputs.prepare_batch`) hold
bank-wide frames: every KPI of every branch, every person's score. A branch report needs
its own rows only. Reading the bank-wide Parquet again in every report makes a batch
quadratic in the number of branches, so each file is read once per process (a pooled
kernel keeps its imported modules across the reports it runs: the cache lives here, not
in the notebook's namespace, which the runner resets) and indexed once per key column;
a report then takes its rows by position.

A cached file is re-read when it changes on disk (size, modification time or inode
differ). The frames are shared: pandas' copy-on-write keeps them unchanged whatever a
caller does with what it gets.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["shared_frame", "rows_of", "derived_of", "read_count", "clear"]

#: Frames kept per process (a batch writes about twenty files).
_MAX_FRAMES = 48

Filters = tuple[tuple[str, str, tuple[str, ...]], ...]


@dataclass
class _Entry:
    """One file read back: its frame and the row positions of each key value, per key column."""

    stamp: tuple[int, int, int]
    frame: pd.DataFrame
    positions: dict[str, dict[Any, np.ndarray]] = field(default_factory=dict)
    derived: dict[str, Any] = field(default_factory=dict)


_CACHE: OrderedDict[tuple[str, Filters], _Entry] = OrderedDict()
_READS: list[int] = [0]  # Parquet files read by this process (for tests and profiles)


def _stamp(path: Path) -> tuple[int, int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ino)


def _entry(path: Path, filters: Filters = ()) -> _Entry | None:
    """The cached entry of ``path`` (read now if absent or changed); None if there is no file."""
    stamp = _stamp(path)
    key = (str(path.resolve()) if stamp else str(path), filters)
    if stamp is None:
        _CACHE.pop(key, None)
        return None
    got = _CACHE.get(key)
    if got is not None and got.stamp == stamp:
        _CACHE.move_to_end(key)
        return got
    _READS[0] += 1
    frame = pd.read_parquet(path, filters=[(c, op, list(v)) for c, op, v in filters] or None)
    got = _Entry(stamp, frame.reset_index(drop=True) if filters else frame)
    _CACHE[key] = got
    while len(_CACHE) > _MAX_FRAMES:
        _CACHE.popitem(last=False)
    return got


def shared_frame(path: str | Path, filters: Filters = ()) -> pd.DataFrame:
    """The frame of the Parquet file ``path`` (empty if there is none), read once per process.

    Parameters
    ----------
    path : str or Path
        A Parquet file of the shared inputs.
    filters : tuple of (column, "in", values)
        Rows to keep when reading (pyarrow filters); each distinct filter is its own entry.

    Returns
    -------
    pandas.DataFrame
        A new frame object sharing the cached data (copy-on-write).

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> pd.DataFrame({"branch_id": ["B1", "B2", "B1"], "n": [1, 2, 3]}).to_parquet(folder / "t.parquet")
    >>> before = read_count()
    >>> len(shared_frame(folder / "t.parquet")), len(shared_frame(folder / "t.parquet"))
    (3, 3)
    >>> read_count() - before
    1
    """
    got = _entry(Path(path), filters)
    return pd.DataFrame() if got is None else got.frame.copy(deep=False)


def rows_of(path: str | Path, column: str, keys: Any, filters: Filters = ()) -> pd.DataFrame:
    """The rows of ``path`` whose ``column`` equals one of ``keys``, in the file's order.

    The same rows, in the same order, as ``frame[frame[column].isin(keys)]``; the index
    of the result is the rows' positions in the (filtered) file. The positions of every
    value of ``column`` are found once per process; a lookup then costs the rows it
    returns. A missing file or column gives an empty frame (with the file's columns).

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> pd.DataFrame({"branch_id": ["B1", "B2", "B1"], "n": [1, 2, 3]}).to_parquet(folder / "t.parquet")
    >>> rows_of(folder / "t.parquet", "branch_id", "B1").n.tolist()
    [1, 3]
    >>> rows_of(folder / "t.parquet", "branch_id", ["B2", "B1"]).n.tolist()
    [1, 2, 3]
    """
    got = _entry(Path(path), filters)
    if got is None:
        return pd.DataFrame()
    if column not in got.frame.columns:
        return got.frame.iloc[:0].copy(deep=False)
    index = got.positions.get(column)
    if index is None:
        index = got.frame.groupby(got.frame[column], sort=False, dropna=True, observed=True).indices
        got.positions[column] = index
    wanted = [keys] if isinstance(keys, str) or not np.iterable(keys) else list(keys)
    parts = [index[k] for k in dict.fromkeys(wanted) if k in index]
    pos = np.sort(np.concatenate(parts)) if parts else np.empty(0, dtype=np.intp)
    return got.frame.take(pos)


def derived_of(
    path: str | Path, name: str, make: Callable[[pd.DataFrame], Any], filters: Filters = ()
) -> Any:
    """``make(frame)`` of the Parquet file ``path``, computed once per process while the file is unchanged.

    For what every report derives from a whole frame in the same way (e.g. the people who
    worked in several branches). ``name`` identifies the derivation; the result is shared,
    so ``make`` should return something read-only. A missing file gives ``make`` an empty frame.
    With ``filters`` (as in :func:`shared_frame`), ``make`` gets the filtered rows, sharing
    their cached entry.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> pd.DataFrame({"n": [1, 2, 3]}).to_parquet(folder / "t.parquet")
    >>> calls = []
    >>> total = lambda f: calls.append(1) or int(f.n.sum())
    >>> derived_of(folder / "t.parquet", "total", total), derived_of(folder / "t.parquet", "total", total)
    (6, 6)
    >>> len(calls)
    1
    """
    got = _entry(Path(path), filters)
    if got is None:
        return make(pd.DataFrame())
    if name not in got.derived:
        got.derived[name] = make(got.frame.copy(deep=False))
    return got.derived[name]


def read_count() -> int:
    """How many Parquet files this process has read through the cache (for tests and profiles)."""
    return _READS[0]


def clear() -> None:
    """Forget every cached frame (the next use reads the files again)."""
    _CACHE.clear()
