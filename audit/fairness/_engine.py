"""group_metrics: counts once, then metrics, verdicts and bootstrap from the counts."""

from __future__ import annotations

import numbers
from collections.abc import Callable, Hashable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from audit._inputs import align_rows, check_ci, check_count, resolve_random_state
from audit.errors import DataValidationError, InvalidParameterError
from audit.fairness._bootstrap import Replicates, bootstrap, percentile_interval
from audit.fairness._counts import GroupCounts, count_prepared, prepare_inputs
from audit.fairness._group_metrics import VERDICT_INSUFFICIENT, VERDICT_OK, GroupMetrics
from audit.fairness._metrics import (
    REGRESSION_METRICS,
    REGRESSION_SUMS,
    binary_denominators,
    binary_metrics,
    effective_size,
    multiclass_denominators,
    multiclass_metrics,
    regression_metrics,
    regression_overall,
    score_metrics,
)

__all__ = ["group_metrics", "metrics_from_counts"]

_BAD_ZERO_DIVISION = "zero_division must be a number or NaN; got {value!r}."
_BAD_METRICS = "metrics must be a dict mapping names to callables f(y_true, y_pred); got {kind}."
_METRIC_NAME_CLASH = (
    "Custom metric name {name!r} is already a built-in metric; choose another name."
)


def _check_settings(n_boot: Any, ci: Any, min_count: Any, zero_division: Any) -> float:
    """Validate the settings (shared validators of :mod:`audit._inputs`); return zero_division."""
    check_count(n_boot, "n_boot")
    check_ci(ci)
    check_count(min_count, "min_count")
    if isinstance(zero_division, bool) or not isinstance(zero_division, numbers.Real):
        raise InvalidParameterError(_BAD_ZERO_DIVISION.format(value=zero_division))
    return float(zero_division)


def _rng(random_state: Any) -> np.random.Generator:
    """The bootstrap's generator; ``None`` means fresh OS entropy."""
    return np.random.default_rng(resolve_random_state(random_state, generators=True))


def _point(counts: GroupCounts, zero_division: float) -> tuple[dict, dict, dict, dict]:
    """Metric arrays per group and overall, denominators, and score-AUC shifts."""
    t = counts.table
    extra: dict[str, Any] = {}
    if counts.task == "regression":
        sums = t[list(REGRESSION_SUMS)].to_numpy(dtype=np.float64)
        per = regression_metrics(sums, zero_division)
        tot = {
            k: v[0]
            for k, v in regression_metrics(regression_overall(sums[None]), zero_division).items()
        }
        n = t["n"].to_numpy(dtype=np.float64)
        n_overall = float(n.sum())
        if counts.weighted:  # effective sample size: rows of weight 0 are no evidence
            w, w2 = t["w"].to_numpy(np.float64), t["m2_w_w"].to_numpy(np.float64)
            n, n_overall = effective_size(w, w2), float(effective_size(w.sum(), w2.sum()))
        dens = {m: n for m in REGRESSION_METRICS}
        dens_overall = {m: n_overall for m in REGRESSION_METRICS}
        return per, tot, {"by_group": dens, "overall": dens_overall}, extra
    n_cells, w_cells, w2_cells = counts.cell_counts()
    # evidence: rows, or the effective sample size (Σw)²/Σw² when weighted
    ws = (w_cells, w2_cells) if counts.weighted else (None, None)
    ws_overall = (
        (w_cells.sum(axis=0)[None], w2_cells.sum(axis=0)[None]) if counts.weighted else (None, None)
    )
    if counts.task == "binary":
        per = binary_metrics(w_cells, zero_division)
        tot = {k: v[0] for k, v in binary_metrics(w_cells.sum(axis=0)[None], zero_division).items()}
        dens = binary_denominators(n_cells, *ws)
        dens_overall = {
            k: v[0] for k, v in binary_denominators(n_cells.sum(axis=0)[None], *ws_overall).items()
        }
    else:
        per = multiclass_metrics(w_cells, counts.classes, zero_division)
        tot = {
            k: v[0]
            for k, v in multiclass_metrics(
                w_cells.sum(axis=0)[None], counts.classes, zero_division
            ).items()
        }
        dens = multiclass_denominators(n_cells, counts.classes, *ws)
        dens_overall = {
            k: v[0]
            for k, v in multiclass_denominators(
                n_cells.sum(axis=0)[None], counts.classes, *ws_overall
            ).items()
        }
    cells = counts.score_array()
    if cells is not None:
        binned = score_metrics(cells)
        binned_overall = score_metrics(cells.sum(axis=0)[None])
        pos = w_cells[:, 2] + w_cells[:, 3]
        neg = w_cells[:, 0] + w_cells[:, 1]
        with np.errstate(invalid="ignore", divide="ignore"):
            auc = t["auc_u"].to_numpy() / (pos * neg)
            auc_overall = counts.overall_auc_u / (pos.sum() * neg.sum())
        per.update(auc=auc, brier=binned["brier"], ece=binned["ece"])
        tot.update(auc=auc_overall, brier=binned_overall["brier"][0], ece=binned_overall["ece"][0])
        extra["auc_shift"] = auc - binned["auc"]
        extra["auc_shift_overall"] = auc_overall - binned_overall["auc"][0]
    return per, tot, {"by_group": dens, "overall": dens_overall}, extra


