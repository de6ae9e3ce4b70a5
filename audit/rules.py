"""The rule grammar, and the names of the facts a rule can test.

One grammar is shared by code (:func:`audit.gates.assert_fair`), the CLI
(``--fail-on``), ``[tool.model-audit]`` of pyproject.toml (:class:`audit.Policy`)
and the pytest plugin. A rule is ``<subject>.<statistic> <operator> <number>``::

    selection_rate.ratio >= 0.8        # four-fifths rule on selection rate
    tpr.difference <= 0.1              # equal opportunity within 0.1
    findings.critical == 0             # no critical finding
    weights.top_share <= 0.5           # no feature holds more than half the weight

Subjects are the fairness metrics (``selection_rate``, ``tpr``, ``fpr``, ...) with
statistics ``difference`` / ``ratio`` (between groups) or ``min`` / ``max`` (over
groups); the named summaries (``demographic_parity``, ``equalized_odds``,
``equal_opportunity``) with ``difference`` / ``ratio``; ``findings`` with
``critical`` / ``warning`` / ``info`` / ``total`` / ``insufficient_evidence``; and
the summary numbers of the weights analysis (``weights.top_share``, ...).

Multiclass models publish the one-vs-rest metrics per class
(:data:`PER_CLASS_METRICS`), named ``<metric>[<class>].<statistic>`` as the
fairness engine names them::

    selection_rate[2].ratio >= 0.8     # four-fifths rule on the selection of class 2
    tpr[high risk].difference <= 0.1   # a class label may hold spaces, dots, '<', ...

The class is the label as the audit prints it (``str(label)``), taken verbatim
(spaces included): any non-empty text without ``]``. A class label that contains
``]`` cannot be named in a rule. ``<class>`` itself is a placeholder, not a label:
:func:`known_fact_names` lists ``selection_rate[<class>].ratio`` and the like,
meaning "any class", because the classes are known only once a model is audited.

:func:`known_fact_names` is the one list of every fact name an audit can
publish: the CLI and :class:`audit.Policy` check a rule's name against it before
any model is loaded or any audit runs, so a misspelt name fails at once, naming
the closest valid one. This module is core (it imports nothing heavy and no
engine), so the policy can use it.
"""

from __future__ import annotations

import difflib
import functools
import operator
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from audit.errors import RuleSyntaxError

__all__ = [
    "FACT_STATISTICS",
    "FAIRNESS_METRICS",
    "CLASS_PLACEHOLDER",
    "FINDINGS_FACTS",
    "CALIBRATION_FACTS",
    "FLIP_FACTS",
    "DATA_FACTS",
    "SLICE_FACTS",
    "GRAMMAR",
    "OPERATORS",
    "PER_CLASS_METRICS",
    "SUMMARY_NAMES",
    "SUMMARY_STATISTICS",
    "WEIGHTS_FACTS",
    "FactPath",
    "Rule",
    "closest_name",
    "describe_names",
    "is_known_fact_name",
    "known_fact_names",
    "parse_rule",
    "parse_rules",
    "split_fact_path",
    "suggest_fact_name",
]

