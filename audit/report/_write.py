"""Writing report files atomically, never over a file that is not ours."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from audit.errors import ReportWriteError

__all__ = ["GENERATOR_MARK", "write_text_atomic"]

GENERATOR_MARK = "model-audit"
_NOT_OURS = (
    "Refusing to overwrite {path}: it exists and is not a report written by model-audit. "
    "Choose another path, or delete the file first."
)
_BAD_PATH = "A report path must be a str or os.PathLike; got {value!r} ({kind})."
_NO_FOLDER = "Cannot write {path}: the folder {folder} does not exist. Create it first."
_NOT_WRITABLE = "Cannot write {path}: {error}."


_MAX_JSON_CHECK = 256 * 1024 * 1024


def _is_ours(path: Path) -> bool:
    """Whether ``path`` is a report, record or summary that model-audit wrote."""
    try:
        with path.open("r", encoding="utf-8", errors="replace") as fh:
            head = fh.read(4096)
    except OSError:
        return False
    if f'name="generator" content="{GENERATOR_MARK}' in head:
        return True
    if head.startswith(f"<!-- {GENERATOR_MARK}"):
        return True
    if head.lstrip().startswith("{") and path.stat().st_size <= _MAX_JSON_CHECK:
        import json

        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        return isinstance(record, dict) and record.get("generator") == GENERATOR_MARK
    return False


def write_text_atomic(path: str | Path, text: str, *, overwrite: bool = False) -> Path:
    """Write ``text`` to ``path`` through a temp file and a rename.

    An existing file is replaced only when it is a model-audit report (or
    ``overwrite=True``); a missing folder is an error, not created silently.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise ReportWriteError(_BAD_PATH.format(value=path, kind=type(path).__name__))
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise ReportWriteError(_NO_FOLDER.format(path=path, folder=folder))
    if path.is_dir():
        raise ReportWriteError(_NOT_WRITABLE.format(path=path, error="it is a folder"))
    if path.exists() and not overwrite and not _is_ours(path):
        raise ReportWriteError(_NOT_OURS.format(path=path))
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise ReportWriteError(_NOT_WRITABLE.format(path=path, error=exc.strerror or exc)) from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise ReportWriteError(_NOT_WRITABLE.format(path=path, error=exc.strerror or exc)) from exc
    return path
