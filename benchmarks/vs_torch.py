"""vgrad beside PyTorch (CPU, eager) on the same training steps: how far vgrad is from a production library.

    .venv-torch/bin/python benchmarks/vs_torch.py [--part mlp recurrent] [--act ...] [--dtype ...] [--quick]

PyTorch lives in its own environment, made once (on this course's machines ``pip install torch==2.13.0``
takes a local CPU wheel):

    python3 -m venv .venv-torch && .venv-torch/bin/pip install torch==2.13.0 -e .

MLP part: the train steps of train_step.py (same activations, shapes, dtypes, data and vgrad code) beside
torch.nn.Linear layers with torch's activation modules (GELU exact, via erf), mse_loss, and
torch.optim.SGD(lr=1e-3, momentum=0.9). Recurrent part: the forward + backward steps of recurrent_step.py
beside torch.nn.RNN (tanh), LSTM and GRU with batch_first=True, with dx computed too. Every torch model
starts from vgrad's weights (gates reordered: torch's LSTM is i, f, g, o and its GRU r, z, n), and one
step of each is checked to agree before timing (losses, new weights and outputs to relative 1e-10 in
float64, 1e-4 in float32; gradients to 1e-6, 1e-1: see GRAD_TOLERANCE in train_step.py), or the script
stops with an error (exit status 1).

Both libraries get 2 threads (BLAS for NumPy, torch.set_num_threads(2)); timing as in train_step.py:
alternating rounds, median time per step, the ratio vgrad / torch, the worst ratio per row group and
dtype, with a pause at each switch of library for the other's threads to go idle (see SETTLE). Without
PyTorch it prints how to set it up and exits 0. The defaults take about 2 minutes on a 2-core machine,
--quick about 35 s.
"""
import os

# Two BLAS / OpenMP threads, as in train_step.py: set before NumPy (and torch) are imported.
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_name] = "2"
# After a product, OpenBLAS's threads spin for 2^28 cycles (about 0.1 s) before they sleep, and torch's
# OpenMP threads for a while too. Interleaved in one process on 2 cores, each library's spinning pool slowed
# the other's next block (torch's steps by up to 1.6x). 2^24 cycles (a few ms) left vgrad's own times
# unchanged (measured), and SETTLE seconds of sleep before each switch of library let both pools go idle.
os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "24")
SETTLE = 0.03

import argparse  # noqa: E402
import sys  # noqa: E402
from functools import partial  # noqa: E402

import numpy as np  # noqa: E402

import recurrent_step  # noqa: E402
import train_step  # noqa: E402
from train_step import (GRAD_TOLERANCE, LR, MOMENTUM, TOLERANCE, fail, interleaved_medians,  # noqa: E402
                        limit_blas_threads, mismatch, print_footer, print_header, print_worst,
                        timing_settings)

SETUP = """PyTorch is not installed in this environment ({error}).
It goes in an environment of its own; from the repository's root:

    python3 -m venv .venv-torch && .venv-torch/bin/pip install torch==2.13.0 -e .
    .venv-torch/bin/python benchmarks/vs_torch.py --quick

(on the course's machines `pip install torch==2.13.0` takes a local CPU wheel; elsewhere add
--index-url https://download.pytorch.org/whl/cpu to avoid the CUDA packages)"""

TORCH_THREADS = 2
# vgrad's gate blocks -> torch's: LSTM i, f, o, g -> i, f, g, o; GRU z, r, n -> r, z, n (each its own inverse)
GATE_ORDER = {"rnn": [0], "lstm": [0, 1, 3, 2], "gru": [1, 0, 2]}


def _reorder(a, cell, axis=-1):
    """Reorder the gate blocks of ``a`` along ``axis`` from vgrad's order to torch's, or back."""
    blocks = np.split(np.asarray(a), len(GATE_ORDER[cell]), axis=axis)
    return np.concatenate([blocks[k] for k in GATE_ORDER[cell]], axis=axis)


# --- MLP ---------------------------------------------------------------------------------------------

def make_torch_mlp(torch, net, activation):
    modules = {"sigmoid": torch.nn.Sigmoid, "tanh": torch.nn.Tanh, "relu": torch.nn.ReLU, "gelu": torch.nn.GELU}
    layers = []
    for i, layer in enumerate(net.layers):
        linear = torch.nn.Linear(*layer.W.shape, dtype=getattr(torch, str(layer.W.dtype)))
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(np.ascontiguousarray(layer.W.T)))
            linear.bias.copy_(torch.from_numpy(layer.b))
        layers.append(linear)
        if i < len(net.layers) - 1:
            layers.append(modules[activation]())
    model = torch.nn.Sequential(*layers)
    return model, torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)


