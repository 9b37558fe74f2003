"""The speed of vgrad's MLP training step, measured against a lean hand-written NumPy step doing the same maths.

    .venv/bin/python benchmarks/train_step.py [--act sigmoid tanh relu gelu] [--dtype float64 float32] [--quick]

One step is forward, mse loss, backward and SGD with momentum (lr 1e-3, momentum 0.9) over
``net.trainable``, for nn.MLP([width] * (depth + 1)) (depth Dense layers, the last one linear) with each
activation, at (batch, width, depth) = (128, 64, 10), (64, 32, 30), (256, 256, 10), (256, 512, 10), in
float64 and float32. The lean step (class LeanMLP) starts from a copy of vgrad's weights; before timing,
one step of each is checked to give the same loss and new weights (relative 1e-10 in float64, 1e-4 in
float32) and the same updates (1e-6, 1e-1: see GRAD_TOLERANCE), or the script stops with an error (exit
status 1).

BLAS runs on 2 threads. vgrad and lean are timed in alternating rounds, each round a block of steps, so
that drifting machine load hits both alike; prints the median over rounds of the time per step, the
ratio vgrad / lean, then the worst ratio per activation and dtype, and how busy other processes kept the
machine meanwhile: threaded BLAS slows down badly when a core is taken, so run it on an idle machine. The
defaults take about 80 s on a 2-core machine, --quick about 25 s.
"""
import os

# Two BLAS threads, as on the course's 2-core laptop, whatever cores this machine has. BLAS reads these
# only when it is loaded, so they are set before NumPy is imported (threadpoolctl, where it is installed,
# also limits the pool after import: see limit_blas_threads).
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_name] = "2"

import argparse  # noqa: E402
import gc  # noqa: E402
import math  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from functools import partial  # noqa: E402

import numpy as np  # noqa: E402
from scipy.special import ndtr  # noqa: E402

from vgrad import nn  # noqa: E402

