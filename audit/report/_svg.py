"""Matplotlib figures as deterministic inline SVG (no dates, stable ids, text kept as text)."""

from __future__ import annotations

import io
import re
from typing import Any

__all__ = ["figure_to_svg"]

_XML_DECL = re.compile(r"^<\?xml[^>]*\?>\s*(<!DOCTYPE[^>]*>\s*)?", re.S)


def figure_to_svg(fig: Any) -> str:
    """Render a matplotlib Figure to an inline ``<svg>`` string and close it.

    Text stays text (``svg.fonttype = "none"``; matplotlib escapes it as XML),
    ids are derived from a fixed salt and no date is written, so the same
    figure gives the same bytes.
    """
    import matplotlib
    import matplotlib.pyplot as plt

    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "model-audit"}):
        fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    svg = _XML_DECL.sub("", buf.getvalue())
    return svg.replace("<svg ", '<svg role="img" ', 1)
