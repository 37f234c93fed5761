"""Image folders (``load("imagefolder")``) and CIFAR-10's PNG layout, on PNG files the tests write."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

import memnets as mn
from _cifar_files import write_cifar, write_png_folder
from memnets import datasets as ds
from memnets.datasets import _cifar, _imagefolder


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    """Every test gets its own empty disk cache and a cold in-memory cache."""
    monkeypatch.setenv(_imagefolder.CACHE_ENV_VAR, str(tmp_path / "cache"))
    _imagefolder._read_cached.cache_clear()
    return tmp_path / "cache"


def mode(path):
    with Image.open(path) as im:
        return im.mode


def save(path, array):
    """Save uint8 pixels; Pillow infers the mode: (H, W) L, (H, W, 2) LA, (H, W, 3) RGB, (H, W, 4) RGBA."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.asarray(array, dtype=np.uint8)).save(path)
    return path


# --------------------------------------------------------------------------- CIFAR-10, two layouts


def test_png_layout_gives_the_batches_arrays(tmp_path):
    """The same images written as batches and as PNG folders load to identical arrays: the PNG
    rows run class by class (file names keep the batch order within a class)."""
    expect = write_cifar(tmp_path / _cifar.FOLDER, per_batch=10, n_test=20, seed=3)
    png = tmp_path / "png"
    for split, (data, labels) in expect.items():
        write_png_folder(png, split, data, labels, _cifar.CLASS_NAMES)
    assert _cifar.cifar10_layout(png) == "png" and _cifar.cifar10_layout(tmp_path / _cifar.FOLDER) == "batches"
    for split in ("train", "test"):
        Xb, yb = ds.load("cifar10", data_dir=tmp_path / _cifar.FOLDER, split=split)
        Xp, yp = ds.load("cifar10", data_dir=png, split=split)
        order = np.argsort(yb, kind="stable")  # batches order -> class by class, file order kept
        assert Xp.dtype == np.float64 and Xp.shape == Xb.shape == (len(expect[split][1]), 3072)
        assert np.array_equal(Xp, Xb[order]) and np.array_equal(yp, yb[order])
        assert np.array_equal(Xp * 255, expect[split][0][order].astype(np.float64))
    # class ids are the official ones, by name too
    Xc, yc = ds.load("cifar10", data_dir=png, classes=("dog", "cat"), split="test")
    assert sorted(set(yc.tolist())) == [3, 5] and len(yc) == 4
    X35, y35 = ds.load("cifar10", data_dir=png, classes=(3, 5), split="test")
    assert np.array_equal(Xc, X35) and np.array_equal(yc, y35)


def test_png_cifar_checks_class_names_and_size(tmp_path):
    png = tmp_path / "png"
    data = np.zeros((10, 3072), dtype=np.uint8)
    names = list(_cifar.CLASS_NAMES)
    names[3] = "kitten"
    for split in ("train", "test"):
        write_png_folder(png, split, data, np.arange(10), names)
    with pytest.raises(ds.DataFileError, match=r"missing \['cat'\], unexpected \['kitten'\]"):
        ds.load("cifar10", data_dir=png)
    (png / "train" / "kitten").rename(png / "train" / "cat")
    assert ds.load("cifar10", data_dir=png)[0].shape == (10, 3072)
    for p in (png / "train").glob("*/*.png"):
        save(p, np.zeros((16, 16, 3)))
    with pytest.raises(ds.DataFileError, match=r"32x32 RGB .* these are \(3, 16, 16\)"):
        ds.load("cifar10", data_dir=png)


# --------------------------------------------------------------------------- user image folders


