"""fnnet's benchmark suite: one training step against its BLAS floor, the seed loop and peers.

Run::

    python benchmarks/run.py                      # every case, float32 and float64 (a few minutes)
    python benchmarks/run.py --quick              # seconds: checks that everything runs
    python benchmarks/run.py --cases tiny,nielsen10 --dtype float64 --json out.json --markdown out.md

For every case and dtype it times, as medians over interleaved rounds after warm-up:
``step`` (``forward`` + ``backward`` + ``sgd_step``, as a user writes it) and its three parts;
the BLAS ``floor`` (the step's ``3L - 1`` matrix products, each computed as fnnet computes
it, on preallocated arrays) and, beside it, the ``matmul_floor`` (the same products, every one
as ``np.matmul`` into a C-ordered array); the per-example ``loop`` of the seed notebooks; PyTorch CPU eager and scikit-learn's ``partial_fit`` when
installed. Every contender runs in each round, one after another, so machine noise hits them
alike; only ratios measured in one run are meaningful. Memory: tracemalloc peak of forward +
backward over the minimum (cache activations + grads).
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))  # for _cases when run as a script
import _cases  # noqa: E402

import fnnet  # noqa: E402

DTYPES = {"float32": np.float32, "float64": np.float64}
#: Order of the contenders in a round (rotated every round) and of the columns.
CONTENDERS = ("floor", "step", "forward", "backward", "update", "matmul_floor", "loop", "torch", "sklearn")


# --- the machine --------------------------------------------------------------------------------
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
        "blas": blas,
        "blas_runtime": blas_threads(),
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE", "(unset: OpenBLAS picks the kernel)"),
        "blas_env": env,
        "cpu": cpu,
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "loadavg_at_start": load,
    }


def format_header(h: Dict[str, object], peers: Dict[str, Optional[str]], threads: int) -> List[str]:
    rt = h["blas_runtime"]
    lines = [
        f"CPU: {h['cpu']} ({h['cpu_count']} logical cores); {h['platform']}",
        f"Python {h['python']}, NumPy {h['numpy']}, fnnet {h['fnnet']}",
        f"BLAS: {h['blas'].get('name')} {h['blas'].get('version') or ''}; "
        f"{h['blas'].get('configuration') or ''}".rstrip("; "),
        f"BLAS at run time: {rt.get('internal_api', '?')} kernel {rt.get('architecture', '?')}, "
        f"{rt.get('num_threads')} threads ({rt.get('source')}); OPENBLAS_CORETYPE={h['OPENBLAS_CORETYPE']}",
        "BLAS environment: " + (", ".join(f"{k}={v}" for k, v in h["blas_env"].items()) or "(none)"),
        "Peers: " + ", ".join(f"{k} {v or 'not installed'}" for k, v in peers.items())
        + (f"; torch.set_num_threads({threads})" if peers.get("torch") else ""),
        f"Memory allocator: {h.get('malloc', 'default')}",
        f"Load average at start: {h['loadavg_at_start']}",
    ]
    return lines


# --- timing -------------------------------------------------------------------------------------
def _time_calls(fn: Callable[[], object], n: int) -> float:
    """Seconds per call over ``n`` back-to-back calls, the garbage collector paused (as timeit)."""
    gc_was = gc.isenabled()
    gc.disable()
    try:
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        return (time.perf_counter() - t0) / n
    finally:
        if gc_was:
            gc.enable()


def calibrate(fn: Callable[[], object], min_time: float) -> int:
    """Calls per measurement so that one measurement lasts at least ``min_time`` seconds."""
    fn()  # warm-up: first-call costs (imports, caches, page faults) stay out of the figures
    n = 1
    while True:
        per_call = _time_calls(fn, n)
        if per_call * n >= min_time / 4 or n >= 1_000_000:
            return max(1, math.ceil(min_time / max(per_call, 1e-9)))
        n *= 10


def interleaved_medians(fns: Dict[str, Callable[[], object]], rounds: int, min_time: float) -> Dict[str, Dict]:
    """Median seconds per call of every contender, all of them measured in each round."""
    counts = {name: calibrate(fn, min_time) for name, fn in fns.items()}
    samples: Dict[str, List[float]] = {name: [] for name in fns}
    names = list(fns)
    for r in range(rounds):
        for name in names[r % len(names):] + names[:r % len(names)]:  # rotate: no contender always first
            samples[name].append(_time_calls(fns[name], counts[name]))
    return {name: {"median_s": statistics.median(s), "min_s": min(s), "calls": counts[name],
                   "rounds": len(s)} for name, s in samples.items()}


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


# --- one row ------------------------------------------------------------------------------------
def run_case(case: _cases.Case, dtype_name: str, args, peers: Dict[str, Optional[str]], threads: int) -> Dict:
    dtype = DTYPES[dtype_name]
    params = _cases.make_params(case, dtype)
    X, Y = _cases.make_data(case, dtype)
    fns: Dict[str, Callable[[], object]] = {}
    floor, n_gemms = _cases.floor_callable(params, X)
    fns["floor"] = floor
    fns["matmul_floor"] = _cases.floor_callable(params, X, plain=True)[0]
    fns.update(_cases.fnnet_callables(params, X, Y, case))
    checks: Dict[str, float] = {}
    skipped: Dict[str, str] = {}
    if case.loop:
        fns["loop"] = _cases.loop_callable(params, X, Y, case)
        checks["loop_grad_rel_diff"] = _cases.check_loop(params, X, Y, case)
        if dtype_name == "float64" and checks["loop_grad_rel_diff"] > 1e-10:
            raise AssertionError(f"{case.name}: the per-example loop's gradients differ from fnnet's by "
                                 f"{checks['loop_grad_rel_diff']:.2e} (relative), expected <= 1e-10")
    else:
        skipped["loop"] = "per-example loop only for the sigmoid cases of the seeds (tiny, nielsen)"
    if "torch" in args.peers and peers.get("torch"):
        step, torch_grads = _cases.torch_callable(params, X, Y, case, threads)
        fns["torch"] = step
        checks["torch_grad_rel_diff"] = _cases.check_torch(params, X, Y, case, torch_grads)
        if dtype_name == "float64" and checks["torch_grad_rel_diff"] > 1e-8:
            raise AssertionError(f"{case.name}: torch's gradients differ from fnnet's by "
                                 f"{checks['torch_grad_rel_diff']:.2e}: not the same cost")
    else:
        skipped["torch"] = "not installed" if "torch" in args.peers else "not requested (--peers)"
    if "sklearn" in args.peers and peers.get("sklearn") and case.sklearn:
        fns["sklearn"] = _cases.sklearn_callable(params, X, Y, case)
    else:
        skipped["sklearn"] = ("architecture not expressible (output layer/loss)" if not case.sklearn
                              else "not installed" if "sklearn" in args.peers else "not requested (--peers)")

    load_before = _loadavg()
    times = interleaved_medians(fns, args.rounds, args.min_time)
    load = [load_before, _loadavg()]
    faults = faults_per_call(fns["step"], min(times["step"]["calls"], 200))
    med = {k: v["median_s"] for k, v in times.items()}
    ratios = {
        "step_over_floor": med["step"] / med["floor"],
        "step_over_matmul_floor": med["step"] / med["matmul_floor"],
        "forward_share": med["forward"] / med["step"],
        "backward_share": med["backward"] / med["step"],
        "update_share": med["update"] / med["step"],
    }
    if "loop" in med:
        ratios["loop_speedup"] = med["loop"] / med["step"]
    if "torch" in med:
        ratios["torch_speedup"] = med["torch"] / med["step"]
    if "sklearn" in med:
        ratios["sklearn_speedup"] = med["sklearn"] / med["step"]
    mem = _cases.memory(params, X, Y, case)
    ratios["mem_ratio"] = mem["grad_peak_bytes"] / mem["grad_min_bytes"]
    ratios["mem_ratio_step"] = mem["step_peak_bytes"] / mem["step_min_bytes"]
    targets = {}
    for key, target in case.targets.items():
        value = ratios.get(key)
        if value is None:
            targets[key] = {"target": target, "value": None, "met": None}
            continue
        at_most = key in ("step_over_floor", "mem_ratio")
        met = value <= target if at_most else value >= target
        targets[key] = {"target": target, "value": value, "met": met, "kind": "max" if at_most else "min",
                        "off_by": (value / target) if at_most else (target / value)}
    flops = _cases.gemm_flops(case.layer_dims, case.m)
    return {
        "case": case.name, "dtype": dtype_name, "layer_dims": list(case.layer_dims),
        "activations": list(case.activations), "loss": case.loss, "m": case.m, "note": case.note,
        "n_gemms": n_gemms, "gemm_flops": flops, "floor_gflops": flops / med["floor"] / 1e9,
        "times": times, "ratios": ratios, "memory": mem, "checks": checks, "skipped": skipped,
        "targets": targets, "loadavg_1min": load,
        "step_page_faults": faults,
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


COLUMNS = ("case", "dtype", "fwd", "bwd", "update", "step", "floor", "step/floor", "step/matmul",
           "vs loop", "vs torch", "vs sklearn", "mem", "faults")


def table_rows(rows: List[Dict]) -> List[List[str]]:
    out = []
    for r in rows:
        med = {k: v["median_s"] for k, v in r["times"].items()}
        ra = r["ratios"]
        out.append([r["case"], r["dtype"], _t(med.get("forward")), _t(med.get("backward")),
                    _t(med.get("update")), _t(med.get("step")), _t(med.get("floor")),
                    _x(ra["step_over_floor"]), _x(ra.get("step_over_matmul_floor")),
                    _x(ra.get("loop_speedup"), 1), _x(ra.get("torch_speedup")),
                    _x(ra.get("sklearn_speedup")), _x(ra.get("mem_ratio")),
                    "-" if r["step_page_faults"] != r["step_page_faults"] else f"{r['step_page_faults']:.0f}"])
    return out


def text_table(rows: List[Dict]) -> str:
    body = table_rows(rows)
    widths = [max(len(c), *(len(b[i]) for b in body)) for i, c in enumerate(COLUMNS)]
    line = lambda cells: "  ".join(c.rjust(w) if i > 1 else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths)))
    return "\n".join([line(COLUMNS), line(["-" * w for w in widths])] + [line(b) for b in body])


def target_lines(rows: List[Dict]) -> List[Dict[str, str]]:
    labels = {"step_over_floor": "step / floor", "torch_speedup": "vs torch", "loop_speedup": "vs loop",
              "mem_ratio": "memory / minimum"}
    out = []
    for r in rows:
        for key, t in r["targets"].items():
            sign = "<=" if t.get("kind", "max" if key in ("step_over_floor", "mem_ratio") else "min") == "max" else ">="
            if t["value"] is None:
                verdict = "not measured"
            elif t["met"]:
                verdict = "met"
            else:
                verdict = f"MISSED by {(t['off_by'] - 1) * 100:.{0 if t['off_by'] >= 1.01 else 1}f}%"
            out.append({"case": f"{r['case']} {r['dtype']}", "what": labels[key], "target": f"{sign} {t['target']:g}x",
                        "value": "-" if t["value"] is None else f"{t['value']:.2f}x", "verdict": verdict})
    return out


def markdown(result: Dict) -> str:
    h = result["header"]
    lines = ["## Machine", ""] + [f"- {x}" for x in format_header(h, result["peers"], result["torch_threads"])]
    lines += ["", f"Settings: {result['settings']['rounds']} interleaved rounds, >= {result['settings']['min_time']} s "
              f"per measurement, medians; command `{result['settings']['command']}`.", "", "## Results", ""]
    lines.append("| " + " | ".join(COLUMNS) + " |")
    lines.append("|" + "|".join("---" if i < 2 else "---:" for i in range(len(COLUMNS))) + "|")
    lines += ["| " + " | ".join(b) + " |" for b in table_rows(result["rows"])]
    lines += ["", "## Targets (issue 5)", "", "| case | figure | target | measured | verdict |", "|---|---|---:|---:|---|"]
    lines += [f"| {t['case']} | {t['what']} | {t['target']} | {t['value']} | {t['verdict']} |"
              for t in target_lines(result["rows"])]
    return "\n".join(lines) + "\n"


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


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="few short rounds: seconds, for smoke tests")
    p.add_argument("--dtype", choices=("float32", "float64", "both"), default="both")
    p.add_argument("--cases", default=",".join(_cases.CASES),
                   help=f"comma-separated, from {', '.join(_cases.CASES)} (default: all)")
    p.add_argument("--json", metavar="PATH", help="write every figure as JSON")
    p.add_argument("--markdown", metavar="PATH",
                   help="write the machine header and the tables as markdown; in an existing file with "
                        f"'{START}' ... '{END}' markers only that part is replaced")
    p.add_argument("--rounds", type=int, help="interleaved rounds per row (default 7, --quick 3)")
    p.add_argument("--min-time", type=float, help="seconds per measurement (default 0.2, --quick 0.002)")
    p.add_argument("--peers", default="torch,sklearn",
                   help="comma-separated peers to time when installed: torch, sklearn, or 'none'")
    p.add_argument("--malloc-tuned", action="store_true",
                   help="mallopt: keep freed memory in the heap, so fnnet's fresh arrays do not page-fault")
    p.add_argument("--torch-threads", type=int, default=None,
                   help="torch.set_num_threads (default: the BLAS thread count, for a like-for-like comparison)")
    args = p.parse_args(argv)
    names = [c.strip() for c in args.cases.split(",") if c.strip()]
    unknown = [c for c in names if c not in _cases.CASES]
    if unknown or not names:
        p.error(f"unknown case(s) {unknown}; valid: {', '.join(_cases.CASES)}")
    args.case_list = names
    args.peers = [] if args.peers.strip() == "none" else [s.strip() for s in args.peers.split(",") if s.strip()]
    bad = [s for s in args.peers if s not in ("torch", "sklearn")]
    if bad:
        p.error(f"unknown peer(s) {bad}; valid: torch, sklearn, none")
    if args.rounds is None:
        args.rounds = 3 if args.quick else 7
    if args.min_time is None:
        args.min_time = 0.002 if args.quick else 0.2
    if args.rounds < 1 or args.min_time <= 0:
        p.error("--rounds must be >= 1 and --min-time > 0")
    return args


def main(argv=None) -> Dict:
    args = parse_args(argv)
    malloc = tune_malloc() if args.malloc_tuned else "glibc default (dynamic mmap and trim thresholds)"
    header = machine_header()
    header["malloc"] = malloc
    threads = args.torch_threads or int(header["blas_runtime"]["num_threads"])
    peers = {"torch": _cases.torch_available() if "torch" in args.peers else None,
             "sklearn": _cases.sklearn_available() if "sklearn" in args.peers else None}
    for line in format_header(header, peers, threads):
        print(line)
    print(f"{args.rounds} interleaved rounds, >= {args.min_time:g} s per measurement, medians; "
          "ratios: 'vs X' = time of X / time of fnnet's step (> 1: fnnet faster); "
          "mem = tracemalloc peak of forward+backward / (cache A1..AL + grads); "
          "faults = minor page faults per fnnet step")
    load = header["loadavg_at_start"]
    if load and load[0] > 0.5:
        print(f"WARNING: load average {load[0]:.2f}: other processes compete for the cores. Multi-threaded "
              "contenders (OpenBLAS at mid shapes, torch with several threads) then lose far more than "
              "single-threaded ones: take the figures on a quiet machine.")
    print()
    dtypes = ["float32", "float64"] if args.dtype == "both" else [args.dtype]
    rows = []
    for name in args.case_list:
        for dt in dtypes:
            rows.append(run_case(_cases.CASES[name], dt, args, peers, threads))
            print(f"  done {name} {dt}", file=sys.stderr, flush=True)
    print(text_table(rows))
    targets = target_lines(rows)
    if targets:
        print()
        print("Targets (issue 5):")
        for t in targets:
            print(f"  {t['case']:<18} {t['what']:<17} {t['target']:>8}  {t['value']:>8}  {t['verdict']}")
    result = {
        "header": header, "peers": peers, "torch_threads": threads,
        "settings": {"rounds": args.rounds, "min_time": args.min_time, "quick": args.quick,
                     "dtypes": dtypes, "cases": args.case_list, "peers": args.peers,
                     "command": "python benchmarks/run.py " + " ".join(sys.argv[1:] if argv is None else argv)},
        "rows": rows,
    }
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1, default=str))
    if args.markdown:
        write_markdown(Path(args.markdown), markdown(result))
    return result


if __name__ == "__main__":
    main()
