"""Loading saved models safely: nothing that runs code is opened without ``trusted=True``.

Every file is first scanned (:func:`audit.scan.scan_model_file`, which runs
nothing): a file that is not what its name claims, truncated or damaged is
refused with :class:`~audit.errors.ModelFileError` before any loader sees it,
and the scan is remembered with the loaded model so that the report's model
card can show the file's SHA-256 and what it imports (:func:`model_source`).
"""

from __future__ import annotations

import os
import re
import weakref
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from audit.errors import InvalidParameterError, ModelFileError, UntrustedFileError
from audit.scan import ScanResult, printable, scan_model_file

__all__ = [
    "INTERFACES",
    "PICKLE_SUFFIXES",
    "SKOPS_TRUSTED_BY_DEFAULT",
    "TORCH_SUFFIXES",
    "load_model",
    "model_source",
]

PICKLE_SUFFIXES = (".pkl", ".pickle", ".joblib")
TORCH_SUFFIXES = (".pt", ".pth", ".bin")
INTERFACES = ("python", "cli")
SUPPORTED = (
    ".skops, .safetensors, .pt/.pth (torch state_dict), and .pkl/.pickle/.joblib with trusted=True"
)
# Types skops lists as untrusted that model-audit accepts without being asked:
# plain data holders of numpy / scikit-learn whose loading and use index no raw
# memory. Trees (sklearn.tree._tree.Tree, HistGradientBoosting's TreePredictor)
# and neighbour indexes (KDTree, BallTree, distance metrics) stay untrusted:
# skops documents that a crafted file of those types can make predict() read
# out-of-bounds memory, so trusting them is the user's decision.
SKOPS_TRUSTED_BY_DEFAULT = (
    "numpy.dtype",
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.neural_network._stochastic_optimizers.AdamOptimizer",
    "sklearn.neural_network._stochastic_optimizers.SGDOptimizer",
)

# How each interface spells "I trust this file": (trust everything, trust some names).
_TRUST_ALL = {"python": "load_model(path, trusted=True)", "cli": "--trusted"}
_SCAN_HOW = {"python": "audit.scan_model_file(path)", "cli": "model-audit scan {path}"}

_PICKLE_REFUSED = (
    "Refusing to load {path}: {suffix} files are pickles, and unpickling runs whatever "
    "code the file carries{found}. Only load pickles you made yourself or fully trust, with "
    "{trust_all}. Safer formats: .skops for scikit-learn, a state_dict (.pt) or "
    ".safetensors for torch."
)
_SKOPS_UNTRUSTED = {
    "python": (
        "{path} contains types that skops does not trust by default: {types}.{why} Inspect "
        "them ({scan}), then pass trusted=[...those names...] (or trusted=True to accept all)."
    ),
    "cli": (
        "{path} contains types that skops does not trust by default: {types}.{why} Inspect "
        "them ({scan}), then rerun with --trusted to accept them (--trusted also allows "
        "pickles; from Python, load_model(path, trusted=[...]) accepts only the names you list)."
    ),
}
_SKOPS_WHY = (
    " skops keeps {names} untrusted because a crafted file of that type can make predict() "
    "crash or read out-of-bounds memory."
)
_MISSING = "Model file not found: {path}."
_IS_FOLDER = (
    "{path} is a folder, not a model file. Pass the file itself (.skops, .safetensors, .pt, "
    "or a pickle with trusted=True)."
)
_BAD_PATH = "path must be a str or os.PathLike naming a model file; got {kind}."
_BAD_TRUSTED = (
    "trusted must be True, False, or a list of type names to trust (skops); got {value!r}."
)
_BAD_INTERFACE = "interface must be one of {allowed}; got {value!r}."
_TORCH_REFUSED = {
    "python": (
        "Refusing to load {path}: it holds pickled Python objects{what}, not only tensors, "
        "and loading those runs code from the file. torch.load runs with weights_only=True; "
        "pass trusted=True only for a file you fully trust, or save a state_dict instead."
    ),
    "cli": (
        "Refusing to load {path}: it holds pickled Python objects{what}, not only tensors, "
        "and loading those runs code from the file. torch.load runs with weights_only=True; "
        "rerun with --trusted only for a file you fully trust, or save a state_dict instead."
    ),
}
_UNKNOWN_SUFFIX = "Unsupported model file type {suffix!r} for {path}. Supported: {supported}."
_CORRUPT = (
    "{path} is not a valid {kind} file ({error}). It may be truncated or not what its name claims."
)
_OTHER_FORMAT = "its content is a {found} file"
_NEEDS_MODULE = {
    "python": (
        "{path} holds torch weights (a state_dict), not a model. Pass the network to fill: "
        "load_model(path, module=MyNet())."
    ),
    "cli": (
        "{path} holds torch weights (a state_dict), not a model, and the command line cannot "
        "build the network they belong to. Audit it from Python: "
        "audit.audit_model(audit.load_model(path, module=MyNet()), ...)."
    ),
}
_NOT_STATE_DICT = {
    "python": (
        "{path} does not hold a state_dict (a mapping of names to tensors) but {kind}; "
        "loading full pickled modules needs trusted=True."
    ),
    "cli": (
        "{path} does not hold a state_dict (a mapping of names to tensors) but {kind}; "
        "loading full pickled modules needs --trusted."
    ),
}
_STATE_MISMATCH = "The weights in {path} do not fit the given module: {error}"

