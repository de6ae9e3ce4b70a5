"""Coefficient-based importance: the weight analysis's |standardized coefficient| per column.

One definition, owned by the weight analysis (:func:`audit.weights.coefficient_importance`);
the importance table's ``coefficient`` column is that number.
"""

from __future__ import annotations

from audit.weights import coefficient_importance

__all__ = ["coefficient_importance"]
