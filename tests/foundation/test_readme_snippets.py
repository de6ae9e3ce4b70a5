"""Every ```python block of README.md runs as written, from an empty folder.

The blocks of one ``## `` section continue one another, as a reader pastes them
into one Python session: they run in order in one namespace (its ``### ``
subsections included). Sections are independent; each runs in its own empty
temporary folder, with network connections refused. A block whose first line
names a file (``# tests/test_fairness_gate.py``) is that file: it is written
there and run as the reader would, with pytest for a ``test_*.py`` file and
Python otherwise. Blocks that are not Python (bash, toml, yaml, text) are not
run; keep anything that is not meant to run out of ```python fences.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"
_FENCE = re.compile(r"^```([^\n`]*)\n(.*?)^```[ \t]*$", re.M | re.S)
_FILE_LINE = re.compile(r"#\s*([\w./-]+\.py)\s*$")


@dataclass(frozen=True)
class Snippet:
    """One ```python block: its section, first line number in README.md and code."""

    section: str
    line: int
    code: str

    @property
    def file(self) -> str | None:
        """The path the block names on its first line, if it is a file."""
        match = _FILE_LINE.fullmatch(self.code.split("\n", 1)[0].strip())
        return match.group(1) if match else None


def readme_snippets(text: str) -> dict[str, list[Snippet]]:
    """The ```python blocks of ``text``, by ``## `` section, in order."""
    headings = [(m.start(), m.group(1).strip()) for m in re.finditer(r"^## (.+)$", text, re.M)]
    sections: dict[str, list[Snippet]] = {}
    for fence in _FENCE.finditer(text):
        if fence.group(1).strip() != "python":
            continue
        before = [title for start, title in headings if start < fence.start()]
        section = before[-1] if before else "(before the first section)"
        line = text.count("\n", 0, fence.start(2)) + 1
        sections.setdefault(section, []).append(Snippet(section, line, fence.group(2)))
    return sections


TEXT = README.read_text(encoding="utf-8")
SECTIONS = readme_snippets(TEXT)


def _check_python_section(namespace: dict[str, Any], folder: Path) -> None:
    report = namespace["report"]
    assert report.fairness is not None and len(report.fairness.by_group) >= 2
    assert (folder / "adult.html").stat().st_size > 10_000
    assert json.loads((folder / "adult.json").read_text(encoding="utf-8"))["model"]
    assert len(namespace["gm"].by_group) >= 2
    assert {"original", "modified", "difference"} <= set(namespace["result"].table.columns)
    assert namespace["tracker"].to_frame()["epoch"].nunique() == 5
    assert len(namespace["token_weights"](namespace["text_model"], k=10)) >= 20


# What a section's blocks must have produced, beyond running without an error.
CHECKS: dict[str, Callable[[dict[str, Any], Path], None]] = {"Python": _check_python_section}


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Refuse network connections: the README's examples use bundled data only."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise OSError("README examples must not use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def _run_file(snippet: Snippet, folder: Path) -> None:
    """Write a file block where it says and run it as the reader would."""
    path = folder / snippet.file
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(snippet.code, encoding="utf-8")
    if path.name.startswith("test_"):
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", snippet.file]
    else:
        command = [sys.executable, snippet.file]
    proc = subprocess.run(
        command, cwd=folder, capture_output=True, text=True, timeout=300, check=False
    )
    where = f"README.md:{snippet.line} ({snippet.file})\n{proc.stdout}\n{proc.stderr}"
    if not path.name.startswith("test_"):
        assert proc.returncode == 0, where
        return
    # A test file runs when pytest collected it and its tests passed, or failed on a
    # gate's AssertionError (an example may show a failing gate); never an error.
    summary = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
    assert proc.returncode in (0, 1), where
    assert re.search(r"\d+ (passed|failed)", summary), where
    assert "error" not in summary, where
    if proc.returncode == 1:
        raised = re.findall(r"^E\s+(\w+(?:Error|Exception))\b", proc.stdout, re.M)
        assert raised and set(raised) == {"AssertionError"}, where


def test_every_python_block_is_found():
    found = sum(len(blocks) for blocks in SECTIONS.values())
    assert found == len(re.findall(r"^```python[ \t]*$", TEXT, re.M))
    assert {"Python", "Fairness gates in CI"} <= set(SECTIONS)
    assert len(SECTIONS["Python"]) >= 4


@pytest.mark.parametrize("section", list(SECTIONS))
def test_readme_section_runs_as_written(section, tmp_path, monkeypatch, offline):
    monkeypatch.chdir(tmp_path)
    assert not any(tmp_path.iterdir())
    namespace: dict[str, Any] = {"__name__": "__main__"}
    for snippet in SECTIONS[section]:
        if snippet.file:
            _run_file(snippet, tmp_path)
            continue
        # padded so that a traceback names the README's own line
        source = "\n" * (snippet.line - 1) + snippet.code
        exec(compile(source, str(README), "exec"), namespace)
    if section in CHECKS:
        CHECKS[section](namespace, tmp_path)
