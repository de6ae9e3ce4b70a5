"""The same seed gives byte-identical JSON, across processes, with every analyzer and bootstrap on.

``tests/report/test_report_json_determinism.py`` covers the fairness record; this
test covers all five analyzers (fairness with bootstrap intervals, weights,
importance, attributions, proxies). The two processes get different
``PYTHONHASHSEED`` values, so nothing may depend on the order of a set or dict
of strings.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from hard_models import full_audit

from audit.analyzers import ANALYZERS

SCRIPT = """
import sys
sys.path.insert(0, {folder!r})
from hard_models import full_audit
sys.stdout.write(full_audit(seed={seed}).to_json())
"""
HERE = str(Path(__file__).resolve().parent)


def _in_process(seed: int, hash_seed: str) -> str:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(folder=HERE, seed=seed)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    return done.stdout


def test_every_analyzer_same_bytes_in_two_processes() -> None:
    first = _in_process(7, "1")
    second = _in_process(7, "2")
    assert first == second
    record = json.loads(first)
    statuses = {name: record["analyzers"][name]["status"] for name in ANALYZERS}
    assert set(statuses.values()) == {"ran"}, statuses  # every analyzer is in the bytes compared
    assert record["analyzers"]["fairness"]["result"]["settings"]["n_boot"] == 50
    assert "overall_ci" in record["analyzers"]["fairness"]["result"]
    assert first == full_audit(seed=7).to_json()  # and the same as in this process


def test_another_audit_seed_changes_the_record() -> None:
    # guards the test above: on the same data the bytes do depend on the audit's seed
    a = json.loads(full_audit(seed=7, n_boot=20, random_state=7).to_json())
    b = json.loads(full_audit(seed=7, n_boot=20, random_state=8).to_json())
    assert a["data"] == b["data"]
    assert a["analyzers"]["fairness"] != b["analyzers"]["fairness"]  # bootstrap intervals
