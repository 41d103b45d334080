"""fnnet: a small, exact and fast fully-connected neural network in pure Python + NumPy.

A network is a plain dict of arrays, column-major (one example per column)::

    params = fnnet.init_params([2, 3, 3, 1], seed=0)              # W1 (3, 2), b1 (3, 1), ...
    AL, cache = fnnet.forward(params, X, ["relu", "relu", "sigmoid"])   # X (2, m) -> AL (1, m)
    J = fnnet.cost(AL, Y, "bce")
    grads = fnnet.backward(params, cache, Y, "bce")                 # mirrors params
    params = fnnet.sgd_step(params, grads, lr=0.1)                   # a new dict

Each module's ``__all__`` decides what it exports here.
"""

from . import activations as _activations
from . import callbacks as _callbacks
from . import checking as _checking
from . import data as _data
from . import diagnostics as _diagnostics
from . import io as _io
from . import losses as _losses
from . import metrics as _metrics
from . import network as _network
from . import optim as _optim
from . import preprocessing as _preprocessing
from . import regularization as _regularization
from . import schedules as _schedules
from . import training as _training
from . import tracing as _tracing
from .activations import *  # noqa: F401,F403
from .callbacks import *  # noqa: F401,F403
from .checking import *  # noqa: F401,F403
from .data import *  # noqa: F401,F403
from .diagnostics import *  # noqa: F401,F403
from .io import *  # noqa: F401,F403
from .losses import *  # noqa: F401,F403
from .metrics import *  # noqa: F401,F403
from .network import *  # noqa: F401,F403
from .optim import *  # noqa: F401,F403
from .preprocessing import *  # noqa: F401,F403
from .regularization import *  # noqa: F401,F403
from .schedules import *  # noqa: F401,F403
from .training import *  # noqa: F401,F403
from .tracing import *  # noqa: F401,F403

__version__ = "0.1.0"

__all__ = sorted(
    name
    for module in (_activations, _callbacks, _checking, _data, _diagnostics, _io, _losses, _metrics, _network, _optim,
                   _preprocessing, _regularization, _schedules, _training, _tracing)
    for name in module.__all__
)


def __getattr__(name: str):
    """``fnnet.plot`` is imported on first use (it needs the plot extra only when it draws)."""
    if name == "plot":
        import importlib

        return importlib.import_module(".plot", __name__)
    raise AttributeError(f"module 'fnnet' has no attribute {name!r}")
