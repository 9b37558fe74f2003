"""The claims of notebooks 07 and 08, reproduced outside the notebooks — including the seeds notebook 07 does not
run (its text reports these). Notebook 08 trains its memory task on three seeds itself, and asserts what holds."""
from functools import partial

import numpy as np
import pytest

from vgrad import bptt, data
from vgrad.nn import SGD, SequenceClassifier
from vgrad.train import accuracy, train_sequence


def _irnn(activation, seed):
    model = SequenceClassifier("rnn", 5, 32, 4, activation=activation, seed=seed)
    model.cell.Wh[...] = np.eye(32)
    return model


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_07_the_irnn_blows_up_and_clipping_rescues_it(seed):
    task = partial(data.flag_recall, length=30)
    blown = train_sequence(_irnn("leaky_relu", seed), task, steps=400, optimizer=SGD(lr=0.01, momentum=0.9),
                           seed=seed, stop_at=1.0)
    assert blown.diverged_at is not None and blown.diverged_at < 20
    model = _irnn("leaky_relu", seed)
    rescued = train_sequence(model, task, steps=400, optimizer=SGD(lr=0.01, momentum=0.9), clip=1.0, seed=seed,
                             stop_at=1.0)
    assert rescued.diverged_at is None and accuracy(model, *data.flag_recall(1000, 30, seed=12345)) >= 0.98


def test_07_plain_relu_units_die_instead_of_overflowing():
    model = _irnn("relu", 0)
    h = train_sequence(model, partial(data.flag_recall, length=30), steps=400, optimizer=SGD(lr=0.01, momentum=0.9),
                       seed=0, stop_at=1.0)
    x, y = data.flag_recall(1000, 30, seed=12345)
    assert h.diverged_at is None and h.steps == 400 and max(h.grad_norm) > 1e3
    assert accuracy(model, x, y) < 0.3 and np.mean(model.h[:, -1] > 0) == 0.0  # every unit off at the end


def test_07_the_spectral_radius_decides_the_linear_case_and_bounds_tanh():
    for radius in (0.5, 0.9, 1.0, 1.5, 3.0):
        linear, bound = bptt.rnn_lag_profile(radius, length=100, activation="linear")
        assert np.allclose(linear, bound, rtol=1e-8)
        tanh, _ = bptt.rnn_lag_profile(radius, length=100, activation="tanh")
        assert np.all(tanh <= bound * (1 + 1e-9))
        if radius <= 1.0:
            assert tanh[99] < 1e-10  # vanishes, even where the bound stays at 1
    assert 0.1 < bptt.rnn_lag_profile(1.5, length=100)[0][99] < 1 < bptt.rnn_lag_profile(3.0, length=100)[0][99] / 1e10


def test_08_the_forget_bias_sets_the_cell_state_memory():
    for b_f, low, high in ((1.0, 1e-15, 1e-13), (5.0, 0.4, 0.6)):
        measured, predicted = bptt.cell_state_profile(b_f, length=100)
        assert low < measured[99] < high and 1 / 2.1 < measured[99] / predicted[99] < 2.1
