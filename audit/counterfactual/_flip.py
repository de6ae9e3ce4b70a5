"""The counterfactual flip test: change the sensitive attribute, predict again, count changes."""

from __future__ import annotations

import numbers
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import pandas as pd

from audit._direct_use import direct_inputs
from audit._frames import check_columns
from audit.context import AuditContext, build_context
from audit.counterfactual._fill import PROXY_FILLS, ProxyFill, donor_rows
from audit.counterfactual._result import (
    ATTRIBUTE_COLUMNS,
    DIRECTION_COLUMNS,
    GROUP_COLUMNS,
    NOT_APPLICABLE,
    FlipResult,
    wilson_interval,
)
from audit.errors import DataValidationError, InvalidParameterError
from audit.policy import Policy

__all__ = ["MAX_VALUES", "check_flip_options", "context_flip", "flip_settings", "flip_test"]

MAX_VALUES = 20
"""An attribute with more distinct values than this is not flipped (bin it into groups)."""

APPLICABLE = "applicable"
_BAD_FILL = "proxy_fill must be one of {allowed}; got {value!r}."
_BAD_MAX_VALUES = "max_values must be an int >= 2; got {value!r}."
_BAD_PROXIES = (
    "proxies must be None (detect them) or a mapping of sensitive attribute to feature "
    "names, e.g. {{'sex': ['personal_status']}}; got {value!r}."
)
_NO_SENSITIVE = "The flip test needs at least one sensitive attribute; got none."
_REGRESSION = (
    "The flip test counts changed decisions, so it needs a classifier; this model's task "
    "is regression."
)
_UNKNOWN_ATTRIBUTE = (
    "proxies names {name!r}, which is not a sensitive attribute of this audit; the sensitive "
    "attributes are {allowed}."
)
_NOTE_UNSEEN = (
    "the model takes neither {attribute!r} nor a proxy of it, so no decision can flip by "
    "construction (a flip rate of 0 that says nothing about fairness)"
)
_NOTE_NOT_INPUT = "{attribute!r} is not a model input (only its proxies can change)"
_NOTE_NO_PROXIES = "no proxies of {attribute!r}: the same as changing the attribute alone"
_NOTE_ONE_GROUP = "{attribute!r} has one value only: there is no other group to change to"
_NOTE_MANY = (
    "{attribute!r} has {k} distinct values (more than max_values={limit}); the flip test "
    "changes an attribute to each other group's value: group it first (e.g. into bands)"
)


def flip_settings(
    *, proxies: Any = None, proxy_fill: Any = "transport", max_values: Any = MAX_VALUES
) -> dict[str, Any]:
    """The flip test's settings, checked before any work.

    Returns
    -------
    dict
        ``proxies`` (None or ``{attribute: tuple of features}``), ``proxy_fill``,
        ``max_values``.

    Raises
    ------
    InvalidParameterError
        A setting of the wrong type or value; the message names what is allowed.
    """
    if not isinstance(proxy_fill, str) or proxy_fill not in PROXY_FILLS:
        raise InvalidParameterError(
            _BAD_FILL.format(allowed=", ".join(map(repr, PROXY_FILLS)), value=proxy_fill)
        )
    if isinstance(max_values, bool) or not isinstance(max_values, numbers.Integral):
        raise InvalidParameterError(_BAD_MAX_VALUES.format(value=max_values))
    if max_values < 2:
        raise InvalidParameterError(_BAD_MAX_VALUES.format(value=max_values))
    given = None
    if proxies is not None:
        if not isinstance(proxies, Mapping):
            raise InvalidParameterError(_BAD_PROXIES.format(value=proxies))
        given = {}
        for attribute, features in proxies.items():
            names = [features] if isinstance(features, str) else features
            if not isinstance(names, Sequence) or not all(isinstance(f, str) for f in names):
                raise InvalidParameterError(_BAD_PROXIES.format(value=proxies))
            given[str(attribute)] = tuple(dict.fromkeys(names))
    return {"proxies": given, "proxy_fill": proxy_fill, "max_values": int(max_values)}


