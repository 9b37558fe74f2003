"""Diagnostics: the measurements a practitioner takes to see whether gradients vanish or explode.

After a forward and backward pass an ``MLP`` holds everything needed: the weight gradients ``dW``,
the backpropagated signals ``deltas`` (dLoss/da for each layer), and the hidden activations. From
them, per layer:

- the norm of the weight gradient ||dW_l|| and of the backpropagated signal ||delta_l||;
- the mean and spread of the activations;
- the saturated fraction: unit-samples whose local derivative f'(a) is below 10 % of its largest
  value (sigmoid: |a| > 3.6), where almost no gradient passes;
- the dead fraction: units whose derivative is 0 on every sample of the batch (ReLU units that
  never fire), which pass no gradient at all.

A ``Recorder`` keeps these during training, with the update-to-weight ratio ||dW_step|| / ||W|| of
every step and each layer's distance from its initial weights; ``diagnose`` reads the record and
names the problem with its evidence.
"""
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from .errors import InputError
from .nn.activations import max_derivative
from .nn.losses import LOSSES

SATURATION = 0.1  # f'(a) below this fraction of the activation's largest derivative
def _loss_fn(loss):
    try:
        return LOSSES[loss]
    except (KeyError, TypeError):
        raise InputError(f"unknown loss {loss!r}; choose one of: {', '.join(LOSSES)}") from None


@contextmanager
def _left_as_it_was(net):
    """Restore the network's stored gradients, caches, running statistics and recorded passes."""
    saved = [dict(vars(layer)) for layer in net.trainable]  # arrays are replaced, never changed in place
    state = (net.pre_activations, net.activations, net.deltas)
    try:
        yield
    finally:
        for layer, attributes in zip(net.trainable, saved):
            vars(layer).update(attributes)
        net.pre_activations, net.activations, net.deltas = state


def _forward_backward(net, x, y, loss):
    _, dout = _loss_fn(loss)(net.forward(x), y)
    net.backward(dout)


def layer_grad_norms(net, x, y, loss="mse"):
    """||dLoss/dW_l||_F for every Dense layer, input side first, from one forward/backward on (x, y).

    The network is left as it was: parameters, stored gradients and caches are restored.
    """
    with _left_as_it_was(net):
        _forward_backward(net, x, y, loss)
        return np.array([np.linalg.norm(layer.dW) for layer in net.layers])


def snapshot(net, x, y, loss="cross_entropy"):
    """(activations, deltas) of one forward/backward on (x, y), for histograms; the network is left
    as it was. activations: hidden layers' outputs; deltas: dLoss/da of every layer."""
    with _left_as_it_was(net):
        _forward_backward(net, x, y, loss)
        return [h.copy() for h in net.activations], [d.copy() for d in net.deltas]


def layer_stats(net):
    """Per-layer statistics of the network's last forward and backward pass, as a dict of arrays.

    Over all L Dense layers: ``weight_grad_norm``, ``signal_norm`` (||dLoss/da_l||).
    Over the L-1 hidden layers: ``act_mean``, ``act_std``, ``saturated``, ``dead`` (fractions).
    """
    if not net.deltas or not net.activations and len(net.layers) > 1:
        raise InputError("layer_stats reads the last forward and backward pass: run both first")
    df_max = max_derivative(net.act)
    derivs = [net.act.df(a) for a in net.pre_activations]
    return {
        "weight_grad_norm": np.array([np.linalg.norm(layer.dW) for layer in net.layers]),
        "signal_norm": np.array([np.linalg.norm(d) for d in net.deltas]),
        "act_mean": np.array([h.mean() for h in net.activations]),
        "act_std": np.array([h.std() for h in net.activations]),
        "saturated": np.array([np.mean(d < SATURATION * df_max) for d in derivs]),
        "dead": np.array([np.mean(np.all(d == 0, axis=0)) for d in derivs]),
    }


