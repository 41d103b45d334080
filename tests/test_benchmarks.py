"""The benchmark suite runs, and its output keeps its structure (no timing is asserted)."""

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCH))
import _cases  # noqa: E402

import fnnet  # noqa: E402

COLUMNS = ("case", "dtype", "fwd", "bwd", "update", "step", "floor", "step/floor", "step/matmul",
           "vs loop", "vs torch", "vs sklearn", "mem", "faults")


def _run(*args, timeout=120):
    return subprocess.run([sys.executable, str(BENCH / "run.py"), *args],
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    proc = _run("--quick", "--cases", "tiny,small", "--json", str(out / "r.json"),
                "--markdown", str(out / "r.md"))
    assert proc.returncode == 0, proc.stderr
    return proc.stdout, json.loads((out / "r.json").read_text()), (out / "r.md").read_text()


def test_quick_run_prints_header_and_table(quick):
    stdout, _, _ = quick
    assert "BLAS" in stdout and "threads" in stdout and "OPENBLAS_CORETYPE" in stdout
    header_line = next(line for line in stdout.splitlines() if line.startswith("case "))
    assert header_line.split() == [w for c in COLUMNS for w in c.split()]
    body = [line.split()[:2] for line in stdout.splitlines() if line.startswith(("tiny ", "small "))]
    assert body == [["tiny", "float32"], ["tiny", "float64"], ["small", "float32"], ["small", "float64"]]


def test_quick_json_structure_and_ratios(quick):
    _, result, _ = quick
    assert set(result) >= {"header", "peers", "settings", "rows"}
    assert result["header"]["blas_runtime"]["num_threads"] >= 1
    assert result["settings"]["quick"] is True
    rows = result["rows"]
    assert [(r["case"], r["dtype"]) for r in rows] == [
        ("tiny", "float32"), ("tiny", "float64"), ("small", "float32"), ("small", "float64")]
    for r in rows:
        assert r["n_gemms"] == 3 * (len(r["layer_dims"]) - 1) - 1
        assert {"floor", "matmul_floor", "step", "forward", "backward", "update"} <= set(r["times"])
        for name, t in r["times"].items():
            assert math.isfinite(t["median_s"]) and t["median_s"] > 0, name
        assert {"step_over_floor", "step_over_matmul_floor", "mem_ratio", "mem_ratio_step"} <= set(r["ratios"])
        for name, value in r["ratios"].items():
            assert isinstance(value, float) and math.isfinite(value) and value > 0, (r["case"], name, value)
        assert ("loop_speedup" in r["ratios"]) == (r["case"] == "tiny")
        for peer in ("torch", "sklearn"):
            assert (f"{peer}_speedup" in r["ratios"]) == (peer not in r["skipped"])
        assert set(r["targets"]) == set(_cases.CASES[r["case"]].targets)
        assert r["step_page_faults"] >= 0


def test_quick_markdown_has_both_tables(quick):
    _, _, md = quick
    assert "## Machine" in md and "| case | dtype | fwd |" in md and "## Targets (issue 5)" in md
    assert md.count("\n| tiny |") == 2 and md.count("\n| small |") == 2


def test_markdown_replaces_only_the_marked_block(tmp_path):
    import run

    path = tmp_path / "R.md"
    path.write_text(f"# Title\n\n{run.START}\nold table\n{run.END}\n\n## Analysis\nkept\n")
    run.write_markdown(path, "new table\n")
    assert path.read_text() == f"# Title\n\n{run.START}\nnew table\n{run.END}\n\n## Analysis\nkept\n"
    fresh = tmp_path / "new.md"
    run.write_markdown(fresh, "t\n")
    assert fresh.read_text() == f"{run.START}\nt\n{run.END}\n"


@pytest.mark.parametrize("args, message", [
    (["--cases", "tiny,huge"], "unknown case"),
    (["--peers", "jax"], "unknown peer"),
    (["--dtype", "float16"], "invalid choice"),
], ids=["unknown-case", "unknown-peer", "bad-dtype"])
def test_bad_options_exit_with_a_message(args, message):
    proc = _run(*args)
    assert proc.returncode == 2 and message in proc.stderr


@pytest.mark.parametrize("name", ["tiny", "nielsen10"])
def test_per_example_loop_matches_fnnet_gradients(name):
    case = _cases.CASES[name]
    params = _cases.make_params(case, np.float64)
    X, Y = _cases.make_data(case, np.float64)
    assert _cases.check_loop(params, X, Y, case) < 1e-10


def test_floor_does_the_steps_gemms():
    case = _cases.CASES["tiny"]
    params = _cases.make_params(case, np.float32)
    X, _ = _cases.make_data(case, np.float32)
    floor, n = _cases.floor_callable(params, X)
    assert n == 8
    assert floor() is None
    assert _cases.gemm_flops([2, 3, 1], 10) == 2 * 10 * (2 * (6 + 3) + 3)


@pytest.mark.parametrize("name", ["tiny", "small", "nielsen128"])
def test_floor_computes_each_product_the_way_fnnet_does(name):
    # np.dot everywhere (small has outer products); nielsen128: layer 1 transposed, as in forward
    case = _cases.CASES[name]
    params = _cases.make_params(case, np.float64)
    X, _ = _cases.make_data(case, np.float64)
    for plain in (False, True):
        floor, n = _cases.floor_callable(params, X, plain=plain)
        assert n == 3 * len(case.activations) - 1
        kernels = set()
        for kernel, a, b, out, (P, Q, result) in floor.products:  # in order: outputs feed later inputs
            want = P @ Q
            kernel(a, b, out=out)
            np.testing.assert_allclose(result, want, rtol=1e-12)
            kernels.add((kernel.__name__, result.flags.c_contiguous))
        if plain:  # the wording: every product np.matmul into a C-ordered array
            assert kernels == {("matmul", True)}
        else:
            assert kernels == ({("dot", True), ("dot", False)} if name == "nielsen128" else {("dot", True)})
        assert floor() is None


def test_seed002_case_is_fnnet_seed002_standardised():
    X, Y = _cases.make_data(_cases.CASES["tiny"], np.float64)
    raw_X, raw_Y = fnnet.seed002()
    assert X.shape == (2, 10) and Y.shape == (1, 10) and X.flags.c_contiguous
    np.testing.assert_array_equal(Y, raw_Y)
    np.testing.assert_allclose(X.mean(axis=1), 0.0, atol=1e-14)
    np.testing.assert_allclose(X.std(axis=1), 1.0, rtol=1e-14)
    mean, std = raw_X.mean(axis=1, keepdims=True), raw_X.std(axis=1, keepdims=True)   # per feature (row)
    np.testing.assert_allclose(X * std + mean, raw_X, rtol=1e-13)


def test_bench_gradcheck_naive_loop_and_report(capsys):
    import bench_gradcheck

    params, X, Y = bench_gradcheck.problem([3, 4, 2], 5, seed=1)
    before = {key: p.copy() for key, p in params.items()}
    naive = bench_gradcheck.naive_numerical(params, X, Y, ["tanh", "softmax"], "cce", 1e-6)
    for key in params:
        np.testing.assert_array_equal(params[key], before[key])
    report = fnnet.gradcheck(params, X, Y, ["tanh", "softmax"], "cce", progress=False)
    assert list(naive) == list(params)
    for key in params:
        np.testing.assert_allclose(naive[key], report.numerical[key], rtol=1e-6, atol=1e-9)
    bench_gradcheck.main(["--layers", "3,4,2", "--activations", "tanh,softmax", "--m", "5", "--repeats", "1"])
    out = capsys.readouterr().out
    assert "network [3, 4, 2]" in out and "26 parameters" in out and "speed-up (naive / fast):" in out
    assert "verdict PASS" in out
