"""``python -m fnnet train --diagnose``: per-layer diagnostics at the first, middle and last epoch.

The numbers are those of :class:`fnnet.Diagnostics` on a probe batch of training examples;
each table is followed by one line per number outside its usual range, naming the source of
that range.
"""

from __future__ import annotations

import math
import sys
from typing import List, Mapping, NamedTuple, Optional

import numpy as np

from .diagnostics import Diagnostics, LayerStats

#: Examples in the probe batch (the first ones of the training data).
PROBE_SIZE = 256


class Range(NamedTuple):
    """A usual range and where it comes from."""

    what: str
    usual: str
    source: str


RANGES = {
    "saturated": Range("of the activations saturated", "< 10%",
                       "Karpathy, Building makemore part 3: a few % of tanh past |A| > 0.97"),
    "dead": Range("of the relu units dead on every probe example", "< 10%",
                  "CS231n notes, Commonly used activation functions: dead relus"),
    "update_ratio": Range("update ratio ||change of W|| / ||W|| per step", "1e-4 to 1e-2",
                          "CS231n, Babysitting the learning process: about 1e-3"),
    "speed": Range("of the fastest hidden layer's learning speed ||db||", "> 1/100",
                   "Nielsen, Neural networks and deep learning, ch. 5: vanishing gradient"),
}


def add_option(group) -> None:
    """Add ``--diagnose`` to an argparse group."""
    group.add_argument("--diagnose", action="store_true",
                       help=f"record per-layer statistics every epoch on the first {PROBE_SIZE} training examples "
                            "(activation mean, std, saturated and dead units, norms of W, dW, db, update ratio) "
                            "and print them for the first, middle and last epoch, flagging unusual numbers")


def watch(X: np.ndarray, Y: np.ndarray, activations, loss: str, params: Mapping) -> Diagnostics:
    """The callback recording the diagnostics on the first :data:`PROBE_SIZE` examples."""
    return Diagnostics(X[:, :PROBE_SIZE], Y[:, :PROBE_SIZE], activations, loss, initial=params)


def report(diagnostics: Diagnostics, steps_per_epoch: int, file=None) -> None:
    """Print the tables of the first, middle and last recorded epoch, with their flags."""
    file = sys.stdout if file is None else file
    epochs = sorted(diagnostics.stats)
    if not epochs:
        return
    record, ratios = diagnostics.stats, diagnostics.update_ratios
    for epoch in sorted({epochs[0], epochs[(len(epochs) - 1) // 2], epochs[-1]}):
        print(f"diagnostics after epoch {epoch} ({len(diagnostics.X[0])} probe examples):", file=file)
        print(record[epoch], file=file)
        for line in flags(record[epoch], ratios.get(epoch), steps_per_epoch * diagnostics.spans.get(epoch, 1)):
            print(f"  ! {line}", file=file)


def flags(stats: LayerStats, ratios: Optional[List[Optional[float]]], steps: int) -> List[str]:
    """One line per number outside its usual range (:data:`RANGES`); ``ratios``, the update
    ratio of each layer over ``steps`` optimizer steps."""
    lines = []

    def flag(layer: int, value: str, key: str) -> None:
        r = RANGES[key]
        lines.append(f"layer {layer}: {value} {r.what}, usual {r.usual} ({r.source})")

    for s in stats:
        if s.saturated is not None and s.saturated > 0.10 and s.layer < len(stats):
            flag(s.layer, f"{100 * s.saturated:.1f}%", "saturated")
        if s.dead is not None and s.dead > 0.10:
            flag(s.layer, f"{100 * s.dead:.1f}%", "dead")
        if ratios is not None and ratios[s.layer - 1] is not None:
            per_step = ratios[s.layer - 1] / steps
            if not 1e-4 <= per_step <= 1e-2:
                flag(s.layer, f"{per_step:.2g}", "update_ratio")
    hidden = list(stats)[:-1]
    fastest = max((s.db_norm for s in hidden), default=0.0)
    if len(hidden) >= 2 and fastest > 0.0 and math.isfinite(fastest):
        for s in hidden:
            if s.db_norm < fastest / 100:
                flag(s.layer, f"{s.db_norm / fastest:.2g}", "speed")
    return lines
