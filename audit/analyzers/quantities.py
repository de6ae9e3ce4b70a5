"""Index of the quantities several analyzers need, each derived once per audit in the context.

Each quantity is owned by its engine: a function of the
:class:`~audit.context.AuditContext` that names the quantity and the options
it depends on as a cache key and asks :meth:`AuditContext.derived` (a failure
is remembered too, so it is paid for once). The first ask computes, every
later ask (from any analyzer, in any order, or from the engine's standalone
function) gets the same object. This is how analyzers share work without
reading each other's results, and why a standalone function such as
:func:`audit.attributions.explain` gives the same numbers as
:func:`audit.audit_model`: it builds a context and asks the same function.

==================  ==================================================  ===================
quantity            owner                                               asked by
==================  ==================================================  ===================
``attributions``    :func:`audit.attributions.context_attributions`     attributions,
                    (with the audit's attribution settings)             importance, proxies
``permutation``     :func:`audit.importance.context_permutation`        importance, proxies
``coefficients``    :func:`audit.weights.context_coefficients`          importance
                    (:func:`audit.weights.coefficient_importance`)
``reliance``        :func:`audit.proxies.context_reliance`              proxies
``proxies``         :func:`audit.proxies.context_proxies`               proxies, flip
                    (with the proxies analyzer's settings)
``group_metrics``   :func:`.fairness.context_group_metrics`             fairness, calibration,
                    (per set of sensitive columns)                      thresholds
==================  ==================================================  ===================

The functions below are those owners, bound to the audit's own settings where
the settings belong to another analyzer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from audit.analyzers.fairness import context_group_metrics
from audit.attributions import context_attributions, shap_available
from audit.context import AuditContext
from audit.importance import context_permutation
from audit.proxies import context_reliance
from audit.weights import context_coefficients

if TYPE_CHECKING:  # pragma: no cover
    from audit.attributions import AttributionResult
    from audit.importance import PermutationImportance
    from audit.proxies import Reliance

__all__ = [
    "attribution_settings",
    "attributions",
    "coefficients",
    "group_metrics",
    "permutation",
    "reliance",
    "shap_available",
]


def attribution_settings(ctx: AuditContext) -> dict[str, Any]:
    """The attribution analyzer's settings of this audit (checked before the audit began)."""
    return ctx.options_for("attributions")


def attributions(ctx: AuditContext) -> AttributionResult:
    """SHAP attributions of the audited model with the attribution analyzer's settings."""
    return context_attributions(ctx, **attribution_settings(ctx))


def permutation(ctx: AuditContext, **settings: Any) -> PermutationImportance:
    """:func:`audit.importance.context_permutation` (``n_repeats``, ``max_rows``, ``scoring``,
    ``max_features``)."""
    return context_permutation(ctx, **settings)


def coefficients(ctx: AuditContext) -> pd.Series | None:
    """|standardized coefficient| per input column (None when the model is not linear)."""
    return context_coefficients(ctx)


def group_metrics(ctx: AuditContext) -> Any:
    """The audited model's group metrics for every sensitive attribute (the fairness table)."""
    return context_group_metrics(ctx)


def reliance(ctx: AuditContext, *, n_repeats: int = 5) -> Reliance:
    """How much the model relies on each input column (:func:`audit.proxies.context_reliance`)."""
    return context_reliance(ctx, n_repeats=n_repeats)
