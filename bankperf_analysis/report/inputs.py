"""The inputs a quarter's reports share, computed once per batch and read back by each report.

* :func:`prepare_batch` runs once per batch (the runner's ``prepare`` hook): it loads and
  validates the dataset, computes the KPI frame, the quarter's scorecards, the
  significance of the satisfaction changes, the league table and the staffing plans,
  and writes them as Parquet + ``meta.json`` into one folder, all published together.
* :class:`ReportInputs` reads that folder back (milliseconds) for the report sections.
* :func:`resolve_inputs` and :func:`resolve_data_dir` are the notebooks' side: in a
  batch they take the runner's folder; run interactively (JupyterLab, default
  parameters) they prepare the inputs themselves and reuse them while the data, the
  scheme and the code that made them are unchanged.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from bankperf_analysis import __version__
from bankperf_analysis._atomic import atomic_write_many
from bankperf_analysis._provenance import code_digest
from bankperf_analysis.exceptions import ParamsError
from bankperf_analysis.periods import Period, months_in
from bankperf_analysis.report._frames import derived_of, rows_of, shared_frame

if TYPE_CHECKING:
    from bankperf_analysis.scorecard.consequences import ConsequenceCounts

__all__ = [
    "prepare_batch",
    "ReportInputs",
    "resolve_inputs",
    "resolve_data_dir",
    "batch_consequences",
    "N_TREND_QUARTERS",
]

#: Quarters of KPI history kept for the trend panels (the reporting quarter included).
N_TREND_QUARTERS = 5


# ----------------------------------------------------------------------------- prepare


def prepare_batch(
    data_dir: str | Path, quarter: str, out_dir: str | Path, *, scheme_path: str | Path | None = None, ds=None
) -> Path:
    """Compute every input the reports of one quarter share, once, into ``out_dir``.

    Parameters
    ----------
    data_dir : str or Path
        The dataset (folder or DuckDB file).
    quarter : str
        Reporting quarter, e.g. ``"2026Q3"``.
    out_dir : str or Path
        Folder for the shared inputs (created). The runner passes its path to every
        notebook as the ``shared_inputs`` parameter.
    scheme_path : str or Path, optional
        Scheme YAML (default: the packaged ``params/scheme.yaml``).
    ds : Dataset, optional
        An already loaded dataset (skips loading and validation).

    Returns
    -------
    Path
        ``out_dir``.
    """
    from bankperf_analysis.dataset.load import load_dataset

    q = Period.parse(quarter)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    scheme = _load_scheme(scheme_path)
    own = ds is None
    ds = ds or load_dataset(data_dir)
    try:
        frames, meta = _compute_inputs(ds, q, scheme, str(ds.root))  # a database: its URL less the password
    finally:
        if own:
            ds.close()
    _write_inputs(out, frames, meta)
    return out


def _load_scheme(scheme_path: str | Path | None):
    from bankperf_analysis.scheme import load_scheme

    return load_scheme(scheme_path) if scheme_path else load_scheme()


def _compute_inputs(ds, q: Period, scheme, data_name: str) -> tuple[dict[str, pd.DataFrame], dict]:
    """Every shared frame (by file stem) and the batch's ``meta.json`` content.

    What needs a table that is absent or empty is not computed (the satisfaction
    changes and league without surveys, the staffing plans without contacts): the
    report sections then say it is not available, by the ``meta.json`` keys
    ``missing_tables``, ``changes_missing``, ``league_missing`` and ``trend_missing`` (the
    data begin in this quarter: no previous quarter to compare with).
    """
    from bankperf_analysis.scorecard.quarter import quarter_scorecards
    from bankperf_analysis.scorecard.tenure import branch_days

    quarters = _trend_quarters(ds, q)
    kpis = _kpi_history(ds, quarters, scheme)
    basis = _target_basis(ds, q, scheme)
    qkpis = pd.concat(
        [kpis[kpis.period.isin(_quarter_and_months(q))], basis[basis.period == str(q)]], ignore_index=True
    )
    _, staff_card, branch_card = quarter_scorecards(ds, str(q), scheme, kpis=qkpis)
    meta = _meta(ds, q, scheme, data_name, quarters)
    meta["target_basis"] = _basis_meta(scheme, q)
    meta["trend_missing"] = _previous_gap(quarters, q)
    meta["changes_missing"] = (
        _survey_gap(kpis, [], meta["missing_tables"])
        or meta["trend_missing"]
        or _survey_gap(kpis, [q.previous(), q], meta["missing_tables"])
    )
    meta["league_missing"] = _survey_gap(kpis, [q], meta["missing_tables"])
    frames = {
        "kpis": kpis,
        "staff_scores": staff_card.people,
        "staff_kpis": staff_card.kpis,
        "training": staff_card.training,
        "staff_not_in_post": staff_card.not_in_post,
        "staff_days": branch_days(ds.employment(), str(q)),
        "branch_scores": branch_card.branches,
        "branch_checks": branch_card.checks,
        "branch_kpis": branch_card.kpis,
        "branches": ds.table("branches"),
        "staff": ds.table("staff"),
        "target_basis": basis,
    }
    if meta["changes_missing"] is None:
        frames["changes"] = _satisfaction_changes(ds, kpis, q)
    if meta["league_missing"] is None:
        frames["league"] = _league(kpis, q)
    if meta["trend_missing"] is None:
        frames["tile_changes"] = _tile_changes(ds, kpis, q, meta["unavailable"])
    if "contacts" not in meta["missing_tables"]:  # no contacts, no demand: no staffing plan
        for name, df in _staffing_inputs(ds, q, scheme).items():
            frames[f"staffing_{name}"] = df
    return frames, meta


def _trend_quarters(ds, q: Period) -> list[Period]:
    """The quarters of the trend panels: up to :data:`N_TREND_QUARTERS`, within the data."""
    first = q.shift(-(N_TREND_QUARTERS - 1))
    cov_first, _ = ds.coverage()
    start = max(first, Period.parse(cov_first)) if cov_first else q
    out = []
    while start <= q:
        out.append(start)
        start = start.shift(1)
    return out


def _previous_gap(quarters: list[Period], q: Period) -> dict | None:
    """Why nothing can be compared with the quarter before ``q`` (None: it can).

    ``{"key": "no_previous_quarter", "previous": ..., "first": ...}`` when the data begin in
    ``q`` (a bank whose first delivery is one quarter): the quarter-on-quarter change, its
    significance and the trend panels then say so instead of failing.

    Examples
    --------
    >>> _previous_gap([Period.parse("2026Q4")], Period.parse("2026Q4"))
    {'key': 'no_previous_quarter', 'previous': '2026Q3', 'first': '2026Q4'}
    >>> _previous_gap([Period.parse("2026Q3"), Period.parse("2026Q4")], Period.parse("2026Q4")) is None
    True
    """
    first = quarters[0] if quarters else q
    if first < q:
        return None
    return {"key": "no_previous_quarter", "previous": str(q.previous()), "first": str(first)}


def _kpi_history(ds, quarters: list[Period], scheme) -> pd.DataFrame:
    """KPIs of every level for each quarter and its months."""
    from bankperf_analysis.metrics.compute import MetricOptions, compute_kpis

    opts = MetricOptions.from_scheme(scheme)
    frames = [
        compute_kpis(ds, period=str(p), options=opts, period_types=("month", "quarter")) for p in quarters
    ]
    return pd.concat(frames, ignore_index=True)


def _target_basis(ds, q: Period, scheme) -> pd.DataFrame:
    """The yearly-target KPIs on the scheme's basis after each quarter of q's year up to q."""
    from bankperf_analysis.scorecard.quarter import target_basis_rows

    basis = target_basis_rows(ds, q.start.year, scheme)
    if basis is None:  # no yearly target in the scheme
        return pd.DataFrame({"period": pd.Series(dtype=str)})
    return basis[basis.period.astype(str) <= str(q)].reset_index(drop=True)


def _basis_meta(scheme, q: Period) -> dict[str, dict[str, str]]:
    """Per KPI of the scheme's rules: the basis of its target and its words in en and zh."""
    from bankperf_analysis.scorecard.period_basis import basis_label, basis_of

    kpis = dict.fromkeys(scheme.rules_frame()["kpi"])
    return {
        k: {
            "basis": (b := basis_of(k, scheme)),
            "period": scheme.scoring.target_period(k),
            "en": basis_label(b, str(q), "en"),
            "zh": basis_label(b, str(q), "zh"),
        }
        for k in kpis
    }


