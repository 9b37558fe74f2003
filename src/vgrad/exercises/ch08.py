"""Exercises of notebook 08_lstm_gru, in the notebook's order: 8.1 lstm_step, 8.2 cell_path_gradient (the
LSTM's cell state, section 2), 8.3 gru_step (section 3). ``tests/test_exercises.py`` checks that running the
step references along a sequence reproduces ``vgrad.nn.LSTM`` and ``vgrad.nn.GRU``."""
import numpy as np

from ..nn.activations import sigmoid
from ..nn.recurrent import GRU, LSTM
from .registry import Case, Exercise, Mistake, close, close_each, register

# The recurrent layers compute a step too (seeded with a state, they give the answer): removed with
# the references while notebook 08 is checked or graded, each named after the exercise it would answer.
_LSTM_CELL, _GRU_CELL = (LSTM.forward, LSTM.backward), (GRU.forward, GRU.backward)


def _sizes(rng):
    """(batch, inputs, units) per case: a batch of one among them, and sizes that change with the seed."""
    return [(int(rng.integers(2, 5)), int(rng.integers(2, 6)), int(rng.integers(2, 5))),
            (int(rng.integers(3, 6)), int(rng.integers(1, 4)), int(rng.integers(3, 6))),
            (1, int(rng.integers(2, 5)), int(rng.integers(1, 4)))]


# ---- 8.1 lstm_step ----------------------------------------------------------------------------------


def _lstm_step(x, h_prev, c_prev, Wx, Wh, b):
    H = Wh.shape[0]
    z = x @ Wx + h_prev @ Wh + b
    i, f, o = (sigmoid(z[:, k * H:(k + 1) * H]) for k in range(3))
    g = np.tanh(z[:, 3 * H:])
    c = f * c_prev + i * g
    return o * np.tanh(c), c


def _lstm_cases(rng):
    """Weights large enough that every gate is far from 1/2 somewhere, a bias on every block (the forget
    gate's raised by 1, as the notebook's layers do), and a previous cell state of either sign."""
    cases = []
    for n, D, H in _sizes(rng):
        b = rng.normal(0, 0.5, size=4 * H)
        b[H:2 * H] += 1.0
        cases.append(Case((rng.normal(size=(n, D)), rng.uniform(-1, 1, size=(n, H)), rng.normal(0, 1.5, size=(n, H)),
                           rng.normal(0, 0.8, size=(D, 4 * H)), rng.normal(0, 0.8, size=(H, 4 * H)), b)))
    return cases


def _lstm_mistake(order="ifog", o_act=sigmoid, g_act=np.tanh, write=lambda i, g: i * g, read=np.tanh,
                  bias=lambda b, H: b, swap=False, old_cell=False):
    def lstm_step(x, h_prev, c_prev, Wx, Wh, b):
        H = Wh.shape[0]
        z = x @ Wx + h_prev @ Wh + bias(b, H)
        block = {name: z[:, k * H:(k + 1) * H] for k, name in enumerate(order)}
        i, f, o, g = sigmoid(block["i"]), sigmoid(block["f"]), o_act(block["o"]), g_act(block["g"])
        c = f * c_prev + write(i, g)
        h = o * read(c_prev if old_cell else c)
        return (c, h) if swap else (h, c)

    return lstm_step


def _without_forget_bias(b, H):
    b = b.copy()
    b[H:2 * H] = 0.0
    return b


register(Exercise(
    name="lstm_step", label="Exercise 8.1", notebook="08_lstm_gru", points=3,
    reference=_lstm_step, cases=_lstm_cases, compare=close_each(rtol=1e-8, atol=1e-12, names=("h", "c")),
    protected=(_lstm_step, *_LSTM_CELL),
    hints=(
        "z = x @ Wx + h_prev @ Wh + b has 4H columns: the blocks of the gates i, f, o and the candidate g, in "
        "that order, H columns each (z[:, :H] is i's block).",
        "The three gates squash their blocks with the sigmoid, into (0, 1); the candidate g uses tanh. The new "
        "cell keeps a fraction f of the old one and writes a fraction i of the candidate.",
        "The output reads the new cell through tanh and lets a fraction o through. Return (h, c), in that order.",
    ),
    mistakes=(
        Mistake("returns (c, h)", _lstm_mistake(swap=True),
                "Your h is the cell state and your c is the hidden state: the values are right, the order is not. "
                "Return the tuple (h, c)."),
        Mistake("blocks read as i, f, g, o", _lstm_mistake(order="ifgo"),
                "Your result reads the blocks as i, f, g, o. The columns come as i, f, o, g: the output gate is the "
                "third block and the candidate g the fourth."),
        Mistake("blocks read as f, i, o, g", _lstm_mistake(order="fiog"),
                "Your result reads the first two blocks as f, i. The columns come as i, f, o, g: the input gate "
                "first, then the forget gate."),
        Mistake("tanh on the output gate", _lstm_mistake(o_act=np.tanh),
                "Your output gate uses tanh. Every gate is a sigmoid, a fraction in (0, 1); only the candidate g "
                "(and the cell when it is read out) goes through tanh."),
        Mistake("sigmoid on the candidate", _lstm_mistake(g_act=sigmoid),
                "Your candidate g uses the sigmoid: it is a gate only for i, f and o. The candidate is tanh of its "
                "block, in (-1, 1), so the cell can be written down as well as up."),
        Mistake("c = f * c_prev + g", _lstm_mistake(write=lambda i, g: g),
                "Your cell state adds the whole candidate: c = f * c_prev + g. The input gate decides how much "
                "of it is written: c = f * c_prev + i * g."),
        Mistake("h = o * c", _lstm_mistake(read=lambda c: c),
                "Your h is o * c: the cell state is read through tanh before the output gate, h = o * tanh(c)."),
        Mistake("h from the old cell state", _lstm_mistake(old_cell=True),
                "Your c is right, but h reads the previous cell state: h = o * tanh(c) with the NEW c."),
        Mistake("no bias", _lstm_mistake(bias=lambda b, H: 0.0),
                "Your result leaves out the bias b: z = x @ Wx + h_prev @ Wh + b, all 4H columns of it."),
        Mistake("forget gate without its bias", _lstm_mistake(bias=_without_forget_bias),
                "Your forget gate leaves out its bias (b[H:2H], which the layers start at +1 so that the cell "
                "remembers): every block of z gets its part of b."),
    ),
))


