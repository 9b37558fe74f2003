"""The mutant catalogue of notebook 06 (harness: tests/mutants.py). The registry's mistakes
(src/vgrad/exercises/ch06.py) join the wrong answers listed here."""
import functools
import math
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from mutants import catalogue_tests, verdicts
from vgrad.exercises import run
from vgrad.gradcheck import numerical_gradient
from vgrad.nn import RNN, Dense, relu_grad
from vgrad.nn.residual import ResidualBlock

NOTEBOOK = "06_residual_networks"


# ---- the course's own layers, called in the ways a learner might --------------------------------------

def _block(W, b, scale, activation="relu"):
    block = ResidualBlock(W.shape[0], activation=activation, scale=scale)
    block.dense.W, block.dense.b = W, b
    return block


def backward_by_block(dy, x, W, b, scale):
    block = _block(W, b, scale)
    block.forward(x)
    return block.backward(dy), block.dense.dW, block.dense.db


class MyBlock(ResidualBlock):
    def gradients(self, x, dy):
        self.forward(x)
        return super().backward(dy), self.dense.dW, self.dense.db


def backward_by_subclass(dy, x, W, b, scale):
    block = MyBlock(W.shape[0], activation="relu", scale=scale)
    block.dense.W, block.dense.b = W, b
    return block.gradients(x, dy)


def backward_by_dense(dy, x, W, b, scale):
    layer = Dense(*W.shape)
    layer.W, layer.b = W, b
    layer.forward(np.maximum(x, 0))
    return dy + layer.backward(scale * dy) * (x > 0), layer.dW, layer.db


def backward_by_rnn(dy, x, W, b, scale):
    """One step of a linear RNN is the branch's Dense layer: z = u @ Wx + 0 @ Wh + b."""
    rnn = RNN(*W.shape, activation="linear")
    rnn.Wx, rnn.Wh, rnn.b = W, np.zeros((W.shape[1],) * 2), b
    rnn.forward(np.maximum(x, 0)[:, None, :])
    du = rnn.backward((scale * dy)[:, None, :])[:, 0]
    return dy + du * (x > 0), rnn.dWx, rnn.db


def backward_by_finite_differences(dy, x, W, b, scale):
    def loss():
        return np.sum(dy * (x + scale * (np.maximum(x, 0) @ W + b)))
    return numerical_gradient(loss, x), numerical_gradient(loss, W), numerical_gradient(loss, b)


def backward_in_a_thread(dy, x, W, b, scale):
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(backward_by_block, dy, x, W, b, scale).result()


def stack_by_linear_blocks(jacobians):
    """h -> h + h @ J.T, block after block, from the identity: the stack's Jacobian, transposed."""
    h = np.eye(len(jacobians[0]))
    for J in jacobians:
        h = _block(J.T.copy(), np.zeros(len(J)), 1.0, activation="linear").forward(h)
    return h.T


# ---- wrong answers, as written --------------------------------------------------------------------------

def _right_backward(dy, x, W, b, scale):
    d = scale * dy
    return dy + (d @ W.T) * (x > 0), np.maximum(x, 0).T @ d, d.sum(axis=0)


def backward_mask_from_branch(dy, x, W, b, scale):
    d = scale * dy
    u = np.maximum(x, 0)
    return dy + (d @ W.T) * (u @ W + b > 0), u.T @ d, d.sum(axis=0)


def _right_stack(jacobians):
    out = np.eye(len(jacobians[0]))
    for J in jacobians:
        out = (np.eye(len(J)) + J) @ out
    return out


def scale_by_absolute_bisection(depth, bracket):
    lo, hi = 0.0, 1.0
    while hi - lo > bracket:
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if depth * math.log1p(mid * mid) <= math.log(2) else (lo, mid)
    return (lo + hi) / 2


TABLE = {depth: math.sqrt(2 ** (1 / depth) - 1) for depth in (1, 4, 10, 20, 30, 50, 100)}  # every depth the notebook names

