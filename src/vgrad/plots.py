"""Figures of the course. Every function returns its ``Figure``; axes carry labels, magnitudes
that span decades use log scales, and colours come from the Okabe–Ito palette, which stays
distinguishable with every common colour-vision deficiency."""
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import LogFormatterSciNotation, LogLocator, MaxNLocator

from . import chain, theory
from .nn.activations import get_activation

#: Okabe & Ito (2008), "Color Universal Design".
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]
BOUND_STYLE = dict(color="#000000", linestyle="--", linewidth=1.2)
#: For lines that may coincide: each run gets a line style and a marker besides its colour.
LINE_STYLES = [dict(linestyle="-", marker="o", markersize=4), dict(linestyle="--", marker="s", markersize=4),
               dict(linestyle="-.", marker="^", markersize=5), dict(linestyle=":", marker="D", markersize=4),
               dict(linestyle=(0, (5, 1, 1, 1)), marker="v", markersize=5)]


def _figure(ncols=1, width=6.4, height=3.8, sharey=False):
    fig, axes = plt.subplots(1, ncols, figsize=(width, height), layout="constrained", sharey=sharey)
    return fig, axes


def _loggable(values):
    """values as float64, with zeros and negatives as NaN: a gap on a log axis instead of an error."""
    values = np.asarray(values, dtype=np.float64)
    return np.where(values > 0, values, np.nan)


def _decade_ticks(ax, most=10):
    """Log-axis ticks at whole decades, every 1, 2, 5, 10 or 20 decades: at most ``most`` of them."""
    low, high = (np.log10(v) for v in ax.get_ylim())
    span = max(high - low, 1)
    step = next((s for s in (1, 2, 5, 10, 20) if span / s <= most), 50)
    ax.set_yticks(10.0 ** np.arange(np.ceil(low / step) * step, high + 1e-9, step))
    ax.minorticks_off()


def message_strength(keeps=(0.25, 0.9, 1.0, 1.1), people=50, title="A message passed along a line of people"):
    """The whispered message: strength after each listener, one curve per fraction kept."""
    fig, ax = _figure()
    for colour, keep in zip(PALETTE, keeps):
        ax.semilogy(theory.message_strength(keep, people), color=colour, label=f"each keeps {keep:g}")
    ax.set(xlabel="listeners the message has passed through", ylabel="strength of the message (log scale)",
           title=title)
    ax.legend()
    ax.grid(True, which="major", alpha=0.3)
    return fig


def activation_and_derivative(names=("sigmoid", "tanh"), lim=6.0, shade_saturation=False):
    """Each activation (left) and its derivative (right), with each derivative's maximum marked.

    ``shade_saturation``: shade, under each derivative, where it is below 10 % of its maximum —
    the inputs for which the unit passes back almost no gradient.
    """
    fig, (left, right) = _figure(ncols=2, width=10.0, height=4.2)
    a = np.linspace(-lim, lim, 1201)
    for colour, name in zip(PALETTE, names):
        act = get_activation(name)
        left.plot(a, act.f(a), color=colour, label=name)
        d = act.df(a)
        right.plot(a, d, color=colour, label=f"{name}'")
        right.plot(a[d.argmax()], d.max(), "o", color=colour)
        if shade_saturation:
            right.fill_between(a, 0, d.max(), where=d < 0.1 * d.max(), color=colour, alpha=0.08, linewidth=0)
        elif len(names) <= 2:
            right.annotate(f"max {d.max():.2f} at a = {a[d.argmax()]:.0f}", (a[d.argmax()], d.max()),
                           textcoords="offset points", xytext=(8, 4), color=colour)
    right.set_ylim(top=1.2 * right.get_ylim()[1])
    left.set(xlabel="pre-activation a", ylabel="f(a)", title="activation")
    title = "derivative (shaded: below 10% of its peak)" if shade_saturation else "derivative: the local factor in backprop"
    right.set(xlabel="pre-activation a", ylabel="f'(a)", title=title)
    for ax in (left, right):
        ax.grid(True, alpha=0.3)
        ax.legend(loc="upper left", fontsize="small")
    return fig


def difference(a, values, label, title):
    """One curve of a small difference, such as an approximation's error, against a."""
    fig, ax = _figure(height=3.2)
    ax.plot(a, values, color=PALETTE[0], label=label)
    ax.axhline(0, color="#555555", linewidth=0.8)
    ax.set(xlabel="pre-activation a", ylabel="difference", title=title)
    ax.legend(fontsize="small")
    ax.grid(True, alpha=0.3)
    return fig


