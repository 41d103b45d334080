"""Saving keeps protection and cleans up: modes, read-only files, symlinks, paths, temporaries, kill -9."""

import errno
import fcntl
import os
import pathlib
import re
import signal
import stat
import subprocess
import sys
import tempfile
import textwrap
import time

import numpy as np
import pytest

import fnnet
from fnnet import io as io_module

TEMP = re.compile(r"\.(?P<target>.+)\.fnnet-tmp-[0-9a-f]{16}")
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def small_params(seed=0):
    return fnnet.init_params([3, 4, 2], seed=seed)


def mode_of(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def temporaries(directory):
    return sorted(name for name in os.listdir(directory) if TEMP.fullmatch(name))


SAVERS = {
    "params": lambda path, p: fnnet.save_params(path, p, note="x"),
    "checkpoint": lambda path, p: fnnet.save_checkpoint(path, p, {"t": 1}, note="x"),
}


# --------------------------------------------------------------------------- permission modes


@pytest.mark.parametrize("saver", list(SAVERS))
@pytest.mark.parametrize("mode", [0o600, 0o640, 0o604, 0o700], ids=oct)
def test_resave_keeps_the_mode(tmp_path, saver, mode):
    path = tmp_path / "m.npz"
    SAVERS[saver](path, small_params(0))
    os.chmod(path, mode)
    SAVERS[saver](path, small_params(1))
    assert mode_of(path) == mode
    np.testing.assert_array_equal(fnnet.load_params(path)["W1"], small_params(1)["W1"])


@pytest.mark.parametrize("mode", [0o444, 0o400, 0o440, 0o000], ids=oct)
@pytest.mark.parametrize("saver", list(SAVERS))
def test_read_only_target_refused(tmp_path, saver, mode):
    """Refused like ``cp`` without -f; the mode bits are checked, so root is refused as well."""
    path = tmp_path / "m.npz"
    SAVERS[saver](path, small_params(0))
    before = path.read_bytes()
    os.chmod(path, mode)
    try:
        with pytest.raises(PermissionError, match=re.escape(
                f"cannot save {path}: it is read-only (mode {mode:04o}); make it writable")) as info:
            SAVERS[saver](path, small_params(1))
        assert info.value.errno == errno.EACCES and info.value.filename == str(path)
        assert "fnnet-tmp" not in str(info.value)
        assert path.read_bytes() == before and mode_of(path) == mode
        assert os.listdir(tmp_path) == ["m.npz"]
    finally:
        os.chmod(path, 0o600)


def as_other_user(code, directory):
    """Run ``code`` in a child that imports fnnet, then drops root to the user 'nobody'."""
    if not IS_ROOT:
        pytest.skip("needs root to act as another user (as a plain user, these files cannot be made)")
    # everything the child needs is imported before it drops to another user, who may not read
    # the virtual environment (CI makes it in a private temporary directory)
    script = ("import os, sys, fnnet, numpy.random\nfnnet.init_params([2, 1], seed=0)\n"
              "os.setgid(65534)\nos.setuid(65534)\n" + textwrap.dedent(code))
    return subprocess.run([sys.executable, "-c", script], cwd=directory, capture_output=True, text=True, timeout=120)


def _others_can_enter(path) -> bool:
    """Whether every directory from ``path`` up to ``/`` lets other users through (o+x)."""
    path = os.path.realpath(path)
    while True:
        if not os.stat(path).st_mode & stat.S_IXOTH:
            return False
        parent = os.path.dirname(path)
        if parent == path:
            return True
        path = parent


def directory_others_reach() -> str:
    """A new directory another user can reach: in the temporary directory, unless that is
    private (TMPDIR of mode 0700, as sandboxes and some CI runners set); then in the first
    shared one. Skips when there is none."""
    for parent in (tempfile.gettempdir(), "/tmp", "/var/tmp", "/dev/shm"):
        if os.path.isdir(parent) and _others_can_enter(parent):
            return tempfile.mkdtemp(dir=parent)
    pytest.skip(f"no directory another user can reach: the temporary directory {tempfile.gettempdir()} "
                "and /tmp, /var/tmp, /dev/shm are private or missing")


def test_a_private_tmpdir_still_gives_a_directory_others_reach(tmp_path, monkeypatch):
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    directory = directory_others_reach()
    try:
        assert not directory.startswith(str(private)) and _others_can_enter(directory.rsplit("/", 1)[0])
    finally:
        os.rmdir(directory)


def test_target_not_writable_by_this_user_refused():
    """A 0644 file of another owner in a directory anyone may write: os.replace would succeed."""
    directory = directory_others_reach()
    try:
        os.chmod(directory, 0o777)
        path = os.path.join(directory, "theirs.npz")
        fnnet.save_params(path, small_params(0))
        os.chmod(path, 0o644)
        before = pathlib.Path(path).read_bytes()
        child = as_other_user(f"""
            try:
                fnnet.save_params({path!r}, fnnet.init_params([2, 1], seed=0))
            except PermissionError as exc:
                print(exc)
            """, directory)
        assert child.returncode == 0, child.stderr
        assert child.stdout.strip() == f"[Errno 13] cannot save {path}: it is read-only (mode 0644); " \
                                       "make it writable (chmod u+w) or remove it to replace it: '{}'".format(path)
        assert pathlib.Path(path).read_bytes() == before
        assert os.listdir(directory) == ["theirs.npz"]
    finally:
        for name in os.listdir(directory):
            os.unlink(os.path.join(directory, name))
        os.rmdir(directory)


def test_unwritable_directory_error_names_the_target_not_the_temporary():
    directory = directory_others_reach()
    try:
        os.chmod(directory, 0o755)
        path = os.path.join(directory, "new.npz")
        child = as_other_user(f"""
            try:
                fnnet.save_params({path!r}, fnnet.init_params([2, 1], seed=0))
            except PermissionError as exc:
                print(exc)
            """, "/")
        assert child.returncode == 0, child.stderr
        assert child.stdout.strip() == f"[Errno 13] cannot save {path}: Permission denied"
        assert os.listdir(directory) == []
    finally:
        os.rmdir(directory)


# --------------------------------------------------------------------------- symbolic links


def test_symlink_target_is_written_and_the_link_kept(tmp_path):
    (tmp_path / "real").mkdir()
    real = tmp_path / "real" / "model.npz"
    fnnet.save_params(real, small_params(0))
    os.chmod(real, 0o600)
    link = tmp_path / "current.npz"
    link.symlink_to(os.path.join("real", "model.npz"))          # relative, as users make them
    assert fnnet.save_params(link, small_params(1)) == str(link)
    assert link.is_symlink() and os.readlink(link) == os.path.join("real", "model.npz")
    assert mode_of(real) == 0o600
    np.testing.assert_array_equal(fnnet.load_params(real)["W1"], small_params(1)["W1"])
    assert sorted(os.listdir(tmp_path)) == ["current.npz", "real"]
    assert os.listdir(tmp_path / "real") == ["model.npz"]


def test_dangling_symlink_creates_its_target(tmp_path):
    link = tmp_path / "link.npz"
    link.symlink_to(tmp_path / "made.npz")
    fnnet.save_checkpoint(link, small_params(0), {"t": 2})
    assert link.is_symlink() and (tmp_path / "made.npz").is_file()
    assert fnnet.load_checkpoint(link)[1] == {"t": 2}


def test_symlink_loop_and_link_to_directory_refused(tmp_path):
    (tmp_path / "a.npz").symlink_to(tmp_path / "b.npz")
    (tmp_path / "b.npz").symlink_to(tmp_path / "a.npz")
    loop = f"cannot save {tmp_path / 'a.npz'}: it is a symbolic link that loops"
    with pytest.raises(ValueError, match=re.escape(loop)):
        fnnet.save_params(tmp_path / "a.npz", small_params())
    (tmp_path / "d").mkdir()
    (tmp_path / "d.npz").symlink_to(tmp_path / "d")
    with pytest.raises(ValueError, match=re.escape(f"cannot save to {tmp_path / 'd.npz'}: it is a directory")):
        fnnet.save_params(tmp_path / "d.npz", small_params())
    assert sorted(os.listdir(tmp_path)) == ["a.npz", "b.npz", "d", "d.npz"]


# --------------------------------------------------------------------------- paths


@pytest.mark.parametrize("saver", list(SAVERS))
def test_directory_paths_refused(tmp_path, monkeypatch, saver):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "runs").mkdir()
    (tmp_path / "box.npz").mkdir()
    cases = [
        ("", "path must name a file, got an empty path ''"),
        ("runs/", "path must name a file, got 'runs/', which ends in a path separator"),
        (f"{tmp_path}/", f"path must name a file, got '{tmp_path}/', which ends in a path separator"),
        ("runs", "cannot save to runs: it is a directory; give a file name such as "
                 + os.path.join("runs", "model.npz")),
        ("box", "cannot save to box.npz: it is a directory"),
        ("box.npz", "cannot save to box.npz: it is a directory"),
        (".", "cannot save to .: it is a directory"),
    ]
    for given, message in cases:
        with pytest.raises(ValueError, match=re.escape(message)):
            SAVERS[saver](given, small_params())
    assert sorted(os.listdir(tmp_path)) == ["box.npz", "runs"]
    assert os.listdir(tmp_path / "runs") == [] and os.listdir(tmp_path / "box.npz") == []


