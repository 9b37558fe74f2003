"""Exercises of notebook 02_deep_sigmoid_net."""
import numpy as np

from ..data import digits
from ..diagnostics import diagnose, layer_grad_norms
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
    protected=(layer_grad_norms,),
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
    protected=(_update_ratios_reference,),
    hints=(
        "For each layer: the size of the change, ||W_after - W_before||, divided by the size of the weights "
        "before, ||W_before||.",
        "zip(before, after) walks the two lists layer by layer; np.linalg.norm gives the Frobenius norm.",
        "Return a NumPy array with one ratio per layer, in the order of the lists.",
    ),
))


# ---- Exercise 2.3: four training runs whose settings are not shown -----------------------------

#: What went wrong in each mystery run (the settings are in ``_MYSTERY``).
MYSTERY_ANSWERS = {"A": "dead units", "B": "vanishing", "C": "healthy", "D": "exploding"}
_MYSTERY = {
    "A": dict(activation="relu", depth=6, init="he_normal", bias=-2.0, lr=0.1),
    "B": dict(activation="sigmoid", depth=8, init="xavier_normal", bias=0.0, lr=0.1),
    "C": dict(activation="tanh", depth=6, init="xavier_normal", bias=0.0, lr=0.1),
    "D": dict(activation="relu", depth=8, init=0.6, bias=0.0, lr=0.1),
}
LABELS = ("vanishing", "exploding", "dead units", "healthy")


def mystery_runs(steps=200):
    """Train the four mystery networks on the digits; return {name: History}."""
    x, y = digits()
    runs = {}
    for name, cfg in _MYSTERY.items():
        net = MLP([64] + [32] * cfg["depth"] + [10], activation=cfg["activation"], init=cfg["init"], seed=1)
        for layer in net.layers[:-1]:
            layer.b[:] = cfg["bias"]
        runs[name] = train(net, x, y, optimizer=SGD(lr=cfg["lr"], momentum=0.9), steps=steps, seed=1)
    return runs


def _compare_labels(expected, got):
    if not isinstance(got, dict):
        return f"expected a dict such as {{'A': 'healthy', ...}}, got {type(got).__name__}"
    if set(got) != set(expected):
        return f"expected the keys {sorted(expected)}, got {sorted(map(str, got))}"
    unknown = [v for v in got.values() if not isinstance(v, str) or v.strip().lower() not in LABELS]
    if unknown:
        return f"each answer must be one of {', '.join(map(repr, LABELS))}; got {unknown[0]!r}"
    wrong = sum(got[k].strip().lower() != v for k, v in expected.items())
    return f"{wrong} of the {len(expected)} runs are named wrongly" if wrong else None


register(Exercise(
    name="name_the_problems",
    label="Exercise 2.3",
    notebook="02_deep_sigmoid_net",
    points=2,
    reference=lambda: dict(MYSTERY_ANSWERS),
    cases=lambda rng: [Case(())],
    compare=_compare_labels,
    protected=(diagnose,),
    hints=(
        "Start with the loss: a loss that is not finite, or weight changes far above 1e-1 per step, means the "
        "gradients exploded.",
        "Dead units: the 'dead' column. A ReLU unit that never fires passes back no gradient at all, so every "
        "layer below it gets ||dW|| = 0.",
        "Vanishing: ||dW|| and ||ΔW||/||W|| fall by orders of magnitude towards layer 1 while the loss stays "
        "near ln 10 = 2.303. Healthy: similar sizes in every layer, and the loss falls.",
    ),
))
