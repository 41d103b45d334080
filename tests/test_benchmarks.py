"""The benchmark suite runs, and its output keeps its structure (no timing is asserted)."""

import json
import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCH))
import _cases  # noqa: E402
import run  # noqa: E402

import fnnet  # noqa: E402

COLUMNS = ("case", "dtype", "fwd", "bwd", "update", "step", "floor", "step/floor", "base/floor", "now/base",
           "vs loop", "vs torch", "vs sklearn", "mem", "faults")
TRAIN_COLUMNS = ("case", "dtype", "examples", "epochs", "batches", "fnnet", "per batch", "baseline", "now/base",
                 "torch", "sklearn", "vs torch", "vs sklearn")
VARIANTS = {"dot", "matmul", "dot^T", "matmul^T"}


def _run(*args, timeout=180):
    return subprocess.run([sys.executable, str(BENCH / "run.py"), *args],
                          capture_output=True, text=True, timeout=timeout)


def _table(stdout, first_column):
    """The header cells and body rows (cells) of the text table whose header starts with ``first_column``."""
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(first_column + " "))
    body = []
    for line in lines[start + 2:]:
        if not line.strip():
            break
        body.append(line.split())
    return lines[start].split(), body


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    proc = _run("--quick", "--cases", "tiny,small", "--json", str(out / "r.json"), "--markdown", str(out / "r.md"))
    assert proc.returncode == 0, proc.stderr
    return proc.stdout, json.loads((out / "r.json").read_text()), (out / "r.md").read_text()


def test_quick_run_prints_header_and_tables(quick):
    stdout, _, _ = quick
    assert "BLAS" in stdout and "threads" in stdout and "OPENBLAS_CORETYPE" in stdout
    header, body = _table(stdout, "case")
    assert header == [w for c in COLUMNS for w in c.split()]
    assert [b[:2] for b in body] == [["tiny", "float32"], ["tiny", "float64"], ["small", "float32"], ["small", "float64"]]
    assert all(b[8] == "-" and b[9] == "-" for b in body)  # no baseline asked for
    train_at = stdout.index("Training loop")
    header, body = _table(stdout[train_at:].split("\n", 1)[1], "case")
    assert header == [w for c in TRAIN_COLUMNS for w in c.split()]
    assert [b[:4] for b in body] == [["spiral", "float64", "300", str(_cases.TRAIN_CASES["spiral"].quick_epochs)],
                                     ["fashion", "float32", "4096", "1"]]
    assert "Floor: the fastest variant of each product" in stdout


def test_quick_json_step_rows(quick):
    _, result, _ = quick
    assert set(result) >= {"header", "peers", "settings", "rows", "train_rows"}
    assert result["header"]["blas_runtime"]["num_threads"] >= 1 and result["header"]["baseline"] is None
    assert result["settings"]["quick"] is True
    rows = result["rows"]
    assert [(r["case"], r["dtype"]) for r in rows] == [
        ("tiny", "float32"), ("tiny", "float64"), ("small", "float32"), ("small", "float64")]
    for r in rows:
        L = len(r["layer_dims"]) - 1
        assert r["n_products"] == 3 * L - 1 == len(r["floor_products"])
        for p in r["floor_products"]:
            assert set(p["median_s"]) == VARIANTS and p["fastest"] in VARIANTS
            assert p["median_s"][p["fastest"]] == min(p["median_s"].values())
        assert {"floor", "step", "forward", "backward", "update"} <= set(r["times"])
        assert "base_step" not in r["times"]
        for name, t in r["times"].items():
            assert math.isfinite(t["median_s"]) and t["median_s"] > 0, name
        assert {"step_over_floor", "floor_choice_gain", "mem_ratio", "mem_ratio_step"} <= set(r["ratios"])
        assert not {"step_over_base", "base_step_over_floor"} & set(r["ratios"])
        for name, value in r["ratios"].items():
            assert isinstance(value, float) and math.isfinite(value) and value > 0, (r["case"], name, value)
        assert r["ratios"]["floor_choice_gain"] >= 1.0  # the fastest is never slower than one of the four
        assert ("loop_speedup" in r["ratios"]) == (r["case"] == "tiny")
        for peer in ("torch", "sklearn"):
            assert (f"{peer}_speedup" in r["ratios"]) == (peer not in r["skipped"])
        assert set(r["targets"]) == set(_cases.CASES[r["case"]].targets)
        assert r["step_page_faults"] >= 0


