"""torch networks: per-parameter statistics, scale against initialization, dead ReLU units.

torch is imported inside the functions only.

**Scale against initialization.** For the ``weight`` of ``nn.Linear`` and
``nn.Conv*`` layers, with ``fan_in = shape[1] * receptive field`` and
``fan_out = shape[0] * receptive field`` (torch's convention), the reference std is

* He / Kaiming, ``sqrt(2 / fan_in)``, when the next leaf module in registration
  order is a ReLU-family activation (:data:`RELU_FAMILY`);
* Xavier / Glorot, ``sqrt(2 / (fan_in + fan_out))``, otherwise.

A layer whose std is below ``reference * VANISHING_RATIO`` is "vanishing", above
``reference * EXPLODING_RATIO`` "exploding". torch's default init (uniform with
bound ``1 / sqrt(fan_in)``, std ``1 / sqrt(3 fan_in)``) sits at 0.41 × He, well
inside the band. Other parameters (biases, norms, embeddings, recurrent weights)
get statistics but no reference.

**Dead units.** Forward hooks on every ``nn.ReLU`` / ``nn.ReLU6`` module record,
over the whole audit data, whether each unit's output was ever positive. A unit is
the feature axis of a 2-D output and the channel axis (dim 1) otherwise. A module
called several times in one forward pass is tracked per call (``relu#1``, ...).
Activations applied functionally (``F.relu``) cannot be hooked and are not seen.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from audit.adapters.torch import import_torch
from audit.weights._stats import distribution_stats

__all__ = [
    "VANISHING_RATIO",
    "EXPLODING_RATIO",
    "RELU_FAMILY",
    "MAX_DEAD_INDICES",
    "layer_table",
    "dead_unit_table",
    "input_weight_table",
    "first_linear",
]

VANISHING_RATIO = 0.1
"""A layer with std below reference × this is flagged "vanishing"."""
EXPLODING_RATIO = 10.0
"""A layer with std above reference × this is flagged "exploding"."""
RELU_FAMILY = (
    "ReLU",
    "ReLU6",
    "LeakyReLU",
    "PReLU",
    "RReLU",
    "ELU",
    "CELU",
    "GELU",
    "SiLU",
    "Mish",
)
"""Activation class names after which He (not Xavier) is the reference init."""
MAX_DEAD_INDICES = 50
"""At most this many dead unit indices are listed per layer."""

_REFERENCED = (
    "Linear",
    "Conv1d",
    "Conv2d",
    "Conv3d",
    "ConvTranspose1d",
    "ConvTranspose2d",
    "ConvTranspose3d",
    "LazyLinear",
)


def _leaf_modules(module: Any) -> list[tuple[str, Any]]:
    return [(name, mod) for name, mod in module.named_modules() if not list(mod.children())]


def _next_activation(module: Any) -> dict[str, str]:
    """Map a leaf module name to the class name of the leaf that follows it."""
    leaves = _leaf_modules(module)
    return {
        name: type(leaves[i + 1][1]).__name__ if i + 1 < len(leaves) else ""
        for i, (name, _) in enumerate(leaves)
    }


def _fans(shape: tuple[int, ...]) -> tuple[int, int]:
    receptive = int(np.prod(shape[2:])) if len(shape) > 2 else 1
    return int(shape[1]) * receptive, int(shape[0]) * receptive


def layer_table(module: Any) -> pd.DataFrame:
    """One row of statistics per named parameter of a torch module.

    Parameters
    ----------
    module : torch.nn.Module
        The network (not modified).

    Returns
    -------
    pandas.DataFrame
        Columns ``parameter, layer, layer_type, kind`` (``weight``/``bias``/other),
        ``shape`` (e.g. ``"32x10"``), the statistics of
        :func:`audit.weights._stats.distribution_stats` (``count, mean, std, min,
        max, abs_max, skewness, kurtosis, near_zero, frobenius, spectral,
        shape_label``), and ``fan_in, fan_out, xavier_std, he_std, reference,
        reference_std, scale_ratio, scale_flag`` (``"ok"``, ``"vanishing"``,
        ``"exploding"`` or ``""`` when no reference applies).
    """
    follows = _next_activation(module)
    rows = []
    for name, param in module.named_parameters():
        owner_name, _, attr = name.rpartition(".")
        owner = module.get_submodule(owner_name) if owner_name else module
        layer_type = type(owner).__name__
        values = param.detach().cpu().double().numpy()
        row: dict[str, Any] = {
            "parameter": name,
            "layer": owner_name,
            "layer_type": layer_type,
            "kind": attr,
            "shape": "x".join(str(s) for s in values.shape) or "scalar",
        }
        row.update(distribution_stats(values))
        fan_in = fan_out = 0
        xavier = he = reference_std = ratio = float("nan")
        reference, flag = "", ""
        if attr == "weight" and layer_type in _REFERENCED and values.ndim >= 2:
            fan_in, fan_out = _fans(values.shape)
            xavier = float(np.sqrt(2.0 / (fan_in + fan_out)))
            he = float(np.sqrt(2.0 / fan_in))
            reference = "he" if follows.get(owner_name, "") in RELU_FAMILY else "xavier"
            reference_std = he if reference == "he" else xavier
            ratio = row["std"] / reference_std
            if ratio < VANISHING_RATIO:
                flag = "vanishing"
            elif ratio > EXPLODING_RATIO:
                flag = "exploding"
            else:
                flag = "ok"
        row.update(
            {
                "fan_in": fan_in,
                "fan_out": fan_out,
                "xavier_std": xavier,
                "he_std": he,
                "reference": reference,
                "reference_std": reference_std,
                "scale_ratio": ratio,
                "scale_flag": flag,
            }
        )
        rows.append(row)
    return pd.DataFrame(rows)


def _model_dtype(module: Any, torch: Any) -> Any:
    for param in module.parameters():
        if param.is_floating_point():
            return param.dtype
    return torch.float32


def dead_unit_table(
    module: Any, matrix: np.ndarray, *, batch_size: int = 65536
) -> pd.DataFrame | None:
    """Units of ReLU activations that are never positive on the data.

    Parameters
    ----------
    module : torch.nn.Module
        The network; its train/eval mode is restored afterwards, hooks removed.
    matrix : numpy.ndarray
        The input matrix fed to the network (audit rows).
    batch_size : int, default=65536
        Rows per forward pass.

    Returns
    -------
    pandas.DataFrame or None
        None when the module has no ``nn.ReLU`` / ``nn.ReLU6``. Otherwise one row
        per activation call site: ``activation, layer`` (the parameterised leaf
        module before it, in registration order), ``n_units, n_dead,
        dead_fraction, dead_units`` (first :data:`MAX_DEAD_INDICES` indices).
    """
    torch = import_torch()
    nn = torch.nn
    relus = [(n, m) for n, m in module.named_modules() if isinstance(m, (nn.ReLU, nn.ReLU6))]
    if not relus:
        return None
    leaves = _leaf_modules(module)
    before: dict[str, str] = {}
    last_param = ""
    for name, mod in leaves:
        before[name] = last_param
        if any(True for _ in mod.parameters(recurse=False)):
            last_param = name
    active: dict[tuple[str, int], np.ndarray] = {}
    calls: dict[str, int] = {}

    def make_hook(name: str) -> Any:
        def hook(_mod: Any, _inputs: Any, output: Any) -> None:
            index = calls.get(name, 0)
            calls[name] = index + 1
            out = output.detach()
            if out.ndim == 1:
                out = out[None, :]
            units = out.shape[1]
            positive = (out.transpose(0, 1).reshape(units, -1) > 0).any(dim=1).cpu().numpy()
            key = (name, index)
            active[key] = active[key] | positive if key in active else positive

        return hook

    handles = [m.register_forward_hook(make_hook(n)) for n, m in relus]
    was_training = module.training
    module.eval()
    dtype = _model_dtype(module, torch)
    try:
        with torch.no_grad():
            for start in range(0, len(matrix), batch_size):
                calls.clear()
                batch = torch.tensor(np.asarray(matrix[start : start + batch_size]), dtype=dtype)
                module(batch)
    finally:
        for handle in handles:
            handle.remove()
        module.train(was_training)
    rows = []
    for (name, index), mask in sorted(active.items()):
        dead = np.flatnonzero(~mask)
        rows.append(
            {
                "activation": name if index == 0 else f"{name}#{index}",
                "layer": before.get(name, ""),
                "n_units": int(mask.size),
                "n_dead": int(dead.size),
                "dead_fraction": float(dead.size / mask.size) if mask.size else 0.0,
                "dead_units": [int(i) for i in dead[:MAX_DEAD_INDICES]],
            }
        )
    return pd.DataFrame(
        rows, columns=["activation", "layer", "n_units", "n_dead", "dead_fraction", "dead_units"]
    )


def first_linear(module: Any) -> tuple[str, Any] | None:
    """The first ``nn.Linear`` in registration order, as (name, layer), or None."""
    torch = import_torch()
    for name, mod in module.named_modules():
        if isinstance(mod, torch.nn.Linear):
            return name, mod
    return None


def input_weight_table(
    module: Any, matrix: np.ndarray, names: list[str], input_std: np.ndarray
) -> tuple[pd.DataFrame | None, str]:
    """The first Linear layer's column norms: how strongly each input feature enters.

    Parameters
    ----------
    module : torch.nn.Module
        The network.
    matrix : numpy.ndarray
        Its input matrix on the audit data (for the width check).
    names : list of str
        Input feature names.
    input_std : numpy.ndarray
        Std of each input column on the audit data.

    Returns
    -------
    table : pandas.DataFrame or None
        ``feature, layer, column_norm`` (2-norm of the weight column),
        ``input_std, weight`` (norm × std) and ``share`` of the total weight.
    note : str
        Why there is no table, when there is none.
    """
    found = first_linear(module)
    if found is None:
        return None, "The network has no nn.Linear layer, so no per-input weights were read."
    name, layer = found
    weight = layer.weight.detach().cpu().double().numpy()
    if weight.shape[1] != matrix.shape[1]:
        return None, (
            f"The first Linear layer {name!r} takes {weight.shape[1]} inputs but the input "
            f"matrix has {matrix.shape[1]} columns, so its columns are not the input features."
        )
    norms = np.linalg.norm(weight, axis=0)
    scaled = norms * np.asarray(input_std, dtype=float)
    total = scaled.sum()
    table = pd.DataFrame(
        {
            "feature": list(names),
            "layer": name,
            "column_norm": norms,
            "input_std": np.asarray(input_std, dtype=float),
            "weight": scaled,
            "share": scaled / total if total > 0 else np.full(len(names), np.nan),
        }
    )
    return table, ""
