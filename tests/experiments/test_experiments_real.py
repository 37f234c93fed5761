"""The real-data experiments: every class pair (the paper's 10 x 10 tables) and the
comparison of Table 4 (M1/M2/M3, our constructions, baselines), at tiny sizes."""

from __future__ import annotations

import csv
import json
from itertools import combinations

import matplotlib.image as mpimg
import numpy as np
import pytest

from _cifar_files import write_cifar
from _helpers import needs_mnist
from memnets import OptionError
from memnets.experiments import compare, pairs


@pytest.fixture(scope="module")
def digits_pairs(tmp_path_factory):
    out = tmp_path_factory.mktemp("pairs")
    summary = pairs.run(out, data="digits", profile="tiny", jobs=1, progress=False)
    return out, summary, json.loads((out / "pairs.json").read_text())


def test_pairs_table_layout_and_accuracy(digits_pairs):
    out, summary, doc = digits_pairs
    res = doc["datasets"]["digits"]
    assert res["per_class"] == {"train": 60, "test": 40}
    assert len(res["cells"]) == 45 * len(pairs.CONDENSE)
    for opt in pairs.CONDENSE:
        table = res["tables"][opt]
        assert len(table) == 10 and all(len(row) == 10 for row in table)
        for i in range(10):
            assert table[i][i] is None
            for j in range(10):
                assert table[i][j] == table[j][i]
        cell = {(c["a"], c["b"]): c for c in res["cells"] if c["condense"] == opt}
        assert set(cell) == set(combinations(range(10), 2))
        for (a, b), c in cell.items():
            assert table[a][b] == c["accuracy"]
            assert c["n_train"] == 120 and c["n_test"] == 80
            assert c["verified"] and c["train_accuracy"] == 1.0 and c["min_margin"] > 0
        # the paper's claim on easy digit pairs, for our efficient network
        assert res["summary"][opt]["mean_accuracy"] > 0.95
        assert res["summary"][opt]["min_accuracy"] > 0.8
    reps = {(c["a"], c["b"], c["condense"]): c["representatives"] for c in res["cells"]}
    for a, b in combinations(range(10), 2):
        assert reps[(a, b, "none")] == 120  # no condensing: every training image represents itself
        assert 2 <= reps[(a, b, "cover")] <= 120
    assert summary["plots"] == [str(out / "pairs_digits.png")]
    assert "| **0** |" in summary["markdown"] and "pairs_digits.png" in summary["markdown"]


def test_pairs_none_equals_sklearn_1nn(digits_pairs):
    """Without condensing, efficient's argmax over h_k(x) = 2<s_k, x> - |s_k|^2 is the nearest
    training image: its test accuracy must equal scikit-learn's 1-NN on the same split."""
    from sklearn.neighbors import KNeighborsClassifier

    _, _, doc = digits_pairs
    cells = {(c["a"], c["b"]): c for c in doc["datasets"]["digits"]["cells"] if c["condense"] == "none"}
    for a, b in [(0, 1), (3, 8), (4, 9), (7, 9)]:
        X, y = pairs.load_pair("digits", (a, b), "train", 60, 0, None)
        Xt, yt = pairs.load_pair("digits", (a, b), "test", 40, 0, None)
        knn = KNeighborsClassifier(n_neighbors=1).fit(X, y)
        expected = float(np.mean(knn.predict(Xt) == yt))
        # ties between equidistant images may break differently: at most 1 test image apart
        assert abs(cells[(a, b)]["accuracy"] - expected) <= 1 / len(yt) + 1e-12


