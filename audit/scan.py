"""What a model file would import or call, found without loading or running anything.

:func:`scan_model_file` reads a model file's bytes and reports every Python
object the file names: the globals of pickles (``GLOBAL`` / ``STACK_GLOBAL`` /
``INST``, and whether ``REDUCE`` / ``NEWOBJ`` / ``OBJ`` / ``INST`` would call
them), of joblib files (plain or zlib / gzip / bz2 / xz / lzma / lz4
compressed, numpy array data skipped, nested pickles of object arrays
followed), of every ``.pkl`` inside a torch zip archive and of legacy torch
files; the types of a ``.skops`` file that skops does not trust
(:func:`skops.io.get_untrusted_types`); and whether a ``.safetensors`` header
is consistent with the file. Pickles are read with :func:`pickletools.genops`,
which parses opcodes and never executes them; a small symbolic stack follows
the values only as far as needed to name what is imported and called.

Each name gets a verdict, ``safe`` (numpy, scikit-learn, scipy, torch tensor
rebuilding, plain containers, ...), ``dangerous`` (``os``, ``subprocess``,
``builtins.eval``, ``pickle.loads``, ... anything that can run commands,
load further code or touch files) or ``unknown`` (everything else, e.g. a
class of your own project). The file's verdict is the worst of them; a file
that could be inspected only in part is at least ``unknown``.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import pickletools
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from audit.errors import InvalidParameterError, ModelFileError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "VERDICTS",
    "ScanResult",
    "classify_import",
    "printable",
    "scan_model_file",
    "skops_error",
    "skops_untrusted",
]

VERDICTS = ("safe", "unknown", "dangerous")
_RANK = {v: i for i, v in enumerate(VERDICTS)}
COLUMNS = ("module", "name", "verdict", "called", "reason", "where")

_MAX_READ = 1 << 30  # the most one pickle argument may claim in a stream of unknown size
_CHUNK = 1 << 20
_TORCH_MAGIC = 0x1950A86A20F9469CFC6C  # the first pickle of a legacy (pre-zip) torch file
_SAFETENSORS_MAX_HEADER = 100_000_000  # the safetensors library's own limit

_MISSING = "Model file not found: {path}."
_IS_FOLDER = "{path} is a folder, not a model file."
_BAD_PATH = "path must be a str or os.PathLike naming a model file; got {kind}."
_EMPTY = "{path} is not a valid {expected} file (it is empty: 0 bytes)."
_NOT_A_MODEL = "{path} is not a valid {expected} file ({error})."
_EXPECTED = {
    ".pkl": "pickle",
    ".pickle": "pickle",
    ".joblib": "pickle",
    ".pt": "torch",
    ".pth": "torch",
    ".bin": "torch",
    ".skops": "skops",
    ".safetensors": "safetensors",
}

# ---------------------------------------------------------------------------
# classification

_BUILTINS = frozenset({"builtins", "__builtin__", "__builtins__", "exceptions"})
_BUILTINS_DANGEROUS = frozenset(
    {
        "eval", "exec", "execfile", "compile", "open", "file", "__import__", "getattr",
        "setattr", "delattr", "globals", "locals", "vars", "input", "raw_input",
        "breakpoint", "reload", "help", "exit", "quit", "apply",
    }
)  # fmt: skip
_BUILTINS_SAFE = frozenset(
    {
        "set", "frozenset", "list", "dict", "tuple", "slice", "range", "xrange", "complex",
        "bytearray", "bytes", "int", "long", "float", "str", "unicode", "bool", "object",
        "NotImplemented", "Ellipsis",
    }
)  # fmt: skip
# a module (or a package and everything under it) whose every name is dangerous
_DANGEROUS_MODULES = frozenset(
    {
        "os", "posix", "nt", "posixpath", "ntpath", "subprocess", "_posixsubprocess", "sys",
        "socket", "_socket", "ssl", "select", "selectors", "shutil", "importlib", "runpy",
        "pty", "tty", "webbrowser", "antigravity", "marshal", "ctypes", "_ctypes",
        "multiprocessing", "_multiprocessing", "signal", "code", "codeop", "pdb", "bdb",
        "timeit", "trace", "profile", "cProfile", "asyncio", "urllib", "urllib2", "urllib3",
        "http", "httplib", "ftplib", "smtplib", "telnetlib", "poplib", "imaplib", "nntplib",
        "xmlrpc", "socketserver", "requests", "httpx", "aiohttp", "paramiko", "pexpect",
        "pip", "ensurepip", "setuptools", "distutils", "venv", "site", "commands", "popen2",
        "platform", "pkgutil", "zipimport", "_thread", "thread", "threading", "mmap",
        "fcntl", "resource", "pydoc", "idlelib", "IPython", "pickle", "_pickle", "cPickle",
        "pickletools", "dill", "cloudpickle", "shelve", "dbm", "tempfile", "zipfile",
        "tarfile", "linecache", "getpass", "numpy.testing", "numpy.distutils", "numpy.f2py",
        "numpy.ctypeslib", "torch.hub", "torch.package", "torch.utils.cpp_extension",
        "sklearn.utils._testing", "scipy.weave",
    }
)  # fmt: skip
_DANGEROUS_NAMES = frozenset(
    {
        ("numpy", "load"), ("numpy.lib.npyio", "load"), ("numpy.lib._npyio_impl", "load"),
        ("joblib", "load"), ("joblib.numpy_pickle", "load"), ("torch", "load"),
        ("torch.serialization", "load"), ("torch.jit", "load"), ("torch", "compile"),
        ("pandas", "read_pickle"), ("pandas.io.pickle", "read_pickle"), ("pandas", "eval"),
        ("pandas.core.computation.eval", "eval"), ("operator", "attrgetter"),
        ("operator", "methodcaller"), ("_operator", "attrgetter"),
        ("_operator", "methodcaller"), ("io", "open"), ("io", "open_code"), ("io", "FileIO"),
        ("_io", "open"), ("_io", "open_code"), ("_io", "FileIO"), ("codecs", "open"),
        ("types", "FunctionType"), ("types", "CodeType"), ("types", "LambdaType"),
        ("types", "MethodType"), ("copyreg", "add_extension"),
    }
)  # fmt: skip
_SAFE_NAMES = frozenset(
    {
        ("collections", "OrderedDict"), ("collections", "defaultdict"),
        ("collections", "Counter"), ("collections", "deque"), ("copyreg", "_reconstructor"),
        ("copy_reg", "_reconstructor"), ("copyreg", "__newobj__"),
        ("copyreg", "__newobj_ex__"), ("_codecs", "encode"), ("codecs", "encode"),
        ("datetime", "datetime"), ("datetime", "date"), ("datetime", "time"),
        ("datetime", "timedelta"), ("datetime", "timezone"), ("decimal", "Decimal"),
        ("fractions", "Fraction"), ("uuid", "UUID"), ("pathlib", "Path"),
        ("pathlib", "PosixPath"), ("pathlib", "WindowsPath"), ("pathlib", "PurePath"),
        ("pathlib", "PurePosixPath"), ("pathlib", "PureWindowsPath"),
        ("joblib.numpy_pickle", "NumpyArrayWrapper"),
        ("joblib.numpy_pickle_compat", "NDArrayWrapper"),
        ("joblib.numpy_pickle_compat", "ZNDArrayWrapper"),
        ("numpy", "dtype"), ("numpy", "ndarray"), ("numpy", "matrix"),
        ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
        ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar"),
        ("numpy.core.numeric", "_frombuffer"), ("numpy._core.numeric", "_frombuffer"),
        ("numpy.ma.core", "_mareconstruct"), ("numpy.ma.core", "MaskedArray"),
        ("numpy.random._pickle", "__randomstate_ctor"),
        ("numpy.random._pickle", "__bit_generator_ctor"),
        ("numpy.random._pickle", "__generator_ctor"), ("numpy.random", "RandomState"),
        ("numpy.random.mtrand", "RandomState"), ("numpy.random", "Generator"),
        ("torch", "Size"), ("torch", "device"), ("torch", "Tensor"),
        ("torch._tensor", "_rebuild_from_type_v2"), ("torch.serialization", "_get_layout"),
        ("torch.nn.parameter", "Parameter"), ("torch.storage", "UntypedStorage"),
        ("torch.storage", "TypedStorage"), ("torch", "UntypedStorage"),
    }
)  # fmt: skip
_NUMPY_SCALARS = frozenset(
    {
        "bool_", "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32",
        "uint64", "intc", "uintc", "int_", "uint", "intp", "uintp", "longlong", "ulonglong",
        "short", "ushort", "byte", "ubyte", "half", "single", "double", "longdouble",
        "float16", "float32", "float64", "float128", "float_", "complex64", "complex128",
        "complex256", "complex_", "csingle", "cdouble", "clongdouble", "str_", "bytes_",
        "unicode_", "string_", "object_", "void", "datetime64", "timedelta64", "generic",
        "number", "integer", "floating", "signedinteger", "unsignedinteger",
    }
)  # fmt: skip
_NUMPY_MATH = frozenset(
    {
        "log", "log1p", "log2", "log10", "exp", "expm1", "exp2", "sqrt", "cbrt", "square",
        "abs", "absolute", "fabs", "sign", "negative", "reciprocal", "tanh", "sinh", "cosh",
        "arcsinh", "arccosh", "arctanh", "sin", "cos", "tan", "arcsin", "arccos", "arctan",
        "floor", "ceil", "rint", "trunc", "round", "around", "clip", "isnan", "isfinite",
        "isinf", "logical_not", "add", "subtract", "multiply", "divide", "true_divide",
        "power", "maximum", "minimum", "mean", "median", "sum", "std", "var", "max", "min",
        "nanmean", "nanmedian", "nansum", "nanstd", "nanmax", "nanmin", "argmax", "argmin",
        "percentile", "quantile",
    }
)  # fmt: skip
_TORCH_NAMES = frozenset(
    {
        "float32", "float", "float64", "double", "float16", "half", "bfloat16", "int64",
        "long", "int32", "int", "int16", "short", "int8", "uint8", "bool", "complex64",
        "complex128", "cfloat", "cdouble", "strided", "sparse_coo", "sparse_csr",
        "preserve_format", "contiguous_format", "channels_last", "channels_last_3d",
        "per_tensor_affine", "per_channel_affine",
    }
)  # fmt: skip
_TORCH_SAFE_PACKAGES = ("torch.nn", "torch.optim", "torch.distributions", "torch.nn.functional")
_UNKNOWN_MODULES = ("sklearn.datasets", "scipy.io", "scipy.datasets", "scipy._lib._testutils")
_SAFE_PREFIXES = {"sklearn": "scikit-learn", "scipy": "SciPy"}
_CLASS_PREFIXES = {"lightgbm": "LightGBM", "xgboost": "XGBoost", "pandas": "pandas"}
_SAFE_DUNDERS = frozenset({"__newobj__", "__newobj_ex__"})


_NAME = re.compile(r"^(?!\d)\w+(\.(?!\d)\w+)*$")


def _under(module: str, packages: Any) -> bool:
    """Whether ``module`` is one of ``packages`` or inside one of them."""
    return any(module == p or module.startswith(p + ".") for p in packages)


def classify_import(module: str, name: str) -> tuple[str, str]:
    """Classify one name a model file imports.

    Parameters
    ----------
    module : str
        The module the file imports from (``"numpy.core.multiarray"``).
    name : str
        The name it takes from that module (``"_reconstruct"``); may be dotted
        (``"Path.write_text"``), as pickle protocol 4 allows.

    Returns
    -------
    verdict : {"safe", "unknown", "dangerous"}
    reason : str
        Why, in a few words.
    """
    if not _NAME.match(module) or not _NAME.match(name):
        return "unknown", "not a valid Python name (importing it fails unless it is planted)"
    base = name.split(".", 1)[0]
    dotted = "." in name
    dunder = [
        p
        for p in name.split(".")
        if p.startswith("__") and p.endswith("__") and p not in _SAFE_DUNDERS
    ]
    if module in _BUILTINS:
        if base in _BUILTINS_DANGEROUS:
            return "dangerous", f"builtins.{base} can run code, reach any attribute or open files"
        if dotted or dunder:
            return "dangerous", "an attribute of a builtin, reached by a dotted name"
        if base in _BUILTINS_SAFE:
            return "safe", "a plain builtin type"
        return "unknown", "a builtin that model files do not normally use"
    if _under(module, _DANGEROUS_MODULES):
        return "dangerous", f"{module} can run commands, load code, or use files or the network"
    if (module, name) in _DANGEROUS_NAMES or (module, base) in _DANGEROUS_NAMES:
        return "dangerous", f"{module}.{base} loads further code or runs it"
    if dunder:
        return "dangerous", "reaches a dunder attribute (a common code-execution gadget)"
    if module == "pathlib" and dotted:
        return "dangerous", "a pathlib method (reads, writes or deletes files)"
    if (module, name) in _SAFE_NAMES:
        return "safe", "a known data type or rebuild function"
    if _under(module, _UNKNOWN_MODULES):
        return "unknown", "reads files or downloads data"
    if module == "numpy" or module.startswith("numpy."):
        if module == "numpy.dtypes" or (module == "numpy" and name in _NUMPY_SCALARS):
            return "safe", "a numpy data type"
        if module == "numpy" and name in _NUMPY_MATH:
            return "safe", "a numpy math function"
        if (
            module.startswith("numpy.random.")
            and not dotted
            and (base[:1].isupper() or base.endswith("_ctor") or base.startswith("__pyx_unpickle_"))
        ):
            return "safe", "a numpy random generator and its state"
        return "unknown", "a numpy name outside the known-safe list"
    for prefix, label in _SAFE_PREFIXES.items():
        if _under(module, [prefix]):
            return "safe", f"a {label} object"
    if _under(module, ["torch"]):
        if module == "torch._utils" and name.startswith("_rebuild_"):
            return "safe", "a torch tensor rebuild function"
        if module == "torch" and (name.endswith("Storage") or name in _TORCH_NAMES):
            return "safe", "a torch storage, dtype or layout"
        if _under(module, _TORCH_SAFE_PACKAGES) and not dotted:
            return "safe", "a torch layer, optimizer or function"
        return "unknown", "a torch name outside the known-safe list"
    for prefix, label in _CLASS_PREFIXES.items():
        if _under(module, [prefix]) and not dotted:
            if base[:1].isupper() or base.startswith(("_new_", "_unpickle")):
                return "safe", f"a {label} class"
    if module == "__main__":
        return "unknown", "defined in the script that saved the file; its code is not in it"
    return "unknown", "not on model-audit's list of known-safe names"


def _worst(verdicts: Any) -> str:
    return max(verdicts, key=_RANK.__getitem__, default="safe")


# ---------------------------------------------------------------------------
# the result


def printable(text: object, limit: int = 200) -> str:
    """``text`` safe to print, every hidden character shown as an escape.

    Names inside a model file are chosen by whoever wrote it. Each character
    that is not printable (control characters, ESC of ANSI sequences, bidi
    overrides, zero-width characters) is shown as its escape (``\\x1b``), so
    ``"os\\x1b[31m"`` prints as that, never as a red ``os``.

    Parameters
    ----------
    text : object
        Anything; it is converted with ``str()``.
    limit : int, default=200
        Longest result, in characters (``…`` marks a cut).

    Returns
    -------
    str
    """
    clean = "".join(
        char if char.isprintable() else char.encode("unicode_escape").decode("ascii")
        for char in str(text)
    )
    return clean if len(clean) <= limit else clean[: limit - 1] + "…"


@dataclass(frozen=True)
class ScanResult:
    """What :func:`scan_model_file` found in one file.

    Attributes
    ----------
    path : str
        The file, as given.
    format : str
        ``pickle``, ``joblib``, ``joblib (zlib)`` (and the other compressions),
        ``torch``, ``torch (legacy)``, ``skops`` or ``safetensors``: what the
        bytes are, whatever the file's name says.
    sha256 : str
        SHA-256 of the file's bytes (hex).
    n_bytes : int
        File size.
    verdict : {"safe", "unknown", "dangerous"}
        The worst verdict of the imports; ``unknown`` at least when the file
        could be inspected only in part (see ``problems``).
    problems : tuple of str
        Why the file is not fully valid (truncated, inconsistent header, ...).
    notes : tuple of str
        Facts that change no verdict (e.g. data after the last pickle).
    rows : tuple of tuple
        The imports, one ``(module, name, verdict, called, reason, where)`` each;
        :attr:`imports` is the same as a DataFrame.
    """

    path: str
    format: str
    sha256: str
    n_bytes: int
    verdict: str
    problems: tuple[str, ...]
    notes: tuple[str, ...]
    rows: tuple[tuple[str, str, str, bool, str, str], ...]

    @property
    def imports(self) -> pd.DataFrame:
        """The imports: columns ``module, name, verdict, called, reason, where``,
        dangerous first (a new DataFrame on each access)."""
        import pandas as pd

        return pd.DataFrame(list(self.rows), columns=list(COLUMNS))

    @property
    def counts(self) -> dict[str, int]:
        """How many imports have each verdict."""
        return {v: sum(r[2] == v for r in self.rows) for v in VERDICTS}

    def summary(self) -> str:
        """One line: format, verdict, counts and the dangerous / unknown names."""
        c = self.counts
        parts = [f"{self.format}: {self.verdict}", f"{len(self.rows)} import(s)"]
        flagged = [f"{r[0]}.{r[1]}" for r in self.rows if r[2] != "safe"]
        if flagged:
            more = f" (+{len(flagged) - 5} more)" if len(flagged) > 5 else ""
            parts.append(
                f"{c['dangerous']} dangerous, {c['unknown']} unknown: "
                + ", ".join(flagged[:5])
                + more
            )
        if self.problems:
            parts.append("problems: " + "; ".join(self.problems))
        return printable(" — ".join(parts), limit=600)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of the result."""
        return {
            "path": self.path,
            "format": self.format,
            "sha256": self.sha256,
            "n_bytes": self.n_bytes,
            "verdict": self.verdict,
            "counts": self.counts,
            "imports": [dict(zip(COLUMNS, row, strict=True)) for row in self.rows],
            "problems": list(self.problems),
            "notes": list(self.notes),
        }