BLAS_THREADS = 2
ACTIVATIONS = ("sigmoid", "tanh", "relu", "gelu")
SHAPES = ((128, 64, 10), (64, 32, 30), (256, 256, 10), (256, 512, 10))  # (batch, width, depth)
DTYPES = ("float64", "float32")
TOLERANCE = {"float64": 1e-10, "float32": 1e-4}  # losses, new weights, outputs: relative to the largest entry
# Gradients and updates: their rounding depends on the order of summation, which differs between
# implementations and BLAS libraries, and cancellation amplifies it where gradients vanish (the first layers
# of a deep sigmoid net: seen 1e-9 in float64 and 3e-2 in float32 between vgrad and PyTorch). A mistake in
# the maths shows as a difference of order 1.
GRAD_TOLERANCE = {"float64": 1e-6, "float32": 1e-1}
LR, MOMENTUM = 1e-3, 0.9
INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def limit_blas_threads():
    """Keep BLAS at BLAS_THREADS threads with threadpoolctl where it is installed; a description for the header."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return f"{BLAS_THREADS} (OPENBLAS/OMP/MKL_NUM_THREADS; threadpoolctl not installed)"
    limit_blas_threads.keep = threadpool_limits(limits=BLAS_THREADS, user_api="blas")
    return f"{BLAS_THREADS} (threadpoolctl)"


# --- the lean step ------------------------------------------------------------------------------------
# Each activation is a pair: forward(a) overwrites the pre-activation a with h = f(a) and returns (h, what
# the derivative needs); backward(g, kept) multiplies g = dLoss/dh by f'(a) in place.

def _sigmoid_forward(a):
    np.negative(a, out=a)  # 1 / (1 + e^-a), in place; e^-a = inf for a < -709 (float32: -88) gives 0, correctly
    np.exp(a, out=a)
    a += 1.0
    np.reciprocal(a, out=a)
    return a, a


def _sigmoid_backward(g, h):  # sigma' = h (1 - h)
    g *= h
    g *= 1.0 - h


def _tanh_forward(a):
    np.tanh(a, out=a)
    return a, a


def _tanh_backward(g, h):  # tanh' = 1 - h^2
    t = h * h
    np.subtract(1.0, t, out=t)
    g *= t


def _relu_forward(a):
    np.maximum(a, 0.0, out=a)
    return a, a


def _relu_backward(g, h):  # 1 where a > 0, that is where h > 0
    np.multiply(g, h > 0, out=g)


def _gelu_forward(a):
    phi_cdf = ndtr(a)
    return a * phi_cdf, (a, phi_cdf)


def _gelu_backward(g, kept):  # Phi(a) + a phi(a), phi(a) = exp(-a^2 / 2) / sqrt(2 pi)
    a, phi_cdf = kept
    t = a * a
    t *= -0.5
    np.exp(t, out=t)
    t *= a
    t *= INV_SQRT_2PI
    t += phi_cdf
    g *= t


LEAN_ACTIVATIONS = {
    "sigmoid": (_sigmoid_forward, _sigmoid_backward),
    "tanh": (_tanh_forward, _tanh_backward),
    "relu": (_relu_forward, _relu_backward),
    "gelu": (_gelu_forward, _gelu_backward),
}


class LeanMLP:
    """The same network and SGD-with-momentum step as vgrad's, in plain NumPy: lists of W and b, in-place updates.

    ``step(x, y)`` does forward, mse, backward and the update, and returns the loss. Each layer's update
    is made as soon as its gradient is known (after the layer's weights have passed the gradient on). Like
    vgrad's ``backward`` it also computes the gradient with respect to the network's input (notebooks use
    it; a training loop alone would not need it): both sides do the same arithmetic.
    """

    def __init__(self, Ws, bs, activation, lr=LR, momentum=MOMENTUM):
        self.W = [np.array(w) for w in Ws]
        self.b = [np.array(b) for b in bs]
        self.vW = [np.zeros_like(w) for w in self.W]
        self.vb = [np.zeros_like(b) for b in self.b]
        self.forward_act, self.backward_act = LEAN_ACTIVATIONS[activation]
        # Python floats: NumPy keeps float32 arrays float32 when they scale them
        self.lr, self.momentum = float(lr), float(momentum)

    def step(self, x, y):
        W, b, last = self.W, self.b, len(self.W) - 1
        inputs, kept = [x], []
        h = x
        with np.errstate(over="ignore"):  # the sigmoid's e^-a may overflow to inf, which is harmless
            for layer in range(last):
                a = h @ W[layer]
                a += b[layer]
                h, keep = self.forward_act(a)
                inputs.append(h)
                kept.append(keep)
            out = h @ W[last]
            out += b[last]
        diff = out
        diff -= y
        flat = diff.ravel()
        loss = float(flat @ flat) / flat.size
        diff *= 2.0 / flat.size  # dLoss/dout
        d = diff
        lr, mu = self.lr, self.momentum
        for layer in range(last, -1, -1):
            dW = inputs[layer].T @ d
            db = d.sum(axis=0)
            g = d @ W[layer].T
            if layer:
                self.backward_act(g, kept[layer - 1])
            dW *= lr
            vW = self.vW[layer]
            vW *= mu
            vW -= dW
            W[layer] += vW
            db *= lr
            vb = self.vb[layer]
            vb *= mu
            vb -= db
            b[layer] += vb
            if layer:
                d = g
        return loss


# --- vgrad's step -------------------------------------------------------------------------------------

def make_vgrad(activation, width, depth, dtype):
    net = nn.MLP([width] * (depth + 1), activation=activation, init=nn.recommended_init(activation), seed=0,
                 dtype=dtype)
    return net, nn.SGD(lr=LR, momentum=MOMENTUM)


def vgrad_step(net, opt, x, y):
    loss, dout = nn.mse(net.forward(x), y)
    net.backward(dout)
    opt.step(net.trainable)
    return loss


def make_data(batch, width, dtype):
    rng = np.random.default_rng(0)
    return rng.standard_normal((batch, width)).astype(dtype), rng.standard_normal((batch, width)).astype(dtype)


# --- checking and timing, shared with recurrent_step.py and vs_torch.py ----------------------------------

def mismatch(got, want, tol):
    """None if ``got`` matches ``want`` (max |got - want| <= tol * max |want|), else a description."""
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    if got.shape != want.shape:
        return f"shape {got.shape} != {want.shape}"
    scale = float(np.max(np.abs(want))) if want.size else 0.0
    err = float(np.max(np.abs(got - want))) if want.size else 0.0
    if not np.isfinite(err) or err > tol * max(scale, np.finfo(np.float64).tiny):
        return f"max |difference| {err:.3g} against max |value| {scale:.3g} (allowed: relative {tol:g})"
    return None


def fail(label, problems):
    print(f"\nERROR: {label}: the two implementations disagree after one step:", file=sys.stderr)
    for what, problem in problems:
        print(f"  {what}: {problem}", file=sys.stderr)
    print("Timings would compare different computations; stopping.", file=sys.stderr)
    sys.exit(1)


def check_mlp(activation, dtype, net, opt, lean, x, y):
    """One step of each from the same weights; stop the script if loss, updates or new weights differ."""
    tol, grad_tol = TOLERANCE[dtype], GRAD_TOLERANCE[dtype]
    loss_v, loss_l = vgrad_step(net, opt, x, y), lean.step(x, y)
    problems = []
    if not abs(loss_v - loss_l) <= tol * abs(loss_v):
        problems.append(("loss", f"vgrad {loss_v!r}, lean {loss_l!r}"))
    for i, layer in enumerate(net.layers):
        for name, mine, velocity in (("W", lean.W[i], lean.vW[i]), ("b", lean.b[i], lean.vb[i])):
            theirs = getattr(layer, name)
            if theirs.dtype != np.dtype(dtype):
                problems.append((f"layer {i} {name}", f"vgrad's is {theirs.dtype}, not {dtype}"))
            # b starts at 0: after one step it is its update, and gets the gradients' tolerance
            checks = ((f"layer {i} new {name}", mine, theirs, tol if name == "W" else grad_tol),
                      (f"layer {i} update of {name}", velocity, opt.velocity[(i, name)], grad_tol))
            for what, got, want, allowed in checks:
                problem = mismatch(got, want, allowed)
                if problem:
                    problems.append((what, problem))
    if problems:
        fail(f"{activation} {dtype} {x.shape[0]}x{x.shape[1]}x{len(net.layers)}", problems)


def interleaved_medians(steps, rounds, budget, settle=0.0):
    """Median seconds per call of each function in ``steps``, timed in alternating rounds.

    Each round times every function over a block of calls (block sizes chosen so that all the rounds
    together take about ``budget`` seconds per function, at least one call per block), first to last in
    even rounds and last to first in odd ones. Garbage collection is off while timing, as in timeit.
    ``settle``: seconds of sleep before a block that follows another function's, for the thread pool that
    ran it to go idle (vs_torch.py: NumPy's BLAS threads and torch's spin on for a while after work).
    """
    per_call = []
    for step in steps:  # warm-up: caches, BLAS threads, allocator; the last two calls estimate the cost
        step()
        start = time.perf_counter()
        step()
        step()
        per_call.append((time.perf_counter() - start) / 2)
    blocks = [max(1, round(budget / rounds / max(cost, 1e-9))) for cost in per_call]
    times = [[] for _ in steps]
    last = len(steps) - 1
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for r in range(rounds):
            order = range(len(steps)) if r % 2 == 0 else range(len(steps) - 1, -1, -1)
            for i in order:
                if settle and i != last:
                    time.sleep(settle)
                step, block, last = steps[i], blocks[i], i
                start = time.perf_counter()
                for _ in range(block):
                    step()
                times[i].append((time.perf_counter() - start) / block)
    finally:
        if gc_was_enabled:
            gc.enable()
    return [statistics.median(t) for t in times]


def timing_settings(quick):
    """(rounds, seconds of timed steps per implementation and configuration)."""
    return (5, 0.15) if quick else (11, 1.0)


def _cpu_used_elsewhere():
    """CPU seconds used so far on this machine by everything but this process (Linux: /proc/stat), or None."""
    try:
        with open("/proc/stat") as f:
            ticks = [int(v) for v in f.readline().split()[1:9]]  # user nice system idle iowait irq softirq steal
        busy = (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None
    return busy - time.process_time()


def print_header(title, rounds, budget, threads):
    """Print what is measured and how; returns what ``print_footer`` needs."""
    print(title)
    print(f"NumPy {np.__version__}, BLAS threads {threads}; median over {rounds} interleaved rounds, "
          f"about {budget:g} s of steps per implementation and row\n", flush=True)
    return time.perf_counter(), _cpu_used_elsewhere()


def print_footer(start):
    """How busy other processes kept the machine during the run: they make threaded BLAS wait for a
    descheduled thread, and the figures come out too slow and scattered."""
    wall, other = time.perf_counter() - start[0], _cpu_used_elsewhere()
    print(f"\n{wall:.0f} s in all", end="")
    if other is None or start[1] is None:
        print(flush=True)
        return
    share = (other - start[1]) / wall
    print(f"; other processes used {share:.0%} of one core meanwhile ({os.cpu_count()} cores)", flush=True)
    if share > 0.1:
        print("WARNING: the machine was not idle, and 2-thread BLAS is very sensitive to that: figures can be "
              "several times too slow and far apart. Run again on an idle machine.", flush=True)


def print_worst(results, groups, group_name, columns, against):
    """results: (group, column, label, ratio) tuples; the worst ratio of each group and column."""
    print(f"\nworst ratio vgrad / {against} per {group_name} and dtype (at which shape)")
    print(f"{group_name:<10}" + "".join(f"  {c:>22}" for c in columns))
    for g in groups:
        cells = []
        for c in columns:
            rows = [(ratio, label) for gg, cc, label, ratio in results if gg == g and cc == c]
            if rows:
                ratio, label = max(rows)
                cells.append(f"{ratio:6.2f}x ({label})")
            else:
                cells.append("-")
        if any(cell != "-" for cell in cells):
            print(f"{g:<10}" + "".join(f"  {cell:>22}" for cell in cells))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--act", nargs="+", choices=ACTIVATIONS, default=list(ACTIVATIONS))
    parser.add_argument("--dtype", nargs="+", choices=DTYPES, default=list(DTYPES))
    parser.add_argument("--quick", action="store_true", help="fewer and shorter rounds: about 25 s")
    args = parser.parse_args()
    threads = limit_blas_threads()
    rounds, budget = timing_settings(args.quick)
    start = print_header("MLP train step (forward, mse, backward, SGD momentum): vgrad against lean NumPy",
                         rounds, budget, threads)
    print(f"{'activation':<10} {'dtype':<8} {'batch x width x depth':>21} {'vgrad ms/step':>14} "
          f"{'lean ms/step':>13} {'ratio':>7}", flush=True)
    results = []
    for activation in args.act:
        for dtype in args.dtype:
            for batch, width, depth in SHAPES:
                x, y = make_data(batch, width, dtype)
                net, opt = make_vgrad(activation, width, depth, dtype)
                lean = LeanMLP([layer.W for layer in net.layers], [layer.b for layer in net.layers], activation)
                check_mlp(activation, dtype, net, opt, lean, x, y)
                vgrad_s, lean_s = interleaved_medians(
                    [partial(vgrad_step, net, opt, x, y), partial(lean.step, x, y)], rounds, budget)
                label = f"{batch}x{width}x{depth}"
                results.append((activation, dtype, label, vgrad_s / lean_s))
                print(f"{activation:<10} {dtype:<8} {label:>21} {1e3 * vgrad_s:14.3f} {1e3 * lean_s:13.3f} "
                      f"{vgrad_s / lean_s:6.2f}x", flush=True)
    print_worst(results, args.act, "activation", args.dtype, "lean")
    print_footer(start)


if __name__ == "__main__":
    main()
