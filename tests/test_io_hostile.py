"""Loading files fnnet did not write, or wrote and something damaged: bounded, complete, honest.

Each archive here is crafted byte by byte (zip records packed with struct), so a test states
exactly which field lies. Every one must end in a ValueError that names the file and says what
is wrong, without reading more than the file holds and without advice to unpickle anything.
"""

import io
import json
import pickle
import re
import struct
import tracemalloc
import zipfile
import zlib

import numpy as np
import pytest

import fnnet

LOADERS = [fnnet.load_params, fnnet.load_metadata, fnnet.load_checkpoint]
LOADER_IDS = ["load_params", "load_metadata", "load_checkpoint"]


# --------------------------------------------------------------------------- crafting


def npy_bytes(arr):
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, arr, allow_pickle=False)
    return buffer.getvalue()


def npy_header(shape, descr="<f8"):
    """A bare .npy header (no data) declaring ``shape`` of ``descr``."""
    buffer = io.BytesIO()
    header = {"descr": descr, "fortran_order": False, "shape": shape}
    np.lib.format.write_array_header_1_0(buffer, header)
    return buffer.getvalue()


def marker(keys, kind="params", version=2):
    text = json.dumps({"format": "fnnet", "kind": kind, "version": version, "keys": keys})
    return npy_bytes(np.array(text))


def fnnet_members(extra, kind="params"):
    """The marker and metadata members of an fnnet file, then ``extra`` (name, npy bytes) pairs."""
    keys = ["__metadata__"] + [name[:-4] for name, _ in extra]
    return [("__fnnet__.npy", marker(keys, kind)), ("__metadata__.npy", npy_bytes(np.array("{}")))] + extra


class Member:
    """One zip entry: what is stored, and what the directory says about it."""

    def __init__(self, name, stored, *, method=0, flags=0, size=None, crc=None):
        self.name = name.encode()
        self.stored = stored
        self.method, self.flags = method, flags
        self.size = len(stored) if size is None else size           # declared uncompressed size
        self.crc = zlib.crc32(stored) if crc is None else crc

    def local_header(self):
        return struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, self.flags, self.method, 0, 0x21,
                           self.crc, len(self.stored), self.size, len(self.name), 0) + self.name

    def central_entry(self, offset, stored_size=None):
        stored_size = len(self.stored) if stored_size is None else stored_size
        return struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, self.flags, self.method, 0, 0x21,
                           self.crc, stored_size, self.size, len(self.name), 0, 0, 0, 0, 0,
                           offset) + self.name


def zip_bytes(members, *, central_sizes=None):
    """A zip of ``members`` laid out one after another; ``central_sizes`` may override sizes."""
    body, directory = b"", b""
    for i, member in enumerate(members):
        stored_size = None if central_sizes is None else central_sizes[i]
        directory += member.central_entry(len(body), stored_size)
        body += member.local_header() + member.stored
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(directory), len(body), 0)
    return body + directory + end


def stored(pairs):
    return [Member(name, data) for name, data in pairs]


# --------------------------------------------------------------------------- zip bombs


def deflated_zeros(prefix, n_mib):
    """A raw deflate stream of ``prefix`` then ``n_mib`` MiB of zeros, made without compressing them.

    After a sync flush the compressor's window is all zeros, so each further MiB of zeros
    compresses to the same bytes: one block, repeated.
    """
    mib = bytes(1 << 20)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = compressor.compress(prefix + mib) + compressor.flush(zlib.Z_SYNC_FLUSH)
    block = compressor.compress(mib) + compressor.flush(zlib.Z_SYNC_FLUSH)
    assert compressor.compress(mib) + compressor.flush(zlib.Z_SYNC_FLUSH) == block
    crc = zlib.crc32(prefix)
    for _ in range(n_mib):
        crc = zlib.crc32(mib, crc)
    return first + block * (n_mib - 2) + compressor.flush(), crc


