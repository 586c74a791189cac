"""Adoption tables: which branch (or person) adopted the bonus scheme, in which period.

An adoption table has an id column (``branch_id``, or ``staff_id`` for a scheme adopted
per person) and :data:`ADOPTION_COL` (a quarter like ``"2025Q3"`` or a month like
``"2025-07"``; empty = never adopted). It comes from a demo ``truth.json``
(:func:`adoption_from_truth`), a small CSV, a dict or a DataFrame
(:func:`adoption_from_params`); :func:`resolve_adoption` picks the source a notebook names.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from bankperf_analysis._validation import check_choice
from bankperf_analysis.exceptions import ParamsError
from bankperf_analysis.periods import Period

__all__ = ["ADOPTION_COL", "adoption_from_truth", "adoption_from_params", "resolve_adoption"]

#: Column of an adoption table holding the adoption period (``"2025Q3"``; NA = never).
ADOPTION_COL = "adoption_period"
_ID_COLS = ("branch_id", "staff_id")


def _normalise_period(value: Any, func: str, key: Any) -> Any:
    """``"2025Q3"`` / ``"2025-07"`` → canonical string; empty/NA → ``pd.NA``."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return pd.NA
    if isinstance(value, pd.Period):
        value = str(value)
    text = str(value).strip()
    if text == "" or text.lower() in ("nan", "none", "never", "nat", "<na>"):
        return pd.NA
    try:
        p = Period.parse(text)
    except ParamsError as exc:
        raise ParamsError(
            f"The adoption period of {key!r} in {func} must be a quarter like '2025Q3' or a month "
            f"like '2025-07' (empty = never adopted). Got {value!r} instead."
        ) from exc
    if p.kind == "year":
        raise ParamsError(
            f"The adoption period of {key!r} in {func} must be a quarter like '2025Q3' or a month "
            f"like '2025-07'; a year is too coarse. Got {value!r} instead."
        )
    return str(p)


def _adoption_frame(ids: Sequence[Any], periods: Sequence[Any], id_col: str, func: str) -> pd.DataFrame:
    """The normalised table: ids stripped and unique, periods canonical, sorted by id."""
    ids = [str(i).strip() for i in ids]
    dup = sorted(i for i, n in Counter(ids).items() if n > 1)
    if dup:
        raise ParamsError(
            f"The adoption table of {func} must list each {id_col} once. Got duplicates {dup[:5]} instead."
        )
    per = [_normalise_period(p, func, i) for i, p in zip(ids, periods)]
    out = pd.DataFrame({id_col: pd.array(ids, dtype="string"), ADOPTION_COL: pd.array(per, dtype="string")})
    return out.sort_values(id_col, kind="stable").reset_index(drop=True)


def adoption_from_truth(truth: Mapping[str, Any] | str | Path) -> pd.DataFrame:
    """Treatment table of the demo bank's bonus scheme.

    Parameters
    ----------
    truth : mapping, or path of ``truth.json`` or of the demo data folder holding it
        The planted truths returned by :func:`bankperf_analysis.dataset.demo.make_demo_bank`.

    Returns
    -------
    DataFrame
        ``branch_id, adoption_period`` (string; ``<NA>`` for the never-treated branches),
        one row per branch, sorted by branch.

    Examples
    --------
    >>> truth = {"bonus_scheme": {"level": "branch", "adoption": {"B01": "2025Q3"},
    ...                           "never_treated": ["B02"]}}
    >>> adoption_from_truth(truth).to_dict("list")
    {'branch_id': ['B01', 'B02'], 'adoption_period': ['2025Q3', None]}
    """
    func = "adoption_from_truth"
    if isinstance(truth, str | Path):
        path = Path(truth)
        if path.is_dir():
            path = path / "truth.json"
        if not path.is_file():
            raise ParamsError(
                f"The 'truth' parameter of {func} must be a truth.json file or a demo data folder "
                f"holding one. Got {str(truth)!r}, where none exists."
            )
        truth = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(truth, Mapping) or not isinstance(truth.get("bonus_scheme"), Mapping):
        raise ParamsError(
            f"The 'truth' parameter of {func} must hold a 'bonus_scheme' entry (a demo truth.json). "
            f"Got keys {sorted(truth)[:8] if isinstance(truth, Mapping) else type(truth).__name__} instead."
        )
    scheme = truth["bonus_scheme"]
    level = scheme.get("level", "branch")
    id_col = "branch_id" if level == "branch" else "staff_id"
    adoption = dict(scheme.get("adoption") or {})
    never = [b for b in scheme.get("never_treated") or [] if b not in adoption]
    ids = list(adoption) + list(never)
    return _adoption_frame(ids, list(adoption.values()) + [None] * len(never), id_col, func)


