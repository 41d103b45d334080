"""The outer ring (fnnet.sklearn, fnnet.convert) imports the core; ``import fnnet`` imports none
of it, nor any optional dependency, and a missing extra is named when its module is imported."""

from __future__ import annotations

import subprocess
import sys

import pytest


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)


def test_import_fnnet_loads_no_outer_module_and_no_optional_dependency():
    out = _run("import sys, fnnet; print(sorted(m for m in sys.modules if m.split('.')[0] in "
               "('sklearn', 'dask', 'distributed', 'joblib', 'torch', 'scipy') or m in ('fnnet.sklearn', 'fnnet.convert')))")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("blocked", ["sklearn", "sklearn.utils.validation"])
def test_fnnet_sklearn_without_scikit_learn_names_the_extra(blocked):
    out = _run(f"import sys; sys.modules[{blocked!r}] = None\n"
               "try:\n    import fnnet.sklearn\nexcept ImportError as err:\n    print(err)\n")
    assert out.returncode == 0, out.stderr
    assert "fnnet.sklearn needs scikit-learn >= 1.6" in out.stdout
    assert "pip install 'fnnet[sklearn]'" in out.stdout


def test_fnnet_convert_needs_numpy_only():
    out = _run("import sys\nfor m in ('sklearn', 'torch', 'keras', 'tensorflow'): sys.modules[m] = None\n"
               "import fnnet.convert; print('ok')")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
