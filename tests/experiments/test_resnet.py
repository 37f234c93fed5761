"""Table 3's ResNet-18 baseline: the architecture matches torchvision's (published parameter
count), training is seeded and leaves the global RNG alone, and the pairs experiment runs it
as a column next to efficient on a tiny CIFAR-10 folder in the real format."""

from __future__ import annotations

import json

import numpy as np
import pytest

import memnets as mn

torch = pytest.importorskip("torch")

from _cifar_files import write_cifar  # noqa: E402
from memnets.experiments import _resnet, pairs  # noqa: E402


def _count(net) -> int:
    return sum(p.numel() for p in net.parameters())


def test_imagenet_configuration_has_torchvisions_published_count():
    net = _resnet.resnet18(1000, variant="imagenet")
    assert _count(net) == _resnet.IMAGENET_RESNET18_PARAMS == 11_689_512
    # the layer sizes of torchvision.models.resnet18, in its module order
    shapes = [tuple(p.shape) for p in net.parameters()]
    assert shapes[0] == (64, 3, 7, 7) and shapes[-2:] == [(1000, 512), (1000,)]
    convs = [m for m in net.modules() if isinstance(m, torch.nn.Conv2d)]
    assert len(convs) == 20  # stem + 8 blocks x 2 + 3 downsampling 1x1
    assert [c.out_channels for c in convs if c.kernel_size == (1, 1)] == [128, 256, 512]
    out = net(torch.zeros(2, 3, 64, 64))
    assert out.shape == (2, 1000)


def test_cifar_variant_differs_only_in_the_stem_and_classifier():
    net = _resnet.resnet18(2)
    # 3x3 stem instead of 7x7 (3*64*(49-9) fewer), 2 classes instead of 1000
    assert _count(net) == 11_689_512 - 3 * 64 * (49 - 9) - 513 * 1000 + 513 * 2
    assert isinstance(net.maxpool, torch.nn.Identity) and net.conv1.stride == (1, 1)
    assert net(torch.zeros(3, 3, 32, 32)).shape == (3, 2)


def test_init_is_seeded_and_leaves_the_global_rng_alone():
    state = torch.random.get_rng_state()
    a, b, c = (_resnet.resnet18(2, rng=s) for s in (5, 5, 6))
    assert torch.equal(state, torch.random.get_rng_state())
    pa, pb, pc = (torch.cat([p.flatten() for p in n.parameters()]) for n in (a, b, c))
    assert torch.equal(pa, pb) and not torch.equal(pa, pc)
    # torchvision's init: BatchNorm weight 1, bias 0; Kaiming-normal fan-out convolutions
    assert torch.equal(a.bn1.weight, torch.ones(64)) and torch.equal(a.bn1.bias, torch.zeros(64))
    std = float(a.layer4[0].conv1.weight.detach().std())
    assert abs(std - (2.0 / (512 * 9)) ** 0.5) < 0.002


def test_train_two_epochs_on_tiny_images():
    gen = np.random.default_rng(0)
    X = gen.random((24, 3072))
    y = np.array(["cat", "dog"] * 12)
    X[y == "cat", :1024] += 0.5  # red images are cats: learnable in two epochs
    pred = _resnet.train_resnet18(X, y, epochs=2, batch_size=8, rng=1)
    assert [h["epoch"] for h in pred.history] == [1, 2] and all(np.isfinite(h["loss"]) for h in pred.history)
    assert set(pred.predict(X)) <= {"cat", "dog"} and 0.0 <= pred.score(X, y) <= 1.0
    again = _resnet.train_resnet18(X, y, epochs=2, batch_size=8, rng=1)
    assert np.array_equal(pred.predict(X), again.predict(X))
    assert [h["loss"] for h in pred.history] == [h["loss"] for h in again.history]
    assert pred.num_params == _count(_resnet.resnet18(2))


def test_bad_options():
    with pytest.raises(mn.OptionError, match="epochs"):
        _resnet.train_resnet18(np.zeros((4, 3072)), [0, 1, 0, 1], epochs=0)
    with pytest.raises(mn.OptionError, match="3072"):
        _resnet.train_resnet18(np.zeros((4, 100)), [0, 1, 0, 1])
    with pytest.raises(mn.OptionError, match="two classes"):
        _resnet.train_resnet18(np.zeros((4, 3072)), [1, 1, 1, 1])
    with pytest.raises(mn.OptionError, match="variant"):
        _resnet.resnet18(2, variant="vgg")  # type: ignore[arg-type]
    assert "resnet18" not in mn.METHODS  # a baseline classifier, not a verified construction


def test_pairs_runs_resnet_column_on_tiny_cifar(tmp_path, monkeypatch):
    # 8 images per training batch (labels 0..7, so 5 per class) and 20 test images (2 per class)
    folder = tmp_path / "cifar-10-batches-py"
    write_cifar(folder, per_batch=8, n_test=20)
    out = tmp_path / "out"
    summary = pairs.run(out, data="cifar10", pairs=[(0, 1), (2, 3)], condense=("none",), resnet=True,
                        resnet_epochs=2, resnet_batch_size=5, data_dir=str(folder), jobs=1, progress=False)
    doc = json.loads((out / "pairs.json").read_text())
    r = doc["datasets"]["cifar10"]["resnet18"]
    assert r["recipe"]["epochs"] == 2 and r["recipe"]["lr"] == 0.1
    assert [(c["a"], c["b"]) for c in r["cells"]] == [(0, 1), (2, 3)]
    for c in r["cells"]:
        assert c["method"] == "resnet18" and c["epochs"] == 2 and len(c["timing"]["epoch_seconds"]) == 2
        assert c["n_train"] == 10 and c["n_test"] == 4 and 0.0 <= c["accuracy"] <= 1.0
    assert r["table"][0][1] == r["table"][1][0] == r["cells"][0]["accuracy"] and r["table"][0][0] is None
    assert "Table 3's baseline" in summary["markdown"] and "ResNet-18" in summary["markdown"]
    # off by default outside the full profile
    plain = pairs.run(tmp_path / "plain", data="cifar10", pairs=[(0, 1)], condense=("none",),
                      data_dir=str(folder), jobs=1, progress=False)
    assert "Table 3" not in plain["markdown"]


