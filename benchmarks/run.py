"""fnnet's benchmark suite: a training step against its BLAS floor, training loops, peers, a baseline.

Run::

    python benchmarks/run.py                      # every case, float32 and float64 (many minutes)
    python benchmarks/run.py --quick              # seconds: checks that everything runs
    python benchmarks/run.py --baseline-commit    # also time fnnet of commit 2e599c7 beside the current one
    python benchmarks/run.py --baseline-commit e9116bf --cases mid,big --train spiral
    python benchmarks/run.py --baseline ../other-checkout --peers torch,jax --step-epochs 200
    python benchmarks/run.py --cases tiny,nielsen10 --dtype float64 --json out.json --markdown out.md

For every step case and dtype (network ``W{l}`` ``(n_l, n_{l-1})``, data ``X`` ``(n0, m)``,
``Y`` ``(n_L, m)``) it times, as medians over interleaved rounds after warm-up, each as time
per training step:

- ``step`` (``forward`` + ``backward`` + ``sgd_step``, as a user writes it) and its three parts;
- ``train``: full-batch ``fnnet.train`` over ``--step-epochs`` epochs (default 100) a call,
  divided by the epochs (its per-epoch shuffle, cost and accuracy history included);
- ``hand_loop``: the same epochs by hand with the public functions (``batches``, ``forward``,
  ``cost``, ``predict_labels``, ``backward``, ``sgd_step``), checked to end as train does;
- ``inplace``: careful in-place NumPy (``benchmarks/_inplace.py``), checked against fnnet's step;
- the ``floor``, the step's ``3L - 1`` matrix products on preallocated arrays, each made the
  fastest of four ways (``np.dot`` or ``np.matmul``, ``W A`` or ``(A^T W^T)^T``), chosen by timing
  them in the same run;
- the per-example ``loop`` of the seed notebooks; PyTorch CPU eager (``torch``, as many threads
  as numpy's BLAS), a ``jax.jit`` step (``jax``, float64 enabled) and scikit-learn's
  ``partial_fit`` when installed (``--peers``); with a baseline, the baseline's step.

Ratios per row (``ratios`` in the JSON): ``step_over_floor``, ``train_over_floor``,
``inplace_over_floor``; ``hand_loop_over_train``, ``torch_over_train``, ``jax_over_train``
(> 1: train faster); ``{peer}_speedup`` over the step; ``mem_ratio`` and ``train_mem_ratio``
(memory over activations + gradients). Each case's targets (issues 5, 9 and 13) are judged
in the ``Targets`` table.

Every training-loop case times ``fnnet.train`` for a fixed number of epochs (and the
baseline's) against the hand loop of the same mini-batches and optimizer, a PyTorch eager loop
over the same batches and ``MLPClassifier.fit``. Every contender runs in each round, one after
another, so machine noise hits them alike; only ratios measured in one run are meaningful.
Memory: tracemalloc peaks. ``benchmarks/`` uses only fnnet's public names.
"""

from __future__ import annotations

import argparse
import atexit
import gc
import importlib.util
import io
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from types import ModuleType
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))  # for _cases when run as a script
import _cases  # noqa: E402
import _inplace  # noqa: E402

import fnnet  # noqa: E402

DTYPES = {"float32": np.float32, "float64": np.float64}


# --- the machine --------------------------------------------------------------------------------
def _speedups(med: Dict[str, float], own: str, peers, name: str = "{}_speedup") -> Dict[str, float]:
    """``name.format(peer)`` (default ``{peer}_speedup``): each timed peer's median over ``own``'s,
    > 1 when ``own`` is faster."""
    return {name.format(peer): med[peer] / med[own] for peer in peers if peer in med}


def blas_threads() -> Dict[str, object]:
    """The BLAS numpy uses and its thread count (threadpoolctl when installed, else the environment)."""
    info: Dict[str, object] = {}
    try:
        from threadpoolctl import threadpool_info

        for pool in threadpool_info():
            if pool.get("user_api") == "blas":
                info = {"internal_api": pool.get("internal_api"), "version": pool.get("version"),
                        "num_threads": pool.get("num_threads"), "architecture": pool.get("architecture"),
                        "threading_layer": pool.get("threading_layer"), "source": "threadpoolctl"}
                break
    except Exception:  # threadpoolctl is optional; any failure falls back to the environment
        info = {}
    if not info.get("num_threads"):
        env = os.environ.get("OPENBLAS_NUM_THREADS") or os.environ.get("OMP_NUM_THREADS")
        info["num_threads"] = int(env) if env and env.isdigit() else (os.cpu_count() or 1)
        info["source"] = "OPENBLAS_NUM_THREADS" if env else "os.cpu_count() (OpenBLAS default)"
    return info


def machine_header() -> Dict[str, object]:
    blas: Dict[str, object] = {}
    try:
        config = np.show_config(mode="dicts")
        dep = config.get("Build Dependencies", {}).get("blas", {})
        blas = {"name": dep.get("name"), "version": dep.get("version"),
                "configuration": dep.get("openblas configuration")}
    except Exception:  # numpy < 1.26 has no mode="dicts"
        blas = {"name": "unknown (numpy.show_config() has no dict mode)"}
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    env = {k: v for k, v in sorted(os.environ.items())
           if k.startswith(("OPENBLAS_", "OMP_", "MKL_", "GOTO"))}
    try:
        load = os.getloadavg()
    except OSError:
        load = None
    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "fnnet": getattr(fnnet, "__version__", "?"),
        "fnnet_dir": str(Path(fnnet.__file__).resolve().parent),
        "blas": blas,
        "blas_runtime": blas_threads(),
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE", "(unset: OpenBLAS picks the kernel)"),
        "blas_env": env,
        "cpu": cpu,
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "loadavg_at_start": load,
    }