# ---------------------------------------------------------------------------
# streams


class _Reader:
    """A read-only byte stream with a position, a one-byte look-ahead and bounded reads."""

    def __init__(self, raw: IO[bytes], size: int | None = None) -> None:
        self._raw = raw
        self._size = size
        self._pos = 0
        self._pushed = b""

    def read(self, n: int = -1) -> bytes:
        cap = _MAX_READ if self._size is None else min(_MAX_READ, max(self._size - self._pos, 0))
        n = cap if n is None or n < 0 else min(n, cap)
        data = self._pushed[:n]
        self._pushed = self._pushed[len(data) :]
        if len(data) < n:
            data += self._raw.read(n - len(data))
        self._pos += len(data)
        return data

    def readline(self, limit: int = -1) -> bytes:
        """One line (protocol 0 arguments), at most 64 KiB of it."""
        limit = 1 << 16 if limit is None or limit < 0 else min(limit, 1 << 16)
        line = bytearray()
        while len(line) < limit:
            byte = self.read(1)
            line += byte
            if not byte or byte == b"\n":
                break
        return bytes(line)

    def tell(self) -> int:
        return self._pos

    def peek(self) -> bytes:
        byte = self.read(1)
        self._pushed = byte + self._pushed
        self._pos -= len(byte)
        return byte

    def skip(self, n: int) -> int:
        done = 0
        while done < n:
            chunk = self.read(min(_CHUNK, n - done))
            if not chunk:
                break
            done += len(chunk)
        return done


