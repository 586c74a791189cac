"""Parameters and ``repr`` of the estimators (scikit-learn's convention, style.md §3).

An estimator's ``__init__`` stores its keyword arguments under the same names and does
nothing else; :class:`ParamsMixin` then gives it ``get_params``, ``set_params`` and a
``repr`` that shows only the arguments that differ from their defaults::

    >>> class Model(ParamsMixin):
    ...     def __init__(self, alpha=0.05, model="erlang_c"):
    ...         self.alpha = alpha
    ...         self.model = model
    >>> Model(model="erlang_a")
    Model(model='erlang_a')
    >>> Model().get_params()
    {'alpha': 0.05, 'model': 'erlang_c'}
"""

from __future__ import annotations

import inspect
import math
from typing import Any

import numpy as np

from bankperf_analysis._validation import param_error

__all__ = ["ParamsMixin"]


class ParamsMixin:
    """``get_params`` / ``set_params`` / ``__repr__`` from the ``__init__`` signature."""

    @classmethod
    def _param_defaults(cls) -> dict[str, Any]:
        sig = inspect.signature(cls.__init__)
        return {
            name: p.default
            for name, p in sig.parameters.items()
            if name != "self" and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
        }

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Return the constructor arguments as a dict."""
        return {name: getattr(self, name) for name in self._param_defaults()}

    def set_params(self, **params: Any) -> Any:
        """Set constructor arguments; returns ``self``."""
        known = self._param_defaults()
        for name, value in params.items():
            if name not in known:
                raise param_error(name, f"{type(self).__name__}.set_params", "a known parameter", value)
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        changed = [
            f"{name}={getattr(self, name)!r}"
            for name, default in self._param_defaults().items()
            if not _same(getattr(self, name), default)
        ]
        return f"{type(self).__name__}({', '.join(changed)})"


def _same(a: Any, b: Any) -> bool:
    """Equal as values: None only equals None; arrays and sequences compare element-wise."""
    if a is None or b is None:
        return a is b
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    try:
        return bool(np.all(np.asarray(a) == np.asarray(b))) and np.shape(a) == np.shape(b)
    except (TypeError, ValueError):
        return False
