"""pytest plugin of model-audit: dormant unless its marker, option or fixtures are used.

It imports nothing heavy at start-up.
"""

from __future__ import annotations

from typing import Any


def pytest_configure(config: Any) -> None:
    """Register the ``fairness`` marker."""
    config.addinivalue_line("markers", "fairness: a model-audit fairness gate")