def adoption_from_params(
    source: str | Path | Mapping[Any, Any] | pd.DataFrame,
    *,
    id_col: Literal["branch_id", "staff_id"] | None = None,
) -> pd.DataFrame:
    """Treatment table from a small CSV file, a dict or a DataFrame.

    Parameters
    ----------
    source : path, mapping or DataFrame
        A CSV file (or DataFrame) with an id column ``branch_id`` (the scheme is adopted
        per branch) or ``staff_id`` (per person) and an ``adoption_period`` column
        (``"2025Q3"`` or ``"2025-07"``; empty = never adopted); or a mapping
        ``{id: period or None}``.
    id_col : {"branch_id", "staff_id"}, optional
        For a mapping: what its keys are (default ``"branch_id"``). For a table: checked
        against its columns.

    Returns
    -------
    DataFrame
        ``<id_col>, adoption_period`` (string dtype, ``<NA>`` = never), sorted by id.

    Raises
    ------
    ParamsError
        Missing file or columns, duplicated ids, or periods that are not a quarter/month.

    Examples
    --------
    >>> adoption_from_params({"B02": "2026Q1", "B01": "2025Q3", "B03": None}).to_dict("list")
    {'branch_id': ['B01', 'B02', 'B03'], 'adoption_period': ['2025Q3', '2026Q1', None]}
    """
    func = "adoption_from_params"
    if id_col is not None:
        check_choice(id_col, "id_col", func, _ID_COLS)
    if isinstance(source, Mapping):
        return _adoption_frame(list(source.keys()), list(source.values()), id_col or "branch_id", func)
    if isinstance(source, str | Path):
        path = Path(source)
        if not path.is_file():
            raise ParamsError(
                f"The 'source' parameter of {func} must be an existing CSV file. Got {str(source)!r} instead."
            )
        source = pd.read_csv(path, dtype=str, keep_default_na=False)
    if not isinstance(source, pd.DataFrame):
        raise ParamsError(
            f"The 'source' parameter of {func} must be a CSV path, a mapping or a DataFrame. "
            f"Got {type(source).__name__} instead."
        )
    present = [c for c in _ID_COLS if c in source.columns]
    if id_col is not None:
        present = [id_col] if id_col in source.columns else []
    if len(present) != 1 or ADOPTION_COL not in source.columns:
        raise ParamsError(
            f"The 'source' parameter of {func} must have exactly one id column (branch_id or "
            f"staff_id) and an {ADOPTION_COL!r} column. Got columns {list(source.columns)} instead."
        )
    return _adoption_frame(source[present[0]].tolist(), source[ADOPTION_COL].tolist(), present[0], func)


def resolve_adoption(
    adoption: str | Path | Mapping[Any, Any] | pd.DataFrame = "",
    data_dir: str | Path | None = None,
) -> pd.DataFrame:
    """The treatment table a notebook should use.

    ``adoption`` empty: the demo ``truth.json`` next to the data (``data_dir``). A path
    ending in ``.json``: a demo truth file. Any other path, a mapping or a DataFrame:
    :func:`adoption_from_params`.
    """
    if isinstance(adoption, str) and adoption.strip() == "":
        if data_dir is None or not (Path(data_dir) / "truth.json").is_file():
            raise ParamsError(
                "The 'adoption_file' parameter must name the adoption table (a CSV with branch_id "
                "and adoption_period) when the data folder has no demo truth.json. "
                f"Got an empty value with data in {str(data_dir)!r}."
            )
        return adoption_from_truth(Path(data_dir) / "truth.json")
    if isinstance(adoption, str | Path) and str(adoption).lower().endswith(".json"):
        return adoption_from_truth(adoption)
    return adoption_from_params(adoption)


def _adoption_series(table: pd.DataFrame, freq: str, func: str) -> tuple[pd.Series, str]:
    """Adoption periods as pandas Periods of the panel frequency, indexed by id; and the id column."""
    id_col = next(c for c in _ID_COLS if c in table.columns)
    values: list[Any] = []
    for key, text in zip(table[id_col].tolist(), table[ADOPTION_COL].tolist()):
        if pd.isna(text):
            values.append(None)
            continue
        p = Period.parse(str(text))
        if freq == "Q" and p.kind != "quarter":
            raise ParamsError(
                f"The adoption period of {key!r} in {func} must be a quarter like '2025Q3' for a "
                f"quarterly panel (a scheme adopted mid-quarter needs a monthly panel). "
                f"Got {text!r} instead."
            )
        values.append(pd.Period(p.start, freq=freq))
    return pd.Series(values, index=table[id_col].astype(str).to_numpy(), dtype=object), id_col
