"""``memnets build``, ``memnets eval``, ``memnets inspect`` as a user runs them."""

from __future__ import annotations

import memnets as mn


def test_build_passes_method_options(cli, tmp_path):
    out_file = tmp_path / "m1.memnet"
    out = cli("build", "digits", "--classes", "3,5", "--out", out_file,
              "--set", "preset=theorem", "--set", "alpha=0.6", "--set", "k=1")
    assert out.exit_code == 0, out.output
    res = mn.load(out_file)
    assert res.stats["options"] == {"condense": "cover", "preset": "theorem", "alpha": 0.6, "radius": "global",
                                    "k": 1, "lam": 1.0, "verify": "certificate"}
    default = mn.construct(*mn.datasets.load("digits", classes=(3, 5)), method="efficient", rng=0)
    assert default.stats["options"]["preset"] == "balanced"  # local radii, alpha 0.7, k 2
    assert default.stats["n_reps"] < res.stats["n_reps"]
    for bad, word in ((["--set", "k"], "KEY=VALUE"), (["--set", "colour=red"], "colour"),
                      (["--set", "k=0"], "k ")):
        out = cli("build", "digits", "--classes", "3,5", "--out", out_file, *bad)
        assert out.exit_code == 2 and word in out.output, out.output


def test_inspect_saved_file(cli, tmp_path):
    X, y = mn.datasets.load("moons", n=60, rng=2)
    res = mn.construct(X, y, method="efficient", rng=1234)
    path = mn.save(res, tmp_path / "m.memnet")
    out = cli("inspect", path)
    assert out.exit_code == 0, out.output
    sizes = " -> ".join(map(str, res.network.layer_sizes))
    for word in ("efficient", "verified", "True", sizes, "1234"):
        assert word in out.output
    damaged = bytearray(path.read_bytes())
    damaged[-1] ^= 1
    (tmp_path / "bad.memnet").write_bytes(bytes(damaged))
    out = cli("inspect", tmp_path / "bad.memnet")
    assert out.exit_code == 2 and "checksum" in out.output


def test_eval_prints_the_accuracy_of_score(cli, tmp_path):
    X, y = mn.datasets.load("digits", classes=(3, 5), split="train", rng=0)
    res = mn.construct(X, y, method="efficient", rng=0)
    path = mn.save(res, tmp_path / "m.memnet")
    Xt, yt = mn.datasets.load("digits", classes=(3, 5), split="test", rng=0)
    out = cli("eval", path, "--data", "digits", "--classes", "3,5")
    assert out.exit_code == 0, out.output
    assert f"({len(yt)} samples): {res.score(Xt, yt):.4f}" in out.output


def test_old_subsample_flag_still_works_with_a_warning(cli, tmp_path):
    X, y = mn.datasets.load("digits", classes=(3, 5), split="train", rng=0)
    path = mn.save(mn.construct(X, y, method="efficient", rng=0), tmp_path / "m.memnet")
    new = cli("eval", path, "--data", "digits", "--classes", "3,5", "--n-test", "50")
    old = cli("eval", path, "--data", "digits", "--classes", "3,5", "--n", "50")
    assert new.exit_code == old.exit_code == 0, old.output
    assert "(50 samples)" in new.output and "deprecated" not in new.output
    assert "--n is deprecated" in old.stderr and "use --n-test" in old.stderr
    assert new.stdout == old.stdout
    clash = cli("eval", path, "--data", "digits", "--n", "50", "--n-test", "40")
    assert clash.exit_code == 2 and "disagree" in clash.output
