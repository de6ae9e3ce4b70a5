"""Which sensitive attributes the model sees: directly, or through an encoding.

A model **sees a sensitive attribute directly** when one of its input columns
holds the attribute's values, row for row (:func:`direct_inputs`). This is
decided by the data, never by a column's name: a sensitive Series that happens
to be named like a model input but holds other values is not a model input
(it may still be *encoded* by that input, which the association table says).

A model **sees a sensitive attribute through an encoding** when a feature it
reads is associated with the attribute at ``policy.proxy_encoding`` or more
(Cramér's V, correlation ratio η or normalised mutual information, whichever
is largest): from such a feature the model can recover the attribute almost
exactly, whatever its reliance on the feature. ``personal_status`` of the German
credit data encodes ``sex`` with Cramér's V 1.00.

:func:`sensitive_seen` reads both from a :class:`~audit.proxies.ProxyResult`,
and :func:`seen_text` is the model card's line, so the card and the
``proxy_encoding`` findings come from one table.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from audit._direct_use import direct_inputs, same_values

if TYPE_CHECKING:  # pragma: no cover
    from audit.proxies._detect import ProxyResult

__all__ = [
    "SEEN_LABEL",
    "Encoding",
    "SeenAttribute",
    "direct_inputs",
    "same_values",
    "seen_text",
    "sensitive_seen",
]

SEEN_LABEL = "Sensitive attributes the model sees, directly or through an encoding"
"""The model card's row label."""

_SYMBOL = {"cramers_v": "V", "correlation_ratio": "η", "mi_normalized": "normalised MI"}
_NOT_CHECKED = "encodings not checked (the proxies analysis did not run)"


@dataclass(frozen=True)
class Encoding:
    """A feature from which the model can recover a sensitive attribute.

    Attributes
    ----------
    feature : str
        The model input.
    measure : {"cramers_v", "correlation_ratio", "mi_normalized"}
        The association measure that reached the threshold (the largest one).
    value : float
        Its value, in [0, 1].
    """

    feature: str
    measure: str
    value: float

    def text(self) -> str:
        """``"personal_status (V=1.00)"``."""
        return f"{self.feature} ({_SYMBOL.get(self.measure, self.measure)}={self.value:.2f})"


@dataclass(frozen=True)
class SeenAttribute:
    """How the model sees one sensitive attribute.

    Attributes
    ----------
    attribute : str
        The sensitive attribute.
    directly : bool
        A model input holds the attribute's values.
    encodings : tuple of Encoding
        Features the model reads that encode the attribute, strongest first.
    """

    attribute: str
    directly: bool
    encodings: tuple[Encoding, ...] = ()

    @property
    def seen(self) -> bool:
        """The model sees the attribute one way or the other."""
        return self.directly or bool(self.encodings)

    def text(self) -> str:
        """``"sex: directly and through personal_status (V=1.00)"`` (``"sex: no"`` if unseen)."""
        parts = ["directly"] if self.directly else []
        if self.encodings:
            parts.append("through " + ", ".join(e.text() for e in self.encodings))
        return f"{self.attribute}: " + (" and ".join(parts) or "no")

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable record."""
        return {
            "attribute": self.attribute,
            "directly": self.directly,
            "encodings": [
                {"feature": e.feature, "measure": e.measure, "value": float(e.value)}
                for e in self.encodings
            ],
        }


def _encoding(row: Mapping[str, Any]) -> Encoding:
    value, mi = float(row["value"]), float(row["mi_normalized"])
    if value >= mi:
        return Encoding(str(row["feature"]), str(row["measure"]), value)
    return Encoding(str(row["feature"]), "mi_normalized", mi)


def sensitive_seen(result: ProxyResult) -> tuple[SeenAttribute, ...]:
    """How the model of a proxy analysis sees each sensitive attribute.

    ``directly`` is ``result.sensitive_in_model`` (decided by the data,
    :func:`direct_inputs`); the encodings are the rows of ``result.table``
    flagged ``is_encoding`` (association at or above ``policy.proxy_encoding``
    among the features the model reads).

    Parameters
    ----------
    result : ProxyResult
        The proxy analysis.

    Returns
    -------
    tuple of SeenAttribute
        One per sensitive attribute, in the order of ``result.attributes``.
    """
    table = result.table
    flagged = table[table["is_encoding"]] if "is_encoding" in table else table.iloc[:0]
    flagged = flagged.sort_values(["association", "feature"], ascending=[False, True])
    out = []
    for attribute in result.attributes:
        rows = flagged[flagged["attribute"] == attribute]
        out.append(
            SeenAttribute(
                attribute=attribute,
                directly=attribute in result.sensitive_in_model,
                encodings=tuple(_encoding(r) for r in rows.to_dict(orient="records")),
            )
        )
    return tuple(out)


def seen_text(
    attributes: Iterable[str],
    sensitive_in_model: Iterable[str],
    result: ProxyResult | None,
) -> str:
    """The model card's answer to "which sensitive attributes does the model see?".

    Parameters
    ----------
    attributes : iterable of str
        The sensitive attributes of the audit.
    sensitive_in_model : iterable of str
        Those the model takes directly (``AuditContext.sensitive_in_model``).
    result : ProxyResult or None
        The proxy analysis, where it ran; without it only direct use is known
        and the text says the encodings were not checked.

    Returns
    -------
    str
        ``"sex: through personal_status (V=1.00)"``; attributes separated by
        ``"; "``; ``"none"`` when the model sees none of them.
    """
    names = [str(a) for a in attributes]
    if not names:
        return "none"
    if result is None:
        direct = set(map(str, sensitive_in_model))
        seen = [f"{a}: directly" for a in names if a in direct]
        return "; ".join([*seen, _NOT_CHECKED]) if seen else f"none directly; {_NOT_CHECKED}"
    texts = [s.text() for s in sensitive_seen(result) if s.seen]
    return "; ".join(texts) or "none"