def _quarter_and_months(q: Period) -> list[str]:
    return [str(q), *[str(m) for m in months_in(q)]]


def _meta(ds, q: Period, scheme, data_name: str, quarters: list[Period]) -> dict[str, Any]:
    """What made the inputs (data, scheme, code) and what the sections need besides frames."""
    from bankperf_analysis.dataset.schema import CONTRACT
    from bankperf_analysis.metrics.compute import kpi_availability, unavailable_tables

    return {
        "quarter": str(q),
        "fingerprint": ds.fingerprint,
        "params_hash": scheme.params_hash(),
        "scheme_name": scheme.name,
        "version": __version__,
        "code_digest": code_digest(),
        "dataset": ds.meta.get("name", data_name),
        "generated_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "quarters": [str(p) for p in quarters],
        "unavailable": kpi_availability(ds).query("not available").kpi.tolist(),
        "missing_tables": {
            name: how for name, how in unavailable_tables(ds).items() if not CONTRACT[name].required
        },
        "min_n": {r.kpi: r.min_n for role in scheme.roles for r in role.kpis},
        "channels": {k: list(v) for k, v in scheme.definitions.channels.items()},
        "top_grade": scheme.grade_names[0],
        "branch_targets": _report_targets(scheme),
    }


def _report_targets(scheme) -> dict[str, dict]:
    """Targets shown in a branch report: the branch's own, else the role standard.

    A branch KPI without a branch target (service level, response time, cross-sales...)
    is held to the standard the scheme sets for the roles that deliver it (e.g. 95 %
    answered within 30 s), marked ``source: role``.
    """
    out: dict[str, dict] = {}
    for role in scheme.roles:
        for r in role.kpis:
            if r.kpi not in out and r.target is not None:
                out[r.kpi] = {
                    "target": r.target,
                    "direction": r.direction,
                    "min_n": r.min_n,
                    "source": "role",
                }
    for r in scheme.branch.kpis:
        out[r.kpi] = {"target": r.target, "direction": r.direction, "min_n": r.min_n, "source": "branch"}
    return out


