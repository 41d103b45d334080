"""benchmarks/bench_sklearn.py runs, and fits the two contenders alike (no timing is asserted).

Needs the extra ``sklearn`` (skipped without it, the reason naming the module).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

pytest.importorskip("sklearn", reason="needs scikit-learn: the extra 'sklearn'")

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import bench_sklearn  # noqa: E402


def test_the_contenders_share_every_setting_scikit_learn_names():
    both = bench_sklearn.contenders((16, 8), 32, 7, 0.002, 1e-3, "float64", 0)
    fnnet_params, sk_params = both["fnnet"].get_params(), both["sklearn"].get_params()
    shared = ["hidden_layer_sizes", "activation", "solver", "alpha", "batch_size", "learning_rate_init", "max_iter",
              "tol", "n_iter_no_change", "random_state", "beta_1", "beta_2", "epsilon", "early_stopping"]
    assert {k: fnnet_params[k] for k in shared} == {k: sk_params[k] for k in shared}
    assert fnnet_params["init"] == "xavier"  # scikit-learn's Glorot init
    assert fnnet_params["n_iter_no_change"] > fnnet_params["max_iter"]  # no early end: the same epochs


def test_quick_run_prints_a_row_per_data_set(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("FNNET_DATA", str(tmp_path))  # no Fashion-MNIST: its row is skipped, saying why
    rows = bench_sklearn.main(["--quick"])
    out = capsys.readouterr().out
    assert "fashion: skipped: Fashion-MNIST is not installed" in out
    assert [row["data"] for row in rows] == ["digits"]
    row = rows[0]
    assert row["network"] == [64, 64, 10] and row["examples"] == 1347 and row["test"] == 450
    assert row["epochs"] == {"fnnet": 2, "sklearn": 2}
    assert all(0.5 < acc <= 1.0 for acc in row["accuracy"].values())
    assert row["speedup"] == pytest.approx(row["seconds"]["sklearn"] / row["seconds"]["fnnet"])
    assert "digits   [64, 64, 10]" in out and "speed-up" in out
