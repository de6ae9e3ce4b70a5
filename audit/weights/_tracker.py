"""How weights evolve during training (Table 10).

:class:`WeightTracker` records per-parameter statistics each time it is asked:

* torch — call ``tracker.record(model, epoch=e)`` in the training loop, or
  ``tracker.attach(optimizer, model=model, every=k)`` to record after every k-th
  ``optimizer.step()`` (through ``Optimizer.register_step_post_hook``);
* scikit-learn — call ``tracker.record(estimator, epoch=e)`` after each
  ``partial_fit`` / warm-started ``fit``, or let
  :meth:`WeightTracker.track_partial_fit` run the loop.

It keeps the statistics of every record, plus full copies of the first and the
latest weights, so the largest learned weights can be shown beside their initial
values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from audit.adapters import make_adapter
from audit.adapters.torch import is_torch_module
from audit.errors import DataValidationError, UnsupportedModelError
from audit.weights._result import frame_records

__all__ = ["WeightTracker", "TrackingResult", "HISTORY_COLUMNS", "TOP_COLUMNS"]

HISTORY_COLUMNS = ["record", "epoch", "step", "layer", "count", "mean", "std", "min", "max", "norm"]
TOP_COLUMNS = ["layer", "index", "initial", "final", "change"]

_BAD_EVERY = "every must be an int >= 1; got {value!r}."
_BAD_TOP_K = "top_k must be an int >= 0; got {value!r}."
_NO_PARTIAL_FIT = (
    "{name} has neither partial_fit nor warm_start=True, so it cannot be trained epoch by "
    "epoch. Use an estimator with partial_fit (SGDClassifier, MLPClassifier, ...) or set "
    "warm_start=True."
)
_NO_RECORDS = "The tracker has no records yet; call record() or attach() during training."
_BAD_EPOCHS = "epochs must be an int >= 1; got {value!r}."


def _check_int(value: Any, minimum: int, message: str) -> int:
    if isinstance(value, bool) or int(value) != value or value < minimum:
        raise DataValidationError(message.format(value=value))
    return int(value)


@dataclass(frozen=True, eq=False)
class TrackingResult:
    """Recorded weight statistics, ready for a table or a plot.

    Attributes
    ----------
    history : pandas.DataFrame
        Long table, one row per (record, parameter): ``record`` (0, 1, ...),
        ``epoch``, ``step`` (optimizer steps, missing when recorded by hand),
        ``layer``, ``count, mean, std, min, max, norm`` (Frobenius norm).
    top_weights : pandas.DataFrame
        The ``top_k`` weights with the largest final magnitude: ``layer, index``
        (position in the array), ``initial`` (first record), ``final`` (latest
        record), ``change``.
    n_records : int
        How many times the weights were recorded.
    """

    history: pd.DataFrame
    top_weights: pd.DataFrame
    n_records: int

    def to_frame(self) -> pd.DataFrame:
        """The long history table (a copy)."""
        return self.history.copy()

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable dict: ``n_records, history, top_weights``."""
        return {
            "n_records": self.n_records,
            "history": frame_records(self.history),
            "top_weights": frame_records(self.top_weights),
        }