def _survey_gap(kpis: pd.DataFrame, quarters: list[Period], missing_tables: dict[str, str]) -> dict | None:
    """Why the satisfaction of ``quarters`` cannot be tested or ranked (None: it can).

    ``{"key": "missing_surveys"}`` without survey data at all, else
    ``{"key": "missing_survey_quarter", "quarter": ...}`` for the first of ``quarters``
    without a survey (e.g. the first quarter of the data has no previous quarter).
    """
    if "surveys" in missing_tables:
        return {"key": "missing_surveys"}
    sat = kpis[(kpis.kpi == "satisfaction_rate") & (kpis.period_type == "quarter")]
    have = set(sat.period.astype(str))
    for p in quarters:
        if str(p) not in have:
            return {"key": "missing_survey_quarter", "quarter": str(p)}
    return None


def _satisfaction_changes(ds, kpis: pd.DataFrame, q: Period) -> pd.DataFrame:
    """Satisfaction of every branch and of the bank: this quarter vs the previous one.

    Branch verdicts use Benjamini–Hochberg-adjusted p-values over all branches
    (:func:`bankperf_analysis.significance.changes.kpi_changes`).
    """
    import warnings

    from bankperf_analysis.significance import kpi_changes

    parts = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # small-sample notes are in the verdicts
        for level in ("branch", "bank"):
            res = kpi_changes(
                ds, "satisfaction_rate", str(q), against="previous", level=level, kpis=kpis
            ).to_frame()
            parts.append(res.assign(level=level))
    return pd.concat(parts, ignore_index=True)


def _tile_changes(ds, kpis: pd.DataFrame, q: Period, unavailable) -> pd.DataFrame:
    """Every branch's change of each tile KPI against the previous quarter, with its test.

    :func:`~bankperf_analysis.significance.changes.kpi_changes` per KPI of the branch report's
    tiles that has a change test and data (p-values adjusted over the branches); the banner
    and the tiles of a branch report read their arrows and words from it.
    """
    import warnings

    from bankperf_analysis.report.branch import TILE_KPIS
    from bankperf_analysis.significance import change_test_kinds, kpi_changes

    # Rates only: their test reads the KPI frame's counts. A mean KPI's test (Welch t and
    # Mann-Whitney U) needs every observation: for the queue KPIs of a 1,000-branch bank that
    # is about 100M contacts of two quarters in memory. Those tiles show the change untested.
    kinds = change_test_kinds()
    testable = [k for k in TILE_KPIS if kinds.get(k) == "rate" and k not in set(unavailable)]
    parts = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # small-sample notes are in the flags
        for kpi in testable:
            res = kpi_changes(ds, kpi, str(q), against="previous", level="branch", kpis=kpis)
            parts.append(res.to_frame().drop(columns=["verdict_en", "verdict_zh"], errors="ignore"))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame({"entity": pd.Series(dtype=str)})