def peer_libraries(peers: Dict[str, Optional[str]], rows: Sequence[Dict] = ()) -> Dict[str, str]:
    """Where each installed peer's matrix products come from (the issue asks the write-up to say so).

    torch: its build's BLAS (``torch.__config__.show()``). jax: XLA:CPU, its thread pool and,
    once ``rows`` ran, how many of the compiled steps' dots each library made (from their HLO).
    """
    out = {}
    if peers.get("torch"):
        out["torch"] = _cases.torch_libraries()
    if peers.get("jax"):
        info = jax_peer().describe()
        dots: Dict[str, int] = {}
        for r in rows:
            for library, n in r.get("peer_info", {}).get("jax", {}).get("dots", {}).items():
                dots[library] = dots.get(library, 0) + n
        made = (", ".join(f"{library} {n}" for library, n in dots.items()) if dots
                else "see each step row (peer_info.jax.dots)")
        out["jax"] = (f"XLA:CPU ({info['backend']}), dots of the compiled steps by library: {made}; "
                      f"{info['threads']} threads ({info['threads_source']}); XLA_FLAGS={info['XLA_FLAGS']}")
    return out


def format_header(h: Dict[str, object], peers: Dict[str, Optional[str]], threads: int) -> List[str]:
    rt = h["blas_runtime"]
    lines = [
        f"CPU: {h['cpu']} ({h['cpu_count']} logical cores); {h['platform']}",
        f"Python {h['python']}, NumPy {h['numpy']}, fnnet {h['fnnet']} from {h.get('fnnet_dir', '?')}",
        f"BLAS: {h['blas'].get('name')} {h['blas'].get('version') or ''}; "
        f"{h['blas'].get('configuration') or ''}".rstrip("; "),
        f"BLAS at run time: {rt.get('internal_api', '?')} kernel {rt.get('architecture', '?')}, "
        f"{rt.get('num_threads')} threads ({rt.get('source')}); OPENBLAS_CORETYPE={h['OPENBLAS_CORETYPE']}",
        "BLAS environment: " + (", ".join(f"{k}={v}" for k, v in h["blas_env"].items()) or "(none)"),
        "Peers: " + ", ".join(f"{k} {v or 'not installed'}" for k, v in peers.items())
        + (f"; torch.set_num_threads({threads})" if peers.get("torch") else ""),
    ] + [f"{peer}'s matrix products: {text}" for peer, text in h.get("peer_libraries", {}).items()] + [
        f"Memory allocator: {h.get('malloc', 'default')}",
        f"Load average at start: {h['loadavg_at_start']}",
    ]
    base = h.get("baseline")
    if base:
        lines.append(f"Baseline: fnnet {base['version']} " + (f"of commit {base['commit']} " if base["commit"] else "")
                     + f"from {base['dir']}, imported as {BASELINE_MODULE}")
    return lines


# --- timing -------------------------------------------------------------------------------------
def _time_calls(fn: Callable[[], object], n: int) -> Tuple[float, float]:
    """Seconds per call over ``n`` back-to-back calls, the garbage collector paused (as timeit),
    and the process's CPU seconds over those wall seconds (the cores it kept busy, all threads)."""
    gc_was = gc.isenabled()
    gc.disable()
    try:
        t0, c0 = time.perf_counter(), time.process_time()
        for _ in range(n):
            fn()
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        return wall / n, cpu / max(wall, 1e-12)
    finally:
        if gc_was:
            gc.enable()


def calibrate(fn: Callable[[], object], min_time: float) -> int:
    """Calls per measurement so that one measurement lasts at least ``min_time`` seconds."""
    fn()  # warm-up: first-call costs (imports, caches, page faults) stay out of the figures
    n = 1
    while True:
        per_call = _time_calls(fn, n)[0]
        if per_call * n >= min_time / 4 or n >= 1_000_000:
            return max(1, math.ceil(min_time / max(per_call, 1e-9)))
        n *= 10


def interleaved_medians(fns: Dict[str, Callable[[], object]], rounds: int, min_time: float) -> Dict[str, Dict]:
    """Median seconds per call of every contender, all of them measured in each round.

    Each entry: ``median_s``, ``min_s``, ``calls`` (per measurement), ``rounds`` and
    ``cpu_per_wall``, the median of the process's CPU time over wall time: about the threads
    kept busy (BLAS threads that spin count; rough for measurements of a few scheduler ticks).
    """
    counts = {name: calibrate(fn, min_time) for name, fn in fns.items()}
    samples: Dict[str, List[Tuple[float, float]]] = {name: [] for name in fns}
    names = list(fns)
    for r in range(rounds):
        for name in names[r % len(names):] + names[:r % len(names)]:  # rotate: no contender always first
            samples[name].append(_time_calls(fns[name], counts[name]))
    out = {}
    for name, s in samples.items():
        seconds = [t for t, _ in s]
        out[name] = {"median_s": statistics.median(seconds), "min_s": min(seconds), "calls": counts[name],
                     "rounds": len(s), "cpu_per_wall": statistics.median(c for _, c in s)}
    return out


def tune_malloc() -> str:
    """Keep freed memory in glibc's heap (no mmap/munmap, no trimming) for this process.

    By default glibc serves allocations above a *dynamic* threshold (128 KiB at start) with
    fresh ``mmap`` pages and trims the heap top on free, so the arrays a pure step allocates
    can page-fault on every step; whether they do depends on what the process freed before.
    """
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        ok = libc.mallopt(-3, 32 << 20) == 1 and libc.mallopt(-1, 1 << 30) == 1  # M_MMAP_THRESHOLD, M_TRIM_THRESHOLD
    except (OSError, AttributeError, TypeError):
        ok = False
    return ("tuned: M_MMAP_THRESHOLD=32 MiB, M_TRIM_THRESHOLD=1 GiB (mallopt)" if ok
            else "tuning requested but mallopt is unavailable (not glibc): default")