def chain_vs_bound(depth=30, weight=1.0, seeds=range(20), activation="sigmoid"):
    """|dh_n/dh_0| measured on random chains of every depth 1..``depth``, against (|w|/4)^n."""
    fig, ax = _figure()
    depths = np.arange(1, depth + 1)
    for i, seed in enumerate(seeds):
        measured = [chain.chain_gradients(n, weight, activation, seed=seed)[0] for n in depths]
        ax.semilogy(depths, measured, "o", color=PALETTE[0], alpha=0.25, markersize=3,
                    label="measured on a random chain" if i == 0 else None)
    ax.semilogy(depths, theory.sigmoid_chain_bound(depths, weight), **BOUND_STYLE,
                label=f"bound (|w|/4)$^n$, w = {weight:g}")
    ax.set(xlabel="depth n (sigmoid units in the chain)", ylabel="|∂h_n/∂h_0| (log scale)",
           title="Gradient reaching the input of a sigmoid chain")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend()
    ax.grid(True, which="major", alpha=0.3)
    return fig


def bound_by_depth(weights=(1.0, 2.0, 4.0), max_depth=100, dtypes=("float16", "float32")):
    """(|w|/4)^n for n up to ``max_depth``, with the smallest positive number of each float type."""
    fig, ax = _figure(width=7.2)
    n = np.arange(0, max_depth + 1)
    for colour, w in zip(PALETTE, weights):
        ax.semilogy(n, theory.sigmoid_chain_bound(n, w), color=colour, label=f"(|w|/4)$^n$, w = {w:g}")
    for style, name in zip((":", "-."), dtypes):
        smallest = float(np.finfo(name).smallest_subnormal)
        ax.axhline(smallest, color="#555555", linestyle=style, linewidth=1,
                   label=f"smallest positive {name}: {smallest:.1e}")
    ax.set(xlabel="depth n", ylabel="bound on the gradient (log scale)",
           title="How fast the sigmoid chain bound falls")
    ax.legend(loc="lower left", fontsize="small")
    ax.grid(True, which="major", alpha=0.3)
    return fig


def layer_gradients(curves, bound=None, title="Gradient reaching each unit of the chain"):
    """Gradient magnitude per unit, output on the right. ``curves``: {label: array, entry k = unit k}.

    ``bound``: an optional array drawn dashed. Zeros (underflow) cannot sit on a log axis: they are
    counted in the legend instead of silently vanishing from the plot.
    """
    fig, ax = _figure()
    for colour, (label, g) in zip(PALETTE, curves.items()):
        g = np.asarray(g, dtype=np.float64)
        zeros = int(np.sum(g == 0))
        if zeros:
            label += f" ({zeros} units underflowed to 0)"
        ax.semilogy(np.arange(len(g)), _loggable(g), "o-", color=colour, markersize=3, label=label)
    if bound is not None:
        ax.semilogy(np.arange(len(bound)), bound, **BOUND_STYLE, label="sigmoid bound (|w|/4)$^{n-k}$")
    ax.set(xlabel="unit k (0 = input, right end = output)", ylabel="|∂h_n/∂h_k| (log scale)", title=title)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(fontsize="small")
    ax.grid(True, which="major", alpha=0.3)
    return fig


# ---- notebook 02: a deep network and its diagnostics -------------------------------------------

def digit_images(images, labels, n=10):
    """The first ``n`` digits as 8x8 images, with their labels."""
    fig, axes = plt.subplots(1, n, figsize=(1.1 * n, 1.6), layout="constrained")
    for ax, image, label in zip(np.atleast_1d(axes), images, labels):
        ax.imshow(np.asarray(image).reshape(8, 8), cmap="gray_r", vmin=0, vmax=16)
        ax.set_title(str(label))
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle("8x8 handwritten digits (pixel counts 0-16) and their labels", fontsize="medium")
    return fig


def grad_norms_by_layer(curves, title="Weight-gradient norm of each layer", ylabel="‖∂L/∂W‖ (log scale)"):
    """One line per network: a per-layer quantity against the layer, input side (1) on the left."""
    fig, ax = _figure()
    for k, (label, values) in enumerate(curves.items()):  # styles and markers too: runs that coincide stay visible
        ax.semilogy(np.arange(1, len(values) + 1), _loggable(values), color=PALETTE[k % len(PALETTE)], label=label,
                    markevery=(k % 2, 2), **LINE_STYLES[k % len(LINE_STYLES)])  # markers take turns
    ax.set(xlabel="layer (1 = input side)", ylabel=ylabel, title=title)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(fontsize="small")
    ax.grid(True, which="major", alpha=0.3)
    return fig


