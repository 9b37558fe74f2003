"""Exercises of notebook 02_deep_sigmoid_net."""
import copy
from functools import lru_cache

import numpy as np

from ..data import digits
from ..diagnostics import Recorder, diagnose, layer_grad_norms, layer_stats
from ..errors import InputError
from ..nn import MLP, SGD, mse, softmax_cross_entropy
from ..train import train
from .runner import NOTEBOOK_SEED
from .registry import Case, Exercise, Mistake, close, plain, register


# ---- Exercise 2.1: the weight-gradient norm of every layer --------------------------------------------

def _grad_norms_cases(rng):
    """Small networks of every activation, with biases that are not zero (so that a norm which takes in
    the bias gradient, or the backpropagated signal, differs), on batches of 1 to 11 examples. All but
    the first hold the gradients of an earlier pass on other data: a function that forgets the backward
    pass returns those (the first, a fresh network, gives zeros)."""
    cases = []
    for i, (depth, act, n) in enumerate(((2, "sigmoid", int(rng.integers(4, 12))), (1, "tanh", 1),
                                         (5, "sigmoid", int(rng.integers(4, 12))), (3, "relu", int(rng.integers(4, 12))),
                                         (2, "elu", int(rng.integers(4, 12))))):
        sizes = [int(rng.integers(3, 7))] + [int(rng.integers(3, 9)) for _ in range(depth)] + [int(rng.integers(2, 5))]
        net = MLP(sizes, activation=act, seed=int(rng.integers(1000)))
        for layer in net.layers:
            layer.b[:] = rng.normal(0.0, 0.5, size=layer.b.shape)
        if i > 0:  # an earlier forward and backward pass, on another batch
            _, dlogits = softmax_cross_entropy(net.forward(rng.normal(size=(3, sizes[0]))),
                                               rng.integers(0, sizes[-1], size=3))
            net.backward(dlogits)
        cases.append(Case((net, rng.normal(size=(n, sizes[0])), rng.integers(0, sizes[-1], size=n))))
    return cases


def _backward(net, x, y):
    _, dlogits = softmax_cross_entropy(net.forward(x), y)
    net.backward(dlogits)


def _norms_reversed(net, x, y):
    _backward(net, x, y)
    return np.array([np.linalg.norm(layer.dW) for layer in net.layers])[::-1]


def _norms_with_bias(net, x, y):
    _backward(net, x, y)
    return np.array([np.sqrt(np.sum(layer.dW ** 2) + np.sum(layer.db ** 2)) for layer in net.layers])


def _norms_of_deltas(net, x, y):
    _backward(net, x, y)
    return np.array([np.linalg.norm(delta) for delta in net.deltas])


def _norms_rms(net, x, y):
    _backward(net, x, y)
    return np.array([np.sqrt(np.mean(layer.dW ** 2)) for layer in net.layers])


def _norms_squared(net, x, y):
    _backward(net, x, y)
    return np.array([np.sum(layer.dW ** 2) for layer in net.layers])


def _norms_abs(net, x, y):
    _backward(net, x, y)
    return np.array([np.sum(np.abs(layer.dW)) for layer in net.layers])


def _norms_spectral(net, x, y):
    _backward(net, x, y)
    return np.array([np.linalg.norm(layer.dW, 2) for layer in net.layers])


def _norms_without_backward(net, x, y):
    net.forward(x)
    return np.array([np.linalg.norm(layer.dW) for layer in net.layers])


def _norms_of_mse(net, x, y):
    logits = net.forward(x)
    _, dlogits = mse(logits, np.eye(logits.shape[1])[y])
    net.backward(dlogits)
    return np.array([np.linalg.norm(layer.dW) for layer in net.layers])


