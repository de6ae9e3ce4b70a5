"""``audit.scan_model_file`` and ``model-audit scan``: what a model file would import, read
without loading it.

Real files (scikit-learn as pickle, joblib in every compression and skops; torch
state_dicts, full modules, checkpoints, the legacy format; safetensors) must come out
``safe``, with no false alarm. Malicious files (the ``__reduce__`` payloads the loading
tests build, ``os.system``, ``eval``, payloads hidden in joblib object arrays, in a second
pickle, in a torch archive or a skops schema) must come out ``dangerous``, and scanning
must never run, or even import, anything the file names.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import os
import pickle
import subprocess
import sys
import zipfile
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.compose import make_column_transformer
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

import audit
from audit.cli import EXIT_GATE_FAILED, EXIT_OK, EXIT_USAGE, main
from audit.errors import InvalidParameterError, ModelFileError
from audit.scan import ScanResult, classify_import, printable, scan_model_file

# torch warns about the protocol of plain pickles it is asked to save or read
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


class Payload:
    """Unpickling this writes ``marker`` (the loading tests' payload)."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple:
        return (Path.write_text, (self.marker, "pwned"))


class System:
    def __reduce__(self) -> tuple:
        return (os.system, ("echo pwned",))


class Eval:
    def __reduce__(self) -> tuple:
        return (eval, ("1 + 1",))


class Popen:
    def __reduce__(self) -> tuple:
        return (subprocess.Popen, (["true"],))


@pytest.fixture(scope="module")
def data() -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(120, 3)), columns=["a", "b", "c"])
    X["s"] = rng.choice(["f", "m"], len(X))
    return X, pd.Series((X["a"] > 0).astype(int), name="y")


@pytest.fixture(scope="module")
def models(data: tuple[pd.DataFrame, pd.Series]) -> dict[str, object]:
    X, y = data
    num = X[["a", "b", "c"]]
    pipe = make_pipeline(
        make_column_transformer(
            (OneHotEncoder(handle_unknown="ignore"), ["s"]), (StandardScaler(), ["a", "b", "c"])
        ),
        LogisticRegression(),
    )
    return {
        "logreg": LogisticRegression().fit(num, y),
        "forest": RandomForestClassifier(3, max_depth=3, random_state=0).fit(num, y),
        "hgb": HistGradientBoostingClassifier(max_iter=3).fit(num, y),
        "mlp": MLPClassifier(hidden_layer_sizes=(4,), max_iter=5, random_state=0).fit(num, y),
        "pipeline": pipe.fit(X, y),
        "log1p": make_pipeline(FunctionTransformer(np.log1p), LogisticRegression()).fit(
            num.abs(), y
        ),
    }


def _flagged(result: ScanResult) -> list[tuple[str, str, str]]:
    return [(m, n, v) for m, n, v, *_ in result.rows if v != "safe"]


def _assert_clean(result: ScanResult) -> None:
    assert _flagged(result) == [] and result.problems == (), result.to_dict()
    assert result.verdict == "safe"


# ------------------------------------------------------------------ real files: no alarm
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("protocol", [2, 4, 5])
def test_sklearn_pickles_are_safe(models: dict, tmp_path: Path, protocol: int) -> None:
    for name, model in models.items():
        path = tmp_path / f"{name}.pkl"
        path.write_bytes(pickle.dumps(model, protocol=protocol))
        result = scan_model_file(path)
        _assert_clean(result)
        assert result.format == "pickle"
        assert any(m.startswith("sklearn.") for m, *_ in result.rows)


