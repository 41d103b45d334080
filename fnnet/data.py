"""Data sets: the seed notebooks' data, small synthetic 2-D sets, and an IDX / MNIST loader.

Every loader returns the column-major layout of the rest of fnnet: ``X`` has shape
``(n_features, m)`` with one example per COLUMN (float64 unless stated), class labels ``y``
are int64 of shape ``(m,)``, regression targets ``Y`` have shape ``(n_outputs, m)``.

Random sets take ``seed=None`` or ``rng=None`` (a ``numpy.random.Generator``, never global
state); the same seed gives bit-identical arrays on the same machine and NumPy build.
"""

from __future__ import annotations

import gzip
import math
import os
import struct
import zlib
from typing import Optional, Tuple

import numpy as np

from ._validation import check_count, check_nonneg
from ._validation import make_rng

__all__ = [
    "seed001",
    "seed002",
    "seed003",
    "xor",
    "two_moons",
    "circles",
    "spiral",
    "load_idx",
    "load_mnist",
    "fashion_mnist_dir",
]


# --------------------------------------------------------------------------- seed notebooks


def seed002() -> Tuple[np.ndarray, np.ndarray]:
    """Seed 002's ten examples, exactly as in the notebook (``A0 = X.T``, ``Y = y.reshape(1, m)``).

    Returns
    -------
    X : ndarray of int64, shape (2, 10)
        One example per column (the notebook's rows ``[150, 70], [254, 73], ...`` transposed).
    Y : ndarray of int64, shape (1, 10)
        0/1 labels.

    Examples
    --------
    >>> import fnnet
    >>> X, Y = fnnet.seed002()
    >>> X[:, 0], Y[0, :3]
    (array([150,  70]), array([0, 1, 1]))
    """
    rows = [[150, 70], [254, 73], [312, 68], [120, 60], [154, 61],
            [212, 65], [216, 67], [145, 67], [184, 64], [130, 69]]
    X = np.ascontiguousarray(np.array(rows, dtype=np.int64).T)
    Y = np.array([[0, 1, 1, 0, 0, 1, 1, 0, 1, 0]], dtype=np.int64)
    return X, Y


def seed003() -> Tuple[np.ndarray, np.ndarray]:
    """Seed 003's crop-yield regression: temperature, rainfall, humidity -> apples, oranges.

    Returns
    -------
    X : ndarray of float64, shape (3, 5)
        The 5 examples ``[73, 67, 43], [91, 88, 64], ...`` as columns.
    Y : ndarray of float64, shape (2, 5)
        The targets ``[56, 70], [81, 101], ...`` as columns.

    Examples
    --------
    >>> import fnnet
    >>> X, Y = fnnet.seed003()
    >>> X[:, 0], Y[:, 0]
    (array([73., 67., 43.]), array([56., 70.]))
    """
    inputs = [[73, 67, 43], [91, 88, 64], [87, 134, 58], [102, 43, 37], [69, 96, 70]]
    targets = [[56, 70], [81, 101], [119, 133], [22, 37], [103, 119]]
    X = np.ascontiguousarray(np.array(inputs, dtype=np.float64).T)
    Y = np.ascontiguousarray(np.array(targets, dtype=np.float64).T)
    return X, Y


def seed001(m: int = 1000, *, seed: Optional[int] = None,
            rng: Optional[np.random.Generator] = None) -> Tuple[np.ndarray, np.ndarray]:
    """Seed 001's product target: ``y = 10 * x0 * x1 + noise``.

    ``x0, x1 ~ uniform[0, 1)`` and ``noise ~ uniform[-0.15, 0.15)``, as the notebook's
    ``10 * f0 * f1 + 0.3 * rand - 0.15``.

    Parameters
    ----------
    m : int
        Number of examples.
    seed, rng
        A seed for a fresh generator, or a ``numpy.random.Generator`` to draw from (not both).

    Returns
    -------
    X : ndarray of float64, shape (2, m)
    Y : ndarray of float64, shape (1, m)
    """
    m = check_count(m, "m")
    gen = make_rng(seed, rng)
    X = gen.random((2, m))
    noise = gen.uniform(-0.15, 0.15, size=m)
    Y = (10.0 * X[0] * X[1] + noise).reshape(1, m)
    return X, Y