FAIRNESS_METRICS: tuple[str, ...] = (
    # binary classification (audit.fairness.BINARY_METRICS)
    "base_rate",
    "selection_rate",
    "tpr",
    "fpr",
    "fnr",
    "tnr",
    "precision",
    "npv",
    "accuracy",
    "balanced_accuracy",
    "f1",
    # scores (audit.fairness.SCORE_METRICS)
    "auc",
    "brier",
    "ece",
    # regression (audit.fairness.REGRESSION_METRICS)
    "mean_target",
    "mean_prediction",
    "mean_residual",
    "mae",
    "rmse",
    "r2",
)
"""Every metric name the fairness engine computes (binary, score and regression).

Core data, so that the policy can check ``ratio_metrics`` without importing the
engine; ``tests/core/test_settings_before_work.py`` checks that it equals the
engine's ``BINARY_METRICS + SCORE_METRICS + REGRESSION_METRICS``.
"""
PER_CLASS_METRICS: tuple[str, ...] = (
    "base_rate",
    "selection_rate",
    "tpr",
    "fpr",
    "fnr",
    "tnr",
    "precision",
    "npv",
    "f1",
)
"""The one-vs-rest metrics a multiclass audit publishes per class, as ``<metric>[<class>]``.

Core data, mirroring the engine's ``audit.fairness.PER_CLASS_METRICS`` (a test
checks that they are equal).
"""
CLASS_PLACEHOLDER = "<class>"
"""Stands for any class label in :func:`known_fact_names` (``selection_rate[<class>].ratio``)."""
FACT_STATISTICS: tuple[str, ...] = ("difference", "ratio", "min", "max")
"""Statistics every fairness metric publishes as a fact: ``<metric>.<statistic>``."""
SUMMARY_NAMES: tuple[str, ...] = ("demographic_parity", "equalized_odds", "equal_opportunity")
"""The named fairlearn-style summaries."""
SUMMARY_STATISTICS: tuple[str, ...] = ("difference", "ratio")
"""Statistics of the named summaries (``demographic_parity.ratio``, ...)."""
WEIGHTS_FACTS: tuple[str, ...] = (
    "top_share",
    "top_k_share",
    "gini",
    "hhi",
    "effective_n",
    "min",
    "max",
    "mean",
    "std",
    "dead_fraction",
)
"""``weights.<name>`` facts of the weights analysis."""
FINDINGS_FACTS: tuple[str, ...] = ("critical", "warning", "info", "total", "insufficient_evidence")
"""``findings.<name>`` facts (the counts of findings)."""
CALIBRATION_FACTS: tuple[str, ...] = ("calibration_gap.max", "calibration_gap.difference")
"""Facts of the calibration analysis (:mod:`audit.calibration`): the largest |mean score -
observed rate| of a comparable group, and the spread of that signed gap between groups."""
FLIP_FACTS: tuple[str, ...] = ("flip_rate.max", "flip_rate_proxy.max")
"""Facts of the counterfactual flip test (:mod:`audit.counterfactual`): the largest share of
one group's decisions that flips when only the attribute (``flip_rate``), or the attribute
and its proxies (``flip_rate_proxy``), takes another group's value."""
DATA_FACTS: tuple[str, ...] = ("min_group_share", "representation_ratio", "base_rate_ratio")
"""``data.<name>`` facts of the data checks (:mod:`audit.data_checks`)."""
SLICE_FACTS: tuple[str, ...] = ("worst_slice.difference", "worst_slice.ratio", "slices.tested")
"""Facts of the worst-slice search (:mod:`audit.slices`): the difference and ratio of the
metric between the worst slice significantly worse than the rest and the rest (0 and 1 when
none is), and how many slices were tested."""


@functools.lru_cache(maxsize=1)
def known_fact_names() -> frozenset[str]:
    """Every fact name a run of :func:`audit.audit_model` can publish.

    ``<metric>.difference|ratio|min|max`` for each of :data:`FAIRNESS_METRICS`,
    ``<metric>[<class>].difference|ratio|min|max`` for each of
    :data:`PER_CLASS_METRICS` (multiclass models; ``<class>`` is
    :data:`CLASS_PLACEHOLDER` and stands for any class label, see
    :func:`is_known_fact_name`),
    ``demographic_parity|equalized_odds|equal_opportunity.difference|ratio``,
    ``weights.<name>``, ``findings.<name>``, :data:`FLIP_FACTS` and
    ``data.<name>`` (:data:`DATA_FACTS`). One run publishes a subset (no
    ``auc`` without scores, no ``weights.dead_fraction`` without a torch
    model); a rule on a known name that a run did not publish is "missing".
    """
    names = {f"{m}.{s}" for m in FAIRNESS_METRICS for s in FACT_STATISTICS}
    names |= {f"{m}[{CLASS_PLACEHOLDER}].{s}" for m in PER_CLASS_METRICS for s in FACT_STATISTICS}
    names |= {f"{m}.{s}" for m in SUMMARY_NAMES for s in SUMMARY_STATISTICS}
    names |= {f"weights.{k}" for k in WEIGHTS_FACTS}
    names |= {f"findings.{k}" for k in FINDINGS_FACTS}
    names |= set(CALIBRATION_FACTS)
    names |= set(FLIP_FACTS)
    names |= {f"data.{k}" for k in DATA_FACTS}
    names |= set(SLICE_FACTS)
    return frozenset(names)


def describe_names(names: Iterable[str]) -> str:
    """Fact names, compactly: ``{selection_rate, tpr}.{difference, ratio}; findings.total``.

    Subjects with the same statistics share one ``{...}.{...}`` entry, and
    per-class metrics with the same classes and statistics share one
    ``{selection_rate, tpr}[{0, 1, 2}].{...}`` entry, so the whole list stays
    short enough for an error message and nothing is left out.
    """
    by_subject: dict[tuple[str, str | None], list[str]] = {}
    for name in sorted(set(names)):
        parts = split_fact_path(name)
        if parts is None:  # not rule syntax (a custom fact): split at the first dot
            subject, _, statistic = name.partition(".")
            by_subject.setdefault((subject, None), []).append(statistic)
        else:
            by_subject.setdefault((parts.subject, parts.label), []).append(parts.statistic)
    labels: dict[tuple[str, tuple[str, ...]], list[str]] = {}
    for (subject, label), statistics in by_subject.items():
        if label is not None:
            labels.setdefault((subject, tuple(statistics)), []).append(label)
    groups: dict[tuple[str | None, tuple[str, ...]], list[str]] = {}
    for (subject, label), statistics in by_subject.items():
        if label is None:
            groups.setdefault((None, tuple(statistics)), []).append(subject)
    for (subject, statistics), classes in labels.items():
        groups.setdefault((_set(classes), statistics), []).append(subject)
    return "; ".join(
        f"{_set(subjects)}{'' if classes is None else f'[{classes}]'}.{_set(stats)}"
        for (classes, stats), subjects in sorted(groups.items(), key=lambda g: g[1][0])
    )


