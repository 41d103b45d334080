"""The README and the docs/ pages it points to stay true: their Python examples run, the output it shows is what they print (by
the rule of :func:`output_mismatch`), a block that needs Fashion-MNIST runs where the data is
installed and is skipped, with its reason, where it is not, and CI runs its commands."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import os
import re
from decimal import Decimal
from pathlib import Path
from typing import Optional

import pytest

import fnnet
from fnnet import data as data_module

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
#: The mark of a docs/ page whose blocks each run on their own, as the README's do (the other
#: pages run page by page, one namespace each: tests/test_docs.py).
STANDALONE = "<!-- Each Python block on this page runs on its own"
#: The README and those pages, by path.
PAGES = {"README.md": README, **{f"docs/{page.name}": page.read_text() for page in sorted((ROOT / "docs").glob("*.md"))
                                 if STANDALONE in page.read_text()}}
BLOCKS = [code for text in PAGES.values() for code in re.findall(r"```python\n(.*?)```", text, flags=re.S)]
BLOCK_IDS = [f"{name}-{i}" for name, text in PAGES.items()
             for i in range(len(re.findall(r"```python\n(.*?)```", text, flags=re.S)))]
#: A ```text block right after a ```python block is that block's output.
SHOWN_OUTPUTS = [pair for text in PAGES.values() for pair in
                 re.findall(r"```python\n((?:(?!```).)*)```\s*\n```text\n((?:(?!```).)*)```", text, flags=re.S)]
#: The output shown for a block, by its code (each block runs once, and is checked against it).
SHOWN = dict(SHOWN_OUTPUTS)
#: A block calling this needs the Fashion-MNIST files.
NEEDS_FASHION = "fashion_mnist_dir()"

NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")
#: Shown numbers below this in magnitude are round-off (see output_mismatch).
ROUNDOFF = 1e-10


def output_mismatch(shown: str, printed: str) -> Optional[str]:
    """Why ``printed`` is not the output ``shown`` in the README, or None when it is.

    The rule: both texts are split into numbers and the text between them.

    - The text between numbers is equal, every run of whitespace counting as one space (a
      table column shifts when a number's printed width changes).
    - The numbers pair up one for one. An integer (no point, no exponent: a shape, a count,
      a layer number) is equal.
    - A shown number below 1e-10 in magnitude is round-off, e.g. a correct key's relative
      error in a gradient check, whose digits change with the CPU and BLAS kernel: it matches
      any printed number below 1e-10 in magnitude.
    - Any other number matches a printed number within one unit of its last shown digit
      (``0.355`` matches 0.354 to 0.356, ``2.94e-3`` matches 2.93e-3 to 2.95e-3,
      ``100.0`` matches 99.9 to 100.1), since a value on a rounding boundary can print
      either way; anything further off is a real change.
    """
    shown_numbers, printed_numbers = NUMBER.findall(shown), NUMBER.findall(printed)
    shown_text, printed_text = (" ".join(NUMBER.sub("#", text).split()) for text in (shown, printed))
    if shown_text != printed_text:
        return f"the text differs: shown {shown_text!r}, printed {printed_text!r}"
    for want, got in zip(shown_numbers, printed_numbers):
        if not _number_matches(want, got):
            return f"shown {want}, printed {got}"
    return None


def _number_matches(shown: str, printed: str) -> bool:
    if not re.search(r"[.eE]", shown):
        return shown == printed
    want, got = Decimal(shown), Decimal(printed)
    if abs(want) < Decimal(ROUNDOFF):
        return abs(got) < Decimal(ROUNDOFF)
    unit = Decimal(1).scaleb(want.as_tuple().exponent)
    return abs(want - got) <= unit


#: A block marked as a long run (minutes of training) runs only when this is set to 1.
LONG_RUN, LONG_RUN_VARIABLE = "# long run", "FNNET_README_LONG"


#: A block importing one of these needs that module, installed by the extra named.
EXTRAS = {"sklearn": "sklearn", "distributed": "dask"}


def _missing_data_reason(code: str) -> Optional[str]:
    """Why a README block does not run here (it needs Fashion-MNIST, which is absent, or an
    extra that is not installed, or it is a long run that was not asked for), or None."""
    for module, extra in EXTRAS.items():
        if re.search(rf"^(from|import) {module}\b", code, flags=re.M) and importlib.util.find_spec(module) is None:
            return f"needs {module}: the extra {extra!r} (pip install -e \".[{extra}]\")"
    if code.startswith(LONG_RUN) and os.environ.get(LONG_RUN_VARIABLE) != "1":
        return f"a long run (minutes of training): set {LONG_RUN_VARIABLE}=1 to run it"
    if NEEDS_FASHION in code and fnnet.fashion_mnist_dir() is None:
        places = ", ".join(data_module.fashion_mnist_search_path())
        return (f"needs Fashion-MNIST, not found in {places} "
                "(apt-get install dataset-fashion-mnist, or set FNNET_DATA to a directory holding it)")
    return None


def _run_block(code: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README.md", "exec"), {"__name__": "__readme__"})
    return out.getvalue()


@pytest.mark.parametrize("code", BLOCKS, ids=BLOCK_IDS)
def test_readme_python_blocks_run(code, tmp_path, monkeypatch):
    """Each block runs; a ``print(...)  # <output>`` comment matches a printed line, and a
    ```text block shown right after the block is its whole output (both by the rule)."""
    reason = _missing_data_reason(code)
    if reason:
        pytest.skip(reason)
    monkeypatch.chdir(tmp_path)  # examples that save files write here
    output = _run_block(code)
    printed = output.splitlines()
    for expected in re.findall(r"print\(.*\)\s+#\s+(.+)", code):
        mismatches = [output_mismatch(expected.strip(), line.strip()) for line in printed]
        assert None in mismatches, (expected, printed, mismatches)
    if code in SHOWN:
        assert output_mismatch(SHOWN[code], output) is None, output_mismatch(SHOWN[code], output)


def test_a_block_needing_fashion_mnist_is_skipped_with_its_reason_when_the_data_is_absent(tmp_path, monkeypatch):
    monkeypatch.setenv("FNNET_DATA", str(tmp_path))  # an empty directory: no Fashion-MNIST
    monkeypatch.setenv(LONG_RUN_VARIABLE, "1")  # the long runs too: it is the missing data they skip for
    needing = [code for code in BLOCKS if NEEDS_FASHION in code]
    assert needing, "the README shows Fashion-MNIST being loaded"
    for code in needing:
        with pytest.raises(pytest.skip.Exception, match=r"needs Fashion-MNIST, not found in .*set FNNET_DATA"):
            test_readme_python_blocks_run(code, tmp_path, monkeypatch)


def test_quick_example_prints_what_the_readme_says():
    stated = re.search(r"prints `(.+?)`", README).group(1)
    assert output_mismatch(stated, _run_block(BLOCKS[0]).strip()) is None


def test_printed_outputs_shown_in_the_readme_are_checked_with_their_blocks():
    """A ```text block right after a ```python block is that block's output: the block's own
    run above compares them (so a slow block, such as Fashion-MNIST's, runs once)."""
    assert SHOWN_OUTPUTS, "the README shows at least one printed output (the gradcheck report)"
    assert all(code in BLOCKS for code in SHOWN)
    assert any("gradcheck" in code for code in SHOWN), "the gradcheck report is among them"


@pytest.mark.parametrize("shown, printed", [
    ("W2  (1, 5)  5    2.94e-14  PASS", "W2  (1, 5)  5    2.93e-14  PASS"),
    ("error 2.94e-14", "error 3.1e-11"),
    ("max relative error 0.355 in b2", "max relative error 0.356 in b2"),
    ("accuracy 100.0%", "accuracy 99.9%"),
    ("analytic -0.0198269", "analytic -0.0198270"),
    ("a 9.99e-14 b", "a  1e-13 b"),
    ("eps=1e-06", "eps=1e-06"),
], ids=["roundoff-digit", "roundoff-any", "last-digit", "percent", "negative", "width-change", "same"])
def test_the_output_rule_forgives_round_off(shown, printed):
    assert output_mismatch(shown, printed) is None


@pytest.mark.parametrize("shown, printed, why", [
    ("error 2.94e-14", "error 2e-09", "shown 2.94e-14, printed 2e-09"),
    ("error 0.355", "error 0.357", "shown 0.355, printed 0.357"),
    ("accuracy 100.0%", "accuracy 99.8%", "shown 100.0, printed 99.8"),
    ("checked 15", "checked 16", "shown 15, printed 16"),
    ("in b2", "in b1", "shown 2, printed 1"),
    ("W1 PASS", "W1 FAIL", "the text differs"),
    ("(5, 3)", "(5, 3, 1)", "the text differs"),
    ("cost 0.357 -> 0.051", "cost 0.357", "the text differs"),
], ids=["roundoff-vs-real", "decimal", "percent", "count", "key", "verdict", "shape", "missing-number"])
def test_the_output_rule_catches_real_changes(shown, printed, why):
    assert why in output_mismatch(shown, printed)


def test_ci_runs_the_readme_test_command():
    command = re.search(r"^(pip install -e \"\.\[test\]\" && python -m pytest)", README, flags=re.M).group(1)
    ci = (ROOT / ".ci" / "run").read_text()
    assert command in ci
    assert 'pip install -e ".[test,plot,progress,bench,sklearn,dask,notebook,docs]"' in ci


def test_long_runs_are_marked_and_skipped_unless_asked_for(monkeypatch):
    """The Fashion-MNIST training blocks say they are long runs; they skip with the reason by default."""
    long_runs = [code for code in BLOCKS if code.startswith(LONG_RUN)]
    assert len(long_runs) == 2 and all(NEEDS_FASHION in code for code in long_runs)
    monkeypatch.delenv(LONG_RUN_VARIABLE, raising=False)
    assert "set FNNET_README_LONG=1" in _missing_data_reason(long_runs[0])
