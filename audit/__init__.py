"""model-audit: fairness and interpretability audits of trained models.

A fitted scikit-learn estimator or Pipeline, or a torch ``nn.Module``, and a
table with its sensitive columns go in; findings come out as data, and three
things consume them: a self-contained HTML report, fairness gates for CI, and
DataFrames for analysts.

>>> import audit
>>> report = audit.audit_model(model, X, y, sensitive_features=["sex", "race"])  # doctest: +SKIP
>>> report.findings  # doctest: +SKIP

``import audit`` is light: numpy, pandas and scikit-learn load when first needed,
and shap / torch only inside the analyses that use them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from audit._version import __version__

if TYPE_CHECKING:  # pragma: no cover
    from audit._audit import audit_model
    from audit._audit_large import audit_large
    from audit._audit_predictions import audit_predictions
    from audit.errors import AuditError
    from audit.findings import Finding
    from audit.loading import load_model
    from audit.policy import Policy
    from audit.report import AuditReport, compare
    from audit.scan import scan_model_file

# public name -> module that defines it (imported on first access)
_LAZY = {
    "audit_model": "audit._audit",
    "audit_large": "audit._audit_large",
    "audit_predictions": "audit._audit_predictions",
    "AuditReport": "audit.report",
    "compare": "audit.report",
    "load_model": "audit.loading",
    "scan_model_file": "audit.scan",
    "Finding": "audit.findings",
    "Policy": "audit.policy",
    "AuditError": "audit.errors",
}

__all__ = [
    "__version__",
    "audit_model",
    "audit_large",
    "audit_predictions",
    "AuditReport",
    "compare",
    "load_model",
    "scan_model_file",
    "Finding",
    "Policy",
    "AuditError",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'audit' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
