"""Save and load parameters and training checkpoints as ``.npz`` archives, atomically.

An fnnet file is an ordinary NumPy ``.npz`` (a zip of ``.npy`` files) that ``np.load`` reads
with ``allow_pickle=False``. It holds:

- every params array under its own key, with its exact shape and dtype, in the dict's order;
- ``"__fnnet__"``: a 0-d unicode array, the JSON ``{"format": "fnnet", "kind": ..., "version": 1}``
  (``kind`` is ``"params"`` or ``"checkpoint"``), so a foreign ``.npz`` is recognised;
- ``"__metadata__"``: a 0-d unicode array, the metadata as a JSON string;
- checkpoints only: ``"__state__"``, the optimizer state's tree as JSON, and its arrays under
  ``"__state0__"``, ``"__state1__"``, ...

Paths: a path that does not end in ``.npz`` gets ``.npz`` appended, by the savers and the
loaders alike (``save_params("model", p)`` writes ``model.npz``; ``load_params("model")`` reads
it), as ``np.savez`` does.

Writes are atomic: the archive is written to a temporary file in the target's directory,
flushed and ``fsync``-ed, then renamed over the target with ``os.replace``. A crash or error
mid-write leaves the previous file untouched and no temporary file behind.
"""

from __future__ import annotations

import errno
import json
import numbers
import os
import secrets
import zipfile
import zlib
from typing import Any, Dict, List, Mapping, Tuple

import numpy as np

__all__ = ["save_params", "load_params", "load_metadata", "save_checkpoint", "load_checkpoint"]

FORMAT_KEY = "__fnnet__"
METADATA_KEY = "__metadata__"
STATE_KEY = "__state__"
FORMAT_VERSION = 1

Entries = List[Tuple[str, np.ndarray]]


# --------------------------------------------------------------------------- public API


def save_params(path, params: Mapping[str, np.ndarray], /, **metadata: Any) -> str:
    """Save a dict of arrays (and JSON metadata) to an ``.npz`` file, atomically.

    Parameters
    ----------
    path : str or os.PathLike
        Target file; ``.npz`` is appended when missing.
    params : dict of str -> ndarray
        Any arrays (not object dtype), e.g. ``W1 (n1, n0), b1 (n1, 1), ...``. Keys must be
        non-empty strings not starting with ``"__"`` (reserved).
    **metadata
        JSON-serialisable values (numpy scalars are converted to Python numbers), e.g.
        ``activations=["relu", "sigmoid"], epoch=10``. Tuples come back as lists. Any keyword
        is allowed, ``path`` and ``params`` included (those two arguments are positional-only).

    Returns
    -------
    str
        The path written (with ``.npz``).

    Raises
    ------
    FileNotFoundError
        The target's directory does not exist (the message names it).

    Examples
    --------
    >>> params = fnnet.init_params([2, 3, 1], seed=0)
    >>> fnnet.save_params("model.npz", params, activations=["relu", "sigmoid"])  # doctest: +SKIP
    'model.npz'
    >>> fnnet.load_params("model.npz")["W1"].shape                              # doctest: +SKIP
    (3, 2)
    """
    path = _npz_path(path)
    entries = _header("params", metadata) + _param_entries(params)
    _write_atomic(path, entries)
    return path


def load_params(path) -> Dict[str, np.ndarray]:
    """Load the params saved by :func:`save_params` (or the params of a checkpoint).

    Parameters
    ----------
    path : str or os.PathLike
        ``.npz`` is appended when missing.

    Returns
    -------
    dict of str -> ndarray
        Every array with its saved key, shape and dtype, in the saved order.

    Raises
    ------
    FileNotFoundError
        The file does not exist.
    ValueError
        Naming the file: not a readable ``.npz`` (truncated, garbage), or an ``.npz`` without
        the fnnet marker, or from a newer format version.
    """
    path = _npz_path(path)
    contents, _ = _read(path)
    return _params_from(contents)