def test_pairs_csv_and_png(digits_pairs):
    out, _, doc = digits_pairs
    with (out / "pairs.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert tuple(rows[0]) == pairs.CSV_COLUMNS
    assert len(rows) == 45 * len(pairs.CONDENSE)
    by_key = {(int(r["class_a"]), int(r["class_b"]), r["condense"]): r for r in rows}
    for c in doc["datasets"]["digits"]["cells"]:
        r = by_key[(c["a"], c["b"], c["condense"])]
        assert float(r["accuracy"]) == pytest.approx(c["accuracy"], abs=1e-6)
        assert int(r["params"]) == c["params"] and int(r["representatives"]) == c["representatives"]
    img = mpimg.imread(out / "pairs_digits.png")
    assert img.ndim == 3 and img.shape[0] > 200 and img.shape[1] > 3 * img.shape[0] / 2


def test_load_pair_subsample_is_seeded_and_balanced():
    X1, y1 = pairs.load_pair("digits", (2, 7), "train", 25, 3, None)
    X2, y2 = pairs.load_pair("digits", (2, 7), "train", 25, 3, None)
    X3, _ = pairs.load_pair("digits", (2, 7), "train", 25, 4, None)
    assert np.array_equal(X1, X2) and np.array_equal(y1, y2)
    assert not np.array_equal(X1, X3)
    assert sorted(np.unique(y1, return_counts=True)[1].tolist()) == [25, 25]
    assert set(np.unique(y1).tolist()) == {2, 7}


def test_drop_conflicts_hand_worked():
    X = np.array([[0.0, 1.0], [0.5, 0.5], [0.0, 1.0], [1.0, 0.0], [0.5, 0.5]])
    y = np.array([0, 1, 1, 0, 1])
    Xk, yk, dropped = pairs.drop_conflicts(X, y)
    # [0, 1] carries labels 0 and 1: both copies go; [0.5, 0.5] twice with label 1 stays
    assert dropped == 2
    assert Xk.tolist() == [[0.5, 0.5], [1.0, 0.0], [0.5, 0.5]] and yk.tolist() == [1, 0, 1]
    same, ys, none = pairs.drop_conflicts(X[1:2], y[1:2])
    assert none == 0 and same.tolist() == [[0.5, 0.5]] and ys.tolist() == [1]


def test_pairs_cifar_from_data_dir(tmp_path, monkeypatch):
    monkeypatch.delenv("MEMNETS_CIFAR10_DIR", raising=False)
    folder = tmp_path / "cifar-10-batches-py"
    write_cifar(folder, per_batch=20, n_test=40, by_class=True)
    summary = pairs.run(tmp_path / "out", data="cifar10", data_dir=folder, pairs=[(0, 1), (5, 3)],
                        condense=("cover", "none"), progress=False)
    assert summary["skipped"] == {}
    res = json.loads((tmp_path / "out" / "pairs.json").read_text())["datasets"]["cifar10"]
    assert res["labels"][3] == "cat" and res["labels"][5] == "dog"
    for c in res["cells"]:
        assert c["n_train"] == 20 and c["n_test"] == 8 and c["accuracy"] == 1.0 and c["verified"]
    assert res["tables"]["cover"][3][5] == res["tables"]["cover"][5][3] == 1.0
    assert res["tables"]["cover"][0][2] is None
    assert "| **cat** |" in summary["markdown"] and (tmp_path / "out" / "pairs_cifar10.png").is_file()


def test_pairs_cifar_without_folder_says_how_and_runs_the_rest(tmp_path, monkeypatch):
    monkeypatch.delenv("MEMNETS_CIFAR10_DIR", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.cache/memnets copy either
    summary = pairs.run(tmp_path, data=["cifar10", "digits"], pairs=[(0, 1)], condense=("cover",),
                        profile="tiny", progress=False)
    assert "--data-dir" in summary["skipped"]["cifar10"]
    assert set(summary["datasets"]) == {"digits"}
    assert "cifar10: skipped" in summary["markdown"]
    doc = json.loads((tmp_path / "pairs.json").read_text())
    assert doc["datasets"]["digits"]["tables"]["cover"][1][0] == doc["datasets"]["digits"]["cells"][0]["accuracy"]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"data": "imagenet"}, "unknown dataset 'imagenet'"),
     ({"data": "digits", "condense": ("greedy",)}, "unknown condense option 'greedy'"),
     ({"data": "digits", "pairs": [(3, 3)]}, r"bad class pair \(3, 3\)")],
)
def test_pairs_bad_options(tmp_path, kwargs, match):
    with pytest.raises(OptionError, match=match):
        pairs.run(tmp_path, progress=False, **kwargs)