def metrics_from_counts(
    counts: GroupCounts,
    *,
    min_count: int = 30,
    zero_division: float = np.nan,
    n_boot: int = 0,
    ci: float = 0.95,
    random_state: Any = None,
    reference: Hashable | None = None,
) -> GroupMetrics:
    """Compute :class:`GroupMetrics` from a :class:`GroupCounts` table alone.

    This is the second half of :func:`group_metrics`, usable on counts
    computed elsewhere (e.g. a ``GROUP BY`` in a database). Parameters as
    :func:`group_metrics`.

    Returns
    -------
    GroupMetrics
    """
    zero_division = _check_settings(n_boot, ci, min_count, zero_division)
    seed = resolve_random_state(random_state, generators=True)
    rng = np.random.default_rng(seed)
    if random_state is None and n_boot == 0:
        seed = None  # nothing was drawn, so no seed to record
    per, tot, dens, extra = _point(counts, zero_division)
    t = counts.table
    index = t.index
    n = t["n"].to_numpy(dtype=np.float64)
    w = t["w"].to_numpy(dtype=np.float64)
    names = list(per)

    by_group = pd.DataFrame({"count": n.astype(np.int64), "share": w / w.sum()}, index=index)
    for name in names:
        by_group[name] = per[name]
    overall = pd.Series(
        {"count": int(n.sum()), "share": 1.0, **{k: float(tot[k]) for k in names}},
        name="overall",
        dtype=object,
    )
    overall = overall.astype(np.float64)
    denominators = pd.DataFrame({"count": n, "share": n}, index=index)
    for name in names:
        denominators[name] = dens["by_group"][name]
    # "ok" needs a denominator of at least min_count rows (and at least one) and a value
    threshold = max(int(min_count), 1)
    enough = (denominators.to_numpy() >= threshold) & np.isfinite(by_group.to_numpy(np.float64))
    verdicts = pd.DataFrame(
        np.where(enough, VERDICT_OK, VERDICT_INSUFFICIENT),
        index=index,
        columns=denominators.columns,
    )

    replicates: Replicates | None = None
    ci_low = ci_high = None
    overall_low = overall_high = None
    if n_boot > 0:
        class_names = tuple(m for m in names if m not in ("auc", "brier", "ece"))
        if counts.task == "binary":

            def fn(cells: np.ndarray) -> dict[str, np.ndarray]:
                return binary_metrics(cells, zero_division)

        elif counts.task == "multiclass":

            def fn(cells: np.ndarray) -> dict[str, np.ndarray]:
                return multiclass_metrics(cells, counts.classes, zero_division)

        else:
            fn = None  # type: ignore[assignment]
        replicates = bootstrap(
            counts,
            n_boot=int(n_boot),
            rng=rng,
            classification_fn=fn,
            classification_names=class_names,
            zero_division=zero_division,
            auc_shift=extra.get("auc_shift"),
            auc_shift_overall=float(extra.get("auc_shift_overall", 0.0)),
        )
        low, high = percentile_interval(replicates.by_group, ci)
        olow, ohigh = percentile_interval(replicates.overall, ci)
        cols = list(replicates.metrics)
        ci_low = pd.DataFrame(low, index=index, columns=cols)[names]
        ci_high = pd.DataFrame(high, index=index, columns=cols)[names]
        overall_low = pd.Series(olow, index=cols, name="ci_low")[names]
        overall_high = pd.Series(ohigh, index=cols, name="ci_high")[names]

    return GroupMetrics(
        task=counts.task,
        by_group=by_group,
        overall=overall,
        denominators=denominators,
        verdicts=verdicts,
        counts=counts,
        classes=counts.classes,
        min_count=int(min_count),
        reference=reference,
        zero_division=zero_division,
        n_boot=int(n_boot),
        ci=float(ci),
        random_state=seed if isinstance(seed, int) else None,
        ci_low=ci_low,
        ci_high=ci_high,
        overall_ci_low=overall_low,
        overall_ci_high=overall_high,
        _replicates=replicates,
    )