def test_quick_json_train_rows(quick):
    _, result, _ = quick
    rows = {r["case"]: r for r in result["train_rows"]}
    assert list(rows) == ["spiral", "fashion"]
    spiral, fashion = rows["spiral"], rows["fashion"]
    assert (spiral["examples"], spiral["batches_per_epoch"], spiral["layer_dims"]) == (300, 10, [2, 100, 3])
    assert (fashion["examples"], fashion["batches_per_epoch"]) == (4096, 32)
    assert fashion["layer_dims"] == [784, 256, 128, 10] and fashion["batch_size"] == 128
    for r in rows.values():
        assert "fnnet" in r["times"] and "baseline" not in r["times"] and r["targets"] == {}
        assert r["per_batch_s"] * r["epochs"] * r["batches_per_epoch"] == pytest.approx(r["times"]["fnnet"]["median_s"])
        for peer in ("torch", "sklearn"):
            assert (peer in r["times"]) == (f"{peer}_speedup" in r["ratios"]) == (peer not in r["skipped"])
        for value in r["ratios"].values():
            assert math.isfinite(value) and value > 0
    if "torch" in spiral["times"]:  # same batches, same init, same SGD: the same params at the end
        assert spiral["checks"]["torch_params_rel_diff"] < 1e-10


def test_quick_markdown_has_every_table(quick):
    _, _, md = quick
    for section in ("## Machine", "## Step", "## Training loop", "## Floor: the fastest variant", "## Targets"):
        assert section in md
    assert "| case | dtype | fwd |" in md and "| case | dtype | examples |" in md
    assert md.count("\n| tiny |") == 4 and md.count("\n| small |") == 4  # two dtypes: step and floor tables
    assert md.count("\n| spiral |") == 1 and md.count("\n| fashion |") == 1


def test_markdown_replaces_only_the_marked_block(tmp_path):
    path = tmp_path / "R.md"
    path.write_text(f"# Title\n\n{run.START}\nold table\n{run.END}\n\n## Analysis\nkept\n")
    run.write_markdown(path, "new table\n")
    assert path.read_text() == f"# Title\n\n{run.START}\nnew table\n{run.END}\n\n## Analysis\nkept\n"
    fresh = tmp_path / "new.md"
    run.write_markdown(fresh, "t\n")
    assert fresh.read_text() == f"{run.START}\nt\n{run.END}\n"


def test_quick_runs_without_torch_or_sklearn(tmp_path):
    # None in sys.modules makes `import torch` raise ImportError, as when it is not installed
    script = ("import sys, runpy; sys.modules['torch'] = None; sys.modules['sklearn'] = None; "
              f"sys.argv = ['run.py', '--quick', '--cases', 'tiny', '--dtype', 'float64', '--train', 'spiral', "
              f"'--json', {str(tmp_path / 'r.json')!r}]; runpy.run_path({str(BENCH / 'run.py')!r}, run_name='__main__')")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    result = json.loads((tmp_path / "r.json").read_text())
    assert result["peers"] == {"torch": None, "sklearn": None}
    assert result["rows"][0]["skipped"]["torch"] == "not installed"
    assert result["train_rows"][0]["skipped"] == {"torch": "not installed", "sklearn": "not installed"}
    assert set(result["train_rows"][0]["times"]) == {"fnnet"}


@pytest.mark.parametrize("args, code, message", [
    (["--cases", "tiny,huge"], 2, "--cases: unknown name(s) ['huge']"),
    (["--train", "cifar"], 2, "--train: unknown name(s) ['cifar']"),
    (["--peers", "jax"], 2, "--peers: unknown name(s) ['jax']"),
    (["--dtype", "float16"], 2, "invalid choice"),
    (["--baseline", "x", "--baseline-commit"], 2, "not allowed with argument"),
    (["--baseline", "/nonexistent/checkout"], 1, "--baseline: no fnnet package in /nonexistent/checkout"),
    (["--baseline-commit", "no-such-commit"], 1, "--baseline-commit: 'no-such-commit' is not a commit"),
], ids=["unknown-case", "unknown-train", "unknown-peer", "bad-dtype", "two-baselines", "no-package", "bad-commit"])
def test_bad_options_exit_with_a_message(args, code, message):
    proc = _run(*args)
    assert proc.returncode == code and message in proc.stderr


def _has_commit(commit):
    try:
        return subprocess.run(["git", "-C", str(run.REPO), "cat-file", "-e", f"{commit}^{{commit}}"],
                              capture_output=True).returncode == 0
    except FileNotFoundError:
        return False


needs_baseline_commit = pytest.mark.skipif(not _has_commit(run.DEFAULT_BASELINE_COMMIT),
                                           reason=f"needs git and commit {run.DEFAULT_BASELINE_COMMIT} (a checkout)")


