"""The findings the weight analysis emits, with the numbers that justify them.

Codes and evidence keys:

* ``imbalanced_weights`` (warning): one input column holds more than
  ``policy.weight_concentration`` of the total weight. Evidence: ``top_feature,
  top_share, threshold, gini, hhi, effective_n, top_k, top_k_share, basis``.
* ``sensitive_attribute_used`` (warning): a sensitive attribute that is a model
  input holds at least ``policy.sensitive_weight_share`` of the total weight.
  Evidence: ``attribute, share, threshold, rank, n_features, columns`` (the model
  columns it became, each with its weight), ``basis``.
* ``vanishing_weights`` / ``exploding_weights`` (warning): a layer's weight std is
  below reference / 10 or above reference × 10. Evidence: ``parameter, layer,
  std, reference, reference_std, ratio, threshold_ratio, fan_in, fan_out``.
* ``dead_units`` (warning when a layer has more than :data:`DEAD_UNITS_WARNING`
  of its units dead, else info): ReLU units never active on the audit data.
  Evidence: ``activation, layer, n_dead, n_units, dead_fraction, dead_units,
  warning_fraction``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from audit._numbers import fmt
from audit.findings import Finding
from audit.policy import Policy
from audit.weights._torch import EXPLODING_RATIO, VANISHING_RATIO

__all__ = [
    "ANALYZER",
    "DEAD_UNITS_WARNING",
    "FINDING_CODES",
    "imbalanced_weights_finding",
    "sensitive_use_findings",
    "scale_findings",
    "dead_unit_findings",
]

ANALYZER = "weights"
FINDING_CODES: tuple[str, ...] = (
    "imbalanced_weights",
    "sensitive_attribute_used",
    "vanishing_weights",
    "exploding_weights",
    "dead_units",
)
"""Codes of the findings this module emits (``scale_findings`` builds two of them)."""
DEAD_UNITS_WARNING = 0.25
"""A layer with more than this share of dead units gives a warning (otherwise info)."""

_IMBALANCED_TITLE = "One feature holds most of the model's weight"
_IMBALANCED_MESSAGE = (
    "{feature!r} holds {share} of the total {basis} (threshold {threshold}); the "
    "top {k} features hold {top_k_share}. Predictions hinge on this one input: check "
    "that it is legitimate, stable and not a leak of the target."
)
_SENSITIVE_TITLE = "The model uses sensitive attribute {attribute!r} directly"
_SENSITIVE_MESSAGE = (
    "{attribute!r} is a model input holding {share} of the total {basis} (threshold "
    "{threshold}, rank {rank} of {n}). The model treats people differently by this "
    "attribute; make sure that is lawful and intended."
)
_SCALE_TITLE = "Layer {parameter!r} has {flag} weights"
_SCALE_MESSAGE = (
    "The std of {parameter!r} is {std:.3g}, {ratio:.3g} × its {reference} initialization "
    "reference {reference_std:.3g} ({rule}). {consequence}"
)
_VANISHING_CONSEQUENCE = (
    "Signals and gradients shrink through this layer; it may have stopped learning."
)
_EXPLODING_CONSEQUENCE = (
    "Signals and gradients grow through this layer; training may be unstable or saturated."
)
_DEAD_TITLE = "Dead ReLU units after {layer!r}"
_DEAD_MESSAGE = (
    "{n_dead} of {n_units} units ({fraction:.0%}) of activation {activation!r} are never "
    "active on the audit data; they contribute nothing to any prediction."
)


def imbalanced_weights_finding(concentration: dict[str, Any], policy: Policy) -> Finding | None:
    """``imbalanced_weights`` when the top share exceeds ``policy.weight_concentration``."""
    share = concentration.get("top_share", float("nan"))
    if not np.isfinite(share) or share <= policy.weight_concentration:
        return None
    evidence = {
        "top_feature": concentration["top_feature"],
        "top_share": share,
        "threshold": policy.weight_concentration,
        "gini": concentration["gini"],
        "hhi": concentration["hhi"],
        "effective_n": concentration["effective_n"],
        "top_k": concentration["top_k"],
        "top_k_share": concentration["top_k_share"],
        "basis": concentration["basis"],
    }
    return Finding(
        code="imbalanced_weights",
        severity="warning",
        title=_IMBALANCED_TITLE,
        message=_IMBALANCED_MESSAGE.format(
            feature=concentration["top_feature"],
            # shown with enough digits to differ from the threshold it crossed
            share=fmt(share, "rate", against=policy.weight_concentration),
            basis=concentration["basis"],
            threshold=fmt(policy.weight_concentration, "rate", against=share),
            k=len(concentration["top_k"]),
            top_k_share=fmt(concentration["top_k_share"], "rate"),
        ),
        subject=str(concentration["top_feature"]),
        evidence=evidence,
        analyzer=ANALYZER,
    )


def sensitive_use_findings(
    by_source: pd.DataFrame,
    sensitive_in_model: Sequence[str],
    policy: Policy,
    *,
    basis: str,
    columns: pd.DataFrame | None = None,
) -> list[Finding]:
    """``sensitive_attribute_used`` for each sensitive model input with enough weight.

    Parameters
    ----------
    by_source : pandas.DataFrame
        Output of :func:`audit.weights._concentration.source_table`.
    sensitive_in_model : sequence of str
        Sensitive attributes that are model inputs.
    policy : Policy
        ``sensitive_weight_share`` is the threshold.
    basis : str
        What the weights are, in words.
    columns : pandas.DataFrame, optional
        Per model column weights with ``feature, source, weight`` (one-hot detail).
    """
    out = []
    n = len(by_source)
    for attribute in sensitive_in_model:
        rows = by_source[by_source["source"] == str(attribute)]
        if rows.empty:
            continue
        row = rows.iloc[0]
        share = float(row["share"])
        if not np.isfinite(share) or share < policy.sensitive_weight_share:
            continue
        detail: list[dict[str, Any]] = []
        if columns is not None:
            part = columns[columns["source"] == str(attribute)]
            detail = [
                {"feature": str(f), "weight": float(w)}
                for f, w in zip(part["feature"], part["weight"], strict=True)
            ]
        out.append(
            Finding(
                code="sensitive_attribute_used",
                severity="warning",
                title=_SENSITIVE_TITLE.format(attribute=str(attribute)),
                message=_SENSITIVE_MESSAGE.format(
                    attribute=str(attribute),
                    share=fmt(share, "rate", against=policy.sensitive_weight_share),
                    basis=basis,
                    threshold=fmt(policy.sensitive_weight_share, "rate", against=share),
                    rank=int(row["rank"]),
                    n=n,
                ),
                subject=str(attribute),
                evidence={
                    "attribute": str(attribute),
                    "share": share,
                    "threshold": policy.sensitive_weight_share,
                    "rank": int(row["rank"]),
                    "n_features": n,
                    "columns": detail,
                    "basis": basis,
                },
                analyzer=ANALYZER,
            )
        )
    return out


def scale_findings(layers: pd.DataFrame) -> list[Finding]:
    """``vanishing_weights`` / ``exploding_weights`` per flagged layer weight."""
    out = []
    flagged = layers[layers["scale_flag"].isin(["vanishing", "exploding"])]
    for _, row in flagged.iterrows():
        flag = str(row["scale_flag"])
        threshold = VANISHING_RATIO if flag == "vanishing" else EXPLODING_RATIO
        rule = (
            f"below reference × {VANISHING_RATIO:g}"
            if flag == "vanishing"
            else f"above reference × {EXPLODING_RATIO:g}"
        )
        consequence = _VANISHING_CONSEQUENCE if flag == "vanishing" else _EXPLODING_CONSEQUENCE
        out.append(
            Finding(
                code=f"{flag}_weights",
                severity="warning",
                title=_SCALE_TITLE.format(parameter=row["parameter"], flag=flag),
                message=_SCALE_MESSAGE.format(
                    parameter=row["parameter"],
                    std=row["std"],
                    ratio=row["scale_ratio"],
                    reference=row["reference"],
                    reference_std=row["reference_std"],
                    rule=rule,
                    consequence=consequence,
                ),
                subject=str(row["parameter"]),
                evidence={
                    "parameter": str(row["parameter"]),
                    "layer": str(row["layer"]),
                    "std": float(row["std"]),
                    "reference": str(row["reference"]),
                    "reference_std": float(row["reference_std"]),
                    "ratio": float(row["scale_ratio"]),
                    "threshold_ratio": threshold,
                    "fan_in": int(row["fan_in"]),
                    "fan_out": int(row["fan_out"]),
                },
                analyzer=ANALYZER,
            )
        )
    return out


def dead_unit_findings(dead: pd.DataFrame | None) -> list[Finding]:
    """``dead_units`` per activation with at least one dead unit."""
    if dead is None:
        return []
    out = []
    for _, row in dead[dead["n_dead"] > 0].iterrows():
        fraction = float(row["dead_fraction"])
        layer = str(row["layer"] or row["activation"])
        out.append(
            Finding(
                code="dead_units",
                severity="warning" if fraction > DEAD_UNITS_WARNING else "info",
                title=_DEAD_TITLE.format(layer=layer),
                message=_DEAD_MESSAGE.format(
                    n_dead=int(row["n_dead"]),
                    n_units=int(row["n_units"]),
                    fraction=fraction,
                    activation=row["activation"],
                ),
                subject=str(row["activation"]),
                evidence={
                    "activation": str(row["activation"]),
                    "layer": str(row["layer"]),
                    "n_dead": int(row["n_dead"]),
                    "n_units": int(row["n_units"]),
                    "dead_fraction": fraction,
                    "dead_units": list(row["dead_units"]),
                    "warning_fraction": DEAD_UNITS_WARNING,
                },
                analyzer=ANALYZER,
            )
        )
    return out
