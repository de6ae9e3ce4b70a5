"""Proxy detection: features strongly tied to a sensitive attribute that the model relies on.

A feature is a **proxy** of a sensitive attribute when its association with the
attribute (Cramér's V, correlation ratio η, or normalised mutual information,
whichever is largest) is at least ``policy.proxy_association`` and it is among
the model's ``policy.proxy_top_k`` most relied-on features. This holds whether
or not the attribute itself is a model input: leaving the attribute out
("fairness through unawareness") does not help when a proxy carries it in.

A feature the model reads is an **encoding** of a sensitive attribute when that
association is at least ``policy.proxy_encoding`` (0.9 by default): the model
can recover the attribute from it almost exactly, so it is reported whatever
the model's reliance on it (a ``proxy_encoding`` warning, or the ``proxy``
warning of a pair that is both), and the model card lists it as a way the model
sees the attribute (:mod:`audit.proxies._seen`).

A model input that holds a sensitive attribute's values row for row is the
attribute itself, never its own proxy; a column merely *named* like the
attribute, with other values, is measured like any other feature.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from audit._jsonable import to_jsonable as _plain
from audit.context import AuditContext, build_context
from audit.errors import DataValidationError
from audit.findings import Finding
from audit.policy import Policy
from audit.proxies._association import MI_ROWS, associations
from audit.proxies._reliance import Reliance, context_reliance
from audit.proxies._seen import SeenAttribute, same_values, sensitive_seen

__all__ = [
    "ENCODING_CODE",
    "PROXY_CODE",
    "TABLE_COLUMNS",
    "ProxyResult",
    "build_proxy_result",
    "context_proxies",
    "detect_proxies",
    "proxy_findings",
    "proxy_table",
]

ANALYZER = "proxies"
PROXY_CODE = "proxy"
ENCODING_CODE = "proxy_encoding"
TABLE_COLUMNS = (
    "feature",
    "attribute",
    "measure",
    "value",
    "mutual_information",
    "mi_normalized",
    "association",
    "reliance",
    "reliance_rank",
    "proxy_score",
    "is_proxy",
    "is_encoding",
)
_DEFAULT_ENCODING = Policy().proxy_encoding
_MEASURE_NAMES = {"cramers_v": "Cramér's V", "correlation_ratio": "correlation ratio η"}

_TITLE = "A feature stands in for a sensitive attribute"
_MESSAGE = (
    "{feature!r} is strongly associated with {attribute!r} ({measure} {value:.2f}, normalised "
    "mutual information {mi:.2f}) and is the model's #{rank} feature ({share:.0%} of its "
    "reliance, by {source}). {tail}"
)
_UNAWARE = (
    "{attribute!r} is not a model input, yet the model can still act on it through this "
    "feature: fairness through unawareness does not hold."
)
_AWARE = "It can carry {attribute!r} into the decisions beyond the attribute's own weight."
_NO_SENSITIVE = "Proxy detection needs at least one sensitive attribute; got none."
_ENCODES = (
    " It encodes {attribute!r} almost exactly (association {association:.2f} >= "
    "{threshold:.2f}): the model can recover {attribute!r} from it."
)
_ENCODING_TITLE = "A model input encodes a sensitive attribute"
_ENCODING_MESSAGE = (
    "{feature!r} encodes {attribute!r} almost exactly ({measure} {value:.2f}, normalised "
    "mutual information {mi:.2f}; threshold {threshold:.2f}). The model reads {feature!r}, so "
    "it can recover {attribute!r} from it, whatever its reliance rank (the model's #{rank} "
    "feature, {share:.0%} of its reliance, by {source}). {tail}"
)
_ENCODING_UNAWARE = (
    "{attribute!r} is not a model input, yet the model is not blind to it: fairness through "
    "unawareness does not hold."
)
_ENCODING_AWARE = (
    "The model also takes {attribute!r} directly; dropping {attribute!r} from its inputs would "
    "not make it blind to the attribute."
)


@dataclass(frozen=True, eq=False)
class ProxyResult:
    """Association of every (feature, sensitive attribute) pair, weighed by the model's reliance.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per (feature, attribute), columns :data:`TABLE_COLUMNS`:
        ``measure`` (``"cramers_v"`` or ``"correlation_ratio"``) and its
        ``value``, ``mutual_information`` (nats), ``mi_normalized``,
        ``association`` (the largest of value and mi_normalized),
        ``reliance`` (the feature's share of the model's reliance),
        ``reliance_rank``, ``proxy_score`` (association x reliance),
        ``is_proxy`` and ``is_encoding`` (association at least
        ``encoding_threshold``, whatever the reliance); sorted by proxy score.
    reliance_source : str
        What reliance was measured by (mean |SHAP|, permutation importance, ...).
    threshold : float
        ``policy.proxy_association``.
    top_k : int
        ``policy.proxy_top_k``.
    attributes : tuple of str
        The sensitive attributes.
    sensitive_in_model : tuple of str
        Those the model takes as inputs (a model input holds their values).
    encoding_threshold : float
        ``policy.proxy_encoding``.
    """

    table: pd.DataFrame
    reliance_source: str
    threshold: float
    top_k: int
    attributes: tuple[str, ...]
    sensitive_in_model: tuple[str, ...]
    encoding_threshold: float = _DEFAULT_ENCODING

    @property
    def proxies(self) -> pd.DataFrame:
        """Rows flagged as proxies."""
        return self.table[self.table["is_proxy"]]

    @property
    def encodings(self) -> pd.DataFrame:
        """Rows flagged as near-perfect encodings of a sensitive attribute."""
        return self.table[self.table["is_encoding"]]

    @property
    def seen(self) -> tuple[SeenAttribute, ...]:
        """How the model sees each sensitive attribute (:func:`audit.proxies.sensitive_seen`)."""
        return sensitive_seen(self)

    def to_frame(self) -> pd.DataFrame:
        """The (feature, attribute) table."""
        return self.table

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable record."""
        return _plain(
            {
                "reliance_source": self.reliance_source,
                "threshold": self.threshold,
                "top_k": self.top_k,
                "attributes": list(self.attributes),
                "sensitive_in_model": list(self.sensitive_in_model),
                "encoding_threshold": self.encoding_threshold,
                "seen": [s.to_dict() for s in self.seen],
                "table": self.table.to_dict(orient="records"),
            }
        )


