"""Weights in and out: fnnet params to and from scikit-learn, PyTorch, Keras, Nielsen and the course.

NumPy only: nothing here imports the other library (a PyTorch tensor is read through its own
``detach().cpu().numpy()``). Each library stores a dense layer ``z = W a + b`` in its own
orientation; fnnet's ``W{l}`` is (n_l, n_{l-1}) and ``b{l}`` (n_l, 1):

==========================  =============================  ======================  =================
library                     weight of layer l              bias of layer l         what this module
                                                                                   reads and writes
==========================  =============================  ======================  =================
scikit-learn MLP            ``coefs_[l-1]`` (n_{l-1}, n_l)  ``intercepts_[l-1]``    the fitted
                                                            (n_l,)                  attributes
PyTorch ``nn.Linear``       ``weight`` (n_l, n_{l-1})      ``bias`` (n_l,)         a ``state_dict``
Keras ``Dense``             kernel (n_{l-1}, n_l)          bias (n_l,)             ``get_weights()``
Nielsen's ``network2``      ``weights[l-1]`` (n_l, n_{l-1})  ``biases[l-1]``        the two lists
                                                            (n_l, 1)
the course (``dnn_app``)    ``parameters["W{l}"]``         ``parameters["b{l}"]``  the dict
==========================  =============================  ======================  =================

Every function returns new arrays (the inputs are never written to) and keeps their float
dtype unless ``dtype`` is given. Shapes are checked layer by layer: a layer's input width
must be the previous layer's output width, and a ValueError names the layer otherwise.

The activations travel separately (PyTorch and Keras keep them in the model's code, not in
its weights); scikit-learn's names map to fnnet's through :data:`SKLEARN_ACTIVATIONS`.
"""

from __future__ import annotations

from typing import Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np

from ._validation import check_params

__all__ = ["SKLEARN_ACTIVATIONS", "from_sklearn", "to_sklearn", "from_torch", "to_torch", "from_keras", "to_keras",
           "from_nielsen", "to_nielsen", "from_course", "to_course"]

Params = Dict[str, np.ndarray]

#: scikit-learn's activation names (``activation``, ``out_activation_``) -> fnnet's.
SKLEARN_ACTIVATIONS = {"identity": "linear", "logistic": "sigmoid", "tanh": "tanh", "relu": "relu",
                       "softmax": "softmax"}
_TO_SKLEARN = {"linear": "identity", "identity": "identity", "sigmoid": "logistic", "tanh": "tanh", "relu": "relu",
               "softmax": "softmax"}


def _array(value, where: str, dtype) -> np.ndarray:
    """``value`` as a new float ndarray (a tensor through ``detach().cpu().numpy()``)."""
    if hasattr(value, "detach") and hasattr(value, "cpu"):
        value = value.detach().cpu().numpy()
    array = np.array(value, dtype=dtype, copy=True)
    if array.dtype.kind != "f":
        array = array.astype(np.float64)
    return array


def _layers(weights: Sequence, biases: Sequence, *, transposed: bool, what: str, dtype=None) -> Params:
    """fnnet params from per-layer weights (``(n_l, n_{l-1})``, or ``(n_{l-1}, n_l)`` when
    ``transposed``) and biases (any shape holding n_l numbers), checked layer by layer."""
    if len(weights) != len(biases):
        raise ValueError(f"{what}: {len(weights)} weight arrays but {len(biases)} biases; a dense layer has one of each")
    if not weights:
        raise ValueError(f"{what}: no layers")
    params: Params = {}
    for l, (w, b) in enumerate(zip(weights, biases), start=1):
        W = _array(w, f"{what} layer {l}", dtype)
        if W.ndim != 2:
            raise ValueError(f"{what}: the weight of layer {l} must be 2-D, got shape {W.shape}")
        W = W.T.copy() if transposed else W
        bias = _array(b, f"{what} layer {l}", W.dtype)
        if bias.size != W.shape[0] or bias.ndim > 2 or (bias.ndim == 2 and 1 not in bias.shape):
            raise ValueError(f"{what}: layer {l} has {W.shape[0]} units, but its bias has shape {bias.shape} "
                             f"(expected {W.shape[0]} numbers)")
        if l > 1 and W.shape[1] != params[f"W{l - 1}"].shape[0]:
            raise ValueError(f"{what}: layer {l} takes {W.shape[1]} inputs, but layer {l - 1} has "
                             f"{params[f'W{l - 1}'].shape[0]} units")
        params[f"W{l}"], params[f"b{l}"] = W, bias.reshape(-1, 1)
    return params


