"""The one set of thresholds every output judges with.

The defaults are those of ``DESIGN.md``; every field can be overridden in code
(``Policy(ratio_warning=0.9)`` or ``policy.replace(...)``) or in a project's
``pyproject.toml``::

    [tool.model-audit]
    ratio_warning = 0.8
    difference_warning = 0.1
    min_count = 30
    insufficient = "warn"
    rules = ["selection_rate.ratio >= 0.8", "findings.critical == 0"]
"""

from __future__ import annotations

import dataclasses
import math
import numbers
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from audit.errors import DataValidationError, InvalidParameterError, RuleSyntaxError
from audit.rules import FAIRNESS_METRICS, closest_name, known_fact_names, parse_rule

__all__ = ["CORRECTIONS", "DEFAULT_POLICY", "Policy"]

_BAD_POLICY_KEY = "Unknown policy setting {key!r} in {where}. Allowed settings: {allowed}."
_TWICE = "Policy setting {key!r} is given twice in {where} (as {first!r} and {second!r})."
_BAD_POLICY_VALUE = "Policy setting {key!r} must be {what}; got {value}."
_BAD_ORDER = "Policy: {key} must be {op} {other}; got {value!r} {worse} {other_value!r}."
_UNKNOWN_METRIC = (
    "Policy setting {key!r} names unknown metric {name!r}.{hint} Allowed metrics: {allowed}."
)
_BAD_RULE = "Policy setting 'rules' has a rule that cannot be used: {error}"
_NOT_A_TABLE = "[tool.model-audit] of {file} must be a table of settings; got {kind}."

# name -> (low, high, low included, high included, what is allowed)
_NUMBERS: dict[str, tuple[float, float, bool, bool, str]] = {
    "ratio_warning": (0.0, 1.0, False, True, "a number in (0, 1]"),
    "ratio_critical": (0.0, 1.0, False, True, "a number in (0, 1]"),
    "difference_warning": (0.0, 1.0, True, True, "a number in [0, 1]"),
    "difference_critical": (0.0, 1.0, True, True, "a number in [0, 1]"),
    "ci": (0.0, 1.0, False, False, "a number in (0, 1) (e.g. 0.95)"),
    "weight_concentration": (0.0, 1.0, True, True, "a share in [0, 1]"),
    "sensitive_weight_share": (0.0, 1.0, True, True, "a share in [0, 1]"),
    "proxy_association": (0.0, 1.0, True, True, "an association in [0, 1]"),
    "proxy_encoding": (0.0, 1.0, False, True, "an association in (0, 1] (e.g. 0.9)"),
    "attribution_gap": (1.0, math.inf, True, False, "a finite ratio >= 1 (e.g. 2.0)"),
    "calibration_gap": (0.0, 1.0, False, True, "a number in (0, 1] (e.g. 0.05)"),
    "flip_rate": (0.0, 1.0, True, True, "a share in [0, 1] (e.g. 0.01)"),
    "min_group_share": (0.0, 1.0, True, True, "a share in [0, 1] (e.g. 0.05)"),
    "representation_ratio": (0.0, 1.0, True, True, "a ratio in [0, 1] (e.g. 0.8)"),
    "slice_difference": (0.0, math.inf, True, False, "a finite number >= 0 (e.g. 0.1)"),
}
_COUNTS = ("min_count", "n_boot", "proxy_top_k")
_METRIC_LISTS = ("ratio_metrics", "difference_metrics")
_INSUFFICIENT = ("warn", "fail", "pass")
CORRECTIONS: tuple[str, ...] = ("holm", "bonferroni", "none")
"""Multiple-comparison corrections of the parity tests (``Policy.multiple_comparisons``)."""


