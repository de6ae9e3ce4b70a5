"""Bad paths and files: ``load_model`` and the report writers (``to_html`` / ``to_json``).

Row ids match the matrix in ``tests/README.md``. Malicious files are in
``test_hard_safe_loading.py``.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from hard_support import Small, raises_typed

import audit
from audit import loading as loading_mod
from audit.errors import (
    InvalidParameterError,
    ModelFileError,
    ReportWriteError,
)


@pytest.fixture(scope="module")
def report(small: Small) -> audit.AuditReport:
    return audit.audit_model(
        small.model, small.X, small.y, sensitive_features="sex", analyzers=["fairness"]
    )


@pytest.fixture(scope="module")
def skops_file(small: Small, tmp_path_factory: pytest.TempPathFactory) -> Path:
    import skops.io as sio

    path = tmp_path_factory.mktemp("models") / "model.skops"
    sio.dump(small.model, path)
    return path


# ------------------------------------------------------------------ load_model
def test_LM01_a_folder_as_model(tmp_path: Path) -> None:
    folder = tmp_path / "model.skops"
    folder.mkdir()
    raises_typed(lambda: audit.load_model(folder), ModelFileError, OSError, f"{folder} is a folder")


def test_LM02_path_of_the_wrong_type() -> None:
    raises_typed(
        lambda: audit.load_model(None),  # type: ignore[arg-type]
        InvalidParameterError,
        TypeError,
        loading_mod._BAD_PATH.format(kind="NoneType"),
    )


def test_LM03_trusted_of_the_wrong_type(skops_file: Path) -> None:
    raises_typed(
        lambda: audit.load_model(skops_file, trusted="yes"),  # type: ignore[arg-type]
        InvalidParameterError,
        ValueError,
        loading_mod._BAD_TRUSTED.format(value="yes"),
    )


@pytest.mark.parametrize("suffix", [".pt", ".safetensors"])
def test_LM04_skops_file_with_a_torch_extension(
    skops_file: Path, tmp_path: Path, suffix: str
) -> None:
    pytest.importorskip("torch")
    import torch

    wrong = tmp_path / f"model{suffix}"
    shutil.copy(skops_file, wrong)
    kind = "torch" if suffix == ".pt" else "safetensors"
    raises_typed(
        lambda: audit.load_model(wrong, module=torch.nn.Linear(2, 1)),
        ModelFileError,
        OSError,
        f"{wrong} is not a valid {kind} file",
        "not what its name claims",
    )


def test_LM05_empty_pickle_even_when_trusted(tmp_path: Path) -> None:
    empty = tmp_path / "empty.joblib"
    empty.write_bytes(b"")
    exc = raises_typed(
        lambda: audit.load_model(empty, trusted=True),
        ModelFileError,
        OSError,
        f"{empty} is not a valid pickle file",
    )
    assert "file ()" not in str(exc)  # the reason is never empty


def test_LM06_skops_file_holding_a_non_model(small: Small, tmp_path: Path) -> None:
    import skops.io as sio

    from audit.errors import UnsupportedModelError

    path = tmp_path / "dict.skops"
    sio.dump({"coef": [1.0, 2.0]}, path)
    loaded = audit.load_model(path)
    raises_typed(
        lambda: audit.audit_model(loaded, small.X, small.y),
        UnsupportedModelError,
        TypeError,
        "Unsupported model of type builtins.dict",
    )


# -------------------------------------------------------------- report writers
def test_RW01_folder_does_not_exist(report: audit.AuditReport, tmp_path: Path) -> None:
    target = tmp_path / "missing" / "report.html"
    raises_typed(
        lambda: report.to_html(target),
        ReportWriteError,
        OSError,
        f"the folder {target.parent} does not exist",
    )
    assert not target.parent.exists()  # not created behind the user's back


def _read_only_folder() -> Path | None:
    """A folder on a read-only file system (root ignores chmod, so use /proc or /sys)."""
    for candidate in (Path("/proc/self"), Path("/sys/kernel"), Path("/sys")):
        if candidate.is_dir() and not os.access(candidate, os.W_OK):
            return candidate
        if candidate.is_dir():
            probe = candidate / ".model-audit-probe"
            try:
                probe.write_text("x")
            except OSError:
                return candidate
            probe.unlink()
    return None


@pytest.mark.parametrize("writer", ["to_html", "to_json"])
def test_RW02_read_only_file_system(report: audit.AuditReport, writer: str) -> None:
    folder = _read_only_folder()
    if folder is None:
        pytest.skip("no read-only file system found on this machine")
    target = folder / f"report.{writer[3:]}"
    raises_typed(
        lambda: getattr(report, writer)(target), ReportWriteError, OSError, f"Cannot write {target}"
    )


def test_RW03_existing_file_that_is_not_a_report(report: audit.AuditReport, tmp_path: Path) -> None:
    target = tmp_path / "notes.html"
    target.write_text("my notes")
    raises_typed(
        lambda: report.to_html(target),
        ReportWriteError,
        OSError,
        f"Refusing to overwrite {target}",
        "not a report written by model-audit",
    )
    assert target.read_text() == "my notes"
    report.to_html(target, overwrite=True)  # the explicit way to replace it
    assert target.read_text().startswith("<!DOCTYPE html>")


def test_RW04_an_earlier_report_is_replaced(report: audit.AuditReport, tmp_path: Path) -> None:
    for name, writer in (("r.json", report.to_json), ("r.html", report.to_html)):
        target = tmp_path / name
        first = writer(target)
        second = writer(target)  # the same path again: ours, so it is replaced
        assert first == second == target.read_text()
    assert json.loads((tmp_path / "r.json").read_text())["generator"] == "model-audit"


def test_RW05_path_is_a_folder(report: audit.AuditReport, tmp_path: Path) -> None:
    raises_typed(lambda: report.to_json(tmp_path), ReportWriteError, OSError, "it is a folder")


def test_RW06_path_of_the_wrong_type(report: audit.AuditReport) -> None:
    raises_typed(lambda: report.to_json(3), ReportWriteError, OSError, "3")  # type: ignore[arg-type]
