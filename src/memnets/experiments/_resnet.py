"""ResNet-18 trained from scratch: the baseline of the paper's Table 3 (CIFAR-10 pairs).

The paper (Appendix I) compares its Theorem 7.3 network on every pair of CIFAR-10 classes (3000 training images
per class) with a ResNet18 trained on the same images for 20 epochs at learning rate 0.1
with the cross-entropy loss. This module is that baseline:

- :func:`resnet18`: torchvision's ResNet-18 (He et al. 2016) written out in torch, because
  PyPI's ``torchvision`` wheel for this torch is a CUDA build that cannot load beside the CPU
  ``torch==2.13.0`` (``operator torchvision::nms does not exist``) and there is no CPU wheel:
  ``BasicBlock`` (two 3x3 convolutions with BatchNorm and an identity or 1x1-convolution
  shortcut), layers ``[2, 2, 2, 2]`` of widths 64-128-256-512 (stride 2 from the second
  layer on), global average pooling and one linear layer. ``variant="imagenet"`` is
  torchvision's exact configuration (7x7 stride-2 stem and 3x3 max-pool; 11,689,512
  parameters for 1000 classes, the published count, checked by the tests);
  ``variant="cifar"`` (default) replaces the stem by a 3x3 stride-1 convolution without
  max-pool, the usual ResNet-18 for 32x32 inputs (He et al.'s own CIFAR networks keep the
  resolution in the stem; the ImageNet stem would shrink a 32x32 image to 8x8 before the
  first block). Initialisation as torchvision: Kaiming-normal (fan-out) convolutions,
  BatchNorm weight 1 and bias 0, PyTorch's default uniform linear layer.
- :func:`train_resnet18`: SGD with momentum 0.9 and weight decay 5e-4 (the standard CIFAR
  recipe; the paper states only the learning rate), constant learning rate 0.1, mini-batches
  of 128 (the last one smaller), cross-entropy, no data augmentation, inputs standardised
  per channel with the training images' mean and deviation. Returns a :class:`Predictor`.

It is an experiment baseline, **not** a construction of :data:`memnets.METHODS` (the issue
suggested ``method="trained", arch="resnet18"``): a construction returns a ReLU chain network
(:class:`~memnets.ReLUNetwork`: affine layers and ReLUs) that is *verified* to memorize every
sample; ResNet-18 has convolutions, BatchNorm, residual additions and pooling, so it is no
such network, and 20 epochs of SGD do not promise 100% training accuracy (the paper does not
ask for it either). Its training accuracy is measured and reported instead.

Randomness: weights from a local ``torch.Generator`` seeded from ``rng``, mini-batch order
from ``rng``; the global torch RNG is left as it was (modules are built inside
``torch.random.fork_rng``). torch is imported on first use.

Device (:func:`resolve_device`): ``"auto"`` (CUDA when ``torch.cuda.is_available()``, else
the CPU), ``"cpu"``, ``"cuda"`` or ``"cuda:N"``. The weights are initialised on the CPU from
the same seed and then moved, and the mini-batch order comes from the same NumPy generator,
so a GPU run starts from the same network and sees the same batches as a CPU run (its
floating-point sums differ, so the trained weights agree only approximately). A GPU needs
about 1 GB of memory for mini-batches of 128 32x32 images. In ``pairs``, the device travels
with each cell and ``"auto"`` is resolved where the cell runs, so Dask workers with GPUs
train on their GPU.

References
----------
1. K. He, X. Zhang, S. Ren, J. Sun. Deep Residual Learning for Image Recognition. CVPR 2016.
2. torchvision.models.resnet18 (BSD-3-Clause): the architecture reproduced here.
3. Yu, Gao, Zhang, Miao. Generalizability of Memorization Neural Networks. NeurIPS 2024,
   Appendix I, Table 3.

>>> net = resnet18(1000, variant="imagenet")
>>> sum(p.numel() for p in net.parameters())
11689512
"""

from __future__ import annotations

import functools
import math
import time
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from memnets import OptionError
from memnets._core.checks import RNGLike, as_rng, check_scalar

__all__ = ["IMAGENET_RESNET18_PARAMS", "Predictor", "check_device", "cuda_available", "resnet18",
           "resolve_device", "train_resnet18"]

#: torchvision's published parameter count of resnet18 (1000 classes, ImageNet stem)
IMAGENET_RESNET18_PARAMS = 11_689_512
LAYERS = (2, 2, 2, 2)
WIDTHS = (64, 128, 256, 512)


def cuda_available() -> bool:
    """True when torch is installed and sees a CUDA device (False without torch)."""
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is installed where this runs
        return False
    return bool(torch.cuda.is_available())


def check_device(device: object) -> str:
    """``device`` spelled as one of ``"auto"``, ``"cpu"``, ``"cuda"``, ``"cuda:N"`` (lower-cased),
    without asking torch what is present (a Dask worker may have the GPU this machine lacks)."""
    d = device.strip().lower() if isinstance(device, str) else ""
    if d in ("auto", "cpu", "cuda") or (d.startswith("cuda:") and d[5:].isdigit()):
        return d
    raise OptionError(f"device must be 'auto', 'cpu', 'cuda' or 'cuda:N', got {device!r}")


