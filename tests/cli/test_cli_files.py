"""A user's own data and model files from the command line: build from .npz/.csv, --rescale,
export to torch/ONNX, eval and inspect on those files, the methods table, certify's advice."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import memnets as mn


def _raw_data(seed: int = 0, n: int = 120):
    """Two blobs far outside [0, 1]: feature 0 in [-50, 50], feature 1 in [1000, 3000]."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    X = np.column_stack([rng.uniform(-50, 50, n) + 30 * y, rng.uniform(1000, 3000, n)])
    return X, y


def test_build_npz_needs_rescale_and_says_how(cli, tmp_path):
    X, y = _raw_data()
    np.savez(tmp_path / "d.npz", X=X, y=y)
    out = cli("build", tmp_path / "d.npz", "--out", tmp_path / "m.memnet")
    assert out.exit_code == 2
    text = " ".join(out.output.split())
    assert "must lie in [0, 1]^n" in text and "rescale=True" in text and "add --rescale" in text
    out = cli("build", tmp_path / "d.npz", "--rescale", "--out", tmp_path / "m.memnet", "--seed", "3")
    assert out.exit_code == 0, out.output
    res = mn.load(tmp_path / "m.memnet")
    assert res == mn.construct(X, y, rescale=True, rng=3)
    assert res.scaling.kind == "feature"
    assert res.scaling.low.tolist() == X.min(axis=0).tolist()
    out = cli("eval", tmp_path / "m.memnet", "--data", tmp_path / "d.npz")
    assert out.exit_code == 0 and f"({len(y)} samples): 1.0000" in out.output
    out = cli("inspect", tmp_path / "m.memnet")
    assert out.exit_code == 0 and "feature min-max, clipped into [0, 1]" in out.output


def test_build_npz_without_arrays_X_y(cli, tmp_path):
    np.savez(tmp_path / "bad.npz", data=np.zeros((3, 2)), labels=np.arange(3))
    out = cli("build", tmp_path / "bad.npz")
    assert out.exit_code == 2 and "arrays named X and y" in out.output and "['data', 'labels']" in out.output


def test_build_csv_with_label_column(cli, tmp_path):
    X, y = mn.datasets.load("moons", n=80, rng=1)
    names = np.where(y == 1, "upper", "lower")
    lines = ["a,kind,b"] + [f"{a!r},{k},{b!r}" for (a, b), k in zip(X.tolist(), names, strict=True)]
    (tmp_path / "d.csv").write_text("\n".join(lines) + "\n")
    out = cli("build", tmp_path / "d.csv", "--out", tmp_path / "m.memnet")
    assert out.exit_code == 2 and "--label-column" in out.output
    out = cli("build", tmp_path / "d.csv", "--label-column", "label", "--out", tmp_path / "m.memnet")
    assert out.exit_code == 2 and "no column named 'label'" in out.output and "['a', 'kind', 'b']" in out.output
    out = cli("build", tmp_path / "d.csv", "--label-column", "kind", "--out", tmp_path / "m.memnet", "--seed", "2")
    assert out.exit_code == 0, out.output
    res = mn.load(tmp_path / "m.memnet")
    assert res.classes.tolist() == ["lower", "upper"] and res.scaling is None
    assert res == mn.construct(X, names, rng=2)  # float repr round-trips exactly
    (tmp_path / "bad.csv").write_text("a,kind\n0.5,x\noops,y\n")
    out = cli("build", tmp_path / "bad.csv", "--label-column", "kind")
    assert out.exit_code == 2 and "line 3, column 'a': 'oops' is not a number" in out.output