def learning_curves(curves, smooth=10, reference=None, reference_label=None, title="Training loss", log=False):
    """Loss against step, one line per run, as a running mean over ``smooth`` steps (raw values faint).

    ``reference``: a horizontal line, such as the loss of guessing uniformly (ln 10 for ten classes).
    ``log``: a logarithmic loss axis, where losses from 0.01 to a spike of 20 are compared.
    """
    fig, ax = _figure()
    for k, (label, loss) in enumerate(curves.items()):
        colour, loss = PALETTE[k % len(PALETTE)], np.asarray(loss, dtype=np.float64)
        steps = np.arange(len(loss))
        ax.plot(steps, loss, color=colour, alpha=0.2, linewidth=0.8)
        if len(loss) >= smooth:  # line styles and markers as well as colours: curves that coincide stay visible
            smoothed = np.convolve(loss, np.ones(smooth) / smooth, mode="valid")
            ax.plot(steps[smooth - 1:], smoothed, color=colour, label=label, zorder=3,
                    **LINE_STYLES[k % len(LINE_STYLES)], markevery=(k * 7 % 40 + 5, 40))  # each run's markers offset
    if reference is not None:
        ax.axhline(reference, color="#000000", linestyle=(0, (1, 3)), linewidth=1.0, label=reference_label, zorder=2)
    ax.set(xlabel="training step", ylabel="cross-entropy loss" + (" (log scale)" if log else ""), title=title)
    if log:
        ax.set_yscale("log")
    ax.legend(fontsize="small")
    ax.grid(True, alpha=0.3)
    return fig


def _pick_layers(count, most=5):
    return sorted(set(np.linspace(0, count - 1, min(most, count)).round().astype(int)))


def _log10_size(a):
    a = np.abs(np.ravel(a))
    return np.log10(a[a > 0])


def layer_histograms(activations, deltas, title="Per-layer histograms"):
    """Glorot & Bengio (2010)-style histograms, one line per layer (at most five, spread out):
    left, the hidden activations; right, the backpropagated gradients dL/da, as log10 of their size
    so that layers decades apart fit on one axis."""
    fig, (left, right) = _figure(ncols=2, width=10.0)
    for ax, arrays, transform in ((left, activations, np.ravel), (right, deltas, _log10_size)):
        values = [transform(a) for a in arrays]
        lo, hi = min(v.min() for v in values if v.size), max(v.max() for v in values if v.size)
        picked = _pick_layers(len(values))
        for rank, i in enumerate(picked):
            ax.hist(values[i], bins=30, range=(lo, hi), histtype="step", density=True,
                    color=plt.get_cmap("viridis")(rank / max(len(picked) - 1, 1)), label=f"layer {i + 1}")
    left.set(xlabel="activation value h", ylabel="density", title="activations")
    right.set(xlabel="log10 |∂L/∂a| (backpropagated gradient)", ylabel="density", title="gradients")
    for ax in (left, right):
        ax.legend(fontsize="small")
        ax.grid(True, alpha=0.3)
    fig.suptitle(title)
    return fig


def update_ratios(history, rule_of_thumb=1e-3, smooth=10, title="Update/weight ratio ‖ΔW‖/‖W‖ per step"):
    """Each layer's update-to-weight ratio over training (running mean), with the ~1e-3 rule of thumb."""
    fig, ax = _figure()
    ratios = np.asarray(history.update_ratios, dtype=np.float64)
    colours = plt.get_cmap("viridis")
    layers = _pick_layers(ratios.shape[1])
    for rank, i in enumerate(layers):
        r = np.convolve(ratios[:, i], np.ones(smooth) / smooth, mode="valid")
        ax.semilogy(np.arange(smooth - 1, len(ratios)), r, color=colours(rank / max(len(layers) - 1, 1)),
                    label=f"layer {i + 1}")
    ax.axhline(rule_of_thumb, **BOUND_STYLE, label=f"rule of thumb ~{rule_of_thumb:.0e}")
    ax.set(xlabel="training step", ylabel="‖ΔW‖ / ‖W‖ (log scale)", title=title)
    ax.legend(fontsize="small")
    ax.grid(True, which="major", alpha=0.3)
    return fig