# --------------------------------------------------------------------------- synthetic 2-D sets


def xor(m: int = 200, *, noise: float = 0.1, seed: Optional[int] = None,
        rng: Optional[np.random.Generator] = None, shuffle: bool = True) -> Tuple[np.ndarray, np.ndarray]:
    """XOR: four Gaussian blobs at the corners of the unit square, ``y = x0 XOR x1``.

    Example ``i`` sits at corner ``i % 4`` of ``(0,0), (0,1), (1,0), (1,1)`` (labels 0, 1, 1, 0)
    plus ``noise * normal`` in each coordinate, so the classes are balanced (to within one for
    odd ``m``). A linear model cannot separate them.

    Parameters
    ----------
    m : int
        Number of examples (at least 1).
    noise : float
        Standard deviation of the Gaussian noise around each corner (>= 0).
    seed, rng
        A seed for a fresh generator, or a ``numpy.random.Generator`` to draw from (not both).
    shuffle : bool
        Shuffle the examples (default); otherwise they cycle through the four corners.

    Returns
    -------
    X : ndarray of float64, shape (2, m)
    y : ndarray of int64, shape (m,)
    """
    m = check_count(m, "m")
    noise = check_nonneg(noise, "noise")
    gen = make_rng(seed, rng)
    corner = np.arange(m) % 4
    bits = np.stack([corner // 2, corner % 2])             # (2, m) of 0/1
    X = bits + noise * gen.standard_normal((2, m))
    y = (bits[0] ^ bits[1]).astype(np.int64)
    return _maybe_shuffle(X, y, gen, shuffle)


def two_moons(m: int = 200, *, noise: float = 0.1, seed: Optional[int] = None,
              rng: Optional[np.random.Generator] = None, shuffle: bool = True) -> Tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (as scikit-learn's ``make_moons``).

    ``m // 2`` examples on the upper moon ``(cos t, sin t)`` (label 0) and the rest on the lower
    moon ``(1 - cos t, 0.5 - sin t)`` (label 1), ``t`` evenly spaced in ``[0, pi]``, plus
    ``noise * normal`` in each coordinate.

    Parameters
    ----------
    m : int
        Number of examples (at least 2).
    noise : float
        Standard deviation of the Gaussian noise (>= 0).
    seed, rng, shuffle
        As in :func:`xor`.

    Returns
    -------
    X : ndarray of float64, shape (2, m)
    y : ndarray of int64, shape (m,)
    """
    m = check_count(m, "m", minimum=2)
    noise = check_nonneg(noise, "noise")
    gen = make_rng(seed, rng)
    t0 = np.linspace(0.0, math.pi, m // 2)
    t1 = np.linspace(0.0, math.pi, m - m // 2)
    upper = np.stack([np.cos(t0), np.sin(t0)])
    lower = np.stack([1.0 - np.cos(t1), 0.5 - np.sin(t1)])
    return _two_classes(upper, lower, noise, gen, shuffle)


def circles(m: int = 200, *, noise: float = 0.05, factor: float = 0.5, seed: Optional[int] = None,
            rng: Optional[np.random.Generator] = None, shuffle: bool = True) -> Tuple[np.ndarray, np.ndarray]:
    """A circle inside a circle (as scikit-learn's ``make_circles``).

    ``m // 2`` examples on the unit circle (label 0) and the rest on a circle of radius
    ``factor`` (label 1), angles evenly spaced in ``[0, 2 pi)``, plus ``noise * normal``.

    Parameters
    ----------
    m : int
        Number of examples (at least 2).
    noise : float
        Standard deviation of the Gaussian noise (>= 0).
    factor : float
        Radius of the inner circle, in ``[0, 1)``.
    seed, rng, shuffle
        As in :func:`xor`.

    Returns
    -------
    X : ndarray of float64, shape (2, m)
    y : ndarray of int64, shape (m,)
    """
    m = check_count(m, "m", minimum=2)
    noise = check_nonneg(noise, "noise")
    factor = check_nonneg(factor, "factor")
    if not factor < 1.0:
        raise ValueError(f"factor (the inner radius) must be in [0, 1), got {factor!r}")
    gen = make_rng(seed, rng)
    t0 = np.linspace(0.0, 2.0 * math.pi, m // 2, endpoint=False)
    t1 = np.linspace(0.0, 2.0 * math.pi, m - m // 2, endpoint=False)
    outer = np.stack([np.cos(t0), np.sin(t0)])
    inner = factor * np.stack([np.cos(t1), np.sin(t1)])
    return _two_classes(outer, inner, noise, gen, shuffle)


def spiral(n_per_class: int = 100, n_classes: int = 3, *, noise: float = 0.2, seed: Optional[int] = None,
           rng: Optional[np.random.Generator] = None, shuffle: bool = True) -> Tuple[np.ndarray, np.ndarray]:
    """The CS231n spiral: ``n_classes`` arms winding out from the origin.

    Arm ``j`` has radius ``r = linspace(0, 1, N)`` and angle
    ``t = linspace(4 j, 4 (j + 1), N) + noise * normal``; its points are
    ``(r sin t, r cos t)``. A linear model cannot solve it.

    Parameters
    ----------
    n_per_class : int
        Examples per arm ``N`` (at least 1).
    n_classes : int
        Number of arms (classes, at least 1).
    noise : float
        Standard deviation of the angle noise (>= 0).
    seed, rng, shuffle
        As in :func:`xor`; without shuffling the examples come class by class.

    Returns
    -------
    X : ndarray of float64, shape (2, n_per_class * n_classes)
    y : ndarray of int64, shape (n_per_class * n_classes,)
        Exactly ``n_per_class`` examples of each class ``0 .. n_classes - 1``.
    """
    N = check_count(n_per_class, "n_per_class")
    K = check_count(n_classes, "n_classes")
    noise = check_nonneg(noise, "noise")
    gen = make_rng(seed, rng)
    r = np.linspace(0.0, 1.0, N)                                          # (N,)
    start = 4.0 * np.arange(K).reshape(K, 1)                              # (K, 1)
    t = start + np.linspace(0.0, 4.0, N) + noise * gen.standard_normal((K, N))   # (K, N)
    X = np.stack([(r * np.sin(t)).ravel(), (r * np.cos(t)).ravel()])     # (2, K N), class-major
    y = np.repeat(np.arange(K, dtype=np.int64), N)
    return _maybe_shuffle(X, y, gen, shuffle)


def _two_classes(first: np.ndarray, second: np.ndarray, noise: float, gen: np.random.Generator,
                 shuffle: bool) -> Tuple[np.ndarray, np.ndarray]:
    """Class 0 at the points ``first`` (2, m0), class 1 at ``second`` (2, m1), plus ``noise * normal``."""
    X = np.concatenate([first, second], axis=1)
    X += noise * gen.standard_normal(X.shape)
    y = np.repeat(np.array([0, 1], dtype=np.int64), [first.shape[1], second.shape[1]])
    return _maybe_shuffle(X, y, gen, shuffle)


def _maybe_shuffle(X: np.ndarray, y: np.ndarray, gen: np.random.Generator,
                   shuffle: bool) -> Tuple[np.ndarray, np.ndarray]:
    if not shuffle:
        return X, y
    order = gen.permutation(y.shape[0])
    return X[:, order], y[order]


# --------------------------------------------------------------------------- IDX and MNIST

#: IDX type code -> dtype of the data as stored (big-endian).
IDX_DTYPES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_GZIP_MAGIC = b"\x1f\x8b"


def _read_maybe_gzip(path) -> bytes:
    """The file's bytes, decompressed when they start with the gzip magic (whatever the name)."""
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == _GZIP_MAGIC:
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            raise ValueError(f"{os.fspath(path)}: corrupt gzip data ({exc})") from None
    return raw


def load_idx(path) -> np.ndarray:
    """Read one IDX file (the MNIST format), plain or gzip-compressed.

    Layout: the magic bytes ``00 00 <type code> <ndim>``, then ``ndim`` big-endian uint32
    sizes, then the data, big-endian, in row-major order. Type codes: ``0x08`` uint8,
    ``0x09`` int8, ``0x0B`` int16, ``0x0C`` int32, ``0x0D`` float32, ``0x0E`` float64.
    Gzip is detected from the content (``1f 8b``), not the file name.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    ndarray, shape (d1, ..., d_ndim)
        A fresh, writable array in native byte order of the file's dtype.

    Raises
    ------
    FileNotFoundError
        ``path`` does not exist.
    ValueError
        Naming the file: wrong magic bytes, unknown type code, fewer data bytes than the
        header promises, trailing bytes after the data, or corrupt gzip data.
    """
    name = os.fspath(path)
    raw = _read_maybe_gzip(path)
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise ValueError(
            f"{name} is not an IDX file: expected magic bytes 00 00 <type> <ndim>, "
            f"got {raw[:4].hex(' ') or 'an empty file'}"
        )
    code, ndim = raw[2], raw[3]
    if code not in IDX_DTYPES:
        known = ", ".join(f"0x{c:02X} ({d.name})" for c, d in IDX_DTYPES.items())
        raise ValueError(f"{name}: unknown IDX type code 0x{code:02X}; known codes: {known}")
    dtype = IDX_DTYPES[code]
    start = 4 + 4 * ndim
    if len(raw) < start:
        raise ValueError(
            f"{name} is truncated: its header declares {ndim} dimensions ({start} header bytes) "
            f"but the file has only {len(raw)} bytes"
        )
    shape = struct.unpack(f">{ndim}I", raw[4:start])
    count = math.prod(shape)
    need, have = count * dtype.itemsize, len(raw) - start
    if have < need:
        raise ValueError(
            f"{name} is truncated: its header promises shape {shape} of {dtype.name} "
            f"({need} data bytes) but only {have} data bytes follow"
        )
    if have > need:
        raise ValueError(
            f"{name} has {have - need} trailing bytes after the {need} data bytes promised by "
            f"its header (shape {shape} of {dtype.name})"
        )
    data = np.frombuffer(raw, dtype=dtype, count=count, offset=start)
    return data.astype(dtype.newbyteorder("="), copy=True).reshape(shape)


#: The four MNIST / Fashion-MNIST file names (each may also end in ``.gz``).
MNIST_FILES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)


def _find_mnist_files(directory) -> Tuple[dict, list]:
    found, missing = {}, []
    for stem in MNIST_FILES:
        for candidate in (stem, stem + ".gz"):
            path = os.path.join(directory, candidate)
            if os.path.isfile(path):
                found[stem] = path
                break
        else:
            missing.append(stem)
    return found, missing


def load_mnist(directory, *, dtype=np.float64) -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Load MNIST or Fashion-MNIST from the four IDX files in ``directory``.

    Files: ``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``,
    ``t10k-images-idx3-ubyte``, ``t10k-labels-idx1-ubyte``, each possibly ending in ``.gz``.

    Parameters
    ----------
    directory : str or os.PathLike
    dtype : float32 or float64
        The dtype of the images (default float64).

    Returns
    -------
    X_train : ndarray of ``dtype``, shape (784, 60000)
        Pixels / 255 in ``[0, 1]``, one image (row-major 28 x 28) per column. The array is
        Fortran-ordered, so each image and every column slice ``X[:, i:j]`` is contiguous.
    y_train : ndarray of int64, shape (60000,)
        Labels 0..9.
    X_test : ndarray of ``dtype``, shape (784, 10000)
    y_test : ndarray of int64, shape (10000,)

    Raises
    ------
    FileNotFoundError
        The directory or some of the files are missing (the message lists the expected names).
    ValueError
        A file is not a valid IDX file, or images and labels disagree in count or kind.

    Examples
    --------
    >>> path = fnnet.fashion_mnist_dir()            # doctest: +SKIP
    >>> X, y, X_test, y_test = fnnet.load_mnist(path)  # doctest: +SKIP
    """
    dtype = np.dtype(dtype)
    if dtype not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise TypeError(f"dtype must be float32 or float64, got {dtype}")
    name = os.fspath(directory)
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"MNIST directory not found: {name!r}")
    found, missing = _find_mnist_files(directory)
    if missing:
        raise FileNotFoundError(
            f"{name!r} lacks the MNIST files {missing}; expected all of {list(MNIST_FILES)} "
            "(each may end in .gz)"
        )
    X_train, y_train = _images_and_labels(found[MNIST_FILES[0]], found[MNIST_FILES[1]], dtype)
    X_test, y_test = _images_and_labels(found[MNIST_FILES[2]], found[MNIST_FILES[3]], dtype)
    return X_train, y_train, X_test, y_test


def _images_and_labels(image_path: str, label_path: str, dtype: np.dtype) -> Tuple[np.ndarray, np.ndarray]:
    images = load_idx(image_path)
    labels = load_idx(label_path)
    if images.dtype != np.uint8 or images.ndim != 3:
        raise ValueError(
            f"{image_path}: expected uint8 images of shape (m, rows, cols), got {images.dtype} "
            f"of shape {images.shape}"
        )
    if labels.dtype != np.uint8 or labels.ndim != 1:
        raise ValueError(f"{label_path}: expected uint8 labels of shape (m,), got {labels.dtype} of shape {labels.shape}")
    if images.shape[0] != labels.shape[0]:
        raise ValueError(
            f"{image_path} holds {images.shape[0]} images but {label_path} holds {labels.shape[0]} labels"
        )
    m = images.shape[0]
    pixels = images.reshape(m, -1).T                                  # (784, m) view, Fortran order
    X = np.divide(pixels, 255.0, dtype=dtype)                         # keeps the Fortran order
    return X, labels.astype(np.int64)


#: Where Debian's ``dataset-fashion-mnist`` package puts its files (and likely alternatives).
FASHION_MNIST_DIRS = (
    "/usr/share/datasets/fashion-mnist",
    "/usr/share/datasets/fashion_mnist",
    "/usr/share/fashion-mnist",
)

#: The environment variable naming a data directory of the user's own (see :func:`fashion_mnist_dir`).
DATA_ENV = "FNNET_DATA"


def fashion_mnist_search_path() -> Tuple[str, ...]:
    """The directories :func:`fashion_mnist_dir` searches, in order.

    With the environment variable ``FNNET_DATA`` set (and not empty) only
    ``$FNNET_DATA/fashion-mnist`` and ``$FNNET_DATA`` itself, so a user's own copy is found
    wherever it lies and a directory without the files stands for "not installed"; otherwise
    ``FASHION_MNIST_DIRS``.

    Returns
    -------
    tuple of str
    """
    root = os.environ.get(DATA_ENV, "")
    if root:
        return (os.path.join(root, "fashion-mnist"), root)
    return FASHION_MNIST_DIRS


def fashion_mnist_dir() -> Optional[str]:
    """The directory holding Fashion-MNIST's four IDX files, or None when it is not installed.

    On Debian/Ubuntu: ``apt-get install dataset-fashion-mnist`` puts them (gzipped) in
    ``/usr/share/datasets/fashion-mnist``. Data elsewhere: set the environment variable
    ``FNNET_DATA`` to a directory holding the four files, or holding a ``fashion-mnist``
    directory that holds them; then only those two places are searched (an empty or
    missing ``FNNET_DATA`` directory makes this return None, whatever is installed).

    It takes no parameters: it searches :func:`fashion_mnist_search_path` in order and
    reads nothing but directory listings.

    Returns
    -------
    str or None
        The first directory of the search path that holds all four of ``MNIST_FILES`` (each
        possibly ending in ``.gz``), else ``None``. Pass it to :func:`load_mnist`, which
        returns ``X_train (784, 60000)``, ``y_train (60000,)``, ``X_test (784, 10000)``,
        ``y_test (10000,)``.
    """
    for directory in fashion_mnist_search_path():
        if os.path.isdir(directory) and not _find_mnist_files(directory)[1]:
            return directory
    return None