@pytest.mark.parametrize(
    "compress, fmt",
    [
        (0, "joblib"),
        (3, "joblib (zlib)"),
        (("gzip", 3), "joblib (gzip)"),
        (("bz2", 3), "joblib (bz2)"),
        (("xz", 3), "joblib (xz)"),
        (("lzma", 3), "joblib (lzma)"),
    ],
)
def test_joblib_files_in_every_compression_are_safe(
    models: dict, tmp_path: Path, compress: object, fmt: str
) -> None:
    for name, model in models.items():
        path = tmp_path / f"{name}.joblib"
        joblib.dump(model, path, compress=compress)
        result = scan_model_file(path)
        _assert_clean(result)
        assert result.format == fmt
        # the numpy arrays joblib writes between the opcodes were stepped over
        assert ("joblib.numpy_pickle", "NumpyArrayWrapper", "safe") in [r[:3] for r in result.rows]


def test_joblib_with_several_arrays_and_an_object_array(tmp_path: Path) -> None:
    path = tmp_path / "mixed.joblib"
    obj = np.array([1, "x", None, 2.5], dtype=object)
    joblib.dump({"f": np.arange(1000.0), "o": obj, "i": np.arange(7, dtype="u4")}, path)
    result = scan_model_file(path)
    _assert_clean(result)
    assert result.format == "joblib"


def test_lz4_joblib(tmp_path: Path) -> None:
    path = tmp_path / "model.joblib"
    try:
        import lz4  # noqa: F401
    except ImportError:  # not installed: the file is recognised, not inspected
        path.write_bytes(b"\x04\x22\x4d\x18" + b"\x00" * 40)
        result = scan_model_file(path)
        assert result.format == "joblib (lz4)" and result.verdict == "unknown"
        assert "install lz4" in result.problems[0]
    else:  # pragma: no cover - depends on the environment
        joblib.dump(np.arange(10), path, compress="lz4")
        _assert_clean(scan_model_file(path))


def test_skops_files_list_only_untrusted_types(models: dict, tmp_path: Path) -> None:
    import skops.io as sio

    for name, model in models.items():
        path = tmp_path / f"{name}.skops"
        sio.dump(model, path)
        result = scan_model_file(path)
        _assert_clean(result)
        assert result.format == "skops"
        listed = {f"{m}.{n}" for m, n, *_ in result.rows}
        assert listed == set(sio.get_untrusted_types(file=path))
        if name == "forest":
            assert listed == {"sklearn.tree._tree.Tree"}


def _net() -> object:
    import torch

    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 1))


def test_torch_files_are_safe(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    net = _net()
    files = {
        "state_dict.pt": (net.state_dict(), {}, "torch"),
        "module.pt": (net, {}, "torch"),
        "checkpoint.pth": (
            {
                "model": net.state_dict(),
                "optimizer": torch.optim.Adam(net.parameters()).state_dict(),
                "epoch": 3,
            },
            {},
            "torch",
        ),
        "legacy.pt": (
            net.state_dict(),
            {"_use_new_zipfile_serialization": False},
            "torch (legacy)",
        ),
    }
    for name, (obj, options, fmt) in files.items():
        torch.save(obj, tmp_path / name, **options)
        result = scan_model_file(tmp_path / name)
        _assert_clean(result)
        assert result.format == fmt
        assert ("torch._utils", "_rebuild_tensor_v2", "safe") in [r[:3] for r in result.rows]
    assert "not inspected" in " ".join(scan_model_file(tmp_path / "legacy.pt").notes)


def test_safetensors_header_is_checked(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    from safetensors.torch import save_file

    path = tmp_path / "net.safetensors"
    save_file(_net().state_dict(), str(path))
    result = scan_model_file(path)
    _assert_clean(result)
    assert result.format == "safetensors" and result.rows == ()

    raw = path.read_bytes()
    length = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8 : 8 + length])
    name = sorted(k for k in header if k != "__metadata__")[0]
    header[name]["shape"] = [999, 3]  # the offsets no longer fit the shape
    text = json.dumps(header).encode()
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(len(text).to_bytes(8, "little") + text + raw[8 + length :])
    result = scan_model_file(bad)
    assert result.verdict == "unknown"
    assert any(name in p and "needs" in p for p in result.problems)

    truncated = tmp_path / "truncated.safetensors"
    truncated.write_bytes(raw[: 8 + length + 5])
    assert any("outside" in p for p in scan_model_file(truncated).problems)

    too_long = tmp_path / "long.safetensors"
    too_long.write_bytes((10**9).to_bytes(8, "little") + b"{}")
    with pytest.raises(ModelFileError, match="header length 1,000,000,000 is more than"):
        scan_model_file(too_long)
    not_object = tmp_path / "list.safetensors"
    not_object.write_bytes((2).to_bytes(8, "little") + b"[]")
    with pytest.raises(ModelFileError, match="is not a valid safetensors file"):
        scan_model_file(not_object)


