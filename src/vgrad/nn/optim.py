"""Optimisers. ``step(layers)`` updates every parameter of every layer in place from its gradient.

A layer names its parameters in ``layer.params`` (for Dense: "W", "b"); the gradient of
parameter "W" is ``layer.dW``. In-place updates keep every reference to the arrays valid, and each
optimiser's state (velocity, moments) is kept in the parameter's own dtype.
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
        lr, mu, velocity = self.lr, self.momentum, self.velocity
        for key, p, g in _named_params(layers):
            if not mu:
                p -= lr * g
                continue
            v = velocity.get(key)
            if v is None:
                v = velocity[key] = np.zeros_like(p)
            v *= mu
            v -= lr * g
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
        correct1, correct2 = 1 - self.beta1**self.t, 1 - self.beta2**self.t
        for key, p, g in _named_params(layers):
            if key not in self.m:
                if p.dtype.type(self.eps) == 0:
                    smallest = np.finfo(p.dtype).smallest_subnormal
                    raise InputError(f"eps={self.eps} is 0 in {p.dtype.name}, the parameters' dtype: every step "
                                     f"would divide by 0 where a gradient is 0. Use eps >= {smallest:.1g}.")
                self.m[key], self.v[key] = np.zeros_like(p), np.zeros_like(p)
            m, v = self.m[key], self.v[key]
            m *= self.beta1
            m += (1 - self.beta1) * g
            v *= self.beta2
            v += (1 - self.beta2) * np.square(g)
            # p -= lr * m_hat / (sqrt(v_hat) + eps), m_hat = m / correct1, v_hat = v / correct2
            denom = np.sqrt(v)
            denom /= np.sqrt(correct2)
            denom += self.eps
            p -= (self.lr / correct1) * (m / denom)