def test_compare_bad_method(tmp_path):
    with pytest.raises(OptionError, match="unknown method 'M4'"):
        compare.run(tmp_path, methods=("M1", "M4"), progress=False)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"pairs": "theirs"}, "pairs must be 'paper', 'ours' or a list"),
     ({"pairs": [(3, 3)]}, r"bad class pair \(3, 3\)"),
     ({"pairs": [(2, 10)]}, r"bad class pair \(2, 10\)"),
     ({"replicates": 0}, "replicates must be an integer >= 1"),
     ({"data": "imagenet"}, "unknown dataset 'imagenet'")],
)
def test_compare_bad_options(tmp_path, kwargs, match):
    with pytest.raises(OptionError, match=match):
        compare.run(tmp_path, progress=False, **kwargs)


def test_compare_defaults_are_table_4():
    """The paper's Table 4: pairs 1-7, 2-3, 4-9, 5-6, 8-9; M2 = Park et al., M3 = Vardi et
    al.; 500 training images per label and every test image; earlier pairs on request."""
    assert compare.PAIRS == ((1, 7), (2, 3), (4, 9), (5, 6), (8, 9))
    assert compare.PAPER_PER_CLASS == (500, None)
    assert compare._pair_list(None, compare.PAIRS) == list(compare.PAIRS)
    assert compare._pair_list("paper", compare.PAIRS) == list(compare.PAIRS)
    assert compare._pair_list("ours", compare.PAIRS) == [(0, 1), (1, 7), (3, 5), (4, 9), (2, 8)]
    assert compare._pair_list([(9, 4), [3, 2]], compare.PAIRS) == [(4, 9), (2, 3)]
    cols = compare.resolve_methods(None)
    assert (cols["M2"], cols["M3"], cols["1-NN"], cols["MLP"]) == ("park2021", "vardi2022", "sklearn-1nn", "trained")
    assert list(cols)[:3] == ["M1", "M2", "M3"]
    assert {"optimal", "constant", "interval"} <= set(cols)
    assert compare.resolve_methods(["M2", "M2", "efficient"]) == {"M2": "park2021", "efficient": "efficient"}


def test_compare_m1_m2_m3_are_the_papers_and_ours_go_by_their_names():
    """M1, M2, M3 are Table 4's columns (the Theorem 7.3 network, Park et al. 2021, Vardi et al.
    2022) and nothing else; every other memorizer is a column named by its registry name."""
    import memnets as mn

    cols = compare.resolve_methods(None)
    assert (cols["M1"], cols["M2"], cols["M3"]) == ("pairwise", "park2021", "vardi2022")
    ours = {m: c for m, c in cols.items() if c in mn.METHODS and m not in ("M1", "M2", "M3", "MLP")}
    assert ours == {m: m for m in ("efficient", "optimal", "constant", "interval")}
    assert len(cols) == len(compare.METHODS)


