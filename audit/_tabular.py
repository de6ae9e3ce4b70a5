"""Reading a data file for the CLI: CSV (any common separator, BOM-safe) or Parquet."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from audit.errors import DataValidationError, ModelFileError

__all__ = ["read_table"]

_SUPPORTED = ".csv, .tsv, .txt (delimited text) and .parquet"


def _sniff_separator(path: Path) -> str:
    with path.open("r", encoding="utf-8-sig", errors="replace") as fh:
        sample = fh.read(64 * 1024)
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a CSV / TSV (separator sniffed, UTF-8 BOM stripped) or Parquet file.

    Raises
    ------
    ModelFileError
        The file is missing, unreadable, or not of a supported type.
    DataValidationError
        The file has no rows.
    """
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"Data file not found: {path}.")
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            frame = pd.read_parquet(path)
        elif suffix in (".csv", ".tsv", ".txt"):
            frame = pd.read_csv(path, sep=_sniff_separator(path), encoding="utf-8-sig")
        else:
            raise ModelFileError(
                f"Unsupported data file type {suffix!r} for {path}. Supported: {_SUPPORTED}."
            )
    except (UnicodeDecodeError, pd.errors.ParserError, OSError, ValueError) as exc:
        if isinstance(exc, ModelFileError):
            raise
        raise ModelFileError(f"Could not read {path} as {suffix or 'a table'}: {exc}") from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    if len(frame) == 0:
        raise DataValidationError(f"{path} has a header but no data rows.")
    return frame
