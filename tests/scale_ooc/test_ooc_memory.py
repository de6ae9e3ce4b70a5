"""Out of core: a Parquet file larger than the memory the audit may use is audited exactly.

A 3,000,000-row file (8 numeric features, ``sex``, ``race``, a label; about
250 MB as Arrow columns, written row group by row group so generating it is
bounded too) is audited by :func:`audit.audit_large` in a subprocess, after a
750,000-row file in the same process. Each audit's peak resident set is
measured on its own (``VmHWM``, reset through ``/proc/self/clear_refs``).

* The memory cap: the large audit may peak at most ``CAP_MB`` (64 MB) above
  the small one, for 2,250,000 more rows (about 185 MB more data; the whole
  file is about 4x the cap). Peak memory does not grow with the number of rows.
  (An address-space limit, ``RLIMIT_AS``, is not usable as the cap: DuckDB's
  and the allocators' reservations fail under any limit close to the RSS.)
* Exactness: the group metrics of all rows (intersectional and per
  attribute) equal :func:`audit.fairness.group_metrics` computed in this
  process from the same file's predictions (read batch by batch): counts
  exactly, rates, AUC and intervals to 1e-9.
"""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from ooc_data import WIDE_FEATURES, wide_rows, write_parquet
from sklearn.linear_model import LogisticRegression

from audit.fairness import group_metrics

BIG_ROWS = 3_000_000
SMALL_ROWS = 750_000
CAP_MB = 64
CHILD = Path(__file__).with_name("ooc_child.py")


def _reference(model, path: Path, columns: list[str]):
    """group_metrics in memory from the file's predictions, read 250,000 rows at a time."""
    import pyarrow.parquet as pq

    parts = []
    reader = pq.ParquetFile(str(path))
    for batch in reader.iter_batches(batch_size=250_000):
        frame = batch.to_pandas()
        parts.append(
            pd.DataFrame(
                {
                    "sex": frame["sex"],
                    "race": frame["race"],
                    "y": (frame["label"] == 1).astype(np.int8),
                    "pred": (model.predict(frame[WIDE_FEATURES]) == 1).astype(np.int8),
                    "score": model.predict_proba(frame[WIDE_FEATURES])[:, 1],
                }
            )
        )
    rows = pd.concat(parts, ignore_index=True)
    return {
        name: group_metrics(
            rows["y"].to_numpy(),
            rows["pred"].to_numpy(),
            sensitive_features=rows[cols],
            y_score=rows["score"].to_numpy(),
            n_boot=100,
            random_state=0,
            task="binary",
        )
        for name, cols in columns
    }


@pytest.mark.slow
def test_a_file_larger_than_the_memory_cap_is_audited_exactly(tmp_path) -> None:
    if not Path("/proc/self/status").exists():
        pytest.skip("peak memory is read from /proc (Linux)")
    big, small = tmp_path / "big.parquet", tmp_path / "small.parquet"
    big_bytes = write_parquet(big, BIG_ROWS, seed=1)
    small_bytes = write_parquet(small, SMALL_ROWS, seed=2)
    train = wide_rows(20_000, np.random.default_rng(0))
    model = LogisticRegression().fit(train[WIDE_FEATURES], train["label"])
    model_path = tmp_path / "model.pkl"
    model_path.write_bytes(pickle.dumps(model))
    out = tmp_path / "child.json"
    proc = subprocess.run(
        [sys.executable, str(CHILD), str(model_path), str(small), str(big), str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    result = json.loads(out.read_text())
    runs = result["runs"]
    assert runs["big"]["rows"] == BIG_ROWS and runs["small"]["rows"] == SMALL_ROWS
    assert 0 < runs["big"]["sampled"] <= 5_000
    assert result["scope"]["engine"] == "duckdb" and result["scope"]["auc"] == "exact"

    # exactness: every row counted, the same numbers as in memory
    got = pd.read_pickle(str(out) + ".pkl")
    want = _reference(
        model,
        big,
        [("gm", ["sex", "race"]), ("marginal_sex", ["sex"]), ("marginal_race", ["race"])],
    )
    for name, gm in want.items():
        tables = got[name]
        counts, expected = tables["counts"], gm.counts.table
        assert list(counts.index) == list(expected.index), name
        for col in expected.columns:
            values = expected[col].to_numpy(dtype=np.float64)
            if col != "auc_u" and np.array_equal(values, np.round(values)):  # counts: exact
                np.testing.assert_array_equal(counts[col], values, err_msg=f"{name}.{col}")
            else:  # the AUC's Mann-Whitney sum
                np.testing.assert_allclose(counts[col], values, rtol=1e-9, err_msg=col)
        assert int(tables["by_group"]["count"].sum()) == BIG_ROWS
        for part in ("by_group", "ci_low", "ci_high"):
            pd.testing.assert_frame_equal(
                tables[part], getattr(gm, part), rtol=1e-9, atol=1e-12, obj=f"{name}.{part}"
            )
        pd.testing.assert_frame_equal(tables["verdicts"], gm.verdicts)

    # memory: the peak does not grow with the rows
    if not runs["small"]["reset"]:
        pytest.skip("/proc/self/clear_refs is not writable here: no per-audit peak")
    growth = runs["big"]["peak_mb"] - runs["small"]["peak_mb"]
    more_data_mb = (big_bytes - small_bytes) / 2**20
    assert big_bytes / 2**20 > 3 * CAP_MB and more_data_mb > 2.5 * CAP_MB
    assert growth < CAP_MB, (
        f"the {BIG_ROWS:,}-row audit peaked at {runs['big']['peak_mb']} MB, {growth} MB above "
        f"the {SMALL_ROWS:,}-row audit ({runs['small']['peak_mb']} MB) for {more_data_mb:.0f} "
        "MB more data"
    )
