"""Data sets: exact seed values, synthetic sets, the IDX reader and the MNIST loader."""

import gzip
import struct

import numpy as np
import pytest

import fnnet
from fnnet import data as data_module

# --------------------------------------------------------------------------- seed notebooks


def test_seed002_matches_the_notebook():
    X, Y = fnnet.seed002()
    assert X.shape == (2, 10) and Y.shape == (1, 10)
    assert X.dtype == np.int64 and Y.dtype == np.int64
    # the notebook's rows [150, 70], [254, 73], [312, 68], ..., [130, 69] are the columns
    assert X[:, 0].tolist() == [150, 70]
    assert X[:, 1].tolist() == [254, 73]
    assert X[:, 2].tolist() == [312, 68]
    assert X[:, 9].tolist() == [130, 69]
    assert X[0].tolist() == [150, 254, 312, 120, 154, 212, 216, 145, 184, 130]
    assert X[1].tolist() == [70, 73, 68, 60, 61, 65, 67, 67, 64, 69]
    assert Y[0].tolist() == [0, 1, 1, 0, 0, 1, 1, 0, 1, 0]


def test_seed003_matches_the_notebook():
    X, Y = fnnet.seed003()
    assert X.shape == (3, 5) and Y.shape == (2, 5)
    assert X.dtype == np.float64 and Y.dtype == np.float64
    assert X[:, 0].tolist() == [73.0, 67.0, 43.0]
    assert X[:, 2].tolist() == [87.0, 134.0, 58.0]
    assert X[:, 4].tolist() == [69.0, 96.0, 70.0]
    assert Y[:, 0].tolist() == [56.0, 70.0]
    assert Y[:, 3].tolist() == [22.0, 37.0]
    assert Y[1].tolist() == [70.0, 101.0, 133.0, 37.0, 119.0]


def test_seed_data_are_fresh_arrays():
    X, Y = fnnet.seed002()
    X[0, 0] = -1
    Y[0, 0] = 7
    X2, Y2 = fnnet.seed002()
    assert X2[0, 0] == 150 and Y2[0, 0] == 0


def test_seed001_product_target():
    X, Y = fnnet.seed001(1000, seed=3)
    assert X.shape == (2, 1000) and Y.shape == (1, 1000)
    assert X.dtype == np.float64 and Y.dtype == np.float64
    assert X.min() >= 0.0 and X.max() < 1.0
    noise = Y[0] - 10.0 * X[0] * X[1]
    assert noise.min() >= -0.15 - 1e-12 and noise.max() < 0.15 + 1e-12
    assert noise.max() - noise.min() > 0.28        # the noise really spans [-0.15, 0.15)
    assert abs(noise.mean()) < 0.02


def test_seed001_draw_order_is_documented():
    X, Y = fnnet.seed001(4, seed=11)
    gen = np.random.default_rng(11)
    X_ref = gen.random((2, 4))
    Y_ref = 10.0 * X_ref[0] * X_ref[1] + gen.uniform(-0.15, 0.15, size=4)
    np.testing.assert_array_equal(X, X_ref)
    np.testing.assert_array_equal(Y, Y_ref.reshape(1, 4))


# --------------------------------------------------------------------------- synthetic sets

MAKERS = {
    "xor": lambda **kw: fnnet.xor(60, **kw),
    "two_moons": lambda **kw: fnnet.two_moons(60, **kw),
    "circles": lambda **kw: fnnet.circles(60, **kw),
    "spiral": lambda **kw: fnnet.spiral(20, 3, **kw),
    "seed001": lambda **kw: fnnet.seed001(60, **kw),
}


@pytest.mark.parametrize("make", MAKERS.values(), ids=MAKERS.keys())
def test_same_seed_bit_identical_different_seed_differs(make):
    a, b, c = make(seed=5), make(seed=5), make(seed=6)
    for x, y in zip(a, b):
        assert x.dtype == y.dtype
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(a[0], c[0])


