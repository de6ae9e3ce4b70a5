"""Tree ensembles: shap.TreeExplainer, exact, in the ensemble's raw output space.

The explainer is built without background data (``tree_path_dependent``, as
``shap.TreeExplainer(model)`` does), so the attributions are exactly shap's own
for the same rows. Gradient boosting explains the raw margin (log-odds for
binary classifiers); forests and single trees explain probabilities.
"""

from __future__ import annotations

import numpy as np

from audit.attributions._job import ExplainJob, RawAttributions
from audit.attributions._outputs import tree_output

__all__ = ["explain_tree"]

_MIN_BATCH = 2000


def explain_tree(job: ExplainJob) -> RawAttributions:
    """shap.TreeExplainer on the final estimator, over the job's rows."""
    import shap

    est = job.adapter.final_estimator
    output = tree_output(job.adapter)
    explainer = shap.TreeExplainer(est)
    n = len(job.matrix)
    size = max(_MIN_BATCH, -(-n // 20))
    parts = [
        np.asarray(explainer.shap_values(job.matrix[rows], check_additivity=False), dtype=float)
        for rows in job.batches(size, "SHAP (TreeExplainer)")
    ]
    values = np.concatenate(parts) if len(parts) > 1 else parts[0]
    if values.ndim == 2:
        values = values[:, :, None]
    expected = np.asarray(explainer.expected_value, dtype=float).reshape(-1)
    if job.adapter.task == "binary" and values.shape[2] == 2:  # probability of each class
        values, expected = values[:, :, 1:], expected[1:]
    return RawAttributions(
        values=values,
        base_values=np.broadcast_to(expected, (n, len(expected))),
        model_output=output.fn(job.matrix),
        output=output,
        level="transformed",
        explainer="tree",
    )
