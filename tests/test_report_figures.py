"""The branch report's figures, drawn cheaply without changing what the reader sees (issue 14, goal 4).

* The staffing heatmap is an HTML table: each cell holds the number the figure annotates
  (the mean of the plan's rows of that weekday and hour), on the colour the figure gives it,
  with the figure's text colour; it carries no script and no URL, stays small, and its
  headers and legend are translated.
* The trends figure is laid out once when built and drawn once when saved, at its own size,
  with room for wide tick labels; its one legend is a row above the panels, at the same
  place in every report, clear of every panel and title.
* The report's trends PNG is drawn on panels kept by the kernel: the pixels of a new
  figure for every branch, whatever branch came before (A, B, then A again: the same bytes),
  under the matplotlib settings of the moment.
* A tile's value is looked up in an index of the KPI frame: the same number as the filter.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import matplotlib as mpl
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex

from bankperf_analysis.i18n import LABELS, t
from bankperf_analysis.plots import trends, use_report_style
from bankperf_analysis.plots.style import figure_png
from bankperf_analysis.plots.trends import kpi_trends, kpi_trends_png
from bankperf_analysis.report import BranchReport, prepare_batch
from bankperf_analysis.runner.safety import unsafe_content
from bankperf_analysis.staffing.plan import plot_branch_staffing

Q = "2026Q4"
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_ROW = re.compile(r'<tr><th scope="row">(.*?)</th>(.*?)</tr>')
_CELL = re.compile(r'<td(?: style="background:(#[0-9a-f]{6});color:(#[0-9a-f]{6})")?>(.*?)</td>')


@pytest.fixture(scope="module")
def shared(tiny_bank, tmp_path_factory) -> Path:
    return prepare_batch(tiny_bank, Q, tmp_path_factory.mktemp("shared") / Q)


@pytest.fixture(scope="module")
def branches(shared) -> list[str]:
    return pd.read_parquet(shared / "branches.parquet").branch_id.astype(str).tolist()


def _table(html: str) -> dict[str, list[tuple[str | None, str | None, str]]]:
    """The heatmap table's rows: weekday label -> [(background, text colour, text), ...]."""
    body = html[html.index("<tbody>") : html.index("</tbody>")]
    return {day: _CELL.findall(cells) for day, cells in _ROW.findall(body)}


def _figure_cells(
    heatmap: pd.DataFrame, branch: str, value: str, n_cols: int
) -> dict[tuple[int, int], tuple[str, str, str]]:
    """(row, column) -> (cell colour, text colour, annotated text) of the matplotlib figure."""
    import matplotlib.pyplot as plt

    fig = plot_branch_staffing(heatmap, branch, value=value)
    ax = fig.axes[0]
    mesh = ax.collections[0]
    faces = mesh.get_facecolors()
    cells = {}
    for text in ax.texts:
        x, y = text.get_position()
        row, col = int(y), int(x)
        cells[(row, col)] = (to_hex(faces[row * n_cols + col]), to_hex(text.get_color()), text.get_text())
    plt.close(fig)
    return cells


@pytest.mark.parametrize("value", ["gap", "required"])
def test_heatmap_table_holds_the_plans_numbers_in_the_figures_colours(shared, branches, value, monkeypatch):
    from bankperf_analysis.report.inputs import ReportInputs

    heatmap = pd.read_parquet(shared / "staffing_heatmap.parquet")
    if value == "required":  # no roster (every gap NaN): the report shows the required staff
        heatmap = heatmap.assign(gap=np.nan)
        real_rows = ReportInputs.rows

        def rows_without_roster(self, name, column, keys):
            got = real_rows(self, name, column, keys)
            return got.assign(gap=np.nan) if name == "staffing_heatmap" else got

        monkeypatch.setattr(ReportInputs, "rows", rows_without_roster)
    assert value != "gap" or heatmap["gap"].notna().any()
    for branch in branches:
        rows = heatmap[heatmap.branch_id.astype(str) == branch]
        # The truth from the data: the mean of the plan's rows of each weekday and hour.
        means = rows.groupby(["weekday", "hour"])[value].mean().unstack("hour")
        html = BranchReport(shared, branch).staffing_heatmap().html
        assert f"<caption>{t('heatmap_title_' + value, 'en')}</caption>" in html
        table = _table(html)
        assert list(table) == [WEEKDAYS[int(d)] for d in means.index]
        figure = _figure_cells(heatmap, branch, value, means.shape[1])
        for i, (day, cells) in enumerate(table.items()):
            assert len(cells) == means.shape[1]
            for j, (bg, fg, text) in enumerate(cells):
                truth = means.iloc[i, j]
                if not np.isfinite(truth):
                    assert (bg, fg, text) == ("", "", "") and (i, j) not in figure
                    continue
                assert text == f"{truth:.1f}", (branch, day, means.columns[j])
                assert (bg, fg, text) == figure[(i, j)], (branch, day, means.columns[j])