def check_flip_options(settings: Mapping[str, Any]) -> None:
    """Check the ``flip`` analyzer's settings (``analyzer_options={"flip": {...}}``).

    The registry calls it before any work (:func:`audit.analyzers.check_analyzer_options`).

    Raises
    ------
    InvalidParameterError
        A value :func:`flip_settings` refuses.
    """
    flip_settings(**settings)


def _key(settings: Mapping[str, Any]) -> tuple[Hashable, ...]:
    proxies = settings["proxies"]
    frozen = None if proxies is None else tuple(sorted(proxies.items()))
    return (
        "flip",
        ("proxies", frozen),
        ("proxy_fill", settings["proxy_fill"]),
        ("max_values", settings["max_values"]),
    )


@dataclass(frozen=True)
class _Attribute:
    """What the flip test changes for one sensitive attribute."""

    name: str
    codes: np.ndarray
    labels: tuple[str, ...]
    model_input: str | None
    proxies: tuple[str, ...]
    note: str

    @property
    def direct(self) -> bool:
        return self.model_input is not None and not self.note

    @property
    def proxy(self) -> bool:
        return (self.model_input is not None or bool(self.proxies)) and not self.note


def _detected_proxies(ctx: AuditContext) -> tuple[dict[str, tuple[str, ...]], str]:
    """The proxies and encodings the proxy analysis flags, per attribute (strongest first)."""
    from audit.proxies import context_proxies

    try:
        result = context_proxies(ctx, **ctx.options_for("proxies"))
    except Exception as exc:  # the proxies analyzer reports the failure itself
        return {}, f"not detected: the proxy analysis failed ({type(exc).__name__}: {exc})"
    table = result.table
    flagged = table[table["is_proxy"] | table["is_encoding"]]
    flagged = flagged.sort_values(["association", "feature"], ascending=[False, True])
    found: dict[str, tuple[str, ...]] = {}
    for row in flagged.itertuples(index=False):
        found[str(row.attribute)] = (*found.get(str(row.attribute), ()), str(row.feature))
    source = (
        f"detected by the proxy analysis: association >= {result.threshold:g} among the "
        f"model's top {result.top_k} features by {result.reliance_source}, or >= "
        f"{result.encoding_threshold:g} whatever the reliance"
    )
    return found, source


def _given_proxies(
    ctx: AuditContext, proxies: Mapping[str, tuple[str, ...]]
) -> dict[str, tuple[str, ...]]:
    assert ctx.sensitive is not None
    attributes = [str(c) for c in ctx.sensitive.columns]
    inputs = pd.DataFrame(columns=ctx.adapter.used_columns(ctx.X))
    for attribute, features in proxies.items():
        if attribute not in attributes:
            raise DataValidationError(
                _UNKNOWN_ATTRIBUTE.format(name=attribute, allowed=", ".join(attributes))
            )
        check_columns(list(features), inputs, where="the model's inputs (flip proxies)")
    return dict(proxies)


def _plan(
    ctx: AuditContext, proxies: Mapping[str, tuple[str, ...]], max_values: int
) -> list[_Attribute]:
    assert ctx.sensitive is not None
    inputs = direct_inputs(ctx.X, ctx.sensitive, ctx.model_columns)
    plans = []
    for column in ctx.sensitive.columns:
        name = str(column)
        codes, uniques = pd.factorize(ctx.sensitive[column], sort=True)
        labels = tuple(str(u) for u in uniques)
        model_input = inputs.get(name)
        found = tuple(f for f in proxies.get(name, ()) if f != model_input)
        note = ""
        if len(labels) < 2:
            note = _NOTE_ONE_GROUP.format(attribute=name)
        elif len(labels) > max_values:
            note = _NOTE_MANY.format(attribute=name, k=len(labels), limit=max_values)
        elif model_input is None and not found:
            note = _NOTE_UNSEEN.format(attribute=name)
        plans.append(_Attribute(name, codes, labels, model_input, found, note))
    return plans


