"""Saving and loading params and checkpoints: exact round trips, atomic writes, clear errors."""

import json
import math
import os
import pathlib
import re
import zipfile

import numpy as np
import pytest

import fnnet
from conftest import assert_same, snapshot
from fnnet import io as io_module


def make_params(dtype):
    return fnnet.init_params([3, 5, 2], seed=7, dtype=dtype)


def assert_same_arrays(got, want):
    """Same keys in the same order, and every array identical in dtype, shape and bits."""
    assert list(got) == list(want)
    for key in want:
        assert type(got[key]) is np.ndarray
        assert got[key].dtype == want[key].dtype, key
        assert got[key].shape == want[key].shape, key
        assert got[key].tobytes() == np.ascontiguousarray(want[key]).tobytes(), key


def assert_tree_identical(got, want, where="state"):
    """Exact equality of nested states, including the Python type of every node and leaf."""
    assert type(got) is type(want), f"{where}: {type(got)} != {type(want)}"
    if isinstance(want, dict):
        assert list(got) == list(want), where
        for key in want:
            assert_tree_identical(got[key], want[key], f"{where}[{key!r}]")
    elif isinstance(want, (list, tuple)):
        assert len(got) == len(want), where
        for i, (g, w) in enumerate(zip(got, want)):
            assert_tree_identical(g, w, f"{where}[{i}]")
    elif isinstance(want, np.ndarray):
        assert got.dtype == want.dtype and got.shape == want.shape, where
        assert got.tobytes() == np.ascontiguousarray(want).tobytes(), where
    elif isinstance(want, np.generic):
        assert got.dtype == want.dtype and got.tobytes() == want.tobytes(), where
    elif isinstance(want, float) and math.isnan(want):
        assert math.isnan(got), where
    else:
        assert got == want, where


# --------------------------------------------------------------------------- params


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_params_round_trip_exact(tmp_path, dtype):
    params = make_params(dtype)
    before = snapshot(params)
    written = fnnet.save_params(tmp_path / "model.npz", params)
    assert written == str(tmp_path / "model.npz")
    loaded = fnnet.load_params(tmp_path / "model.npz")
    assert_same_arrays(loaded, params)
    assert_same(before, params, "params")            # input untouched
    assert fnnet.load_metadata(tmp_path / "model.npz") == {}


def test_unusual_arrays_and_key_order(tmp_path):
    base = np.arange(24, dtype=np.float64).reshape(4, 6)
    params = {
        "z_last_alphabetically": np.asfortranarray(base),      # Fortran order
        "b2": base[::2, 1::3],                                  # non-contiguous view
        "W1": np.array(2.5),                                    # 0-d
        "counts": np.array([1, -2, 3], dtype=np.int64),
        "mask": np.array([[True, False]]),
        "half": np.array([1.5, -0.25], dtype=np.float16),
        "empty": np.zeros((0, 3), dtype=np.float32),
        "weird key/with spaces": np.array([np.nan, -np.inf, -0.0]),
    }
    fnnet.save_params(tmp_path / "odd.npz", params)
    loaded = fnnet.load_params(tmp_path / "odd.npz")
    assert_same_arrays(loaded, params)
    assert np.signbit(loaded["weird key/with spaces"][2])
    for arr in loaded.values():
        assert arr.flags.writeable


def test_file_is_a_plain_npz_without_pickle(tmp_path):
    params = make_params(np.float64)
    fnnet.save_params(tmp_path / "m.npz", params, epochs=3)
    with np.load(tmp_path / "m.npz", allow_pickle=False) as archive:
        assert archive.files[:2] == ["__fnnet__", "__metadata__"]
        np.testing.assert_array_equal(archive["W2"], params["W2"])
        marker = json.loads(str(archive["__fnnet__"]))
        assert marker == {"format": "fnnet", "kind": "params", "version": 2,
                          "keys": ["__metadata__", "W1", "b1", "W2", "b2"]}
        assert json.loads(str(archive["__metadata__"])) == {"epochs": 3}


@pytest.mark.parametrize("given, written", [
    ("model", "model.npz"),
    ("model.npz", "model.npz"),
    ("model.v2", "model.v2.npz"),
], ids=["no-suffix", "npz-suffix", "other-suffix"])
def test_npz_suffix_appended_by_save_and_load_alike(tmp_path, monkeypatch, given, written):
    monkeypatch.chdir(tmp_path)
    params = make_params(np.float32)
    assert fnnet.save_params(given, params) == written
    assert os.listdir(tmp_path) == [written]
    assert_same_arrays(fnnet.load_params(given), params)
    assert_same_arrays(fnnet.load_params(written), params)
    assert_same_arrays(fnnet.load_params(pathlib.Path(given)), params)


