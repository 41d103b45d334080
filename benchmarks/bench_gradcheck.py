"""Full-mode gradcheck against the straightforward finite-difference loop, side by side.

The straightforward loop, ``fnnet.numerical_grads`` on ``fnnet.cost(fnnet.forward(...))``,
perturbs one entry of a params copy in place and calls ``fnnet.forward`` + ``fnnet.cost``
twice per entry. ``fnnet.gradcheck(mode="full")`` starts each perturbation at its own layer
and evaluates many of them in one batched matmul.

    python benchmarks/bench_gradcheck.py                      # [784, 30, 10], m = 32
    python benchmarks/bench_gradcheck.py --layers 2,3,3,1 --m 4

Prints both times, their ratio, the largest absolute difference between the two numerical
gradients, and how far each is from fnnet.backward's gradients (the course's per-key relative
error): both are float64 central differences, and gradcheck's, computed as cancellation-free
changes, carries less round-off.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import fnnet


def naive_numerical(params, X, Y, activations, loss, eps):
    """The straightforward loop, as :func:`fnnet.numerical_grads` runs it on the cost.

    Per entry of a float64 copy of ``params``: perturb it in place by ``+eps``, forward + cost,
    by ``-eps``, forward + cost, restore. (``numerical_grads`` also checks each cost is a finite
    scalar and divides by the step actually taken after rounding; both cost far less than a
    forward pass.)
    """
    return fnnet.numerical_grads(lambda p: fnnet.cost(fnnet.forward(p, X, activations)[0], Y, loss),
                                 params, eps)


def rel_error(g, n):
    return float(np.linalg.norm(g - n) / (np.linalg.norm(g) + np.linalg.norm(n)))


def problem(dims, m, seed):
    rng = np.random.default_rng(seed)
    params = fnnet.init_params(dims, rng=rng)
    X = rng.standard_normal((dims[0], m))
    Y = np.eye(dims[-1])[:, rng.integers(0, dims[-1], m)]
    return params, X, Y


def best_time(fn, repeats):
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--layers", default="784,30,10", help="layer sizes n0,...,nL (default 784,30,10)")
    parser.add_argument("--activations", default="sigmoid,softmax", help="one per layer (default sigmoid,softmax)")
    parser.add_argument("--loss", default="cce")
    parser.add_argument("--m", type=int, default=32, help="batch size (default 32)")
    parser.add_argument("--eps", type=float, default=1e-6)
    parser.add_argument("--repeats", type=int, default=3, help="timed runs of the fast check; best is kept")
    parser.add_argument("--naive-repeats", type=int, default=1, help="timed runs of the naive loop")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    dims = [int(s) for s in args.layers.split(",")]
    acts = args.activations.split(",")
    params, X, Y = problem(dims, args.m, args.seed)
    n_params = sum(p.size for p in params.values())

    # warm-up: BLAS threads, imports, caches
    fnnet.gradcheck(params, X[:, :2], Y[:, :2], acts, args.loss, mode="sample", n=4, progress=False)
    fnnet.cost(fnnet.forward(params, X, acts)[0], Y, args.loss)

    fast_time, report = best_time(
        lambda: fnnet.gradcheck(params, X, Y, acts, args.loss, eps=args.eps, progress=False), args.repeats)
    naive_time, naive = best_time(
        lambda: naive_numerical(params, X, Y, acts, args.loss, args.eps), args.naive_repeats)
    max_diff = max(float(np.max(np.abs(report.numerical[k] - naive[k]))) for k in params)
    grads = fnnet.backward(params, fnnet.forward(params, X, acts)[1], Y, args.loss)
    naive_error = max(rel_error(grads[k], naive[k]) for k in params)

    print(f"network {dims}, activations {acts}, loss {args.loss}, m = {args.m}, "
          f"{n_params} parameters, eps = {args.eps:g}")
    print(f"{'method':<44} {'seconds':>9}")
    print(f"{'naive loop (forward + cost twice per entry)':<44} {naive_time:>9.3f}")
    print(f"{'fnnet.gradcheck(mode=' + repr('full') + ')':<44} {fast_time:>9.3f}")
    print(f"speed-up (naive / fast): {naive_time / fast_time:.1f}x")
    print(f"max |numerical_fast - numerical_naive|: {max_diff:.3g}")
    print("max per-key relative error ||g - n|| / (||g|| + ||n||) against fnnet.backward:")
    print(f"  naive loop {naive_error:.3g}, fnnet.gradcheck {report.max_rel_error:.3g} "
          f"(verdict {'PASS' if report.ok else 'FAIL'}, tol {report.tol:g})")


if __name__ == "__main__":
    main()
