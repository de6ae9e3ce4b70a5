"""Exact linear SHAP in closed form.

For a linear model ``f(x) = w . x + b`` with independent features, the SHAP value
of feature ``j`` for row ``i`` is ``phi_ij = w_j (x_ij - E[x_j])`` and the base
value is ``w . E[x] + b`` (shap's ``LinearExplainer`` with an ``Independent``
masker). Expectations are taken over every audited row, in the space the
coefficients act on (after a Pipeline's preprocessing); for a binary logistic
regression that is the log-odds of the positive class.
"""

from __future__ import annotations

import numpy as np

from audit.attributions._job import ExplainJob, RawAttributions
from audit.attributions._outputs import linear_output, linear_parameters

__all__ = ["explain_linear", "linear_shap"]


def linear_shap(
    matrix: np.ndarray, weights: np.ndarray, intercept: np.ndarray, mean: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Closed-form SHAP values of a linear model.

    Parameters
    ----------
    matrix : numpy.ndarray
        Rows to explain, ``(n_rows, n_features)``.
    weights : numpy.ndarray
        ``(n_features, n_outputs)``.
    intercept : numpy.ndarray
        ``(n_outputs,)``.
    mean : numpy.ndarray
        Background mean of each feature, ``(n_features,)``.

    Returns
    -------
    values : numpy.ndarray
        ``(n_rows, n_features, n_outputs)``.
    base_value : numpy.ndarray
        ``(n_outputs,)``.
    """
    centered = matrix - mean
    values = centered[:, :, None] * weights[None, :, :]
    return values, mean @ weights + intercept


def explain_linear(job: ExplainJob) -> RawAttributions:
    """Linear SHAP of a linear final estimator against the mean of every audited row."""
    est = job.adapter.final_estimator
    output = linear_output(job.adapter)
    weights, intercept = linear_parameters(est, job.matrix.shape[1])
    values, base = linear_shap(job.matrix, weights, intercept, job.background.mean(axis=0))
    return RawAttributions(
        values=values,
        base_values=np.broadcast_to(base, (len(job.matrix), len(base))),
        model_output=output.fn(job.matrix),
        output=output,
        level="transformed",
        explainer="linear",
    )
