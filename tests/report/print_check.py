"""Print an HTML page to PDF with headless Chromium and read its text back with pdftotext.

Shared by the print tests: which tables a printed page shows (every table outside a
closed ``<details>``) and their column headers, and the text of the PDF.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from html.parser import HTMLParser
from pathlib import Path

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PDFTOTEXT = shutil.which("pdftotext")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-pdf-header-footer",
]


class PrintedTables(HTMLParser):
    """Column headers of every table a printed page shows (closed ``<details>`` are skipped)."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[str]] = []
        self._details: list[bool] = []  # open flags of the enclosing <details>
        self._in_thead = False
        self._cell: list[str] | None = None
        self._headers: list[str] | None = None
        self.feed(html)
        self.close()

    @property
    def _hidden(self) -> bool:
        return any(not is_open for is_open in self._details)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "details":
            self._details.append("open" in a)
        elif tag == "table" and not self._hidden:
            self._headers = []
        elif tag == "thead":
            self._in_thead = True
        elif tag == "th" and self._in_thead and self._headers is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "details" and self._details:
            self._details.pop()
        elif tag == "thead":
            self._in_thead = False
        elif tag == "th" and self._cell is not None and self._headers is not None:
            self._headers.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "table" and self._headers is not None:
            self.tables.append(self._headers)
            self._headers = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def print_to_pdf(html_path: Path, pdf_path: Path, *, timeout: float = 120) -> None:
    """Print ``html_path`` to ``pdf_path`` with headless Chromium (A4, the page's print CSS)."""
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [
                str(CHROMIUM),
                *FLAGS,
                f"--user-data-dir={profile}",
                f"--print-to-pdf={pdf_path}",
                html_path.as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=timeout,
            env={**os.environ, "HOME": profile},
        )


def pdf_text(pdf_path: Path) -> str:
    """The PDF's text (``pdftotext``), whitespace collapsed to single spaces."""
    out = subprocess.run(
        [str(PDFTOTEXT), "-enc", "UTF-8", str(pdf_path), "-"],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return " ".join(out.stdout.decode("utf-8").split())


def pdf_pages(pdf_path: Path) -> int:
    """Number of pages of the PDF (counted from its page objects)."""
    data = pdf_path.read_bytes()
    return len(re.findall(rb"/Type\s*/Page[^s]", data))


def missing_headers(html: str, text: str) -> list[tuple[int, str]]:
    """(table number, header) of every printed table header absent from ``text``."""
    missing = []
    for k, headers in enumerate(PrintedTables(html).tables):
        for header in headers:
            if header and header not in text:
                missing.append((k, header))
    return missing
