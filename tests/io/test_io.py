"""The .memnet file: exact round trip, and a clear ModelFileError for every damaged file."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import struct
import time
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import memnets as mn
from _hand_networks import random_network
from _helpers import assert_same_network, assert_same_value
from memnets import InputError, ModelFileError, ReLUNetwork, SparseWeight
from memnets._constructions.verify import finish
from memnets._core.checks import check_dataset
from memnets._io import FORMAT_VERSION, MAGIC, load, load_model, save

X_TOY = np.array([[0.1, 0.2], [0.9, 0.7], [0.4, 0.95], [0.6, 0.05]])
Y_TOY = np.array(["neg", "pos", "pos", "neg"])


def obj(values, shape=None):
    a = np.empty(len(values), dtype=object)
    a[:] = list(values)
    return a.reshape(shape) if shape else a


def toy_network() -> ReLUNetwork:
    """F(x) = x_2 - 1/2 + x_1 - 1/2 + tiny, through exact, big, sparse and float layers.

    Layer 1 (exact, dense): u = relu(x1 + x2 - 1 + 2**-300 ... ) and v = relu(1 - x1 - x2),
    layer 2 (sparse float): scaled copies, layer 3 (exact sparse, 300-bit): F = 2**300 (u - v).
    """
    w1 = obj([1, 1, -1, -1], (2, 2))
    b1 = obj([-1 + Fraction(1, 3 * 2**300), 1])
    w2 = SparseWeight.from_dense(np.array([[0.5, 0.0], [0.0, 0.5]]))
    b2 = np.array([0.0, -0.0])
    w3 = SparseWeight.from_rows([{0: 2**300 + 1, 1: -(2**300 + 1)}], 2)
    b3 = obj([Fraction(-1, 7)])
    return ReLUNetwork([(w1, b1), (w2, b2), (w3, b3)])


def toy_result() -> mn.ConstructionResult:
    data = check_dataset(X_TOY, Y_TOY)
    info = {
        "representatives": np.array([0, 1], dtype=np.int64),
        "projection": obj([Fraction(1, 3), 2**200, -5]),
        "pair": (3, "a", None),
        "by_class": {0: [1.5, float("inf")], "x": {"nested": Fraction(-2, 9)}},
        "$weird": True,
        "big": -(2**400),
        "nan": float("nan"),
        "scalar": np.float32(0.25),
        "flags": np.array([True, False]),
        "names": np.array(["alpha", "beta"]),
        "np_str": np.str_("label"),
        "np_float": np.float64(0.1),
        "where": Path("/tmp/data"),
    }
    return finish(toy_network(), data, method="toy", options={"r": 0.5, "greedy": True, "order": (1, 2)},
                  seed=1234, started=time.perf_counter(), engine="exact", info=info,
                  extra_stats={"gamma": Fraction(1, 2**70), "radius": 0.1})


@functools.cache
def cached_toy_result() -> mn.ConstructionResult:
    return toy_result()


def test_round_trip_is_exact(tmp_path):
    res = toy_result()
    assert res.verified and res.predict(X_TOY).tolist() == Y_TOY.tolist()
    path = save(res, tmp_path / "toy.memnet")
    back = load(path)
    assert_same_network(res.network, back.network)
    assert_same_value(res.classes, back.classes)
    assert_same_value(res.stats, back.stats)
    assert_same_value(res.info, back.info)
    assert back.stats["seed"] == 1234 and back.stats["options"]["order"] == (1, 2)
    assert type(back.min_margin) is Fraction and back.min_margin == res.min_margin
    assert (back.method, back.verified, back.engine) == ("toy", True, "exact")
    Xq = np.random.default_rng(0).random((50, 2))
    assert back.predict(Xq).tolist() == res.predict(Xq).tolist()
    assert back.network.forward_exact(Xq).tolist() == res.network.forward_exact(Xq).tolist()
    # the public surface
    mn.save(res, tmp_path / "again.memnet")
    assert mn.load(tmp_path / "again.memnet").network.forward_exact(Xq).tolist() == back.network.forward_exact(Xq).tolist()


@pytest.mark.parametrize("seed", range(12))
def test_random_networks_round_trip(tmp_path, seed):
    net = random_network(seed, max_depth=4, max_width=5)
    back = load_model(save(net, tmp_path / f"n{seed}.memnet"))
    assert_same_network(net, back)


def test_float_result_and_integer_labels(tmp_path):
    X = np.array([[0.0], [0.5], [1.0]])
    data = check_dataset(X, [3, 7, 11])
    net = ReLUNetwork([(np.array([[-1.0], [0.0], [1.0]]), np.array([0.5, 0.25, -0.5]))])  # argmax per sample
    res = finish(net, data, method="float", options={}, seed=None, started=time.perf_counter())
    back = load(save(res, tmp_path / "f.memnet"))
    assert type(back.min_margin) is float and back.min_margin == res.min_margin
    assert back.classes.dtype == res.classes.dtype and back.classes.tolist() == [3, 7, 11]
    assert back.stats["seed"] is None and back.engine == "float"
    assert back.predict(X).tolist() == [3, 7, 11]


def test_bare_network_file(tmp_path):
    net = toy_network()
    path = save(net, tmp_path / "net.memnet")
    assert_same_network(net, load_model(path))
    with pytest.raises(ModelFileError, match=r"bare network.*load_model"):
        load(path)
    assert_same_network(net, mn.load_model(path))  # the public name
    # load_model also reads the network out of a result file
    res_path = save(toy_result(), tmp_path / "res.memnet")
    assert_same_network(net, load_model(res_path))


def test_load_network_is_a_deprecated_alias_of_load_model(tmp_path):
    net = toy_network()
    for path in (save(net, tmp_path / "net.memnet"), save(toy_result(), tmp_path / "res.memnet")):
        with pytest.warns(DeprecationWarning, match=r"load_network is deprecated: use memnets\.load_model"):
            old = mn.load_network(path)
        assert_same_network(old, load_model(path))
        assert_same_network(net, old)
    with pytest.warns(DeprecationWarning), pytest.raises(ModelFileError, match="no such model file"):
        mn.load_network(tmp_path / "missing.memnet")


def test_unsupported_values_refused_at_save(tmp_path):
    res = toy_result()
    res.info["callback"] = lambda x: x
    with pytest.raises(InputError, match=r"info\['callback'\] is a function"):
        save(res, tmp_path / "x.memnet")
    assert not (tmp_path / "x.memnet").exists() and not list(tmp_path.iterdir())
    with pytest.raises(InputError, match="takes a ConstructionResult or a ReLUNetwork"):
        save({"not": "a result"}, tmp_path / "y.memnet")


scalars = (
    st.none() | st.booleans() | st.integers(min_value=-(2**300), max_value=2**300)
    | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=5)
    | st.fractions(max_denominator=2**80)
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3)
    | st.lists(inner, max_size=3).map(tuple)
    | st.dictionaries(st.text(max_size=4) | st.integers(-5, 5), inner, max_size=3),
    max_leaves=12,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values)
@example([-0.0, 0.0, {"z": -0.0}])  # the sign of a zero survives too (hypothesis may not draw it)
def test_any_supported_info_value_round_trips(tmp_path, value):
    res = dataclasses.replace(cached_toy_result(), info={"value": value})
    back = load(save(res, tmp_path / "v.memnet"))
    assert_same_value(res.info, back.info)


@pytest.mark.parametrize("method", sorted(set(mn.METHODS) - {"trained"}))
def test_every_construction_round_trips(tmp_path, method):
    """Whatever a construction puts in stats/info is storable and comes back identical."""
    rng = np.random.default_rng(1)
    X = rng.random((30, 3))
    y = np.where(X[:, 0] + X[:, 1] > 1, "hi", "lo")
    res = mn.construct(X, y, method=method, rng=3)
    back = load(save(res, tmp_path / f"{method}.memnet"))
    assert_same_network(res.network, back.network)
    assert_same_value(res.stats, back.stats)
    assert_same_value(res.info, back.info)
    assert type(back.min_margin) is type(res.min_margin) and back.min_margin == res.min_margin
    Xq = rng.random((40, 3))
    assert back.predict(Xq).tolist() == res.predict(Xq).tolist()


# ----------------------------------------------------------------------------- damaged files
@pytest.fixture(scope="module")
def small_file(tmp_path_factory):
    net = ReLUNetwork([(obj([Fraction(1, 3), 2**70], (1, 2)), obj([-1])), ([[2.0]], [0.5])])
    path = save(net, tmp_path_factory.mktemp("io") / "small.memnet")
    return path.read_bytes()


@pytest.mark.parametrize("keep", [0, 3, 8, 20, 59, 60, 100, -1])
def test_truncated_file(tmp_path, small_file, keep):
    data = small_file[: keep if keep >= 0 else len(small_file) - 1]
    (tmp_path / "t.memnet").write_bytes(data)
    with pytest.raises(ModelFileError, match="truncated"):
        load_model(tmp_path / "t.memnet")


def test_every_single_byte_flip_is_detected(tmp_path, small_file):
    """Flip each byte in turn: never a network, always a ModelFileError; body flips hit the checksum."""
    path = tmp_path / "f.memnet"
    header = len(MAGIC) + 4 + 8 + 8
    for pos in range(len(small_file)):
        damaged = bytearray(small_file)
        damaged[pos] ^= 0x41
        path.write_bytes(bytes(damaged))
        with pytest.raises(ModelFileError) as info:
            load_model(path)
        msg = str(info.value)
        if pos < len(MAGIC):
            assert "not a memnets" in msg
        elif pos >= header:
            assert "checksum" in msg, (pos, msg)


def test_trailing_bytes(tmp_path, small_file):
    (tmp_path / "t.memnet").write_bytes(small_file + b"\0")
    with pytest.raises(ModelFileError, match="trailing"):
        load_model(tmp_path / "t.memnet")


def test_future_version_names_both_versions(tmp_path, small_file):
    data = bytearray(small_file)
    struct.pack_into("<I", data, len(MAGIC), FORMAT_VERSION + 1)
    (tmp_path / "v.memnet").write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match=rf"format version {FORMAT_VERSION + 1}.*versions 1 to {FORMAT_VERSION}"):
        load_model(tmp_path / "v.memnet")


@pytest.mark.parametrize("content", [b"", b"hello world, not a model", b"PK\x03\x04" + bytes(100), MAGIC[:4]])
def test_not_a_memnets_file(tmp_path, content):
    (tmp_path / "x.memnet").write_bytes(content)
    with pytest.raises(ModelFileError, match=r"not a memnets|truncated"):
        load(tmp_path / "x.memnet")


def test_missing_file(tmp_path):
    with pytest.raises(ModelFileError, match="no such model file"):
        load(tmp_path / "absent.memnet")


def forge(manifest: dict, payload: bytes = b"", version: int = FORMAT_VERSION) -> bytes:
    """A file with a valid checksum around an arbitrary manifest (what an attacker could write)."""
    text = json.dumps(manifest).encode()
    head = struct.pack("<8sIQQ", MAGIC, version, len(text), len(payload))
    return head + hashlib.sha256(head + text + payload).digest() + text + payload


def base_manifest() -> dict:
    return {
        "format": "memnets",
        "format_version": 1,
        "kind": "network",
        "network": {
            "layers": [{"weight": {"sparse": False, "dense": {"exact": [0, 3], "shape": [1, 1]}},
                        "bias": {"exact": [3, 1], "shape": [1]}}],
            "summary": {"params": 2, "params_nonzero": 1, "layer_sizes": [1, 1]},
        },
    }


def test_forged_well_formed_file_loads(tmp_path):
    (tmp_path / "ok.memnet").write_bytes(forge(base_manifest(), b"1/30"))
    net = load_model(tmp_path / "ok.memnet")
    assert net.layers[0].weight[0, 0] == Fraction(1, 3) and net.layers[0].bias[0] == 0


@pytest.mark.parametrize(
    "mutate",
    [
        lambda m: m["network"].pop("layers"),
        lambda m: m["network"]["layers"][0]["weight"]["dense"].update(shape=[2, 2]),
        lambda m: m["network"]["layers"][0]["weight"]["dense"].update(exact=[0, 999]),
        lambda m: m["network"]["layers"][0]["weight"].update(dense={"dtype": "|O", "shape": [1], "raw": [0, 8]}),
        lambda m: m["network"]["layers"][0]["weight"].update(dense={"dtype": "<f8", "shape": [1, 1], "raw": [0, 3]}),
        lambda m: m["network"]["summary"].update(params=3),
        lambda m: m["network"]["layers"][0]["bias"].update(shape=[2]),
        lambda m: m.update(kind="result"),
        lambda m: m.update(format="other"),
    ],
)
def test_forged_malformed_manifests_are_refused(tmp_path, mutate):
    m = base_manifest()
    mutate(m)
    (tmp_path / "bad.memnet").write_bytes(forge(m, b"1/30"))
    with pytest.raises(ModelFileError):
        load(tmp_path / "bad.memnet") if m.get("kind") == "result" else load_model(tmp_path / "bad.memnet")


@pytest.mark.parametrize("text", [b"1/3g", b"1/0", b"2/6", b"1/-3", b"0x1/3", b"1//3"])
def test_forged_bad_exact_entries_are_refused(tmp_path, text):
    m = base_manifest()
    m["network"]["layers"][0]["weight"]["dense"]["exact"] = [0, len(text)]
    m["network"]["layers"][0]["bias"]["exact"] = [len(text), 1]
    (tmp_path / "bad.memnet").write_bytes(forge(m, text + b"1"))
    with pytest.raises(ModelFileError, match="malformed"):
        load_model(tmp_path / "bad.memnet")
