"""The mutant catalogue of notebook 05 (harness: tests/mutants.py). The registry's mistakes
(src/vgrad/exercises/ch05.py) join the wrong answers listed here."""
import functools
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from mutants import catalogue_tests
from vgrad.gradcheck import check_gradient, numerical_gradient
from vgrad.nn import MLP
from vgrad.nn.norm import BatchNorm, LayerNorm

NOTEBOOK = "05_batch_norm"


# ---- the course's own layers, called in the ways a learner might --------------------------------------

def _bn(gamma, beta, eps, training=True):
    bn = BatchNorm(len(gamma), eps=eps)
    bn.gamma, bn.beta, bn.training = gamma, beta, training
    return bn


def forward_by_batchnorm(x, gamma, beta, eps=1e-5):
    return _bn(gamma, beta, eps).forward(x)


def forward_by_class_method(x, gamma, beta, eps=1e-5):
    return BatchNorm.forward(_bn(gamma, beta, eps), x)


class MyNorm(BatchNorm):
    def __call__(self, x):
        return super().forward(x)


def forward_by_subclass(x, gamma, beta, eps=1e-5):
    layer = MyNorm(len(gamma), eps=eps)
    layer.gamma, layer.beta = gamma, beta
    return layer(x)


def forward_by_layernorm_on_the_transpose(x, gamma, beta, eps=1e-5):
    return gamma * LayerNorm(x.shape[0], eps=eps).forward(x.T).T + beta


def forward_in_a_thread(x, gamma, beta, eps=1e-5):
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(forward_by_batchnorm, x, gamma, beta, eps).result()


def forward_by_mlp(x, gamma, beta, eps=1e-5):
    """A network x -> Dense (identity) -> BatchNorm -> linear -> Dense (identity): its pre_activations."""
    d = x.shape[1]
    net = MLP([d, d, d], activation="linear", norm="batch")
    for layer in net.layers:
        layer.W, layer.b = np.eye(d), np.zeros(d)
    net.norms[0].gamma, net.norms[0].beta, net.norms[0].eps = gamma, beta, eps
    return net.forward(x)


def backward_by_batchnorm(dout, x, gamma, eps=1e-5):
    bn = _bn(gamma, np.zeros_like(gamma), eps)
    bn.forward(x)
    return bn.backward(dout), bn.dgamma, bn.dbeta


def backward_by_layernorm_on_the_transpose(dout, x, gamma, eps=1e-5):
    ln = LayerNorm(x.shape[0], eps=eps)
    x_hat = ln.forward(x.T).T
    dx = ln.backward((dout * gamma).T).T
    return dx, np.sum(dout * x_hat, axis=0), np.sum(dout, axis=0)


def _own_forward(x, gamma, eps):
    return gamma * (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + eps)


def backward_by_finite_differences(dout, x, gamma, eps=1e-5):
    x_hat = _own_forward(x, np.ones_like(gamma), eps)
    dx = numerical_gradient(lambda: np.sum(dout * _own_forward(x, gamma, eps)), x, 1e-6)
    return dx, np.sum(dout * x_hat, axis=0), np.sum(dout, axis=0)


def backward_by_check_gradient(dout, x, gamma, eps=1e-5):  # calls numerical_gradient inside
    x_hat = _own_forward(x, np.ones_like(gamma), eps)
    check_gradient(lambda: np.sum(dout * _own_forward(x, gamma, eps)), x, np.zeros_like(x))
    return dout * gamma, np.sum(dout * x_hat, axis=0), np.sum(dout, axis=0)


def backward_in_a_thread(dout, x, gamma, eps=1e-5):
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(backward_by_batchnorm, dout, x, gamma, eps).result()


def eval_by_batchnorm(x, gamma, beta, running_mean, running_var, eps=1e-5):
    bn = _bn(gamma, beta, eps, training=False)
    bn.running_mean, bn.running_var = running_mean, running_var
    return bn.forward(x)


class Frozen(BatchNorm):
    def predict(self, x):
        self.training = False
        return self.forward(x)


def eval_by_subclass(x, gamma, beta, running_mean, running_var, eps=1e-5):
    layer = Frozen(len(gamma), eps=eps)
    layer.gamma, layer.beta, layer.running_mean, layer.running_var = gamma, beta, running_mean, running_var
    return layer.predict(x)