# What each suffix's loader can read, as scan formats (a prefix of ScanResult.format).
_READABLE = {
    "pickle": ("pickle", "joblib", "torch (legacy)"),
    "skops": ("skops",),
    "safetensors": ("safetensors",),
    "torch": ("torch", "pickle"),
}

_SOURCES: weakref.WeakKeyDictionary[Any, ScanResult] = weakref.WeakKeyDictionary()


def _remember(model: Any, scan: ScanResult) -> Any:
    """Keep the scan with the model (not possible for builtins such as a dict)."""
    try:
        _SOURCES[model] = scan
    except TypeError:
        pass
    return model


def model_source(model: Any) -> dict[str, Any] | None:
    """Where a model came from, if :func:`load_model` loaded it from a file.

    Parameters
    ----------
    model : object
        Any object; usually what :func:`load_model` returned.

    Returns
    -------
    dict or None
        ``file`` (the file name), ``format``, ``sha256``, ``n_bytes``,
        ``scan_verdict`` (``safe`` / ``unknown`` / ``dangerous``),
        ``scan_counts``, ``flagged`` (the imports that are not safe, as
        ``"module.name (verdict)"``) and ``problems``; None for a model that
        was not loaded by :func:`load_model`.
    """
    try:
        scan = _SOURCES.get(model)
    except TypeError:  # unhashable: never registered
        return None
    if scan is None:
        return None
    return {
        "file": printable(Path(scan.path).name),
        "format": scan.format,
        "sha256": scan.sha256,
        "n_bytes": scan.n_bytes,
        "scan_verdict": scan.verdict,
        "scan_counts": scan.counts,
        "flagged": [
            printable(f"{module}.{name} ({verdict})")
            for module, name, verdict, *_ in scan.rows
            if verdict != "safe"
        ],
        "problems": list(scan.problems),
    }


def _checked_scan(path: Path, kind: str) -> ScanResult:
    """Scan the file; refuse it when its content is not what ``kind`` loaders read."""
    scan = scan_model_file(path)
    if not scan.format.startswith(_READABLE[kind]):
        error = _OTHER_FORMAT.format(found=scan.format)
        raise ModelFileError(_CORRUPT.format(path=path, kind=kind, error=error))
    if scan.problems:
        raise ModelFileError(_CORRUPT.format(path=path, kind=kind, error=scan.problems[0]))
    return scan


