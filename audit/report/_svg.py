"""Matplotlib figures as deterministic inline SVG (no dates, stable ids, text kept as text)."""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Iterator
from typing import Any

__all__ = ["figure_to_svg", "plain_text_plots"]

_XML_DECL = re.compile(r"^<\?xml[^>]*\?>\s*(<!DOCTYPE[^>]*>\s*)?", re.S)
_PLAIN_TEXT = {"text.parse_math": False, "text.usetex": False, "axes.unicode_minus": True}


@contextlib.contextmanager
def plain_text_plots() -> Iterator[None]:
    """Draw figures whose text is never read as mathtext or TeX.

    Group and feature labels are user data: a label such as ``$x^$`` must be
    drawn as those four characters, not parsed (and fail) as a formula. Text
    created inside this context keeps ``parse_math=False``; :func:`figure_to_svg`
    also turns it off on every text of the figure before saving.
    """
    import matplotlib

    with matplotlib.rc_context(_PLAIN_TEXT):
        yield


def _no_math(fig: Any) -> None:
    from matplotlib.text import Text

    for text in fig.findobj(Text):
        text.set_parse_math(False)
        text.set_usetex(False)


def figure_to_svg(fig: Any) -> str:
    """Render a matplotlib Figure to an inline ``<svg>`` string and close it.

    Text stays text (``svg.fonttype = "none"``; matplotlib escapes it as XML) and
    is never parsed as mathtext, ids are derived from a fixed salt and no date
    is written, so the same figure gives the same bytes.
    """
    import matplotlib
    import matplotlib.pyplot as plt

    _no_math(fig)
    buf = io.StringIO()
    settings = {"svg.fonttype": "none", "svg.hashsalt": "model-audit", **_PLAIN_TEXT}
    try:
        with matplotlib.rc_context(settings):
            fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    finally:
        plt.close(fig)
    svg = _XML_DECL.sub("", buf.getvalue())
    return svg.replace("<svg ", '<svg role="img" ', 1)