def faults_per_call(fn: Callable[[], object], calls: int) -> float:
    """Minor page faults per call (fresh pages the allocator had to map), over ``calls`` calls."""
    try:
        import resource
    except ImportError:
        return float("nan")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(calls):
        fn()
    return (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / calls


def _loadavg() -> Optional[float]:
    try:
        return os.getloadavg()[0]
    except OSError:
        return None


# --- the baseline: fnnet of another commit, imported under another name -------------------------
#: The core issue 9 compares against ("today's core"): ``--baseline-commit`` with no value.
DEFAULT_BASELINE_COMMIT = "2e599c7"
BASELINE_MODULE = "fnnet_baseline"
REPO = Path(__file__).resolve().parent.parent


def load_baseline(directory) -> ModuleType:
    """Import the package ``directory/fnnet`` as ``fnnet_baseline`` (fnnet imports itself only relatively)."""
    init = Path(directory) / "fnnet" / "__init__.py"
    if not init.is_file():
        raise ValueError(f"--baseline: no fnnet package in {directory} (expected {init})")
    spec = importlib.util.spec_from_file_location(BASELINE_MODULE, init,
                                                  submodule_search_locations=[str(init.parent)])
    module = importlib.util.module_from_spec(spec)
    sys.modules[BASELINE_MODULE] = module  # its relative imports resolve through sys.modules
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[BASELINE_MODULE]
        raise
    return module


def export_commit(commit: str, destination, repo: Path = REPO) -> str:
    """Write the ``fnnet/`` tree of ``commit`` into ``destination`` (``git archive``); return its full hash."""
    try:
        found = subprocess.run(["git", "-C", str(repo), "rev-parse", "--verify", "--quiet", f"{commit}^{{commit}}"],
                               capture_output=True, text=True)
    except FileNotFoundError:
        raise ValueError("--baseline-commit needs git, which is not on PATH") from None
    if found.returncode != 0:
        raise ValueError(f"--baseline-commit: {commit!r} is not a commit of the repository {repo}")
    sha = found.stdout.strip()
    archive = subprocess.run(["git", "-C", str(repo), "archive", "--format=tar", sha, "fnnet"],
                             capture_output=True, check=True)
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        if hasattr(tarfile, "data_filter"):
            tar.extractall(destination, filter="data")
        else:  # Python without extraction filters; the archive is our own repository's
            tar.extractall(destination)
    return sha


def baseline_from_args(args) -> Tuple[Optional[ModuleType], Optional[Dict[str, str]]]:
    """The baseline package the options ask for (or None) and a description of it."""
    if args.baseline_commit:
        directory = tempfile.mkdtemp(prefix="fnnet-baseline-")
        atexit.register(shutil.rmtree, directory, ignore_errors=True)
        sha = export_commit(args.baseline_commit, directory)
        module = load_baseline(directory)
        return module, {"commit": sha, "dir": directory, "version": getattr(module, "__version__", "?")}
    if args.baseline:
        module = load_baseline(args.baseline)
        return module, {"commit": None, "dir": str(Path(args.baseline).resolve()),
                        "version": getattr(module, "__version__", "?")}
    return None, None


# --- the floor ----------------------------------------------------------------------------------
def select_floor(params, X, rounds: int, min_time: float) -> Tuple[Callable[[], None], List[Dict]]:
    """Time the four variants of each of the step's products; the floor makes each the fastest way."""
    calls, info = [], []
    for label, P, Q in _cases.step_products(params, X):
        variants = _cases.product_variants(P, Q)
        times = interleaved_medians({name: call for name, (call, _) in variants.items()}, rounds, min_time)
        med = {name: t["median_s"] for name, t in times.items()}
        best = min(med, key=med.get)
        calls.append(variants[best][0])
        info.append({"product": label, "shape": f"({P.shape[0]}, {P.shape[1]}) x ({Q.shape[0]}, {Q.shape[1]})",
                     "fastest": best, "median_s": med})
    return _cases.floor_callable(calls), info


# --- one step row -------------------------------------------------------------------------------
#: Ratios whose targets are upper bounds (the others are lower bounds).
AT_MOST = ("step_over_floor", "mem_ratio", "step_over_base", "train_over_base", "train_over_floor",
           "inplace_over_floor", "train_mem_ratio")
#: Largest relative difference to fnnet allowed of a float64 contender that must compute the same.
AGREE = {"loop_grad": 1e-10, "torch_grad": 1e-8, "jax_grad": 1e-8, "hand_loop_params": 1e-10,
         "hand_loop_history": 1e-10, "torch_params": 1e-8}


def judge(targets: Dict[str, float], ratios: Dict[str, float], issue: str) -> Dict[str, Dict]:
    """Each target (of issue ``issue``) against its measured ratio: met or missed, and by how much."""
    out = {}
    for key, target in targets.items():
        value = ratios.get(key)
        if value is None:
            out[key] = {"target": target, "value": None, "met": None, "issue": issue}
            continue
        at_most = key in AT_MOST
        out[key] = {"target": target, "value": value, "met": value <= target if at_most else value >= target,
                    "kind": "max" if at_most else "min", "off_by": (value / target) if at_most else (target / value),
                    "issue": issue}
    return out


def agree(checks: Dict[str, float], what: str, value: float, dtype_name: str, name: str) -> None:
    """Record ``checks[what + "_rel_diff"] = value``; in float64, raise above ``AGREE[what]``.

    The contenders of a row must do the same work as fnnet: ``value`` is the largest relative
    difference of theirs to fnnet's (gradients, params or history) and ``name`` says whose.
    """
    checks[f"{what}_rel_diff"] = value
    if dtype_name == "float64" and value > AGREE[what]:
        raise AssertionError(f"{name} differ from fnnet's by {value:.2e} (relative), expected <= {AGREE[what]:g}")


def agree_hand_loop(checks: Dict[str, float], params, X, Y, recipe: _cases.Recipe, dtype_name: str,
                    name: str) -> None:
    """The hand loop of ``recipe`` (a few epochs) ends with train's params and history (:func:`agree`)."""
    for what, value in _cases.check_hand_loop(fnnet, params, X, Y, recipe).items():
        agree(checks, f"hand_loop_{what}", value, dtype_name, f"{name}: the hand loop's {what}")


def skip_reason(peer: str, args) -> str:
    return "not installed" if peer in args.peers else "not requested (--peers)"


def jax_peer() -> ModuleType:
    """``benchmarks/_jax.py``, imported on first use (it imports jax and enables float64 in it)."""
    import _jax

    return _jax


def faster_kernel(floor_info: List[Dict]) -> str:
    """``"dot"`` or ``"matmul"``: the call that made the step's products faster in the floor's choice
    (``W A`` orientation, as the in-place step makes them), summed over the products."""
    return min(("dot", "matmul"), key=lambda name: sum(p["median_s"][name] for p in floor_info))


def peer_steps(params, X, Y, case: _cases.Case, dtype_name: str, args, peers, threads: int):
    """The step of each installed, requested peer (torch, jax), their gradients checked against fnnet's.

    Returns ``(fns, checks, skipped, info)``: the step callables, the relative gradient
    differences, why a peer is not timed, and what each peer reports (threads, dot libraries).
    """
    builders = {"torch": lambda: _cases.torch_callable(params, X, Y, case, threads),
                "jax": lambda: jax_peer().jax_callable(params, X, Y, case, _cases.LR)}
    fns, checks, skipped, info = {}, {}, {}, {}
    for peer, build in builders.items():
        if not (peer in args.peers and peers.get(peer)):
            skipped[peer] = skip_reason(peer, args)
            continue
        fns[peer], grads, info[peer] = build()
        agree(checks, f"{peer}_grad", _cases.check_grads(params, X, Y, case, grads), dtype_name,
              f"{case.name}: {peer}'s gradients (not the same cost?)")
        if info[peer].get("dtype", dtype_name) != dtype_name:
            raise AssertionError(f"{case.name}: {peer}'s step returns {info[peer]['dtype']}, not {dtype_name}")
    return fns, checks, skipped, info


def training_step_contenders(params, X, Y, case: _cases.Case, dtype_name: str, epochs: int, kernel: str,
                             checks: Dict[str, float]) -> Dict[str, Callable[[], object]]:
    """Issue 13's contenders of a step row, each checked against fnnet once (into ``checks``).

    ``train``: full-batch ``fnnet.train`` of ``epochs`` epochs; ``hand_loop``: the same by hand;
    ``inplace``: careful in-place NumPy, its products made with ``np.<kernel>``.
    """
    recipe = case.recipe(epochs)
    agree_hand_loop(checks, params, X, Y, case.recipe(2), dtype_name, case.name)
    checks.update({f"inplace_{k}": v for k, v in _inplace.check_inplace(
        fnnet, params, X, Y, case.activations, case.loss, _cases.LR, getattr(np, kernel)).items()})
    return {"train": _cases.train_callable(fnnet, params, X, Y, recipe),
            "hand_loop": _cases.hand_loop_callable(fnnet, params, X, Y, recipe),
            "inplace": _inplace.InPlaceStep(params, X, Y, case.activations, case.loss, _cases.LR, getattr(np, kernel))}


def run_case(case: _cases.Case, dtype_name: str, args, peers: Dict[str, Optional[str]], threads: int,
             base: Optional[ModuleType] = None) -> Dict:
    dtype = DTYPES[dtype_name]
    params = _cases.make_params(case, dtype)
    X, Y = _cases.make_data(case, dtype)
    fns: Dict[str, Callable[[], object]] = {}
    # the choice needs only to rank four variants: fewer, shorter rounds than the row itself
    fns["floor"], floor_info = select_floor(params, X, min(args.rounds, 3), args.min_time / 4)
    fns.update(_cases.step_callables(fnnet, params, X, Y, case))
    if base is not None:
        fns["base_step"] = _cases.step_callables(base, params, X, Y, case)["step"]
    steps = {"train": args.step_epochs, "hand_loop": args.step_epochs}  # steps a call
    kernel = faster_kernel(floor_info)
    checks: Dict[str, float] = {}
    fns.update(training_step_contenders(params, X, Y, case, dtype_name, args.step_epochs, kernel, checks))
    skipped: Dict[str, str] = {}
    if case.loop:
        fns["loop"] = _cases.loop_callable(params, X, Y, case)
        agree(checks, "loop_grad", _cases.check_loop(params, X, Y, case), dtype_name,
              f"{case.name}: the per-example loop's gradients")
    else:
        skipped["loop"] = "per-example loop only for the sigmoid cases of the seeds (tiny, nielsen)"
    peer_fns, peer_checks, peer_skipped, peer_info = peer_steps(params, X, Y, case, dtype_name, args, peers, threads)
    fns.update(peer_fns)
    checks.update(peer_checks)
    skipped.update(peer_skipped)
    if "sklearn" in args.peers and peers.get("sklearn") and case.sklearn:
        fns["sklearn"] = _cases.sklearn_callable(params, X, Y, case)
    else:
        skipped["sklearn"] = ("architecture not expressible (output layer/loss)" if not case.sklearn
                              else skip_reason("sklearn", args))

    load_before = _loadavg()
    times = interleaved_medians(fns, args.rounds, args.min_time)
    load = [load_before, _loadavg()]
    faults = faults_per_call(fns["step"], min(times["step"]["calls"], 200))
    med = {k: v["median_s"] / steps.get(k, 1) for k, v in times.items()}  # seconds per step
    ratios = {
        "step_over_floor": med["step"] / med["floor"],
        "forward_share": med["forward"] / med["step"],
        "backward_share": med["backward"] / med["step"],
        "update_share": med["update"] / med["step"],
        # what picking the fastest variant saves over making every product as np.dot(W, A)
        "floor_choice_gain": (sum(p["median_s"]["dot"] for p in floor_info)
                              / sum(min(p["median_s"].values()) for p in floor_info)),
        "train_over_floor": med["train"] / med["floor"],
        "inplace_over_floor": med["inplace"] / med["floor"],
    }
    if "base_step" in med:
        ratios["base_step_over_floor"] = med["base_step"] / med["floor"]
        ratios["step_over_base"] = med["step"] / med["base_step"]
    ratios.update(_speedups(med, "step", ("loop", "torch", "sklearn")))
    ratios.update(_speedups(med, "train", ("hand_loop", "torch", "jax"), "{}_over_train"))
    mem = _cases.memory(params, X, Y, case)
    ratios["mem_ratio"] = mem["grad_peak_bytes"] / mem["grad_min_bytes"]
    ratios["mem_ratio_step"] = mem["step_peak_bytes"] / mem["step_min_bytes"]
    train_mem = _cases.train_memory(params, X, Y, case)
    if train_mem["formula_holds"]:
        ratios["train_mem_ratio"] = train_mem["ratio"]
    targets = judge(case.targets, ratios, "5")
    targets.update(judge(case.train_targets, ratios, "13"))
    if base is not None and case.name in _cases.STEP_VS_BASELINE:
        targets.update(judge({"step_over_base": _cases.STEP_VS_BASELINE[case.name]}, ratios, "9"))
    flops = _cases.gemm_flops(case.layer_dims, case.m)
    return {
        "case": case.name, "dtype": dtype_name, "layer_dims": list(case.layer_dims),
        "activations": list(case.activations), "loss": case.loss, "m": case.m, "note": case.note,
        "n_products": len(floor_info), "floor_products": floor_info,
        "gemm_flops": flops, "floor_gflops": flops / med["floor"] / 1e9,
        "times": times, "steps_per_call": steps, "per_step_s": med, "ratios": ratios,
        "memory": mem, "train_memory": train_mem, "inplace_kernel": kernel, "peer_info": peer_info,
        "checks": checks, "skipped": skipped, "targets": targets, "loadavg_1min": load,
        "step_page_faults": faults,
    }


# --- one training-loop row ----------------------------------------------------------------------
def run_train_case(tc: _cases.TrainCase, args, peers: Dict[str, Optional[str]], threads: int,
                   base: Optional[ModuleType] = None) -> Dict:
    X, Y, labels, source = _cases.train_data(tc, args.quick)
    params = _cases.train_params(tc)
    epochs = tc.quick_epochs if args.quick else tc.epochs
    m = X.shape[1]
    recipe = tc.recipe(epochs)
    fns: Dict[str, Callable[[], object]] = {"fnnet": _cases.train_callable(fnnet, params, X, Y, recipe),
                                            "hand_loop": _cases.hand_loop_callable(fnnet, params, X, Y, recipe)}
    if base is not None:
        fns["baseline"] = _cases.train_callable(base, params, X, Y, recipe)
    checks: Dict[str, float] = {}
    agree_hand_loop(checks, params, X, Y, tc.recipe(1), tc.dtype, f"train {tc.name}")
    skipped: Dict[str, str] = {}
    if "torch" in args.peers and peers.get("torch"):
        fns["torch"] = _cases.torch_train_callable(params, X, Y, tc, epochs, threads)
        if tc.dtype == "float64":  # same batches, same init, same updates: the same params at the end
            agree(checks, "torch_params", _cases.max_rel_diff(fns["torch"](), fns["fnnet"]()[0]), tc.dtype,
                  f"train {tc.name}: torch's final params (not the same batches or updates?)")
    else:
        skipped["torch"] = skip_reason("torch", args)
    if "sklearn" in args.peers and peers.get("sklearn"):
        fns["sklearn"] = _cases.sklearn_train_callable(X, labels, tc, epochs)
    else:
        skipped["sklearn"] = skip_reason("sklearn", args)
    load_before = _loadavg()
    times = interleaved_medians(fns, args.train_rounds, args.min_time)
    load = [load_before, _loadavg()]
    med = {k: v["median_s"] for k, v in times.items()}
    batches = math.ceil(m / tc.batch_size)
    ratios = {}
    if "baseline" in med:
        ratios["train_over_base"] = med["fnnet"] / med["baseline"]
    ratios.update(_speedups(med, "fnnet", ("torch", "sklearn")))
    ratios.update(_speedups(med, "fnnet", ("hand_loop",), "{}_over_train"))
    targets = judge(_cases.TRAIN_LOOP_TARGETS, ratios, "13")
    if base is not None:
        targets.update(judge({"train_over_base": _cases.TRAIN_VS_BASELINE[tc.name]}, ratios, "9"))
    return {
        "case": tc.name, "dtype": tc.dtype, "layer_dims": list(tc.layer_dims), "activations": list(tc.activations),
        "loss": tc.loss, "batch_size": tc.batch_size, "lr": tc.lr, "optimizer": tc.optimizer, "epochs": epochs,
        "examples": m, "batches_per_epoch": batches, "data": source, "note": tc.note,
        "per_batch_s": med["fnnet"] / (epochs * batches),
        "times": times, "ratios": ratios, "checks": checks, "skipped": skipped,
        "targets": targets, "loadavg_1min": load,
    }


# --- output -------------------------------------------------------------------------------------
def _t(seconds: Optional[float]) -> str:
    if seconds is None:
        return "-"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f}us"
    if seconds < 1.0:
        return f"{seconds * 1e3:.2f}ms"
    return f"{seconds:.2f}s"