# ------------------------------------------------------------------ malicious files
@pytest.mark.parametrize("protocol", range(6))
def test_reduce_payloads_are_dangerous_and_never_run(tmp_path: Path, protocol: int) -> None:
    marker = tmp_path / "pwned.txt"
    cases = {
        "write_text": (Payload(marker), {"pathlib", "builtins", "__builtin__"}),
        "system": (System(), {"posix", "nt", "os"}),
        "eval": (Eval(), {"builtins", "__builtin__"}),
        "popen": (Popen(), {"subprocess", "commands"}),  # protocols < 3: py2 names
    }
    for name, (obj, modules) in cases.items():
        path = tmp_path / f"{name}.pkl"
        path.write_bytes(pickle.dumps(obj, protocol=protocol))
        result = scan_model_file(path)
        assert result.verdict == "dangerous", (name, result.rows)
        dangerous = [r for r in result.rows if r[2] == "dangerous"]
        assert {r[0] for r in dangerous} & modules
        assert all(r[3] for r in dangerous), "REDUCE calls them"
    assert not marker.exists()


def test_payloads_hidden_in_joblib_torch_and_later_pickles(tmp_path: Path) -> None:
    marker = tmp_path / "pwned.txt"
    hidden = tmp_path / "hidden.joblib"  # after an array, in a compressed stream
    joblib.dump([np.arange(50), Payload(marker)], hidden, compress=("gzip", 3))
    in_objects = tmp_path / "objects.joblib"  # inside an object array: a nested pickle
    joblib.dump({"w": np.arange(9.0), "o": np.array([System(), 1], dtype=object)}, in_objects)
    second = tmp_path / "second.pkl"  # a harmless pickle first, the payload second
    second.write_bytes(pickle.dumps([1, 2], protocol=4) + pickle.dumps(System(), protocol=4))
    truncated = tmp_path / "truncated.pkl"  # pickle.load would still call it before failing
    truncated.write_bytes(pickle.dumps(System(), protocol=2)[:-3])
    inst = tmp_path / "inst.pkl"  # protocol 0's INST: import and call in one opcode
    inst.write_bytes(b"(S'echo pwned'\nios\nsystem\n.")
    for path in (hidden, in_objects, second, truncated, inst):
        result = scan_model_file(path)
        assert result.verdict == "dangerous", (path.name, result.to_dict())
    assert "object array" in scan_model_file(in_objects).rows[0][5]
    assert scan_model_file(truncated).problems[0].startswith("truncated")
    assert not marker.exists()


