"""A fairness audit's extra memory stays within 2x its input (the 5M-row figure is a benchmark).

``benchmarks/bench_memory.py`` measures 5,000,000 rows, peak RSS included. This
test guards the same bound on 200,000 rows with ``tracemalloc``, which counts
allocations (not time, not other processes), so it is deterministic.
"""

from __future__ import annotations

import gc
import importlib.util
import tracemalloc
from pathlib import Path

import audit
from audit.fairness import group_metrics

_BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_memory.py"
_SPEC = importlib.util.spec_from_file_location("bench_memory", _BENCH)
assert _SPEC is not None and _SPEC.loader is not None
bench = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(bench)  # the benchmark's own data and model

ROWS = 200_000
LIMIT = 2.0


def _peak(call) -> float:  # type: ignore[no-untyped-def]
    gc.collect()
    tracemalloc.start()
    try:
        call()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_fairness_audit_peak_memory_within_twice_the_input() -> None:
    model = bench.fit_model()
    warm = bench.make_frame(1_000, seed=2)
    audit.audit_model(model, warm, "y", sensitive_features=bench.SENSITIVE, analyzers=["fairness"])
    frame = bench.make_frame(ROWS)
    size = float(frame.memory_usage(deep=True).sum())

    def run_audit() -> None:
        audit.audit_model(
            model, frame, "y", sensitive_features=bench.SENSITIVE, analyzers=["fairness"]
        )

    assert _peak(run_audit) <= LIMIT * size
    y_pred = model.predict(frame[["x0", "x1", "x2"]])

    def run_group_metrics() -> None:
        group_metrics(frame["y"], y_pred, sensitive_features=frame[bench.SENSITIVE])

    assert _peak(run_group_metrics) <= 1.0 * size
