"""GroupMetrics: the result of :func:`audit.fairness.group_metrics`."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from audit._jsonable import to_jsonable as _plain
from audit.errors import DataValidationError
from audit.facts import Fact
from audit.fairness._bootstrap import Replicates, _quiet, percentile_interval
from audit.fairness._counts import GroupCounts
from audit.fairness._metrics import LOWER_IS_BETTER

if TYPE_CHECKING:  # pragma: no cover
    from audit.findings import Finding
    from audit.policy import Policy

__all__ = [
    "GroupMetrics",
    "VERDICT_OK",
    "VERDICT_INSUFFICIENT",
    "Method",
    "group_label",
]

VERDICT_OK = "ok"
"""Verdict of a metric whose denominator reaches ``min_count``."""
VERDICT_INSUFFICIENT = "insufficient evidence"
"""Verdict of a metric whose denominator is below ``min_count`` (or empty)."""

Method = Literal["between_groups", "to_overall", "to_reference"]
_METHODS: tuple[str, ...] = ("between_groups", "to_overall", "to_reference")
_NOT_METRICS: frozenset[str] = frozenset({"count", "share"})

_BAD_METHOD = "method must be one of {allowed}; got {value!r}."
_NO_REFERENCE = (
    "method='to_reference' needs a reference group: pass reference= a group label, "
    "'largest' or 'best'."
)
_REFERENCE_WITH_OVERALL = (
    "method='to_overall' compares each group with the overall value; it cannot be combined "
    "with reference={reference!r}."
)
_UNKNOWN_REFERENCE = (
    "reference={reference!r} is not one of the groups; allowed: 'largest', 'best' or a group "
    "label among {groups}."
)
_NO_BOOTSTRAP = (
    "No bootstrap replicates: confidence intervals need group_metrics(..., n_boot=1000) "
    "(n_boot > 0); got n_boot={n_boot}."
)
_BINARY_ONLY = "{name} is defined for binary classification; this result is for task {task!r}."
_BAD_AGG = "agg must be 'worst_case' or 'mean'; got {value!r}."
_UNKNOWN_METRIC = "Unknown metric {metric!r}; available metrics: {available}."


def group_label(key: Any, names: tuple[str, ...]) -> str:
    """Readable label of a group: ``"F"`` or ``"sex=F, race=B"`` for intersections."""
    if len(names) > 1 and isinstance(key, tuple):
        return ", ".join(f"{n}={v}" for n, v in zip(names, key, strict=True))
    return str(key)


def _comparable_only(values: np.ndarray, statistic: np.ndarray) -> np.ndarray:
    """NaN where fewer than two groups have a value: a comparison needs two groups.

    ``values`` is (B, G, M), ``statistic`` (B, M); without this rule one group
    left would read as perfect parity (difference 0, ratio 1).
    """
    return np.where(np.isfinite(values).sum(axis=1) >= 2, statistic, np.nan)


def _sub_one(r: np.ndarray) -> np.ndarray:
    """Express ratios as numbers <= 1 (fairlearn's ``to_overall`` convention)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(r > 1, 1 / r, r)


@dataclass(frozen=True, eq=False)
class GroupMetrics:
    """Group fairness metrics computed from per-group counts.

    Attributes
    ----------
    task : {"binary", "multiclass", "regression"}
        The kind of prediction.
    by_group : pandas.DataFrame
        One row per group (a MultiIndex named after the sensitive features when
        there are several), one column per metric. ``count`` is the number of
        rows, ``share`` the group's share of the total weight (of the rows
        when unweighted); groups with zero rows are listed with count 0.
    overall : pandas.Series
        The metrics over all rows.
    denominators : pandas.DataFrame
        Same shape as ``by_group``: the number of rows behind each value (rows
        for selection rate and accuracy, actual positives for TPR/FNR, actual
        negatives for FPR/TNR, predicted positives for precision, predicted
        negatives for NPV, ...). With sample weights, the effective sample
        size ``(Σw)² / Σw²`` of those rows (Kish), so rows of weight 0 are no
        evidence and scaling every weight changes no verdict.
    verdicts : pandas.DataFrame
        Same shape: ``"ok"``, or ``"insufficient evidence"`` when the
        denominator is below ``min_count`` (or zero).
    counts : GroupCounts or None
        The per-group sufficient statistics the metrics were computed from
        (None when only custom metrics were computed).
    classes : tuple
        Class labels: ``(negative, positive)`` for binary, all classes for
        multiclass, ``()`` for regression.
    min_count : int
        Smallest denominator with enough evidence.
    reference : hashable or None
        Default reference of :meth:`difference` / :meth:`ratio`: None
        (between groups), a group label, ``"largest"`` or ``"best"``.
    zero_division : float
        Value given to rates whose denominator is empty (NaN by default).
    n_boot : int
        Number of bootstrap replicates (0: no intervals).
    ci : float
        Confidence level of the percentile intervals.
    random_state : int or None
        The seed, when an int was given.
    ci_low, ci_high : pandas.DataFrame or None
        Percentile interval of every ``by_group`` value (None without bootstrap).
    overall_ci_low, overall_ci_high : pandas.Series or None
        Percentile interval of every ``overall`` value.
    """

    task: str
    by_group: pd.DataFrame
    overall: pd.Series
    denominators: pd.DataFrame
    verdicts: pd.DataFrame
    counts: GroupCounts | None = None
    classes: tuple[Any, ...] = ()
    min_count: int = 30
    reference: Hashable | None = None
    zero_division: float = np.nan
    n_boot: int = 0
    ci: float = 0.95
    random_state: int | None = None
    ci_low: pd.DataFrame | None = None
    ci_high: pd.DataFrame | None = None
    overall_ci_low: pd.Series | None = None
    overall_ci_high: pd.Series | None = None
    _replicates: Replicates | None = field(default=None, repr=False)

    # ------------------------------------------------------------------ basics
    @property
    def sensitive_names(self) -> tuple[str, ...]:
        """Names of the sensitive features."""
        return tuple(str(n) for n in self.by_group.index.names)

    @property
    def groups(self) -> pd.Index:
        """Group labels (the index of :attr:`by_group`)."""
        return self.by_group.index

    @property
    def metrics(self) -> tuple[str, ...]:
        """Names of the metrics that differences and ratios are computed for."""
        return tuple(c for c in self.by_group.columns if c not in _NOT_METRICS)

    @property
    def sufficient(self) -> pd.DataFrame:
        """Boolean frame: True where the verdict is ``"ok"``."""
        return self.verdicts == VERDICT_OK

    @property
    def evidence(self) -> pd.DataFrame:
        """Long table: one row per (group, metric) with value, denominator and verdict."""
        return self.to_frame()[[*self.sensitive_names, "metric", "value", "denominator", "verdict"]]

    def group_labels(self) -> list[str]:
        """Readable labels of the groups, e.g. ``"sex=F, race=B"``."""
        return [group_label(k, self.sensitive_names) for k in self.by_group.index]

    def _check_metric(self, metric: str) -> None:
        if metric not in self.by_group.columns:
            raise DataValidationError(
                _UNKNOWN_METRIC.format(metric=metric, available=", ".join(self.by_group.columns))
            )

    # ----------------------------------------------------- difference / ratio
    def _resolve(self, method: str | None, reference: Hashable | None) -> tuple[str, Any]:
        ref = reference if reference is not None else self.reference
        if method is None:
            method = "to_reference" if ref is not None else "between_groups"
        if method not in _METHODS:
            raise DataValidationError(
                _BAD_METHOD.format(allowed=", ".join(map(repr, _METHODS)), value=method)
            )
        if method == "to_overall" and reference is not None:
            raise DataValidationError(_REFERENCE_WITH_OVERALL.format(reference=reference))
        if method != "to_reference":
            return method, None
        if ref is None:
            raise DataValidationError(_NO_REFERENCE)
        if isinstance(ref, str) and ref in ("largest", "best"):
            if ref == "largest":
                return method, int(np.argmax(self.by_group["count"].to_numpy()))
            return method, "best"
        try:
            pos = self.by_group.index.get_loc(ref)
        except (KeyError, TypeError):
            pos = None
        if not isinstance(pos, (int, np.integer)):
            groups = ", ".join(repr(g) for g in self.by_group.index[:12])
            raise DataValidationError(_UNKNOWN_REFERENCE.format(reference=ref, groups=groups))
        return method, int(pos)

    def _matrix(self, exclude_insufficient: bool) -> np.ndarray:
        values = self.by_group[list(self.metrics)].to_numpy(dtype=np.float64, copy=True)
        if exclude_insufficient:
            values[~self.sufficient[list(self.metrics)].to_numpy()] = np.nan
        return values

    def _reference_values(self, values: np.ndarray, ref: Any) -> np.ndarray:
        """Reference value per (replicate, metric) from values of shape (B, G, M)."""
        if ref == "best":
            lower = np.array([self._base_metric(m) in LOWER_IS_BETTER for m in self.metrics])
            with _quiet():
                return np.where(lower, np.nanmin(values, axis=1), np.nanmax(values, axis=1))
        return values[:, ref, :]

    @staticmethod
    def _base_metric(metric: str) -> str:
        return metric.split("[", 1)[0]

    def _difference_array(
        self, values: np.ndarray, overall: np.ndarray, method: str, ref: Any
    ) -> np.ndarray:
        with _quiet(), np.errstate(invalid="ignore"):
            if method == "between_groups":
                out = np.nanmax(values, axis=1) - np.nanmin(values, axis=1)
            else:
                target = overall if method == "to_overall" else self._reference_values(values, ref)
                out = np.nanmax(np.abs(values - target[:, None, :]), axis=1)
        return _comparable_only(values, out)

    def _ratio_array(
        self, values: np.ndarray, overall: np.ndarray, method: str, ref: Any
    ) -> np.ndarray:
        with _quiet(), np.errstate(invalid="ignore", divide="ignore"):
            if method == "between_groups":
                out = np.nanmin(values, axis=1) / np.nanmax(values, axis=1)
            else:
                target = overall if method == "to_overall" else self._reference_values(values, ref)
                out = np.nanmin(_sub_one(values / target[:, None, :]), axis=1)
        return _comparable_only(values, np.where(np.isfinite(out), out, np.nan))

    def difference(
        self,
        *,
        method: Method | None = None,
        reference: Hashable | None = None,
        exclude_insufficient: bool = True,
    ) -> pd.Series:
        """Largest absolute difference of each metric between groups.

        Parameters
        ----------
        method : {"between_groups", "to_overall", "to_reference"}, optional
            ``"between_groups"``: max minus min over groups (fairlearn's
            default); ``"to_overall"``: largest ``|group - overall|``;
            ``"to_reference"``: largest ``|group - reference group|``. Default:
            ``"to_reference"`` when a reference is set, else ``"between_groups"``.
        reference : hashable, optional
            A group label, ``"largest"`` (the group with most rows) or ``"best"``
            (per metric, the group with the highest value, or the lowest for
            error rates such as FPR); defaults to :attr:`reference`.
        exclude_insufficient : bool, default=True
            Compare only the groups with enough evidence for each metric (the
            comparable groups: denominator, or effective sample size when
            weighted, at least ``min_count``). ``False`` gives the all-groups
            figure, whatever each group's evidence (fairlearn's number when
            the metrics agree).

        Returns
        -------
        pandas.Series
            One value per metric; NaN where fewer than two groups have a
            value (no comparison), never 0 or 1 standing for "no evidence".
        """
        method_, ref = self._resolve(method, reference)
        values = self._matrix(exclude_insufficient)[None]
        overall = self.overall[list(self.metrics)].to_numpy(dtype=np.float64)[None]
        out = self._difference_array(values, overall, method_, ref)[0]
        return pd.Series(out, index=list(self.metrics), name="difference")

    def ratio(
        self,
        *,
        method: Method | None = None,
        reference: Hashable | None = None,
        exclude_insufficient: bool = True,
    ) -> pd.Series:
        """Smallest ratio (at most 1) of each metric between groups.

        ``"between_groups"`` is min over max (fairlearn); ``"to_overall"`` and
        ``"to_reference"`` take each group's ratio to the overall / reference
        value, inverted when above 1, and return the smallest. Parameters as
        :meth:`difference`.

        Returns
        -------
        pandas.Series
            One value per metric.
        """
        method_, ref = self._resolve(method, reference)
        values = self._matrix(exclude_insufficient)[None]
        overall = self.overall[list(self.metrics)].to_numpy(dtype=np.float64)[None]
        out = self._ratio_array(values, overall, method_, ref)[0]
        return pd.Series(out, index=list(self.metrics), name="ratio")

    def _extreme(self, exclude_insufficient: bool, lowest: bool) -> np.ndarray:
        values = self._matrix(exclude_insufficient)
        with _quiet():
            out = np.nanmin(values, axis=0) if lowest else np.nanmax(values, axis=0)
        return _comparable_only(values[None], out[None])[0]

    def group_min(self, *, exclude_insufficient: bool = True) -> pd.Series:
        """Smallest value of each metric over the comparable groups.

        Parameters
        ----------
        exclude_insufficient : bool, default=True
            As in :meth:`difference`: only groups with enough evidence; NaN
            when fewer than two groups have a value (the lowest of a
            comparison that cannot be made).
        """
        return pd.Series(self._extreme(exclude_insufficient, True), index=list(self.metrics))

    def group_max(self, *, exclude_insufficient: bool = True) -> pd.Series:
        """Largest value of each metric over the comparable groups (see :meth:`group_min`)."""
        return pd.Series(self._extreme(exclude_insufficient, False), index=list(self.metrics))

    # ----------------------------------------------------------- intervals
    def _require_bootstrap(self) -> Replicates:
        if self._replicates is None:
            raise DataValidationError(_NO_BOOTSTRAP.format(n_boot=self.n_boot))
        return self._replicates

    def _replicate_matrix(self, exclude_insufficient: bool) -> tuple[np.ndarray, np.ndarray]:
        """Replicates as (B, G, M) and (B, M) in the order of :attr:`metrics`."""
        rep = self._require_bootstrap()
        pos = {m: i for i, m in enumerate(rep.metrics)}
        b, g = rep.by_group.shape[:2]
        values = np.full((b, g, len(self.metrics)), np.nan)
        overall = np.full((b, len(self.metrics)), np.nan)
        for j, m in enumerate(self.metrics):
            if m in pos:
                values[:, :, j] = rep.by_group[:, :, pos[m]]
                overall[:, j] = rep.overall[:, pos[m]]
        if exclude_insufficient:
            mask = ~self.sufficient[list(self.metrics)].to_numpy()
            values[:, mask] = np.nan
        return values, overall

    def _interval_frame(self, samples: np.ndarray) -> pd.DataFrame:
        low, high = percentile_interval(samples, self.ci)
        return pd.DataFrame({"ci_low": low, "ci_high": high}, index=list(self.metrics))

    def _replicate_interval(
        self,
        statistic: Any,
        method: Method | None,
        reference: Hashable | None,
        exclude_insufficient: bool,
    ) -> pd.DataFrame:
        """Percentile interval of a between-group statistic over the bootstrap replicates."""
        method_, ref = self._resolve(method, reference)
        values, overall = self._replicate_matrix(exclude_insufficient)
        return self._interval_frame(statistic(values, overall, method_, ref))

    def difference_ci(
        self,
        *,
        method: Method | None = None,
        reference: Hashable | None = None,
        exclude_insufficient: bool = True,
    ) -> pd.DataFrame:
        """Percentile interval of :meth:`difference`, from the bootstrap replicates.

        Returns
        -------
        pandas.DataFrame
            Index: metrics; columns ``ci_low``, ``ci_high``.
        """
        return self._replicate_interval(
            self._difference_array, method, reference, exclude_insufficient
        )

    def ratio_ci(
        self,
        *,
        method: Method | None = None,
        reference: Hashable | None = None,
        exclude_insufficient: bool = True,
    ) -> pd.DataFrame:
        """Percentile interval of :meth:`ratio`, from the bootstrap replicates.

        Returns
        -------
        pandas.DataFrame
            Index: metrics; columns ``ci_low``, ``ci_high``.
        """
        return self._replicate_interval(self._ratio_array, method, reference, exclude_insufficient)

    def pair_ci(self, metric: str, group_a: Hashable, group_b: Hashable) -> dict[str, Any]:
        """Intervals of the difference ``b - a`` and ratio ``a / b`` of one metric.

        Parameters
        ----------
        metric : str
            A column of :attr:`by_group`.
        group_a, group_b : hashable
            Two group labels.

        Returns
        -------
        dict
            ``{"difference": (low, high), "ratio": (low, high)}``.
        """
        self._check_metric(metric)
        values, _ = self._replicate_matrix(False)
        j = list(self.metrics).index(metric)
        a = values[:, self.by_group.index.get_loc(group_a), j]
        b = values[:, self.by_group.index.get_loc(group_b), j]
        with np.errstate(invalid="ignore", divide="ignore"):
            diff = percentile_interval(b - a, self.ci)
            ratio = percentile_interval(a / b, self.ci)
        return {
            "difference": (float(diff[0]), float(diff[1])),
            "ratio": (float(ratio[0]), float(ratio[1])),
        }

    def parity_tests(self, metric: str, *, correction: str = "holm") -> pd.DataFrame:
        """Test parity of one metric for every pair of comparable groups.

        Wald tests with bootstrap standard errors, corrected for the number of
        pairs (see :mod:`audit.fairness._parity_tests`); the findings use the
        test of the worst pair to decide whether a disparity is critical.

        Parameters
        ----------
        metric : str
            A column of :attr:`by_group`.
        correction : {"holm", "bonferroni", "none"}, default="holm"
            Multiple-comparison correction over the pairs.

        Returns
        -------
        pandas.DataFrame
            One row per pair: ``group_a``, ``group_b`` (lower value first),
            ``value_a``, ``value_b``, ``difference``, ``std_error``,
            ``p_value``, ``p_adjusted``, ``significant``.

        Raises
        ------
        DataValidationError
            Without bootstrap replicates (``n_boot=0``) or for an unknown metric.
        """
        from audit.fairness._parity_tests import parity_tests

        self._require_bootstrap()
        return parity_tests(self, metric, correction)

    # ------------------------------------------------------- named summaries
    def _binary(self, name: str) -> None:
        if self.task != "binary":
            raise DataValidationError(_BINARY_ONLY.format(name=name, task=self.task))

    def demographic_parity_difference(
        self,
        *,
        method: Literal["between_groups", "to_overall"] = "between_groups",
        exclude_insufficient: bool = True,
    ) -> float:
        """Selection-rate difference between comparable groups.

        :func:`fairlearn.metrics.demographic_parity_difference` when every group
        has enough evidence, or with ``exclude_insufficient=False``.
        """
        self._binary("demographic_parity_difference")
        return float(
            self.difference(method=method, exclude_insufficient=exclude_insufficient)[
                "selection_rate"
            ]
        )

    def demographic_parity_ratio(
        self,
        *,
        method: Literal["between_groups", "to_overall"] = "between_groups",
        exclude_insufficient: bool = True,
    ) -> float:
        """Selection-rate ratio between comparable groups.

        :func:`fairlearn.metrics.demographic_parity_ratio` when every group has enough
        evidence, or with ``exclude_insufficient=False``.
        """
        self._binary("demographic_parity_ratio")
        return float(
            self.ratio(method=method, exclude_insufficient=exclude_insufficient)["selection_rate"]
        )

    def equalized_odds_difference(
        self,
        *,
        method: Literal["between_groups", "to_overall"] = "between_groups",
        agg: Literal["worst_case", "mean"] = "worst_case",
        exclude_insufficient: bool = True,
    ) -> float:
        """Larger (or mean) of the TPR and FPR differences between comparable groups.

        NaN when either cannot be compared; fairlearn's function when every
        group has enough evidence, or with ``exclude_insufficient=False``.
        """
        self._binary("equalized_odds_difference")
        diff = self.difference(method=method, exclude_insufficient=exclude_insufficient)[
            ["tpr", "fpr"]
        ]
        return self._aggregate(diff, agg, max)

    def equalized_odds_ratio(
        self,
        *,
        method: Literal["between_groups", "to_overall"] = "between_groups",
        agg: Literal["worst_case", "mean"] = "worst_case",
        exclude_insufficient: bool = True,
    ) -> float:
        """Smaller (or mean) of the TPR and FPR ratios (see :meth:`equalized_odds_difference`)."""
        self._binary("equalized_odds_ratio")
        ratio = self.ratio(method=method, exclude_insufficient=exclude_insufficient)[["tpr", "fpr"]]
        return self._aggregate(ratio, agg, min)

    @staticmethod
    def _aggregate(values: pd.Series, agg: str, worst: Any) -> float:
        """Worst (or mean) of TPR and FPR; NaN when either cannot be compared."""
        if agg not in ("worst_case", "mean"):
            raise DataValidationError(_BAD_AGG.format(value=agg))
        if values.isna().any():
            return float("nan")
        return float(worst(values.tolist()) if agg == "worst_case" else values.mean())

    def equal_opportunity_difference(
        self,
        *,
        method: Literal["between_groups", "to_overall"] = "between_groups",
        exclude_insufficient: bool = True,
    ) -> float:
        """TPR difference between comparable groups.

        :func:`fairlearn.metrics.equal_opportunity_difference` when every group has enough
        evidence, or with ``exclude_insufficient=False``.
        """
        self._binary("equal_opportunity_difference")
        return float(
            self.difference(method=method, exclude_insufficient=exclude_insufficient)["tpr"]
        )

    def equal_opportunity_ratio(
        self,
        *,
        method: Literal["between_groups", "to_overall"] = "between_groups",
        exclude_insufficient: bool = True,
    ) -> float:
        """TPR ratio between comparable groups.

        :func:`fairlearn.metrics.equal_opportunity_ratio` when every group has enough
        evidence, or with ``exclude_insufficient=False``.
        """
        self._binary("equal_opportunity_ratio")
        return float(self.ratio(method=method, exclude_insufficient=exclude_insufficient)["tpr"])

    def summary(
        self,
        *,
        method: Literal["between_groups", "to_overall"] = "between_groups",
        exclude_insufficient: bool = True,
    ) -> pd.Series:
        """The six named fairness summaries (binary tasks; empty otherwise).

        Returns
        -------
        pandas.Series
            ``demographic_parity_difference``, ``demographic_parity_ratio``,
            ``equalized_odds_difference``, ``equalized_odds_ratio``,
            ``equal_opportunity_difference``, ``equal_opportunity_ratio``.
        """
        if self.task != "binary" or "tpr" not in self.by_group.columns:
            return pd.Series(dtype=np.float64, name="summary")
        names = (
            "demographic_parity_difference",
            "demographic_parity_ratio",
            "equalized_odds_difference",
            "equalized_odds_ratio",
            "equal_opportunity_difference",
            "equal_opportunity_ratio",
        )
        return pd.Series(
            {
                name: getattr(self, name)(method=method, exclude_insufficient=exclude_insufficient)
                for name in names
            },
            name="summary",
        )

    # -------------------------------------------------------------- findings
    def findings(self, policy: Policy | None = None) -> list[Finding]:
        """Findings under ``policy`` (the default policy when None).

        See :func:`audit.fairness.fairness_findings` for the rules and the
        evidence each finding carries.
        """
        from audit.fairness._findings import fairness_findings

        return fairness_findings(self, policy)

    def facts(self) -> dict[str, Fact]:
        """The named numbers gates check and reports show (``selection_rate.ratio``, ...).

        Differences and ratios compare the groups with enough evidence, in the
        comparison the findings make (between groups, or to the reference);
        ``min`` and ``max`` are the lowest and highest of those groups. Each
        :class:`~audit.facts.Fact` names the groups it compares and the groups
        left out for lack of evidence.
        """
        from audit.fairness._facts import group_metrics_facts

        return group_metrics_facts(self)

    # -------------------------------------------------------------- exports
    def to_frame(self) -> pd.DataFrame:
        """Long tidy table: one row per (group, metric).

        Returns
        -------
        pandas.DataFrame
            Columns: the sensitive feature names, ``metric``, ``value``,
            ``denominator``, ``verdict``, ``ci_low``, ``ci_high``.
        """
        cols = list(self.by_group.columns)
        g, m = self.by_group.shape
        index = self.by_group.index
        frame = pd.DataFrame(
            {
                name: np.repeat(np.asarray(index.get_level_values(i), dtype=object), m)
                for i, name in enumerate(self.sensitive_names)
            }
        )
        frame["metric"] = np.tile(np.asarray(cols, dtype=object), g)
        frame["value"] = self.by_group.to_numpy(dtype=np.float64).ravel()
        frame["denominator"] = self.denominators[cols].to_numpy(dtype=np.float64).ravel()
        frame["verdict"] = self.verdicts[cols].to_numpy(dtype=object).ravel()
        for name, ci_frame in (("ci_low", self.ci_low), ("ci_high", self.ci_high)):
            frame[name] = (
                np.nan
                if ci_frame is None
                else ci_frame.reindex(columns=cols).to_numpy(dtype=np.float64).ravel()
            )
        return frame

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable dict of everything (NaN as None).

        Returns
        -------
        dict
            Keys: ``task``, ``sensitive_features``, ``classes``, ``settings``,
            ``groups`` (per group: ``label``, ``key``, ``metrics``,
            ``denominators``, ``verdicts``, ``ci_low``, ``ci_high``),
            ``overall``, ``overall_ci``, ``difference``, ``ratio``,
            ``difference_ci``, ``ratio_ci``, ``summary`` (between the
            comparable groups, as the facts), and ``difference_all_groups``,
            ``ratio_all_groups`` (every group, whatever its evidence).
        """
        names = self.sensitive_names
        groups = []
        for i, key in enumerate(self.by_group.index):
            parts = key if isinstance(key, tuple) else (key,)
            entry: dict[str, Any] = {
                "label": group_label(key, names),
                "key": dict(zip(names, parts, strict=True)),
                "metrics": self.by_group.iloc[i].to_dict(),
                "denominators": self.denominators.iloc[i].to_dict(),
                "verdicts": self.verdicts.iloc[i].to_dict(),
            }
            if self.ci_low is not None and self.ci_high is not None:
                entry["ci_low"] = self.ci_low.iloc[i].to_dict()
                entry["ci_high"] = self.ci_high.iloc[i].to_dict()
            groups.append(entry)
        out: dict[str, Any] = {
            "task": self.task,
            "sensitive_features": list(names),
            "classes": list(self.classes),
            "settings": {
                "min_count": self.min_count,
                "reference": self.reference,
                "zero_division": self.zero_division,
                "n_boot": self.n_boot,
                "ci": self.ci,
                "random_state": self.random_state,
            },
            "groups": groups,
            "overall": self.overall.to_dict(),
            "difference": self.difference().to_dict(),
            "ratio": self.ratio().to_dict(),
            "summary": self.summary().to_dict(),
            "difference_all_groups": self.difference(exclude_insufficient=False).to_dict(),
            "ratio_all_groups": self.ratio(exclude_insufficient=False).to_dict(),
        }
        if self._replicates is not None:
            out["overall_ci"] = {
                "ci_low": None if self.overall_ci_low is None else self.overall_ci_low.to_dict(),
                "ci_high": None if self.overall_ci_high is None else self.overall_ci_high.to_dict(),
            }
            out["difference_ci"] = self.difference_ci().to_dict(orient="index")
            out["ratio_ci"] = self.ratio_ci().to_dict(orient="index")
        return _plain(out)
