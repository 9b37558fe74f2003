"""A multilayer perceptron: Dense layers with an activation between them.

    h_0 = x
    a_l = h_{l-1} W_l + b_l        (l = 1 .. L)
    h_l = f(a_l)                   (l < L; the last layer is linear: h_L = a_L)

Backward walks the same list in reverse:

    da_L = dout
    dh_{l-1} = da_l W_l^T          (Dense.backward, which also sets dW_l, db_l)
    da_{l-1} = dh_{l-1} * f'(a_{l-1})
"""
import numpy as np

from ..errors import InputError
from .activations import get_activation
from .layers import Dense


class MLP:
    """MLP(sizes, activation="sigmoid", init="xavier_normal", seed=0, dtype=float64).

    sizes: [in, h1, ..., out]. ``net.layers`` lists the Dense layers input side first.
    After ``forward``, ``net.pre_activations[l]`` and ``net.activations[l]`` hold a_l and
    h_l of hidden layer l (l = 0 .. L-2); after ``backward``, ``net.deltas[l]`` holds
    dLoss/da_l of layer l (l = 0 .. L-1, the last one being the output): the backpropagated
    signal, for diagnostics.
    """

    def __init__(self, sizes, activation="sigmoid", init="xavier_normal", seed=0, dtype=np.float64):
        sizes = list(sizes) if not isinstance(sizes, (str, bytes)) and np.iterable(sizes) else None
        if (
            sizes is None
            or len(sizes) < 2
            or not all(isinstance(s, (int, np.integer)) and not isinstance(s, bool) and s > 0 for s in sizes)
        ):
            raise InputError(
                "sizes must be a list of at least two positive integers [in, h1, ..., out]"
            )
        self.sizes = [int(s) for s in sizes]
        self.act = get_activation(activation)
        self.dtype = np.dtype(dtype)
        if not np.issubdtype(self.dtype, np.floating):
            raise InputError(f"dtype must be a floating type (float16, float32, float64); got {self.dtype}")
        rng = np.random.default_rng(seed)
        self.layers = [
            Dense(n_in, n_out, init=init, rng=rng, dtype=self.dtype)
            for n_in, n_out in zip(self.sizes[:-1], self.sizes[1:])
        ]
        self.pre_activations = []
        self.activations = []
        self.deltas = []

    @property
    def activation(self):
        return self.act.name

    def forward(self, x):
        """x: (batch, sizes[0]) -> output: (batch, sizes[-1])."""
        x = np.asarray(x)
        if x.ndim != 2 or x.shape[1] != self.sizes[0]:
            raise InputError(f"MLP expects input of shape (batch, {self.sizes[0]}); got {x.shape}")
        self.pre_activations, self.activations = [], []
        h = x
        for layer in self.layers[:-1]:
            a = layer.forward(h)
            h = self.act.f(a)
            self.pre_activations.append(a)
            self.activations.append(h)
        return self.layers[-1].forward(h)

    def backward(self, dout):
        """dout: (batch, sizes[-1]), the loss gradient w.r.t. the output -> dx: (batch, sizes[0]).

        Sets dW and db of every layer.
        """
        deltas = [np.asarray(dout, dtype=self.dtype)]
        grad = self.layers[-1].backward(dout)
        for layer, a in zip(reversed(self.layers[:-1]), reversed(self.pre_activations)):
            deltas.append(grad * self.act.df(a))
            grad = layer.backward(deltas[-1])
        self.deltas = deltas[::-1]
        return grad

    def __call__(self, x):
        return self.forward(x)

    def __repr__(self):
        return f"MLP({self.sizes}, activation={self.activation!r})"