@dataclass
class History:
    """What a ``Recorder`` kept. Per step: ``loss``, ``grad_norms`` and ``update_ratios`` (steps x L).
    Every ``every`` steps (at ``record_steps``): ``stats`` (a list of ``layer_stats`` dicts) and
    ``distance`` from the initial weights (records x L). ``diverged_at``: the first step whose loss or gradients were not finite, or None."""

    activation: str
    every: int
    loss: list = field(default_factory=list)
    grad_norms: list = field(default_factory=list)
    update_ratios: list = field(default_factory=list)
    record_steps: list = field(default_factory=list)
    stats: list = field(default_factory=list)
    distance: list = field(default_factory=list)
    diverged_at: int = None

    def stat(self, name):
        """One statistic over the records: an array (records x layers)."""
        return np.array([s[name] for s in self.stats])

    @property
    def layers(self):
        return len(self.grad_norms[0]) if self.grad_norms else 0

    def __repr__(self):  # the whole record would fill a screen (and a check's message)
        diverged = "" if self.diverged_at is None else f", diverged_at={self.diverged_at}"
        return f"History({self.activation}, {len(self.loss)} steps, {self.layers} layers{diverged})"


class Recorder:
    """Keeps diagnostics during training. The training loop calls ``before_update`` after the
    backward pass and ``after_update`` after the optimiser's step."""

    def __init__(self, net, every=10):
        if not (isinstance(every, (int, np.integer)) and every >= 1):
            raise InputError(f"every must be a whole number >= 1; got {every!r}")
        self.net = net
        self.history = History(activation=net.activation, every=int(every))
        self._initial = [layer.W.copy() for layer in net.layers]
        self._initial_norms = [np.linalg.norm(w) for w in self._initial]
        self._before = None

    def before_update(self, step, loss):
        h, net = self.history, self.net
        h.loss.append(float(loss))
        h.grad_norms.append([float(np.linalg.norm(layer.dW)) for layer in net.layers])
        if step % h.every == 0:
            h.record_steps.append(step)
            h.stats.append(layer_stats(net))
            h.distance.append([float(np.linalg.norm(layer.W - w0) / n0) if n0 > 0 else float("nan")
                               for layer, w0, n0 in zip(net.layers, self._initial, self._initial_norms)])
        self._before = [layer.W.copy() for layer in net.layers]

    def after_update(self):
        self.history.update_ratios.append([  # undefined (NaN) for weights that are all zero
            float(np.linalg.norm(layer.W - w) / n) if (n := np.linalg.norm(w)) > 0 else float("nan")
            for layer, w in zip(self.net.layers, self._before)])


def summary(history, window=5):
    """A table of the last ``window`` steps' per-layer numbers, for a person to read (no verdict)."""
    rows = [i for i, g in enumerate(history.grad_norms) if np.all(np.isfinite(g))][-window:]
    grads = np.median(np.array(history.grad_norms)[rows], axis=0)
    ups = np.array(history.update_ratios)
    ups = np.median(ups[[i for i in rows if i < len(ups)] or [-1]], axis=0) if len(ups) else grads * np.nan
    dead = np.median(history.stat("dead")[-window:], axis=0) if history.stats else []
    sat = np.median(history.stat("saturated")[-window:], axis=0) if history.stats else []
    loss = np.array(history.loss)
    loss = loss[np.isfinite(loss)]
    k = window if len(loss) >= 2 * window else 1
    lines = [f"activation {history.activation}; {len(history.loss)} steps; loss {np.mean(loss[:k]):.4g} at the start, "
             f"{np.mean(loss[-k:]):.4g} at the end"
             + ("" if history.diverged_at is None else f"; NaN or inf from step {history.diverged_at}"),
             "layer   ‖dW‖      ‖ΔW‖/‖W‖   dead   f' < 10% of peak"]
    for i in range(len(grads)):
        hidden = i < len(dead)
        lines.append(f"{i + 1:5d}   {grads[i]:8.1e}  {ups[i]:9.1e}   "
                     + (f"{dead[i]:4.0%}   {sat[i]:4.0%}" if hidden else "   -      -   (output)"))
    return "\n".join(lines)


# ---- the verdict --------------------------------------------------------------------------------

#: Thresholds of ``diagnose``, each with the reason for its value.
THRESHOLDS = {
    "vanishing_ratio": (1e-2, "first-layer / last-layer weight-gradient norm below this: the input side "
                              "learns over 100 times more slowly than the output side"),
    "exploding_ratio": (1e2, "first-layer / last-layer weight-gradient norm above this"),
    "update_low": (1e-5, "update/weight ratio below this: two orders below the ~1e-3 rule of thumb"),
    "update_high": (1e-1, "update/weight ratio above this: each step rewrites a tenth of the weights"),
    "dead": (0.5, "fraction of a layer's units that never fire on a batch"),
}