def _weights_and_biases(params: Mapping[str, np.ndarray]) -> Tuple[List[np.ndarray], List[np.ndarray]]:
    """``W1..WL`` (n_l, n_{l-1}) and ``b1..bL`` (n_l, 1) of checked params (not copied)."""
    L, _ = check_params(params)
    return [params[f"W{l}"] for l in range(1, L + 1)], [params[f"b{l}"] for l in range(1, L + 1)]


# --- scikit-learn ----------------------------------------------------------------------------


def from_sklearn(mlp, *, dtype=None) -> Tuple[Params, List[str]]:
    """The params and activations of a fitted ``MLPClassifier`` or ``MLPRegressor``.

    Parameters
    ----------
    mlp : fitted MLPClassifier or MLPRegressor
        Read: ``coefs_`` (list of (n_{l-1}, n_l)), ``intercepts_`` (list of (n_l,)),
        ``activation`` and ``out_activation_``.
    dtype : numpy dtype, optional
        Of the params (default: that of ``coefs_``).

    Returns
    -------
    params : dict
        ``W{l} = coefs_[l-1].T`` (n_l, n_{l-1}), ``b{l}`` (n_l, 1).
    activations : list of str
        fnnet's names: ``logistic`` -> ``sigmoid``, ``identity`` -> ``linear``.

    Notes
    -----
    ``predict_proba`` of a two-class MLPClassifier is ``[1 - p, p]`` from its one logistic unit:
    ``fnnet.predict`` gives ``p`` (1, m).

    Examples
    --------
    >>> import numpy as np
    >>> from types import SimpleNamespace
    >>> mlp = SimpleNamespace(coefs_=[np.ones((3, 2)), np.ones((2, 1))], intercepts_=[np.zeros(2), np.zeros(1)],
    ...                       activation="relu", out_activation_="logistic")
    >>> params, acts = from_sklearn(mlp)
    >>> params["W1"].shape, params["b2"].shape, acts
    ((2, 3), (1, 1), ['relu', 'sigmoid'])
    """
    for attribute in ("coefs_", "intercepts_", "activation", "out_activation_"):
        if not hasattr(mlp, attribute):
            raise TypeError(f"from_sklearn needs a fitted MLPClassifier or MLPRegressor: {type(mlp).__name__} "
                            f"has no {attribute!r}")
    params = _layers(mlp.coefs_, mlp.intercepts_, transposed=True, what="the MLP's coefs_/intercepts_", dtype=dtype)
    names = []
    for role, name in (("activation", mlp.activation), ("out_activation_", mlp.out_activation_)):
        if name not in SKLEARN_ACTIVATIONS:
            raise ValueError(f"the MLP's {role} {name!r} has no fnnet equivalent; known: {sorted(SKLEARN_ACTIVATIONS)}")
        names.append(SKLEARN_ACTIVATIONS[name])
    return params, [names[0]] * (len(mlp.coefs_) - 1) + [names[1]]