def test_overwrite_replaces_old_file(tmp_path):
    fnnet.save_params(tmp_path / "m", make_params(np.float64), version=1)
    new = fnnet.init_params([2, 1], seed=1)
    fnnet.save_params(tmp_path / "m", new, version=2)
    assert_same_arrays(fnnet.load_params(tmp_path / "m"), new)
    assert fnnet.load_metadata(tmp_path / "m") == {"version": 2}
    assert os.listdir(tmp_path) == ["m.npz"]


def test_saved_file_has_ordinary_permissions(tmp_path):
    path = fnnet.save_params(tmp_path / "m", make_params(np.float64))
    umask = os.umask(0)
    os.umask(umask)
    assert os.stat(path).st_mode & 0o777 == 0o666 & ~umask


# --------------------------------------------------------------------------- metadata


def test_metadata_round_trip(tmp_path):
    gen = np.random.default_rng(12345)
    gen.random(3)
    metadata = {
        "activations": ["relu", "relu", "sigmoid"],
        "layer_dims": (3, 5, 2),                     # tuples come back as lists
        "lr": 0.1,
        "tiny": 5e-324,
        "history": {"cost": [0.693147180559945, 0.5], "epoch": 7},
        "note": "naïve ünïcode ✓",
        "flag": True,
        "nothing": None,
        "huge": 2 ** 100 + 1,
        "np_int": np.int64(42),
        "np_float": np.float32(0.5),
        "np_bool": np.bool_(False),
        "rng_state": gen.bit_generator.state,
    }
    before = snapshot(metadata)
    fnnet.save_params(tmp_path / "m", make_params(np.float64), **metadata)
    loaded = fnnet.load_metadata(tmp_path / "m")
    assert list(loaded) == list(metadata)
    assert loaded["layer_dims"] == [3, 5, 2]
    assert loaded["lr"] == 0.1 and loaded["tiny"] == 5e-324
    assert loaded["history"] == metadata["history"]
    assert loaded["note"] == "naïve ünïcode ✓"
    assert loaded["flag"] is True and loaded["nothing"] is None
    assert loaded["huge"] == 2 ** 100 + 1
    assert loaded["np_int"] == 42 and type(loaded["np_int"]) is int
    assert loaded["np_float"] == 0.5 and type(loaded["np_float"]) is float
    assert loaded["np_bool"] is False
    assert loaded["rng_state"] == metadata["rng_state"]
    assert_same(before, metadata, "metadata")


def test_generator_state_restores_the_stream(tmp_path):
    gen = np.random.default_rng(2024)
    gen.standard_normal(10)
    fnnet.save_params(tmp_path / "m", make_params(np.float64), rng_state=gen.bit_generator.state)
    expected = gen.standard_normal(5)
    fresh = np.random.default_rng()
    fresh.bit_generator.state = fnnet.load_metadata(tmp_path / "m")["rng_state"]
    np.testing.assert_array_equal(fresh.standard_normal(5), expected)


@pytest.mark.parametrize("value", [[np.zeros(2)], {1, 2}, object()], ids=["nested-ndarray", "set", "object"])
def test_metadata_must_be_json(tmp_path, value):
    with pytest.raises(TypeError, match="metadata 'bad' must be JSON-serialisable"):
        fnnet.save_params(tmp_path / "m", make_params(np.float64), ok=1, bad=value)
    assert os.listdir(tmp_path) == []


def test_metadata_may_use_the_argument_names(tmp_path):
    params = make_params(np.float64)
    fnnet.save_params(tmp_path / "m", params, path="elsewhere", params=[1, 2])
    assert fnnet.load_metadata(tmp_path / "m") == {"path": "elsewhere", "params": [1, 2]}
    assert_same_arrays(fnnet.load_params(tmp_path / "m"), params)
    fnnet.save_checkpoint(tmp_path / "c", params, {"t": 1}, path="x", params="p", state=1)
    loaded, state, meta = fnnet.load_checkpoint(tmp_path / "c")
    assert meta == {"path": "x", "params": "p", "state": 1}
    assert state == {"t": 1}
    assert_same_arrays(loaded, params)
    assert sorted(os.listdir(tmp_path)) == ["c.npz", "m.npz"]