def _x(value: Optional[float], digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}x"


COLUMNS = ("case", "dtype", "fwd", "bwd", "update", "step", "floor", "step/floor", "base/floor", "now/base",
           "vs loop", "vs torch", "vs sklearn", "mem", "faults")
TRAINING_STEP_COLUMNS = ("case", "dtype", "train", "hand loop", "step", "inplace", "floor", "torch", "jax",
                         "train/floor", "step/floor", "inplace/floor", "hand/train", "torch/train", "jax/train",
                         "train mem")
TRAIN_COLUMNS = ("case", "dtype", "examples", "epochs", "batches", "fnnet", "per batch", "hand loop", "hand/train",
                 "baseline", "now/base", "torch", "sklearn", "vs torch", "vs sklearn")
FLOOR_COLUMNS = ("case", "dtype", "fastest variant per product", "all-dot/floor")


def table_rows(rows: List[Dict]) -> List[List[str]]:
    out = []
    for r in rows:
        med = {k: v["median_s"] for k, v in r["times"].items()}
        ra = r["ratios"]
        out.append([r["case"], r["dtype"], _t(med.get("forward")), _t(med.get("backward")),
                    _t(med.get("update")), _t(med.get("step")), _t(med.get("floor")),
                    _x(ra["step_over_floor"]), _x(ra.get("base_step_over_floor")), _x(ra.get("step_over_base")),
                    _x(ra.get("loop_speedup"), 1), _x(ra.get("torch_speedup")),
                    _x(ra.get("sklearn_speedup")), _x(ra.get("mem_ratio")),
                    "-" if r["step_page_faults"] != r["step_page_faults"] else f"{r['step_page_faults']:.0f}"])
    return out


