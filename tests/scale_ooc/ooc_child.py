"""Run by test_ooc_memory.py in a subprocess: audit_large on a small file, then a large one.

Usage: ``python ooc_child.py MODEL SMALL BIG OUT``. Before each audit the
process's peak resident set (``VmHWM``) is reset (``/proc/self/clear_refs``),
so each audit's own peak is measured; the results go to ``OUT`` (JSON) and the
large audit's group metrics to ``OUT.pkl``.
"""

from __future__ import annotations

import json
import pickle
import resource
import sys
import time

import pandas as pd

import audit


def _status(field: str) -> int:
    """A /proc/self/status size in MiB."""
    with open("/proc/self/status") as fh:
        return int(fh.read().split(field + ":")[1].split()[0]) // 1024


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        return False
    return True


def main(model_path: str, small: str, big: str, out: str) -> None:
    with open(model_path, "rb") as fh:
        model = pickle.load(fh)  # the test's own model file
    runs = {}
    report = None
    for label, path in (("small", small), ("big", big)):
        reset = _reset_peak()
        before = _status("VmRSS")
        start = time.perf_counter()
        report = audit.audit_large(
            model,
            path,
            target="label",
            sensitive_features=["sex", "race"],
            analyzers=["fairness", "weights"],
            batch_rows=100_000,
            sample_rows=5_000,
            memory_limit="128MB",
            n_boot=100,
        )
        runs[label] = {
            "reset": reset,
            "before_mb": before,
            "peak_mb": _status("VmHWM"),
            "seconds": time.perf_counter() - start,
            "rows": report.data["n_rows"],
            "sampled": report.data["data_scope"]["rows_sampled"],
        }
    runs["ru_maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    gm = report.fairness
    marginals = report.outputs["fairness"].extras["marginals"]
    tables = {"gm": gm, **{f"marginal_{k}": v for k, v in marginals.items()}}
    pd.to_pickle(
        {
            name: {
                "by_group": t.by_group,
                "ci_low": t.ci_low,
                "ci_high": t.ci_high,
                "verdicts": t.verdicts,
                "counts": t.counts.table,
            }
            for name, t in tables.items()
        },
        out + ".pkl",
    )
    with open(out, "w") as fh:
        json.dump({"runs": runs, "scope": report.data["data_scope"]}, fh)


if __name__ == "__main__":
    main(*sys.argv[1:5])