register(Exercise(
    name="grad_norms",
    label="Exercise 2.1",
    notebook="02_deep_sigmoid_net",
    points=2,
    reference=lambda net, x, y: layer_grad_norms(net, x, y, loss="cross_entropy"),
    cases=_grad_norms_cases,
    compare=close(rtol=1e-8, atol=1e-300),
    protected=(layer_grad_norms, layer_stats, Recorder.before_update),  # each computes the norms
    hints=(
        "Before any norm, three steps: a forward pass on x, the loss with its gradient with respect to the "
        "logits (softmax_cross_entropy returns both), and a backward pass from that gradient. Only then does "
        "every layer hold the gradient of this batch's loss in layer.dW.",
        "The norm asked for is the Frobenius norm of the matrix dW: the square root of the sum of the squares of "
        "ALL its entries. (np.linalg.norm of a matrix gives it when no ord is passed; ord=2 would be another "
        "norm.) The bias gradient db and the signals in net.deltas are not part of it.",
        "One number per entry of net.layers, the layer next to the input first: an array of length "
        "len(net.layers). Check yours on one layer by hand: np.sqrt(np.sum(net.layers[0].dW ** 2)).",
    ),
    mistakes=(
        Mistake("output side first", _norms_reversed,
                "Your norms are right but in reverse order: net.layers lists the layers input side first, and so "
                "should your array (layer 1, next to the input, first)."),
        Mistake("no backward pass", _norms_without_backward,
                "Your norms are those of the gradients the network held BEFORE your call (zeros for a fresh "
                "network, an earlier batch's otherwise): run the backward pass from the loss's gradient, "
                "net.backward(dlogits), before reading layer.dW."),
        Mistake("mean squared error", _norms_of_mse,
                "Your norms are those of the mean squared error against one-hot labels: the exercise asks for the "
                "softmax cross-entropy, softmax_cross_entropy(logits, y), whose gradient is (softmax - one-hot) / "
                "batch."),
        Mistake("bias gradient included", _norms_with_bias,
                "Your norms take in the bias gradient db as well: the exercise asks for ||dL/dW||, the weights' "
                "gradient layer.dW alone."),
        Mistake("norms of the backpropagated signals", _norms_of_deltas,
                "Your numbers are the norms of net.deltas, the gradients with respect to each layer's "
                "pre-activations (the backpropagated signal): the exercise asks for the weights' gradients, "
                "layer.dW."),
        Mistake("root mean square", _norms_rms,
                "Your norms are divided by the square root of the number of entries (a root mean square): the "
                "Frobenius norm is the square root of the SUM of the squares, not of their mean."),
        Mistake("squared norms", _norms_squared,
                "Your numbers are the squares of the norms (the sum of squares): take the square root."),
        Mistake("sum of absolute values", _norms_abs,
                "Your numbers are sums of absolute values (the entrywise 1-norm): the Frobenius norm is the square "
                "root of the sum of SQUARES."),
        Mistake("spectral norm", _norms_spectral,
                "Your norms are spectral norms (the largest singular value: np.linalg.norm(M, 2) for a matrix): "
                "the exercise asks for the Frobenius norm, np.linalg.norm(M) with no ord."),
    ),
))


# ---- Exercise 2.2: update/weight ratios ------------------------------------------------------------------

def _update_ratios_reference(before, after):
    return np.array([np.linalg.norm(a - b) / np.linalg.norm(b) for b, a in zip(before, after)])


