"""Escaping text for Markdown, shared by the report's and the gates' Markdown output."""

from __future__ import annotations

__all__ = ["md_escape"]


def md_escape(text: object) -> str:
    """Escape text for a Markdown table cell."""
    out = str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")
    for ch in "<>`*_[]":
        out = out.replace(ch, "\\" + ch)
    return out
