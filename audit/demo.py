"""``model-audit demo``: three models trained on the bundled Adult data, audited and compared."""

from __future__ import annotations

import importlib.util
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["SENSITIVE", "TARGET", "DemoResult", "adult_models", "run_demo"]

SENSITIVE = ["sex", "race"]
TARGET = "income"
DROP = ["income", "split", "fnlwgt"]  # fnlwgt is a census sampling weight, not a feature
# Analyzer budgets that keep the demo well under a minute on 2 cores.
DEMO_OPTIONS = {
    "attributions": {"max_rows": 600, "progress": False},
    "importance": {"max_rows": 4000, "n_repeats": 3},
}
_NO_TORCH = "torch is not installed: skipping the MLP (pip install 'model-audit[torch]')."


@dataclass(frozen=True)
class DemoResult:
    """What the demo produced."""

    reports: list[Any]
    paths: list[Path]


def _preprocessor(numeric: list[str], categorical: list[str]) -> Any:
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    cat = Pipeline(
        [
            ("impute", SimpleImputer(strategy="constant", fill_value="missing")),
            (
                "onehot",
                OneHotEncoder(handle_unknown="ignore", sparse_output=False, min_frequency=20),
            ),
        ]
    )
    return ColumnTransformer(
        [("num", StandardScaler(), numeric), ("cat", cat, categorical)],
        sparse_threshold=0.0,
    )


def _train_torch_mlp(pre: Any, X: pd.DataFrame, y: np.ndarray, seed: int) -> Any:
    import torch
    from torch import nn

    torch.manual_seed(seed)
    matrix = torch.tensor(pre.transform(X), dtype=torch.float32)
    target = torch.tensor(y, dtype=torch.float32)[:, None]
    net = nn.Sequential(
        nn.Linear(matrix.shape[1], 32), nn.ReLU(), nn.Linear(32, 16), nn.ReLU(), nn.Linear(16, 1)
    )
    opt = torch.optim.Adam(net.parameters(), lr=3e-3)
    loss_fn = nn.BCEWithLogitsLoss()
    gen = torch.Generator().manual_seed(seed)
    for _ in range(6):
        order = torch.randperm(len(matrix), generator=gen)
        for start in range(0, len(matrix), 512):
            idx = order[start : start + 512]
            opt.zero_grad()
            loss_fn(net(matrix[idx]), target[idx]).backward()
            opt.step()
    net.eval()
    return net


def _torch_installed() -> bool:
    """Whether torch can be imported (checked without importing it)."""
    return importlib.util.find_spec("torch") is not None


def adult_models(
    *,
    include_torch: bool = True,
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
) -> tuple[list[tuple[str, Any, dict]], pd.DataFrame, pd.DataFrame]:
    """Train the demo's models on Adult's train split.

    Parameters
    ----------
    include_torch : bool, default=True
        Also train the torch MLP, when torch is installed.
    seed : int, default=0
        Random seed of the models that have one.
    progress : callable, optional
        Called with a line of text (``"training gradient_boosting ..."``)
        before each model is trained.

    Returns
    -------
    models : list of (name, model, adapter options)
    train, test : DataFrame
    """
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    from audit._threads import limited_threads
    from audit.datasets import load_adult

    say = progress or (lambda text: None)
    df = load_adult()
    train = df[df["split"] == "train"].reset_index(drop=True)
    test = df[df["split"] == "test"].reset_index(drop=True)
    features = [c for c in df.columns if c not in DROP]
    numeric = [c for c in features if pd.api.types.is_numeric_dtype(df[c])]
    categorical = [c for c in features if c not in numeric]
    X_train, y_train = train[features], train[TARGET].to_numpy()
    with_torch = include_torch and _torch_installed()
    if with_torch:
        import torch  # noqa: F401  (imported before limited_threads, so its pool is sized too)

    # BLAS / OpenMP / torch pools sized to the free CPUs: one busy core elsewhere made
    # the gradient boosting's two OpenMP threads take 63 s instead of 6.7 s
    with limited_threads():
        say("training logistic_regression on Adult (train split) ...")
        # one thread (under a second): lbfgs's BLAS sums, hence the coefficients and the
        # demo's records, would otherwise change in the last digits with the thread count
        with limited_threads(1):
            logreg = Pipeline(
                [
                    ("pre", _preprocessor(numeric, categorical)),
                    ("model", LogisticRegression(max_iter=2000)),
                ]
            ).fit(X_train, y_train)
        say("training gradient_boosting on Adult (train split) ...")
        gbm = Pipeline(
            [
                ("pre", _preprocessor(numeric, categorical)),
                ("model", HistGradientBoostingClassifier(max_iter=150, random_state=seed)),
            ]
        ).fit(X_train, y_train)
        net = None
        if with_torch:
            say("training torch_mlp on Adult (train split) ...")
            net = _train_torch_mlp(logreg.named_steps["pre"], X_train, y_train, seed)
    models: list[tuple[str, Any, dict]] = [
        ("logistic_regression", logreg, {}),
        ("gradient_boosting", gbm, {}),
    ]
    if net is not None:
        pre = logreg.named_steps["pre"]
        models.append(
            (
                "torch_mlp",
                net,
                {
                    "preprocess": pre.transform,
                    "feature_names": list(pre.get_feature_names_out()),
                    "task": "binary",
                },
            )
        )
    return models, train, test