@pytest.mark.parametrize("make", MAKERS.values(), ids=MAKERS.keys())
def test_rng_argument_matches_seed_and_advances(make):
    gen = np.random.default_rng(5)
    first = make(rng=gen)
    second = make(rng=gen)
    np.testing.assert_array_equal(first[0], make(seed=5)[0])
    assert not np.array_equal(first[0], second[0])


@pytest.mark.parametrize("make", MAKERS.values(), ids=MAKERS.keys())
def test_seed_and_rng_together_rejected(make):
    with pytest.raises(ValueError, match="either seed or rng"):
        make(seed=1, rng=np.random.default_rng(1))
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
        make(rng=1)


CLASSIFIERS = {
    "xor": (fnnet.xor, {}),
    "two_moons": (fnnet.two_moons, {}),
    "circles": (fnnet.circles, {}),
}


@pytest.mark.parametrize("m", [2, 7, 200])
@pytest.mark.parametrize("make", [v[0] for v in CLASSIFIERS.values()], ids=CLASSIFIERS.keys())
def test_binary_sets_shapes_and_balance(make, m):
    X, y = make(m, seed=0)
    assert X.shape == (2, m) and X.dtype == np.float64
    assert y.shape == (m,) and y.dtype == np.int64
    counts = np.bincount(y, minlength=2)
    assert counts.sum() == m and len(counts) == 2
    assert abs(int(counts[0]) - int(counts[1])) <= 1
    assert np.isfinite(X).all()


def test_spiral_shapes_and_balance():
    X, y = fnnet.spiral(17, 4, seed=0)
    assert X.shape == (2, 68) and X.dtype == np.float64
    assert y.shape == (68,) and y.dtype == np.int64
    assert np.bincount(y).tolist() == [17, 17, 17, 17]
    assert np.hypot(X[0], X[1]).max() <= 1.0 + 1e-12


def test_xor_without_noise_is_the_truth_table():
    X, y = fnnet.xor(8, noise=0.0, seed=0, shuffle=False)
    np.testing.assert_array_equal(X[:, :4], [[0, 0, 1, 1], [0, 1, 0, 1]])
    assert y[:4].tolist() == [0, 1, 1, 0]
    np.testing.assert_array_equal(y, (X[0] != X[1]).astype(np.int64))


def test_moons_and_circles_without_noise_lie_on_their_curves():
    X, y = fnnet.two_moons(9, noise=0.0, shuffle=False)
    upper, lower = X[:, y == 0], X[:, y == 1]
    np.testing.assert_allclose(np.hypot(upper[0], upper[1]), 1.0)
    assert (upper[1] >= -1e-12).all()
    np.testing.assert_allclose(np.hypot(lower[0] - 1.0, lower[1] - 0.5), 1.0)
    assert (lower[1] <= 0.5 + 1e-12).all()
    X, y = fnnet.circles(10, noise=0.0, factor=0.3, shuffle=False)
    radius = np.hypot(X[0], X[1])
    np.testing.assert_allclose(radius[y == 0], 1.0)
    np.testing.assert_allclose(radius[y == 1], 0.3)


def test_spiral_without_noise_is_cs231n():
    N, K = 5, 3
    X, y = fnnet.spiral(N, K, noise=0.0, shuffle=False)
    for j in range(K):
        r = np.linspace(0.0, 1.0, N)
        t = np.linspace(j * 4, (j + 1) * 4, N)
        np.testing.assert_allclose(X[:, j * N:(j + 1) * N], [r * np.sin(t), r * np.cos(t)], atol=1e-15)
        assert (y[j * N:(j + 1) * N] == j).all()


def test_shuffle_permutes_columns_consistently():
    X0, y0 = fnnet.circles(50, seed=2, shuffle=False)
    X1, y1 = fnnet.circles(50, seed=2)
    assert not np.array_equal(y0, y1)
    # same multiset of (x, label) examples
    key0 = sorted(zip(X0[0], X0[1], y0))
    key1 = sorted(zip(X1[0], X1[1], y1))
    assert key0 == key1