def activation_grid(names, lim=5.0, ncols=3):
    """Small multiples: one panel per activation with f (solid) and f' (dashed); shaded where f' is
    below 10 % of its peak, the inputs for which the unit passes back almost no gradient."""
    rows = -(-len(names) // ncols)
    fig, axes = plt.subplots(rows, ncols, figsize=(3.4 * ncols, 2.8 * rows), layout="constrained",
                             sharex=True, sharey=True, squeeze=False)
    a = np.linspace(-lim, lim, 1001)
    for ax, name in zip(axes.flat, names):
        act = get_activation(name)
        d = act.df(a)
        ax.fill_between(a, -1.5, 2.5, where=d < 0.1 * d.max(), color=PALETTE[1], alpha=0.15, linewidth=0,
                        label="f' < 10% of its peak")
        ax.plot(a, act.f(a), color=PALETTE[0], label="f(a)")
        ax.plot(a, d, color=PALETTE[2], linestyle="--", label="f'(a)")
        ax.set(title=f"{name}: f' ≤ {d.max():.2f}", ylim=(-1.5, 2.5))
        ax.grid(True, alpha=0.3)
    for ax in axes.flat[len(names):]:
        ax.set_visible(False)
    fig.supxlabel("pre-activation a")
    fig.supylabel("f(a) and f'(a)")
    axes.flat[0].legend(fontsize="x-small", loc="upper left")
    return fig


# ---- notebook 04: initialisation and signal propagation ---------------------------------------

def spread_by_init(results, title="Signal through 50 layers, by initialisation", zoom=("Xavier", "He")):
    """Rows: activations; left, each hidden layer's activation std; middle, each layer's gradient std
    (dLoss/da). ``results``: {activation: {init label: (activation stds, gradient stds)}}. Right: the runs named
    in ``zoom`` again, forward (solid) and backward (dashed), on a scale of their own, since the other panels
    span dozens of decades."""
    fig, axes = plt.subplots(len(results), 3, figsize=(14.0, 3.6 * len(results)), layout="constrained",
                             squeeze=False)
    for row, (activation, by_init) in zip(axes, results.items()):
        for k, (label, stds) in enumerate(by_init.items()):
            colour, style = PALETTE[k % len(PALETTE)], LINE_STYLES[k % len(LINE_STYLES)]
            for ax, values, line, part in zip(row, map(_loggable, stds), ("-", "--"), ("forward", "backward")):
                layers = np.arange(1, len(values) + 1)
                ax.semilogy(layers, values, label=label, color=colour, markevery=10, **style)
                if label in zoom:
                    row[2].semilogy(layers, values, color=colour, linestyle=line, marker=style["marker"], markevery=10,
                                    label=f"{label}, {part}")
        row[0].set(ylabel="std of activations (log)", title=f"{activation}: forward")
        row[1].set(ylabel="std of ∂L/∂a (log)", title=f"{activation}: backward")
        row[2].set(ylabel="std (log)", title=f"{activation}: {' and '.join(zoom)} only")
        for ax in row:
            ax.set_xlabel("layer (1 = input side)")
            ax.grid(True, which="major", alpha=0.3)
            ax.legend(fontsize="x-small")
        for ax in row[:2]:
            _decade_ticks(ax)
    fig.suptitle(title)
    return fig


def chi1_curve(sigma_ws, predicted, measured, activation="tanh", sigma_b=0.0):
    """chi_1 against sigma_w: the mean-field prediction (line) and the simulation (points), with the
    ordered (chi_1 < 1, vanishing) and chaotic (chi_1 > 1, exploding) phases."""
    fig, ax = _figure()
    ax.axhspan(0, 1, color=PALETTE[0], alpha=0.07, label="ordered: gradients vanish")
    ax.axhspan(1, max(2.5, np.nanmax(predicted) * 1.1), color=PALETTE[1], alpha=0.07,
               label="chaotic: gradients explode")
    ax.plot(sigma_ws, predicted, color=PALETTE[0], label="mean-field χ₁")
    ax.plot(sigma_ws, measured, "o", color=PALETTE[1], label="measured per-layer growth of ‖∂L/∂a‖²")
    ax.axhline(1, **BOUND_STYLE)
    ax.set(xlabel="σ_w (weights ~ N(0, σ_w²/N))", ylabel="χ₁ (factor per layer)", ylim=(0, None),
           title=f"Order and chaos: deep {activation} networks, σ_b = {sigma_b:g}")
    ax.legend(fontsize="small", loc="upper left")
    ax.grid(True, alpha=0.3)
    return fig


def propagation_profile(q, g, q_star=None, chi1=None, title="Signal propagation"):
    """Left: pre-activation variance per layer (with q*); right: mean squared gradient per layer
    (with the chi_1 prediction through the output end)."""
    fig, (left, right) = _figure(ncols=2, width=10.0)
    layers = np.arange(1, len(q) + 1)
    left.semilogy(layers, q, "o-", markersize=3, color=PALETTE[0], label="measured")
    if q_star is not None and q_star > 0:
        left.axhline(q_star, **BOUND_STYLE, label=f"q* = {q_star:.3g}")
    right.semilogy(layers, _loggable(g), "o-", markersize=3, color=PALETTE[1], label="measured")
    if chi1 is not None:
        right.semilogy(layers, g[-1] * chi1 ** (len(g) - layers), **BOUND_STYLE, label=f"χ₁ = {chi1:.3g} per layer")
    left.set(xlabel="layer (1 = input side)", ylabel="variance of pre-activations q (log)", title="forward")
    right.set(xlabel="layer (1 = input side)", ylabel="mean square of ∂L/∂a (log)", title="backward")
    for ax in (left, right):
        ax.legend(fontsize="small")
        ax.grid(True, which="major", alpha=0.3)
    fig.suptitle(title)
    return fig


def _colours(labels, colours):
    """{label: colour}: ``colours`` where it names the label (one colour per model across figures), else the
    palette in order."""
    return {label: (colours or {}).get(label, PALETTE[k % len(PALETTE)]) for k, label in enumerate(labels)}


def gradient_by_lag(curves, theory=None, panels=None, ylabel="‖∂L/∂h at lag‖ (log scale)",
                    title="Gradient reaching back through time", theory_label="theory", colours=None):
    """Gradient against time lag (0 = the last step), one line per run; ``theory``: a dict of dashed lines
    with the same labels (named ``theory_label`` in the legend). ``panels`` groups labels into side-by-side
    panels: {panel title: [labels]}. ``colours``: {label: colour}, to keep each model's colour from figure to
    figure."""
    panels = panels or {title: list(curves)}
    fig, axes = _figure(ncols=len(panels), width=5.2 * len(panels) + 1.2, height=3.9, sharey=True)
    axes = np.atleast_1d(axes)
    for ax, (panel, labels) in zip(axes, panels.items()):
        for label, colour in _colours(labels, colours).items():
            ax.semilogy(_loggable(curves[label]), color=colour, label=label)
            if theory and label in theory:
                ax.semilogy(theory[label], color=colour, linestyle="--", linewidth=1.0)
        if theory and any(label in theory for label in labels):
            ax.plot([], [], color="#000000", linestyle="--", linewidth=1.0, label=f"dashed: {theory_label}")
        ax.set(xlabel="time lag T − t (steps back from the end)", ylabel=ylabel, title=panel)
        ax.legend(fontsize="small")
        ax.grid(True, which="major", alpha=0.3)
    _decade_ticks(axes[0])  # the panels share their y axis: compare them at a glance
    if len(panels) > 1:
        fig.suptitle(title)
    return fig


def sequence_runs(histories, clip=None, chance=None, title="Training a recurrent network"):
    """Left: loss per step; right: global gradient norm before clipping (with the clipping threshold).
    A run that diverged ends in a cross at its last finite value, labelled with the step of the NaN/inf."""
    fig, (left, right) = _figure(ncols=2, width=11.0, height=3.9)
    for colour, (label, h) in zip(PALETTE, histories.items()):
        for ax, values in ((left, h.loss), (right, h.grad_norm)):
            values = np.asarray(values, dtype=np.float64)
            finite = np.isfinite(values)
            ax.semilogy(np.where(finite, values, np.nan), color=colour, linewidth=1.0, label=label)
            if h.diverged_at is not None and finite.any():
                last = np.flatnonzero(finite)[-1]
                ax.plot(last, values[last], "x", color=colour, markersize=10, markeredgewidth=2)
                ax.annotate(f"not finite at step {h.diverged_at}", (last, values[last]), xytext=(8, -4),
                            textcoords="offset points", color=colour, fontsize="small")
    if chance is not None:
        left.axhline(chance, **BOUND_STYLE, label="guessing")
    if clip is not None:
        right.axhline(clip, **BOUND_STYLE, label=f"clipping threshold {clip:g}")
    left.set(xlabel="training step", ylabel="cross-entropy loss (log scale)", title="loss")
    right.set(xlabel="training step", ylabel="‖gradient‖ before clipping (log scale)", title="gradient norm")
    for ax in (left, right):
        ax.legend(fontsize="small")
        ax.grid(True, which="major", alpha=0.3)
    fig.suptitle(title)
    return fig


def accuracy_curves(histories, smooth=10, chance=None, title="Batch accuracy while training", colours=None):
    """Running mean of the batch accuracy against step, one line per run; ``colours`` as in
    ``gradient_by_lag``."""
    fig, ax = _figure()
    for label, colour in _colours(histories, colours).items():
        h = histories[label]
        acc = np.asarray(h.accuracy, dtype=np.float64)
        if len(acc) >= smooth:
            ax.plot(np.arange(smooth - 1, len(acc)), np.convolve(acc, np.ones(smooth) / smooth, mode="valid"),
                    color=colour, label=label)
    if chance is not None:
        ax.axhline(chance, **BOUND_STYLE, label="chance")
    ax.set(xlabel="training step", ylabel=f"accuracy (mean of {smooth} batches)", title=title, ylim=(0, 1.02))
    ax.legend(fontsize="small")
    ax.grid(True, alpha=0.3)
    return fig


# --- computational graphs, drawn beside the equations ----------------------------------------------------

GRAPH_HIGHLIGHT = "#D55E00"


def computation_graph(nodes, edges, title, highlight=(), note=None, size=(9.0, 4.2)):
    """A computational graph: ``nodes`` {name: (x, y, label)} in axis units (0..1), ``edges`` [(from, to)],
    the edges in ``highlight`` drawn thick and coloured (a path the text follows), ``note`` a line under it."""
    fig, ax = plt.subplots(figsize=size, layout="constrained")
    ax.set(xlim=(0, 1), ylim=(0, 1), title=title)
    ax.axis("off")
    boxes = {}
    for name, (x, y, label) in nodes.items():
        on_path = any(name in edge for edge in highlight)
        boxes[name] = ax.text(x, y, label, ha="center", va="center", fontsize="medium", zorder=3,
                              bbox=dict(boxstyle="round,pad=0.35", fc="#FFFFFF" if not on_path else "#FBE3D6",
                                        ec=GRAPH_HIGHLIGHT if on_path else "#333333"))
    for a, b in edges:  # each arrow runs from the edge of one box to the edge of the next
        hot = (a, b) in highlight
        ax.annotate("", xy=nodes[b][:2], xytext=nodes[a][:2], zorder=2,
                    arrowprops=dict(arrowstyle="-|>", patchA=boxes[a].get_bbox_patch(), patchB=boxes[b].get_bbox_patch(),
                                    shrinkA=2, shrinkB=2, lw=2.6 if hot else 1.0,
                                    color=GRAPH_HIGHLIGHT if hot else "#555555"))
    if note:
        ax.text(0.5, 0.01, note, ha="center", va="bottom", fontsize="small", color=GRAPH_HIGHLIGHT)
    return fig


def lstm_graph():
    """The LSTM cell (notebook 08): the cell state's direct path from c_{t-1} to c_t highlighted."""
    nodes = {"x": (0.05, 0.12, "$x_t$"), "h0": (0.05, 0.38, "$h_{t-1}$"), "c0": (0.05, 0.86, "$c_{t-1}$"),
             "z": (0.24, 0.25, "$x_t W_x + h_{t-1} W_h + b$"),
             "f": (0.42, 0.62, "$f_t = \\sigma$"), "i": (0.52, 0.42, "$i_t = \\sigma$"),
             "g": (0.66, 0.28, "$g_t = \\tanh$"), "o": (0.80, 0.12, "$o_t = \\sigma$"),
             "fc": (0.42, 0.86, "$\\odot$"), "ig": (0.66, 0.55, "$\\odot$"), "c1": (0.66, 0.86, "$+$"),
             "tc": (0.82, 0.70, "$\\tanh$"), "h1": (0.94, 0.42, "$h_t = o_t \\odot \\tanh c_t$"),
             "cout": (0.95, 0.86, "$c_t$")}
    edges = [("x", "z"), ("h0", "z"), ("z", "f"), ("z", "i"), ("z", "g"), ("z", "o"), ("c0", "fc"), ("f", "fc"),
             ("i", "ig"), ("g", "ig"), ("fc", "c1"), ("ig", "c1"), ("c1", "cout"), ("c1", "tc"), ("tc", "h1"),
             ("o", "h1")]
    return computation_graph(nodes, edges, "The LSTM cell", highlight={("c0", "fc"), ("fc", "c1"), ("c1", "cout")},
                             note="along the highlighted path, "
                                  "$\\partial c_t / \\partial c_{t-1} = \\mathrm{diag}(f_t)$: no weight matrix, no tanh′")


def batch_norm_graph():
    """Batch normalisation of one feature over a batch (notebook 05): the division by sigma highlighted."""
    nodes = {"x": (0.06, 0.5, "$a$ (batch)"), "mu": (0.28, 0.82, "$\\mu_B$ = mean"),
             "var": (0.50, 0.82, "$\\sigma_B^2$ = variance"), "sub": (0.28, 0.5, "$a - \\mu_B$"),
             "div": (0.55, 0.5, "$\\hat a = (a - \\mu_B)\\,/\\,\\sqrt{\\sigma_B^2 + \\epsilon}$"),
             "y": (0.88, 0.5, "$y = \\gamma \\hat a + \\beta$"), "params": (0.88, 0.18, "$\\gamma, \\beta$ (learnt)")}
    edges = [("x", "mu"), ("x", "sub"), ("mu", "sub"), ("x", "var"), ("mu", "var"), ("sub", "div"), ("var", "div"),
             ("div", "y"), ("params", "y")]
    return computation_graph(nodes, edges, "Batch normalisation, one feature", highlight={("var", "div")},
                             note="backward, the gradient is divided by σ_B too (and the batch mean and spread are "
                                  "projected out)", size=(9.0, 3.6))


def gru_graph():
    """The GRU cell (notebook 08): the direct path from h_{t-1} to h_t through the update gate highlighted."""
    nodes = {"x": (0.05, 0.12, "$x_t$"), "h0": (0.05, 0.86, "$h_{t-1}$"),
             "xz": (0.22, 0.12, "$x_t W_x + b_x$"), "hz": (0.22, 0.50, "$h_{t-1} W_h + b_h$"),
             "z": (0.42, 0.62, "$z_t = \\sigma$"), "r": (0.42, 0.36, "$r_t = \\sigma$"),
             "rh": (0.60, 0.36, "$r_t \\odot (h_{t-1} W_{hn} + b_{hn})$"), "n": (0.66, 0.12, "$n_t = \\tanh$"),
             "zh": (0.58, 0.86, "$z_t \\odot h_{t-1}$"), "zn": (0.84, 0.36, "$(1 - z_t) \\odot n_t$"),
             "sum": (0.84, 0.86, "$+$"), "h1": (0.96, 0.62, "$h_t$")}
    edges = [("x", "xz"), ("h0", "hz"), ("xz", "z"), ("hz", "z"), ("xz", "r"), ("hz", "r"), ("r", "rh"), ("hz", "rh"),
             ("rh", "n"), ("xz", "n"), ("h0", "zh"), ("z", "zh"), ("z", "zn"), ("n", "zn"), ("zh", "sum"),
             ("zn", "sum"), ("sum", "h1")]
    return computation_graph(nodes, edges, "The GRU cell", highlight={("h0", "zh"), ("zh", "sum"), ("sum", "h1")},
                             note="along the highlighted path, "
                                  "$\\partial h_t / \\partial h_{t-1} = \\mathrm{diag}(z_t)$: no weight matrix")


# --- the capstone's mystery runs --------------------------------------------------------------------------

#: What ``mystery_run`` can draw, per kind of run; a dashboard draws them all.
RUN_PANELS = {
    "mlp": ("loss", "gradient norm by layer", "gradient/weight ratio", "update/weight ratio",
            "dead and saturated units", "activation spread"),
    "sequence": ("loss", "gradient norm by step", "gradient by lag", "batch accuracy"),
}


def _records(history):
    """Indices of the first, the middle and the last record whose numbers are all finite."""
    finite = [i for i, s in enumerate(history.stats) if all(np.all(np.isfinite(v)) for v in s.values())]
    return sorted({finite[0], finite[len(finite) // 2], finite[-1]}) if finite else []


def _loss(ax, loss, guess, guess_label):
    """Loss per step, on a log axis where it spans over a decade; NaN and inf left out."""
    loss = np.asarray(loss, dtype=np.float64)
    loss = np.where(np.isfinite(loss), loss, np.nan)
    ax.plot(loss, color=PALETTE[0], linewidth=1.0)
    ax.axhline(guess, **BOUND_STYLE, label=guess_label)
    wide = np.any(np.isfinite(loss)) and np.nanmax(loss) > 10 * np.nanmin(loss) > 0
    if wide:
        ax.set_yscale("log")
    if wide and np.nanmax(loss) > 1e30:  # (matplotlib's log ticks overflow near 1e300)
        ax.set_ylim(top=1e30)
        ax.annotate(f"off the axis: up to {np.nanmax(loss):.1e}", (0.03, 0.9), xycoords="axes fraction",
                    fontsize="small")
    ax.set(xlabel="training step", ylabel="loss" + (" (log)" if wide else ""))


def _mlp_panel(ax, history, what):
    layers = np.arange(1, history.layers + 1)
    records = _records(history)
    colours = plt.get_cmap("viridis")

    def label(i):
        return f"step {history.record_steps[i]}"

    if what == "loss":
        _loss(ax, history.loss, np.log(10), "guessing (ln 10)")
        if history.diverged_at is not None:
            ax.set_title(f"loss: not finite at step {history.diverged_at}", fontsize="medium")
    elif what in ("gradient norm by layer", "gradient/weight ratio"):
        grads = np.asarray(history.grad_norms, dtype=np.float64)
        for k, i in enumerate(records):
            values = grads[history.record_steps[i]]
            if what == "gradient/weight ratio":
                values = values / np.asarray(history.weight_norms[i], dtype=np.float64)
            ax.semilogy(layers, _loggable(values), color=colours(k / 2), marker="o", markersize=3, label=label(i))
        if not np.any(grads[[history.record_steps[i] for i in records]] > 0):
            ax.text(0.5, 0.5, "every norm is exactly 0:\nno gradient reaches any layer", transform=ax.transAxes,
                    ha="center", va="center")
        ax.set(xlabel="layer (1 = input side)", ylabel="‖dW‖ (log)" if what.startswith("gradient norm")
               else "‖dW‖ / ‖W‖ (log)")
    elif what == "update/weight ratio":
        ratios = np.asarray(history.update_ratios, dtype=np.float64)
        for rank, i in enumerate(_pick_layers(history.layers, most=3)):
            ax.semilogy(_loggable(ratios[:, i]), color=colours(rank / 2), linewidth=1.0, label=f"layer {i + 1}")
        ax.axhline(1e-3, **BOUND_STYLE, label="rule of thumb ~1e-3")
        ax.set(xlabel="training step", ylabel="‖ΔW‖ / ‖W‖ (log)")
    elif what == "dead and saturated units":
        hidden = np.arange(1, history.layers)
        name = "inactive" if history.activation in ("relu", "leaky_relu") else "saturated"
        for k, i in enumerate(records[::len(records) - 1] if len(records) > 1 else records):
            stats = history.stats[i]
            ax.plot(hidden, stats["dead"], color=PALETTE[1], linestyle=("-", "--")[k], marker="o", markersize=3,
                    label=f"dead, {label(i)}")
            ax.plot(hidden, stats["saturated"], color=PALETTE[0], linestyle=("-", "--")[k], marker="s",
                    markersize=3, label=f"{name}, {label(i)}")
        ax.set(xlabel="hidden layer", ylabel="fraction of units", ylim=(-0.03, 1.03))
    elif what == "activation spread":
        for k, i in enumerate(records):
            ax.semilogy(np.arange(1, history.layers), _loggable(history.stats[i]["act_std"]), color=colours(k / 2),
                        marker="o", markersize=3, label=label(i))
        ax.set(xlabel="hidden layer", ylabel="std of the activations (log)")


def _sequence_panel(ax, run, what, clip):
    h = run.history
    if what == "loss":
        _loss(ax, h.loss, np.log(4), "guessing (ln 4)")
    elif what == "gradient norm by step":
        values = np.asarray(h.grad_norm, dtype=np.float64)
        ax.semilogy(np.where(np.isfinite(values), values, np.nan), color=PALETTE[0], linewidth=1.0, marker=".")
        if clip is not None:
            ax.axhline(clip, **BOUND_STYLE, label=f"clipping threshold {clip:g}")
        ax.set(xlabel="training step", ylabel="‖gradient‖ (log)")
    if what in ("loss", "gradient norm by step") and h.diverged_at is not None:
        ax.set_title(f"{what}: not finite at step {h.diverged_at}", fontsize="medium")
    if what == "gradient by lag":
        ax.semilogy(_loggable(run.lag_profile), color=PALETTE[2])
        ax.set(xlabel="time lag (steps back from the end)", ylabel="‖∂L/∂h‖ at initialisation (log)")
    elif what == "batch accuracy":
        ax.plot(h.accuracy, color=PALETTE[0], linewidth=1.0)
        ax.axhline(0.25, **BOUND_STYLE, label="chance")
        ax.set(xlabel="training step", ylabel="batch accuracy", ylim=(0, 1.02))


def _few_log_ticks(ax):
    """No minor ticks (they cost most of a dashboard's drawing time); a log axis that spans under two decades gets
    labelled ticks at 1, 2 and 5 times each power of ten instead, so that it still reads."""
    ax.minorticks_off()
    low, high = ax.get_ylim()
    if ax.get_yscale() == "log" and 0 < low and high / low < 100:
        ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
        ax.yaxis.set_major_formatter(LogFormatterSciNotation(labelOnlyBase=False, minor_thresholds=(2, 2)))


def mystery_run(run, panels=None, title=None):
    """The measurements of a ``mystery.Run``, one panel each: ``panels`` from ``RUN_PANELS[run.kind]`` (default:
    all of them, two rows for a network, one for a recurrent run)."""
    kind = run.kind
    panels = list(panels or RUN_PANELS[kind])
    unknown = [p for p in panels if p not in RUN_PANELS[kind]]
    if unknown:
        raise ValueError(f"unknown panel {unknown[0]!r}; a {kind} run has: {', '.join(RUN_PANELS[kind])}")
    ncols = min(len(panels), 3 if kind == "mlp" else 4)
    nrows = -(-len(panels) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.6 * ncols + 0.6, 3.0 * nrows + 0.5), squeeze=False)
    fig.subplots_adjust(wspace=0.45, hspace=0.5, top=0.9 if nrows > 1 else 0.82)  # (a layout engine costs 0.5 s)
    for ax, what in zip(axes.flat, panels):
        if kind == "mlp":
            _mlp_panel(ax, run.history, what)
        else:
            _sequence_panel(ax, run, what, run.clip)
        if not ax.get_title():
            ax.set_title(what, fontsize="medium")
        ax.xaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
        _few_log_ticks(ax)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize="x-small")
        ax.grid(True, which="major", alpha=0.3)
    for ax in list(axes.flat)[len(panels):]:
        ax.set_visible(False)
    fig.suptitle(title or f"Run {run.name} (seed {run.seed}): accuracy {run.accuracy:.0%}")
    return fig
