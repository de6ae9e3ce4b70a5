"""Which SHAP explainer fits a model: one capability probe per explainer kind.

Each probe answers, for an adapter and a few rows of the data its final estimator
sees, whether that explainer can explain the model and why (in the manner of
shap's ``supports_model_with_masker``). ``"auto"`` is the list of probes, tried in
order; the first that accepts wins, and the reason says why the earlier ones
declined. Optional frameworks (LightGBM, XGBoost, torch) are recognised by class
name, without importing them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from audit.adapters import ModelAdapter
from audit.attributions._outputs import linear_output, linear_parameters
from audit.errors import DataValidationError

__all__ = [
    "AUTO_ORDER",
    "EXPLAINERS",
    "PROBES",
    "ExplainerChoice",
    "ExplainerName",
    "Probe",
    "ProbeResult",
    "check_explainer_name",
    "choose_explainer",
    "class_names",
    "supports_deep",
    "supports_gradient",
    "supports_integrated",
    "supports_linear",
    "supports_permutation",
    "supports_shap_deep",
    "supports_shap_gradient",
    "supports_tree",
]

ExplainerName = Literal[
    "linear",
    "tree",
    "deep",
    "gradient",
    "integrated_gradients",
    "shap_deep",
    "shap_gradient",
    "permutation",
]
EXPLAINERS: tuple[str, ...] = (
    "linear",
    "tree",
    "deep",
    "gradient",
    "integrated_gradients",
    "shap_deep",
    "shap_gradient",
    "permutation",
)
AUTO_ORDER: tuple[ExplainerName, ...] = ("linear", "tree", "deep", "permutation")

_UNKNOWN_EXPLAINER = "explainer must be 'auto' or one of {allowed}; got {got!r}."
_CANNOT_USE = "The {name!r} explainer cannot explain this model: {why}"

# Tree ensembles shap.TreeExplainer reads, by top-level package and class name.
_TREE_CLASSES: dict[str, frozenset[str]] = {
    "sklearn": frozenset(
        {
            "DecisionTreeClassifier",
            "DecisionTreeRegressor",
            "ExtraTreeClassifier",
            "ExtraTreeRegressor",
            "RandomForestClassifier",
            "RandomForestRegressor",
            "ExtraTreesClassifier",
            "ExtraTreesRegressor",
            "GradientBoostingClassifier",
            "GradientBoostingRegressor",
            "HistGradientBoostingClassifier",
            "HistGradientBoostingRegressor",
        }
    ),
    "lightgbm": frozenset({"LGBMClassifier", "LGBMRegressor"}),
    "xgboost": frozenset({"XGBClassifier", "XGBRegressor", "XGBRFClassifier", "XGBRFRegressor"}),
}


@dataclass(frozen=True)
class ProbeResult:
    """A probe's answer: whether the explainer applies, and why (or why not)."""

    ok: bool
    reason: str


@dataclass(frozen=True)
class ExplainerChoice:
    """The explainer chosen for a model, and the reason.

    Attributes
    ----------
    name : str
        The explainer that will run (one of :data:`EXPLAINERS`).
    reason : str
        Why it was chosen (and, for ``"auto"``, why earlier probes declined).
    """

    name: ExplainerName
    reason: str


Probe = Callable[[ModelAdapter, np.ndarray], ProbeResult]
"""``probe(adapter, rows) -> ProbeResult``; ``rows`` are a few rows of the final
estimator's input (the adapter's transformed space)."""


def class_names(obj: Any) -> list[tuple[str, str]]:
    """(top-level package, class name) of every class in ``type(obj).__mro__``."""
    return [(cls.__module__.split(".")[0], cls.__name__) for cls in type(obj).__mro__]


def _estimator(adapter: ModelAdapter) -> Any:
    return adapter.final_estimator


def supports_linear(adapter: ModelAdapter, rows: np.ndarray) -> ProbeResult:
    """Linear models: ``coef_`` / ``intercept_`` that reproduce the model's raw output.

    The probe checks on ``rows`` that ``rows @ coef_.T + intercept_`` equals the
    decision function (classifiers) or the prediction (regressors), so a model
    with a non-identity link (e.g. Poisson regression) is not taken for linear.
    """
    if adapter.kind != "sklearn":
        return ProbeResult(False, "not a scikit-learn estimator")
    est = _estimator(adapter)
    coef = getattr(est, "coef_", None)
    if coef is None or not isinstance(coef, np.ndarray) or coef.dtype.kind not in "fiu":
        return ProbeResult(False, f"{type(est).__name__} has no dense coef_")
    try:
        weights, intercept = linear_parameters(est, rows.shape[1])
        expected = rows @ weights + intercept
        actual = linear_output(adapter).fn(rows)
    except (AttributeError, TypeError, ValueError) as exc:
        return ProbeResult(False, f"its linear output could not be computed ({exc})")
    if actual.shape != expected.shape or not np.allclose(actual, expected, rtol=1e-6, atol=1e-8):
        return ProbeResult(False, f"{type(est).__name__}'s output is not X @ coef_.T + intercept_")
    return ProbeResult(
        True,
        f"{type(est).__name__} is linear: exact closed-form linear SHAP "
        "(w_j * (x_j - mean x_j)) in the space its coefficients act on",
    )


