"""The attribution result: parallel arrays per explained row, plus global and per-group tables."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from audit._jsonable import to_jsonable as _plain
from audit.attributions._additivity import AdditivityCheck, check_additivity
from audit.attributions._by_group import group_table, importance_table
from audit.attributions._job import RawAttributions
from audit.attributions._sample import StratifiedSample
from audit.errors import DataValidationError

__all__ = ["OVERALL", "AttributionResult", "build_result", "source_order", "sum_to_sources"]

OVERALL = "overall"
_UNKNOWN_OUTPUT = "Unknown output {got!r}; this result explains {allowed}."


@dataclass(frozen=True, eq=False)
class AttributionResult:
    """SHAP attributions of a sample of rows, per input column, with summaries.

    Arrays are parallel: row ``i`` of ``values``, ``base_values``,
    ``model_output``, ``data``, ``groups``, ``row_positions`` and ``row_weights``
    is the same explained row.

    Attributes
    ----------
    explainer : str
        The explainer that ran: ``"linear"``, ``"tree"``, ``"deep"``,
        ``"gradient"``, ``"integrated_gradients"``, ``"shap_deep"``,
        ``"shap_gradient"`` or ``"permutation"``.
    reason : str
        Why that explainer was chosen (and any fallback).
    output_space : str
        What the attributions add up to (``"log-odds"``, ``"probability"``, ...).
    output_names : tuple of str
        One name per output (the positive class for binary tasks).
    feature_names : tuple of str
        The input columns attributions are given for.
    values : numpy.ndarray
        ``(n_explained, n_features, n_outputs)`` SHAP values per input column
        (one-hot columns summed back to their source column).
    base_values : numpy.ndarray
        ``(n_explained, n_outputs)`` expected model output.
    model_output : numpy.ndarray
        ``(n_explained, n_outputs)`` the explained output computed from the model.
    data : pandas.DataFrame
        The explained rows of the audited data (original index kept).
    groups : pandas.DataFrame or None
        Sensitive values of the explained rows.
    row_positions : numpy.ndarray
        Positions of the explained rows in the audited data.
    row_weights : numpy.ndarray
        Population rows each explained row stands for (stratified sampling).
    sample_sizes : pandas.DataFrame
        ``attribute, group, n_rows, n_explained`` per sensitive group.
    n_rows : int
        Rows in the audited data.
    additivity : AdditivityCheck
        ``|base + sum(values) - model_output|`` per row and output against each
        row's own tolerance, whether the explainer is exact or approximate, and
        the worst rows (see :mod:`audit.attributions._additivity`).
    importance : pandas.DataFrame
        Index ``feature``; ``mean_abs``, ``share`` (of the total), ``rank``.
    by_group : pandas.DataFrame
        Long table: ``attribute, group, feature, output, n_explained, mean_abs,
        mean_signed``.
    transformed_values : numpy.ndarray or None
        ``(n_explained, n_transformed, n_outputs)`` attributions in the final
        estimator's space before summing back (None when the explainer masked
        whole input columns).
    transformed_feature_names, transformed_sources : tuple of str
        Name and input column of each transformed column.
    random_state : int
        Seed used for sampling and explainers.
    """

    explainer: str
    reason: str
    output_space: str
    output_names: tuple[str, ...]
    feature_names: tuple[str, ...]
    values: np.ndarray
    base_values: np.ndarray
    model_output: np.ndarray
    data: pd.DataFrame
    groups: pd.DataFrame | None
    row_positions: np.ndarray
    row_weights: np.ndarray
    sample_sizes: pd.DataFrame
    n_rows: int
    additivity: AdditivityCheck
    importance: pd.DataFrame
    by_group: pd.DataFrame
    transformed_values: np.ndarray | None
    transformed_feature_names: tuple[str, ...]
    transformed_sources: tuple[str, ...]
    random_state: int

    @property
    def n_explained(self) -> int:
        """Rows explained."""
        return len(self.row_positions)

    @property
    def additivity_ok(self) -> bool:
        """True when base value + attributions reproduce the model output within tolerance.

        Judged row by row: one row beyond its own tolerance fails the check,
        however large the outputs of other rows are.
        """
        return self.additivity.passed

    @property
    def additivity_max_error(self) -> float:
        """``max |base + sum(values) - model_output|`` over rows and outputs."""
        return self.additivity.max_error

    @property
    def additivity_tolerance(self) -> float:
        """The tolerance of the row (and output) with the largest miss.

        Each row has its own tolerance (:attr:`additivity`); this one goes with
        :attr:`additivity_max_error`. With ``additivity_tolerance`` given to
        :func:`~audit.attributions.explain`, that number.
        """
        check = self.additivity
        if not check.miss.size:
            return 0.0
        miss = np.where(np.isnan(check.miss), np.inf, check.miss)
        return float(check.allowed.flat[int(miss.argmax())])

    @property
    def additivity_exact(self) -> bool:
        """Whether the explainer is additive by construction (False for sampled ones)."""
        return self.additivity.exact

    @property
    def additivity_max_relative_error(self) -> float:
        """The largest ``miss / max(|output - base|, spread)`` over rows and outputs."""
        return self.additivity.max_relative_error

    def mean_abs_by_group(self) -> pd.DataFrame:
        """Mean |SHAP| per feature (rows) overall and per group (columns ``"attr=group"``).

        Summed over outputs; rows in the order of :attr:`importance`.
        """
        wide = pd.DataFrame({OVERALL: self.importance["mean_abs"]})
        if len(self.by_group):
            summed = self.by_group.groupby(["attribute", "group", "feature"], sort=False)[
                "mean_abs"
            ].sum()
            for (attribute, group), part in summed.groupby(level=[0, 1], sort=False):
                wide[f"{attribute}={group}"] = part.droplevel([0, 1]).reindex(wide.index)
        return wide

    def mean_signed_by_group(self, output: str | None = None) -> pd.DataFrame:
        """Mean signed SHAP per feature overall and per group, for one output.

        Parameters
        ----------
        output : str, optional
            Which output (default: the first; binary tasks and regression have one).
        """
        name = self.output_names[0] if output is None else str(output)
        if name not in self.output_names:
            raise DataValidationError(
                _UNKNOWN_OUTPUT.format(got=output, allowed=list(self.output_names))
            )
        k = self.output_names.index(name)
        weights = self.row_weights[:, None]
        overall = (self.values[:, :, k] * weights).sum(axis=0) / weights.sum()
        wide = pd.DataFrame({OVERALL: pd.Series(overall, index=list(self.feature_names))}).reindex(
            self.importance.index
        )
        part = self.by_group[self.by_group["output"] == name]
        for (attribute, group), rows in part.groupby(["attribute", "group"], sort=False):
            wide[f"{attribute}={group}"] = rows.set_index("feature")["mean_signed"].reindex(
                wide.index
            )
        return wide

    def to_frame(self) -> pd.DataFrame:
        """One row per feature: mean |SHAP|, share, rank, then mean |SHAP| per group."""
        wide = self.mean_abs_by_group().drop(columns=[OVERALL])
        return self.importance.join(wide)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable summary (per-row arrays are left out; see ``values``)."""
        importance = self.importance.reset_index()
        return _plain(
            {
                "explainer": self.explainer,
                "reason": self.reason,
                "output_space": self.output_space,
                "output_names": list(self.output_names),
                "features": list(self.feature_names),
                "n_rows": self.n_rows,
                "n_explained": self.n_explained,
                "random_state": self.random_state,
                "base_value": self.base_values.mean(axis=0) if self.n_explained else [],
                "additivity": {
                    "max_abs_error": self.additivity_max_error,
                    "tolerance": self.additivity_tolerance,
                    "passed": self.additivity_ok,
                    **self.additivity.to_dict(),
                },
                "importance": importance.to_dict(orient="records"),
                "by_group": self.by_group.to_dict(orient="records"),
                "sample_sizes": self.sample_sizes.to_dict(orient="records"),
            }
        )


