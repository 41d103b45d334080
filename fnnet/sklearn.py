"""scikit-learn estimators over fnnet: :class:`FnnetClassifier` and :class:`FnnetRegressor`.

A thin adapter (optional extra ``sklearn``: ``pip install 'fnnet[sklearn]'``): row-major
``X`` (n_samples, n_features) in, one transpose, :func:`fnnet.init_params` and
:func:`fnnet.train`, and the plain params dict kept as ``params_`` (``W{l}`` (n_l, n_{l-1}),
``b{l}`` (n_l, 1)). ``train`` validates what it is given; the estimator validates only what it
translates (the data, ``hidden_layer_sizes``, ``alpha``, the stopping rules, the class labels).

Against scikit-learn's ``MLPClassifier``/``MLPRegressor``, the same names mean the same thing:

=====================  ========================================================================
``hidden_layer_sizes``  the same tuple of hidden widths
``activation``          the hidden layers' activation: scikit-learn's names (``relu``, ``tanh``,
                        ``logistic``, ``identity``), any other fnnet name (``leaky_relu``,
                        ...) or an :class:`fnnet.Activation` record
``solver``              an fnnet optimizer: ``adam`` (default, as in scikit-learn), ``sgd``
                        (plain), ``momentum``, ``nesterov`` (scikit-learn's ``sgd`` with its
                        default ``momentum=0.9, nesterovs_momentum=True``), ``rmsprop``,
                        ``adagrad``, ``adamw``; no ``lbfgs``
``learning_rate_init``  the same
``batch_size``          the same (``"auto"``: ``min(200, n_samples)``)
``max_iter``            epochs, as in scikit-learn for its stochastic solvers
``alpha``               the same L2 penalty: scikit-learn adds ``alpha / (2 b) ||W||^2`` to the
                        mean cost of a batch of ``b`` examples (``b``: their total
                        ``sample_weight``), so fnnet's ``l2`` is ``alpha / batch_size`` (times
                        the mean sample weight's inverse)
``beta_1, beta_2,``     Adam's (and AdamW's) options; ``momentum`` is that of ``momentum`` and
``epsilon, momentum``   ``nesterov``
``random_state``        seeds the init, the shuffles, dropout and the validation split
``early_stopping``,     the same rule: hold out ``validation_fraction`` (stratified for the
``validation_fraction``  classifier), stop when the validation score (accuracy, R^2) has not
``n_iter_no_change``,   improved by more than ``tol`` for ``n_iter_no_change`` epochs, keep the
``tol``                 best epoch's params; without early stopping, the same rule on the
                        training loss (``loss_curve_``) ends the run
``warm_start``          continue from the fitted params *and* the optimizer's state
``verbose``             a line per epoch on stderr
=====================  ========================================================================

What scikit-learn's MLP lacks: ``class_weight`` (a dict of label -> weight, or ``"balanced"``),
dropout (``keep_prob``, the probability of keeping a hidden unit), an ``l1`` penalty, any fnnet
learning-rate schedule (``schedule``, which then replaces ``learning_rate_init``), the weight
``init`` scheme and the ``dtype`` (float64 or float32).
"""

from __future__ import annotations

import inspect
import numbers
import sys
import warnings
from functools import partial
from typing import Dict, List, Optional

import numpy as np

try:
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.metrics import accuracy_score, r2_score
    from sklearn.model_selection import train_test_split
    from sklearn.utils import check_random_state
    from sklearn.utils.multiclass import check_classification_targets, type_of_target
    from sklearn.utils.validation import _check_sample_weight, check_is_fitted, column_or_1d, validate_data
except ImportError as err:  # pragma: no cover - the message is tested in a subprocess
    raise ImportError(
        "fnnet.sklearn needs scikit-learn >= 1.6, which is not installed (or too old): "
        "pip install 'fnnet[sklearn]' (from a checkout: pip install -e \".[sklearn]\")"
    ) from err

from .callbacks import EarlyStopping, Stop
from .convert import SKLEARN_ACTIVATIONS
from .metrics import predict as _predict
from .metrics import predict_labels
from .network import init_params
from .optim import OPTIMIZERS, InPlaceUpdate
from .training import train

__all__ = ["FnnetClassifier", "FnnetRegressor"]

Params = Dict[str, np.ndarray]


