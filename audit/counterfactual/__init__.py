"""Counterfactual flip test: would the decision change if only the sensitive attribute did?

Group metrics compare groups of *different* people. The flip test asks about the
*same* person: take every row, change its sensitive attribute to each other
group's value, predict again, and count the decisions that change. A model
that takes ``sex`` as an input and uses it changes some decisions; one that
does not take it cannot, whatever its group metrics say.

Two variants, each reported per original group and per direction
(``female → male``) with Wilson intervals and the mean change of the
positive-class score:

* ``direct`` — only the model input holding the attribute changes (decided by
  the data, :func:`audit._direct_use.direct_inputs`); it applies when the model
  takes the attribute.
* ``proxy`` — the attribute *and* the features that encode it change (the
  proxies and near-perfect encodings the proxy analysis flags,
  :func:`audit.proxies.context_proxies`), each proxy taking a value of the
  target group (``proxy_fill``: optimal transport by default, a random donor
  row, or the most frequent value; see :mod:`audit.counterfactual._fill`). It
  applies also when the attribute is not a model input: dropping ``sex`` does
  not help when ``personal_status`` carries it in.

When the model sees neither the attribute nor a proxy of it, nothing can flip
by construction: the test says "not applicable" and publishes no number (a rate
of 0 would read as "fair"). Cost: for an attribute with ``k`` values, the rows
moved to one value are predicted in one batch per variant, at most
``2 × (k − 1)`` predictions of the data.

>>> from audit.counterfactual import flip_test
>>> result = flip_test(model, X, sensitive_features="sex")  # doctest: +SKIP
>>> result.directions; result.by_group; result.facts()  # doctest: +SKIP
"""

from __future__ import annotations

from audit.counterfactual._fill import PROXY_FILLS, ProxyFill, donor_rows  # noqa: F401
from audit.counterfactual._flip import (  # noqa: F401
    MAX_VALUES,
    check_flip_options,
    context_flip,
    flip_settings,
    flip_test,
)
from audit.counterfactual._plots import plot_flip_rates  # noqa: F401
from audit.counterfactual._result import (  # noqa: F401
    ATTRIBUTE_COLUMNS,
    DIRECTION_COLUMNS,
    FLIP_CODE,
    FLIP_PROXY_CODE,
    GROUP_COLUMNS,
    VARIANTS,
    FlipResult,
    flip_facts,
    flip_findings,
    wilson_interval,
)

_testing = ["flip_test", "context_flip", "flip_settings", "check_flip_options", "FlipResult"]
_judging = ["flip_facts", "flip_findings", "wilson_interval", "FLIP_CODE", "FLIP_PROXY_CODE"]
_moving = ["donor_rows"]
_plotting = ["plot_flip_rates"]
_constants = [
    "MAX_VALUES",
    "PROXY_FILLS",
    "ProxyFill",
    "VARIANTS",
    "DIRECTION_COLUMNS",
    "GROUP_COLUMNS",
    "ATTRIBUTE_COLUMNS",
]

__all__ = _testing + _judging + _moving + _plotting + _constants
