"""The tables a learner prints show as HTML tables in a notebook (_repr_html_), with the same cells."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import numpy as np

import fnnet


class _Cells(HTMLParser):
    """The text of every <th>/<td>, row by row."""

    def __init__(self):
        super().__init__()
        self.rows, self.cell = [], None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag in ("th", "td"):
            self.cell = ""

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data

    def handle_endtag(self, tag):
        if tag in ("th", "td"):
            self.rows[-1].append(self.cell)
            self.cell = None


def _cells(html):
    parser = _Cells()
    parser.feed(html)
    return parser.rows


def test_summary_shows_as_an_html_table_with_the_text_tables_cells():
    params = fnnet.init_params([784, 30, 10], seed=0)
    table = fnnet.summary(params, ["sigmoid", "softmax"], quiet=True)
    rows = _cells(table._repr_html_())
    assert rows[0] == ["layer", "W", "b", "activation", "params", "dtype"]
    assert rows[1] == ["1", "(30, 784)", "(30, 1)", "sigmoid", "23550", "float64"]
    assert rows[-1] == ["total", "", "", "", "23860", ""]
    assert [line.split() for line in str(table).splitlines()][1] == rows[1][:1] + ["(30,", "784)", "(30,", "1)",
                                                                                 "sigmoid", "23550", "float64"]
    assert isinstance(table, str)  # still the text it always returned


def test_layer_stats_show_as_an_html_table_and_escape_their_text():
    params = fnnet.init_params([3, 4, 2], seed=0)
    X = np.random.default_rng(0).standard_normal((3, 5))
    AL, cache = fnnet.forward(params, X, ["tanh", "softmax"])
    stats = fnnet.layer_stats(params, cache, fnnet.backward(params, cache, fnnet.one_hot([0, 1, 1, 0, 1], 2), "cce"))
    html = stats._repr_html_()
    rows = _cells(html)
    assert rows[0][:4] == ["layer", "activation", "mean(A)", "std(A)"]
    assert [row[:2] for row in rows[1:]] == [["1", "tanh"], ["2", "softmax"]]
    assert [[cell for cell in row] for row in rows[1:]] == [line.split() for line in str(stats).splitlines()[1:]]
    assert re.search(r'<td style="text-align: right">', html)
    odd = fnnet.Activation("a<b", np.tanh, lambda z: 1 - np.tanh(z) ** 2)
    AL, cache = fnnet.forward(params, X, [odd, "softmax"])
    stats = fnnet.layer_stats(params, cache, fnnet.backward(params, cache, fnnet.one_hot([0, 1, 1, 0, 1], 2), "cce"))
    assert "a&lt;b" in stats._repr_html_() and "a<b" not in stats._repr_html_()
