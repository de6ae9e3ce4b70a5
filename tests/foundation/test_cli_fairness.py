"""``model-audit fairness``: logged predictions, no model; run's report, JSON, gates, exit codes.

Exit 0: no gate failed; 1: a gate failed (critical findings by default, like
``run``); 2: a usage or data error, as one line ``model-audit: error: ...``,
never a traceback.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from audit.cli import EXIT_GATE_FAILED, EXIT_OK, EXIT_USAGE, main
from audit.fairness import group_metrics

N = 4000
NO_MODEL = "logged predictions, no model"


def _decisions(biased: bool, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    sex = rng.choice(["F", "M"], N)
    race = rng.choice(["a", "b", "c"], N)
    label = rng.integers(0, 2, N)
    rate = np.where(sex == "M", 0.6, 0.25) if biased else np.full(N, 0.4)
    score = np.clip(rate + rng.normal(0, 0.1, N), 0, 1)
    pred = (rng.random(N) < rate).astype(int)
    return pd.DataFrame(
        {
            "label": label,
            "pred": pred,
            "score": score,
            "w": rng.uniform(0.5, 2, N),
            "sex": sex,
            "race": race,
        }
    )


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("logged")
    biased, fair = _decisions(True), _decisions(False, seed=1)
    biased.to_parquet(folder / "biased.parquet")
    fair.to_parquet(folder / "fair.parquet")
    nan = biased.assign(label=biased["label"].astype(float).where(biased.index % 10 != 3))
    nan.to_parquet(folder / "nan_labels.parquet")
    (folder / "broken.parquet").write_bytes(b"this is not parquet")
    return {"folder": folder, "biased": biased, "fair": fair}


def _args(files, name: str, out, *extra: str) -> list[str]:
    return [
        "fairness",
        "--data",
        str(files["folder"] / name),
        "--y-true",
        "label",
        "--y-pred",
        "pred",
        "--sensitive",
        "sex,race",
        "--out",
        str(out),
        "--n-boot",
        "200",
        *extra,
    ]


def test_planted_disparity_fails_the_default_gate(files, tmp_path, capsys):
    code = main(_args(files, "biased.parquet", tmp_path))
    assert code == EXIT_GATE_FAILED
    out = capsys.readouterr().out
    assert "gate: default, fail on critical findings" in out and "gate failed" in out
    html = (tmp_path / "biased.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and NO_MODEL in html
    record = json.loads((tmp_path / "biased.json").read_text(encoding="utf-8"))
    assert record["generator"] == "model-audit"
    assert record["model"]["class"] == NO_MODEL and record["model"]["name"] == "biased"
    assert record["verdict"] == "critical" and record["counts"]["critical"] > 0
    assert record["data"]["n_rows"] == N


def test_fail_on_none_and_a_fair_file_exit_0(files, tmp_path, capsys):
    assert main(_args(files, "biased.parquet", tmp_path, "--fail-on", "none")) == EXIT_OK
    assert "gate: none" in capsys.readouterr().out
    assert main(_args(files, "fair.parquet", tmp_path)) == EXIT_OK
    assert "gate passed" in capsys.readouterr().out
    assert (tmp_path / "fair.html").exists() and (tmp_path / "fair.json").exists()


def test_json_numbers_equal_group_metrics(files, tmp_path):
    code = main(_args(files, "biased.parquet", tmp_path, "--y-score", "score", "--weight", "w"))
    assert code == EXIT_GATE_FAILED
    record = json.loads((tmp_path / "biased.json").read_text(encoding="utf-8"))
    df = files["biased"]
    gm = group_metrics(
        df["label"],
        df["pred"],
        sensitive_features=df[["sex", "race"]],
        y_score=df["score"],
        sample_weight=df["w"],
        n_boot=200,
        random_state=0,
    )
    facts = gm.facts()
    for path in ("selection_rate.ratio", "selection_rate.difference", "tpr.difference", "auc.min"):
        assert record["facts"][path]["value"] == pytest.approx(facts[path].value, rel=1e-9)
    assert record["facts"]["selection_rate.ratio"]["ci"] == pytest.approx(
        list(facts["selection_rate.ratio"].ci), rel=1e-9
    )
    groups = record["analyzers"]["fairness"]["result"]["groups"]
    by_label = {g["label"]: g["metrics"] for g in groups}
    for label, row in zip(gm.group_labels(), gm.by_group.itertuples(index=False), strict=True):
        assert by_label[label]["selection_rate"] == pytest.approx(row.selection_rate, rel=1e-9)
        assert by_label[label]["count"] == row.count
    assert record["data"]["weighted"] is True


def test_gates_apply(files, tmp_path, capsys):
    # a rule replaces the default gate: the biased file passes a loose one ...
    assert main(_args(files, "biased.parquet", tmp_path, "--fail-on", "tpr.ratio >= 0.01")) == 0
    # ... and the fair file fails a rule it cannot meet
    strict = ("--fail-on", "selection_rate.ratio >= 0.999")
    assert main(_args(files, "fair.parquet", tmp_path, *strict)) == EXIT_GATE_FAILED
    assert "selection_rate.ratio" in capsys.readouterr().out
    # a severity gate, and the gate files
    md, junit = tmp_path / "summary.md", tmp_path / "gates.xml"
    extra = ("--fail-on", "info", "--markdown", str(md), "--junit-xml", str(junit))
    assert main(_args(files, "fair.parquet", tmp_path / "o", *extra)) in (0, 1)
    assert md.read_text(encoding="utf-8").startswith("<!-- model-audit -->")
    assert "model-audit" in junit.read_text(encoding="utf-8")


def test_policy_rules_from_config(files, tmp_path):
    config = tmp_path / "pyproject.toml"
    config.write_text(
        '[tool.model-audit]\nrules = ["selection_rate.ratio >= 0.999"]\n', encoding="utf-8"
    )
    args = _args(files, "fair.parquet", tmp_path, "--config", str(config))
    assert main(args) == EXIT_GATE_FAILED


def test_baseline_of_the_same_file_passes(files, tmp_path):
    first = tmp_path / "first"
    assert main(_args(files, "fair.parquet", first)) == EXIT_OK
    again = _args(
        files, "fair.parquet", tmp_path / "second", "--baseline", str(first / "fair.json")
    )
    assert main(again) == EXIT_OK
    other = _args(
        files, "biased.parquet", tmp_path / "third", "--baseline", str(first / "fair.json")
    )
    assert main(other) == EXIT_USAGE  # other data: refused unless --allow-other-baseline


def test_model_card_and_engines(files, tmp_path):
    records = {}
    for engine in ("duckdb", "polars", "pandas"):
        out = tmp_path / engine
        code = main(_args(files, "fair.parquet", out, "--engine", engine, "--model-card"))
        assert code == EXIT_OK
        assert NO_MODEL in (out / "fair.model-card.md").read_text(encoding="utf-8")
        records[engine] = json.loads((out / "fair.json").read_text(encoding="utf-8"))
        assert records[engine]["data"]["predictions"]["opened_with"] == engine
    facts = [r["facts"]["selection_rate.ratio"]["value"] for r in records.values()]
    assert facts == pytest.approx([facts[0]] * 3, rel=1e-12)
    assert len({r["data"]["data_hash"] for r in records.values()}) == 1


def test_pos_label_and_name(files, tmp_path):
    code = main(_args(files, "fair.parquet", tmp_path, "--pos-label", "0", "--name", "loans v2"))
    assert code == EXIT_OK
    record = json.loads((tmp_path / "fair.json").read_text(encoding="utf-8"))
    assert record["model"]["name"] == "loans v2" and record["model"]["pos_label"] == 0


def _one_line_error(capsys) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("model-audit: error: "), err
    return lines[0]


@pytest.mark.parametrize(
    ("name", "extra", "message"),
    [
        ("biased.parquet", ("--y-true", "labl"), "Unknown column 'labl'"),
        ("biased.parquet", ("--sensitive", "sex,ethnicity"), "Unknown column 'ethnicity'"),
        ("biased.parquet", ("--weight", "weight"), "Unknown column 'weight'"),
        ("nan_labels.parquet", (), "missing value"),
        ("nan_labels.parquet", ("--engine", "pandas"), "missing value"),
        ("absent.parquet", (), "Data file not found"),
        ("broken.parquet", (), "Could not read"),
        ("biased.parquet", ("--pos-label", "7"), "pos_label"),
        ("biased.parquet", ("--fail-on", "bogus.ratio >= 1"), "Unknown metric"),
        ("biased.parquet", ("--sensitive", ","), "--sensitive needs at least one column"),
    ],
)
def test_data_and_usage_errors_exit_2(files, tmp_path, capsys, name, extra, message):
    code = main(_args(files, name, tmp_path / "out", *extra))
    assert code == EXIT_USAGE
    assert message in _one_line_error(capsys)
    assert not (tmp_path / "out").exists()  # nothing written


def test_unknown_engine_is_a_usage_error(files, tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(_args(files, "biased.parquet", tmp_path, "--engine", "spark-sql"))
    assert exc.value.code == EXIT_USAGE
    err = capsys.readouterr().err
    assert "invalid choice: 'spark-sql'" in err and "Traceback" not in err


def test_exit_codes_of_the_command(files, tmp_path):
    """The installed command, as CI runs it: real exit codes, no traceback."""
    base = [sys.executable, "-m", "audit"]
    done = subprocess.run(
        [*base, *_args(files, "nan_labels.parquet", tmp_path)], capture_output=True, text=True
    )
    assert done.returncode == EXIT_USAGE
    assert done.stderr.startswith("model-audit: error: ") and "Traceback" not in done.stderr
    done = subprocess.run(
        [*base, *_args(files, "biased.parquet", tmp_path)], capture_output=True, text=True
    )
    assert done.returncode == EXIT_GATE_FAILED, done.stderr
