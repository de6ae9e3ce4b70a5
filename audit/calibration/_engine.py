"""Calibration by group from the fairness engine's count table.

The score cells of :class:`audit.fairness.GroupCounts` (per group, true label
and one of 100 equal-width score bins: rows, weight, squared weight and the
weighted sums of the score) hold everything a reliability curve needs: the
curve's bins are unions of those cells, so its numbers are exact for that
binning and ``n_bins=10`` reproduces the engine's ECE bins. What the fairness
engine already computes (``base_rate``, ``ece``, ``brier``, ``precision``,
``npv`` and their intervals) is read from its :class:`~audit.fairness.GroupMetrics`,
never computed a second time.
"""

from __future__ import annotations

from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd

from audit._frames import to_1d_array
from audit._inputs import (
    align_rows,
    binary_labels,
    check_ci,
    check_count,
    resolve_random_state,
)
from audit.calibration._result import GROUP_COLUMNS, CalibrationResult
from audit.calibration._settings import check_n_bins
from audit.errors import DataValidationError, InvalidParameterError
from audit.fairness import SCORE_BINS, VERDICT_INSUFFICIENT, VERDICT_OK, GroupMetrics, group_metrics

__all__ = [
    "calibration_by_group",
    "calibration_from_metrics",
    "check_threshold",
    "positive_scores",
    "scored_rows",
    "wilson_interval",
]

NO_SCORES = (
    "Calibration needs the group metrics of a binary classifier computed with y_score "
    "(group_metrics(..., y_score=...)); got a {task} result {what}."
)
BAD_SCORE_SHAPE = (
    "y_score must be 1-D (the probability of the positive class) or of shape (n, 2); "
    "got shape {shape}."
)
BAD_SCORE_DTYPE = "y_score must be numeric; got values of dtype {dtype}."
BAD_THRESHOLD = "threshold must be a number in [0, 1]; got {value!r}."
_FROM_GM = ("base_rate", "ece", "brier", "precision", "npv", "fpr", "fnr")
_STREAM = 0xCA1B  # this analysis' own stream of the seed (not the fairness bootstrap's)
_CHUNK = 2_000_000  # replicate x cell draws per chunk