def _update_ratios_cases(rng):
    """Lists of weight matrices of different shapes (never all zero) before and after a step: small steps
    as in training (10^-6 to 10^-1 of the weights' size), a large step (half of it), a weight-decay step
    (after = c * before, so the ratio is |1 - c| and the ratio to the weights after is |1 - c| / c), a
    layer that did not move (ratio 0) and a one-row layer."""
    def weights(rows, cols):
        return rng.normal(size=(rows, cols))

    def step(w, size):
        return w + size * np.linalg.norm(w) * rng.normal(size=w.shape) / np.sqrt(w.size)

    shapes = [(int(rng.integers(2, 6)), int(rng.integers(2, 6))) for _ in range(6)]
    first = [weights(*s) for s in shapes[:3]]
    decay = float(np.round(rng.uniform(0.5, 0.95), 2))
    second = [weights(*s) for s in shapes[3:]] + [weights(1, int(rng.integers(3, 7)))]
    single = weights(int(rng.integers(2, 5)), int(rng.integers(2, 5)))
    return [
        Case((first, [step(w, 10.0 ** rng.uniform(-6, -1)) for w in first])),
        Case((second, [step(second[0], 0.5), decay * second[1], second[2].copy(), step(second[3], 10.0 ** rng.uniform(-3, -1))])),
        Case(([single], [step(single, 10.0 ** rng.uniform(-4, -1))])),
    ]


def _ratios_to_after(before, after):
    return np.array([np.linalg.norm(a - b) / np.linalg.norm(a) for b, a in zip(before, after)])


def _ratios_difference_of_norms(before, after):
    return np.array([(np.linalg.norm(a) - np.linalg.norm(b)) / np.linalg.norm(b) for b, a in zip(before, after)])


def _ratios_undivided(before, after):
    return np.array([np.linalg.norm(a - b) for b, a in zip(before, after)])


def _ratios_squared(before, after):
    return np.array([np.sum((a - b) ** 2) / np.sum(b ** 2) for b, a in zip(before, after)])


def _ratios_max_abs(before, after):
    return np.array([np.max(np.abs(a - b)) / np.max(np.abs(b)) for b, a in zip(before, after)])


def _ratios_spectral(before, after):
    return np.array([np.linalg.norm(a - b, 2) / np.linalg.norm(b, 2) for b, a in zip(before, after)])


def _ratios_elementwise(before, after):
    return [(a - b) / b for b, a in zip(before, after)]


def _same_arrays(value, got):
    """True when ``got`` holds the arrays of ``value`` (a list of arrays), one for one."""
    try:
        return plain(got) and len(got) == len(value) and all(
            np.shape(g) == np.shape(v) and np.allclose(g, v, rtol=1e-8) for v, g in zip(value, got))
    except (TypeError, ValueError):
        return False


register(Exercise(
    name="update_ratios",
    label="Exercise 2.2",
    notebook="02_deep_sigmoid_net",
    points=2,
    reference=_update_ratios_reference,
    cases=_update_ratios_cases,
    compare=close(rtol=1e-8),
    protected=(_update_ratios_reference, Recorder.after_update),  # the recorder computes the ratios
    hints=(
        "For each layer: the size of the change, ||W_after - W_before||, divided by the size of the weights "
        "before, ||W_before||. Both sizes are Frobenius norms (np.linalg.norm of a matrix, no ord).",
        "zip(before, after) walks the two lists layer by layer. Take the norm of the difference, not the "
        "difference of the norms: a step can change every weight without changing their overall size.",
        "Return one ratio per layer, in the order of the lists, as an array of numbers. A layer that did not "
        "move has ratio 0; a step that scales the weights by c has ratio |1 - c|.",
    ),
    mistakes=(
        Mistake("divides by the weights after the step (or swaps the arguments)", _ratios_to_after,
                "Your ratios divide by the size of the weights AFTER the step, ||W_after|| (which is also what "
                "update_ratios(after, before) gives): divide by ||W_before||, the weights the step started from."),
        Mistake("difference of the norms", _ratios_difference_of_norms,
                "Your ratios use the change in SIZE, ||W_after|| - ||W_before||: take the size of the CHANGE, "
                "||W_after - W_before||, the norm of the difference (a step can move every weight and keep the "
                "norm the same)."),
        Mistake("no division", _ratios_undivided,
                "Your numbers are the sizes of the steps, ||W_after - W_before||: divide each by the size of the "
                "weights before, ||W_before||, to get a ratio."),
        Mistake("squared ratio", _ratios_squared,
                "Your ratios are squared (sums of squares divided): take the norms, the square roots of those "
                "sums, before dividing."),
        Mistake("largest entries instead of norms", _ratios_max_abs,
                "Your ratios compare the largest entries, max|W_after - W_before| / max|W_before|: use Frobenius "
                "norms, which take every entry into account."),
        Mistake("spectral norms", _ratios_spectral,
                "Your ratios use spectral norms (np.linalg.norm(M, 2), the largest singular value): use the "
                "Frobenius norm, np.linalg.norm(M) with no ord."),
        Mistake("elementwise ratios", _ratios_elementwise,
                "You returned a matrix of elementwise ratios per layer: the exercise asks for ONE number per "
                "layer, the ratio of two norms, ||W_after - W_before|| / ||W_before||.", _same_arrays),
    ),
))