def _set(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else "{" + ", ".join(items) + "}"


def closest_name(name: str, allowed: Iterable[str]) -> str | None:
    """The allowed name closest to ``name`` (:func:`difflib.get_close_matches`), or None."""
    close = difflib.get_close_matches(str(name), sorted(set(allowed)), n=1, cutoff=0.5)
    return close[0] if close else None


OPERATORS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
    ">": operator.gt,
    "<": operator.lt,
}
GRAMMAR = (
    "rule := <subject>.<statistic> <op> <number>, or <metric>[<class>].<statistic> <op> <number> "
    "for a per-class metric of a multiclass model (<class>: the class label, any text without "
    "']'); op one of >=, <=, >, <, ==, !=; "
    "e.g. 'selection_rate.ratio >= 0.8', 'selection_rate[2].ratio >= 0.8', "
    "'tpr.difference <= 0.1', 'findings.critical == 0', 'weights.top_share <= 0.5'"
)
_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_PATH = rf"(?P<subject>{_NAME})(?:\[(?P<label>[^\]]+)\])?\.(?P<statistic>{_NAME})"
_PATH_RE = re.compile(_PATH)
_RULE_RE = re.compile(
    rf"\s*(?P<path>{_PATH})\s*"
    r"(?P<op>>=|<=|==|!=|>|<)\s*(?P<value>[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?)\s*"
)
_BAD_RULE = "Cannot parse rule {rule!r}. Grammar: {grammar}."
_UNKNOWN_PATH = "Unknown metric {path!r} in rule {rule!r}.{hint} Known metrics: {known}."
_PLACEHOLDER_LABEL = (
    "Rule {rule!r} names no class: {placeholder} is a placeholder; write the class label "
    "instead, e.g. {example!r}."
)
_NOT_PER_CLASS = " {metric!r} is not reported per class (per-class metrics: {allowed})."
_CLASSES_HERE = " {metric!r} is reported per class here, for class(es) {labels}."


class FactPath(NamedTuple):
    """A fact name split into its parts: ``subject[label].statistic``.

    Attributes
    ----------
    subject : str
        The metric (or ``findings``, ``weights``, a named summary).
    label : str or None
        The class of a per-class metric, verbatim; None for other facts.
    statistic : str
        ``difference``, ``ratio``, ``min``, ``max``, ``top_share``, ...
    """

    subject: str
    label: str | None
    statistic: str

    @property
    def subject_name(self) -> str:
        """``subject`` or ``subject[label]``: everything before the statistic."""
        return self.subject if self.label is None else f"{self.subject}[{self.label}]"

    def __str__(self) -> str:
        return f"{self.subject_name}.{self.statistic}"


def split_fact_path(path: str) -> FactPath | None:
    """Split ``metric.statistic`` or ``metric[class].statistic``; None when ``path`` is neither.

    The class is any non-empty text without ``]``, kept verbatim (spaces too):
    ``split_fact_path("tpr[high risk].ratio") == FactPath("tpr", "high risk", "ratio")``.
    """
    match = _PATH_RE.fullmatch(path) if isinstance(path, str) else None
    if match is None:
        return None
    return FactPath(match["subject"], match["label"], match["statistic"])


def _template(parts: FactPath) -> str:
    return f"{parts.subject}[{CLASS_PLACEHOLDER}].{parts.statistic}"


def is_known_fact_name(path: str, known: Iterable[str]) -> bool:
    """Whether ``path`` is one of ``known``, the placeholder ``[<class>]`` matching any class.

    ``is_known_fact_name("selection_rate[2].ratio", known_fact_names())`` is True;
    against the facts of one audit (no placeholders) only the classes it has match.
    """
    known = known if isinstance(known, (set, frozenset)) else set(known)
    if path in known:
        return True
    parts = split_fact_path(path)
    return (
        parts is not None
        and parts.label is not None
        and parts.label != CLASS_PLACEHOLDER
        and _template(parts) in known
    )


def _rule_names(known: Iterable[str], label: str | None) -> set[str]:
    """The names of ``known`` a rule can be written on; placeholders filled with ``label``.

    Without a label the placeholders are left out: they name no class.
    """
    names = set()
    for name in known:
        parts = split_fact_path(name)
        if parts is None:
            continue
        if parts.label == CLASS_PLACEHOLDER:
            if label is not None:
                names.add(f"{parts.subject}[{label}].{parts.statistic}")
        else:
            names.add(name)
    return names