def test_heatmap_table_is_safe_small_and_scrolls_in_its_own_box(shared, branches):
    for branch in branches:
        for lang in ("en", "zh"):
            html = BranchReport(shared, branch, lang).staffing_heatmap().html
            assert unsafe_content(html) == []
            assert "<script" not in html.lower() and "http" not in html.lower() and "url(" not in html
            assert len(html.encode()) < 20_000  # a PNG of the same heatmap was ~40 KB of base64
            assert "overflow-x:auto" in html and "print-color-adjust:exact" in html


def test_heatmap_table_is_translated_in_zh(shared, branches):
    html = BranchReport(shared, branches[0], "zh").staffing_heatmap().html
    table = html[html.index('<div class="staffing-heatmap">') :]
    text = re.sub(r"<[^>]+>", " ", table)
    assert re.findall(r"[A-Za-z]{2,}", text) == []  # no English word: every label is translated
    for key in ("heatmap_title_gap", "heatmap_corner", "heatmap_legend_gap"):
        assert LABELS[key]["zh"] in text
    assert [day for day in _table(html)] == [LABELS[f"weekday_{d}"]["zh"] for d in WEEKDAYS]


def test_trends_figure_is_laid_out_and_drawn_once_at_its_own_size(shared, branches, monkeypatch):
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure
    from PIL import Image

    from bankperf_analysis.plots.style import figure_png

    calls = {"draw": 0, "tight_layout": 0}
    real_draw, real_tight = Figure.draw, Figure.tight_layout

    def draw(self, renderer):
        calls["draw"] += 1
        return real_draw(self, renderer)

    def tight_layout(self, *args, **kwargs):
        calls["tight_layout"] += 1
        return real_tight(self, *args, **kwargs)

    monkeypatch.setattr(Figure, "draw", draw)
    monkeypatch.setattr(Figure, "tight_layout", tight_layout)
    with mpl.rc_context():
        use_report_style("en")  # its savefig.bbox is "tight": the fixed figure is saved as it is
        fig = BranchReport(shared, branches[0]).trends_figure()
        assert fig.get_layout_engine() is None
        png = figure_png(fig, dpi=100)
    assert calls == {"draw": 1, "tight_layout": 0}
    width, height = fig.get_size_inches() * 100
    assert Image.open(io.BytesIO(png)).size == (round(width), round(height))
    plt.close(fig)


def test_trends_figure_keeps_wide_tick_labels_inside_the_figure_and_their_panel_gap():
    import matplotlib.pyplot as plt

    from bankperf_analysis.plots.trends import kpi_trends

    quarters = ["2025Q3", "2025Q4", "2026Q1", "2026Q2", "2026Q3", "2026Q4"]
    kpis = ["satisfaction_rate", "response_time_seconds", "resolution_rate", "cross_sales_per_month"]
    wide = {  # five-character tick labels in every panel
        "satisfaction_rate": [0.8725, 0.9999, 0.9, 0.95, 0.99, 0.91],
        "response_time_seconds": [1234.5, 1190.0, 1301.5, 1220.0, 1250.5, 1275.0],
        "resolution_rate": [0.9125, 0.99, 0.95, 0.9, 0.975, 0.96],
        "cross_sales_per_month": [12.25, 13.5, 11.75, 12.0, 14.25, 13.0],
    }
    values = pd.DataFrame(
        [
            {"kpi": k, "level": level, "period": q, "value": v * (1 if level == "branch" else 0.98)}
            for k, vs in wide.items()
            for level in ("branch", "bank")
            for q, v in zip(quarters, vs)
        ]
    )
    units = {"satisfaction_rate": "share", "response_time_seconds": "seconds", "resolution_rate": "share"}
    for lang in ("en", "zh"):
        with mpl.rc_context():
            use_report_style(lang)
            fig = kpi_trends(
                values, quarters, kpis=kpis, units=units, targets={}, entity_label="B1", lang=lang
            )
            fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        page = fig.bbox
        axes = fig.axes
        for ax in axes:
            labels = [*_drawn(ax.get_yticks(), ax.get_yticklabels(), ax.get_ylim())]
            labels += _drawn(ax.get_xticks(), ax.get_xticklabels(), ax.get_xlim())
            for text in [ax.title, *labels]:
                box = text.get_window_extent(renderer)
                assert box.x0 >= page.x0 and box.x1 <= page.x1, (lang, text.get_text())
                assert box.y0 >= page.y0 and box.y1 <= page.y1, (lang, text.get_text())
            left_of = [o for o in axes if o.bbox.x1 < ax.bbox.x0 and abs(o.bbox.y0 - ax.bbox.y0) < 1]
            for label in _drawn(ax.get_yticks(), ax.get_yticklabels(), ax.get_ylim()):
                for other in left_of:  # the right panels' labels stay clear of the left panels
                    assert label.get_window_extent(renderer).x0 > other.bbox.x1, (lang, label.get_text())
        plt.close(fig)


