"""Bootstrap replicates drawn from the count table, not from the rows.

Resampling n rows with replacement and counting them per cell (group x true
label x prediction) gives exactly a draw of ``Multinomial(n, counts / n)``
over the flattened table; so B replicates cost O(cells x B), whatever n is.

* **Unweighted classification**: exact — the replicate counts have the same
  distribution as the counts of a row bootstrap.
* **Weighted classification**: the number of rows drawn from each cell is the
  same multinomial (of row counts); the weight mass those ``k`` rows carry is
  drawn from a Gamma distribution with the mean and variance of a sum of
  ``k`` weights drawn from that cell (``k * mean`` and ``k * var``, from the
  cell's sum of weights and sum of squared weights). Exact when the weights
  within a cell are equal, a moment match otherwise.
* **Scores** (AUC, Brier, ECE): a multinomial over the cells (group x label
  x score bin) of :attr:`GroupCounts.score_cells`, each cell's sums scaled
  by its drawn mass. AUC replicates are computed with tied bins and shifted
  by the binning error of the point estimate, so they are centred on the
  exact AUC.
* **Regression**: the rows drawn per group are multinomial; the sums those
  rows carry are drawn from the normal distribution with the mean and
  covariance of a sum of that many rows of the group (central limit theorem,
  from the first and second moments kept in the table). Approximate for very
  small groups, which are "insufficient evidence" anyway.

Replicates where a group receives no rows give NaN for that group, as in a
row bootstrap; percentile intervals ignore NaN replicates.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from audit.fairness._counts import MOMENTS, GroupCounts
from audit.fairness._metrics import (
    REGRESSION_SUMS,
    regression_metrics,
    regression_overall,
    score_metrics,
)

__all__ = ["Replicates", "bootstrap", "percentile_interval"]

# replicates per chunk are limited so that a chunk of cell draws stays small
_CHUNK_CELLS = 100_000


@dataclass(frozen=True)
class Replicates:
    """Bootstrap replicates of every metric.

    Attributes
    ----------
    by_group : ndarray of shape (B, G, M)
        Metric values per replicate, group and metric (metric order given
        by ``metrics``).
    overall : ndarray of shape (B, M)
        Overall metric values per replicate.
    metrics : tuple of str
        Metric names.
    """

    by_group: np.ndarray
    overall: np.ndarray
    metrics: tuple[str, ...]


def percentile_interval(
    values: np.ndarray, ci: float, axis: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval at level ``ci`` along ``axis``, ignoring NaN replicates."""
    alpha = (1 - ci) / 2
    with np.errstate(invalid="ignore"), _quiet():
        if np.isnan(values).any():
            low, high = np.nanquantile(values, [alpha, 1 - alpha], axis=axis)
        else:
            low, high = np.quantile(values, [alpha, 1 - alpha], axis=axis)
    return low, high


@contextmanager
def _quiet() -> Iterator[None]:
    """Silence the all-NaN RuntimeWarnings of nan-aware reductions."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def _chunks(n_boot: int, n_cells: int) -> list[tuple[int, int]]:
    step = max(1, min(n_boot, _CHUNK_CELLS // max(n_cells, 1)))
    return [(b, min(b + step, n_boot)) for b in range(0, n_boot, step)]


def _draw(
    rng: np.random.Generator,
    n: np.ndarray,
    size: int,
) -> np.ndarray:
    """Row counts per cell of ``size`` replicates: Multinomial(N, n / N)."""
    total = int(np.rint(n.sum()))
    nonzero = np.flatnonzero(n > 0)
    out = np.zeros((size, n.size), dtype=np.float64)
    if nonzero.size:
        p = n[nonzero] / n[nonzero].sum()
        out[:, nonzero] = rng.multinomial(total, p, size=size)
    return out


def _mass(
    rng: np.random.Generator,
    draws: np.ndarray,
    n: np.ndarray,
    w: np.ndarray,
    w2: np.ndarray,
) -> np.ndarray:
    """Weight mass carried by ``draws`` rows of each cell (Gamma moment match)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        mu = np.where(n > 0, w / np.where(n > 0, n, 1), 0.0)
        var = np.where(n > 0, w2 / np.where(n > 0, n, 1) - mu * mu, 0.0)
    var = np.maximum(var, 0.0)
    mass = draws * mu
    random = (n > 1) & (var > 1e-12 * mu * mu) & (mu > 0)
    if random.any():
        idx = np.flatnonzero(random)
        shape = draws[:, idx] * (mu[idx] ** 2 / var[idx])
        scale = np.broadcast_to(var[idx] / mu[idx], shape.shape)
        mass[:, idx] = rng.gamma(shape, scale)
    return mass