# --------------------------------------------------------------------------- checkpoints


def adam_like_state(params):
    return {
        "m": {k: np.full_like(v, 0.25) for k, v in params.items()},
        "v": {k: np.arange(v.size, dtype=v.dtype).reshape(v.shape) for k, v in params.items()},
        "t": 3,
        "lr": 0.001,
        "beta1": np.float32(0.9),
        "step_count": np.int64(17),
        "betas": (0.9, 0.999),
        "schedule": [1, 2.0, "cosine"],
        "warm": True,
        "name": "adam",
        "extra": None,
        "empty": {},
        "scalar_array": np.array(1.5, dtype=np.float32),
        "nan": float("nan"),
    }


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_checkpoint_round_trip_exact(tmp_path, dtype):
    params = make_params(dtype)
    state = adam_like_state(params)
    gen = np.random.default_rng(3)
    params_before, state_before = snapshot(params), snapshot(state)
    fnnet.save_checkpoint(tmp_path / "ckpt", params, state, epoch=4, rng_state=gen.bit_generator.state)
    got_params, got_state, metadata = fnnet.load_checkpoint(tmp_path / "ckpt")
    assert_same_arrays(got_params, params)
    assert_tree_identical(got_state, state)
    assert type(got_state["t"]) is int and type(got_state["lr"]) is float
    assert type(got_state["beta1"]) is np.float32 and type(got_state["step_count"]) is np.int64
    assert type(got_state["scalar_array"]) is np.ndarray and got_state["scalar_array"].shape == ()
    assert metadata == {"epoch": 4, "rng_state": gen.bit_generator.state}
    assert_same(params_before, params, "params")    # inputs untouched
    assert_tree_identical(state, state_before)
    # the params of a checkpoint load with load_params as well
    assert_same_arrays(fnnet.load_params(tmp_path / "ckpt"), params)
    assert fnnet.load_metadata(tmp_path / "ckpt")["epoch"] == 4


@pytest.mark.parametrize("state", [{}, {"velocity": {}}, {"t": 0}], ids=["sgd-empty", "empty-nested", "only-int"])
def test_checkpoint_small_states(tmp_path, state):
    fnnet.save_checkpoint(tmp_path / "c", make_params(np.float64), state)
    assert_tree_identical(fnnet.load_checkpoint(tmp_path / "c")[1], state)


def test_checkpoint_of_a_real_optimizer_state_resumes_exactly(tmp_path):
    params = make_params(np.float32)
    X = np.random.default_rng(0).standard_normal((3, 8))
    Y = (X[:2] > 0).astype(np.float64)          # 2 output units
    acts = ["relu", "sigmoid"]
    state = fnnet.init_adam(params)

    def step(p, s):
        _, cache = fnnet.forward(p, X, acts)
        return fnnet.adam_update(p, fnnet.backward(p, cache, Y, "bce"), s, lr=0.01)

    params, state = step(params, state)
    fnnet.save_checkpoint(tmp_path / "c", params, state)
    direct = step(*step(params, state))
    p2, s2, _ = fnnet.load_checkpoint(tmp_path / "c")
    resumed = step(*step(p2, s2))
    assert_same_arrays(resumed[0], direct[0])
    assert_tree_identical(resumed[1], direct[1])


def test_load_checkpoint_rejects_a_params_file(tmp_path):
    fnnet.save_params(tmp_path / "m", make_params(np.float64))
    with pytest.raises(ValueError, match=r"m.npz holds fnnet params, not a checkpoint .*use load_params"):
        fnnet.load_checkpoint(tmp_path / "m")


@pytest.mark.parametrize("state, exc, match", [
    ([1, 2], TypeError, "state must be a dict"),
    ({1: np.zeros(2)}, TypeError, r"state keys must be strings, got 1"),
    ({"m": {"W1": {3, 4}}}, TypeError, r"state\['m'\]\['W1'\] has type set; state leaves must be"),
    ({"o": np.array([None])}, TypeError, r"state\['o'\] has dtype object"),
], ids=["list-state", "int-key", "set-leaf", "object-array"])
def test_checkpoint_bad_state(tmp_path, state, exc, match):
    with pytest.raises(exc, match=match):
        fnnet.save_checkpoint(tmp_path / "c", make_params(np.float64), state)
    assert os.listdir(tmp_path) == []


# --------------------------------------------------------------------------- bad params


