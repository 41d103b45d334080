"""FnnetClassifier beside scikit-learn's MLPClassifier: the same network, solver, batches and epochs.

Both fit the same architecture (ReLU hidden layers, Glorot init: fnnet's ``init="xavier"``),
with Adam at the same learning rate, the same ``alpha``, the same batch size and exactly the
same number of epochs (``tol=0`` and ``n_iter_no_change`` above the epochs switch both
stopping rules off), on standardised inputs, and are scored on a held-out test split. Fits are
interleaved (fnnet, scikit-learn, fnnet, ...) so that machine noise hits both alike; the table
gives the median fit time, its ratio, and each test accuracy (the same every round: the seed
is fixed). Needs the extra ``sklearn``.

    python benchmarks/bench_sklearn.py                         # digits; Fashion-MNIST when installed
    python benchmarks/bench_sklearn.py --data digits --epochs 30 --rounds 5
    python benchmarks/bench_sklearn.py --data fashion --fashion-limit 10000 --dtype float32 --blas-threads 1
    python benchmarks/bench_sklearn.py --quick                 # seconds: checks that it runs

Data: scikit-learn's ``digits`` (1797 8x8 images, 10 classes; 25% held out), and a subset of
Fashion-MNIST's training set (``--fashion-limit`` examples, 25% held out; its own test set
is not used) from ``fnnet.fashion_mnist_dir()``, skipped with a message when absent.
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from typing import Dict, List, Optional, Tuple

import numpy as np

import fnnet

#: Per data set: hidden layers, batch size, epochs, learning rate (the same for both contenders).
SETTINGS = {"digits": ((64,), 32, 50, 0.001), "fashion": ((256, 128), 128, 10, 0.001)}


def load(name: str, limit: int, dtype) -> Optional[Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """``X_train, X_test`` (rows are examples, standardised on the training part) and the labels;
    None when the data is not installed."""
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    if name == "digits":
        from sklearn.datasets import load_digits

        X, y = load_digits(return_X_y=True)
    else:
        directory = fnnet.fashion_mnist_dir()
        if directory is None:
            return None
        X_cols, y, _, _ = fnnet.load_mnist(directory, dtype=np.float64)
        X, y = X_cols.T[:limit], y[:limit]
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train).astype(dtype), scaler.transform(X_test).astype(dtype), y_train, y_test


def contenders(hidden, batch: int, epochs: int, lr: float, alpha: float, dtype: str, seed: int):
    """The two estimators, configured alike."""
    from sklearn.neural_network import MLPClassifier

    from fnnet.sklearn import FnnetClassifier

    common = dict(hidden_layer_sizes=hidden, activation="relu", solver="adam", alpha=alpha, batch_size=batch,
                  learning_rate_init=lr, max_iter=epochs, tol=0.0, n_iter_no_change=epochs + 1, random_state=seed)
    return {"fnnet": FnnetClassifier(init="xavier", dtype=dtype, **common), "sklearn": MLPClassifier(**common)}


def bench(name: str, args) -> Optional[Dict[str, object]]:
    hidden, batch, epochs, lr = SETTINGS[name]
    if args.epochs:
        epochs = args.epochs
    if args.quick:
        epochs = 2
    data = load(name, 2000 if args.quick else args.fashion_limit, np.dtype(args.dtype))
    if data is None:
        print(f"{name}: skipped: Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist, or FNNET_DATA)")
        return None
    X_train, X_test, y_train, y_test = data
    from sklearn.exceptions import ConvergenceWarning

    times: Dict[str, List[float]] = {"fnnet": [], "sklearn": []}
    scores: Dict[str, float] = {}
    epochs_run: Dict[str, int] = {}
    for _ in range(1 if args.quick else args.rounds):
        for label, est in contenders(hidden, batch, epochs, lr, args.alpha, args.dtype, args.seed).items():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)  # both stop at max_iter on purpose
                start = time.perf_counter()
                est.fit(X_train, y_train)
                times[label].append(time.perf_counter() - start)
            scores[label], epochs_run[label] = est.score(X_test, y_test), est.n_iter_
    median = {label: statistics.median(t) for label, t in times.items()}
    return dict(data=name, examples=len(X_train), test=len(X_test), features=X_train.shape[1],
                network=[X_train.shape[1], *hidden, len(np.unique(y_train))], batch=batch, epochs=epochs_run,
                seconds=median, accuracy=scores, speedup=median["sklearn"] / median["fnnet"])


def main(argv=None) -> List[Dict[str, object]]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default="digits,fashion", help="comma-separated: digits, fashion (default both)")
    parser.add_argument("--epochs", type=int, help="epochs for every data set (default: digits 50, fashion 10)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved fits of each contender (median kept)")
    parser.add_argument("--fashion-limit", type=int, default=20000, help="Fashion-MNIST examples used (default 20000)")
    parser.add_argument("--alpha", type=float, default=1e-4, help="L2 penalty, scikit-learn's meaning (default 1e-4)")
    parser.add_argument("--dtype", choices=("float64", "float32"), default="float64")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--blas-threads", type=int, help="limit BLAS to this many threads (threadpoolctl, from the "
                                                            "extra 'bench'); on a machine shared with other jobs, 1 "
                                                            "keeps idle BLAS threads from spinning")
    parser.add_argument("--quick", action="store_true", help="2 epochs, one round, small data: checks that it runs")
    args = parser.parse_args(argv)
    import sklearn

    if args.blas_threads is not None:
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=args.blas_threads, user_api="blas"):
            rows = [row for name in args.data.split(",") if (row := bench(name.strip(), args)) is not None]
    else:
        rows = [row for name in args.data.split(",") if (row := bench(name.strip(), args)) is not None]
    print(f"fnnet {fnnet.__version__}, scikit-learn {sklearn.__version__}, numpy {np.__version__}, {args.dtype}, "
          f"Adam, alpha {args.alpha:g}, BLAS threads {args.blas_threads or 'default'}, "
          f"median of {1 if args.quick else args.rounds} interleaved fits")
    head = f"{'data':<8} {'network':<20} {'train/test':>11} {'batch':>5} {'epochs':>6} " \
           f"{'fnnet s':>8} {'sklearn s':>9} {'speed-up':>8} {'fnnet acc':>9} {'sklearn acc':>11}"
    print(head)
    for r in rows:
        print(f"{r['data']:<8} {str(r['network']):<20} {str(r['examples']) + '/' + str(r['test']):>11} "
              f"{r['batch']:>5} {r['epochs']['fnnet']:>6} {r['seconds']['fnnet']:>8.3f} {r['seconds']['sklearn']:>9.3f} "
              f"{r['speedup']:>7.2f}x {r['accuracy']['fnnet']:>9.4f} {r['accuracy']['sklearn']:>11.4f}")
    return rows


if __name__ == "__main__":
    main()