def training_step_rows(rows: List[Dict]) -> List[List[str]]:
    """Issue 13's table: seconds per step of each contender and the ratios to the floor and to train."""
    out = []
    for r in rows:
        per, ra = r["per_step_s"], r["ratios"]
        out.append([r["case"], r["dtype"]]
                   + [_t(per.get(name)) for name in ("train", "hand_loop", "step", "inplace", "floor", "torch", "jax")]
                   + [_x(ra.get(key)) for key in ("train_over_floor", "step_over_floor", "inplace_over_floor",
                                                  "hand_loop_over_train", "torch_over_train", "jax_over_train",
                                                  "train_mem_ratio")])
    return out


def train_rows(rows: List[Dict]) -> List[List[str]]:
    out = []
    for r in rows:
        med = {k: v["median_s"] for k, v in r["times"].items()}
        ra = r["ratios"]
        out.append([r["case"], r["dtype"], str(r["examples"]), str(r["epochs"]), str(r["batches_per_epoch"]),
                    _t(med["fnnet"]), _t(r["per_batch_s"]), _t(med.get("hand_loop")),
                    _x(ra.get("hand_loop_over_train")), _t(med.get("baseline")), _x(ra.get("train_over_base")),
                    _t(med.get("torch")), _t(med.get("sklearn")), _x(ra.get("torch_speedup")),
                    _x(ra.get("sklearn_speedup"))])
    return out