def _linear_accuracy(X, y):
    """Training accuracy of a least-squares one-vs-rest linear classifier."""
    A = np.vstack([X, np.ones((1, X.shape[1]))]).T
    T = np.eye(y.max() + 1)[y]
    W = np.linalg.lstsq(A, T, rcond=None)[0]
    return float(np.mean(np.argmax(A @ W, axis=1) == y))


@pytest.mark.parametrize("make, limit", [
    (lambda: fnnet.spiral(100, 3, seed=0), 0.65),
    (lambda: fnnet.xor(400, seed=0), 0.75),
    (lambda: fnnet.circles(400, seed=0), 0.75),
], ids=["spiral", "xor", "circles"])
def test_linear_model_cannot_solve(make, limit):
    X, y = make()
    assert _linear_accuracy(X, y) < limit


@pytest.mark.parametrize("call, exc, match", [
    (lambda: fnnet.xor(0), ValueError, "m must be an int >= 1, got 0"),
    (lambda: fnnet.xor(2.5), TypeError, "m must be an int"),
    (lambda: fnnet.two_moons(1), ValueError, "m must be an int >= 2, got 1"),
    (lambda: fnnet.circles(True), TypeError, "m must be an int"),
    (lambda: fnnet.xor(10, noise=-0.1), ValueError, "noise must be a non-negative finite number, got -0.1"),
    (lambda: fnnet.xor(10, noise=float("nan")), ValueError, "noise must be a non-negative finite number"),
    (lambda: fnnet.two_moons(10, noise="big"), TypeError, "noise must be a non-negative finite number"),
    (lambda: fnnet.circles(10, factor=1.0), ValueError, r"factor \(the inner radius\) must be in \[0, 1\)"),
    (lambda: fnnet.spiral(0), ValueError, "n_per_class must be an int >= 1"),
    (lambda: fnnet.spiral(10, 0), ValueError, "n_classes must be an int >= 1"),
    (lambda: fnnet.seed001(-3), ValueError, "m must be an int >= 1, got -3"),
    (lambda: fnnet.xor(10, seed=1.5), TypeError, "seed must be an int or None"),
], ids=["xor-m0", "xor-float-m", "moons-m1", "circles-bool-m", "negative-noise", "nan-noise",
        "string-noise", "factor-1", "spiral-n0", "spiral-k0", "seed001-negative", "float-seed"])
def test_bad_arguments(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


# --------------------------------------------------------------------------- IDX

CODES = {np.dtype(np.uint8): 0x08, np.dtype(np.int8): 0x09, np.dtype(np.int16): 0x0B,
         np.dtype(np.int32): 0x0C, np.dtype(np.float32): 0x0D, np.dtype(np.float64): 0x0E}


def idx_bytes(arr, code=None):
    """The IDX encoding of ``arr``, written independently of fnnet."""
    arr = np.asarray(arr)
    code = CODES[arr.dtype] if code is None else code
    header = bytes([0, 0, code, arr.ndim]) + struct.pack(f">{arr.ndim}I", *arr.shape)
    return header + arr.astype(arr.dtype.newbyteorder(">")).tobytes()


def write(path, payload, compress=False):
    path.write_bytes(gzip.compress(payload) if compress else payload)
    return path


SAMPLES = {
    "uint8": np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4) * 10,
    "int8": np.array([[-128, -1, 0], [1, 2, 127]], dtype=np.int8),
    "int16": np.array([-32768, -2, 0, 300, 32767], dtype=np.int16),
    "int32": np.array([[-(2 ** 31), 70000], [5, 2 ** 31 - 1], [0, -1]], dtype=np.int32),
    "float32": np.array([[1.5, -0.1, np.float32(3.4e38)], [1e-45, 0.0, -2.0]], dtype=np.float32),
    "float64": np.array([[np.pi, -1e300], [5e-324, 0.1], [2.0, -0.0]], dtype=np.float64),
}


