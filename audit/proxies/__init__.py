"""Proxies: features that stand in for a sensitive attribute.

Dropping a sensitive attribute from a model's inputs ("fairness through
unawareness") does not stop the model from using it when another feature
carries the same information: a postcode for ethnicity, a first name for sex.
For every feature and every sensitive attribute this package measures their
association — Cramér's V for two categorical columns, the correlation ratio η
for a numeric feature, and mutual information for both — and weighs it by how
much the model relies on the feature (its share of mean |SHAP|, of permutation
importance or of |standardized coefficient|). A strongly associated feature
among the model's top features is reported as a ``proxy`` finding; a feature the
model reads that encodes an attribute almost exactly (association at least
``policy.proxy_encoding``) is reported whatever its reliance, as a
``proxy_encoding`` finding. Whether the model takes an attribute directly is
decided by the data (a model input holding its values), not by column names;
:func:`sensitive_seen` and :func:`seen_text` say which sensitive attributes the
model sees, directly or through an encoding (the report's model card).
"""

from __future__ import annotations

from audit.proxies._association import (  # noqa: F401
    MAX_CATEGORIES,
    MI_ROWS,
    N_BINS,
    Association,
    association,
    associations,
    correlation_ratio,
    correlation_ratios,
    cramers_v,
    mutual_information,
    mutual_information_numeric,
)
from audit.proxies._detect import (  # noqa: F401
    ENCODING_CODE,
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
from audit.proxies._seen import (  # noqa: F401
    SEEN_LABEL,
    Encoding,
    SeenAttribute,
    direct_inputs,
    same_values,
    seen_text,
    sensitive_seen,
)

_detecting = [
    "detect_proxies",
    "context_proxies",
    "build_proxy_result",
    "proxy_table",
    "proxy_findings",
    "ProxyResult",
    "PROXY_CODE",
    "ENCODING_CODE",
    "TABLE_COLUMNS",
]
_seeing = [
    "sensitive_seen",
    "seen_text",
    "direct_inputs",
    "same_values",
    "SeenAttribute",
    "Encoding",
    "SEEN_LABEL",
]
_measuring = [
    "association",
    "associations",
    "Association",
    "cramers_v",
    "correlation_ratio",
    "correlation_ratios",
    "mutual_information",
    "mutual_information_numeric",
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

__all__ = _detecting + _seeing + _measuring + _reliance
