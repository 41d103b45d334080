"""The benchmark suite runs, and its output keeps its structure (no timing is asserted)."""

import dataclasses
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
import _inplace  # noqa: E402
import run  # noqa: E402

import fnnet  # noqa: E402

COLUMNS = ("case", "dtype", "fwd", "bwd", "update", "step", "floor", "step/floor", "base/floor", "now/base",
           "vs loop", "vs torch", "vs sklearn", "mem", "faults")
TRAIN_COLUMNS = ("case", "dtype", "examples", "epochs", "batches", "fnnet", "per batch", "hand loop", "hand/train",
                 "baseline", "now/base", "torch", "sklearn", "vs torch", "vs sklearn")
TRAINING_STEP_COLUMNS = ("case", "dtype", "train", "hand loop", "step", "inplace", "floor", "torch", "jax",
                         "train/floor", "step/floor", "inplace/floor", "hand/train", "torch/train", "jax/train",
                         "train mem")
#: Issue 13's contenders and ratios in every step row.
TRAINING_STEP_TIMES = {"train", "hand_loop", "inplace"}
TRAINING_STEP_RATIOS = {"train_over_floor", "inplace_over_floor", "hand_loop_over_train"}
VARIANTS = {"dot", "matmul", "dot^T", "matmul^T"}


def _run(*args, timeout=180):
    return subprocess.run([sys.executable, str(BENCH / "run.py"), *args],
                          capture_output=True, text=True, timeout=timeout)


def _after(stdout, title):
    """The text after the line that starts with ``title``."""
    return stdout[stdout.index(title):].split("\n", 1)[1]


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
    stdout, result, _ = quick
    assert "BLAS" in stdout and "threads" in stdout and "OPENBLAS_CORETYPE" in stdout
    header, body = _table(stdout, "case")
    assert header == [w for c in COLUMNS for w in c.split()]
    assert [b[:2] for b in body] == [["tiny", "float32"], ["tiny", "float64"], ["small", "float32"], ["small", "float64"]]
    assert all(b[8] == "-" and b[9] == "-" for b in body)  # no baseline asked for
    header, body = _table(_after(stdout, "Training step (issue 13): seconds per step"), "case")
    assert header == [w for c in TRAINING_STEP_COLUMNS for w in c.split()]
    assert [b[:2] for b in body] == [[case, dtype] for case in ("tiny", "small") for dtype in ("float32", "float64")]
    for b in body:  # train, hand loop, step, inplace, floor and their ratios: always there
        assert "-" not in b[2:7] + b[9:13], b
    header, body = _table(_after(stdout, "Training loop"), "case")
    assert header == [w for c in TRAIN_COLUMNS for w in c.split()]
    assert [b[:4] for b in body] == [["spiral", "float64", "300", str(_cases.TRAIN_CASES["spiral"].quick_epochs)],
                                     ["fashion", "float32", "4096", "1"]]
    assert all(b[7] != "-" and b[8] != "-" for b in body)  # the hand loop and hand/train
    assert "Floor: the fastest variant of each product" in stdout
    for peer in ("torch", "jax"):  # where their matrix products come from, when they ran
        assert (f"{peer}'s matrix products: " in stdout) == bool(result["peers"][peer])


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
        assert {"floor", "step", "forward", "backward", "update"} | TRAINING_STEP_TIMES <= set(r["times"])
        assert "base_step" not in r["times"]
        for name, t in r["times"].items():
            assert math.isfinite(t["median_s"]) and t["median_s"] > 0, name
        assert {"step_over_floor", "floor_choice_gain", "mem_ratio", "mem_ratio_step"} | TRAINING_STEP_RATIOS <= set(
            r["ratios"])
        assert not {"step_over_base", "base_step_over_floor"} & set(r["ratios"])
        for name, value in r["ratios"].items():
            assert isinstance(value, float) and math.isfinite(value) and value > 0, (r["case"], name, value)
        assert r["ratios"]["floor_choice_gain"] >= 1.0  # the fastest is never slower than one of the four
        assert ("loop_speedup" in r["ratios"]) == (r["case"] == "tiny")
        for peer in ("torch", "sklearn"):
            assert (f"{peer}_speedup" in r["ratios"]) == (peer not in r["skipped"])
        for peer in ("torch", "jax"):
            assert (peer in r["times"]) == (f"{peer}_over_train" in r["ratios"]) == (peer not in r["skipped"])
            if peer in r["times"]:
                assert r["checks"][f"{peer}_grad_rel_diff"] < _inplace.TOLERANCE[np.dtype(r["dtype"])]
        case = _cases.CASES[r["case"]]
        assert set(r["targets"]) == set(case.targets) | set(case.train_targets)
        assert {key: t["issue"] for key, t in r["targets"].items()} == {
            **{key: "5" for key in case.targets}, **{key: "13" for key in case.train_targets}}
        assert r["step_page_faults"] >= 0
        # train and the hand loop take E steps a call; every ratio is of times per step
        E = result["settings"]["step_epochs"]
        assert r["steps_per_call"] == {"train": E, "hand_loop": E}
        per = r["per_step_s"]
        assert per["train"] == pytest.approx(r["times"]["train"]["median_s"] / E)
        assert per["step"] == r["times"]["step"]["median_s"]
        assert r["ratios"]["train_over_floor"] == pytest.approx(per["train"] / per["floor"])
        assert r["ratios"]["hand_loop_over_train"] == pytest.approx(per["hand_loop"] / per["train"])
        assert r["ratios"]["inplace_over_floor"] == pytest.approx(per["inplace"] / per["floor"])
        tolerance = _inplace.TOLERANCE[np.dtype(r["dtype"])]  # round-off
        assert max(r["checks"][f"hand_loop_{what}_rel_diff"] for what in ("params", "history")) < tolerance
        assert r["checks"]["inplace_grad_rel_diff"] < tolerance
        assert r["inplace_kernel"] in ("dot", "matmul")
        mem = r["train_memory"]
        assert mem["formula_holds"] == ("train_mem_ratio" in r["ratios"])  # below 1, the held-data guess is wrong
        if mem["formula_holds"]:
            assert r["ratios"]["train_mem_ratio"] == pytest.approx(
                (mem["peak_bytes"] - mem["held_bytes"]) / mem["min_bytes"])


