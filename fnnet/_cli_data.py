"""A user's own data for the command line: ``--data FILE --target COLUMN``, rows as examples.

Two formats, one example per row, as in every data file:

- ``.csv`` with a header row: ``--target`` names the column to predict; every other column
  is a numeric feature (a cell that is not a number is an error naming the line and column).
- ``.npz`` with an array ``X`` (m, n_features) and an array ``y`` (m,) or (m, n_targets).

A target of text or of whole numbers is a set of classes (sorted: ``classes``), unless the
loss is ``mse``; any other numbers are a regression. Inputs are standardised per feature, and
what prediction needs to repeat that (the mean and std, the feature and class names, the
target's name) goes into the saved model's metadata, read back by ``python -m fnnet predict``.

A file that cannot be used ends the command with one line on stderr naming the file and the
problem, and exit code 2.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from .metrics import one_hot
from .preprocessing import standardize

#: Exit code for a data or model file that cannot be used (as for a bad option).
BAD_FILE = 2
FORMATS = (".csv", ".npz")


class BadFile(Exception):
    """A data or model file that cannot be used: ``str()`` is the one line to print."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")


def fail(err: BadFile) -> None:
    """Print ``err`` as one line on stderr and end the command with exit code 2."""
    print(f"error: {err}", file=sys.stderr, flush=True)
    raise SystemExit(BAD_FILE)


def is_file(source: Optional[str]) -> bool:
    """Whether a ``--data`` value names a file (by its extension) rather than a built-in set."""
    return source is not None and os.path.splitext(source)[1].lower() in FORMATS


def data_source(built_in: Sequence[str]) -> Callable[[str], str]:
    """The ``--data`` option's type: a built-in set's name, or a path ending in .csv or .npz."""

    def parse(text: str) -> str:
        if text in built_in or is_file(text):
            return text
        raise argparse.ArgumentTypeError(
            f"expected a built-in set ({', '.join(built_in)}) or a .csv or .npz file, got {text!r}")

    return parse


def check_options(args) -> None:
    """``--target`` goes with a CSV file, and a CSV file needs it (usage errors)."""
    parser, source = args.parser, args.data
    csv_file = is_file(source) and source.lower().endswith(".csv")
    if args.target is not None and not csv_file:
        parser.error("argument --target: only with --data FILE.csv (an .npz file holds X and y)")
    if csv_file and args.target is None:
        parser.error("argument --data: a CSV file needs --target COLUMN (the column to predict)")


def read_csv(path: str, skip: Sequence[str] = ()) -> Tuple[List[str], Dict[str, List[str]]]:
    """The header and the columns (as text) of a CSV file with a header row."""
    try:
        with open(path, newline="") as f:
            rows = list(csv.reader(f))
    except FileNotFoundError:
        raise BadFile(path, "no such file") from None
    except IsADirectoryError:
        raise BadFile(path, "is a directory, not a CSV file") from None
    except UnicodeDecodeError as err:
        raise BadFile(path, f"not a text CSV file ({err.reason} at byte {err.start})") from None
    except (OSError, csv.Error) as err:
        raise BadFile(path, f"cannot be read as CSV ({err})") from None
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if not rows:
        raise BadFile(path, "is empty (a CSV file needs a header row and one row per example)")
    header = [name.strip() for name in rows[0]]
    if len(rows) == 1:
        raise BadFile(path, "has a header but no examples")
    if len(set(header)) != len(header):
        twice = sorted({name for name in header if header.count(name) > 1})
        raise BadFile(path, f"the header names a column twice: {', '.join(map(repr, twice))}")
    for line, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise BadFile(path, f"line {line} has {len(row)} fields, the header {len(header)}")
    return header, {name: [row[j].strip() for row in rows[1:]] for j, name in enumerate(header)}


def numbers(path: str, name: str, cells: Sequence[str], first_line: int = 2) -> np.ndarray:
    """A CSV column as float64 (m,); a cell that is not a finite number is an error naming it."""
    out = np.empty(len(cells))
    for i, cell in enumerate(cells):
        try:
            out[i] = float(cell)
        except ValueError:
            shown = repr(cell) if cell else "empty"
            raise BadFile(path, f"line {first_line + i}, column {name!r}: {shown} is not a number") from None
        if not np.isfinite(out[i]):
            raise BadFile(path, f"line {first_line + i}, column {name!r}: {cell!r} is not a finite number")
    return out