@pytest.mark.slow
def test_compare_m1_beats_m2_and_m3(tmp_path):
    """The paper's claim (there on MNIST pairs): M1 far ahead of M2 and M3. Tiny profile:
    digits pairs 1-7 and 2-3 (Table 4's first two), 40 + 40 images per class."""
    summary = compare.run(tmp_path, profile="tiny", jobs=1, progress=False)
    doc = json.loads((tmp_path / "compare.json").read_text())
    columns = compare.resolve_methods(None)
    assert doc["data"] == "digits" and doc["pairs"] == ["1-7", "2-3"] and doc["methods"] == columns
    assert doc["m1_construction"] == "pairwise" and doc["m1_is_paper_network"] is True
    rows = {(r["pair"], r["method"]): r for r in doc["rows"]}
    assert len(rows) == len(doc["rows"]) == 2 * len(columns)
    for (pair, method), r in rows.items():
        smaller = int(pair.split("-")[0])
        assert r["negative_class"] == smaller  # the paper labels the smaller digit -1
        assert r["construction"] == columns[method] and r["train_accuracy"] == 1.0
        assert r["n_train"] == 80 and r["n_test"] == 80 and r["test_share_smaller"] == 0.5
        if method != "1-NN":
            assert r["verified"] is True
    for pair in ("1-7", "2-3"):
        m1, m2, m3 = rows[(pair, "M1")], rows[(pair, "M2")], rows[(pair, "M3")]
        assert m1["accuracy"] > 0.9
        assert m1["accuracy"] > m2["accuracy"] + 0.15
        assert m1["accuracy"] > m3["accuracy"] + 0.15
        assert m2["width"] <= 12 and m3["width"] <= 12  # Vardi et al.: width 12
        assert rows[(pair, "optimal")]["width"] <= 6  # Theorem 4.1: width 6
        knn = rows[(pair, "1-NN")]
        assert knn["params"] == 80 * (64 + 1)
    assert summary["mean_accuracy"]["M1"] > summary["mean_accuracy"]["M2"]
    gaps = [rows[(p, "M1")]["accuracy"] - max(rows[(p, "M2")]["accuracy"], rows[(p, "M3")]["accuracy"])
            for p in ("1-7", "2-3")]
    claim = doc["claim"]
    assert claim["holds"] is True and claim["smallest_gap"] == min(gaps) and claim["m1_best_of_paper_methods"] == 2
    best_all = sum(rows[(p, "M1")]["accuracy"] >= max(r["accuracy"] for (q, _), r in rows.items() if q == p)
                   for p in ("1-7", "2-3"))
    assert claim["m1_best_of_all"] == best_all
    assert "M1 (`pairwise`) is best of M1/M2/M3 on 2 of 2 pairs" in summary["markdown"]
    assert "much better in all cases" in summary["markdown"] and "could not be read here" in summary["markdown"]
    table = {(t["pair"], t["method"]): t for t in doc["table"]}
    assert table[("1-7", "M2")]["accuracy"] == rows[("1-7", "M2")]["accuracy"]
    with (tmp_path / "compare.csv").open() as fh:
        lines = list(csv.reader(fh))
    assert tuple(lines[0]) == compare.CSV_COLUMNS and len(lines) == 1 + 2 * len(columns)
    assert mpimg.imread(tmp_path / "compare.png").shape[0] > 300
    assert "| 1-7 | " in summary["markdown"] and "compare.png" in summary["markdown"]


def test_compare_claim_hand_worked():
    # the run above has M1 far ahead on every pair; here a tie (2-3) and a loss (4-9):
    # "best of M1/M2/M3" is strict, the claim holds only if M1 is strictly best on every pair
    acc = {"1-7": (0.75, 0.5, 0.25, 0.875), "2-3": (0.5, 0.5, 0.25, 0.25), "4-9": (0.25, 0.5, 0.375, 0.125)}
    columns = ["M1", "M2", "M3", "1-NN"]
    table = {(g, m): {"accuracy": a} for g, row in acc.items() for m, a in zip(columns, row, strict=True)}
    claim = compare._claim(table, list(acc), columns)
    assert claim["rivals"] == ["M2", "M3"] and claim["pairs"] == 3
    assert claim["m1_best_of_paper_methods"] == 1 and claim["holds"] is False
    assert claim["m1_best_of_all"] == 1 and claim["m1_strictly_best_of_all"] == 0  # the 2-3 tie
    assert claim["smallest_gap"] == -0.25
    assert {g: p["best"] for g, p in claim["per_pair"].items()} == {"1-7": "1-NN", "2-3": "M1", "4-9": "M2"}
    assert compare._claim(table, ["1-7"], columns)["holds"] is True
    assert compare._claim(table, ["1-7"], ["M1", "1-NN"]) == {"checked": False}


