"""The README stays true: its Python examples run, its printed output is what they print, and
CI runs its test command."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
BLOCKS = re.findall(r"```python\n(.*?)```", README, flags=re.S)


@pytest.mark.parametrize("code", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_readme_python_blocks_run(code, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # examples that save files write here
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README.md", "exec"), {"__name__": "__readme__"})
    # a trailing "# prints ..." comment or an inline "# <output>" after print(...) is checked
    for expected in re.findall(r"print\(.*\)\s+#\s+(.+)", code):
        assert expected.strip() in out.getvalue(), (expected, out.getvalue())


def test_quick_example_prints_what_the_readme_says():
    code = BLOCKS[0]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README.md", "exec"), {"__name__": "__readme__"})
    stated = re.search(r"prints `(.+?)`", README).group(1)
    assert out.getvalue().strip() == stated


def test_ci_runs_the_readme_test_command():
    command = re.search(r"^(pip install -e \"\.\[test\]\" && python -m pytest)", README, flags=re.M).group(1)
    ci = (ROOT / ".ci" / "run").read_text()
    assert command in ci


def test_printed_outputs_shown_in_the_readme_are_what_the_code_prints():
    """A ```text block right after a ```python block is that block's exact output."""
    pairs = re.findall(r"```python\n((?:(?!```).)*)```\s*\n```text\n((?:(?!```).)*)```", README, flags=re.S)
    assert pairs, "the README shows at least one printed output (the gradcheck report)"
    for code, shown in pairs:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(code, "README.md", "exec"), {"__name__": "__readme__"})
        assert out.getvalue().strip() == shown.strip()
