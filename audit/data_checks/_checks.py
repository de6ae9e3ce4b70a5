"""Computing the data checks: one vectorized pass per kind of column and attribute."""

from __future__ import annotations

import math
import numbers
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from audit._direct_use import direct_inputs
from audit._frames import check_columns, to_1d_array, to_pandas_frame
from audit._inputs import align_rows, check_lengths, sensitive_frame
from audit.context import AuditContext, check_no_missing
from audit.data_checks._result import (
    BASE_RATE_COLUMNS,
    DIFFERENCE_COLUMNS,
    FIT_COLUMNS,
    MISSING_COLUMNS,
    REPRESENTATION_COLUMNS,
    DataChecks,
)
from audit.errors import DataValidationError, InvalidParameterError
from audit.policy import Policy

__all__ = [
    "Labels",
    "build_checks",
    "check_data",
    "check_data_options",
    "context_data_checks",
    "data_settings",
]

LabelKind = Literal["binary", "multiclass", "regression"]

_BAD_REFERENCE = (
    "reference must be a mapping of group to share, e.g. {{'female': 0.5, 'male': 0.5}}, or "
    "of sensitive attribute to such a mapping; got {value!r}."
)
_BAD_SHARE = (
    "reference shares must be finite numbers >= 0 with a positive sum (shares or counts; "
    "they are normalised); got {value!r} for group {group!r}."
)
_ZERO_SUM = "reference shares of {attribute!r} sum to 0; give each group a share."
_FLAT_REFERENCE = (
    "reference maps groups to shares, but the audit has {k} sensitive attributes "
    "({attributes}); give one mapping per attribute: {{attribute: {{group: share}}}}."
)
_UNKNOWN_REFERENCE = (
    "reference names {name!r}, which is not a sensitive attribute; the sensitive attributes "
    "are {allowed}."
)
_NOT_IN_REFERENCE = (
    "The reference of {attribute!r} has no share for the group(s) {groups}, which the data "
    "holds ({counts} row(s)); the reference must cover every group (give 0-row groups too)."
)
_ZERO_REFERENCE = (
    "The reference gives {group!r} of {attribute!r} a share of 0, but the data holds {count} "
    "row(s) of it; a goodness-of-fit test cannot expect none."
)
_NO_SENSITIVE = "The data checks compare groups; give at least one sensitive attribute."
_TARGET_IS_SENSITIVE = "{name!r} is the target column (y={name!r}); it cannot also be sensitive."


