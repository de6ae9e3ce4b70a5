"""Compute every importance method for a model and put them side by side.

Inside an audit every input of the table is a quantity of the audit's context,
computed once whichever analyzer asks: permutation importance
(:func:`context_permutation`), the |standardized coefficient|
(:func:`audit.weights.context_coefficients`) and the SHAP column
(:func:`audit.attributions.context_attributions` with the audit's attribution
settings). :func:`context_importance` assembles them; the ``importance``
analyzer and :func:`feature_importance` both call it, so the standalone table
equals ``report.importance``.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any, TypeVar

import pandas as pd

from audit.attributions import context_attributions, shap_available
from audit.context import AuditContext, build_context
from audit.findings import Finding
from audit.importance._compare import (
    comparison_table,
    disagreement_findings,
    rank_correlations,
)
from audit.importance._drop_column import drop_column_importance
from audit.importance._permutation import (
    DEFAULT_MAX_FEATURES,
    PermutationImportance,
    permutation_importance,
)
from audit.importance._result import ImportanceResult
from audit.policy import Policy
from audit.weights import context_coefficients

if TYPE_CHECKING:  # pragma: no cover
    from audit.attributions import AttributionResult

__all__ = [
    "IMPORTANCE_DEFAULTS",
    "PERMUTATION_DEFAULTS",
    "context_importance",
    "context_permutation",
    "feature_importance",
    "importance_findings",
]

T = TypeVar("T")

ANALYZER = "importance"
PERMUTATION_DEFAULTS: dict[str, Any] = {
    "n_repeats": 5,
    "max_rows": 10_000,
    "scoring": None,
    "max_features": DEFAULT_MAX_FEATURES,
}
"""Settings of permutation importance and their defaults."""
IMPORTANCE_DEFAULTS: dict[str, Any] = {
    **PERMUTATION_DEFAULTS,
    "drop_column": False,
    "max_drop_features": 10,
    "drop_test_size": 0.3,
    "shap": True,
}
"""Settings of the importance table (the ``importance`` analyzer's options) and their defaults."""

_NO_COEF = "coefficient: the final estimator is not linear"
_NO_SHAP = "shap: not requested (shap=False)"
_NO_SHAP_LIBRARY = "shap: shap is not installed (pip install shap)"
_SHAP_FAILED = "shap: the attributions could not be computed ({error})"
_NO_DROP = "drop_column: not requested (opt-in; it refits the model once per column)"
_NO_DROP_TORCH = "drop_column: torch modules cannot be refitted here"
_SCREEN_COEF = "|standardized coefficient|"


def _key(name: str, settings: dict[str, Any]) -> tuple[Hashable, ...]:
    """A hashable cache key; an unhashable setting (a scorer object) is keyed by identity."""
    items: list[tuple[str, Any]] = []
    for k, v in sorted(settings.items()):
        try:
            hash(v)
        except TypeError:
            v = ("id", id(v))
        items.append((k, v))
    return (name, *items)


def context_permutation(
    ctx: AuditContext,
    *,
    n_repeats: int = 5,
    max_rows: int | None = 10_000,
    scoring: str | Callable[..., float] | None = None,
    max_features: int | None = DEFAULT_MAX_FEATURES,
) -> PermutationImportance:
    """Permutation importance of an audit's model, computed once per context and settings.

    Scored against the context's labels, or its model's own predictions without
    labels (reliance rather than accuracy), with the context's row weights and
    seed. With more than ``max_features`` input columns only the
    ``max_features`` ranked highest by a first pass get the full repeats (the
    first pass is the context's |standardized coefficient| for linear models:
    :func:`audit.weights.context_coefficients`); the result names the others
    (:attr:`PermutationImportance.note`). A failure is remembered too, so it is
    paid for once.

    Returns
    -------
    PermutationImportance
    """
    settings = {
        "n_repeats": n_repeats,
        "max_rows": max_rows,
        "scoring": scoring,
        "max_features": max_features,
    }

    def compute() -> PermutationImportance:
        screening = None
        n_columns = len(ctx.adapter.used_columns(ctx.X))
        if max_features is not None and n_columns > max_features:
            coefficients = context_coefficients(ctx)
            if coefficients is not None:
                screening = coefficients.rename(_SCREEN_COEF)
        return permutation_importance(
            ctx.adapter,
            ctx.X,
            ctx.targets.target,
            random_state=ctx.random_state,
            sample_weight=ctx.sample_weight,
            screening=screening,
            **settings,
        )

    return ctx.derived(_key("permutation", settings), compute)


def context_importance(
    ctx: AuditContext,
    *,
    n_repeats: int = 5,
    max_rows: int | None = 10_000,
    scoring: str | Callable[..., float] | None = None,
    max_features: int | None = DEFAULT_MAX_FEATURES,
    drop_column: bool = False,
    max_drop_features: int = 10,
    drop_test_size: float = 0.3,
    shap: bool = True,
) -> ImportanceResult:
    """The importance table of an audit's model, from the context's cached quantities.

    What the ``importance`` analyzer reports (its options are these settings)
    and what :func:`feature_importance` returns. Permutation importance is
    :func:`context_permutation` with ``n_repeats``, ``max_rows``, ``scoring``
    and ``max_features`` (the cap's note joins the result's notes); the coefficient column is
    :func:`audit.weights.context_coefficients`; the SHAP column (``shap=True``
    and shap installed) is :func:`audit.attributions.context_attributions` with
    the context's attribution settings, the attributions the audit reports.

    Returns
    -------
    ImportanceResult
    """
    return _assemble(
        ctx,
        n_repeats=n_repeats,
        max_rows=max_rows,
        scoring=scoring,
        max_features=max_features,
        drop_column=drop_column,
        max_drop_features=max_drop_features,
        drop_test_size=drop_test_size,
        shap=shap,
    )


def _assemble(
    ctx: AuditContext,
    *,
    n_repeats: int,
    max_rows: int | None,
    scoring: str | Callable[..., float] | None,
    max_features: int | None,
    drop_column: bool,
    max_drop_features: int,
    drop_test_size: float,
    shap: bool,
    attributions: AttributionResult | None = None,
    coefficients: pd.Series | None = None,
    permutation: PermutationImportance | None = None,
    target: str | None = None,
    notes: tuple[str, ...] = (),
) -> ImportanceResult:
    """The table from the given quantities, asking the context for those not given."""
    adapter = ctx.adapter
    features = [str(c) for c in adapter.used_columns(ctx.X)]
    notes_ = list(notes)
    perm = permutation
    if perm is None:
        perm = context_permutation(
            ctx,
            n_repeats=n_repeats,
            max_rows=max_rows,
            scoring=scoring,
            max_features=max_features,
        )
    if perm.capped:
        notes_.append(perm.note)
    coefficient = coefficients if coefficients is not None else context_coefficients(ctx)
    if coefficient is None:
        notes_.append(_NO_COEF)
    if attributions is None and not any(n.startswith("shap:") for n in notes_):
        if not shap:
            notes_.append(_NO_SHAP)
        elif not shap_available():
            notes_.append(_NO_SHAP_LIBRARY)
        else:
            try:
                attributions = context_attributions(ctx, **ctx.options_for("attributions"))
            except Exception as exc:  # the attributions analyzer reports it
                notes_.append(_SHAP_FAILED.format(error=f"{type(exc).__name__}: {exc}"))
    shap_column = None if attributions is None else attributions.importance["mean_abs"]
    drop = None
    if drop_column and adapter.kind == "sklearn":
        order = perm.table["mean"].sort_values(ascending=False, kind="stable").index
        drop = drop_column_importance(
            adapter.model,
            ctx.X,
            ctx.targets.target,
            columns=list(order),
            max_features=max_drop_features,
            test_size=drop_test_size,
            scoring=scoring,
            random_state=ctx.random_state,
        )
    else:
        notes_.append(_NO_DROP_TORCH if drop_column else _NO_DROP)
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
    if target is None:
        target = "y_true" if ctx.y_true is not None else "y_pred"
    return ImportanceResult(
        table=table,
        rank_correlation=rank_correlations(table),
        methods=methods,
        permutation=perm,
        drop_column=drop,
        target=target,
        notes=tuple(notes_),
        attributions=attributions,
    )


def feature_importance(
    model: Any,
    X: Any,
    y: Any = None,
    *,
    scoring: str | Callable[..., float] | None = None,
    n_repeats: int = 5,
    random_state: int = 0,
    sample_weight: Any = None,
    max_rows: int | None = 10_000,
    max_features: int | None = DEFAULT_MAX_FEATURES,
    attributions: AttributionResult | None = None,
    drop_column: bool = False,
    max_drop_features: int = 10,
    drop_test_size: float = 0.3,
    coefficients: pd.Series | None = None,
    permutation: PermutationImportance | None = None,
    target: str | None = None,
    notes: tuple[str, ...] = (),
    shap: bool = True,
    sensitive_features: Any = None,
    pos_label: Any = None,
) -> ImportanceResult:
    """Coefficient, permutation, SHAP and (opt-in) drop-column importance in one table.

    The inputs are validated as :func:`audit.audit_model` validates them
    (:func:`audit.context.build_context`) and the table is
    :func:`context_importance` of that context: the same numbers as
    ``report.importance`` of an audit with the same data, seed and settings.

    Parameters
    ----------
    model : estimator, Pipeline, torch.nn.Module or ModelAdapter
        The fitted model.
    X : table
        The data.
    y : array-like, optional
        Labels; without them permutation importance scores against the
        model's own predictions (reliance rather than accuracy).
    scoring : str or callable, optional
        Default ``"accuracy"`` (classifiers) or ``"r2"`` (regressors).
    n_repeats : int, default=5
        Shuffles per column for permutation importance.
    random_state : int, default=0
        Seed.
    sample_weight : array-like, optional
        Row weights for permutation importance's score and the coefficients' spread.
    max_rows : int or None, default=10000
        Rows scored by permutation importance.
    max_features : int or None, default=100
        Input columns permutation importance shuffles with the full repeats, at
        most: with more, the ``max_features`` ranked highest by a first pass
        (|standardized coefficient| for linear models, else one shuffle on a
        few rows); the notes name the columns left out. None shuffles every column.
    attributions : AttributionResult, optional
        SHAP attributions already computed (:func:`audit.attributions.explain`)
        for the ``shap`` column; by default they are computed here (``shap=True``).
    drop_column : bool, default=False
        Also refit without each of the ``max_drop_features`` most
        permutation-important columns (sklearn models only).
    max_drop_features : int, default=10
        Columns refitted without, at most.
    drop_test_size : float, default=0.3
        Held-out share for drop-column scoring.
    coefficients : pandas.Series, optional
        |standardized coefficient| per input column, if already known; computed
        here (:func:`audit.weights.coefficient_importance`) otherwise.
    permutation : PermutationImportance, optional
        Permutation importance already computed with these settings; computed
        here otherwise.
    target : {"y_true", "y_pred"}, optional
        Recorded in the result: what ``y`` is (default ``"y_true"`` with
        labels, ``"y_pred"`` without).
    notes : tuple of str, default=()
        Caveats to record in the result.
    shap : bool, default=True
        Add the SHAP column (mean |SHAP|) when shap is installed.
    sensitive_features : column name(s), Series, DataFrame or array, optional
        Groups the SHAP sample is stratified by, as in :func:`audit.audit_model`.
    pos_label : object, optional
        Positive class of a binary task, as in :func:`audit.audit_model`.

    Returns
    -------
    ImportanceResult
    """
    ctx = build_context(
        model,
        X,
        y,
        sensitive_features=sensitive_features,
        sample_weight=sample_weight,
        pos_label=pos_label,
        random_state=random_state,
    )
    return _assemble(
        ctx,
        n_repeats=n_repeats,
        max_rows=max_rows,
        scoring=scoring,
        max_features=max_features,
        drop_column=drop_column,
        max_drop_features=max_drop_features,
        drop_test_size=drop_test_size,
        shap=shap,
        attributions=attributions,
        coefficients=coefficients,
        permutation=permutation,
        target=target,
        notes=tuple(notes),
    )


def importance_findings(result: ImportanceResult, policy: Policy | None = None) -> list[Finding]:
    """``importance_disagreement`` findings for ``result`` (see :func:`disagreement_findings`)."""
    return disagreement_findings(
        result.table, result.rank_correlation, policy or Policy(), analyzer=ANALYZER
    )
