"""Real data for the data checks: a 5,000-row sample of Adult with its missing values."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def adult():
    from audit.datasets import load_adult

    return load_adult().sample(5000, random_state=1).reset_index(drop=True)
