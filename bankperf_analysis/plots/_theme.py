"""The seaborn theme of the reports as plain rcParams, applied without importing seaborn.

``seaborn.set_theme(context, style="whitegrid", palette=...)`` only sets matplotlib
rcParams, but importing seaborn imports scipy.stats: about 3 s in a new kernel, paid by
every notebook's first cell. The values below are seaborn 0.13's
``plotting_context(context)`` and ``axes_style("whitegrid")``; ``tests/test_plots.py``
checks them against the installed seaborn. The style's colormap (``image.cmap``:
seaborn's "rocket") is registered from seaborn's own colour table when seaborn is not
imported yet, as seaborn itself registers it.
"""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path
from typing import Any

__all__ = ["theme_rc", "ensure_style_cmap"]

# seaborn.rcmod.plotting_context: the "notebook" sizes, scaled per context.
_TEXT_SIZES = {
    "font.size": 12,
    "axes.labelsize": 12,
    "axes.titlesize": 12,
    "xtick.labelsize": 11,
    "ytick.labelsize": 11,
    "legend.fontsize": 11,
    "legend.title_fontsize": 12,
}
_LINE_SIZES = {
    "axes.linewidth": 1.25,
    "grid.linewidth": 1,
    "lines.linewidth": 1.5,
    "lines.markersize": 6,
    "patch.linewidth": 1,
    "xtick.major.width": 1.25,
    "ytick.major.width": 1.25,
    "xtick.minor.width": 1,
    "ytick.minor.width": 1,
    "xtick.major.size": 6,
    "ytick.major.size": 6,
    "xtick.minor.size": 4,
    "ytick.minor.size": 4,
}
_SCALING = {"paper": 0.8, "notebook": 1, "talk": 1.5, "poster": 2}

# seaborn.rcmod.axes_style("whitegrid")
_WHITEGRID: dict[str, Any] = {
    "figure.facecolor": "white",
    "axes.labelcolor": ".15",
    "xtick.direction": "out",
    "ytick.direction": "out",
    "xtick.color": ".15",
    "ytick.color": ".15",
    "axes.axisbelow": True,
    "grid.linestyle": "-",
    "text.color": ".15",
    "font.family": ["sans-serif"],
    "font.sans-serif": ["Arial", "DejaVu Sans", "Liberation Sans", "Bitstream Vera Sans", "sans-serif"],
    "lines.solid_capstyle": "round",
    "patch.edgecolor": "w",
    "patch.force_edgecolor": True,
    "image.cmap": "rocket",
    "xtick.top": False,
    "ytick.right": False,
    "axes.grid": True,
    "axes.facecolor": "white",
    "axes.edgecolor": ".8",
    "grid.color": ".8",
    "axes.spines.left": True,
    "axes.spines.bottom": True,
    "axes.spines.right": True,
    "axes.spines.top": True,
    "xtick.bottom": False,
    "ytick.left": False,
}


def theme_rc(context: str, palette: list[str], font: str) -> dict[str, Any]:
    """The rcParams of ``seaborn.set_theme(context, "whitegrid", palette, font=font)``, in its order.

    Examples
    --------
    >>> rc = theme_rc("talk", ["#264653"], "DejaVu Sans")
    >>> rc["font.size"], rc["axes.grid"], rc["font.family"]
    (18.0, True, 'DejaVu Sans')
    """
    from cycler import cycler
    from matplotlib.colors import to_rgb

    if context not in _SCALING:
        raise ValueError(f"context must be in {', '.join(_SCALING)}")
    scale = _SCALING[context]
    rc: dict[str, Any] = {k: v * scale for k, v in {**_LINE_SIZES, **_TEXT_SIZES}.items()}
    rc.update(_WHITEGRID)
    rc["font.family"] = font
    rc["axes.prop_cycle"] = cycler("color", [to_rgb(c) for c in palette])
    return rc


def ensure_style_cmap() -> None:
    """Register seaborn's "rocket" colormaps (the style's ``image.cmap``) if nobody has yet.

    Read from seaborn's colour table without importing seaborn; seaborn, imported later,
    keeps these (it registers a name only when it is free).
    """
    import matplotlib as mpl
    from matplotlib.colors import ListedColormap

    if "rocket" in mpl.colormaps:
        return
    lut = _seaborn_lut("_rocket_lut")
    if lut is None:  # not the seaborn we know: let seaborn register its own
        import seaborn  # noqa: F401

        return
    mpl.colormaps.register(ListedColormap(lut, "rocket"), name="rocket")
    mpl.colormaps.register(ListedColormap(lut[::-1], "rocket_r"), name="rocket_r")


def _seaborn_lut(name: str) -> list[list[float]] | None:
    """The colour table ``name`` of ``seaborn/cm.py`` (None if it cannot be found)."""
    spec = importlib.util.find_spec("seaborn")
    if spec is None or not spec.submodule_search_locations:
        return None
    for base in spec.submodule_search_locations:
        path = Path(base) / "cm.py"
        if not path.is_file():
            continue
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == name for t in node.targets
            ):
                return ast.literal_eval(node.value)
    return None
