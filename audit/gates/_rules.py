"""The rule grammar shared by code, the CLI, pyproject.toml and the pytest plugin.

A rule is ``<subject>.<statistic> <operator> <number>``::

    selection_rate.ratio >= 0.8        # four-fifths rule on selection rate
    tpr.difference <= 0.1              # equal opportunity within 0.1
    findings.critical == 0             # no critical finding
    weights.top_share <= 0.5           # no feature holds more than half the weight

Subjects are the fairness metrics (``selection_rate``, ``tpr``, ``fpr``, ...) with
statistics ``difference`` / ``ratio`` (between groups) or ``min`` / ``max`` (over
groups); ``findings`` with ``critical`` / ``warning`` / ``info`` / ``total``; and the
summary numbers other analyzers publish (``weights.top_share``, ...).
"""

from __future__ import annotations

import difflib
import operator
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from audit.errors import RuleSyntaxError

__all__ = ["Rule", "parse_rule", "parse_rules", "GRAMMAR", "OPERATORS"]

OPERATORS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
    ">": operator.gt,
    "<": operator.lt,
}
GRAMMAR = (
    "rule := <subject>.<statistic> <op> <number>, op one of >=, <=, >, <, ==, !=; "
    "e.g. 'selection_rate.ratio >= 0.8', 'tpr.difference <= 0.1', 'findings.critical == 0', "
    "'weights.top_share <= 0.5'"
)
_RULE_RE = re.compile(
    r"^\s*(?P<path>[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*)\s*"
    r"(?P<op>>=|<=|==|!=|>|<)\s*(?P<value>[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?)\s*$"
)
_BAD_RULE = "Cannot parse rule {rule!r}. Grammar: {grammar}."
_UNKNOWN_PATH = "Unknown metric {path!r} in rule {rule!r}.{hint} Known metrics: {known}."


@dataclass(frozen=True)
class Rule:
    """A parsed rule: ``path op threshold``."""

    path: str
    op: str
    threshold: float
    text: str

    def holds(self, value: float) -> bool:
        """Whether ``value`` satisfies the rule."""
        return OPERATORS[self.op](value, self.threshold)

    def __str__(self) -> str:
        return f"{self.path} {self.op} {self.threshold:g}"


def parse_rule(text: str, known: Iterable[str] | None = None) -> Rule:
    """Parse one rule; with ``known`` metric paths, reject an unknown path with a suggestion.

    Raises
    ------
    RuleSyntaxError
        The text does not follow :data:`GRAMMAR`, or names an unknown metric.
    """
    if not isinstance(text, str):
        raise RuleSyntaxError(_BAD_RULE.format(rule=text, grammar=GRAMMAR))
    match = _RULE_RE.match(text)
    if match is None:
        raise RuleSyntaxError(_BAD_RULE.format(rule=text, grammar=GRAMMAR))
    path = match["path"]
    if known is not None:
        known = sorted(set(known))
        if path not in known:
            close = difflib.get_close_matches(path, known, n=1, cutoff=0.5)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            shown = ", ".join(known[:30]) + (", ..." if len(known) > 30 else "")
            raise RuleSyntaxError(
                _UNKNOWN_PATH.format(path=path, rule=text, hint=hint, known=shown)
            )
    return Rule(path=path, op=match["op"], threshold=float(match["value"]), text=text.strip())


def parse_rules(texts: Iterable[str] | str, known: Iterable[str] | None = None) -> list[Rule]:
    """Parse several rules (a single string is one rule)."""
    if isinstance(texts, str):
        texts = [texts]
    known_list = None if known is None else list(known)
    return [parse_rule(t, known_list) for t in texts]