# ---- Exercise 2.3: training runs whose settings are not shown -----------------------------------

LABELS = ("vanishing", "exploding", "dead units", "healthy")

#: The kinds of mystery run: a problem, and settings that cause it, for a network 64-width-...-10
#: trained on the digits for 200 steps of SGD (momentum 0.9, learning rate 0.1 unless given), the
#: hidden biases set to ``bias`` (one number for every hidden layer, or one per layer). Each kind shows
#: its problem from ``SHOWN_SEED`` and every seed in ``CHECK_SEEDS`` (tests/test_exercise_inputs.py:
#: ``diagnose`` names each such run so), and every activation appears under two problems or more, so
#: that the activation does not give the answer. The second dead kind keeps its last hidden layer alive
#: (a positive bias, on a constant input): the output layer still gets a gradient while layer 1 gets
#: none, so rules that look for vanishing gradients before dead units call it "vanishing".
KINDS = (
    ("dead units", dict(activation="relu", depth=6, init="he_normal", bias=-2.0)),
    ("vanishing", dict(activation="sigmoid", depth=8, init="xavier_normal")),
    ("healthy", dict(activation="tanh", depth=6, init="xavier_normal")),
    ("exploding", dict(activation="relu", depth=10, init=1.0)),
    ("healthy", dict(activation="relu", depth=6, init="he_normal", lr=0.05)),
    ("vanishing", dict(activation="tanh", depth=10, init=0.08, bias=0.8)),
    ("exploding", dict(activation="elu", depth=8, init=1.0)),
    ("healthy", dict(activation="sigmoid", depth=2, init="xavier_normal")),
    ("dead units", dict(activation="relu", depth=5, width=48, init="he_normal", bias=(-3.0, -3.0, -3.0, -3.0, 0.2))),
    ("healthy", dict(activation="elu", depth=6, init="he_normal", lr=0.05)),
)
SHOWN_SEED = 1  # the runs the notebook shows
CHECK_SEEDS = (2, 3, 4, 5, 6)  # the pool the check's runs come from: the same kinds, trained from other seeds
LETTERS = "ABCDEFGHIJ"

#: The runs every check hands out, the notebook's and the grader's alike, as (kind, seed): the
#: hardest of the pool (every kind, every seed of ``CHECK_SEEDS``). For each measurement a rule is
#: likely to read, the run of each side nearest the other side: the largest dead fraction of a healthy
#: run and the smallest of a dead one (at the last record, and as the median of the last 5 records), the
#: largest of an exploding one; layer 1's gradient ratio (median of the last 5 steps, and the last step
#: alone) and update/weight ratio at their largest in a vanishing run and at their smallest in a healthy
#: one and in a dead one; the final loss at its lowest in a vanishing run and at its highest in a healthy
#: one; and each kind not yet in, at its seed nearest another problem. A rule that names these 13 rightly
#: names every run of the pool rightly if it reads one of these measurements against a threshold; and
#: since every check holds the same 13, any rule gets the same verdict from the notebook's check as
#: from the grader. tests/test_exercise_inputs.py recomputes the list from the pool.
CHECK_RUNS = ((0, 2), (1, 2), (2, 6), (3, 4), (4, 4), (4, 5), (5, 3), (5, 4), (5, 6), (6, 4), (7, 4), (8, 2),
              (9, 2))