@pytest.mark.parametrize("compress", [False, True], ids=["plain", "gzip"])
@pytest.mark.parametrize("name", SAMPLES)
def test_idx_round_trip(tmp_path, name, compress):
    arr = SAMPLES[name]
    path = write(tmp_path / ("data.idx.gz" if compress else "data.idx"), idx_bytes(arr), compress)
    got = fnnet.load_idx(path)
    assert got.dtype == arr.dtype and got.dtype.isnative
    assert got.shape == arr.shape
    np.testing.assert_array_equal(got, arr)
    assert got.flags.writeable and got.flags.c_contiguous
    fnnet.load_idx(str(path))  # str paths too


def test_idx_gzip_is_detected_by_content_not_name(tmp_path):
    arr = SAMPLES["int16"]
    zipped_without_suffix = write(tmp_path / "images-idx1-ubyte", idx_bytes(arr), compress=True)
    plain_with_suffix = write(tmp_path / "labels.gz", idx_bytes(arr))
    np.testing.assert_array_equal(fnnet.load_idx(zipped_without_suffix), arr)
    np.testing.assert_array_equal(fnnet.load_idx(plain_with_suffix), arr)


def test_idx_hand_written_bytes():
    # header 00 00 08 02, sizes 2 and 3 (big-endian), then 6 bytes row-major
    payload = bytes([0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 255])
    assert payload == idx_bytes(np.array([[1, 2, 3], [4, 5, 255]], dtype=np.uint8))


def test_idx_big_endian_int16_bytes(tmp_path):
    payload = bytes([0, 0, 0x0B, 1, 0, 0, 0, 2, 0x01, 0x02, 0xFF, 0xFE])
    got = fnnet.load_idx(write(tmp_path / "x", payload))
    assert got.tolist() == [0x0102, -2]


def test_idx_zero_length_dimension(tmp_path):
    got = fnnet.load_idx(write(tmp_path / "x", idx_bytes(np.zeros((0, 28, 28), np.uint8))))
    assert got.shape == (0, 28, 28)


GOOD = idx_bytes(SAMPLES["int32"])


@pytest.mark.parametrize("compress", [False, True], ids=["plain", "gzip"])
@pytest.mark.parametrize("payload, match", [
    (b"\x08\x03\x00\x00" + GOOD[4:], r"is not an IDX file: expected magic bytes 00 00 <type> <ndim>, got 08 03 00 00"),
    (b"", "is not an IDX file.*empty file"),
    (b"\x00\x00", "is not an IDX file"),
    (bytes([0, 0, 0x0A, 2]) + GOOD[4:], r"unknown IDX type code 0x0A; known codes: 0x08 \(uint8\)"),
    (GOOD[:-1], r"is truncated: its header promises shape \(3, 2\) of int32 \(24 data bytes\) but only 23"),
    (GOOD[:8], "is truncated: its header declares 2 dimensions"),
    (GOOD + b"\x00\x00", r"has 2 trailing bytes after the 24 data bytes promised by its header"),
], ids=["wrong-magic", "empty", "short-magic", "unknown-code", "truncated-data", "truncated-header",
        "trailing-bytes"])
def test_idx_errors_name_the_file(tmp_path, payload, match, compress):
    path = write(tmp_path / "broken-idx", payload, compress)
    with pytest.raises(ValueError, match=match) as info:
        fnnet.load_idx(path)
    assert str(path) in str(info.value)


