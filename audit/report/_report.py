"""AuditReport: the findings and results of one audit, and its writers."""

from __future__ import annotations

import json
import platform
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from audit._version import __version__
from audit.facts import Fact, fact_to_dict, facts_from_findings
from audit.findings import Finding, count_by_severity, sort_findings
from audit.loading import model_source
from audit.policy import Policy
from audit.report._serialize import to_jsonable
from audit.report._write import GENERATOR_MARK, write_text_atomic

if TYPE_CHECKING:  # pragma: no cover
    from audit.analyzers import AnalyzerOutput
    from audit.attributions import AttributionResult
    from audit.calibration import CalibrationResult
    from audit.context import AuditContext
    from audit.counterfactual import FlipResult
    from audit.data_checks import DataChecks
    from audit.fairness import GroupMetrics
    from audit.importance import ImportanceResult
    from audit.proxies import ProxyResult
    from audit.slices import SliceResult
    from audit.thresholds import ThresholdResult
    from audit.weights import WeightsResult

__all__ = ["SCHEMA_VERSION", "AuditReport", "LOGGED_PREDICTIONS", "PREDICTIONS_KIND"]

SCHEMA_VERSION = "1.0"
LOGGED_PREDICTIONS = "logged predictions, no model"
"""The model "class" of an audit of logged predictions (:func:`audit.audit_predictions`)."""
PREDICTIONS_KIND = "predictions"
"""The model "kind" of an audit of logged predictions: no weights, no inputs, no adapter."""
_VERSIONED = ("numpy", "pandas", "scikit-learn", "shap", "fairlearn", "torch")


def library_versions() -> dict[str, str]:
    """Versions of model-audit, Python and the libraries an audit may use."""
    from importlib import metadata

    out = {"model-audit": __version__, "python": platform.python_version()}
    for dist in _VERSIONED:
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = "not installed"
    return out


def _accuracy_block(ctx: AuditContext) -> dict[str, Any]:
    if ctx.y_true is None:
        return {}
    w = ctx.sample_weight
    if ctx.task == "regression":
        err = np.asarray(ctx.y_pred, dtype=float) - np.asarray(ctx.y_true, dtype=float)
        return {
            "mae": float(np.average(np.abs(err), weights=w)),
            "rmse": float(np.sqrt(np.average(err**2, weights=w))),
        }
    return {"accuracy": float(np.average(ctx.y_true == ctx.y_pred, weights=w))}


