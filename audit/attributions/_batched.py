"""Batched attributions of torch modules: rows × background in a few large passes.

Three methods, each one batched forward + backward pass per chunk of
(row, background row) pairs instead of shap's row-by-row loop:

* **DeepLIFT-SHAP** (:func:`deeplift_shap`): DeepLIFT's rescale rule against
  every background row, averaged over the background (shap's DeepExplainer,
  captum's ``DeepLiftShap``). Every elementwise activation *module*
  (:data:`ELEMENTWISE`) passes the secant ``Δout / Δin`` between the row's and
  the background row's activations backward instead of its derivative (the
  derivative where ``|Δin| < eps``, as shap does); linear layers pass their
  gradient. The background's activations come from one pass over the
  background; the pairs' backward pass is one autograd call per chunk. With
  those rules the attributions of a pair sum to ``f(x) - f(b)``, so the
  per-row attributions sum to ``f(x) - mean f(background)``;
  :func:`deeplift_shap` also returns that miss per row so the caller can tell
  a module the rules do not cover (a functional activation, a softmax).
* **expected gradients** (:func:`expected_gradients`): for each row ``n_samples``
  draws of a background row ``b`` and ``t ~ U(0, 1)``, the gradient at
  ``b + t (x - b)`` times ``x - b``, averaged (shap's GradientExplainer,
  captum's ``GradientShap``). The draws come from one seeded numpy generator,
  all at once, so the values do not depend on the chunk size.
* **integrated gradients** (:func:`integrated_gradients`): the path integral
  of the gradient from one baseline (the background's mean) to the row, by
  adaptive midpoint quadrature: each interval of the path is split until its
  midpoint estimate reproduces the change of the output across it, so the
  attributions are complete (sum to ``f(x) - f(baseline)``) to the given
  tolerance also for piecewise-linear (ReLU) networks, whose kinks a fixed
  grid does not resolve. It runs in float64.

Every function takes the module's raw outputs through ``combine`` (a
``(width, n_outputs)`` matrix; e.g. ``[[-1], [1]]`` for the log-odds
``z1 - z0`` of a two-logit head) inside the graph: attributions are linear in
the output, so this equals combining the raw attributions afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "DEEPLIFT_EPS",
    "ELEMENTWISE",
    "PAIRS_PER_BATCH",
    "DeepLiftAnswer",
    "IntegratedAnswer",
    "deeplift_shap",
    "expected_gradients",
    "integrated_gradients",
]

PAIRS_PER_BATCH = 4096
"""(row, background row) pairs per forward + backward pass."""
DEEPLIFT_EPS = 1e-6
"""Below this ``|Δin|`` an activation passes its derivative back (shap's threshold)."""
ELEMENTWISE: frozenset[str] = frozenset(
    {
        "CELU",
        "ELU",
        "GELU",
        "Hardshrink",
        "Hardsigmoid",
        "Hardswish",
        "Hardtanh",
        "LeakyReLU",
        "LogSigmoid",
        "Mish",
        "PReLU",
        "ReLU",
        "ReLU6",
        "SELU",
        "SiLU",
        "Sigmoid",
        "Softplus",
        "Softshrink",
        "Softsign",
        "Tanh",
        "Tanhshrink",
        "Threshold",
    }
)
"""Activation modules of ``torch.nn`` (by class name) that get DeepLIFT's rescale rule."""

_IG_INITIAL = 16  # intervals of the path before any refinement
_IG_MAX_ROUNDS = 48
_IG_MAX_LEAVES = 4096  # per row; the per-interval tolerance is the row's over this


def _torch() -> Any:
    from audit.adapters.torch import import_torch

    return import_torch()


def _dtype(module: Any) -> Any:
    torch = _torch()
    for tensor in module.parameters():
        if tensor.is_floating_point():
            return tensor.dtype
    return torch.float32


def _device(module: Any) -> Any:
    torch = _torch()
    for tensor in module.parameters():
        return tensor.device
    return torch.device("cpu")


@contextmanager
def _evaluating(module: Any) -> Iterator[None]:
    """Eval mode (and in-place activations off) for the duration, restored after."""
    was_training = module.training
    inplace = [m for m in module.modules() if getattr(m, "inplace", False) is True]
    module.eval()
    for m in inplace:
        m.inplace = False
    try:
        yield
    finally:
        for m in inplace:
            m.inplace = True
        module.train(was_training)


def _outputs(module: Any, batch: Any, combine: Any) -> Any:
    """``module(batch)`` as ``(rows, width)``, times ``combine``."""
    out = module(batch)
    if out.ndim == 1:
        out = out[:, None]
    return out.reshape(out.shape[0], -1) @ combine


def _chunks(n: int, size: int) -> Iterator[slice]:
    for start in range(0, n, size):
        yield slice(start, min(start + size, n))


# ---------------------------------------------------------------------- DeepLIFT


class _Rules:
    """Forward hooks that record the background's activations, then apply the rescale rule."""

    def __init__(self, module: Any, eps: float) -> None:
        torch = _torch()

        class Rescale(torch.autograd.Function):
            """Identity forward on the activation's output; backward: grad times the secant."""

            @staticmethod
            def forward(ctx: Any, inp: Any, out: Any, secant: Any) -> Any:
                ctx.save_for_backward(secant)
                return out

            @staticmethod
            def backward(ctx: Any, grad: Any) -> tuple[Any, None, None]:
                (secant,) = ctx.saved_tensors
                return grad * secant, None, None

        self._rescale = Rescale
        self.eps = eps
        self.mode = "off"
        self.refs: dict[int, list[tuple[Any, Any]]] = {}
        self.calls: dict[int, int] = {}
        self.units = [
            m
            for m in module.modules()
            if type(m).__name__ in ELEMENTWISE and type(m).__module__.startswith("torch.nn")
        ]
        self.handles = [m.register_forward_hook(self._hook) for m in self.units]

    def remove(self) -> None:
        for handle in self.handles:
            handle.remove()

    def _derivative(self, unit: Any, points: Any) -> Any:
        """The activation's derivative at ``points`` (rows of its input)."""
        torch = _torch()
        mode, self.mode = self.mode, "off"
        try:
            with torch.enable_grad():
                z = points.detach().clone().requires_grad_()
                (grad,) = torch.autograd.grad(unit(z).sum(), z)
        finally:
            self.mode = mode
        return grad

    def _hook(self, unit: Any, inputs: tuple[Any, ...], output: Any) -> Any:
        if self.mode == "record":
            self.refs.setdefault(id(unit), []).append((inputs[0].detach(), output.detach()))
            return None
        if self.mode != "apply":
            return None
        k = self.calls.get(id(unit), 0)
        self.calls[id(unit)] = k + 1
        ref_in, ref_out = self.refs[id(unit)][k]
        inp = inputs[0]
        width = ref_in.shape[0]
        shape = (inp.shape[0] // width, width, *inp.shape[1:])
        d_in = inp.detach().reshape(shape) - ref_in
        secant = (output.detach().reshape(shape) - ref_out).div_(d_in)
        # pairs with some |Δin| below eps (e.g. a row that is also a background row)
        # take the derivative there, as shap does; finding them costs one reduction
        nearest = d_in.abs().amin(dim=tuple(range(2, d_in.ndim)))
        flagged = nearest < self.eps
        if bool(flagged.any()):
            at = flagged.nonzero(as_tuple=True)
            small = d_in[at].abs() < self.eps
            patched = secant[at]
            patched[small] = self._derivative(unit, inp.detach().reshape(shape)[at])[small]
            secant[at] = patched
        return self._rescale.apply(inp, output.detach(), secant.reshape(inp.shape))


@dataclass(frozen=True)
class DeepLiftAnswer:
    """DeepLIFT-SHAP values of some rows.

    Attributes
    ----------
    values : numpy.ndarray
        ``(n_rows, n_features, n_outputs)``.
    base : numpy.ndarray
        ``(n_outputs,)``: the mean output over the background.
    output : numpy.ndarray
        ``(n_rows, n_outputs)``: the output of each row, from the same passes.
    """

    values: np.ndarray
    base: np.ndarray
    output: np.ndarray

    @property
    def miss(self) -> np.ndarray:
        """``|base + sum(values) - output|`` per row and output."""
        return np.abs(self.base + self.values.sum(axis=1) - self.output)


def deeplift_shap(
    module: Any,
    rows: np.ndarray,
    background: np.ndarray,
    combine: np.ndarray,
    *,
    eps: float = DEEPLIFT_EPS,
    pairs_per_batch: int = PAIRS_PER_BATCH,
) -> DeepLiftAnswer:
    """DeepLIFT-SHAP (rescale rule) of ``rows`` against every row of ``background``.

    Parameters
    ----------
    module : torch.nn.Module
        The network; eval mode during the call, its mode restored after.
    rows : numpy.ndarray
        ``(n_rows, n_features)`` rows to explain.
    background : numpy.ndarray
        ``(n_background, n_features)`` reference rows.
    combine : numpy.ndarray
        ``(width, n_outputs)``: the explained outputs as combinations of the raw ones.
    eps : float, default=1e-6
        Below this ``|Δin|`` an activation passes its derivative back.
    pairs_per_batch : int, default=4096
        (row, background row) pairs per pass.

    Returns
    -------
    DeepLiftAnswer
    """
    torch = _torch()
    dtype, device = _dtype(module), _device(module)
    bg = torch.as_tensor(np.ascontiguousarray(background), dtype=dtype, device=device)
    data = torch.as_tensor(np.ascontiguousarray(rows), dtype=dtype, device=device)
    comb = torch.as_tensor(combine, dtype=dtype, device=device)
    n, n_bg, n_out = len(data), len(bg), comb.shape[1]
    values = np.zeros((n, data.shape[1], n_out))
    output = np.zeros((n, n_out))
    per = max(1, pairs_per_batch // n_bg)
    with _evaluating(module):
        rules = _Rules(module, eps)
        try:
            rules.mode = "record"
            with torch.no_grad():
                base = _outputs(module, bg, comb).mean(dim=0)
            rules.mode = "apply"
            for part in _chunks(n, per):
                rules.calls = {}
                x = data[part]
                pairs = x.repeat_interleave(n_bg, dim=0).requires_grad_()
                diff = (x[:, None, :] - bg[None, :, :]).reshape(pairs.shape)
                out = _outputs(module, pairs, comb)
                output[part] = out.detach()[::n_bg].double().cpu().numpy()
                for k in range(n_out):
                    (grad,) = torch.autograd.grad(
                        out[:, k].sum(), pairs, retain_graph=k < n_out - 1
                    )
                    phi = (diff * grad).reshape(len(x), n_bg, -1).mean(dim=1)
                    values[part, :, k] = phi.double().cpu().numpy()
        finally:
            rules.mode = "off"
            rules.remove()
    return DeepLiftAnswer(values, base.double().cpu().numpy(), output)


# ---------------------------------------------------------------- expected gradients


def expected_gradients(
    module: Any,
    rows: np.ndarray,
    background: np.ndarray,
    combine: np.ndarray,
    *,
    n_samples: int = 200,
    random_state: int = 0,
    pairs_per_batch: int = PAIRS_PER_BATCH,
) -> tuple[np.ndarray, np.ndarray]:
    """Expected gradients of ``rows`` against ``background`` (``n_samples`` draws per row).

    Returns
    -------
    values : numpy.ndarray
        ``(n_rows, n_features, n_outputs)``.
    base : numpy.ndarray
        ``(n_outputs,)``: the mean output over the background.
    """
    torch = _torch()
    dtype, device = _dtype(module), _device(module)
    bg = torch.as_tensor(np.ascontiguousarray(background), dtype=dtype, device=device)
    data = torch.as_tensor(np.ascontiguousarray(rows), dtype=dtype, device=device)
    comb = torch.as_tensor(combine, dtype=dtype, device=device)
    n, n_out = len(data), comb.shape[1]
    rng = np.random.default_rng(random_state)
    pick = torch.as_tensor(rng.integers(len(bg), size=(n, n_samples)), device=device)
    alpha = torch.as_tensor(rng.random((n, n_samples)), dtype=dtype, device=device)
    values = np.zeros((n, data.shape[1], n_out))
    per = max(1, pairs_per_batch // n_samples)
    with _evaluating(module):
        with torch.no_grad():
            base = _outputs(module, bg, comb).mean(dim=0)
        for part in _chunks(n, per):
            x = data[part][:, None, :]
            ref = bg[pick[part]]
            diff = x - ref
            points = (ref + alpha[part][..., None] * diff).reshape(-1, data.shape[1])
            points.requires_grad_()
            out = _outputs(module, points, comb)
            for k in range(n_out):
                (grad,) = torch.autograd.grad(out[:, k].sum(), points, retain_graph=k < n_out - 1)
                phi = (diff * grad.reshape(diff.shape)).mean(dim=1)
                values[part, :, k] = phi.double().cpu().numpy()
    return values, base.double().cpu().numpy()


# -------------------------------------------------------------- integrated gradients


@dataclass(frozen=True)
class IntegratedAnswer:
    """Integrated gradients of some rows from one baseline.

    Attributes
    ----------
    values : numpy.ndarray
        ``(n_rows, n_features, n_outputs)``.
    base : numpy.ndarray
        ``(n_outputs,)``: the output at the baseline.
    output : numpy.ndarray
        ``(n_rows, n_outputs)``: the output of each row (float64).
    evaluations : int
        Gradient evaluations along the paths, all rows together.
    converged : bool
        Whether every row met the tolerance.
    """

    values: np.ndarray
    base: np.ndarray
    output: np.ndarray
    evaluations: int
    converged: bool


def _float64_call(module: Any) -> Any:
    """``fn(x)``: the module in float64 (parameters and buffers cast, the module untouched)."""
    torch = _torch()
    from torch.func import functional_call

    params = {k: v.detach().double() for k, v in module.named_parameters()}
    buffers = {k: (v.double() if v.is_floating_point() else v) for k, v in module.named_buffers()}
    state = {**params, **buffers}

    def call(x: Any) -> Any:
        return functional_call(module, state, (x.to(torch.float64),))

    return call


def integrated_gradients(
    module: Any,
    rows: np.ndarray,
    baseline: np.ndarray,
    combine: np.ndarray,
    *,
    rtol: float = 1e-7,
    pairs_per_batch: int = PAIRS_PER_BATCH,
) -> IntegratedAnswer:
    """Integrated gradients from ``baseline`` to each row, complete to ``rtol``.

    The path ``[0, 1]`` starts as :data:`_IG_INITIAL` equal intervals. An
    interval ``[a, b]`` estimates its share of the integral by the gradient at
    its midpoint times its length; its error is the change of the output
    across it, ``f(b) - f(a)``, minus that estimate's sum over features. An
    interval whose error is at most ``rtol * scale / 4096`` (``scale`` =
    ``max(1, |f(x) - f(baseline)|)`` of the row) is kept, any other is halved;
    so the attributions of a row sum to ``f(x) - f(baseline)`` within about
    ``rtol * scale``.

    Parameters
    ----------
    module : torch.nn.Module
        The network (called in float64 through ``torch.func.functional_call``).
    rows : numpy.ndarray
        ``(n_rows, n_features)``.
    baseline : numpy.ndarray
        ``(n_features,)``.
    combine : numpy.ndarray
        ``(width, n_outputs)``.
    rtol : float, default=1e-7
        Completeness tolerance relative to ``max(1, |f(x) - f(baseline)|)``.
    pairs_per_batch : int, default=4096
        Path points per forward + backward pass.

    Returns
    -------
    IntegratedAnswer
    """
    torch = _torch()
    device = _device(module)
    comb = torch.as_tensor(combine, dtype=torch.float64, device=device)
    x = np.asarray(rows, dtype=float)
    x0 = np.asarray(baseline, dtype=float).reshape(1, -1)
    n, p, n_out = len(x), x.shape[1], comb.shape[1]
    delta = x - x0

    with _evaluating(module):
        call = _float64_call(module)

        def forward(alpha: np.ndarray, owner: np.ndarray) -> np.ndarray:
            out = np.zeros((len(alpha), n_out))
            with torch.no_grad():
                for part in _chunks(len(alpha), pairs_per_batch):
                    pts = x0 + alpha[part, None] * delta[owner[part]]
                    batch = torch.as_tensor(pts, dtype=torch.float64, device=device)
                    out[part] = _outputs(call, batch, comb).cpu().numpy()
            return out

        def gradient(alpha: np.ndarray, owner: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            out = np.zeros((len(alpha), n_out))
            grads = np.zeros((len(alpha), p, n_out))
            for part in _chunks(len(alpha), pairs_per_batch):
                pts = x0 + alpha[part, None] * delta[owner[part]]
                batch = torch.as_tensor(pts, dtype=torch.float64, device=device)
                batch.requires_grad_()
                res = _outputs(call, batch, comb)
                out[part] = res.detach().cpu().numpy()
                for k in range(n_out):
                    (g,) = torch.autograd.grad(res[:, k].sum(), batch, retain_graph=k < n_out - 1)
                    grads[part, :, k] = g.cpu().numpy()
            return out, grads

        ends = forward(np.array([0.0, *np.ones(n)]), np.array([0, *range(n)]))
        base, output = ends[0], ends[1:]
        scale = np.maximum(1.0, np.abs(output - base).max(axis=1))
        allowed = rtol * scale / _IG_MAX_LEAVES
        grid = np.linspace(0.0, 1.0, _IG_INITIAL + 1)
        owner = np.repeat(np.arange(n), _IG_INITIAL + 1)
        at_grid = forward(np.tile(grid, n), owner).reshape(n, _IG_INITIAL + 1, n_out)
        # pending intervals: owner row, left end, right end, output at both ends
        row = np.repeat(np.arange(n), _IG_INITIAL)
        left = np.tile(grid[:-1], n)
        right = np.tile(grid[1:], n)
        f_left = at_grid[:, :-1].reshape(-1, n_out)
        f_right = at_grid[:, 1:].reshape(-1, n_out)
        values = np.zeros((n, p, n_out))
        evaluations = len(left)
        converged = False
        for round_ in range(_IG_MAX_ROUNDS):
            mid = (left + right) / 2
            f_mid, grad = gradient(mid, row)
            share = (right - left)[:, None, None] * delta[row][:, :, None] * grad
            error = np.abs(f_right - f_left - share.sum(axis=1)).max(axis=1)
            keep = error <= allowed[row]
            if round_ == _IG_MAX_ROUNDS - 1:
                keep[:] = True  # out of rounds: keep the last estimate of what is left
            np.add.at(values, row[keep], share[keep])
            split = ~keep
            if not split.any():
                converged = round_ < _IG_MAX_ROUNDS - 1 or bool((error <= allowed[row]).all())
                break
            row = np.concatenate([row[split], row[split]])
            left, right, f_left, f_right = (
                np.concatenate([left[split], mid[split]]),
                np.concatenate([mid[split], right[split]]),
                np.concatenate([f_left[split], f_mid[split]]),
                np.concatenate([f_mid[split], f_right[split]]),
            )
            evaluations += len(left)
    return IntegratedAnswer(values, base, output, evaluations, converged)