#: What went wrong in each run that ``mystery_runs()`` shows.
MYSTERY_ANSWERS = {letter: label for letter, (label, _) in zip(LETTERS, KINDS)}

_TRUTH = {}  # fingerprint of a trained run -> its kind's problem (filled by _trained)


def _fingerprint(history):
    return np.asarray(history.loss).tobytes() + np.asarray(history.grad_norms).tobytes()


@lru_cache(maxsize=None)
def _trained(kind, seed):
    """The run of ``KINDS[kind]`` trained from ``seed``: trained once per process (about 0.1 s), then
    kept. Callers get the kept ``History`` itself and must not change it."""
    label, cfg = KINDS[kind]
    x, y = digits()
    net = MLP([64] + [cfg.get("width", 32)] * cfg["depth"] + [10], activation=cfg["activation"],
              init=cfg["init"], seed=seed)
    for layer, bias in zip(net.layers[:-1], np.broadcast_to(cfg.get("bias", 0.0), cfg["depth"])):
        layer.b[:] = bias
    history = train(net, x, y, optimizer=SGD(lr=cfg.get("lr", 0.1), momentum=0.9), steps=200, seed=seed)
    _TRUTH[_fingerprint(history)] = label
    return history


def mystery_runs(seed=SHOWN_SEED):
    """The ten mystery networks trained on the digits from ``seed``: {letter: History}, one letter
    per kind of ``KINDS`` (the same letters whatever the seed)."""
    return {letter: copy.deepcopy(_trained(kind, seed)) for kind, letter in enumerate(LETTERS)}


def _arrangement(rng):
    """``CHECK_RUNS`` in two collections, of 6 and of 7 runs, each with every problem, in a random order:
    a list of two lists of (kind, seed), the first run under letter A."""
    first, second, rest = [], [], []
    for label in LABELS:
        runs = [r for r in CHECK_RUNS if KINDS[r[0]][0] == label]
        runs = [runs[i] for i in rng.permutation(len(runs))]
        first.append(runs[0])
        second.append(runs[1])
        rest += runs[2:]
    rest = [rest[i] for i in rng.permutation(len(rest))]
    return [[c[i] for i in rng.permutation(len(c))] for c in (first + rest[:2], second + rest[2:])]


def _labels(collection):
    return [KINDS[kind][0] for kind, _ in collection]


def _draw(rng, avoid=None):
    """An ``_arrangement`` from ``rng`` in which no collection has the problems, letter by letter, of the
    runs the notebook shows, nor both collections those of ``avoid`` (two lists of problems)."""
    shown = list(MYSTERY_ANSWERS.values())
    while True:
        collections = _arrangement(rng)
        labels = [_labels(c) for c in collections]
        if all(ls != shown[:len(ls)] for ls in labels) and labels != avoid:
            return collections


@lru_cache(maxsize=None)
def _notebook_labels():
    """The problems, letter by letter, of the two collections of the notebook's check."""
    return [_labels(c) for c in _draw(np.random.default_rng(NOTEBOOK_SEED))]


def _name_the_problems_cases(rng):
    """The runs of ``CHECK_RUNS``, in two collections (``_arrangement``) under the letters A, B, ...: the
    same runs for every seed, split and lettered anew. No collection's problems, letter by letter, are
    those of the runs the notebook shows, and a grader's seed never gives both collections those of the
    notebook's check: a table of either set of answers fails on every grader seed."""
    notebook = rng.bit_generator.state == np.random.default_rng(NOTEBOOK_SEED).bit_generator.state
    collections = _draw(rng, None if notebook else _notebook_labels())
    return [Case(({LETTERS[i]: _trained(*run) for i, run in enumerate(c)},)) for c in collections]


