"""Malicious model files: their payload never runs unless the user says ``trusted=True``.

Each payload would write a marker file when unpickled (``__reduce__`` returning
``(pathlib.Path.write_text, (marker, "pwned"))``). The marker's absence proves
the payload did not run; with ``trusted=True`` it appears, which proves that the
flag, and nothing else, is what stands between the file and its code. Extends
``tests/foundation/test_loading.py`` (plain pickles by suffix, skops type list).
"""

from __future__ import annotations

import pickle
import shutil
from pathlib import Path

import joblib
import pytest
from hard_support import Small

import audit
from audit.cli import EXIT_USAGE, main
from audit.errors import ModelFileError, UnsupportedModelError, UntrustedFileError

# torch warns about the protocol of the plain pickles these tests disguise as torch files
pytestmark = pytest.mark.filterwarnings("ignore:Detected pickle protocol:UserWarning")


class Payload:
    """Unpickling this writes ``marker``: the proof that code from the file ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple:
        return (Path.write_text, (self.marker, "pwned"))


class Gadget:
    """A harmless object of a type skops does not trust by default."""

    def __init__(self) -> None:
        self.value = 1


@pytest.fixture
def marker(tmp_path: Path) -> Path:
    return tmp_path / "pwned.txt"


def _joblib_file(path: Path, marker: Path) -> Path:
    joblib.dump(Payload(marker), path)
    assert not marker.exists()
    return path


def test_SL01_joblib_payload_refused_without_trust(tmp_path: Path, marker: Path) -> None:
    path = _joblib_file(tmp_path / "evil.joblib", marker)
    with pytest.raises(UntrustedFileError, match=r"unpickling runs whatever code") as info:
        audit.load_model(path)
    assert isinstance(info.value, PermissionError)
    assert str(path) in str(info.value) and "trusted=True" in str(info.value)
    assert not marker.exists()


def test_SL02_trusted_true_is_what_runs_the_payload(tmp_path: Path, marker: Path) -> None:
    path = _joblib_file(tmp_path / "evil.joblib", marker)
    with pytest.raises(UntrustedFileError):
        audit.load_model(path, trusted=["Payload"])  # a list of names is not a yes for pickles
    assert not marker.exists()
    audit.load_model(path, trusted=True)  # the user vouched for the file: it runs
    assert marker.read_text() == "pwned"


@pytest.mark.parametrize("suffix", [".skops", ".pt", ".pth", ".bin", ".safetensors"])
def test_SL03_pickle_renamed_to_a_safe_extension(tmp_path: Path, marker: Path, suffix: str) -> None:
    if suffix != ".skops":
        pytest.importorskip("torch")
    path = tmp_path / f"evil{suffix}"
    path.write_bytes(pickle.dumps(Payload(marker)))
    with pytest.raises((UntrustedFileError, ModelFileError)) as info:
        audit.load_model(path, trusted=["pathlib.Path.write_text"])
    assert str(path) in str(info.value)
    if suffix in (".pt", ".pth", ".bin"):  # torch reads the pickle, refuses the global
        assert isinstance(info.value, UntrustedFileError)
        assert "pickled Python objects" in str(info.value)
        assert "weights_only=True" in str(info.value)
    else:  # skops / safetensors: not a zip / not a header, nothing is unpickled
        assert isinstance(info.value, ModelFileError)
    assert not marker.exists()


def test_SL04_full_torch_model_file_with_a_payload(tmp_path: Path, marker: Path) -> None:
    torch = pytest.importorskip("torch")
    path = tmp_path / "full_model.pt"
    torch.save(Payload(marker), path)
    with pytest.raises(UntrustedFileError, match="weights_only=True") as info:
        audit.load_model(path, module=torch.nn.Linear(2, 1))
    assert "(it refers to getattr)" in str(info.value)  # the global torch refused
    assert not marker.exists()
    with pytest.raises(ModelFileError, match="does not hold a state_dict"):
        audit.load_model(path, trusted=True)  # trusted: the payload runs, then is rejected
    assert marker.read_text() == "pwned"


def test_SL05_full_torch_module_needs_trust(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    net = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.ReLU(), torch.nn.Linear(2, 1))
    path = tmp_path / "net.pt"
    torch.save(net, path)
    with pytest.raises(UntrustedFileError, match="pass trusted=True only for a file you fully"):
        audit.load_model(path)
    loaded = audit.load_model(path, trusted=True)
    torch.testing.assert_close(loaded[0].weight, net[0].weight)


def test_SL06_skops_lists_every_untrusted_type(small: Small, tmp_path: Path) -> None:
    import skops.io as sio

    path = tmp_path / "gadget.skops"
    sio.dump({"model": small.model, "extra": Gadget()}, path)
    untrusted = sio.get_untrusted_types(file=path)
    with pytest.raises(UntrustedFileError) as info:
        audit.load_model(path, trusted=[])
    for name in untrusted:
        assert name in str(info.value)
    assert f"{__name__}.Gadget" in str(info.value)
    loaded = audit.load_model(path, trusted=untrusted)  # exactly the listed names
    assert isinstance(loaded["extra"], Gadget)


@pytest.mark.parametrize("name", ["evil.pkl", "evil.joblib", "evil.skops", "evil.pt"])
def test_SL07_cli_refuses_and_never_runs_the_payload(
    small: Small, tmp_path: Path, marker: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    if name.endswith(".pt"):
        pytest.importorskip("torch")
    data = tmp_path / "data.csv"
    small.X.assign(y=small.y).to_csv(data, index=False)
    path = tmp_path / name
    path.write_bytes(pickle.dumps(Payload(marker)))
    argv = [
        "run",
        "--model",
        str(path),
        "--data",
        str(data),
        "--target",
        "y",
        "--sensitive",
        "sex",
        "--out",
        str(tmp_path / "out"),
    ]
    assert main(argv) == EXIT_USAGE
    err = capsys.readouterr().err
    assert str(path) in err and "Traceback" not in err
    assert not marker.exists()


def test_SL08_cli_trusted_flag_is_what_runs_the_payload(
    small: Small, tmp_path: Path, marker: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data.csv"
    small.X.assign(y=small.y).to_csv(data, index=False)
    path = _joblib_file(tmp_path / "evil.joblib", marker)
    argv = [
        "run",
        "--model",
        str(path),
        "--data",
        str(data),
        "--target",
        "y",
        "--sensitive",
        "sex",
        "--out",
        str(tmp_path / "out"),
    ]
    assert main(argv) == EXIT_USAGE
    assert not marker.exists()
    assert main([*argv, "--trusted"]) == EXIT_USAGE  # runs, then the result is no model
    assert marker.read_text() == "pwned"
    assert "Unsupported model of type builtins.int" in capsys.readouterr().err


def test_SL09_a_copy_of_a_real_pickle_is_refused_by_content_not_name(
    small: Small, tmp_path: Path
) -> None:
    good = tmp_path / "model.joblib"
    joblib.dump(small.model, good)
    renamed = tmp_path / "model.skops"
    shutil.copy(good, renamed)
    with pytest.raises(ModelFileError, match="not a valid skops file"):
        audit.load_model(renamed)
    with pytest.raises(UnsupportedModelError):  # and a non-model never passes as a model
        audit.audit_model(object(), small.X, small.y)