def backward_over_rows(dout, x, gamma, eps=1e-5):
    d = x.shape[1]
    inv_std = 1 / np.sqrt(x.var(axis=1, keepdims=True) + eps)
    x_hat = (x - x.mean(axis=1, keepdims=True)) * inv_std
    dx_hat = dout * gamma
    dx = inv_std / d * (d * dx_hat - dx_hat.sum(axis=1, keepdims=True) - x_hat * np.sum(dx_hat * x_hat, axis=1, keepdims=True))
    return dx, np.sum(dout * x_hat, axis=0), np.sum(dout, axis=0)


# ---- the right function, right values, delivered wrongly --------------------------------------------------

def _forward(x, gamma, beta, eps=1e-5):
    return gamma * (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + eps) + beta


def _backward(dout, x, gamma, eps=1e-5):
    n = len(x)
    inv_std = 1 / np.sqrt(x.var(axis=0) + eps)
    x_hat = (x - x.mean(axis=0)) * inv_std
    dx_hat = dout * gamma
    dx = inv_std / n * (n * dx_hat - dx_hat.sum(axis=0) - x_hat * np.sum(dx_hat * x_hat, axis=0))
    return dx, np.sum(dout * x_hat, axis=0), np.sum(dout, axis=0)


def _eval(x, gamma, beta, running_mean, running_var, eps=1e-5):
    return gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta


WRONG = {
    "batchnorm_forward": {
        "BatchNorm.forward": forward_by_batchnorm,
        "BatchNorm.forward through the class": forward_by_class_method,
        "a subclass of BatchNorm": forward_by_subclass,
        "LayerNorm on x.T": forward_by_layernorm_on_the_transpose,
        "BatchNorm.forward in a thread": forward_in_a_thread,
        "a partial of BatchNorm.forward": lambda x, gamma, beta, eps=1e-5: functools.partial(
            forward_by_batchnorm, gamma=gamma, beta=beta, eps=eps)(x),
        "an MLP with norm='batch'": forward_by_mlp,
        "in float32": lambda x, gamma, beta, eps=1e-5: _forward(x, gamma, beta, eps).astype(np.float32),
        "returns x unchanged": lambda x, gamma, beta, eps=1e-5: x,
        "the right values, transposed": lambda x, gamma, beta, eps=1e-5: _forward(x, gamma, beta, eps).T,
        "ddof=1 and eps outside the square root": lambda x, gamma, beta, eps=1e-5: (
            gamma * (x - x.mean(0)) / (x.std(0, ddof=1) + eps) + beta),
    },
    "batchnorm_backward": {
        "BatchNorm.backward": backward_by_batchnorm,
        "LayerNorm.backward on x.T": backward_by_layernorm_on_the_transpose,
        "numerical_gradient": backward_by_finite_differences,
        "check_gradient": backward_by_check_gradient,
        "BatchNorm.backward in a thread": backward_in_a_thread,
        "a lambda around BatchNorm.backward": lambda dout, x, gamma, eps=1e-5: (lambda f: f(dout, x, gamma, eps))(
            backward_by_batchnorm),
        "in float32": lambda dout, x, gamma, eps=1e-5: tuple(g.astype(np.float32) for g in _backward(dout, x, gamma, eps)),
        "as a dict": lambda dout, x, gamma, eps=1e-5: dict(zip(("dx", "dgamma", "dbeta"), _backward(dout, x, gamma, eps))),
        "dx as the normalised dout": lambda dout, x, gamma, eps=1e-5: (
            (dout - dout.mean(0)) / dout.std(0),) + _backward(dout, x, gamma, eps)[1:],
        "zeros": lambda dout, x, gamma, eps=1e-5: (np.zeros_like(x), np.zeros_like(gamma), np.zeros_like(gamma)),
        "dx with the statistics over axis=1 (LayerNorm's formula)": backward_over_rows,
    },
    "batchnorm_eval": {
        "BatchNorm.forward in evaluation mode": eval_by_batchnorm,
        "a subclass of BatchNorm": eval_by_subclass,
        "a partial of BatchNorm.forward": lambda x, gamma, beta, running_mean, running_var, eps=1e-5: functools.partial(
            eval_by_batchnorm, gamma=gamma, beta=beta, running_mean=running_mean, running_var=running_var)(x, eps=eps),
        "running_var as a std, under a square root with eps": lambda x, gamma, beta, running_mean, running_var, eps=1e-5: (
            gamma * (x - running_mean) / np.sqrt(running_var ** 2 + eps) + beta),
        "batch statistics when there is a batch, else x": lambda x, gamma, beta, running_mean, running_var, eps=1e-5: (
            _forward(x, gamma, beta, eps) if len(x) > 1 else x),
        "in float32": lambda x, gamma, beta, running_mean, running_var, eps=1e-5: (
            _eval(x, gamma, beta, running_mean, running_var, eps).astype(np.float32)),
        "running mean and variance swapped": lambda x, gamma, beta, running_mean, running_var, eps=1e-5: (
            gamma * (x - running_var) / np.sqrt(np.abs(running_mean) + eps) + beta),
        "the first example only": lambda x, gamma, beta, running_mean, running_var, eps=1e-5: (
            _eval(x, gamma, beta, running_mean, running_var, eps)[0]),
    },
}