def supports_tree(adapter: ModelAdapter, rows: np.ndarray) -> ProbeResult:
    """Tree ensembles shap.TreeExplainer reads (sklearn, LightGBM, XGBoost), by class name."""
    if adapter.kind != "sklearn":
        return ProbeResult(False, "not a scikit-learn compatible estimator")
    est = _estimator(adapter)
    for package, name in class_names(est):
        if name in _TREE_CLASSES.get(package, ()):
            if name == "GradientBoostingClassifier" and getattr(est, "n_classes_", 2) > 2:
                return ProbeResult(
                    False,
                    "shap.TreeExplainer reads GradientBoostingClassifier for binary tasks only",
                )
            return ProbeResult(True, f"{name} is a tree ensemble: exact shap.TreeExplainer")
    return ProbeResult(False, f"{type(est).__name__} is not a tree ensemble shap can read")


def _torch_probe(adapter: ModelAdapter, what: str) -> ProbeResult:
    if adapter.kind != "torch":
        return ProbeResult(False, "not a torch module")
    return ProbeResult(True, f"{type(adapter.model).__name__} is a torch module: {what}")


def supports_deep(adapter: ModelAdapter, rows: np.ndarray) -> ProbeResult:
    """torch modules: DeepLIFT-SHAP batched over rows × background (expected gradients
    when DeepLIFT's rules do not cover the module)."""
    return _torch_probe(
        adapter, "DeepLIFT-SHAP (rescale rule) against a sampled background, batched over rows"
    )


def supports_gradient(adapter: ModelAdapter, rows: np.ndarray) -> ProbeResult:
    """torch modules: expected gradients, batched over rows × samples."""
    return _torch_probe(adapter, "expected gradients (sampled), batched over rows")


def supports_integrated(adapter: ModelAdapter, rows: np.ndarray) -> ProbeResult:
    """torch modules: integrated gradients from the background's mean."""
    return _torch_probe(
        adapter, "integrated gradients from the background's mean, adaptive path quadrature"
    )


def supports_shap_deep(adapter: ModelAdapter, rows: np.ndarray) -> ProbeResult:
    """torch modules: shap.DeepExplainer (DeepLIFT), falling back to shap.GradientExplainer."""
    return _torch_probe(adapter, "shap.DeepExplainer against a sampled background")


def supports_shap_gradient(adapter: ModelAdapter, rows: np.ndarray) -> ProbeResult:
    """torch modules: shap.GradientExplainer (expected gradients)."""
    return _torch_probe(adapter, "shap.GradientExplainer (expected gradients)")


def supports_permutation(adapter: ModelAdapter, rows: np.ndarray) -> ProbeResult:
    """Any model: shap.PermutationExplainer with a small sampled background."""
    return ProbeResult(
        True,
        "model-agnostic shap.PermutationExplainer against a sampled background "
        "(slower; exact additivity, sampled permutations)",
    )


PROBES: dict[str, Probe] = {
    "linear": supports_linear,
    "tree": supports_tree,
    "deep": supports_deep,
    "gradient": supports_gradient,
    "integrated_gradients": supports_integrated,
    "shap_deep": supports_shap_deep,
    "shap_gradient": supports_shap_gradient,
    "permutation": supports_permutation,
}


def check_explainer_name(explainer: Any) -> str:
    """Return ``explainer``, or raise DataValidationError when it is not a known name."""
    if explainer != "auto" and explainer not in PROBES:
        raise DataValidationError(
            _UNKNOWN_EXPLAINER.format(allowed=", ".join(map(repr, EXPLAINERS)), got=explainer)
        )
    return str(explainer)


def choose_explainer(
    adapter: ModelAdapter, rows: np.ndarray, *, explainer: str = "auto"
) -> ExplainerChoice:
    """Pick the explainer for ``adapter``.

    Parameters
    ----------
    adapter : ModelAdapter
        The wrapped model.
    rows : numpy.ndarray
        A few rows of the final estimator's input (used by the linear probe).
    explainer : str
        ``"auto"`` tries the probes of :data:`AUTO_ORDER` in order; otherwise one
        of :data:`EXPLAINERS`.

    Returns
    -------
    ExplainerChoice

    Raises
    ------
    DataValidationError
        An unknown explainer name, or a named explainer whose probe declines.
    """
    check_explainer_name(explainer)
    if explainer != "auto":
        answer = PROBES[explainer](adapter, rows)
        if not answer.ok:
            raise DataValidationError(_CANNOT_USE.format(name=explainer, why=answer.reason))
        return ExplainerChoice(explainer, f"requested; {answer.reason}")  # type: ignore[arg-type]
    declined: list[str] = []
    for name in AUTO_ORDER:
        answer = PROBES[name](adapter, rows)
        if answer.ok:
            reason = answer.reason
            if declined and name == "permutation":
                reason += " (" + "; ".join(declined) + ")"
            return ExplainerChoice(name, reason)
        declined.append(f"{name}: {answer.reason}")
    raise AssertionError("the permutation probe always accepts")  # pragma: no cover
