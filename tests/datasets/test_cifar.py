"""CIFAR-10 reader, MD5-checked download and safe extraction, on tiny files in the real format.

No test touches the network: the URL opener is replaced by a fake serving local bytes.
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import struct
import tarfile
import urllib.error

import numpy as np
import pytest

import memnets as mn
from _cifar_files import N_TEST, PER_BATCH, write_cifar
from memnets import datasets as ds
from memnets.datasets import _cifar


def tarball(folder, *, extra: list[tarfile.TarInfo] | None = None) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        tf.add(folder, arcname=_cifar.FOLDER)
        for info in extra or []:
            tf.addfile(info, io.BytesIO(b"x" * info.size) if info.isfile() else None)
    return buf.getvalue()


class FakeResponse(io.BytesIO):
    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.headers = {"Content-Length": str(len(data))}


@pytest.fixture
def no_default_cifar(tmp_path, monkeypatch):
    """Make sure neither the env var nor ~/.cache/memnets provide a CIFAR-10."""
    monkeypatch.delenv(_cifar.ENV_VAR, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return tmp_path


@pytest.mark.parametrize("protocol", [2, pickle.HIGHEST_PROTOCOL])
def test_read_written_files(tmp_path, protocol):
    folder = tmp_path / _cifar.FOLDER
    expect = write_cifar(folder, protocol=protocol)
    for where in (folder, tmp_path):  # the folder itself or its parent
        X, y = ds.load("cifar10", data_dir=where)
        assert X.shape == (5 * PER_BATCH, 3072) and X.dtype == np.float64 and y.dtype == np.int64
        assert np.array_equal(X * 255, expect["train"][0]) and np.array_equal(y, expect["train"][1])
    Xt, yt = ds.load("cifar10", data_dir=folder, split="test")
    assert np.array_equal(Xt * 255, expect["test"][0]) and np.array_equal(yt, expect["test"][1])
    Xc, yc = ds.load("cifar10", data_dir=folder, classes=(1, 2))
    keep = np.isin(expect["train"][1], [1, 2])
    assert np.array_equal(yc, expect["train"][1][keep]) and np.array_equal(Xc * 255, expect["train"][0][keep])
    # cached per file version: the second load hits the cache
    hits = _cifar._read_split_cached.cache_info().hits
    ds.load("cifar10", data_dir=folder, split="test")
    assert _cifar._read_split_cached.cache_info().hits == hits + 1


def test_env_var_and_catalog(tmp_path, no_default_cifar, monkeypatch):
    entry = next(e for e in ds.catalog() if e["name"] == "cifar10")
    assert entry["available"] is False and "download=True" in entry["note"]
    with pytest.raises(mn.DataUnavailableError, match="CIFAR-10 not found"):
        ds.load("cifar10")
    write_cifar(tmp_path / "somewhere" / _cifar.FOLDER)
    monkeypatch.setenv(_cifar.ENV_VAR, str(tmp_path / "somewhere"))
    X, _ = ds.load("cifar10", split="test")
    assert X.shape == (N_TEST, 3072)
    entry = next(e for e in ds.catalog() if e["name"] == "cifar10")
    assert entry["available"] is True


def _rewrite(path, obj, protocol=2):
    with path.open("wb") as f:
        pickle.dump(obj, f, protocol=protocol)


def test_corrupt_batches(tmp_path):
    folder = tmp_path / _cifar.FOLDER
    write_cifar(folder)
    target = folder / "test_batch"
    good = target.read_bytes()
    target.write_bytes(good[: len(good) // 2])
    with pytest.raises(ds.DataFileError, match="not a readable CIFAR-10 pickle"):
        ds.load("cifar10", data_dir=folder, split="test")
    gen = np.random.default_rng(1)
    bad_cases = {
        "b'data' must have shape": {b"data": gen.integers(0, 256, (2, 100), dtype=np.uint8), b"labels": [0, 1]},
        "must be a uint8 array": {b"data": np.zeros((2, 3072), dtype=np.float32), b"labels": [0, 1]},
        "2 images but 3 labels": {b"data": np.zeros((2, 3072), dtype=np.uint8), b"labels": [0, 1, 2]},
        "label 12 at position 1": {b"data": np.zeros((2, 3072), dtype=np.uint8), b"labels": [0, 12]},
        "has no key b'labels'": {b"data": np.zeros((2, 3072), dtype=np.uint8)},
        "expected a pickled dict": [1, 2, 3],
    }
    for message, obj in bad_cases.items():
        _rewrite(target, obj)
        with pytest.raises(ds.DataFileError, match=message):
            ds.load("cifar10", data_dir=folder, split="test")
    (folder / "data_batch_3").unlink()
    with pytest.raises(mn.DataUnavailableError):
        ds.load("cifar10", data_dir=folder)


def test_malicious_pickle_is_refused(tmp_path):
    """A pickle that references a callable outside the allow-list is refused before any call."""
    folder = tmp_path / _cifar.FOLDER
    write_cifar(folder)
    _rewrite(folder / "test_batch", {b"data": os.getcwd, b"labels": []})
    with pytest.raises(ds.DataFileError, match="refusing to load"):
        ds.read_batch(folder / "test_batch")


def test_download_checksum_ok_and_mismatch(tmp_path, no_default_cifar, monkeypatch):
    src = tmp_path / "src" / _cifar.FOLDER
    expect = write_cifar(src, seed=5)
    blob = tarball(src)
    calls = []

    def fake_urlopen(url, timeout=None):
        assert timeout == _cifar.DOWNLOAD_TIMEOUT
        calls.append(url)
        return FakeResponse(blob)

    monkeypatch.setattr(_cifar, "_urlopen", fake_urlopen)
    root = tmp_path / "root"
    # the real archive's published MD5 does not match our tiny archive: clear refusal
    with pytest.raises(ds.DataFileError, match=f"MD5 {hashlib.md5(blob).hexdigest()}, expected {_cifar.CIFAR10_MD5}"):
        ds.load("cifar10", data_dir=root, download=True)
    assert calls == [_cifar.CIFAR10_URL]
    assert not (root / _cifar.FOLDER).exists() and list(root.iterdir()) == []  # nothing left behind
    # with the digest of our archive the same path downloads, verifies and extracts
    monkeypatch.setattr(_cifar, "CIFAR10_MD5", hashlib.md5(blob).hexdigest())
    X, y = ds.load("cifar10", data_dir=root, download=True, split="test")
    assert np.array_equal(X * 255, expect["test"][0]) and np.array_equal(y, expect["test"][1])
    assert sorted(p.name for p in (root / _cifar.FOLDER).iterdir()) == sorted(
        [*_cifar.TRAIN_BATCHES, "test_batch", "batches.meta"]
    )
    assert [p.name for p in root.iterdir()] == [_cifar.FOLDER]  # no temp files left
    ds.load("cifar10", data_dir=root, download=True)  # found now: no second download
    assert len(calls) == 2
    # data_dir naming the (absent) folder itself: extracted there, not one level deeper
    other = tmp_path / "other" / _cifar.FOLDER
    ds.load("cifar10", data_dir=other, download=True, split="test")
    assert (other / "test_batch").is_file() and len(calls) == 3


def test_download_network_error(tmp_path, no_default_cifar, monkeypatch):
    def offline(url, timeout=None):
        raise urllib.error.URLError("no network")

    monkeypatch.setattr(_cifar, "_urlopen", offline)
    with pytest.raises(mn.DataUnavailableError, match="cannot download CIFAR-10"):
        ds.load("cifar10", data_dir=tmp_path / "root", download=True)


@pytest.mark.parametrize(
    "name, kind",
    [
        ("../evil.txt", tarfile.REGTYPE),
        (f"{_cifar.FOLDER}/../../evil.txt", tarfile.REGTYPE),
        ("/tmp/evil.txt", tarfile.REGTYPE),
        (f"{_cifar.FOLDER}/link", tarfile.SYMTYPE),
    ],
)
def test_unsafe_archive_is_refused(tmp_path, monkeypatch, name, kind):
    src = tmp_path / "src" / _cifar.FOLDER
    write_cifar(src)
    info = tarfile.TarInfo(name)
    info.type = kind
    if kind == tarfile.SYMTYPE:
        info.linkname = "/etc/passwd"
    else:
        info.size = 4
    blob = tarball(src, extra=[info])
    monkeypatch.setattr(_cifar, "_urlopen", lambda url, timeout=None: FakeResponse(blob))
    root = tmp_path / "deep" / "root"
    with pytest.raises(ds.DataFileError, match="unsafe or unexpected member"):
        _cifar.download_cifar10(root, md5=hashlib.md5(blob).hexdigest(), progress=False)
    assert not (root / _cifar.FOLDER).exists()
    assert not (tmp_path / "deep" / "evil.txt").exists() and not (tmp_path / "evil.txt").exists()
    assert list(root.iterdir()) == []


def test_archive_without_batches(tmp_path, monkeypatch):
    src = tmp_path / "src" / _cifar.FOLDER
    write_cifar(src)
    (src / "data_batch_2").unlink()
    blob = tarball(src)
    monkeypatch.setattr(_cifar, "_urlopen", lambda url, timeout=None: FakeResponse(blob))
    with pytest.raises(ds.DataFileError, match="lacks the CIFAR-10 batches"):
        _cifar.download_cifar10(tmp_path / "root", md5=hashlib.md5(blob).hexdigest(), progress=False)
    not_gz = b"definitely not a tarball"
    monkeypatch.setattr(_cifar, "_urlopen", lambda url, timeout=None: FakeResponse(not_gz))
    with pytest.raises(ds.DataFileError, match=r"not a readable \.tar\.gz"):
        _cifar.download_cifar10(tmp_path / "root", md5=hashlib.md5(not_gz).hexdigest(), progress=False)


def _py2_batch_pickle(data: np.ndarray, labels: list[int]) -> bytes:
    """A batch pickled the way Python 2 + NumPy 1 wrote the published files (protocol 2,
    ``numpy.core.multiarray._reconstruct``, pixel bytes as a py2 ``str`` = BINSTRING)."""
    out = b"\x80\x02}(" + b"U\x04data"
    out += b"cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\nK\x00\x85U\x01b\x87R"
    out += b"(K\x01" + b"".join(b"J" + struct.pack("<i", d) for d in data.shape) + b"\x86"
    out += b"cnumpy\ndtype\nU\x02u1K\x00K\x01\x87R(K\x03U\x01|NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb"
    out += b"\x89T" + struct.pack("<I", data.nbytes) + data.tobytes() + b"tb"
    out += b"U\x06labels](" + b"".join(b"K" + bytes([v]) for v in labels) + b"e"
    return out + b"u."


def test_python2_numpy1_pickle(tmp_path):
    """The published files reference numpy.core (NumPy 1) and py2 strings: read them, no warning."""
    folder = tmp_path / _cifar.FOLDER
    write_cifar(folder)
    gen = np.random.default_rng(3)
    data = gen.integers(0, 256, size=(2, 3072), dtype=np.uint8)
    (folder / "test_batch").write_bytes(_py2_batch_pickle(data, [4, 9]))
    got, labels = ds.read_batch(folder / "test_batch")
    assert np.array_equal(got, data) and labels.tolist() == [4, 9]
    X, y = ds.load("cifar10", data_dir=folder, split="test")
    assert np.array_equal(X * 255, data) and y.tolist() == [4, 9]
