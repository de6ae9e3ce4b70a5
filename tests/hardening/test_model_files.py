"""Damaged model files, skops trust, and the words error messages use (ids ``MF``).

Every model file is scanned (``audit.scan_model_file``, which runs nothing) before a
loader sees it: a truncated pickle, random bytes under a model's extension, a zip that
is not a torch archive or a hand-edited skops schema is a ``ModelFileError`` naming the
file and what was expected, never a bare ``AttributeError`` or an "internal error".
Messages about trust say what to do in the words of the interface in use:
``trusted=[...]`` from Python, ``--trusted`` on the command line. The scan is kept with
the loaded model and shown, with the file's SHA-256, in the report's model card.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import pickle
import tracemalloc
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pytest
from hard_support import Small, raises_typed
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

import audit
from audit.cli import EXIT_USAGE, main
from audit.errors import InvalidParameterError, ModelFileError, UntrustedFileError
from audit.loading import SKOPS_TRUSTED_BY_DEFAULT, model_source

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

TREE = "sklearn.tree._tree.Tree"


class Payload:
    """Unpickling this writes ``marker``."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple:
        return (Path.write_text, (self.marker, "pwned"))


def _skops(path: Path, model: Any) -> Path:
    import skops.io as sio

    sio.dump(model, path)
    return path


def _edit_schema(good: Path, out: Path, edit: Callable[[Any], Any]) -> Path:
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(out, "w") as dst:
        for name in src.namelist():
            content = src.read(name)
            if name == "schema.json":
                content = json.dumps(edit(json.loads(content))).encode()
            dst.writestr(name, content)
    return out


def _run(small: Small, tmp_path: Path, model: Path, *extra: str) -> list[str]:
    data = tmp_path / "data.csv"
    small.X.assign(y=small.y).to_csv(data, index=False)
    return [
        "run",
        "--model",
        str(model),
        "--data",
        str(data),
        "--target",
        "y",
        "--sensitive",
        "sex",
        "--out",
        str(tmp_path / "out"),
        *extra,
    ]


@pytest.fixture(scope="module")
def forest(small: Small) -> RandomForestClassifier:
    return RandomForestClassifier(3, max_depth=3, random_state=0).fit(small.X[["a", "b"]], small.y)


# ------------------------------------------------------------------ damaged files
@pytest.mark.parametrize("trusted", [False, True])
def test_MF01_truncated_pickle_is_refused_before_it_runs(
    small: Small, tmp_path: Path, trusted: bool
) -> None:
    marker = tmp_path / "pwned.txt"
    path = tmp_path / "model.pkl"
    path.write_bytes(pickle.dumps([Payload(marker), small.model], protocol=2)[:-40])
    raises_typed(
        lambda: audit.load_model(path, trusted=trusted),
        ModelFileError,
        OSError,
        f"{path} is not a valid pickle file (truncated",
    )
    assert not marker.exists()  # not even trusted=True unpickles a damaged file


@pytest.mark.parametrize(
    "suffix, kind",
    [
        (".pkl", "pickle"),
        (".joblib", "pickle"),
        (".pt", "torch"),
        (".pth", "torch"),
        (".skops", "skops"),
        (".safetensors", "safetensors"),
    ],
)
@pytest.mark.parametrize("trusted", [False, True])
def test_MF02_random_bytes_under_a_model_extension(
    tmp_path: Path, suffix: str, kind: str, trusted: bool
) -> None:
    path = tmp_path / f"model{suffix}"
    path.write_bytes(bytes(np.random.default_rng(3).integers(0, 256, 500, dtype=np.uint8)))
    raises_typed(
        lambda: audit.load_model(path, trusted=trusted),
        ModelFileError,
        OSError,
        f"{path} is not a valid {kind} file",
    )


def test_MF03_zip_that_is_not_a_torch_archive(tmp_path: Path) -> None:
    path = tmp_path / "weights.pt"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("weights/readme.txt", "not a torch archive")
    raises_typed(
        lambda: audit.load_model(path, trusted=True),
        ModelFileError,
        OSError,
        f"{path} is not a valid torch file",
        "no data.pkl",
    )


