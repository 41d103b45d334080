"""A derivation trace: forward and backward propagation printed equation by equation.

In the notation of the layered notes fnnet grew from (seed 002), for ``l = 1, ..., L``::

    Z1 = W1 @ A0 + b1   (3, 10) = (3, 2) @ (2, 10) + (3, 1)
    A1 = sigmoid(Z1)    (3, 10)
    ...
    dZ3 = (A3 - Y) / m                        (1, 10)
    dW3 = dZ3 @ A2.T                          (1, 3) = (1, 10) @ (10, 3)
    db3 = sum(dZ3, axis=1, keepdims=True)     (1, 1)
    dA2 = W3.T @ dZ3                          (3, 10) = (3, 1) @ (1, 10)
    dZ2 = dA2 * sigmoid'(Z2)                  (3, 10)
    ...

Every array is computed right there, by the equation printed beside it, in plain NumPy:
the trace is a second, independent implementation of :func:`fnnet.forward` and
:func:`fnnet.backward`, and returns the same numbers (the tests compare them).
"""

from __future__ import annotations

import sys
from typing import Dict, List, Mapping, NamedTuple, Sequence, Union

import numpy as np

from ._validation import as_matrix, check_count, check_params
from .activations import Activation, resolve_activations
from .losses import Loss, get_loss

__all__ = ["trace", "Trace"]


class Trace(NamedTuple):
    """What :func:`trace` computed.

    Attributes
    ----------
    AL : ndarray, shape (n_L, m)
        The output, as :func:`fnnet.forward` returns it.
    cost : float
        ``J``, as :func:`fnnet.cost` gives it for ``AL`` and ``Y``.
    grads : dict
        ``dW1, db1, ...`` under the params' keys (``grads["W1"]`` is ``dJ/dW1``), as
        :func:`fnnet.backward` returns them.
    arrays : dict
        Every array the trace named, by its name: ``"A0"``, ``"Z1"``, ``"A1"``, ...,
        ``"dZ3"``, ``"dW3"``, ``"db3"``, ``"dA2"``, ...
    text : str
        The printed trace.
    """

    AL: np.ndarray
    cost: float
    grads: Dict[str, np.ndarray]
    arrays: Dict[str, np.ndarray]
    text: str