def torch_mlp_step(torch, model, opt, x, y):
    opt.zero_grad()
    loss = torch.nn.functional.mse_loss(model(x), y)
    loss.backward()
    opt.step()
    return loss.item()


def check_mlp(torch, activation, dtype, net, opt, model, topt, x, y, tx, ty):
    tol, grad_tol = TOLERANCE[dtype], GRAD_TOLERANCE[dtype]
    linears = [m for m in model if isinstance(m, torch.nn.Linear)]
    loss_v = train_step.vgrad_step(net, opt, x, y)
    loss_t = torch_mlp_step(torch, model, topt, tx, ty)
    problems = []
    if not abs(loss_v - loss_t) <= tol * abs(loss_v):
        problems.append(("loss", f"vgrad {loss_v!r}, torch {loss_t!r}"))
    for i, (layer, linear) in enumerate(zip(net.layers, linears, strict=True)):
        for name, param in (("W", linear.weight), ("b", linear.bias)):
            new, grad = param.detach().numpy(), param.grad.numpy()
            if name == "W":  # torch's weight is (out, in)
                new, grad = new.T, grad.T
            # b starts at 0: after one step it is its update, and gets the gradients' tolerance
            for what, got, want, allowed in ((f"layer {i} new {name}", new, getattr(layer, name),
                                              tol if name == "W" else grad_tol),
                                             (f"layer {i} gradient of {name}", grad, getattr(layer, "d" + name),
                                              grad_tol)):
                problem = mismatch(got, want, allowed)
                if problem:
                    problems.append((what, problem))
    if problems:
        fail(f"MLP {activation} {dtype} {x.shape[0]}x{x.shape[1]}x{len(net.layers)} (vgrad against torch)", problems)


def run_mlp(torch, args, rounds, budget):
    print(f"MLP train step (forward, mse, backward, SGD momentum)\n"
          f"{'activation':<10} {'dtype':<8} {'batch x width x depth':>21} {'vgrad ms/step':>14} "
          f"{'torch ms/step':>14} {'ratio':>7}", flush=True)
    results = []
    for activation in args.act:
        for dtype in args.dtype:
            for batch, width, depth in train_step.SHAPES:
                x, y = train_step.make_data(batch, width, dtype)
                tx, ty = torch.from_numpy(x), torch.from_numpy(y)
                net, opt = train_step.make_vgrad(activation, width, depth, dtype)
                model, topt = make_torch_mlp(torch, net, activation)
                check_mlp(torch, activation, dtype, net, opt, model, topt, x, y, tx, ty)
                vgrad_s, torch_s = interleaved_medians(
                    [partial(train_step.vgrad_step, net, opt, x, y),
                     partial(torch_mlp_step, torch, model, topt, tx, ty)], rounds, budget, settle=SETTLE)
                label = f"{batch}x{width}x{depth}"
                results.append((activation, dtype, label, vgrad_s / torch_s))
                print(f"{activation:<10} {dtype:<8} {label:>21} {1e3 * vgrad_s:14.3f} {1e3 * torch_s:14.3f} "
                      f"{vgrad_s / torch_s:6.2f}x", flush=True)
    print_worst(results, args.act, "activation", args.dtype, "torch")


# --- recurrent ---------------------------------------------------------------------------------------

def make_torch_recurrent(torch, cell, layer, dtype):
    D, H = layer.Wx.shape[0], layer.Wh.shape[0]
    tdtype = getattr(torch, dtype)
    if cell == "rnn":
        module = torch.nn.RNN(D, H, nonlinearity="tanh", batch_first=True, dtype=tdtype)
    else:
        module = (torch.nn.LSTM if cell == "lstm" else torch.nn.GRU)(D, H, batch_first=True, dtype=tdtype)
    if cell == "gru":
        b_ih, b_hh = layer.bx, layer.bh
    else:  # vgrad has one bias; torch adds two
        b_ih, b_hh = layer.b, np.zeros_like(layer.b)
    with torch.no_grad():
        for name, value in (("weight_ih_l0", _reorder(layer.Wx, cell).T), ("weight_hh_l0", _reorder(layer.Wh, cell).T),
                            ("bias_ih_l0", _reorder(b_ih, cell)), ("bias_hh_l0", _reorder(b_hh, cell))):
            getattr(module, name).copy_(torch.from_numpy(np.ascontiguousarray(value, dtype=dtype)))
    return module


def torch_recurrent_step(module, tx, tdh):
    tx.grad = None
    module.zero_grad(set_to_none=True)
    out, _ = module(tx)
    out.backward(tdh)
    return out