class _ZlibStream(io.RawIOBase):
    """A zlib stream (joblib's ``compress=("zlib", n)``), decompressed as it is read."""

    def __init__(self, raw: IO[bytes]) -> None:
        import zlib

        self._raw = raw
        self._z = zlib.decompressobj()

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        n = _MAX_READ if n is None or n < 0 else n
        out = bytearray()
        while len(out) < n:  # never more than asked for: a small bomb stays small
            if self._z.unconsumed_tail:
                out += self._z.decompress(self._z.unconsumed_tail, n - len(out))
            elif self._z.eof:
                break
            else:
                chunk = self._raw.read(1 << 16)
                if not chunk:
                    raise EOFError("compressed data ends before the end of its stream")
                out += self._z.decompress(chunk, n - len(out))
        return bytes(out)


_COMPRESSIONS = (  # (magic bytes, name), as joblib writes them
    (b"\x1f\x8b", "gzip"),
    (b"BZh", "bz2"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"\x5d\x00\x00", "lzma"),
    (b"\x04\x22\x4d\x18", "lz4"),
)


def _compression(head: bytes) -> str | None:
    if len(head) >= 2 and head[0] == 0x78 and (head[0] * 256 + head[1]) % 31 == 0:
        return "zlib"
    return next((name for magic, name in _COMPRESSIONS if head.startswith(magic)), None)