class _KeptState:
    """A built-in optimizer whose state outlives one :func:`fnnet.train` call.

    ``train`` is given the pair ``(init, update)``: ``init`` hands it the state this object
    holds (the last call's, or a fresh one), and ``update`` runs the built-in rule in place
    (``fnnet.optim.InPlaceUpdate``) on arrays the estimator owns, keeping the new state, so
    ``partial_fit`` and ``warm_start`` continue the same moments and step count.
    """

    def __init__(self, name: str, options: dict, state: Optional[dict]) -> None:
        if name not in OPTIMIZERS:
            raise ValueError(f"solver must be one of {', '.join(map(repr, OPTIMIZERS))}, got {name!r}")
        bound = inspect.signature(OPTIMIZERS[name].update).bind(None, None, None, lr=1.0, **options)
        bound.apply_defaults()
        self.name, self.state = name, state
        self.rule = InPlaceUpdate(name, {k: v for k, v in list(bound.arguments.items())[3:] if k != "lr"})

    def init(self, params: Params) -> dict:
        """A fresh state, or a copy of the kept one (the estimator's stays as it was if the run fails)."""
        if self.state is None:
            self.state = OPTIMIZERS[self.name].init(params)
        else:
            self.state = {key: ({k: np.array(a, copy=True) for k, a in value.items()} if isinstance(value, dict)
                                else value) for key, value in self.state.items()}
        self.rule.check_state(params, self.state)
        return self.state

    def update(self, params: Params, grads: Params, state: dict, *, lr: float):
        """The new params, written over ``grads`` (train's new arrays of this batch)."""
        self.state = self.rule(params, grads, state, lr)
        return grads, self.state


def _optimizer_options(solver: str, est) -> dict:
    """The options of ``solver`` that scikit-learn names (``beta_1`` ...), as fnnet's keywords."""
    if solver in ("adam", "adamw"):
        return {"beta1": est.beta_1, "beta2": est.beta_2, "eps": est.epsilon}
    if solver in ("momentum", "nesterov"):
        return {"beta": est.momentum}
    return {}


def _shifted(schedule, offset: int, epoch: int, *history):
    return schedule(epoch + offset, *history)


def _continued(schedule, offset: int):
    """``schedule`` counting epochs from ``offset`` (a warm start or a ``partial_fit``
    continues where the last call stopped)."""
    if offset == 0:
        return schedule
    try:
        inspect.signature(schedule).bind(0, {})
        return partial(_shifted, schedule, offset)
    except (TypeError, ValueError):
        return lambda epoch: schedule(epoch + offset)


class _ScoreStopping:
    """scikit-learn's early-stopping rule: the validation score (higher is better) of each
    epoch's params, kept in ``scores``; stop when it has not improved by more than ``tol``
    for ``patience`` epochs, returning the best epoch's params."""

    def __init__(self, score, X_val: np.ndarray, y_val, acts, patience: int, tol: float) -> None:
        self.score, self.X_val, self.y_val, self.acts = score, X_val, y_val, acts
        self.scores: List[float] = []
        self.stop = EarlyStopping("validation_score", patience=patience, min_delta=tol, mode="max")

    def __call__(self, epoch: int, params: Params, history) -> Optional[Stop]:
        self.scores.append(float(self.score(self.y_val, _predict(params, self.X_val, self.acts))))
        return self.stop(epoch, params, {"validation_score": self.scores})


def _check_positive_int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be an int >= 1, got {value!r}")
    return int(value)


