"""``model-audit demo`` tells a log what it is doing, and its messages keep their text.

With stdout not a terminal (a pipe, a CI log) a rich live display prints nothing
until it ends, so the demo prints one plain, flushed line per step instead. The
fast tests swap the demo's training for one small model on 600 test rows; the
slow test runs the real demo once, in a subprocess whose stdout is a pipe.
"""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from rich.console import Console

import audit.demo as demo
from audit.analyzers import ANALYZERS
from audit.cli import EXIT_OK, main


class FlushRecorder(io.StringIO):
    """A text stream that is not a terminal and remembers what was written at each flush."""

    def __init__(self) -> None:
        super().__init__()
        self.flushed: list[str] = []

    def isatty(self) -> bool:
        return False

    def flush(self) -> None:
        super().flush()
        self.flushed.append(self.getvalue())


def _small_models(
    *, include_torch: bool = True, seed: int = 0, progress: Callable[[str], None] | None = None
) -> tuple[list[tuple[str, Any, dict]], pd.DataFrame, pd.DataFrame]:
    """The demo's logistic-regression pipeline, fitted and audited on a few Adult rows."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    from audit.datasets import load_adult

    df = load_adult()
    train = df[df["split"] == "train"].sample(2000, random_state=seed).reset_index(drop=True)
    test = df[df["split"] == "test"].sample(600, random_state=seed).reset_index(drop=True)
    features = [c for c in df.columns if c not in demo.DROP]
    numeric = [c for c in features if pd.api.types.is_numeric_dtype(df[c])]
    categorical = [c for c in features if c not in numeric]
    if progress is not None:
        progress("training logistic_regression on Adult (train split) ...")
    model = Pipeline(
        [
            ("pre", demo._preprocessor(numeric, categorical)),
            ("model", LogisticRegression(max_iter=500)),
        ]
    ).fit(train[features], train[demo.TARGET])
    return [("logistic_regression", model, {})], train, test


@pytest.fixture
def small_demo(monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo with one small model and, as on a plain install, no torch."""
    monkeypatch.setattr(demo, "adult_models", _small_models)
    monkeypatch.setattr(demo, "_torch_installed", lambda: False)


def _progress_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("[") and "s] " in line]


def test_demo_prints_one_flushed_line_per_step_when_not_a_terminal(small_demo, tmp_path):
    stream = FlushRecorder()
    console = Console(file=stream, width=60)
    assert not console.is_interactive

    result = demo.run_demo(tmp_path / "out", console=console)

    lines = _progress_lines(stream.getvalue())
    steps = [line.split("s] ", 1)[1] for line in lines]
    assert steps[:3] == [
        "loading Adult ...",
        "training logistic_regression on Adult (train split) ...",
        "auditing logistic_regression (1 of 1) on the test split ...",
    ]
    analyzers = [s for s in steps if s.startswith("auditing logistic_regression: ")]
    assert analyzers[0] == f"auditing logistic_regression: {next(iter(ANALYZERS))} ..."
    assert len(analyzers) == len(ANALYZERS)  # every analyzer, in the registry's order
    assert steps[-1] == "writing the comparison (index.html) ..."
    # each line is whole (not wrapped at the console's 60 columns) and was flushed
    # on its own, before the next step started
    for line in lines:
        assert any(snapshot.endswith(line + "\n") for snapshot in stream.flushed), line
    assert "\x1b[" not in stream.getvalue()  # no terminal control codes in a log
    assert [p.name for p in result.paths] == ["index.html", "logistic_regression.html"]


@pytest.mark.parametrize("markup", [True, False])
def test_torch_hint_keeps_its_extra_in_brackets(small_demo, tmp_path, markup):
    stream = FlushRecorder()
    demo.run_demo(tmp_path / "out", console=Console(file=stream, markup=markup))
    assert "torch is not installed: skipping the MLP (pip install 'model-audit[torch]')." in (
        stream.getvalue()
    )


def test_without_torch_requested_there_is_no_hint(small_demo, tmp_path):
    stream = FlushRecorder()
    demo.run_demo(tmp_path / "out", include_torch=False, console=Console(file=stream))
    assert "torch" not in stream.getvalue()


def test_a_terminal_gets_the_live_bar_and_no_progress_lines(small_demo, tmp_path):
    stream = FlushRecorder()
    console = Console(file=stream, force_terminal=True, force_interactive=True)
    demo.run_demo(tmp_path / "out", console=console)
    text = stream.getvalue()
    assert not _progress_lines(text)
    assert "model-audit[torch]" in text


def test_cli_demo_piped_prints_progress_hint_and_summary(small_demo, tmp_path, capsys):
    out = tmp_path / "demo [copy]"
    assert main(["demo", "--out", str(out)]) == EXIT_OK
    text = capsys.readouterr().out
    steps = [line.split("s] ", 1)[1] for line in _progress_lines(text)]
    assert steps[:2] == [
        "loading Adult ...",
        "training logistic_regression on Adult (train split) ...",
    ]
    assert "auditing logistic_regression: fairness ..." in steps
    assert "pip install 'model-audit[torch]'" in text
    assert "logistic_regression" in text  # the summary table
    assert f"report: {out / 'index.html'}" in text  # a path with brackets stays whole


@pytest.mark.slow
def test_real_demo_into_a_pipe_prints_progress(tmp_path):
    """The real demo (no torch: the MLP would add minutes) with stdout a pipe."""
    proc = subprocess.run(
        [sys.executable, "-m", "audit", "demo", "--no-torch", "--out", str(tmp_path / "d")],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    assert proc.returncode == EXIT_OK, proc.stderr
    steps = [line.split("s] ", 1)[1] for line in _progress_lines(proc.stdout)]
    assert steps[0] == "loading Adult ..."
    for name in ("logistic_regression", "gradient_boosting"):
        assert f"training {name} on Adult (train split) ..." in steps
        assert f"auditing {name}: fairness ..." in steps
    assert not any("torch_mlp" in step for step in steps)
    assert Path(tmp_path / "d" / "index.html").is_file()