def group_metrics(
    y_true: Any,
    y_pred: Any,
    *,
    sensitive_features: Any,
    y_score: Any = None,
    sample_weight: Any = None,
    n_boot: int = 0,
    ci: float = 0.95,
    random_state: Any = None,
    min_count: int = 30,
    reference: Hashable | None = None,
    missing: str = "error",
    task: str = "auto",
    pos_label: Any = None,
    zero_division: float = np.nan,
    metrics: Mapping[str, Callable[..., Any]] | None = None,
) -> GroupMetrics:
    """Group fairness metrics, differences, ratios, verdicts and bootstrap intervals.

    The rows are reduced once to per-group counts (:func:`group_counts`);
    everything else is arithmetic on that small table, so the cost is one
    pass over the rows plus O(groups x n_boot).

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n,)
        True labels (or targets) and predictions: lists, numpy arrays,
        pandas / polars Series or pyarrow arrays. Inputs without an index are
        paired by position. When two or more inputs (these, the sensitive
        features, ``y_score``, ``sample_weight``) are pandas objects, they are
        aligned by label with the first of them: the same labels in another
        order are reindexed, other labels raise ``DataValidationError``.
    sensitive_features : array-like, dict of array-like, or DataFrame
        One sensitive feature, or several (their intersections are the groups):
        a 1-D array / list / Series, a dict of them, a pandas / polars
        DataFrame or a pyarrow Table. Values of any type (strings,
        categoricals, ints, booleans).
    y_score : array-like of shape (n,) or (n, 2), optional
        Probability of the positive class; adds ``auc``, ``brier`` and ``ece``.
    sample_weight : array-like of shape (n,), optional
        Non-negative weights; rates use weighted counts, verdicts the
        effective sample size ``(Σw)² / Σw²`` of each denominator.
    n_boot : int, default=0
        Bootstrap replicates for percentile intervals (0 = none).
    ci : float, default=0.95
        Confidence level of the intervals.
    random_state : int, numpy Generator or SeedSequence, optional
        Seed of the bootstrap (``numpy.random.default_rng``). None (the
        default) draws a fresh seed from OS entropy; with ``n_boot > 0`` that
        seed is recorded in :attr:`GroupMetrics.random_state`.
    min_count : int, default=30
        A metric whose denominator (rows, actual positives, predicted
        positives, ... see :attr:`GroupMetrics.denominators`) is below this
        gets the verdict "insufficient evidence".
    reference : hashable, optional
        Default reference of ``difference()`` / ``ratio()``: a group label,
        ``"largest"`` or ``"best"``; None compares all groups.
    missing : {"error", "group"}, default="error"
        A missing sensitive value raises, or forms its own ``"<missing>"`` group.
    task : {"auto", "binary", "multiclass", "regression"}, default="auto"
        What the predictions are; see :func:`group_counts`.
    pos_label : scalar, optional
        Positive label when the labels are not 0/1.
    zero_division : float, default=nan
        Value of a rate whose denominator is empty; 0.0 reproduces
        scikit-learn's / fairlearn's values exactly.
    metrics : dict of str to callable, optional
        Extra metrics ``f(y_true, y_pred)`` (``f(..., sample_weight=)`` with
        weights) computed per group through :class:`fairlearn.metrics.MetricFrame`
        (the general, slower path) and added as columns.

    Returns
    -------
    GroupMetrics
        ``by_group``, ``overall``, ``difference()``, ``ratio()``, verdicts,
        intervals and ``findings()``.

    Examples
    --------
    >>> from audit.fairness import group_metrics
    >>> gm = group_metrics([1, 0, 1, 1], [1, 0, 0, 1], sensitive_features=["a", "a", "b", "b"])
    >>> gm.by_group["tpr"].tolist()
    [1.0, 0.5]
    >>> gm.verdicts.loc["b", "tpr"]  # 2 positives < min_count=30
    'insufficient evidence'
    >>> float(gm.difference()["tpr"])
    0.5
    """
    zero_division = _check_settings(n_boot, ci, min_count, zero_division)
    if metrics is not None and (
        not isinstance(metrics, Mapping) or not all(callable(f) for f in metrics.values())
    ):
        raise DataValidationError(_BAD_METRICS.format(kind=type(metrics).__name__))
    seed = resolve_random_state(random_state, generators=True)  # validated before the work
    if random_state is None and n_boot == 0:
        seed = None  # nothing random happens, so no seed to draw or record
    # pandas inputs are aligned by label with the first of them (or refused)
    aligned = align_rows(
        {
            "y_true": y_true,
            "y_pred": y_pred,
            "sensitive_features": sensitive_features,
            "y_score": y_score,
            "sample_weight": sample_weight,
        }
    )
    y_true, y_pred = aligned["y_true"], aligned["y_pred"]
    groups, targets, weights, scores = prepare_inputs(
        y_true,
        y_pred,
        sensitive_features=aligned["sensitive_features"],
        sample_weight=aligned["sample_weight"],
        y_score=aligned["y_score"],
        task=task,
        pos_label=pos_label,
        missing=missing,
    )
    counts = count_prepared(groups, targets, weights, scores)
    gm = metrics_from_counts(
        counts,
        min_count=min_count,
        zero_division=zero_division,
        n_boot=n_boot,
        ci=ci,
        random_state=seed,
        reference=reference,
    )
    if reference is not None:
        gm.difference()  # validates the reference against the groups
    if metrics:
        from audit.fairness._custom import add_custom_metrics

        for name in metrics:
            if name in gm.by_group.columns:
                raise DataValidationError(_METRIC_NAME_CLASH.format(name=name))
        gm = add_custom_metrics(
            gm,
            y_true,
            y_pred,
            groups=groups,
            metrics=metrics,
            sample_weight=weights,
            n_boot=n_boot,
            ci=ci,
            random_state=seed,
        )
    return gm