@dataclass
class Diagnosis:
    verdict: str  # "vanishing", "exploding", "dead units" or "healthy"
    evidence: list  # lines of text: which layers, which numbers, which thresholds
    numbers: dict

    def __str__(self):
        return "\n".join([f"Verdict: {self.verdict.upper()}"] + [f"  - {line}" for line in self.evidence])

    def _repr_pretty_(self, printer, cycle):
        printer.text(str(self))


def diagnose(history, window=5):
    """Read a training ``History`` and name the problem, with the evidence.

    Uses the last ``window`` records (or steps): the ratio of the first layer's weight-gradient
    norm to the last layer's, the update/weight ratios of the first and the last layer, the dead
    fraction of every hidden layer, and whether the loss stayed finite. See ``THRESHOLDS``.
    """
    if not history.loss:
        raise InputError("the history is empty: train for at least one step with a Recorder")
    t = {k: v for k, (v, _) in THRESHOLDS.items()}
    evidence, numbers, problems = [], {}, []

    if history.diverged_at is not None:
        problems.append("exploding")
        evidence.append(f"the loss or the gradients stopped being finite (NaN or inf) at step {history.diverged_at}")

    grads = np.array(history.grad_norms[-window:])
    grads = grads[np.all(np.isfinite(grads), axis=1)]
    ups = np.array(history.update_ratios[-window:]) if history.update_ratios else np.zeros((0, history.layers))
    if len(grads):
        g = np.median(grads, axis=0)
        ratio = g[0] / max(g[-1], 1e-300)
        numbers["grad_ratio_first_last"] = ratio
        per_layer = ", ".join(f"{v:.1e}" for v in g)
        if ratio < t["vanishing_ratio"]:
            problems.append("vanishing")
            evidence.append(f"weight-gradient norm of layer 1 is {ratio:.1e} times that of layer {len(g)} "
                            f"(threshold {t['vanishing_ratio']:.0e}); per layer, input side first: {per_layer}")
        elif ratio > t["exploding_ratio"]:
            problems.append("exploding")
            evidence.append(f"weight-gradient norm of layer 1 is {ratio:.1e} times that of layer {len(g)} "
                            f"(threshold {t['exploding_ratio']:.0e}); per layer, input side first: {per_layer}")
        else:
            evidence.append(f"weight-gradient norms from layer 1 to layer {len(g)} stay within a factor "
                            f"{max(ratio, 1 / ratio):.1e}: {per_layer}")
    if len(ups):
        u = np.median(ups, axis=0)
        numbers["update_ratio_first"], numbers["update_ratio_last"] = u[0], u[-1]
        line = f"update/weight ratio: layer 1 {u[0]:.1e}, layer {len(u)} {u[-1]:.1e} (rule of thumb ~1e-3)"
        if u[0] < t["update_low"]:
            line += f"; layer 1 is below {t['update_low']:.0e}: its weights barely change"
            if "vanishing" not in problems and "exploding" not in problems:
                problems.append("vanishing")
        if np.max(u) > t["update_high"]:
            line += f"; layer {int(np.argmax(u)) + 1} is above {t['update_high']:.0e}: steps too large"
            if "exploding" not in problems:
                problems.append("exploding")
        evidence.append(line)
    if history.stats:
        dead = np.median(history.stat("dead")[-window:], axis=0)
        numbers["dead_fraction"] = dead
        bad = [f"layer {i + 1}: {d:.0%}" for i, d in enumerate(dead) if d > t["dead"]]
        if bad:
            problems.append("dead units")
            evidence.append(f"over {t['dead']:.0%} of the units never fire in: " + ", ".join(bad))
        sat = np.median(history.stat("saturated")[-window:], axis=0)
        numbers["saturated_fraction"] = sat
        what = "inactive (ReLU: f' = 0)" if history.activation == "relu" else "saturated (f' < 10% of its peak)"
        evidence.append(f"{what} fraction per hidden layer: " + ", ".join(f"{s:.0%}" for s in sat))
    loss = np.array(history.loss)
    if len(loss) >= 2 * window:
        first, last = np.mean(loss[:window]), np.mean(loss[-window:])
        numbers["loss_first"], numbers["loss_last"] = first, last
        evidence.append(f"loss (mean of {window} steps) {first:.4g} at the start, {last:.4g} at the end")

    order = ["exploding", "dead units", "vanishing"]
    verdict = next((p for p in order if p in problems), "healthy")
    return Diagnosis(verdict, evidence, numbers)
