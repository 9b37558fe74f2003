"""Recurrent cells with explicit backpropagation through time (BPTT), vectorised over the batch.

Each layer runs a whole sequence: ``forward(x)`` with x: (batch, T, D) returns every hidden state,
h: (batch, T, H), starting from h_0 = 0; ``backward(dh)`` takes dLoss/dh_t for every step (zeros
where the loss does not look) and returns dx: (batch, T, D), setting the parameter gradients. After a
backward pass ``self.dh_total[:, t]`` is the full gradient reaching h_t — what notebook 07 plots
against the time lag.

    RNN   h_t = phi(x_t Wx + h_{t-1} Wh + b)
    LSTM  i, f, o = sigma(.), g = tanh(.);  c_t = f * c_{t-1} + i * g;  h_t = o * tanh(c_t)
    GRU   z, r = sigma(.);  n = tanh(x_t Wxn + r * (h_{t-1} Whn + bhn) + bxn);  h_t = (1 - z) * n + z * h_{t-1}
"""
import numpy as np

from ..errors import InputError
from .activations import get_activation, sigmoid, tanh, tanh_grad
from .init import init_weights


def _check_input(x, features, name):
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 3 or x.shape[2] != features:
        raise InputError(f"{name} expects input of shape (batch, time, {features}); got {x.shape}")
    return x


def _check_grad(dh, shape, name):
    dh = np.asarray(dh, dtype=np.float64)
    if dh.shape != shape:
        raise InputError(f"{name} expects dh of shape {shape} (one gradient per hidden state); got {dh.shape}")
    return dh


class RNN:
    """A vanilla recurrent layer. Wx: (D, H), Wh: (H, H), b: (H,)."""

    params = ("Wx", "Wh", "b")

    def __init__(self, input_size, hidden_size, activation="tanh", init="xavier_normal", recurrent_init="orthogonal",
                 seed=0):
        rng = np.random.default_rng(seed)
        self.act = get_activation(activation)
        self.Wx = init_weights(init, input_size, hidden_size, rng)
        self.Wh = init_weights(recurrent_init, hidden_size, hidden_size, rng)
        self.b = np.zeros(hidden_size)
        self.dWx, self.dWh, self.db = np.zeros_like(self.Wx), np.zeros_like(self.Wh), np.zeros_like(self.b)
        self.cache = None

    def forward(self, x):
        x = _check_input(x, self.Wx.shape[0], "RNN")
        n, steps, _ = x.shape
        h = np.zeros((n, steps + 1, self.Wh.shape[0]))  # h[:, 0] is h_0
        a = np.zeros((n, steps, self.Wh.shape[0]))
        for t in range(steps):
            a[:, t] = x[:, t] @ self.Wx + h[:, t] @ self.Wh + self.b
            h[:, t + 1] = self.act.f(a[:, t])
        self.cache = (x, h, a)
        return h[:, 1:]

    def backward(self, dh):
        if self.cache is None:
            raise InputError("call forward before backward")
        x, h, a = self.cache
        dh = _check_grad(dh, h[:, 1:].shape, "RNN")
        self.dWx, self.dWh, self.db = np.zeros_like(self.Wx), np.zeros_like(self.Wh), np.zeros_like(self.b)
        dx = np.zeros_like(x)
        self.dh_total = np.zeros_like(dh)
        carry = np.zeros_like(dh[:, 0])  # dLoss/dh_t arriving from step t+1
        for t in range(x.shape[1] - 1, -1, -1):
            self.dh_total[:, t] = dh[:, t] + carry
            da = self.dh_total[:, t] * self.act.df(a[:, t])
            self.dWx += x[:, t].T @ da
            self.dWh += h[:, t].T @ da
            self.db += da.sum(axis=0)
            dx[:, t] = da @ self.Wx.T
            carry = da @ self.Wh.T
        return dx