def _league(kpis: pd.DataFrame, q: Period) -> pd.DataFrame:
    """Branch satisfaction league: raw and empirical-Bayes shrunk rates, funnel limits."""
    import warnings

    from bankperf_analysis.significance import league_table

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return league_table(kpis, "satisfaction_rate", str(q), level="branch")


def _staffing_inputs(ds, q: Period, scheme) -> dict[str, pd.DataFrame]:
    """Per-branch staffing tables (:func:`bankperf_analysis.staffing.plan.branch_staffing_inputs`)."""
    from bankperf_analysis.staffing.plan import branch_staffing_inputs

    return branch_staffing_inputs(ds, q, scheme)


def _write_inputs(out: Path, frames: dict[str, pd.DataFrame], meta: dict[str, Any]) -> None:
    """Publish the frames and ``meta.json`` together: a failed write changes no file."""
    jobs: list[tuple[Path, str | Callable[[Path], None]]] = [
        (out / f"{name}.parquet", _parquet_writer(df)) for name, df in frames.items()
    ]
    jobs.append((out / "meta.json", json.dumps(meta, indent=2, ensure_ascii=False)))
    atomic_write_many(jobs)


def _parquet_writer(df: pd.DataFrame) -> Callable[[Path], None]:
    """Write ``df`` as Parquet, object columns as strings (Arrow cannot guess mixed objects)."""

    def write(tmp: Path) -> None:
        frame = df.copy()
        for c in frame.columns:
            if frame[c].dtype == object:
                frame[c] = frame[c].astype("string")
        frame.to_parquet(tmp, index=False)

    return write


# ----------------------------------------------------------------------------- read back


@dataclass
class ReportInputs:
    """The shared inputs of one batch, read back from :func:`prepare_batch`'s folder."""

    path: Path
    meta: dict = field(default_factory=dict)

    @classmethod
    def load(cls, path: str | Path) -> ReportInputs:
        """Read ``meta.json`` (frames are read lazily, on first use)."""
        p = Path(path)
        if not (p / "meta.json").is_file():
            raise ParamsError(
                f"The 'shared_inputs' folder {str(p)!r} has no meta.json: run "
                "prepare_batch (bankperf report does) first."
            )
        return cls(p, json.loads((p / "meta.json").read_text(encoding="utf-8")))

    def frame(self, name: str) -> pd.DataFrame:
        """One of the shared frames (empty if it was not produced).

        Read once per process while the file is unchanged (:mod:`._frames`): the reports a
        kernel runs share it.
        """
        return shared_frame(self.path / f"{name}.parquet")

    def rows(self, name: str, column: str, keys: Any) -> pd.DataFrame:
        """The rows of frame ``name`` whose ``column`` is one of ``keys`` (a value or a list), in order.

        The rows of ``frame(name)[frame(name)[column].isin(keys)]``, found through an index
        built once per process, so a branch report costs its own rows, not the bank's.
        """
        return rows_of(self.path / f"{name}.parquet", column, keys)

    def derived(self, name: str, key: str, make: Callable[[pd.DataFrame], Any], filters: tuple = ()) -> Any:
        """``make(frame(name))``, computed once per process while the file is unchanged (``key`` names it).

        ``filters``: as in :meth:`entity_kpis`; ``make`` gets those rows only.
        """
        return derived_of(self.path / f"{name}.parquet", key, make, filters)

    def entity_kpis(self, level: str, entity_id: str) -> pd.DataFrame:
        """The KPI rows of one entity at ``level`` and the bank's rows, in the KPI frame's order.

        The rows of ``kpis[(kpis.level == level) & (kpis.entity_id == entity_id) |
        (kpis.level == "bank")]``; the KPI frame is read once per process, keeping the
        rows of ``level`` and the bank only (the staff rows are most of it).
        """
        path = self.path / "kpis.parquet"
        only = (("level", "in", (level, "bank")),)
        own = rows_of(path, "entity_id", entity_id, only)
        if own.empty:
            return rows_of(path, "level", "bank", only)
        own = own[own["level"] == level]
        return pd.concat([own, rows_of(path, "level", "bank", only)]).sort_index()

    @cached_property
    def kpis(self) -> pd.DataFrame:
        """The KPI frame of the batch."""
        return self.frame("kpis")

    @property
    def quarter(self) -> str:
        """The quarter of the batch."""
        return self.meta["quarter"]


