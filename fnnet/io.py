"""Save and load parameters and training checkpoints as ``.npz`` archives, atomically.

An fnnet file is an ordinary NumPy ``.npz`` (a zip of uncompressed ``.npy`` members) that
``np.load`` reads with ``allow_pickle=False``. It holds, in this order:

- ``"__fnnet__"``: a 0-d unicode array, the JSON marker
  ``{"format": "fnnet", "kind": ..., "version": 2, "keys": [...]}`` (``kind`` is ``"params"``
  or ``"checkpoint"``; ``keys`` lists every other member in order), so a foreign ``.npz`` is
  recognised and a member lost to damage is noticed;
- ``"__metadata__"``: a 0-d unicode array, the metadata as a JSON string;
- checkpoints only: ``"__state__"``, the optimizer state's tree as JSON;
- every params array under its own key, with its exact shape and dtype, in the dict's order;
- checkpoints only: the state's arrays under ``"__state0__"``, ``"__state1__"``, ...

Files of format version 1 (written before the key list existed) still load; for them the
members present are taken as complete, since nothing records what was written.

Paths: a path that does not end in ``.npz`` gets ``.npz`` appended, by the savers and the
loaders alike (``save_params("model", p)`` writes ``model.npz``; ``load_params("model")`` reads
it), as ``np.savez`` does; :func:`npz_path` does it. An empty path, one ending in a path
separator, or (for the savers) one naming an existing directory is a ``ValueError``.

Loading is bounded and never trusts the file. Before any member is read, the zip directory
is checked: every member must be stored uncompressed and unencrypted (as fnnet writes them;
anything else is refused, so a "zip bomb" is never expanded), and the sizes it declares must
fit in the file. The marker is read first, and every member it lists must be present. Each
``.npy`` header's shape times item size must equal the bytes the member holds, before any
array is made, so memory stays within the file's size. :func:`load_metadata` reads the marker
and the metadata only, no array. A missing file is a ``FileNotFoundError``; anything wrong
with a file is a ``ValueError`` naming it and what is wrong; nothing is ever unpickled.

Writes are atomic: the archive is written to a temporary file next to the target, named
``.<name>.npz.fnnet-tmp-<16 hex digits>`` (``.model.npz.fnnet-tmp-3f9c...`` for
``model.npz``), flushed and ``fsync``-ed, then renamed over the target with ``os.replace``.
An error raised during the write removes the temporary and leaves the previous file
untouched. A process killed mid-write (kill -9, power loss) leaves the previous file intact
and its temporary behind; the next save to the same target removes every such leftover of
that target. While writing, a saver holds an exclusive ``flock`` on its temporary, so only
temporaries whose writer has died are removed, never a concurrent writer's (on systems
without ``fcntl``, such as Windows, leftovers are not removed). Nothing else in the directory
is touched: not other targets' temporaries, not directories or links with such names, and not
the ``.<name>.npz.<hex>.tmp`` leftovers of fnnet 0.1, which cannot be told from a live write.

Saving over an existing file keeps its permission mode (a 0600 model stays 0600); a new file
gets ``0666`` minus the umask, like any new file. The owner is the saver's. A read-only target
(no write permission bit, or not writable by the current user) is refused with a
``PermissionError`` naming it, and left as it is: make it writable or remove it to replace it.
The mode bits themselves are checked, so root is refused too. A target that
is a symbolic link is followed: the file it points to is replaced, and the link is kept (a
dangling link's target is created).
"""

from __future__ import annotations

import errno
import json
import math
import numbers
import os
import re
import secrets
import stat
import struct
import zipfile
import zlib
from typing import Any, Dict, List, Mapping, Optional, Tuple

import numpy as np

try:
    import fcntl
except ImportError:                                   # Windows: no flock, no leftover removal
    fcntl = None

__all__ = ["save_params", "load_params", "load_metadata", "save_checkpoint", "load_checkpoint"]