def _decompressing(name: str, raw: IO[bytes]) -> IO[bytes]:
    if name == "zlib":
        return _ZlibStream(raw)  # type: ignore[return-value]
    if name == "gzip":
        import gzip

        return gzip.GzipFile(fileobj=raw, mode="rb")
    if name == "bz2":
        import bz2

        return bz2.BZ2File(raw)
    if name in ("xz", "lzma"):
        import lzma

        return lzma.LZMAFile(raw)
    import lz4.frame  # type: ignore[import-not-found]  # ImportError: the caller says so

    return lz4.frame.LZ4FrameFile(raw)  # type: ignore[no-any-return]


# ---------------------------------------------------------------------------
# the symbolic pickle machine


class _Malformed(ValueError):
    """The opcodes do not form a pickle that an unpickler could follow."""


@dataclass
class _Global:
    module: str
    name: str


@dataclass
class _Call:
    func: Any
    args: Any
    state: Any = None


class _Opaque:
    """A value the scan does not follow (a large literal, a buffer, a persistent id)."""


_OPAQUE = _Opaque()
_LITERALS = frozenset(
    {
        "INT", "BININT", "BININT1", "BININT2", "LONG", "LONG1", "LONG4", "FLOAT", "BINFLOAT",
        "STRING", "BINSTRING", "SHORT_BINSTRING", "UNICODE", "BINUNICODE", "SHORT_BINUNICODE",
        "BINUNICODE8", "BINBYTES", "SHORT_BINBYTES", "BINBYTES8", "BYTEARRAY8",
    }
)  # fmt: skip
_CONSTANTS = {"NONE": None, "NEWTRUE": True, "NEWFALSE": False}
_MEMO_PUT = frozenset({"PUT", "BINPUT", "LONG_BINPUT"})
_MEMO_GET = frozenset({"GET", "BINGET", "LONG_BINGET"})
_NO_EFFECT = frozenset({"PROTO", "FRAME", "READONLY_BUFFER"})
_ARRAY_WRAPPER = ("joblib.numpy_pickle", "NumpyArrayWrapper")
_DTYPE_TEXT = re.compile(r"^[<>|=]?[?bBhHiIlLqQpPefdgFDGSUVOMmacu]\d{0,9}$")