def suggest_fact_name(path: str, known: Iterable[str]) -> str | None:
    """The name of ``known`` closest to ``path`` that a rule can be written on, or None.

    Only names that parse are suggested, so a suggestion can be pasted into a
    rule as it is: a placeholder ``[<class>]`` is filled with the class ``path``
    names (and left out when ``path`` names none), and a known name that is not
    rule syntax (a class label containing ``]``) is never suggested. When
    nothing is close by spelling but ``path``'s metric is published per class,
    the same statistic of its first class is suggested.
    """
    parts = split_fact_path(path)
    label = None if parts is None or parts.label == CLASS_PLACEHOLDER else parts.label
    names = _rule_names(known, label)
    names.discard(path)
    close = closest_name(path, names)
    if close is None and parts is not None:
        same = sorted(
            n
            for n in names
            if (p := split_fact_path(n)) is not None
            and p.label is not None
            and (p.subject, p.statistic) == (parts.subject, parts.statistic)
        )
        close = same[0] if same else None
    return close


def _class_hint(parts: FactPath | None, known: Iterable[str]) -> str:
    """Why a name is unknown: its metric is not reported per class, or which classes it has."""
    if parts is None:
        return ""
    labels = sorted(
        {
            p.label
            for n in known
            if (p := split_fact_path(n)) is not None
            and p.subject == parts.subject
            and p.label not in (None, CLASS_PLACEHOLDER)
        }
    )
    if labels:
        return _CLASSES_HERE.format(metric=parts.subject, labels=", ".join(labels))
    plain = {p.subject for n in known if (p := split_fact_path(n)) is not None and p.label is None}
    if parts.label is not None and parts.subject in plain:
        return _NOT_PER_CLASS.format(metric=parts.subject, allowed=", ".join(PER_CLASS_METRICS))
    return ""


@dataclass(frozen=True)
class Rule:
    """A parsed rule: ``path op threshold``."""

    path: str
    op: str
    threshold: float
    text: str

    @property
    def parts(self) -> FactPath:
        """The metric, class (None unless per class) and statistic the rule tests."""
        parts = split_fact_path(self.path)
        if parts is None:  # a Rule built by hand on a name that is not rule syntax
            subject, _, statistic = self.path.partition(".")
            return FactPath(subject, None, statistic)
        return parts

    def holds(self, value: float) -> bool:
        """Whether ``value`` satisfies the rule."""
        return OPERATORS[self.op](value, self.threshold)

    def __str__(self) -> str:
        return f"{self.path} {self.op} {self.threshold:g}"


def parse_rule(text: str, known: Iterable[str] | None = None) -> Rule:
    """Parse one rule; with ``known`` metric paths, reject an unknown path with a suggestion.

    ``known`` is usually :func:`known_fact_names` (checked before any work; its
    ``[<class>]`` placeholders accept any class, see :func:`is_known_fact_name`)
    or the facts of one audit (exactly its classes). The suggestion is
    :func:`suggest_fact_name`'s, a name that itself parses.

    Raises
    ------
    RuleSyntaxError
        The text does not follow :data:`GRAMMAR`, or names an unknown metric.
    """
    if not isinstance(text, str):
        raise RuleSyntaxError(_BAD_RULE.format(rule=text, grammar=GRAMMAR))
    match = _RULE_RE.fullmatch(text)
    if match is None:
        raise RuleSyntaxError(_BAD_RULE.format(rule=text, grammar=GRAMMAR))
    path = match["path"]
    if match["label"] == CLASS_PLACEHOLDER:
        example = f"{match['subject']}[2].{match['statistic']}"
        raise RuleSyntaxError(
            _PLACEHOLDER_LABEL.format(rule=text, placeholder=CLASS_PLACEHOLDER, example=example)
        )
    if known is not None:
        known = set(known)
        if not is_known_fact_name(path, known):
            parts = split_fact_path(path)
            close = suggest_fact_name(path, known)
            hint = _class_hint(parts, known)
            hint += f" Did you mean {close!r}?" if close else ""
            raise RuleSyntaxError(
                _UNKNOWN_PATH.format(path=path, rule=text, hint=hint, known=describe_names(known))
            )
    return Rule(path=path, op=match["op"], threshold=float(match["value"]), text=text.strip())


def parse_rules(texts: Iterable[str] | str, known: Iterable[str] | None = None) -> list[Rule]:
    """Parse several rules (a single string is one rule)."""
    if isinstance(texts, str):
        texts = [texts]
    known_list = None if known is None else list(known)
    return [parse_rule(t, known_list) for t in texts]