FORMAT_KEY = "__fnnet__"
METADATA_KEY = "__metadata__"
STATE_KEY = "__state__"
#: A metadata value that is an array is stored as its own member, under this prefix and its key.
ARRAY_PREFIX = "__array__"
FORMAT_VERSION = 2
TEMP_MARK = ".fnnet-tmp-"

Entries = List[Tuple[str, np.ndarray]]

# What a damaged or hostile archive can make zipfile, zlib, the .npy header parser or json raise.
READ_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError,
               ValueError, OSError, EOFError, OverflowError, MemoryError, RecursionError,
               struct.error, zlib.error)


# --------------------------------------------------------------------------- public API


def save_params(path, params: Mapping[str, np.ndarray], /, **metadata: Any) -> str:
    """Save a dict of arrays (and JSON metadata) to an ``.npz`` file, atomically.

    Parameters
    ----------
    path : str or os.PathLike
        Target file; ``.npz`` is appended when missing. A symbolic link is followed.
    params : dict of str -> ndarray
        Any arrays (not object dtype), e.g. ``W1 (n1, n0), b1 (n1, 1), ...``. Keys must be
        non-empty strings not starting with ``"__"`` (reserved).
    **metadata
        JSON-serialisable values (numpy scalars are converted to Python numbers), e.g.
        ``activations=["relu", "sigmoid"], epoch=10``, or arrays (``input_mean=mean``), stored
        as arrays and loaded back with their dtype and shape. Tuples come back as lists. Any
        keyword is allowed, ``path`` and ``params`` included (those two arguments are
        positional-only).

    Returns
    -------
    str
        The path written (with ``.npz``).

    Raises
    ------
    ValueError
        The path is empty, ends in a separator or names a directory.
    FileNotFoundError
        The target's directory does not exist (the message names it).
    PermissionError
        The target exists and is read-only (the message names it).

    Examples
    --------
    >>> import os, tempfile, fnnet
    >>> params = fnnet.init_params([2, 3, 1], seed=0)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = fnnet.save_params(os.path.join(folder, "model"), params, activations=["relu", "sigmoid"])
    ...     print(os.path.basename(path), fnnet.load_params(path)["W1"].shape, fnnet.load_metadata(path))
    model.npz (3, 2) {'activations': ['relu', 'sigmoid']}
    """
    target = _save_target(path)
    body = _metadata_entries(metadata) + _param_entries(params)
    _write_atomic(target, _with_marker("params", body))
    return target


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
        Naming the file and what is wrong: not a readable ``.npz`` (truncated, garbage,
        damaged), an ``.npz`` without the fnnet marker, one that fnnet did not write
        (compressed or encrypted members), one missing a member its marker lists, or one
        from a newer format version.
    """
    path = npz_path(path)
    with _Archive(path) as archive:
        return {key: archive.array(key) for key in archive.param_keys()}


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
        lists (tuples come back as lists) and dicts with string keys; and the arrays given as
        metadata, as arrays (after the others). No params array is read.

    Raises
    ------
    FileNotFoundError, ValueError
        As :func:`load_params`.
    """
    path = npz_path(path)
    with _Archive(path) as archive:
        return archive.metadata()


