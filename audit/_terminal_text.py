"""Making user strings safe to print on a terminal.

Group values, column names, class labels and file names come from the user's
data and files. Printed as they are, an ANSI / OSC escape sequence in them can
recolour or clear the terminal, hide text, rewrite the line (``\\r``) or plant a
clickable OSC-8 link. :func:`term_text` removes escape sequences and makes every
other control character visible (``\\r``, ``\\x1b``, ``\\u202e``), so what is
printed is exactly the text, inert. The CLI also prints with rich markup off,
so text such as ``[torch]`` or ``[bold]`` is printed literally.
"""

from __future__ import annotations

import re

__all__ = ["term_text"]

# Escape sequences, removed whole: OSC (OSC-8 hyperlinks, window titles) ended by
# BEL or ST; DCS / SOS / PM / APC strings ended by ST; CSI (colours, cursor
# moves, erase); two-character and nF escapes. The 8-bit (C1) forms too.
_SEQUENCES = re.compile(
    r"(?:\x1b\]|\x9d)[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)"
    r"|(?:\x1b[PX^_]|[\x90\x98\x9e\x9f])[^\x1b\x9c]*(?:\x1b\\|\x9c)"
    r"|(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
    r"|\x1b[ -/]*[0-~]"
)
# What is left that a terminal would act on: C0 / C1 controls, DEL, the Unicode
# line / paragraph separators and the bidirectional overrides ("Trojan source").
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _visible(match: re.Match[str]) -> str:
    ch = match.group()
    if ch in _NAMED:
        return _NAMED[ch]
    return f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}"


def term_text(text: object, *, keep_newlines: bool = False) -> str:
    """``str(text)`` made inert for a terminal.

    Parameters
    ----------
    text : object
        Any value; ``str(text)`` is cleaned.
    keep_newlines : bool, default=False
        Keep ``\\n`` as a line break (for a multi-line message or table whose
        user parts were cleaned already); otherwise it is shown as ``\\n``.

    Returns
    -------
    str
        The text without escape sequences, every other control character shown
        as an escape (``\\r``, ``\\x07``, ``\\u202e``).
    """
    out = _SEQUENCES.sub("", str(text))
    if keep_newlines:
        return "\n".join(_CONTROLS.sub(_visible, line) for line in out.split("\n"))
    return _CONTROLS.sub(_visible, out)
