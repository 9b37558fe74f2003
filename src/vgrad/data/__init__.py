"""Seeded data sets that work offline.

- ``digits()``: 1,797 handwritten digits as 8x8 images (64 features, 10 classes), shipped in this
  package (``digits.csv.gz``). Source: the test set of "Optical Recognition of Handwritten Digits",
  E. Alpaydin and C. Kaynak (1998), UCI Machine Learning Repository, https://doi.org/10.24432/C50P49,
  licensed CC BY 4.0. Each row: 64 pixel counts in 0..16, then the label.
- ``spirals()``: two interleaved spirals, a synthetic task that rewards depth. Measured (600 points,
  tanh, Adam lr 1e-2, 3000 steps of 64, seeds 0-2): a linear model reaches 66 % training accuracy,
  one hidden layer of 48 units (242 parameters) 79-85 %, three hidden layers of 8 (186 parameters)
  99-100 %; ``tests/test_diagnostics.py`` checks it for seed 0.
- ``flag_recall()``: a long-range memory task for recurrent networks (notebooks 07 and 08).
"""
import gzip
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..errors import InputError

_HERE = Path(__file__).resolve().parent


def digits(standardize=True, test_fraction=0.0, seed=0):
    """The 8x8 digits: x (n, 64) float64, y (n,) int labels 0..9.

    ``standardize`` scales each pixel to mean 0 and standard deviation 1 (statistics of the training
    part; constant pixels are left at 0). With ``test_fraction`` > 0, returns
    (x_train, y_train, x_test, y_test) from a seeded shuffle.
    """
    if not 0.0 <= test_fraction < 1.0:
        raise InputError(f"test_fraction must be in [0, 1); got {test_fraction}")
    table = _digits_table()
    x, y = table[:, :64], table[:, 64].astype(np.int64)
    order = np.random.default_rng(seed).permutation(len(y))
    x, y = x[order], y[order]
    n_test = int(round(test_fraction * len(y)))
    x_train, y_train, x_test, y_test = x[n_test:], y[n_test:], x[:n_test], y[:n_test]
    if standardize:
        mean, std = x_train.mean(axis=0), x_train.std(axis=0)
        std[std == 0] = 1.0
        x_train, x_test = (x_train - mean) / std, (x_test - mean) / std
    return (x_train, y_train, x_test, y_test) if n_test else (x_train, y_train)


@lru_cache(maxsize=1)
def _digits_table():
    with gzip.open(_HERE / "digits.csv.gz", "rt") as f:
        table = np.loadtxt(f, delimiter=",")
    table.flags.writeable = False  # shared by every call: callers get copies
    return table


def spirals(n=600, turns=2.0, noise=0.03, radius=3.0, seed=0):
    """Two interleaved spirals in the plane: x (n, 2) within about ``radius`` of the origin,
    y (n,) labels 0/1, classes alternating."""
    if not (isinstance(n, (int, np.integer)) and n >= 2):
        raise InputError(f"n must be a whole number >= 2; got {n!r}")
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    t = np.sqrt(rng.uniform(0.0, 1.0, size=n)) * turns * 2 * np.pi
    angle = t + np.pi * y
    x = np.stack([t * np.cos(angle), t * np.sin(angle)], axis=1) / (turns * 2 * np.pi)
    return radius * (x + rng.normal(0.0, noise, size=x.shape)), y


def one_hot(y, classes):
    """(n,) integer labels -> (n, classes) rows of zeros with a 1 at the label."""
    y = np.asarray(y)
    out = np.zeros((len(y), classes))
    out[np.arange(len(y)), y] = 1.0
    return out


def flag_recall(n, length, symbols=4, seed=0):
    """Remember the first symbol of a sequence until its end.

    Each of the n sequences has ``length`` steps, each step a one-hot symbol out of ``symbols``, plus one
    more input channel, the flag, which is on at step 0 only. The label is the symbol at step 0, to be
    given after the last step: ``length - 1`` steps later. The other steps are random symbols from the
    same alphabet — distractors — so chance is 1 / symbols.
    Returns x (n, length, symbols + 1) float64, y (n,) int.
    """
    if not (isinstance(length, (int, np.integer)) and length >= 1):
        raise InputError(f"length must be a whole number >= 1; got {length!r}")
    if not (isinstance(symbols, (int, np.integer)) and symbols >= 2):
        raise InputError(f"symbols must be a whole number >= 2; got {symbols!r}")
    rng = np.random.default_rng(seed)
    seq = rng.integers(0, symbols, size=(n, length))
    x = np.zeros((n, length, symbols + 1))
    x[np.arange(n)[:, None], np.arange(length)[None, :], seq] = 1.0
    x[:, 0, symbols] = 1.0
    return x, seq[:, 0]