def proxy_table(
    X: pd.DataFrame,
    sensitive: pd.DataFrame,
    reliance: Reliance,
    *,
    policy: Policy,
    random_state: int = 0,
    mi_rows: int | None = MI_ROWS,
) -> pd.DataFrame:
    """The (feature, attribute) association table for the features in ``reliance``.

    A feature that holds the attribute's own values (:func:`same_values`) is
    the attribute itself and gets no row; a feature merely named like it does.
    Every feature is measured against an attribute in one pass
    (:func:`audit.proxies.associations`: the numeric columns together).
    """
    ranks = reliance.ranks()
    features = list(reliance.shares.index)
    frame = X[features].reset_index(drop=True)
    parts = []
    for attribute in sensitive.columns:
        kept = [f for f in features if not same_values(frame[f], sensitive[attribute])]
        found = associations(
            frame[kept], sensitive[attribute], random_state=random_state, mi_rows=mi_rows
        )
        share = reliance.shares.reindex(kept).astype(float).to_numpy()
        rank = ranks.reindex(kept).astype(int).to_numpy()
        strength = found["strength"].to_numpy(dtype=float)
        parts.append(
            pd.DataFrame(
                {
                    "feature": kept,
                    "attribute": str(attribute),
                    "measure": found["measure"].to_numpy(),
                    "value": found["value"].to_numpy(dtype=float),
                    "mutual_information": found["mutual_information"].to_numpy(dtype=float),
                    "mi_normalized": found["mi_normalized"].to_numpy(dtype=float),
                    "association": strength,
                    "reliance": share,
                    "reliance_rank": rank,
                    "proxy_score": strength * share,
                    "is_proxy": (strength >= policy.proxy_association)
                    & (rank <= policy.proxy_top_k)
                    & (share > 0),
                    "is_encoding": strength >= policy.proxy_encoding,
                },
                columns=list(TABLE_COLUMNS),
            )
        )
    parts = [part for part in parts if len(part)]
    if parts:
        table = pd.concat(parts, ignore_index=True)
    else:
        table = pd.DataFrame(columns=list(TABLE_COLUMNS)).astype(
            {"is_proxy": bool, "is_encoding": bool}
        )
    order = np.lexsort((table["feature"].to_numpy(), -table["proxy_score"].to_numpy()))
    return table.iloc[order].reset_index(drop=True)


