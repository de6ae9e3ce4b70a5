"""Settings of the calibration analysis, checked before any work."""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from typing import Any

from audit._inputs import check_option_names
from audit.errors import InvalidParameterError
from audit.fairness import SCORE_BINS

__all__ = [
    "BAD_N_BINS",
    "BIN_CHOICES",
    "CALIBRATION_OPTIONS",
    "check_calibration_options",
    "check_n_bins",
]

BIN_CHOICES: tuple[int, ...] = tuple(k for k in range(2, SCORE_BINS + 1) if SCORE_BINS % k == 0)
"""Numbers of reliability bins: the divisors of the count table's 100 score bins (2 ... 100)."""
CALIBRATION_OPTIONS: dict[str, Any] = {"n_bins": 10}
"""Every option of the ``calibration`` analyzer and its default."""

BAD_N_BINS = (
    "n_bins must be one of {allowed} (equal-width bins that are unions of the count table's "
    "{score_bins} score bins); got {value!r}."
)


def check_n_bins(value: Any) -> int:
    """Validate ``n_bins``: an int that divides :data:`audit.fairness.SCORE_BINS`.

    Raises
    ------
    InvalidParameterError
        A bool, a non-integer or a number of bins that is not one of :data:`BIN_CHOICES`.
    """
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Integral)
        or value not in BIN_CHOICES
    ):
        raise InvalidParameterError(
            BAD_N_BINS.format(
                allowed=", ".join(map(str, BIN_CHOICES)), score_bins=SCORE_BINS, value=value
            )
        )
    return int(value)


def check_calibration_options(options: Mapping[str, Any] | None) -> dict[str, Any]:
    """Every option of the ``calibration`` analyzer, defaults filled in, each value checked.

    Raises
    ------
    InvalidParameterError
        An unknown option or a value out of range.
    """
    given = dict(options or {})
    check_option_names("calibration", given, CALIBRATION_OPTIONS)
    full = {**CALIBRATION_OPTIONS, **given}
    full["n_bins"] = check_n_bins(full["n_bins"])
    return full
