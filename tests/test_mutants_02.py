"""The mutant catalogue of notebook 02 (harness: tests/mutants.py). The registry's mistakes
(src/vgrad/exercises/ch02.py) join the wrong answers listed here."""
import types
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import numpy as np

from vgrad import diagnostics
from vgrad.data import one_hot
from vgrad.diagnostics import History, Recorder, layer_grad_norms, layer_stats
from vgrad.exercises.ch02 import MYSTERY_ANSWERS, mystery_runs
from vgrad.nn import SGD, mse, softmax_cross_entropy
from vgrad.train import train

from mutants import catalogue_tests
NOTEBOOK = "02_deep_sigmoid_net"


# ---- 2.1 grad_norms -------------------------------------------------------------------------------------

def _backward(net, x, y):
    _, dlogits = softmax_cross_entropy(net.forward(x), y)
    net.backward(dlogits)


def norms_loop(net, x, y):  # the square root of the sum of squares, layer by layer
    _backward(net, x, y)
    out = []
    for layer in net.layers:
        out.append(np.sqrt(np.sum(layer.dW ** 2)))
    return np.array(out)


def norms_fro(net, x, y):
    _backward(net, x, y)
    return np.array([np.linalg.norm(layer.dW, "fro") for layer in net.layers])


def norms_einsum(net, x, y):
    _backward(net, x, y)
    return np.array([np.sqrt(np.einsum("ij,ij->", layer.dW, layer.dW)) for layer in net.layers])


def norms_list(net, x, y):  # a list of floats, not an array: accepted (every use in the notebook works alike)
    _backward(net, x, y)
    return [float(np.linalg.norm(layer.dW)) for layer in net.layers]


def norms_float32(net, x, y):
    _backward(net, x, y)
    return np.array([np.linalg.norm(layer.dW) for layer in net.layers], dtype=np.float32)


def norms_hidden_only(net, x, y):  # leaves out the output layer
    _backward(net, x, y)
    return np.array([np.linalg.norm(layer.dW) for layer in net.layers[:-1]])


def norms_global(net, x, y):  # one norm for the whole network
    _backward(net, x, y)
    return np.sqrt(sum(np.sum(layer.dW ** 2) for layer in net.layers))


def norms_over_size(net, x, y):  # divided by the number of entries
    _backward(net, x, y)
    return np.array([np.linalg.norm(layer.dW) / layer.dW.size for layer in net.layers])


def norms_max_abs(net, x, y):
    _backward(net, x, y)
    return np.array([np.max(np.abs(layer.dW)) for layer in net.layers])


def norms_summed_loss(net, x, y):  # the loss summed over the batch, not averaged
    _, dlogits = softmax_cross_entropy(net.forward(x), y)
    net.backward(dlogits * len(y))
    return np.array([np.linalg.norm(layer.dW) for layer in net.layers])


def norms_mse_one_hot(net, x, y):  # mse against data.one_hot: the registry's mse mistake, written otherwise
    logits = net.forward(x)
    _, d = mse(logits, one_hot(y, logits.shape[1]))
    net.backward(d)
    return np.array([np.linalg.norm(layer.dW) for layer in net.layers])


def norms_by_layer_stats(net, x, y):
    _backward(net, x, y)
    return layer_stats(net)["weight_grad_norm"]


def norms_by_training_one_step(net, x, y):  # the recorder of train keeps the norms (and the step changes W)
    history = train(net, x, y, optimizer=SGD(lr=1e-12), steps=1, batch_size=len(y))
    return np.array(history.grad_norms[0])


def norms_in_a_thread(net, x, y):
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(layer_grad_norms, net, x, y, loss="cross_entropy").result()


# ---- 2.2 update_ratios ------------------------------------------------------------------------------------

def ratios_loop(before, after):
    out = []
    for b, a in zip(before, after):
        out.append(np.sqrt(np.sum((a - b) ** 2) / np.sum(b ** 2)))
    return np.array(out)


def ratios_einsum(before, after):
    return np.array([np.sqrt(np.einsum("ij,ij->", a - b, a - b) / np.einsum("ij,ij->", b, b))
                     for b, a in zip(before, after)])


def ratios_flattened(before, after):  # the vector 2-norm of the flattened matrices is the Frobenius norm
    return np.array([np.linalg.norm((a - b).ravel()) / np.linalg.norm(b.ravel()) for b, a in zip(before, after)])


def ratios_list(before, after):
    return [float(np.linalg.norm(a - b) / np.linalg.norm(b)) for b, a in zip(before, after)]


def ratios_mean_of_elementwise(before, after):
    return np.array([np.mean(np.abs(a - b) / np.abs(b)) for b, a in zip(before, after)])


def ratios_of_norms(before, after):  # ||W_after|| / ||W_before||: how the size changed, not the step
    return np.array([np.linalg.norm(a) / np.linalg.norm(b) for b, a in zip(before, after)])


def ratios_float32(before, after):
    return np.array([np.linalg.norm(a - b) / np.linalg.norm(b) for b, a in zip(before, after)], dtype=np.float32)


def ratios_by_recorder(before, after):  # the course's Recorder, on layers made up from the matrices
    layers = [types.SimpleNamespace(W=np.array(b, float)) for b in before]
    recorder = Recorder.__new__(Recorder)
    recorder.net = types.SimpleNamespace(layers=layers)
    recorder.history = History(activation="linear", every=1)
    recorder._before = [layer.W.copy() for layer in layers]
    for layer, a in zip(layers, after):
        layer.W = np.array(a, float)
    recorder.after_update()
    return np.array(recorder.history.update_ratios[-1])


