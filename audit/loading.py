"""Loading saved models safely: nothing that runs code is opened without ``trusted=True``."""

from __future__ import annotations

import os
import re
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from audit.errors import InvalidParameterError, ModelFileError, UntrustedFileError

__all__ = ["PICKLE_SUFFIXES", "TORCH_SUFFIXES", "load_model"]

PICKLE_SUFFIXES = (".pkl", ".pickle", ".joblib")
TORCH_SUFFIXES = (".pt", ".pth", ".bin")
SUPPORTED = (
    ".skops, .safetensors, .pt/.pth (torch state_dict), and .pkl/.pickle/.joblib with trusted=True"
)

_PICKLE_REFUSED = (
    "Refusing to load {path}: {suffix} files are pickles, and unpickling runs whatever "
    "code the file carries. Only load pickles you made yourself or fully trust, with "
    "load_model(path, trusted=True) (CLI: --trusted). Safer formats: .skops for "
    "scikit-learn, a state_dict (.pt) or .safetensors for torch."
)
_SKOPS_UNTRUSTED = (
    "{path} contains types that are not on skops' trusted list: {types}. Inspect them, "
    "then pass trusted=[...those names...] (or trusted=True to accept all)."
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
_TORCH_REFUSED = (
    "Refusing to load {path}: it holds pickled Python objects{what}, not only tensors, and "
    "loading those runs code from the file. torch.load runs with weights_only=True; pass "
    "trusted=True only for a file you fully trust, or save a state_dict instead."
)
_UNKNOWN_SUFFIX = "Unsupported model file type {suffix!r} for {path}. Supported: {supported}."
_CORRUPT = (
    "{path} is not a valid {kind} file ({error}). It may be truncated or not what its name claims."
)
_NEEDS_MODULE = (
    "{path} holds torch weights (a state_dict), not a model. Pass the network to fill: "
    "load_model(path, module=MyNet())."
)
_NOT_STATE_DICT = (
    "{path} does not hold a state_dict (a mapping of names to tensors) but {kind}; "
    "loading full pickled modules needs trusted=True."
)
_STATE_MISMATCH = "The weights in {path} do not fit the given module: {error}"


def _load_skops(path: Path, trusted: bool | Sequence[str]) -> Any:
    import skops.io as sio

    try:
        untrusted = sio.get_untrusted_types(file=path)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ModelFileError(_CORRUPT.format(path=path, kind="skops", error=exc)) from exc
    if trusted is True:
        allowed = list(untrusted)
    elif trusted is False or trusted is None:
        allowed = []
    else:
        allowed = list(trusted)
    missing = [t for t in untrusted if t not in allowed]
    if missing:
        raise UntrustedFileError(_SKOPS_UNTRUSTED.format(path=path, types=missing))
    try:
        return sio.load(path, trusted=allowed)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ModelFileError(_CORRUPT.format(path=path, kind="skops", error=exc)) from exc


def _fill_module(path: Path, state: Any, module: Any) -> Any:
    if module is None:
        raise ModelFileError(_NEEDS_MODULE.format(path=path))
    try:
        module.load_state_dict(state)
    except (RuntimeError, KeyError, TypeError) as exc:
        raise ModelFileError(
            _STATE_MISMATCH.format(path=path, error=str(exc).splitlines()[0])
        ) from exc
    return module


def _load_torch(path: Path, trusted: bool, module: Any) -> Any:
    from audit.adapters.torch import import_torch

    torch = import_torch()
    try:
        obj = torch.load(path, map_location="cpu", weights_only=not trusted)
    except Exception as exc:
        text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if "weights_only" in str(exc) or "Unsupported global" in str(exc):
            found = re.search(r"Unsupported global: GLOBAL ([\w.]+)", str(exc))
            what = f" (it refers to {found.group(1)})" if found else ""
            raise UntrustedFileError(_TORCH_REFUSED.format(path=path, what=what)) from exc
        raise ModelFileError(_CORRUPT.format(path=path, kind="torch", error=text)) from exc
    if hasattr(obj, "state_dict") and hasattr(obj, "forward"):
        return obj  # a full module, only possible with trusted=True
    if not isinstance(obj, dict):
        raise ModelFileError(_NOT_STATE_DICT.format(path=path, kind=type(obj).__name__))
    return _fill_module(path, obj, module)


def _load_safetensors(path: Path, module: Any) -> Any:
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
    return _fill_module(path, state, module)


def _load_pickle(path: Path) -> Any:
    import joblib

    try:
        return joblib.load(path)
    except Exception as exc:
        error = str(exc) or type(exc).__name__
        raise ModelFileError(_CORRUPT.format(path=path, kind="pickle", error=error)) from exc


def load_model(
    path: str | Path,
    *,
    trusted: bool | Sequence[str] = False,
    module: Any = None,
) -> Any:
    """Load a saved model without running untrusted code.

    Parameters
    ----------
    path : path-like
        ``.skops`` (scikit-learn via skops.io), ``.safetensors`` or ``.pt``/``.pth``
        (a torch state_dict, loaded into ``module``), or ``.pkl``/``.pickle``/
        ``.joblib`` (pickles: only with ``trusted=True``).
    trusted : bool or sequence of str, default=False
        For skops, the type names to accept beyond skops' defaults (``True``
        accepts all); for torch, ``True`` allows ``torch.load(weights_only=False)``;
        for pickles, ``True`` is required.
    module : torch.nn.Module, optional
        The network a state_dict or safetensors file is loaded into.

    Returns
    -------
    object
        The model (or ``module`` with its weights loaded).

    Raises
    ------
    UntrustedFileError
        The file would run code, or holds untrusted types, and ``trusted`` was not given.
    ModelFileError
        Missing, a folder, corrupt, truncated, or of an unsupported type.
    InvalidParameterError
        ``path`` is not path-like, or ``trusted`` is neither a bool nor a list of names.
    """
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
    path = Path(path)
    if path.is_dir():
        raise ModelFileError(_IS_FOLDER.format(path=path))
    if not path.is_file():
        raise ModelFileError(_MISSING.format(path=path))
    suffix = path.suffix.lower()
    if suffix in PICKLE_SUFFIXES:
        if trusted is not True:
            raise UntrustedFileError(_PICKLE_REFUSED.format(path=path, suffix=suffix))
        return _load_pickle(path)
    if suffix == ".skops":
        return _load_skops(path, trusted)
    if suffix == ".safetensors":
        return _load_safetensors(path, module)
    if suffix in TORCH_SUFFIXES:
        return _load_torch(path, trusted is True, module)
    raise ModelFileError(
        _UNKNOWN_SUFFIX.format(suffix=suffix or "(none)", path=path, supported=SUPPORTED)
    )
