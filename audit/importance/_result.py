"""The importance result: one table of every method, their ranks and rank correlations."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from audit._jsonable import to_jsonable as _plain
from audit.importance._drop_column import DropColumnImportance
from audit.importance._permutation import PermutationImportance

if TYPE_CHECKING:  # pragma: no cover
    from audit.attributions import AttributionResult

__all__ = ["ImportanceResult"]


@dataclass(frozen=True, eq=False)
class ImportanceResult:
    """Feature importance by several methods side by side (Table 4: contribution to accuracy).

    Attributes
    ----------
    table : pandas.DataFrame
        One row per input column (index ``feature``): ``coefficient``
        (|standardized coefficient|, linear models), ``permutation`` (mean score
        drop), ``permutation_std``, ``permutation_pct`` (100 * drop / baseline
        score), ``shap`` (mean |SHAP|), ``drop_column`` (score drop when
        refitted without it) and ``drop_column_pct``, for the methods that ran,
        then ``rank_<method>`` (1 = most important).
    rank_correlation : pandas.DataFrame
        Spearman rank correlation between methods.
    methods : tuple of str
        Methods in the table.
    permutation : PermutationImportance
        The permutation-importance details.
    drop_column : DropColumnImportance or None
        The drop-column details, when it ran.
    target : {"y_true", "y_pred"}
        What permutation importance scored against (``y_pred`` when no labels:
        then it measures reliance, not accuracy).
    notes : tuple of str
        Why a method is missing.
    attributions : AttributionResult or None
        The SHAP result the ``shap`` column came from (not serialised).
    """

    table: pd.DataFrame
    rank_correlation: pd.DataFrame
    methods: tuple[str, ...]
    permutation: PermutationImportance
    drop_column: DropColumnImportance | None
    target: str
    notes: tuple[str, ...] = ()
    attributions: AttributionResult | None = field(default=None, repr=False)

    def to_frame(self) -> pd.DataFrame:
        """The per-feature table."""
        return self.table

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable record."""
        correlation = {
            str(a): {str(b): self.rank_correlation.loc[a, b] for b in self.rank_correlation}
            for a in self.rank_correlation.index
        }
        return _plain(
            {
                "methods": list(self.methods),
                "target": self.target,
                "scoring": self.permutation.scoring,
                "baseline_score": self.permutation.baseline_score,
                "n_repeats": self.permutation.n_repeats,
                "n_rows": self.permutation.n_rows,
                "random_state": self.permutation.random_state,
                "table": self.table.astype(object)
                .where(self.table.notna(), None)
                .reset_index()
                .to_dict(orient="records"),
                "rank_correlation": correlation,
                "drop_column": None if self.drop_column is None else self.drop_column.to_dict(),
                "notes": list(self.notes),
            }
        )