def load_metadata(path) -> Dict[str, Any]:
    """The metadata saved with :func:`save_params` or :func:`save_checkpoint`, as a dict.

    Parameters
    ----------
    path : str or os.PathLike
        An fnnet params or checkpoint file; ``.npz`` is appended when missing.

    Returns
    -------
    dict of str -> object
        The ``**metadata`` keywords as JSON gave them back: numbers, strings, bools, ``None``,
        lists (tuples come back as lists) and dicts with string keys. No arrays are read into it.

    Raises
    ------
    FileNotFoundError, ValueError
        As :func:`load_params`.
    """
    path = _npz_path(path)
    contents, _ = _read(path)
    return _json_entry(contents, METADATA_KEY, path)


def save_checkpoint(path, params: Mapping[str, np.ndarray], state: Mapping, /, **metadata: Any) -> str:
    """Save params, an optimizer state and metadata, atomically, to resume training later.

    Parameters
    ----------
    path : str or os.PathLike
        Target file; ``.npz`` is appended when missing.
    params : dict of str -> ndarray
        As in :func:`save_params`.
    state : dict
        An optimizer state: a nested dict with string keys whose leaves are ndarrays, numpy
        scalars, Python ``int``/``float``/``bool``/``str``/``None``, or lists/tuples of those,
        e.g. ``{"m": {"W1": ..., "b1": ...}, "v": {...}, "t": 3}``. Restored exactly: the same
        nesting, key order, container types, leaf types, dtypes, shapes and values.
    **metadata
        JSON-serialisable values, e.g. ``epoch=4``, ``rng_state=gen.bit_generator.state``
        (its big integers survive: JSON integers are unbounded in Python). Any keyword is
        allowed, ``path``, ``params`` and ``state`` included (those three arguments are
        positional-only).

    Returns
    -------
    str
        The path written (with ``.npz``).

    Raises
    ------
    FileNotFoundError
        The target's directory does not exist (the message names it).

    Examples
    --------
    >>> gen = np.random.default_rng(0)
    >>> fnnet.save_checkpoint("ckpt", params, state, epoch=3,
    ...                       rng_state=gen.bit_generator.state)                  # doctest: +SKIP
    'ckpt.npz'
    >>> params, state, meta = fnnet.load_checkpoint("ckpt")                       # doctest: +SKIP
    >>> gen.bit_generator.state = meta["rng_state"]                               # doctest: +SKIP
    """
    path = _npz_path(path)
    if not isinstance(state, Mapping):
        raise TypeError(f"state must be a dict (an optimizer state), got {type(state).__name__}")
    state_arrays: Entries = []
    tree = _encode(state, state_arrays, "state")
    tree_entry = (STATE_KEY, np.array(json.dumps(tree)))
    entries = _header("checkpoint", metadata) + [tree_entry] + _param_entries(params) + state_arrays
    _write_atomic(path, entries)
    return path


def load_checkpoint(path) -> Tuple[Dict[str, np.ndarray], Dict[str, Any], Dict[str, Any]]:
    """Load what :func:`save_checkpoint` saved.

    Parameters
    ----------
    path : str or os.PathLike
        ``.npz`` is appended when missing.

    Returns
    -------
    params : dict of str -> ndarray
        Every array with its saved key, shape and dtype, e.g. ``W1 (n1, n0), b1 (n1, 1), ...``.
    state : dict
        The optimizer state, exactly as saved.
    metadata : dict
        As :func:`load_metadata`.

    Raises
    ------
    FileNotFoundError, ValueError
        As :func:`load_params`; also ValueError for an fnnet params file (no state).
    """
    path = _npz_path(path)
    contents, kind = _read(path)
    if kind != "checkpoint":
        raise ValueError(
            f"{path} holds fnnet {kind}, not a checkpoint (it has no optimizer state); "
            "use load_params and load_metadata"
        )
    tree = _json_entry(contents, STATE_KEY, path)
    try:
        state = _decode(tree, contents)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        raise ValueError(f"{path}: corrupt checkpoint state ({type(exc).__name__}: {exc})") from None
    return _params_from(contents), state, _json_entry(contents, METADATA_KEY, path)