def _shares(mapping: Mapping[Any, Any], attribute: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for group, share in mapping.items():
        if (
            isinstance(share, bool)
            or not isinstance(share, numbers.Real)
            or not math.isfinite(float(share))
            or float(share) < 0
        ):
            raise InvalidParameterError(_BAD_SHARE.format(value=share, group=group))
        out[str(group)] = float(share)
    total = sum(out.values())
    if total <= 0:
        raise InvalidParameterError(_ZERO_SUM.format(attribute=attribute))
    return {group: share / total for group, share in out.items()}


def data_settings(*, reference: Any = None) -> dict[str, Any]:
    """The data checks' settings, checked before any work.

    ``reference`` is ``{group: share}`` (one sensitive attribute) or
    ``{attribute: {group: share}}``; shares may be counts (they are normalised).
    Returned as ``{"reference": None | {key: {group: share}} | {"": {group: share}}}``
    (``""``: the one attribute of a flat mapping, resolved against the data later).

    Raises
    ------
    InvalidParameterError
        Not a mapping, or shares that are negative, not finite, not numbers, or sum to 0.
    """
    if reference is None:
        return {"reference": None}
    if not isinstance(reference, Mapping) or not reference:
        raise InvalidParameterError(_BAD_REFERENCE.format(value=reference))
    nested = [isinstance(v, Mapping) for v in reference.values()]
    if all(nested):
        return {"reference": {str(k): _shares(v, str(k)) for k, v in reference.items()}}
    if any(nested):
        raise InvalidParameterError(_BAD_REFERENCE.format(value=reference))
    return {"reference": {"": _shares(reference, "")}}


def check_data_options(settings: Mapping[str, Any]) -> None:
    """Check the ``data`` analyzer's settings (``analyzer_options={"data": {...}}``).

    The registry calls it before any work (:func:`audit.analyzers.check_analyzer_options`).

    Raises
    ------
    InvalidParameterError
        A reference :func:`data_settings` refuses.
    """
    data_settings(**settings)


def _resolve_reference(
    reference: Mapping[str, Mapping[str, float]] | None, attributes: list[str]
) -> dict[str, dict[str, float]]:
    if not reference:
        return {}
    if "" in reference:
        if len(attributes) != 1:
            raise DataValidationError(
                _FLAT_REFERENCE.format(k=len(attributes), attributes=", ".join(attributes))
            )
        return {attributes[0]: dict(reference[""])}
    for name in reference:
        if name not in attributes:
            raise DataValidationError(
                _UNKNOWN_REFERENCE.format(name=name, allowed=", ".join(attributes))
            )
    return {k: dict(v) for k, v in reference.items()}


@dataclass(frozen=True)
class Labels:
    """The labels the base rates are computed from.

    Attributes
    ----------
    kind : {"binary", "multiclass", "regression"}
    values : numpy.ndarray
        Binary: 1 for ``pos_label``, else 0; regression: the targets as float;
        multiclass: the labels as given.
    pos_label : object
        The positive label (binary only).
    """

    kind: LabelKind
    values: np.ndarray
    pos_label: Any = None


def _codes(values: pd.Series) -> tuple[np.ndarray, list[str]]:
    codes, uniques = pd.factorize(values, sort=True)
    return codes, [str(u) for u in uniques]


def _representation(
    attribute: str,
    codes: np.ndarray,
    groups: list[str],
    reference: Mapping[str, float] | None,
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    n = len(codes)
    counts = np.bincount(codes, minlength=len(groups))
    rows = []
    labels = list(groups)
    if reference is not None:
        missing = [g for g in groups if g not in reference]
        if missing:
            raise DataValidationError(
                _NOT_IN_REFERENCE.format(
                    attribute=attribute,
                    groups=", ".join(map(repr, missing)),
                    counts=", ".join(str(int(counts[groups.index(g)])) for g in missing),
                )
            )
        for g in groups:
            if reference[g] == 0:
                raise DataValidationError(
                    _ZERO_REFERENCE.format(
                        group=g, attribute=attribute, count=int(counts[groups.index(g)])
                    )
                )
        labels += [g for g in reference if g not in groups]  # reference groups with no rows
        counts = np.concatenate([counts, np.zeros(len(labels) - len(groups), dtype=np.int64)])
    shares = counts / n
    for label, count, share in zip(labels, counts, shares, strict=True):
        ref = reference.get(label) if reference is not None else None
        rows.append(
            {
                "attribute": attribute,
                "group": label,
                "count": int(count),
                "share": float(share),
                "reference_share": np.nan if ref is None else ref,
                "reference_ratio": np.nan if not ref else float(share / ref),
            }
        )
    if reference is None:
        return rows, None
    from scipy.stats import chi2

    expected = np.array([n * reference[label] for label in labels])
    judged = expected > 0
    statistic = float(((counts[judged] - expected[judged]) ** 2 / expected[judged]).sum())
    dof = int(judged.sum()) - 1
    p_value = float(chi2.sf(statistic, dof)) if dof > 0 else np.nan
    fit = {
        "attribute": attribute,
        "n": n,
        "groups": int(judged.sum()),
        "chi2": statistic if dof > 0 else np.nan,
        "dof": dof,
        "p_value": p_value,
    }
    return rows, fit


def _base_rates(
    attribute: str, codes: np.ndarray, groups: list[str], labels: Labels, min_count: int
) -> list[dict[str, Any]]:
    k = len(groups)
    counts = np.bincount(codes, minlength=k)
    values = labels.values.astype(float)
    sums = np.bincount(codes, values, minlength=k)
    with np.errstate(divide="ignore", invalid="ignore"):
        rates = sums / counts
    binary = labels.kind == "binary"
    return [
        {
            "attribute": attribute,
            "group": groups[g],
            "count": int(counts[g]),
            "positives": float(sums[g]) if binary else np.nan,
            "base_rate": float(rates[g]),
            "sufficient": bool(counts[g] >= max(min_count, 1)),
        }
        for g in range(k)
    ]


def _missing(
    attribute: str, codes: np.ndarray, groups: list[str], isna: pd.DataFrame
) -> list[dict[str, Any]]:
    if isna.shape[1] == 0:
        return []
    k = len(groups)
    counts = np.bincount(codes, minlength=k)
    per_group = isna.groupby(codes).sum().reindex(range(k), fill_value=0)
    rows = []
    for feature in isna.columns:
        missing = per_group[feature].to_numpy()
        for g in range(k):
            rows.append(
                {
                    "attribute": attribute,
                    "group": groups[g],
                    "feature": str(feature),
                    "count": int(counts[g]),
                    "missing": int(missing[g]),
                    "missing_share": float(missing[g] / counts[g]) if counts[g] else np.nan,
                }
            )
    return rows


def _numeric_differences(
    attribute: str, codes: np.ndarray, groups: list[str], numbers_frame: pd.DataFrame, floor: int
) -> list[dict[str, Any]]:
    """Largest standardized mean difference between comparable groups, all features at once."""
    if numbers_frame.shape[1] == 0:
        return []
    k = len(groups)
    grouped = numbers_frame.groupby(codes)
    count = grouped.count().reindex(range(k), fill_value=0).to_numpy(dtype=float)
    mean = grouped.mean().reindex(range(k)).to_numpy(dtype=float)
    var = grouped.var(ddof=1).reindex(range(k)).to_numpy(dtype=float)
    ok = count >= floor  # k x F
    diff = mean[:, None, :] - mean[None, :, :]  # k x k x F: group a minus group b
    pooled = np.sqrt((var[:, None, :] + var[None, :, :]) / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        smd = np.where(pooled > 0, diff / pooled, np.where(diff == 0, 0.0, np.inf * diff))
    valid = ok[:, None, :] & ok[None, :, :] & ~np.eye(k, dtype=bool)[:, :, None]
    smd = np.where(valid, smd, -np.inf)  # keeps the signed maximum on a (higher, lower) pair
    flat = smd.reshape(k * k, -1)
    best = np.argmax(flat, axis=0)
    rows = []
    for j, feature in enumerate(numbers_frame.columns):
        value = flat[best[j], j]
        a, b = divmod(int(best[j]), k)
        judged = bool(np.isfinite(value) or value == np.inf)
        rows.append(
            {
                "attribute": attribute,
                "feature": str(feature),
                "kind": "numeric",
                "smd": float(value) if judged else np.nan,
                "cramers_v": np.nan,
                "tvd": np.nan,
                "groups": f"{groups[a]} vs {groups[b]}" if judged else "",
            }
        )
    return rows


def _categorical_differences(
    attribute: str, codes: np.ndarray, groups: list[str], frame: pd.DataFrame, floor: int
) -> list[dict[str, Any]]:
    """Cramér's V and the largest pairwise total variation distance, one table per feature."""
    from audit.proxies import cramers_v

    k = len(groups)
    counts = np.bincount(codes, minlength=k)
    ok = counts >= floor
    rows_ok = ok[codes]
    kept = np.flatnonzero(ok)
    rows = []
    for feature in frame.columns:
        values = pd.factorize(frame[feature], use_na_sentinel=False)[0]
        n_categories = int(values.max()) + 1 if len(values) else 0
        v = tvd = np.nan
        pair = ""
        if len(kept) >= 2 and n_categories >= 1:
            table = np.bincount(codes * n_categories + values, minlength=k * n_categories)
            table = table.reshape(k, n_categories)[kept].astype(float)
            p = table / table.sum(axis=1, keepdims=True)
            distance = 0.5 * np.abs(p[:, None, :] - p[None, :, :]).sum(axis=2)
            a, b = np.unravel_index(int(np.argmax(distance)), distance.shape)
            tvd = float(distance[a, b])
            pair = f"{groups[kept[a]]} vs {groups[kept[b]]}"
            v = cramers_v(values[rows_ok], codes[rows_ok])
        rows.append(
            {
                "attribute": attribute,
                "feature": str(feature),
                "kind": "categorical",
                "smd": np.nan,
                "cramers_v": v,
                "tvd": tvd,
                "groups": pair,
            }
        )
    return rows


def _is_numeric(values: pd.Series) -> bool:
    return (
        bool(pd.api.types.is_numeric_dtype(values))
        and not pd.api.types.is_bool_dtype(values)
        and not isinstance(values.dtype, pd.CategoricalDtype)
    )


def build_checks(
    X: pd.DataFrame,
    sensitive: pd.DataFrame,
    labels: Labels | None,
    *,
    policy: Policy,
    reference: Mapping[str, Mapping[str, float]] | None = None,
) -> DataChecks:
    """The data checks of validated data (what :func:`check_data` and the audit both run).

    Parameters
    ----------
    X : pandas.DataFrame
        The features, aligned with ``sensitive`` by row position. Columns that
        hold a sensitive attribute's values are not compared as features.
    sensitive : pandas.DataFrame
        The sensitive attributes (no missing values: checked at the edge).
    labels : Labels or None
        The labels, if any.
    policy : Policy
        ``min_count``, ``min_group_share``, ``representation_ratio``, ``ratio_warning``.
    reference : mapping, optional
        The output of :func:`data_settings` (``reference`` key).

    Returns
    -------
    DataChecks
    """
    attributes = [str(c) for c in sensitive.columns]
    shares = _resolve_reference(reference, attributes)
    held = set(direct_inputs(X, sensitive, [str(c) for c in X.columns]).values())
    features = [c for c in X.columns if str(c) not in held]
    numeric = [c for c in features if _is_numeric(X[c])]
    categorical = [c for c in features if c not in numeric]
    numbers_frame = pd.DataFrame(
        {str(c): X[c].to_numpy(dtype=float, na_value=np.nan) for c in numeric}, index=None
    )
    category_frame = X[categorical].reset_index(drop=True)
    isna = X[features].isna().reset_index(drop=True)
    isna = isna.loc[:, isna.any(axis=0).to_numpy()]
    floor = max(policy.min_count, 2)
    representation, fits, rates, missing, differences = [], [], [], [], []
    for column in sensitive.columns:
        attribute = str(column)
        codes, groups = _codes(sensitive[column])
        rows, fit = _representation(attribute, codes, groups, shares.get(attribute))
        representation += rows
        if fit is not None:
            fits.append(fit)
        if labels is not None and labels.kind != "multiclass":
            rates += _base_rates(attribute, codes, groups, labels, policy.min_count)
        missing += _missing(attribute, codes, groups, isna)
        found = _numeric_differences(attribute, codes, groups, numbers_frame, floor)
        found += _categorical_differences(
            attribute, codes, groups, category_frame, max(policy.min_count, 1)
        )
        found.sort(key=lambda r: (r["kind"], -_size(r)))
        differences += found
    return DataChecks(
        representation=pd.DataFrame(representation, columns=list(REPRESENTATION_COLUMNS)),
        goodness_of_fit=pd.DataFrame(fits, columns=list(FIT_COLUMNS)),
        base_rates=pd.DataFrame(rates, columns=list(BASE_RATE_COLUMNS)).astype(
            {"count": "int64", "positives": float, "base_rate": float, "sufficient": bool}
        ),
        missing=pd.DataFrame(missing, columns=list(MISSING_COLUMNS)),
        differences=pd.DataFrame(differences, columns=list(DIFFERENCE_COLUMNS)),
        label_kind=None if labels is None else labels.kind,
        pos_label=None if labels is None else labels.pos_label,
        n_rows=len(X),
        attributes=tuple(attributes),
        min_count=policy.min_count,
        min_group_share=policy.min_group_share,
        representation_ratio=policy.representation_ratio,
        ratio_warning=policy.ratio_warning,
    )


def _size(row: Mapping[str, Any]) -> float:
    value = abs(row["smd"]) if row["kind"] == "numeric" else row["tvd"]
    return -1.0 if value is None or (isinstance(value, float) and math.isnan(value)) else value


def _reference_key(reference: Mapping[str, Mapping[str, float]] | None) -> Hashable:
    if reference is None:
        return None
    return tuple(sorted((k, tuple(sorted(v.items()))) for k, v in reference.items()))


def context_data_checks(ctx: AuditContext, *, reference: Any = None) -> DataChecks:
    """The data checks of an audit's data, labels and sensitive attributes (cached).

    Binary tasks use the context's 0/1 labels (its ``pos_label``), regression
    the targets; multiclass labels get no base rates. Rows are counted
    unweighted: these are checks of the data as collected.

    Raises
    ------
    DataValidationError
        No sensitive attributes, or a reference that does not fit the groups.
    InvalidParameterError
        A malformed reference.
    """
    settings = data_settings(reference=reference)
    if ctx.sensitive is None:
        raise DataValidationError(_NO_SENSITIVE)

    def compute() -> DataChecks:
        labels = None
        targets = ctx.targets
        if targets.y_true is not None:
            if ctx.task == "binary" and targets.y_true01 is not None:
                labels = Labels("binary", np.asarray(targets.y_true01), ctx.pos_label)
            elif ctx.task == "regression":
                labels = Labels("regression", np.asarray(targets.y_true, dtype=float))
            else:
                labels = Labels("multiclass", np.asarray(targets.y_true))
        assert ctx.sensitive is not None
        return build_checks(
            ctx.X, ctx.sensitive, labels, policy=ctx.policy, reference=settings["reference"]
        )

    return ctx.derived(
        ("data_checks", ("reference", _reference_key(settings["reference"]))), compute
    )


def _labels(y: np.ndarray, pos_label: Any) -> Labels:
    values = pd.unique(y)
    if pos_label is not None:
        if pos_label not in values.tolist():
            known = sorted(values.tolist(), key=str)
            raise DataValidationError(f"pos_label {pos_label!r} is not one of y's labels {known}.")
        return Labels("binary", (y == pos_label).astype(np.int8), pos_label)
    numeric = pd.api.types.is_numeric_dtype(y) and not pd.api.types.is_bool_dtype(y)
    if numeric and y.dtype.kind == "f" and not np.all(np.mod(y, 1) == 0):
        return Labels("regression", y.astype(float))
    if len(values) <= 2:
        ordered = sorted(values.tolist(), key=lambda v: (str(type(v)), v))
        positive = ordered[-1]
        return Labels("binary", (y == positive).astype(np.int8), positive)
    if numeric:
        return Labels("regression", y.astype(float))
    return Labels("multiclass", y)


def check_data(
    X: Any,
    y: Any = None,
    *,
    sensitive_features: Any,
    reference: Any = None,
    pos_label: Any = None,
    policy: Policy | None = None,
) -> DataChecks:
    """Check the data itself, group by group, before any model.

    Parameters
    ----------
    X : table
        The data (pandas, polars or pyarrow table, or a 2-D array).
    y : array-like or str, optional
        Labels, or the name of the label column in X.
    sensitive_features : column name(s), Series, DataFrame, array or dict
        The sensitive attributes (as :func:`audit.audit_model` takes them).
    reference : mapping, optional
        The population each attribute's groups should match: ``{group: share}``
        for one attribute, ``{attribute: {group: share}}`` for several. Shares
        (or counts) are normalised; every group in the data needs one.
    pos_label : object, optional
        The positive label of binary labels (default: the larger of the two).
    policy : Policy, optional
        ``min_count``, ``min_group_share``, ``representation_ratio`` and
        ``ratio_warning``.

    Returns
    -------
    DataChecks
        Representation (with a chi-square goodness of fit against the
        reference), base rates, missing values per group, and the features
        whose distribution differs most between groups; ``facts()`` and
        ``findings()``.

    Examples
    --------
    >>> from audit.data_checks import check_data
    >>> from audit.datasets import load_adult
    >>> df = load_adult()
    >>> checks = check_data(df.drop(columns="income"), df["income"], sensitive_features=["sex"])
    >>> checks.base_rates[["group", "base_rate"]].round(3).values.tolist()
    [['Female', 0.109], ['Male', 0.304]]
    """
    settings = data_settings(reference=reference)
    if policy is not None and not isinstance(policy, Policy):
        raise InvalidParameterError(f"policy must be an audit.Policy; got {type(policy).__name__}.")
    frame = to_pandas_frame(X)
    aligned = align_rows(
        {
            "X": frame if isinstance(X, (pd.DataFrame, pd.Series)) else None,
            "y": y,
            "sensitive_features": sensitive_features,
        }
    )
    y, sensitive_features = aligned["y"], aligned["sensitive_features"]
    y_values = None
    if isinstance(y, str):
        check_columns([y], frame, where="X (target)")
        names = [sensitive_features] if isinstance(sensitive_features, str) else sensitive_features
        if isinstance(names, (list, tuple)) and y in names:
            raise DataValidationError(_TARGET_IS_SENSITIVE.format(name=y))
        y_values = frame[y].to_numpy()
        frame = frame.drop(columns=[y])
    elif y is not None:
        y_values = to_1d_array(y, what="y")
    if y_values is not None:
        check_lengths({"X": len(frame), "y": len(y_values)})
        check_no_missing(y_values, what="y", finite=True, allowed="Drop or impute these rows.")
    sensitive = sensitive_frame(sensitive_features, frame, align=False)
    if sensitive is None:
        raise DataValidationError(_NO_SENSITIVE)
    labels = None if y_values is None else _labels(np.asarray(y_values), pos_label)
    return build_checks(
        frame.reset_index(drop=True),
        sensitive,
        labels,
        policy=policy or Policy(),
        reference=settings["reference"],
    )