def _classification(
    counts: GroupCounts,
    rng: np.random.Generator,
    n_boot: int,
    metric_fn: Callable[[np.ndarray], dict[str, np.ndarray]],
    names: tuple[str, ...],
) -> tuple[np.ndarray, np.ndarray]:
    n, w, w2 = counts.cell_counts()
    g, c = n.shape
    by_group = np.empty((n_boot, g, len(names)))
    overall = np.empty((n_boot, len(names)))
    n_flat, w_flat, w2_flat = n.ravel(), w.ravel(), w2.ravel()
    for b0, b1 in _chunks(n_boot, n_flat.size):
        draws = _draw(rng, n_flat, b1 - b0)
        mass = _mass(rng, draws, n_flat, w_flat, w2_flat) if counts.weighted else draws
        cells = mass.reshape(b1 - b0, g, c)
        per = metric_fn(cells)
        tot = metric_fn(cells.sum(axis=1)[:, None, :])
        for j, name in enumerate(names):
            by_group[b0:b1, :, j] = per[name]
            overall[b0:b1, j] = tot[name][:, 0]
    return by_group, overall


def _scores(
    counts: GroupCounts,
    rng: np.random.Generator,
    n_boot: int,
    auc_shift: np.ndarray,
    auc_shift_overall: float,
) -> tuple[np.ndarray, np.ndarray]:
    cells = counts.score_array()
    assert cells is not None
    g = cells.shape[0]
    flat = cells.reshape(-1, cells.shape[-1])
    n, w, w2 = flat[:, 0], flat[:, 1], flat[:, 2]
    names = ("auc", "brier", "ece")
    by_group = np.empty((n_boot, g, 3))
    overall = np.empty((n_boot, 3))
    for b0, b1 in _chunks(n_boot, n.size):
        draws = _draw(rng, n, b1 - b0)
        mass = _mass(rng, draws, n, w, w2) if counts.weighted else draws
        with np.errstate(invalid="ignore", divide="ignore"):
            factor = np.where(w > 0, mass / np.where(w > 0, w, 1), 0.0)
        rep = np.empty((b1 - b0, *flat.shape))
        rep[..., 0] = draws
        rep[..., 1] = mass
        rep[..., 2] = 0.0  # not needed by the metrics
        rep[..., 3] = factor * flat[:, 3]
        rep[..., 4] = factor * flat[:, 4]
        rep = rep.reshape(b1 - b0, *cells.shape)
        per = score_metrics(rep)
        tot = score_metrics(rep.sum(axis=1))
        for j, name in enumerate(names):
            by_group[b0:b1, :, j] = per[name]
            overall[b0:b1, j] = tot[name]
    by_group[:, :, 0] += auc_shift
    overall[:, 0] += auc_shift_overall
    return by_group, overall


