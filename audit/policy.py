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

from audit.errors import DataValidationError

__all__ = ["DEFAULT_POLICY", "Policy"]

_BAD_POLICY_KEY = "Unknown policy setting {key!r} in {where}. Allowed settings: {allowed}."
_BAD_POLICY_VALUE = "Policy setting {key!r} must be {what}; got {value!r}."


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
        Bootstrap replicates used by :func:`audit.audit_model` (0 = no CIs).
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
    attribution_gap : float
        Ratio of a feature's mean |SHAP| between two groups above which the
        feature is flagged as acting differently per group.
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
    n_boot: int = 0
    insufficient: Literal["warn", "fail", "pass"] = "warn"
    weight_concentration: float = 0.5
    sensitive_weight_share: float = 0.05
    proxy_association: float = 0.3
    proxy_top_k: int = 5
    attribution_gap: float = 2.0
    rules: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        for name in ("ratio_warning", "ratio_critical", "ci"):
            value = getattr(self, name)
            if not 0 < value <= 1:
                raise DataValidationError(
                    _BAD_POLICY_VALUE.format(key=name, what="a number in (0, 1]", value=value)
                )
        if self.ratio_critical > self.ratio_warning:
            raise DataValidationError(
                "Policy: ratio_critical must be <= ratio_warning; got "
                f"{self.ratio_critical} > {self.ratio_warning}."
            )
        if self.difference_critical < self.difference_warning:
            raise DataValidationError(
                "Policy: difference_critical must be >= difference_warning; got "
                f"{self.difference_critical} < {self.difference_warning}."
            )
        if self.insufficient not in ("warn", "fail", "pass"):
            raise DataValidationError(
                _BAD_POLICY_VALUE.format(
                    key="insufficient", what="'warn', 'fail' or 'pass'", value=self.insufficient
                )
            )
        for name in ("min_count", "n_boot"):
            value = getattr(self, name)
            if not _is_count(value):
                raise DataValidationError(
                    _BAD_POLICY_VALUE.format(key=name, what="an int >= 0", value=value)
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
        table = data.get("tool", {}).get("model-audit", {})
        return cls(**_normalise(table, f"[tool.model-audit] of {file}"))


def _is_count(value: Any) -> bool:
    """True for an int >= 0 (a whole float such as 30.0 counts; bools and text do not)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return False
    return bool(math.isfinite(value) and value >= 0 and int(value) == value)


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
    for raw_key, value in settings.items():
        key = raw_key.replace("-", "_")
        if key not in allowed:
            raise DataValidationError(
                _BAD_POLICY_KEY.format(key=raw_key, where=where, allowed=", ".join(sorted(allowed)))
            )
        if isinstance(value, list):
            value = tuple(value)
        if isinstance(value, str) and key in ("rules", "ratio_metrics", "difference_metrics"):
            value = (value,)
        out[key] = value
    return out


DEFAULT_POLICY = Policy()