# ---- right answers, written differently from the solution -----------------------------------------------

def forward_by_loop(x, gamma, beta, eps=1e-5):
    out = np.empty_like(x)
    n = len(x)
    for j in range(x.shape[1]):
        col = [float(v) for v in x[:, j]]
        mean = sum(col) / n
        var = sum((v - mean) ** 2 for v in col) / n
        out[:, j] = [gamma[j] * (v - mean) / (var + eps) ** 0.5 + beta[j] for v in col]
    return out


def forward_by_moments(x, gamma, beta, eps=1e-5):
    mean = x.mean(axis=0)
    var = (x ** 2).mean(axis=0) - mean ** 2  # E[x^2] - E[x]^2
    scale = gamma / np.sqrt(var + eps)
    return x * scale + (beta - mean * scale)


def backward_by_graph(dout, x, gamma, eps=1e-5):
    """Step by step through the computational graph of the forward pass."""
    n = x.shape[0]
    mu = x.sum(axis=0) / n
    xmu = x - mu
    var = (xmu ** 2).sum(axis=0) / n
    sqrtvar = np.sqrt(var + eps)
    ivar = 1 / sqrtvar
    x_hat = xmu * ivar
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    dx_hat = dout * gamma
    divar = (dx_hat * xmu).sum(axis=0)
    dxmu1 = dx_hat * ivar
    dsqrtvar = -divar / sqrtvar ** 2
    dvar = 0.5 * dsqrtvar / sqrtvar
    dxmu2 = 2 * xmu * dvar / n
    dx1 = dxmu1 + dxmu2
    dmu = -dx1.sum(axis=0)
    return dx1 + dmu / n, dgamma, dbeta


def backward_by_jacobian(dout, x, gamma, eps=1e-5):
    """Per feature, the whole N x N Jacobian of x_hat with respect to x."""
    n, d = x.shape
    dx = np.empty_like(x)
    for j in range(d):
        c = x[:, j] - x[:, j].mean()
        s2 = c @ c / n + eps
        jac = (np.eye(n) - 1 / n) / np.sqrt(s2) - np.outer(c, c) / (n * s2 ** 1.5)
        dx[:, j] = jac.T @ (dout[:, j] * gamma[j])
    x_hat = (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + eps)
    return dx, np.einsum("ij,ij->j", dout, x_hat), dout.sum(axis=0)


def backward_as_a_list(dout, x, gamma, eps=1e-5):
    xc = x - x.mean(axis=0)
    var = np.mean(xc ** 2, axis=0) + eps
    g = dout * gamma
    dx = (g - g.mean(axis=0)) / np.sqrt(var) - xc * np.mean(g * xc, axis=0) / var ** 1.5
    return [dx, np.sum(dout * xc, axis=0) / np.sqrt(var), dout.sum(axis=0)]


def eval_folded(x, gamma, beta, running_mean, running_var, eps=1e-5):
    scale = gamma / np.sqrt(running_var + eps)
    return x * scale + (beta - running_mean * scale)


def eval_by_rows(x, gamma, beta, running_mean, running_var, eps=1e-5):
    return np.array([gamma * (row - running_mean) / np.sqrt(running_var + eps) + beta for row in x])


RIGHT = {
    "batchnorm_forward": {"a loop over the features": forward_by_loop, "E[x^2] - E[x]^2, folded": forward_by_moments},
    "batchnorm_backward": {"the computational graph, step by step": backward_by_graph,
                           "the Jacobian per feature": backward_by_jacobian,
                           "with x - mean instead of x_hat, as a list": backward_as_a_list},
    "batchnorm_eval": {"folded into one scale and shift": eval_folded, "row by row": eval_by_rows},
}


test_every_wrong_answer_fails_everywhere, test_every_right_answer_passes_everywhere = catalogue_tests(
    NOTEBOOK, WRONG, RIGHT)
