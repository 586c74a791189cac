"""Packages that import their public names on first use (PEP 562 module ``__getattr__``).

A package ``__init__`` that imports every submodule drags all of them into each process
that imports one: a report worker that only renders HTML would load pandas, DuckDB and
SciPy through ``bankperf_analysis.runner``. Each package lists where its names live and
gets its ``__getattr__`` and ``__dir__`` from :func:`lazy_exports`.

A name that is also a submodule's must be bound eagerly: importing that submodule sets
the package attribute to the module, and ``__getattr__`` is then never asked.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, MutableMapping
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(
    namespace: MutableMapping[str, Any], where: Mapping[str, str | tuple[str, str]]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for the module whose ``globals()`` are ``namespace``.

    ``where`` maps each public name to the module that defines it (dotted path), or to
    ``(module, attribute)`` when the attribute is named otherwise. A name is imported on
    first use and kept in ``namespace``, so the next lookup is a plain attribute.

    Examples
    --------
    >>> ns = {"__name__": "pkg"}
    >>> getattr_, dir_ = lazy_exports(ns, {"dumps": "json", "Path": ("pathlib", "PurePosixPath")})
    >>> getattr_("dumps")([1])
    '[1]'
    >>> getattr_("Path").__name__, "dumps" in ns
    ('PurePosixPath', True)
    >>> dir_()
    ['Path', '__name__', 'dumps']
    >>> getattr_("nothing")
    Traceback (most recent call last):
    AttributeError: module 'pkg' has no attribute 'nothing'
    """

    def __getattr__(name: str) -> Any:
        spec = where.get(name)
        if spec is None:
            raise AttributeError(f"module {namespace['__name__']!r} has no attribute {name!r}")
        module, attr = spec if isinstance(spec, tuple) else (spec, name)
        value = getattr(importlib.import_module(module), attr)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(where))

    return __getattr__, __dir__