@needs_baseline_commit
def test_quick_run_against_the_default_baseline_commit(tmp_path):
    proc = _run("--quick", "--cases", "tiny", "--dtype", "float64", "--train", "spiral", "--peers", "none",
                "--baseline-commit", "--json", str(tmp_path / "r.json"))
    assert proc.returncode == 0, proc.stderr
    result = json.loads((tmp_path / "r.json").read_text())
    base = result["header"]["baseline"]
    assert base["commit"].startswith(run.DEFAULT_BASELINE_COMMIT) and len(base["commit"]) == 40
    assert f"of commit {base['commit']}" in proc.stdout
    step, train = result["rows"][0], result["train_rows"][0]
    assert step["ratios"]["step_over_base"] == pytest.approx(
        step["times"]["step"]["median_s"] / step["times"]["base_step"]["median_s"])
    assert train["ratios"]["train_over_base"] == pytest.approx(
        train["times"]["fnnet"]["median_s"] / train["times"]["baseline"]["median_s"])
    assert set(step["targets"]) == set(_cases.CASES["tiny"].targets) | {"step_over_base"}
    assert set(train["targets"]) == {"train_over_base"}
    _, body = _table(proc.stdout, "case")
    assert body[0][8] != "-" and body[0][9] != "-"


@needs_baseline_commit
def test_baseline_is_another_package_computing_the_same_step(tmp_path):
    sha = run.export_commit(run.DEFAULT_BASELINE_COMMIT, tmp_path)
    assert (tmp_path / "fnnet" / "__init__.py").is_file() and sha.startswith(run.DEFAULT_BASELINE_COMMIT)
    try:
        base = run.load_baseline(tmp_path)
        assert base is not fnnet and base.__name__ == "fnnet_baseline"
        assert base.forward.__module__.startswith("fnnet_baseline.")
        assert base.__file__ == str(tmp_path / "fnnet" / "__init__.py")
        case = _cases.CASES["tiny"]
        params = _cases.make_params(case, np.float64)
        X, Y = _cases.make_data(case, np.float64)
        now = _cases.step_callables(fnnet, params, X, Y, case)["step"]()
        then = _cases.step_callables(base, params, X, Y, case)["step"]()
        assert list(now) == list(then)
        for key in now:
            np.testing.assert_allclose(now[key], then[key], rtol=1e-12, atol=1e-15)
    finally:
        for name in [n for n in sys.modules if n == "fnnet_baseline" or n.startswith("fnnet_baseline.")]:
            del sys.modules[name]


# --- the floor ----------------------------------------------------------------------------------
def test_step_products_are_the_steps_products():
    case = _cases.CASES["tiny"]  # [2, 3, 3, 1], m = 10
    params = _cases.make_params(case, np.float32)
    X, _ = _cases.make_data(case, np.float32)
    products = _cases.step_products(params, X)
    assert [(label, P.shape, Q.shape) for label, P, Q in products] == [
        ("Z1 = W1 A0", (3, 2), (2, 10)), ("Z2 = W2 A1", (3, 3), (3, 10)), ("Z3 = W3 A2", (1, 3), (3, 10)),
        ("dW3 = dZ3 A2^T", (1, 10), (10, 3)), ("dW2 = dZ2 A1^T", (3, 10), (10, 3)),
        ("dW1 = dZ1 A0^T", (3, 10), (10, 2)),
        ("dA2 = W3^T dZ3", (3, 1), (1, 10)), ("dA1 = W2^T dZ2", (3, 3), (3, 10)),
    ]
    assert products[0][1] is params["W1"] and products[0][2] is X and products[7][1].base is params["W2"]
    assert all(P.dtype == Q.dtype == np.float32 for _, P, Q in products)
    assert _cases.gemm_flops([2, 3, 1], 10) == 2 * 10 * (2 * (6 + 3) + 3)


@pytest.mark.parametrize("name", ["tiny", "small", "nielsen128"])
def test_every_variant_makes_the_product(name):
    # small has outer products (inner dimension 1); nielsen128 wide and tall layers
    case = _cases.CASES[name]
    params = _cases.make_params(case, np.float64)
    X, _ = _cases.make_data(case, np.float64)
    products = _cases.step_products(params, X)
    assert len(products) == 3 * len(case.activations) - 1
    calls = []
    for label, P, Q in products:
        variants = _cases.product_variants(P, Q)
        assert set(variants) == VARIANTS
        want = P @ Q
        for variant, (call, result) in variants.items():
            assert call() is None
            assert result.shape == want.shape, (label, variant)
            assert (result.base if variant.endswith("^T") else result).flags.c_contiguous
            np.testing.assert_allclose(result, want, rtol=1e-12, atol=1e-300, err_msg=f"{label} {variant}")
            result[...] = np.nan  # the next call must write every entry
            call()
            np.testing.assert_allclose(result, want, rtol=1e-12, atol=1e-300)
        calls.append(variants["matmul^T"][0])
    floor = _cases.floor_callable(calls)
    assert floor() is None


