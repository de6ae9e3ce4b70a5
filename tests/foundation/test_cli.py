import json
import pickle
import subprocess
import sys

import pytest
from sklearn.linear_model import LogisticRegression

from audit.cli import EXIT_GATE_FAILED, EXIT_OK, EXIT_USAGE, main


@pytest.fixture(scope="module")
def saved(tmp_path_factory, biased):
    import skops.io as sio

    folder = tmp_path_factory.mktemp("cli")
    cols = ["group_code", "proxy", "x0", "x1"]
    frame = biased.X.assign(group_code=(biased.X["group"] == "A").astype(int), y=biased.y)
    model = LogisticRegression().fit(frame[cols], frame["y"])
    sio.dump(model, folder / "model.skops")
    frame.to_csv(folder / "data.csv", index=False)
    return folder


def test_run_writes_report_and_json(saved, tmp_path, capsys):
    code = main(
        [
            "run",
            "--model",
            str(saved / "model.skops"),
            "--data",
            str(saved / "data.csv"),
            "--target",
            "y",
            "--sensitive",
            "group",
            "--out",
            str(tmp_path),
        ]
    )
    # the biased model has critical findings: run's default gate fails (was: exit 0)
    assert code == EXIT_GATE_FAILED
    assert (tmp_path / "model.html").read_text().startswith("<!DOCTYPE html>")
    record = json.loads((tmp_path / "model.json").read_text())
    assert record["schema_version"] == "1.0" and record["data"]["n_rows"] == 2000
    assert "report:" in capsys.readouterr().out


def test_run_gate_fails_with_exit_1(saved, tmp_path):
    code = main(
        [
            "run",
            "--model",
            str(saved / "model.skops"),
            "--data",
            str(saved / "data.csv"),
            "--target",
            "y",
            "--sensitive",
            "group",
            "--out",
            str(tmp_path),
            "--fail-on",
            "info",
        ]
    )
    assert code == EXIT_GATE_FAILED


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--target", "nope"], "Unknown column 'nope'"),
        (["--sensitive", "grp"], "Did you mean 'group'"),
        (["--fail-on", "bogus"], "Cannot parse rule 'bogus'"),
    ],
)
def test_usage_and_data_errors_exit_2(saved, tmp_path, capsys, args, message):
    base = {
        "--model": str(saved / "model.skops"),
        "--data": str(saved / "data.csv"),
        "--target": "y",
        "--sensitive": "group",
        "--out": str(tmp_path),
    }
    for flag, value in zip(args[::2], args[1::2], strict=True):
        base[flag] = value
    argv = ["run"] + [x for kv in base.items() for x in kv]
    assert main(argv) == EXIT_USAGE
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_pickle_refused_on_the_cli(saved, tmp_path, capsys):
    (tmp_path / "m.pkl").write_bytes(pickle.dumps({"a": 1}))  # random bytes: ModelFileError
    code = main(
        [
            "run",
            "--model",
            str(tmp_path / "m.pkl"),
            "--data",
            str(saved / "data.csv"),
            "--target",
            "y",
            "--sensitive",
            "group",
        ]
    )
    assert code == EXIT_USAGE
    assert "--trusted" in capsys.readouterr().err  # the CLI's words, not Python's trusted=True


def test_missing_required_argument_exits_2():
    out = subprocess.run(
        [sys.executable, "-m", "audit", "run", "--model", "x.skops"], capture_output=True, text=True
    )
    assert out.returncode == EXIT_USAGE and "required" in out.stderr


def test_csv_with_bom_and_semicolons(saved, tmp_path):
    import pandas as pd

    frame = pd.read_csv(saved / "data.csv")
    path = tmp_path / "semi.csv"
    path.write_bytes("\ufeff".encode() + frame.to_csv(sep=";", index=False).encode())
    code = main(
        [
            "run",
            "--model",
            str(saved / "model.skops"),
            "--data",
            str(path),
            "--target",
            "y",
            "--sensitive",
            "group",
            "--out",
            str(tmp_path),
            "--fail-on",
            "none",  # this test is about reading the file, not the default gate
        ]
    )
    assert code == EXIT_OK


def test_run_writes_the_model_card_with_the_report(saved, tmp_path):
    """--model-card writes <model>.model-card.md beside the report, from the same audit."""
    args = ["run", "--model", str(saved / "model.skops"), "--data", str(saved / "data.csv")]
    args += ["--target", "y", "--sensitive", "group", "--out", str(tmp_path), "--fail-on", "none"]
    assert main([*args, "--model-card"]) == 0
    card = (tmp_path / "model.model-card.md").read_text(encoding="utf-8")
    assert card.startswith("<!-- model-audit -->")
    assert "group" in card and "TO BE COMPLETED BY THE MODEL OWNER" in card
    record = json.loads((tmp_path / "model.json").read_text())
    assert record["model"]["name"] in card
    # a hand-written file of that name is never overwritten without --force
    (tmp_path / "model.model-card.md").write_text("# my own card\n", encoding="utf-8")
    assert main([*args, "--model-card"]) == 2
    assert (tmp_path / "model.model-card.md").read_text(encoding="utf-8") == "# my own card\n"