def source_order(sources: tuple[str, ...], order: list[str]) -> tuple[str, ...]:
    """Distinct input columns of ``sources``, in the data's column order (others last)."""
    position = {name: i for i, name in enumerate(order)}
    return tuple(sorted(dict.fromkeys(sources), key=lambda s: position.get(s, len(order))))


def sum_to_sources(
    values: np.ndarray, sources: tuple[str, ...], names: tuple[str, ...]
) -> np.ndarray:
    """Sum attributions of transformed columns into their input columns.

    Parameters
    ----------
    values : numpy.ndarray
        ``(n_rows, n_transformed, n_outputs)``.
    sources : tuple of str
        Input column of each transformed column.
    names : tuple of str
        The input columns to sum into, in output order (see :func:`source_order`).

    Returns
    -------
    numpy.ndarray
        ``(n_rows, len(names), n_outputs)``; ``values`` itself when nothing is summed.
    """
    if tuple(names) == tuple(sources):
        return values
    where = {name: i for i, name in enumerate(names)}
    indicator = np.zeros((len(sources), len(names)))
    indicator[np.arange(len(sources)), [where[s] for s in sources]] = 1.0
    return np.einsum("nqk,qp->npk", values, indicator)


def build_result(
    raw: RawAttributions,
    *,
    reason: str,
    frame: pd.DataFrame,
    groups: pd.DataFrame | None,
    sample: StratifiedSample,
    transformed_names: tuple[str, ...],
    sources: tuple[str, ...],
    tolerance: float | None,
    random_state: int,
) -> AttributionResult:
    """Assemble an :class:`AttributionResult` from an explainer's raw answer.

    ``tolerance`` is an absolute additivity tolerance for every row, or None
    for each row's own (:func:`~audit.attributions._additivity.check_additivity`).
    """
    names = source_order(sources, [str(c) for c in frame.columns])
    if raw.level == "transformed":
        values = sum_to_sources(raw.values, sources, names)
        transformed: np.ndarray | None = raw.values
    else:  # one column per input column, in order of first appearance
        appearance = list(dict.fromkeys(sources))
        values = raw.values[:, [appearance.index(n) for n in names]]
        transformed = None
    additivity = check_additivity(
        raw.explainer,
        values,
        raw.base_values,
        raw.model_output,
        row_positions=sample.positions,
        output_names=tuple(raw.output.names),
        tolerance=tolerance,
    )
    explained_groups = (
        None if groups is None else groups.iloc[sample.positions].reset_index(drop=True)
    )
    return AttributionResult(
        explainer=raw.explainer,
        reason=f"{reason}; {raw.note}" if raw.note else reason,
        output_space=raw.output.space,
        output_names=tuple(raw.output.names),
        feature_names=names,
        values=values,
        base_values=np.asarray(raw.base_values),
        model_output=raw.model_output,
        data=frame.iloc[sample.positions],
        groups=explained_groups,
        row_positions=sample.positions,
        row_weights=sample.weights,
        sample_sizes=sample.sizes,
        n_rows=len(frame),
        additivity=additivity,
        importance=importance_table(values, sample.weights, names),
        by_group=group_table(values, sample.weights, explained_groups, names, raw.output.names),
        transformed_values=transformed,
        transformed_feature_names=transformed_names,
        transformed_sources=sources,
        random_state=random_state,
    )