def test_benchmarks_use_no_private_fnnet_name():
    # a single leading underscore: private (dunders such as fnnet.__version__ are public)
    pattern = re.compile(r"fnnet\._[A-Za-z0-9]|from\s+fnnet(\.\w+)*\s+import\s+[^\n]*\b_\w")
    for bad in ("from fnnet._validation import n_layers", "from fnnet.network import _TRANSPOSED_FROM",
                "from fnnet.network import forward, _TRANSPOSED_FROM", "x = fnnet._network",
                "import fnnet._validation", "from fnnet import _data"):
        assert pattern.search(bad), bad  # the check can fail
    assert not pattern.search("import fnnet\nfrom fnnet import train_case, init_params\nfnnet.__version__")
    files = sorted(BENCH.glob("*.py"))
    assert {f.name for f in files} >= {"run.py", "_cases.py", "bench_gradcheck.py"}
    for path in files:
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            assert not pattern.search(line), f"{path.name}:{number}: {line.strip()}"


# --- the training loops -------------------------------------------------------------------------
def test_spiral_train_case_is_the_cli_default():
    proc = subprocess.run([sys.executable, "-m", "fnnet", "train", "--help"], capture_output=True, text=True, timeout=60)
    epilog = " ".join(proc.stdout.split())
    found = re.search(r"spiral: \[(\d+)\] (\w+) \w+ ([\d.]+) \d+ (\d+);", epilog)
    assert found, epilog
    tc = _cases.TRAIN_CASES["spiral"]
    assert (int(found[1]), found[2], float(found[3]), int(found[4])) == (
        tc.layer_dims[1], tc.activations[0], tc.lr, tc.batch_size)
    X, Y, labels, _ = _cases.train_data(tc, quick=True)
    X_cli, y_cli = fnnet.spiral(seed=0)
    np.testing.assert_array_equal(X, X_cli)
    np.testing.assert_array_equal(labels, y_cli)
    np.testing.assert_array_equal(Y, fnnet.one_hot(y_cli, 3))
    assert (X.shape[0], Y.shape[0]) == (tc.layer_dims[0], tc.layer_dims[-1])


def test_shuffles_are_those_train_draws():
    # fnnet.train(seed=s) draws default_rng(s).permutation(m) per epoch; a single full batch
    # per epoch makes the order irrelevant, so compare one SGD step of batch 1 on 3 examples
    X = np.array([[1.0, -2.0, 0.5]])
    Y = np.array([[0.3, 1.0, -1.0]])
    params = fnnet.init_params([1, 1], seed=0)
    trained, _ = fnnet.train(params, X, Y, ["linear"], "mse", epochs=2, batch_size=1, lr=0.1, seed=7, verbose=0)
    W, b = params["W1"].copy(), params["b1"].copy()
    for perm in _cases.shuffles(3, 2, seed=7):
        for i in perm:
            dz = W @ X[:, i:i + 1] + b - Y[:, i:i + 1]
            W, b = W - 0.1 * dz * X[:, i], b - 0.1 * dz
    np.testing.assert_allclose(trained["W1"], W, rtol=1e-14)
    np.testing.assert_allclose(trained["b1"], b, rtol=1e-14)


def test_torch_loop_trains_the_same_params_as_fnnet_train():
    pytest.importorskip("torch", reason="torch is an optional peer")
    tc = _cases.TRAIN_CASES["spiral"]
    X, Y, _, _ = _cases.train_data(tc, quick=True)
    params = _cases.train_params(tc)
    before = {k: v.copy() for k, v in params.items()}
    ours, _ = _cases.train_callable(fnnet, params, X, Y, tc, 3)()
    theirs = _cases.torch_train_callable(params, X, Y, tc, 3, threads=1)()
    assert list(theirs) == list(ours)
    assert _cases.max_rel_diff(theirs, ours) < 1e-12
    assert _cases.max_rel_diff(ours, before) > 1e-3  # it trained
    for key in params:
        np.testing.assert_array_equal(params[key], before[key])


def test_sklearn_fit_runs_exactly_the_epochs():
    pytest.importorskip("sklearn", reason="scikit-learn is an optional peer")
    tc = _cases.TRAIN_CASES["spiral"]
    X, _, labels, _ = _cases.train_data(tc, quick=True)
    model = _cases.sklearn_train_callable(X, labels, tc, 4)()
    assert model.n_iter_ == 4 and model.t_ == 4 * 300
    assert [c.shape for c in model.coefs_] == [(2, 100), (100, 3)]


# --- the per-example loop, the seed data, the gradcheck script ----------------------------------
@pytest.mark.parametrize("name", ["tiny", "nielsen10"])
def test_per_example_loop_matches_fnnet_gradients(name):
    case = _cases.CASES[name]
    params = _cases.make_params(case, np.float64)
    X, Y = _cases.make_data(case, np.float64)
    assert _cases.check_loop(params, X, Y, case) < 1e-10


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