def peak_memory_of(load, path):
    tracemalloc.start()
    try:
        with pytest.raises(ValueError) as info:
            load(path)
        return tracemalloc.get_traced_memory()[1], info.value
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("load", LOADERS, ids=LOADER_IDS)
def test_zip_bomb_refused_before_expanding(tmp_path, load):
    n_mib = 1024                                         # W1 expands to 1 GiB of float64 zeros
    header = npy_header((n_mib * (1 << 20) // 8,))
    stream, crc = deflated_zeros(header, n_mib)
    bomb = Member("W1.npy", stream, method=zipfile.ZIP_DEFLATED, size=len(header) + (n_mib << 20), crc=crc)
    path = tmp_path / "bomb.npz"
    path.write_bytes(zip_bytes(stored(fnnet_members([("W1.npy", b"")]))[:2] + [bomb]))
    assert path.stat().st_size < 2 << 20
    with zipfile.ZipFile(path) as zf:                     # a valid zip: the bomb is real
        assert zf.getinfo("W1.npy").file_size > 1 << 30
    peak, error = peak_memory_of(load, path)
    assert str(path) in str(error)
    assert "member 'W1.npy' is compressed (zip method 8); fnnet writes uncompressed members only" in str(error)
    assert peak < 4 << 20


def test_foreign_compressed_npz_is_refused_as_foreign(tmp_path):
    np.savez_compressed(tmp_path / "foreign.npz", W1=np.zeros((100, 100)))
    with pytest.raises(ValueError, match=r"foreign\.npz is an \.npz file but not an fnnet file"):
        fnnet.load_metadata(tmp_path / "foreign.npz")


@pytest.mark.parametrize("load", LOADERS, ids=LOADER_IDS)
def test_member_declaring_more_bytes_than_the_file_holds(tmp_path, load):
    members = stored(fnnet_members([("W1.npy", npy_bytes(np.zeros(3)))]))
    sizes = [None, None, 0xFFFFFF00]
    members[2].size = 0xFFFFFF00
    path = tmp_path / "liar.npz"
    path.write_bytes(zip_bytes(members, central_sizes=sizes))
    with pytest.raises(ValueError, match=r"liar\.npz is a corrupt \.npz file: member 'W1\.npy' declares "
                                         r"4294967040 bytes at offset \d+, beyond the file's \d+ bytes"):
        load(path)


def test_overlapping_members_refused(tmp_path):
    """A member whose stored bytes are another member's whole record: read twice, memory doubles."""
    inner = Member("W1.npy", npy_bytes(np.zeros(4000)))
    inner_record = inner.local_header() + inner.stored
    outer = Member("b1.npy", inner_record)
    head = stored(fnnet_members([("W1.npy", b""), ("b1.npy", b"")]))[:2]
    body, directory = b"", b""
    for member in head:
        directory += member.central_entry(len(body))
        body += member.local_header() + member.stored
    directory += outer.central_entry(len(body))
    directory += inner.central_entry(len(body) + len(outer.local_header()))
    body += outer.local_header() + inner_record            # inner's record is outer's data
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 4, 4, len(directory), len(body), 0)
    path = tmp_path / "overlap.npz"
    path.write_bytes(body + directory + end)
    with pytest.raises(ValueError, match=r"overlap\.npz is a corrupt \.npz file: its members declare "
                                         r"\d+ bytes in all, more than the file's \d+"):
        fnnet.load_params(path)


@pytest.mark.parametrize("shape", [(10 ** 6, 10 ** 6), (2 ** 62, 2 ** 62), (2 ** 40,)],
                         ids=["terabytes", "beyond-intp", "one-axis"])
@pytest.mark.parametrize("load", [fnnet.load_params, fnnet.load_checkpoint], ids=["load_params", "load_checkpoint"])
def test_small_member_declaring_a_huge_shape(tmp_path, load, shape):
    member = npy_header(shape) + bytes(16)
    path = tmp_path / "huge.npz"
    path.write_bytes(zip_bytes(stored(fnnet_members([("W1.npy", member)], kind="checkpoint"))))
    assert len(member) < 400
    declared = int(np.prod(shape, dtype=object)) * 8
    with pytest.raises(ValueError, match=rf"huge\.npz is a corrupt \.npz file: member 'W1\.npy': its header "
                                         rf"declares shape {re.escape(str(shape))} of float64 \({declared} bytes\) "
                                         rf"but it holds 16 bytes of data"):
        load(path)


def test_negative_shape_refused(tmp_path):
    path = tmp_path / "neg.npz"
    path.write_bytes(zip_bytes(stored(fnnet_members([("W1.npy", npy_header((-1, -2)) + bytes(16))]))))
    with pytest.raises(ValueError, match=r"neg\.npz is a corrupt \.npz file: member 'W1\.npy': its header "
                                         r"declares the negative shape \(-1, -2\)"):
        fnnet.load_params(path)


def test_shape_and_size_checked_for_the_marker_too(tmp_path):
    members = [("__fnnet__.npy", npy_header((10 ** 9,), "<U10") + bytes(40)),
               ("__metadata__.npy", npy_bytes(np.array("{}")))]
    path = tmp_path / "m.npz"
    path.write_bytes(zip_bytes(stored(members)))
    with pytest.raises(ValueError, match=r"m\.npz is a corrupt \.npz file: member '__fnnet__\.npy': its "
                                         r"header declares shape \(1000000000,\) of <U10"):
        fnnet.load_metadata(path)


# --------------------------------------------------------------------------- damaged directory


def central_entries(raw):
    """(offset, name) of each central directory entry of a zip written by zipfile."""
    start = raw.rindex(b"PK\x05\x06")
    cd_size, cd_offset = struct.unpack("<II", raw[start + 12:start + 20])
    entries, pos = [], cd_offset
    while pos < cd_offset + cd_size:
        name_len, extra_len, comment_len = struct.unpack("<HHH", raw[pos + 28:pos + 34])
        entries.append((pos, raw[pos + 46:pos + 46 + name_len].decode()))
        pos += 46 + name_len + extra_len + comment_len
    return entries, cd_offset + cd_size


@pytest.mark.parametrize("load", LOADERS, ids=LOADER_IDS)
def test_members_hidden_by_a_damaged_directory_are_an_error(tmp_path, load):
    """Two bytes (b1's comment length) make the entries of W2 and b2 part of a comment."""
    path = tmp_path / "m.npz"
    fnnet.save_checkpoint(path, fnnet.init_params([3, 4, 2], seed=0), {"t": 1})
    raw = bytearray(path.read_bytes())
    entries, cd_end = central_entries(raw)
    names = [name for _, name in entries]
    b1 = names.index("b1.npy")
    assert names[b1 + 1:] == ["W2.npy", "b2.npy"]
    raw[entries[b1][0] + 32:entries[b1][0] + 34] = struct.pack("<H", cd_end - entries[b1 + 1][0])
    path.write_bytes(bytes(raw))
    with zipfile.ZipFile(path) as zf:                     # zipfile alone sees a smaller archive
        assert [n for n in zf.namelist() if not n.startswith("__")] == ["W1.npy", "b1.npy"]
    with pytest.raises(ValueError, match=r"m\.npz is incomplete or damaged: its marker lists 6 members, "
                                         r"but 'W2', 'b2' are missing from the zip directory"):
        load(path)


def test_unlisted_and_duplicate_members_refused(tmp_path):
    extra = fnnet_members([("W1.npy", npy_bytes(np.zeros(2)))]) + [("b9.npy", npy_bytes(np.zeros(2)))]
    (tmp_path / "extra.npz").write_bytes(zip_bytes(stored(extra)))
    with pytest.raises(ValueError, match=r"extra\.npz is not as fnnet wrote it: it has members its marker "
                                         r"does not list: 'b9'"):
        fnnet.load_params(tmp_path / "extra.npz")
    twice = fnnet_members([("W1.npy", npy_bytes(np.zeros(2)))]) + [("W1.npy", npy_bytes(np.ones(2)))]
    (tmp_path / "twice.npz").write_bytes(zip_bytes(stored(twice)))
    with pytest.raises(ValueError, match=r"twice\.npz is a corrupt \.npz file: it has two members named 'W1\.npy'"):
        fnnet.load_params(tmp_path / "twice.npz")


@pytest.mark.parametrize("keys", [["__metadata__", "W1", "W1"], "W1", ["__metadata__", 3], ["__fnnet__"]],
                         ids=["repeated", "string", "number", "itself"])
def test_marker_key_list_must_be_distinct_names(tmp_path, keys):
    text = json.dumps({"format": "fnnet", "kind": "params", "version": 2, "keys": keys})
    members = [("__fnnet__.npy", npy_bytes(np.array(text))), ("__metadata__.npy", npy_bytes(np.array("{}")))]
    (tmp_path / "m.npz").write_bytes(zip_bytes(stored(members)))
    with pytest.raises(ValueError, match=r"m\.npz has an invalid fnnet marker: 'keys' is not a list of distinct"):
        fnnet.load_params(tmp_path / "m.npz")


# --------------------------------------------------------------------------- what zipfile and json raise


@pytest.mark.parametrize("load", LOADERS, ids=LOADER_IDS)
def test_encrypted_flag_refused(tmp_path, load):
    members = stored(fnnet_members([("W1.npy", npy_bytes(np.zeros(2)))]))
    members[2].flags = 0x1
    path = tmp_path / "locked.npz"
    path.write_bytes(zip_bytes(members))
    with pytest.raises(ValueError, match=r"locked\.npz: member 'W1\.npy' is encrypted; fnnet never writes "
                                         r"encrypted members"):
        load(path)


@pytest.mark.parametrize("method", [97, 99, zipfile.ZIP_BZIP2], ids=["wavpack", "aes", "bzip2"])
def test_other_compression_methods_refused(tmp_path, method):
    members = stored(fnnet_members([("W1.npy", npy_bytes(np.zeros(2)))]))
    members[2].method = method
    path = tmp_path / "odd.npz"
    path.write_bytes(zip_bytes(members))
    with pytest.raises(ValueError, match=rf"odd\.npz: member 'W1\.npy' is compressed \(zip method {method}\)"):
        fnnet.load_params(path)


def test_patched_data_flag_refused(tmp_path):
    members = stored(fnnet_members([("W1.npy", npy_bytes(np.zeros(2)))]))
    members[2].flags = 0x20                              # zipfile raises NotImplementedError for it
    path = tmp_path / "patched.npz"
    path.write_bytes(zip_bytes(members))
    with pytest.raises(ValueError, match=r"patched\.npz is a corrupt \.npz file: member 'W1\.npy': "
                                         r"NotImplementedError: compressed patched data"):
        fnnet.load_params(path)


NESTED = "[" * 100_000 + "]" * 100_000


@pytest.mark.parametrize("where", ["__metadata__", "__fnnet__", "__state__"])
def test_deeply_nested_json(tmp_path, where):
    keys = ["__metadata__", "__state__"]
    texts = {"__fnnet__": json.dumps({"format": "fnnet", "kind": "checkpoint", "version": 2, "keys": keys}),
             "__metadata__": "{}", "__state__": json.dumps({"dict": {}})}
    texts[where] = NESTED
    members = [(key + ".npy", npy_bytes(np.array(texts[key]))) for key in ["__fnnet__"] + keys]
    path = tmp_path / "deep.npz"
    path.write_bytes(zip_bytes(stored(members)))
    with pytest.raises(ValueError, match=rf"deep\.npz is a corrupt fnnet file: '{where}' is not valid JSON "
                                         r"\(RecursionError: "):
        fnnet.load_checkpoint(path)


@pytest.mark.parametrize("depth", [200, 900, 5000])
def test_deeply_nested_state_tree(tmp_path, depth):
    """A state of ``depth`` nested lists: loads while Python can recurse that deep, else a ValueError."""
    tree = '{"value": 1}'
    for _ in range(depth):
        tree = '{"list": [' + tree + "]}"
    keys = ["__metadata__", "__state__"]
    text = json.dumps({"format": "fnnet", "kind": "checkpoint", "version": 2, "keys": keys})
    members = [("__fnnet__.npy", npy_bytes(np.array(text))), ("__metadata__.npy", npy_bytes(np.array("{}"))),
               ("__state__.npy", npy_bytes(np.array('{"dict": {"a": ' + tree + "}}")))]
    path = tmp_path / "deep.npz"
    path.write_bytes(zip_bytes(stored(members)))
    if depth == 200:
        node = fnnet.load_checkpoint(path)[1]["a"]
        for _ in range(depth):
            node, = node
        assert node == 1
    else:
        with pytest.raises(ValueError, match=r"deep\.npz(: corrupt checkpoint state| is a corrupt fnnet file: "
                                             r"'__state__' is not valid JSON) \(RecursionError: "):
            fnnet.load_checkpoint(path)


GARBAGE = {
    "text": b"this is not a zip file at all \x00\x01\x02" * 10,
    "pickle": pickle.dumps({"W1": [1.0, 2.0]}),
    "pickle-protocol-0": pickle.dumps({"W1": [1.0]}, protocol=0),
    "zip-magic": b"PK\x03\x04" + b"\x00" * 50,
    "zip-end-only": struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, 46, 0, 0),
    "npy-magic-v9": b"\x93NUMPY\x09\x00" + b"\x00" * 100,
}


