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
from .nn.activations import ACTIVATIONS, max_derivative
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
    Every ``every`` steps (at ``record_steps``): ``stats`` (a list of ``layer_stats`` dicts), ``distance``
    from the initial weights and ``weight_norms`` ||W_l|| (records x L). ``diverged_at``: the first step whose loss or gradients were not finite, or None."""

    activation: str
    every: int
    loss: list = field(default_factory=list)
    grad_norms: list = field(default_factory=list)
    update_ratios: list = field(default_factory=list)
    record_steps: list = field(default_factory=list)
    stats: list = field(default_factory=list)
    distance: list = field(default_factory=list)
    weight_norms: list = field(default_factory=list)
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
            h.weight_norms.append([float(np.linalg.norm(layer.W)) for layer in net.layers])
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

#: Thresholds of ``diagnose``, each with the reason for its value. The healthy runs of the course (notebook 02's
#: mystery runs, ReLU/He and tanh/Xavier networks at learning rates 0.01-0.1) sit at gradient/weight ratios of
#: 0.01-0.2 and update/weight ratios of 1e-3-2e-2 in every layer.
THRESHOLDS = {
    "vanishing_ratio": (1e-2, "first-layer / last-layer weight-gradient norm below this: the input side "
                              "learns over 100 times more slowly than the output side"),
    "exploding_ratio": (1e2, "first-layer / last-layer weight-gradient norm above this"),
    "gradient_level": (1e-3, "||dW|| / ||W|| below this in every layer: gradients ten times smaller than in the "
                             "healthy runs' weakest layer, though the profile may look flat"),
    "update_low": (1e-5, "update/weight ratio below this: two orders below the ~1e-3 rule of thumb"),
    "update_all_low": (1e-4, "update/weight ratio below this in every layer while the gradients are healthy: the "
                             "learning rate, not the gradient, is small"),
    "update_saturated": (5e-4, "layer 1's update/weight ratio below this while most units are saturated: a third "
                               "of the healthy runs' smallest (1.6e-3)"),
    "update_high": (1e-1, "update/weight ratio above this: each step rewrites a tenth of the weights"),
    "dead": (0.5, "fraction of a layer's units that never fire on a batch"),
    "saturated": (0.5, "median fraction of a saturating layer's unit-samples with f' under 10 % of its peak"),
    "loss_rise": (2.0, "the loss's last steps above this many times its best, and above where it started"),
    "learning": (0.8, "a run whose loss fell below this fraction of its start was learning"),
    "chaotic_ratio": (3.0, "with most units saturated, layer 1 gets over this many times the last layer's gradient: "
                           "the chaotic phase (a well-trained tanh network, also saturated, stays near 1)"),
    "spread_fade": (1e-2, "the last hidden layer's activation spread below this fraction of the first's: the signal "
                          "fades on its way up"),
    "spread_growth": (1e2, "the last hidden layer's activation spread above this many times the first's"),
}

SHRINKING = "the initialisation scale: the signal shrinks through the layers"


@dataclass
class Diagnosis:
    verdict: str  # vanishing, exploding, dead units, learning rate too small/large, healthy, or not sure
    evidence: list  # lines of text: which layers, which numbers, which thresholds
    numbers: dict
    cause: str = None  # for vanishing and exploding: the likely source
    candidates: tuple = ()  # for "not sure": the two problems the evidence does not separate
    because: str = None  # the evidence line that first found the verdict's problem

    def __str__(self):
        head = f"Verdict: {self.verdict.upper()}"
        if self.cause:
            head += f" (likely source: {self.cause})"
        if self.candidates:
            head += f" — {' or '.join(self.candidates)}"
        return "\n".join([head] + [f"  - {line}" for line in self.evidence])

    def _repr_pretty_(self, printer, cycle):
        printer.text(str(self))


def _table(run, name, rows=None, columns=None):
    """run[name] as a float array of ``rows`` x ``columns`` (either may be None: any), or a clear InputError."""
    try:
        table = np.asarray(run[name], dtype=float)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a table of numbers, one row per step (or record), one column per layer; "
                         f"got {str(run[name])[:60]!r}") from None
    if table.ndim != 2 or rows is not None and len(table) != rows or columns is not None and table.shape[1] != columns:
        want = f"{'?' if rows is None else rows} x {'?' if columns is None else columns}"
        raise InputError(f"{name} must be a table of {want} numbers (rows: steps or records; columns: layers); "
                         f"got shape {table.shape}")
    return table


def _as_history(run):
    """A ``History``, or a dict of plain per-step and per-layer numbers from any framework: ``loss`` (steps),
    ``grad_norms`` (steps x layers, input side first), optionally ``update_ratios`` (steps x layers),
    ``weight_norms`` (records x layers), ``dead`` and ``saturated`` (fractions) and ``act_std`` (records x hidden
    layers, the layers before the output), and ``activation`` (its name)."""
    if isinstance(run, History):
        return run
    if not isinstance(run, dict) or "loss" not in run or "grad_norms" not in run:
        raise InputError("diagnose reads a History (from a Recorder, or train's result) or a dict with at least "
                         "'loss' (one number per step) and 'grad_norms' (one row per step, one column per layer)")
    if isinstance(run["loss"], (list, tuple)) and any(v is None for v in run["loss"]):
        raise InputError(f"loss must be a list of numbers, one per step; step {list(run['loss']).index(None)} is None")
    try:
        loss = np.asarray(run["loss"], dtype=float)
    except (TypeError, ValueError):
        raise InputError(f"loss must be a list of numbers, one per step; got {str(run['loss'])[:60]!r}") from None
    if loss.ndim != 1:
        raise InputError(f"loss must be a list of numbers, one per step; got shape {loss.shape}")
    if not len(loss):
        raise InputError("the history is empty: give at least one step's loss and gradient norms")
    grads = _table(run, "grad_norms", rows=len(loss))
    layers = grads.shape[1]
    tables = {name: _table(run, name, rows=len(loss) if name == "update_ratios" else None,
                           columns=layers if name in ("update_ratios", "weight_norms") else max(layers - 1, 1))
              for name in ("update_ratios", "weight_norms", "dead", "saturated", "act_std") if name in run}
    for name in ("grad_norms", "update_ratios", "weight_norms", "act_std"):
        table = grads if name == "grad_norms" else tables.get(name)
        if table is not None and np.any(table[np.isfinite(table)] < 0):
            raise InputError(f"{name} are norms: none can be negative")
    for name in ("dead", "saturated"):
        if name in tables and np.any((tables[name] < 0) | (tables[name] > 1)):
            raise InputError(f"{name} must be fractions between 0 and 1 (10 % is 0.1)")
    activation = str(run.get("activation", "unknown")).lower()
    if activation != "unknown" and activation not in ACTIVATIONS:
        raise InputError(f"unknown activation {run['activation']!r}; give one of {', '.join(sorted(ACTIVATIONS))}"
                         " or leave it out")
    bad = next((i for i, (v, g) in enumerate(zip(loss, grads)) if not (np.isfinite(v) and np.all(np.isfinite(g)))),
               None)
    history = History(activation=activation, every=1, loss=loss.tolist(), grad_norms=grads.tolist(),
                      update_ratios=tables.get("update_ratios", np.zeros((0, layers))).tolist(),
                      weight_norms=tables.get("weight_norms", np.zeros((0, layers))).tolist(), diverged_at=bad)
    hidden = {k: tables[k] for k in ("dead", "saturated", "act_std") if k in tables}
    records = min((len(v) for v in hidden.values()), default=0)
    history.stats = [{k: v[i] for k, v in hidden.items()} for i in range(records)]
    return history


def _median_last(rows, window):
    """The per-layer median of the last ``window`` rows whose every entry is finite, or None if there is none."""
    rows = np.array(rows[-window:], dtype=float)
    rows = rows[np.all(np.isfinite(rows), axis=1)] if rows.ndim == 2 else rows[:0]
    return np.median(rows, axis=0) if len(rows) else None


def diagnose(run, window=5):
    """Read a training run and name its problem, with the evidence and the threshold behind each step.

    ``run``: a ``History`` or a dict of per-layer numbers from any framework (see ``_as_history``). Reads the last
    ``window`` steps (or records): the first-to-last profile of the weight-gradient norms and their level against the
    weights (||dW|| / ||W||), the update/weight ratios of every layer, the dead and saturated fractions, the forward
    signal's spread, the loss curve and non-finite values. See ``THRESHOLDS``. Verdicts: exploding, dead units,
    vanishing (with its likely source: saturation, the initialisation scale, or the sigmoid's own derivative),
    learning rate too large, learning rate too small, healthy — or not sure, naming the two candidates.
    """
    if not (isinstance(window, (int, np.integer)) and not isinstance(window, bool) and window >= 1):
        raise InputError(f"window must be a whole number of steps >= 1; got {window!r}")
    history = _as_history(run)
    if not history.loss:
        raise InputError("the history is empty: train for at least one step with a Recorder")
    t = {k: v for k, (v, _) in THRESHOLDS.items()}
    evidence, numbers, problems, causes, first = [], {}, [], {}, {}

    def found(problem, line, cause=None):
        if problem not in problems:
            problems.append(problem)
            first[problem] = line
        evidence.append(line)
        if cause:
            causes.setdefault(problem, cause)

    loss = np.array(history.loss, dtype=float)
    finite = loss[np.isfinite(loss)]
    start = np.mean(loss[:window]) if np.all(np.isfinite(loss[:window])) else float("nan")
    improved = len(finite) > window and np.min(finite) < t["learning"] * start
    if history.diverged_at is not None:
        if history.diverged_at >= 10 and improved:
            found("learning rate too large", f"the loss fell from {start:.4g} to {np.min(finite):.4g}, then stopped "
                  f"being finite (NaN or inf) at step {history.diverged_at}: steps that overshoot, not a network "
                  "that could not start")
        else:
            found("exploding", f"the loss or the gradients stopped being finite (NaN or inf) at step "
                               f"{history.diverged_at}", "the signal or the steps grew without bound")

    stats = history.stats[-window:]
    sat = np.median([s["saturated"] for s in stats], axis=0) if stats and "saturated" in stats[0] else None
    dead = np.median([s["dead"] for s in stats], axis=0) if stats and "dead" in stats[0] else None
    spread = np.asarray(stats[-1]["act_std"], dtype=float) if stats and "act_std" in stats[0] else None
    saturated = (history.activation in ("sigmoid", "tanh") and sat is not None and len(sat) > 0
                 and np.median(sat) > t["saturated"])
    shrinks = (spread is not None and len(spread) > 1 and 0 < spread[-1] < t["spread_fade"] * spread[0]
               and (dead is None or dead[0] <= t["dead"]))  # alive at the bottom, fading (not cut off) on the way up
    grows = spread is not None and len(spread) > 1 and spread[0] > 0 and spread[-1] > t["spread_growth"] * spread[0]

    def vanishing_source():
        if saturated:
            return "saturation"
        if shrinks:
            return SHRINKING
        if history.activation == "sigmoid":
            return "the sigmoid's own derivative, at most 1/4 per layer"
        return "the initialisation scale: weights too small"

    g = _median_last(history.grad_norms, window)
    w = np.array(history.weight_norms[-1], dtype=float) if history.weight_norms else None
    level = g / w if g is not None and w is not None and np.all(w > 0) else None
    if g is not None:
        ratio = g[0] / g[-1] if g[-1] > 0 else (np.nan if g[0] == 0 else np.inf)  # nan: no gradient anywhere
        numbers["grad_ratio_first_last"] = ratio
        per_layer = ", ".join(f"{v:.1e}" for v in g)
        if level is not None:
            numbers["grad_level"] = level
        if not np.any(g):
            found("vanishing", "every layer's weight gradient is exactly 0: no gradient reaches any layer",
                  vanishing_source())
        elif ratio < t["vanishing_ratio"] or g[-1] == 0:
            found("vanishing", f"weight-gradient norm of layer 1 is {ratio:.1e} times that of layer {len(g)} "
                               f"(threshold {t['vanishing_ratio']:.0e}); per layer, input side first: {per_layer}",
                  vanishing_source())
        elif ratio > t["exploding_ratio"]:
            found("exploding", f"weight-gradient norm of layer 1 is {ratio:.1e} times that of layer {len(g)} "
                               f"(threshold {t['exploding_ratio']:.0e}); per layer, input side first: {per_layer}",
                  "weights too large for the depth")
        elif saturated and ratio > t["chaotic_ratio"]:
            found("exploding", f"the gradient grows towards the input (layer 1 gets {ratio:.1f} times the last "
                               f"layer's) while most {history.activation} units are saturated (median "
                               f"{np.median(sat):.0%}, threshold {t['saturated']:.0%}): the chaotic phase of "
                               f"notebook 04; per layer: {per_layer}",
                  "weights too large for the activation: the chaotic phase")
        elif saturated and not improved:
            found("vanishing", f"most {history.activation} units are saturated (median {np.median(sat):.0%}, "
                               f"threshold {t['saturated']:.0%}) and the loss has not fallen a fifth below its "
                               f"start: little gradient passes, whatever the profile; per layer: {per_layer}",
                  "saturation")
        else:
            evidence.append(f"weight-gradient norms of layer 1 and layer {len(g)} are within a factor "
                            f"{max(ratio, 1 / ratio):.1e} of each other; per layer: {per_layer}")
        if level is not None and np.all(level > 0) and np.max(level) < t["gradient_level"]:
            fade = (f"; the forward signal's spread falls from {spread[0]:.1e} to {spread[-1]:.1e}" if shrinks else "")
            found("vanishing", f"||dW|| / ||W|| is below {t['gradient_level']:.0e} in every layer (largest "
                               f"{np.max(level):.1e}): the profile may look flat, but its level is tiny{fade}",
                  vanishing_source())
    if grows:
        found("exploding", f"the forward signal's spread grows from {spread[0]:.1e} in layer 1 to {spread[-1]:.1e} "
                           f"in layer {len(spread)}: each layer enlarges it", "weights too large: the signal grows")
    u = _median_last(history.update_ratios, window)
    if history.update_ratios and u is None:
        evidence.append("no update/weight ratio of the last steps is a finite number in every layer: not read")
    if u is not None:
        numbers["update_ratio_first"], numbers["update_ratio_last"] = u[0], u[-1]
        line = f"update/weight ratio: layer 1 {u[0]:.1e}, layer {len(u)} {u[-1]:.1e} (rule of thumb ~1e-3)"
        healthy_level = level is not None and np.min(level) >= t["gradient_level"]
        flat = g is not None and t["vanishing_ratio"] <= numbers["grad_ratio_first_last"] <= t["exploding_ratio"]
        small_steps = np.max(u) < t["update_all_low"] and flat and (healthy_level or level is None)
        if small_steps and "vanishing" not in problems:
            found("learning rate too small", line + f"; every layer is below {t['update_all_low']:.0e} while the "
                  "gradients are of a healthy size" + (f" (||dW|| / ||W|| at least {np.min(level):.1e})"
                                                       if healthy_level else " (their profile is flat)")
                  + ": the steps, not the gradients, are small")
        elif saturated and u[0] < t["update_saturated"] and not problems:
            found("vanishing", line + f"; most {history.activation} units are saturated (median {np.median(sat):.0%}) "
                  f"and layer 1 updates below {t['update_saturated']:.0e}: little gradient passes the saturated units",
                  "saturation")
        elif u[0] < t["update_low"] and not problems:
            found("vanishing", line + f"; layer 1 is below {t['update_low']:.0e}: its weights barely change",
                  vanishing_source())
        elif np.max(u) > t["update_high"] and "exploding" not in problems:
            found("exploding", line + f"; layer {int(np.argmax(u)) + 1} is above {t['update_high']:.0e}: steps too "
                                      "large", "steps too large")
        else:
            evidence.append(line)
    if dead is not None:
        numbers["dead_fraction"] = dead
        bad = [f"layer {i + 1}: {d:.0%}" for i, d in enumerate(dead) if d > t["dead"]]
        if bad and not shrinks:  # units off because the signal faded on its way up are not the cause
            found("dead units", f"over {t['dead']:.0%} of the units never fire in: " + ", ".join(bad))
        elif bad:
            evidence.append(f"units never fire in {', '.join(bad)}: a consequence of the fading signal")
    if sat is not None:
        numbers["saturated_fraction"] = sat
        what = "inactive (ReLU: f' = 0)" if history.activation == "relu" else "saturated (f' < 10% of its peak)"
        evidence.append(f"{what} fraction per hidden layer: " + ", ".join(f"{s:.0%}" for s in sat))
    if len(loss) >= 2 * window and len(finite) and history.diverged_at is None:
        last = np.mean(loss[-window:])
        numbers["loss_first"], numbers["loss_last"] = start, last
        line = f"loss (mean of {window} steps) {start:.4g} at the start, {last:.4g} at the end"
        best = np.min(finite)
        if last > t["loss_rise"] * best and last > start:
            found("learning rate too large", line + f"; it had reached {best:.4g} and rose again, over "
                  f"{t['loss_rise']:g} times its best: steps that overshoot")
        else:
            evidence.append(line)

    if "learning rate too large" in problems:  # big updates, saturation or chaos can be its symptoms; units that
        if "dead units" in problems:             # died may be its work, or a bias's: the numbers cannot tell
            return Diagnosis("not sure", evidence, numbers, candidates=("dead units", "learning rate too large"))
        return Diagnosis("learning rate too large", evidence, numbers, cause="steps that overshoot",
                         because=first["learning rate too large"])
    order = ["exploding", "dead units", "vanishing", "learning rate too small"]
    verdict = next((p for p in order if p in problems), "healthy")
    return Diagnosis(verdict, evidence, numbers, cause=causes.get(verdict), because=first.get(verdict))