@pytest.mark.parametrize("load", [fnnet.load_params, fnnet.load_metadata, fnnet.load_checkpoint])
def test_loaders_refuse_empty_and_directory_paths(tmp_path, load):
    with pytest.raises(ValueError, match="path must name a file, got an empty path"):
        load("")
    with pytest.raises(ValueError, match="ends in a path separator"):
        load(f"{tmp_path}/")
    (tmp_path / "box.npz").mkdir()
    with pytest.raises(ValueError, match=re.escape(f"{tmp_path / 'box.npz'} is a directory, not an fnnet file")):
        load(tmp_path / "box")


def test_npz_path_is_public_and_the_old_name_remains():
    assert io_module.npz_path("a") == "a.npz" and io_module.npz_path(b"a.npz") == "a.npz"
    assert io_module._npz_path is io_module.npz_path
    with pytest.raises(TypeError, match="path must be a str or os.PathLike, got int"):
        io_module.npz_path(3)


def test_not_a_regular_file_refused(tmp_path):
    fifo = tmp_path / "pipe.npz"
    os.mkfifo(fifo)
    with pytest.raises(ValueError, match=re.escape(f"cannot save {fifo}: it exists and is not a regular file")):
        fnnet.save_params(fifo, small_params())


# --------------------------------------------------------------------------- errors name the target