@pytest.mark.parametrize("content", list(GARBAGE.values()), ids=list(GARBAGE))
@pytest.mark.parametrize("load", LOADERS, ids=LOADER_IDS)
def test_garbage_error_names_the_file_and_never_advises_unpickling(tmp_path, load, content):
    path = tmp_path / "junk.npz"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=r"junk\.npz (is not a readable \.npz file|holds a single \.npy)") as info:
        load(path)
    message = str(info.value)[len(str(tmp_path)):].lower()
    assert "pickle" not in message and "unsafe" not in message


def test_oversized_npy_header_message_drops_numpys_advice(tmp_path):
    """NumPy's message for a long header says to trust the file with allow_pickle=True."""
    text = "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), 'x': '" + "y" * 20000 + "'}\n"
    member = b"\x93NUMPY\x02\x00" + struct.pack("<I", len(text)) + text.encode("latin-1") + bytes(8)
    path = tmp_path / "long.npz"
    path.write_bytes(zip_bytes(stored(fnnet_members([("W1.npy", member)]))))
    with pytest.raises(ValueError, match=r"long\.npz is a corrupt \.npz file: member 'W1\.npy': "
                                         r"ValueError: Header info length \(\d+\) is large") as info:
        fnnet.load_params(path)
    message = str(info.value)[len(str(tmp_path)):].lower()
    assert "pickle" not in message and "unsafe" not in message


