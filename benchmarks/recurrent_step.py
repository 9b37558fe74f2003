"""The speed of vgrad's recurrent layers (forward and backward through time), measured against lean NumPy BPTT.

    .venv/bin/python benchmarks/recurrent_step.py [--cell rnn lstm gru] [--hidden 32 128] [--dtype ...] [--quick]

One step is ``forward(x)`` and ``backward(dh)`` of nn.RNN (tanh), nn.LSTM or nn.GRU over a sequence of
100 steps, batch 64, 16 inputs, hidden size 32 and 128, in float64 and float32: every hidden state out,
then dx and every parameter gradient back from a random dh for every step. The lean version (LeanRNN,
LeanLSTM, LeanGRU) does the same equations in plain NumPy: the input projections of all steps in one
product before the loop, time-major buffers, and the parameter gradients and dx in one product each after
the backward loop; it keeps none of vgrad's per-step diagnostics (dh_total, dc_total). It starts from a
copy of vgrad's weights; before timing, the outputs are checked to agree (relative 1e-10 in float64, 1e-4
in float32), and dx and all gradients too (1e-6, 1e-1: see GRAD_TOLERANCE in train_step.py), or the script
stops with an error (exit status 1).

vgrad's layers are built with ``dtype=``; where the constructor does not take it, float64 rows use the
default and float32 rows print "(float32 not supported by this version)". A row marked * is one where vgrad
took dtype= but returned h, dx or a gradient in another dtype (its timing is then not of that dtype).

BLAS runs on 2 threads; timing as in train_step.py: alternating rounds, median time per step, the ratio
vgrad / lean, and the worst ratio per cell and dtype at the end. The defaults take under a minute on a 2-core
machine, --quick about 10 s.
"""
import os

# Two BLAS threads, as in train_step.py: set before NumPy is imported, since BLAS reads them when it loads.
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_name] = "2"

import argparse  # noqa: E402
from functools import partial  # noqa: E402

import numpy as np  # noqa: E402

from train_step import (GRAD_TOLERANCE, TOLERANCE, fail, interleaved_medians,  # noqa: E402
                        limit_blas_threads, mismatch, print_footer, print_header, print_worst,
                        timing_settings)
from vgrad import nn  # noqa: E402

CELLS = ("rnn", "lstm", "gru")
NAMES = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}
HIDDEN = (32, 128)
DTYPES = ("float64", "float32")
BATCH, STEPS, INPUTS = 64, 100, 16
UNSUPPORTED = "(float32 not supported by this version)"


def _sigmoid(a):
    """1 / (1 + e^-a) in place; e^-a = inf (a < -709, float32 -88) gives 0, correctly."""
    with np.errstate(over="ignore"):
        np.negative(a, out=a)
        np.exp(a, out=a)
    a += 1.0
    np.reciprocal(a, out=a)


class _Lean:
    """Shared by the lean cells: weights copied in, and the products done once for the whole sequence."""

    def __init__(self, layer, dtype):
        self.dtype = np.dtype(dtype)
        for name in layer.params:
            setattr(self, name, np.array(getattr(layer, name), dtype=self.dtype))
        self.cache = None

    def _input_projection(self, x, bias):
        """x (batch, T, D) -> time-major x (T, batch, D) and x_t Wx + bias for every t: (T, batch, k)."""
        xt = np.ascontiguousarray(np.asarray(x, dtype=self.dtype).transpose(1, 0, 2))
        steps, n, d = xt.shape
        xz = xt.reshape(steps * n, d) @ self.Wx
        xz += bias
        return xt, xz.reshape(steps, n, -1)

    def _finish(self, xt, h_prev, dxz, dhz=None):
        """dWx, dWh (and the bias gradients) and dx from all steps' gradients of the pre-activations at once."""
        steps, n, d = xt.shape
        dxz2 = dxz.reshape(steps * n, -1)
        dhz2 = dxz2 if dhz is None else dhz.reshape(steps * n, -1)
        self.dWx = xt.reshape(steps * n, d).T @ dxz2
        self.dWh = h_prev.reshape(steps * n, -1).T @ dhz2
        dx = (dxz2 @ self.Wx.T).reshape(steps, n, d).transpose(1, 0, 2)
        return dx, dxz2.sum(axis=0), dhz2.sum(axis=0)