@pytest.mark.parametrize("broken, errno_", [("fsync", errno.EIO), ("replace", errno.ENOSPC), ("fchmod", errno.EPERM)])
def test_write_errors_name_the_target(tmp_path, monkeypatch, broken, errno_):
    path = tmp_path / "m.npz"
    fnnet.save_params(path, small_params(0))
    before = path.read_bytes()

    def fail(*args):
        raise OSError(errno_, os.strerror(errno_), str(args[0]))

    monkeypatch.setattr(os, broken, fail)
    with pytest.raises(OSError, match=re.escape(f"cannot save {path}: {os.strerror(errno_)}")) as info:
        fnnet.save_params(path, small_params(1))
    monkeypatch.undo()
    assert info.value.errno == errno_
    assert "fnnet-tmp" not in str(info.value) and info.value.filename is None
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["m.npz"]


# --------------------------------------------------------------------------- leftover temporaries


def leftover(directory, target="m.npz", hex_digits="0123456789abcdef", content=b"half a checkpoint"):
    path = os.path.join(directory, f".{target}.fnnet-tmp-{hex_digits}")
    with open(path, "wb") as f:
        f.write(content)
    return path


def test_next_save_removes_abandoned_temporaries_of_that_target_only(tmp_path):
    removed = [leftover(tmp_path, hex_digits="0123456789abcdef"), leftover(tmp_path, hex_digits="fedcba9876543210")]
    kept = [
        leftover(tmp_path, target="other.npz"),                          # another target's
        leftover(tmp_path, hex_digits="0123456789abcdeX"),               # not 16 hex digits
        leftover(tmp_path, hex_digits="0123456789abcde"),
        leftover(tmp_path, hex_digits="0123456789ABCDEF"),
        str(tmp_path / "m.npz.fnnet-tmp-0123456789abcdef"),              # not hidden
        str(tmp_path / ".m.npz.0123456789abcdef.tmp"),                   # fnnet 0.1's pattern
    ]
    for path in kept[-2:]:
        open(path, "wb").close()
    as_dir = tmp_path / ".m.npz.fnnet-tmp-aaaaaaaaaaaaaaaa"
    as_dir.mkdir()
    (tmp_path / "precious").write_bytes(b"keep me")
    as_link = tmp_path / ".m.npz.fnnet-tmp-bbbbbbbbbbbbbbbb"
    as_link.symlink_to(tmp_path / "precious")
    fnnet.save_params(tmp_path / "m", small_params())
    for path in removed:
        assert not os.path.exists(path)
    for path in kept:
        assert os.path.exists(path), path
    assert as_dir.is_dir() and as_link.is_symlink() and (tmp_path / "precious").read_bytes() == b"keep me"
    np.testing.assert_array_equal(fnnet.load_params(tmp_path / "m")["W1"], small_params()["W1"])


def test_a_live_writers_temporary_is_left_alone(tmp_path):
    busy = leftover(tmp_path)
    with open(busy, "rb") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)               # as a saver holds its own
        fnnet.save_params(tmp_path / "m", small_params(0))
        assert os.path.exists(busy)
    fnnet.save_params(tmp_path / "m", small_params(1))           # lock released: the writer is gone
    assert not os.path.exists(busy)
    assert os.listdir(tmp_path) == ["m.npz"]


