"""Explorers: thin ipywidgets shells. Each one only reads its controls and calls a plain, tested
function (from ``vgrad.chain``, ``vgrad.theory``, or ``depth_profile`` here) and a figure from
``vgrad.plots``."""
import ipywidgets as w
import matplotlib.pyplot as plt
import numpy as np

from . import bptt, chain, data, mystery, plots, propagation, theory
from .diagnostics import layer_grad_norms
from .nn import ACTIVATIONS, MLP, ResidualMLP, recommended_init


def _show(fig):
    plt.show()
    plt.close(fig)


def message_explorer():
    """How much of a whispered message survives: fraction kept per listener, number of listeners."""

    def update(keep, people):
        left = theory.message_strength(keep, people)[-1]
        _show(plots.message_strength(keeps=(keep,), people=people,
                                     title=f"after {people} listeners: {left:.3e} of the message"))

    return w.interactive(
        update,
        keep=w.FloatSlider(value=0.9, min=0.05, max=1.5, step=0.05, description="keeps", continuous_update=False),
        people=w.IntSlider(value=20, min=1, max=100, description="listeners", continuous_update=False),
    )


def chain_explorer():
    """Gradient reaching every unit of a chain: depth, weight and activation."""

    def update(depth, weight, activation):
        g = chain.chain_gradients(depth, weight=weight, activation=activation, seed=0)
        bound = theory.sigmoid_chain_bound(np.arange(depth, -1, -1), weight)
        _show(plots.layer_gradients({f"{activation}, w = {weight:g}": g}, bound=bound,
                                    title=f"depth {depth}: {g[0]:.3e} reaches the input"))

    return w.interactive(
        update,
        depth=w.IntSlider(value=20, min=1, max=100, description="depth", continuous_update=False),
        weight=w.FloatSlider(value=1.0, min=0.25, max=8.0, step=0.25, description="weight w", continuous_update=False),
        activation=w.Dropdown(options=["sigmoid", "tanh", "relu"], value="sigmoid", description="activation"),
    )


def depth_profile(depth, activation="sigmoid", init="xavier_normal", width=32, samples=256, seed=0, norm=None):
    """Weight-gradient norm of each layer of a fresh MLP on the digits (cross-entropy), input side first;
    ``samples`` digits make the batch (with batch norm, also the batch its statistics come from)."""
    x, y = data.digits()
    net = MLP([x.shape[1]] + [width] * depth + [10], activation=activation, init=init, seed=seed, norm=norm)
    return layer_grad_norms(net, x[:samples], y[:samples], loss="cross_entropy")


def _first_and_last(g):
    """A title with the magnitudes, not only their ratio: a ratio of 1 can hide two vanishing layers."""
    return f"‖∂L/∂W‖ layer 1 {g[0]:.1e}, last layer {g[-1]:.1e} (ratio {g[0] / g[-1]:.1e})"


def depth_explorer():
    """Per-layer gradient norms at initialisation: depth, activation and initialisation."""

    def update(depth, activation, init):
        g = depth_profile(depth, activation, init)
        _show(plots.grad_norms_by_layer({f"{activation}, {init}": g}, title=_first_and_last(g)))

    inits = [("Xavier (normal)", "xavier_normal"), ("He (normal)", "he_normal"),
             ("N(0, 0.01²)", 0.01), ("N(0, 1)", 1.0)]
    return w.interactive(
        update,
        depth=w.IntSlider(value=10, min=1, max=30, description="hidden layers", continuous_update=False),
        activation=w.Dropdown(options=["sigmoid", "tanh", "relu"], value="sigmoid", description="activation"),
        init=w.Dropdown(options=inits, value="xavier_normal", description="init"),
    )


def activation_explorer():
    """An activation's shape and derivative, and the gradient it lets through a deep network
    (each activation with its recommended initialisation)."""

    def update(activation, depth):
        _show(plots.activation_and_derivative((activation,), shade_saturation=True))
        init = recommended_init(activation)
        g = depth_profile(depth, activation, init)
        _show(plots.grad_norms_by_layer({f"{activation}, {init}": g}, title=f"{depth} hidden layers: {_first_and_last(g)}"))

    names = [n for n in ACTIVATIONS if n != "linear"]
    return w.interactive(
        update,
        activation=w.Dropdown(options=names, value="relu", description="activation"),
        depth=w.IntSlider(value=20, min=1, max=40, description="hidden layers", continuous_update=False),
    )


def propagation_explorer():
    """A deep random network's forward variance and backward gradient per layer, measured, with the
    mean-field prediction: sigma_w, sigma_b and the activation."""

    def update(activation, sigma_w, sigma_b):
        q, g = propagation.simulate(activation, sigma_w, sigma_b, depth=50, width=256, seed=0)
        c = theory.chi1(activation, sigma_w, sigma_b)
        # at chi_1 = 1 exactly (tanh with sigma_b = 0 and sigma_w = 1) the decay is a slow power law, not none
        phase = "vanish" if c < 0.999 else "explode" if c > 1.001 else "critical"
        _show(plots.propagation_profile(q, g, theory.q_star(activation, sigma_w, sigma_b), c,
                                        title=f"{activation}, σ_w = {sigma_w:.2f}, σ_b = {sigma_b:.2f}: χ₁ = {c:.3f} "
                                              f"({phase}); measured gradient² layer 1 / layer 50 = {g[0] / g[-1]:.1e}"))

    return w.interactive(
        update,
        activation=w.Dropdown(options=["tanh", "relu"], value="tanh", description="activation"),
        sigma_w=w.FloatSlider(value=1.0, min=0.25, max=3.0, step=0.05, description="σ_w", continuous_update=False),
        sigma_b=w.FloatSlider(value=0.3, min=0.0, max=1.0, step=0.05, description="σ_b", continuous_update=False),
    )


