"""Fairness gates: assertions for tests and CI (the pytest plugin lives in ``plugin``)."""

__all__: list[str] = []
