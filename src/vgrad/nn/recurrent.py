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
import math

import numpy as np

from ..errors import InputError
from .activations import get_activation, sigmoid, tanh_grad_from
from .init import float_dtype, init_weights


def _time_major(a):
    """(batch, T, ...) -> (T, batch, ...) as a view (the transpose of a transposed view is contiguous)."""
    return a.transpose(1, 0, *range(2, a.ndim))


def _check_input(x, features, name, dtype):
    x = np.asarray(x, dtype=dtype)
    if x.ndim != 3 or x.shape[2] != features:
        raise InputError(f"{name} expects input of shape (batch, time, {features}); got {x.shape}")
    return x


def _check_grad(dh, shape, name, dtype):
    dh = np.asarray(dh, dtype=dtype)
    if dh.shape != shape:
        raise InputError(f"{name} expects dh of shape {shape} (one gradient per hidden state); got {dh.shape}")
    return dh


def _weights(layer, input_size, hidden_size, blocks, init, recurrent_init, seed, dtype):
    """Wx: (D, blocks H) and Wh: (H, blocks H), one recurrent_init matrix per block, in ``dtype``."""
    rng = np.random.default_rng(seed)
    layer.Wx = init_weights(init, input_size, blocks * hidden_size, rng, dtype)
    layer.Wh = np.concatenate([init_weights(recurrent_init, hidden_size, hidden_size, rng, dtype)
                               for _ in range(blocks)], axis=1)


def _steps_like(a):
    """An uninitialised (T, batch, H) array like ``a``, contiguous time first whatever a's layout: each step's
    slice is then one block of memory, which the loop over steps reads and writes several times."""
    return np.empty(a.shape, dtype=a.dtype)


def _input_side(layer, x, bias):
    """x (batch, T, D) -> x_t Wx + bias for every step, (T, batch, k), in one product; keeps x time-major
    (contiguous) in ``layer._xt`` for the backward pass's own products."""
    layer._xt = xt = np.ascontiguousarray(_time_major(x))
    z = (xt.reshape(-1, xt.shape[2]) @ layer.Wx).reshape(xt.shape[0], xt.shape[1], -1)
    z += bias
    return z


def _transposed(W):
    """W^T as a contiguous copy: the backward pass multiplies by it at every step, and a product with a
    transposed view is slower (9.0 against 5.8 us for one step of a 32-unit LSTM in float32)."""
    return np.ascontiguousarray(W.T)


def _summed(inputs, dZ):
    """sum_t inputs_t^T dZ_t, the gradient of a weight matrix used at every step, as one matrix product.
    inputs: (T, batch, m), dZ: (T, batch, k) -> (m, k)."""
    return inputs.reshape(-1, inputs.shape[2]).T @ dZ.reshape(-1, dZ.shape[2])


class RNN:
    """A vanilla recurrent layer. Wx: (D, H), Wh: (H, H), b: (H,), all of ``dtype``.

    After ``forward``, ``cache = (x, h, a)``: the input, the hidden states h_0 .. h_T (batch, T + 1, H)
    and the pre-activations a_1 .. a_T (batch, T, H).
    """

    params = ("Wx", "Wh", "b")

    def __init__(self, input_size, hidden_size, activation="tanh", init="xavier_normal", recurrent_init="orthogonal",
                 seed=0, dtype=np.float64):
        self.act = get_activation(activation)
        dtype = float_dtype(dtype)
        _weights(self, input_size, hidden_size, 1, init, recurrent_init, seed, dtype)
        self.b = np.zeros(hidden_size, dtype=dtype)
        self.dWx, self.dWh, self.db = np.zeros_like(self.Wx), np.zeros_like(self.Wh), np.zeros_like(self.b)
        self.cache = None

    def forward(self, x):
        x = _check_input(x, self.Wx.shape[0], "RNN", self.Wx.dtype)
        n, steps, _ = x.shape
        H = self.Wh.shape[0]
        h = np.zeros((steps + 1, n, H), dtype=x.dtype)  # h[0] is h_0; time first, so h[t] is contiguous
        a = _input_side(self, x, self.b)  # x_t Wx + b; h_{t-1} Wh is added step by step
        for t in range(steps):
            a[t] += h[t] @ self.Wh
            h[t + 1] = self.act.f(a[t])
        self.cache = (x, _time_major(h), _time_major(a))
        return _time_major(h[1:])

    def backward(self, dh):
        if self.cache is None:
            raise InputError("call forward before backward")
        _, h, a = (_time_major(v) for v in self.cache)
        dh = _time_major(_check_grad(dh, _time_major(h[1:]).shape, "RNN", h.dtype))
        dh_total = _steps_like(dh)
        dA = np.asarray(self.act.grad(a, h[1:]), dtype=h.dtype)  # phi'(a_t) for every step; times dh_total below
        if np.may_share_memory(dA, a) or np.may_share_memory(dA, h):  # a derivative that returns its input
            dA = dA.copy()
        carry = np.zeros_like(dh[0])  # dLoss/dh_t arriving from step t+1
        WhT = _transposed(self.Wh)
        for t in range(len(dh) - 1, -1, -1):
            np.add(dh[t], carry, out=dh_total[t])
            dA[t] *= dh_total[t]  # dLoss/da_t
            np.matmul(dA[t], WhT, out=carry)
        self.dWx, self.dWh, self.db = _summed(self._xt, dA), _summed(h[:-1], dA), dA.sum(axis=(0, 1))
        self.dh_total = _time_major(dh_total)
        return _time_major(dA @ self.Wx.T)