def trace(params: Mapping[str, np.ndarray], X, Y, activations: Sequence[Union[str, Activation]],
          loss: Union[str, Loss], *, max_values: int = 30, file=None, quiet: bool = False) -> Trace:
    """Run forward and backward propagation one equation at a time, printing each.

    Parameters
    ----------
    params : dict
        ``W1..WL`` of shape ``(n_l, n_{l-1})`` and ``b1..bL`` of shape ``(n_l, 1)``.
    X : array_like, shape (n0, m)
        One example per column.
    Y : array_like, shape (n_L, m)
        Targets as the loss wants them.
    activations : sequence of str or Activation, length L
    loss : {"mse", "bce", "cce"} or Loss
    max_values : int, default 30
        Arrays of at most this many entries are printed under their equation (0: none).
    file : file, optional
        Where to print (default ``sys.stdout``).
    quiet : bool, default False
        Print nothing; the text is in the result's ``text``.

    Returns
    -------
    Trace
        ``AL``, ``cost``, ``grads`` (the numbers of :func:`fnnet.forward`, :func:`fnnet.cost`
        and :func:`fnnet.backward`), ``arrays`` (every named array) and ``text``.

    Examples
    --------
    >>> import numpy as np, fnnet
    >>> params = fnnet.init_params([2, 3, 1], seed=0)
    >>> X, Y = np.array([[0.0, 1.0], [1.0, 0.0]]), np.array([[0.0, 1.0]])
    >>> t = fnnet.trace(params, X, Y, ["relu", "sigmoid"], "bce", max_values=0)
    m = 2 examples, L = 2 layers, loss bce
    forward
      A0 = X                                 (2, 2)
      Y                                      (1, 2)
      Z1 = W1 @ A0 + b1                      (3, 2) = (3, 2) @ (2, 2) + (3, 1)
      A1 = relu(Z1)                          (3, 2)
      Z2 = W2 @ A1 + b2                      (1, 2) = (1, 3) @ (3, 2) + (1, 1)
      A2 = sigmoid(Z2)                       (1, 2)
      J = bce(A2, Y)                         = 0.5295...
    backward
      dZ2 = (A2 - Y) / m                     (1, 2)
      dW2 = dZ2 @ A1.T                       (1, 3) = (1, 2) @ (2, 3)
      db2 = sum(dZ2, axis=1, keepdims=True)  (1, 1)
      dA1 = W2.T @ dZ2                       (3, 2) = (3, 1) @ (1, 2)
      dZ1 = dA1 * relu'(Z1)                  (3, 2)
      dW1 = dZ1 @ A0.T                       (3, 2) = (3, 2) @ (2, 2)
      db1 = sum(dZ1, axis=1, keepdims=True)  (3, 1)
    >>> sorted(t.grads) == sorted(params), t.AL.shape
    (True, (1, 2))
    """
    L, dtype = check_params(params)
    acts = resolve_activations(activations, L)
    loss = get_loss(loss)
    A0 = as_matrix(X, "X", dtype, rows=params["W1"].shape[1], what="params['W1'] (layer 1)")
    Y = loss.check_targets(Y, (params[f"W{L}"].shape[0], A0.shape[1]), dtype)
    max_values = check_count(max_values, "max_values", minimum=0)
    m = A0.shape[1]
    steps: List[tuple] = []  # (equation, shapes, name of the array to show or None)
    a: Dict[str, np.ndarray] = {}

    def step(name: str, value: np.ndarray, equation: str, shapes: str) -> None:
        a[name] = value
        steps.append((equation, shapes, name))

    step("A0", A0, "A0 = X", _shape(A0))
    step("Y", Y, "Y", _shape(Y))
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for l, g in enumerate(acts, start=1):
            W, b, A_prev = params[f"W{l}"], params[f"b{l}"], a[f"A{l - 1}"]
            step(f"Z{l}", W @ A_prev + b, f"Z{l} = W{l} @ A{l - 1} + b{l}",
                 f"{_shape(W @ A_prev)} = {_shape(W)} @ {_shape(A_prev)} + {_shape(b)}")
            step(f"A{l}", g.apply(a[f"Z{l}"], l), f"A{l} = {g.name}(Z{l})", _shape(a[f"Z{l}"]))
        AL, out = a[f"A{L}"], acts[-1]
        J = float(loss.cost(AL, Y))
        steps.append((f"J = {loss.name}(A{L}, Y)", f"= {J:.6g}", None))
        steps.append(("backward", None, None))
        if out is loss.natural_output:
            step(f"dZ{L}", (AL - Y) / m, f"dZ{L} = (A{L} - Y) / m", _shape(AL))
        else:
            loss.check_outputs(AL)
            step(f"dA{L}", loss.gradient(AL, Y), f"dA{L} = d{loss.name}/dA{L}", _shape(AL))
            step(f"dZ{L}", _through(out, a[f"dA{L}"], AL, a[f"Z{L}"], L), _chain(out, L), _shape(AL))
        grads: Dict[str, np.ndarray] = {}
        for l in range(L, 0, -1):
            dZ, A_prev, W = a[f"dZ{l}"], a[f"A{l - 1}"], params[f"W{l}"]
            step(f"dW{l}", dZ @ A_prev.T, f"dW{l} = dZ{l} @ A{l - 1}.T",
                 f"{_shape(W)} = {_shape(dZ)} @ {_shape(A_prev.T)}")
            step(f"db{l}", np.sum(dZ, axis=1, keepdims=True), f"db{l} = sum(dZ{l}, axis=1, keepdims=True)",
                 _shape(params[f"b{l}"]))
            grads[f"W{l}"], grads[f"b{l}"] = a[f"dW{l}"], a[f"db{l}"]
            if l > 1:
                g = acts[l - 2]
                step(f"dA{l - 1}", W.T @ dZ, f"dA{l - 1} = W{l}.T @ dZ{l}",
                     f"{_shape(A_prev)} = {_shape(W.T)} @ {_shape(dZ)}")
                step(f"dZ{l - 1}", _through(g, a[f"dA{l - 1}"], A_prev, a[f"Z{l - 1}"], l - 1), _chain(g, l - 1),
                     _shape(A_prev))
    text = _render(steps, a, m, L, loss.name, max_values)
    if not quiet:
        print(text, file=sys.stdout if file is None else file)
    return Trace(AL, J, {key: grads[key] for key in params}, {k: v for k, v in a.items() if k != "Y"}, text)


def _through(g: Activation, dA: np.ndarray, A: np.ndarray, Z: np.ndarray, layer: int) -> np.ndarray:
    """``dZ = g'(Z) * dA`` (or softmax's Jacobian product), on a copy of ``dA``."""
    return g.backprop(dA.copy(), A, Z, layer)


def _chain(g: Activation, l: int) -> str:
    if g.jacobian_product is not None:
        return f"dZ{l} = J_{g.name}(Z{l})^T dA{l}  (per column)"
    return f"dZ{l} = dA{l} * {g.name}'(Z{l})"


def _shape(arr: np.ndarray) -> str:
    return str(tuple(arr.shape))


def _render(steps, arrays: Mapping[str, np.ndarray], m: int, L: int, loss: str, max_values: int) -> str:
    width = max(len(equation) for equation, shapes, _ in steps if shapes is not None)
    lines = [f"m = {m} examples, L = {L} layers, loss {loss}", "forward"]
    for equation, shapes, name in steps:
        if shapes is None:
            lines.append(equation)
            continue
        lines.append(f"  {equation.ljust(width)}  {shapes}")
        if name is not None and 0 < arrays[name].size <= max_values:
            values = np.array2string(arrays[name], precision=4, suppress_small=False, max_line_width=100)
            lines.extend("      " + row for row in values.splitlines())
    return "\n".join(lines)