# --------------------------------------------------------------------------- every byte


def rewrite(path, content):
    """Replace the file (unlink, then write: truncating a written file can wait for the disk)."""
    path.unlink()
    path.write_bytes(content)


def small_checkpoint(path):
    params = fnnet.init_params([2, 2, 1], seed=0)
    state = {"m": {"W1": np.ones((2, 2))}, "t": 3}
    fnnet.save_checkpoint(path, params, state, epoch=1)
    return params


def test_every_single_byte_change_is_an_error_or_changes_nothing(tmp_path):
    path = tmp_path / "c.npz"
    params = small_checkpoint(path)
    good = path.read_bytes()
    outcomes = {"error": 0, "same": 0}
    for offset in range(len(good)):
        raw = bytearray(good)
        raw[offset] ^= 0x5A
        rewrite(path, bytes(raw))
        try:
            got, state, meta = fnnet.load_checkpoint(path)
        except ValueError as exc:
            assert str(path) in str(exc)
            outcomes["error"] += 1
            continue
        assert list(got) == list(params), offset
        for key in params:
            assert got[key].tobytes() == params[key].tobytes(), (offset, key)
        assert state["t"] == 3 and meta == {"epoch": 1}, offset
        assert state["m"]["W1"].tobytes() == np.ones((2, 2)).tobytes(), offset
        outcomes["same"] += 1
    assert outcomes["error"] > len(good) // 2              # almost every byte is checked


