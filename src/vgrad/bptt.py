"""Measuring backpropagation through time: how much gradient reaches a hidden state ``lag`` steps back.

Plain functions over the cells of ``vgrad.nn.recurrent``, used by notebooks 07 and 08 and their explorers.
"""
import numpy as np

from .data import flag_recall
from .errors import InputError
from .nn.activations import max_derivative, sigmoid
from .nn.recurrent import LSTM, RNN


def gradient_by_lag(cell, x, wrt="h", seed=0):
    """How much gradient reaches ``lag`` steps back, for lag = 0 .. T-1, when the loss puts a random unit
    vector on the last hidden state h_T and nothing elsewhere: the median over the batch of
    ||dLoss/dh_{T-lag}|| (``wrt="h"``) or of ||dLoss/dx_{T-lag}|| (``wrt="x"``, comparable between cells
    whose states differ). x: (batch, T, D) -> (T,) array, lag 0 first."""
    if wrt not in ("h", "x"):
        raise InputError(f'wrt must be "h" or "x"; got {wrt!r}')
    h = cell.forward(x)
    v = np.random.default_rng(seed).normal(size=h[:, -1].shape)
    dh = np.zeros_like(h)
    dh[:, -1] = v / np.linalg.norm(v, axis=1, keepdims=True)
    with np.errstate(over="ignore", invalid="ignore"):
        dx = cell.backward(dh)
        norms = np.linalg.norm(cell.dh_total if wrt == "h" else dx, axis=2)
    return np.median(norms, axis=0)[::-1]


def forget_path(lstm, x):
    """Along the cell state alone, dc_T/dc_{T-lag} = f_T * f_{T-1} * ... * f_{T-lag+1} (elementwise):
    its median over the batch and the units, for lag = 0 .. T-1. x: (batch, T, D) -> (T,) array."""
    if not isinstance(lstm, LSTM):
        raise InputError(f"forget_path needs an LSTM; got {type(lstm).__name__}")
    lstm.forward(x)
    H = lstm.Wh.shape[0]
    f = lstm.cache[3][:, :, H:2 * H]  # (batch, T, H): the forget gate at every step
    path = np.cumprod(f[:, ::-1], axis=1)  # [:, k] = f_T * ... * f_{T-k}: lag k + 1
    return np.concatenate([[1.0], np.median(path, axis=(0, 2))[:-1]])


def spectral_radius(W):
    """max |eigenvalue| of a square matrix: the rate at which W^n grows or shrinks in the long run."""
    W = np.asarray(W, dtype=np.float64)
    if W.ndim != 2 or W.shape[0] != W.shape[1]:
        raise InputError(f"the spectral radius needs a square matrix; got shape {W.shape}")
    return float(np.max(np.abs(np.linalg.eigvals(W))))


def rnn_lag_profile(radius, length=100, activation="tanh", hidden=64, inputs=8, batch=64, seed=0):
    """A fresh vanilla RNN whose W_hh is a random orthogonal matrix times ``radius`` — so its spectral radius
    and every singular value equal ``radius`` — run on x ~ N(0, 1) inputs of shape (batch, length, inputs).

    Returns (measured, bound): ``gradient_by_lag`` of dLoss/dh, and Pascanu et al.'s (2013) bound
    (gamma * radius)^lag with gamma = max |phi'|, since ||diag(phi') W_hh^T|| <= gamma * radius per step.
    For the linear activation the bound is exact.
    """
    if not radius > 0:
        raise InputError(f"the spectral radius must be positive; got {radius}")
    cell = RNN(inputs, hidden, activation=activation, seed=seed)
    cell.Wh *= radius
    x = np.random.default_rng(seed + 1).normal(size=(batch, length, inputs))
    gamma = max_derivative(cell.act)
    with np.errstate(over="ignore"):
        bound = (gamma * radius) ** np.arange(length, dtype=np.float64)
    return gradient_by_lag(cell, x, seed=seed), bound


def cell_state_profile(forget_bias, length=100, input_bias=0.0, hidden=32, batch=64, seed=0):
    """A fresh LSTM with this forget-gate bias on ``flag_recall`` inputs: returns (measured, predicted), the
    ``forget_path`` dc_T/dc_{T-lag} by lag, and sigma(forget_bias)^lag, what it would be if every forget gate
    sat at its bias (the input's contribution to the gate averaged out)."""
    x, _ = flag_recall(batch, length, seed=seed)
    cell = LSTM(x.shape[2], hidden, forget_bias=forget_bias, input_bias=input_bias, seed=seed)
    return forget_path(cell, x), float(sigmoid(forget_bias)) ** np.arange(length, dtype=np.float64)
