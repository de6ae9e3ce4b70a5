"""What if the weights were different? Edit a copy of the model and compare (Table 6).

The user's model is never touched: edits apply to ``copy.deepcopy(model)``
(``sklearn.base.clone`` would drop the fitted parameters). Edits:

* :class:`ZeroFeature` / :class:`ScaleFeature` — every coefficient of a model
  column whose name or source input column is the feature (so all one-hot columns
  of a categorical column); for torch, the first ``nn.Linear`` layer's input column.
* :class:`ScaleLayer` — scikit-learn: ``"coef_"`` or ``"intercept_"``; torch: a
  parameter (``"0.weight"``) or a module (``"0"``, all its own parameters).
* :class:`AddNoise` — Gaussian noise on the weights: scikit-learn ``coef_``; torch
  every parameter whose name ends in ``weight`` (biases untouched).
* :class:`PruneSmallest` — set the given fraction of those same weights with the
  smallest magnitude to zero, per array (layer-wise magnitude pruning).

Edits may also be dicts: ``{"op": "zero_feature", "feature": "x0"}``, ``{"op":
"scale_feature", "feature": "x0", "factor": 2}``, ``{"op": "scale_layer", "name":
"0.weight", "factor": 0.5}``, ``{"op": "add_noise", "std": 0.1, "random_state": 0}``,
``{"op": "prune_smallest", "fraction": 0.2}``.
"""

from __future__ import annotations

import copy
import dataclasses
import numbers
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from audit._jsonable import to_jsonable as _plain
from audit.adapters import ModelAdapter, make_adapter
from audit.adapters.torch import import_torch
from audit.context import AuditContext, build_context
from audit.errors import (
    DataValidationError,
    InvalidParameterError,
    UnknownColumnError,
    UnsupportedModelError,
)
from audit.fairness import group_metrics
from audit.policy import Policy
from audit.weights._analysis import model_kind
from audit.weights._inputs import design_matrix
from audit.weights._linear import coefficient_array
from audit.weights._result import frame_records

__all__ = [
    "ZeroFeature",
    "ScaleFeature",
    "ScaleLayer",
    "AddNoise",
    "PruneSmallest",
    "Edit",
    "WhatIfResult",
    "what_if",
]

_UNKNOWN_OP = "Unknown edit {op!r}; allowed: {allowed}."
_BAD_EDIT = "An edit must be an edit object or a dict with an 'op' key; got {kind}."
_BAD_EDIT_ARGS = "Edit {op!r} got unexpected settings {keys}; it takes {allowed}."
_NO_EDITS = "what_if needs at least one edit; got an empty list."
_NO_LABELS = "what_if compares metrics, so it needs the true labels y; got None."
_UNKNOWN_FEATURE = (
    "Unknown feature {feature!r} for {edit}: the model's columns are {names} "
    "(input columns {sources})."
)
_UNKNOWN_LAYER = "Unknown parameter {name!r} for ScaleLayer; {kind} parameters are {allowed}."
_NOT_EDITABLE = (
    "what_if edits the weights of linear models and torch networks; {model} ({kind}) has no "
    "weights to edit."
)
_GAP_METRICS = ("selection_rate", "tpr")
_BAD_FRACTION = "PruneSmallest fraction must be a number in [0, 1]; got {value!r}."
_BAD_STD = "AddNoise std must be a finite number >= 0; got {value!r}."
_BAD_FACTOR = "{edit} factor must be a finite number; got {value!r}."
_BAD_EDITS = (
    "edits must be a list of edits, e.g. edits=[ZeroFeature('age')] or "
    "edits=[{{'op': 'zero_feature', 'feature': 'age'}}]; got {kind}."
)
_MISSING_EDIT_ARGS = "Edit {op!r} needs the setting(s) {keys}; it takes {allowed}."
_NO_FIRST_LINEAR = (
    "{edit} on a torch network needs an nn.Linear layer whose inputs are the features."
)


