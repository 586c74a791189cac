"""Figure style: CJK font without missing glyphs, dpi, PNG helper."""

from __future__ import annotations

import io
import logging
import warnings

import matplotlib
import pytest

from bankperf_analysis.exceptions import ParamsError
from bankperf_analysis.plots.style import (
    REPORT_DPI,
    cjk_font_name,
    cjk_font_path,
    figure_png,
    use_report_style,
)

ZH_TITLE = "客户满意度 · 2026年第四季度 网点绩效"


@pytest.fixture
def restore_rc():
    saved = matplotlib.rcParams.copy()
    yield
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        matplotlib.rcParams.update(saved)


def test_font_ships_with_the_package_and_registers():
    path = cjk_font_path()
    assert path.name == "NotoSansCJKsc-Regular.otf" and path.stat().st_size > 1_000_000
    assert cjk_font_name() == "Noto Sans CJK SC"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_chinese_figure_renders_without_missing_glyphs(lang, restore_rc, caplog):
    import matplotlib.pyplot as plt

    with (
        warnings.catch_warnings(record=True) as caught,
        caplog.at_level(logging.WARNING, logger="matplotlib"),
    ):
        warnings.simplefilter("always")
        use_report_style(lang)
        # the font is set after seaborn's theme, which would otherwise reset it
        assert matplotlib.rcParams["font.sans-serif"][0] == "Noto Sans CJK SC"
        fig, ax = plt.subplots()
        ax.bar(["网点一", "网点二", "营业部"], [0.86, -0.2, 0.93], label="满意度")
        ax.set_title(ZH_TITLE)
        ax.set_xlabel("网点")
        ax.set_ylabel("放弃率（%）")
        ax.legend(title="图例")
        fig.suptitle("总标题：柜员与客户经理")
        png = figure_png(fig)  # savefig to PNG: glyph lookup really happens
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        plt.close(fig)
    messages = [str(w.message) for w in caught] + [r.getMessage() for r in caplog.records]
    bad = [m for m in messages if "missing from" in m or "Glyph" in m or "findfont" in m]
    assert bad == []
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5_000


def test_dpi_and_size_are_controlled(restore_rc):
    import matplotlib.pyplot as plt

    use_report_style("zh", dpi=80, figsize=(5.0, 2.5))
    assert matplotlib.rcParams["figure.dpi"] == 80 and matplotlib.rcParams["savefig.dpi"] == 80
    fig, ax = plt.subplots()
    ax.plot([1, 2, 3])
    png = figure_png(fig)
    plt.close(fig)
    width = int.from_bytes(png[16:20], "big")
    assert 300 <= width <= 5.0 * 80 + 10  # tight bbox trims, never grows beyond 400 px


def test_default_dpi_keeps_figures_small(restore_rc):
    import matplotlib.pyplot as plt

    use_report_style("en")
    assert matplotlib.rcParams["savefig.dpi"] == REPORT_DPI
    fig, ax = plt.subplots()
    ax.plot(range(100), [i % 7 for i in range(100)])
    ax.set_title(ZH_TITLE)
    assert len(figure_png(fig)) < 80_000
    plt.close(fig)


def test_bad_arguments(restore_rc):
    with pytest.raises(ParamsError, match="lang"):
        use_report_style("fr")
    with pytest.raises(ParamsError, match="dpi"):
        use_report_style("en", dpi=0)


def test_show_figure_outputs_png(restore_rc, monkeypatch):
    import matplotlib.pyplot as plt
    from IPython.core import display_functions

    from bankperf_analysis import plots

    shown = []
    monkeypatch.setattr(display_functions, "display", lambda obj, **kw: shown.append(obj))
    monkeypatch.setattr("IPython.display.display", lambda obj, **kw: shown.append(obj))
    use_report_style("zh")
    fig, ax = plt.subplots()
    ax.set_title(ZH_TITLE)
    plots.show_figure(fig)
    assert len(shown) == 1 and shown[0].format == "png" and shown[0].data[:4] == b"\x89PNG"
    assert not plt.fignum_exists(fig.number)  # closed: the inline backend will not repeat it
