"""Exercises of notebook 02_deep_sigmoid_net."""
import copy
from functools import lru_cache

import numpy as np

from ..data import digits
from ..diagnostics import Recorder, diagnose, layer_grad_norms, layer_stats
from ..errors import InputError
from ..nn import MLP, SGD
from ..train import train
from .registry import Case, Exercise, close, register


def _grad_norms_cases(rng):
    cases = []
    for depth, act in ((1, "sigmoid"), (3, "tanh"), (5, "sigmoid"), (2, "relu")):
        sizes = [int(rng.integers(3, 7))] + [int(rng.integers(3, 9)) for _ in range(depth)] + [int(rng.integers(2, 5))]
        net = MLP(sizes, activation=act, seed=int(rng.integers(1000)))
        n = int(rng.integers(4, 12))
        cases.append(Case((net, rng.normal(size=(n, sizes[0])), rng.integers(0, sizes[-1], size=n))))
    return cases


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
        "Three steps: logits = net.forward(x); loss, dlogits = softmax_cross_entropy(logits, y); "
        "net.backward(dlogits). Then every layer in net.layers holds its gradient in layer.dW.",
        "The norm of a matrix here is the Frobenius norm, np.linalg.norm(layer.dW): the square root of the "
        "sum of squares of all its entries.",
        "Return one number per layer, input side first, as a NumPy array: "
        "np.array([np.linalg.norm(layer.dW) for layer in net.layers]).",
    ),
))


def _update_ratios_reference(before, after):
    return np.array([np.linalg.norm(a - b) / np.linalg.norm(b) for b, a in zip(before, after)])


def _update_ratios_cases(rng):
    cases = []
    for layers in (1, 3, 4):
        before = [rng.normal(size=(int(rng.integers(2, 6)), int(rng.integers(2, 6)))) for _ in range(layers)]
        after = [w + 10.0 ** rng.uniform(-6, -1) * rng.normal(size=w.shape) for w in before]
        cases.append(Case((before, after)))
    return cases


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
        "before, ||W_before||.",
        "zip(before, after) walks the two lists layer by layer; np.linalg.norm gives the Frobenius norm.",
        "Return a NumPy array with one ratio per layer, in the order of the lists.",
    ),
))


# ---- Exercise 2.3: training runs whose settings are not shown -----------------------------------

LABELS = ("vanishing", "exploding", "dead units", "healthy")

#: The kinds of mystery run: a problem, and settings that cause it, for a network 64-width-...-10
#: trained on the digits for 200 steps of SGD (momentum 0.9, learning rate 0.1 unless given), every
#: hidden bias set to ``bias``. Each kind shows its problem from every seed in ``SHOWN_SEED`` and
#: ``CHECK_SEEDS`` (tests/test_exercise_inputs.py: ``diagnose`` names each such run so), and every
#: activation appears under two problems or more, so that the activation does not give the answer.
KINDS = (
    ("dead units", dict(activation="relu", depth=6, init="he_normal", bias=-2.0)),
    ("vanishing", dict(activation="sigmoid", depth=8, init="xavier_normal")),
    ("healthy", dict(activation="tanh", depth=6, init="xavier_normal")),
    ("exploding", dict(activation="relu", depth=10, init=1.0)),
    ("healthy", dict(activation="relu", depth=6, init="he_normal", lr=0.05)),
    ("vanishing", dict(activation="tanh", depth=10, init=0.08, bias=0.8)),
    ("exploding", dict(activation="elu", depth=8, init=1.0)),
    ("healthy", dict(activation="sigmoid", depth=2, init="xavier_normal")),
    ("dead units", dict(activation="relu", depth=4, width=48, init="he_normal", bias=-3.0)),
    ("healthy", dict(activation="elu", depth=6, init="he_normal", lr=0.05)),
)
SHOWN_SEED = 1  # the runs the notebook shows
CHECK_SEEDS = (2, 3, 4, 5, 6)  # the runs a check draws from: the same kinds, trained from other seeds
LETTERS = "ABCDEFGHIJ"

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
    for layer in net.layers[:-1]:
        layer.b[:] = cfg.get("bias", 0.0)
    history = train(net, x, y, optimizer=SGD(lr=cfg.get("lr", 0.1), momentum=0.9), steps=200, seed=seed)
    _TRUTH[_fingerprint(history)] = label
    return history


def mystery_runs(seed=SHOWN_SEED):
    """The ten mystery networks trained on the digits from ``seed``: {letter: History}, one letter
    per kind of ``KINDS`` (the same letters whatever the seed)."""
    return {letter: copy.deepcopy(_trained(kind, seed)) for kind, letter in enumerate(LETTERS)}


def _name_the_problems_cases(rng):
    """Two collections of runs, of 5 and of 6, under the letters A, B, ... in a random order: one run
    of each problem and more of any, each a kind of ``KINDS`` trained from a seed of ``CHECK_SEEDS``,
    no run twice in a collection. Which runs, and under which letters, changes with every seed."""
    runs = [(kind, seed) for kind in range(len(KINDS)) for seed in CHECK_SEEDS]
    cases = []
    for size in (5, 6):
        chosen = []
        for label in LABELS:
            options = [r for r in runs if KINDS[r[0]][0] == label and r not in chosen]
            chosen.append(options[int(rng.integers(len(options)))])
        while len(chosen) < size:
            options = [r for r in runs if r not in chosen]
            chosen.append(options[int(rng.integers(len(options)))])
        order = rng.permutation(size)
        cases.append(Case(({LETTERS[i]: _trained(*chosen[j]) for i, j in enumerate(order)},)))
    return cases


def _true_problems(runs):
    """What went wrong in each run: the problem its kind was made to have."""
    try:
        return {letter: _TRUTH[_fingerprint(history)] for letter, history in runs.items()}
    except KeyError:
        raise InputError("name_the_problems' reference knows only the runs of mystery_runs and of the "
                         "checks") from None


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
    named = "run is" if len(wrong) == 1 else "runs are"
    return (f"{len(wrong)} of the {len(expected)} {named} named wrongly; the first, run {first}, "
            f"is {expected[first]!r}, not {got[first].strip().lower()!r}")


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
        "in the last record. In the dead runs some layer is (almost) all dead; in the healthy ones no layer "
        "is more than a fifth dead. A dead layer passes back no gradient at all, so test this before vanishing.",
        "Vanishing: compare layer 1's weight-gradient norm with the last layer's over the last few steps, "
        "np.median(np.array(history.grad_norms[-5:]), axis=0): in the vanishing runs layer 1 gets less "
        "than 1/100 of it (and the loss stays near ln 10 = 2.303), in the healthy ones about as much. "
        "Whatever shows none of the three problems is 'healthy'.",
    ),
))