class LSTM:
    """Long short-term memory (Hochreiter & Schmidhuber 1997, with the forget gate of Gers et al. 2000).

    Wx: (D, 4H), Wh: (H, 4H), b: (4H,), all of ``dtype``, gates in the order i, f, o, g. ``forget_bias``
    starts the forget gate's bias there (1 in Jozefowicz et al. 2015; about log(T) in the "chrono"
    initialisation of Tallec & Ollivier 2018); ``input_bias`` the input gate's.

    After ``forward``, ``cache = (x, h, c, gates)``: h_0 .. h_T and c_0 .. c_T (batch, T + 1, H), and the
    gates i, f, o, g of every step (batch, T, 4H).
    """

    params = ("Wx", "Wh", "b")

    def __init__(self, input_size, hidden_size, forget_bias=1.0, input_bias=0.0, init="xavier_normal",
                 recurrent_init="orthogonal", seed=0, dtype=np.float64):
        dtype = float_dtype(dtype)
        H = hidden_size
        _weights(self, input_size, H, 4, init, recurrent_init, seed, dtype)
        self.b = np.zeros(4 * H, dtype=dtype)
        self.b[:H], self.b[H:2 * H] = input_bias, forget_bias
        self.dWx, self.dWh, self.db = np.zeros_like(self.Wx), np.zeros_like(self.Wh), np.zeros_like(self.b)
        self.cache = None

    def forward(self, x):
        x = _check_input(x, self.Wx.shape[0], "LSTM", self.Wx.dtype)
        n, steps, _ = x.shape
        H = self.Wh.shape[0]
        h, c = np.zeros((2, steps + 1, n, H), dtype=x.dtype)  # time first: h[t], c[t] are contiguous
        tanh_c = np.empty((steps, n, H), dtype=x.dtype)
        gates = _input_side(self, x, self.b)  # x_t Wx + b for every step; becomes i, f, o, g step by step
        a = np.empty((n, 4 * H), dtype=x.dtype)  # one step's pre-activations
        for t in range(steps):
            np.matmul(h[t], self.Wh, out=a)
            a += gates[t]
            sigmoid(a, out=gates[t])  # all four blocks in one contiguous pass (faster than three columns of
            np.tanh(a[:, 3 * H:], out=gates[t, :, 3 * H:])  # blocks); then g, the fourth, is replaced by tanh
            i, f, o, g = (gates[t, :, k * H:(k + 1) * H] for k in range(4))
            np.multiply(f, c[t], out=c[t + 1])
            c[t + 1] += i * g
            np.tanh(c[t + 1], out=tanh_c[t])
            np.multiply(o, tanh_c[t], out=h[t + 1])
        self.cache = (x, _time_major(h), _time_major(c), _time_major(gates))
        self._tanh_c = tanh_c
        return _time_major(h[1:])

    def backward(self, dh):
        if self.cache is None:
            raise InputError("call forward before backward")
        _, h, c, gates = (_time_major(v) for v in self.cache)
        H = h.shape[2]
        dh = _time_major(_check_grad(dh, _time_major(h[1:]).shape, "LSTM", h.dtype))
        dh_total, dc_total = _steps_like(dh), _steps_like(dh)
        i, f, o, g = (gates[:, :, k * H:(k + 1) * H] for k in range(4))  # every step's gates
        # Everything in dLoss/d(pre-activations) except the gradient arriving from above, for every step at
        # once: the local derivative (sigma' = s (1 - s) for i, f, o; tanh' = 1 - g^2 for g) times what the
        # gate multiplies in the forward pass (c_t = f c_{t-1} + i g, h_t = o tanh(c_t)). The loop below
        # then multiplies each block by the gradient reaching it: dL/dc_t for i, f, g, dL/dh_t for o.
        dZ = 1 - gates
        dZ *= gates  # in place: each fresh temporary of this size costs more than the arithmetic
        np.multiply(g, g, out=dZ[:, :, 3 * H:])
        np.subtract(1, dZ[:, :, 3 * H:], out=dZ[:, :, 3 * H:])
        for k, times in enumerate((g, c[:-1], self._tanh_c, i)):
            dZ[:, :, k * H:(k + 1) * H] *= times
        to_c = tanh_grad_from(c[1:], self._tanh_c)
        to_c *= o  # dh_t -> dc_t: o tanh'(c_t)
        dh_next, dc_next = np.zeros_like(dh[0]), np.zeros_like(dh[0])
        WhT = _transposed(self.Wh)
        for t in range(len(dh) - 1, -1, -1):
            dht = np.add(dh[t], dh_next, out=dh_total[t])
            dc = np.multiply(dht, to_c[t], out=dc_total[t])
            dc += dc_next  # the carousel: f_{t+1} dL/dc_{t+1}
            dz = dZ[t].reshape(-1, 4, H)  # a view: the blocks i, f, o, g side by side
            dz[:, :2] *= dc[:, None]
            dz[:, 2] *= dht
            dz[:, 3] *= dc
            np.matmul(dZ[t], WhT, out=dh_next)
            np.multiply(dc, f[t], out=dc_next)  # dc_t/dc_{t-1} = f_t
        self.dWx, self.dWh, self.db = _summed(self._xt, dZ), _summed(h[:-1], dZ), dZ.sum(axis=(0, 1))
        self.dh_total, self.dc_total = _time_major(dh_total), _time_major(dc_total)
        return _time_major(dZ @ self.Wx.T)


