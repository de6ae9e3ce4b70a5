"""Writing output files: atomically, as one set per folder, never over a file that is not ours.

Every file model-audit writes (the HTML report, the JSON record, the Markdown
summaries, the JUnit XML of the gates, the comparison page) goes through
:func:`write_outputs_atomic`, and every writer decides "may this existing file be
replaced?" with the one exact check :func:`written_by_model_audit`. A file that
check does not recognise is left alone (:class:`audit.errors.OutputExistsError`)
unless the caller passes ``overwrite=True`` (``--force`` on the command line).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

from audit.errors import OutputExistsError, ReportWriteError

__all__ = [
    "GENERATOR_MARK",
    "LOCK_NAME",
    "check_replaceable",
    "output_lock",
    "write_outputs_atomic",
    "write_text_atomic",
    "written_by_model_audit",
]

GENERATOR_MARK = "model-audit"
MARKER_LINE = f"<!-- {GENERATOR_MARK} -->"
"""The first line of a Markdown summary, and the line after the XML declaration of JUnit XML."""
LOCK_NAME = ".model-audit.lock"
"""The lock file that writers hold (``fcntl.flock``) in a folder while they write into it."""

_NOT_OURS = (
    "Refusing to overwrite {path}: it exists and is not a report written by model-audit "
    "({why}). Pass --force (command line) or overwrite=True (Python) to replace it, or "
    "choose another path."
)
_BAD_PATH = "A report path must be a str or os.PathLike; got {value!r} ({kind})."
_NO_FOLDER = "Cannot write {path}: the folder {folder} does not exist. Create it first."
_NOT_WRITABLE = "Cannot write {path}: {error}."
_ONE_FOLDER = "write_outputs_atomic writes one folder at a time; got files in {folders}."
_SAME_FILE = "Two outputs would be written to the same file {path}."
_LOCK_TIMEOUT = (
    "Cannot write into {folder}: its lock {lock} has been held for {seconds:g} s. "
    "If no model-audit is running, delete the lock file."
)

_MAX_JSON_CHECK = 256 * 1024 * 1024
_HEAD = 4096
# The HTML report's and the comparison page's generator tag: "model-audit" or
# "model-audit <version>" exactly (so "model-audit-fake" is not ours).
_HTML_MARK = re.compile(
    r'<meta name="generator" content="' + re.escape(GENERATOR_MARK) + r'(?: [^"\s<>]+)?">'
)
_XML_DECLARATION = re.compile(r"<\?xml [^>\n]*\?>")
# Folders whose lock this process holds, by the thread holding it: a thread that
# holds a folder's lock may write into it again without waiting for itself.
_HELD: dict[str, int] = {}
_HELD_GUARD = threading.Lock()


def _why_not_ours(path: Path) -> str | None:
    """None when ``path`` is a file model-audit wrote (or an empty file), else why not."""
    try:
        if path.stat().st_size == 0:
            return None  # nothing to lose (e.g. the empty $GITHUB_STEP_SUMMARY of a CI step)
        with path.open("r", encoding="utf-8", errors="replace", newline="") as fh:
            head = fh.read(_HEAD)
    except OSError as exc:
        return f"it cannot be read: {exc.strerror or exc}"
    lines = head.splitlines()
    first = lines[0] if lines else ""
    if first == MARKER_LINE:  # a Markdown summary
        return None
    if _XML_DECLARATION.fullmatch(first) and len(lines) > 1 and lines[1] == MARKER_LINE:
        return None  # JUnit XML of the gates
    stripped = head.lstrip()
    if stripped.lower().startswith("<!doctype html"):
        end = head.lower().find("</head>")
        if _HTML_MARK.search(head if end < 0 else head[:end]):
            return None
        return "an HTML file without model-audit's generator tag"
    if stripped.startswith("{"):
        if path.stat().st_size > _MAX_JSON_CHECK:
            return "a JSON file too large to be an audit record"
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return "a file that is not valid JSON"
        if isinstance(record, dict) and record.get("generator") == GENERATOR_MARK:
            return None
        return "a JSON file whose generator is not model-audit"
    return "it does not start with a model-audit mark"


def written_by_model_audit(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a file that model-audit wrote, and so may be replaced.

    The one ownership check of every writer. Recognised exactly: an HTML page
    whose ``<meta name="generator">`` is ``model-audit`` or ``model-audit
    <version>``; a JSON record whose ``"generator"`` is ``"model-audit"``; a
    Markdown summary whose first line is ``<!-- model-audit -->``; JUnit XML
    whose line after the XML declaration is that comment. An empty file holds
    nothing to lose and counts as replaceable. Anything else (``model-audit-fake``
    included) is not ours.

    Parameters
    ----------
    path : path-like
        An existing file.

    Returns
    -------
    bool
    """
    return _why_not_ours(Path(path)) is None