def torch_gradients(cell, module):
    """torch's parameter gradients in vgrad's names, shapes and gate order."""
    grad = {name: getattr(module, name).grad.numpy() for name in
            ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0")}
    out = {"dWx": _reorder(grad["weight_ih_l0"].T, cell), "dWh": _reorder(grad["weight_hh_l0"].T, cell)}
    if cell == "gru":
        out["dbx"], out["dbh"] = _reorder(grad["bias_ih_l0"], cell), _reorder(grad["bias_hh_l0"], cell)
    else:
        out["db"] = _reorder(grad["bias_ih_l0"], cell)
    return out


def check_recurrent(torch, cell, dtype, layer, module, x, dh, tx, tdh):
    tol, grad_tol = TOLERANCE[dtype], GRAD_TOLERANCE[dtype]
    h = layer.forward(x)
    dx = layer.backward(dh)
    out = torch_recurrent_step(module, tx, tdh)
    pairs = [("h", out.detach().numpy(), h), ("dx", tx.grad.numpy(), dx)]
    grads = torch_gradients(cell, module)
    pairs += [(name, grads[name], getattr(layer, name)) for name in recurrent_step.gradient_names(layer)]
    problems = [(what, p) for what, mine, theirs in pairs
                if (p := mismatch(mine, theirs, tol if what == "h" else grad_tol))]
    if problems:
        fail(f"{recurrent_step.NAMES[cell]} {dtype} hidden {layer.Wh.shape[0]} (vgrad against torch)", problems)


def run_recurrent(torch, args, rounds, budget):
    print(f"\nRecurrent layer, forward + backward over {recurrent_step.STEPS} steps, batch {recurrent_step.BATCH}, "
          f"{recurrent_step.INPUTS} inputs\n"
          f"{'cell':<10} {'dtype':<8} {'hidden':>7} {'vgrad ms/step':>14} {'torch ms/step':>14} {'ratio':>7}",
          flush=True)
    results = []
    for cell in recurrent_step.CELLS:
        for dtype in args.dtype:
            for hidden in recurrent_step.HIDDEN:
                row = f"{recurrent_step.NAMES[cell]:<10} {dtype:<8} {hidden:7d}"
                layer = recurrent_step.make_vgrad(cell, hidden, dtype)
                if layer is None:
                    print(f"{row}   {recurrent_step.UNSUPPORTED}", flush=True)
                    continue
                x, dh = recurrent_step.make_data(hidden, dtype)
                tx, tdh = torch.from_numpy(x).requires_grad_(True), torch.from_numpy(dh)
                module = make_torch_recurrent(torch, cell, layer, dtype)
                check_recurrent(torch, cell, dtype, layer, module, x, dh, tx, tdh)
                vgrad_s, torch_s = interleaved_medians(
                    [partial(recurrent_step.forward_backward, layer, x, dh),
                     partial(torch_recurrent_step, module, tx, tdh)], rounds, budget, settle=SETTLE)
                results.append((recurrent_step.NAMES[cell], dtype, f"hidden {hidden}", vgrad_s / torch_s))
                print(f"{row} {1e3 * vgrad_s:14.3f} {1e3 * torch_s:14.3f} {vgrad_s / torch_s:6.2f}x", flush=True)
    print_worst(results, [recurrent_step.NAMES[c] for c in recurrent_step.CELLS], "cell", args.dtype, "torch")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", nargs="+", choices=("mlp", "recurrent"), default=["mlp", "recurrent"])
    parser.add_argument("--act", nargs="+", choices=train_step.ACTIVATIONS, default=list(train_step.ACTIVATIONS),
                        help="activations of the MLP part")
    parser.add_argument("--dtype", nargs="+", choices=train_step.DTYPES, default=list(train_step.DTYPES))
    parser.add_argument("--quick", action="store_true", help="fewer and shorter rounds: about 35 s")
    args = parser.parse_args()
    try:
        import torch
    except ImportError as error:
        print(SETUP.format(error=error))
        sys.exit(0)
    torch.set_num_threads(TORCH_THREADS)
    threads = limit_blas_threads()
    rounds, budget = timing_settings(args.quick)
    title = f"vgrad against PyTorch {torch.__version__} (CPU, eager, {torch.get_num_threads()} threads)"
    start = print_header(title, rounds, budget, threads)
    if "mlp" in args.part:
        run_mlp(torch, args, rounds, budget)
    if "recurrent" in args.part:
        run_recurrent(torch, args, rounds, budget)
    print_footer(start)


if __name__ == "__main__":
    main()
