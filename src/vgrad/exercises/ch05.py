"""Exercises of notebook 05_batch_norm."""
import numpy as np

from ..gradcheck import numerical_gradient
from ..nn.norm import BatchNorm, LayerNorm
from .registry import Case, Exercise, close, close_each, register


def _layer(gamma, beta, eps, training=True, running=None):
    bn = BatchNorm(len(gamma), eps=eps)
    bn.gamma, bn.beta, bn.training = np.array(gamma, float), np.array(beta, float), training
    if running is not None:
        bn.running_mean, bn.running_var = (np.array(r, float) for r in running)
    return bn


def _forward(x, gamma, beta, eps=1e-5):
    return _layer(gamma, beta, eps).forward(x)


def _backward(dout, x, gamma, eps=1e-5):
    bn = _layer(gamma, np.zeros_like(gamma), eps)
    bn.forward(x)
    return bn.backward(dout), bn.dgamma, bn.dbeta


def _eval(x, gamma, beta, running_mean, running_var, eps=1e-5):
    return _layer(gamma, beta, eps, training=False, running=(running_mean, running_var)).forward(x)


# The normalisation layers compute these answers too (LayerNorm applied to x.T is batch norm):
# grading removes them with the references.
# Nor may finite differences stand in for the backward pass the exercise derives.
_LAYERS = (BatchNorm.forward, BatchNorm.backward, LayerNorm.forward, LayerNorm.backward, numerical_gradient)


def _shapes(rng):
    return [(int(rng.integers(3, 12)), int(rng.integers(2, 6))) for _ in range(3)]


def _forward_cases(rng):
    return [Case((rng.normal(rng.uniform(-3, 3), rng.uniform(0.5, 4), size=(n, d)),
                  rng.normal(1, 0.3, size=d), rng.normal(size=d))) for n, d in _shapes(rng)]


def _backward_cases(rng):
    return [Case((rng.normal(size=(n, d)), rng.normal(2, 3, size=(n, d)), rng.normal(1, 0.3, size=d)))
            for n, d in _shapes(rng)]


def _eval_cases(rng):
    cases = []
    for n, d in _shapes(rng) + [(1, 4)]:  # evaluation works for a single sample
        cases.append(Case((rng.normal(size=(n, d)), rng.normal(1, 0.3, size=d), rng.normal(size=d),
                           rng.normal(size=d), rng.uniform(0.5, 2.0, size=d))))
    return cases


register(Exercise(
    name="batchnorm_forward", label="Exercise 5.1", notebook="05_batch_norm", points=2,
    reference=_forward, cases=_forward_cases, compare=close(rtol=1e-8, atol=1e-12), protected=(_forward, *_LAYERS),
    hints=(
        "Per feature (per column): mean and variance over the batch (axis=0), x_hat = (x - mean) / sqrt(var + eps), "
        "then gamma * x_hat + beta.",
        "Use the biased variance, x.var(axis=0) (divide by N, not N - 1), as batch norm does.",
    ),
))

register(Exercise(
    name="batchnorm_backward", label="Exercise 5.2", notebook="05_batch_norm", points=3,
    reference=_backward, cases=_backward_cases, compare=close_each(rtol=1e-7, atol=1e-10), protected=(_backward, *_LAYERS),
    hints=(
        "Recompute the forward pass first (mean, var, inv_std = 1/sqrt(var + eps), x_hat). "
        "dgamma = sum(dout * x_hat, axis=0), dbeta = sum(dout, axis=0).",
        "With dx_hat = dout * gamma: dx = inv_std / N * (N * dx_hat - dx_hat.sum(axis=0) - x_hat * (dx_hat * x_hat).sum(axis=0)).",
        "Return the tuple (dx, dgamma, dbeta); check dx with vgrad.gradcheck.numerical_gradient if it disagrees.",
    ),
))

register(Exercise(
    name="batchnorm_eval", label="Exercise 5.3", notebook="05_batch_norm", points=1,
    reference=_eval, cases=_eval_cases, compare=close(rtol=1e-8, atol=1e-12), protected=(_eval, *_LAYERS),
    hints=(
        "In evaluation mode nothing is computed from the batch: use running_mean and running_var instead.",
        "gamma * (x - running_mean) / sqrt(running_var + eps) + beta — it must work for a batch of one.",
    ),
))
