import json
import subprocess
import sys

from report_models import planted_disparity_report

SCRIPT = """
import sys
sys.path.insert(0, {folder!r})
from report_models import planted_disparity_report
sys.stdout.write(planted_disparity_report(n=1500, n_boot=100, seed=7).to_json())
"""


def test_same_seed_same_bytes_in_one_process():
    a = planted_disparity_report(n=1500, n_boot=100, seed=7).to_json()
    b = planted_disparity_report(n=1500, n_boot=100, seed=7).to_json()
    assert a == b
    record = json.loads(a)
    assert record["schema_version"] == "1.0"
    assert {"findings", "facts", "analyzers", "model", "data", "policy"} <= set(record)
    assert "created_at" not in a


def test_same_seed_same_bytes_across_processes(tmp_path):
    from pathlib import Path

    folder = str(Path(__file__).resolve().parent)
    outs = [
        subprocess.run(
            [sys.executable, "-c", SCRIPT.format(folder=folder)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for _ in range(2)
    ]
    assert outs[0] == outs[1]
    assert outs[0] == planted_disparity_report(n=1500, n_boot=100, seed=7).to_json()


def test_fairness_record_does_not_depend_on_other_analyzers():
    a = json.loads(planted_disparity_report(n=1500, n_boot=100, seed=7).to_json())
    b = planted_disparity_report(n=1500, n_boot=100, seed=7, analyzers=["fairness"])
    assert a["analyzers"]["fairness"] == json.loads(b.to_json())["analyzers"]["fairness"]
