"""Optimisers. ``step(layers)`` updates every parameter of every layer in place from its gradient.

A layer names its parameters in ``layer.params`` (for Dense: "W", "b"); the gradient of
parameter "W" is ``layer.dW``. In-place updates keep every reference to the arrays valid.
"""
import numpy as np

from ..errors import InputError


def _named_params(layers):
    for i, layer in enumerate(layers):
        for name in layer.params:
            yield (i, name), getattr(layer, name), getattr(layer, "d" + name)


class SGD:
    """Stochastic gradient descent with (heavy-ball) momentum: v = mu v - lr g; w += v."""

    def __init__(self, lr=0.01, momentum=0.0):
        if lr <= 0 or not 0 <= momentum < 1:
            raise InputError(f"need lr > 0 and 0 <= momentum < 1; got lr={lr}, momentum={momentum}")
        self.lr, self.momentum = lr, momentum
        self.velocity = {}

    def step(self, layers):
        for key, p, g in _named_params(layers):
            v = self.velocity.get(key, np.zeros_like(p))
            v = self.momentum * v - self.lr * g
            self.velocity[key] = v
            p += v


class Adam:
    """Adam (Kingma & Ba 2015): per-parameter steps from bias-corrected moment estimates."""

    def __init__(self, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
        if lr <= 0 or not (0 <= beta1 < 1 and 0 <= beta2 < 1):
            raise InputError(f"need lr > 0 and betas in [0, 1); got lr={lr}, betas=({beta1}, {beta2})")
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.m, self.v, self.t = {}, {}, 0

    def step(self, layers):
        self.t += 1
        for key, p, g in _named_params(layers):
            m = self.beta1 * self.m.get(key, 0.0) + (1 - self.beta1) * g
            v = self.beta2 * self.v.get(key, 0.0) + (1 - self.beta2) * g * g
            self.m[key], self.v[key] = m, v
            m_hat = m / (1 - self.beta1**self.t)
            v_hat = v / (1 - self.beta2**self.t)
            p -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)
