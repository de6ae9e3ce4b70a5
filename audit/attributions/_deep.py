"""torch modules: batched DeepLIFT-SHAP, expected gradients and integrated gradients,
or shap's own DeepExplainer / GradientExplainer.

The default explainers of a torch module run rows × background in large
batched passes (:mod:`audit.attributions._batched`), against a background of
at most ``background_size`` sampled rows:

* ``"deep"``: DeepLIFT-SHAP (the rescale rule), the values of
  ``shap.DeepExplainer`` and captum's ``DeepLiftShap`` on the same background.
  Its attributions must sum to the output on every row (DeepLIFT's
  summation-to-delta); when they do not (a functional activation or an
  operation without a DeepLIFT rule), or DeepLIFT raises, expected gradients
  run instead and the reason says so.
* ``"gradient"``: expected gradients (``shap.GradientExplainer``, captum's
  ``GradientShap``), 200 sampled (background row, path point) pairs per row.
  They are sampled, so additivity is approximate: the result says so
  (``additivity.kind``) and each row is held to a loose, relative tolerance
  (see :mod:`audit.attributions._additivity`).
* ``"integrated_gradients"``: integrated gradients from the background's mean,
  by adaptive quadrature, complete to about 1e-7 of each row's output change.

``"shap_deep"`` and ``"shap_gradient"`` run shap's own explainers, row batch by
row batch (slower; the same values as ``"deep"``, and the same expected
gradients up to sampling). A two-logit binary head is explained as the
log-odds ``z1 - z0`` (attributions are linear in the output, so the same
reduction applies to them).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from audit.attributions._additivity import check_additivity
from audit.attributions._batched import (
    deeplift_shap,
    expected_gradients,
    integrated_gradients,
)
from audit.attributions._job import ExplainJob, RawAttributions, sample_background
from audit.attributions._outputs import ModelOutput, torch_forward, torch_output

__all__ = [
    "GRADIENT_SAMPLES",
    "explain_deep",
    "explain_gradient",
    "explain_integrated",
    "explain_shap_deep",
    "explain_shap_gradient",
]

_BATCH = 500
GRADIENT_SAMPLES = 200
"""Sampled (background row, path point) pairs per row for expected gradients."""
_IG_BATCH = 100
_SHAP_DEEP_FAILED = "shap.DeepExplainer failed ({error}); used shap.GradientExplainer instead"
_DEEP_FAILED = "DeepLIFT failed ({error}); used expected gradients instead"
_DEEP_NOT_ADDITIVE = (
    "DeepLIFT's attributions did not sum to the output on {failed} of {rows} rows (worst miss "
    "{miss:.3g}): the module computes something its activation modules do not show (a "
    "functional activation, a softmax); used expected gradients instead"
)
_IG_NOT_CONVERGED = (
    "integrated gradients reached the round limit before every row was complete to its "
    "tolerance; the additivity check says by how much"
)


def _output(job: ExplainJob) -> ModelOutput:
    """What is explained, from the module's raw output width."""
    return torch_output(job.adapter, torch_forward(job.adapter, job.matrix[:1]).shape[1])


def _combine(output: ModelOutput) -> np.ndarray:
    assert output.combine is not None
    return np.asarray(output.combine, dtype=float)


def _background(job: ExplainJob) -> np.ndarray:
    return sample_background(job.background, job.background_size, job.random_state)


def _finish(
    job: ExplainJob,
    output: ModelOutput,
    values: np.ndarray,
    base: np.ndarray,
    name: str,
    note: str = "",
) -> RawAttributions:
    """Raw attributions of the explained outputs (``values`` already combined)."""
    return RawAttributions(
        values=values,
        base_values=np.broadcast_to(base, (len(job.matrix), values.shape[2])),
        model_output=output.fn(job.matrix),
        output=output,
        level="transformed",
        explainer=name,
        note=note,
    )


def explain_gradient(job: ExplainJob, note: str = "") -> RawAttributions:
    """Expected gradients on a torch module, batched over rows × samples."""
    output = _output(job)
    values, base = expected_gradients(
        job.adapter.model,
        job.matrix,
        _background(job),
        _combine(output),
        n_samples=GRADIENT_SAMPLES,
        random_state=job.random_state,
    )
    return _finish(job, output, values, base, "gradient", note)


def explain_deep(job: ExplainJob) -> RawAttributions:
    """Batched DeepLIFT-SHAP on a torch module, falling back to expected gradients."""
    output = _output(job)
    background = _background(job)
    try:
        parts = [
            deeplift_shap(job.adapter.model, job.matrix[rows], background, _combine(output))
            for rows in job.batches(_BATCH, "DeepLIFT-SHAP")
        ]
    except Exception as exc:  # any DeepLIFT failure means: try gradients
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return explain_gradient(job, _DEEP_FAILED.format(error=first))
    values = np.concatenate([p.values for p in parts])
    base = parts[0].base
    own = np.concatenate([p.output for p in parts])
    check = check_additivity(
        "deep", values, np.broadcast_to(base, own.shape), own, row_positions=np.arange(len(own))
    )
    if not check.passed:
        note = _DEEP_NOT_ADDITIVE.format(failed=check.n_failed, rows=len(own), miss=check.max_error)
        return explain_gradient(job, note)
    return _finish(job, output, values, base, "deep")


def explain_integrated(job: ExplainJob) -> RawAttributions:
    """Integrated gradients on a torch module, from the background's mean."""
    output = _output(job)
    baseline = _background(job).mean(axis=0)
    parts = [
        integrated_gradients(job.adapter.model, job.matrix[rows], baseline, _combine(output))
        for rows in job.batches(_IG_BATCH, "integrated gradients")
    ]
    values = np.concatenate([p.values for p in parts])
    note = "" if all(p.converged for p in parts) else _IG_NOT_CONVERGED
    return _finish(job, output, values, parts[0].base, "integrated_gradients", note)


# ------------------------------------------------------------ shap's own explainers


def _run_shap(job: ExplainJob, method: str) -> tuple[np.ndarray, np.ndarray]:
    """shap's raw-output attributions ``(n, p, width)`` and base values ``(width,)``."""
    import shap

    from audit.adapters.torch import import_torch

    torch = import_torch()
    module = job.adapter.model
    background = _background(job)
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
                    batch, nsamples=GRADIENT_SAMPLES, rseed=job.random_state
                )
            part = np.asarray(part, dtype=float)
            parts.append(part[:, :, None] if part.ndim == 2 else part)
    finally:
        np.random.set_state(state)  # noqa: NPY002
        module.train(was_training)
    return np.concatenate(parts), base


def _finish_shap(
    job: ExplainJob, values: np.ndarray, base: np.ndarray, name: str, note: str = ""
) -> RawAttributions:
    output = torch_output(job.adapter, values.shape[2])
    combine = _combine(output)
    return _finish(job, output, values @ combine, base @ combine, name, note)


def explain_shap_gradient(job: ExplainJob) -> RawAttributions:
    """shap.GradientExplainer (expected gradients) on a torch module."""
    values, base = _run_shap(job, "gradient")
    return _finish_shap(job, values, base, "shap_gradient")


def explain_shap_deep(job: ExplainJob) -> RawAttributions:
    """shap.DeepExplainer on a torch module, falling back to shap.GradientExplainer."""
    try:
        values, base = _run_shap(job, "deep")
    except Exception as exc:  # any DeepLIFT failure means: try gradients
        values, base = _run_shap(job, "gradient")
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        note = _SHAP_DEEP_FAILED.format(error=first)
        return _finish_shap(job, values, base, "shap_gradient", note)
    return _finish_shap(job, values, base, "shap_deep")
