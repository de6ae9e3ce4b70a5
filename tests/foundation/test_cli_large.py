"""``model-audit run`` out of core: a large Parquet file is never read into memory whole.

``--out-of-core``, or automatically a Parquet file with more rows than
``--max-rows-in-memory`` (its row count read from the file's metadata), runs
:func:`audit.audit_large`: batches scored and counted by DuckDB, the other
analyses on a stratified sample. The outputs, gates and exit codes are those
of an in-memory run, and the fairness counts are the same numbers.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

import audit._tabular
from audit.cli import EXIT_GATE_FAILED, EXIT_OK, EXIT_USAGE, MAX_ROWS_IN_MEMORY, main

pytest.importorskip("duckdb")

N = 30_000
FEATURES = ["x0", "x1", "x2"]


def _rows(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(rng.normal(size=(n, len(FEATURES))), columns=FEATURES)
    frame["sex"] = np.where(rng.random(n) < 0.4, "f", "m")
    frame["race"] = np.array(["a", "b", "c"])[rng.choice(3, n, p=[0.7, 0.25, 0.05])]
    signal = frame["x0"] - 0.5 * frame["x1"] + 0.8 * (frame["sex"] == "m")
    frame["label"] = (signal + rng.normal(size=n) > 0.3).astype(np.int64)
    return frame


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    import skops.io as sio

    folder = tmp_path_factory.mktemp("cli_large")
    rows = _rows(N)
    model = LogisticRegression().fit(rows[FEATURES], rows["label"])
    sio.dump(model, folder / "model.skops")
    rows.to_parquet(folder / "big.parquet", row_group_size=5_000)
    rows.head(2_000).to_csv(folder / "small.csv", index=False)
    return folder


def _argv(files, out, *extra: str, data: str = "big.parquet") -> list[str]:
    return [
        "run",
        "--model",
        str(files / "model.skops"),
        "--data",
        str(files / data),
        "--target",
        "label",
        "--sensitive",
        "sex,race",
        "--out",
        str(out),
        "--n-boot",
        "50",
        "--batch-rows",
        "4000",
        "--sample-rows",
        "5000",
        *extra,
    ]


class _NoFullRead:
    """Stands in for ``read_table``: the out-of-core path must never call it."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, *args, **kwargs):
        self.calls += 1
        raise AssertionError("the out-of-core run read the whole table with pandas")


@pytest.fixture
def no_full_read(monkeypatch):
    guard = _NoFullRead()
    monkeypatch.setattr(audit._tabular, "read_table", guard)
    monkeypatch.setattr(pd, "read_parquet", guard)
    return guard


def _fairness_numbers(record: dict, part: str = "metrics") -> pd.DataFrame:
    """One row per group of the record's fairness result: its metrics (or denominators)."""
    groups = record["analyzers"]["fairness"]["result"]["groups"]
    return pd.DataFrame([g[part] for g in groups], index=[g["label"] for g in groups])


@pytest.fixture(scope="module")
def in_memory(files, tmp_path_factory):
    out = tmp_path_factory.mktemp("in_memory")
    code = main(_argv(files, out, "--fail-on", "none"))
    record = json.loads((out / "model.json").read_text())
    assert "data_scope" not in record["data"]  # under the limit: the usual in-memory run
    return code, record


def _check_outputs(out, record: dict) -> None:
    html = (out / "model.html").read_text()
    assert html.startswith("<!DOCTYPE html>")
    scope = record["data"]["data_scope"]
    assert scope["rows_total"] == N and record["data"]["n_rows"] == N
    assert scope["rows_sampled"] <= 5_000 and scope["engine"] == "duckdb"
    assert scope["batch_rows"] == 4_000 and scope["batches"] >= N // 4_000
    assert scope["summary"] in html.replace("&#215;", "×")


def test_out_of_core_flag(files, tmp_path, in_memory, no_full_read, capsys):
    code = main(_argv(files, tmp_path, "--out-of-core", "--fail-on", "none"))
    assert code == in_memory[0] == EXIT_OK
    record = json.loads((tmp_path / "model.json").read_text())
    _check_outputs(tmp_path, record)
    printed = capsys.readouterr().out
    assert "out of core (--out-of-core)" in printed
    assert f"data scope: {record['data']['data_scope']['summary']}" in printed
    assert no_full_read.calls == 0


