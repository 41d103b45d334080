"""``python -m fnnet predict MODEL DATA``: a saved model's predictions for new examples.

MODEL is a file saved by ``python -m fnnet train --save``: its params and the metadata
prediction needs (activations, the input standardisation, class names, feature names), so
nothing is reapplied by hand. DATA is a ``.csv`` with a header row (the model's feature
columns, found by name, in any order; other columns such as the target are ignored) or an
``.npz`` with an array ``X`` (m, n_features); one example per row.

The predictions go to stdout, or to ``--output FILE``, as CSV with a header: the predicted
label of each row (a class name), or with ``--proba`` one column of probabilities per class;
for a regression, the predicted target(s).

Exit codes: 0 success; 2 for a bad option or a MODEL or DATA file that cannot be used (one
line on stderr naming the file and the problem).
"""

from __future__ import annotations

import csv
import io
import os
import sys
from typing import List, Optional

import numpy as np

from . import _cli_data
from . import io as _io
from .losses import LOSSES
from .metrics import predict, predict_labels


def register(commands) -> None:
    """Add the ``predict`` subcommand to the argparse subparsers ``commands``; sets ``run``."""
    p = commands.add_parser("predict", help="predict with a model saved by train --save",
                            description=__doc__.split("\n\n")[1].replace("\n", " ").replace("``", ""))
    p.add_argument("model", metavar="MODEL", help="an .npz file written by python -m fnnet train --save")
    p.add_argument("data", metavar="DATA", help="a .csv file with a header row, or an .npz file with X; "
                                                "one example per row")
    p.add_argument("--proba", action="store_true", help="class probabilities instead of labels")
    p.add_argument("-o", "--output", metavar="FILE", help="write the CSV here instead of to stdout")
    p.set_defaults(run=run, parser=p)


class Model:
    """A saved model and what its metadata says about using it."""

    def __init__(self, path: str) -> None:
        try:
            self.params = _io.load_params(path)
            meta = _io.load_metadata(path)
        except FileNotFoundError:
            raise _cli_data.BadFile(path, "no such file") from None
        except (OSError, ValueError) as err:
            raise _cli_data.BadFile(path, f"not a model saved by fnnet ({' '.join(str(err).split())[:160]})") from None
        if "activations" not in meta or "W1" not in self.params:
            raise _cli_data.BadFile(path, "has no 'activations' in its metadata: save models with "
                                          "python -m fnnet train --save")
        self.path, self.activations = path, meta["activations"]
        self.n_features = self.params["W1"].shape[1]
        self.dtype = self.params["W1"].dtype
        self.features: Optional[List[str]] = meta.get("feature_names")
        self.classes = meta.get("classes")
        self.target = meta.get("target")
        loss = LOSSES.get(meta.get("loss", ""))
        self.classifies = bool(self.classes) or (loss is not None and loss.classifies)
        self.mean = self.std = None
        if "input_mean" in meta:
            self.mean = np.asarray(meta["input_mean"], dtype=self.dtype).reshape(-1, 1)
            self.std = np.asarray(meta["input_std"], dtype=self.dtype).reshape(-1, 1)

    def inputs(self, path: str) -> np.ndarray:
        """The examples of a data file as the network takes them: (n_features, m), standardised."""
        if path.lower().endswith(".npz"):
            X = _cli_data.read_npz(path, ["X"])["X"]
            if X.ndim != 2 or X.dtype.kind not in "biuf" or X.shape[1] != self.n_features:
                raise _cli_data.BadFile(path, f"X must be numeric of shape (m, {self.n_features}) for the model "
                                              f"{self.path}, got {X.dtype} {X.shape}")
            if not np.all(np.isfinite(X)):
                raise _cli_data.BadFile(path, "X holds NaN or inf")
        elif path.lower().endswith(".csv"):
            header, columns = _cli_data.read_csv(path)
            names = self.features
            if names is None:  # a model of a built-in set: every column, in order
                names = [name for name in header if name != self.target]
                if len(names) != self.n_features:
                    raise _cli_data.BadFile(path, f"has {len(names)} columns; the model {self.path} takes "
                                                  f"{self.n_features} features")
            missing = [name for name in names if name not in columns]
            if missing:
                raise _cli_data.BadFile(path, f"has no column {missing[0]!r}; the model {self.path} takes the "
                                              f"features {', '.join(names)}")
            X = np.column_stack([_cli_data.numbers(path, name, columns[name]) for name in names])
        else:
            raise _cli_data.BadFile(path, "expected a .csv or .npz file")
        X = np.ascontiguousarray(X.T, dtype=self.dtype)
        return X if self.mean is None else (X - self.mean) / self.std

    def table(self, X: np.ndarray, proba: bool):
        """``(header, rows)`` of the predictions for inputs ``X`` (n_features, m)."""
        A = predict(self.params, X, self.activations)  # (n_L, m)
        if not self.classifies:
            names = [self.target] if A.shape[0] == 1 and self.target else [f"y{i}" for i in range(A.shape[0])]
            return names, A.T
        k = max(A.shape[0], 2)
        classes = self.classes if self.classes else list(range(k))
        if proba:
            P = np.vstack([1.0 - A, A]) if A.shape[0] == 1 else A
            return [str(c) for c in classes], P.T
        return [self.target or "label"], [[classes[i]] for i in predict_labels(A)]


def run(args) -> int:
    if args.output is not None:
        for what, path in (("MODEL", args.model), ("DATA", args.data)):
            if os.path.exists(path) and os.path.exists(args.output) and os.path.samefile(path, args.output):
                args.parser.error(f"argument -o/--output: {args.output!r} is the {what} file; writing the "
                                  "predictions there would destroy it")
    try:
        model = Model(args.model)
        if args.proba and not model.classifies:
            args.parser.error(f"argument --proba: the model {args.model} is a regression (no class probabilities)")
        header, rows = model.table(model.inputs(args.data), args.proba)
    except _cli_data.BadFile as err:
        _cli_data.fail(err)
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([[repr(float(v)) if isinstance(v, (float, np.floating)) else v for v in row] for row in rows])
    if args.output is None:
        sys.stdout.write(text.getvalue())
        return 0
    try:
        with open(args.output, "w", newline="") as f:
            f.write(text.getvalue())
    except OSError as err:
        _cli_data.fail(_cli_data.BadFile(args.output, f"cannot be written ({err.strerror or err})"))
    print(f"wrote {len(rows)} predictions to {os.fspath(args.output)}", file=sys.stderr)
    return 0
