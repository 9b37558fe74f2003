"""Normalisation layers with explicit forward and backward passes.

BatchNorm (Ioffe & Szegedy 2015) normalises each feature over the batch; LayerNorm (Ba et al. 2016)
normalises each sample over its features. Both then scale and shift with learned gamma and beta.
Like every layer, they keep the dtype they were built with and cast an input of another type to it.
"""
import numpy as np

from ..errors import InputError
from .init import float_dtype


def _params(layer, features, dtype):
    """gamma = 1, beta = 0 and their gradients, (features,) of ``dtype``."""
    if not (isinstance(features, (int, np.integer)) and features > 0):
        raise InputError(f"features must be a positive whole number; got {features!r}")
    dtype = float_dtype(dtype)
    layer.gamma, layer.beta = np.ones(features, dtype=dtype), np.zeros(features, dtype=dtype)
    layer.dgamma, layer.dbeta = np.zeros_like(layer.gamma), np.zeros_like(layer.beta)


def _input(layer, x, name):
    x = np.asarray(x, dtype=layer.gamma.dtype)
    if x.ndim != 2 or x.shape[1] != len(layer.gamma):
        raise InputError(f"{name} expects input of shape (batch, {len(layer.gamma)}); got {x.shape}")
    return x


class BatchNorm:
    """y = gamma * (x - mean) / sqrt(var + eps) + beta, per feature.

    Training mode: the batch's mean and (biased, divided by N) variance normalise it, and running
    averages are updated for later, as Ioffe & Szegedy (2015, Algorithm 2) and PyTorch do it:

        running_mean = momentum * running_mean + (1 - momentum) * mean
        running_var  = momentum * running_var  + (1 - momentum) * var * N / (N - 1)

    the running variance averages the *unbiased* estimate of each batch's variance. ``momentum`` is the
    fraction of the old average *kept* at each step (Keras's convention); PyTorch's ``momentum=0.1`` is
    the fraction replaced, the same as ``momentum=0.9`` here.
    Evaluation mode: the running averages, so a prediction does not depend on the rest of the batch.
    x, y: (batch, features); gamma, beta, running_mean, running_var: (features,), all of ``dtype``.
    """

    params = ("gamma", "beta")

    def __init__(self, features, momentum=0.9, eps=1e-5, dtype=np.float64):
        if not 0 <= momentum <= 1:
            raise InputError(f"momentum is the fraction of the running averages kept, in [0, 1]; got {momentum}")
        _params(self, features, dtype)
        self.running_mean = np.zeros(features, dtype=self.gamma.dtype)
        self.running_var = np.ones(features, dtype=self.gamma.dtype)
        self.momentum, self.eps = float(momentum), float(eps)  # Python numbers keep the layer's dtype
        self.training = True
        self.cache = None

    def forward(self, x):
        """x: (batch, features) -> y: (batch, features)."""
        x = _input(self, x, "BatchNorm")
        if self.training:
            if x.shape[0] < 2:
                raise InputError("BatchNorm in training mode needs a batch of at least 2 (a variance)")
            n = x.shape[0]
            mean, var = x.mean(axis=0), x.var(axis=0)
            m = self.momentum
            self.running_mean = m * self.running_mean + (1 - m) * mean
            self.running_var = m * self.running_var + (1 - m) * var * (n / (n - 1))
        else:
            mean, var = self.running_mean, self.running_var
        inv_std = 1.0 / np.sqrt(var + self.eps)
        x_hat = (x - mean) * inv_std
        self.cache = (x_hat, inv_std, self.training)
        return self.gamma * x_hat + self.beta

    def backward(self, dout):
        """dout: (batch, features) -> dx; sets dgamma, dbeta.

        In training mode the batch mean and variance depend on every x, which adds two terms:
        dx = inv_std / N * (N dx_hat - sum(dx_hat) - x_hat * sum(dx_hat * x_hat)).
        """
        if self.cache is None:
            raise InputError("call forward before backward: the layer has no cached input")
        x_hat, inv_std, training = self.cache
        dout = np.asarray(dout, dtype=x_hat.dtype)
        self.dgamma = np.sum(dout * x_hat, axis=0)
        self.dbeta = np.sum(dout, axis=0)
        dx_hat = dout * self.gamma
        if not training:
            return dx_hat * inv_std
        n = dout.shape[0]
        return inv_std / n * (n * dx_hat - dx_hat.sum(axis=0) - x_hat * np.sum(dx_hat * x_hat, axis=0))

    def __repr__(self):
        return f"BatchNorm({len(self.gamma)})"


class LayerNorm:
    """y = gamma * (x - mean) / sqrt(var + eps) + beta, with mean and var over each sample's features:
    the same in training and evaluation, whatever the batch. x, y: (batch, features)."""

    params = ("gamma", "beta")

    def __init__(self, features, eps=1e-5, dtype=np.float64):
        _params(self, features, dtype)
        self.eps = float(eps)
        self.training = True
        self.cache = None

    def forward(self, x):
        x = _input(self, x, "LayerNorm")
        mean, var = x.mean(axis=1, keepdims=True), x.var(axis=1, keepdims=True)
        inv_std = 1.0 / np.sqrt(var + self.eps)
        x_hat = (x - mean) * inv_std
        self.cache = (x_hat, inv_std)
        return self.gamma * x_hat + self.beta

    def backward(self, dout):
        if self.cache is None:
            raise InputError("call forward before backward: the layer has no cached input")
        x_hat, inv_std = self.cache
        dout = np.asarray(dout, dtype=x_hat.dtype)
        self.dgamma = np.sum(dout * x_hat, axis=0)
        self.dbeta = np.sum(dout, axis=0)
        dx_hat = dout * self.gamma
        d = dout.shape[1]
        return inv_std / d * (d * dx_hat - dx_hat.sum(axis=1, keepdims=True)
                              - x_hat * np.sum(dx_hat * x_hat, axis=1, keepdims=True))

    def __repr__(self):
        return f"LayerNorm({len(self.gamma)})"


NORMS = {"batch": BatchNorm, "layer": LayerNorm}