def test_devices_resolve_and_refuse():
    assert _resnet.resolve_device("cpu") == "cpu" and _resnet.check_device(" CUDA:1 ") == "cuda:1"
    assert _resnet.resolve_device("auto") == ("cuda" if torch.cuda.is_available() else "cpu")
    for bad in ("gpu", "cuda:x", "", 0, None):
        with pytest.raises(mn.OptionError, match="'auto', 'cpu', 'cuda' or 'cuda:N'"):
            _resnet.resolve_device(bad)  # type: ignore[arg-type]
    if not torch.cuda.is_available():
        with pytest.raises(mn.OptionError, match="no CUDA device"):
            _resnet.resolve_device("cuda:0")
        with pytest.raises(mn.OptionError, match="no CUDA device"):
            _resnet.train_resnet18(np.zeros((4, 3072)), [0, 1, 0, 1], device="cuda")


def _tiny_images(n: int = 16) -> tuple[np.ndarray, np.ndarray]:
    gen = np.random.default_rng(2)
    X = gen.random((n, 3072))
    y = np.arange(n) % 2
    X[y == 1, 1024:2048] += 0.5
    return X, y


def test_one_tiny_epoch_on_the_cpu_same_as_auto_here():
    X, y = _tiny_images()
    pred = _resnet.train_resnet18(X, y, epochs=1, batch_size=8, rng=3, device="cpu")
    assert pred.device == "cpu" and len(pred.history) == 1
    assert all(p.device.type == "cpu" for p in pred.net.parameters())
    if not torch.cuda.is_available():  # "auto" is the CPU here: the very same run
        auto = _resnet.train_resnet18(X, y, epochs=1, batch_size=8, rng=3)
        assert auto.device == "cpu" and auto.history[0]["loss"] == pred.history[0]["loss"]
        assert np.array_equal(auto.predict(X), pred.predict(X))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_one_tiny_epoch_on_cuda_starts_from_the_cpu_weights():
    X, y = _tiny_images()
    net_cpu = _resnet.resnet18(2, rng=np.random.default_rng(3))
    pred = _resnet.train_resnet18(X, y, epochs=1, batch_size=8, rng=3, device="cuda")
    cpu = _resnet.train_resnet18(X, y, epochs=1, batch_size=8, rng=3, device="cpu")
    assert pred.device == "cuda" and all(p.device.type == "cuda" for p in pred.net.parameters())
    assert _count(net_cpu) == pred.num_params
    # same seeds and batches: the losses agree up to floating-point summation order
    assert abs(pred.history[0]["loss"] - cpu.history[0]["loss"]) < 1e-3 * max(1.0, cpu.history[0]["loss"])
    assert set(pred.predict(X)) <= {0, 1}


def test_pairs_resnet_subset_device_and_cpu_default(tmp_path, monkeypatch):
    folder = tmp_path / "cifar-10-batches-py"
    write_cifar(folder, per_batch=8, n_test=20)
    summary = pairs.run(tmp_path / "sub", data="cifar10", pairs=[(0, 1), (2, 3)], condense=("none",), resnet=True,
                        resnet_pairs=[(3, 2)], resnet_device="cpu", resnet_epochs=1, resnet_batch_size=4,
                        data_dir=str(folder), jobs=1, progress=False)
    doc = json.loads((tmp_path / "sub" / "pairs.json").read_text())["datasets"]["cifar10"]
    assert [(c["a"], c["b"], c["device"]) for c in doc["resnet18"]["cells"]] == [(2, 3, "cpu")]
    assert len(doc["cells"]) == 2 and "Table 3's baseline" in summary["markdown"]
    with pytest.raises(mn.OptionError, match="device must be"):
        pairs.run(tmp_path / "bad", data="cifar10", resnet_device="tpu", data_dir=str(folder), progress=False)
    with pytest.raises(mn.OptionError, match="bad class pair"):
        pairs.run(tmp_path / "bad", data="cifar10", resnet_pairs=[(1, 1)], data_dir=str(folder), progress=False)
    # the full profile trains the baseline by default only where a CUDA device is
    calls = []
    monkeypatch.setattr(pairs, "cuda_available", lambda: calls.append(1) or False)
    plain = pairs.run(tmp_path / "full", data="cifar10", pairs=[(0, 1)], condense=("none",), profile="full",
                      data_dir=str(folder), jobs=1, progress=False)
    assert calls and "Table 3" not in plain["markdown"]
    monkeypatch.setattr(pairs, "_resnet_cell", lambda cell: (_ for _ in ()).throw(RuntimeError("trained")))
    monkeypatch.setattr(pairs, "cuda_available", lambda: True)
    with pytest.raises(RuntimeError, match="trained"):
        pairs.run(tmp_path / "gpu", data="cifar10", pairs=[(0, 1)], condense=("none",), profile="full",
                  data_dir=str(folder), jobs=1, progress=False)