def _flagged(scan: ScanResult) -> str:
    """`` — and this one would call os.system (dangerous)``-style detail for refusals."""
    names = [f"{m}.{n}" for m, n, v, *_ in scan.rows if v == "dangerous"]
    if not names:
        return ""
    more = f" and {len(names) - 3} more" if len(names) > 3 else ""
    return f" (this one imports {printable(', '.join(names[:3]), 200)}{more}: dangerous)"


def _untrusted_message(path: Path, missing: list[str], interface: str) -> str:
    from skops.io import exceptions

    known = getattr(exceptions, "UNTRUSTED_TYPE_REASONS", {})
    risky = [name for name in missing if name in known]
    why = _SKOPS_WHY.format(names=", ".join(risky)) if risky else ""
    return _SKOPS_UNTRUSTED[interface].format(
        path=path,
        types=[printable(t, 120) for t in missing],
        why=why,
        scan=_SCAN_HOW[interface].format(path=path),
    )


def _load_skops(path: Path, trusted: bool | Sequence[str], scan: ScanResult, interface: str) -> Any:
    import skops.io as sio

    untrusted = [f"{module}.{name}" for module, name, *_ in scan.rows]  # the scan asked skops
    if trusted is True:
        allowed = list(untrusted)
    else:
        allowed = [*SKOPS_TRUSTED_BY_DEFAULT, *(trusted or [])]
    missing = [t for t in untrusted if t not in allowed]
    if missing:
        raise UntrustedFileError(_untrusted_message(path, missing, interface))
    try:  # one load; the types were listed once, by the scan
        return sio.load(path, trusted=allowed)
    except Exception as exc:  # a damaged or hand-edited file fails anywhere inside skops
        from audit.scan import skops_error

        error = skops_error(exc)
        raise ModelFileError(_CORRUPT.format(path=path, kind="skops", error=error)) from exc


def _fill_module(path: Path, state: Any, module: Any, interface: str) -> Any:
    if module is None:
        raise ModelFileError(_NEEDS_MODULE[interface].format(path=path))
    try:
        module.load_state_dict(state)
    except (RuntimeError, KeyError, TypeError) as exc:
        raise ModelFileError(
            _STATE_MISMATCH.format(path=path, error=str(exc).splitlines()[0])
        ) from exc
    return module


def _load_torch(path: Path, trusted: bool, module: Any, interface: str) -> Any:
    from audit.adapters.torch import import_torch

    torch = import_torch()
    try:
        obj = torch.load(path, map_location="cpu", weights_only=not trusted)
    except Exception as exc:
        text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if "weights_only" in str(exc) or "Unsupported global" in str(exc):
            found = re.search(r"Unsupported global: GLOBAL ([\w.]+)", str(exc))
            what = f" (it refers to {found.group(1)})" if found else ""
            raise UntrustedFileError(
                _TORCH_REFUSED[interface].format(path=path, what=what)
            ) from exc
        raise ModelFileError(_CORRUPT.format(path=path, kind="torch", error=text)) from exc
    if hasattr(obj, "state_dict") and hasattr(obj, "forward"):
        return obj  # a full module, only possible with trusted=True
    if not isinstance(obj, dict):
        raise ModelFileError(_NOT_STATE_DICT[interface].format(path=path, kind=type(obj).__name__))
    return _fill_module(path, obj, module, interface)


def _load_safetensors(path: Path, module: Any, interface: str) -> Any:
    try:
        from safetensors.torch import load_file
    except ImportError as exc:
        from audit.errors import OptionalDependencyError

        raise OptionalDependencyError(
            "Loading .safetensors needs the safetensors and torch packages: "
            "pip install 'model-audit[torch]'."
        ) from exc
    try:
        state = load_file(str(path))
    except Exception as exc:
        raise ModelFileError(_CORRUPT.format(path=path, kind="safetensors", error=exc)) from exc
    return _fill_module(path, state, module, interface)


def _load_pickle(path: Path) -> Any:
    import joblib

    try:
        return joblib.load(path)
    except Exception as exc:
        error = str(exc) or type(exc).__name__
        raise ModelFileError(_CORRUPT.format(path=path, kind="pickle", error=error)) from exc