@pytest.mark.slow
def test_compare_deterministic_jobs_cache_and_replicates(tmp_path):
    """Same seed, same numbers: one process, two workers and a cached rerun agree apart
    from timings; replicates average over subsamples, replicate 0 being the single run's.
    One of the tiny profile's two pairs: its five cells (every method) still split over
    the two workers."""
    from memnets.experiments import _runner

    kwargs = {"profile": "tiny", "pairs": [(1, 7)], "methods": ("M1", "M2", "M3", "1-NN", "MLP"), "seed": 3,
              "progress": False}
    compare.run(tmp_path / "one", jobs=1, **kwargs)
    compare.run(tmp_path / "two", jobs=2, cache_dir=tmp_path / "cache", **kwargs)
    again = compare.run(tmp_path / "again", jobs=1, cache_dir=tmp_path / "cache", **kwargs)
    docs = [json.loads((tmp_path / d / "compare.json").read_text()) for d in ("one", "two", "again")]
    assert docs[2]["timing"]["cells"] == {"total": 5, "cached": 5, "computed": 0}
    assert _runner.without_timing(docs[0]) == _runner.without_timing(docs[1]) == _runner.without_timing(docs[2])
    assert again["claim"] == docs[0]["claim"]

    compare.run(tmp_path / "reps", jobs=1, cache_dir=tmp_path / "cache", replicates=2, **kwargs)
    reps = json.loads((tmp_path / "reps" / "compare.json").read_text())
    assert reps["replicates"] == 2 and len(reps["rows"]) == 10
    assert reps["timing"]["cells"]["cached"] == 5  # replicate 0 is the single run
    for t in reps["table"]:
        accs = [r["accuracy"] for r in reps["rows"] if (r["pair"], r["method"]) == (t["pair"], t["method"])]
        assert t["accuracy"] == pytest.approx(np.mean(accs), abs=1e-15)
        assert (t["accuracy_min"], t["accuracy_max"]) == (min(accs), max(accs))


@needs_mnist
@pytest.mark.mnist
def test_compare_mnist_m1_beats_m2_and_m3(tmp_path):
    """The paper's MNIST claim on one of its five pairs (4-9), at a small size."""
    compare.run(tmp_path, pairs=[(4, 9)], methods=("M1", "M2", "M3", "1-NN"), n_train=60, n_test=100,
                progress=False)
    rows = {r["method"]: r for r in json.loads((tmp_path / "compare.json").read_text())["rows"]}
    assert rows["M1"]["n_train"] == 120 and rows["M1"]["n_test"] == 200
    assert rows["M1"]["accuracy"] > 0.8 > 0.7 > max(rows["M2"]["accuracy"], rows["M3"]["accuracy"])
    for m in ("M2", "M3"):
        assert rows[m]["width"] <= 12 and rows[m]["verified"] and rows[m]["negative_class"] == 4


def test_compare_m1_matches_pairs_cell(digits_pairs, tmp_path):
    """Both experiments draw the same seeded images of a pair: compare's ``efficient`` row is the
    pairs table's condense=cover cell (same accuracy, same network size)."""
    _, _, doc = digits_pairs
    cell = next(c for c in doc["datasets"]["digits"]["cells"]
                if (c["a"], c["b"], c["condense"]) == (1, 7, "cover"))
    compare.run(tmp_path, data="digits", pairs=[(1, 7)], methods=("efficient",), n_train=60, n_test=40,
                progress=False)
    (row,) = json.loads((tmp_path / "compare.json").read_text())["rows"]
    assert (row["accuracy"], row["params"], row["width"], row["depth"]) == (
        cell["accuracy"], cell["params"], cell["width"], cell["depth"])