class _DemoProgress:
    """The demo's progress: a live bar on an interactive terminal, else plain lines.

    On an interactive terminal (or in Jupyter) a transient rich bar with a
    spinner shows the current step. Anywhere else (a pipe, a CI log, a file,
    ``TERM=dumb``) a live display would print nothing until the end, so each step
    is one plain line, printed as text (never as rich markup) and flushed at
    once.

    Parameters
    ----------
    console : rich.console.Console
        Where progress goes.
    """

    def __init__(self, console: Any) -> None:
        self.console = console
        self.live = bool(console.is_interactive or console.is_jupyter)
        self._bar: Any = None
        self._task: Any = None
        self._start = time.monotonic()

    def __enter__(self) -> _DemoProgress:
        if self.live:
            from rich.progress import (
                BarColumn,
                Progress,
                SpinnerColumn,
                TextColumn,
                TimeElapsedColumn,
            )

            self._bar = Progress(
                SpinnerColumn(),
                TextColumn("{task.description}", markup=False),
                BarColumn(),
                TimeElapsedColumn(),
                console=self.console,
                transient=True,
            )
            self._bar.__enter__()
            self._task = self._bar.add_task("", total=None)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)
            self._bar = None

    def step(self, text: str) -> None:
        """Show ``text`` as the current step: the bar's label, or one flushed line.

        Parameters
        ----------
        text : str
            Plain text (brackets are printed as they are).
        """
        if self._bar is not None:
            self._bar.update(self._task, description=text)
            return
        elapsed = time.monotonic() - self._start
        self.console.print(
            f"[{elapsed:5.1f}s] {text}", markup=False, emoji=False, highlight=False, soft_wrap=True
        )
        flush = getattr(self.console.file, "flush", None)
        if flush is not None:
            flush()

    def total(self, total: int) -> None:
        """Set the number of models; the bar counts them (plain lines name them).

        Parameters
        ----------
        total : int
            How many models the demo audits.
        """
        if self._bar is not None:
            self._bar.update(self._task, total=total, completed=0)

    def advance(self) -> None:
        """Count one model as done."""
        if self._bar is not None:
            self._bar.advance(self._task)


def run_demo(
    out: Path, *, include_torch: bool = True, seed: int = 0, console: Any = None
) -> DemoResult:
    """Train, audit and report the demo models; write HTML + JSON per model and a comparison.

    Parameters
    ----------
    out : Path
        Folder for the reports (created if missing).
    include_torch : bool, default=True
        Also train and audit a small torch MLP when torch is installed; without
        torch the demo says so and skips it.
    seed : int, default=0
        Random seed of training and of the audits.
    console : rich.console.Console, optional
        Where messages and progress go (default: a new console on stdout). On an
        interactive terminal progress is a live bar; elsewhere (a pipe, a CI
        log) it is one plain, flushed line per step.

    Returns
    -------
    DemoResult
        The reports and the paths written, the comparison ``index.html`` first.
    """
    from rich.console import Console

    from audit._audit import audit_model
    from audit.report import compare

    console = console or Console()
    torch_ok = _torch_installed()
    if include_torch and not torch_ok:
        # printed as text whatever the console's markup setting: "[torch]" is no style
        console.print(_NO_TORCH, markup=False, emoji=False, highlight=False)
    out.mkdir(parents=True, exist_ok=True)
    reports, paths = [], []
    with _DemoProgress(console) as progress:
        progress.step("loading Adult ...")
        models, _, test = adult_models(
            include_torch=include_torch and torch_ok, seed=seed, progress=progress.step
        )
        features = [c for c in test.columns if c not in DROP]
        progress.total(len(models))
        for number, (name, model, options) in enumerate(models, start=1):
            progress.step(f"auditing {name} ({number} of {len(models)}) on the test split ...")
            report = audit_model(
                model,
                test[features],
                test[TARGET],
                sensitive_features=SENSITIVE,
                random_state=seed,
                name=name,
                analyzer_options=DEMO_OPTIONS,
                progress=lambda step, n=name: progress.step(f"auditing {n}: {step} ..."),
                **options,
            )
            html = out / f"{name}.html"
            report.to_html(html, overwrite=False)
            report.to_json(out / f"{name}.json")
            report.to_markdown(out / f"{name}.md")
            reports.append(report)
            paths.append(html)
            progress.advance()
        progress.step("writing the comparison (index.html) ...")
        index = out / "index.html"
        links = {r.model["name"]: p.name for r, p in zip(reports, paths, strict=True)}
        compare(reports).to_html(index, links=links)
    paths.insert(0, index)
    return DemoResult(reports=reports, paths=paths)