def resolve_device(device: str = "auto") -> str:
    """``"auto"`` -> ``"cuda"`` when a CUDA device is present, else ``"cpu"``; ``"cpu"``,
    ``"cuda"`` and ``"cuda:N"`` are checked against the devices present.

    >>> resolve_device("cpu")
    'cpu'
    """
    d = check_device(device)
    if d == "auto":
        return "cuda" if cuda_available() else "cpu"
    if d == "cpu":
        return d
    index = d[5:] if d.startswith("cuda:") else None
    if not cuda_available():
        raise OptionError(f"device={device!r} asks for CUDA, but torch sees no CUDA device here; use 'auto' or 'cpu'")
    import torch

    if index is not None and int(index) >= torch.cuda.device_count():
        raise OptionError(f"device={device!r}: only {torch.cuda.device_count()} CUDA device(s) here")
    return d


@functools.cache
def _classes() -> tuple[Any, Any]:
    """``(BasicBlock, ResNet)`` as torch modules (defined on first use: torch is optional)."""
    from torch import nn

    class BasicBlock(nn.Module):
        """conv3x3-BN-ReLU-conv3x3-BN plus the shortcut, then ReLU (torchvision's BasicBlock)."""

        def __init__(self, cin: int, cout: int, stride: int) -> None:
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
            self.bn1 = nn.BatchNorm2d(cout)
            self.relu = nn.ReLU(inplace=True)
            self.conv2 = nn.Conv2d(cout, cout, 3, stride=1, padding=1, bias=False)
            self.bn2 = nn.BatchNorm2d(cout)
            self.downsample = None
            if stride != 1 or cin != cout:
                self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, bias=False),
                                                nn.BatchNorm2d(cout))

        def forward(self, x: Any) -> Any:
            identity = x if self.downsample is None else self.downsample(x)
            out = self.relu(self.bn1(self.conv1(x)))
            out = self.bn2(self.conv2(out))
            return self.relu(out + identity)

    class ResNet(nn.Module):
        """Stem, four layers of two BasicBlocks, global average pool, linear classifier."""

        def __init__(self, num_classes: int, variant: str) -> None:
            super().__init__()
            if variant == "imagenet":
                self.conv1 = nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False)
                self.maxpool: Any = nn.MaxPool2d(3, stride=2, padding=1)
            else:
                self.conv1 = nn.Conv2d(3, 64, 3, stride=1, padding=1, bias=False)
                self.maxpool = nn.Identity()
            self.bn1 = nn.BatchNorm2d(64)
            self.relu = nn.ReLU(inplace=True)
            blocks: list[Any] = []
            cin = 64
            for k, (count, cout) in enumerate(zip(LAYERS, WIDTHS, strict=True)):
                layer = []
                for j in range(count):
                    layer.append(BasicBlock(cin, cout, 2 if (j == 0 and k > 0) else 1))
                    cin = cout
                blocks.append(nn.Sequential(*layer))
            self.layer1, self.layer2, self.layer3, self.layer4 = blocks
            self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
            self.fc = nn.Linear(512, num_classes)

        def forward(self, x: Any) -> Any:
            x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
            x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
            return self.fc(self.avgpool(x).flatten(1))

    return BasicBlock, ResNet


def resnet18(num_classes: int = 10, *, variant: Literal["cifar", "imagenet"] = "cifar",
             rng: RNGLike = 0) -> Any:
    """ResNet-18 (see the module docstring) with ``num_classes`` outputs, initialised from ``rng``.

    ``variant="imagenet"``: torchvision's network (7x7 stride-2 stem, max-pool);
    ``"cifar"``: 3x3 stride-1 stem, no max-pool (for 32x32 images). The global torch RNG is
    not advanced.
    """
    check_scalar("num_classes", num_classes, int, ge=1)
    if variant not in ("cifar", "imagenet"):
        raise OptionError(f"variant must be 'cifar' or 'imagenet', got {variant!r}")
    import torch
    from torch import nn

    gen_np, _ = as_rng(rng)
    gen = torch.Generator().manual_seed(int(gen_np.integers(0, 2**63 - 1)))
    _, ResNet = _classes()
    with torch.random.fork_rng(devices=[]):  # the modules' own default init uses the global RNG
        net = ResNet(num_classes, variant)
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu", generator=gen)
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Linear):  # PyTorch's default: U(-1/sqrt(fan_in), 1/sqrt(fan_in))
                bound = 1.0 / math.sqrt(m.in_features)
                m.weight.uniform_(-bound, bound, generator=gen)
                m.bias.uniform_(-bound, bound, generator=gen)
    return net