class _FnnetBase(BaseEstimator):
    """What the classifier and the regressor share: the parameters, ``fit``, ``partial_fit``."""

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, solver="adam", alpha=0.0001,
                 batch_size="auto", learning_rate_init=0.001, max_iter=200, random_state=None, tol=1e-4,
                 verbose=False, warm_start=False, early_stopping=False, validation_fraction=0.1,
                 n_iter_no_change=10, beta_1=0.9, beta_2=0.999, epsilon=1e-8, momentum=0.9, keep_prob=1.0,
                 l1=0.0, schedule=None, init="he", dtype="float64"):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.momentum = momentum
        self.keep_prob = keep_prob
        self.l1 = l1
        self.schedule = schedule
        self.init = init
        self.dtype = dtype

    # -- the subclasses say how targets become fnnet's Y (n_out, m) and outputs become predictions

    def _targets(self, y, first: bool) -> np.ndarray:
        raise NotImplementedError

    def _output(self):
        """``(output activation, loss, n_out)`` for the targets seen."""
        raise NotImplementedError

    def _score_function(self):
        raise NotImplementedError

    def _class_weight(self):
        return None

    # -- fitting

    def fit(self, X, y, sample_weight=None):
        """Train on ``X`` (n_samples, n_features) and ``y`` (n_samples,) or (n_samples, n_outputs).

        Parameters
        ----------
        X : array_like, shape (n_samples, n_features)
        y : array_like, shape (n_samples,) (or (n_samples, n_outputs) for the regressor)
        sample_weight : array_like, shape (n_samples,), optional
            Non-negative weights per example (the batch cost is their weighted mean).

        Returns
        -------
        self
        """
        return self._fit(X, y, sample_weight, incremental=False, classes=None)

    def _fit(self, X, y, sample_weight, *, incremental: bool, classes):
        fresh = not (incremental or self.warm_start) or not hasattr(self, "params_")
        X, y = validate_data(self, X, y, reset=fresh, dtype=[np.float64, np.float32], multi_output=True,
                             y_numeric=not isinstance(self, ClassifierMixin))
        X = X.astype(self.dtype, copy=False)
        sample_weight = None if sample_weight is None else _check_sample_weight(sample_weight, X, dtype=X.dtype)
        if fresh:
            self._reset(classes)
        Y = self._targets(y, fresh)
        out_act, loss, n_out = self._output()
        hidden = self._hidden()
        m = X.shape[0]
        batch = min(200, m) if isinstance(self.batch_size, str) and self.batch_size == "auto" else self.batch_size
        batch = min(_check_positive_int(batch, "batch_size"), m)
        if isinstance(self.alpha, bool) or not isinstance(self.alpha, numbers.Real) or not self.alpha >= 0:
            raise ValueError(f"alpha must be a number >= 0, got {self.alpha!r}")
        epochs = 1 if incremental else _check_positive_int(self.max_iter, "max_iter")
        patience = _check_positive_int(self.n_iter_no_change, "n_iter_no_change")
        if isinstance(self.tol, bool) or not isinstance(self.tol, numbers.Real) or not self.tol >= 0:
            raise ValueError(f"tol must be a number >= 0, got {self.tol!r}")
        if fresh:
            hidden_act = self.activation
            if isinstance(hidden_act, str):  # scikit-learn's names too: logistic, identity
                hidden_act = SKLEARN_ACTIVATIONS.get(hidden_act, hidden_act)
            self.activations_ = [hidden_act] * len(hidden) + [out_act]
            self._seed = int(check_random_state(self.random_state).randint(2 ** 31 - 1))
            dims = [X.shape[1], *hidden, n_out]
            self.params_ = init_params(dims, seed=self._seed, init=self.init, dtype=np.dtype(self.dtype))
        rng = np.random.default_rng([self._seed, self.n_iter_])
        callbacks, stopper = [], None
        if self.early_stopping and not incremental:
            fraction = self.validation_fraction
            if isinstance(fraction, bool) or not isinstance(fraction, numbers.Real) or not 0 < fraction < 1:
                raise ValueError(f"validation_fraction must be in (0, 1), got {fraction!r}")
            stratify = y if isinstance(self, ClassifierMixin) else None
            parts = train_test_split(X, Y.T, y, *([] if sample_weight is None else [sample_weight]),
                                     test_size=fraction, random_state=int(rng.integers(2 ** 31 - 1)),
                                     stratify=stratify)
            X, X_val, Yt, _, _, y_val = parts[:6]
            Y, sample_weight = Yt.T, (parts[6] if sample_weight is not None else None)
            stopper = _ScoreStopping(self._score_function(), np.ascontiguousarray(X_val.T),
                                     self._encoded(y_val), self.activations_, patience, self.tol)
            callbacks.append(stopper)
        elif not incremental:
            callbacks.append(EarlyStopping("cost", patience=patience, min_delta=self.tol, restore_best=False))
        solver = _KeptState(self.solver, _optimizer_options(self.solver, self), self._optimizer_state)
        lr = self.learning_rate_init if self.schedule is None else _continued(self.schedule, self.n_iter_)
        params, history = train(
            self.params_, X.T, Y, self.activations_, loss, epochs=epochs, batch_size=batch, lr=lr,
            optimizer=(solver.init, solver.update), seed=int(rng.integers(2 ** 63 - 1)),
            l2=self._l2(batch, sample_weight), l1=self.l1, keep_prob=self.keep_prob,
            verbose=2 if self.verbose else 0, callbacks=callbacks, sample_weight=sample_weight,
            class_weight=self._class_weight())
        if history.get("interrupted"):
            print("fnnet: interrupted; the estimator keeps the params of the last completed step",
                  file=sys.stderr)
        self.params_ = params
        self._optimizer_state = solver.state
        self.history_ = history
        self.n_iter_ += len(history["cost"])
        self.loss_curve_ = self.loss_curve_ + list(history["cost"])
        self.loss_ = self.loss_curve_[-1]
        if stopper is not None:
            self.validation_scores_ = self.validation_scores_ + stopper.scores
            self.best_validation_score_ = max(self.validation_scores_)
        if not incremental and "stopped" not in history and not history.get("interrupted"):
            warnings.warn(f"{type(self).__name__}: max_iter ({self.max_iter}) epochs reached and the "
                          "optimization has not converged yet", ConvergenceWarning, stacklevel=3)
        return self

    def _l2(self, batch: int, sample_weight) -> float:
        """fnnet's ``l2`` for scikit-learn's ``alpha``: ``alpha / (2 sum_batch w) ||W||^2`` is the
        penalty on a batch's weighted mean cost, with the mean example weight standing for each
        batch's (exact for one batch a epoch, and unweighted)."""
        mean_weight = 1.0 if sample_weight is None else float(np.mean(sample_weight))
        return float(self.alpha) / (batch * mean_weight) if mean_weight > 0 else 0.0

    def _reset(self, classes) -> None:
        self.n_iter_ = 0
        self.loss_curve_: List[float] = []
        self.validation_scores_ = [] if self.early_stopping else None
        self.best_validation_score_ = None
        self._optimizer_state = None

    def _hidden(self) -> List[int]:
        sizes = self.hidden_layer_sizes
        sizes = [sizes] if isinstance(sizes, numbers.Integral) else sizes
        try:
            sizes = list(sizes)
        except TypeError:
            raise ValueError(f"hidden_layer_sizes must be a tuple of ints >= 1, got {self.hidden_layer_sizes!r}") from None
        for i, n in enumerate(sizes):
            if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
                raise ValueError(f"hidden_layer_sizes must be a tuple of ints >= 1; hidden layer {i + 1} is {n!r}")
        return [int(n) for n in sizes]

    def _encoded(self, y):
        return y

    def _forward(self, X) -> np.ndarray:
        """The network's output for row-major ``X``, one example per row: (n_samples, n_out)."""
        check_is_fitted(self, "params_")
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        return _predict(self.params_, X.T.astype(self.params_["W1"].dtype, copy=False), self.activations_).T

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        return tags


