"""The rule grammar, as the gates use it: defined in :mod:`audit.rules` (core)."""

from __future__ import annotations

from audit.rules import GRAMMAR, OPERATORS, Rule, parse_rule, parse_rules

__all__ = ["Rule", "parse_rule", "parse_rules", "GRAMMAR", "OPERATORS"]
