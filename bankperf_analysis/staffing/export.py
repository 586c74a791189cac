"""Write a :class:`~bankperf_analysis.staffing.plan.StaffingPlan` to a workbook or CSV files.

``.xlsx``: one sheet per table (intervals, heatmap, headcount, posts, cost_benefit,
what_if). ``.csv``: the interval plan in the file given and every other table in
``<stem>_<table>.csv`` beside it. Files are written atomically and published together
(:func:`bankperf_analysis._atomic.atomic_write_many`): an interrupted run leaves the
old files or the new ones, never half-written ones.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from bankperf_analysis._atomic import atomic_write_many
from bankperf_analysis.exceptions import ParamsError

if TYPE_CHECKING:  # pragma: no cover
    from bankperf_analysis.staffing.plan import StaffingPlan

__all__ = ["write_plan", "write_rosters", "check_plan_path"]

# The tables of a plan, in the order written; each name is also a valid Excel sheet name.
_TABLES = ("intervals", "heatmap", "headcount", "posts", "cost_benefit", "what_if")


def check_plan_path(path: str | Path, owner: str = "bankperf staffing") -> Path:
    """Return ``path`` as a Path if it ends in ``.xlsx`` or ``.csv``, else raise :class:`ParamsError`."""
    p = Path(path)
    if p.suffix.lower() not in (".xlsx", ".csv"):
        raise ParamsError(
            f"The 'out' parameter of {owner} must end in .xlsx or .csv. Got {str(path)!r} instead."
        )
    return p


def _frames(plan: StaffingPlan) -> dict[str, pd.DataFrame]:
    frames = {name: (plan.to_frame() if name == "intervals" else getattr(plan, name)) for name in _TABLES}
    if plan.abandonment is not None:  # Erlang A plans: patience and 呼损率 with their intervals
        frames["abandonment"] = plan.abandonment
    return frames


def write_plan(plan: StaffingPlan, path: str | Path, *, lang: str | None = None) -> list[Path]:
    """Write a staffing plan to ``.xlsx`` (one sheet per table) or ``.csv`` (one file per table).

    Parameters
    ----------
    plan : StaffingPlan
        The plan (:func:`~bankperf_analysis.staffing.plan.branch_staffing_plan`).
    path : str or Path
        ``.xlsx`` workbook, or ``.csv`` file of the interval plan (the other tables go
        to ``<stem>_<table>.csv`` beside it).
    lang : {"en", "zh"}, optional
        ``.xlsx`` only: the workbook people read (:func:`~bankperf_analysis.staffing.shown.write_plan_xlsx`):
        the tables as shown, labelled in ``lang``, as Excel tables with filters, number formats
        and print setup, and a sheet of notes. Without it (and always for CSV) the tidy frames
        with column ids and codes, for programs.

    Returns
    -------
    list of Path
        The files written.
    """
    p = check_plan_path(path)
    if lang is not None and p.suffix.lower() == ".xlsx":
        from bankperf_analysis.i18n import check_lang
        from bankperf_analysis.staffing.shown import write_plan_xlsx

        shown_lang = check_lang(lang)
        return atomic_write_many([(p, lambda tmp: write_plan_xlsx(tmp, plan, shown_lang))])
    frames = _frames(plan)
    return _write_frames(p, frames)


def write_rosters(plans: dict[str, Any], path: str | Path) -> list[Path]:
    """Write rosters (queue -> :class:`~bankperf_analysis.staffing.roster.RosterPlan`) to files.

    Three tables, each with a ``queue`` column: ``intervals`` (:meth:`RosterPlan.to_frame`),
    ``shifts`` and ``staff`` (who works when). ``.xlsx``: one sheet each; ``.csv``: the
    intervals in the file given, the others in ``<stem>_shifts.csv`` and ``<stem>_staff.csv``.
    """
    p = check_plan_path(path, "bankperf roster")

    def stack(attr: str) -> pd.DataFrame:
        parts = [
            (plan.to_frame() if attr == "intervals" else getattr(plan, attr)).assign(queue=queue)
            for queue, plan in plans.items()
        ]
        frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
        return frame[["queue", *[c for c in frame.columns if c != "queue"]]] if len(parts) else frame

    frames = {"intervals": stack("intervals"), "shifts": stack("shifts"), "staff": stack("assignments")}
    return _write_frames(p, frames)


def _write_frames(p: Path, frames: dict[str, pd.DataFrame]) -> list[Path]:
    """Write ``frames`` atomically: ``.xlsx`` a sheet each; ``.csv`` intervals in ``p``, others beside it."""
    if p.suffix.lower() == ".xlsx":

        def write_xlsx(tmp: Path) -> None:
            with pd.ExcelWriter(tmp, engine="openpyxl") as xl:
                for name, frame in frames.items():
                    frame.to_excel(xl, sheet_name=name, index=False)

        return atomic_write_many([(p, write_xlsx)])
    jobs: list[tuple[Path, Any]] = []
    for name, frame in frames.items():
        dest = p if name == "intervals" else p.with_name(f"{p.stem}_{name}.csv")
        jobs.append((dest, lambda tmp, f=frame: f.to_csv(tmp, index=False, encoding="utf-8-sig")))
    return atomic_write_many(jobs)
