import pickle
from pathlib import Path

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from audit import load_model
from audit.errors import ModelFileError, UntrustedFileError


class _Payload:
    """Unpickling this writes a file: the proof that code ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.write_text, (self.marker, "pwned"))


@pytest.fixture
def fitted(biased):
    return LogisticRegression().fit(biased.X[["x0", "x1"]], biased.y)


@pytest.mark.parametrize("suffix", [".pkl", ".pickle", ".joblib"])
def test_pickle_refused_and_payload_not_run(tmp_path, suffix):
    marker = tmp_path / "marker.txt"
    path = tmp_path / f"evil{suffix}"
    path.write_bytes(pickle.dumps(_Payload(marker)))
    with pytest.raises(UntrustedFileError, match="unpickling runs whatever code") as info:
        load_model(path)
    assert isinstance(info.value, PermissionError)
    assert not marker.exists()


def test_pickle_loaded_when_trusted(tmp_path, fitted):
    import joblib

    path = tmp_path / "model.joblib"
    joblib.dump(fitted, path)
    np.testing.assert_array_equal(load_model(path, trusted=True).coef_, fitted.coef_)


def test_skops_roundtrip_with_default_trust(tmp_path, fitted):
    import skops.io as sio

    path = tmp_path / "model.skops"
    sio.dump(fitted, path)
    np.testing.assert_array_equal(load_model(path).coef_, fitted.coef_)


def test_skops_untrusted_types_listed(tmp_path, biased):
    import skops.io as sio
    from sklearn.ensemble import HistGradientBoostingClassifier

    model = HistGradientBoostingClassifier(max_iter=5).fit(biased.X[["x0", "x1"]], biased.y)
    path = tmp_path / "hgb.skops"
    sio.dump(model, path)
    untrusted = sio.get_untrusted_types(file=path)
    assert untrusted, "this object must carry a type skops does not trust by default"
    with pytest.raises(UntrustedFileError, match=untrusted[0].replace(".", r"\.")):
        load_model(path)
    X = biased.X[["x0", "x1"]]
    np.testing.assert_array_equal(load_model(path, trusted=untrusted).predict(X), model.predict(X))
    np.testing.assert_array_equal(load_model(path, trusted=True).predict(X), model.predict(X))


def test_corrupt_and_truncated_files(tmp_path, fitted):
    import skops.io as sio

    good = tmp_path / "model.skops"
    sio.dump(fitted, good)
    truncated = tmp_path / "trunc.skops"
    truncated.write_bytes(good.read_bytes()[:100])
    with pytest.raises(ModelFileError, match="not a valid skops file"):
        load_model(truncated)
    fake = tmp_path / "fake.skops"
    fake.write_text("a,b\n1,2\n")
    with pytest.raises(ModelFileError, match="not a valid skops file"):
        load_model(fake)


def test_missing_and_unknown_suffix(tmp_path):
    with pytest.raises(ModelFileError, match="not found"):
        load_model(tmp_path / "nope.skops")
    other = tmp_path / "model.csv"
    other.write_text("x")
    with pytest.raises(ModelFileError, match=r"Unsupported model file type '\.csv'"):
        load_model(other)


torch = pytest.importorskip("torch")


def _net():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.ReLU(), torch.nn.Linear(2, 1))


def test_torch_state_dict_into_module(tmp_path):
    net = _net()
    path = tmp_path / "net.pt"
    torch.save(net.state_dict(), path)
    fresh = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.ReLU(), torch.nn.Linear(2, 1))
    loaded = load_model(path, module=fresh)
    torch.testing.assert_close(loaded[0].weight, net[0].weight)
    with pytest.raises(ModelFileError, match="Pass the network"):
        load_model(path)
    with pytest.raises(ModelFileError, match="do not fit the given module"):
        load_model(path, module=torch.nn.Linear(5, 1))


def test_torch_full_module_pickle_refused(tmp_path):
    marker = tmp_path / "marker.txt"
    path = tmp_path / "evil.pt"
    torch.save({"weights": _Payload(marker)}, path)
    with pytest.raises(UntrustedFileError, match="weights_only=True"):
        load_model(path, module=_net())
    assert not marker.exists()


def test_safetensors(tmp_path):
    from safetensors.torch import save_file

    net = _net()
    path = tmp_path / "net.safetensors"
    save_file(net.state_dict(), str(path))
    fresh = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.ReLU(), torch.nn.Linear(2, 1))
    torch.testing.assert_close(load_model(path, module=fresh)[2].bias, net[2].bias)
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"\x00" * 10)
    with pytest.raises(ModelFileError, match="not a valid safetensors"):
        load_model(bad, module=fresh)
