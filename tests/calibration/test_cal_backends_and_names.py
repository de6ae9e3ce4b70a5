"""Both engines take pandas, polars, pyarrow and numpy inputs alike, align pandas rows by
label, and accept sensitive features whose names are also column names of their results."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from helpers import BACKENDS

from audit.calibration import calibration_by_group
from audit.errors import DataValidationError
from audit.thresholds import threshold_tradeoffs


def _frame(n: int = 1200) -> pd.DataFrame:
    rng = np.random.default_rng(9)
    frame = pd.DataFrame(
        {
            "sex": rng.choice(["F", "M"], size=n),
            "race": rng.choice(["A", "B"], size=n),
            "s": rng.uniform(size=n),
        }
    )
    frame["y"] = (rng.uniform(size=n) < frame["s"]).astype(int)
    return frame


def _as(values: pd.Series | pd.DataFrame, backend: str):  # type: ignore[no-untyped-def]
    if backend == "pandas":
        return values
    if backend == "polars":
        import polars as pl

        return pl.from_pandas(values)
    if backend == "pyarrow":
        import pyarrow as pa

        if isinstance(values, pd.DataFrame):
            return pa.Table.from_pandas(values, preserve_index=False)
        return pa.array(values.to_numpy())
    if isinstance(values, pd.DataFrame):
        return {c: values[c].to_numpy() for c in values.columns}
    return values.to_numpy()


@pytest.mark.parametrize("backend", BACKENDS)
def test_every_backend_gives_the_same_numbers(backend: str) -> None:
    frame = _frame()
    ref_cal = calibration_by_group(
        frame["y"], frame["s"], sensitive_features=frame[["sex", "race"]], random_state=0
    )
    ref_thr = threshold_tradeoffs(frame["y"], frame["s"], sensitive_features=frame[["sex", "race"]])
    y, s, sf = (
        _as(frame["y"], backend),
        _as(frame["s"], backend),
        _as(frame[["sex", "race"]], backend),
    )
    cal = calibration_by_group(y, s, sensitive_features=sf, random_state=0)
    thr = threshold_tradeoffs(y, s, sensitive_features=sf)
    pd.testing.assert_frame_equal(cal.by_group, ref_cal.by_group)
    pd.testing.assert_frame_equal(cal.ci_low, ref_cal.ci_low)
    pd.testing.assert_frame_equal(cal.curves, ref_cal.curves)
    pd.testing.assert_frame_equal(thr.summary, ref_thr.summary)
    pd.testing.assert_frame_equal(thr.groups, ref_thr.groups)


def test_pandas_rows_are_aligned_by_label() -> None:
    frame = _frame()
    shuffled = frame.sample(frac=1.0, random_state=1)
    cal = calibration_by_group(
        frame["y"], shuffled["s"], sensitive_features=shuffled["sex"], n_boot=0
    )
    ref = calibration_by_group(frame["y"], frame["s"], sensitive_features=frame["sex"], n_boot=0)
    pd.testing.assert_frame_equal(cal.by_group, ref.by_group)
    thr = threshold_tradeoffs(frame["y"], shuffled["s"], sensitive_features=shuffled["sex"])
    ref_thr = threshold_tradeoffs(frame["y"], frame["s"], sensitive_features=frame["sex"])
    pd.testing.assert_frame_equal(thr.groups, ref_thr.groups)
    foreign = frame["s"].set_axis(frame.index + 10_000)
    with pytest.raises(DataValidationError, match="index"):
        threshold_tradeoffs(frame["y"], foreign, sensitive_features=frame["sex"])


def test_sensitive_names_that_are_result_columns() -> None:
    frame = _frame()
    sf = pd.DataFrame({"group": frame["sex"], "bin": frame["race"], "count": frame["race"]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cal = calibration_by_group(frame["y"], frame["s"], sensitive_features=sf, n_boot=20)
        thr = threshold_tradeoffs(frame["y"], frame["s"], sensitive_features=sf)
        cal_record = json.dumps(cal.to_dict(), allow_nan=False)
        thr_record = json.loads(json.dumps(thr.to_dict(), allow_nan=False))
    assert list(cal.curves.index.names) == ["group", "bin", "count"]
    assert "group" in cal_record
    assert thr_record["groups"][0]["key"] == {"group": "F", "bin": "A", "count": "A"}
    assert list(thr.groups.index.names) == ["group", "bin", "count"]