def test_payload_in_a_torch_archive(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    marker = tmp_path / "pwned.txt"
    archive = tmp_path / "archive.pt"
    torch.save({"w": torch.ones(2), "x": Payload(marker)}, archive)
    result = scan_model_file(archive)
    assert result.format == "torch" and result.verdict == "dangerous"
    assert result.rows[0][5].endswith("data.pkl")
    assert not marker.exists()


def test_skops_schema_naming_os_system_is_dangerous(models: dict, tmp_path: Path) -> None:
    import skops.io as sio

    good = tmp_path / "good.skops"
    sio.dump(models["logreg"], good)
    evil = tmp_path / "evil.skops"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(evil, "w") as dst:
        for name in src.namelist():
            content = src.read(name)
            if name == "schema.json":
                schema = json.loads(content)
                schema.update({"__module__": "os", "__class__": "system"})
                content = json.dumps(schema).encode()
            dst.writestr(name, content)
    result = scan_model_file(evil)
    assert result.verdict == "dangerous"
    assert result.rows[0][:3] == ("os", "system", "dangerous")


def test_scanning_imports_nothing_the_file_names(tmp_path: Path) -> None:
    path = tmp_path / "canary.pkl"
    path.write_bytes(
        b"\x80\x04\x95\x00\x00\x00\x00\x00\x00\x00\x00" + b"caudit_canary_xyz\nboom\n)R."
    )
    result = scan_model_file(path)
    assert ("audit_canary_xyz", "boom", "unknown") in [r[:3] for r in result.rows]
    assert "audit_canary_xyz" not in sys.modules


# ------------------------------------------------------------------ not a model file
@pytest.mark.parametrize("suffix", [".pkl", ".joblib", ".pt", ".skops", ".safetensors"])
def test_random_bytes_are_not_a_model_file(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"random{suffix}"
    path.write_bytes(bytes(np.random.default_rng(1).integers(0, 256, 300, dtype=np.uint8)))
    with pytest.raises(ModelFileError, match="is not a valid") as info:
        scan_model_file(path)
    assert str(path) in str(info.value)


def test_other_files_that_are_not_models(tmp_path: Path) -> None:
    plain_zip = tmp_path / "weights.pt"
    with zipfile.ZipFile(plain_zip, "w") as archive:
        archive.writestr("notes.txt", "hello")
    with pytest.raises(ModelFileError, match=r"neither a torch archive \(no data.pkl\)"):
        scan_model_file(plain_zip)
    empty = tmp_path / "empty.pkl"
    empty.write_bytes(b"")
    with pytest.raises(ModelFileError, match="it is empty"):
        scan_model_file(empty)
    cut_zip = tmp_path / "cut.skops"
    cut_zip.write_bytes(b"PK\x03\x04" + b"\x00" * 60)
    with pytest.raises(ModelFileError, match="damaged or truncated zip"):
        scan_model_file(cut_zip)
    with pytest.raises(ModelFileError, match="not found"):
        scan_model_file(tmp_path / "nope.pkl")
    with pytest.raises(ModelFileError, match="is a folder"):
        scan_model_file(tmp_path)
    with pytest.raises(InvalidParameterError, match="got int"):
        scan_model_file(3)  # type: ignore[arg-type]


# ------------------------------------------------------------------ the result
def test_result_is_frozen_and_tabular(models: dict, tmp_path: Path) -> None:
    path = tmp_path / "model.pkl"
    path.write_bytes(pickle.dumps(models["forest"]))
    result = audit.scan_model_file(path)
    assert result.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert result.n_bytes == path.stat().st_size and result.path == str(path)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.verdict = "dangerous"  # type: ignore[misc]
    table = result.imports
    assert list(table.columns) == ["module", "name", "verdict", "called", "reason", "where"]
    assert len(table) == len(result.rows)
    table.loc[0, "verdict"] = "dangerous"  # a copy: the result does not change
    assert result.imports.loc[0, "verdict"] == "safe"
    assert result.summary().startswith("pickle: safe — ")
    record = json.loads(json.dumps(result.to_dict()))
    assert record["verdict"] == "safe" and record["sha256"] == result.sha256
    assert record["counts"] == {"safe": len(result.rows), "unknown": 0, "dangerous": 0}


@pytest.mark.parametrize(
    "module, name, verdict",
    [
        ("os", "system", "dangerous"),
        ("posix", "system", "dangerous"),
        ("nt", "system", "dangerous"),
        ("subprocess", "check_output", "dangerous"),
        ("builtins", "exec", "dangerous"),
        ("__builtin__", "getattr", "dangerous"),
        ("builtins", "__import__", "dangerous"),
        ("socket", "socket", "dangerous"),
        ("shutil", "rmtree", "dangerous"),
        ("importlib", "import_module", "dangerous"),
        ("runpy", "run_path", "dangerous"),
        ("pty", "spawn", "dangerous"),
        ("webbrowser", "open", "dangerous"),
        ("pickle", "loads", "dangerous"),
        ("marshal", "loads", "dangerous"),
        ("sys", "modules", "dangerous"),
        ("pathlib", "Path.unlink", "dangerous"),
        ("torch", "load", "dangerous"),
        ("numpy", "load", "dangerous"),
        ("operator", "attrgetter", "dangerous"),
        ("sklearn.base", "BaseEstimator.__reduce__", "dangerous"),
        ("numpy.core.multiarray", "_reconstruct", "safe"),
        ("numpy", "dtype", "safe"),
        ("numpy.random._pickle", "__generator_ctor", "safe"),
        ("sklearn.ensemble._forest", "RandomForestClassifier", "safe"),
        ("scipy.sparse._csr", "csr_matrix", "safe"),
        ("collections", "OrderedDict", "safe"),
        ("torch._utils", "_rebuild_tensor_v2", "safe"),
        ("torch", "FloatStorage", "safe"),
        ("torch.nn.modules.linear", "Linear", "safe"),
        ("builtins", "set", "safe"),
        ("copyreg", "_reconstructor", "safe"),
        ("__main__", "MyNet", "unknown"),
        ("mypackage.models", "Net", "unknown"),
        ("os\x1b[31m", "system", "unknown"),
    ],
)
def test_classification(module: str, name: str, verdict: str) -> None:
    assert classify_import(module, name)[0] == verdict


def test_printable_shows_hidden_characters() -> None:
    assert printable("os\x1b[31m") == "os\\x1b[31m"
    assert printable("a\u202eb\r") == "a\\u202eb\\r"
    assert printable("x" * 50, limit=10) == "x" * 9 + "…"


# ------------------------------------------------------------------ the command
def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["scan", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_exit_codes(models: dict, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    safe = tmp_path / "model.joblib"
    joblib.dump(models["pipeline"], safe)
    code, out, err = _cli(capsys, str(safe))
    assert code == EXIT_OK and "verdict: SAFE" in out and "sha256" in out and err == ""

    evil = tmp_path / "evil.pkl"
    evil.write_bytes(pickle.dumps(System()))
    code, out, _ = _cli(capsys, str(evil))
    assert code == EXIT_GATE_FAILED and "DANGEROUS" in out and "system" in out

    unknown = tmp_path / "own.pkl"
    unknown.write_bytes(b"\x80\x04cmypackage.models\nNet\n)\x81.")
    code, out, err = _cli(capsys, str(unknown))
    assert code == EXIT_OK and "UNKNOWN" in out and "warning" in err and "--strict" in err
    assert _cli(capsys, str(unknown), "--strict")[0] == EXIT_GATE_FAILED

    code, out, _ = _cli(capsys, str(evil), "--json")
    assert code == EXIT_GATE_FAILED and json.loads(out)["verdict"] == "dangerous"

    broken = tmp_path / "broken.pt"
    broken.write_bytes(b"\x00garbage")
    code, out, err = _cli(capsys, str(broken))
    assert code == EXIT_USAGE and str(broken) in err and "Traceback" not in err


def test_cli_output_is_inert(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "ansi.pkl"
    module, name = b"os\x1b[2J\x1b]8;;http://x\x07", b"sys\rtem"
    payload = io.BytesIO()
    payload.write(b"\x80\x04\x8c" + bytes([len(module)]) + module)
    payload.write(b"\x8c" + bytes([len(name)]) + name + b"\x93)R.")
    path.write_bytes(payload.getvalue())
    code, out, err = _cli(capsys, str(path))
    assert code == EXIT_OK  # the names are not importable: unknown, shown escaped
    assert "\x1b" not in out + err and "\r" not in out + err
    assert "\\x1b" in out and "sys\\rtem" in out
