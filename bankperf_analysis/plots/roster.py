"""The roster figure: staff required and scheduled on duty per interval, across the week, per queue.

Takes the rosters' interval frames (:meth:`~bankperf_analysis.staffing.roster.RosterPlan.to_frame`:
``day`` 0-6, ``time``, ``open``, ``required_staff``, ``on_duty``); one panel per queue, the days
side by side. The scheduled staff are a shaded step area, the requirement a step line; an
interval short of its requirement is marked red.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from bankperf_analysis.i18n import t

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = ["roster_coverage_figure"]

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def roster_coverage_figure(intervals: Mapping[str, pd.DataFrame], *, lang: str = "en") -> Figure:
    """Required vs scheduled staff per interval across the week, one panel per queue.

    Parameters
    ----------
    intervals : mapping of str to pandas.DataFrame
        Queue label (already in ``lang``) -> the roster's interval frame.
    lang : {"en", "zh"}

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> iv = pd.DataFrame({"day": [0, 0, 1, 1], "time": ["09:00", "09:30"] * 2, "open": True,
    ...                    "required_staff": [1.0, 2, 2, 1], "on_duty": [1, 2, 1, 1]})
    >>> fig = roster_coverage_figure({"Counter": iv})
    >>> len(fig.axes)
    1
    """
    import matplotlib.pyplot as plt

    queues = list(intervals)
    fig, axes = plt.subplots(max(len(queues), 1), 1, figsize=(10.0, 2.8 * max(len(queues), 1)), squeeze=False)
    for ax, queue in zip(axes[:, 0], queues, strict=False):
        _panel(ax, intervals[queue], queue, lang)
    if queues:
        handles, labels = axes[0, 0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="upper center", ncol=3, frameon=False, bbox_to_anchor=(0.5, 1.0))
    fig.tight_layout(rect=(0, 0, 1, 0.94))
    return fig


def _panel(ax, iv: pd.DataFrame, queue: str, lang: str) -> None:
    """One queue: the open intervals of each day in a row, days separated by a gap."""
    days = list(dict.fromkeys(iv["day"]))
    x0, ticks, names = 0, list[float](), list[str]()
    for d in days:
        g = iv[(iv["day"] == d) & iv["open"]]
        if g.empty:
            continue
        x = x0 + np.arange(len(g) + 1)
        req = g["required_staff"].to_numpy(dtype=float)
        on = g["on_duty"].to_numpy(dtype=float)
        first = not ticks
        ax.fill_between(
            x,
            np.append(on, on[-1]),
            step="post",
            color="#9ecae1",
            label=t("srep_figure_on_duty", lang) if first else None,
        )
        ax.step(
            x,
            np.append(req, req[-1]),
            where="post",
            color="#08306b",
            linewidth=1.4,
            label=t("srep_figure_required", lang) if first else None,
        )
        short = on < req
        ax.bar(
            (x[:-1] + 0.5)[short],
            (req - on)[short],
            bottom=on[short],
            width=1.0,
            color="#d62728",
            label=t("srep_figure_short", lang) if short.any() and not _has_short(ax) else None,
        )
        ticks.append(x0 + len(g) / 2)
        names.append(_day(d, lang))
        x0 += len(g) + 2
        ax.axvline(x0 - 1, color="#bbbbbb", linewidth=0.6)
    ax.set_xticks(ticks, names)
    ax.set_xlim(-0.5, max(x0 - 1, 1))
    ax.set_ylim(0, None)
    ax.set_ylabel(t("srep_figure_staff", lang))
    ax.set_title(t("srep_figure_title", lang, queue=queue), loc="left")
    ax.yaxis.get_major_locator().set_params(integer=True)


def _has_short(ax) -> bool:
    return (
        t("srep_figure_short", "en") in ax.get_legend_handles_labels()[1]
        or t("srep_figure_short", "zh") in ax.get_legend_handles_labels()[1]
    )


def _day(d, lang: str) -> str:
    if isinstance(d, int | np.integer) and 0 <= int(d) <= 6:
        return t(f"weekday_{_WEEKDAYS[int(d)]}", lang)
    return str(d)