def _images(X: Any) -> np.ndarray:
    """Rows of 3072 values (CIFAR's 1024 red, green, blue pixels) as (k, 3, 32, 32) float32."""
    A = np.asarray(X, dtype=np.float32)
    if A.ndim == 2 and A.shape[1] == 3 * 32 * 32:
        A = A.reshape(-1, 3, 32, 32)
    if A.ndim != 4 or A.shape[1] != 3:
        raise OptionError(f"images must be rows of 3072 values or arrays (k, 3, H, W), got shape {A.shape}")
    return A


@dataclass
class Predictor:
    """A trained ResNet-18 with the labels it was trained on; evaluation in eval mode (BN
    running statistics), in batches, with the training threads setting."""

    net: Any
    classes: np.ndarray
    mean: np.ndarray
    std: np.ndarray
    threads: int
    history: list[dict[str, float]] = field(default_factory=list)
    seconds: float = 0.0
    device: str = "cpu"

    @property
    def num_params(self) -> int:
        return int(sum(p.numel() for p in self.net.parameters()))

    def predict(self, X: Any, *, batch_size: int = 500) -> np.ndarray:
        import torch

        A = (_images(X) - self.mean) / self.std
        previous = torch.get_num_threads()
        torch.set_num_threads(self.threads)
        self.net.eval()
        out = []
        try:
            with torch.no_grad():
                for s in range(0, len(A), batch_size):
                    batch = torch.from_numpy(A[s:s + batch_size]).to(self.device)
                    out.append(self.net(batch).argmax(1).cpu().numpy())
        finally:
            torch.set_num_threads(previous)
        codes = np.concatenate(out) if out else np.zeros(0, dtype=np.int64)
        return self.classes[codes]

    def score(self, X: Any, y: Any) -> float:
        return float(np.mean(self.predict(X) == np.asarray(y)))


def train_resnet18(
    X: Any,
    y: Any,
    *,
    epochs: int = 20,
    lr: float = 0.1,
    batch_size: int = 128,
    momentum: float = 0.9,
    weight_decay: float = 5e-4,
    variant: Literal["cifar", "imagenet"] = "cifar",
    threads: int = 1,
    rng: RNGLike = 0,
    device: str = "auto",
) -> Predictor:
    """Train ResNet-18 on images ``X`` (rows of 3072 CIFAR values, or (k, 3, H, W)) with labels
    ``y`` from scratch; return a :class:`Predictor` (``history``: loss and training accuracy
    per epoch, measured on the mini-batches as they were trained).

    SGD(lr, momentum, weight_decay), constant learning rate, cross-entropy, ``epochs`` passes
    over the data in mini-batches of ``batch_size`` in an order drawn from ``rng``; torch runs
    with ``threads`` intra-op threads (the previous setting is restored). ``device``: where
    to train (:func:`resolve_device`; the module says what stays the same across devices).
    """
    for name, value in (("epochs", epochs), ("batch_size", batch_size), ("threads", threads)):
        check_scalar(name, value, int, ge=1)
    lr = check_scalar("lr", lr, float, gt=0)
    dev = resolve_device(device)
    import torch

    started = time.perf_counter()
    gen, _ = as_rng(rng)
    A = _images(X)
    classes, codes = np.unique(np.asarray(y), return_inverse=True)
    if len(classes) < 2:
        raise OptionError(f"need at least two classes, got {classes.tolist()!r}")
    if len(codes) != len(A):
        raise OptionError(f"{len(A)} images but {len(codes)} labels")
    mean = A.mean(axis=(0, 2, 3), keepdims=True)[0]
    std = A.std(axis=(0, 2, 3), keepdims=True)[0] + 1e-8
    xs = torch.from_numpy((A - mean) / std).to(dev)
    ts = torch.from_numpy(codes.astype(np.int64)).to(dev)
    net = resnet18(len(classes), variant=variant, rng=gen).to(dev)
    opt = torch.optim.SGD(net.parameters(), lr=lr, momentum=momentum, weight_decay=weight_decay)
    loss_fn = torch.nn.CrossEntropyLoss()
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    history: list[dict[str, float]] = []
    try:
        net.train()
        for epoch in range(epochs):
            t0 = time.perf_counter()
            order = torch.from_numpy(gen.permutation(len(A))).to(dev)
            total, right, count = 0.0, 0, 0
            for s in range(0, len(A), batch_size):
                idx = order[s:s + batch_size]
                if len(idx) < 2:  # BatchNorm needs two samples in training mode
                    continue
                opt.zero_grad()
                out = net(xs[idx])
                loss = loss_fn(out, ts[idx])
                loss.backward()
                opt.step()
                total += float(loss.detach()) * len(idx)
                right += int((out.argmax(1) == ts[idx]).sum())
                count += len(idx)
            history.append({"epoch": epoch + 1, "loss": total / max(count, 1), "train_accuracy": right / max(count, 1),
                            "seconds": time.perf_counter() - t0})
    finally:
        torch.set_num_threads(previous)
    return Predictor(net=net, classes=classes, mean=mean, std=std, threads=threads, history=history,
                     seconds=time.perf_counter() - started, device=dev)
