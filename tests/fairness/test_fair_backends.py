"""pandas, polars, pyarrow and numpy inputs give the same result."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from audit.fairness import group_counts, group_metrics


@pytest.fixture
def data(binary_data: Callable[..., dict]) -> dict:
    d = binary_data(800, (2, 3), seed=17, weighted=True, scores=True)
    d["frame"] = d["frame"].rename(columns={"s0": "sex", "s1": "race"})
    return d


def _run(d: dict, backend: str, convert: tuple) -> object:
    frame_to, array_to = convert
    return group_metrics(
        array_to(d["y_true"], backend),
        array_to(d["y_pred"], backend),
        sensitive_features=frame_to(d["frame"], backend),
        sample_weight=array_to(d["weights"], backend),
        y_score=array_to(d["scores"], backend),
        n_boot=50,
        random_state=0,
    )


def test_every_backend_gives_the_pandas_result(data: dict, backend: str, convert: tuple) -> None:
    expected = _run(data, "pandas", convert)
    result = _run(data, backend, convert)
    assert result.sensitive_names == ("sex", "race")
    assert list(result.by_group.index) == list(expected.by_group.index)
    np.testing.assert_array_equal(result.by_group.to_numpy(), expected.by_group.to_numpy())
    pd.testing.assert_series_equal(result.overall, expected.overall)
    np.testing.assert_array_equal(result.ci_low.to_numpy(), expected.ci_low.to_numpy())
    pd.testing.assert_series_equal(result.difference(), expected.difference())


def test_one_sensitive_column_from_each_backend(data: dict, backend: str, convert: tuple) -> None:
    _, array_to = convert
    sex = data["frame"]["sex"].to_numpy()
    expected = group_counts(data["y_true"], data["y_pred"], sensitive_features=sex)
    result = group_counts(
        array_to(data["y_true"], backend),
        array_to(data["y_pred"], backend),
        sensitive_features=array_to(sex, backend),
    )
    assert list(result.groups) == list(expected.groups)
    np.testing.assert_array_equal(result.table.to_numpy(), expected.table.to_numpy())


def test_lists_and_dicts_work_too(data: dict) -> None:
    expected = group_metrics(data["y_true"], data["y_pred"], sensitive_features=data["frame"])
    result = group_metrics(
        data["y_true"].tolist(),
        data["y_pred"].tolist(),
        sensitive_features={c: data["frame"][c].tolist() for c in data["frame"].columns},
    )
    np.testing.assert_array_equal(result.by_group.to_numpy(), expected.by_group.to_numpy())
    assert result.by_group.index.names == ["sex", "race"]
