"""Explain a model: choose the explainer, sample rows by group, run it, check additivity."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pandas as pd

from audit.adapters import ModelAdapter
from audit.attributions._additivity import ADDITIVITY_RTOL
from audit.attributions._choose import choose_explainer
from audit.attributions._deep import (
    explain_deep,
    explain_gradient,
    explain_integrated,
    explain_shap_deep,
    explain_shap_gradient,
)
from audit.attributions._inputs import matrix_sources
from audit.attributions._job import ExplainJob, RawAttributions
from audit.attributions._linear import explain_linear
from audit.attributions._permutation import explain_permutation
from audit.attributions._progress import resolve_progress
from audit.attributions._result import AttributionResult, build_result
from audit.attributions._sample import StratifiedSample, stratified_sample
from audit.attributions._settings import attribution_settings, attributions_key
from audit.attributions._tree import explain_tree
from audit.context import AuditContext, build_context

__all__ = [
    "ADDITIVITY_RTOL",
    "DEFAULT_MAX_ROWS",
    "PERMUTATION_MAX_ROWS",
    "RUNNERS",
    "context_attributions",
    "explain",
]

DEFAULT_MAX_ROWS = 2000
PERMUTATION_MAX_ROWS = 200
"""Default row budget of the (slow) permutation explainer."""

RUNNERS: dict[str, Callable[[ExplainJob], RawAttributions]] = {
    "linear": explain_linear,
    "tree": explain_tree,
    "deep": explain_deep,
    "gradient": explain_gradient,
    "integrated_gradients": explain_integrated,
    "shap_deep": explain_shap_deep,
    "shap_gradient": explain_shap_gradient,
    "permutation": explain_permutation,
}

_FELL_BACK = "{name} explainer failed ({error}); fell back to the permutation explainer"


def _flip_binary(raw: RawAttributions, label: Any) -> RawAttributions:
    """Explain the other class of a binary model: negate (and, for probabilities, complement)."""
    offset = 1.0 if raw.output.space == "probability" else 0.0
    output = dataclasses.replace(raw.output, names=(str(label),))
    return dataclasses.replace(
        raw,
        values=-raw.values,
        base_values=offset - raw.base_values,
        model_output=offset - raw.model_output,
        output=output,
    )


def explain(
    model: Any,
    X: Any,
    *,
    sensitive_features: Any = None,
    explainer: str = "auto",
    max_rows: int | None = None,
    background_size: int = 100,
    random_state: int = 0,
    pos_label: Any = None,
    progress: bool | None = None,
    additivity_tolerance: float | None = None,
) -> AttributionResult:
    """SHAP attributions of a model on a sample of rows stratified by sensitive group.

    The inputs are validated as :func:`audit.audit_model` validates them
    (:func:`audit.context.build_context`), and the attributions are
    :func:`context_attributions` of that context: the same numbers as the
    ``attributions`` section of an audit with the same data, seed and settings.

    Parameters
    ----------
    model : estimator, Pipeline, torch.nn.Module or ModelAdapter
        The fitted model. A Pipeline's final estimator is explained in the
        space it sees; attributions of one-hot columns are summed back to the
        column they encode.
    X : table
        The data (pandas, polars, pyarrow or a 2-D array).
    sensitive_features : column name(s), Series, DataFrame or array, optional
        Groups to stratify the sample by and to summarise attributions per.
    explainer : str, default="auto"
        ``"auto"``, ``"linear"``, ``"tree"``, ``"deep"``, ``"gradient"``,
        ``"integrated_gradients"``, ``"shap_deep"``, ``"shap_gradient"`` or
        ``"permutation"``. ``"auto"`` asks each explainer's probe in turn (see
        :func:`choose_explainer`).
        For torch modules ``"deep"`` (batched DeepLIFT-SHAP, the default),
        ``"gradient"`` (batched expected gradients) and ``"integrated_gradients"``
        (from the background's mean, complete to about 1e-7) run rows ×
        background in large batches; ``"shap_deep"`` and ``"shap_gradient"`` run
        shap's own DeepExplainer / GradientExplainer (slower, same values).
    max_rows : int, optional
        Row budget (default 2,000; 200 for the permutation explainer).
    background_size : int, default=100
        Background rows sampled for the torch and permutation explainers
        (integrated gradients start from their mean).
    random_state : int, default=0
        Seed for sampling and explainers.
    pos_label : object, optional
        For binary models, the class whose score is explained (default the
        model's positive class ``classes[1]``).
    progress : bool, optional
        Show a progress bar; by default only when standard error is a terminal.
    additivity_tolerance : float, optional
        Largest acceptable ``|base + sum(values) - output|`` on every row; by
        default each row has its own, :data:`ADDITIVITY_RTOL` of the explainer
        times ``max(|output - base|, spread of the output)`` plus a rounding
        allowance (see :mod:`audit.attributions._additivity`).

    Returns
    -------
    AttributionResult
    """
    settings = attribution_settings(
        {
            "explainer": explainer,
            "max_rows": max_rows,
            "background_size": background_size,
            "progress": progress,
            "additivity_tolerance": additivity_tolerance,
        }
    )
    ctx = build_context(
        model,
        X,
        None,
        sensitive_features=sensitive_features,
        pos_label=pos_label,
        random_state=random_state,
        analyzer_options={"attributions": settings},
    )
    return context_attributions(ctx, **settings)


def context_attributions(
    ctx: AuditContext,
    *,
    explainer: str = "auto",
    max_rows: int | None = None,
    background_size: int = 100,
    progress: bool | None = None,
    additivity_tolerance: float | None = None,
) -> AttributionResult:
    """The attributions of an audit's model with these settings, computed once per context.

    The context supplies the data, the sensitive groups, the seed and the
    positive class; the settings are :func:`explain`'s. The first ask computes
    and caches the result under :func:`attributions_key` (a failure is cached
    too, so it is paid for once); every later ask with the same settings, from
    any analyzer, gets the same object. The audit's ``attributions`` analyzer,
    the SHAP column of the importance table and the proxies' reliance all read
    ``context_attributions(ctx, **ctx.options_for("attributions"))``.

    Returns
    -------
    AttributionResult
    """
    settings = attribution_settings(
        {
            "explainer": explainer,
            "max_rows": max_rows,
            "background_size": background_size,
            "progress": progress,
            "additivity_tolerance": additivity_tolerance,
        }
    )
    return ctx.derived(
        attributions_key(settings),
        lambda: _explain(
            ctx.adapter,
            ctx.X,
            ctx.sensitive,
            random_state=ctx.random_state,
            pos_label=ctx.pos_label,
            **settings,
        ),
    )


def _explain(
    adapter: ModelAdapter,
    frame: pd.DataFrame,
    sensitive: pd.DataFrame | None,
    *,
    explainer: str,
    max_rows: int | None,
    background_size: int,
    random_state: int,
    pos_label: Any,
    progress: bool | None,
    additivity_tolerance: float | None,
) -> AttributionResult:
    transformed = adapter.transform(frame)
    choice = choose_explainer(adapter, transformed.matrix[:8], explainer=explainer)
    sources = matrix_sources(adapter, transformed)

    def run(name: str) -> tuple[RawAttributions, StratifiedSample]:
        default = PERMUTATION_MAX_ROWS if name == "permutation" else DEFAULT_MAX_ROWS
        sample = stratified_sample(
            sensitive, len(frame), max_rows=max_rows or default, random_state=random_state
        )
        every_row = len(sample.positions) == len(frame)
        job = ExplainJob(
            adapter=adapter,
            matrix=transformed.matrix if every_row else transformed.matrix[sample.positions],
            background=transformed.matrix,
            sources=sources,
            background_size=background_size,
            random_state=random_state,
            progress=resolve_progress(progress),
        )
        return RUNNERS[name](job), sample

    reason = choice.reason
    try:
        raw, sample = run(choice.name)
    except Exception as exc:  # "auto" falls back to the model-agnostic explainer
        if explainer != "auto" or choice.name == "permutation":
            raise
        error = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        reason = f"{reason}; " + _FELL_BACK.format(name=choice.name, error=error)
        raw, sample = run("permutation")
    classes = adapter.classes
    if (
        adapter.task == "binary"
        and pos_label is not None
        and classes is not None
        and len(classes) == 2
        and pos_label == classes[0]
    ):
        raw = _flip_binary(raw, pos_label)
    return build_result(
        raw,
        reason=reason,
        frame=frame,
        groups=sensitive,
        sample=sample,
        transformed_names=tuple(transformed.feature_names),
        sources=sources,
        tolerance=additivity_tolerance,
        random_state=random_state,
    )