def wilson_interval(
    rate: np.ndarray, n: np.ndarray, ci: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of a proportion ``rate`` observed on ``n`` rows.

    ``n`` may be an effective sample size (not an integer). NaN where ``n`` is 0
    or the rate is undefined.
    """
    z = NormalDist().inv_cdf((1 + ci) / 2)
    z2 = z * z
    with np.errstate(invalid="ignore", divide="ignore"):
        denom = 1 + z2 / n
        center = (rate + z2 / (2 * n)) / denom
        half = z / denom * np.sqrt(rate * (1 - rate) / n + z2 / (4 * n * n))
        low, high = center - half, center + half
    bad = ~(n > 0) | ~np.isfinite(rate)
    return np.where(bad, np.nan, np.clip(low, 0, 1)), np.where(bad, np.nan, np.clip(high, 0, 1))


def _effective(w: np.ndarray, w2: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(w2 > 0, w * w / np.where(w2 > 0, w2, 1.0), 0.0)


def _rng(random_state: Any) -> tuple[np.random.Generator, int | None]:
    seed = resolve_random_state(random_state, generators=True)
    if isinstance(seed, int):
        return np.random.default_rng(np.random.SeedSequence([seed, _STREAM])), seed
    return np.random.default_rng(seed), None


def _bootstrap_citl(
    cells: np.ndarray, ok: np.ndarray, weighted: bool, n_boot: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Replicates ``(n_boot, G)`` of the mean score and of calibration-in-the-large.

    A bootstrap stratified by group: each comparable group's rows are resampled
    (a multinomial draw of its score cells, label x 100 bins), the weight mass
    of the drawn rows moment-matched by a Gamma draw when weighted (as the
    fairness engine does) and each cell's score sum scaled with its mass. Other
    groups are NaN.
    """
    g = cells.shape[0]
    mean_rep = np.full((n_boot, g), np.nan)
    citl_rep = np.full((n_boot, g), np.nan)
    for k in np.flatnonzero(ok):
        flat = cells[k].reshape(-1, cells.shape[-1])  # (2 * SCORE_BINS, stats)
        keep = np.flatnonzero(flat[:, 0] > 0)
        n, w, w2, sws = flat[keep, 0], flat[keep, 1], flat[keep, 2], flat[keep, 3]
        positive = keep >= SCORE_BINS  # label 1 cells come second
        total = round(float(n.sum()))
        step = max(1, min(n_boot, _CHUNK // max(keep.size, 1)))
        for b0 in range(0, n_boot, step):
            b1 = min(b0 + step, n_boot)
            draws = rng.multinomial(total, n / n.sum(), size=b1 - b0).astype(np.float64)
            mass = draws
            if weighted:
                mu = w / n
                var = np.maximum(w2 / n - mu * mu, 0.0)
                mass = draws * mu
                random = (n > 1) & (var > 1e-12 * mu * mu) & (mu > 0)
                if random.any():
                    shape = draws[:, random] * (mu[random] ** 2 / var[random])
                    scale = np.broadcast_to(var[random] / mu[random], shape.shape)
                    mass[:, random] = rng.gamma(shape, scale)
            with np.errstate(invalid="ignore", divide="ignore"):
                factor = np.where(w > 0, mass / np.where(w > 0, w, 1.0), 0.0)
                w_r = mass.sum(axis=1)
                s_r = (factor * sws).sum(axis=1) / w_r
                y_r = mass[:, positive].sum(axis=1) / w_r
            mean_rep[b0:b1, k] = s_r
            citl_rep[b0:b1, k] = s_r - y_r
    return mean_rep, citl_rep


def calibration_from_metrics(
    gm: GroupMetrics,
    *,
    n_bins: int = 10,
    n_boot: int | None = None,
    random_state: Any = None,
) -> CalibrationResult:
    """Calibration by group from a binary :class:`~audit.fairness.GroupMetrics` with scores.

    This is the engine behind :func:`calibration_by_group` and the ``calibration``
    analyzer (which passes the audit's own group metrics, the fairness
    analyzer's, so the ECE, Brier score, PPV and NPV it shows are those
    numbers).

    Parameters
    ----------
    gm : GroupMetrics
        Group metrics of a binary classifier computed with ``y_score``.
    n_bins : int, default=10
        Equal-width bins of the reliability curves; one of
        :data:`audit.calibration.BIN_CHOICES`.
    n_boot : int, optional
        Bootstrap replicates of calibration-in-the-large (default: ``gm.n_boot``;
        0 = no intervals).
    random_state : int, numpy Generator or SeedSequence, optional
        Seed of this bootstrap; None draws a fresh one.

    Returns
    -------
    CalibrationResult

    Raises
    ------
    DataValidationError
        ``gm`` is not binary or was computed without scores.
    InvalidParameterError
        A setting out of range.
    """
    n_bins = check_n_bins(n_bins)
    n_boot = gm.n_boot if n_boot is None else check_count(n_boot, "n_boot")
    assert n_boot is not None
    counts = gm.counts
    cells = None if counts is None or gm.task != "binary" else counts.score_array()
    if cells is None:
        what = "without scores" if gm.task == "binary" else "(binary classification only)"
        raise DataValidationError(NO_SCORES.format(task=gm.task, what=what))
    rng, seed = _rng(random_state)
    g = cells.shape[0]
    index = gm.by_group.index
    # ------------------------------------------------------------- curves
    merged = cells.reshape(g, 2, n_bins, SCORE_BINS // n_bins, cells.shape[-1]).sum(axis=3)
    n_bin = merged[..., 0].sum(axis=1)
    w_bin = merged[..., 1].sum(axis=1)
    w2_bin = merged[..., 2].sum(axis=1)
    pos_bin = merged[:, 1, :, 1]
    sws_bin = merged[..., 3].sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_bin = np.where(w_bin > 0, sws_bin / np.where(w_bin > 0, w_bin, 1.0), np.nan)
        rate_bin = np.where(w_bin > 0, pos_bin / np.where(w_bin > 0, w_bin, 1.0), np.nan)
    low_bin, high_bin = wilson_interval(rate_bin, _effective(w_bin, w2_bin), gm.ci)
    edges = np.arange(n_bins + 1) / n_bins
    curves = pd.DataFrame(
        {
            "bin": np.tile(np.arange(n_bins), g),
            "bin_low": np.tile(edges[:-1], g),
            "bin_high": np.tile(edges[1:], g),
            "count": n_bin.ravel().astype(np.int64),
            "mean_score": mean_bin.ravel(),
            "observed_rate": rate_bin.ravel(),
            "ci_low": low_bin.ravel(),
            "ci_high": high_bin.ravel(),
        },
        index=index.repeat(n_bins),
    )
    # ------------------------------------------------------------- per group
    w_g = w_bin.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_score = np.where(w_g > 0, sws_bin.sum(axis=1) / np.where(w_g > 0, w_g, 1.0), np.nan)
    base_rate = gm.by_group["base_rate"].to_numpy(dtype=float)
    by_group = pd.DataFrame(
        {
            "count": gm.by_group["count"].to_numpy(),
            "share": gm.by_group["share"].to_numpy(dtype=float),
            "mean_score": mean_score,
            "observed_rate": base_rate,
            "calibration_in_the_large": mean_score - base_rate,
            **{m: gm.by_group[m].to_numpy(dtype=float) for m in _FROM_GM if m != "base_rate"},
        },
        index=index,
    )[list(GROUP_COLUMNS)]
    verdicts = pd.DataFrame(VERDICT_INSUFFICIENT, index=index, columns=list(GROUP_COLUMNS))
    rows_verdict = gm.verdicts["brier"].to_numpy()
    for col in ("count", "share", "mean_score", "calibration_in_the_large"):
        verdicts[col] = rows_verdict
    verdicts["observed_rate"] = gm.verdicts["base_rate"].to_numpy()
    for col in _FROM_GM[1:]:
        verdicts[col] = gm.verdicts[col].to_numpy()
    ok = (rows_verdict == VERDICT_OK) & np.isfinite(by_group["calibration_in_the_large"].to_numpy())
    ci_low = pd.DataFrame(np.nan, index=index, columns=list(GROUP_COLUMNS))
    ci_high = ci_low.copy()
    replicates = None
    if n_boot > 0:
        mean_rep, citl_rep = _bootstrap_citl(cells, ok, bool(counts.weighted), n_boot, rng)
        alpha = (1 - gm.ci) / 2
        for col, rep in (("mean_score", mean_rep), ("calibration_in_the_large", citl_rep)):
            with np.errstate(invalid="ignore"):
                lo, hi = np.full(g, np.nan), np.full(g, np.nan)
                if ok.any():
                    lo[ok], hi[ok] = np.nanquantile(rep[:, ok], [alpha, 1 - alpha], axis=0)
            ci_low[col], ci_high[col] = lo, hi
        replicates = citl_rep
    if gm.ci_low is not None and gm.ci_high is not None:
        for m in _FROM_GM:
            col = "observed_rate" if m == "base_rate" else m
            ci_low[col] = gm.ci_low[m].to_numpy(dtype=float)
            ci_high[col] = gm.ci_high[m].to_numpy(dtype=float)
    total_w = float(w_g.sum())
    overall_mean = float(sws_bin.sum() / total_w) if total_w > 0 else np.nan
    overall = pd.Series(
        {
            "count": float(gm.overall["count"]),
            "share": 1.0,
            "mean_score": overall_mean,
            "observed_rate": float(gm.overall["base_rate"]),
            "calibration_in_the_large": overall_mean - float(gm.overall["base_rate"]),
            **{m: float(gm.overall[m]) for m in _FROM_GM[1:]},
        },
        name="overall",
    )
    return CalibrationResult(
        by_group=by_group,
        ci_low=ci_low,
        ci_high=ci_high,
        verdicts=verdicts,
        overall=overall,
        curves=curves,
        sensitive_names=gm.sensitive_names,
        group_labels=tuple(gm.group_labels()),
        n_bins=n_bins,
        n_boot=int(n_boot),
        ci=gm.ci,
        min_count=gm.min_count,
        random_state=seed,
        _citl_replicates=replicates,
    )


def positive_scores(y_score: Any) -> np.ndarray:
    """The positive-class score as a 1-D float array (column 1 of an ``(n, 2)`` input).

    Range and missing values are checked by :func:`audit.fairness.group_metrics`.
    """
    if isinstance(y_score, pd.DataFrame) or (isinstance(y_score, np.ndarray) and y_score.ndim == 2):
        arr = np.asarray(y_score)
        if arr.ndim != 2 or arr.shape[1] != 2:
            raise DataValidationError(BAD_SCORE_SHAPE.format(shape=arr.shape))
        arr = arr[:, 1]
    else:
        try:
            arr = to_1d_array(y_score, what="y_score")
        except DataValidationError:
            arr = np.asarray(y_score)
            if arr.ndim == 2 and arr.shape[1] == 2:
                arr = arr[:, 1]
            else:
                raise DataValidationError(BAD_SCORE_SHAPE.format(shape=arr.shape)) from None
    if arr.dtype.kind not in "biuf":
        raise DataValidationError(BAD_SCORE_DTYPE.format(dtype=arr.dtype))
    return np.asarray(arr, dtype=np.float64)


def scored_rows(
    y_true: Any,
    y_score: Any,
    sensitive_features: Any,
    sample_weight: Any,
    pos_label: Any,
    threshold: Any,
) -> tuple[dict[str, Any], np.ndarray, np.ndarray, np.ndarray]:
    """The rows of a binary scorer, validated once for calibration and threshold trade-offs.

    Aligns the pandas inputs, turns ``y_true`` into 0/1 labels of ``pos_label``,
    checks the positive-class scores, and thresholds them into predictions.

    Returns
    -------
    tuple
        ``(aligned inputs, y01, score, y_pred)``.
    """
    threshold = check_threshold(threshold)
    aligned = align_rows(
        {
            "y_true": y_true,
            "y_score": y_score,
            "sensitive_features": sensitive_features,
            "sample_weight": sample_weight,
        }
    )
    y01 = binary_labels(aligned["y_true"], pos_label=pos_label)
    score = positive_scores(aligned["y_score"])
    with np.errstate(invalid="ignore"):
        y_pred = (score > threshold).astype(np.int8)
    return aligned, y01, score, y_pred


def check_threshold(value: Any) -> float:
    """Validate a score threshold: a number in [0, 1]."""
    import numbers

    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 <= float(value) <= 1:
        raise InvalidParameterError(BAD_THRESHOLD.format(value=value))
    return float(value)


def calibration_by_group(
    y_true: Any,
    y_score: Any,
    *,
    sensitive_features: Any,
    sample_weight: Any = None,
    pos_label: Any = None,
    threshold: float = 0.5,
    n_bins: int = 10,
    n_boot: int = 1000,
    ci: float = 0.95,
    random_state: Any = None,
    min_count: int = 30,
) -> CalibrationResult:
    """Calibration of a binary scorer per group: reliability curves, gaps, ECE, Brier, PPV, NPV.

    Parameters
    ----------
    y_true : array-like of shape (n,)
        True labels: 0/1, -1/1, booleans, or two labels with ``pos_label``.
    y_score : array-like of shape (n,) or (n, 2)
        Probability of the positive class (``predict_proba(X)[:, 1]``).
    sensitive_features : array-like, dict of array-like, or DataFrame
        One sensitive feature or several (their intersections are the groups),
        as in :func:`audit.fairness.group_metrics`.
    sample_weight : array-like of shape (n,), optional
        Non-negative row weights.
    pos_label : scalar, optional
        The positive label when the labels are not 0/1.
    threshold : float, default=0.5
        PPV and NPV are those of the predictions ``y_score > threshold`` (what a
        scikit-learn binary classifier's ``predict`` returns at 0.5).
    n_bins : int, default=10
        Equal-width reliability bins; one of :data:`audit.calibration.BIN_CHOICES`.
    n_boot : int, default=1000
        Bootstrap replicates (0 = no intervals).
    ci : float, default=0.95
        Confidence level of every interval.
    random_state : int, numpy Generator or SeedSequence, optional
        Seed of the bootstraps; None draws a fresh one.
    min_count : int, default=30
        A group with fewer rows (effective size when weighted) is "insufficient
        evidence": shown, never compared.

    Returns
    -------
    CalibrationResult

    Examples
    --------
    >>> import numpy as np
    >>> from audit.calibration import calibration_by_group
    >>> rng = np.random.default_rng(0)
    >>> s = rng.uniform(size=400)
    >>> y = (rng.uniform(size=400) < s).astype(int)
    >>> res = calibration_by_group(y, s, sensitive_features=np.repeat(["a", "b"], 200),
    ...                            n_boot=0)
    >>> list(res.by_group.index)
    ['a', 'b']
    """
    n_bins = check_n_bins(n_bins)
    check_count(n_boot, "n_boot")
    check_ci(ci)
    check_count(min_count, "min_count")
    seed = resolve_random_state(random_state, generators=True)
    aligned, y01, score, y_pred = scored_rows(
        y_true, y_score, sensitive_features, sample_weight, pos_label, threshold
    )
    gm = group_metrics(
        y01,
        y_pred,
        sensitive_features=aligned["sensitive_features"],
        y_score=score,
        sample_weight=aligned["sample_weight"],
        n_boot=n_boot,
        ci=ci,
        random_state=seed,
        min_count=min_count,
        task="binary",
    )
    return calibration_from_metrics(gm, n_bins=n_bins, n_boot=n_boot, random_state=seed)
