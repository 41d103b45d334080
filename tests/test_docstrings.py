"""Every docstring example in fnnet runs and prints what it shows (the doctests of each module)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
from pathlib import Path

import pytest

import fnnet

PACKAGE_DIR = str(Path(fnnet.__file__).parent)  # this checkout's modules, whatever else is on the path
MODULES = sorted(info.name for info in pkgutil.iter_modules([PACKAGE_DIR], "fnnet.") if info.name != "fnnet.__main__")
#: Modules of an optional extra: the module they need, and the extra that installs it.
NEEDS = {"fnnet.sklearn": ("sklearn", "sklearn")}


def _import(name: str):
    """The module ``name``; its test is skipped, naming the extra, where the extra is missing."""
    if name in NEEDS:
        module, extra = NEEDS[name]
        pytest.importorskip(module, reason=f"{name} needs {module}: the extra {extra!r}")
    return importlib.import_module(name)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # examples that save files write here
    module = _import(name)
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    tests = [t for t in finder.find(module, name) if t.examples]  # in the module's globals, as --doctest-modules
    for test in tests:
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} docstring examples in {name} failed (see above)"


def test_the_package_has_docstring_examples():
    """The examples above are really found: a module without any would pass vacuously."""
    finder = doctest.DocTestFinder()
    count = sum(len(t.examples) for name in MODULES if name not in NEEDS
                for t in finder.find(importlib.import_module(name)))
    assert count >= 20, count
