"""What ``train(checkpoint=...)`` costs: one write as the history grows, and whole runs with and
without checkpoints.

A checkpoint is written atomically and synced to disk, with the whole history in it, so one
write costs more as the run gets longer; ``train`` spaces the writes so that the training
between two of them takes ``WRITE_RATIO`` (10) times as long as a write (the first and
last epochs always written). This script measures both sides:

    python benchmarks/bench_checkpoint.py                     # the spiral default, 300 and 4000 epochs
    python benchmarks/bench_checkpoint.py --epochs 300 --repeats 1

Prints the time of one write for histories of 10, 1,000 and 4,000 epochs, then per run length
the best time without and with ``checkpoint=`` (interleaved, warm-up first), their ratio and
how many checkpoints were written.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

import numpy as np

import fnnet
import fnnet.io


def spiral_run(epochs: int, checkpoint=None):
    """The CLI's spiral default (2-100-3, relu, softmax + cce, adam 0.01, batches of 32)."""
    X, y = fnnet.spiral(seed=0)
    params = fnnet.init_params([2, 100, 3], seed=0)
    return fnnet.train(params, X, fnnet.one_hot(y, 3), ["relu", "softmax"], "cce", epochs=epochs, batch_size=32,
                       lr=0.01, optimizer="adam", seed=0, verbose=0, checkpoint=checkpoint)


def write_time(directory: str, history_epochs: int, repeats: int) -> float:
    """The best time of one checkpoint write as train makes it after ``history_epochs`` epochs:
    the per-epoch lists as float64 arrays in the state, the generator state and a configuration."""
    params = fnnet.init_params([2, 100, 3], seed=0)
    history = {key: np.linspace(1.0, 0.1, history_epochs) for key in ("cost", "lr", "accuracy")}
    state = {"optimizer": fnnet.init_adam(params), "epoch": history_epochs, "history": history, "callbacks": []}
    rng_state = np.random.default_rng(0).bit_generator.state
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fnnet.save_checkpoint(os.path.join(directory, "w.npz"), params, state, epoch=history_epochs,
                              optimizer="adam", history={}, rng_state=rng_state, config={"seed": 0})
        best = min(best, time.perf_counter() - start)
    return best


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, nargs="+", default=[300, 4000])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as directory:
        print("one checkpoint write (best of repeats)")
        for n in (10, 1000, 4000):
            print(f"  history of {n:>5} epochs: {write_time(directory, n, max(args.repeats, 10)) * 1e3:7.2f} ms")
        print(f"{'epochs':>7} {'without':>9} {'with':>9} {'ratio':>6} {'writes':>6}")
        for epochs in args.epochs:
            path = os.path.join(directory, "run.npz")
            spiral_run(1)  # warm-up
            best = {False: float("inf"), True: float("inf")}
            writes = 0
            real = fnnet.io.save_checkpoint

            def counting(*a, **k):
                nonlocal writes
                writes += 1
                return real(*a, **k)

            fnnet.io.save_checkpoint = counting
            try:
                for _ in range(args.repeats):
                    for checkpointed in (False, True):
                        if os.path.exists(path):
                            os.unlink(path)
                        writes = 0
                        start = time.perf_counter()
                        spiral_run(epochs, path if checkpointed else None)
                        best[checkpointed] = min(best[checkpointed], time.perf_counter() - start)
            finally:
                fnnet.io.save_checkpoint = real
            print(f"{epochs:>7} {best[False]:8.3f}s {best[True]:8.3f}s {best[True] / best[False]:6.2f} {writes:>6}")


if __name__ == "__main__":
    main()
