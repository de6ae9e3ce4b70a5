"""Settings of the threshold trade-offs, checked before any work."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from audit._inputs import check_option_names, check_positive_int
from audit.errors import InvalidParameterError

__all__ = [
    "BAD_CONSTRAINTS",
    "CONSTRAINTS",
    "THRESHOLD_OPTIONS",
    "check_constraints",
    "check_threshold_options",
]

CONSTRAINTS: tuple[str, ...] = (
    "demographic_parity",
    "true_positive_rate_parity",
    "equalized_odds",
)
"""The constraints, named as in :class:`fairlearn.postprocessing.ThresholdOptimizer`."""
THRESHOLD_OPTIONS: dict[str, Any] = {"constraints": CONSTRAINTS, "grid_size": 1000}
"""Every option of the ``thresholds`` analyzer and its default."""

BAD_CONSTRAINTS = (
    "constraints must be a non-empty list of distinct names among {allowed}; got {value!r}."
)


def check_constraints(value: Any) -> tuple[str, ...]:
    """Validate ``constraints``: one name or a list of distinct names of :data:`CONSTRAINTS`.

    Raises
    ------
    InvalidParameterError
        Not text, empty, a repeated name or a name that is not a constraint.
    """
    names = (value,) if isinstance(value, str) else value
    if (
        not isinstance(names, (tuple, list))
        or not names
        or not all(isinstance(n, str) and n in CONSTRAINTS for n in names)
        or len(set(names)) != len(names)
    ):
        raise InvalidParameterError(
            BAD_CONSTRAINTS.format(allowed=", ".join(map(repr, CONSTRAINTS)), value=value)
        )
    return tuple(names)


def check_threshold_options(options: Mapping[str, Any] | None) -> dict[str, Any]:
    """Every option of the ``thresholds`` analyzer, defaults filled in, each value checked.

    Raises
    ------
    InvalidParameterError
        An unknown option or a value out of range.
    """
    given = dict(options or {})
    check_option_names("thresholds", given, THRESHOLD_OPTIONS)
    full = {**THRESHOLD_OPTIONS, **given}
    full["constraints"] = check_constraints(full["constraints"])
    full["grid_size"] = check_positive_int("grid_size", full["grid_size"])
    return full