@pytest.mark.parametrize("params, exc, match", [
    ([np.zeros(2)], TypeError, "params must be a dict of arrays, got list"),
    ({"__fnnet__": np.zeros(2)}, ValueError, "params keys must be non-empty strings not starting with '__'"),
    ({"": np.zeros(2)}, ValueError, "params keys must be non-empty strings"),
    ({3: np.zeros(2)}, ValueError, "params keys must be non-empty strings.*got 3"),
    ({"W1": [1.0, 2.0]}, TypeError, r"params\['W1'\] must be a numpy.ndarray, got list"),
    ({"W1": np.array([{}], dtype=object)}, TypeError, r"params\['W1'\] has dtype object"),
], ids=["list", "reserved-key", "empty-key", "int-key", "list-value", "object-array"])
def test_save_params_rejects(tmp_path, params, exc, match):
    with pytest.raises(exc, match=match):
        fnnet.save_params(tmp_path / "m", params)
    assert os.listdir(tmp_path) == []


# --------------------------------------------------------------------------- atomic writing


def _fail_on_second_array(monkeypatch):
    real = np.lib.format.write_array
    calls = []

    def flaky(fp, array, *args, **kwargs):
        calls.append(1)
        if len(calls) == 4:               # marker, metadata and one array written: fail mid-file
            raise RuntimeError("disk on fire")
        return real(fp, array, *args, **kwargs)

    monkeypatch.setattr(np.lib.format, "write_array", flaky)
    return calls


def _fail_fsync(monkeypatch):
    def broken(fd):
        raise OSError(5, "Input/output error")
    monkeypatch.setattr(os, "fsync", broken)


def _fail_replace(monkeypatch):
    def broken(src, dst):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(os, "replace", broken)


@pytest.mark.parametrize("saver", ["params", "checkpoint"])
@pytest.mark.parametrize("breaker, exc", [
    (_fail_on_second_array, RuntimeError),
    (_fail_fsync, OSError),
    (_fail_replace, OSError),
], ids=["writer-dies-mid-file", "fsync-fails", "rename-fails"])
def test_failed_write_keeps_old_file_and_leaves_no_temp(tmp_path, monkeypatch, breaker, exc, saver):
    old = make_params(np.float64)
    fnnet.save_checkpoint(tmp_path / "m", old, {"t": 1}, version="old")
    old_bytes = (tmp_path / "m.npz").read_bytes()
    new = make_params(np.float32)
    breaker(monkeypatch)
    with pytest.raises(exc):
        if saver == "params":
            fnnet.save_params(tmp_path / "m", new, version="new")
        else:
            fnnet.save_checkpoint(tmp_path / "m", new, {"t": 2}, version="new")
    monkeypatch.undo()
    assert os.listdir(tmp_path) == ["m.npz"]
    assert (tmp_path / "m.npz").read_bytes() == old_bytes
    assert_same_arrays(fnnet.load_params(tmp_path / "m"), old)
    assert fnnet.load_metadata(tmp_path / "m") == {"version": "old"}


def test_failed_first_write_leaves_nothing(tmp_path, monkeypatch):
    _fail_on_second_array(monkeypatch)
    with pytest.raises(RuntimeError, match="disk on fire"):
        fnnet.save_params(tmp_path / "m", make_params(np.float64))
    assert os.listdir(tmp_path) == []


def test_write_goes_through_fsync_and_replace(tmp_path, monkeypatch):
    calls = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(os, "fsync", lambda fd: (calls.append("fsync"), real_fsync(fd))[1])
    monkeypatch.setattr(os, "replace", lambda a, b: (calls.append(("replace", os.path.dirname(a) == os.path.dirname(b))),
                                                     real_replace(a, b))[1])
    fnnet.save_params(tmp_path / "m", make_params(np.float64))
    assert calls[0] == "fsync" and calls[1] == ("replace", True)


# --------------------------------------------------------------------------- bad files


def test_missing_file(tmp_path):
    for load in (fnnet.load_params, fnnet.load_metadata, fnnet.load_checkpoint):
        with pytest.raises(FileNotFoundError, match="absent.npz"):
            load(tmp_path / "absent")