class FnnetClassifier(ClassifierMixin, _FnnetBase):
    """A multi-layer perceptron classifier trained by :func:`fnnet.train`.

    Two classes: one sigmoid output unit and the binary cross-entropy; more: a softmax layer
    and the categorical cross-entropy. Labels may be of any type (``classes_`` holds them
    sorted). The parameters are those of scikit-learn's ``MLPClassifier`` (see the module's
    table) plus ``class_weight``, ``keep_prob``, ``l1``, ``schedule``, ``init`` and ``dtype``;
    those below are described here, the others with :class:`FnnetRegressor`.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default (100,)
    activation : str or fnnet.Activation, default "relu"
    class_weight : dict or "balanced", optional
        A weight per class label (``{"spam": 5.0}``) multiplying each example's weight, or
        ``"balanced"``: ``n_samples / (n_classes * count of the class)``.

    Attributes
    ----------
    params_ : dict of ndarray
        The trained network: ``W{l}`` (n_l, n_{l-1}), ``b{l}`` (n_l, 1), n_0 = n_features_in_.
    activations_ : list of str
        One per layer; the output's is ``sigmoid`` (two classes) or ``softmax``.
    classes_ : ndarray, shape (n_classes,)
    n_features_in_, feature_names_in_
        As scikit-learn sets them.
    loss_curve_ : list of float
        The mean training cost of every epoch (across warm starts and ``partial_fit``).
    validation_scores_ : list of float or None
        With ``early_stopping``: the validation accuracy of every epoch.
    n_iter_ : int
        Epochs run.
    history_ : dict
        The history :func:`fnnet.train` returned for the last call.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from fnnet.sklearn import FnnetClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = FnnetClassifier((16,), learning_rate_init=0.01, max_iter=2000, random_state=0).fit(X, y)
    >>> clf.predict_proba(X[:2]).shape, clf.score(X, y) > 0.95, clf.n_iter_ < 2000   # converged (tol)
    ((2, 3), True, True)
    """

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, solver="adam", alpha=0.0001,
                 batch_size="auto", learning_rate_init=0.001, max_iter=200, random_state=None, tol=1e-4,
                 verbose=False, warm_start=False, early_stopping=False, validation_fraction=0.1,
                 n_iter_no_change=10, beta_1=0.9, beta_2=0.999, epsilon=1e-8, momentum=0.9, class_weight=None,
                 keep_prob=1.0, l1=0.0, schedule=None, init="he", dtype="float64"):
        super().__init__(hidden_layer_sizes, activation, solver=solver, alpha=alpha, batch_size=batch_size,
                         learning_rate_init=learning_rate_init, max_iter=max_iter, random_state=random_state,
                         tol=tol, verbose=verbose, warm_start=warm_start, early_stopping=early_stopping,
                         validation_fraction=validation_fraction, n_iter_no_change=n_iter_no_change,
                         beta_1=beta_1, beta_2=beta_2, epsilon=epsilon, momentum=momentum, keep_prob=keep_prob,
                         l1=l1, schedule=schedule, init=init, dtype=dtype)
        self.class_weight = class_weight

    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """One epoch over ``X``, ``y``, continuing the params and the optimizer's state.

        Parameters
        ----------
        X : array_like, shape (n_samples, n_features)
        y : array_like, shape (n_samples,)
        classes : array_like, shape (n_classes,)
            Every label the classifier will see: required on the first call, and only then.
        sample_weight : array_like, shape (n_samples,), optional

        Returns
        -------
        self
        """
        first = not hasattr(self, "classes_")
        if first and classes is None:
            raise ValueError("classes must be given on the first call to partial_fit (every label to expect)")
        if not first and classes is not None and not np.array_equal(np.unique(classes), self.classes_):
            raise ValueError(f"classes={classes!r} is not the classes of the first call to partial_fit, "
                             f"{self.classes_!r}")
        return self._fit(X, y, sample_weight, incremental=True, classes=None if not first else np.unique(classes))

    def _reset(self, classes) -> None:
        super()._reset(classes)
        self._classes_given = classes

    def _targets(self, y, first: bool) -> np.ndarray:
        y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        if first:
            classes = np.unique(y) if self._classes_given is None else self._classes_given
            if len(classes) < 2:
                raise ValueError(f"{type(self).__name__} needs examples of at least 2 classes; y has only one class, "
                                 f"{classes.tolist()[0]!r}")
            self.classes_ = classes
        index = self._encoded(y)
        k = len(self.classes_)
        if k == 2:
            return index.reshape(1, -1).astype(self.dtype)
        Y = np.zeros((k, len(y)), dtype=self.dtype)
        Y[index, np.arange(len(y))] = 1.0
        return Y

    def _encoded(self, y) -> np.ndarray:
        """Labels as class indices 0..k-1 (a label not in ``classes_`` is a ValueError)."""
        index = np.searchsorted(self.classes_, y)
        index[index == len(self.classes_)] = 0
        unknown = self.classes_[index] != y
        if np.any(unknown):
            raise ValueError(f"y holds labels the classifier was not given in classes: "
                             f"{np.unique(np.asarray(y)[unknown])!r} (classes_ is {self.classes_!r})")
        return index

    def _output(self):
        k = len(self.classes_)
        return ("sigmoid", "bce", 1) if k == 2 else ("softmax", "cce", k)

    def _score_function(self):
        return lambda index, AL: accuracy_score(index, predict_labels(AL))

    def _class_weight(self):
        """``class_weight`` keyed by class index, as :func:`fnnet.train` takes it."""
        if self.class_weight is None or isinstance(self.class_weight, str):
            return self.class_weight
        weights = {}
        for label, weight in dict(self.class_weight).items():
            where = np.flatnonzero(self.classes_ == label)
            if where.size == 0:
                raise ValueError(f"class_weight names the label {label!r}, which is not one of the classes "
                                 f"{self.classes_.tolist()!r}")
            weights[int(where[0])] = weight
        return weights

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities, shape (n_samples, n_classes), columns in the order of ``classes_``
        (two classes: ``[1 - p, p]`` from the one sigmoid unit)."""
        A = self._forward(X)
        if A.shape[1] == 1:
            return np.hstack([1.0 - A, A])
        return A

    def predict_log_proba(self, X) -> np.ndarray:
        """``log(predict_proba(X))``, with probabilities clipped at the dtype's smallest normal."""
        P = self.predict_proba(X)
        return np.log(np.clip(P, np.finfo(P.dtype).tiny, None))

    def predict(self, X) -> np.ndarray:
        """The most probable class of each row of ``X``: shape (n_samples,), from ``classes_``."""
        A = self._forward(X)
        index = (A[:, 0] >= 0.5).astype(np.intp) if A.shape[1] == 1 else A.argmax(axis=1)
        return self.classes_[index]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = True
        return tags


