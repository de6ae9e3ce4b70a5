"""Argument checks shared by the attribution, importance and proxy functions."""

from __future__ import annotations

from typing import Any

import numpy as np

from audit.errors import DataValidationError

__all__ = ["BAD_POSITIVE_INT", "check_positive_int"]

BAD_POSITIVE_INT = "{name} must be an int >= 1; got {value!r}."


def check_positive_int(name: str, value: Any) -> int:
    """Return ``value`` as an int, or raise DataValidationError when it is not an int >= 1."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise DataValidationError(BAD_POSITIVE_INT.format(name=name, value=value))
    return int(value)
