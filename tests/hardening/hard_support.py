"""Helpers shared by the hardening tests: a small table with its model, and a typed-error check.

(A module of its own, not ``conftest.py``: test folders here have no ``__init__.py``,
so ``from conftest import ...`` could pick up another folder's conftest.)
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from audit.errors import AuditError

N_ROWS = 200

# Messages that mean a library's internals leaked instead of a message of ours.
RAW_MESSAGES = re.compile(
    r"could not convert|Buffer has wrong|object is not iterable|has no attribute|"
    r"not supported between|unhashable|index \d+ is out of bounds|invalid literal|"
    r"\[Errno \d+\]|Traceback"
)


@dataclass(frozen=True)
class Small:
    """A 200-row table (two numeric features, a sensitive column) and a model on it."""

    X: pd.DataFrame
    y: pd.Series
    model: Any


def make_small(seed: int = 0) -> Small:
    """Build the shared table and fit a LogisticRegression on columns ``a`` and ``b``."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(
        {
            "a": rng.normal(size=N_ROWS),
            "b": rng.normal(size=N_ROWS),
            "sex": rng.choice(["female", "male"], N_ROWS),
        }
    )
    y = pd.Series((X["a"] + rng.normal(size=N_ROWS) > 0).astype(int), name="y")
    model = LogisticRegression().fit(X[["a", "b"]], y)
    return Small(X, y, model)


def raises_typed(
    fn: Callable[[], Any], error: type[BaseException], builtin: type[BaseException], *parts: str
) -> BaseException:
    """Call ``fn``; check the error type, its builtin parent and that the message names ``parts``.

    The error must be one of model-audit's own (an :class:`AuditError`), also an
    instance of ``builtin`` (so ``except ValueError`` keeps working), carry every
    fragment of ``parts`` (what was received, what is allowed) and no raw message
    of numpy / pandas / Python internals.
    """
    with pytest.raises(error) as info:
        fn()
    exc = info.value
    assert isinstance(exc, AuditError), f"{type(exc).__name__} is not an AuditError"
    assert isinstance(exc, builtin), f"{type(exc).__name__} is not a {builtin.__name__}"
    message = str(exc)
    for part in parts:
        assert part in message, f"{part!r} not in {message!r}"
    assert not RAW_MESSAGES.search(message), message
    return exc