# ---- 8.2 cell_path_gradient -------------------------------------------------------------------------


def _cell_path(f, lag):
    return np.prod(f[len(f) - lag:], axis=0)


def _cell_path_cases(rng):
    """Forget gates of one sequence per case, at sizes of the seed's own: a lag in the middle first, then
    the whole sequence, one step fewer, one step, lag 0 (ones; f[-0:] is the whole array), and a long
    sequence with gates near 1 (the carousel) whose lag equals its number of units."""
    cases = []
    for kind in ("middle", "all", "all but one", "one", "zero"):
        T, H = int(rng.integers(4, 12)), int(rng.integers(2, 6))
        lag = {"middle": int(rng.integers(2, T - 1)), "all": T, "all but one": T - 1, "one": 1, "zero": 0}[kind]
        cases.append(Case((rng.uniform(rng.uniform(0.2, 0.6), 1.0, size=(T, H)), lag)))
    H = int(rng.integers(30, 50))
    cases.append(Case((rng.uniform(0.9, 1.0, size=(int(rng.integers(H + 5, 80)), H)), H)))
    return cases


def _cell_path_first_rows(f, lag):
    return np.prod(f[:lag], axis=0)


register(Exercise(
    name="cell_path_gradient", label="Exercise 8.2", notebook="08_lstm_gru", points=2,
    reference=_cell_path, cases=_cell_path_cases, compare=close(rtol=1e-9, atol=1e-300), protected=(_cell_path,),
    hints=(
        "Along the cell state alone, c_t = f_t * c_{t-1} + (terms without c_{t-1}), so dc_t/dc_{t-1} = f_t, "
        "unit by unit: a diagonal Jacobian, kept as a vector.",
        "Going back `lag` steps multiplies the forget gates of the last `lag` steps, f_T, f_{T-1}, .., "
        "f_{T-lag+1} (the last `lag` rows of f), elementwise, unit by unit. Lag 0 is no step: ones.",
        "Multiply down the rows (over time), keeping one value per unit: the result has shape (H,). Careful: "
        "f[-0:] is the whole array, not an empty one.",
    ),
    mistakes=(
        Mistake("f[-lag:] at lag 0", lambda f, lag: np.prod(f[-lag:], axis=0),
                "Your result is right for lag > 0 but not for lag 0: f[-0:] is f[0:], the WHOLE array. Lag 0 is "
                "dc_T/dc_T = 1 for every unit: take the last `lag` rows as f[len(f) - lag:]."),
        Mistake("the sum", lambda f, lag: np.sum(f[len(f) - lag:], axis=0),
                "Your result adds the forget gates. The chain rule multiplies the factors of the steps: "
                "dc_T/dc_{T-lag} = f_T * f_{T-1} * ... * f_{T-lag+1}."),
        Mistake("the first lag rows", _cell_path_first_rows,
                "Your result uses the FIRST `lag` rows of f. Going back from step T takes the LAST `lag` rows, "
                "f_{T-lag+1} .. f_T."),
        Mistake("one step too many", lambda f, lag: np.prod(f[max(len(f) - lag - 1, 0):], axis=0),
                "Your result multiplies one forget gate too many: going back `lag` steps takes `lag` factors, "
                "f_{T-lag+1} .. f_T (lag 0: none)."),
        Mistake("the product over units", lambda f, lag: np.prod(f[len(f) - lag:], axis=1),
                "Your result multiplies along the units (axis=1). Each unit has its own path through time: "
                "multiply along the steps (axis=0), one value per unit, shape (H,)."),
        Mistake("the mean gate to the power lag", lambda f, lag: np.mean(f[len(f) - lag:], axis=0) ** lag,
                "Your result raises the average forget gate to the power lag: that is the notebook's estimate "
                "sigma(b_f)^lag, not the exact product. Multiply the actual gates."),
    ),
))


