"""The settings of an explanation, checked before any work, and its cache key in a context."""

from __future__ import annotations

import importlib.util
import numbers
from collections.abc import Hashable, Mapping
from typing import Any, TypeVar

from audit._inputs import check_positive_int
from audit.attributions._choose import check_explainer_name
from audit.errors import DataValidationError

__all__ = [
    "ATTRIBUTION_DEFAULTS",
    "attribution_settings",
    "attributions_key",
    "shap_available",
]

T = TypeVar("T")

ATTRIBUTION_DEFAULTS: dict[str, Any] = {
    "explainer": "auto",
    "max_rows": None,
    "background_size": 100,
    "progress": None,
    "additivity_tolerance": None,
}
"""Every setting of an explanation and its default (see :func:`audit.attributions.explain`)."""

_NOT_IN_KEY = ("progress",)  # how the work is shown, not what it computes
_BAD_TOLERANCE = "additivity_tolerance must be a number >= 0 or None; got {value!r}."
_UNKNOWN_SETTING = "Unknown attribution setting(s) {names}; allowed: {allowed}."


def shap_available() -> bool:
    """Whether the shap library is installed."""
    return importlib.util.find_spec("shap") is not None


def attribution_settings(settings: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Every setting of an explanation, defaults filled in, each value checked.

    Raises
    ------
    DataValidationError
        An unknown setting or a value out of range (before any work is done).
    """
    given = dict(settings or {})
    unknown = sorted(str(k) for k in given if k not in ATTRIBUTION_DEFAULTS)
    if unknown:
        raise DataValidationError(
            _UNKNOWN_SETTING.format(names=unknown, allowed=", ".join(ATTRIBUTION_DEFAULTS))
        )
    full = {**ATTRIBUTION_DEFAULTS, **given}
    full["explainer"] = check_explainer_name(full["explainer"])
    if full["max_rows"] is not None:
        full["max_rows"] = check_positive_int("max_rows", full["max_rows"])
    full["background_size"] = check_positive_int("background_size", full["background_size"])
    tolerance = full["additivity_tolerance"]
    if tolerance is not None:
        if (
            isinstance(tolerance, bool)
            or not isinstance(tolerance, numbers.Real)
            or not tolerance >= 0
        ):
            raise DataValidationError(_BAD_TOLERANCE.format(value=tolerance))
        full["additivity_tolerance"] = float(tolerance)
    return full


def attributions_key(settings: Mapping[str, Any] | None = None) -> tuple[Hashable, ...]:
    """The context's cache key of the attributions with ``settings`` (defaults filled in).

    ``ctx.is_derived(attributions_key(settings))`` says whether they were computed.
    """
    full = attribution_settings(settings)
    return ("attributions", *((k, full[k]) for k in sorted(full) if k not in _NOT_IN_KEY))
