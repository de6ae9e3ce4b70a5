"""torch modules: shap.DeepExplainer (DeepLIFT), or shap.GradientExplainer.

Both explain the module's raw outputs against a background of at most
``background_size`` sampled rows; a two-logit binary head is reduced to the
log-odds ``z1 - z0`` (attributions are linear in the output, so the same
reduction applies to them). DeepExplainer is tried first; when it raises (an
operation it does not support), GradientExplainer (expected gradients) runs
instead and the reason says so. Expected gradients are sampled, so their
additivity is approximate: the result says so (``additivity.kind``) and each row
is held to a loose, relative tolerance (see :mod:`audit.attributions._additivity`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from audit.attributions._job import ExplainJob, RawAttributions, sample_background
from audit.attributions._outputs import torch_forward, torch_output

__all__ = ["explain_deep", "explain_gradient"]

_BATCH = 500
_GRADIENT_SAMPLES = 200
_DEEP_FAILED = "shap.DeepExplainer failed ({error}); used shap.GradientExplainer instead"


def _run(job: ExplainJob, method: str) -> tuple[np.ndarray, np.ndarray]:
    """Raw-output attributions ``(n, p, width)`` and base values ``(width,)``."""
    import shap

    from audit.adapters.torch import import_torch

    torch = import_torch()
    module = job.adapter.model
    background = sample_background(job.background, job.background_size, job.random_state)
    bg_tensor = torch.from_numpy(np.ascontiguousarray(background, dtype=np.float32))
    was_training = module.training
    module.eval()
    state = np.random.get_state()  # noqa: NPY002 - GradientExplainer seeds numpy's global generator
    try:
        explainer: Any
        if method == "deep":
            explainer = shap.DeepExplainer(module, bg_tensor)
            base = np.asarray(explainer.expected_value, dtype=float).reshape(-1)
        else:
            explainer = shap.GradientExplainer(module, bg_tensor)
            base = torch_forward(job.adapter, background).mean(axis=0)
        parts = []
        for rows in job.batches(_BATCH, f"SHAP ({method.title()}Explainer)"):
            batch = torch.from_numpy(np.ascontiguousarray(job.matrix[rows], dtype=np.float32))
            if method == "deep":
                part = explainer.shap_values(batch, check_additivity=False)
            else:
                part = explainer.shap_values(
                    batch, nsamples=_GRADIENT_SAMPLES, rseed=job.random_state
                )
            part = np.asarray(part, dtype=float)
            parts.append(part[:, :, None] if part.ndim == 2 else part)
    finally:
        np.random.set_state(state)  # noqa: NPY002
        module.train(was_training)
    return np.concatenate(parts), base


def _finish(job: ExplainJob, values: np.ndarray, base: np.ndarray, name: str, note: str = ""):
    output = torch_output(job.adapter, values.shape[2])
    combine = output.combine if output.combine is not None else np.eye(values.shape[2])
    return RawAttributions(
        values=values @ combine,
        base_values=np.broadcast_to(base @ combine, (len(job.matrix), combine.shape[1])),
        model_output=output.fn(job.matrix),
        output=output,
        level="transformed",
        explainer=name,
        note=note,
    )


def explain_gradient(job: ExplainJob) -> RawAttributions:
    """shap.GradientExplainer (expected gradients) on a torch module."""
    values, base = _run(job, "gradient")
    return _finish(job, values, base, "gradient")


def explain_deep(job: ExplainJob) -> RawAttributions:
    """shap.DeepExplainer on a torch module, falling back to GradientExplainer."""
    try:
        values, base = _run(job, "deep")
    except Exception as exc:  # any DeepLIFT failure means: try gradients
        values, base = _run(job, "gradient")
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return _finish(job, values, base, "gradient", _DEEP_FAILED.format(error=first))
    return _finish(job, values, base, "deep")
