"""Files that ship with the package: the report notebooks and the default scheme.

Each has one source in the repository, at the top where analysts open and edit it:
``notebooks/*.ipynb`` and ``params/scheme.yaml``. The wheel carries copies built from that
source inside the package (``bankperf_analysis/notebooks/`` and
``bankperf_analysis/scheme/default.yaml``; see ``[tool.hatch.build.targets.wheel.force-include]``
in ``pyproject.toml``), so an installed package finds them wherever it runs. A source
checkout (``pip install -e .``) has no copies and uses the sources themselves.
"""

from __future__ import annotations

from pathlib import Path

from bankperf_analysis.exceptions import ParamsError

__all__ = ["notebook_path", "default_scheme_path"]

_PACKAGE = Path(__file__).resolve().parent
_CHECKOUT = _PACKAGE.parent


def notebook_path(name: str) -> Path:
    """Path of a report notebook (``"branch_quarter.ipynb"``) shipped with the package.

    Examples
    --------
    >>> notebook_path("branch_quarter.ipynb").name
    'branch_quarter.ipynb'
    """
    return _find(("notebooks", name), ("notebooks", name), f"the report notebook {name!r}")


def default_scheme_path() -> Path:
    """Path of the default scheme (``params/scheme.yaml`` of the repository).

    Examples
    --------
    >>> default_scheme_path().suffix
    '.yaml'
    """
    return _find(("scheme", "default.yaml"), ("params", "scheme.yaml"), "the default scheme")


def _find(packaged: tuple[str, ...], source: tuple[str, ...], what: str) -> Path:
    for path in (_PACKAGE.joinpath(*packaged), _CHECKOUT.joinpath(*source)):
        if path.is_file():
            return path
    raise ParamsError(
        f"Cannot find {what}: neither {_PACKAGE.joinpath(*packaged)} (an installed wheel) nor "
        f"{_CHECKOUT.joinpath(*source)} (a source checkout) exists. Reinstall bankperf-analysis."
    )