@dataclass(frozen=True, eq=False)
class AuditReport:
    """The outcome of :func:`audit.audit_model`.

    Attributes
    ----------
    model : dict
        Model card: name, class, kind, task, classes, parameter count, hyperparameters.
    data : dict
        Rows, columns, data hash, sensitive columns, overall performance.
    policy : Policy
        Thresholds the findings were judged with.
    outputs : mapping of str to AnalyzerOutput
        Every analyzer's status, result and findings.
    findings : list of Finding
        All findings, most severe first.
    random_state : int
        The seed used.
    versions : dict
        Library versions.
    created_at : str
        UTC time the audit ran (HTML only; the JSON record leaves it out so it
        stays byte-identical for a fixed seed).
    """

    model: dict[str, Any]
    data: dict[str, Any]
    policy: Policy
    outputs: Mapping[str, AnalyzerOutput]
    findings: list[Finding]
    random_state: int
    versions: dict[str, str] = field(default_factory=library_versions)
    created_at: str = field(
        default_factory=lambda: datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    )

    @classmethod
    def from_context(cls, ctx: AuditContext, outputs: Mapping[str, AnalyzerOutput]) -> AuditReport:
        """Assemble a report from a context and the analyzers' outputs."""
        adapter = ctx.adapter
        model = {
            "name": adapter.name,
            "class": f"{type(adapter.model).__module__}.{type(adapter.model).__qualname__}",
            "kind": adapter.kind,
            "task": ctx.task,
            "classes": [] if ctx.classes is None else ctx.classes.tolist(),
            "pos_label": ctx.pos_label,
            "n_parameters": adapter.n_parameters,
            "hyperparameters": adapter.hyperparameters(),
            "source": model_source(adapter.model),  # the file load_model read, if any
        }
        sensitive = {}
        if ctx.sensitive is not None:
            for col in ctx.sensitive.columns:
                sensitive[col] = {
                    str(k): int(v)
                    for k, v in ctx.sensitive[col].value_counts().sort_index().items()
                }
        data = {
            "n_rows": ctx.n_rows,
            "n_columns": int(ctx.X.shape[1]),
            "columns": [str(c) for c in ctx.X.columns],
            "model_columns": ctx.model_columns,
            "data_hash": ctx.data_hash,
            "sensitive": sensitive,
            "sensitive_in_model": list(ctx.sensitive_in_model),
            "weighted": ctx.sample_weight is not None,
            "performance": _accuracy_block(ctx),
        }
        findings = sort_findings(f for out in outputs.values() for f in out.findings)
        return cls(
            model=model,
            data=data,
            policy=ctx.policy,
            outputs=dict(outputs),
            findings=findings,
            random_state=ctx.random_state,
        )

    @classmethod
    def from_predictions(
        cls,
        output: AnalyzerOutput,
        *,
        name: str,
        columns: list[str],
        data_hash: str,
        policy: Policy,
        random_state: int,
        source: dict[str, Any] | None = None,
    ) -> AuditReport:
        """Assemble the report of logged predictions (no model) from the fairness output.

        ``output`` is the fairness analyzer's output (its result the
        intersectional :class:`~audit.fairness.GroupMetrics`, ``extras["marginals"]``
        one table per attribute); the rows, groups and overall performance are
        read from its count tables, so no number is computed twice. The model
        card says :data:`LOGGED_PREDICTIONS`; there are no weights, inputs or
        hyperparameters.
        """
        gm = output.result
        binary = gm.task == "binary" and len(gm.classes) == 2
        model = {
            "name": name,
            "class": LOGGED_PREDICTIONS,
            "kind": PREDICTIONS_KIND,
            "task": gm.task,
            "classes": list(gm.classes),
            "pos_label": gm.classes[1] if binary else None,
            "n_parameters": None,
            "hyperparameters": {},
            "source": None,
        }
        tables = dict(output.extras.get("marginals") or {}) or {gm.sensitive_names[0]: gm}
        sensitive = {
            str(col): {str(k): int(v) for k, v in t.by_group["count"].items()}
            for col, t in tables.items()
        }
        wanted = ("mae", "rmse") if gm.task == "regression" else ("accuracy",)
        data = {
            "n_rows": int(gm.counts.table["n"].sum()),
            "n_columns": len(columns),
            "columns": list(columns),
            "model_columns": [],
            "data_hash": data_hash,
            "sensitive": sensitive,
            "sensitive_in_model": [],
            "weighted": bool(gm.counts.weighted),
            "performance": {k: float(gm.overall[k]) for k in wanted if k in gm.overall},
            "predictions": dict(source or {}),
        }
        return cls(
            model=model,
            data=data,
            policy=policy,
            outputs={"fairness": output},
            findings=sort_findings(output.findings),
            random_state=random_state,
        )

    # ------------------------------------------------------------ results
    def _result(self, name: str) -> Any:
        out = self.outputs.get(name)
        return out.result if out is not None and out.status == "ran" else None

    @property
    def fairness(self) -> GroupMetrics | None:
        """The :class:`audit.fairness.GroupMetrics`, or None when not computed."""
        return self._result("fairness")

    @property
    def weights(self) -> WeightsResult | None:
        """The :class:`audit.weights.WeightsResult`, or None."""
        return self._result("weights")

    @property
    def importance_result(self) -> ImportanceResult | None:
        """The :class:`audit.importance.ImportanceResult`, or None."""
        return self._result("importance")

    @property
    def importance(self) -> pd.DataFrame | None:
        """Feature importance table (one row per feature), or None."""
        result = self.importance_result
        return None if result is None else result.table

    @property
    def attributions(self) -> AttributionResult | None:
        """The :class:`audit.attributions.AttributionResult`, or None."""
        return self._result("attributions")

    @property
    def proxies(self) -> ProxyResult | None:
        """The :class:`audit.proxies.ProxyResult`, or None."""
        return self._result("proxies")

    @property
    def calibration(self) -> CalibrationResult | None:
        """The :class:`audit.calibration.CalibrationResult` (calibration by group), or None."""
        return self._result("calibration")

    @property
    def thresholds(self) -> ThresholdResult | None:
        """The :class:`audit.thresholds.ThresholdResult` (a what-if), or None."""
        return self._result("thresholds")

    @property
    def data_checks(self) -> DataChecks | None:
        """The :class:`audit.data_checks.DataChecks` (the "Data" section), or None."""
        return self._result("data")

    @property
    def flip(self) -> FlipResult | None:
        """The :class:`audit.counterfactual.FlipResult`, or None."""
        return self._result("flip")

    @property
    def slices(self) -> SliceResult | None:
        """The :class:`audit.slices.SliceResult` (worst-slice search), or None."""
        return self._result("slices")

    @property
    def counts(self) -> dict[str, int]:
        """Number of findings per severity, plus ``insufficient_evidence``."""
        counts = count_by_severity(self.findings)
        counts["insufficient_evidence"] = sum(
            1 for f in self.findings if f.code == "insufficient_evidence"
        )
        return counts

    @property
    def verdict(self) -> str:
        """``"critical"``, ``"warning"`` or ``"pass"`` — the most severe finding."""
        counts = self.counts
        return "critical" if counts["critical"] else "warning" if counts["warning"] else "pass"

    def facts(self) -> dict[str, Fact]:
        """The named numbers gates check (``selection_rate.ratio``, ``findings.critical``, ...).

        The findings counts, and the facts each analyzer that ran published
        (:attr:`AnalyzerOutput.facts`): the report, its JSON record and the gates
        all read these, so they cannot disagree.
        """
        facts = facts_from_findings(self.findings)
        for out in self.outputs.values():
            facts.update(out.facts)
        return facts

    def findings_frame(self) -> pd.DataFrame:
        """The findings as a DataFrame (one row each, most severe first)."""
        rows = [{k: v for k, v in f.to_dict().items() if k != "evidence"} for f in self.findings]
        return pd.DataFrame(
            rows, columns=["code", "severity", "title", "message", "subject", "analyzer"]
        )

    # ------------------------------------------------------------ outputs
    def to_dict(self) -> dict[str, Any]:
        """The JSON record as a dict (schema ``SCHEMA_VERSION``)."""
        analyzers = {}
        for name, out in self.outputs.items():
            entry = {"status": out.status, "reason": out.reason}
            if out.status == "ran" and out.result is not None:
                entry["result"] = to_jsonable(out.result)
            if out.extras:
                entry["extras"] = to_jsonable(out.extras)
            analyzers[name] = entry
        return to_jsonable(
            {
                "generator": GENERATOR_MARK,
                "schema_version": SCHEMA_VERSION,
                "model": self.model,
                "data": self.data,
                "policy": self.policy.to_dict(),
                "random_state": self.random_state,
                "versions": self.versions,
                "verdict": self.verdict,
                "counts": self.counts,
                "findings": [f.to_dict() for f in self.findings],
                "facts": {path: fact_to_dict(f) for path, f in sorted(self.facts().items())},
                "analyzers": analyzers,
            }
        )

    def to_json(self, path: str | Path | None = None, *, overwrite: bool = False) -> str:
        """Serialise to JSON (sorted keys, no NaN); write it to ``path`` when given."""
        text = json.dumps(self.to_dict(), indent=2, sort_keys=True, allow_nan=False) + "\n"
        if path is not None:
            write_text_atomic(path, text, overwrite=overwrite)
        return text

    def to_html(self, path: str | Path | None = None, *, overwrite: bool = False) -> str:
        """Render the self-contained HTML report; write it to ``path`` when given."""
        from audit.report._html import render_report

        text = render_report(self)
        if path is not None:
            write_text_atomic(path, text, overwrite=overwrite)
        return text

    def to_markdown(self, path: str | Path | None = None, *, overwrite: bool = False) -> str:
        """A short Markdown summary (for CI step summaries)."""
        from audit.report._markdown import render_markdown

        text = render_markdown(self)
        if path is not None:
            write_text_atomic(path, text, overwrite=overwrite)
        return text

    def to_model_card(self, path: str | Path | None = None, *, overwrite: bool = False) -> str:
        """A model card in Markdown (Mitchell et al., 2019), filled from this audit.

        Model details, factors (the sensitive attributes and their groups), metrics
        and the policy's thresholds, evaluation data, quantitative analyses with
        intervals, ethical considerations from the findings, and caveats; what only
        the model's owner knows (intended use, training data, license) is a marked
        placeholder ``[TO BE COMPLETED BY THE MODEL OWNER: …]``.

        Parameters
        ----------
        path : path-like, optional
            Where to write it (atomically; an existing file must be one of ours
            unless ``overwrite``).
        overwrite : bool, default=False
            Replace a file that is not a model-audit output.

        Returns
        -------
        str
            The Markdown text.
        """
        from audit.report._model_card import render_model_card

        text = render_model_card(self)
        if path is not None:
            write_text_atomic(path, text, overwrite=overwrite)
        return text

    def _repr_html_(self) -> str:
        from audit.report._html import render_summary

        return render_summary(self)

    def __repr__(self) -> str:
        c = self.counts
        return (
            f"<AuditReport {self.model['name']} ({self.model['task']}, "
            f"{self.data['n_rows']} rows): "
            f"{c['critical']} critical, {c['warning']} warning, {c['info']} info>"
        )
