"""Analyzers: each takes an :class:`~audit.context.AuditContext` and returns an
:class:`AnalyzerOutput` (its own frozen result plus findings). They are independent;
one that does not apply says so instead of failing.

The registry maps names to callables imported lazily, so ``import audit`` stays light.
"""

from __future__ import annotations

import importlib

from audit.analyzers._base import Analyzer, AnalyzerOutput, run_analyzer, skipped

__all__ = ["ANALYZERS", "Analyzer", "AnalyzerOutput", "get_analyzer", "run_analyzer", "skipped"]

# name -> "module:function"; order is the order they run and appear in the report.
ANALYZERS: dict[str, str] = {
    "fairness": "audit.analyzers.fairness:analyze",
    "weights": "audit.analyzers.weights:analyze",
    "importance": "audit.analyzers.importance:analyze",
    "attributions": "audit.analyzers.attributions:analyze",
    "proxies": "audit.analyzers.proxies:analyze",
}


def get_analyzer(name: str) -> Analyzer:
    """Import and return the analyzer callable registered under ``name``."""
    if name not in ANALYZERS:
        raise KeyError(f"Unknown analyzer {name!r}; available: {', '.join(ANALYZERS)}.")
    module, func = ANALYZERS[name].split(":")
    return getattr(importlib.import_module(module), func)
