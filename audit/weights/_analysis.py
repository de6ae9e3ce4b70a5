"""The weight analysis: pick the right reading of a model's parameters and judge it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, TypeVar

import numpy as np
import pandas as pd

from audit._frames import to_pandas_frame
from audit.adapters import ModelAdapter, make_adapter
from audit.context import AuditContext, build_context
from audit.errors import UnsupportedModelError
from audit.findings import Finding
from audit.policy import Policy
from audit.weights._complexity import complexity
from audit.weights._concentration import concentration, source_table
from audit.weights._findings import (
    dead_unit_findings,
    imbalanced_weights_finding,
    scale_findings,
    sensitive_use_findings,
)
from audit.weights._inputs import column_std, design_matrix, is_text_pipeline
from audit.weights._linear import by_source_weights, coefficient_table
from audit.weights._result import WeightsResult
from audit.weights._stats import pooled_summary, summary_stats
from audit.weights._text import token_table
from audit.weights._trees import tree_statistics

__all__ = [
    "ModelKind",
    "model_kind",
    "analyze_weights",
    "weights_from_adapter",
    "as_frame",
    "coefficient_importance",
    "context_coefficients",
    "context_weights",
]

T = TypeVar("T")

ModelKind = Literal["linear", "tree", "torch", "other"]

_UNSUPPORTED = (
    "The weight analysis reads linear models (coef_), tree models (DecisionTree, RandomForest, "
    "ExtraTrees, GradientBoosting, HistGradientBoosting, LightGBM, XGBoost) and torch modules; "
    "got {name}, whose parameters are not per-feature weights."
)
_LINEAR_BASIS = "|standardized coefficient| (coef × std of the model column)"
_TEXT_BASIS = "|standardized coefficient| per token"
_TORCH_BASIS = "first-layer weight column norm × input std"
_TOKENS_K = 10


def model_kind(adapter: ModelAdapter) -> ModelKind:
    """Which weight analysis applies to a wrapped model (the adapter's family)."""
    return adapter.family


def coefficient_importance(model: Any, X: Any, sample_weight: Any = None) -> pd.Series | None:
    """|standardized coefficient| per input column: the one definition of coefficient importance.

    For each model column, ``|coef| × std`` (the change of the raw output for a
    one-standard-deviation change of the column, weighted by ``sample_weight``),
    summed over the classes of a multiclass model and over the one-hot columns
    of one input column. A coefficient times its column's standard deviation
    makes columns of different scales comparable. The weight analysis's
    ``by_source["weight"]`` and the importance table's ``coefficient`` column
    are both this number (:func:`context_coefficients` in an audit).

    Parameters
    ----------
    model : estimator, Pipeline or ModelAdapter
        The fitted model.
    X : table
        Data whose spread standardizes the coefficients.
    sample_weight : array-like, optional
        Row weights of the standard deviations.

    Returns
    -------
    pandas.Series or None
        Indexed by input column (``name="coefficient"``), or None when the
        model's final estimator is not linear.
    """
    adapter = make_adapter(model)
    if adapter.family != "linear":
        return None
    frame = as_frame(X, adapter)
    weights_ = None if sample_weight is None else np.asarray(sample_weight, dtype=float)
    design = design_matrix(adapter, frame)
    table, _ = coefficient_table(
        adapter.final_estimator, design, classes=adapter.classes, sample_weight=weights_
    )
    weights, _ = by_source_weights(table, key="source")
    weights.index = pd.Index([str(i) for i in weights.index], name="feature")
    return weights.rename("coefficient")


def context_coefficients(ctx: AuditContext) -> pd.Series | None:
    """:func:`coefficient_importance` of an audit's model, computed once per context.

    The |standardized coefficient| per input column, with the context's data
    and row weights (None when the model is not linear): the importance
    table's ``coefficient`` column, and the same numbers as the weight
    analysis's ``by_source["weight"]``.
    """
    return ctx.derived(
        ("coefficients",),
        lambda: coefficient_importance(ctx.adapter, ctx.X, ctx.sample_weight),
    )


def context_weights(ctx: AuditContext) -> WeightsResult:
    """The weight analysis of an audit's model (what the ``weights`` analyzer reports).

    With the context's data, row weights, policy and the sensitive attributes
    that are model inputs; :func:`analyze_weights` builds a context and calls
    this, so its result equals the audit's.

    Raises
    ------
    UnsupportedModelError
        The model's parameters are not per-feature weights.
    """
    return weights_from_adapter(
        ctx.adapter,
        ctx.X,
        sensitive_in_model=ctx.sensitive_in_model,
        policy=ctx.policy,
        sample_weight=ctx.sample_weight,
    )


def as_frame(X: Any, adapter: ModelAdapter) -> pd.DataFrame:
    """X as a DataFrame; a 1-D array / Series of documents becomes one column ``text``."""
    if isinstance(X, pd.Series):
        return X.to_frame(name=str(X.name) if X.name is not None else "text")
    if isinstance(X, (list, tuple, np.ndarray)) and np.ndim(np.asarray(X, dtype=object)) == 1:
        return pd.DataFrame({"text": np.asarray(X, dtype=object)})
    return to_pandas_frame(X, column_names=adapter.input_features)


def _inputs(adapter: ModelAdapter, X: pd.DataFrame) -> list[str]:
    return list(adapter.input_features or [str(c) for c in X.columns])


def analyze_weights(
    model: Any,
    X: Any,
    *,
    sensitive_features: Any = None,
    policy: Policy | None = None,
    sample_weight: Any = None,
    adapter_options: dict[str, Any] | None = None,
) -> WeightsResult:
    """Read a fitted model's learned weights on audit data and judge them.

    The inputs are validated as :func:`audit.audit_model` validates them
    (:func:`audit.context.build_context`) and the analysis is
    :func:`context_weights` of that context, so the result equals the audit's
    ``weights`` section on the same data.

    Parameters
    ----------
    model : estimator, Pipeline, torch.nn.Module or ModelAdapter
        The fitted model (never modified).
    X : DataFrame-like, or 1-D array / Series of documents for text pipelines
        Audit data; column spreads are measured on it.
    sensitive_features : column name(s), Series, DataFrame or array, optional
        The sensitive attributes, as in :func:`audit.audit_model`; those that
        are model inputs are checked for direct use (``sensitive_attribute_used``).
    policy : Policy, optional
        Thresholds (``weight_concentration``, ``sensitive_weight_share``).
    sample_weight : array-like, optional
        Row weights for the column standard deviations.
    adapter_options : dict, optional
        Passed to :func:`audit.adapters.make_adapter` (torch: ``task``, ``preprocess``,
        ``feature_names``, ...).

    Returns
    -------
    WeightsResult
        With ``findings`` set.

    Raises
    ------
    UnsupportedModelError
        The model's parameters are not per-feature weights (e.g. an RBF SVC, KNN).
    """
    adapter = make_adapter(model, **dict(adapter_options or {}))
    ctx = build_context(
        adapter,
        as_frame(X, adapter),
        None,
        sensitive_features=sensitive_features,
        sample_weight=sample_weight,
        policy=policy,
    )
    return context_weights(ctx)


def weights_from_adapter(
    adapter: ModelAdapter,
    X: pd.DataFrame,
    *,
    sensitive_in_model: Sequence[str] = (),
    policy: Policy,
    sample_weight: np.ndarray | None = None,
) -> WeightsResult:
    """The analysis on an adapter and a validated frame (what the analyzer calls).

    See :func:`analyze_weights`; raises :class:`UnsupportedModelError` for kind ``"other"``.
    """
    kind = model_kind(adapter)
    if kind == "linear":
        return _linear(adapter, X, sensitive_in_model, policy, sample_weight)
    if kind == "tree":
        return _tree(adapter, X, sensitive_in_model, policy)
    if kind == "torch":
        return _torch(adapter, X, sensitive_in_model, policy)
    final = adapter.final_estimator
    raise UnsupportedModelError(_UNSUPPORTED.format(name=type(final).__name__))


def _judge(
    by_source: pd.DataFrame,
    basis: str,
    sensitive_in_model: Sequence[str],
    policy: Policy,
    columns: pd.DataFrame | None,
) -> tuple[dict[str, Any] | None, list[Finding]]:
    if by_source.empty:
        return None, []
    conc = concentration(by_source, basis=basis)
    findings: list[Finding] = []
    imbalanced = imbalanced_weights_finding(conc, policy)
    if imbalanced is not None:
        findings.append(imbalanced)
    findings += sensitive_use_findings(
        by_source, sensitive_in_model, policy, basis=basis, columns=columns
    )
    return conc, findings


def _linear(
    adapter: ModelAdapter,
    X: pd.DataFrame,
    sensitive_in_model: Sequence[str],
    policy: Policy,
    sample_weight: np.ndarray | None,
) -> WeightsResult:
    final = adapter.final_estimator
    design = design_matrix(adapter, X)
    table, intercepts = coefficient_table(
        final, design, classes=adapter.classes, sample_weight=sample_weight
    )
    key = "feature" if design.text else "source"
    weights, n_columns = by_source_weights(table, key=key)
    by_source = source_table(weights, n_columns=n_columns, sensitive=sensitive_in_model)
    basis = _TEXT_BASIS if design.text else _LINEAR_BASIS
    per_column = (
        table.assign(weight=table["standardized"].abs())
        .groupby(["feature", "source"], sort=False, as_index=False)["weight"]
        .sum()
    )
    conc, findings = _judge(by_source, basis, sensitive_in_model, policy, per_column)
    coef = table["coef"].to_numpy()
    nonzero_columns = table.loc[~table["is_zero"], "feature"].nunique()
    used_sources = table.loc[~table["is_zero"], "source"].nunique()
    n_intercepts = len(intercepts)
    notes = []
    if np.isnan(table["std"].to_numpy(dtype=float)).all():
        notes.append(
            "The model columns could not be matched to the data, so coefficients are not "
            "standardized."
        )
    if design.text:
        notes.append(
            "Text model: weights are per token of one text column; concentration is per token."
        )
    return WeightsResult(
        model_kind="linear",
        estimator=adapter.name,
        summary={"of": "coefficients", **summary_stats(coef)},
        by_source=by_source,
        concentration=conc,
        complexity=complexity(
            "linear",
            n_parameters=len(coef) + n_intercepts,
            n_nonzero=int(np.count_nonzero(coef)) + sum(1 for v in intercepts.values() if v != 0),
            n_features_in=len(_inputs(adapter, X)) if not design.text else 1,
            n_features_used=int(used_sources),
            hyperparameters=adapter.hyperparameters(),
            n_nonzero_features=int(nonzero_columns),
        ),
        coefficients=table,
        intercepts=intercepts,
        tokens=token_table(table, k=_TOKENS_K) if design.text else None,
        notes=tuple(notes),
        findings=tuple(findings),
    )


def _names_sources(adapter: ModelAdapter, X: pd.DataFrame) -> tuple[list[str], list[str]]:
    inputs = _inputs(adapter, X)
    if adapter.kind == "sklearn" and getattr(adapter, "is_pipeline", False):
        if is_text_pipeline(adapter.model):
            design = design_matrix(adapter, X)
            return design.names, design.sources
        return adapter.feature_sources(inputs)  # type: ignore[attr-defined]
    return inputs, inputs


def _tree(
    adapter: ModelAdapter, X: pd.DataFrame, sensitive_in_model: Sequence[str], policy: Policy
) -> WeightsResult:
    final = adapter.final_estimator
    names, sources = _names_sources(adapter, X)
    features, structure = tree_statistics(final, names, sources)
    grouped = features.groupby("source", sort=False)
    by_source = source_table(
        grouped["importance"].sum(),
        n_columns=grouped["feature"].nunique(),
        sensitive=sensitive_in_model,
    )
    basis = f"{structure['importance_kind'].replace('_', ' ')} importance"
    columns = features.rename(columns={"importance": "weight"})[["feature", "source", "weight"]]
    conc, findings = _judge(by_source, basis, sensitive_in_model, policy, columns)
    importance = features["importance"].to_numpy()
    notes = (structure["note"],) if structure["note"] else ()
    return WeightsResult(
        model_kind="tree",
        estimator=adapter.name,
        summary={"of": "feature_importances", **summary_stats(importance)},
        by_source=by_source,
        concentration=conc,
        complexity=complexity(
            "tree",
            n_parameters=structure["n_nodes"],
            n_nonzero=int(np.count_nonzero(importance)),
            n_features_in=len(_inputs(adapter, X)),
            n_features_used=int(features.loc[features["split_count"] > 0, "source"].nunique()),
            hyperparameters=adapter.hyperparameters(),
            depth=structure["depth_max"],
            n_leaves=structure["n_leaves"],
            n_trees=structure["n_trees"],
            tree_family=structure["family"],
        ),
        trees=features,
        tree_structure=structure,
        notes=notes,
        findings=tuple(findings),
    )


def _torch(
    adapter: ModelAdapter, X: pd.DataFrame, sensitive_in_model: Sequence[str], policy: Policy
) -> WeightsResult:
    from audit.weights._torch import dead_unit_table, input_weight_table, layer_table

    module = adapter.model
    layers = layer_table(module)
    data = adapter.transform(X)
    matrix = adapter.input_matrix(X)  # type: ignore[attr-defined]
    input_weights, note = input_weight_table(
        module, matrix, list(data.feature_names), column_std(data.matrix)
    )
    dead = dead_unit_table(module, matrix, batch_size=getattr(adapter, "batch_size", 65536))
    if input_weights is not None:
        # One-hot columns made by a traced sklearn preprocess add up to their input column.
        columns = input_weights.assign(source=list(data.sources))
        grouped = columns.groupby("source", sort=False)["weight"]
        by_source = source_table(
            grouped.sum(), n_columns=grouped.size(), sensitive=sensitive_in_model
        )
        conc, findings = _judge(by_source, _TORCH_BASIS, sensitive_in_model, policy, columns)
    else:
        by_source = source_table(pd.Series(dtype=float), sensitive=sensitive_in_model)
        conc, findings = None, []
    findings += scale_findings(layers)
    findings += dead_unit_findings(dead)
    notes = [note] if note else []
    if dead is None:
        notes.append(
            "No nn.ReLU / nn.ReLU6 modules to hook, so dead units were not counted "
            "(functional activations such as F.relu cannot be observed)."
        )
    summary = pooled_summary(p.detach().cpu().double().numpy() for p in module.parameters())
    n_layers = sum(
        1
        for _, mod in module.named_modules()
        if not list(mod.children()) and any(True for _ in mod.parameters(recurse=False))
    )
    return WeightsResult(
        model_kind="torch",
        estimator=adapter.name,
        summary={"of": "all parameters", **summary},
        by_source=by_source,
        concentration=conc,
        complexity=complexity(
            "torch",
            n_parameters=summary["count"],
            n_nonzero=summary["count"] - summary["n_zero"],
            n_features_in=int(matrix.shape[1]),
            n_features_used=int((input_weights["column_norm"] > 0).sum())
            if input_weights is not None
            else int(matrix.shape[1]),
            hyperparameters=adapter.hyperparameters(),
            n_layers=n_layers,
        ),
        layers=layers,
        input_weights=input_weights,
        dead_units=dead,
        notes=tuple(notes),
        findings=tuple(findings),
    )
