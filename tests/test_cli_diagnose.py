"""``python -m fnnet train --diagnose``: tables at the first, middle and last epoch, with flags."""

from __future__ import annotations

import re

import numpy as np

import fnnet
from fnnet import _cli_diagnose
from fnnet.__main__ import main


def _train(capsys, *options):
    code = main(["train", "-q", *options])
    return code, capsys.readouterr().out


def _tables(out):
    """{epoch: [table lines]} of the printed diagnostics."""
    tables, epoch = {}, None
    for line in out.splitlines():
        match = re.match(r"diagnostics after epoch (\d+) \((\d+) probe examples\):", line)
        if match:
            epoch = int(match.group(1))
            tables[epoch] = []
        elif epoch is not None and not line.startswith(("saved", "final")):
            tables[epoch].append(line)
    return tables


def test_diagnose_prints_the_first_middle_and_last_epoch(capsys):
    code, out = _train(capsys, "--data", "moons", "--epochs", "7", "--diagnose")
    assert code == 0
    tables = _tables(out)
    assert sorted(tables) == [1, 4, 7]
    assert "(200 probe examples)" in out  # moons has 200 examples: all of them
    for lines in tables.values():
        assert lines[0].split()[:4] == ["layer", "activation", "mean(A)", "std(A)"]
        assert [line.split()[:2] for line in lines[1:3]] == [["1", "relu"], ["2", "sigmoid"]]


def test_diagnose_prints_the_numbers_of_layer_stats_on_the_probe_batch(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out = _train(capsys, "--data", "xor", "--epochs", "1", "--diagnose", "--save", "net.npz")
    assert code == 0
    params, meta = fnnet.load_params("net.npz"), fnnet.load_metadata("net.npz")
    X, y = fnnet.xor(seed=0)
    AL, cache = fnnet.forward(params, X, meta["activations"])
    grads = fnnet.backward(params, cache, y.reshape(1, -1).astype(float), meta["loss"])
    expected = str(fnnet.layer_stats(params, cache, grads)).splitlines()
    assert _tables(out)[1][:3] == expected
    assert meta["history"]["diagnostics"]["epoch"] == [1]  # the record is saved with the history


def test_flags_name_the_number_its_usual_range_and_the_source(capsys):
    # four sigmoid layers under plain SGD: Nielsen's vanishing gradient, and tiny early updates
    code, out = _train(capsys, "--data", "spiral", "--hidden", "30", "30", "30", "30", "--activation", "sigmoid",
                       "--optimizer", "sgd", "--lr", "0.5", "--epochs", "3", "--init", "nielsen", "--diagnose")
    assert code == 0
    flags = [line for line in out.splitlines() if line.startswith("  ! ")]
    assert any(re.match(r"  ! layer 1: \S+ of the fastest hidden layer's learning speed \|\|db\|\|, usual > 1/100 "
                        r"\(Nielsen, .*ch\. 5", line) for line in flags), flags
    assert any(re.match(r"  ! layer 1: \S+ update ratio .* per step, usual 1e-4 to 1e-2 \(CS231n", line)
               for line in flags), flags


def test_flags_for_saturated_and_dead_units():
    stats = fnnet.LayerStats([
        fnnet.LayerStat(1, "tanh", 0.0, 0.9, 0.25, None, 1.0, 1.0, 1.0, 1.0),
        fnnet.LayerStat(2, "relu", 0.1, 0.2, None, 0.5, 1.0, 1.0, 1.0, 1.0),
        fnnet.LayerStat(3, "sigmoid", 0.5, 0.5, 0.9, None, 1.0, 1.0, 1.0, 1.0),  # an output may saturate
    ])
    lines = _cli_diagnose.flags(stats, [1e-3, 1e-3, 1e-3], steps=1)
    assert len(lines) == 2
    assert lines[0].startswith("layer 1: 25.0% of the activations saturated, usual < 10% (Karpathy")
    assert lines[1].startswith("layer 2: 50.0% of the relu units dead on every probe example, usual < 10% (CS231n")
    # an epoch of 10 steps that moved W by 5e-2 moved it about 5e-3 a step: within range
    assert _cli_diagnose.flags(stats[:2] + (stats[2]._replace(saturated=0.0),), [5e-2] * 3, 10)[2:] == []
    lines = _cli_diagnose.flags(stats, [np.float64(0.5), 2e-3, 2e-3], 10)
    assert lines[1].startswith("layer 1: 0.05 update ratio ||change of W|| / ||W|| per step, usual 1e-4 to 1e-2")
    assert len(lines) == 3


def test_diagnose_reports_the_epochs_before_training_diverged(capsys):
    code = main(["train", "-q", "--data", "seed001", "--lr", "5", "--optimizer", "sgd", "--epochs", "20", "--diagnose"])
    captured = capsys.readouterr()
    epoch = int(re.search(r"error: training diverged in epoch (\d+)", captured.err).group(1))
    assert code == 1 and epoch >= 2
    tables = sorted(_tables(captured.out))
    assert tables[0] == 1 and tables[-1] == epoch - 1 and len(tables) <= 3
