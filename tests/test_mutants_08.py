"""The mutant catalogue of notebook 08 (harness: tests/mutants.py). The registry's mistakes (in
src/vgrad/exercises/ch08.py) join the wrong answers here."""
from functools import partial, reduce

import numpy as np

from mutants import catalogue_tests
from vgrad.nn import GRU, LSTM

NOTEBOOK = "08_lstm_gru"


def sig(v):
    return 1 / (1 + np.exp(-v))


# ---- 8.1 lstm_step ----

def lstm_split(x, h_prev, c_prev, Wx, Wh, b):
    i, f, o, g = np.split(x @ Wx + h_prev @ Wh + b, 4, axis=1)
    c = sig(f) * c_prev + sig(i) * np.tanh(g)
    return np.tanh(c) * sig(o), c


def lstm_rows(x, h_prev, c_prev, Wx, Wh, b):  # one example at a time, sigmoid through tanh
    H = Wh.shape[0]
    hs, cs = [], []
    for xr, hr, cr in zip(x, h_prev, c_prev):
        z = xr @ Wx + hr @ Wh + b
        gates = 0.5 * (1 + np.tanh(z[:3 * H] / 2))
        c = gates[H:2 * H] * cr + gates[:H] * np.tanh(z[3 * H:])
        hs.append(gates[2 * H:] * np.tanh(c))
        cs.append(c)
    return np.array(hs), np.array(cs)


def lstm_through_the_layer(x, h_prev, c_prev, Wx, Wh, b):  # the course's LSTM, one step from a zero state
    cell = LSTM(Wx.shape[0], Wh.shape[0])
    cell.Wx, cell.Wh, cell.b = Wx, Wh, b
    cell.forward(x[:, None, :])
    _, h, c, _ = cell.cache
    return h[:, 1], c[:, 1]


# ---- 8.2 cell_path_gradient ----

def cell_loop(f, lag):
    out = np.ones(f.shape[1])
    for t in range(len(f) - 1, len(f) - 1 - lag, -1):
        out = out * f[t]
    return out


def cell_logs(f, lag):  # exp of summed logs: within 1e-9 for these lengths
    return np.exp(np.log(f[len(f) - lag:]).sum(axis=0))


# ---- 8.3 gru_step ----

def gru_split(x, h_prev, Wx, Wh, bx, bh):
    (xz, xr, xn), (hz, hr, hn) = np.split(x @ Wx + bx, 3, axis=1), np.split(h_prev @ Wh + bh, 3, axis=1)
    z, r = sig(xz + hz), sig(xr + hr)
    return (1 - z) * np.tanh(xn + r * hn) + z * h_prev


def gru_interpolated(x, h_prev, Wx, Wh, bx, bh):  # h_prev + (1 - z) * (n - h_prev), weights by block
    H = Wh.shape[0]
    blocks = [slice(k * H, (k + 1) * H) for k in range(3)]
    z, r = (sig(x @ Wx[:, s] + bx[s] + h_prev @ Wh[:, s] + bh[s]) for s in blocks[:2])
    n = np.tanh(x @ Wx[:, blocks[2]] + bx[blocks[2]] + r * (h_prev @ Wh[:, blocks[2]] + bh[blocks[2]]))
    return h_prev + (1 - z) * (n - h_prev)


def gru_through_the_layer(x, h_prev, Wx, Wh, bx, bh):
    cell = GRU(Wx.shape[0], Wh.shape[0])
    cell.Wx, cell.Wh, cell.bx, cell.bh = Wx, Wh, bx, bh
    return cell.forward(x[:, None, :])[:, 0]


WRONG = {
    "lstm_step": {
        "h only": lambda *args: lstm_split(*args)[0],
        "in float32": lambda *args: tuple(v.astype(np.float32) for v in lstm_split(*args)),
        "h of shape (n, 1, H)": lambda *args: (lstm_split(*args)[0][:, None], lstm_split(*args)[1]),
        "the hidden state carried over (h = h_prev)": lambda x, h_prev, *rest: (h_prev, lstm_split(
            x, h_prev, *rest)[1]),
        "f * c_prev + i * g read without the output gate": lambda *args: (np.tanh(lstm_split(*args)[1]),
                                                                          lstm_split(*args)[1]),
        "the course's LSTM layer": lstm_through_the_layer,
    },
    "cell_path_gradient": {
        "cumprod's last row (fails at lag 0)": lambda f, lag: np.cumprod(f[len(f) - lag:], axis=0)[-1],
        "one step too few": lambda f, lag: np.prod(f[len(f) - lag + 1:], axis=0) if lag else np.ones(f.shape[1]),
        "all rows, whatever the lag": lambda f, lag: np.prod(f, axis=0),
        "a single number": lambda f, lag: float(np.prod(f[len(f) - lag:])),
        "the median over units": lambda f, lag: float(np.median(np.prod(f[len(f) - lag:], axis=0))),
        "the last row to the power lag": lambda f, lag: f[-1] ** lag,
        "in float32": lambda f, lag: np.prod(f[len(f) - lag:].astype(np.float32), axis=0),
        "1 - f multiplied (the forgotten part)": lambda f, lag: np.prod(1 - f[len(f) - lag:], axis=0),
    },
    "gru_step": {
        "z from the input alone": lambda x, h, Wx, Wh, bx, bh: _gru_z_input_only(x, h, Wx, Wh, bx, bh),
        "returns the candidate n": lambda *args: _gru_candidate(*args),
        "blocks read as n, z, r": lambda x, h, Wx, Wh, bx, bh: gru_split(x, h, *_reorder(Wx, Wh, bx, bh, (1, 2, 0))),
        "in float32": lambda *args: gru_split(*args).astype(np.float32),
        "a tuple (h, h)": lambda *args: (gru_split(*args), gru_split(*args)),
        "the course's GRU layer": gru_through_the_layer,
        "the course's GRU layer through partial": partial(gru_through_the_layer),
    },
}

RIGHT = {
    "lstm_step": {"np.split, sigmoid written out": lstm_split, "one row at a time, sigmoid via tanh": lstm_rows},
    "cell_path_gradient": {
        "a loop from the last step back": cell_loop,
        "exp of summed logs": cell_logs,
        "functools.reduce over the rows": lambda f, lag: reduce(np.multiply, f[len(f) - lag:], np.ones(f.shape[1])),
    },
    "gru_step": {"np.split": gru_split, "h_prev + (1 - z) (n - h_prev), block by block": gru_interpolated},
}


def _gru_z_input_only(x, h, Wx, Wh, bx, bh):
    H = Wh.shape[0]
    xs, hs = x @ Wx + bx, h @ Wh + bh
    z = sig(xs[:, :H])
    r = sig(xs[:, H:2 * H] + hs[:, H:2 * H])
    return (1 - z) * np.tanh(xs[:, 2 * H:] + r * hs[:, 2 * H:]) + z * h


def _gru_candidate(x, h, Wx, Wh, bx, bh):
    (_, xr, xn), (_, hr, hn) = np.split(x @ Wx + bx, 3, axis=1), np.split(h @ Wh + bh, 3, axis=1)
    return np.tanh(xn + sig(xr + hr) * hn)


def _reorder(Wx, Wh, bx, bh, order):  # the blocks as a learner who reads them in another order sees them
    def blocks(m):
        return np.concatenate([np.split(m, 3, axis=-1)[k] for k in order], axis=-1)

    return blocks(Wx), blocks(Wh), blocks(bx), blocks(bh)


test_every_wrong_answer_fails_everywhere, test_every_right_answer_passes_everywhere = catalogue_tests(
    NOTEBOOK, WRONG, RIGHT)