def to_sklearn(params: Mapping[str, np.ndarray], activations: Sequence[str], mlp, *, classes=None):
    """Put fnnet params into an ``MLPClassifier`` or ``MLPRegressor``, which then predicts as they do.

    Parameters
    ----------
    params : dict
        ``W{l}`` (n_l, n_{l-1}), ``b{l}`` (n_l, 1).
    activations : sequence of str, length L
        The hidden layers' must be one name scikit-learn knows (relu, tanh, sigmoid, linear);
        the output's: sigmoid, softmax or linear, as scikit-learn would choose it for the task.
    mlp : MLPClassifier or MLPRegressor
        Its ``activation``, ``hidden_layer_sizes`` and fitted attributes are set (in place,
        as ``fit`` sets them).
    classes : array_like, shape (n_classes,), optional
        The classifier's labels (default ``0..n_classes-1``): two for one sigmoid unit, else one
        per softmax unit.

    Returns
    -------
    mlp
        The same estimator, ready to ``predict`` (it needs scikit-learn for that, as always).
    """
    weights, biases = _weights_and_biases(params)
    if len(activations) != len(weights):
        raise ValueError(f"activations has {len(activations)} names, but the params have {len(weights)} layers")
    names = [getattr(a, "name", a) for a in activations]
    for l, name in enumerate(names, start=1):
        if name not in _TO_SKLEARN or (name == "softmax" and l < len(names)):
            raise ValueError(f"layer {l}'s activation {name!r} has no scikit-learn equivalent; scikit-learn's MLP "
                             f"has {sorted(_TO_SKLEARN)} (softmax at the output only)")
    hidden = {_TO_SKLEARN[name] for name in names[:-1]}
    if len(hidden) > 1:
        raise ValueError(f"scikit-learn's MLP has one activation for every hidden layer; these have {names[:-1]}")
    mlp.set_params(activation=hidden.pop() if hidden else "relu",
                   hidden_layer_sizes=tuple(W.shape[0] for W in weights[:-1]))
    mlp.coefs_ = [W.T.copy() for W in weights]
    mlp.intercepts_ = [b.ravel().copy() for b in biases]
    mlp.n_features_in_, mlp.n_outputs_, mlp.n_layers_ = weights[0].shape[1], weights[-1].shape[0], len(weights) + 1
    mlp.out_activation_ = _TO_SKLEARN[names[-1]]
    mlp.n_iter_, mlp.t_ = 0, 0
    if hasattr(mlp, "predict_proba"):  # a classifier: its labels, as fit makes them
        from sklearn.preprocessing import LabelBinarizer

        k = max(2, mlp.n_outputs_)
        classes = np.arange(k) if classes is None else np.asarray(classes)
        if classes.shape != (k,):
            raise ValueError(f"classes must hold {k} labels for {mlp.n_outputs_} output unit(s), got shape {classes.shape}")
        mlp._label_binarizer = LabelBinarizer().fit(classes)
        mlp.classes_ = mlp._label_binarizer.classes_
    return mlp


# --- PyTorch ----------------------------------------------------------------------------------


def _sequential_indices(state_dict: Mapping) -> List[str]:
    """The prefixes of the Linear layers in a ``state_dict`` (``"0"``, ``"2"`` ... in
    ``nn.Sequential`` order; any prefix of ``weight``/``bias`` pairs, sorted by their numbers)."""
    prefixes = [key[: -len(".weight")] for key in state_dict if str(key).endswith(".weight")]

    def order(prefix: str):
        return [int(part) if part.isdigit() else part for part in prefix.split(".")]

    try:
        return sorted(prefixes, key=order)
    except TypeError:  # numbers and names at one position
        return sorted(prefixes)


def from_torch(state_dict: Mapping, *, dtype=None) -> Params:
    """fnnet params from the ``state_dict`` of an ``nn.Sequential`` of ``nn.Linear`` layers.

    Parameters
    ----------
    state_dict : mapping
        ``"0.weight"`` (n_1, n_0), ``"0.bias"`` (n_1,), ``"2.weight"`` ... (tensors or arrays;
        the activation modules between the Linear layers hold no weights).
    dtype : numpy dtype, optional
        Default: the tensors' (float32 for PyTorch's default).

    Returns
    -------
    dict
        ``W{l}`` (n_l, n_{l-1}) = the l-th Linear's weight, ``b{l}`` (n_l, 1) its bias.

    Examples
    --------
    >>> import numpy as np
    >>> sd = {"0.weight": np.ones((4, 3)), "0.bias": np.zeros(4), "2.weight": np.ones((1, 4)), "2.bias": np.zeros(1)}
    >>> {k: v.shape for k, v in from_torch(sd).items()}
    {'W1': (4, 3), 'b1': (4, 1), 'W2': (1, 4), 'b2': (1, 1)}
    """
    prefixes = _sequential_indices(state_dict)
    missing = [f"{p}.bias" for p in prefixes if f"{p}.bias" not in state_dict]
    if missing:
        raise ValueError(f"the state_dict has no {missing[0]!r}: fnnet's layers all have a bias (Linear(bias=True))")
    return _layers([state_dict[f"{p}.weight"] for p in prefixes], [state_dict[f"{p}.bias"] for p in prefixes],
                   transposed=False, what="the state_dict", dtype=dtype)