def test_pairs_profiles():
    """Quick = digits (every image) + MNIST 500 + 500 per class; full = every image of the
    paper-scale datasets; tiny = the test-suite size."""
    assert pairs._plan(None, "quick") == ["digits", "mnist"]
    assert pairs._plan(None, "full") == ["digits", "mnist", "fashion-mnist", "cifar10"]
    assert pairs._plan("fashion-mnist", "quick") == ["fashion-mnist"]
    assert pairs._sizes("mnist", "quick") == (500, 500)
    assert pairs._sizes("digits", "quick") == (None, None)
    assert pairs._sizes("mnist", "full") == (None, None)
    assert pairs._sizes("digits", "tiny") == (60, 40)


@needs_mnist
def test_pairs_paper_profile_columns_agreement_and_claims(tmp_path):
    """Tables 1-2 at the paper's settings: 500 training images per label, every test image of
    the pair, the paper's network (``pairwise``) beside ``efficient`` and 1-NN, their agreement,
    the test images where the paper's network is exactly 0, and the paper's words next to the
    counts."""
    s = pairs.run(tmp_path, profile="paper", data="mnist", pairs=[(0, 1), (4, 9)], progress=False)
    doc = json.loads((tmp_path / "pairs.json").read_text())
    res = doc["datasets"]["mnist"]
    assert res["per_class"] == {"train": 500, "test": None}
    by = {(c["a"], c["b"], c["condense"]): c for c in res["cells"]}
    for a, b in [(0, 1), (4, 9)]:
        n_test = by[(a, b, "pairwise")]["n_test"]
        assert n_test > 1900  # every test image of the two digits (0-1: 2115, 4-9: 1991)
        assert {by[(a, b, col)]["n_train"] for col in ("pairwise", "efficient", "1-NN")} == {1000}
        assert by[(a, b, "pairwise")]["params"] > by[(a, b, "efficient")]["params"]  # O(N^2 n) vs O(N n)
    agree = {(r["a"], r["b"]): r for r in res["agreement"]}
    assert agree[(0, 1)]["efficient=1-NN"] == 1.0  # efficient with every sample is exact 1-NN
    assert 0.97 < agree[(4, 9)]["pairwise=1-NN"] <= 1.0  # the paper's network: 1-NN but for a thin band
    # F(x) = 0 exactly: off the band F has the 1-NN label, so every disagreement with 1-NN is a zero
    # (sent to classes[0]); counting the zeros as errors can only lower the accuracy, by at most their share
    for a, b in [(0, 1), (4, 9)]:
        c = by[(a, b, "pairwise")]
        assert round(c["n_test"] * (1 - agree[(a, b)]["pairwise=1-NN"])) <= c["zero_outputs"] < 0.05 * c["n_test"]
        assert 0 <= c["accuracy"] - c["accuracy_zero_as_error"] <= c["zero_outputs"] / c["n_test"] + 1e-12
    assert by[(4, 9, "pairwise")]["zero_outputs"] > 0 and "zero_outputs" not in by[(4, 9, "efficient")]
    claims = res["paper"]
    assert claims["pairwise"]["pairs"] == 2 and claims["pairwise"]["above_threshold"] == 2
    zero = claims["zero_outputs"]
    assert zero["test_images"] == sum(by[(a, b, "pairwise")]["zero_outputs"] for a, b in [(0, 1), (4, 9)])
    assert zero["mean_accuracy_zero_as_error"] <= zero["mean_accuracy"]
    assert "“almost all” pairs above 90%" in s["markdown"] and "pairwise: 2 of 2" in s["markdown"]
    assert "**F(x) = 0**" in s["markdown"] and "| 4-9 | 1991 |" in s["markdown"]
