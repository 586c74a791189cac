"""One pooled count GLM across the series of a bank: branch x weekday x slot structure.

The per-series model of :mod:`bankperf_analysis.staffing._batch_glm` gives every series
(branch x channel) a free log rate for each weekday x interval cell: about 100-170
parameters a series, each estimated from the 13 or so days a quarter has of that
weekday. The pooled model replaces the saturated cell term by three main-effect blocks::

    log E[y] = a[series, weekday] + b[series, slot] + g[channel, weekday, slot]
               + b_me[series] * month_end + b_hol[series] * holiday

* ``a``: the level of each series on each weekday (branch x weekday);
* ``b``: the intraday profile of each series (branch x slot);
* ``g``: the weekday x slot interaction of the channel, shared by every branch (the
  Monday-morning shape of the bank, estimated from all branches at once);
* ``b_me``, ``b_hol``: the calendar multipliers of each series, as in the per-series
  model (0 where a flag is not estimable, see :func:`._batch_glm.make_batch`).

A series then has 7 + slots (+ 2) parameters instead of 7 x slots; the branch-specific
part of the weekday x slot interaction is what the pooled model gives up. The
parametrisation is redundant (a constant can move between the blocks); the fitted
means, and so every cell's log rate, are unique.

Fitting: maximum likelihood by block-coordinate ascent on the collapsed rows (the
sufficient statistics of :mod:`._batch_glm`). Each block is a partition of the rows
(a factor), so its update holding the others fixed needs only per-group sums
(``np.bincount``): for Poisson the exact block maximum ``d_g = log(sum_g y / sum_g
mu)`` (iterative proportional fitting); for NB2 at a fixed ``alpha`` one Newton step
per group, ``d_g = sum_g r / sum_g w`` with the score ``r`` and information ``w`` of
:func:`._batch_glm._newton_step`. The log-likelihood is concave, so the sweeps converge
to the maximum; they stop when no parameter moves by more than ``_TOL``. The NB2 fit
starts from the Poisson fit, ``alpha`` per series from the same Cameron-Trivedi moment
regression as the per-series model. The tests check the fitted means against a
statsmodels GLM with the same dummies.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bankperf_analysis.staffing._batch_glm import _Batch

#: Sweeps stop when no parameter moves by more than this (log scale).
_TOL = 1e-10
_MAX_SWEEPS = 2000
#: Largest move of one NB2 Newton step of a group (log scale).
_MAX_STEP = 1.0


@dataclass
class _Blocks:
    """Row -> group codes of the three factor blocks, and their numbers of groups."""

    codes: list[np.ndarray]
    sizes: list[int]


def make_blocks(b: _Batch, channel: np.ndarray, weekday: np.ndarray, slot: np.ndarray) -> _Blocks:
    """Group codes of ``a`` (series x weekday), ``b`` (series x slot) and ``g`` (channel x weekday x slot).

    ``channel`` is an integer code per series; ``weekday`` and ``slot`` are per row.
    """
    width = int(slot.max()) + 1 if len(slot) else 1
    keys = [
        b.series.astype(np.int64) * 7 + weekday,
        b.series.astype(np.int64) * width + slot,
        (channel[b.series].astype(np.int64) * 7 + weekday) * width + slot,
    ]
    codes, sizes = [], []
    for k in keys:
        uniq, inv = np.unique(k, return_inverse=True)
        codes.append(inv.astype(np.int64))
        sizes.append(len(uniq))
    return _Blocks(codes, sizes)


def _block_step(
    group: np.ndarray, size: int, m: np.ndarray | None, b: _Batch, mu: np.ndarray, alpha_row: np.ndarray
) -> np.ndarray:
    """The update of every group of one block (``m``: the covariate of a calendar block, else 1)."""
    nb = bool((alpha_row > 0).any())
    if not nb:
        ys = b.n * b.ybar if m is None else b.n * b.ybar * m
        ms = b.n * mu if m is None else b.n * mu * m
        num = np.bincount(group, weights=ys, minlength=size)
        den = np.bincount(group, weights=ms, minlength=size)
        with np.errstate(divide="ignore", invalid="ignore"):
            d = np.log(num / den)
        return np.where((num > 0) & (den > 0), d, 0.0)
    den1 = 1.0 + alpha_row * mu
    r = b.n * (b.ybar - mu) / den1
    w = b.n * mu * (1.0 + alpha_row * b.ybar) / den1**2
    if m is not None:
        r, w = r * m, w * m * m
    num = np.bincount(group, weights=r, minlength=size)
    den = np.bincount(group, weights=w, minlength=size)
    d = np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.0)
    return np.clip(d, -_MAX_STEP, _MAX_STEP)


def fit_pooled(
    b: _Batch,
    blocks: _Blocks,
    alpha: np.ndarray,
    c: np.ndarray | None = None,
    beta: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, bool]:
    """Maximum-likelihood pooled fit; ``alpha`` per series (0: Poisson).

    Starts from the cell log rates ``c`` and calendar coefficients ``beta`` (default:
    every cell at the log of the overall mean count, no calendar effect). Returns ``c``
    (per cell of ``b``), ``beta`` (series x 2) and whether the sweeps converged.
    """
    alpha_row = np.asarray(alpha, dtype=float)[b.series]
    if c is None:
        mean = float((b.n * b.ybar).sum() / b.n.sum()) if len(b.n) else 1.0
        base = np.full(len(b.n), np.log(max(mean, 1e-300)))
    else:
        base = c[b.cell].astype(float)
    beta = np.zeros((b.n_series, 2)) if beta is None else beta.astype(float)
    converged = False
    for _sweep in range(_MAX_SWEEPS):
        moved = 0.0
        for group, size in zip(blocks.codes, blocks.sizes, strict=True):
            eta = base + (b.x * beta[b.series]).sum(axis=1)
            d = _block_step(group, size, None, b, np.exp(eta), alpha_row)
            base += d[group]
            moved = max(moved, float(np.abs(d).max(initial=0.0)))
        for j in range(2):
            if not b.active[:, j].any():
                continue
            eta = base + (b.x * beta[b.series]).sum(axis=1)
            d = _block_step(b.series, b.n_series, b.x[:, j], b, np.exp(eta), alpha_row)
            d = np.where(b.active[:, j], d, 0.0)
            beta[:, j] += d
            moved = max(moved, float(np.abs(d).max(initial=0.0)))
        if moved < _TOL:
            converged = True
            break
    c_out = np.zeros(b.n_cells)
    c_out[b.cell] = base  # every row of a cell has the same cell part
    return c_out, beta, converged
