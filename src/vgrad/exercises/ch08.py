"""Exercises of notebook 08_lstm_gru. ``tests/test_exercises.py`` checks that running the step references
along a sequence reproduces ``vgrad.nn.LSTM`` and ``vgrad.nn.GRU``."""
import numpy as np

from ..nn.activations import sigmoid
from ..nn.recurrent import GRU, LSTM
from .registry import Case, Exercise, close, close_each, register


def _lstm_step(x, h_prev, c_prev, Wx, Wh, b):
    H = Wh.shape[0]
    z = x @ Wx + h_prev @ Wh + b
    i, f, o = (sigmoid(z[:, k * H:(k + 1) * H]) for k in range(3))
    g = np.tanh(z[:, 3 * H:])
    c = f * c_prev + i * g
    return o * np.tanh(c), c


# The recurrent layers compute a step too (seeded with a state, they give the answer): removed with
# the references while notebook 08 is graded.
_CELLS = (LSTM.forward, LSTM.backward, GRU.forward, GRU.backward)


def _lstm_cases(rng):
    cases = []
    for n, D, H in ((2, 3, 2), (4, 5, 3), (1, 2, 4)):
        b = rng.normal(0, 0.5, size=4 * H)
        b[H:2 * H] += 1.0  # a forget bias, as the notebook uses
        cases.append(Case((rng.normal(size=(n, D)), rng.uniform(-1, 1, size=(n, H)), rng.normal(size=(n, H)),
                           rng.normal(0, 0.7, size=(D, 4 * H)), rng.normal(0, 0.7, size=(H, 4 * H)), b)))
    return cases


register(Exercise(
    name="lstm_step", label="Exercise 8.1", notebook="08_lstm_gru", points=3,
    reference=_lstm_step, cases=_lstm_cases, compare=close_each(rtol=1e-8, atol=1e-12), protected=(_lstm_step, *_CELLS),
    hints=(
        "z = x @ Wx + h_prev @ Wh + b has 4H columns: the blocks of the gates i, f, o and the candidate g, in "
        "that order, H columns each.",
        "i, f, o = sigmoid of their blocks; g = tanh of its block. Then c = f * c_prev + i * g.",
        "h = o * tanh(c). Return the tuple (h, c).",
    ),
))


def _gru_step(x, h_prev, Wx, Wh, bx, bh):
    H = Wh.shape[0]
    xz, hz = x @ Wx + bx, h_prev @ Wh + bh
    z = sigmoid(xz[:, :H] + hz[:, :H])
    r = sigmoid(xz[:, H:2 * H] + hz[:, H:2 * H])
    n = np.tanh(xz[:, 2 * H:] + r * hz[:, 2 * H:])
    return (1 - z) * n + z * h_prev


def _gru_cases(rng):
    return [Case((rng.normal(size=(n, D)), rng.uniform(-1, 1, size=(n, H)), rng.normal(0, 0.7, size=(D, 3 * H)),
                  rng.normal(0, 0.7, size=(H, 3 * H)), rng.normal(0, 0.5, size=3 * H), rng.normal(0, 0.5, size=3 * H)))
            for n, D, H in ((2, 3, 2), (4, 5, 3), (1, 2, 4))]


register(Exercise(
    name="gru_step", label="Exercise 8.2", notebook="08_lstm_gru", points=3,
    reference=_gru_step, cases=_gru_cases, compare=close(rtol=1e-8, atol=1e-12), protected=(_gru_step, *_CELLS),
    hints=(
        "Two products, each with 3H columns in the blocks z, r, n: xz = x @ Wx + bx and hz = h_prev @ Wh + bh.",
        "z = sigmoid(xz_z + hz_z), r = sigmoid(xz_r + hz_r), n = tanh(xz_n + r * hz_n): the reset gate "
        "multiplies the recurrent part of the candidate only, bias included.",
        "h = (1 - z) * n + z * h_prev: z near 1 keeps the old state.",
    ),
))


def _cell_path(f, lag):
    return np.prod(f[len(f) - lag:], axis=0)


def _cell_path_cases(rng):
    return [Case((rng.uniform(lo, 1.0, size=(T, H)), lag))
            for T, H, lag, lo in ((5, 3, 2, 0.5), (10, 4, 10, 0.9), (8, 2, 0, 0.5), (60, 5, 50, 0.95))]


register(Exercise(
    name="cell_path_gradient", label="Exercise 8.3", notebook="08_lstm_gru", points=2,
    reference=_cell_path, cases=_cell_path_cases, compare=close(rtol=1e-9, atol=1e-300), protected=(_cell_path,),
    hints=(
        "Along the cell state alone, c_t = f_t * c_{t-1} + (terms without c_{t-1}), so dc_t/dc_{t-1} = f_t, "
        "unit by unit.",
        "dc_T/dc_{T-lag} = f_T * f_{T-1} * ... * f_{T-lag+1}: the product of the last `lag` rows of f "
        "(one row per step), elementwise. Lag 0 gives ones.",
        "np.prod(f[len(f) - lag:], axis=0) — careful: f[-0:] is the whole array, not an empty one.",
    ),
))