def _drawn(ticks, labels, limits) -> list:
    """The tick labels drawn: visible, with text, at a tick inside the axis' view limits."""
    lo, hi = sorted(limits)
    return [x for tick, x in zip(ticks, labels) if x.get_visible() and x.get_text() and lo <= tick <= hi]


def _same(got, want) -> bool:
    """Equal (value, n) pairs; a NaN value equals a NaN value."""
    if want[0] is None or got[0] is None:
        return got == want
    return got[1] == want[1] and (got[0] == want[0] or (np.isnan(got[0]) and np.isnan(want[0])))


def test_tile_values_are_the_kpi_frames_rows(shared, branches):
    for branch in branches:
        report = BranchReport(shared, branch)
        k = report._kpis
        for (level, kpi, period), rows in k.groupby(["level", "kpi", "period"], sort=False):
            if kpi in report._annual and period == Q:
                continue  # compared on the scheme's basis: below
            first = rows.iloc[0]
            want = (float(first.value), int(first.n))
            assert _same(report._value(kpi, period, level), want), (branch, level, kpi, period)
            if period == Q:
                assert _same(report._value(kpi, level=level), want), (branch, level, kpi)
        basis = pd.read_parquet(shared / "target_basis.parquet")
        for kpi in report._annual:
            for level, entity in (("branch", branch), ("bank", "BANK")):
                sel = basis[
                    (basis.level == level)
                    & (basis.kpi == kpi)
                    & (basis.period == Q)
                    & (basis.entity_id == entity)
                ]
                want = (None, 0) if sel.empty else (float(sel.value.iloc[0]), int(sel.n.iloc[0]))
                assert _same(report._value(kpi, level=level), want), (branch, level, kpi)
        assert report._value("satisfaction_rate", "1999Q1") == (None, 0)


QUARTERS = ["2025Q4", "2026Q1", "2026Q2", "2026Q3", "2026Q4"]
TREND_KPIS = ["satisfaction_rate", "response_time_seconds", "resolution_rate", "cross_sales_per_month"]
UNITS = {"satisfaction_rate": "share", "response_time_seconds": "seconds", "resolution_rate": "share"}


def _entity(label: str, values: dict, targets: dict, unavailable: dict) -> dict:
    """``kpi_trends`` arguments of one entity; ``values[kpi]``: (entity's, bank's) by quarter (None: none)."""
    rows = [
        {"kpi": kpi, "level": level, "period": q, "value": v}
        for kpi, (own, bank) in values.items()
        for level, series in (("branch", own), ("bank", bank))
        for q, v in zip(QUARTERS, series)
        if v is not None
    ]
    frame = pd.DataFrame(rows, columns=["kpi", "level", "period", "value"])
    return {
        "values": frame,
        "quarters": QUARTERS,
        "kpis": TREND_KPIS,
        "units": UNITS,
        "targets": targets,
        "entity_label": label,
        "unavailable": unavailable,
    }