class _Problems(dict):
    """The right answer for a collection of runs, {letter: problem}, which keeps the runs themselves so
    that feedback can show a misnamed run's numbers."""

    def __init__(self, answers, runs):
        super().__init__(answers)
        self.runs = runs


def _true_problems(runs):
    """What went wrong in each run: the problem its kind was made to have."""
    try:
        return _Problems({letter: _TRUTH[_fingerprint(history)] for letter, history in runs.items()}, runs)
    except KeyError:
        raise InputError("name_the_problems' reference knows only the runs of mystery_runs and of the "
                         "checks") from None


def _percent(values):
    return ", ".join(f"{v:.0%}" for v in values)


def _measurements(history, expected, got):
    """A misnamed run's numbers, the ones that tell ``expected`` from ``got`` first: diverged_at, the dead
    fraction per hidden layer at the last record, layer 1's weight-gradient norm over the last layer's
    (median of the last 5 steps), the loss at the end."""
    dead = history.stat("dead")[-1] if history.stats else np.zeros(0)
    grads = np.array(history.grad_norms[-5:], dtype=float)
    parts = {}
    parts["exploding"] = ("diverged_at is None (its loss and gradients stayed finite)" if history.diverged_at is None
                          else f"diverged_at = {history.diverged_at} (its loss or gradients stopped being finite)")
    parts["dead units"] = f"dead fraction per hidden layer at the last record: {_percent(dead)}"
    if len(grads) and np.all(np.isfinite(grads)):
        g = np.median(grads, axis=0)
        ratio = "undefined (0 / 0)" if g[-1] == 0 and g[0] == 0 else f"{g[0] / g[-1]:.1e}"
        parts["vanishing"] = (f"layer 1's weight-gradient norm over layer {len(g)}'s, median of the last 5 steps: "
                              f"{g[0]:.1e} / {g[-1]:.1e} = {ratio}")
    else:
        parts["vanishing"] = "its weight-gradient norms of the last 5 steps are not all finite"
    loss = np.asarray(history.loss, dtype=float)
    loss = loss[np.isfinite(loss)]
    if history.diverged_at is not None:
        end = f"loss {loss[0]:.3g} at step 0, {loss[-1]:.3g} at step {len(loss) - 1}" if len(loss) else ""
    else:
        end = f"loss {loss[:5].mean():.3g} over the first 5 steps, {loss[-5:].mean():.3g} over the last 5"
    order = dict.fromkeys([expected, got, "exploding", "dead units", "vanishing"])
    return "; ".join([parts[label] for label in order if label in parts] + ([end] if end else []))


def _compare_labels(expected, got):
    if not isinstance(got, dict):
        return f"expected a dict such as {{'A': 'healthy', ...}}, got {type(got).__name__}"
    if set(got) != set(expected):
        return f"expected the keys {sorted(expected)} (one per run), got {sorted(map(str, got))}"
    unknown = [v for v in got.values() if not isinstance(v, str) or v.strip().lower() not in LABELS]
    if unknown:
        return f"each answer must be one of {', '.join(map(repr, LABELS))}; got {unknown[0]!r}"
    wrong = [k for k in sorted(expected) if got[k].strip().lower() != expected[k]]
    if not wrong:
        return None
    first = wrong[0]
    said = got[first].strip().lower()
    text = (f"{len(wrong)} of the {len(expected)} runs {'is' if len(wrong) == 1 else 'are'} named wrongly; "
            f"the first, run {first}, "
            f"is {expected[first]!r}, not {said!r}")
    runs = getattr(expected, "runs", None)
    if runs is not None and first in runs:
        text += f".\n  Run {first}'s numbers: {_measurements(runs[first], expected[first], said)}"
    return text


# ---- plausible wrong answers to 2.3, each with its hint -----------------------------------------------