WRONG = {
    "residual_backward": {
        "ResidualBlock.backward": backward_by_block,
        "a subclass of ResidualBlock": backward_by_subclass,
        "Dense.backward for the branch": backward_by_dense,
        "RNN.backward with a linear activation for the branch": backward_by_rnn,
        "numerical_gradient": backward_by_finite_differences,
        "ResidualBlock.backward in a thread": backward_in_a_thread,
        "a partial of ResidualBlock.backward": lambda dy, x, W, b, scale: functools.partial(backward_by_block, W=W, b=b)(
            dy, x, scale=scale),
        "scale forgotten everywhere": lambda dy, x, W, b, scale: _right_backward(dy, x, W, b, 1.0),
        "ReLU mask from the branch's output": backward_mask_from_branch,
        "db summed over the features": lambda dy, x, W, b, scale: _right_backward(dy, x, W, b, scale)[:2] + (
            (scale * dy).sum(axis=1),),
        "in float32": lambda dy, x, W, b, scale: tuple(g.astype(np.float32) for g in _right_backward(dy, x, W, b, scale)),
        "zeros": lambda dy, x, W, b, scale: (np.zeros_like(x), np.zeros_like(W), np.zeros_like(b)),
        "dx only": lambda dy, x, W, b, scale: _right_backward(dy, x, W, b, scale)[0],
    },
    "stack_jacobian": {
        "ResidualBlock.forward with linear blocks": stack_by_linear_blocks,
        "in float32": lambda jacobians: _right_stack(jacobians).astype(np.float32),
        "starts from zeros": lambda jacobians: functools.reduce(lambda acc, J: (np.eye(len(J)) + J) @ acc, jacobians,
                                                              np.zeros_like(jacobians[0])),
        "the identity": lambda jacobians: np.eye(len(jacobians[0])),
        "identity of the size of the list": lambda jacobians: functools.reduce(
            lambda acc, J: (np.eye(len(jacobians)) + J) @ acc, jacobians, np.eye(len(jacobians))),
        "only the last block": lambda jacobians: np.eye(len(jacobians[-1])) + jacobians[-1],
        "I plus the plain product": lambda jacobians: np.eye(len(jacobians[0])) + np.linalg.multi_dot(
            jacobians[::-1] + [np.eye(len(jacobians[0]))]),
    },
    "branch_scale": {
        "depth off by one, the other way": lambda depth: math.sqrt(2 ** (1 / (depth - 1)) - 1) if depth > 1 else 1.0,
        "a table of the notebook's depths": lambda depth: TABLE.get(depth, 0.1),
        "in float32": lambda depth: np.float32(np.sqrt(2 ** (1 / depth) - 1)),
        "s = sqrt(2) / L": lambda depth: math.sqrt(2) / depth,
        "rounded to 3 digits": lambda depth: round(math.sqrt(2 ** (1 / depth) - 1), 3),
        "rounded to 6 significant digits": lambda depth: float(f"{math.sqrt(2 ** (1 / depth) - 1):.6g}"),
        "bisection to an absolute 1e-7": functools.partial(scale_by_absolute_bisection, bracket=1e-7),
    },
}


# ---- right answers, written differently from the solution -----------------------------------------------

def backward_by_loops(dy, x, W, b, scale):
    n, d = x.shape
    dx, dW, db = dy.copy(), np.zeros_like(W), np.zeros_like(b)
    for i in range(n):
        u = np.maximum(x[i], 0)
        dz = scale * dy[i]
        dW += np.outer(u, dz)
        db += dz
        dx[i] += (W @ dz) * (u > 0)  # u > 0 exactly where x > 0
    return dx, dW, db


def backward_by_einsum(dy, x, W, b, scale):
    u = np.maximum(x, 0)
    dz = scale * dy
    return (dy + np.einsum("nj,ij->ni", dz, W) * relu_grad(x), np.einsum("ni,nj->ij", u, dz), np.einsum("nj->j", dz))


def stack_by_multi_dot(jacobians):
    eye = np.eye(len(jacobians[0]))
    factors = [eye + J for J in reversed(jacobians)]
    return np.linalg.multi_dot(factors) if len(factors) > 1 else factors[0]


def stack_by_recursion(jacobians):
    if len(jacobians) == 1:
        return np.eye(len(jacobians[0])) + jacobians[0]
    return (np.eye(len(jacobians[-1])) + jacobians[-1]) @ stack_by_recursion(jacobians[:-1])


def stack_by_transposes(jacobians):
    out = np.eye(len(jacobians[0]))
    for J in jacobians:
        out = out @ (np.eye(len(J)) + J.T)
    return out.T


def scale_by_bisection(depth):
    """Bisection on (1 + s^2)^depth <= 2, in logarithms (1.25 ** 5000 overflows), until the bracket is
    narrower than 1e-6 of its lower end."""
    lo, hi = 0.0, 1.0
    while hi - lo > 1e-6 * lo or lo == 0:
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if depth * math.log1p(mid * mid) <= math.log(2) else (lo, mid)
    return (lo + hi) / 2


def scale_by_newton(depth):
    """Newton's method on f(s) = depth * log(1 + s^2) - log 2, from the first-order guess."""
    s = math.sqrt(math.log(2) / depth)
    for _ in range(100):
        step = (depth * math.log1p(s * s) - math.log(2)) / (depth * 2 * s / (1 + s * s))
        s -= step
        if abs(step) < 1e-7 * s:
            return s
    return s


RIGHT = {
    "residual_backward": {"loops over the batch, mask u > 0": backward_by_loops, "einsum and relu_grad": backward_by_einsum},
    "stack_jacobian": {"multi_dot of the reversed factors": stack_by_multi_dot, "recursion": stack_by_recursion,
                       "the transposed product": stack_by_transposes},
    "branch_scale": {"bisection to a relative 1e-6": scale_by_bisection, "Newton's method": scale_by_newton,
                     "the formula with math.pow": lambda depth: math.pow(math.pow(2, 1 / depth) - 1, 0.5),
                     "expm1": lambda depth: float(np.sqrt(np.expm1(np.log(2) / depth)))},
}


test_every_wrong_answer_fails_everywhere, test_every_right_answer_passes_everywhere = catalogue_tests(
    NOTEBOOK, WRONG, RIGHT)


def test_a_search_to_an_absolute_1e_8_mostly_fails():
    """Fine at small depths, too coarse near a million: one of the three depths drawn from 3e5 to a
    million catches it on nearly every seed (at one such depth alone it passes about one time in six)."""
    fails = [not res.passed for _, res in verdicts(functools.partial(scale_by_absolute_bisection, bracket=1e-8), "branch_scale")]
    assert np.mean(fails) > 0.95, np.mean(fails)


def test_a_float32_answer_is_not_told_about_its_search():
    res = run(lambda depth: np.float32(math.sqrt(2 ** (1 / depth) - 1)), "branch_scale")
    assert res.status == "failed" and "float32" in res.message and "bracket" not in res.hint, (res.message, res.hint)