class LeanRNN(_Lean):
    """h_t = tanh(x_t Wx + h_{t-1} Wh + b)."""

    def forward(self, x):
        xt, xz = self._input_projection(x, self.b)
        steps, n, _ = xz.shape
        hs = np.empty((steps + 1, n, self.Wh.shape[0]), dtype=self.dtype)  # hs[0] = h_0 = 0
        hs[0] = 0.0
        Wh = self.Wh
        for t in range(steps):
            h = hs[t + 1]
            np.matmul(hs[t], Wh, out=h)
            h += xz[t]
            np.tanh(h, out=h)
        self.cache = (xt, hs)
        return hs[1:].transpose(1, 0, 2)

    def backward(self, dh):
        xt, hs = self.cache
        steps = xt.shape[0]
        das = np.empty_like(hs[1:])
        carry = np.zeros_like(hs[0])
        WhT = self.Wh.T
        for t in range(steps - 1, -1, -1):
            da, h = das[t], hs[t + 1]
            np.multiply(h, h, out=da)  # tanh' = 1 - h^2
            np.subtract(1.0, da, out=da)
            carry += dh[:, t]
            da *= carry
            carry = da @ WhT
        dx, self.db, _ = self._finish(xt, hs[:-1], das)
        return dx


class LeanLSTM(_Lean):
    """Gates i, f, o = sigma(.), g = tanh(.) of x_t Wx + h_{t-1} Wh + b; c_t = f c_{t-1} + i g; h_t = o tanh(c_t)."""

    def forward(self, x):
        xt, xz = self._input_projection(x, self.b)
        steps, n, _ = xz.shape
        H = self.Wh.shape[0]
        hs = np.empty((steps + 1, n, H), dtype=self.dtype)
        cs = np.empty((steps + 1, n, H), dtype=self.dtype)
        hs[0], cs[0] = 0.0, 0.0
        gates = np.empty((steps, n, 4 * H), dtype=self.dtype)
        tcs = np.empty((steps, n, H), dtype=self.dtype)  # tanh(c_t), kept for backward
        Wh = self.Wh
        for t in range(steps):
            z = gates[t]
            np.matmul(hs[t], Wh, out=z)
            z += xz[t]
            _sigmoid(z[:, :3 * H])
            np.tanh(z[:, 3 * H:], out=z[:, 3 * H:])
            i, f, o, g = z[:, :H], z[:, H:2 * H], z[:, 2 * H:3 * H], z[:, 3 * H:]
            c, tc = cs[t + 1], tcs[t]
            np.multiply(f, cs[t], out=c)
            c += i * g
            np.tanh(c, out=tc)
            np.multiply(o, tc, out=hs[t + 1])
        self.cache = (xt, hs, cs, gates, tcs)
        return hs[1:].transpose(1, 0, 2)

    def backward(self, dh):
        xt, hs, cs, gates, tcs = self.cache
        steps, n, _ = xt.shape
        H = self.Wh.shape[0]
        dzs = np.empty_like(gates)
        dh_next = np.zeros((n, H), dtype=self.dtype)
        dc_next = np.zeros((n, H), dtype=self.dtype)
        WhT = self.Wh.T
        for t in range(steps - 1, -1, -1):
            gate, tc, dz = gates[t], tcs[t], dzs[t]
            i, f, o, g = gate[:, :H], gate[:, H:2 * H], gate[:, 2 * H:3 * H], gate[:, 3 * H:]
            d = dh_next
            d += dh[:, t]  # the full gradient reaching h_t
            dc = tc * tc  # dc = dc_next + d o tanh'(c_t)
            np.subtract(1.0, dc, out=dc)
            dc *= o
            dc *= d
            dc += dc_next
            np.multiply(dc, g, out=dz[:, :H])  # then times sigma' for i, f, o at once
            np.multiply(dc, cs[t], out=dz[:, H:2 * H])
            np.multiply(d, tc, out=dz[:, 2 * H:3 * H])
            ifo = gate[:, :3 * H]
            dz[:, :3 * H] *= ifo
            dz[:, :3 * H] *= 1.0 - ifo
            dg = dz[:, 3 * H:]  # dc i tanh'(z_g) = dc i (1 - g^2)
            np.multiply(g, g, out=dg)
            np.subtract(1.0, dg, out=dg)
            dg *= i
            dg *= dc
            dh_next = dz @ WhT
            dc *= f
            dc_next = dc
        dx, self.db, _ = self._finish(xt, hs[:-1], dzs)
        return dx