class _Found:
    """The imports found so far: ``(module, name) -> [called, set of where]``."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], list[Any]] = {}
        self.array_wrappers = 0

    def add(self, module: str, name: str, where: str, called: bool = False) -> _Global:
        entry = self.items.setdefault((module, name), [False, set()])
        entry[0] = entry[0] or called
        entry[1].add(where)
        return _Global(module, name)

    def called(self, func: Any, where: str) -> None:
        if isinstance(func, _Global):
            self.add(func.module, func.name, where, called=True)


def _small(value: Any) -> Any:
    """Large literals are not kept (only names and array metadata matter)."""
    if isinstance(value, (bytes, bytearray, str)) and len(value) > 4096:
        return _OPAQUE
    return value


def _dtype_info(dtype: Any) -> tuple[int, bool]:
    """(itemsize, holds Python objects) of a pickled ``numpy.dtype``, or _Malformed."""
    import numpy as np

    if not (isinstance(dtype, _Call) and isinstance(dtype.func, _Global)):
        raise _Malformed("an array's dtype is not a numpy dtype")
    if (dtype.func.module, dtype.func.name) != ("numpy", "dtype") or not dtype.args:
        raise _Malformed("an array's dtype is not a numpy dtype")
    text = dtype.args[0] if isinstance(dtype.args, tuple) else None
    if not isinstance(text, str) or not _DTYPE_TEXT.match(text):
        raise _Malformed(f"an array's dtype {printable(text, 40)!r} is not understood")
    state = dtype.state if isinstance(dtype.state, tuple) else ()
    flags = state[-1] if state and isinstance(state[-1], int) else 0
    has_object = text.lstrip("<>|=").startswith("O") or bool(flags & 1)
    return np.dtype(text).itemsize, has_object


class _Machine:
    """Follows one pickle's opcodes (never its code) and records what it names."""

    def __init__(self, reader: _Reader, found: _Found, where: str) -> None:
        self.reader = reader
        self.found = found
        self.where = where
        self.stack: list[Any] = []
        self.marks: list[list[Any]] = []
        self.memo: dict[Any, Any] = {}
        self.first: Any = _OPAQUE  # the first literal (a legacy torch file's magic number)

    def push(self, value: Any) -> None:
        self.stack.append(value)

    def pop(self) -> Any:
        if not self.stack:
            raise _Malformed("the pickle pops more values than it pushed")
        return self.stack.pop()

    def top(self) -> Any:
        if not self.stack:
            raise _Malformed("the pickle uses a value it never pushed")
        return self.stack[-1]

    def pop_mark(self) -> list[Any]:
        if not self.marks:
            raise _Malformed("the pickle closes a MARK it never opened")
        items, self.stack = self.stack, self.marks.pop()
        return items

    def run(self) -> Any:
        """Follow opcodes up to STOP; return the final value (symbolic)."""
        for op, arg, _pos in pickletools.genops(self.reader):  # type: ignore[arg-type]
            done, value = self.step(op.name, arg)
            if done:
                return value
        raise _Malformed("the pickle ends without STOP")  # pragma: no cover (genops raises)

    def step(self, name: str, arg: Any) -> tuple[bool, Any]:
        if name in _LITERALS:
            self.push(_small(arg))
            if self.first is _OPAQUE:
                self.first = arg
        elif name in _CONSTANTS:
            self.push(_CONSTANTS[name])
        elif name in _NO_EFFECT:
            pass
        elif name == "MARK":
            self.marks.append(self.stack)
            self.stack = []
        elif name in ("EMPTY_LIST", "EMPTY_SET"):
            self.push([])
        elif name == "EMPTY_TUPLE":
            self.push(())
        elif name == "EMPTY_DICT":
            self.push({})
        elif name in ("TUPLE", "LIST", "FROZENSET"):
            items = self.pop_mark()
            self.push(tuple(items) if name == "TUPLE" else list(items))
        elif name in ("TUPLE1", "TUPLE2", "TUPLE3"):
            n = int(name[-1])
            items = [self.pop() for _ in range(n)][::-1]
            self.push(tuple(items))
        elif name == "DICT":
            items = self.pop_mark()
            self.push(self._dict(items))
        elif name == "APPEND":  # list contents are never needed: not kept
            self.pop()
            self.top()
        elif name in ("APPENDS", "ADDITEMS"):
            self.pop_mark()
            self.top()
        elif name == "SETITEM":
            value, key = self.pop(), self.pop()
            self._setitems(self.top(), [key, value])
        elif name == "SETITEMS":
            items = self.pop_mark()
            self._setitems(self.top(), items)
        elif name == "POP":
            if self.stack:
                self.stack.pop()
            else:
                self.pop_mark()
        elif name == "POP_MARK":
            self.pop_mark()
        elif name == "DUP":
            self.push(self.top())
        elif name in _MEMO_PUT:
            self.memo[arg] = self.top()
        elif name == "MEMOIZE":
            self.memo[len(self.memo)] = self.top()
        elif name in _MEMO_GET:
            if arg not in self.memo:
                raise _Malformed(f"the pickle reads memo entry {arg!r} it never stored")
            self.push(self.memo[arg])
        elif name == "GLOBAL":
            module, _, attr = str(arg).partition(" ")
            self.push(self.found.add(module, attr, self.where))
        elif name == "STACK_GLOBAL":
            attr, module = self.pop(), self.pop()
            if isinstance(module, str) and isinstance(attr, str):
                self.push(self.found.add(module, attr, self.where))
            else:  # names computed at load time: nobody can say what is imported
                self.push(self.found.add("<computed>", "<computed>", self.where))
        elif name == "INST":
            module, _, attr = str(arg).partition(" ")
            args = tuple(self.pop_mark())
            self.push(_Call(self.found.add(module, attr, self.where, called=True), args))
        elif name == "OBJ":
            items = self.pop_mark()
            if not items:
                raise _Malformed("OBJ without a class")
            self.found.called(items[0], self.where)
            self.push(_Call(items[0], tuple(items[1:])))
        elif name in ("REDUCE", "NEWOBJ"):
            args, func = self.pop(), self.pop()
            self.found.called(func, self.where)
            self.push(_Call(func, args))
        elif name == "NEWOBJ_EX":
            _kwargs, args, cls = self.pop(), self.pop(), self.pop()
            self.found.called(cls, self.where)
            self.push(_Call(cls, args))
        elif name == "BUILD":
            state = self.pop()
            obj = self.top()
            if isinstance(obj, _Call):
                obj.state = state
                func = obj.func
                if isinstance(func, _Global) and (func.module, func.name) == _ARRAY_WRAPPER:
                    self._joblib_array(obj)
        elif name == "PERSID":
            self.push(_OPAQUE)
        elif name in ("BINPERSID", "NEXT_BUFFER"):
            if name == "BINPERSID":
                self.pop()
            self.push(_OPAQUE)
        elif name in ("EXT1", "EXT2", "EXT4"):
            self.push(self.found.add("<copyreg extension>", str(arg), self.where))
        elif name == "STOP":
            return True, self.pop()
        else:  # an opcode of a future protocol
            raise _Malformed(f"opcode {name} is not supported by the scanner")
        return False, None

    @staticmethod
    def _dict(items: list[Any]) -> Any:
        out: dict[Any, Any] = {}
        _Machine._setitems(out, items)
        return out

    @staticmethod
    def _setitems(target: Any, items: list[Any]) -> None:
        if len(items) % 2:
            raise _Malformed("a dict is built from an odd number of items")
        if not isinstance(target, dict):
            return
        for key, value in zip(items[::2], items[1::2], strict=True):
            if len(target) >= 64:  # only small dicts (array metadata) are ever read
                return
            try:
                target[key] = value
            except TypeError:  # an unhashable symbolic key: not needed
                continue

    def _joblib_array(self, wrapper: _Call) -> None:
        """Skip (or follow, for object arrays) the array data joblib writes after a wrapper."""
        self.found.array_wrappers += 1
        state = wrapper.state if isinstance(wrapper.state, dict) else {}
        shape = state.get("shape")
        if not isinstance(shape, tuple) or not all(
            isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in shape
        ):
            raise _Malformed("a joblib array has no valid shape")
        itemsize, has_object = _dtype_info(state.get("dtype"))
        if has_object:  # a nested pickle of the objects: read it like any other
            _Machine(self.reader, self.found, f"{self.where} (object array)").run()
        else:
            if state.get("numpy_array_alignment_bytes") is not None:
                pad = self.reader.read(1)
                if not pad or self.reader.skip(pad[0]) < pad[0]:
                    raise _Malformed("the file ends inside an array's padding")
            count = 1
            for s in shape:
                count *= s
            if self.reader.skip(count * itemsize) < count * itemsize:
                raise _Malformed("the file ends inside an array's data")
        self.stack[-1] = _OPAQUE


