"""Proxies: features that stand in for a sensitive attribute.

Dropping a sensitive attribute from a model's inputs ("fairness through
unawareness") does not stop the model from using it when another feature
carries the same information: a postcode for ethnicity, a first name for sex.
For every feature and every sensitive attribute this package measures their
association — Cramér's V for two categorical columns, the correlation ratio η
for a numeric feature, and mutual information for both — and weighs it by how
much the model relies on the feature (its share of mean |SHAP|, of permutation
importance or of |standardized coefficient|). A strongly associated feature
among the model's top features is reported as a ``proxy`` finding.
"""

from __future__ import annotations

from audit.proxies._association import (  # noqa: F401
    MAX_CATEGORIES,
    MI_ROWS,
    N_BINS,
    Association,
    association,
    correlation_ratio,
    cramers_v,
    mutual_information,
)
from audit.proxies._detect import (  # noqa: F401
    PROXY_CODE,
    TABLE_COLUMNS,
    ProxyResult,
    build_proxy_result,
    context_proxies,
    detect_proxies,
    proxy_findings,
    proxy_table,
)
from audit.proxies._reliance import (  # noqa: F401
    COEFFICIENT,
    PERMUTATION,
    SHAP,
    WEIGHTS,
    Reliance,
    context_reliance,
    to_shares,
)

_detecting = [
    "detect_proxies",
    "context_proxies",
    "build_proxy_result",
    "proxy_table",
    "proxy_findings",
    "ProxyResult",
    "PROXY_CODE",
    "TABLE_COLUMNS",
]
_measuring = [
    "association",
    "Association",
    "cramers_v",
    "correlation_ratio",
    "mutual_information",
    "MAX_CATEGORIES",
    "N_BINS",
    "MI_ROWS",
]
_reliance = [
    "Reliance",
    "context_reliance",
    "to_shares",
    "SHAP",
    "PERMUTATION",
    "COEFFICIENT",
    "WEIGHTS",
]

__all__ = _detecting + _measuring + _reliance
