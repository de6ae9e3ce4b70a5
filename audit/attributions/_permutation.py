"""Any model: shap.PermutationExplainer against a small sampled background.

Features are masked per *input column*: the transformed columns that come from
the same input column (the one-hot columns of a category) are hidden or shown
together, so masking never produces an impossible row with two categories
switched on, and the attributions come out per input column directly. Where
every input column maps to one transformed column this is exactly shap's
``Independent`` masker.
"""

from __future__ import annotations

import numpy as np

from audit.attributions._job import ExplainJob, RawAttributions, sample_background
from audit.attributions._outputs import generic_output

__all__ = ["PERMUTATIONS", "SourceMasker", "explain_permutation", "source_groups"]

_BATCH = 25
PERMUTATIONS = 10
"""Antithetic permutation pairs per explained row: ``max_evals = 10 * (2 * n_columns + 1)``."""


def source_groups(sources: tuple[str, ...] | list[str]) -> tuple[list[str], list[np.ndarray]]:
    """Unique input columns in order of first appearance, and the transformed columns of each."""
    names = list(dict.fromkeys(sources))
    where = {name: i for i, name in enumerate(names)}
    members: list[list[int]] = [[] for _ in names]
    for col, source in enumerate(sources):
        members[where[source]].append(col)
    return names, [np.asarray(m, dtype=int) for m in members]


class SourceMasker:
    """A shap masker that hides groups of columns together, replacing them by background rows.

    Parameters
    ----------
    background : numpy.ndarray
        Background rows, ``(n_background, n_columns)``.
    groups : list of numpy.ndarray
        Column indices of each maskable group.
    """

    clustering = None

    def __init__(self, background: np.ndarray, groups: list[np.ndarray]) -> None:
        self.data = np.asarray(background, dtype=float)
        self.shape = (len(self.data), len(groups))
        self._columns = np.zeros((len(groups), self.data.shape[1]), dtype=bool)
        for g, cols in enumerate(groups):
            self._columns[g, cols] = True

    def mask_shapes(self, x: np.ndarray) -> list[tuple[int]]:
        """One mask entry per group."""
        return [(self.shape[1],)]

    def __call__(self, mask: np.ndarray, x: np.ndarray) -> tuple[np.ndarray]:
        """Background rows with the columns of the shown groups set to ``x``'s values."""
        keep = self._columns[np.asarray(mask, dtype=bool)].any(axis=0)
        out = self.data.copy()
        out[:, keep] = np.asarray(x, dtype=float)[keep]
        return (out,)


def explain_permutation(job: ExplainJob) -> RawAttributions:
    """shap.PermutationExplainer of the model's output, masked per input column."""
    import shap

    output = generic_output(job.adapter, job.matrix)
    _, groups = source_groups(job.sources)
    background = sample_background(job.background, job.background_size, job.random_state)
    masker = SourceMasker(background, groups)
    max_evals = PERMUTATIONS * (2 * len(groups) + 1)
    state = np.random.get_state()  # noqa: NPY002 - PermutationExplainer seeds numpy's global generator
    try:
        explainer = shap.PermutationExplainer(output.fn, masker, seed=job.random_state)
        values, bases = [], []
        for rows in job.batches(_BATCH, "SHAP (PermutationExplainer)"):
            part = explainer(job.matrix[rows], max_evals=max_evals, silent=True)
            n = rows.stop - rows.start
            values.append(np.asarray(part.values, dtype=float).reshape(n, len(groups), -1))
            bases.append(np.asarray(part.base_values, dtype=float).reshape(n, -1))
    finally:
        np.random.set_state(state)  # noqa: NPY002
    return RawAttributions(
        values=np.concatenate(values),
        base_values=np.concatenate(bases),
        model_output=output.fn(job.matrix),
        output=output,
        level="source",
        explainer="permutation",
    )