class FnnetRegressor(RegressorMixin, _FnnetBase):
    """A multi-layer perceptron regressor trained by :func:`fnnet.train` (linear output, MSE).

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default (100,)
        Widths of the hidden layers.
    activation : str or fnnet.Activation, default "relu"
        Of every hidden layer.
    solver : str, default "adam"
        A name in ``fnnet.OPTIMIZERS``.
    alpha : float, default 0.0001
        scikit-learn's L2 penalty (fnnet's ``l2 = alpha / batch_size``).
    batch_size : int or "auto", default "auto"
        ``"auto"``: ``min(200, n_samples)``.
    learning_rate_init : float, default 0.001
    max_iter : int, default 200
        Epochs (``partial_fit``: exactly one).
    random_state : int, RandomState or None
    tol : float, default 1e-4
    verbose : bool, default False
    warm_start : bool, default False
    early_stopping : bool, default False
    validation_fraction : float, default 0.1
    n_iter_no_change : int, default 10
    beta_1, beta_2, epsilon : float
        Adam's.
    momentum : float, default 0.9
        Of the ``momentum`` and ``nesterov`` solvers.
    keep_prob : float or sequence of float, default 1.0
        Inverted dropout on the hidden layers (1.0: none).
    l1 : float, default 0.0
        The penalty ``l1 * sum |W|`` (fnnet's).
    schedule : callable, optional
        An fnnet schedule, e.g. ``fnnet.cosine_decay(0.01, 100)``: the learning rate per epoch.
    init : str, default "he"
        An fnnet init scheme (``"xavier"`` is scikit-learn's Glorot).
    dtype : {"float64", "float32"}, default "float64"

    Attributes
    ----------
    params_ : dict of ndarray
        ``W{l}`` (n_l, n_{l-1}), ``b{l}`` (n_l, 1).
    activations_, n_features_in_, feature_names_in_, loss_curve_, validation_scores_, n_iter_, history_
        As for :class:`FnnetClassifier` (validation scores are R^2).

    Examples
    --------
    >>> import numpy as np
    >>> from fnnet.sklearn import FnnetRegressor
    >>> X = np.linspace(-1, 1, 50).reshape(-1, 1)
    >>> reg = FnnetRegressor((8,), activation="tanh", learning_rate_init=0.01, max_iter=2000, random_state=0)
    >>> reg.fit(X, X[:, 0] ** 2).predict(X[:3]).shape, reg.score(X, X[:, 0] ** 2) > 0.95
    ((3,), True)
    """

    def partial_fit(self, X, y, sample_weight=None):
        """One epoch over ``X`` (n_samples, n_features) and ``y``, continuing the params and the
        optimizer's state; returns self."""
        return self._fit(X, y, sample_weight, incremental=True, classes=None)

    def _targets(self, y, first: bool) -> np.ndarray:
        y = np.asarray(y, dtype=self.dtype)
        Y = y.reshape(1, -1) if y.ndim == 1 else np.ascontiguousarray(y.T)
        if first:
            self._n_outputs = Y.shape[0]
        elif Y.shape[0] != self._n_outputs:
            raise ValueError(f"y has {Y.shape[0]} target(s) per example; the regressor was fitted on {self._n_outputs}")
        return Y

    def _output(self):
        return "linear", "mse", self._n_outputs

    def _encoded(self, y):
        return np.asarray(y, dtype=self.dtype)

    def _score_function(self):
        return lambda y, AL: r2_score(y, AL[0] if AL.shape[0] == 1 and y.ndim == 1 else AL.T)

    def predict(self, X) -> np.ndarray:
        """Predictions, shape (n_samples,) for one target (as ``MLPRegressor``), else (n_samples, n_outputs)."""
        A = self._forward(X)
        return A[:, 0] if A.shape[1] == 1 else A

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        return tags

