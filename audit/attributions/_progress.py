"""A progress bar over row batches: rich when available, silent when not a terminal."""

from __future__ import annotations

import sys
from collections.abc import Iterator

__all__ = ["batches", "resolve_progress"]


def resolve_progress(progress: bool | None) -> bool:
    """``None`` means: show a bar only when standard error is a terminal."""
    if progress is None:
        isatty = getattr(sys.stderr, "isatty", None)
        return bool(isatty and isatty())
    return bool(progress)


def batches(n_rows: int, *, size: int, show: bool, label: str) -> Iterator[slice]:
    """Yield row slices of at most ``size`` rows, advancing a bar when ``show``.

    Without a bar all rows come in one slice, so a silent run pays no batching cost.
    """
    if not show or n_rows <= size:
        yield slice(0, n_rows)
        return
    try:
        from rich.progress import Progress
    except ImportError:  # pragma: no cover - rich is a dependency, but stay silent without it
        for start in range(0, n_rows, size):
            yield slice(start, min(start + size, n_rows))
        return
    with Progress(transient=True) as bar:
        task = bar.add_task(label, total=n_rows)
        for start in range(0, n_rows, size):
            stop = min(start + size, n_rows)
            yield slice(start, stop)
            bar.advance(task, stop - start)