def _scan_pickles(reader: _Reader, found: _Found, where: str) -> tuple[list[str], list[str], Any]:
    """Follow every pickle in a stream; return (problems, notes, first literal)."""
    problems: list[str] = []
    notes: list[str] = []
    first: Any = _OPAQUE
    index = 0
    while True:
        start = reader.tell()
        label = where if index == 0 else f"{where} #{index + 1}"
        machine = _Machine(reader, found, label)
        try:
            machine.run()
        except ImportError as exc:
            problems.append(f"cannot inspect: {exc}")
            break
        except Exception as exc:  # parsing only: any failure means a damaged stream
            message = _pickle_error(exc, reader.tell())
            if index == 0:
                problems.append(message)
            else:  # data after a complete pickle: loaders never read it as a pickle
                notes.append(
                    f"{reader.tell() - start:,}+ bytes after pickle {index} are not a pickle"
                )
            break
        if index == 0:
            first = machine.first
        index += 1
        try:
            following = reader.peek()
        except Exception as exc:  # a damaged compressed stream
            problems.append(f"cannot read past pickle {index}: {exc}")
            break
        if not following:
            break
        if following != b"\x80":  # not a protocol 2+ pickle: data, e.g. legacy torch storages
            notes.append(f"data after pickle {index} (not a pickle) was not inspected")
            break
    return problems, notes, first


def _pickle_error(exc: BaseException, pos: int) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if "exhausted" in text or "not enough data" in text or "but only" in text:
        return f"truncated: the pickle ends at byte {pos:,} before its STOP opcode"
    if isinstance(exc, EOFError):
        return f"truncated: {text}"
    return f"unreadable at byte {pos:,}: {printable(text, 160)}"


# ---------------------------------------------------------------------------
# formats


def _zip_format(archive: zipfile.ZipFile) -> str | None:
    names = archive.namelist()
    if "schema.json" in names:
        return "skops"
    if any(n == "data.pkl" or n.endswith("/data.pkl") for n in names):
        return "torch"
    return None


def _scan_torch_zip(path: Path, found: _Found) -> tuple[list[str], list[str]]:
    problems: list[str] = []
    notes: list[str] = []
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            if not info.filename.endswith(".pkl"):
                continue
            with archive.open(info) as member:
                reader = _Reader(member, size=info.file_size)
                p, n, _ = _scan_pickles(reader, found, info.filename)
            problems += [f"{info.filename}: {m}" for m in p]
            notes += [f"{info.filename}: {m}" for m in n]
        if any(n.split("/", 2)[1:2] == ["code"] for n in archive.namelist()):
            notes.append("a TorchScript archive: its code/ folder holds Python-like source")
    return problems, notes


def _schema_problem(archive: zipfile.ZipFile) -> str | None:
    """Why ``schema.json`` cannot be a skops schema, or None."""
    try:
        schema = json.loads(archive.read("schema.json"))
    except (ValueError, UnicodeDecodeError) as exc:
        return f"schema.json is not JSON: {exc}"
    if not isinstance(schema, dict):
        return f"schema.json holds a JSON {type(schema).__name__}, not the object a skops schema is"
    protocol = schema.get("protocol")
    if isinstance(protocol, bool) or not isinstance(protocol, int):
        return f"schema.json has no integer 'protocol' (got {printable(repr(protocol), 40)})"
    return None