def test_idx_corrupt_gzip(tmp_path):
    zipped = gzip.compress(GOOD)
    path = write(tmp_path / "cut.gz", zipped[: len(zipped) // 2])
    with pytest.raises(ValueError, match="cut.gz: corrupt gzip data"):
        fnnet.load_idx(path)


def test_idx_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope"):
        fnnet.load_idx(tmp_path / "nope")


# --------------------------------------------------------------------------- MNIST


def fake_mnist(directory, n_train=5, n_test=3, compress=(False, True, False, True), rows=28, cols=28):
    """Write a tiny MNIST-format directory; returns the images and labels written."""
    gen = np.random.default_rng(0)
    arrays = {
        "train-images-idx3-ubyte": gen.integers(0, 256, (n_train, rows, cols), dtype=np.uint8),
        "train-labels-idx1-ubyte": gen.integers(0, 10, n_train, dtype=np.uint8),
        "t10k-images-idx3-ubyte": gen.integers(0, 256, (n_test, rows, cols), dtype=np.uint8),
        "t10k-labels-idx1-ubyte": gen.integers(0, 10, n_test, dtype=np.uint8),
    }
    arrays["train-images-idx3-ubyte"][0, 0, :2] = [0, 255]   # both ends of the pixel range
    for (name, arr), zipped in zip(arrays.items(), compress):
        write(directory / (name + ".gz" if zipped else name), idx_bytes(arr), zipped)
    return list(arrays.values())


def test_load_mnist_on_a_fake_directory(tmp_path):
    images, labels, test_images, test_labels = fake_mnist(tmp_path)
    X, y, X_test, y_test = fnnet.load_mnist(tmp_path)
    assert X.shape == (784, 5) and X_test.shape == (784, 3)
    assert X.dtype == np.float64 and X_test.dtype == np.float64
    assert y.dtype == np.int64 and y.shape == (5,) and y_test.shape == (3,)
    assert y.tolist() == labels.tolist() and y_test.tolist() == test_labels.tolist()
    # column j is image j, flattened row-major, divided by 255
    for j in range(5):
        np.testing.assert_array_equal(X[:, j], images[j].ravel() / 255.0)
    assert X[0, 0] == 0.0 and X[1, 0] == 1.0
    assert X.min() >= 0.0 and X.max() <= 1.0
    assert X[28 * 3 + 7, 2] == images[2, 3, 7] / 255.0
    assert X.flags.f_contiguous and X[:, 1:4].flags.f_contiguous


def test_load_mnist_float32(tmp_path):
    images = fake_mnist(tmp_path, compress=(True,) * 4)[0]
    X, y, X_test, y_test = fnnet.load_mnist(str(tmp_path), dtype=np.float32)
    assert X.dtype == np.float32 and X_test.dtype == np.float32
    np.testing.assert_array_equal(X[:, 4], (images[4].ravel() / np.float32(255.0)).astype(np.float32))


def test_load_mnist_other_image_sizes(tmp_path):
    fake_mnist(tmp_path, rows=3, cols=4)
    X, _, X_test, _ = fnnet.load_mnist(tmp_path)
    assert X.shape == (12, 5) and X_test.shape == (12, 3)


def test_load_mnist_lists_missing_files(tmp_path):
    fake_mnist(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte.gz").unlink()
    (tmp_path / "train-images-idx3-ubyte").unlink()
    with pytest.raises(FileNotFoundError,
                       match=r"lacks the MNIST files \['train-images-idx3-ubyte', 't10k-labels-idx1-ubyte'\]; "
                             r"expected all of .*\(each may end in .gz\)"):
        fnnet.load_mnist(tmp_path)


def test_load_mnist_missing_directory(tmp_path):
    with pytest.raises(FileNotFoundError, match="MNIST directory not found"):
        fnnet.load_mnist(tmp_path / "absent")


def test_load_mnist_count_mismatch(tmp_path):
    fake_mnist(tmp_path)
    write(tmp_path / "t10k-labels-idx1-ubyte.gz", idx_bytes(np.zeros(4, np.uint8)), compress=True)
    with pytest.raises(ValueError, match="holds 3 images but .*t10k-labels-idx1-ubyte.gz holds 4 labels"):
        fnnet.load_mnist(tmp_path)


def test_load_mnist_wrong_kind_of_file(tmp_path):
    fake_mnist(tmp_path)
    write(tmp_path / "train-images-idx3-ubyte", idx_bytes(np.zeros((5, 784), np.uint8)))
    with pytest.raises(ValueError, match=r"expected uint8 images of shape \(m, rows, cols\)"):
        fnnet.load_mnist(tmp_path)


def test_load_mnist_bad_dtype(tmp_path):
    with pytest.raises(TypeError, match="dtype must be float32 or float64, got int64"):
        fnnet.load_mnist(tmp_path, dtype=np.int64)


def test_fashion_mnist_dir_searches_known_places(tmp_path, monkeypatch):
    monkeypatch.delenv("FNNET_DATA", raising=False)
    empty, full = tmp_path / "empty", tmp_path / "full"
    empty.mkdir()
    full.mkdir()
    fake_mnist(full)
    monkeypatch.setattr(data_module, "FASHION_MNIST_DIRS", (str(tmp_path / "absent"), str(empty), str(full)))
    assert fnnet.fashion_mnist_dir() == str(full)
    monkeypatch.setattr(data_module, "FASHION_MNIST_DIRS", (str(empty),))
    assert fnnet.fashion_mnist_dir() is None


def _installed_elsewhere(tmp_path, monkeypatch):
    """A fake Fashion-MNIST in the known places, to show FNNET_DATA overrides them."""
    installed = tmp_path / "installed"
    installed.mkdir()
    fake_mnist(installed)
    monkeypatch.setattr(data_module, "FASHION_MNIST_DIRS", (str(installed),))
    return installed


def test_fnnet_data_holding_the_files_is_used_instead_of_the_known_places(tmp_path, monkeypatch):
    _installed_elsewhere(tmp_path, monkeypatch)
    mine = tmp_path / "mine"
    mine.mkdir()
    fake_mnist(mine)
    monkeypatch.setenv("FNNET_DATA", str(mine))
    assert data_module.fashion_mnist_search_path() == (str(mine / "fashion-mnist"), str(mine))
    assert fnnet.fashion_mnist_dir() == str(mine)


def test_fnnet_data_with_a_fashion_mnist_subdirectory_prefers_it(tmp_path, monkeypatch):
    _installed_elsewhere(tmp_path, monkeypatch)
    root = tmp_path / "root"
    (root / "fashion-mnist").mkdir(parents=True)
    fake_mnist(root / "fashion-mnist")
    fake_mnist(root)
    monkeypatch.setenv("FNNET_DATA", str(root))
    assert fnnet.fashion_mnist_dir() == str(root / "fashion-mnist")


@pytest.mark.parametrize("where", ["empty", "missing", "incomplete"])
def test_fnnet_data_without_the_files_means_absent_even_when_installed(tmp_path, monkeypatch, where):
    installed = _installed_elsewhere(tmp_path, monkeypatch)
    root = tmp_path / "data"
    if where != "missing":
        root.mkdir()
    if where == "incomplete":
        fake_mnist(root)
        next(root.glob("t10k-labels*")).unlink()
    monkeypatch.setenv("FNNET_DATA", str(root))
    assert fnnet.fashion_mnist_dir() is None
    monkeypatch.setenv("FNNET_DATA", "")   # empty: as if unset
    assert fnnet.fashion_mnist_dir() == str(installed)


@pytest.mark.skipif(fnnet.fashion_mnist_dir() is None,
                    reason="Fashion-MNIST not installed (apt-get install dataset-fashion-mnist, or FNNET_DATA)")
def test_real_fashion_mnist():
    X, y, X_test, y_test = fnnet.load_mnist(fnnet.fashion_mnist_dir(), dtype=np.float32)
    assert X.shape == (784, 60000) and X_test.shape == (784, 10000)
    assert y.shape == (60000,) and y_test.shape == (10000,)
    assert X.dtype == np.float32 and y.dtype == np.int64
    assert np.bincount(y).tolist() == [6000] * 10
    assert np.bincount(y_test).tolist() == [1000] * 10
    assert X.min() == 0.0 and X.max() == 1.0