@pytest.mark.parametrize("load", LOADERS, ids=LOADER_IDS)
def test_every_truncation_is_an_error(tmp_path, load):
    path = tmp_path / "c.npz"
    small_checkpoint(path)
    good = path.read_bytes()
    for length in range(len(good)):
        rewrite(path, good[:length])
        with pytest.raises(ValueError, match="c.npz"):
            load(path)


# --------------------------------------------------------------------------- reading only what is asked


def corrupt_member_data(path, name):
    raw = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(name)
    raw[info.header_offset + info.compress_size] ^= 0xFF     # inside the data (local header < size)
    path.write_bytes(bytes(raw))


def test_load_metadata_reads_no_array(tmp_path, monkeypatch):
    path = tmp_path / "m.npz"
    fnnet.save_params(path, {"W1": np.zeros((40, 50))}, epochs=3)
    corrupt_member_data(path, "W1.npy")
    assert fnnet.load_metadata(path) == {"epochs": 3}           # W1's bad CRC never seen
    with pytest.raises(ValueError, match=r"member 'W1\.npy': BadZipFile: Bad CRC-32"):
        fnnet.load_params(path)
    read = []
    real = np.lib.format.read_array
    monkeypatch.setattr(np.lib.format, "read_array", lambda fp, **kw: (read.append(fp.name), real(fp, **kw))[1])
    fnnet.save_params(path, {"W1": np.zeros((4, 5))}, epochs=4)
    assert fnnet.load_metadata(path) == {"epochs": 4}
    assert read == ["__fnnet__.npy", "__metadata__.npy"]


