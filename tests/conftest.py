"""Shared test helpers: an independent finite-difference reference and purity checks."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import fnnet


def fd_grads(params, X, Y, activations, loss, eps=1e-6):
    """Central differences of fnnet.cost(forward(...)) for every entry, in float64.

    Deliberately the plain loop (a copy of params per entry) so it shares no code with the
    library's own gradient checker.
    """
    base = {k: v.astype(np.float64) for k, v in params.items()}
    numerical = {}
    for key, arr in base.items():
        g = np.zeros_like(arr)
        for idx in np.ndindex(arr.shape):
            values = []
            for sign in (1.0, -1.0):
                p = dict(base)
                p[key] = arr.copy()
                p[key][idx] += sign * eps
                AL, _ = fnnet.forward(p, X, activations)
                values.append(fnnet.cost(AL, Y, loss))
            g[idx] = (values[0] - values[1]) / (2 * eps)
        numerical[key] = g
    return numerical


def rel_errors(grads, numerical):
    """Per key: ||g - n|| / (||g|| + ||n||) (0 when both are zero)."""
    out = {}
    for key, n in numerical.items():
        g = grads[key].astype(np.float64)
        denom = np.linalg.norm(g) + np.linalg.norm(n)
        out[key] = 0.0 if denom == 0 else float(np.linalg.norm(g - n) / denom)
    return out


def snapshot(obj):
    """A deep copy of nested dicts / lists / arrays, to compare after a call."""
    return copy.deepcopy(obj)


def assert_same(before, after, path="arg"):
    """Values, shapes and dtypes unchanged (nested dicts, sequences, arrays)."""
    if isinstance(before, np.ndarray):
        assert isinstance(after, np.ndarray), path
        assert before.dtype == after.dtype and before.shape == after.shape, path
        np.testing.assert_array_equal(before, after, err_msg=f"{path} was mutated")
    elif isinstance(before, dict):
        assert list(before) == list(after), f"{path} keys changed"
        for k in before:
            assert_same(before[k], after[k], f"{path}[{k!r}]")
    elif isinstance(before, (list, tuple)):
        assert len(before) == len(after), path
        for i, (b, a) in enumerate(zip(before, after)):
            assert_same(b, a, f"{path}[{i}]")
    else:
        assert before == after or before is after, path


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


def draw_problem(dims, acts, loss, m, rng, dtype=np.float64):
    """A random network (He init for relu-family stacks, Glorot otherwise), a batch X (n0, m)
    and targets Y (n_L, m) that suit ``loss``: one-hot for cce, 0/1 for bce, normal for mse."""
    init = "he" if acts[0] in ("relu", "leaky_relu") else "xavier"
    params = fnnet.init_params(dims, rng=rng, init=init, dtype=dtype)
    X = rng.standard_normal((dims[0], m))
    n_out = dims[-1]
    if loss == "cce":
        Y = np.eye(n_out)[:, rng.integers(0, n_out, m)]
    elif loss == "bce":
        Y = rng.integers(0, 2, (n_out, m)).astype(float)
    else:
        Y = rng.standard_normal((n_out, m))
    return params, X, Y