def save_checkpoint(path, params: Mapping[str, np.ndarray], state: Mapping, /, **metadata: Any) -> str:
    """Save params, an optimizer state and metadata, atomically, to resume training later.

    Parameters
    ----------
    path : str or os.PathLike
        Target file; ``.npz`` is appended when missing. A symbolic link is followed.
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
    ValueError, FileNotFoundError, PermissionError
        As :func:`save_params`.

    Examples
    --------
    >>> import os, tempfile, fnnet
    >>> params = fnnet.init_params([2, 3, 1], seed=0)
    >>> state, gen = fnnet.init_adam(params), np.random.default_rng(0)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = fnnet.save_checkpoint(os.path.join(folder, "ckpt"), params, state, epoch=3,
    ...                                  rng_state=gen.bit_generator.state)
    ...     params, state, meta = fnnet.load_checkpoint(path)
    >>> gen.bit_generator.state = meta["rng_state"]
    >>> meta["epoch"], state["t"]
    (3, 0)
    """
    target = _save_target(path)
    if not isinstance(state, Mapping):
        raise TypeError(f"state must be a dict (an optimizer state), got {type(state).__name__}")
    state_arrays: Entries = []
    tree = _encode(state, state_arrays, "state")
    body = (_metadata_entries(metadata) + [(STATE_KEY, np.array(json.dumps(tree)))]
            + _param_entries(params) + state_arrays)
    _write_atomic(target, _with_marker("checkpoint", body))
    return target


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
    path = npz_path(path)
    with _Archive(path) as archive:
        if archive.kind != "checkpoint":
            raise ValueError(
                f"{path} holds fnnet {archive.kind}, not a checkpoint (it has no optimizer state); "
                "use load_params and load_metadata"
            )
        params = {key: archive.array(key) for key in archive.param_keys()}
        arrays = {key: archive.array(key) for key in archive.state_keys()}
        state = _decode_state(archive.json(STATE_KEY), arrays, path)
        return params, state, archive.metadata()


# --------------------------------------------------------------------------- paths


def npz_path(path) -> str:
    """``path`` as a string, with ``.npz`` appended unless it already ends so.

    Parameters
    ----------
    path : str, bytes or os.PathLike
        A file name; not empty and not ending in a path separator.

    Returns
    -------
    str

    Examples
    --------
    >>> npz_path("model"), npz_path("model.npz"), npz_path("run.v2")
    ('model.npz', 'model.npz', 'run.v2.npz')
    """
    try:
        path = os.fsdecode(os.fspath(path))
    except TypeError:
        raise TypeError(f"path must be a str or os.PathLike, got {type(path).__name__}") from None
    if not path:
        raise ValueError("path must name a file, got an empty path ''")
    if path.endswith(tuple(sep for sep in (os.sep, os.altsep) if sep)):
        raise ValueError(f"path must name a file, got {path!r}, which ends in a path separator")
    return path if path.endswith(".npz") else path + ".npz"


_npz_path = npz_path      # the old name, still imported by fnnet.train


def _save_target(path) -> str:
    """The ``.npz`` path to save to, refusing a path that names a directory."""
    target = npz_path(path)
    for name in (os.fsdecode(os.fspath(path)), target):
        if os.path.isdir(name):
            raise ValueError(f"cannot save to {name}: it is a directory; give a file name "
                             f"such as {os.path.join(name, 'model.npz')}")
    return target


def _real_file(target: str) -> str:
    """The file a save replaces: the target, or the file a symbolic link points to."""
    if not os.path.islink(target):
        return os.path.abspath(target)
    real = os.path.realpath(target)
    if os.path.islink(real):                          # realpath stops where links loop
        raise ValueError(f"cannot save {target}: it is a symbolic link that loops")
    if os.path.isdir(real):
        raise ValueError(f"cannot save {target}: it is a symbolic link to the directory {real}")
    return real


def _mode_to_keep(real: str, target: str) -> Optional[int]:
    """The permission bits of the file being replaced (``None`` if there is none yet).

    A read-only file is refused. The write bits are checked themselves, not only
    ``os.access``, because root may write anything.
    """
    try:
        info = os.stat(real)
    except FileNotFoundError:
        return None
    if not stat.S_ISREG(info.st_mode):
        raise ValueError(f"cannot save {target}: it exists and is not a regular file")
    mode = stat.S_IMODE(info.st_mode)
    if not mode & 0o222 or not os.access(real, os.W_OK):
        raise PermissionError(
            errno.EACCES, f"cannot save {target}: it is read-only (mode {mode:04o}); "
            "make it writable (chmod u+w) or remove it to replace it", target)
    return mode


# --------------------------------------------------------------------------- writing


def _json_default(value):
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    raise TypeError(f"{type(value).__name__} is not JSON-serialisable")