def _as_path(path: object) -> Path:
    if not isinstance(path, (str, os.PathLike)):
        raise ReportWriteError(_BAD_PATH.format(value=path, kind=type(path).__name__))
    return Path(path)


def check_replaceable(path: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
    """Refuse an output path that holds a folder, or a file model-audit did not write.

    Parameters
    ----------
    path : path-like
        Where an output is about to be written; it need not exist.
    overwrite : bool, default=False
        Allow replacing a file that is not ours.

    Returns
    -------
    Path
        ``path`` as a :class:`~pathlib.Path`.

    Raises
    ------
    OutputExistsError
        The file exists, is not ours, and ``overwrite`` is False; its message
        names the file and ``--force`` / ``overwrite=True``.
    ReportWriteError
        The path is a folder, or not a path.
    """
    path = _as_path(path)
    if path.is_dir():
        raise ReportWriteError(_NOT_WRITABLE.format(path=path, error="it is a folder"))
    if overwrite or not (path.exists() or path.is_symlink()):
        return path
    why = _why_not_ours(path)
    if why is not None:
        raise OutputExistsError(_NOT_OURS.format(path=path, why=why))
    return path


def _open_lock(lock: Path) -> int:
    """Create (or open) and exclusively lock ``lock``; return its descriptor.

    The holder deletes the lock file before it lets go, so a writer that locked a
    file which is no longer at ``lock`` (deleted meanwhile) tries again: only the
    file currently at that path counts, and one writer at a time holds it.
    """
    import fcntl

    while True:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            held = os.fstat(fd)
            try:
                current = os.stat(lock)
            except FileNotFoundError:
                current = None
        except BaseException:
            os.close(fd)
            raise
        if current is not None and (current.st_ino, current.st_dev) == (
            held.st_ino,
            held.st_dev,
        ):
            return fd
        os.close(fd)


def _exclusive_lock(lock: Path, timeout: float = 600.0) -> int:
    """Where ``fcntl`` is missing (Windows): a lock file created exclusively."""
    start = time.monotonic()
    while True:
        try:
            return os.open(lock, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            if time.monotonic() - start > timeout:
                raise ReportWriteError(
                    _LOCK_TIMEOUT.format(folder=lock.parent, lock=lock, seconds=timeout)
                ) from None
            time.sleep(0.05)


@contextlib.contextmanager
def output_lock(
    folder: str | os.PathLike[str], *, target: str | os.PathLike[str] | None = None
) -> Iterator[Path]:
    """Hold the exclusive write lock of ``folder`` (``fcntl.flock`` on its lock file).

    Every model-audit writer takes it while it checks and replaces files in the
    folder, so the outputs of one run are never interleaved with another's. A
    reader that needs a consistent set (the HTML and the JSON of one run) can
    take it too. The lock file (:data:`LOCK_NAME`) is removed on release. It is
    re-entrant in the thread that holds it (that thread may call the writers);
    other threads and processes wait.

    Parameters
    ----------
    folder : path-like
        An existing folder.
    target : path-like, optional
        The file the lock is taken for, named when the lock cannot be taken.

    Yields
    ------
    Path
        The lock file.
    """
    lock = Path(folder) / LOCK_NAME
    key = os.path.realpath(folder)
    with _HELD_GUARD:
        mine = _HELD.get(key) == threading.get_ident()
    if mine:
        yield lock
        return
    try:
        fd = _open_lock(lock) if os.name == "posix" else _exclusive_lock(lock)
    except OSError as exc:
        if isinstance(exc, ReportWriteError):
            raise
        raise ReportWriteError(
            _NOT_WRITABLE.format(path=target or lock, error=exc.strerror or exc)
        ) from exc
    with _HELD_GUARD:
        _HELD[key] = threading.get_ident()
    try:
        yield lock
    finally:
        with _HELD_GUARD:
            del _HELD[key]
        with contextlib.suppress(FileNotFoundError):
            os.unlink(lock)  # while still held: see _open_lock
        os.close(fd)


def write_outputs_atomic(
    files: Mapping[str | os.PathLike[str], str], *, overwrite: bool = False
) -> list[Path]:
    """Write several output files of one folder as one set.

    Under the folder's :func:`output_lock`, every target is checked
    (:func:`check_replaceable`), every text is written to a temporary folder
    inside the target folder, and the files are then renamed into place. A
    concurrent writer into the same folder waits, so the folder never holds,
    say, one run's HTML beside another run's JSON; a failure before the renames
    leaves the folder as it was. A missing folder is an error, not created.

    Parameters
    ----------
    files : mapping of path-like to str
        Target path → text (UTF-8, ``\\n`` line endings); all in one folder.
    overwrite : bool, default=False
        Replace files that model-audit did not write.

    Returns
    -------
    list of Path
        The paths written, in the order given.
    """
    paths = [_as_path(p) for p in files]
    texts = list(files.values())
    if not paths:
        return []
    folders = {(p.parent if str(p.parent) else Path(".")) for p in paths}
    if len(folders) > 1:
        raise ReportWriteError(_ONE_FOLDER.format(folders=sorted(map(str, folders))))
    folder = folders.pop()
    seen: set[str] = set()
    for p in paths:
        key = os.path.normcase(os.path.abspath(p))
        if key in seen:
            raise ReportWriteError(_SAME_FILE.format(path=p))
        seen.add(key)
    if not folder.is_dir():
        raise ReportWriteError(_NO_FOLDER.format(path=paths[0], folder=folder))
    with output_lock(folder, target=paths[0]):
        for p in paths:
            check_replaceable(p, overwrite=overwrite)
        try:
            staging = Path(tempfile.mkdtemp(prefix=".model-audit-", dir=folder))
        except OSError as exc:
            raise ReportWriteError(
                _NOT_WRITABLE.format(path=paths[0], error=exc.strerror or exc)
            ) from exc
        current = paths[0]
        try:
            staged = []
            for p, text in zip(paths, texts, strict=True):
                current = p
                tmp = staging / p.name
                with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
                    fh.write(text)
                os.chmod(tmp, 0o644)
                staged.append(tmp)
            for p, tmp in zip(paths, staged, strict=True):
                current = p
                os.replace(tmp, p)
        except OSError as exc:
            raise ReportWriteError(
                _NOT_WRITABLE.format(path=current, error=exc.strerror or exc)
            ) from exc
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return paths


def write_text_atomic(path: str | os.PathLike[str], text: str, *, overwrite: bool = False) -> Path:
    """Write ``text`` to ``path`` through a temporary file and a rename.

    An existing file is replaced only when model-audit wrote it
    (:func:`written_by_model_audit`) or ``overwrite=True``; a missing folder is
    an error, not created silently. The folder's write lock is held meanwhile
    (:func:`write_outputs_atomic` with one file).
    """
    return write_outputs_atomic({path: text}, overwrite=overwrite)[0]
