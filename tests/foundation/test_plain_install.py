"""A plain ``pip install model-audit`` (no extras) runs the README's CI example.

The README's CI job reads a ``.parquet`` file and a ``.skops`` model, so pyarrow
and skops are core dependencies. A plain install is simulated in a subprocess
in which every package that only an extra brings (torch, polars, hypothesis,
...) cannot be imported. A reader that is still missing raises
:class:`audit.errors.OptionalDependencyError` saying what to install, which the
CLI reports as a usage error, never as "internal error ... This is a bug".
"""

from __future__ import annotations

import importlib.metadata
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from audit._tabular import read_table
from audit.cli import EXIT_GATE_FAILED, EXIT_OK, EXIT_USAGE, main
from audit.errors import AuditError, OptionalDependencyError

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def _name(requirement: str) -> str:
    match = _NAME.match(requirement.strip())
    assert match, requirement
    return re.sub(r"[-_.]+", "-", match.group(0)).lower()


def _project() -> dict:
    return tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]


def _with_dependencies(names: set[str]) -> set[str]:
    """``names`` and every distribution they require (installed ones, extras ignored)."""
    seen: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = importlib.metadata.requires(name) or []
        except importlib.metadata.PackageNotFoundError:
            continue
        todo += [_name(r) for r in requires if not re.search(r"extra\s*==", r)]
    return seen


def _extra_only_modules() -> list[str]:
    """Top-level modules of the packages only an extra installs."""
    project = _project()
    core = _with_dependencies({_name(r) for r in project["dependencies"]})
    extras = {_name(r) for reqs in project["optional-dependencies"].values() for r in reqs}
    return sorted(name.replace("-", "_") for name in extras - core)


def test_readers_of_the_readme_ci_example_are_core_dependencies():
    project = _project()
    core = {_name(r) for r in project["dependencies"]}
    assert {"pandas", "pyarrow", "skops"} <= core
    assert "pyarrow" not in _extra_only_modules()
    assert {"torch", "polars", "hypothesis"} <= set(_extra_only_modules())


@pytest.fixture(scope="module")
def ci_files(tmp_path_factory, biased):
    """The README's CI inputs: a ``.skops`` model and a ``.parquet`` holdout."""
    import skops.io as sio
    from sklearn.linear_model import LogisticRegression

    folder = tmp_path_factory.mktemp("plain")
    cols = ["proxy", "x0", "x1"]
    frame = biased.X.iloc[:400].assign(label=biased.y[:400])
    sio.dump(LogisticRegression().fit(frame[cols], frame["label"]), folder / "model.skops")
    frame.to_parquet(folder / "holdout.parquet", index=False)
    return folder


PLAIN_RUN = """
import sys
from importlib.machinery import PathFinder

BLOCKED = set({blocked!r})


class PlainInstall(PathFinder):
    # Finds nothing of a package only an extra installs: import fails, find_spec gives None.
    @classmethod
    def find_spec(cls, fullname, path=None, target=None):
        if fullname.partition(".")[0] in BLOCKED:
            return None
        return super().find_spec(fullname, path, target)


sys.meta_path = [PlainInstall if f is PathFinder else f for f in sys.meta_path]
from audit.cli import main

sys.exit(main(sys.argv[1:]))
"""


def test_cli_reads_parquet_without_any_extra(ci_files, tmp_path):
    blocked = _extra_only_modules()
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            PLAIN_RUN.format(blocked=blocked),
            "run",
            "--model",
            str(ci_files / "model.skops"),
            "--data",
            str(ci_files / "holdout.parquet"),
            "--target",
            "label",
            "--sensitive",
            "group",
            "--out",
            str(tmp_path / "audit"),
            "--n-boot",
            "50",
            "--fail-on",
            "none",  # about reading Parquet; run's default gate would fail on criticals
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    # read and audited: exit 0, or 1 when the audit's own gate fails; never 2 (an error)
    assert proc.returncode in (EXIT_OK, EXIT_GATE_FAILED), proc.stderr
    assert "error" not in proc.stderr, proc.stderr
    record = json.loads((tmp_path / "audit" / "model.json").read_text(encoding="utf-8"))
    assert record["data"]["n_rows"] == 400


@pytest.fixture
def no_pyarrow(monkeypatch: pytest.MonkeyPatch) -> None:
    """pyarrow (and fastparquet) cannot be imported, as on a broken install.

    Only for reading Parquet: pandas, imported with pyarrow present, would still
    try pyarrow elsewhere (e.g. for CSV strings), which a real install without
    pyarrow would not.
    """
    for name in ("pyarrow", "pyarrow.parquet", "fastparquet"):
        monkeypatch.setitem(sys.modules, name, None)


def test_parquet_without_pyarrow_names_what_to_install(ci_files, no_pyarrow):
    with pytest.raises(OptionalDependencyError) as info:
        read_table(ci_files / "holdout.parquet")
    message = str(info.value)
    assert "holdout.parquet needs pyarrow" in message
    assert "pip install 'pyarrow>=15'" in message
    assert isinstance(info.value, AuditError) and isinstance(info.value, ImportError)


def test_cli_parquet_without_pyarrow_is_a_usage_error_not_a_bug(
    ci_files, tmp_path, no_pyarrow, capsys
):
    code = main(
        [
            "run",
            "--model",
            str(ci_files / "model.skops"),
            "--data",
            str(ci_files / "holdout.parquet"),
            "--target",
            "label",
            "--sensitive",
            "group",
            "--out",
            str(tmp_path / "audit"),
        ]
    )
    err = capsys.readouterr().err
    assert code == EXIT_USAGE
    assert "model-audit: error: Reading" in err and "needs pyarrow" in err
    assert "internal error" not in err and "bug" not in err
    assert not (tmp_path / "audit").exists()