def to_torch(params: Mapping[str, np.ndarray], *, indices: Optional[Sequence[int]] = None) -> Dict[str, np.ndarray]:
    """The ``state_dict`` (as arrays) of an ``nn.Sequential`` of Linear layers with these params.

    Parameters
    ----------
    params : dict
        ``W{l}`` (n_l, n_{l-1}), ``b{l}`` (n_l, 1).
    indices : sequence of int, optional
        The position of each Linear in the Sequential; default ``0, 2, 4, ...`` (an activation
        module after each). Load with ``model.load_state_dict({k: torch.from_numpy(v) ...})``.

    Returns
    -------
    dict
        ``"{i}.weight"`` (n_l, n_{l-1}) and ``"{i}.bias"`` (n_l,): new arrays.
    """
    weights, biases = _weights_and_biases(params)
    indices = list(range(0, 2 * len(weights), 2)) if indices is None else list(indices)
    if len(indices) != len(weights):
        raise ValueError(f"indices has {len(indices)} positions, but the params have {len(weights)} layers")
    out = {}
    for i, W, b in zip(indices, weights, biases):
        out[f"{i}.weight"], out[f"{i}.bias"] = W.copy(), b.ravel().copy()
    return out


# --- Keras ------------------------------------------------------------------------------------


def from_keras(weights: Sequence, *, dtype=None) -> Params:
    """fnnet params from a Keras model's ``get_weights()``: ``[kernel1, bias1, kernel2, ...]``,
    each Dense kernel (n_{l-1}, n_l) and bias (n_l,); ``W{l}`` is the kernel transposed.

    Examples
    --------
    >>> import numpy as np
    >>> params = from_keras([np.ones((3, 4)), np.zeros(4), np.ones((4, 2)), np.zeros(2)])
    >>> params["W1"].shape, params["W2"].shape
    ((4, 3), (2, 4))
    """
    weights = list(weights)
    if len(weights) % 2:
        raise ValueError(f"get_weights() of Dense layers alternates kernel and bias; got {len(weights)} arrays (odd)")
    return _layers(weights[0::2], weights[1::2], transposed=True, what="the Keras weights", dtype=dtype)


def to_keras(params: Mapping[str, np.ndarray]) -> List[np.ndarray]:
    """The list ``model.set_weights()`` takes for a stack of Dense layers with these params:
    kernels ``W{l}.T`` (n_{l-1}, n_l) and biases (n_l,), new arrays."""
    weights, biases = _weights_and_biases(params)
    return [array for W, b in zip(weights, biases) for array in (W.T.copy(), b.ravel().copy())]


# --- Nielsen's network2 and the course ----------------------------------------------------------


def from_nielsen(weights: Sequence, biases: Sequence, *, dtype=None) -> Params:
    """fnnet params from Nielsen's ``net.weights`` (list of (n_l, n_{l-1})) and ``net.biases``
    (list of (n_l, 1)): the same orientation, copied and checked."""
    return _layers(list(weights), list(biases), transposed=False, what="Nielsen's weights/biases", dtype=dtype)


def to_nielsen(params: Mapping[str, np.ndarray]) -> Tuple[List[np.ndarray], List[np.ndarray]]:
    """``(weights, biases)`` for Nielsen's ``Network``: lists of (n_l, n_{l-1}) and (n_l, 1) copies."""
    weights, biases = _weights_and_biases(params)
    return [W.copy() for W in weights], [b.copy() for b in biases]


def from_course(parameters: Mapping, *, dtype=None) -> Params:
    """fnnet params from the course's ``parameters`` dict (``W1`` (n_1, n_0), ``b1`` (n_1, 1),
    ...): the same layout, copied and checked; other keys are refused."""
    L = sum(1 for key in parameters if str(key).startswith("W"))
    expected = {f"{p}{l}" for l in range(1, L + 1) for p in "Wb"}
    if set(parameters) != expected:
        raise ValueError(f"the course's parameters hold W1..WL and b1..bL; got {sorted(map(str, parameters))}")
    return _layers([parameters[f"W{l}"] for l in range(1, L + 1)], [parameters[f"b{l}"] for l in range(1, L + 1)],
                   transposed=False, what="the course's parameters", dtype=dtype)


def to_course(params: Mapping[str, np.ndarray]) -> Params:
    """The course's ``parameters`` dict: the same keys and shapes, copied."""
    weights, biases = _weights_and_biases(params)
    return {key: array.copy() for l, (W, b) in enumerate(zip(weights, biases), start=1)
            for key, array in ((f"W{l}", W), (f"b{l}", b))}
