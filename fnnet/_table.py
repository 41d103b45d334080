"""A text table that prints as aligned columns and shows as an HTML table in a notebook.

Used by the objects a learner prints: :func:`fnnet.summary` and :func:`fnnet.layer_stats`.
"""

from __future__ import annotations

from html import escape
from typing import Sequence


class Table(str):
    """The text of a table (a ``str``), which Jupyter shows as HTML through ``_repr_html_``.

    Parameters
    ----------
    header : sequence of str
        The column names.
    rows : sequence of sequences of str
        The cells, already formatted; a row as long as ``header``.
    right : sequence of int, default ()
        The columns aligned right (numbers); the header row is always aligned left.

    Examples
    --------
    >>> table = Table(["name", "count"], [["relu", "12"], ["tanh", "3"]], right=[1])
    >>> print(table)
    name  count
    relu     12
    tanh      3
    >>> table.rows[1]
    ('tanh', '3')
    """

    header: tuple
    rows: tuple

    def __new__(cls, header: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[int] = ()) -> "Table":
        header = tuple(header)
        rows = tuple(tuple(row) for row in rows)
        for row in rows:
            if len(row) != len(header):
                raise ValueError(f"a table row has {len(row)} cells, the header {len(header)}: {row!r}")
        widths = [max(len(row[i]) for row in (header,) + rows) for i in range(len(header))]
        lines = ["  ".join(cell.rjust(w) if i in right and r else cell.ljust(w)
                           for i, (cell, w) in enumerate(zip(row, widths))).rstrip()
                 for r, row in enumerate((header,) + rows)]
        table = super().__new__(cls, "\n".join(lines))
        table.header, table.rows, table.right = header, rows, tuple(right)
        return table

    def _repr_html_(self) -> str:
        """The table as HTML, numbers aligned right (Jupyter calls this to display it)."""
        def cells(row, tag):
            return "".join(f'<{tag} style="text-align: {"right" if i in self.right and tag == "td" else "left"}">'
                           f"{escape(cell)}</{tag}>" for i, cell in enumerate(row))
        body = "".join(f"<tr>{cells(row, 'td')}</tr>" for row in self.rows)
        return f"<table><thead><tr>{cells(self.header, 'th')}</tr></thead><tbody>{body}</tbody></table>"
