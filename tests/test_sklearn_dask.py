"""A grid search over fnnet estimators on a Dask cluster, through joblib: the same results as on
the default backend.

Needs the extra ``dask`` (scikit-learn, dask.distributed; skipped without it, the reason naming
the module). The cluster is a ``distributed.LocalCluster`` of two worker processes, one thread
each, on this machine: the code the README points at a real scheduler's address.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("sklearn", reason="needs scikit-learn: the extra 'dask' (or 'sklearn')")
distributed = pytest.importorskip("distributed", reason="needs dask.distributed: the extra 'dask'")

import joblib  # noqa: E402
from sklearn.datasets import load_breast_cancer  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from fnnet.sklearn import FnnetClassifier  # noqa: E402

#: A nanny sets these to 1 in each worker's environment (the README says so): one BLAS thread each.
BLAS_THREADS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def _search() -> GridSearchCV:
    net = FnnetClassifier(learning_rate_init=0.01, max_iter=20, early_stopping=True, n_iter_no_change=5,
                          random_state=0)
    return GridSearchCV(make_pipeline(StandardScaler(), net),
                        {"fnnetclassifier__hidden_layer_sizes": [(4,), (16,)],
                         "fnnetclassifier__alpha": [1e-4, 3.0]}, cv=3, n_jobs=-1)


def test_grid_search_on_a_local_dask_cluster_matches_the_default_backend():
    X, y = load_breast_cancer(return_X_y=True)
    X, y = X[::2], y[::2]  # 285 examples: small, so the cluster's start dominates
    local = _search().fit(X, y)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
                                  ) as cluster, distributed.Client(cluster) as client:
        with joblib.parallel_config(backend="dask"), distributed.get_task_stream(client) as stream:
            remote = _search().fit(X, y)
        workers = client.run(lambda: [__import__("os").environ.get(v) for v in BLAS_THREADS])
    assert len(workers) == 2
    assert all(values == ["1", "1", "1"] for values in workers.values()), f"as the README says: {workers}"
    ran_on = {task["worker"] for task in stream.data}
    assert ran_on == set(workers), "the 12 fits ran on both workers"
    # The same fits: bit for bit where the workers' BLAS rounds as this process's does (one thread
    # there, maybe more here); so scores are allowed one example of a fold (1/95) of round-off
    # flips, and the best candidate wins by 0.02 here (six examples).
    assert remote.best_params_ == local.best_params_
    np.testing.assert_allclose(remote.cv_results_["mean_test_score"], local.cv_results_["mean_test_score"],
                               rtol=0, atol=1 / 95)
    assert remote.best_score_ > 0.9
    np.testing.assert_array_equal(remote.predict(X[:40]), local.predict(X[:40]))