def test_temporaries_of_a_symlinked_target_are_beside_the_real_file(tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "link.npz").symlink_to(tmp_path / "real" / "model.npz")
    stale = leftover(tmp_path / "real", target="model.npz")
    fnnet.save_params(tmp_path / "link.npz", small_params())
    assert not os.path.exists(stale)
    assert os.listdir(tmp_path / "real") == ["model.npz"]


def test_saver_retries_when_its_temporary_is_removed_before_it_locks(tmp_path, monkeypatch):
    """The window between creating and locking: a remover may delete the file there."""
    real_flock = fcntl.flock
    calls = []

    def flock_after_a_remover(fd, operation):
        calls.append(operation)
        if len(calls) == 1:
            (name,) = temporaries(tmp_path)
            os.unlink(tmp_path / name)                          # what a remover would do
        return real_flock(fd, operation)

    monkeypatch.setattr(io_module.fcntl, "flock", flock_after_a_remover)
    fnnet.save_params(tmp_path / "m", small_params())
    monkeypatch.undo()
    assert calls == [fcntl.LOCK_EX, fcntl.LOCK_EX]
    assert os.listdir(tmp_path) == ["m.npz"]
    np.testing.assert_array_equal(fnnet.load_params(tmp_path / "m")["W1"], small_params()["W1"])


def test_concurrent_savers_never_remove_each_others_temporary(tmp_path):
    path = tmp_path / "shared.npz"
    script = textwrap.dedent(f"""
        import sys, numpy as np, fnnet
        params = {{"W1": np.full((200, 300), float(sys.argv[1]))}}
        for i in range(60):
            fnnet.save_params({str(path)!r}, params, writer=int(sys.argv[1]), i=i)
        """)
    children = [subprocess.Popen([sys.executable, "-c", script, str(k)], stderr=subprocess.PIPE, text=True)
                for k in range(3)]
    errors = [child.communicate(timeout=300)[1] for child in children]
    assert [child.returncode for child in children] == [0, 0, 0], errors
    assert os.listdir(tmp_path) == ["shared.npz"]
    meta = fnnet.load_metadata(path)
    assert meta["i"] == 59
    assert np.all(fnnet.load_params(path)["W1"] == meta["writer"])


# --------------------------------------------------------------------------- kill -9 mid-write

KILLED_WRITER = """
import sys, numpy as np, fnnet
path = sys.argv[1]
fnnet.save_checkpoint(path, fnnet.init_params([3, 4, 2], seed=0), {"t": 0}, round=0)
big = {"W1": np.ones((3000, 2000)), "b1": np.zeros((3000, 1))}
print("ready", flush=True)
i = 0
while True:
    i += 1
    fnnet.save_checkpoint(path, big, {"t": i, "m": {"W1": np.ones((3000, 2000))}}, round=i)
"""


def kill_mid_write(path):
    """Start a child that saves large checkpoints to ``path`` forever; SIGKILL it mid-write."""
    directory = os.path.dirname(path)
    before = set(temporaries(directory))
    child = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, path], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline() == "ready\n"
        give_up = time.monotonic() + 120                       # a guard against hanging, not a timing
        while not set(temporaries(directory)) - before:        # the child is writing one now
            if child.poll() is not None or time.monotonic() > give_up:
                pytest.fail(f"no temporary named .<name>.npz.fnnet-tmp-<hex> appeared (writer: {child.returncode})")
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.kill()
        child.wait(timeout=60)
        child.stdout.close()
    assert child.returncode == -signal.SIGKILL
    return set(temporaries(directory)) - before


def assert_intact_checkpoint(path):
    params, state, meta = fnnet.load_checkpoint(path)
    if meta["round"] == 0:
        np.testing.assert_array_equal(params["W1"], fnnet.init_params([3, 4, 2], seed=0)["W1"])
        assert state == {"t": 0}
    else:
        assert params["W1"].shape == (3000, 2000) and np.all(params["W1"] == 1.0)
        assert state["t"] == meta["round"] and np.all(state["m"]["W1"] == 1.0)


def test_kill_9_mid_write_leaves_the_previous_file_and_the_next_save_cleans_up(tmp_path):
    path = str(tmp_path / "ckpt.npz")
    for _ in range(5):                                         # a kill can land just after a rename
        left = kill_mid_write(path)
        assert_intact_checkpoint(path)                         # the previous file, complete
        if left:
            break
    assert len(left) == 1 and temporaries(tmp_path) == sorted(left)
    assert TEMP.fullmatch(left.pop()).group("target") == "ckpt.npz"
    fnnet.save_checkpoint(path, small_params(5), {"t": 9})
    assert os.listdir(tmp_path) == ["ckpt.npz"]
    assert fnnet.load_checkpoint(path)[1] == {"t": 9}