# ---- 2.3 name_the_problems --------------------------------------------------------------------------------

def _rules(runs, dead=0.5, ratio=1e-2, order=("exploding", "dead units", "vanishing"), reverse=()):
    """The solution's rules with the given thresholds, tested in ``order``; a sign in ``reverse`` is read
    the wrong way round."""
    names = {}
    for letter, history in runs.items():
        g = np.median(np.array(history.grad_norms[-5:]), axis=0)
        signs = {"exploding": history.diverged_at is not None,
                 "dead units": history.stat("dead")[-1].max() > dead,
                 "vanishing": g[0] < ratio * g[-1]}
        signs = {k: (not v) if k in reverse else v for k, v in signs.items()}
        names[letter] = next((label for label in order if signs[label]), "healthy")
    return names


def problems_by_update_ratio(runs):  # vanishing read from layer 1's update/weight ratio, as diagnose also does
    names = {}
    for letter, history in runs.items():
        if history.diverged_at is not None:
            names[letter] = "exploding"
        elif max(history.stat("dead")[-1]) > 0.5:
            names[letter] = "dead units"
        elif np.median([u[0] for u in history.update_ratios[-5:]]) < 1e-4:
            names[letter] = "vanishing"
        else:
            names[letter] = "healthy"
    return names


def problems_by_loss(runs):  # vanishing: the loss never left ln 10; in upper case with spaces, as allowed
    names = {}
    for letter, history in runs.items():
        if history.diverged_at is not None or not np.isfinite(history.loss[-1]):
            names[letter] = "Exploding "
        elif np.mean(history.stat("dead")[-1] > 0.99) > 0:
            names[letter] = "Dead Units"
        elif abs(np.mean(history.loss[-10:]) - np.log(10)) < 0.2:
            names[letter] = "VANISHING"
        else:
            names[letter] = "Healthy"
    return names


def problems_typos(runs):
    typo = {"dead units": "dead unit", "vanishing": "vanishing gradients"}
    return {k: typo.get(v, v) for k, v in _rules(runs).items()}


def problems_by_shown_letter(runs):  # the table of the ten runs the notebook shows, by letter
    return {k: MYSTERY_ANSWERS[k] for k in runs}


def _shown_table():
    table = {tuple(h.loss[:3]): MYSTERY_ANSWERS[k] for k, h in mystery_runs().items()}
    return lambda runs: {k: table.get(tuple(h.loss[:3]), "healthy") for k, h in runs.items()}


WRONG = {
    "grad_norms": {
        "in float32": norms_float32,
        "hidden layers only": norms_hidden_only,
        "one global norm": norms_global,
        "divided by the number of entries": norms_over_size,
        "largest entry": norms_max_abs,
        "loss summed over the batch": norms_summed_loss,
        "mse against data.one_hot": norms_mse_one_hot,
        "a constant array": lambda net, x, y: np.array([0.5, 0.2, 0.1]),
        "layer_grad_norms": partial(layer_grad_norms, loss="cross_entropy"),
        "layer_grad_norms through a lambda": lambda net, x, y: layer_grad_norms(net, x, y, loss="cross_entropy"),
        "layer_grad_norms in a thread": norms_in_a_thread,
        "layer_stats": norms_by_layer_stats,
        "the recorder of one training step": norms_by_training_one_step,
    },
    "update_ratios": {
        "mean of elementwise ratios": ratios_mean_of_elementwise,
        "ratio of the norms": ratios_of_norms,
        "in float32": ratios_float32,
        "the first layer only": lambda before, after: np.linalg.norm(after[0] - before[0]) / np.linalg.norm(before[0]),
        "a constant (the rule of thumb)": lambda before, after: np.full(len(before), 1e-3),
        "the course's Recorder.after_update": ratios_by_recorder,
    },
    "name_the_problems": {
        "vanishing read the wrong way round": lambda runs: _rules(runs, reverse=("vanishing",)),
        "dead units read the wrong way round": lambda runs: _rules(runs, reverse=("dead units",)),
        "exploding read the wrong way round": lambda runs: _rules(runs, reverse=("exploding",)),
        "a constant answer": lambda runs: {k: "healthy" for k in runs},
        "labels with typos": problems_typos,
        "the shown runs' answers, by letter": problems_by_shown_letter,
        "the shown runs' answers, by their loss curves": _shown_table(),
        "diagnose": lambda runs: {k: diagnostics.diagnose(h).verdict for k, h in runs.items()},
    },
}

RIGHT = {
    "grad_norms": {
        "a loop with sqrt(sum(dW**2))": norms_loop,
        "np.linalg.norm(dW, 'fro')": norms_fro,
        "einsum": norms_einsum,
        "a list of floats": norms_list,
    },
    "update_ratios": {
        "a loop with sqrt of a ratio of sums": ratios_loop,
        "einsum": ratios_einsum,
        "norms of the flattened matrices": ratios_flattened,
        "a list of floats": ratios_list,
    },
    "name_the_problems": {
        "the solution's rules, thresholds 0.9 and 1e-3": lambda runs: _rules(runs, dead=0.9, ratio=1e-3),
        "vanishing from layer 1's update/weight ratio": problems_by_update_ratio,
        "vanishing from the loss, labels in any case": problems_by_loss,
    },
}


test_every_wrong_answer_fails_everywhere, test_every_right_answer_passes_everywhere = catalogue_tests(
    NOTEBOOK, WRONG, RIGHT)
