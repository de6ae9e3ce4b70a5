"""Reading a data file for the CLI: CSV (any common separator, BOM-safe) or Parquet."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from audit.errors import DataValidationError, ModelFileError, OptionalDependencyError

__all__ = ["read_table", "read_text_columns", "sniff_separator"]

_SUPPORTED = ".csv, .tsv, .txt (delimited text) and .parquet"
_NOT_FOUND = "Data file not found: {path}"
_IS_FOLDER = "{path} is a folder, not a data file. Pass one file of these types: {supported}."
_NOT_TEXT = (
    "Could not read {path} as {suffix}: it is not UTF-8 text ({error}). Is it a binary file "
    "or in another encoding? Save it as UTF-8 CSV, or as Parquet."
)
_NO_PARQUET = (
    "Reading {path} needs pyarrow, a dependency of model-audit that is missing or unusable "
    "here ({error}). Install it with pip install 'pyarrow>=15' (or reinstall model-audit), "
    "or pass the data as CSV."
)
_SPREADSHEET = (
    "{path} is a spreadsheet; model-audit reads {supported}. Export the sheet as CSV "
    "(or save it with DataFrame.to_parquet) and pass that file."
)


def sniff_separator(path: Path) -> str:
    """The field separator of a delimited text file, from its first 64 KiB."""
    with path.open("r", encoding="utf-8-sig", errors="replace") as fh:
        sample = fh.read(64 * 1024)
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


def _read_parquet(path: Path) -> pd.DataFrame:
    """Read a Parquet file with pyarrow.

    Raises
    ------
    OptionalDependencyError
        pyarrow cannot be imported, or is too old for pandas.
    """
    try:
        import pyarrow.parquet  # noqa: F401  (pandas would say "Unable to find a usable engine")
    except ImportError as exc:
        raise OptionalDependencyError(_NO_PARQUET.format(path=path, error=exc)) from exc
    try:
        return pd.read_parquet(path, engine="pyarrow")
    except ImportError as exc:  # pandas refuses a pyarrow older than it supports
        raise OptionalDependencyError(_NO_PARQUET.format(path=path, error=exc)) from exc


def read_text_columns(path: str | Path, columns: Sequence[str]) -> pd.DataFrame | None:
    """The named columns of a delimited text file, read as text exactly as written.

    Group codes are labels, not numbers: read as text, ``01`` and ``1`` stay two
    groups and ``007`` keeps its zeros (pandas' type guessing would make both
    ``1``). Empty cells (and pandas' default NA markers) are still missing
    values. Call it after :func:`read_table` succeeded on the same file; column
    names are matched after stripping spaces, as :func:`read_table` does.

    Parameters
    ----------
    path : str or path-like
        The data file (.csv, .tsv or .txt).
    columns : sequence of str
        The columns to read; every one must be a column of the file.

    Returns
    -------
    pandas.DataFrame or None
        One text (object) column per name, in the order given, with a
        ``RangeIndex`` like :func:`read_table`'s frame. None for a Parquet file,
        whose columns keep the types stored in it.
    """
    path = Path(path)
    if path.suffix.lower() not in (".csv", ".tsv", ".txt") or not columns:
        return None
    wanted = [str(c).strip() for c in columns]
    try:
        frame = pd.read_csv(
            path,
            sep=sniff_separator(path),
            encoding="utf-8-sig",
            usecols=lambda name: str(name).strip() in wanted,
            dtype=str,
        )
    except (UnicodeDecodeError, pd.errors.ParserError, OSError, ValueError) as exc:
        raise ModelFileError(f"Could not read {path} as {path.suffix.lower()}: {exc}") from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame[wanted]


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a CSV / TSV (separator sniffed, UTF-8 BOM stripped) or Parquet file.

    Parameters
    ----------
    path : str or path-like
        A ``.csv``, ``.tsv``, ``.txt`` or ``.parquet`` file.

    Returns
    -------
    pandas.DataFrame
        The table, with column names stripped of surrounding spaces.

    Raises
    ------
    ModelFileError
        The file is missing, unreadable, or not of a supported type.
    DataValidationError
        The file has no rows.
    OptionalDependencyError
        A Parquet file, and pyarrow (a dependency of model-audit) cannot be used.
    """
    path = Path(path)
    if path.is_dir():
        raise ModelFileError(_IS_FOLDER.format(path=path, supported=_SUPPORTED))
    if not path.is_file():
        raise ModelFileError(_NOT_FOUND.format(path=path))
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            frame = _read_parquet(path)
        elif suffix in (".csv", ".tsv", ".txt"):
            frame = pd.read_csv(path, sep=sniff_separator(path), encoding="utf-8-sig")
        elif suffix in (".xlsx", ".xls", ".xlsm", ".ods"):
            raise ModelFileError(_SPREADSHEET.format(path=path, supported=_SUPPORTED))
        else:
            raise ModelFileError(
                f"Unsupported data file type {suffix!r} for {path}. Supported: {_SUPPORTED}."
            )
    except (UnicodeDecodeError, pd.errors.ParserError, OSError, ValueError) as exc:
        if isinstance(exc, ModelFileError):
            raise
        if isinstance(exc, UnicodeDecodeError):
            error = f"byte 0x{exc.object[exc.start]:02x} at position {exc.start}"
            raise ModelFileError(_NOT_TEXT.format(path=path, suffix=suffix, error=error)) from exc
        raise ModelFileError(f"Could not read {path} as {suffix or 'a table'}: {exc}") from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    if len(frame) == 0:
        raise DataValidationError(f"{path} has a header but no data rows.")
    return frame