def norm_explorer():
    """Per-layer gradient norms with and without batch norm: depth, activation and batch size."""

    def update(depth, activation, batch_norm, batch):
        init = recommended_init(activation)
        curves = {"without": depth_profile(depth, activation, init, samples=batch)}
        if batch_norm:
            curves["with batch norm"] = depth_profile(depth, activation, init, samples=batch, norm="batch")
        _show(plots.grad_norms_by_layer(curves, title=f"{depth} {activation} layers ({init}), batch of {batch}"))

    return w.interactive(
        update,
        depth=w.IntSlider(value=10, min=1, max=50, description="hidden layers", continuous_update=False),
        activation=w.Dropdown(options=["sigmoid", "tanh", "relu"], value="sigmoid", description="activation"),
        batch_norm=w.Checkbox(value=True, description="batch norm"),
        batch=w.IntSlider(value=64, min=2, max=256, description="batch size", continuous_update=False),
    )


def residual_explorer():
    """Plain or residual, depth and branch scale: per-layer gradient norms and forward variance."""

    def update(depth, residual, scale):
        x, y = data.digits()
        net = ResidualMLP(64, 32, depth, 10, activation="relu", init="he_normal", scale=scale, skip=residual, seed=0)
        with np.errstate(all="ignore"):
            g = layer_grad_norms(net, x[:256], y[:256], loss="cross_entropy")
            net.forward(x[:256])
        variance = np.array([h.var() for h in net.pre_activations])
        kind = f"residual, scale {scale:.2f}" if residual else "plain"
        _show(plots.grad_norms_by_layer({kind: g}, title=f"{depth} blocks: {_first_and_last(g)}"))
        _show(plots.grad_norms_by_layer({kind: variance}, ylabel="variance of h (log scale)",
                                        title=f"forward variance: {variance[0]:.2g} → {variance[-1]:.2g} "
                                              f"(×{variance[-1] / variance[0]:.3g})"))

    return w.interactive(
        update,
        depth=w.IntSlider(value=30, min=1, max=100, description="blocks", continuous_update=False),
        residual=w.Checkbox(value=True, description="residual"),
        scale=w.FloatSlider(value=1.0, min=0.0, max=1.0, step=0.01, description="branch scale", continuous_update=False),
    )


def rnn_explorer():
    """A vanilla RNN at initialisation: spectral radius of W_hh, sequence length and activation -> gradient
    reaching each step back, with the bound (gamma * radius)^lag."""

    def update(radius, length, activation):
        measured, bound = bptt.rnn_lag_profile(radius, length=length, activation=activation)
        label = f"{activation}, spectral radius {radius:g}"
        _show(plots.gradient_by_lag({label: measured}, theory={label: bound}, theory_label="bound (γρ)^lag",
                                    title=f"{length - 1} steps back: {measured[-1]:.2e} (bound {bound[-1]:.2e})"))

    return w.interactive(
        update,
        radius=w.FloatSlider(value=1.0, min=0.1, max=6.0, step=0.05, description="spectral radius",
                             continuous_update=False),
        length=w.IntSlider(value=100, min=5, max=300, step=5, description="length T", continuous_update=False),
        activation=w.Dropdown(options=["tanh", "linear", "relu", "sigmoid"], value="tanh", description="activation"),
    )


def cell_state_explorer():
    """An LSTM at initialisation: forget-gate bias and sequence length -> dc_T/dc_{T-lag} along the cell
    state, against sigma(b_f)^lag and the forget bias 1 of Jozefowicz et al. (2015)."""

    def update(forget_bias, length):
        curves, theory = {}, {}
        for b in dict.fromkeys((forget_bias, 1.0)):
            label = f"forget bias {b:g}"
            curves[label], theory[label] = bptt.cell_state_profile(b, length=length)
        mine = curves[f"forget bias {forget_bias:g}"][-1]
        _show(plots.gradient_by_lag(curves, theory=theory, theory_label="σ(b_f)^lag",
                                    ylabel="median ∂c_T/∂c_(T−lag) (log scale)",
                                    title=f"{length - 1} steps back along the cell state: {mine:.2e}"))

    return w.interactive(
        update,
        forget_bias=w.FloatSlider(value=3.0, min=-2.0, max=8.0, step=0.5, description="forget bias",
                                  continuous_update=False),
        length=w.IntSlider(value=100, min=5, max=300, step=5, description="length T", continuous_update=False),
    )


def mystery_explorer():
    """Notebook 09's runs: pick a run and a seed, and what to plot (its whole dashboard, or one measurement)."""

    def update(name, seed, what):
        run = mystery.run(name, seed=seed)
        if what != "all" and what not in plots.RUN_PANELS[run.kind]:
            print(f"run {name} is a {'recurrent network' if run.kind == 'sequence' else 'network'}: it has no "
                  f"{what!r}; here are all of its measurements")
            what = "all"
        _show(plots.mystery_run(run, panels=None if what == "all" else [what]))

    options = ["all"] + list(dict.fromkeys(plots.RUN_PANELS["mlp"] + plots.RUN_PANELS["sequence"]))
    return w.interactive(
        update,
        name=w.Dropdown(options=list(mystery.RUNS), value="A", description="run"),
        seed=w.Dropdown(options=list(mystery.SEEDS), value=0, description="seed"),
        what=w.Dropdown(options=options, value="loss", description="plot"),
    )
