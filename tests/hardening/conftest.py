"""Fixtures of the hardening tests: a 200-row table and a model fitted on it."""

from __future__ import annotations

import pytest
from hard_support import Small, make_small


@pytest.fixture(scope="session")
def small() -> Small:
    """The shared 200-row table and its model."""
    return make_small()