def test_MF04_truncated_torch_archive_and_safetensors(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    from safetensors.torch import save_file

    net = torch.nn.Linear(3, 1)
    full = tmp_path / "full.pt"
    torch.save(net.state_dict(), full)
    cut = tmp_path / "cut.pt"
    cut.write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    raises_typed(
        lambda: audit.load_model(cut, module=net), ModelFileError, OSError, f"{cut} is not a valid"
    )
    tensors = tmp_path / "net.safetensors"
    save_file(net.state_dict(), str(tensors))
    short = tmp_path / "short.safetensors"
    short.write_bytes(tensors.read_bytes()[:-4])
    raises_typed(
        lambda: audit.load_model(short, module=net),
        ModelFileError,
        OSError,
        f"{short} is not a valid safetensors file",
        "outside",
    )


def test_MF05_content_of_another_format(small: Small, tmp_path: Path) -> None:
    path = tmp_path / "model.pt"
    joblib.dump(small.model, path)
    raises_typed(
        lambda: audit.load_model(path, trusted=True),
        ModelFileError,
        OSError,
        f"{path} is not a valid torch file (its content is a joblib file)",
    )


@pytest.mark.parametrize(
    "edit, expected",
    [
        (lambda s: [s], "schema.json holds a JSON list, not the object a skops schema is"),
        (lambda s: "model", "schema.json holds a JSON str"),
        (lambda s: {**s, "content": [1]}, "holds a list where skops expects an object"),
        (
            lambda s: {k: v for k, v in s.items() if k != "__class__"},
            "lacks the key '__class__'",
        ),
        (lambda s: {**s, "protocol": "2"}, "no integer 'protocol'"),
        (lambda s: {**s, "__loader__": "Nope"}, "Can't find loader Nope"),
    ],
    ids=["schema-list", "schema-text", "record-list", "record-no-class", "protocol", "loader"],
)
def test_MF06_hand_edited_skops_schema(
    small: Small,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    edit: Callable[[Any], Any],
    expected: str,
) -> None:
    good = _skops(tmp_path / "good.skops", small.model)
    path = _edit_schema(good, tmp_path / "edited.skops", edit)
    raises_typed(
        lambda: audit.load_model(path),
        ModelFileError,
        OSError,
        f"{path} is not a valid skops file",
        expected,
    )
    assert main(_run(small, tmp_path, path)) == EXIT_USAGE
    err = capsys.readouterr().err
    assert expected in err and "internal error" not in err and "Traceback" not in err


# ------------------------------------------------------------------ trust, in the user's words
def test_MF07_messages_use_the_words_of_the_interface(
    small: Small, forest: RandomForestClassifier, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _skops(tmp_path / "forest.skops", forest)
    python = raises_typed(lambda: audit.load_model(path), UntrustedFileError, PermissionError, TREE)
    assert "trusted=[" in str(python) and "--trusted" not in str(python)
    assert "audit.scan_model_file(path)" in str(python)
    cli = raises_typed(
        lambda: audit.load_model(path, interface="cli"), UntrustedFileError, PermissionError
    )
    assert "rerun with --trusted" in str(cli) and f"model-audit scan {path}" in str(cli)
    assert main(_run(small, tmp_path, path)) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "--trusted" in err and "pass trusted=[" not in err

    pickled = tmp_path / "model.joblib"
    joblib.dump(small.model, pickled)
    python = raises_typed(lambda: audit.load_model(pickled), UntrustedFileError, PermissionError)
    assert "load_model(path, trusted=True)" in str(python) and "--trusted" not in str(python)
    assert main(_run(small, tmp_path, pickled)) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "with --trusted" in err and "load_model(path, trusted=True)" not in err

    raises_typed(
        lambda: audit.load_model(path, interface="gui"),  # type: ignore[arg-type]
        InvalidParameterError,
        TypeError,
        "interface must be one of",
    )


def test_MF07b_torch_messages_use_the_words_of_the_interface(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    full = tmp_path / "net.pt"
    torch.save(torch.nn.Sequential(torch.nn.Linear(2, 1)), full)
    python = raises_typed(lambda: audit.load_model(full), UntrustedFileError, PermissionError)
    assert "pass trusted=True only" in str(python)
    cli = raises_typed(
        lambda: audit.load_model(full, interface="cli"), UntrustedFileError, PermissionError
    )
    assert "rerun with --trusted only" in str(cli) and "pass trusted=True" not in str(cli)
    weights = tmp_path / "weights.pt"
    torch.save(torch.nn.Linear(2, 1).state_dict(), weights)
    cli = raises_typed(lambda: audit.load_model(weights, interface="cli"), ModelFileError, OSError)
    assert "command line cannot build the network" in str(cli)


def test_MF08_dangerous_imports_are_named_when_a_pickle_is_refused(tmp_path: Path) -> None:
    marker = tmp_path / "pwned.txt"
    path = tmp_path / "evil.pkl"
    path.write_bytes(pickle.dumps(Payload(marker), protocol=4))
    raises_typed(
        lambda: audit.load_model(path),
        UntrustedFileError,
        PermissionError,
        "this one imports pathlib.Path.write_text",
        "dangerous",
    )
    assert not marker.exists()


# ------------------------------------------------------------------ skops defaults
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_MF09_plain_data_types_are_trusted_by_default(small: Small, tmp_path: Path) -> None:
    X, y = small.X, small.y
    models = {
        "mlp": MLPClassifier(hidden_layer_sizes=(3,), max_iter=5, random_state=0).fit(
            X[["a", "b"]], y
        ),
        "calibrated": CalibratedClassifierCV(LogisticRegression(), cv=2).fit(X[["a", "b"]], y),
        "one_hot": make_pipeline(OneHotEncoder(handle_unknown="ignore"), LogisticRegression()).fit(
            X[["sex"]], y
        ),
    }
    for name, model in models.items():
        path = _skops(tmp_path / f"{name}.skops", model)
        loaded = audit.load_model(path)  # no trusted= needed
        np.testing.assert_array_equal(
            loaded.predict(X[list(model.feature_names_in_)]),
            model.predict(X[list(model.feature_names_in_)]),
        )
    assert SKOPS_TRUSTED_BY_DEFAULT
    assert {name.split(".")[0] for name in SKOPS_TRUSTED_BY_DEFAULT} <= {
        "sklearn",
        "numpy",
        "scipy",
    }


def test_MF10_trees_stay_untrusted_and_say_why(
    small: Small, forest: RandomForestClassifier, tmp_path: Path
) -> None:
    path = _skops(tmp_path / "forest.skops", forest)
    raises_typed(
        lambda: audit.load_model(path),
        UntrustedFileError,
        PermissionError,
        TREE,
        "read out-of-bounds memory",
    )
    loaded = audit.load_model(path, trusted=[TREE])
    np.testing.assert_array_equal(
        loaded.predict(small.X[["a", "b"]]), forest.predict(small.X[["a", "b"]])
    )
    hgb = HistGradientBoostingClassifier(max_iter=3).fit(small.X[["a", "b"]], small.y)
    raises_typed(
        lambda: audit.load_model(_skops(tmp_path / "hgb.skops", hgb)),
        UntrustedFileError,
        PermissionError,
        "TreePredictor",
    )


def test_MF11_skops_file_is_read_once(
    forest: RandomForestClassifier, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import skops.io as sio

    path = _skops(tmp_path / "forest.skops", forest)
    audit.load_model(path, trusted=[TREE])  # imports done; what follows is the file's cost
    gc.collect()
    tracemalloc.start()
    sio.load(path, trusted=[TREE])
    skops_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    gc.collect()
    tracemalloc.start()
    audit.load_model(path, trusted=[TREE])
    ours = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert ours <= 2 * skops_peak + 512 * 1024, (ours, skops_peak)

    calls: list[str] = []
    for name in ("get_untrusted_types", "load"):
        original = getattr(sio, name)

        def spy(*args: Any, _name: str = name, _original: Any = original, **kwargs: Any) -> Any:
            calls.append(_name)
            return _original(*args, **kwargs)

        monkeypatch.setattr(sio, name, spy)
    audit.load_model(path, trusted=[TREE])
    assert sorted(calls) == ["get_untrusted_types", "load"]  # each once


# ------------------------------------------------------------------ provenance in the report
def test_MF12_model_card_shows_the_file_and_its_scan(small: Small, tmp_path: Path) -> None:
    path = _skops(tmp_path / "model.skops", small.model)
    loaded = audit.load_model(path)
    source = model_source(loaded)
    assert source is not None
    assert source["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert source["file"] == "model.skops" and source["scan_verdict"] == "safe"
    report = audit.audit_model(loaded, small.X, small.y, sensitive_features=["sex"])
    assert report.model["source"] == source
    html_path = tmp_path / "report.html"
    report.to_html(html_path)
    html = html_path.read_text(encoding="utf-8")
    assert "Model file" in html and source["sha256"] in html and "scan: safe (skops)" in html
    record = json.loads((lambda p: (report.to_json(p), p.read_text())[1])(tmp_path / "r.json"))
    assert record["model"]["source"]["sha256"] == source["sha256"]
    assert str(tmp_path) not in json.dumps(record["model"]["source"])  # no local folders

    plain = audit.audit_model(small.model, small.X, small.y, sensitive_features=["sex"])
    assert plain.model["source"] is None
    plain.to_html(html_path)
    assert "Model file" not in html_path.read_text(encoding="utf-8")


def test_MF13_trusted_pickle_records_what_it_imports(small: Small, tmp_path: Path) -> None:
    path = tmp_path / "model.joblib"
    joblib.dump(small.model, path, compress=3)
    loaded = audit.load_model(path, trusted=True)
    source = model_source(loaded)
    assert source is not None and source["format"] == "joblib (zlib)"
    assert source["scan_verdict"] == "safe" and source["flagged"] == []
    assert model_source({"not": "loaded"}) is None and model_source(object()) is None
    os.remove(path)  # the record stays with the model, not the file
    assert model_source(loaded) == source