def floor_rows(rows: List[Dict]) -> List[List[str]]:
    return [[r["case"], r["dtype"], ", ".join(f"{p['product'].split(' ')[0]} {p['fastest']}" for p in r["floor_products"]),
             _x(r["ratios"]["floor_choice_gain"])] for r in rows]


def text_table(columns: Sequence[str], body: List[List[str]]) -> str:
    widths = [max([len(c)] + [len(b[i]) for b in body]) for i, c in enumerate(columns)]
    line = lambda cells: "  ".join(c.rjust(w) if i > 1 else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths)))
    return "\n".join([line(columns), line(["-" * w for w in widths])] + [line(b) for b in body])


def markdown_table(columns: Sequence[str], body: List[List[str]], left: int = 2) -> List[str]:
    lines = ["| " + " | ".join(columns) + " |",
             "|" + "|".join("---" if i < left else "---:" for i in range(len(columns))) + "|"]
    return lines + ["| " + " | ".join(b) + " |" for b in body]


LABELS = {"step_over_floor": "step / floor", "torch_speedup": "vs torch", "loop_speedup": "vs loop",
          "mem_ratio": "memory / minimum", "step_over_base": "step now / baseline",
          "train_over_base": "train now / baseline", "train_over_floor": "train / floor",
          "torch_over_train": "torch / train", "jax_over_train": "jax / train",
          "train_mem_ratio": "train memory / minimum", "hand_loop_over_train": "hand loop / train"}


def target_lines(rows: List[Dict], prefix: str = "") -> List[Dict[str, str]]:
    out = []
    for r in rows:
        for key, t in r["targets"].items():
            sign = "<=" if key in AT_MOST else ">="
            if t["value"] is None:
                verdict = "not measured"
            elif t["met"]:
                verdict = "met"
            else:
                verdict = f"MISSED by {(t['off_by'] - 1) * 100:.{0 if t['off_by'] >= 1.01 else 1}f}%"
            out.append({"case": f"{prefix}{r['case']} {r['dtype']}", "issue": t["issue"], "what": LABELS[key],
                        "target": f"{sign} {t['target']:.3g}x",
                        "value": "-" if t["value"] is None else f"{t['value']:.2f}x", "verdict": verdict})
    return out


def all_targets(result: Dict) -> List[Dict[str, str]]:
    return target_lines(result["rows"]) + target_lines(result["train_rows"], prefix="train ")


