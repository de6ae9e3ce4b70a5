"""Trace each output feature of a fitted sklearn transformer back to its input column."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["trace_features"]


def _column_names(columns: Any, input_features: list[str]) -> list[str]:
    """Resolve a ColumnTransformer column selection to input column names."""
    if isinstance(columns, str):
        return [columns]
    if isinstance(columns, slice):
        return list(np.asarray(input_features)[columns])
    cols = list(np.atleast_1d(np.asarray(columns, dtype=object)))
    if cols and all(isinstance(c, (bool, np.bool_)) for c in cols):
        return [f for f, keep in zip(input_features, cols, strict=False) if keep]
    if cols and all(isinstance(c, (int, np.integer)) for c in cols):
        return [input_features[int(c)] for c in cols]
    return [str(c) for c in cols]


def _prefix_sources(out_names: list[str], inputs: list[str]) -> list[str]:
    """Map ``col_value`` style names (OneHotEncoder) to the longest matching input column."""
    ordered = sorted(inputs, key=len, reverse=True)
    sources = []
    for name in out_names:
        match = next((c for c in ordered if name == c or name.startswith(f"{c}_")), None)
        sources.append(match if match is not None else name)
    return sources


def trace_features(transformer: Any, input_features: list[str]) -> tuple[list[str], list[str]]:
    """Return (output feature names, source input column of each) for a fitted transformer.

    Handles ``Pipeline``, ``ColumnTransformer`` (with ``output_indices_``),
    ``"passthrough"``, one-to-one transformers (scalers, imputers) and
    one-to-many encoders that name outputs ``<column>_<value>`` (OneHotEncoder).
    """
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import Pipeline

    if transformer is None or (isinstance(transformer, str) and transformer == "passthrough"):
        return list(input_features), list(input_features)
    if isinstance(transformer, Pipeline):
        names, sources = list(input_features), list(input_features)
        for _, step in transformer.steps:
            step_names, step_sources = trace_features(step, names)
            lookup = dict(zip(names, sources, strict=True))
            sources = [lookup.get(s, s) for s in step_sources]
            names = step_names
        return names, sources
    if isinstance(transformer, ColumnTransformer):
        out_names = [str(n) for n in transformer.get_feature_names_out(input_features)]
        sources: list[str] = list(out_names)
        for name, trans, columns in transformer.transformers_:
            if isinstance(trans, str) and trans == "drop":
                continue
            part = transformer.output_indices_[name]
            if part.stop - part.start == 0:
                continue
            cols = _column_names(columns, list(input_features))
            _, sub_sources = trace_features(trans, cols)
            if len(sub_sources) != part.stop - part.start:
                sub_sources = _prefix_sources(out_names[part], cols)
            sources[part] = sub_sources
        return out_names, sources
    try:
        out = [str(n) for n in transformer.get_feature_names_out(input_features)]
    except (AttributeError, TypeError, ValueError):
        return list(input_features), list(input_features)
    if len(out) == len(input_features):
        return out, list(input_features)
    if len(input_features) == 1:  # one input, many outputs (a text vectorizer, splines)
        return out, [input_features[0]] * len(out)
    return out, _prefix_sources(out, list(input_features))