def skops_untrusted(path: Path) -> list[str]:
    """The types in a ``.skops`` file that skops does not trust, or ModelFileError.

    Parameters
    ----------
    path : Path
        A ``.skops`` file.

    Returns
    -------
    list of str
        :func:`skops.io.get_untrusted_types` of the file.

    Raises
    ------
    ModelFileError
        The file is not a valid skops file; the message says what is wrong.
    """
    import skops.io as sio

    try:
        with zipfile.ZipFile(path) as archive:
            problem = _schema_problem(archive)
    except (zipfile.BadZipFile, KeyError, OSError) as exc:
        raise ModelFileError(_NOT_A_MODEL.format(path=path, expected="skops", error=exc)) from exc
    if problem is None:
        try:
            return list(sio.get_untrusted_types(file=path))
        except Exception as exc:  # a hand-edited schema fails anywhere inside skops
            problem = skops_error(exc)
    raise ModelFileError(_NOT_A_MODEL.format(path=path, expected="skops", error=problem))


def skops_error(exc: BaseException) -> str:
    """What an exception raised inside skops says about the file, in the file's terms.

    Parameters
    ----------
    exc : BaseException
        Raised by :func:`skops.io.get_untrusted_types` or :func:`skops.io.load`.

    Returns
    -------
    str
        E.g. "a record in schema.json holds a list where skops expects an object".
    """
    text = printable(str(exc).splitlines()[0] if str(exc) else "", 200)
    if isinstance(exc, KeyError):
        return f"a record in schema.json lacks the key {text}"
    if isinstance(exc, AttributeError) and "object has no attribute" in text:
        kind = text.split("'")[1] if text.count("'") >= 2 else "value"
        return f"a record in schema.json holds a {kind} where skops expects an object"
    if isinstance(exc, (AttributeError, IndexError)):
        return (
            f"a record in schema.json does not have the shape skops expects ({type(exc).__name__})"
        )
    return f"schema.json is not a valid skops schema ({type(exc).__name__}: {text})"


_SAFETENSORS_BITS = {
    "BOOL": 8, "U8": 8, "I8": 8, "F8_E5M2": 8, "F8_E4M3": 8, "F8_E8M0": 8, "I16": 16,
    "U16": 16, "F16": 16, "BF16": 16, "I32": 32, "U32": 32, "F32": 32, "I64": 64, "U64": 64,
    "F64": 64, "C64": 64, "F4": 4, "F6_E2M3": 6, "F6_E3M2": 6,
}  # fmt: skip


def _safetensors_header(path: Path, size: int) -> dict[str, Any]:
    """The parsed JSON header, or ModelFileError when there is none to inspect."""
    with path.open("rb") as handle:
        head = handle.read(8)
        if len(head) < 8:
            raise ModelFileError(
                _NOT_A_MODEL.format(
                    path=path, expected="safetensors", error="shorter than the 8-byte header length"
                )
            )
        length = int.from_bytes(head, "little")
        if length > size - 8 or length > _SAFETENSORS_MAX_HEADER:
            error = f"its header length {length:,} is more than the {size - 8:,} bytes that follow"
            raise ModelFileError(
                _NOT_A_MODEL.format(path=path, expected="safetensors", error=error)
            )
        raw = handle.read(length)
    try:
        header = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        error = f"its header is not JSON: {printable(exc, 120)}"
        raise ModelFileError(
            _NOT_A_MODEL.format(path=path, expected="safetensors", error=error)
        ) from exc
    if not isinstance(header, dict):
        error = f"its header is a JSON {type(header).__name__}, not an object"
        raise ModelFileError(_NOT_A_MODEL.format(path=path, expected="safetensors", error=error))
    header["__length__"] = length
    return header


def _safetensors_problems(header: dict[str, Any], size: int) -> list[str]:
    """Inconsistencies between the header's dtypes, shapes and offsets, and the file."""
    problems: list[str] = []
    buffer = size - 8 - header.pop("__length__")
    meta = header.pop("__metadata__", {})
    if not isinstance(meta, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in meta.items()
    ):
        problems.append("__metadata__ must map text to text")
    spans = []
    for name, entry in header.items():
        label = printable(name, 60)
        if not isinstance(entry, dict) or set(entry) != {"dtype", "shape", "data_offsets"}:
            problems.append(f"tensor {label!r} lacks dtype, shape or data_offsets")
            continue
        dtype, shape, offsets = entry["dtype"], entry["shape"], entry["data_offsets"]
        ints = (int,)
        if dtype not in _SAFETENSORS_BITS:
            problems.append(f"tensor {label!r} has an unknown dtype {printable(dtype, 20)!r}")
            continue
        if not isinstance(shape, list) or not all(
            isinstance(s, ints) and not isinstance(s, bool) and s >= 0 for s in shape
        ):
            problems.append(f"tensor {label!r} has an invalid shape")
            continue
        if (
            not isinstance(offsets, list)
            or len(offsets) != 2
            or not all(isinstance(o, ints) and not isinstance(o, bool) for o in offsets)
            or not 0 <= offsets[0] <= offsets[1] <= buffer
        ):
            problems.append(
                f"tensor {label!r} has data_offsets {printable(offsets, 40)} outside the "
                f"{buffer:,} data bytes"
            )
            continue
        count = 1
        for s in shape:
            count *= s
        nbytes = (count * _SAFETENSORS_BITS[dtype] + 7) // 8
        if offsets[1] - offsets[0] != nbytes:
            problems.append(
                f"tensor {label!r}: shape {shape} of {dtype} needs {nbytes:,} bytes, its "
                f"offsets span {offsets[1] - offsets[0]:,}"
            )
        spans.append((offsets[0], offsets[1], label))
    end = 0
    for begin, stop, label in sorted(spans):
        if begin != end:
            what = "overlaps the previous tensor" if begin < end else f"leaves a gap at {end:,}"
            problems.append(f"tensor {label!r} {what}")
        end = max(end, stop)
    if not problems and end != buffer:
        problems.append(f"the tensors cover {end:,} of the {buffer:,} data bytes")
    return problems


def _looks_like_safetensors(head: bytes, size: int) -> bool:
    if len(head) < 9:
        return False
    length = int.from_bytes(head[:8], "little")
    return 2 <= length <= size - 8 and head[8:9] == b"{"


# ---------------------------------------------------------------------------
# the entry point


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    buffer = bytearray(1 << 16)  # one small buffer, reused: no allocation per chunk
    view = memoryview(buffer)
    with path.open("rb", buffering=0) as handle:
        while n := handle.readinto(buffer):
            digest.update(view[:n])
    return digest.hexdigest()