def _metadata_entries(metadata: Mapping[str, Any]) -> Entries:
    """The JSON metadata entry, then one entry per metadata value that is an array."""
    values, arrays = {}, []
    for key, value in metadata.items():
        if isinstance(value, np.ndarray):
            _check_storable(value, f"metadata {key!r}")
            arrays.append((ARRAY_PREFIX + key, value))
            continue
        try:
            json.dumps(value, default=_json_default)
        except (TypeError, ValueError) as exc:
            raise TypeError(
                f"metadata {key!r} must be JSON-serialisable (numbers, strings, lists, dicts with "
                f"string keys) or an array given as a metadata value of its own (meta=array): {exc}"
            ) from None
        values[key] = value
    return [(METADATA_KEY, np.array(json.dumps(values, default=_json_default)))] + arrays


def _with_marker(kind: str, body: Entries) -> Entries:
    """``body`` preceded by the marker that names its kind and lists its keys."""
    marker = {"format": "fnnet", "kind": kind, "version": FORMAT_VERSION,
              "keys": [key for key, _ in body]}
    return [(FORMAT_KEY, np.array(json.dumps(marker)))] + body


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
    try:
        "".join(arr.dtype.names or ()).encode("latin-1")
    except UnicodeEncodeError:
        # such names need .npy format 3.0, which the loader does not read
        raise TypeError(f"{where} has field names {arr.dtype.names} that are not Latin-1") from None


def _write_atomic(target: str, entries: Entries) -> None:
    """Write ``entries`` as a stored ``.npz`` to a locked temporary, fsync, rename over the file."""
    real = _real_file(target)
    mode = _mode_to_keep(real, target)
    _remove_abandoned_temporaries(real)
    fd, tmp = _create_locked_temporary(real, target)
    try:
        if mode is not None:
            _set_mode(fd, tmp, mode)
        with os.fdopen(fd, "wb", closefd=False) as f:
            _write_archive(f, entries)
            f.flush()
            os.fsync(fd)
        os.replace(tmp, real)
    except BaseException as exc:
        _unlink_quietly(tmp)
        if isinstance(exc, OSError):
            raise _naming_target(exc, target) from None
        raise
    finally:
        os.close(fd)                                  # releases the lock after the rename
    _fsync_directory(os.path.dirname(real))


def _set_mode(fd: int, tmp: str, mode: int) -> None:
    if hasattr(os, "fchmod"):
        os.fchmod(fd, mode)
    else:                                             # Windows before Python 3.13
        os.chmod(tmp, mode)