def _check_arguments(path: Any, trusted: Any, interface: Any) -> Path:
    if not isinstance(path, (str, os.PathLike)):
        raise InvalidParameterError(_BAD_PATH.format(kind=type(path).__name__))
    if not (
        isinstance(trusted, bool)
        or (
            isinstance(trusted, Sequence)
            and not isinstance(trusted, (str, bytes))
            and all(isinstance(t, str) for t in trusted)
        )
    ):
        raise InvalidParameterError(_BAD_TRUSTED.format(value=trusted))
    if interface not in INTERFACES:
        raise InvalidParameterError(_BAD_INTERFACE.format(allowed=INTERFACES, value=interface))
    path = Path(path)
    if path.is_dir():
        raise ModelFileError(_IS_FOLDER.format(path=path))
    if not path.is_file():
        raise ModelFileError(_MISSING.format(path=path))
    return path


def load_model(
    path: str | Path,
    *,
    trusted: bool | Sequence[str] = False,
    module: Any = None,
    interface: str = "python",
) -> Any:
    """Load a saved model without running untrusted code.

    The file is scanned first (:func:`audit.scan_model_file`; nothing runs): a
    file whose content is not what its name claims, or that is truncated or
    damaged, is refused before any loader reads it. The scan is kept with the
    returned model, and the report's model card shows it (:func:`model_source`).

    Parameters
    ----------
    path : path-like
        ``.skops`` (scikit-learn via skops.io), ``.safetensors`` or ``.pt``/``.pth``
        (a torch state_dict, loaded into ``module``), or ``.pkl``/``.pickle``/
        ``.joblib`` (pickles: only with ``trusted=True``).
    trusted : bool or sequence of str, default=False
        For skops, the type names to accept beyond skops' defaults and
        :data:`SKOPS_TRUSTED_BY_DEFAULT` (``True`` accepts all); for torch,
        ``True`` allows ``torch.load(weights_only=False)``; for pickles,
        ``True`` is required.
    module : torch.nn.Module, optional
        The network a state_dict or safetensors file is loaded into.
    interface : {"python", "cli"}, default="python"
        Whose words the error messages use to say how to trust a file:
        ``trusted=...`` (Python) or ``--trusted`` (the command line).

    Returns
    -------
    object
        The model (or ``module`` with its weights loaded).

    Raises
    ------
    UntrustedFileError
        The file would run code, or holds untrusted types, and ``trusted`` was not given.
    ModelFileError
        Missing, a folder, corrupt, truncated, not what its name claims, or of
        an unsupported type; the message names the file and what was expected.
    InvalidParameterError
        ``path`` is not path-like, ``trusted`` is neither a bool nor a list of
        names, or ``interface`` is unknown.
    """
    path = _check_arguments(path, trusted, interface)
    suffix = path.suffix.lower()
    if suffix in PICKLE_SUFFIXES:
        scan = _checked_scan(path, "pickle")
        if trusted is not True:
            raise UntrustedFileError(
                _PICKLE_REFUSED.format(
                    path=path,
                    suffix=suffix,
                    found=_flagged(scan),
                    trust_all=_TRUST_ALL[interface],
                )
            )
        return _remember(_load_pickle(path), scan)
    if suffix == ".skops":
        scan = _checked_scan(path, "skops")
        return _remember(_load_skops(path, trusted, scan, interface), scan)
    if suffix == ".safetensors":
        scan = _checked_scan(path, "safetensors")
        return _remember(_load_safetensors(path, module, interface), scan)
    if suffix in TORCH_SUFFIXES:
        scan = _checked_scan(path, "torch")
        return _remember(_load_torch(path, trusted is True, module, interface), scan)
    raise ModelFileError(
        _UNKNOWN_SUFFIX.format(suffix=suffix or "(none)", path=path, supported=SUPPORTED)
    )