def proxy_findings(result: ProxyResult) -> list[Finding]:
    """One warning for every flagged (feature, attribute) pair.

    A pair among the model's top features by reliance with association at
    least ``threshold`` is a ``proxy`` (its message adds that the feature
    encodes the attribute when the association also reaches
    ``encoding_threshold``); any other pair whose association reaches
    ``encoding_threshold`` is a ``proxy_encoding``, whatever its reliance rank.
    """
    findings = []
    table = result.table
    flagged = table["is_proxy"] | table["is_encoding"]
    for row in table[flagged].itertuples(index=False):
        aware = row.attribute in result.sensitive_in_model
        encoding = bool(row.is_encoding)
        evidence = {
            "feature": row.feature,
            "attribute": row.attribute,
            "measure": row.measure,
            "value": row.value,
            "mutual_information": row.mutual_information,
            "mi_normalized": row.mi_normalized,
            "association": row.association,
            "threshold": result.threshold,
            "reliance": row.reliance,
            "reliance_rank": row.reliance_rank,
            "reliance_source": result.reliance_source,
            "top_k": result.top_k,
            "attribute_in_model": aware,
            "encoding": encoding,
            "encoding_threshold": result.encoding_threshold,
        }
        if row.is_proxy:
            tail = (_AWARE if aware else _UNAWARE).format(attribute=row.attribute)
            if encoding:
                tail += _ENCODES.format(
                    attribute=row.attribute,
                    association=row.association,
                    threshold=result.encoding_threshold,
                )
            code, title = PROXY_CODE, _TITLE
            message = _MESSAGE.format(
                feature=row.feature,
                attribute=row.attribute,
                measure=row.measure.replace("_", " "),
                value=row.value,
                mi=row.mi_normalized,
                rank=row.reliance_rank,
                share=row.reliance,
                source=result.reliance_source,
                tail=tail,
            )
        else:
            tail = (_ENCODING_AWARE if aware else _ENCODING_UNAWARE).format(attribute=row.attribute)
            code, title = ENCODING_CODE, _ENCODING_TITLE
            message = _ENCODING_MESSAGE.format(
                feature=row.feature,
                attribute=row.attribute,
                measure=_MEASURE_NAMES.get(row.measure, row.measure),
                value=row.value,
                mi=row.mi_normalized,
                threshold=result.encoding_threshold,
                rank=row.reliance_rank,
                share=row.reliance,
                source=result.reliance_source,
                tail=tail,
            )
        findings.append(
            Finding(
                code=code,
                severity="warning",
                title=title,
                message=message,
                subject=f"{row.feature} ~ {row.attribute}",
                evidence=evidence,
                analyzer=ANALYZER,
            )
        )
    return findings