class LSTM:
    """Long short-term memory (Hochreiter & Schmidhuber 1997, with the forget gate of Gers et al. 2000).

    Wx: (D, 4H), Wh: (H, 4H), b: (4H,), gates in the order i, f, o, g. ``forget_bias`` starts the
    forget gate's bias there (1 in Jozefowicz et al. 2015; about log(T) in the "chrono" initialisation of
    Tallec & Ollivier 2018); ``input_bias`` the input gate's.
    """

    params = ("Wx", "Wh", "b")

    def __init__(self, input_size, hidden_size, forget_bias=1.0, input_bias=0.0, init="xavier_normal",
                 recurrent_init="orthogonal", seed=0):
        rng = np.random.default_rng(seed)
        H = hidden_size
        self.Wx = init_weights(init, input_size, 4 * H, rng)
        self.Wh = np.concatenate([init_weights(recurrent_init, H, H, rng) for _ in range(4)], axis=1)
        self.b = np.zeros(4 * H)
        self.b[:H], self.b[H:2 * H] = input_bias, forget_bias
        self.dWx, self.dWh, self.db = np.zeros_like(self.Wx), np.zeros_like(self.Wh), np.zeros_like(self.b)
        self.cache = None

    def forward(self, x):
        x = _check_input(x, self.Wx.shape[0], "LSTM")
        n, steps, _ = x.shape
        H = self.Wh.shape[0]
        h, c = np.zeros((n, steps + 1, H)), np.zeros((n, steps + 1, H))
        gates = np.zeros((n, steps, 4 * H))  # i, f, o after sigmoid; g after tanh
        for t in range(steps):
            z = x[:, t] @ self.Wx + h[:, t] @ self.Wh + self.b
            gates[:, t, :3 * H] = sigmoid(z[:, :3 * H])
            gates[:, t, 3 * H:] = tanh(z[:, 3 * H:])
            i, f, o, g = np.split(gates[:, t], 4, axis=1)
            c[:, t + 1] = f * c[:, t] + i * g
            h[:, t + 1] = o * tanh(c[:, t + 1])
        self.cache = (x, h, c, gates)
        return h[:, 1:]

    def backward(self, dh):
        if self.cache is None:
            raise InputError("call forward before backward")
        x, h, c, gates = self.cache
        dh = _check_grad(dh, h[:, 1:].shape, "LSTM")
        self.dWx, self.dWh, self.db = np.zeros_like(self.Wx), np.zeros_like(self.Wh), np.zeros_like(self.b)
        dx = np.zeros_like(x)
        self.dh_total = np.zeros_like(dh)
        self.dc_total = np.zeros_like(dh)
        dh_next, dc_next = np.zeros_like(dh[:, 0]), np.zeros_like(dh[:, 0])
        for t in range(x.shape[1] - 1, -1, -1):
            i, f, o, g = np.split(gates[:, t], 4, axis=1)
            self.dh_total[:, t] = dh[:, t] + dh_next
            tc = tanh(c[:, t + 1])
            dc = dc_next + self.dh_total[:, t] * o * tanh_grad(c[:, t + 1])  # the constant error carousel: + f * ...
            self.dc_total[:, t] = dc
            dz = np.concatenate([dc * g * i * (1 - i),  # through i = sigma(z_i)
                                 dc * c[:, t] * f * (1 - f),  # through f
                                 self.dh_total[:, t] * tc * o * (1 - o),  # through o
                                 dc * i * (1 - g * g)], axis=1)  # through g = tanh(z_g)
            self.dWx += x[:, t].T @ dz
            self.dWh += h[:, t].T @ dz
            self.db += dz.sum(axis=0)
            dx[:, t] = dz @ self.Wx.T
            dh_next = dz @ self.Wh.T
            dc_next = dc * f  # dc_t/dc_{t-1} = f_t
        return dx