def test_pixels_channel_major_and_modes(tmp_path):
    """Hand-set pixels: RGB flattened channel-major, RGBA/palette/bilevel/grey-alpha as documented."""
    rgb = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3) * 10  # H=2, W=3, RGB
    root = tmp_path / "colour"
    save(root / "a" / "0.png", rgb)
    rgba = np.concatenate([rgb, np.full((2, 3, 1), 7, np.uint8)], axis=2)
    save(root / "a" / "1.png", rgba)
    pal = Image.new("P", (3, 2))
    pal.putpalette([0, 0, 0, 255, 128, 64] + [0] * 762)
    pal.putdata([0, 1, 1, 0, 0, 1])
    (root / "b").mkdir()
    pal.save(root / "b" / "pal.png")
    assert [mode(root / n) for n in ("a/0.png", "a/1.png", "b/pal.png")] == ["RGB", "RGBA", "P"]
    X, y = ds.load("imagefolder", data_dir=root)
    assert X.shape == (3, 18) and y.tolist() == [0, 0, 1]
    expect0 = rgb.transpose(2, 0, 1).ravel() / 255  # channel c, row, col
    assert np.array_equal(X[0], expect0) and np.array_equal(X[1], expect0)  # alpha dropped
    assert X[0, 1] == 30 / 255 and X[0, 6] == 10 / 255  # red of pixel (0,1); green of pixel (0,0)
    colour = np.array([[0, 0, 0], [255, 128, 64]])[[0, 1, 1, 0, 0, 1]].reshape(2, 3, 3)
    assert np.array_equal(X[2] * 255, colour.transpose(2, 0, 1).ravel())
    grey = tmp_path / "grey"
    save(grey / "x" / "0.png", [[0, 51], [255, 102]])
    save(grey / "y" / "0.png", [[[0, 9], [51, 9]], [[255, 0], [102, 1]]])
    Image.fromarray(np.array([[True, False], [False, True]])).save(grey / "y" / "1.png")  # mode "1"
    assert [mode(grey / n) for n in ("x/0.png", "y/0.png", "y/1.png")] == ["L", "LA", "1"]
    Xg, yg = ds.load("imagefolder", data_dir=grey)
    assert Xg.shape == (3, 4) and yg.tolist() == [0, 1, 1]
    assert np.array_equal(Xg[:2] * 255, [[0, 51, 255, 102]] * 2)
    assert np.array_equal(Xg[2], [1, 0, 0, 1])


def test_split_layout_classes_and_selection(tmp_path):
    root = tmp_path / "imgs"
    for split, k in (("train", 3), ("test", 2)):
        for c, name in enumerate(("zebra", "ant", "mole")):
            for i in range(k):
                save(root / split / name / f"{i}.png", np.full((4, 5), 10 * c + i))
    (root / "train" / "ant" / "notes.txt").write_text("not an image")  # ignored
    assert ds.image_folder_classes(root) == ("ant", "mole", "zebra")
    X, y = ds.load("imagefolder", data_dir=root)
    assert X.shape == (9, 20) and y.tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2]
    assert np.array_equal(X[:, 0] * 255, [10, 11, 12, 20, 21, 22, 0, 1, 2])  # ant=c1, mole=c2, zebra=c0
    Xt, yt = ds.load("imagefolder", data_dir=root, split="test", classes=("zebra", 1))
    assert yt.tolist() == [1, 1, 2, 2] and np.array_equal(Xt[:, 0] * 255, [20, 21, 0, 1])
    _, yn = ds.load("imagefolder", data_dir=root, n=3, rng=0)
    assert sorted(yn.tolist()) == [0, 1, 2]
    with pytest.raises(mn.OptionError, match=r"class 'cat' does not exist; the classes are \['ant', 'mole', 'zebra'\]"):
        ds.load("imagefolder", data_dir=root, classes=("cat",))
    with pytest.raises(mn.OptionError, match="does not exist in imagefolder"):
        ds.load("imagefolder", data_dir=root, classes=(3,))
    with pytest.raises(mn.OptionError, match="needs data_dir"):
        ds.load("imagefolder")
    with pytest.raises(mn.DataUnavailableError, match="does not exist"):
        ds.load("imagefolder", data_dir=tmp_path / "nowhere")
    flat = root / "train"  # one set of class folders: split="test" is an error
    assert ds.load("imagefolder", data_dir=flat)[0].shape == (9, 20)
    with pytest.raises(mn.OptionError, match="no train/ and test/ sub-folders"):
        ds.load("imagefolder", data_dir=flat, split="test")


