"""The claims of notebooks 07 and 08, reproduced outside the notebooks. The notebooks train the IRNN (07) and the
memory task (08) on three seeds themselves, and assert what holds."""
import numpy as np

from vgrad import bptt


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
