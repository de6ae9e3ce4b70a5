"""Small real models for the flip test: one that reads ``sex``, one blind to it, one on a proxy."""

from __future__ import annotations

import pytest
from flip_models import one_hot_model, people


@pytest.fixture(scope="module")
def data():
    return people()


@pytest.fixture(scope="module")
def aware(data):
    """Reads ``sex`` directly (and two signals), not ``title``."""
    X, y = data
    return one_hot_model(X, y, ["sex"], ["x0", "x1"])


@pytest.fixture(scope="module")
def blind(data):
    """The same model without ``sex`` and without its proxy ``title``."""
    X, y = data
    return one_hot_model(X, y, [], ["x0", "x1"])


@pytest.fixture(scope="module")
def proxy_only(data):
    """Reads the perfect proxy ``title`` instead of ``sex``."""
    X, y = data
    return one_hot_model(X, y, ["title"], ["x0", "x1"])
