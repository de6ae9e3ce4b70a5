"""Analyzers: each takes an :class:`~audit.context.AuditContext` and returns an
:class:`AnalyzerOutput` (its own frozen result, findings and facts).

Analyzers are independent: what two of them need in common (attributions,
permutation importance, coefficient importance, the model's reliance on each
feature) is a quantity the context derives once and caches
(:mod:`audit.analyzers.quantities`); no analyzer reads another's result, and the
order they run in carries no meaning.

The registry maps names to callables imported lazily, so ``import audit`` stays
light, and holds each analyzer's settings so they are checked before any work.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from audit._inputs import check_option_names
from audit.analyzers._base import Analyzer, AnalyzerOutput, run_analyzer, skipped
from audit.errors import InvalidParameterError

__all__ = [
    "ANALYZERS",
    "Analyzer",
    "AnalyzerOutput",
    "AnalyzerSpec",
    "check_analyzer_options",
    "get_analyzer",
    "run_analyzer",
    "skipped",
]


@dataclass(frozen=True)
class AnalyzerSpec:
    """One registered analyzer.

    Attributes
    ----------
    target : str
        ``"module:function"`` of its ``analyze(ctx)``.
    options : tuple of str
        The settings it accepts through ``analyzer_options={name: {...}}``.
    needs : tuple of str
        The quantities it asks the context for (see
        :mod:`audit.analyzers.quantities`).
    check : str
        ``"module:function"`` that checks the values of its settings (raising
        :class:`~audit.errors.InvalidParameterError`) before any work; "" when
        only the names are checked.
    """

    target: str
    options: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()
    check: str = ""


ATTRIBUTION_OPTIONS = (
    "explainer",
    "max_rows",
    "background_size",
    "progress",
    "additivity_tolerance",
)

# order is the order they appear in the report (it is not a dependency order)
ANALYZERS: dict[str, AnalyzerSpec] = {
    "data": AnalyzerSpec(
        "audit.analyzers.data:analyze",
        options=("reference",),
        check="audit.data_checks:check_data_options",
    ),
    "fairness": AnalyzerSpec("audit.analyzers.fairness:analyze"),
    "calibration": AnalyzerSpec(
        "audit.analyzers.calibration:analyze",
        options=("n_bins",),
        needs=("group_metrics",),
        check="audit.calibration:check_calibration_options",
    ),
    "thresholds": AnalyzerSpec(
        "audit.analyzers.thresholds:analyze",
        options=("constraints", "grid_size"),
        needs=("group_metrics",),
        check="audit.thresholds:check_threshold_options",
    ),
    "weights": AnalyzerSpec("audit.analyzers.weights:analyze", needs=("coefficients",)),
    "importance": AnalyzerSpec(
        "audit.analyzers.importance:analyze",
        options=(
            "n_repeats",
            "max_rows",
            "scoring",
            "max_features",
            "drop_column",
            "max_drop_features",
            "drop_test_size",
            "shap",
        ),
        needs=("permutation", "coefficients", "attributions"),
    ),
    "attributions": AnalyzerSpec(
        "audit.analyzers.attributions:analyze",
        options=ATTRIBUTION_OPTIONS,
        needs=("attributions",),
    ),
    "proxies": AnalyzerSpec(
        "audit.analyzers.proxies:analyze",
        options=("n_repeats", "mi_rows"),
        needs=("reliance",),
    ),
    "flip": AnalyzerSpec(
        "audit.analyzers.flip:analyze",
        options=("proxy_fill", "proxies", "max_values"),
        needs=("proxies",),
        check="audit.counterfactual:check_flip_options",
    ),
    "slices": AnalyzerSpec(
        "audit.analyzers.slices:analyze",
        options=("max_depth", "metric", "min_support", "bins", "max_levels", "columns"),
        check="audit.slices:check_slice_options",
    ),
}

_UNKNOWN_ANALYZER_OPTIONS = (
    "analyzer_options has settings for {names}, which {verb} not analyzers; the analyzers are "
    "{available}."
)
_NO_OPTIONS = "Unknown {analyzer} option(s) {names}; the {analyzer} analyzer takes no options."
_BAD_OPTIONS = (
    "analyzer_options must map analyzer names to dicts of settings, e.g. "
    "{{'attributions': {{'max_rows': 500}}}}; got {kind}."
)


def check_analyzer_options(options: Any) -> dict[str, dict[str, Any]]:
    """Check ``analyzer_options`` before any work; return it as plain dicts.

    Raises
    ------
    InvalidParameterError
        Not a mapping of mappings, an analyzer name that is not registered, or a
        setting the analyzer does not take (the message names the allowed ones).
    """
    if options is None:
        return {}
    if not isinstance(options, Mapping) or not all(
        isinstance(v, Mapping) for v in options.values()
    ):
        raise InvalidParameterError(_BAD_OPTIONS.format(kind=type(options).__name__))
    unknown = [k for k in options if k not in ANALYZERS]
    if unknown:
        raise InvalidParameterError(
            _UNKNOWN_ANALYZER_OPTIONS.format(
                names=", ".join(map(repr, unknown)),
                verb="is" if len(unknown) == 1 else "are",
                available=", ".join(ANALYZERS),
            )
        )
    out: dict[str, dict[str, Any]] = {}
    for name, settings in options.items():
        allowed = ANALYZERS[name].options
        if not allowed and settings:
            raise InvalidParameterError(
                _NO_OPTIONS.format(analyzer=name, names=", ".join(map(repr, sorted(settings))))
            )
        check_option_names(name, settings, allowed)
        if ANALYZERS[name].check:  # the values too, before any work
            module, func = ANALYZERS[name].check.split(":")
            getattr(importlib.import_module(module), func)(settings)
        out[name] = dict(settings)
    return out


def get_analyzer(name: str) -> Analyzer:
    """Import and return the analyzer callable registered under ``name``."""
    if name not in ANALYZERS:
        raise KeyError(f"Unknown analyzer {name!r}; available: {', '.join(ANALYZERS)}.")
    module, func = ANALYZERS[name].target.split(":")
    return getattr(importlib.import_module(module), func)