class _Predictor:
    """The model's decisions and positive-class scores on counterfactual rows, counted."""

    def __init__(self, ctx: AuditContext) -> None:
        self.ctx = ctx
        proba, classes = ctx.proba, ctx.classes
        self.from_proba = bool(
            proba is not None
            and classes is not None
            and proba.ndim == 2
            and proba.shape[1] == len(classes)
            and np.array_equal(classes[np.argmax(proba, axis=1)], ctx.y_pred)
        )
        self.binary_scores = ctx.task == "binary" and ctx.y_score is not None
        self.pos_column = (
            list(classes).index(ctx.pos_label) if self.binary_scores and classes is not None else -1
        )
        self.rows = 0
        self.calls = 0

    def __call__(self, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray | None]:
        adapter = self.ctx.adapter
        self.rows += len(frame)
        proba = None
        if self.from_proba:
            proba = np.asarray(adapter.predict_proba(frame))
            classes = self.ctx.classes
            assert classes is not None
            labels = classes[np.argmax(proba, axis=1)]
            self.calls += 1
        else:
            labels = np.asarray(adapter.predict(frame))
            self.calls += 1
            if self.binary_scores:
                proba = adapter.predict_proba(frame)
                self.calls += 1
        score = None
        if self.binary_scores and proba is not None:
            score = np.asarray(proba)[:, self.pos_column]
        return labels, score


class _Tally:
    """Per-(from, to) weighted sums of one attribute and variant, and per-row any-flip."""

    def __init__(self, k: int, n_rows: int) -> None:
        self.k = k
        self.flip = np.zeros((k, k))
        self.flip_rows = np.zeros((k, k), dtype=np.int64)
        self.up = np.zeros((k, k))
        self.down = np.zeros((k, k))
        self.score = np.zeros((k, k))
        self.any_flip = np.zeros(n_rows, dtype=bool)
        self.score_sum = np.zeros(n_rows)

    def add(
        self,
        target: int,
        rows: np.ndarray,
        source: np.ndarray,
        weights: np.ndarray,
        flipped: np.ndarray,
        up: np.ndarray,
        down: np.ndarray,
        change: np.ndarray,
    ) -> None:
        k = self.k
        self.flip[:, target] = np.bincount(source, weights * flipped, minlength=k)
        self.flip_rows[:, target] = np.bincount(source, flipped, minlength=k)
        self.up[:, target] = np.bincount(source, weights * up, minlength=k)
        self.down[:, target] = np.bincount(source, weights * down, minlength=k)
        self.score[:, target] = np.bincount(source, weights * change, minlength=k)
        self.any_flip[rows] |= flipped
        self.score_sum[rows] += change


def _run_attribute(
    ctx: AuditContext,
    plan: _Attribute,
    predict: _Predictor,
    proxy_fill: str,
    weights: np.ndarray,
    index: int,
) -> dict[str, _Tally]:
    """Predict every counterfactual copy, one batch per (target value, variant)."""
    X, codes, k = ctx.X, plan.codes, len(plan.labels)
    original = ctx.y_pred
    score = ctx.y_score if predict.binary_scores else None
    positive = ctx.pos_label
    tallies: dict[str, _Tally] = {}
    variants = [v for v, on in (("direct", plan.direct), ("proxy", plan.proxy)) if on]
    for variant in variants:
        tallies[variant] = _Tally(k, len(X))
    for target in range(k):
        rows = np.flatnonzero(codes != target)
        source = codes[rows]
        base = X.iloc[rows].copy()
        if plan.model_input is not None:
            column = X[plan.model_input]
            first = int(np.flatnonzero(codes == target)[0])
            base[plan.model_input] = column.take(np.full(len(rows), first)).array
        batches: dict[str, pd.DataFrame] = {}
        if plan.direct:
            batches["direct"] = base
        if plan.proxy:
            if plan.proxies:
                rng = np.random.default_rng([ctx.random_state, index, target])
                moved = base.copy() if plan.direct else base
                how = cast(ProxyFill, proxy_fill)
                donors = donor_rows(X, list(plan.proxies), codes, rows, target, how=how, rng=rng)
                for feature, at in donors.items():
                    moved[feature] = X[feature].take(at).array
                batches["proxy"] = moved
            else:  # no proxies: the proxy variant is the direct one, no second prediction
                batches["proxy"] = base
        done: dict[int, tuple[np.ndarray, np.ndarray | None]] = {}
        for variant, frame in batches.items():
            if id(frame) not in done:
                done[id(frame)] = predict(frame)
            labels, new_score = done[id(frame)]
            before = original[rows]
            flipped = np.asarray(labels != before, dtype=bool)
            if ctx.task == "binary":
                up = flipped & (labels == positive)
                down = flipped & (before == positive)
            else:
                up = down = np.zeros(len(rows), dtype=bool)
            if new_score is not None and score is not None:
                change = new_score - score[rows]
            else:
                change = np.full(len(rows), np.nan)
            tallies[variant].add(target, rows, source, weights[rows], flipped, up, down, change)
    return tallies


