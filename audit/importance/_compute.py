"""Compute every importance method for a model and put them side by side."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from audit._frames import to_pandas_frame
from audit.adapters import make_adapter
from audit.findings import Finding
from audit.importance._coefficients import coefficient_importance
from audit.importance._compare import (
    comparison_table,
    disagreement_findings,
    rank_correlations,
)
from audit.importance._drop_column import drop_column_importance
from audit.importance._permutation import PermutationImportance, permutation_importance
from audit.importance._result import ImportanceResult
from audit.importance._scoring import model_input
from audit.policy import Policy

if TYPE_CHECKING:  # pragma: no cover
    from audit.attributions import AttributionResult

__all__ = ["feature_importance", "importance_findings"]

ANALYZER = "importance"
_NO_COEF = "coefficient: the final estimator is not linear"
_NO_SHAP = "shap: no attributions were given"
_NO_DROP = "drop_column: not requested (opt-in; it refits the model once per column)"
_NO_DROP_TORCH = "drop_column: torch modules cannot be refitted here"


def feature_importance(
    model: Any,
    X: Any,
    y: Any,
    *,
    scoring: str | Callable[..., float] | None = None,
    n_repeats: int = 5,
    random_state: int = 0,
    sample_weight: Any = None,
    max_rows: int | None = 10_000,
    attributions: AttributionResult | None = None,
    drop_column: bool = False,
    max_drop_features: int = 10,
    drop_test_size: float = 0.3,
    coefficients: pd.Series | None = None,
    permutation: PermutationImportance | None = None,
    target: str = "y_true",
    notes: tuple[str, ...] = (),
) -> ImportanceResult:
    """Coefficient, permutation, SHAP and (opt-in) drop-column importance in one table.

    Parameters
    ----------
    model : estimator, Pipeline, torch.nn.Module or ModelAdapter
        The fitted model.
    X : table
        The data.
    y : array-like
        Labels (or the model's predictions; say so with ``target="y_pred"``).
    scoring : str or callable, optional
        Default ``"accuracy"`` (classifiers) or ``"r2"`` (regressors).
    n_repeats : int, default=5
        Shuffles per column for permutation importance.
    random_state : int, default=0
        Seed.
    sample_weight : array-like, optional
        Row weights for permutation importance's score.
    max_rows : int or None, default=10000
        Rows scored by permutation importance.
    attributions : AttributionResult, optional
        SHAP attributions (:func:`audit.attributions.explain`) for the ``shap`` column.
    drop_column : bool, default=False
        Also refit without each of the ``max_drop_features`` most
        permutation-important columns (sklearn models only).
    max_drop_features : int, default=10
        Columns refitted without, at most.
    drop_test_size : float, default=0.3
        Held-out share for drop-column scoring.
    coefficients : pandas.Series, optional
        |standardized coefficient| per input column, if already known (e.g.
        from the weights analysis); computed here for linear models otherwise.
    permutation : PermutationImportance, optional
        Permutation importance already computed with these settings (the
        audit's cached one); computed here otherwise.
    target : {"y_true", "y_pred"}, default="y_true"
        Recorded in the result: what ``y`` is.
    notes : tuple of str, default=()
        Caveats to record in the result.

    Returns
    -------
    ImportanceResult
    """
    adapter = make_adapter(model)
    frame = to_pandas_frame(X, column_names=adapter.input_features)
    features = [str(c) for c in model_input(adapter, frame).columns]
    notes = list(notes)
    perm = permutation
    if perm is None:
        perm = permutation_importance(
            adapter,
            frame,
            y,
            scoring=scoring,
            n_repeats=n_repeats,
            random_state=random_state,
            sample_weight=sample_weight,
            max_rows=max_rows,
        )
    coefficient = coefficients
    if coefficient is None:
        weights = None if sample_weight is None else np.asarray(sample_weight, dtype=float)
        coefficient = coefficient_importance(adapter, frame, weights)
    if coefficient is None:
        notes.append(_NO_COEF)
    shap_column = None
    if attributions is not None:
        shap_column = attributions.importance["mean_abs"]
    elif not any(n.startswith("shap:") for n in notes):
        notes.append(_NO_SHAP)
    drop = None
    if drop_column and adapter.kind == "sklearn":
        order = perm.table["mean"].sort_values(ascending=False, kind="stable").index
        drop = drop_column_importance(
            adapter.model,
            frame,
            y,
            columns=list(order),
            max_features=max_drop_features,
            test_size=drop_test_size,
            scoring=scoring,
            random_state=random_state,
        )
    else:
        notes.append(_NO_DROP_TORCH if drop_column else _NO_DROP)
    columns: dict[str, pd.Series | None] = {
        "coefficient": coefficient,
        "permutation": perm.table["mean"],
        "permutation_std": perm.table["std"],
        "permutation_pct": perm.table["pct_of_score"],
        "shap": shap_column,
        "drop_column": None if drop is None else drop.table["importance"],
        "drop_column_pct": None if drop is None else drop.table["pct_lost"],
    }
    table = comparison_table(columns, features)
    methods = tuple(m for m in ("coefficient", "permutation", "shap", "drop_column") if m in table)
    return ImportanceResult(
        table=table,
        rank_correlation=rank_correlations(table),
        methods=methods,
        permutation=perm,
        drop_column=drop,
        target=target,
        notes=tuple(notes),
        attributions=attributions,
    )


def importance_findings(result: ImportanceResult, policy: Policy | None = None) -> list[Finding]:
    """``importance_disagreement`` findings for ``result`` (see :func:`disagreement_findings`)."""
    return disagreement_findings(
        result.table, result.rank_correlation, policy or Policy(), analyzer=ANALYZER
    )