def test_quick_json_train_rows(quick):
    _, result, _ = quick
    assert result["settings"]["step_epochs"] == 5
    rows = {r["case"]: r for r in result["train_rows"]}
    assert list(rows) == ["spiral", "fashion"]
    spiral, fashion = rows["spiral"], rows["fashion"]
    assert (spiral["examples"], spiral["batches_per_epoch"], spiral["layer_dims"]) == (300, 10, [2, 100, 3])
    assert (fashion["examples"], fashion["batches_per_epoch"]) == (4096, 32)
    assert fashion["layer_dims"] == [784, 256, 128, 10] and fashion["batch_size"] == 128
    for r in rows.values():
        assert {"fnnet", "hand_loop"} <= set(r["times"]) and "baseline" not in r["times"]
        assert set(r["targets"]) == {"hand_loop_over_train"} and r["targets"]["hand_loop_over_train"]["issue"] == "13"
        assert r["ratios"]["hand_loop_over_train"] == pytest.approx(
            r["times"]["hand_loop"]["median_s"] / r["times"]["fnnet"]["median_s"])
        assert r["checks"]["hand_loop_params_rel_diff"] < 1e-5 and r["optimizer"] == "sgd"
        assert r["per_batch_s"] * r["epochs"] * r["batches_per_epoch"] == pytest.approx(r["times"]["fnnet"]["median_s"])
        for peer in ("torch", "sklearn"):
            assert (peer in r["times"]) == (f"{peer}_speedup" in r["ratios"]) == (peer not in r["skipped"])
        for value in r["ratios"].values():
            assert math.isfinite(value) and value > 0
    if "torch" in spiral["times"]:  # same batches, same init, same SGD: the same params at the end
        assert spiral["checks"]["torch_params_rel_diff"] < 1e-10