def _shown(value: Any) -> str:
    """``value`` for a message: its repr, and its type when that is not a plain number."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return f"{value!r} ({type(value).__name__})"
    return repr(value)


def _bad(key: str, what: str, value: Any) -> InvalidParameterError:
    return InvalidParameterError(_BAD_POLICY_VALUE.format(key=key, what=what, value=_shown(value)))


def _check_number(key: str, value: Any) -> float:
    low, high, low_in, high_in, what = _NUMBERS[key]
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise _bad(key, what, value)
    number = float(value)
    above = number >= low if low_in else number > low
    below = number <= high if high_in else number < high
    if not (math.isfinite(number) and above and below):
        raise _bad(key, what, value)
    return number


def _check_count(key: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise _bad(key, "an int >= 0 (not a bool or a float)", value)
    return int(value)


def _check_names(key: str, value: Any) -> tuple[str, ...]:
    names = (value,) if isinstance(value, str) else value
    if not isinstance(names, (tuple, list)) or not all(isinstance(n, str) for n in names):
        raise _bad(key, "a tuple of metric names (e.g. ('selection_rate', 'tpr'))", value)
    names = tuple(names)
    for name in names:
        if name not in FAIRNESS_METRICS:
            close = closest_name(name, FAIRNESS_METRICS)
            raise InvalidParameterError(
                _UNKNOWN_METRIC.format(
                    key=key,
                    name=name,
                    hint=f" Did you mean {close!r}?" if close else "",
                    allowed=", ".join(FAIRNESS_METRICS),
                )
            )
    return names


def _check_rules(value: Any) -> tuple[str, ...]:
    rules = (value,) if isinstance(value, str) else value
    if not isinstance(rules, (tuple, list)) or not all(isinstance(r, str) for r in rules):
        raise _bad("rules", "a tuple of rules (e.g. ('selection_rate.ratio >= 0.8',))", value)
    rules = tuple(rules)
    for rule in rules:
        try:
            parse_rule(rule, known_fact_names())
        except RuleSyntaxError as exc:
            raise InvalidParameterError(_BAD_RULE.format(error=exc)) from exc
    return rules


@dataclass(frozen=True)
class Policy:
    """Thresholds for findings and gates.

    Parameters
    ----------
    ratio_warning, ratio_critical : float
        A between-group ratio of a rate below these gives a warning / critical
        finding (four-fifths rule: 0.8).
    difference_warning, difference_critical : float
        A between-group difference of a rate above these gives a warning /
        critical finding.
    ratio_metrics, difference_metrics : tuple of str
        The rates the ratio and difference checks apply to. ``tnr`` is the
        complement of FPR.
    min_count : int
        A rate whose own denominator (rows for selection rate, positives for
        TPR, ...) is below this is "insufficient evidence".
    ci : float
        Confidence level of bootstrap intervals.
    n_boot : int
        Bootstrap replicates used by :func:`audit.audit_model` and the CLI
        (default 1,000; 0 = no intervals and no parity tests).
    multiple_comparisons : {"holm", "bonferroni", "none"}
        Correction of the pairwise parity tests that decide whether a
        disparity is critical, over every pair of comparable groups of a
        metric (Holm's step-down by default).
    insufficient : {"warn", "fail", "pass"}
        How gates treat "insufficient evidence".
    weight_concentration : float
        One feature holding more than this share of total |standardized
        weight| (or of mean |SHAP|) is "imbalanced weights".
    sensitive_weight_share : float
        A sensitive attribute holding at least this share of the total
        |standardized weight| counts as used by the model.
    proxy_association : float
        Association (Cramér's V / correlation ratio) above which a feature is
        a candidate proxy of a sensitive attribute.
    proxy_top_k : int
        A candidate proxy is flagged when it is among the model's top-k features.
    proxy_encoding : float
        Association (Cramér's V / correlation ratio / normalised mutual
        information, whichever is largest) at or above which a feature the
        model reads is a near-perfect encoding of a sensitive attribute: a
        ``proxy_encoding`` warning whatever the model's reliance on it, and
        listed in the model card as a way the model sees the attribute.
    attribution_gap : float
        Ratio of a feature's mean |SHAP| between two groups above which the
        feature is flagged as acting differently per group.
    calibration_gap : float
        A comparable group whose calibration-in-the-large (mean score minus
        observed rate) exceeds this in absolute value gets a
        ``calibration_gap`` finding (critical when its bootstrap interval lies
        entirely beyond it); the fact ``calibration_gap.max`` is the largest.
    flip_rate : float
        Counterfactual flip test: a share of one group's decisions above this
        that changes when only the sensitive attribute (or the attribute and
        its proxies) is changed to another group's value is a ``flip`` warning
        (:mod:`audit.counterfactual`).
    min_group_share : float
        Data checks: a group holding less than this share of the rows is
        under-represented (:mod:`audit.data_checks`).
    representation_ratio : float
        Data checks: a group whose share of the rows divided by its share in
        the reference distribution the user gave is below this is
        under-represented against the reference.
    slice_difference : float
        Worst-slice search: a slice significantly worse than the rest of the
        data (Benjamini-Hochberg adjusted p below ``1 - ci``) by more than
        this difference of the metric (error rate, FNR, FPR, selection rate;
        for MAE a relative difference, ``ratio > 1 + slice_difference``) is a
        ``weak_slice`` warning (:mod:`audit.slices`). Deeper slices that
        provably cannot be that much worse are pruned from the search.
    rules : tuple of str
        Gate rules in the rule grammar, e.g. ``"selection_rate.ratio >= 0.8"``.
    """

    ratio_warning: float = 0.8
    ratio_critical: float = 0.6
    difference_warning: float = 0.1
    difference_critical: float = 0.2
    ratio_metrics: tuple[str, ...] = ("selection_rate", "tpr", "tnr", "precision")
    difference_metrics: tuple[str, ...] = ("selection_rate", "tpr", "fpr")
    min_count: int = 30
    ci: float = 0.95
    n_boot: int = 1000
    multiple_comparisons: Literal["holm", "bonferroni", "none"] = "holm"
    insufficient: Literal["warn", "fail", "pass"] = "warn"
    weight_concentration: float = 0.5
    sensitive_weight_share: float = 0.05
    proxy_association: float = 0.3
    proxy_top_k: int = 5
    proxy_encoding: float = 0.9
    attribution_gap: float = 2.0
    calibration_gap: float = 0.05
    flip_rate: float = 0.01
    min_group_share: float = 0.05
    representation_ratio: float = 0.8
    slice_difference: float = 0.1
    rules: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        """Check every setting (and normalise numbers and tuples) before any work.

        Raises
        ------
        InvalidParameterError
            A setting has a type or value outside what is allowed; the message
            names the setting, the value received and what is allowed.
        """
        settings: dict[str, Any] = {}
        for key in _NUMBERS:
            settings[key] = _check_number(key, getattr(self, key))
        for key in _COUNTS:
            settings[key] = _check_count(key, getattr(self, key))
        for key in _METRIC_LISTS:
            settings[key] = _check_names(key, getattr(self, key))
        if not isinstance(self.multiple_comparisons, str) or self.multiple_comparisons not in (
            CORRECTIONS
        ):
            raise _bad(
                "multiple_comparisons",
                "one of " + ", ".join(map(repr, CORRECTIONS)),
                self.multiple_comparisons,
            )
        if not isinstance(self.insufficient, str) or self.insufficient not in _INSUFFICIENT:
            raise _bad("insufficient", "one of 'warn', 'fail', 'pass'", self.insufficient)
        settings["rules"] = _check_rules(self.rules)
        for key, value in settings.items():
            object.__setattr__(self, key, value)
        if self.ratio_critical > self.ratio_warning:
            raise InvalidParameterError(
                _BAD_ORDER.format(
                    key="ratio_critical",
                    op="<=",
                    other="ratio_warning",
                    value=self.ratio_critical,
                    worse=">",
                    other_value=self.ratio_warning,
                )
            )
        if self.difference_critical < self.difference_warning:
            raise InvalidParameterError(
                _BAD_ORDER.format(
                    key="difference_critical",
                    op=">=",
                    other="difference_warning",
                    value=self.difference_critical,
                    worse="<",
                    other_value=self.difference_warning,
                )
            )

    def replace(self, **changes: Any) -> Policy:
        """Return a copy with some settings changed (validated like the constructor)."""
        return dataclasses.replace(self, **_normalise(changes, "Policy.replace()"))

    def to_dict(self) -> dict[str, Any]:
        """Return the settings as a JSON-serialisable dict."""
        out = dataclasses.asdict(self)
        return {k: list(v) if isinstance(v, tuple) else v for k, v in out.items()}

    @classmethod
    def from_pyproject(cls, path: str | Path | None = None) -> Policy:
        """Read ``[tool.model-audit]`` from a pyproject.toml.

        Parameters
        ----------
        path : path-like, optional
            The file, or a folder to search upwards from. Defaults to the
            current working directory. A missing file or table gives the
            default policy.
        """
        start = Path.cwd() if path is None else Path(path)
        file = _find_pyproject(start)
        if file is None:
            return cls()
        with file.open("rb") as fh:
            try:
                data = tomllib.load(fh)
            except tomllib.TOMLDecodeError as exc:
                raise DataValidationError(f"{file} is not valid TOML: {exc}") from exc
        tool = data.get("tool", {})
        table = tool.get("model-audit", {}) if isinstance(tool, dict) else {}
        if not isinstance(table, dict):
            raise InvalidParameterError(_NOT_A_TABLE.format(file=file, kind=type(table).__name__))
        return cls(**_normalise(table, f"[tool.model-audit] of {file}"))


def _find_pyproject(start: Path) -> Path | None:
    if start.is_file():
        return start
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def _normalise(settings: dict[str, Any], where: str) -> dict[str, Any]:
    allowed = {f.name: f for f in dataclasses.fields(Policy)}
    out: dict[str, Any] = {}
    raw_keys: dict[str, str] = {}
    for raw_key, value in settings.items():
        key = str(raw_key).replace("-", "_")
        if key not in allowed:
            raise InvalidParameterError(
                _BAD_POLICY_KEY.format(key=raw_key, where=where, allowed=", ".join(sorted(allowed)))
            )
        if key in out:
            raise InvalidParameterError(
                _TWICE.format(key=key, where=where, first=raw_keys[key], second=raw_key)
            )
        raw_keys[key] = raw_key
        if isinstance(value, list):
            value = tuple(value)
        if isinstance(value, str) and key in ("rules", "ratio_metrics", "difference_metrics"):
            value = (value,)
        out[key] = value
    return out


DEFAULT_POLICY = Policy()
