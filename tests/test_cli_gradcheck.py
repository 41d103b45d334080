"""``python -m fnnet gradcheck``: prints the report, exit code 0 on pass, 1 on failure, 2 on bad input."""

from __future__ import annotations

import subprocess
import sys

import pytest

from fnnet.__main__ import main
from fnnet._cli_gradcheck import PLANTS

KEYS_4_8_3 = ["W1", "b1", "W2", "b2"]


def _rows(out):
    """The report's table rows by key."""
    return {line.split()[0]: line for line in out.splitlines() if line.split() and line.split()[0] in
            {f"{p}{l}" for p in "Wb" for l in range(1, 9)}}


def test_defaults_alone_check_the_4_8_3_network_and_exit_0(capsys):
    assert main(["gradcheck"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert "network [4, 8, 3], activations ['tanh', 'softmax'], loss cce, m = 16, float64" in out
    assert "gradcheck PASS: full mode, float64 params" in out
    rows = _rows(out)
    assert list(rows) == KEYS_4_8_3 and all(line.endswith("PASS") for line in rows.values())


@pytest.mark.parametrize("loss, output", [("mse", "linear"), ("bce", "sigmoid"), ("cce", "softmax")])
def test_default_output_activation_is_the_loss_natural_one(loss, output, capsys):
    assert main(["gradcheck", "--loss", loss, "--layers", "3,4,2", "--m", "5"]) == 0
    assert f"network [3, 4, 2], activations ['tanh', '{output}'], loss {loss}, m = 5" in capsys.readouterr().out


def test_help_says_directional_mode_is_whole_network(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["gradcheck", "--help"])
    assert exc.value.code == 0
    help_text = " ".join(capsys.readouterr().out.split())
    assert "--k K random directions over the whole network in directional mode (one verdict, key 'all')" in help_text
    assert "directions per key" not in help_text


def test_the_issue_command_line_exits_0(capsys):
    argv = ["gradcheck", "--layers", "4,8,3", "--activations", "tanh,softmax", "--loss", "cce"]
    assert main(argv) == 0
    assert "gradcheck PASS" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [
    pytest.param(["--loss", "mse"], id="mse-linear"),
    pytest.param(["--loss", "bce", "--layers", "5,6,4,1", "--activations", "relu,leaky_relu,sigmoid"], id="bce-relu"),
    pytest.param(["--dtype", "float32"], id="float32"),
    pytest.param(["--mode", "sample", "--n", "3"], id="sample"),
    pytest.param(["--mode", "directional", "--k", "4"], id="directional"),
    pytest.param(["--layers", "3,2", "--m", "1"], id="one-layer-one-example"),
])
def test_correct_backward_passes_in_every_setting(argv, capsys):
    assert main(["gradcheck"] + argv) == 0, capsys.readouterr().out
    assert "gradcheck PASS" in capsys.readouterr().out


@pytest.mark.parametrize("plant,wrong", [
    ("db-from-dW", "b2"), ("missing-1/m", "W1"), ("doubled-dW", "W2"), ("transposed-dW", "W1"), ("sign-flip", "b2"),
])
def test_planted_mistake_exits_1_and_the_report_names_the_key(plant, wrong, capsys):
    assert set(PLANTS) == {"db-from-dW", "missing-1/m", "doubled-dW", "transposed-dW", "sign-flip"}
    assert main(["gradcheck", "--plant", plant]) == 1
    out = capsys.readouterr().out
    assert out.startswith("planted bug: ") and "gradcheck FAIL" in out and f"in {wrong}" in out.splitlines()[2]
    rows = _rows(out)
    assert [key for key, line in rows.items() if "FAIL" in line] == [wrong]


def test_bad_activation_exits_2_with_the_message_on_stderr(capsys):
    assert main(["gradcheck", "--activations", "tanh,nope"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "unknown activation 'nope'" in err


@pytest.mark.parametrize("argv", [["--layers", "4"], ["--layers", "4,x"], ["--loss", "hinge"], ["--mode", "fast"]])
def test_bad_options_exit_2_through_argparse(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["gradcheck"] + argv)
    assert exc.value.code == 2
    assert "error" in capsys.readouterr().err


def test_python_dash_m_exit_codes():
    ok = subprocess.run([sys.executable, "-m", "fnnet", "gradcheck"], capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0 and "gradcheck PASS" in ok.stdout
    bad = subprocess.run([sys.executable, "-m", "fnnet", "gradcheck", "--plant", "sign-flip"],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1 and "gradcheck FAIL" in bad.stdout


def _usage_error(capsys, *options):
    """argparse's exit code 2, nothing on stdout, the usage then one error line (no traceback)."""
    with pytest.raises(SystemExit) as exc:
        main(["gradcheck", *options])
    out, err = capsys.readouterr()
    assert exc.value.code == 2 and out == ""
    assert err.startswith("usage: python -m fnnet gradcheck") and "Traceback" not in err
    return err.strip().splitlines()[-1]


@pytest.mark.parametrize("argv, message", [
    (["--m", "0"], "argument --m: expected an int >= 1, got 0"),
    (["--m", "-3"], "argument --m: expected an int >= 1, got -3"),
    (["--n", "0"], "argument --n: expected an int >= 1, got 0"),
    (["--k", "-1"], "argument --k: expected an int >= 1, got -1"),
    (["--eps", "0"], "argument --eps: expected a finite number > 0, got 0.0"),
    (["--tol", "nan"], "argument --tol: expected a finite number > 0, got nan"),
    (["--seed", "-1"], "argument --seed: expected an int >= 0, got -1"),
    (["--layers", "4,0,3"], "argument --layers: need at least two positive sizes (input, output), got '4,0,3'"),
], ids=["m-0", "m-negative", "n", "k", "eps", "tol-nan", "seed", "layers-0"])
def test_bad_values_are_usage_errors(capsys, argv, message):
    assert _usage_error(capsys, *argv) == f"python -m fnnet gradcheck: error: {message}"


@pytest.mark.parametrize("argv, what", [
    (["--layers", "4,100000000000,3"], "checking a [4, 100000000000, 3] network on 16 examples"),
    (["--m", "10000000000000"], "checking a [4, 8, 3] network on 10000000000000 examples"),
], ids=["layers", "m"])
def test_a_check_too_large_for_memory_is_a_usage_error(capsys, argv, what):
    last = _usage_error(capsys, *argv)
    assert last.startswith(f"python -m fnnet gradcheck: error: argument --layers/--m: {what} needs about ")
    assert " GB of memory; this machine has " in last


def test_ctrl_c_exits_130_with_one_line(capsys, monkeypatch):
    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(sys.modules["fnnet._cli_gradcheck"], "gradcheck", interrupt)
    assert main(["gradcheck"]) == 130
    assert capsys.readouterr().err == "python -m fnnet: interrupted (Ctrl-C)\n"