def _tables(
    ctx: AuditContext,
    plan: _Attribute,
    tallies: Mapping[str, _Tally],
    weights: np.ndarray,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    codes, k = plan.codes, len(plan.labels)
    n = np.bincount(codes, minlength=k)
    total = np.bincount(codes, weights, minlength=k)
    squares = np.bincount(codes, weights**2, minlength=k)
    with np.errstate(divide="ignore", invalid="ignore"):
        effective = np.where(squares > 0, total**2 / squares, 0.0)
    ci, min_count = ctx.policy.ci, ctx.policy.min_count
    sufficient = (effective >= min_count) & (total > 0)
    directions, groups = [], []
    for variant, tally in tallies.items():
        with np.errstate(divide="ignore", invalid="ignore"):
            rate = tally.flip / total[:, None]
            up = tally.up / total[:, None]
            down = tally.down / total[:, None]
            change = tally.score / total[:, None]
        low, high = wilson_interval(rate, effective[:, None], ci)
        for a in range(k):
            for b in range(k):
                if a == b:
                    continue
                directions.append(
                    {
                        "attribute": plan.name,
                        "variant": variant,
                        "from_group": plan.labels[a],
                        "to_group": plan.labels[b],
                        "n": int(n[a]),
                        "flipped": int(tally.flip_rows[a, b]),
                        "flip_rate": float(rate[a, b]),
                        "ci_low": float(low[a, b]),
                        "ci_high": float(high[a, b]),
                        "to_positive": float(up[a, b]) if ctx.task == "binary" else np.nan,
                        "to_negative": float(down[a, b]) if ctx.task == "binary" else np.nan,
                        "score_change": float(change[a, b]),
                        "effective_n": float(effective[a]),
                        "sufficient": bool(sufficient[a]),
                    }
                )
        any_rows = np.bincount(codes, tally.any_flip, minlength=k)
        with np.errstate(divide="ignore", invalid="ignore"):
            any_rate = np.bincount(codes, weights * tally.any_flip, minlength=k) / total
            mean_change = (
                np.bincount(codes, weights * tally.score_sum / (k - 1), minlength=k) / total
            )
        any_low, any_high = wilson_interval(any_rate, effective, ci)
        for a in range(k):
            groups.append(
                {
                    "attribute": plan.name,
                    "variant": variant,
                    "group": plan.labels[a],
                    "n": int(n[a]),
                    "flipped": int(any_rows[a]),
                    "flip_rate": float(any_rate[a]),
                    "ci_low": float(any_low[a]),
                    "ci_high": float(any_high[a]),
                    "score_change": float(mean_change[a]),
                    "effective_n": float(effective[a]),
                    "sufficient": bool(sufficient[a]),
                }
            )
    return directions, groups


_TEXT_COLUMNS = ("attribute", "variant", "from_group", "to_group", "group")
_COUNT_COLUMNS = ("n", "flipped")


def _frame(rows: list[dict[str, Any]], columns: Sequence[str]) -> pd.DataFrame:
    """A table with the same column types whether it has rows or not."""
    dtypes = {
        c: object
        if c in _TEXT_COLUMNS
        else "int64"
        if c in _COUNT_COLUMNS
        else bool
        if c == "sufficient"
        else "float64"
        for c in columns
    }
    return pd.DataFrame(rows, columns=list(columns)).astype(dtypes)


def _attribute_row(plan: _Attribute) -> dict[str, Any]:
    direct_note = plan.note or ("" if plan.direct else _NOTE_NOT_INPUT.format(attribute=plan.name))
    proxy_note = plan.note or ("" if plan.proxies else _NOTE_NO_PROXIES.format(attribute=plan.name))
    notes = [direct_note] if direct_note == proxy_note else [direct_note, proxy_note]
    return {
        "attribute": plan.name,
        "n_groups": len(plan.labels),
        "model_input": plan.model_input,
        "proxies": ", ".join(plan.proxies),
        "direct": APPLICABLE if plan.direct else NOT_APPLICABLE,
        "proxy": APPLICABLE if plan.proxy else NOT_APPLICABLE,
        "note": "; ".join(n for n in notes if n),
    }


def context_flip(
    ctx: AuditContext,
    *,
    proxies: Mapping[str, Sequence[str]] | None = None,
    proxy_fill: str = "transport",
    max_values: int = MAX_VALUES,
) -> FlipResult:
    """The flip test of an audit's model, computed once per context and settings.

    For each sensitive attribute the model takes (a model input holding its
    values, :func:`audit._direct_use.direct_inputs`), every row is moved to
    every other group by changing only that input, and predicted again
    (``direct``); then by also moving the attribute's proxies (``proxy``):
    the features the proxy analysis flags (:func:`audit.proxies.context_proxies`
    with the audit's proxy settings: proxies among the top features and
    near-perfect encodings) unless ``proxies`` names them, moved as
    ``proxy_fill`` says (:mod:`audit.counterfactual._fill`). The copies moved to
    one value are predicted in one batch per variant, so the test costs at most
    ``2 × (k − 1)`` predictions of the data for an attribute with ``k`` values
    (one call each where the model's decisions are the argmax of its
    probabilities, else a ``predict`` and a ``predict_proba`` call).

    Parameters
    ----------
    ctx : AuditContext
        The audit (a classifier, with sensitive attributes).
    proxies : mapping of str to list of str, optional
        ``{attribute: [feature, ...]}`` to move with each attribute instead of
        the detected proxies (an empty list: none).
    proxy_fill : {"transport", "sample", "mode"}, default="transport"
        How proxies take the target group's values.
    max_values : int, default=MAX_VALUES
        Attributes with more distinct values are not flipped (noted as not applicable).

    Returns
    -------
    FlipResult

    Raises
    ------
    DataValidationError
        No sensitive attributes, a regression model, or ``proxies`` naming an
        unknown attribute or a feature the model does not take.
    InvalidParameterError
        A setting of the wrong type or value.
    """
    settings = flip_settings(proxies=proxies, proxy_fill=proxy_fill, max_values=max_values)
    if ctx.sensitive is None:
        raise DataValidationError(_NO_SENSITIVE)
    if ctx.task == "regression":
        raise DataValidationError(_REGRESSION)
    given = settings["proxies"]
    if given is not None:
        given = _given_proxies(ctx, given)

    def compute() -> FlipResult:
        if given is None:
            found, source = _detected_proxies(ctx)
        else:
            found, source = given, "given (proxies=...)"
        plans = _plan(ctx, found, settings["max_values"])
        weights = (
            np.ones(ctx.n_rows) if ctx.sample_weight is None else np.asarray(ctx.sample_weight)
        )
        predict = _Predictor(ctx)
        directions: list[dict[str, Any]] = []
        groups: list[dict[str, Any]] = []
        for index, plan in enumerate(plans):
            if not (plan.direct or plan.proxy):
                continue
            tallies = _run_attribute(ctx, plan, predict, settings["proxy_fill"], weights, index)
            more_directions, more_groups = _tables(ctx, plan, tallies, weights)
            directions += more_directions
            groups += more_groups
        return FlipResult(
            directions=_frame(directions, DIRECTION_COLUMNS),
            by_group=_frame(groups, GROUP_COLUMNS),
            attributes=pd.DataFrame(
                [_attribute_row(p) for p in plans], columns=list(ATTRIBUTE_COLUMNS)
            ),
            proxy_fill=settings["proxy_fill"],
            proxy_source=source,
            ci=ctx.policy.ci,
            min_count=ctx.policy.min_count,
            threshold=ctx.policy.flip_rate,
            n_rows=ctx.n_rows,
            weighted=ctx.sample_weight is not None,
            rows_predicted=predict.rows,
            model_calls=predict.calls,
            labels_from_proba=predict.from_proba,
            random_state=ctx.random_state,
        )

    return ctx.derived(_key(settings), compute)


def flip_test(
    model: Any,
    X: Any,
    *,
    sensitive_features: Any,
    y: Any = None,
    proxies: Mapping[str, Sequence[str]] | None = None,
    proxy_fill: str = "transport",
    max_values: int = MAX_VALUES,
    policy: Policy | None = None,
    random_state: int = 0,
    sample_weight: Any = None,
    pos_label: Any = None,
) -> FlipResult:
    """Change each row's sensitive attribute to every other group's value and predict again.

    The inputs are validated as :func:`audit.audit_model` validates them and
    the test is :func:`context_flip` of that context: the same tables as
    ``report.flip`` of an audit with the same data, settings and seed.

    Parameters
    ----------
    model : estimator, Pipeline, torch.nn.Module or ModelAdapter
        A fitted classifier.
    X : table
        The data (every column the model reads).
    sensitive_features : column name(s), Series, DataFrame or array
        The sensitive attributes. Only those the model takes (a model input
        holding their values) or has proxies of can flip a decision; for the
        others the test is "not applicable".
    y : array-like, optional
        Labels, used only to measure the model's reliance when proxies are detected.
    proxies : mapping of str to list of str, optional
        ``{attribute: [feature, ...]}`` to move with each attribute; by default
        the proxies and encodings :func:`audit.proxies.detect_proxies` flags.
    proxy_fill : {"transport", "sample", "mode"}, default="transport"
        How a proxy takes the target group's values: optimal transport (a
        numeric proxy keeps its quantile within the group, a categorical one
        its value where the target group's distribution allows), a random
        donor row of the target group, or its most frequent value / median.
    max_values : int, default=MAX_VALUES
        Attributes with more distinct values are not flipped.
    policy : Policy, optional
        ``flip_rate`` (the finding threshold), ``min_count`` and ``ci``.
    random_state : int, default=0
        Seed of the random draws.
    sample_weight : array-like, optional
        Row weights of the flip rates (intervals use the effective sample size).
    pos_label : object, optional
        Positive class of a binary model.

    Returns
    -------
    FlipResult
        ``directions`` (from → to), ``by_group`` and ``attributes`` tables,
        ``facts()`` and ``findings()``.

    Examples
    --------
    >>> from audit.counterfactual import flip_test
    >>> result = flip_test(model, X, sensitive_features="sex")  # doctest: +SKIP
    >>> result.directions[["from_group", "to_group", "flip_rate", "ci_low"]]  # doctest: +SKIP
    """
    flip_settings(proxies=proxies, proxy_fill=proxy_fill, max_values=max_values)
    ctx = build_context(
        model,
        X,
        y,
        sensitive_features=sensitive_features,
        sample_weight=sample_weight,
        pos_label=pos_label,
        policy=policy,
        random_state=random_state,
    )
    return context_flip(ctx, proxies=proxies, proxy_fill=proxy_fill, max_values=max_values)