#: Every per-entity part of the figure set: targets, a panel not available, a panel with no
#: value at all (it keeps the view of a new panel), a first quarter without any value.
A = _entity(
    "B01",
    {
        "satisfaction_rate": ([None, 0.81, 0.84, 0.86, 0.9], [None, 0.8, 0.82, 0.83, 0.84]),
        "response_time_seconds": ([None, 130.0, 120.0, 150.0, 110.0], [None, 140.0, 141.0, 139.0, 138.0]),
    },
    {"satisfaction_rate": 0.85, "response_time_seconds": 180.0},
    {"resolution_rate": "Not available: no survey data."},
)
#: None of them: every panel drawn from values in other ranges, no target, a longer label.
B = _entity(
    "BRANCH-0002",
    {
        "satisfaction_rate": ([0.5, 0.55, 0.6, 0.52, 0.58], [0.7, 0.71, 0.72, 0.7, 0.69]),
        "response_time_seconds": ([1200.0, 1300.0, 1250.0, 1100.0, 1400.0], [900.0] * 5),
        "resolution_rate": ([0.99, 0.98, 0.97, 0.99, 0.96], [0.9] * 5),
        "cross_sales_per_month": ([12.0, 13.5, 11.0, 14.0, 12.5], [10.0] * 5),
    },
    {},
    {},
)


def _pixels(png: bytes) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def test_kept_trend_panels_carry_nothing_from_one_entity_to_the_next():
    with mpl.rc_context():
        use_report_style("en")
        trends._TEMPLATES.clear()
        first_a, b, again_a = kpi_trends_png(**A), kpi_trends_png(**B), kpi_trends_png(**A)
        assert len(trends._TEMPLATES) == 1  # one kept figure drew the three
        assert again_a == first_a
        for args, png in ((A, first_a), (B, b)):  # the pixels of a new figure
            assert np.array_equal(_pixels(png), _pixels(figure_png(kpi_trends(**args))))


def test_kept_trend_panels_follow_the_matplotlib_settings():
    from PIL import Image

    with mpl.rc_context():
        use_report_style("en")
        trends._TEMPLATES.clear()
        kpi_trends_png(**A)
        with mpl.rc_context({"lines.linewidth": 3.0, "ytick.labelsize": 14}):
            png = kpi_trends_png(**A)
            assert np.array_equal(_pixels(png), _pixels(figure_png(kpi_trends(**A))))
        assert kpi_trends_png(**A) != png
        with mpl.rc_context({"figure.facecolor": "none"}):  # not opaque: saved with its alpha channel
            want = Image.open(io.BytesIO(figure_png(kpi_trends(**A))))
            got = Image.open(io.BytesIO(kpi_trends_png(**A)))
            assert got.mode == want.mode == "RGBA" and np.array_equal(np.asarray(got), np.asarray(want))
        for saved in ({"savefig.dpi": 50}, {"savefig.transparent": True}, {"savefig.facecolor": "0.9"}):
            with mpl.rc_context(saved):  # saved otherwise than drawn: as figure_png saves it
                assert kpi_trends_png(**A) == figure_png(kpi_trends(**A)), saved


def test_branch_trend_images_are_their_figures_whatever_branch_came_before(shared, branches):
    assert len(branches) >= 3
    for lang in ("en", "zh"):
        with mpl.rc_context():
            use_report_style(lang)
            trends._TEMPLATES.clear()
            order = [*branches, branches[0]]  # A, B, ..., then A again
            images = [BranchReport(shared, b, lang).trends_image().data for b in order]
            assert len(trends._TEMPLATES) == 1
            assert images[-1] == images[0], lang
            for b, png in zip(branches, images):
                want = figure_png(BranchReport(shared, b, lang).trends_figure())
                assert np.array_equal(_pixels(png), _pixels(want)), (lang, b)


def test_the_trend_legend_is_one_row_above_the_panels_at_one_place():
    places = set()
    for lang in ("en", "zh"):
        for args, entries in ((A, ["B01", "label_bank", "label_target"]), (B, ["BRANCH-0002", "label_bank"])):
            with mpl.rc_context():
                use_report_style(lang)
                fig = kpi_trends(**args | {"lang": lang})
                fig.canvas.draw()
            renderer = fig.canvas.get_renderer()
            (legend,) = fig.legends
            shown = [x.get_text() for x in legend.get_texts() if x.get_visible()]
            assert shown == [entries[0], *(t(key, lang) for key in entries[1:])]  # a target only if drawn
            box = legend.get_window_extent(renderer)
            assert fig.bbox.contains(box.x0, box.y0) and fig.bbox.contains(
                box.x1, box.y1
            )  # inside the figure
            for ax in fig.axes:  # clear of every panel and its title
                for other in (ax.bbox, ax.title.get_window_extent(renderer)):
                    assert not box.overlaps(other), (lang, ax.get_title())
            places.add((round(box.x0, 6), round(box.y1, 6)))
    assert len(places) == 1, places  # its top left corner: the same in every report
