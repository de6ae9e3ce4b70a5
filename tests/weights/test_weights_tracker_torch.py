"""WeightTracker on a torch training loop: records per epoch / per step, exact values."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from audit.errors import DataValidationError  # noqa: E402
from audit.weights import WeightTracker  # noqa: E402


def _setup():
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 1))
    X = torch.randn(64, 3)
    y = (X[:, 0] > 0).float()
    opt = torch.optim.SGD(net.parameters(), lr=0.5)

    def step():
        opt.zero_grad()
        loss = torch.nn.functional.binary_cross_entropy_with_logits(net(X)[:, 0], y)
        loss.backward()
        opt.step()

    return net, opt, step


def test_record_per_epoch_values():
    net, _, step = _setup()
    tracker = WeightTracker(top_k=3)
    snapshots = []
    for epoch in range(4):
        if epoch:
            step()
        tracker.record(net, epoch=epoch)
        snapshots.append({n: p.detach().double().numpy().copy() for n, p in net.named_parameters()})
    history = tracker.to_frame()
    assert tracker.n_records == 4
    assert sorted(history["epoch"].unique()) == [0, 1, 2, 3]
    assert len(history) == 4 * 4  # 4 records x 4 parameters
    for epoch, snap in enumerate(snapshots):
        for name, values in snap.items():
            row = history[(history["epoch"] == epoch) & (history["layer"] == name)].iloc[0]
            assert row["mean"] == pytest.approx(values.mean())
            assert row["std"] == pytest.approx(values.std())
            assert row["min"] == pytest.approx(values.min())
            assert row["max"] == pytest.approx(values.max())
            assert row["norm"] == pytest.approx(np.linalg.norm(values))
    assert history["step"].isna().all()
    top = tracker.result().top_weights
    final = np.concatenate([v.ravel() for v in snapshots[-1].values()])
    assert list(top["final"]) == pytest.approx(sorted(final, key=abs, reverse=True)[:3])
    first = top.iloc[0]
    idx = tuple(int(i) for i in first["index"].strip("()").split(",") if i.strip())
    assert first["initial"] == pytest.approx(snapshots[0][first["layer"]][idx])
    assert first["change"] == pytest.approx(first["final"] - first["initial"])


def test_attach_records_every_k_steps_and_detach_stops():
    net, opt, step = _setup()
    tracker = WeightTracker(every=2)
    tracker.attach(opt, model=net)
    for _ in range(7):
        step()
    tracker.detach()
    step()
    history = tracker.to_frame()
    assert tracker.n_records == 4  # initial state + steps 2, 4, 6
    assert list(history.drop_duplicates("record")["step"]) == [0, 2, 4, 6]
    last = history[history["record"] == 3].set_index("layer")
    assert set(last.index) == {n for n, _ in net.named_parameters()}


def test_attach_without_model_names_groups():
    _net, opt, step = _setup()
    tracker = WeightTracker()
    tracker.attach(opt)
    step()
    tracker.detach()
    assert set(tracker.to_frame()["layer"]) == {f"group0.param{i}" for i in range(4)}


def test_empty_tracker_result_is_refused():
    with pytest.raises(DataValidationError, match="no records"):
        WeightTracker().result()
    with pytest.raises(DataValidationError, match="every must be"):
        WeightTracker(every=0)