# --------------------------------------------------------------------------- writing


def npz_path(path) -> str:
    path = os.fsdecode(os.fspath(path))
    return path if path.endswith(".npz") else path + ".npz"


_npz_path = npz_path


def _json_default(value):
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    raise TypeError(f"{type(value).__name__} is not JSON-serialisable")


def _header(kind: str, metadata: Mapping[str, Any]) -> Entries:
    for key, value in metadata.items():
        try:
            json.dumps(value, default=_json_default)
        except (TypeError, ValueError) as exc:
            raise TypeError(
                f"metadata {key!r} must be JSON-serialisable (numbers, strings, lists, dicts with "
                f"string keys; put arrays in params): {exc}"
            ) from None
    marker = {"format": "fnnet", "kind": kind, "version": FORMAT_VERSION}
    return [(FORMAT_KEY, np.array(json.dumps(marker))),
            (METADATA_KEY, np.array(json.dumps(dict(metadata), default=_json_default)))]


def _param_entries(params: Mapping[str, np.ndarray]) -> Entries:
    if not isinstance(params, Mapping):
        raise TypeError(f"params must be a dict of arrays, got {type(params).__name__}")
    entries = []
    for key, value in params.items():
        if not isinstance(key, str) or not key or key.startswith("__"):
            raise ValueError(f"params keys must be non-empty strings not starting with '__' (reserved), got {key!r}")
        if not isinstance(value, np.ndarray):
            raise TypeError(f"params[{key!r}] must be a numpy.ndarray, got {type(value).__name__}")
        _check_storable(value, f"params[{key!r}]")
        entries.append((key, value))
    return entries


def _check_storable(arr: np.ndarray, where: str) -> None:
    if arr.dtype.hasobject:
        raise TypeError(f"{where} has dtype {arr.dtype}; object arrays cannot be saved without pickle")