def test_quick_markdown_has_every_table(quick):
    _, _, md = quick
    for section in ("## Machine", "## Step", "## Training step (issue 13)", "## Training loop",
                    "## Floor: the fastest variant", "## Targets"):
        assert section in md
    assert "| case | dtype | fwd |" in md and "| case | dtype | examples |" in md
    assert "| " + " | ".join(TRAINING_STEP_COLUMNS) + " |" in md
    assert "| " + " | ".join(TRAIN_COLUMNS) + " |" in md
    assert "| case | issue | figure | target | measured | verdict |" in md
    assert "| tiny float64 | 13 | train / floor | <= 5x |" in md and "| tiny float64 | 5 | step / floor |" in md
    # two dtypes: step, training-step and floor tables
    assert md.count("\n| tiny | float") == 6 and md.count("\n| small | float") == 6
    assert md.count("\n| spiral |") == 1 and md.count("\n| fashion |") == 1


def test_markdown_replaces_only_the_marked_block(tmp_path):
    path = tmp_path / "R.md"
    path.write_text(f"# Title\n\n{run.START}\nold table\n{run.END}\n\n## Analysis\nkept\n")
    run.write_markdown(path, "new table\n")
    assert path.read_text() == f"# Title\n\n{run.START}\nnew table\n{run.END}\n\n## Analysis\nkept\n"
    fresh = tmp_path / "new.md"
    run.write_markdown(fresh, "t\n")
    assert fresh.read_text() == f"{run.START}\nt\n{run.END}\n"


@pytest.mark.parametrize("peers, reason", [([], "not installed"), (["--peers", "none"], "not requested (--peers)")],
                         ids=["not-installed", "peers-none"])
def test_quick_runs_without_torch_jax_or_sklearn(tmp_path, peers, reason):
    # None in sys.modules makes `import torch` raise ImportError, as when it is not installed
    script = ("import sys, runpy; sys.modules['torch'] = sys.modules['jax'] = sys.modules['sklearn'] = None; "
              f"sys.argv = ['run.py', '--quick', '--cases', 'tiny', '--dtype', 'float64', '--train', 'spiral', "
              f"*{peers!r}, '--json', {str(tmp_path / 'r.json')!r}]; "
              f"runpy.run_path({str(BENCH / 'run.py')!r}, run_name='__main__')")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    result = json.loads((tmp_path / "r.json").read_text())
    assert result["peers"] == {"torch": None, "jax": None, "sklearn": None}
    row = result["rows"][0]
    assert {peer: row["skipped"][peer] for peer in ("torch", "jax")} == {"torch": reason, "jax": reason}
    assert set(row["times"]) == {"floor", "step", "forward", "backward", "update", "loop"} | TRAINING_STEP_TIMES
    assert not {"torch_over_train", "jax_over_train"} & set(row["ratios"])
    assert row["targets"]["jax_over_train"] == {"target": 1.0, "value": None, "met": None, "issue": "13"}
    assert result["train_rows"][0]["skipped"] == {"torch": reason, "sklearn": reason}
    assert set(result["train_rows"][0]["times"]) == {"fnnet", "hand_loop"}
    assert "jax:" not in proc.stdout


@pytest.mark.parametrize("args, code, message", [
    (["--cases", "tiny,huge"], 2, "--cases: unknown name(s) ['huge']"),
    (["--train", "cifar"], 2, "--train: unknown name(s) ['cifar']"),
    (["--peers", "torch,mxnet"], 2, "--peers: unknown name(s) ['mxnet']"),
    (["--step-epochs", "0"], 2, "--step-epochs must be >= 1"),
    (["--dtype", "float16"], 2, "invalid choice"),
    (["--baseline", "x", "--baseline-commit"], 2, "not allowed with argument"),
    (["--baseline", "/nonexistent/checkout"], 1, "--baseline: no fnnet package in /nonexistent/checkout"),
    (["--baseline-commit", "no-such-commit"], 1, "--baseline-commit: 'no-such-commit' is not a commit"),
], ids=["unknown-case", "unknown-train", "unknown-peer", "no-epochs", "bad-dtype", "two-baselines", "no-package",
        "bad-commit"])
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
    case = _cases.CASES["tiny"]
    assert set(step["targets"]) == set(case.targets) | set(case.train_targets) | {"step_over_base"}
    assert step["targets"]["step_over_base"]["issue"] == "9"
    assert set(train["targets"]) == {"train_over_base", "hand_loop_over_train"}
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
    ours, _ = _cases.train_callable(fnnet, params, X, Y, tc.recipe(3))()
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