def test_errors_name_the_file(tmp_path):
    root = tmp_path / "bad"
    save(root / "a" / "0.png", np.zeros((4, 4, 3)))
    odd = save(root / "b" / "0.png", np.zeros((4, 5, 3)))
    with pytest.raises(ds.DataFileError, match=rf"{odd}: image of 5x4 pixels .* is 4x4 pixels"):
        ds.load("imagefolder", data_dir=root)
    grey = save(root / "b" / "0.png", np.zeros((4, 4)))
    with pytest.raises(ds.DataFileError, match=rf"{grey}: image of 4x4 pixels \(grey, 1 channel\)"):
        ds.load("imagefolder", data_dir=root)
    save(root / "b" / "0.png", np.zeros((4, 4, 3)))
    (root / "c").mkdir()
    with pytest.raises(ds.DataFileError, match=rf"class folder {root / 'c'} holds no image files"):
        ds.load("imagefolder", data_dir=root)
    (root / "c").rmdir()
    good = (root / "a" / "0.png").read_bytes()
    corrupt = root / "b" / "0.png"
    corrupt.write_bytes(good[: len(good) // 2])  # truncated PNG
    with pytest.raises(ds.DataFileError, match=rf"{corrupt} is not a readable image"):
        ds.load("imagefolder", data_dir=root)
    corrupt.write_bytes(b"this is no png")
    with pytest.raises(ds.DataFileError, match=rf"{corrupt} is not a readable image"):
        ds.load("imagefolder", data_dir=root)
    Image.fromarray(np.zeros((4, 4), dtype=np.uint16)).save(corrupt)
    with pytest.raises(ds.DataFileError, match=r"mode 'I;16' is not supported"):
        ds.load("imagefolder", data_dir=root)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ds.DataFileError, match="has no class sub-folders"):
        ds.load("imagefolder", data_dir=empty)


def test_disk_cache_keyed_by_files(tmp_path, private_cache):
    root = tmp_path / "imgs"
    for c in range(2):
        for i in range(3):
            save(root / f"c{c}" / f"{i}.png", np.full((2, 2, 3), 40 * c + i))
    X0, _ = ds.load("imagefolder", data_dir=root, cache=True)
    files = list((private_cache / "imagefolder").glob("*.npz"))
    assert len(files) == 1
    # a cold process reads the cache file: poison it with a marker value to see it is used
    _imagefolder._read_cached.cache_clear()
    with np.load(files[0]) as z:
        parts = dict(z)
    parts["X"] = parts["X"].copy()
    parts["X"][0, 0] = 99
    np.savez(files[0], **parts)
    assert ds.load("imagefolder", data_dir=root, cache=True)[0][0, 0] * 255 == 99
    # cache=False neither reads nor writes it
    _imagefolder._read_cached.cache_clear()
    assert np.array_equal(ds.load("imagefolder", data_dir=root, cache=False)[0], X0)
    # a changed file gives a new key and a fresh decode
    _imagefolder._read_cached.cache_clear()
    save(root / "c1" / "2.png", np.full((2, 2, 3), 200))
    X1, _ = ds.load("imagefolder", data_dir=root, cache=True)
    assert X1[5, 0] * 255 == 200 and X1[0, 0] == 0 and len(list((private_cache / "imagefolder").glob("*.npz"))) == 2
    # an unreadable cache file is ignored and rewritten
    _imagefolder._read_cached.cache_clear()
    for f in (private_cache / "imagefolder").glob("*.npz"):
        f.write_bytes(b"garbage")
    assert np.array_equal(ds.load("imagefolder", data_dir=root, cache=True)[0], X1)
    with pytest.raises(mn.OptionError, match="cache must be True, False or None"):
        ds.load("imagefolder", data_dir=root, cache="yes")
    # small folders are not cached by default (cache=None)
    _imagefolder._read_cached.cache_clear()
    other = tmp_path / "other"
    save(other / "k" / "0.png", np.zeros((2, 2)))
    ds.load("imagefolder", data_dir=other)
    assert len(list((private_cache / "imagefolder").glob("*.npz"))) == 2


def test_catalog_lists_imagefolder():
    entry = next(e for e in ds.catalog() if e["name"] == "imagefolder")
    assert entry["kind"] == "real" and entry["available"] is True and entry["n_features"] is None