class WeightTracker:
    """Record per-layer weight statistics during training.

    Parameters
    ----------
    top_k : int, default=10
        How many of the largest final weights to compare with their initial value.
    every : int, default=1
        With :meth:`attach`, record after every ``every``-th optimizer step.

    Examples
    --------
    >>> tracker = WeightTracker()
    >>> tracker.record(net, epoch=0)  # doctest: +SKIP
    >>> for epoch in range(1, 6):  # doctest: +SKIP
    ...     train_one_epoch(net)
    ...     tracker.record(net, epoch=epoch)
    >>> tracker.to_frame()  # doctest: +SKIP
    """

    def __init__(self, *, top_k: int = 10, every: int = 1) -> None:
        self.top_k = _check_int(top_k, 0, _BAD_TOP_K)
        self.every = _check_int(every, 1, _BAD_EVERY)
        self._rows: list[dict[str, Any]] = []
        self._first: dict[str, np.ndarray] | None = None
        self._last: dict[str, np.ndarray] | None = None
        self._n_records = 0
        self._steps = 0
        self._handle: Any = None

    @property
    def n_records(self) -> int:
        """How many times the weights were recorded."""
        return self._n_records

    # ---------------------------------------------------------------- record
    def record(
        self, model: Any, *, epoch: int | float | None = None, step: int | None = None
    ) -> None:
        """Record the current weights of a torch module or fitted scikit-learn estimator.

        Parameters
        ----------
        model : torch.nn.Module, estimator or Pipeline
            The model being trained (read only).
        epoch : int or float, optional
            Its epoch; defaults to the record's index (0, 1, ...).
        step : int, optional
            Optimizer step count, when known.
        """
        self._store(make_adapter(model).parameters(), epoch=epoch, step=step)

    def _store(self, arrays: dict[str, np.ndarray], *, epoch: Any, step: int | None) -> None:
        index = self._n_records
        epoch_value = index if epoch is None else epoch
        snapshot = {name: np.array(a, dtype=np.float64, copy=True) for name, a in arrays.items()}
        for name, values in snapshot.items():
            flat = values.ravel()
            self._rows.append(
                {
                    "record": index,
                    "epoch": epoch_value,
                    "step": step,
                    "layer": name,
                    "count": int(flat.size),
                    "mean": float(flat.mean()) if flat.size else float("nan"),
                    "std": float(flat.std()) if flat.size else float("nan"),
                    "min": float(flat.min()) if flat.size else float("nan"),
                    "max": float(flat.max()) if flat.size else float("nan"),
                    "norm": float(np.linalg.norm(flat)),
                }
            )
        if self._first is None:
            self._first = snapshot
        self._last = snapshot
        self._n_records += 1

    # ------------------------------------------------------------- torch hook
    def attach(self, optimizer: Any, *, model: Any = None, every: int | None = None) -> Any:
        """Record after optimizer steps, through ``optimizer.register_step_post_hook``.

        Parameters
        ----------
        optimizer : torch.optim.Optimizer
            The optimizer of the training loop.
        model : torch.nn.Module, optional
            Gives the parameters their names (and is recorded once now, as step 0);
            without it they are named ``group<g>.param<i>``.
        every : int, optional
            Record every this many steps (default: the tracker's ``every``).

        Returns
        -------
        torch.utils.hooks.RemovableHandle
            Also kept by the tracker; :meth:`detach` removes it.
        """
        if every is not None:
            self.every = _check_int(every, 1, _BAD_EVERY)
        if model is not None and not is_torch_module(model):
            raise UnsupportedModelError(
                f"attach(model=...) needs a torch.nn.Module; got {type(model).__name__}."
            )

        def snapshot() -> dict[str, np.ndarray]:
            if model is not None:
                return {n: p.detach().cpu().numpy() for n, p in model.named_parameters()}
            return {
                f"group{g}.param{i}": p.detach().cpu().numpy()
                for g, group in enumerate(optimizer.param_groups)
                for i, p in enumerate(group["params"])
            }

        if model is not None and self._n_records == 0:
            self._store(snapshot(), epoch=None, step=0)

        def hook(_optimizer: Any, _args: Any, _kwargs: Any) -> None:
            self._steps += 1
            if self._steps % self.every == 0:
                self._store(snapshot(), epoch=None, step=self._steps)

        self.detach()
        self._handle = optimizer.register_step_post_hook(hook)
        return self._handle

    def detach(self) -> None:
        """Stop recording optimizer steps (no-op when not attached)."""
        if self._handle is not None:
            self._handle.remove()
            self._handle = None

    # ------------------------------------------------------------- sklearn loop
    def track_partial_fit(
        self,
        estimator: Any,
        X: Any,
        y: Any,
        *,
        epochs: int,
        classes: Any = None,
        **fit_params: Any,
    ) -> Any:
        """Train a scikit-learn estimator epoch by epoch, recording after each.

        Calls ``partial_fit`` (``classes`` passed on the first call) or, for an
        estimator with ``warm_start=True``, ``fit`` again. The estimator is trained
        in place (it is the user's training run) and returned. The first record is
        after the first epoch, since an unfitted estimator has no weights.

        Parameters
        ----------
        estimator : estimator
            With ``partial_fit``, or ``warm_start=True``.
        X, y : array-like
            Training data.
        epochs : int
            Number of passes.
        classes : array-like, optional
            All class labels (needed by classifiers' first ``partial_fit``).
        **fit_params
            Passed to every ``partial_fit`` / ``fit`` call.

        Returns
        -------
        estimator
        """
        epochs = _check_int(epochs, 1, _BAD_EPOCHS)
        use_partial = hasattr(estimator, "partial_fit")
        if not use_partial and not getattr(estimator, "warm_start", False):
            raise UnsupportedModelError(_NO_PARTIAL_FIT.format(name=type(estimator).__name__))
        for epoch in range(1, epochs + 1):
            if use_partial:
                extra = {"classes": classes} if (classes is not None and epoch == 1) else {}
                estimator.partial_fit(X, y, **extra, **fit_params)
            else:
                estimator.fit(X, y, **fit_params)
            self.record(estimator, epoch=epoch)
        return estimator

    # ---------------------------------------------------------------- results
    def to_frame(self) -> pd.DataFrame:
        """Long table of every record (see :attr:`TrackingResult.history`)."""
        frame = pd.DataFrame(self._rows, columns=HISTORY_COLUMNS)
        frame["step"] = frame["step"].astype("Int64")
        return frame

    def top_weights(self) -> pd.DataFrame:
        """The ``top_k`` largest final weights beside their initial values."""
        if self._first is None or self._last is None:
            return pd.DataFrame(columns=TOP_COLUMNS)
        layers, indices, initial, final = [], [], [], []
        for name, last in self._last.items():
            first = self._first.get(name)
            if first is None or first.shape != last.shape:
                continue
            layers.extend([name] * last.size)
            indices.extend(range(last.size))
            initial.append(first.ravel())
            final.append(last.ravel())
        if not layers:
            return pd.DataFrame(columns=TOP_COLUMNS)
        init = np.concatenate(initial)
        fin = np.concatenate(final)
        order = np.argsort(-np.abs(fin), kind="stable")[: self.top_k]
        shapes = {name: self._last[name].shape for name in self._last}
        return pd.DataFrame(
            {
                "layer": [layers[i] for i in order],
                "index": [
                    str(tuple(int(v) for v in np.unravel_index(indices[i], shapes[layers[i]])))
                    for i in order
                ],
                "initial": init[order],
                "final": fin[order],
                "change": fin[order] - init[order],
            }
        )

    def result(self) -> TrackingResult:
        """Everything recorded so far as a frozen :class:`TrackingResult`."""
        if self._n_records == 0:
            raise DataValidationError(_NO_RECORDS)
        return TrackingResult(
            history=self.to_frame(), top_weights=self.top_weights(), n_records=self._n_records
        )
