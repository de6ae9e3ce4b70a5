"""The settings of a slice search, checked before any work."""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from typing import Any

from audit._inputs import check_ci, check_count
from audit.errors import InvalidParameterError
from audit.rules import closest_name
from audit.slices._counts import METRICS

__all__ = [
    "DEFAULT_BINS",
    "DEFAULT_MAX_DEPTH",
    "DEFAULT_MAX_LEVELS",
    "MAX_DEPTH_LIMIT",
    "MIN_SUPPORT_SHARE",
    "OPTIONS",
    "check_slice_options",
    "check_slice_settings",
]

DEFAULT_MAX_DEPTH = 2
"""Conditions per slice, by default (``age in [60, 90] and region = north``)."""
MAX_DEPTH_LIMIT = 4
"""The most conditions a slice may have."""
DEFAULT_BINS = 5
"""Quantile bins of a numeric column."""
DEFAULT_MAX_LEVELS = 20
"""Most frequent values of a categorical column that are levels of their own."""
MIN_SUPPORT_SHARE = 0.01
"""Default minimum support: ``max(min_count, 1 % of the rows)``."""
OPTIONS: tuple[str, ...] = ("max_depth", "metric", "min_support", "bins", "max_levels", "columns")
"""The settings of the ``slices`` analyzer (``analyzer_options={"slices": {...}}``)."""

_BAD_INT = "{name} must be an int in [{low}, {high}; got {value}."
_BAD_METRIC = "metric must be 'auto' or one of {allowed}; got {value!r}.{hint}"
_BAD_SUPPORT = (
    "min_support must be None (max(min_count, 1% of the rows)), an int >= 1 (rows) or a float "
    "in (0, 1) (a share of the rows); got {value}."
)
_BAD_COLUMNS = (
    "columns must be None, a column name or a non-empty list of column names; got {value}."
)
_BAD_SHARE = "{name} must be a number in {interval}; got {value}."
_BAD_BOOL = "{name} must be True or False; got {value}."


def _shown(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, str)):
        return f"{value!r} ({type(value).__name__})"
    return repr(value)


def _int_in(name: str, value: Any, low: int, high: float) -> int:
    ok = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    if not ok or not low <= int(value) <= high:
        shown_high = "inf)" if math.isinf(high) else f"{int(high)}]"
        raise InvalidParameterError(
            _BAD_INT.format(name=name, low=low, high=shown_high, value=_shown(value))
        )
    return int(value)


def _metric(value: Any) -> str:
    if isinstance(value, str) and (value == "auto" or value in METRICS):
        return value
    close = closest_name(str(value), METRICS) if isinstance(value, str) else None
    raise InvalidParameterError(
        _BAD_METRIC.format(
            allowed=", ".join(map(repr, METRICS)),
            value=value,
            hint=f" Did you mean {close!r}?" if close else "",
        )
    )


def _min_support(value: Any) -> int | float | None:
    if value is None:
        return None
    if isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= 1:
        return int(value)
    if (
        isinstance(value, numbers.Real)
        and not isinstance(value, (bool, numbers.Integral))
        and 0.0 < float(value) < 1.0
    ):
        return float(value)
    raise InvalidParameterError(_BAD_SUPPORT.format(value=_shown(value)))


def _columns(value: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    names = (value,) if isinstance(value, str) else value
    if (
        not isinstance(names, (list, tuple))
        or not names
        or not all(isinstance(n, str) for n in names)
    ):
        raise InvalidParameterError(_BAD_COLUMNS.format(value=_shown(value)))
    return tuple(dict.fromkeys(names))


def check_slice_options(options: Mapping[str, Any]) -> dict[str, Any]:
    """Check the values of the ``slices`` analyzer's options; return them normalised.

    Parameters
    ----------
    options : mapping
        Some of :data:`OPTIONS` (names were checked by the registry).

    Raises
    ------
    InvalidParameterError
        A value of the wrong type or out of range; the message names the
        option, the value received and what is allowed.
    """
    out = dict(options)
    if "metric" in out:
        out["metric"] = _metric(out["metric"])
    if "max_depth" in out:
        out["max_depth"] = _int_in("max_depth", out["max_depth"], 1, MAX_DEPTH_LIMIT)
    if "min_support" in out:
        out["min_support"] = _min_support(out["min_support"])
    if "bins" in out:
        out["bins"] = _int_in("bins", out["bins"], 2, math.inf)
    if "max_levels" in out:
        out["max_levels"] = _int_in("max_levels", out["max_levels"], 1, math.inf)
    if "columns" in out:
        out["columns"] = _columns(out["columns"])
    return out


def check_slice_settings(
    *,
    metric: Any,
    max_depth: Any,
    min_support: Any,
    bins: Any,
    max_levels: Any,
    columns: Any,
    min_count: Any,
    ci: Any,
    alpha: Any,
    threshold: Any,
    prune: Any,
) -> dict[str, Any]:
    """Check every setting of :func:`audit.slices.find_slices`; return them normalised."""
    out = check_slice_options(
        {
            "metric": metric,
            "max_depth": max_depth,
            "min_support": min_support,
            "bins": bins,
            "max_levels": max_levels,
            "columns": columns,
        }
    )
    out["min_count"] = check_count(min_count, "min_count")
    out["ci"] = check_ci(ci)
    if alpha is None:
        out["alpha"] = round(1.0 - out["ci"], 12)
    elif isinstance(alpha, numbers.Real) and not isinstance(alpha, bool) and 0.0 < alpha < 1.0:
        out["alpha"] = float(alpha)
    else:
        raise InvalidParameterError(
            _BAD_SHARE.format(name="alpha", interval="(0, 1) or None (1 - ci)", value=_shown(alpha))
        )
    if (
        isinstance(threshold, bool)
        or not isinstance(threshold, numbers.Real)
        or not math.isfinite(float(threshold))
        or threshold < 0
    ):
        raise InvalidParameterError(
            _BAD_SHARE.format(name="threshold", interval="[0, inf)", value=_shown(threshold))
        )
    out["threshold"] = float(threshold)
    if not isinstance(prune, bool):
        raise InvalidParameterError(_BAD_BOOL.format(name="prune", value=_shown(prune)))
    out["prune"] = prune
    return out
