"""Escaping text for Markdown, shared by the report's and the gates' Markdown output.

User strings (group values, column and model names, class labels) reach a
Markdown summary that CI renders (a GitHub step summary, a pull-request
comment). They must stay one line of text: every line break (``\\r`` too, which
CommonMark reads as a line ending) and control character becomes a space, and
every character that Markdown or GitHub gives a meaning to (tables, emphasis,
links and images, HTML tags and entities, headings, math) is backslash-escaped,
so ``x\\r## All fairness gates PASSED`` or ``[click](http://...)`` render as the
text they are.
"""

from __future__ import annotations

import re

__all__ = ["md_code", "md_escape"]

# C0 and C1 controls (tab, \n and \r included), DEL, and the Unicode line and
# paragraph separators: none of them may break a table row or a heading.
_BREAKS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# ASCII punctuation that Markdown / GFM / GitHub interpret; "\\" first.
_SPECIAL = "\\`*_[](){}<>|&~!#$"
_ESCAPES = str.maketrans({ch: "\\" + ch for ch in _SPECIAL})


def _one_line(text: object) -> str:
    return _BREAKS.sub(" ", str(text))


def md_escape(text: object) -> str:
    """Escape ``text`` as literal, one-line Markdown (a table cell, a heading, a list item).

    Parameters
    ----------
    text : object
        Any value; ``str(text)`` is escaped.

    Returns
    -------
    str
        The text with line breaks and control characters replaced by spaces and
        Markdown's special characters backslash-escaped.
    """
    return _one_line(text).translate(_ESCAPES)


def md_code(text: object) -> str:
    """``text`` as an inline code span that is safe in a Markdown table cell.

    Line breaks and control characters become spaces, pipes are escaped (GFM
    splits table cells at them even inside code spans), and the span is fenced
    with more backticks than the longest run of backticks in the text.

    Parameters
    ----------
    text : object
        Any value; ``str(text)`` is shown.

    Returns
    -------
    str
        The code span, e.g. ``"`selection_rate.ratio >= 0.8`"``.
    """
    body = _one_line(text).replace("|", "\\|")
    longest = max((len(run) for run in re.findall("`+", body)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if longest or body.startswith(" ") or body.endswith(" ") else ""
    return f"{fence}{pad}{body}{pad}{fence}"