@pytest.mark.parametrize("save", [
    lambda path, p: fnnet.save_params(path, p),
    lambda path, p: fnnet.save_checkpoint(path, p, {"t": 1}),
], ids=["params", "checkpoint"])
def test_missing_directory_named(tmp_path, save):
    target = tmp_path / "no_such_dir" / "model"
    with pytest.raises(FileNotFoundError, match=re.escape(
            f"cannot save {target}.npz: its directory {tmp_path / 'no_such_dir'} does not exist")) as info:
        save(target, make_params(np.float64))
    assert ".tmp" not in str(info.value)
    assert info.value.filename == str(tmp_path / "no_such_dir")
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("corrupt", [
    lambda good: good[: len(good) // 2],
    lambda good: good[:-30],
    lambda good: b"",
    lambda good: b"this is not a zip file at all \x00\x01\x02" * 10,
    lambda good: b"PK\x03\x04" + b"\x00" * 50,
], ids=["half", "missing-tail", "empty", "garbage", "zip-magic-garbage"])
def test_corrupt_file(tmp_path, corrupt):
    fnnet.save_params(tmp_path / "m", make_params(np.float64))
    path = tmp_path / "m.npz"
    path.write_bytes(corrupt(path.read_bytes()))
    for load in (fnnet.load_params, fnnet.load_metadata, fnnet.load_checkpoint):
        with pytest.raises(ValueError, match=r"m\.npz is (not a readable|a corrupt) \.npz file"):
            load(path)


def test_corrupt_member_data_detected(tmp_path):
    params = {"W1": np.zeros((50, 40))}
    fnnet.save_params(tmp_path / "m", params)
    path = tmp_path / "m.npz"
    raw = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("W1.npy")
    middle = info.header_offset + 30 + len(info.filename) + 200 + info.compress_size // 2
    raw[middle] ^= 0xFF                                     # flip bits inside W1's data
    path.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match=r"m\.npz is a corrupt \.npz file: member 'W1\.npy': BadZipFile: Bad CRC-32"):
        fnnet.load_params(path)


def test_foreign_npz_rejected(tmp_path):
    np.savez(tmp_path / "foreign.npz", W1=np.zeros((2, 2)), b1=np.zeros((2, 1)))
    with pytest.raises(ValueError, match=r"foreign\.npz is an \.npz file but not an fnnet file "
                                         r"\(no '__fnnet__' marker\); it holds \['W1', 'b1'\]"):
        fnnet.load_params(tmp_path / "foreign.npz")


def test_single_npy_rejected(tmp_path):
    with open(tmp_path / "single.npz", "wb") as f:
        np.save(f, np.zeros(3))
    with pytest.raises(ValueError, match=r"single\.npz holds a single \.npy array"):
        fnnet.load_params(tmp_path / "single.npz")


def test_object_array_member_rejected_without_pickle_advice(tmp_path):
    np.savez(tmp_path / "objects.npz", __fnnet__=np.array('{"format": "fnnet", "kind": "params", "version": 1}'),
             __metadata__=np.array("{}"), W1=np.array([{"a": 1}], dtype=object))
    with pytest.raises(ValueError, match=r"objects\.npz is a corrupt \.npz file: member 'W1\.npy': "
                                         r"it holds Python objects \(dtype object\), which fnnet never") as info:
        fnnet.load_params(tmp_path / "objects.npz")
    message = str(info.value)[len(str(tmp_path)):]
    assert "pickle" not in message and "unsafe" not in message


def test_newer_format_version_rejected(tmp_path):
    np.savez(tmp_path / "future.npz", __fnnet__=np.array('{"format": "fnnet", "kind": "params", "version": 99}'),
             __metadata__=np.array("{}"))
    with pytest.raises(ValueError, match=r"future\.npz was written in fnnet format version 99.*upgrade fnnet"):
        fnnet.load_params(tmp_path / "future.npz")


def test_marker_must_be_valid(tmp_path):
    np.savez(tmp_path / "bad.npz", __fnnet__=np.array("not json"), __metadata__=np.array("{}"))
    with pytest.raises(ValueError, match=r"bad\.npz is a corrupt fnnet file: '__fnnet__' is not valid JSON"):
        fnnet.load_params(tmp_path / "bad.npz")
    np.savez(tmp_path / "bad2.npz", __fnnet__=np.array('{"format": "other"}'), __metadata__=np.array("{}"))
    with pytest.raises(ValueError, match=r"bad2\.npz has an invalid fnnet marker"):
        fnnet.load_params(tmp_path / "bad2.npz")


def test_module_exports():
    assert set(io_module.__all__) == {"save_params", "load_params", "load_metadata",
                                      "save_checkpoint", "load_checkpoint"}
    for name in io_module.__all__:
        assert getattr(fnnet, name) is getattr(io_module, name)
