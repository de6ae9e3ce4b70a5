"""The command line on bad input: exit code 2 and one paragraph, a traceback only with --debug.

Row ids match the matrix in ``tests/README.md``. Most cases call ``main()`` in
the test process (fast); the end-to-end ``python -m audit`` cases run a
subprocess.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import joblib
import pytest
from hard_support import Small
from sklearn.linear_model import LogisticRegression

from audit import cli as cli_mod
from audit.cli import EXIT_OK, EXIT_USAGE, main


class ExplodingClassifier(LogisticRegression):
    """A fitted model whose predict raises something no layer expects (a bug)."""

    def predict(self, X):  # type: ignore[no-untyped-def]
        raise RuntimeError("boom in predict")


@pytest.fixture(scope="module")
def files(small: Small, tmp_path_factory: pytest.TempPathFactory) -> Path:
    import skops.io as sio

    folder = tmp_path_factory.mktemp("cli_bad")
    sio.dump(small.model, folder / "model.skops")
    frame = small.X.assign(y=small.y)
    frame.to_csv(folder / "data.csv", index=False)
    (folder / "truncated.skops").write_bytes((folder / "model.skops").read_bytes()[:300])
    (folder / "binary.csv").write_bytes(bytes(range(256)) * 8)
    (folder / "empty.csv").write_bytes(b"")
    (folder / "header.csv").write_text("a,b,sex,y\n")
    (folder / "data.xlsx").write_bytes(b"PK\x03\x04" + bytes(64))
    (folder / "bom_semicolon.csv").write_bytes(
        "\ufeff".encode() + frame.to_csv(sep=";", index=False).encode()
    )
    (folder / "a_folder").mkdir()
    exploding = ExplodingClassifier().fit(small.X[["a", "b"]], small.y)
    joblib.dump(exploding, folder / "exploding.joblib")
    return folder


def _run(files: Path, tmp_path: Path, *changes: str) -> list[str]:
    args = {
        "--model": str(files / "model.skops"),
        "--data": str(files / "data.csv"),
        "--target": "y",
        "--sensitive": "sex",
        "--out": str(tmp_path / "out"),
    }
    extra = []
    pairs = list(changes)
    while pairs:
        flag = pairs.pop(0)
        if flag in args:
            args[flag] = pairs.pop(0)
        else:
            extra.append(flag)
    return ["run", *[x for kv in args.items() for x in kv], *extra]


def _error(capsys: pytest.CaptureFixture[str], code: int) -> str:
    """The stderr of a call that must exit 2 with one paragraph and no traceback."""
    err = capsys.readouterr().err
    assert code == EXIT_USAGE, err
    assert "Traceback" not in err
    assert err.strip() and "\n\n" not in err.strip()  # one paragraph
    return err


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (("--data", "{files}/data.xlsx"), "is a spreadsheet; model-audit reads .csv"),
        (("--data", "{files}/binary.csv"), "it is not UTF-8 text (byte 0x80 at position 128)"),
        (("--data", "{files}/empty.csv"), "Could not read {files}/empty.csv as .csv"),
        (("--data", "{files}/header.csv"), "has a header but no data rows"),
        (("--data", "{files}/a_folder"), "{files}/a_folder is a folder, not a data file"),
        (("--data", "{files}/nope.csv"), "Data file not found: {files}/nope.csv"),
        (("--model", "{files}/a_folder"), "{files}/a_folder is a folder, not a model file"),
        (("--model", "{files}/truncated.skops"), "is not a valid skops file"),
        (("--model", "{files}/data.csv"), "Unsupported model file type '.csv'"),
        (("--target", "label"), "Unknown column 'label' in X (target)"),
        (("--sensitive", " , "), cli_mod._NO_SENSITIVE.format(value=" , ")),
        (("--sensitive", "sex,sex"), "sensitive_features names ['sex'] more than once"),
        (("--sensitive", "y"), "'y' is the target column"),
        (("--config", "{files}/nope.toml"), "Config file not found: {files}/nope.toml"),
        (("--out", "{files}/data.csv"), "it exists and is not a folder"),
        (("--fail-on", "selection_rate >= 0.8"), "Cannot parse rule"),
    ],
    ids=[
        "CL01-xlsx",
        "CL02-binary-file-as-csv",
        "CL03-empty-csv",
        "CL04-header-only-csv",
        "CL05-folder-as-data",
        "CL06-missing-data-file",
        "CL07-folder-as-model",
        "CL08-truncated-model",
        "CL09-data-file-as-model",
        "CL10-missing-target-column",
        "CL11-empty-sensitive",
        "CL12-duplicate-sensitive",
        "CL13-target-as-sensitive",
        "CL14-missing-config",
        "CL15-out-is-a-file",
        "CL16-bad-rule",
    ],
)
def test_run_bad_input_exits_2_with_one_paragraph(
    files: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    changes: tuple[str, ...],
    message: str,
) -> None:
    argv = _run(files, tmp_path, *(c.format(files=files) for c in changes))
    err = _error(capsys, main(argv))
    assert message.format(files=files) in err
    assert not (tmp_path / "out").exists()  # nothing written on a usage or data error


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run", "--model", "m.skops"], "the following arguments are required"),
        (["run", "--n-boot", "-3"], "argument --n-boot: must be an int >= 0; got '-3'"),
        (["demo", "--seed", "abc"], "argument --seed: must be an int >= 0; got 'abc'"),
        (["check", "x.json", "--tolerance", "-0.1"], "argument --tolerance: must be a number"),
        (["bogus"], "invalid choice: 'bogus'"),
    ],
    ids=[
        "CL17-missing-arguments",
        "CL18-negative-n-boot",
        "CL19-seed-not-a-number",
        "CL20-negative-tolerance",
        "CL21-unknown-command",
    ],
)
def test_argument_errors_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    with pytest.raises(SystemExit) as info:
        main(argv)
    err = capsys.readouterr().err
    assert info.value.code == EXIT_USAGE
    assert message in err and "Traceback" not in err


def test_CL22_no_command_prints_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == EXIT_USAGE
    assert "usage: model-audit" in capsys.readouterr().out


def test_CL23_csv_with_bom_semicolons_and_a_misspelt_target(
    files: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = _run(files, tmp_path, "--data", str(files / "bom_semicolon.csv"), "--target", "Y")
    err = _error(capsys, main(argv))
    assert "Unknown column 'Y' in X (target). Did you mean 'y'?" in err
    assert "Available columns: 'a', 'b', 'sex', 'y'" in err  # the BOM is not part of 'a'
    assert "\ufeff" not in err


def test_CL24_output_folder_on_a_read_only_file_system(
    files: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = Path("/proc/self/model-audit-out")
    if target.parent.is_dir():
        try:
            target.mkdir()
        except OSError:
            pass
        else:  # pragma: no cover - a writable /proc
            target.rmdir()
            pytest.skip("/proc is writable here")
    err = _error(capsys, main(_run(files, tmp_path, "--out", str(target))))
    assert f"Cannot create the output folder {target}" in err


def test_CL25_demo_output_folder_that_cannot_be_made(capsys: pytest.CaptureFixture[str]) -> None:
    err = _error(capsys, main(["demo", "--no-torch", "--out", "/proc/self/demo-out"]))
    assert "Cannot create the output folder /proc/self/demo-out" in err


def test_CL26_check_on_a_folder_and_a_missing_record(
    files: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err = _error(capsys, main(["check", str(files / "a_folder"), "--fail-on", "info"]))
    assert "is not an audit record (JSON)" in err
    err = _error(capsys, main(["check", str(files / "nope.json"), "--fail-on", "info"]))
    assert f"Audit record not found: {files / 'nope.json'}" in err


def test_CL27_rerun_into_the_same_folder_replaces_the_reports(
    files: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = _run(files, tmp_path, "--n-boot", "0")
    assert main(argv) == EXIT_OK
    first = (tmp_path / "out" / "model.json").read_text()
    assert main(argv) == EXIT_OK, capsys.readouterr().err
    assert (tmp_path / "out" / "model.json").read_text() == first


def test_CL28_an_unexpected_error_is_one_paragraph_and_debug_shows_the_traceback(
    files: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = _run(files, tmp_path, "--model", str(files / "exploding.joblib"), "--trusted")
    err = _error(capsys, main(argv))
    assert "internal error: RuntimeError: boom in predict" in err
    assert "--debug" in err
    assert main(["--debug", *argv]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and "boom in predict" in err


def test_CL29_debug_after_the_command_end_to_end(
    files: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = _run(files, tmp_path, "--model", str(files / "truncated.skops"))
    err = _error(capsys, main(argv))
    assert "not a valid skops file" in err
    loud = subprocess.run(
        [sys.executable, "-m", "audit", *argv, "--debug"], capture_output=True, text=True
    )
    assert loud.returncode == EXIT_USAGE
    assert "Traceback (most recent call last)" in loud.stderr
    assert "ModelFileError" in loud.stderr