def _is_real(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _check_factor(edit: str, value: Any) -> None:
    if not (_is_real(value) and np.isfinite(value)):
        raise InvalidParameterError(_BAD_FACTOR.format(edit=edit, value=value))


@dataclass(frozen=True)
class ZeroFeature:
    """Set every weight of one input feature to zero.

    Parameters
    ----------
    feature : str
        An input column (all its one-hot columns) or a model column name.
    """

    feature: str

    def describe(self) -> str:
        """One line for reports."""
        return f"zero feature {self.feature!r}"


@dataclass(frozen=True)
class ScaleFeature:
    """Multiply every weight of one input feature by ``factor``.

    Parameters
    ----------
    feature : str
        An input column (all its one-hot columns) or a model column name.
    factor : float
        The multiplier.
    """

    feature: str
    factor: float

    def __post_init__(self) -> None:
        _check_factor("ScaleFeature", self.factor)

    def describe(self) -> str:
        """One line for reports."""
        return f"scale feature {self.feature!r} by {self.factor:g}"


@dataclass(frozen=True)
class ScaleLayer:
    """Multiply a parameter array (or a torch module's parameters) by ``factor``.

    Parameters
    ----------
    name : str
        torch: ``"0.weight"`` or a module name ``"0"``; scikit-learn: ``"coef_"``
        or ``"intercept_"``.
    factor : float
        The multiplier.
    """

    name: str
    factor: float

    def __post_init__(self) -> None:
        _check_factor("ScaleLayer", self.factor)

    def describe(self) -> str:
        """One line for reports."""
        return f"scale {self.name!r} by {self.factor:g}"


@dataclass(frozen=True)
class AddNoise:
    """Add Gaussian noise to the weights.

    Parameters
    ----------
    std : float
        Noise standard deviation (absolute, or relative to each array's std).
    random_state : int, optional
        Seed; defaults to the ``random_state`` given to :func:`what_if`.
    relative : bool, default=False
        Scale ``std`` by each weight array's own standard deviation.
    """

    std: float
    random_state: int | None = None
    relative: bool = False

    def __post_init__(self) -> None:
        if not (_is_real(self.std) and np.isfinite(self.std) and self.std >= 0):
            raise InvalidParameterError(_BAD_STD.format(value=self.std))

    def describe(self) -> str:
        """One line for reports."""
        unit = " × array std" if self.relative else ""
        return f"add Gaussian noise std {self.std:g}{unit}"


@dataclass(frozen=True)
class PruneSmallest:
    """Zero the given fraction of weights with the smallest magnitude, per array.

    Parameters
    ----------
    fraction : float
        In [0, 1]; ``floor(fraction * size)`` weights of each array are zeroed.
    """

    fraction: float

    def __post_init__(self) -> None:
        if not (_is_real(self.fraction) and 0 <= self.fraction <= 1):
            raise InvalidParameterError(_BAD_FRACTION.format(value=self.fraction))

    def describe(self) -> str:
        """One line for reports."""
        return f"prune the smallest {self.fraction:.0%} of weights"


Edit = ZeroFeature | ScaleFeature | ScaleLayer | AddNoise | PruneSmallest

_OPS: dict[str, type] = {
    "zero_feature": ZeroFeature,
    "scale_feature": ScaleFeature,
    "scale_layer": ScaleLayer,
    "add_noise": AddNoise,
    "prune_smallest": PruneSmallest,
}


def _as_edit(edit: Any) -> Edit:
    if isinstance(edit, tuple(_OPS.values())):
        return edit
    if not isinstance(edit, Mapping) or "op" not in edit:
        raise DataValidationError(_BAD_EDIT.format(kind=type(edit).__name__))
    op = str(edit["op"])
    if op not in _OPS:
        raise DataValidationError(_UNKNOWN_OP.format(op=op, allowed=", ".join(_OPS)))
    cls = _OPS[op]
    settings = {k: v for k, v in edit.items() if k != "op"}
    allowed = list(cls.__dataclass_fields__)
    extra = sorted(set(settings) - set(allowed))
    if extra:
        raise DataValidationError(_BAD_EDIT_ARGS.format(op=op, keys=extra, allowed=allowed))
    required = [
        name
        for name, f in cls.__dataclass_fields__.items()
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    ]
    missing = [name for name in required if name not in settings]
    if missing:
        raise DataValidationError(_MISSING_EDIT_ARGS.format(op=op, keys=missing, allowed=allowed))
    return cls(**settings)


def _as_edits(edits: Any) -> list[Edit]:
    """The edits as a list, refusing one bare edit or a string (a common slip)."""
    if (
        isinstance(edits, (str, bytes, Mapping))
        or isinstance(edits, tuple(_OPS.values()))
        or not isinstance(edits, Iterable)
    ):
        raise InvalidParameterError(_BAD_EDITS.format(kind=type(edits).__name__))
    parsed = [_as_edit(e) for e in edits]
    if not parsed:
        raise DataValidationError(_NO_EDITS)
    return parsed


@dataclass(frozen=True, eq=False)
class WhatIfResult:
    """Metrics before and after editing a copy of the model's weights.

    Attributes
    ----------
    table : pandas.DataFrame
        ``metric, attribute, original, modified, difference`` (modified − original).
        Metrics: ``accuracy, precision, recall`` (binary: of the positive class;
        multiclass: macro averages), or ``r2, mae, rmse`` for regression; with
        sensitive features and a binary task, per attribute (and for the
        intersection of several, ``"a × b"``) ``selection_rate_difference,
        selection_rate_ratio, tpr_difference, tpr_ratio``: the fairness facts
        of the same names (max − min and min / max over the groups with enough
        evidence), so the ``original`` column equals what
        :func:`audit.audit_model` reports for the model.
    edits : tuple of str
        What was changed, in order.
    n_values_edited : int
        How many scalar weights the edits touched.
    n_changed : int
        Rows whose prediction changed.
    changed_fraction : float
        ``n_changed / n_rows``.
    changed : numpy.ndarray
        Boolean mask of rows whose prediction changed.
    original_predictions, modified_predictions : numpy.ndarray
        Predictions of the model and of the edited copy.
    model : object
        The edited copy.
    """

    table: pd.DataFrame
    edits: tuple[str, ...]
    n_values_edited: int
    n_changed: int
    changed_fraction: float
    changed: np.ndarray = field(repr=False)
    original_predictions: np.ndarray = field(repr=False)
    modified_predictions: np.ndarray = field(repr=False)
    model: Any = field(repr=False)

    def to_frame(self) -> pd.DataFrame:
        """The metric table (a copy)."""
        return self.table.copy()

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable summary: ``table, edits, n_values_edited, n_changed,
        changed_fraction, n_rows``."""
        return {
            "table": frame_records(self.table),
            "edits": list(self.edits),
            "n_values_edited": int(self.n_values_edited),
            "n_changed": int(self.n_changed),
            "changed_fraction": _plain(float(self.changed_fraction)),
            "n_rows": len(self.changed),
        }


# --------------------------------------------------------------------- sklearn
def _feature_columns(feature: str, names: list[str], sources: list[str], edit: Edit) -> np.ndarray:
    idx = np.flatnonzero(
        [n == feature or s == feature for n, s in zip(names, sources, strict=True)]
    )
    if idx.size == 0:
        raise UnknownColumnError(
            _UNKNOWN_FEATURE.format(
                feature=feature,
                edit=edit.describe(),
                names=names[:20],
                sources=sorted(set(sources))[:20],
            )
        )
    return idx


def _write_coef(estimator: Any, coef: np.ndarray) -> None:
    original = estimator.coef_
    ndim = 2 if hasattr(original, "toarray") else np.ndim(original)
    estimator.coef_ = coef[0].copy() if ndim == 1 else coef.copy()


def _edit_sklearn(
    edit: Edit, estimator: Any, names: list[str], sources: list[str], rng: np.random.Generator
) -> int:
    coef = coefficient_array(estimator)
    if isinstance(edit, (ZeroFeature, ScaleFeature)):
        factor = 0.0 if isinstance(edit, ZeroFeature) else float(edit.factor)
        cols = _feature_columns(edit.feature, names, sources, edit)
        coef[:, cols] *= factor
        _write_coef(estimator, coef)
        return int(coef.shape[0] * cols.size)
    if isinstance(edit, ScaleLayer):
        if edit.name == "coef_":
            _write_coef(estimator, coef * float(edit.factor))
            return int(coef.size)
        if edit.name == "intercept_":
            intercept = np.asarray(estimator.intercept_, dtype=float) * float(edit.factor)
            estimator.intercept_ = intercept if intercept.ndim else float(intercept)
            return int(intercept.size)
        raise UnknownColumnError(
            _UNKNOWN_LAYER.format(
                name=edit.name, kind="scikit-learn", allowed=["coef_", "intercept_"]
            )
        )
    if isinstance(edit, AddNoise):
        noise_rng = rng if edit.random_state is None else np.random.default_rng(edit.random_state)
        scale = edit.std * (float(coef.std()) if edit.relative else 1.0)
        _write_coef(estimator, coef + noise_rng.normal(0.0, scale, size=coef.shape))
        return int(coef.size)
    flat = coef.ravel()
    k = int(np.floor(edit.fraction * flat.size))
    flat[np.argsort(np.abs(flat), kind="stable")[:k]] = 0.0
    _write_coef(estimator, flat.reshape(coef.shape))
    return k


# ----------------------------------------------------------------------- torch
def _edit_torch(edit: Edit, module: Any, names: list[str], rng: np.random.Generator) -> int:
    torch = import_torch()

    params = dict(module.named_parameters())
    with torch.no_grad():
        if isinstance(edit, (ZeroFeature, ScaleFeature)):
            from audit.weights._torch import first_linear

            found = first_linear(module)
            if found is None or found[1].weight.shape[1] != len(names):
                raise UnsupportedModelError(_NO_FIRST_LINEAR.format(edit=edit.describe()))
            cols = _feature_columns(edit.feature, names, names, edit)
            factor = 0.0 if isinstance(edit, ZeroFeature) else float(edit.factor)
            weight = found[1].weight
            weight[:, torch.as_tensor(cols)] *= factor
            return int(weight.shape[0] * cols.size)
        if isinstance(edit, ScaleLayer):
            if edit.name in params:
                targets = [params[edit.name]]
            else:
                prefix = f"{edit.name}."
                targets = [
                    p
                    for n, p in params.items()
                    if n.startswith(prefix) and "." not in n[len(prefix) :]
                ]
            if not targets:
                raise UnknownColumnError(
                    _UNKNOWN_LAYER.format(name=edit.name, kind="torch", allowed=list(params)[:30])
                )
            for p in targets:
                p.mul_(float(edit.factor))
            return int(sum(p.numel() for p in targets))
        weights = [p for n, p in params.items() if n.endswith("weight")]
        count = 0
        for p in weights:
            values = p.detach().cpu().double().numpy()
            if isinstance(edit, AddNoise):
                noise_rng = (
                    rng if edit.random_state is None else np.random.default_rng(edit.random_state)
                )
                scale = edit.std * (float(values.std()) if edit.relative else 1.0)
                values = values + noise_rng.normal(0.0, scale, size=values.shape)
                count += values.size
            else:
                flat = values.ravel()
                k = int(np.floor(edit.fraction * flat.size))
                flat[np.argsort(np.abs(flat), kind="stable")[:k]] = 0.0
                values = flat.reshape(values.shape)
                count += k
            p.copy_(torch.as_tensor(values, dtype=p.dtype))
        return count


# --------------------------------------------------------------------- metrics
def _group_gaps(ctx: AuditContext, y_pred: np.ndarray) -> list[tuple[str, str, float]]:
    """Selection-rate and TPR gaps between groups, as the fairness analysis reports them.

    One :func:`audit.fairness.group_metrics` per sensitive attribute (and, with
    several, one for their intersections, named ``"a × b"``), on the context's
    0/1 labels and weights and the 0/1 predictions ``y_pred`` (1 = the
    positive class). The gaps are the facts ``selection_rate.difference``,
    ``selection_rate.ratio``, ``tpr.difference`` and ``tpr.ratio`` of that
    result: between the groups with enough evidence (``policy.min_count``),
    NaN with fewer than two. For the unmodified model they are the numbers
    :func:`audit.audit_model` reports for the same data.
    """
    sensitive = ctx.sensitive
    assert sensitive is not None and ctx.targets.y_true01 is not None
    columns = [str(c) for c in sensitive.columns]
    tables = [(name, sensitive[[name]]) for name in columns]
    if len(columns) > 1:
        tables.append((" × ".join(columns), sensitive))
    rows = []
    for attribute, groups in tables:
        facts = group_metrics(
            ctx.targets.y_true01,
            y_pred,
            sensitive_features=groups,
            sample_weight=ctx.sample_weight,
            min_count=ctx.policy.min_count,
            task="binary",
        ).facts()
        for metric in _GAP_METRICS:
            for stat in ("difference", "ratio"):
                value = facts[f"{metric}.{stat}"].value
                rows.append(
                    (f"{metric}_{stat}", attribute, float("nan") if value is None else value)
                )
    return rows


def _metrics(
    ctx: AuditContext, y_pred: np.ndarray, y_pred01: np.ndarray | None
) -> list[tuple[str, str, float]]:
    """The metric rows of one set of predictions (``y_pred01``: binary, 1 = positive class)."""
    from sklearn import metrics

    y = ctx.y_true
    w = ctx.sample_weight
    if ctx.task == "regression":
        return [
            ("r2", "", float(metrics.r2_score(y, y_pred, sample_weight=w))),
            ("mae", "", float(metrics.mean_absolute_error(y, y_pred, sample_weight=w))),
            ("rmse", "", float(np.sqrt(metrics.mean_squared_error(y, y_pred, sample_weight=w)))),
        ]
    kwargs: dict[str, Any] = {"sample_weight": w, "zero_division": 0}
    if ctx.task == "binary":
        kwargs.update(pos_label=ctx.pos_label, average="binary")
    else:
        kwargs.update(average="macro")
    rows = [
        ("accuracy", "", float(metrics.accuracy_score(y, y_pred, sample_weight=w))),
        ("precision", "", float(metrics.precision_score(y, y_pred, **kwargs))),
        ("recall", "", float(metrics.recall_score(y, y_pred, **kwargs))),
    ]
    if ctx.task == "binary" and ctx.sensitive is not None:
        assert y_pred01 is not None
        rows += _group_gaps(ctx, y_pred01)
    return rows


# ------------------------------------------------------------------------ main
def _feature_names(adapter: ModelAdapter, X: pd.DataFrame) -> tuple[list[str], list[str]]:
    if adapter.kind == "torch":
        names = list(adapter.transform(X.iloc[:1]).feature_names)
        return names, names
    design = design_matrix(adapter, X.iloc[:1])
    return design.names, design.sources


def what_if(
    model: Any,
    X: Any,
    y: Any,
    *,
    edits: Sequence[Edit | Mapping[str, Any]],
    sensitive_features: Any = None,
    sample_weight: Any = None,
    pos_label: Any = None,
    random_state: int | None = 0,
    adapter_options: Mapping[str, Any] | None = None,
    policy: Policy | None = None,
) -> WhatIfResult:
    """Edit a copy of the model's weights and compare metrics before and after.

    Parameters
    ----------
    model : estimator, Pipeline or torch.nn.Module
        A fitted linear model (possibly in a Pipeline) or a torch network. Not modified.
    X : DataFrame-like
        Evaluation data.
    y : array-like
        True labels / targets.
    edits : sequence of edit objects or dicts
        Applied in order to the copy (see the module docstring).
    sensitive_features : str, list of str, Series or DataFrame, optional
        As for :func:`audit.audit_model`; adds selection-rate and TPR gaps between
        groups (binary tasks).
    sample_weight : array-like, optional
        Row weights for every metric.
    pos_label : object, optional
        Positive class of a binary task (default: the last class).
    random_state : int or None, default=0
        Seed of edits that draw noise without their own ``random_state``.
    adapter_options : mapping, optional
        Passed to :func:`audit.adapters.make_adapter` (torch: ``task``, ``preprocess``, ...).
    policy : Policy, optional
        Its ``min_count``: groups with less evidence are left out of the gaps,
        as in the fairness analysis.

    Returns
    -------
    WhatIfResult

    Raises
    ------
    UnsupportedModelError
        Tree models and others without editable weights.
    UnknownColumnError
        An edit names a feature or layer the model does not have.

    Examples
    --------
    >>> res = what_if(model, X, y, edits=[ZeroFeature("x0")])  # doctest: +SKIP
    >>> res.table  # doctest: +SKIP
    """
    parsed = _as_edits(edits)
    if y is None:
        raise DataValidationError(_NO_LABELS)
    options = dict(adapter_options or {})
    ctx = build_context(
        model,
        X,
        y,
        sensitive_features=sensitive_features,
        sample_weight=sample_weight,
        pos_label=pos_label,
        random_state=random_state,
        adapter_options=options,
        policy=policy,
    )
    kind = model_kind(ctx.adapter)
    if kind not in ("linear", "torch"):
        raise UnsupportedModelError(_NOT_EDITABLE.format(model=ctx.adapter.name, kind=kind))
    rng = np.random.default_rng(random_state)
    edited = copy.deepcopy(model)
    edited_adapter = make_adapter(edited, **options)
    names, sources = _feature_names(ctx.adapter, ctx.X)
    count = 0
    for edit in parsed:
        if kind == "torch":
            count += _edit_torch(edit, edited_adapter.model, names, rng)
        else:
            final = edited_adapter.final_estimator  # type: ignore[attr-defined]
            count += _edit_sklearn(edit, final, names, sources, rng)
    modified = np.asarray(edited_adapter.predict(ctx.X))
    original = np.asarray(ctx.y_pred)
    modified01 = (modified == ctx.pos_label).astype(np.int8) if ctx.task == "binary" else None
    before = _metrics(ctx, original, ctx.targets.y_pred01)  # the audit's own targets
    after = _metrics(ctx, modified, modified01)
    table = pd.DataFrame(
        {
            "metric": [m for m, _, _ in before],
            "attribute": [a for _, a, _ in before],
            "original": [v for _, _, v in before],
            "modified": [v for _, _, v in after],
        }
    )
    table["difference"] = table["modified"] - table["original"]
    changed = original != modified
    return WhatIfResult(
        table=table,
        edits=tuple(e.describe() for e in parsed),
        n_values_edited=count,
        n_changed=int(changed.sum()),
        changed_fraction=float(changed.mean()) if changed.size else 0.0,
        changed=changed,
        original_predictions=original,
        modified_predictions=modified,
        model=edited,
    )