def test_fairness_counts_equal_the_in_memory_run(files, tmp_path, in_memory, no_full_read):
    assert main(_argv(files, tmp_path, "--out-of-core", "--fail-on", "none")) == EXIT_OK
    record = json.loads((tmp_path / "model.json").read_text())
    got, want = _fairness_numbers(record), _fairness_numbers(in_memory[1])
    assert list(got.index) == list(want.index) and len(got) == 6
    np.testing.assert_array_equal(got["count"].to_numpy(), want["count"].to_numpy())
    assert int(got["count"].sum()) == N
    pd.testing.assert_frame_equal(got, want, rtol=1e-9, atol=1e-12)
    pd.testing.assert_frame_equal(
        _fairness_numbers(record, "denominators"), _fairness_numbers(in_memory[1], "denominators")
    )
    assert _fairness_numbers(record, "verdicts").equals(_fairness_numbers(in_memory[1], "verdicts"))
    facts = record["facts"]
    for path, fact in in_memory[1]["facts"].items():
        if path.startswith(("selection_rate.", "tpr.", "fpr.")):
            assert facts[path]["value"] == pytest.approx(fact["value"], rel=1e-9, abs=1e-12)


def test_automatic_switch_over_max_rows_in_memory(files, tmp_path, no_full_read, capsys):
    code = main(_argv(files, tmp_path, "--max-rows-in-memory", "10000"))
    # the default gate applies as in a normal run: exit 0 or 1 by the findings
    assert code in (EXIT_OK, EXIT_GATE_FAILED)
    record = json.loads((tmp_path / "model.json").read_text())
    _check_outputs(tmp_path, record)
    failed = record["counts"]["critical"] > 0
    assert code == (EXIT_GATE_FAILED if failed else EXIT_OK)
    printed = capsys.readouterr().out
    assert f"big.parquet has {N:,} rows, more than --max-rows-in-memory 10,000" in printed
    assert no_full_read.calls == 0


def test_under_the_limit_reads_into_memory(files, tmp_path, in_memory):
    assert MAX_ROWS_IN_MEMORY == 2_000_000 and in_memory[0] == EXIT_OK
    assert in_memory[1]["data"]["n_rows"] == N


def test_gate_and_outputs_as_a_normal_run(files, tmp_path, no_full_read):
    md = tmp_path / "summary.md"
    code = main(
        _argv(
            files,
            tmp_path,
            "--out-of-core",
            "--fail-on",
            "info",
            "--markdown",
            str(md),
            "--model-card",
        )
    )
    record = json.loads((tmp_path / "model.json").read_text())
    has_findings = bool(record["findings"])
    assert code == (EXIT_GATE_FAILED if has_findings else EXIT_OK)
    assert (tmp_path / "model.model-card.md").read_text().strip()
    assert md.read_text().startswith("<!-- model-audit -->")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--target", "lable"], "Unknown column 'lable'"),
        (["--sensitive", "sex,rase"], "Did you mean 'race'"),
    ],
)
def test_unknown_column_read_from_the_schema_exits_2(
    files, tmp_path, no_full_read, capsys, extra, message
):
    argv = _argv(files, tmp_path, "--max-rows-in-memory", "10000")
    for flag, value in zip(extra[::2], extra[1::2], strict=True):
        argv[argv.index(flag) + 1] = value
    assert main(argv) == EXIT_USAGE
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert "'x0'" in err  # every column of the schema is listed
    assert not (tmp_path / "model.json").exists()
    assert no_full_read.calls == 0


def test_csv_out_of_core_checks_the_header(files, tmp_path, no_full_read, capsys):
    argv = _argv(files, tmp_path, "--out-of-core", data="small.csv")
    argv[argv.index("--target") + 1] = "nope"
    assert main(argv) == EXIT_USAGE
    assert "Unknown column 'nope'" in capsys.readouterr().err
    argv[argv.index("--target") + 1] = "label"
    assert main([*argv, "--fail-on", "none"]) == EXIT_OK
    scope = json.loads((tmp_path / "model.json").read_text())["data"]["data_scope"]
    assert scope["rows_total"] == 2_000
    assert no_full_read.calls == 0


def test_broken_parquet_exits_2(files, tmp_path, capsys):
    bad = tmp_path / "broken.parquet"
    bad.write_bytes(b"this is not parquet")
    argv = _argv(files, tmp_path / "out", "--max-rows-in-memory", "10")
    argv[argv.index("--data") + 1] = str(bad)
    assert main(argv) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "broken.parquet" in err and "Traceback" not in err


@pytest.mark.parametrize("value", ["0", "-3", "x"])
def test_bad_batch_rows_is_a_usage_error(files, tmp_path, capsys, value):
    argv = _argv(files, tmp_path, "--out-of-core")
    argv[argv.index("--batch-rows") + 1] = value
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == EXIT_USAGE
    assert "--batch-rows" in capsys.readouterr().err


def test_without_duckdb_the_switch_is_a_usage_error(files, tmp_path, monkeypatch, capsys):
    import sys

    monkeypatch.setitem(sys.modules, "duckdb", None)  # `import duckdb` fails
    assert main(_argv(files, tmp_path, "--max-rows-in-memory", "10000")) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "needs DuckDB" in err and "model-audit[duckdb]" in err
    assert "raise --max-rows-in-memory" in err and "Traceback" not in err
    assert not (tmp_path / "model.json").exists()