class LeanGRU(_Lean):
    """z, r = sigma(.), n = tanh(x_t Wxn + bxn + r (h_{t-1} Whn + bhn)), h_t = (1 - z) n + z h_{t-1}."""

    def forward(self, x):
        xt, xz = self._input_projection(x, self.bx)
        steps, n, _ = xz.shape
        H = self.Wh.shape[0]
        hs = np.empty((steps + 1, n, H), dtype=self.dtype)
        hs[0] = 0.0
        hzs = np.empty((steps, n, 3 * H), dtype=self.dtype)  # h_{t-1} Wh + bh: its n block is needed backward
        zrs = np.empty((steps, n, 2 * H), dtype=self.dtype)
        cands = np.empty((steps, n, H), dtype=self.dtype)
        Wh, bh = self.Wh, self.bh
        for t in range(steps):
            hz, zr, cand, h = hzs[t], zrs[t], cands[t], hs[t + 1]
            np.matmul(hs[t], Wh, out=hz)
            hz += bh
            np.add(xz[t, :, :2 * H], hz[:, :2 * H], out=zr)
            _sigmoid(zr)
            z, r = zr[:, :H], zr[:, H:]
            np.multiply(r, hz[:, 2 * H:], out=cand)
            cand += xz[t, :, 2 * H:]
            np.tanh(cand, out=cand)
            np.subtract(hs[t], cand, out=h)  # (1 - z) n + z h_{t-1} = n + z (h_{t-1} - n)
            h *= z
            h += cand
        self.cache = (xt, hs, hzs, zrs, cands)
        return hs[1:].transpose(1, 0, 2)

    def backward(self, dh):
        xt, hs, hzs, zrs, cands = self.cache
        steps, n, _ = xt.shape
        H = self.Wh.shape[0]
        dxzs = np.empty_like(hzs)  # gradient of x_t Wx + bx
        dhzs = np.empty_like(hzs)  # gradient of h_{t-1} Wh + bh
        carry = np.zeros((n, H), dtype=self.dtype)
        WhT = self.Wh.T
        for t in range(steps - 1, -1, -1):
            zr, cand, dxz, dhz = zrs[t], cands[t], dxzs[t], dhzs[t]
            z, r = zr[:, :H], zr[:, H:]
            d = carry
            d += dh[:, t]
            one_minus_z = 1.0 - z
            d_cand = dxz[:, 2 * H:]  # d (1 - z) (1 - n^2)
            np.multiply(cand, cand, out=d_cand)
            np.subtract(1.0, d_cand, out=d_cand)
            d_cand *= d
            d_cand *= one_minus_z
            d_z = dxz[:, :H]  # d (h_{t-1} - n) z (1 - z)
            np.subtract(hs[t], cand, out=d_z)
            d_z *= d
            d_z *= z
            d_z *= one_minus_z
            d_r = dxz[:, H:2 * H]  # d_cand (h_{t-1} Whn + bhn) r (1 - r)
            np.multiply(d_cand, hzs[t, :, 2 * H:], out=d_r)
            d_r *= r
            d_r *= 1.0 - r
            dhz[:, :2 * H] = dxz[:, :2 * H]
            np.multiply(d_cand, r, out=dhz[:, 2 * H:])
            carry = dhz @ WhT
            d *= z
            carry += d
        dx, self.dbx, self.dbh = self._finish(xt, hs[:-1], dxzs, dhzs)
        return dx


LEAN = {"rnn": LeanRNN, "lstm": LeanLSTM, "gru": LeanGRU}


