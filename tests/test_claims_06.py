"""The claims of notebook 06, reproduced outside the notebook (the degradation runs the notebook asserts itself)."""
import numpy as np
import pytest

from vgrad import data, diagnostics
from vgrad.nn import ResidualMLP


@pytest.fixture(scope="module")
def digits():
    return data.digits()


def test_the_skip_path_carries_the_gradient(digits):
    x, y = digits
    ratios = {}
    for skip in (False, True):
        net = ResidualMLP(64, 32, 50, 10, activation="sigmoid", init="xavier_normal", scale=1 / np.sqrt(50),
                          skip=skip, seed=0)
        g = diagnostics.layer_grad_norms(net, x[:256], y[:256], loss="cross_entropy")
        ratios[skip] = g[0] / g[-1]
    assert ratios[False] < 1e-25 and 0.1 < ratios[True] < 10


def test_branch_scaling_bounds_the_forward_variance(digits):
    x, _ = digits
    growth = {}
    for label, scale, zero in (("one", 1.0, False), ("sqrt", 1 / np.sqrt(50), False), ("zero", 1.0, True)):
        net = ResidualMLP(64, 32, 50, 10, activation="relu", init="he_normal", scale=scale, zero_init=zero, seed=0)
        net.forward(x[:256])
        growth[label] = net.pre_activations[-1].var() / net.pre_activations[0].var()
    assert growth["one"] > 1e10 and 1.5 < growth["sqrt"] < 5 and growth["zero"] == pytest.approx(1.0)
