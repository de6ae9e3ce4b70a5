"""What every explainer module receives and returns."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from audit.adapters import ModelAdapter
from audit.attributions._outputs import ModelOutput
from audit.attributions._progress import batches

__all__ = ["ExplainJob", "RawAttributions", "sample_background"]


@dataclass(frozen=True, eq=False)
class ExplainJob:
    """The rows to explain, in the space the final estimator sees.

    Attributes
    ----------
    adapter : ModelAdapter
        The wrapped model.
    matrix : numpy.ndarray
        Rows to explain, ``(n_rows, n_transformed)``.
    background : numpy.ndarray
        Every audited row in the same space; explainers summarise it (a mean, or
        a sample of ``background_size`` rows).
    sources : tuple of str
        Input column of each transformed column.
    background_size : int
        Rows in a sampled background.
    random_state : int
        Seed.
    progress : bool
        Show a progress bar.
    """

    adapter: ModelAdapter
    matrix: np.ndarray
    background: np.ndarray
    sources: tuple[str, ...]
    background_size: int
    random_state: int
    progress: bool

    def batches(self, size: int, label: str) -> Iterator[slice]:
        """Row slices of ``matrix``; one slice for all rows unless a progress bar shows."""
        return batches(len(self.matrix), size=size, show=self.progress, label=label)


@dataclass(frozen=True, eq=False)
class RawAttributions:
    """An explainer's raw answer, before source aggregation and summaries.

    Attributes
    ----------
    values : numpy.ndarray
        ``(n_rows, n_columns, n_outputs)``: one column per transformed feature
        (``level="transformed"``) or per input column (``level="source"``).
    base_values : numpy.ndarray
        ``(n_rows, n_outputs)``.
    model_output : numpy.ndarray
        ``(n_rows, n_outputs)``, the explained output computed from the model itself.
    output : ModelOutput
        What the output is.
    level : {"transformed", "source"}
        Which columns ``values`` has.
    explainer : str
        The explainer that actually ran (after any fallback).
    note : str
        Extra words for the reason (e.g. why a fallback happened).
    """

    values: np.ndarray
    base_values: np.ndarray
    model_output: np.ndarray
    output: ModelOutput
    level: str
    explainer: str
    note: str = ""


def sample_background(matrix: np.ndarray, size: int, random_state: int) -> np.ndarray:
    """At most ``size`` rows of ``matrix`` drawn without replacement, in their original order."""
    if len(matrix) <= size:
        return matrix
    rng = np.random.default_rng(random_state)
    return matrix[np.sort(rng.choice(len(matrix), size=size, replace=False))]
