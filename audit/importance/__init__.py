"""Feature importance: which input columns the model's accuracy rests on.

Several methods answer that question differently, so they are shown side by
side (the articles' Table 4, "contribution to accuracy"):

* **coefficient** — |standardized coefficient| of linear models, one-hot
  columns summed back to the column they encode;
* **permutation** — the score lost when a column is shuffled
  (``sklearn.inspection.permutation_importance``, seeded), also as a percentage
  of the model's score;
* **shap** — mean |SHAP| (from :mod:`audit.attributions`);
* **drop_column** — the score lost when the model is refitted without the
  column (opt-in: one refit per column, scikit-learn models only).

Their ranks and Spearman rank correlations show whether the methods agree; an
``importance_disagreement`` finding says when their top features differ.

Inside an audit each method's numbers are a quantity of the audit's context
(:func:`context_permutation`, :func:`audit.weights.context_coefficients`,
:func:`audit.attributions.context_attributions`), computed once whichever
analyzer asks; :func:`context_importance` puts them side by side and
:func:`feature_importance` builds the same context from its arguments, so its
table equals ``report.importance``.
"""

from __future__ import annotations

from audit.importance._coefficients import coefficient_importance  # noqa: F401
from audit.importance._compare import (  # noqa: F401
    DISAGREEMENT_CODE,
    METHODS,
    comparison_table,
    rank_correlations,
    top_features,
)
from audit.importance._compute import (  # noqa: F401
    IMPORTANCE_DEFAULTS,
    PERMUTATION_DEFAULTS,
    context_importance,
    context_permutation,
    feature_importance,
    importance_findings,
)
from audit.importance._drop_column import DropColumnImportance, drop_column_importance  # noqa: F401
from audit.importance._permutation import PermutationImportance, permutation_importance  # noqa: F401
from audit.importance._result import ImportanceResult  # noqa: F401

_methods = [
    "feature_importance",
    "permutation_importance",
    "drop_column_importance",
    "coefficient_importance",
]
_context = [
    "context_importance",
    "context_permutation",
    "IMPORTANCE_DEFAULTS",
    "PERMUTATION_DEFAULTS",
]
_results = ["ImportanceResult", "PermutationImportance", "DropColumnImportance"]
_comparing = [
    "comparison_table",
    "rank_correlations",
    "top_features",
    "importance_findings",
    "METHODS",
    "DISAGREEMENT_CODE",
]

__all__ = _methods + _context + _results + _comparing
