"""Custom metrics ``f(y_true, y_pred)`` per group, through fairlearn's MetricFrame.

This is the general, slower path: each metric is called once per group (and
once per group and bootstrap replicate, on resampled rows). Groups are the
same integer codes as the fast path, so the result lines up with it. fairlearn
is imported only here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from audit.errors import DataValidationError
from audit.fairness._engine import _BAD_METRICS, _check_settings, _rng
from audit.fairness._group_metrics import VERDICT_INSUFFICIENT, VERDICT_OK, GroupMetrics
from audit.fairness._groups import EncodedGroups, encode_groups
from audit.fairness._inputs import as_1d, check_lengths, prepare_weights

__all__ = ["custom_group_metrics", "add_custom_metrics"]

_NO_METRICS = "metrics must name at least one metric; got an empty dict."


def _metric_frame(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    groups: EncodedGroups,
    metrics: Mapping[str, Callable[..., Any]],
    sample_weight: np.ndarray | None,
    n_boot: int,
    ci: float,
    random_state: Any,
) -> tuple[pd.DataFrame, pd.Series, list[pd.DataFrame] | None, list[pd.Series] | None]:
    from fairlearn.metrics import MetricFrame

    sample_params = None
    if sample_weight is not None:
        sample_params = {name: {"sample_weight": sample_weight} for name in metrics}
    boot: dict[str, Any] = {}
    if n_boot > 0:
        alpha = (1 - ci) / 2
        seed = int(_rng(random_state).integers(2**31 - 1))
        boot = {"n_boot": int(n_boot), "ci_quantiles": [alpha, 1 - alpha], "random_state": seed}
    frame = MetricFrame(
        metrics=dict(metrics),
        y_true=y_true,
        y_pred=y_pred,
        sensitive_features=pd.Series(groups.codes, name="group"),
        sample_params=sample_params,
        **boot,
    )
    positions = pd.RangeIndex(groups.n_groups)

    def align(table: pd.DataFrame) -> pd.DataFrame:
        out = table.reindex(positions)
        out.index = groups.index
        return out

    by_group = align(frame.by_group)
    overall = frame.overall
    if n_boot > 0:
        return (
            by_group,
            overall,
            [align(t) for t in frame.by_group_ci],
            list(frame.overall_ci),
        )
    return by_group, overall, None, None


def add_custom_metrics(
    gm: GroupMetrics,
    y_true: Any,
    y_pred: Any,
    *,
    groups: EncodedGroups,
    metrics: Mapping[str, Callable[..., Any]],
    sample_weight: np.ndarray | None,
    n_boot: int,
    ci: float,
    random_state: Any,
) -> GroupMetrics:
    """Return ``gm`` with the custom metrics added as columns (verdicts by row count)."""
    yt = as_1d(y_true, what="y_true")
    yp = as_1d(y_pred, what="y_pred")
    by_group, overall, group_ci, overall_ci = _metric_frame(
        yt, yp, groups, metrics, sample_weight, n_boot, ci, random_state
    )
    names = list(metrics)
    new_by_group = gm.by_group.copy()
    new_overall = gm.overall.copy()
    denominators = gm.denominators.copy()
    verdicts = gm.verdicts.copy()
    for name in names:
        new_by_group[name] = pd.to_numeric(by_group[name], errors="coerce")
        new_overall[name] = pd.to_numeric(pd.Series([overall[name]]), errors="coerce").iloc[0]
        denominators[name] = gm.denominators["count"]
        verdicts[name] = gm.verdicts["count"]
    changes: dict[str, Any] = {
        "by_group": new_by_group,
        "overall": new_overall,
        "denominators": denominators,
        "verdicts": verdicts,
    }
    if group_ci is not None and overall_ci is not None:
        empty = pd.DataFrame(index=gm.by_group.index)
        low = empty.copy() if gm.ci_low is None else gm.ci_low.copy()
        high = empty.copy() if gm.ci_high is None else gm.ci_high.copy()
        olow = pd.Series(dtype=float) if gm.overall_ci_low is None else gm.overall_ci_low.copy()
        ohigh = pd.Series(dtype=float) if gm.overall_ci_high is None else gm.overall_ci_high.copy()
        for name in names:
            low[name] = pd.to_numeric(group_ci[0][name], errors="coerce")
            high[name] = pd.to_numeric(group_ci[1][name], errors="coerce")
            olow[name] = overall_ci[0][name]
            ohigh[name] = overall_ci[1][name]
        changes.update(ci_low=low, ci_high=high, overall_ci_low=olow, overall_ci_high=ohigh)
    return dataclasses.replace(gm, **changes)


def custom_group_metrics(
    y_true: Any,
    y_pred: Any,
    *,
    sensitive_features: Any,
    metrics: Mapping[str, Callable[..., Any]],
    sample_weight: Any = None,
    n_boot: int = 0,
    ci: float = 0.95,
    random_state: Any = None,
    min_count: int = 30,
    missing: str = "error",
) -> GroupMetrics:
    """Any metrics ``f(y_true, y_pred)`` per group, through fairlearn's MetricFrame.

    The general, slower path for metrics that are not functions of the count
    table. ``y_true`` / ``y_pred`` are passed to each ``f`` as they are (any
    labels); with ``sample_weight`` each ``f`` is called with
    ``sample_weight=`` as well.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n,)
        True labels and predictions.
    sensitive_features : array-like, dict of array-like, or DataFrame
        One sensitive feature, or several (intersectional groups).
    metrics : dict of str to callable
        Metric name to function.
    sample_weight : array-like of shape (n,), optional
        Non-negative weights passed to every metric.
    n_boot : int, default=0
        Row-resampling bootstrap replicates (fairlearn's; slow).
    ci : float, default=0.95
        Confidence level.
    random_state : int, optional
        Seed of the bootstrap.
    min_count : int, default=30
        Groups with fewer rows get the verdict "insufficient evidence".
    missing : {"error", "group"}, default="error"
        A missing sensitive value raises, or forms its own ``"<missing>"`` group.

    Returns
    -------
    GroupMetrics
        With ``task="custom"``; ``by_group`` has ``count``, ``share`` and one
        column per metric. Differences and ratios work as for the fast path;
        interval methods of differences need the fast path's replicates and
        give NaN for custom metrics.
    """
    zero_division = _check_settings(n_boot, ci, min_count, np.nan)
    if not isinstance(metrics, Mapping) or not all(callable(f) for f in metrics.values()):
        raise DataValidationError(_BAD_METRICS.format(kind=type(metrics).__name__))
    if not metrics:
        raise DataValidationError(_NO_METRICS)
    _rng(random_state)
    yt = as_1d(y_true, what="y_true")
    yp = as_1d(y_pred, what="y_pred")
    w_raw = None if sample_weight is None else as_1d(sample_weight, what="sample_weight")
    n_rows = check_lengths(y_true=yt, y_pred=yp, sample_weight=w_raw)
    groups = encode_groups(sensitive_features, missing=missing, n_rows=n_rows)  # type: ignore[arg-type]
    weights = prepare_weights(w_raw, n_rows)
    g = groups.n_groups
    n = np.bincount(groups.codes, minlength=g).astype(np.float64)
    w = n if weights is None else np.bincount(groups.codes, weights=weights, minlength=g)
    by_group = pd.DataFrame({"count": n.astype(np.int64), "share": w / w.sum()}, index=groups.index)
    denominators = pd.DataFrame({"count": n, "share": n}, index=groups.index)
    ok = np.where(n >= max(min_count, 1), VERDICT_OK, VERDICT_INSUFFICIENT)
    verdicts = pd.DataFrame({"count": ok, "share": ok}, index=groups.index)
    base = GroupMetrics(
        task="custom",
        by_group=by_group,
        overall=pd.Series({"count": float(n.sum()), "share": 1.0}, name="overall"),
        denominators=denominators,
        verdicts=verdicts,
        counts=None,
        min_count=int(min_count),
        zero_division=zero_division,
        n_boot=int(n_boot),
        ci=float(ci),
        random_state=int(random_state) if isinstance(random_state, int) else None,
    )
    return add_custom_metrics(
        base,
        yt,
        yp,
        groups=groups,
        metrics=metrics,
        sample_weight=weights,
        n_boot=int(n_boot),
        ci=float(ci),
        random_state=random_state,
    )
