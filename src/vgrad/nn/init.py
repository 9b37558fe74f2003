"""Weight initialisers. Each returns a (fan_in, fan_out) matrix drawn from ``rng``.

The variance of each scheme (for a layer y = x W with fan_in inputs):

==============  ===============================  ==========================
scheme          Var(w)                           keeps steady
==============  ===============================  ==========================
normal(std)     std^2                            (nothing in particular)
xavier_*        2 / (fan_in + fan_out)           forward and backward, tanh-like units (Glorot & Bengio 2010)
he_*            2 / fan_in                       forward, ReLU units (He et al. 2015)
orthogonal      1 / fan_in on average            all singular values 1 (Saxe et al. 2014)
==============  ===============================  ==========================

A uniform U(-l, l) has variance l^2 / 3, so the uniform variants use l = sqrt(3 Var).
"""
import numpy as np

from ..errors import InputError


def normal(fan_in, fan_out, rng, std=1.0):
    return rng.normal(0.0, std, size=(fan_in, fan_out))


def xavier_normal(fan_in, fan_out, rng):
    return normal(fan_in, fan_out, rng, std=np.sqrt(2.0 / (fan_in + fan_out)))


def xavier_uniform(fan_in, fan_out, rng):
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=(fan_in, fan_out))


def he_normal(fan_in, fan_out, rng):
    return normal(fan_in, fan_out, rng, std=np.sqrt(2.0 / fan_in))


def he_uniform(fan_in, fan_out, rng):
    limit = np.sqrt(6.0 / fan_in)
    return rng.uniform(-limit, limit, size=(fan_in, fan_out))


def orthogonal(fan_in, fan_out, rng, gain=1.0):
    """A matrix with orthonormal rows or columns (whichever are fewer), times ``gain``."""
    big, small = max(fan_in, fan_out), min(fan_in, fan_out)
    q, r = np.linalg.qr(rng.normal(size=(big, small)))
    q *= np.sign(np.diag(r))  # makes the draw uniform over orthogonal matrices
    return gain * (q if fan_in >= fan_out else q.T)


INITIALIZERS = {
    "xavier_normal": xavier_normal,
    "xavier_uniform": xavier_uniform,
    "he_normal": he_normal,
    "he_uniform": he_uniform,
    "orthogonal": orthogonal,
}


def float_dtype(dtype):
    """``dtype`` as a NumPy floating dtype (float16, float32 or float64); an ``InputError`` otherwise."""
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        dtype = None
    if dtype is None or not np.issubdtype(dtype, np.floating):
        raise InputError(f"dtype must be a floating type (float16, float32, float64); got {dtype}")
    return dtype


def init_weights(init, fan_in, fan_out, rng, dtype=np.float64):
    """Weights for a (fan_in, fan_out) layer: ``init`` is a name from ``INITIALIZERS`` or a float std."""
    if isinstance(init, (int, float, np.floating)) and not isinstance(init, bool):
        if not init >= 0:
            raise InputError(f"init as a number is a standard deviation and must be >= 0; got {init}")
        w = normal(fan_in, fan_out, rng, std=float(init))
    elif init in INITIALIZERS:
        w = INITIALIZERS[init](fan_in, fan_out, rng)
    else:
        raise InputError(
            f"unknown init {init!r}; choose one of: {', '.join(INITIALIZERS)}, "
            "or a float (the standard deviation of a zero-mean normal)"
        )
    return w.astype(float_dtype(dtype))


#: The initialisation each activation was designed with: Xavier for the symmetric, tanh-like
#: ones; He for the rectifier family, which zeroes (or nearly) half of its inputs.
RECOMMENDED = {"sigmoid": "xavier_normal", "tanh": "xavier_normal", "linear": "xavier_normal",
               "relu": "he_normal", "leaky_relu": "he_normal", "elu": "he_normal", "gelu": "he_normal",
               "gelu_tanh": "he_normal"}


def recommended_init(activation):
    """The initialiser name usually paired with ``activation`` (see ``RECOMMENDED``)."""
    try:
        return RECOMMENDED[activation]
    except (KeyError, TypeError):
        raise InputError(f"no recommended init for {activation!r}; known: {', '.join(RECOMMENDED)}") from None
