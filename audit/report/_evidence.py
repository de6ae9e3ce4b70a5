"""A finding's evidence as compact, readable tables (never a printed dict).

Scalars and short lists become one key–value table; lists of records (the groups
of an ``insufficient_evidence`` finding, the columns of a sensitive attribute)
become small tables of their own; mappings read ``key: value; …``. Every number is
formatted by its meaning (:mod:`audit._numbers`); the value a finding was
judged on is shown with enough decimals to differ from its threshold. Long lists
are cut; the JSON record keeps them whole.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from audit._numbers import column_kind, difference_kind, fmt
from audit.findings import Finding
from audit.report._blocks import column_parts

__all__ = ["EvidenceView", "MAX_EVIDENCE_ITEMS", "evidence_view", "evidence_kind"]

MAX_EVIDENCE_ITEMS = 20
_DISPARITY = ("disparity_ratio", "disparity_difference")
_JUDGED = ("share", "top_share", "ratio", "difference", "value", "association", "dead_fraction")
_FRACTIONS = ("alpha", "ci_level")


@dataclass(frozen=True)
class EvidenceView:
    """What the report shows of one finding's evidence."""

    pairs: list[tuple[str, str]]
    tables: list[tuple[str, dict[str, Any]]]


def _stat_kind(metric: str, stat: str) -> str:
    return "ratio" if stat == "ratio" else difference_kind(metric)


def evidence_kind(finding: Finding, key: str, row: Mapping[str, Any] | None = None) -> str:
    """The number kind of evidence ``key`` of ``finding`` (``row``: a record inside it)."""
    e = finding.evidence
    if row is not None:
        metric = row.get("metric")
        if isinstance(metric, str):
            if key == "value":
                return column_kind(metric)
            if key in ("ratio", "difference"):
                return _stat_kind(metric, key)
            if key == "threshold":
                return _stat_kind(metric, str(row.get("kind", "")))
        return column_kind(key)
    if finding.code in _DISPARITY and isinstance(e.get("metric"), str):
        metric = str(e["metric"])
        stat = "ratio" if finding.code == "disparity_ratio" else "difference"
        if key == "values":
            return column_kind(metric)
        if key in (stat, "threshold", "warning_threshold", "critical_threshold", "ci"):
            return _stat_kind(metric, stat)
    if key in _FRACTIONS:
        return "rate"
    if key == "threshold":
        for judged in _JUDGED:
            if judged in e:
                return column_kind(judged)
    return column_kind(key)


def _against(finding: Finding, key: str) -> Any:
    e = finding.evidence
    if finding.code in _DISPARITY:
        stat = "ratio" if finding.code == "disparity_ratio" else "difference"
        if key == stat:
            return [t for t in (e.get("warning_threshold"), e.get("critical_threshold")) if t]
        if key == "threshold":
            return e.get(stat)
        return None
    if "threshold" not in e:
        return None
    if key in _JUDGED:
        return e["threshold"]
    if key == "threshold":
        return next((e[k] for k in _JUDGED if k in e), None)
    return None


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_)


def _scalar(value: Any, kind: str, against: Any = None) -> str:
    if _is_number(value):
        return fmt(value, kind, against=against)
    return fmt(value)


def _list_text(values: Sequence[Any], kind: str) -> str:
    shown = ", ".join(_scalar(v, kind) for v in values[:MAX_EVIDENCE_ITEMS])
    if len(values) > MAX_EVIDENCE_ITEMS:
        shown += f", … ({len(values) - MAX_EVIDENCE_ITEMS} more in the JSON record)"
    return shown or "—"


def _mapping_text(mapping: Mapping[Any, Any], finding: Finding, key: str) -> str:
    items = list(mapping.items())
    kind = evidence_kind(finding, key)
    parts = []
    for k, v in items[:MAX_EVIDENCE_ITEMS]:
        if isinstance(v, Mapping):
            v = ", ".join(f"{kk} {fmt(vv, column_kind(kk))}" for kk, vv in v.items())
        elif isinstance(v, list | tuple):
            v = _list_text(list(v), kind)
        else:
            v = _scalar(v, kind)
        parts.append(f"{k}: {v}")
    text = "; ".join(parts)
    if len(items) > MAX_EVIDENCE_ITEMS:
        text += f"; … ({len(items) - MAX_EVIDENCE_ITEMS} more in the JSON record)"
    return text or "—"


def _records_table(records: Sequence[Mapping[str, Any]], finding: Finding) -> dict[str, Any]:
    columns: list[str] = []
    for r in records:
        columns += [k for k in r if k not in columns]
    rows = []
    for r in records[:MAX_EVIDENCE_ITEMS]:
        cells = []
        for c in columns:
            v = r.get(c)
            if isinstance(v, list | tuple):
                text = _list_text(list(v), evidence_kind(finding, c, r))
            elif isinstance(v, Mapping):
                text = "; ".join(f"{k}: {fmt(x)}" for k, x in v.items())
            else:
                text = _scalar(v, evidence_kind(finding, c, r))
            numeric = _is_number(v)
            cells.append({"text": text, "cls": "" if numeric else "l"})
        rows.append({"index": [], "cells": cells})
    return {
        "index_names": [],
        "columns": columns,
        "rows": rows,
        "truncated": max(0, len(records) - MAX_EVIDENCE_ITEMS),
        "parts": column_parts(
            [
                max(len(c), *(len(str(cell["text"])) for cell in col)) + 2
                for c, col in zip(
                    columns, zip(*(r["cells"] for r in rows), strict=True), strict=True
                )
            ]
            if rows
            else [len(c) + 2 for c in columns]
        ),
    }


def evidence_view(finding: Finding) -> EvidenceView:
    """The evidence of ``finding`` as key–value pairs and small tables.

    Keys whose value is missing (None) are left out; a list of records becomes a
    table titled with its key.
    """
    pairs: list[tuple[str, str]] = []
    tables: list[tuple[str, dict[str, Any]]] = []
    for key, value in finding.evidence.items():
        if value is None:
            continue
        kind = evidence_kind(finding, key)
        if isinstance(value, list | tuple) and value and all(isinstance(v, Mapping) for v in value):
            tables.append((key, _records_table(list(value), finding)))
        elif isinstance(value, list | tuple):
            pairs.append((key, _list_text(list(value), kind)))
        elif isinstance(value, Mapping):
            pairs.append((key, _mapping_text(value, finding, key)))
        else:
            pairs.append((key, _scalar(value, kind, _against(finding, key))))
    return EvidenceView(pairs=pairs, tables=tables)