def test_export_torch_and_onnx_answer_like_predict(cli, tmp_path):
    X, y = _raw_data(seed=4)
    res = mn.construct(X, y, rescale=True, rng=0)
    mn.save(res, tmp_path / "m.memnet")
    out = cli("export", tmp_path / "m.memnet", "--torch", tmp_path / "m.pt", "--onnx", tmp_path / "m.onnx")
    assert out.exit_code == 0, out.output
    T, _ = _raw_data(seed=5, n=300)
    T[:10] *= 3.0  # points far outside the training range: clipped by predict and the export
    seq = torch.load(tmp_path / "m.pt", weights_only=False)
    with torch.no_grad():
        scores = seq(torch.as_tensor(T)).numpy().reshape(-1)
    assert np.array_equal(res.classes[(scores > 0).astype(int)], res.predict(T))
    import onnxruntime as ort

    sess = ort.InferenceSession(str(tmp_path / "m.onnx"))
    onnx_scores = sess.run(None, {sess.get_inputs()[0].name: T})[0].reshape(-1)
    assert np.array_equal(res.classes[(onnx_scores > 0).astype(int)], res.predict(T))
    # eval and inspect read the torch file like audit does
    np.savez(tmp_path / "t.npz", X=T, y=res.predict(T))
    out = cli("eval", tmp_path / "m.pt", "--data", tmp_path / "t.npz")
    assert out.exit_code == 0 and "(300 samples): 1.0000" in out.output, out.output
    out = cli("inspect", tmp_path / "m.pt")
    sizes = " -> ".join(map(str, res.network_with_scaling().layer_sizes))
    assert out.exit_code == 0 and "bare network" in out.output and sizes in out.output
    out = cli("export", tmp_path / "m.memnet")
    assert out.exit_code == 2 and out.output == "error: give --onnx OUT and/or --torch OUT\n", out.output


def test_export_refuses_what_float64_cannot_hold(cli, tmp_path):
    X, y = mn.datasets.load("moons", n=400, rng=0)
    mn.save(mn.construct(X, y, method="optimal", rng=0), tmp_path / "o.memnet")
    out = cli("export", tmp_path / "o.memnet", "--torch", tmp_path / "o.pt")
    text = " ".join(out.output.split())
    assert out.exit_code == 2 and not (tmp_path / "o.pt").exists()
    assert text.startswith("error: cannot export to torch: the weights need") and "float64 stores 53" in text, text


def test_methods_lists_every_option(cli):
    out = cli("methods", env={"COLUMNS": "400"})
    assert out.exit_code == 0, out.output
    # one table per method, in registry order, each with a row per option of that method
    # (options shared by several methods, such as the projection group, in every table)
    starts = [out.output.index(f"{name}: {' '.join(text.split()[:3])}") for name, (_, text) in mn.METHODS.items()]
    assert starts == sorted(starts) and starts[0] == 0
    sections = [out.output[a:b] for a, b in zip(starts, [*starts[1:], len(out.output)], strict=True)]
    for name, section in zip(mn.METHODS, sections, strict=True):
        rows = [line for line in section.splitlines() if line.startswith("│")]
        assert len(rows) == max(1, len(mn.method_options(name))), (name, rows)
        for opt, row in zip(mn.method_options(name).values(), rows, strict=False):
            cells = [c.strip() for c in row.strip("│").split("│")]
            assert cells[:3] == [opt.name, repr(opt.default), opt.allowed] and cells[3] == opt.meaning, (name, cells)
    one = cli("methods", "optimal")
    assert "max_width" in one.output and "condense" not in one.output
    bad = cli("methods", "nope")
    assert bad.exit_code == 2 and "valid methods are 'efficient'" in bad.output


def test_build_help_lists_every_method(cli):
    text = " ".join(cli("build", "--help", env={"COLUMNS": "400"}).output.split())
    # both lists, each whole and in registry order (one complete list hid a short other one)
    every = ", ".join(mn.METHODS)
    assert f"Methods (`memnets methods` lists their options): {every}." in text
    assert f"--method <str> Construction: {every} [default: efficient]" in text


@pytest.mark.parametrize("condense", ["cover", "mcs"])
def test_certify_says_when_the_bound_is_weak(cli, tmp_path, condense):
    X, y = mn.datasets.load("digits", classes=(3, 5), rng=0)
    res = mn.construct(X, y, condense=condense, rng=0)
    mn.save(res, tmp_path / "m.memnet")
    out = cli("certify", tmp_path / "m.memnet")
    assert out.exit_code == 0, out.output
    cert = res.certify()
    text = " ".join(out.output.split())
    weak = cert.k / cert.n_samples >= 0.05 or cert.accuracy < 0.5
    assert ("bound is weak" in text) == weak
    assert ('condense="mcs"' in text) == (weak and condense != "mcs")
    if condense == "cover":
        assert weak  # the default keeps far more than 5% of digits 3-vs-5
