"""SHAP attributions of a model, globally and per demographic group.

An attribution says how much each feature moved one prediction away from the
model's average output; its mean absolute value over rows ranks the features
the model relies on. Comparing those means between the groups of a sensitive
attribute shows features that drive the decisions for one group far more than
for another.

The explainer is chosen by one capability probe per kind, tried in order
(``"auto"``): exact closed-form linear SHAP for linear models, shap's
``TreeExplainer`` for tree ensembles, DeepLIFT-SHAP batched over rows ×
background for torch modules (the values of shap's ``DeepExplainer``; expected
gradients where DeepLIFT's rules do not cover the module), and the model-agnostic
``PermutationExplainer`` for anything else. A Pipeline's final estimator is
explained in the space it sees and one-hot attributions are summed back to the
column they encode. The rows explained are a sample stratified by sensitive
group, so every group is represented; every result checks, row by row, that
base value plus attributions reproduces the model output (additivity), and says
whether the explainer is additive exactly or only approximately (sampled
expected gradients; see :class:`AdditivityCheck`).

shap and torch are imported only when an explanation runs.

>>> from audit.attributions import explain
>>> result = explain(model, X, sensitive_features=["sex"])  # doctest: +SKIP
>>> result.importance            # mean |SHAP| per input column  # doctest: +SKIP
>>> result.mean_abs_by_group()   # ... overall and per group      # doctest: +SKIP

Inside an audit the attributions are a quantity of the audit's context,
:func:`context_attributions` (computed once per option set, whichever analyzer
asks first); :func:`explain` builds that same context from its arguments and
asks for the same quantity, so its numbers equal the audit's.
"""

from __future__ import annotations

from audit.attributions._additivity import (  # noqa: F401
    ADDITIVITY_ATOL,
    EXACT_EXPLAINERS,
    AdditivityCheck,
    check_additivity,
)
from audit.attributions._by_group import group_table, importance_table  # noqa: F401
from audit.attributions._choose import (  # noqa: F401
    AUTO_ORDER,
    PROBES,
    ExplainerChoice,
    ProbeResult,
    check_explainer_name,
    choose_explainer,
    supports_deep,
    supports_gradient,
    supports_linear,
    supports_permutation,
    supports_tree,
)
from audit.attributions._explain import (  # noqa: F401
    ADDITIVITY_RTOL,
    DEFAULT_MAX_ROWS,
    PERMUTATION_MAX_ROWS,
    context_attributions,
    explain,
)
from audit.attributions._findings import (  # noqa: F401
    ADDITIVITY_CODE,
    GAP_CODE,
    IMBALANCED_CODE,
    attribution_findings,
)
from audit.attributions._linear import linear_shap  # noqa: F401
from audit.attributions._permutation import SourceMasker  # noqa: F401
from audit.attributions._plots import plot_importance, plot_importance_by_group  # noqa: F401
from audit.attributions._result import AttributionResult, sum_to_sources  # noqa: F401
from audit.attributions._sample import StratifiedSample, stratified_sample  # noqa: F401
from audit.attributions._settings import (  # noqa: F401
    ATTRIBUTION_DEFAULTS,
    attribution_settings,
    attributions_key,
    shap_available,
)

_explaining = [
    "explain",
    "AttributionResult",
    "AdditivityCheck",
    "check_additivity",
    "linear_shap",
    "SourceMasker",
]
_context = ["context_attributions", "attributions_key", "attribution_settings", "shap_available"]
_choosing = [
    "choose_explainer",
    "check_explainer_name",
    "ExplainerChoice",
    "ProbeResult",
    "PROBES",
    "AUTO_ORDER",
    "supports_linear",
    "supports_tree",
    "supports_deep",
    "supports_gradient",
    "supports_permutation",
]
_summarising = [
    "stratified_sample",
    "StratifiedSample",
    "importance_table",
    "group_table",
    "sum_to_sources",
]
_findings = ["attribution_findings", "ADDITIVITY_CODE", "IMBALANCED_CODE", "GAP_CODE"]
_plotting = ["plot_importance", "plot_importance_by_group"]
_settings = [
    "DEFAULT_MAX_ROWS",
    "PERMUTATION_MAX_ROWS",
    "ADDITIVITY_RTOL",
    "ADDITIVITY_ATOL",
    "EXACT_EXPLAINERS",
    "ATTRIBUTION_DEFAULTS",
    "check_positive_int",
]

__all__ = _explaining + _context + _choosing + _summarising + _findings + _plotting + _settings