def markdown(result: Dict) -> str:
    h = result["header"]
    lines = ["## Machine", ""] + [f"- {x}" for x in format_header(h, result["peers"], result["torch_threads"])]
    s = result["settings"]
    lines += ["", f"Settings: {s['rounds']} interleaved rounds ({s['train_rounds']} for the training loops), "
              f">= {s['min_time']} s per measurement, medians; command `{s['command']}`."]
    if result["rows"]:
        lines += ["", "## Step", ""] + markdown_table(COLUMNS, table_rows(result["rows"]))
        lines += ["", "## Training step (issue 13)", "", TRAINING_STEP_NOTE.format(epochs=s["step_epochs"]), ""]
        lines += markdown_table(TRAINING_STEP_COLUMNS, training_step_rows(result["rows"]))
    if result["train_rows"]:
        lines += ["", "## Training loop", ""] + markdown_table(TRAIN_COLUMNS, train_rows(result["train_rows"]))
        lines += [""] + [f"- {r['case']}: {r['data']}; {r['layer_dims']} {'/'.join(r['activations'])}, {r['loss']}, "
                         f"{r['optimizer']} lr {r['lr']:g}" for r in result["train_rows"]]
    if result["rows"]:
        lines += ["", "## Floor: the fastest variant of each product", ""]
        lines += markdown_table(FLOOR_COLUMNS, floor_rows(result["rows"]), left=3)
    targets = all_targets(result)
    if targets:
        lines += ["", "## Targets", "", "| case | issue | figure | target | measured | verdict |",
                  "|---|---|---|---:|---:|---|"]
        lines += [f"| {t['case']} | {t['issue']} | {t['what']} | {t['target']} | {t['value']} | {t['verdict']} |"
                  for t in targets]
    return "\n".join(lines) + "\n"


#: What the issue-13 table shows (``epochs``: the train and hand-loop epochs per call).
TRAINING_STEP_NOTE = ("Seconds per training step, all in the same interleaved rounds: `train` is full-batch "
                      "`fnnet.train` over {epochs} epochs a call and `hand loop` the same epochs written by hand "
                      "with `batches`, `forward`, `cost`, `predict_labels`, `backward` and `sgd_step` (both "
                      "divided by {epochs}: per-epoch shuffle and history included); `inplace` careful in-place "
                      "NumPy (benchmarks/_inplace.py); `torch` PyTorch eager; `jax` a `jax.jit` step. x/train > 1: "
                      "train faster. train mem: tracemalloc peak of a train run, less its data copies, over "
                      "activations + gradients.")

START, END = "<!-- results:start -->", "<!-- results:end -->"


def write_markdown(path: Path, text: str) -> None:
    """Write ``text``; into an existing file, only between its START and END markers (the prose around stays)."""
    block = f"{START}\n{text}{END}\n"
    old = path.read_text() if path.exists() else ""
    if START in old and END in old:
        head, rest = old.split(START, 1)
        tail = rest.split(END, 1)[1].lstrip("\n")
        path.write_text(head + block + ("\n" + tail if tail else ""))
    else:
        path.write_text(block)


def _names(p, text: str, valid: Sequence[str], option: str) -> List[str]:
    """A comma-separated list of names from ``valid`` ('none': empty); a usage error otherwise."""
    if text.strip() == "none":
        return []
    names = [c.strip() for c in text.split(",") if c.strip()]
    unknown = [c for c in names if c not in valid]
    if unknown or not names:
        p.error(f"{option}: unknown name(s) {unknown}; valid: {', '.join(valid)}, or none")
    return names


#: Cases --quick leaves out unless asked for (a big step takes tens of ms, its floor choice seconds).
QUICK_SKIPS = ("big",)
#: The peers ``--peers`` knows, each timed only when installed.
PEERS = ("torch", "jax", "sklearn")


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="few short rounds, small training runs: seconds, for smoke tests")
    p.add_argument("--dtype", choices=("float32", "float64", "both"), default="both")
    p.add_argument("--cases", help=f"step cases, comma-separated, from {', '.join(_cases.CASES)}, or none "
                                   f"(default: all; with --quick all but {', '.join(QUICK_SKIPS)})")
    p.add_argument("--train", default=",".join(_cases.TRAIN_CASES),
                   help=f"training-loop cases, from {', '.join(_cases.TRAIN_CASES)}, or none (default: all)")
    p.add_argument("--json", metavar="PATH", help="write every figure as JSON")
    p.add_argument("--markdown", metavar="PATH",
                   help="write the machine header and the tables as markdown; in an existing file with "
                        f"'{START}' ... '{END}' markers only that part is replaced")
    p.add_argument("--rounds", type=int, help="interleaved rounds per step row (default 7, --quick 3)")
    p.add_argument("--train-rounds", type=int, help="interleaved rounds per training row (default 5, --quick 2)")
    p.add_argument("--min-time", type=float, help="seconds per measurement (default 0.2, --quick 0.002)")
    p.add_argument("--peers", default=",".join(PEERS),
                   help=f"comma-separated peers to time when installed: {', '.join(PEERS)}, or 'none' "
                        "(jax: the step cases only)")
    p.add_argument("--step-epochs", type=int,
                   help="epochs per call of the full-batch train and hand-loop rows of every step case "
                        "(default 100, --quick 5)")
    base = p.add_mutually_exclusive_group()
    base.add_argument("--baseline", metavar="DIR",
                      help="also time the fnnet package in DIR/fnnet (a checkout of another commit), "
                           f"imported as {BASELINE_MODULE}: its step and train beside the current ones")
    base.add_argument("--baseline-commit", metavar="SHA", nargs="?", const=DEFAULT_BASELINE_COMMIT,
                      help="the same, with fnnet/ of commit SHA of this repository extracted by git archive "
                           f"into a temporary directory (no SHA: {DEFAULT_BASELINE_COMMIT}, the core issue 9 "
                           "compares against)")
    p.add_argument("--malloc-tuned", action="store_true",
                   help="mallopt: keep freed memory in the heap, so fnnet's fresh arrays do not page-fault")
    p.add_argument("--torch-threads", type=int, default=None,
                   help="torch.set_num_threads (default: the BLAS thread count, for a like-for-like comparison; "
                        "--quick: 1)")
    args = p.parse_args(argv)
    if args.cases is None:
        args.cases = ",".join(c for c in _cases.CASES if not (args.quick and c in QUICK_SKIPS))
    args.case_list = _names(p, args.cases, list(_cases.CASES), "--cases")
    args.train_list = _names(p, args.train, list(_cases.TRAIN_CASES), "--train")
    args.peers = _names(p, args.peers, list(PEERS), "--peers")
    if args.rounds is None:
        args.rounds = 3 if args.quick else 7
    if args.train_rounds is None:
        args.train_rounds = 2 if args.quick else 5
    if args.min_time is None:
        args.min_time = 0.002 if args.quick else 0.2
    if args.step_epochs is None:
        args.step_epochs = 5 if args.quick else 100
    if args.rounds < 1 or args.train_rounds < 1 or args.step_epochs < 1 or args.min_time <= 0:
        p.error("--rounds, --train-rounds and --step-epochs must be >= 1 and --min-time > 0")
    return args