def test_bench_checkpoint_reports_writes_and_runs(capsys):
    import bench_checkpoint

    bench_checkpoint.main(["--epochs", "3", "--repeats", "1"])
    out = capsys.readouterr().out
    assert "history of  4000 epochs:" in out
    row = out.strip().splitlines()[-1].split()
    assert row[0] == "3" and row[-1] == "2"   # 3 epochs: the first and the last written


# --- issue 13: careful in-place NumPy, the hand loop, train's memory, jax.jit ------------------------
#: Small networks with every output layer and loss the in-place step knows.
OUTPUTS = [
    _cases.Case("bce", (2, 4, 1), ("relu", "sigmoid"), "bce", 10, "he", "seed002", "sigmoid + bce"),
    _cases.Case("cce", (3, 5, 4, 3), ("sigmoid", "relu", "softmax"), "cce", 7, "he", "mnist_like", "softmax + cce"),
    _cases.Case("linear", (3, 4, 2), ("relu", "linear"), "mse", 5, "he", "gaussian", "linear + mse"),
    _cases.Case("sigmoid", (4, 3, 2), ("sigmoid", "sigmoid"), "mse", 6, "xavier", "mnist_like", "sigmoid + mse"),
    _cases.Case("relu", (3, 4, 4, 2), ("linear", "relu", "relu"), "mse", 8, "he", "gaussian", "relu + mse"),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", OUTPUTS, ids=[c.name for c in OUTPUTS])
def test_inplace_steps_are_fnnets_steps(case, dtype):
    params = _cases.make_params(case, dtype)
    X, Y = _cases.make_data(case, dtype)
    diffs = _inplace.check_inplace(fnnet, params, X, Y, case.activations, case.loss, 0.1)
    assert diffs["grad_rel_diff"] < _inplace.TOLERANCE[np.dtype(dtype)]
    for kernel in (np.dot, np.matmul):  # three steps on the reused buffers are three fnnet steps
        step = _inplace.InPlaceStep(params, X, Y, case.activations, case.loss, 0.1, kernel)
        want = params
        for _ in range(3):
            step()
            _, cache = fnnet.forward(want, X, list(case.activations))
            want = fnnet.sgd_step(want, fnnet.backward(want, cache, Y, case.loss), 0.1)
        assert list(step.params) == list(params)
        assert _cases.max_rel_diff(step.params, want) < 10 * _inplace.TOLERANCE[np.dtype(dtype)]
        assert all(step.params[k].dtype == dtype for k in params)
    assert all(np.array_equal(params[k], _cases.make_params(case, dtype)[k]) for k in params)  # copies trained


class _OffByAThousandth:
    """fnnet, except that its gradients are 0.1% too large: the in-place check must see it."""

    forward, sgd_step = staticmethod(fnnet.forward), staticmethod(fnnet.sgd_step)

    @staticmethod
    def backward(params, cache, Y, loss):
        return {k: 1.001 * g for k, g in fnnet.backward(params, cache, Y, loss).items()}


def test_inplace_check_fails_on_other_gradients():
    case = _cases.CASES["tiny"]
    params = _cases.make_params(case, np.float64)
    X, Y = _cases.make_data(case, np.float64)
    with pytest.raises(AssertionError, match="the in-place step differs from fnnet's"):
        _inplace.check_inplace(_OffByAThousandth, params, X, Y, case.activations, case.loss, _cases.LR)
    with pytest.raises(ValueError, match="no in-place step"):
        _inplace.InPlaceStep(params, X, Y, ("relu", "tanh", "sigmoid"), "bce", 0.1)


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_hand_loop_trains_as_train(optimizer):
    tc = _cases.TRAIN_CASES["spiral"]
    X, Y, _, _ = _cases.train_data(tc, quick=True)
    recipe = dataclasses.replace(tc.recipe(2), optimizer=optimizer)
    diffs = _cases.check_hand_loop(fnnet, _cases.train_params(tc), X, Y, recipe)
    assert diffs["params"] < 1e-10 and diffs["history"] < 1e-10
    params, history = _cases.hand_loop_callable(fnnet, _cases.train_params(tc), X, Y, recipe)()
    assert set(history) == {"cost", "accuracy"} and len(history["cost"]) == 2
    regression = _cases.CASES["small"]  # no accuracy for mse; full batch
    X, Y = _cases.make_data(regression, np.float64)
    _, history = _cases.hand_loop_callable(fnnet, _cases.make_params(regression, np.float64), X, Y,
                                           regression.recipe(3))()
    assert set(history) == {"cost"} and len(history["cost"]) == 3


def test_train_memory_counts_what_train_holds():
    case = _cases.CASES["nielsen10"]  # mse: no labels
    params = _cases.make_params(case, np.float64)
    X, Y = _cases.make_data(case, np.float64)
    mem = _cases.train_memory(params, X, Y, case)
    n_params = sum(p.size for p in params.values())
    assert mem["held_bytes"] == 8 * (_cases.TRAIN_DATA_COPIES * (X.size + Y.size) + n_params)
    assert mem["label_bytes"] == 0 and mem["min_bytes"] == 8 * ((30 + 10) * 10 + n_params)
    assert mem["peak_bytes"] > mem["min_bytes"]  # at least a step's activations and gradients
    if mem["formula_holds"]:
        assert mem["ratio"] == (mem["peak_bytes"] - mem["held_bytes"]) / mem["min_bytes"] >= 1.0
    else:
        assert mem["ratio"] is None
    tiny = _cases.CASES["tiny"]  # bce classifies: an int64 label a column
    X, Y = _cases.make_data(tiny, np.float32)
    assert _cases.train_memory(_cases.make_params(tiny, np.float32), X, Y, tiny)["label_bytes"] == 8 * 10


def test_jax_step_is_fnnets_step():
    jax_module = pytest.importorskip("_jax", reason="jax is an optional peer")
    for case, dtype in ((OUTPUTS[1], np.float32), (OUTPUTS[4], np.float64)):
        params = _cases.make_params(case, dtype)
        X, Y = _cases.make_data(case, dtype)
        step, grads, info = jax_module.jax_callable(params, X, Y, case, 0.1)
        assert _cases.check_grads(params, X, Y, case, grads) < _inplace.TOLERANCE[np.dtype(dtype)]
        assert info["dtype"] == np.dtype(dtype).name and all(g.dtype == dtype for g in grads.values())
        assert sum(info["dots"].values()) == 3 * len(case.activations) - 1
        before = {key: p.copy() for key, p in params.items()}
        step(), step()  # the params are carried from call to call (their buffers donated) ...
        assert all(np.array_equal(params[key], before[key]) for key in params)  # ... never the caller's
    assert set(jax_module.describe()) >= {"version", "threads", "threads_source", "XLA_FLAGS"}


def test_dot_libraries_reads_the_compiled_hlo():
    hlo = """%fused_computation (p0: f32[3,2], p1: f32[2,4]) -> f32[3,4] {
  ROOT %dot.0 = f32[3,4]{1,0} dot(%p0, %p1), lhs_contracting_dims={1}, rhs_contracting_dims={0}
}

ENTRY %main.1 (a: f32[3,2], b: f32[2,4], c: f32[4,3]) -> f32[3,3] {
  %ynn_fusion = f32[3,4]{1,0} fusion(%a, %b), kind=kCustom, calls=%fused_computation, \
backend_config={"fusion_config":{"kind":"__ynn_fusion"}}
  ROOT %dot = f32[3,3]{1,0} dot(%ynn_fusion, %c), lhs_contracting_dims={1}, rhs_contracting_dims={0}
}
"""
    jax_module = pytest.importorskip("_jax", reason="jax is an optional peer")
    assert jax_module.dot_libraries(hlo) == {"YNNPACK": 1, jax_module.EIGEN: 1}
