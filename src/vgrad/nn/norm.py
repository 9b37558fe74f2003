"""Normalisation layers with explicit forward and backward passes.

BatchNorm (Ioffe & Szegedy 2015) normalises each feature over the batch; LayerNorm (Ba et al. 2016)
normalises each sample over its features. Both then scale and shift with learned gamma and beta.
"""
import numpy as np

from ..errors import InputError


class BatchNorm:
    """y = gamma * (x - mean) / sqrt(var + eps) + beta, per feature.

    Training mode: mean and var of the batch, and running averages updated for later.
    Evaluation mode: the running averages, so a prediction does not depend on the rest of the batch.
    x, y: (batch, features); gamma, beta, running_mean, running_var: (features,)
    """

    params = ("gamma", "beta")

    def __init__(self, features, momentum=0.9, eps=1e-5, dtype=np.float64):
        self.gamma = np.ones(features, dtype=dtype)
        self.beta = np.zeros(features, dtype=dtype)
        self.dgamma = np.zeros_like(self.gamma)
        self.dbeta = np.zeros_like(self.beta)
        self.running_mean = np.zeros(features, dtype=dtype)
        self.running_var = np.ones(features, dtype=dtype)
        self.momentum, self.eps = momentum, eps
        self.training = True
        self.cache = None

    def forward(self, x):
        """x: (batch, features) -> y: (batch, features)."""
        if x.ndim != 2 or x.shape[1] != len(self.gamma):
            raise InputError(f"BatchNorm expects input of shape (batch, {len(self.gamma)}); got {x.shape}")
        if self.training:
            if x.shape[0] < 2:
                raise InputError("BatchNorm in training mode needs a batch of at least 2 (a variance)")
            mean, var = x.mean(axis=0), x.var(axis=0)
            m = self.momentum
            self.running_mean = m * self.running_mean + (1 - m) * mean
            self.running_var = m * self.running_var + (1 - m) * var
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
        self.gamma = np.ones(features, dtype=dtype)
        self.beta = np.zeros(features, dtype=dtype)
        self.dgamma = np.zeros_like(self.gamma)
        self.dbeta = np.zeros_like(self.beta)
        self.eps = eps
        self.training = True
        self.cache = None

    def forward(self, x):
        if x.ndim != 2 or x.shape[1] != len(self.gamma):
            raise InputError(f"LayerNorm expects input of shape (batch, {len(self.gamma)}); got {x.shape}")
        mean, var = x.mean(axis=1, keepdims=True), x.var(axis=1, keepdims=True)
        inv_std = 1.0 / np.sqrt(var + self.eps)
        x_hat = (x - mean) * inv_std
        self.cache = (x_hat, inv_std)
        return self.gamma * x_hat + self.beta

    def backward(self, dout):
        if self.cache is None:
            raise InputError("call forward before backward: the layer has no cached input")
        x_hat, inv_std = self.cache
        self.dgamma = np.sum(dout * x_hat, axis=0)
        self.dbeta = np.sum(dout, axis=0)
        dx_hat = dout * self.gamma
        d = dout.shape[1]
        return inv_std / d * (d * dx_hat - dx_hat.sum(axis=1, keepdims=True)
                              - x_hat * np.sum(dx_hat * x_hat, axis=1, keepdims=True))

    def __repr__(self):
        return f"LayerNorm({len(self.gamma)})"


NORMS = {"batch": BatchNorm, "layer": LayerNorm}