class GRU:
    """Gated recurrent unit (Cho et al. 2014). Wx: (D, 3H), Wh: (H, 3H), bx, bh: (3H,), all of ``dtype``,
    blocks z, r, n. ``update_bias`` starts z's bias there: positive values favour keeping h.

    After ``forward``, ``cache = (x, h, zr, cand, hz)``: h_0 .. h_T (batch, T + 1, H), and for every
    step z and r (batch, T, 2H), the candidate n (batch, T, H) and h_{t-1} Wh + bh (batch, T, 3H).
    """

    params = ("Wx", "Wh", "bx", "bh")

    def __init__(self, input_size, hidden_size, update_bias=0.0, init="xavier_normal", recurrent_init="orthogonal",
                 seed=0, dtype=np.float64):
        dtype = float_dtype(dtype)
        H = hidden_size
        _weights(self, input_size, H, 3, init, recurrent_init, seed, dtype)
        self.bx, self.bh = np.zeros(3 * H, dtype=dtype), np.zeros(3 * H, dtype=dtype)
        self.bx[:H] = update_bias
        self.dWx, self.dWh = np.zeros_like(self.Wx), np.zeros_like(self.Wh)
        self.dbx, self.dbh = np.zeros_like(self.bx), np.zeros_like(self.bh)
        self.cache = None

    def forward(self, x):
        x = _check_input(x, self.Wx.shape[0], "GRU", self.Wx.dtype)
        batch, steps, _ = x.shape
        H = self.Wh.shape[0]
        h = np.zeros((steps + 1, batch, H), dtype=x.dtype)
        xz = _input_side(self, x, self.bx)  # x_t Wx + bx for every step
        # what backward needs, every step's contiguous (time first): z and r, the candidate n, h_{t-1} Wh + bh
        zr = np.empty((steps, batch, 2 * H), dtype=x.dtype)
        cand = np.empty((steps, batch, H), dtype=x.dtype)
        hz = np.empty((steps, batch, 3 * H), dtype=x.dtype)
        for t in range(steps):
            np.matmul(h[t], self.Wh, out=hz[t])
            hz[t] += self.bh
            np.add(xz[t, :, :2 * H], hz[t, :, :2 * H], out=zr[t])
            sigmoid(zr[t], out=zr[t])
            z, r, n = zr[t, :, :H], zr[t, :, H:], cand[t]
            np.multiply(r, hz[t, :, 2 * H:], out=n)  # n = tanh(x_t Wxn + bxn + r (h_{t-1} Whn + bhn))
            n += xz[t, :, 2 * H:]
            np.tanh(n, out=n)
            np.subtract(h[t], n, out=h[t + 1])  # (1 - z) * n + z * h_{t-1} = n + z (h_{t-1} - n)
            h[t + 1] *= z
            h[t + 1] += n
        self.cache = tuple(_time_major(v) for v in (x, h, zr, cand, hz))
        return _time_major(h[1:])

    def backward(self, dh):
        if self.cache is None:
            raise InputError("call forward before backward")
        _, h, zr, cand, hz = (_time_major(v) for v in self.cache)
        dh = _time_major(_check_grad(dh, _time_major(h[1:]).shape, "GRU", h.dtype))
        H = h.shape[2]
        z, r, hn = zr[:, :, :H], zr[:, :, H:], hz[:, :, 2 * H:]  # of every step
        # The gradients of each block's pre-activation, from the x side (x_t Wx + bx) and the h side
        # (h_{t-1} Wh + bh: the same, except that r multiplies the n block). First, for every step at once,
        # all of each except the gradient reaching h_t, which the loop below multiplies in:
        dXZ, dHZ = np.empty_like(hz), np.empty_like(hz)
        one_minus_z = 1 - z
        d_z, d_r, d_n = (dXZ[:, :, k * H:(k + 1) * H] for k in range(3))
        np.multiply(cand, cand, out=d_n)  # n = tanh(a_n): (1 - n^2) (1 - z)
        np.subtract(1, d_n, out=d_n)
        d_n *= one_minus_z
        np.subtract(h[:-1], cand, out=d_z)  # h_t = n + z (h_{t-1} - n): (h_{t-1} - n) z (1 - z)
        d_z *= z
        d_z *= one_minus_z
        np.multiply(d_n, hn, out=d_r)  # r, inside a_n = ... + r (h_{t-1} Whn + bhn): d_n hn r (1 - r)
        d_r *= r
        d_r *= 1 - r
        dHZ[:, :, :2 * H] = dXZ[:, :, :2 * H]
        np.multiply(d_n, r, out=dHZ[:, :, 2 * H:])
        dh_total = _steps_like(dh)
        WhT = _transposed(self.Wh)
        carry, direct = np.zeros_like(dh[0]), np.empty_like(dh[0])
        for t in range(len(dh) - 1, -1, -1):
            d = np.add(dh[t], carry, out=dh_total[t])
            for grads in (dXZ[t], dHZ[t]):
                blocks = grads.reshape(-1, 3, H)  # a view: the blocks z, r, n side by side
                blocks *= d[:, None]
            np.matmul(dHZ[t], WhT, out=carry)
            carry += np.multiply(d, z[t], out=direct)  # and the direct path: dh_t/dh_{t-1} includes z_t
        self.dWx, self.dbx = _summed(self._xt, dXZ), dXZ.sum(axis=(0, 1))
        self.dWh, self.dbh = _summed(h[:-1], dHZ), dHZ.sum(axis=(0, 1))
        self.dh_total = _time_major(dh_total)
        return _time_major(dXZ @ self.Wx.T)


def global_norm(grads):
    """sqrt(sum of every gradient's squared entries): the length of all gradients as one vector, summed in
    float64 (float16's squares overflow from 256)."""
    return math.sqrt(sum(float(np.sum(np.square(np.asarray(g, dtype=np.float64)))) for g in grads))


def clip_by_norm(grads, max_norm):
    """Scale all gradients together so that their global norm is at most ``max_norm`` (Pascanu et al.
    2013). Returns (clipped gradients, the global norm before clipping); the direction is kept."""
    if not max_norm > 0:
        raise InputError(f"max_norm must be positive; got {max_norm}")
    max_norm = float(max_norm)  # a Python number keeps every gradient's dtype
    norm = global_norm(grads)
    scale = max_norm / norm if norm > max_norm else 1.0
    return [g * scale for g in grads], norm


def clip_by_value(grads, limit):
    """Clip every entry of every gradient to [-limit, limit]; this changes the direction."""
    if not limit > 0:
        raise InputError(f"limit must be positive; got {limit}")
    limit = float(limit)
    return [np.clip(g, -limit, limit) for g in grads]
