"""examples/see_inside.ipynb runs top to bottom (extra notebook: nbclient, ipykernel) and shows tables as HTML."""

from __future__ import annotations

from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parent.parent / "examples" / "see_inside.ipynb"


def test_the_notebook_runs_and_shows_its_tables_as_html(tmp_path):
    pytest.importorskip("matplotlib", reason="the plot extra (matplotlib) is not installed")
    nbformat = pytest.importorskip("nbformat", reason="the notebook extra (nbformat) is not installed")
    nbclient = pytest.importorskip("nbclient", reason="the notebook extra (nbclient) is not installed")
    pytest.importorskip("ipykernel", reason="the notebook extra (ipykernel) is not installed")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    outputs = [[out for out in cell.outputs] for cell in code]
    assert not any(out.output_type == "error" for cell in outputs for out in cell)
    html = [out.data["text/html"] for cell in outputs for out in cell if "text/html" in out.get("data", {})]
    assert len(html) == 3  # summary, the recorded stats of epoch 40, layer_stats
    assert html[0].startswith("<table>") and "<th style=\"text-align: left\">activation</th>" in html[0]
    assert all("std(dW)/std(W)" in table for table in html[1:])
    text = "".join(out.get("text", "") for out in outputs[1])
    assert text.startswith("accuracy ")
    assert "Z1 = W1 @ A0 + b1" in "".join(out.get("text", "") for out in outputs[3])
    assert any("image/png" in out.get("data", {}) for out in outputs[4])
