"""vgrad.nn: a small neural-network library with every backward pass written out.

Imports no plotting, widgets or grading: data flows one way, into ``nn``.
"""
from .activations import (
    ACTIVATIONS,
    Activation,
    elu,
    elu_grad,
    gelu,
    gelu_grad,
    gelu_tanh,
    gelu_tanh_grad,
    get_activation,
    leaky_relu,
    leaky_relu_grad,
    linear,
    linear_grad,
    relu,
    relu_grad,
    sigmoid,
    sigmoid_grad,
    tanh,
    tanh_grad,
)
from .init import INITIALIZERS, RECOMMENDED, init_weights, recommended_init
from .layers import Dense
from .losses import LOSSES, log_softmax, mse, softmax_cross_entropy
from .mlp import MLP
from .norm import NORMS, BatchNorm, LayerNorm
from .recurrent import GRU, LSTM, RNN, clip_by_norm, clip_by_value, global_norm
from .residual import ResidualBlock, ResidualMLP
from .sequence import SequenceClassifier
from .optim import SGD, Adam

__all__ = [
    "ACTIVATIONS", "Activation", "get_activation",
    "sigmoid", "sigmoid_grad", "tanh", "tanh_grad", "relu", "relu_grad", "linear", "linear_grad",
    "leaky_relu", "leaky_relu_grad", "elu", "elu_grad", "gelu", "gelu_grad", "gelu_tanh", "gelu_tanh_grad",
    "INITIALIZERS", "RECOMMENDED", "init_weights", "recommended_init", "Dense", "MLP",
    "NORMS", "BatchNorm", "LayerNorm", "ResidualBlock", "ResidualMLP",
    "RNN", "LSTM", "GRU", "SequenceClassifier", "clip_by_norm", "clip_by_value", "global_norm",
    "LOSSES", "mse", "softmax_cross_entropy", "log_softmax", "SGD", "Adam",
]