def read_npz(path: str, keys: Sequence[str]) -> Dict[str, np.ndarray]:
    """The arrays ``keys`` of an ``.npz`` file (numeric, finite, not pickled objects)."""
    try:
        with np.load(path, allow_pickle=False) as archive:
            missing = [key for key in keys if key not in archive.files]
            if missing:
                raise BadFile(path, f"has no array {missing[0]!r} (it holds {', '.join(archive.files) or 'nothing'})")
            arrays = {key: archive[key] for key in keys}
    except FileNotFoundError:
        raise BadFile(path, "no such file") from None
    except IsADirectoryError:
        raise BadFile(path, "is a directory, not an .npz file") from None
    except BadFile:
        raise
    except (OSError, ValueError, EOFError) as err:  # not a zip, truncated, object arrays
        raise BadFile(path, f"not a readable .npz file ({' '.join(str(err).split())[:120]})") from None
    return arrays


def load(path: str, target: Optional[str], loss: Optional[str], dtype: Optional[str]) -> dict:
    """The fields of the train command's data set for a user's file (see the module's rules).

    Returns a dict with ``name``, ``X`` (n_features, m) standardised, ``Y`` (n_out, m),
    ``labels`` (m,) or None, ``n_classes`` (0 for regression), ``mean``, ``std`` (n_features, 1)
    and ``metadata`` (what prediction needs: classes, feature and target names).
    """
    dtype = np.dtype(dtype or "float64")
    name = os.path.basename(path)
    if path.lower().endswith(".csv"):
        header, columns = read_csv(path)
        if target not in columns:
            raise BadFile(path, f"has no column {target!r} (--target); its columns are {', '.join(header)}")
        features = [column for column in header if column != target]
        if not features:
            raise BadFile(path, f"has no feature columns besides the target {target!r}")
        X = np.column_stack([numbers(path, column, columns[column]) for column in features])
        y = np.array(columns[target])
        if y.dtype.kind == "U":
            try:
                y = np.array([float(v) for v in y])
            except ValueError:
                pass  # text labels
    else:
        arrays = read_npz(path, ["X", "y"])
        X, y, features, target = arrays["X"], arrays["y"], None, "y"
        if X.ndim != 2 or X.dtype.kind not in "biuf":
            raise BadFile(path, f"X must be a 2-D numeric array (m examples, n features), got {X.dtype} {X.shape}")
        if y.ndim not in (1, 2) or len(y) != len(X):
            raise BadFile(path, f"y must hold one target (row) per row of X ({len(X)}), got shape {y.shape}")
        if not np.all(np.isfinite(X)):
            raise BadFile(path, "X holds NaN or inf")
    m = X.shape[0]
    if m < 2:
        raise BadFile(path, f"has {m} example; training needs at least 2")
    classify = loss != "mse" and y.ndim == 1 and (y.dtype.kind in "biuUSO" or np.all(np.mod(y, 1) == 0))
    X_std, stats = standardize(np.ascontiguousarray(X.T, dtype=dtype))
    metadata = {"feature_names": features, "target": target}
    if classify:
        classes, labels = np.unique(y, return_inverse=True)
        if len(classes) < 2:
            raise BadFile(path, f"the target {target!r} has one class only ({classes.tolist()[0]!r}); "
                                "classification needs two or more")
        k = len(classes)
        Y = labels.reshape(1, -1).astype(dtype) if k == 2 else one_hot(labels, k, dtype=dtype)
        metadata["classes"] = [c.item() if hasattr(c, "item") else c for c in classes]
        return dict(name=name, X=X_std, Y=Y, labels=labels.astype(np.int64), X_test=None, labels_test=None,
                    n_classes=k, mean=stats.mean, std=stats.std, metadata=metadata)
    if y.dtype.kind not in "biuf":
        raise BadFile(path, f"the target {target!r} is text, which --loss mse cannot fit")
    if not np.all(np.isfinite(y)):
        raise BadFile(path, f"the target {target!r} holds NaN or inf")
    Y = np.ascontiguousarray(np.asarray(y, dtype=dtype).reshape(m, -1).T)
    return dict(name=name, X=X_std, Y=Y, labels=None, X_test=None, labels_test=None, n_classes=0,
                mean=stats.mean, std=stats.std, metadata=metadata)