def main(argv=None) -> Dict:
    args = parse_args(argv)
    try:
        base, base_info = baseline_from_args(args)
    except ValueError as err:
        raise SystemExit(f"run.py: error: {err}") from None
    malloc = tune_malloc() if args.malloc_tuned else "glibc default (dynamic mmap and trim thresholds)"
    header = machine_header()
    header["malloc"] = malloc
    header["baseline"] = base_info
    # --quick checks that things run: one torch thread, which a loaded machine cannot stall
    threads = args.torch_threads or (1 if args.quick else int(header["blas_runtime"]["num_threads"]))
    available = {"torch": _cases.torch_available, "jax": _cases.jax_available, "sklearn": _cases.sklearn_available}
    peers = {name: available[name]() if name in args.peers else None for name in PEERS}
    header["peer_libraries"] = peer_libraries(peers)
    for line in format_header(header, peers, threads):
        print(line)
    print(f"{args.rounds} interleaved rounds ({args.train_rounds} for training loops), >= {args.min_time:g} s "
          "per measurement, medians; floor = the step's matrix products, each the fastest of np.dot/np.matmul "
          "x W A/(A^T W^T)^T; 'vs X' = time of X / time of fnnet (> 1: fnnet faster); now/base = current "
          "fnnet / baseline (< 1: current faster); mem = tracemalloc peak of forward+backward / "
          "(cache A1..AL + grads); faults = minor page faults per fnnet step")
    print(f"Training step (issue 13): per step; train and hand loop run {args.step_epochs} full-batch epochs a "
          "call (time / epochs); inplace = careful in-place NumPy; X/train = time of X / time of train "
          "(> 1: train faster); train mem = (tracemalloc peak of a train run - its data copies) / "
          "(A1..AL + grads)")
    load = header["loadavg_at_start"]
    if load and load[0] > 0.5:
        print(f"WARNING: load average {load[0]:.2f}: other processes compete for the cores. Multi-threaded "
              "contenders (OpenBLAS at mid shapes, torch with several threads) then lose far more than "
              "single-threaded ones: take the figures on a quiet machine.")
    print()
    dtypes = ["float32", "float64"] if args.dtype == "both" else [args.dtype]
    rows, trows = [], []
    for name in args.case_list:
        for dt in dtypes:
            rows.append(run_case(_cases.CASES[name], dt, args, peers, threads, base))
            print(f"  done {name} {dt}", file=sys.stderr, flush=True)
    for name in args.train_list:
        trows.append(run_train_case(_cases.TRAIN_CASES[name], args, peers, threads, base))
        print(f"  done train {name}", file=sys.stderr, flush=True)
    if rows:
        print(text_table(COLUMNS, table_rows(rows)))
        print()
        print(f"Training step (issue 13): seconds per step, train and hand loop over {args.step_epochs} epochs:")
        print(text_table(TRAINING_STEP_COLUMNS, training_step_rows(rows)))
        print()
    if trows:
        print("Training loop (fnnet.train against a torch loop over the same batches and MLPClassifier.fit):")
        print(text_table(TRAIN_COLUMNS, train_rows(trows)))
        print()
    if rows:
        print("Floor: the fastest variant of each product (and what it saves over np.dot(W, A) everywhere):")
        print(text_table(FLOOR_COLUMNS, floor_rows(rows)))
    header["peer_libraries"] = peer_libraries(peers, rows)
    if "jax" in header["peer_libraries"]:
        print(f"\njax: {header['peer_libraries']['jax']}")
    result = {
        "header": header, "peers": peers, "torch_threads": threads,
        "settings": {"rounds": args.rounds, "train_rounds": args.train_rounds, "min_time": args.min_time,
                     "quick": args.quick, "dtypes": dtypes, "cases": args.case_list, "train": args.train_list,
                     "peers": args.peers, "step_epochs": args.step_epochs,
                     "command": "python benchmarks/run.py " + " ".join(sys.argv[1:] if argv is None else argv)},
        "rows": rows, "train_rows": trows,
    }
    targets = all_targets(result)
    if targets:
        print()
        print("Targets (issue 5: step / floor, vs torch, vs loop, memory; issue 9: now / baseline; "
              "issue 13: train):")
        for t in targets:
            print(f"  {t['case']:<20} issue {t['issue']:<3} {t['what']:<22} {t['target']:>9}  {t['value']:>8}  "
                  f"{t['verdict']}")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1, default=str))
    if args.markdown:
        write_markdown(Path(args.markdown), markdown(result))
    return result


if __name__ == "__main__":
    main()