def _write_archive(f, entries: Entries) -> None:
    with zipfile.ZipFile(f, mode="w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for name, arr in entries:
            with archive.open(name + ".npy", mode="w", force_zip64=True) as member:
                np.lib.format.write_array(member, arr, allow_pickle=False)


def _naming_target(exc: OSError, target: str) -> OSError:
    """The same kind of error, its message naming the target instead of the temporary."""
    if exc.errno is None:
        return type(exc)(f"cannot save {target}: {exc}")
    return type(exc)(exc.errno, f"cannot save {target}: {exc.strerror}")


def _unlink_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


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


# --------------------------------------------------------------------------- temporaries
#
# A saver holds an exclusive flock on its temporary from just after creating it until after
# the rename. A temporary that can be locked by someone else therefore has no live writer.
# Creating and locking are two steps: a remover may lock and delete a temporary in between,
# so the saver checks, once it holds the lock, that its name still leads to its file.


def _temporary_pattern(real: str) -> "re.Pattern[str]":
    return re.compile(re.escape("." + os.path.basename(real) + TEMP_MARK) + "[0-9a-f]{16}")


def _create_locked_temporary(real: str, target: str) -> Tuple[int, str]:
    directory, name = os.path.split(real)
    while True:
        tmp = os.path.join(directory, f".{name}{TEMP_MARK}{secrets.token_hex(8)}")
        try:
            # 0o666 minus the umask, like any new file (a NamedTemporaryFile would be 0o600)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
        except FileNotFoundError:
            raise FileNotFoundError(
                errno.ENOENT, f"cannot save {target}: its directory {directory} does not exist", directory
            ) from None
        except OSError as exc:
            raise _naming_target(exc, target) from None
        if fcntl is None:
            return fd, tmp
        fcntl.flock(fd, fcntl.LOCK_EX)
        if _still_named(fd, tmp):
            return fd, tmp
        os.close(fd)                                  # removed before we locked it: next name


def _still_named(fd: int, path: str) -> bool:
    try:
        named = os.stat(path, follow_symlinks=False)
    except FileNotFoundError:
        return False
    return os.path.samestat(named, os.fstat(fd))


def _remove_abandoned_temporaries(real: str) -> None:
    """Remove the temporaries that dead savers left next to ``real`` (POSIX only)."""
    if fcntl is None:
        return
    directory = os.path.dirname(real)
    pattern = _temporary_pattern(real)
    try:
        names = os.listdir(directory)
    except OSError:
        return                                        # the write itself will report it
    for name in names:
        if pattern.fullmatch(name):
            _remove_if_abandoned(os.path.join(directory, name))


def _remove_if_abandoned(path: str) -> None:
    """Delete ``path`` if it is a regular file nobody holds locked."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return                                    # a live saver is writing it
        if _still_named(fd, path):
            _unlink_quietly(path)
    finally:
        os.close(fd)


# --------------------------------------------------------------------------- reading


class _Archive:
    """An fnnet file opened for reading: its directory checked, its marker read first.

    Members are read one at a time, on request, each checked against the size it declares.
    """

    def __init__(self, path: str):
        self.path = path
        self._file = self._open()
        try:
            self._zip = self._zipfile()
            self._members = self._directory()
            self.kind, self.keys = self._marker()
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> "_Archive":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        if getattr(self, "_zip", None) is not None:
            self._zip.close()
        self._file.close()

    # --- opening, in the order the checks run

    def _open(self):
        try:
            f = open(self.path, "rb")                 # FileNotFoundError as is
        except IsADirectoryError:
            raise ValueError(f"{self.path} is a directory, not an fnnet file") from None
        if f.read(len(np.lib.format.MAGIC_PREFIX)) == np.lib.format.MAGIC_PREFIX:
            f.close()
            raise ValueError(f"{self.path} holds a single .npy array, not an fnnet .npz archive")
        f.seek(0)
        return f

    def _zipfile(self) -> zipfile.ZipFile:
        try:
            return zipfile.ZipFile(self._file)
        except READ_ERRORS as exc:
            raise ValueError(f"{self.path} is not a readable .npz file ({_reason(exc)})") from None

    def _directory(self) -> Dict[str, zipfile.ZipInfo]:
        """Each member's key -> its entry, once every entry's declared sizes fit the file."""
        infos = self._zip.infolist()
        members = _members_by_key(infos, self.path)
        if FORMAT_KEY not in members:
            raise ValueError(
                f"{self.path} is an .npz file but not an fnnet file (no {FORMAT_KEY!r} marker); "
                f"it holds {sorted(members)[:10]}"
            )
        size = os.fstat(self._file.fileno()).st_size
        for info in infos:
            _check_entry(info, size, self.path)
        declared = sum(info.compress_size for info in infos)
        if declared > size:
            raise ValueError(f"{self.path} is a corrupt .npz file: its members declare {declared} "
                             f"bytes in all, more than the file's {size}")
        return members

    def _marker(self) -> Tuple[str, List[str]]:
        marker = self.json(FORMAT_KEY)
        if (not isinstance(marker, dict) or marker.get("format") != "fnnet"
                or marker.get("kind") not in ("params", "checkpoint")):
            raise ValueError(f"{self.path} has an invalid fnnet marker {_short(marker)}")
        version = marker.get("version")
        if type(version) is not int or version < 1:
            raise ValueError(f"{self.path} has an invalid fnnet marker {_short(marker)}")
        if version > FORMAT_VERSION:
            raise ValueError(
                f"{self.path} was written in fnnet format version {version!r}; this fnnet reads "
                f"versions up to {FORMAT_VERSION}: upgrade fnnet"
            )
        present = [key for key in self._members if key != FORMAT_KEY]
        keys = present if version == 1 else _listed_keys(marker, self.path)
        _check_complete(keys, present, self.path)
        return marker["kind"], keys

    # --- members

    def param_keys(self) -> List[str]:
        return [key for key in self.keys if not key.startswith("__")]

    def state_keys(self) -> List[str]:
        return [key for key in self.keys if key.startswith("__state") and key != STATE_KEY]

    def array(self, key: str) -> np.ndarray:
        info = self._members.get(key)
        if info is None:
            raise ValueError(f"{self.path} is a corrupt fnnet file: it has no {key!r} entry")
        try:
            return self._read_member(info)
        except READ_ERRORS as exc:
            raise ValueError(
                f"{self.path} is a corrupt .npz file: member {info.filename!r}: {_reason(exc)}"
            ) from None

    def metadata(self) -> Dict[str, Any]:
        """The JSON metadata, then the arrays saved as metadata values."""
        metadata = self.json(METADATA_KEY)
        if not isinstance(metadata, dict):
            raise ValueError(f"{self.path} is a corrupt fnnet file: its metadata is not a JSON object")
        arrays = [key for key in self.keys if key.startswith(ARRAY_PREFIX)]
        metadata.update({key[len(ARRAY_PREFIX):]: self.array(key) for key in arrays})
        return metadata

    def json(self, key: str):
        arr = self.array(key)
        if arr.shape != () or arr.dtype.kind != "U":
            raise ValueError(f"{self.path} is a corrupt fnnet file: {key!r} is not a 0-d string array")
        try:
            return json.loads(str(arr[()]))
        except (ValueError, RecursionError, MemoryError) as exc:
            raise ValueError(
                f"{self.path} is a corrupt fnnet file: {key!r} is not valid JSON ({_reason(exc)})"
            ) from None

    def _read_member(self, info: zipfile.ZipInfo) -> np.ndarray:
        with self._zip.open(info) as member:
            shape, fortran_order, dtype = _npy_header(member)
            data_size = info.file_size - member.tell()
        _check_declared_size(shape, dtype, data_size)
        with self._zip.open(info) as member:
            arr = np.lib.format.read_array(member, allow_pickle=False)
            member.read(1)                            # at the end: zipfile checks the CRC-32
        return arr


def _members_by_key(infos: List[zipfile.ZipInfo], path: str) -> Dict[str, zipfile.ZipInfo]:
    members: Dict[str, zipfile.ZipInfo] = {}
    for info in infos:
        if not info.filename.endswith(".npy"):
            raise ValueError(f"{path} is not an fnnet file: member {info.filename!r} is not a .npy array")
        key = info.filename[: -len(".npy")]
        if key in members:
            raise ValueError(f"{path} is a corrupt .npz file: it has two members named {info.filename!r}")
        members[key] = info
    return members


def _check_entry(info: zipfile.ZipInfo, size: int, path: str) -> None:
    """Refuse an entry fnnet cannot have written, or one that claims more than the file holds."""
    where = f"{path}: member {info.filename!r}"
    if info.flag_bits & 0x1:
        raise ValueError(f"{where} is encrypted; fnnet never writes encrypted members")
    if info.compress_type != zipfile.ZIP_STORED:
        raise ValueError(f"{where} is compressed (zip method {info.compress_type}); fnnet writes "
                         "uncompressed members only and does not expand compressed ones")
    if info.file_size != info.compress_size:
        raise ValueError(f"{path} is a corrupt .npz file: uncompressed member {info.filename!r} "
                         f"declares {info.file_size} bytes but stores {info.compress_size}")
    if info.header_offset + info.compress_size > size:
        raise ValueError(f"{path} is a corrupt .npz file: member {info.filename!r} declares "
                         f"{info.compress_size} bytes at offset {info.header_offset}, beyond the "
                         f"file's {size} bytes")


def _listed_keys(marker: dict, path: str) -> List[str]:
    keys = marker.get("keys")
    if (not isinstance(keys, list) or not all(isinstance(key, str) for key in keys)
            or len(set(keys)) != len(keys) or FORMAT_KEY in keys):
        raise ValueError(f"{path} has an invalid fnnet marker: 'keys' is not a list of distinct "
                         "member names")
    return keys


def _check_complete(keys: List[str], present: List[str], path: str) -> None:
    missing = [key for key in keys if key not in present]
    if missing:
        raise ValueError(f"{path} is incomplete or damaged: its marker lists {len(keys)} members, "
                         f"but {_listing(missing)} are missing from the zip directory")
    unlisted = [key for key in present if key not in keys]
    if unlisted:
        raise ValueError(f"{path} is not as fnnet wrote it: it has members its marker does not "
                         f"list: {_listing(unlisted)}")
    if METADATA_KEY not in keys:
        raise ValueError(f"{path} is a corrupt fnnet file: it has no {METADATA_KEY!r} entry")


class _BadMember(ValueError):
    """A member that parses but is not what fnnet writes (its message says why)."""


def _npy_header(member) -> Tuple[tuple, bool, np.dtype]:
    """Shape, Fortran order and dtype from a ``.npy`` header (versions 1.0 and 2.0)."""
    version = np.lib.format.read_magic(member)
    readers = {(1, 0): np.lib.format.read_array_header_1_0,
               (2, 0): np.lib.format.read_array_header_2_0}
    if version not in readers:
        raise _BadMember(f".npy format version {version[0]}.{version[1]}, which fnnet does not write")
    shape, fortran_order, dtype = readers[version](member)
    if dtype.hasobject:
        raise _BadMember(f"it holds Python objects (dtype {dtype}), which fnnet never writes or reads")
    if any(n < 0 for n in shape):
        raise _BadMember(f"its header declares the negative shape {shape}")
    return shape, fortran_order, dtype


def _check_declared_size(shape: tuple, dtype: np.dtype, data_size: int) -> None:
    declared = math.prod(shape) * dtype.itemsize     # Python ints: no overflow
    if declared != data_size:
        raise _BadMember(f"its header declares shape {_short(shape)} of {dtype} ({declared} bytes) "
                         f"but it holds {data_size} bytes of data")


def _reason(exc: BaseException) -> str:
    """``Type: first line of the message``; never NumPy's advice on loading unsafely."""
    if isinstance(exc, _BadMember):
        return str(exc)
    lines = str(exc).strip().splitlines()
    text = lines[0] if lines else ""
    if "pickle" in text.lower() or "unsafe" in text.lower():
        text = "an unreadable .npy header"
    return f"{type(exc).__name__}: {_short(text)}"


def _short(value, limit: int = 200) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


def _listing(keys: List[str], limit: int = 10) -> str:
    shown = ", ".join(repr(key) for key in keys[:limit])
    return shown + (f" and {len(keys) - limit} more" if len(keys) > limit else "")


def _decode_state(tree, arrays: Mapping[str, np.ndarray], path: str):
    try:
        return _decode(tree, arrays)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, RecursionError) as exc:
        raise ValueError(f"{path}: corrupt checkpoint state ({_reason(exc)})") from None


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


def _decode(node, arrays: Mapping[str, np.ndarray]):
    (tag, value), = node.items()
    if tag == "dict":
        return {key: _decode(child, arrays) for key, child in value.items()}
    if tag == "list":
        return [_decode(child, arrays) for child in value]
    if tag == "tuple":
        return tuple(_decode(child, arrays) for child in value)
    if tag == "array":
        return arrays[value]
    if tag == "scalar":
        return arrays[value][()]
    if tag == "value":
        return value
    raise ValueError(f"unknown state node tag {tag!r}")

