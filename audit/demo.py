"""``model-audit demo``: three models trained on the bundled Adult data, audited and compared."""

from __future__ import annotations

import importlib.util
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


def adult_models(
    *, include_torch: bool = True, seed: int = 0
) -> tuple[list[tuple[str, Any, dict]], pd.DataFrame, pd.DataFrame]:
    """Train the demo's models on Adult's train split.

    Returns
    -------
    models : list of (name, model, adapter options)
    train, test : DataFrame
    """
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    from audit.datasets import load_adult

    df = load_adult()
    train = df[df["split"] == "train"].reset_index(drop=True)
    test = df[df["split"] == "test"].reset_index(drop=True)
    features = [c for c in df.columns if c not in DROP]
    numeric = [c for c in features if pd.api.types.is_numeric_dtype(df[c])]
    categorical = [c for c in features if c not in numeric]
    X_train, y_train = train[features], train[TARGET].to_numpy()

    logreg = Pipeline(
        [("pre", _preprocessor(numeric, categorical)), ("model", LogisticRegression(max_iter=2000))]
    ).fit(X_train, y_train)
    gbm = Pipeline(
        [
            ("pre", _preprocessor(numeric, categorical)),
            ("model", HistGradientBoostingClassifier(max_iter=150, random_state=seed)),
        ]
    ).fit(X_train, y_train)
    models: list[tuple[str, Any, dict]] = [
        ("logistic_regression", logreg, {}),
        ("gradient_boosting", gbm, {}),
    ]
    if include_torch and importlib.util.find_spec("torch") is not None:
        pre = logreg.named_steps["pre"]
        net = _train_torch_mlp(pre, X_train, y_train, seed)
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


def run_demo(
    out: Path, *, include_torch: bool = True, seed: int = 0, console: Any = None
) -> DemoResult:
    """Train, audit and report the demo models; write HTML + JSON per model and a comparison."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from audit._audit import audit_model
    from audit.report import compare

    console = console or Console()
    torch_ok = importlib.util.find_spec("torch") is not None
    if include_torch and not torch_ok:
        console.print(
            "torch is not installed: skipping the MLP (pip install 'model-audit[torch]')."
        )
    out.mkdir(parents=True, exist_ok=True)
    reports, paths = [], []
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("training models on Adult (train split) ...", total=None)
        models, _, test = adult_models(include_torch=include_torch and torch_ok, seed=seed)
        features = [c for c in test.columns if c not in DROP]
        bar.update(task, total=len(models), completed=0)
        for name, model, options in models:
            bar.update(task, description=f"auditing {name} on the test split ...")
            report = audit_model(
                model,
                test[features],
                test[TARGET],
                sensitive_features=SENSITIVE,
                random_state=seed,
                name=name,
                analyzer_options=DEMO_OPTIONS,
                progress=lambda step, n=name: bar.update(
                    task, description=f"auditing {n}: {step} ..."
                ),
                **options,
            )
            html = out / f"{name}.html"
            report.to_html(html, overwrite=False)
            report.to_json(out / f"{name}.json")
            report.to_markdown(out / f"{name}.md")
            reports.append(report)
            paths.append(html)
            bar.advance(task)
    index = out / "index.html"
    links = {r.model["name"]: p.name for r, p in zip(reports, paths, strict=True)}
    compare(reports).to_html(index, links=links)
    paths.insert(0, index)
    return DemoResult(reports=reports, paths=paths)