def make_vgrad(cell, hidden, dtype):
    """vgrad's layer, or None where its constructor takes no dtype= and dtype is not its default float64."""
    cls = getattr(nn, NAMES[cell])
    kwargs = {"activation": "tanh"} if cell == "rnn" else {}
    try:
        return cls(INPUTS, hidden, seed=0, dtype=np.dtype(dtype), **kwargs)
    except TypeError:
        if dtype != "float64":
            return None
        return cls(INPUTS, hidden, seed=0, **kwargs)


def make_data(hidden, dtype):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((BATCH, STEPS, INPUTS)).astype(dtype)
    dh = rng.standard_normal((BATCH, STEPS, hidden)).astype(dtype)
    return x, dh


def forward_backward(layer, x, dh):
    """The step timed: every hidden state forward, dx and the parameter gradients backward."""
    layer.forward(x)
    layer.backward(dh)


def gradient_names(layer):
    return ["d" + name for name in layer.params]


def check_recurrent(cell, dtype, layer, lean, x, dh):
    """One forward and backward of each from the same weights; stop the script if anything differs."""
    tol, grad_tol = TOLERANCE[dtype], GRAD_TOLERANCE[dtype]
    problems = []
    pairs = [("h", layer.forward(x), lean.forward(x)), ("dx", layer.backward(dh), lean.backward(dh))]
    pairs += [(g, getattr(layer, g), getattr(lean, g)) for g in gradient_names(layer)]
    for what, theirs, mine in pairs:
        problem = mismatch(mine, theirs, tol if what == "h" else grad_tol)
        if problem:
            problems.append((what, problem))
    if problems:
        fail(f"{NAMES[cell]} {dtype} hidden {layer.Wh.shape[0]}", problems)
    return [what for what, theirs, _ in pairs if np.asarray(theirs).dtype != np.dtype(dtype)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cell", nargs="+", choices=CELLS, default=list(CELLS))
    parser.add_argument("--hidden", nargs="+", type=int, default=list(HIDDEN))
    parser.add_argument("--dtype", nargs="+", choices=DTYPES, default=list(DTYPES))
    parser.add_argument("--quick", action="store_true", help="fewer and shorter rounds: about 10 s")
    args = parser.parse_args()
    threads = limit_blas_threads()
    rounds, budget = timing_settings(args.quick)
    start = print_header(f"Recurrent layer, forward + backward over {STEPS} steps, batch {BATCH}, {INPUTS} inputs:"
                         " vgrad against lean NumPy BPTT", rounds, budget, threads)
    print(f"{'cell':<10} {'dtype':<8} {'hidden':>7} {'vgrad ms/step':>14} {'lean ms/step':>13} {'ratio':>7}",
          flush=True)
    results, notes = [], []
    for cell in args.cell:
        for dtype in args.dtype:
            for hidden in args.hidden:
                row = f"{NAMES[cell]:<10} {dtype:<8} {hidden:7d}"
                layer = make_vgrad(cell, hidden, dtype)
                if layer is None:
                    print(f"{row}   {UNSUPPORTED}", flush=True)
                    continue
                x, dh = make_data(hidden, dtype)
                lean = LEAN[cell](layer, dtype)
                wrong_dtype = check_recurrent(cell, dtype, layer, lean, x, dh)
                mark = ""
                if wrong_dtype:
                    mark = " *"
                    notes.append(f"* {NAMES[cell]} {dtype} hidden {hidden}: vgrad returned "
                                 f"{', '.join(wrong_dtype)} in another dtype than {dtype}")
                vgrad_s, lean_s = interleaved_medians(
                    [partial(forward_backward, layer, x, dh), partial(forward_backward, lean, x, dh)], rounds, budget)
                results.append((NAMES[cell], dtype, f"hidden {hidden}", vgrad_s / lean_s))
                print(f"{row} {1e3 * vgrad_s:14.3f} {1e3 * lean_s:13.3f} {vgrad_s / lean_s:6.2f}x{mark}",
                      flush=True)
    for note in notes:
        print(note)
    print_worst(results, [NAMES[c] for c in args.cell], "cell", args.dtype, "lean")
    print_footer(start)


if __name__ == "__main__":
    main()