class GRU:
    """Gated recurrent unit (Cho et al. 2014). Wx: (D, 3H), Wh: (H, 3H), bx, bh: (3H,), blocks z, r, n.
    ``update_bias`` starts z's bias there: positive values favour keeping h."""

    params = ("Wx", "Wh", "bx", "bh")

    def __init__(self, input_size, hidden_size, update_bias=0.0, init="xavier_normal", recurrent_init="orthogonal",
                 seed=0):
        rng = np.random.default_rng(seed)
        H = hidden_size
        self.Wx = init_weights(init, input_size, 3 * H, rng)
        self.Wh = np.concatenate([init_weights(recurrent_init, H, H, rng) for _ in range(3)], axis=1)
        self.bx, self.bh = np.zeros(3 * H), np.zeros(3 * H)
        self.bx[:H] = update_bias
        self.dWx, self.dWh = np.zeros_like(self.Wx), np.zeros_like(self.Wh)
        self.dbx, self.dbh = np.zeros_like(self.bx), np.zeros_like(self.bh)
        self.cache = None

    def forward(self, x):
        x = _check_input(x, self.Wx.shape[0], "GRU")
        n, steps, _ = x.shape
        H = self.Wh.shape[0]
        h = np.zeros((n, steps + 1, H))
        keep = np.zeros((n, steps, 4 * H))  # z, r, n, and h_{t-1} Whn + bhn, all needed backward
        for t in range(steps):
            xz = x[:, t] @ self.Wx + self.bx
            hz = h[:, t] @ self.Wh + self.bh
            z = sigmoid(xz[:, :H] + hz[:, :H])
            r = sigmoid(xz[:, H:2 * H] + hz[:, H:2 * H])
            cand = tanh(xz[:, 2 * H:] + r * hz[:, 2 * H:])
            h[:, t + 1] = (1 - z) * cand + z * h[:, t]
            keep[:, t] = np.concatenate([z, r, cand, hz[:, 2 * H:]], axis=1)
        self.cache = (x, h, keep)
        return h[:, 1:]

    def backward(self, dh):
        if self.cache is None:
            raise InputError("call forward before backward")
        x, h, keep = self.cache
        dh = _check_grad(dh, h[:, 1:].shape, "GRU")
        H = self.Wh.shape[0]
        self.dWx, self.dWh = np.zeros_like(self.Wx), np.zeros_like(self.Wh)
        self.dbx, self.dbh = np.zeros_like(self.bx), np.zeros_like(self.bh)
        dx = np.zeros_like(x)
        self.dh_total = np.zeros_like(dh)
        carry = np.zeros_like(dh[:, 0])
        for t in range(x.shape[1] - 1, -1, -1):
            z, r, cand, hn = (keep[:, t, k * H:(k + 1) * H] for k in range(4))
            d = dh[:, t] + carry
            self.dh_total[:, t] = d
            d_cand = d * (1 - z) * (1 - cand * cand)  # through n = tanh(a_n)
            d_z = d * (h[:, t] - cand) * z * (1 - z)
            d_r = d_cand * hn * r * (1 - r)
            dxz = np.concatenate([d_z, d_r, d_cand], axis=1)  # gradient of x_t Wx + bx
            dhz = np.concatenate([d_z, d_r, d_cand * r], axis=1)  # gradient of h_{t-1} Wh + bh
            self.dWx += x[:, t].T @ dxz
            self.dbx += dxz.sum(axis=0)
            self.dWh += h[:, t].T @ dhz
            self.dbh += dhz.sum(axis=0)
            dx[:, t] = dxz @ self.Wx.T
            carry = d * z + dhz @ self.Wh.T
        return dx


def global_norm(grads):
    """sqrt(sum of every gradient's squared entries): the length of all gradients as one vector."""
    return float(np.sqrt(sum(np.sum(np.square(g)) for g in grads)))


def clip_by_norm(grads, max_norm):
    """Scale all gradients together so that their global norm is at most ``max_norm`` (Pascanu et al.
    2013). Returns (clipped gradients, the global norm before clipping); the direction is kept."""
    if not max_norm > 0:
        raise InputError(f"max_norm must be positive; got {max_norm}")
    norm = global_norm(grads)
    scale = max_norm / norm if norm > max_norm else 1.0
    return [g * scale for g in grads], norm


def clip_by_value(grads, limit):
    """Clip every entry of every gradient to [-limit, limit]; this changes the direction."""
    if not limit > 0:
        raise InputError(f"limit must be positive; got {limit}")
    return [np.clip(g, -limit, limit) for g in grads]