def context_proxies(
    ctx: AuditContext,
    *,
    n_repeats: int = 5,
    mi_rows: int | None = MI_ROWS,
    reliance: Reliance | None = None,
) -> ProxyResult:
    """The proxy analysis of an audit's model (what the ``proxies`` analyzer reports).

    The context supplies the data, the sensitive attributes, the policy and
    the seed; the model's reliance is :func:`context_reliance` (mean |SHAP|
    where shap can explain the model, else permutation importance with
    ``n_repeats`` shuffles) unless ``reliance`` is given.
    Without ``reliance`` the result is derived once per context and settings
    (:meth:`AuditContext.derived`): the proxies and flip analyzers share it.

    Raises
    ------
    DataValidationError
        The context has no sensitive attributes.
    """
    if ctx.sensitive is None:
        raise DataValidationError(_NO_SENSITIVE)
    sensitive = ctx.sensitive

    def compute(known: Reliance) -> ProxyResult:
        return build_proxy_result(
            ctx.X,
            sensitive,
            known,
            policy=ctx.policy,
            sensitive_in_model=ctx.sensitive_in_model,
            random_state=ctx.random_state,
            mi_rows=mi_rows,
        )

    if reliance is not None:
        return compute(reliance)
    # computed once per context and settings: the proxies and flip analyzers both ask
    key = ("proxies", ("n_repeats", n_repeats), ("mi_rows", mi_rows))
    return ctx.derived(key, lambda: compute(context_reliance(ctx, n_repeats=n_repeats)))


def detect_proxies(
    model: Any,
    X: Any,
    sensitive_features: Any,
    *,
    y: Any = None,
    reliance: Reliance | None = None,
    policy: Policy | None = None,
    random_state: int = 0,
    n_repeats: int = 5,
    mi_rows: int | None = MI_ROWS,
    sample_weight: Any = None,
    pos_label: Any = None,
) -> ProxyResult:
    """Find the model's features that stand in for sensitive attributes.

    The inputs are validated as :func:`audit.audit_model` validates them
    (:func:`audit.context.build_context`) and the analysis is
    :func:`context_proxies` of that context: the same table as
    ``report.proxies`` of an audit with the same data and seed.

    Parameters
    ----------
    model : estimator, Pipeline, torch.nn.Module or ModelAdapter
        The fitted model.
    X : table
        The data (every column the model reads).
    sensitive_features : column name(s), Series, DataFrame or array
        The sensitive attributes; they need not be model inputs.
    y : array-like, optional
        Labels for permutation importance; without them, the model's own
        predictions are the target (reliance rather than accuracy).
    reliance : Reliance, optional
        The model's reliance per feature, if already known; by default mean
        |SHAP| where shap can explain the model, else permutation importance
        (:func:`context_reliance`).
    policy : Policy, optional
        ``proxy_association``, ``proxy_top_k`` and ``proxy_encoding`` thresholds.
    random_state : int, default=0
        Seed.
    n_repeats : int, default=5
        Shuffles per column when reliance is measured by permutation importance.
    mi_rows : int or None, default=MI_ROWS
        Rows sampled for mutual information (None: all).
    sample_weight : array-like, optional
        Row weights of permutation importance's score.
    pos_label : object, optional
        Positive class of a binary task (the class whose score SHAP explains).

    Returns
    -------
    ProxyResult
    """
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
    return context_proxies(ctx, n_repeats=n_repeats, mi_rows=mi_rows, reliance=reliance)


def build_proxy_result(
    X: pd.DataFrame,
    sensitive: pd.DataFrame,
    reliance: Reliance,
    *,
    policy: Policy,
    sensitive_in_model: Sequence[str],
    random_state: int = 0,
    mi_rows: int | None = MI_ROWS,
) -> ProxyResult:
    """A :class:`ProxyResult` from data, sensitive columns and a known reliance."""
    return ProxyResult(
        table=proxy_table(
            X, sensitive, reliance, policy=policy, random_state=random_state, mi_rows=mi_rows
        ),
        reliance_source=reliance.source,
        threshold=policy.proxy_association,
        top_k=policy.proxy_top_k,
        attributes=tuple(str(c) for c in sensitive.columns),
        sensitive_in_model=tuple(sensitive_in_model),
        encoding_threshold=policy.proxy_encoding,
    )
