"""docs/ stays true: every page's Python blocks run in order (one namespace per page), the
outputs they show are what they print (by the README's rule), and the site builds with
``mkdocs build --strict`` where the docs extra is installed."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import re
import subprocess
import sys
from pathlib import Path

import pytest

from test_readme import STANDALONE, output_mismatch

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted((ROOT / "docs").glob("*.md"))
#: A ```python block, and the ```text block right after it (its output), if any.
BLOCK = re.compile(r"```python\n(.*?)```(?:\s*\n```text\n(.*?)```)?", flags=re.S)
#: Pages run here, page by page; the pages marked as running block by block run in test_readme.
CODE_PAGES = [page for page in PAGES if BLOCK.search(page.read_text()) and STANDALONE not in page.read_text()]


def test_the_docs_have_pages_with_code():
    assert {p.name for p in PAGES} >= {"index.md", "diagnostics.md", "trace.md", "plots.md", "examples.md", "api.md"}
    assert {p.name for p in CODE_PAGES} == {"diagnostics.md", "trace.md", "plots.md"}
    assert sum(len(BLOCK.findall(p.read_text())) for p in PAGES) >= 5


@pytest.mark.parametrize("page", CODE_PAGES, ids=[p.stem for p in CODE_PAGES])
def test_page_python_blocks_run_and_print_what_they_show(page, tmp_path, monkeypatch):
    text = page.read_text()
    blocks = BLOCK.findall(text)
    if "matplotlib" in text and importlib.util.find_spec("matplotlib") is None:
        pytest.skip("the plot extra (matplotlib) is not installed")
    monkeypatch.chdir(tmp_path)  # blocks that save files write here
    namespace = {"__name__": "__docs__"}
    for code, shown in blocks:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(code, str(page), "exec"), namespace)
        printed = out.getvalue()
        for expected in re.findall(r"print\(.*\)\s+#\s+(.+)", code):
            assert any(output_mismatch(expected.strip(), line.strip()) is None for line in printed.splitlines()), \
                (expected, printed)
        if shown:
            assert output_mismatch(shown, printed) is None, output_mismatch(shown, printed)
    if "matplotlib" in text:
        plt = sys.modules["matplotlib.pyplot"]
        plt.close("all")


def test_the_site_builds_strictly(tmp_path):
    pytest.importorskip("mkdocs", reason="the docs extra (mkdocs) is not installed")
    pytest.importorskip("mkdocstrings", reason="the docs extra (mkdocstrings) is not installed")
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    api = (tmp_path / "site" / "api" / "index.html").read_text()
    assert "layer_stats" in api and "update_ratio" in api and "Diagnostics" in api and "training_curves" in api
    assert (tmp_path / "site" / "diagnostics" / "index.html").is_file()


def test_the_diagnose_flags_shown_are_what_the_command_prints(capsys):
    from fnnet.__main__ import main

    text = (ROOT / "docs" / "diagnostics.md").read_text()
    command = re.search(r"```bash\npython -m fnnet (train .*--diagnose)\n```", text).group(1)
    shown = re.search(r"```text\n((?:  ! .*\n)+)```", text).group(1).splitlines()
    assert main(command.split() + ["-q"]) == 0
    printed = capsys.readouterr().out.splitlines()
    for line in shown:
        assert any(output_mismatch(line, p) is None for p in printed), (line, [p for p in printed if "!" in p])