def batch_consequences(
    inputs: ReportInputs, checks_available: bool, branch_id: str | None = None
) -> ConsequenceCounts:
    """The batch quarter's consequence counts (bank, or one branch) from the shared frames.

    The one counting function,
    :func:`~bankperf_analysis.scorecard.consequences.consequence_counts`, on the staff
    scores and branch checks of the batch: the overview, each branch report and the index
    show its counts.
    """
    from bankperf_analysis.scorecard.consequences import consequence_counts

    people = (
        inputs.frame("staff_scores")
        if branch_id is None
        else inputs.rows("staff_scores", "branch_id", branch_id)
    )
    return consequence_counts(
        inputs.quarter,
        people,
        inputs.frame("branch_checks"),
        excellent_grade=inputs.meta.get("top_grade", "excellent"),
        checks_available=checks_available,
        branch_id=branch_id,
    )


# ----------------------------------------------------------------------------- notebooks


def resolve_inputs(
    shared_inputs: str = "", data_dir: str = "", quarter: str = "", scheme_path: str = ""
) -> Path:
    """The shared-inputs folder a notebook should read.

    In a batch the runner passes ``shared_inputs``. Run interactively (JupyterLab,
    default parameters), the notebook passes an empty string: the inputs are then
    prepared here from ``data_dir`` (default: ``$BANKPERF_DATA`` or ``data/demo`` of the
    repository) and the scheme at ``scheme_path`` (default: the packaged scheme) into
    ``outputs/<quarter>/_shared_interactive``. They are reused only while what made them
    is unchanged: the data fingerprint, the params hash of the scheme in use and the
    code digest (:func:`bankperf_analysis._provenance.code_digest`), as for the report
    cache of ``bankperf report``.
    """
    if shared_inputs:
        return Path(shared_inputs)
    from bankperf_analysis.dataset.load import load_dataset

    root = _repo_root()
    data = resolve_data_dir(data_dir)
    params_hash = _load_scheme(scheme_path).params_hash()
    with load_dataset(data) as ds:
        q = quarter or ds.coverage()[1]
        out = root / "outputs" / str(q) / "_shared_interactive"
        made_by = {"fingerprint": ds.fingerprint, "params_hash": params_hash, "code_digest": code_digest()}
        if _made_by(out, made_by):
            return out
        return prepare_batch(data, str(q), out, scheme_path=scheme_path or None, ds=ds)


def _made_by(folder: Path, expected: dict[str, str]) -> bool:
    """True when ``folder`` holds inputs whose ``meta.json`` matches every expected value."""
    meta = folder / "meta.json"
    if not meta.is_file():
        return False
    m = json.loads(meta.read_text(encoding="utf-8"))
    return all(m.get(k) == v for k, v in expected.items())


def resolve_data_dir(data_dir: str = "") -> Path | str:
    """The dataset a notebook reads: ``data_dir``, else ``$BANKPERF_DATA``, else ``data/demo``.

    A folder or file must exist; a database URL (``postgresql://...``) is returned as it is.
    """
    from bankperf_analysis.dataset.database import is_database_url

    given = data_dir or os.environ.get("BANKPERF_DATA", "")
    if is_database_url(given):
        return given
    data = Path(given or _repo_root() / "data" / "demo")
    if not data.exists():
        raise ParamsError(
            f"The 'data_dir' parameter must name a dataset. Got {str(data)!r}, which "
            "does not exist (run `make demo` to create the demo bank)."
        )
    return data


def _repo_root() -> Path:
    here = Path.cwd().resolve()
    for p in (here, *here.parents):
        if (p / "pyproject.toml").is_file() and (p / "bankperf_analysis").is_dir():
            return p
    return here