def _regression(
    counts: GroupCounts,
    rng: np.random.Generator,
    n_boot: int,
    zero_division: float,
    names: tuple[str, ...],
) -> tuple[np.ndarray, np.ndarray]:
    t = counts.table
    n = t["n"].to_numpy(dtype=np.float64)
    w = t["w"].to_numpy(dtype=np.float64)
    g = n.size
    d = len(MOMENTS)
    stat = {name: t[name].to_numpy(dtype=np.float64) for name in REGRESSION_SUMS}
    with np.errstate(invalid="ignore", divide="ignore"):
        safe_w = np.where(w > 0, w, 1.0)
        # group means of y, pred and y - pred, less the shifts (small numbers)
        off_y = np.where(w > 0, stat["sum_y_shifted"] / safe_w, 0.0)
        off_p = np.where(w > 0, stat["sum_pred_shifted"] / safe_w, 0.0)
        mean_e = np.where(w > 0, stat["sum_err"] / safe_w, 0.0)
    constant = stat["ss_y"] == 0  # every resample of constant targets is constant
    # first moments of u = w * (1, yc, pc, |e|, e^2, yc^2); yc and pc are centred
    s = np.column_stack(
        [w, np.zeros(g), np.zeros(g), stat["sum_abs_err"], stat["sum_sq_err"], stat["ss_y"]]
    )
    q = np.empty((g, d, d))
    for a_i, a in enumerate(MOMENTS):
        for b_i in range(a_i, d):
            col = t[f"m2_{a}_{MOMENTS[b_i]}"].to_numpy(dtype=np.float64)
            q[:, a_i, b_i] = col
            q[:, b_i, a_i] = col
    safe_n = np.where(n > 0, n, 1.0)
    mu = s / safe_n[:, None]
    cov = q / safe_n[:, None, None] - mu[:, :, None] * mu[:, None, :]
    cov = (cov + np.swapaxes(cov, 1, 2)) / 2
    eigval, eigvec = np.linalg.eigh(cov)
    # the symmetric square root V sqrt(L) V^T (cov = root @ root.T): unique, so it is a
    # continuous function of the table. V sqrt(L) alone is not (an eigenvector's sign, or
    # its direction within a repeated eigenvalue, may flip with the last bit of a sum), and
    # the same counts summed in another order would give other intervals.
    # Eigenvalues within rounding of 0 (e.g. the variance of the unit weight, or of a
    # centred sum) are 0: their square roots would turn last-bit noise into 1e-8 noise.
    tiny = 1e-12 * np.abs(eigval).max(axis=1, keepdims=True)
    eigval = np.where(eigval > tiny, eigval, 0.0)
    root = np.einsum("gij,gj,gkj->gik", eigvec, np.sqrt(eigval), eigvec)

    by_group = np.empty((n_boot, g, len(names)))
    overall = np.empty((n_boot, len(names)))
    for b0, b1 in _chunks(n_boot, g * d):
        b = b1 - b0
        k = _draw(rng, n, b)  # (b, g)
        z = rng.standard_normal((b, g, d))
        noise = np.einsum("gij,bgj->bgi", root, z)
        sums = k[..., None] * mu + np.sqrt(k)[..., None] * noise
        for j in (0, 3, 4, 5):  # sums of non-negative quantities
            sums[..., j] = np.maximum(sums[..., j], 0.0)
        sums[k == 0] = 0.0
        sums[:, constant, 1] = 0.0  # no rounding noise: R² stays degenerate
        sums[:, constant, 5] = 0.0
        w_r, yc_r, pc_r, ae_r, se_r, yc2_r = (sums[..., j] for j in range(d))
        with np.errstate(invalid="ignore", divide="ignore"):
            ss_y = np.maximum(yc2_r - np.where(w_r > 0, yc_r**2 / np.where(w_r > 0, w_r, 1), 0), 0)
        reg = np.stack(
            [
                k,
                w_r,
                np.broadcast_to(stat["shift_y"], k.shape),
                np.broadcast_to(stat["shift_pred"], k.shape),
                yc_r + off_y * w_r,
                pc_r + off_p * w_r,
                yc_r - pc_r + mean_e * w_r,
                ae_r,
                se_r,
                ss_y,
            ],
            axis=-1,
        )
        per = regression_metrics(reg, zero_division)
        tot = regression_metrics(regression_overall(reg), zero_division)
        for j, name in enumerate(names):
            by_group[b0:b1, :, j] = per[name]
            overall[b0:b1, j] = tot[name]
    return by_group, overall


def bootstrap(
    counts: GroupCounts,
    *,
    n_boot: int,
    rng: np.random.Generator,
    classification_fn: Callable[[np.ndarray], dict[str, np.ndarray]] | None,
    classification_names: tuple[str, ...],
    zero_division: float,
    auc_shift: np.ndarray | None = None,
    auc_shift_overall: float = 0.0,
) -> Replicates:
    """Draw ``n_boot`` replicates of every metric from ``counts``.

    Parameters
    ----------
    counts : GroupCounts
        The per-group sufficient statistics.
    n_boot : int
        Number of replicates.
    rng : numpy.random.Generator
        Source of randomness (the caller seeds it from ``random_state``).
    classification_fn : callable, optional
        Maps cell counts ``(..., G, cells)`` to a dict of metric arrays.
    classification_names : tuple of str
        The metrics of ``classification_fn`` to keep, or the regression metrics.
    zero_division : float
        Value of 0/0 rates (NaN by default).
    auc_shift, auc_shift_overall : optional
        Exact minus binned AUC of the point estimate, per group and overall.
    """
    parts_g: list[np.ndarray] = []
    parts_o: list[np.ndarray] = []
    names: list[str] = []
    if counts.task == "regression":
        bg, ov = _regression(counts, rng, n_boot, zero_division, classification_names)
    else:
        assert classification_fn is not None
        bg, ov = _classification(counts, rng, n_boot, classification_fn, classification_names)
    parts_g.append(bg)
    parts_o.append(ov)
    names.extend(classification_names)
    if counts.score_cells is not None:
        shift = np.zeros(counts.n_groups) if auc_shift is None else np.nan_to_num(auc_shift)
        bg, ov = _scores(counts, rng, n_boot, shift, float(np.nan_to_num(auc_shift_overall)))
        parts_g.append(bg)
        parts_o.append(ov)
        names.extend(("auc", "brier", "ece"))
    return Replicates(
        by_group=np.concatenate(parts_g, axis=2),
        overall=np.concatenate(parts_o, axis=1),
        metrics=tuple(names),
    )
