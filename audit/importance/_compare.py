"""One table of every importance method, their ranks, rank correlations and disagreements."""

from __future__ import annotations

from collections.abc import Mapping
from itertools import combinations

import numpy as np
import pandas as pd

from audit.findings import Finding
from audit.policy import Policy

__all__ = [
    "DISAGREEMENT_CODE",
    "METHODS",
    "comparison_table",
    "disagreement_findings",
    "rank_correlations",
    "top_features",
]

METHODS = ("coefficient", "permutation", "shap", "drop_column")
"""Importance methods, in table order: |standardized coefficient|, permutation score
drop, mean |SHAP|, drop-column score drop."""

DISAGREEMENT_CODE = "importance_disagreement"
_TITLE = "Importance methods disagree on the top features"
_MESSAGE = (
    "By {a}, the top feature is {top_a!r}; by {b}, it is {top_b!r}, and neither is in the "
    "other's top {k} (Spearman rank correlation {rho}). Which features the model relies on "
    "depends on how it is measured, so read any single ranking with care."
)


def comparison_table(columns: Mapping[str, pd.Series | None], features: list[str]) -> pd.DataFrame:
    """Importance of each feature by each available method, with ranks (1 = most important).

    Parameters
    ----------
    columns : mapping
        Method name -> Series indexed by feature (None when the method did not run).
        Extra columns (e.g. ``permutation_std``) are kept as they are.
    features : list of str
        The model's input columns, the table's rows in order.

    Returns
    -------
    pandas.DataFrame
        Index ``feature``; each method's column, then ``rank_<method>`` for the
        methods of :data:`METHODS` that ran (ties share the best rank).
    """
    table = pd.DataFrame(index=pd.Index(features, name="feature"))
    for name, values in columns.items():
        if values is not None:
            table[name] = values.reindex(table.index).astype(float)
    for name in METHODS:
        if name in table:
            table[f"rank_{name}"] = table[name].rank(ascending=False, method="min").astype("Int64")
    return table


def _available(table: pd.DataFrame) -> list[str]:
    """Methods with at least one positive importance (a method that sees nothing cannot rank)."""
    return [m for m in METHODS if m in table and (table[m].fillna(0) > 0).any()]


def rank_correlations(table: pd.DataFrame) -> pd.DataFrame:
    """Spearman rank correlation between every pair of available methods."""
    methods = _available(table)
    if not methods:
        return pd.DataFrame()
    return table[methods].corr(method="spearman")


def top_features(table: pd.DataFrame, method: str, k: int) -> list[str]:
    """The ``k`` most important features by ``method`` (ties broken by table order)."""
    order = np.argsort(-table[method].fillna(-np.inf).to_numpy(), kind="stable")
    return [str(table.index[i]) for i in order[:k]]


def disagreement_findings(
    table: pd.DataFrame, correlations: pd.DataFrame, policy: Policy, *, analyzer: str
) -> list[Finding]:
    """``importance_disagreement`` for each pair of methods whose top features differ.

    Two methods disagree when the top feature of each is outside the other's
    top ``k``, ``k = min(policy.proxy_top_k, max(1, n_features // 3))``.
    """
    methods = _available(table)
    k = min(policy.proxy_top_k, max(1, len(table) // 3))
    findings = []
    for a, b in combinations(methods, 2):
        top_a, top_b = top_features(table, a, k), top_features(table, b, k)
        if top_a[0] in top_b or top_b[0] in top_a:
            continue
        rho = correlations.loc[a, b] if a in correlations and b in correlations else np.nan
        findings.append(
            Finding(
                code=DISAGREEMENT_CODE,
                severity="info",
                title=_TITLE,
                message=_MESSAGE.format(
                    a=a,
                    b=b,
                    top_a=top_a[0],
                    top_b=top_b[0],
                    k=k,
                    rho="n/a" if not np.isfinite(rho) else f"{rho:.2f}",
                ),
                subject=f"{a} vs {b}",
                evidence={
                    "methods": [a, b],
                    "k": k,
                    f"top_{a}": top_a,
                    f"top_{b}": top_b,
                    "spearman": float(rho),
                },
                analyzer=analyzer,
            )
        )
    return findings