def _rules(runs, order=("exploding", "dead units", "vanishing")):
    """The solution's rules, tested in ``order`` (a test left out is never made)."""
    names = {}
    for letter, history in runs.items():
        grads = np.median(np.array(history.grad_norms[-5:]), axis=0)
        signs = {"exploding": history.diverged_at is not None,
                 "dead units": history.stat("dead")[-1].max() > 0.5,
                 "vanishing": grads[0] < 1e-2 * grads[-1]}
        names[letter] = next((label for label in order if signs[label]), "healthy")
    return names


def _vanishing_before_dead(runs):
    return _rules(runs, ("exploding", "vanishing", "dead units"))


def _no_dead_units(runs):
    return _rules(runs, ("exploding", "vanishing"))


def _no_exploding(runs):
    with np.errstate(invalid="ignore"):
        return _rules(runs, ("dead units", "vanishing"))


_BY_ACTIVATION = {"relu": "dead units", "sigmoid": "vanishing", "tanh": "healthy", "elu": "exploding"}


def _by_activation(runs):
    return {letter: _BY_ACTIVATION[history.activation] for letter, history in runs.items()}


def _a_function_of(value, got):
    """True when ``got`` gives one name to every run that ``value`` names alike (``value``: the names by
    activation, one name per activation)."""
    try:
        return all(len({str(got[k]).strip().lower() for k in value if value[k] == v}) == 1 for v in set(value.values()))
    except (KeyError, TypeError):
        return False


register(Exercise(
    name="name_the_problems",
    label="Exercise 2.3",
    notebook="02_deep_sigmoid_net",
    points=2,
    reference=_true_problems,
    cases=_name_the_problems_cases,
    compare=_compare_labels,
    protected=(diagnose, _true_problems),
    hints=(
        "Start with what cannot be missed: a run whose loss or gradients stopped being finite has "
        "history.diverged_at set (not None), and its loss climbs by orders of magnitude: 'exploding'.",
        "Dead units: history.stat('dead')[-1] is, per hidden layer, the fraction of units that never fired "
        "in the last record. In the dead runs some layer is all dead; in the healthy ones no layer "
        "is more than a fifth dead. A dead layer passes back no gradient at all (layer 1's is then 0), so "
        "test this before vanishing.",
        "Vanishing: compare layer 1's weight-gradient norm with the last layer's, over the last few steps "
        "rather than one (a median evens out a noisy step). In the tables, how large is that ratio in the runs "
        "whose loss stays near ln 10 = 2.303, and how large in the others? A threshold in the wide gap between "
        "them separates the two. Whatever shows none of the three problems is 'healthy'.",
    ),
    mistakes=(
        Mistake("vanishing tested before dead units", _vanishing_before_dead,
                "Your answers call a dead-units run 'vanishing': where a whole layer never fires, it passes back "
                "no gradient at all, so layer 1's gradient is 0 while the output layer's need not be. Test for "
                "dead units (history.stat('dead')[-1]) BEFORE testing the gradient ratio."),
        Mistake("no test for dead units", _no_dead_units,
                "Your answers match rules with no test for dead units: the runs in which some hidden layer has "
                "(almost) every unit dead, history.stat('dead')[-1].max() close to 1, are named 'healthy' or "
                "'vanishing'. Look at the dead fractions of the runs you name wrongly."),
        Mistake("no test for exploding", _no_exploding,
                "Your answers match rules with no test for exploding: a run whose loss or gradients stopped "
                "being finite has history.diverged_at set (not None), and that comes first, whatever else its "
                "numbers show."),
        Mistake("names by the activation", _by_activation,
                "Your answers name every run of one activation alike: the activation does not tell the problem "
                "(ReLU runs here are dead, exploding or healthy, sigmoid runs vanishing or healthy). Read the "
                "numbers of each run.", _a_function_of),
    ),
))
