"""Progress on stderr for long runs (training, gradient checks), and silence for short ones.

One helper for both: it counts units of work done (epochs, checked entries), shows nothing
while a run is short, then a tqdm bar when tqdm is installed and the stream is a terminal,
or else throttled text lines.
"""

from __future__ import annotations

import sys
import time
from typing import Callable, Optional, Union


class Progress:
    """Counts units of work done out of ``total`` and shows it on ``stream`` when the run is long.

    Parameters
    ----------
    total : int
        Units of work in the whole run (epochs, entries to check).
    label : str
        Shown before the count (``"epoch"``, ``"gradcheck full"``).
    unit : str
        What a unit is, for the bar (``"epoch"``, ``"entry"``).
    enabled : bool, optional
        ``None``: shown only once the run is long (see ``after``); ``True``: always;
        ``False``: never.
    after : float, default 3.0
        With ``enabled=None``, how long a run must be before anything is shown, in seconds:
        measured as the elapsed time, or (``estimate=True``) as the estimated total.
    estimate : bool, default False
        Judge a run's length by its estimated total time rather than its elapsed time.
    first : int, default 0
        Units already done before this run (a resumed training run).
    every : float, default 1.0
        Text lines come at most once per ``every`` seconds (and at the end).
    each : int, optional
        Instead: a text line after every ``each`` units (and the first and the last), however
        long the run.
    bar : bool, default True
        Whether a tqdm bar may replace the text lines.
    leave : bool, default True
        Whether the finished bar stays on the screen.
    stream : file, optional
        Where to write; default ``sys.stderr``.

    Examples
    --------
    >>> import io
    >>> out = io.StringIO()
    >>> progress = Progress(2, label="demo", unit="step", enabled=True, stream=out, every=0.0)
    >>> progress.update(1, "cost 0.5"); progress.update(1, "cost 0.25"); progress.close()
    >>> print(out.getvalue().splitlines()[-1].split("  ")[:2])
    ['demo 2/2', 'cost 0.25']
    """

    def __init__(self, total: int, *, label: str, unit: str, enabled: Optional[bool] = None, after: float = 3.0,
                 estimate: bool = False, first: int = 0, every: float = 1.0, each: Optional[int] = None,
                 bar: bool = True, leave: bool = True, stream=None) -> None:
        self.total, self.label, self.unit = total, label, unit
        self.enabled, self.after, self.estimate, self.every, self.each = enabled, after, estimate, every, each
        self.first = self.done = first
        self.stream = stream if stream is not None else sys.stderr
        self.start = time.perf_counter()
        self.last_line: Optional[float] = None
        self.shown = False
        self.bar = None
        self.use_bar, self.leave = bar and each is None, leave
        if enabled is not False and self.use_bar and not estimate:  # tqdm itself waits ``after`` seconds
            self.bar = _tqdm_bar(self, initial=first, delay=0.0 if enabled else after)
            self.shown = self.bar is not None

    def update(self, n: int = 1, text: Union[str, Callable[[], str]] = "") -> None:
        """``n`` more units are done; ``text`` (e.g. the latest cost) is shown beside the count:
        a str, or a function making it, called only when something is shown."""
        self.done += n
        if self.enabled is False or self.total <= self.first:
            return
        last = self.done >= self.total
        if self.each is not None:
            if self.done % self.each == 0 or self.done == self.first + n or last:
                self.line(_text(text))
            return
        elapsed = time.perf_counter() - self.start
        if not self.shown:
            length = elapsed * (self.total - self.first) / (self.done - self.first) if self.estimate else elapsed
            if not (self.enabled or length >= self.after):
                return
            self.shown = True
            self.bar = _tqdm_bar(self, initial=self.done - n, delay=0.0) if self.use_bar else None
        if self.bar is not None:
            if text:
                self.bar.set_postfix_str(_text(text), refresh=False)
            self.bar.update(n)
            return
        if self.last_line is None or elapsed - self.last_line >= self.every or last:
            self.last_line = elapsed
            self.line(_text(text), elapsed)

    def line(self, text: str = "", elapsed: Optional[float] = None) -> None:
        """Write one line now: the count, ``text``, the elapsed time and the time left."""
        elapsed = time.perf_counter() - self.start if elapsed is None else elapsed
        left = elapsed * (self.total - self.done) / max(self.done - self.first, 1)
        width = len(str(self.total))
        parts = [f"{self.label} {self.done:>{width}}/{self.total}"] + ([text] if text else [])
        print("  ".join(parts + [f"{elapsed:.1f}s", f"ETA {left:.1f}s"]), file=self.stream, flush=True)

    def close(self) -> None:
        """End the bar, if one is shown (safe to call twice)."""
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def _tqdm_bar(progress: Progress, initial: int, delay: float):
    """A tqdm bar for ``progress`` when tqdm is installed and the stream is a terminal, else None."""
    isatty = getattr(progress.stream, "isatty", None)
    if not (isatty and isatty()):
        return None
    try:
        from tqdm import tqdm  # optional
    except ImportError:
        return None
    return tqdm(total=progress.total, initial=initial, unit=progress.unit, desc=progress.label,
                file=progress.stream, delay=delay, dynamic_ncols=True, leave=progress.leave)


def _text(text: Union[str, Callable[[], str]]) -> str:
    return text() if callable(text) else text