def test_marker_is_read_first(tmp_path, monkeypatch):
    path = tmp_path / "c.npz"
    small_checkpoint(path)
    read = []
    real = np.lib.format.read_array
    monkeypatch.setattr(np.lib.format, "read_array", lambda fp, **kw: (read.append(fp.name), real(fp, **kw))[1])
    fnnet.load_checkpoint(path)
    assert read[0] == "__fnnet__.npy"
    assert sorted(read) == sorted(set(read))                   # each member read once
    assert len(read) == 8                                       # marker, metadata, state, 4 params, 1 state array


# --------------------------------------------------------------------------- files of format version 1


def version_1_file(path, kind):
    """A file as fnnet wrote it before the key list (format version 1)."""
    head = {"__fnnet__": np.array(json.dumps({"format": "fnnet", "kind": kind, "version": 1})),
            "__metadata__": np.array(json.dumps({"epoch": 2}))}
    params = {"W1": np.arange(6.0).reshape(3, 2), "b1": np.zeros((3, 1))}
    state = {}
    if kind == "checkpoint":
        state = {"__state__": np.array(json.dumps({"dict": {"v": {"array": "__state0__"}, "t": {"value": 5}}})),
                 "__state0__": np.full((3, 2), 0.5)}
    np.savez(path, **head, **{k: v for k, v in state.items() if k == "__state__"}, **params,
             **{k: v for k, v in state.items() if k != "__state__"})
    return params


def test_version_1_params_still_load(tmp_path):
    params = version_1_file(tmp_path / "old.npz", "params")
    got = fnnet.load_params(tmp_path / "old.npz")
    assert list(got) == ["W1", "b1"]
    np.testing.assert_array_equal(got["W1"], params["W1"])
    assert fnnet.load_metadata(tmp_path / "old.npz") == {"epoch": 2}


def test_version_1_checkpoint_still_loads(tmp_path):
    params = version_1_file(tmp_path / "old.npz", "checkpoint")
    got, state, meta = fnnet.load_checkpoint(tmp_path / "old.npz")
    assert list(got) == ["W1", "b1"] and meta == {"epoch": 2}
    np.testing.assert_array_equal(got["b1"], params["b1"])
    assert state["t"] == 5 and state["v"].shape == (3, 2)


def test_state_tree_naming_a_params_array_refused(tmp_path):
    keys = ["__metadata__", "__state__", "W1"]
    text = json.dumps({"format": "fnnet", "kind": "checkpoint", "version": 2, "keys": keys})
    members = [("__fnnet__.npy", npy_bytes(np.array(text))), ("__metadata__.npy", npy_bytes(np.array("{}"))),
               ("__state__.npy", npy_bytes(np.array(json.dumps({"dict": {"m": {"array": "W1"}}})))),
               ("W1.npy", npy_bytes(np.zeros(2)))]
    (tmp_path / "c.npz").write_bytes(zip_bytes(stored(members)))
    with pytest.raises(ValueError, match=r"c\.npz: corrupt checkpoint state \(KeyError: 'W1'\)"):
        fnnet.load_checkpoint(tmp_path / "c.npz")