# ---- 8.3 gru_step -----------------------------------------------------------------------------------


def _gru_step(x, h_prev, Wx, Wh, bx, bh):
    H = Wh.shape[0]
    xz, hz = x @ Wx + bx, h_prev @ Wh + bh
    z = sigmoid(xz[:, :H] + hz[:, :H])
    r = sigmoid(xz[:, H:2 * H] + hz[:, H:2 * H])
    n = np.tanh(xz[:, 2 * H:] + r * hz[:, 2 * H:])
    return (1 - z) * n + z * h_prev


def _gru_cases(rng):
    """Weights and both biases large enough that z and r are far from 1/2 somewhere."""
    return [Case((rng.normal(size=(n, D)), rng.uniform(-1, 1, size=(n, H)), rng.normal(0, 0.8, size=(D, 3 * H)),
                  rng.normal(0, 0.8, size=(H, 3 * H)), rng.normal(0, 0.7, size=3 * H), rng.normal(0, 0.7, size=3 * H)))
            for n, D, H in _sizes(rng)]


def _gru_mistake(order="zrn", candidate=lambda r, xn, hn, h, Whn, bhn: np.tanh(xn + r * hn),
                 mix=lambda z, n, h: (1 - z) * n + z * h):
    def gru_step(x, h_prev, Wx, Wh, bx, bh):
        H = Wh.shape[0]
        cols = {name: slice(k * H, (k + 1) * H) for k, name in enumerate(order)}
        xs, hs = x @ Wx + bx, h_prev @ Wh + bh
        z = sigmoid(xs[:, cols["z"]] + hs[:, cols["z"]])
        r = sigmoid(xs[:, cols["r"]] + hs[:, cols["r"]])
        n = candidate(r, xs[:, cols["n"]], hs[:, cols["n"]], h_prev, Wh[:, cols["n"]], bh[cols["n"]])
        return mix(z, n, h_prev)

    return gru_step


register(Exercise(
    name="gru_step", label="Exercise 8.3", notebook="08_lstm_gru", points=3,
    reference=_gru_step, cases=_gru_cases, compare=close(rtol=1e-8, atol=1e-12), protected=(_gru_step, *_GRU_CELL),
    hints=(
        "Two products, each with 3H columns in the blocks z, r, n (H columns each): one of x (with bx), one of "
        "h_prev (with bh).",
        "z and r are sigmoids of the sums of their blocks. In the candidate n, the reset gate multiplies the "
        "recurrent part only, h_prev's block n with its bias, after the matrix product.",
        "The update gate mixes: z is the fraction of the OLD state that is kept, 1 - z the fraction of the "
        "candidate.",
    ),
    mistakes=(
        Mistake("z and 1 - z swapped", _gru_mistake(mix=lambda z, n, h: z * n + (1 - z) * h),
                "Your result keeps a fraction 1 - z of the old state. In this form (PyTorch's, cuDNN's) z is the "
                "fraction KEPT: h = (1 - z) * n + z * h_prev, so a z near 1 keeps the memory."),
        Mistake("blocks read as r, z, n", _gru_mistake(order="rzn"),
                "Your result reads the first two blocks as r, z. The columns come as z, r, n: the update gate first."),
        Mistake("reset before the product (Cho et al.)", _gru_mistake(
                    candidate=lambda r, xn, hn, h, Whn, bhn: np.tanh(xn + (r * h) @ Whn + bhn)),
                "Your candidate resets h_prev before the matrix product, tanh(... + (r * h_prev) @ Wh_n + bh_n), "
                "as Cho et al. (2014) do. This exercise, like PyTorch and cuDNN, applies r after it, to "
                "h_prev @ Wh_n + bh_n."),
        Mistake("the recurrent bias outside the reset", _gru_mistake(
                    candidate=lambda r, xn, hn, h, Whn, bhn: np.tanh(xn + r * (h @ Whn) + bhn)),
                "Your candidate adds bh's n block outside the reset gate: r * (h_prev @ Wh_n) + bh_n. The reset "
                "multiplies the whole recurrent part, bias included: r * (h_prev @ Wh_n + bh_n)."),
        Mistake("the reset on the whole candidate", _gru_mistake(
                    candidate=lambda r, xn, hn, h, Whn, bhn: np.tanh(r * (xn + hn))),
                "Your reset gate multiplies the input's part of the candidate too. It gates only what comes from "
                "h_prev: tanh(x's block n + r * h_prev's block n)."),
        Mistake("no reset gate", _gru_mistake(candidate=lambda r, xn, hn, h, Whn, bhn: np.tanh(xn + hn)),
                "Your candidate ignores the reset gate r: it multiplies the recurrent part, tanh(x's block n + "
                "r * h_prev's block n)."),
    ),
))