def _checked_path(path: Any) -> Path:
    if not isinstance(path, (str, os.PathLike)):
        raise InvalidParameterError(_BAD_PATH.format(kind=type(path).__name__))
    path = Path(path)
    if path.is_dir():
        raise ModelFileError(_IS_FOLDER.format(path=path))
    if not path.is_file():
        raise ModelFileError(_MISSING.format(path=path))
    return path


def _rows(found: _Found) -> tuple[tuple[str, str, str, bool, str, str], ...]:
    rows = []
    for (module, name), (called, where) in found.items.items():
        if module == "<computed>":
            verdict, reason = "dangerous", "STACK_GLOBAL with names computed while loading"
        elif module == "<copyreg extension>":
            verdict, reason = "unknown", "an extension code; what it names depends on the loader"
        else:
            verdict, reason = classify_import(module, name)
        rows.append((module, name, verdict, called, reason, ", ".join(sorted(where))))
    rows.sort(key=lambda r: (-_RANK[r[2]], r[0], r[1]))
    return tuple(rows)


def _zip_kind(path: Path, expected: str) -> str:
    """``torch`` or ``skops`` for a zip archive, else ModelFileError."""
    try:
        with zipfile.ZipFile(path) as archive:
            kind = _zip_format(archive)
    except (zipfile.BadZipFile, OSError) as exc:
        error = f"a damaged or truncated zip archive: {exc}"
        raise ModelFileError(
            _NOT_A_MODEL.format(path=path, expected=expected, error=error)
        ) from exc
    if kind is None:
        error = "a zip archive, but neither a torch archive (no data.pkl) nor a skops file "
        error += "(no schema.json)"
        raise ModelFileError(_NOT_A_MODEL.format(path=path, expected=expected, error=error))
    return kind


def _scan_pickle_file(
    path: Path, head: bytes, size: int, expected: str, found: _Found
) -> tuple[str, list[str], list[str]]:
    """(format, problems, notes) of a pickle / joblib / legacy torch file."""
    compression = _compression(head)
    fmt = "pickle" if compression is None else f"joblib ({compression})"
    with path.open("rb") as handle:
        if compression is None:
            problems, notes, first = _scan_pickles(_Reader(handle, size), found, "pickle")
        else:
            try:
                stream = _decompressing(compression, handle)
            except ImportError:  # lz4 is optional: the file is valid, just not inspected
                return fmt, [f"{compression}-compressed; install {compression} to inspect"], []
            with stream:
                problems, notes, first = _scan_pickles(_Reader(stream), found, "pickle")
    if compression is None and found.array_wrappers:
        fmt = "joblib"
    if first == _TORCH_MAGIC:
        fmt = "torch (legacy)"
    if problems and not found.items:  # nothing readable at all: not this kind of file
        error = problems[0] if compression is None else f"{compression} data: {problems[0]}"
        if compression is None and expected not in ("pickle", "torch"):
            error = (
                "neither a zip archive, a pickle nor safetensors; it starts with the bytes "
                + head[:8].hex(" ")
            )
        raise ModelFileError(_NOT_A_MODEL.format(path=path, expected=expected, error=error))
    return fmt, problems, notes


def scan_model_file(path: str | os.PathLike[str]) -> ScanResult:
    """Report what a model file would import or call, without loading it.

    Nothing in the file is executed and none of the modules it names is
    imported. What the bytes are decides how they are read, not the file's
    name: a pickle renamed ``.skops`` is scanned as the pickle it is.

    Parameters
    ----------
    path : str or path-like
        A pickle (``.pkl``, ``.pickle``), a joblib file (any compression), a
        torch file (``.pt``, ``.pth``, ``.bin``; zip or legacy), a ``.skops``
        or a ``.safetensors`` file.

    Returns
    -------
    ScanResult
        Frozen; ``.imports`` is the table (module, name, verdict, ...), ``.verdict``
        the file's verdict, ``.to_dict()`` a JSON-ready record.

    Raises
    ------
    ModelFileError
        The file is missing, a folder, empty, or not a model file of a
        supported kind (random bytes, a zip that is neither a torch archive nor
        a skops file, an unreadable skops schema or safetensors header).
    InvalidParameterError
        ``path`` is not path-like.

    Examples
    --------
    >>> result = audit.scan_model_file("model.joblib")  # doctest: +SKIP
    >>> result.verdict, result.imports[["module", "name", "verdict"]]  # doctest: +SKIP
    """
    path = _checked_path(path)
    size = path.stat().st_size
    expected = _EXPECTED.get(path.suffix.lower(), "model")
    if size == 0:
        raise ModelFileError(_EMPTY.format(path=path, expected=expected))
    with path.open("rb") as handle:
        head = handle.read(16)
    found = _Found()
    problems: list[str] = []
    notes: list[str] = []
    fmt = "pickle"
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        fmt = _zip_kind(path, expected)
        if fmt == "torch":
            problems, notes = _scan_torch_zip(path, found)
        else:
            for name in skops_untrusted(path):
                module, _, attr = name.rpartition(".")
                found.add(module, attr, "schema.json")
    elif _looks_like_safetensors(head, size) or (
        expected == "safetensors" and not _pickle_like(head)
    ):
        fmt = "safetensors"
        problems = _safetensors_problems(_safetensors_header(path, size), size)
    else:
        fmt, problems, notes = _scan_pickle_file(path, head, size, expected, found)
    rows = _rows(found)
    verdict = _worst(r[2] for r in rows)
    if problems and verdict == "safe":
        verdict = "unknown"
    return ScanResult(
        path=str(path),
        format=fmt,
        sha256=_sha256(path),
        n_bytes=size,
        verdict=verdict,
        problems=tuple(printable(p, 300) for p in problems),
        notes=tuple(printable(n, 300) for n in notes),
        rows=rows,
    )


def _pickle_like(head: bytes) -> bool:
    return head[:1] == b"\x80" or _compression(head) is not None