def _write_atomic(path: str, entries: Entries) -> None:
    """Write ``entries`` as an uncompressed ``.npz`` to a temporary file, fsync, rename over ``path``."""
    directory = os.path.dirname(os.path.abspath(path))
    tmp = os.path.join(directory, f".{os.path.basename(path)}.{secrets.token_hex(8)}.tmp")
    # 0o666 minus the umask, like any new file (a NamedTemporaryFile would be 0o600)
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    except FileNotFoundError:
        raise FileNotFoundError(
            errno.ENOENT, f"cannot save {path}: its directory {directory} does not exist", directory
        ) from None
    try:
        with os.fdopen(fd, "wb") as f:
            with zipfile.ZipFile(f, mode="w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
                for name, arr in entries:
                    with archive.open(name + ".npy", mode="w", force_zip64=True) as member:
                        np.lib.format.write_array(member, arr, allow_pickle=False)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _fsync_directory(directory)


def _fsync_directory(directory: str) -> None:
    """Make the rename durable (POSIX); a no-op where directories cannot be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# --------------------------------------------------------------------------- reading


def _read(path: str) -> Tuple[Dict[str, np.ndarray], str]:
    """Every entry of an fnnet archive (read eagerly) and its kind."""
    with open(path, "rb") as f:                       # FileNotFoundError as is
        try:
            archive = np.load(f, allow_pickle=False)
        except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
            raise ValueError(f"{path} is not a readable .npz file ({type(exc).__name__}: {exc})") from None
        if isinstance(archive, np.ndarray):
            raise ValueError(f"{path} holds a single .npy array, not an fnnet .npz archive")
        with archive:
            try:
                contents = {name: archive[name] for name in archive.files}
            except (ValueError, OSError, EOFError, KeyError, zipfile.BadZipFile, zlib.error) as exc:
                raise ValueError(f"{path} is a corrupt .npz file ({type(exc).__name__}: {exc})") from None
    if FORMAT_KEY not in contents:
        raise ValueError(
            f"{path} is an .npz file but not an fnnet file (no {FORMAT_KEY!r} marker); "
            f"it holds {sorted(contents)[:10]}"
        )
    marker = _json_entry(contents, FORMAT_KEY, path)
    if not isinstance(marker, dict) or marker.get("format") != "fnnet" or marker.get("kind") not in ("params", "checkpoint"):
        raise ValueError(f"{path} has an invalid fnnet marker {marker!r}")
    version = marker.get("version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ValueError(
            f"{path} was written in fnnet format version {version!r}; this fnnet reads versions "
            f"up to {FORMAT_VERSION}: upgrade fnnet"
        )
    return contents, marker["kind"]


def _json_entry(contents: Mapping[str, np.ndarray], key: str, path: str):
    arr = contents.get(key)
    if arr is None:
        raise ValueError(f"{path} is a corrupt fnnet file: it has no {key!r} entry")
    if arr.shape != () or arr.dtype.kind != "U":
        raise ValueError(f"{path} is a corrupt fnnet file: {key!r} is not a 0-d string array")
    try:
        return json.loads(str(arr[()]))
    except ValueError as exc:
        raise ValueError(f"{path} is a corrupt fnnet file: {key!r} is not valid JSON ({exc})") from None


def _params_from(contents: Mapping[str, np.ndarray]) -> Dict[str, np.ndarray]:
    return {key: arr for key, arr in contents.items() if not key.startswith("__")}


# --------------------------------------------------------------------------- state trees
#
# A state is stored as a JSON tree of tagged nodes, each a one-key dict:
#   {"dict": {key: node, ...}}   {"list": [node, ...]}   {"tuple": [node, ...]}
#   {"array": "__stateN__"}      an ndarray, stored as its own .npy entry
#   {"scalar": "__stateN__"}     a numpy scalar (np.float32(0.9)), stored as a 0-d array
#   {"value": v}                 a Python int, float, bool, str or None, in the JSON itself
# The tags make every kind of leaf come back as the type it was.


def _encode(node, arrays: Entries, where: str):
    if isinstance(node, Mapping):
        out = {}
        for key, value in node.items():
            if not isinstance(key, str):
                raise TypeError(f"{where} keys must be strings, got {key!r} ({type(key).__name__})")
            out[key] = _encode(value, arrays, f"{where}[{key!r}]")
        return {"dict": out}
    if isinstance(node, (list, tuple)):
        tag = "tuple" if isinstance(node, tuple) else "list"
        return {tag: [_encode(value, arrays, f"{where}[{i}]") for i, value in enumerate(node)]}
    if isinstance(node, (np.ndarray, np.generic)):      # before float: np.float64 is a float
        arr = np.asarray(node)
        _check_storable(arr, where)
        name = f"__state{len(arrays)}__"
        arrays.append((name, arr))
        return {"array" if isinstance(node, np.ndarray) else "scalar": name}
    if node is None or isinstance(node, (bool, numbers.Integral, float, str)):
        if isinstance(node, numbers.Integral) and not isinstance(node, bool):
            node = int(node)
        return {"value": node}
    raise TypeError(
        f"{where} has type {type(node).__name__}; state leaves must be ndarrays, numpy scalars, "
        "int, float, bool, str or None (in dicts, lists or tuples)"
    )


def _decode(node, contents: Mapping[str, np.ndarray]):
    (tag, value), = node.items()
    if tag == "dict":
        return {key: _decode(child, contents) for key, child in value.items()}
    if tag == "list":
        return [_decode(child, contents) for child in value]
    if tag == "tuple":
        return tuple(_decode(child, contents) for child in value)
    if tag == "array":
        return contents[value]
    if tag == "scalar":
        return contents[value][()]
    if tag == "value":
        return value
    raise ValueError(f"unknown state node tag {tag!r}")
