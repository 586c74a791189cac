"""What a sample can detect: minimum detectable change and required sample size.

A comparison that is not significant says "no change" only if the samples could have
detected a change that matters; these functions say how small a change the samples detect
(:func:`minimum_detectable_change`) and how many surveys a change needs
(:func:`required_sample_size`).
"""

from __future__ import annotations

import math
from typing import Any, Literal

from bankperf_analysis._validation import (
    check_choice,
    check_count,
    check_positive,
    check_unit_interval,
    is_real,
    param_error,
)
from bankperf_analysis.significance import stats as _st
from bankperf_analysis.significance.compare import Alternative, check_common

__all__ = ["PowerMethod", "minimum_detectable_change", "required_sample_size"]

PowerMethod = Literal["score", "score_cc", "arcsine"]


def minimum_detectable_change(
    p_before: float | None = None,
    n_before: int | None = None,
    n_after: int | None = None,
    *,
    sd: float | None = None,
    alpha: float = 0.05,
    power: float = 0.8,
    alternative: Alternative = "two-sided",
    method: PowerMethod = "score",
) -> float:
    """Smallest change that a before/after comparison detects with probability ``power``.

    Rates (give ``p_before``): the change ``d`` solving ``|d| = z_a sigma_0 + z_b sigma_1``
    (score test: pooled variance under H0, unpooled under H1; ``method="score_cc"`` adds
    the continuity correction, ``"arcsine"`` uses Cohen's h with statsmodels
    ``NormalIndPower``). For ``"two-sided"`` it is the smaller of the increase and the
    decrease (changes below it cannot be detected in either direction); ``"larger"``: the
    increase; ``"smaller"``: the decrease. ``inf`` if no change can be detected.

    Means (give ``sd``, the score SD): ``d * sd`` with ``d`` from statsmodels
    ``TTestIndPower`` (noncentral t).

    Parameters
    ----------
    p_before : float, optional
        Baseline rate in [0, 1].
    n_before : int
        Sample size of the previous period.
    n_after : int, optional
        Sample size of the current period (default ``n_before``).
    sd : float, optional
        Standard deviation of individual scores (means only).
    alpha, power, alternative :
        Test level, power and H1 as in :func:`compare_rates`.
    method : {"score", "score_cc", "arcsine"}, default "score"

    Returns
    -------
    float
        A proportion for rates (0.05 = 5 percentage points), score points for means.
    """
    owner = "minimum_detectable_change"
    alpha, alternative, power = check_common(owner, alpha, alternative, power)
    method = check_choice(method, "method", owner, PowerMethod)
    n1 = check_count(n_before, "n_before", owner) if n_before is not None else None
    if n1 is None or n1 < 1:
        raise param_error("n_before", owner, "a positive integer", n_before)
    n2 = n1 if n_after is None else check_count(n_after, "n_after", owner)
    if n2 < 1:
        raise param_error("n_after", owner, "a positive integer", n_after)
    if (p_before is None) == (sd is None):
        raise param_error("p_before", owner, "given (rates) or sd given (means), not both", p_before)
    if sd is not None:
        return _st.mdc_mean_sd(check_positive(sd, "sd", owner), n1, n2, alpha, power, alternative)
    p1 = check_unit_interval(p_before, "p_before", owner, low_closed=True, high_closed=True)
    return _st.mdc_rate(p1, n1, n2, alpha, power, alternative, method)


def required_sample_size(
    p_before: float | None = None,
    p_after: float | None = None,
    *,
    change: float | None = None,
    sd: float | None = None,
    alpha: float = 0.05,
    power: float = 0.8,
    ratio: float = 1.0,
    alternative: Alternative = "two-sided",
    method: PowerMethod = "score",
) -> int:
    """Surveys needed in the previous period to detect a named change with ``power``.

    Rates (``p_before -> p_after``, e.g. 0.85 -> 0.90): ``method="score"`` (default) is
    the Fleiss (1981) formula matching the score test,
    ``n = [z_a sqrt(pbar qbar (1 + 1/r)) + z_b sqrt(p1 q1 + p2 q2 / r)]^2 / (p2 - p1)^2``
    with ``pbar = (p1 + r p2) / (1 + r)`` (686 per group for 0.85 -> 0.90 at 80 % / 0.05
    two-sided); ``"score_cc"`` adds the Fleiss-Tytun-Ury continuity correction (726);
    ``"arcsine"`` uses Cohen's h with statsmodels ``NormalIndPower`` (681).
    Means (``change`` and ``sd``): statsmodels ``TTestIndPower``.

    Parameters
    ----------
    p_before, p_after : float, optional
        Rates of the two periods (rates).
    change, sd : float, optional
        Mean change worth detecting and the SD of individual scores (means).
    alpha, power, alternative :
        As in :func:`compare_rates`.
    ratio : float, default 1.0
        ``n_after / n_before``.
    method : {"score", "score_cc", "arcsine"}, default "score"

    Returns
    -------
    int
        ``n_before`` (rounded up); the current period needs ``ceil(ratio * n_before)``.
    """
    owner = "required_sample_size"
    alpha, alternative, power = check_common(owner, alpha, alternative, power)
    method = check_choice(method, "method", owner, PowerMethod)
    ratio = check_positive(ratio, "ratio", owner)
    if sd is not None or change is not None:
        if p_before is not None or p_after is not None:
            raise param_error("p_before", owner, "None when change and sd are given", p_before)
        sd = check_positive(sd, "sd", owner)
        n = _st.required_n_mean(_nonzero(change, "change", owner), sd, alpha, power, ratio, alternative)
        return int(math.ceil(n - 1e-9))
    p1 = check_unit_interval(p_before, "p_before", owner, low_closed=True, high_closed=True)
    p2 = check_unit_interval(p_after, "p_after", owner, low_closed=True, high_closed=True)
    if p1 == p2:
        raise param_error("p_after", owner, "different from p_before", p_after)
    n = _st.required_n_rate(p1, p2, alpha, power, ratio, alternative, method)
    return int(math.ceil(n - 1e-9))


def _nonzero(value: Any, name: str, owner: str) -> float:
    """Return a finite, non-zero float (``ParamsError`` otherwise)."""
    if not is_real(value) or float(value) == 0 or not math.isfinite(float(value)):
        raise param_error(name, owner, "a non-zero float", value)
    return float(value)
