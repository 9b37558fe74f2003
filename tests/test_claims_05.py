"""The claims of notebook 05, reproduced outside the notebook."""
import numpy as np
import pytest

from vgrad import data, diagnostics, nn
from vgrad.train import accuracy, train


@pytest.fixture(scope="module")
def digits():
    return data.digits()


def test_batch_norm_rescues_the_deep_sigmoid_network(digits):
    x, y = digits
    acc, ratio = {}, {}
    for norm in (None, "batch"):
        net = nn.MLP([64] + [32] * 10 + [10], activation="sigmoid", seed=0, norm=norm)
        g = diagnostics.layer_grad_norms(net, x[:256], y[:256], loss="cross_entropy")
        ratio[norm] = g[0] / g[-1]
        train(net, x, y, optimizer=nn.SGD(lr=0.1, momentum=0.9), steps=300, seed=0)
        net.training = False
        acc[norm] = accuracy(net, x, y)
    assert ratio[None] < 1e-4 and 0.1 < ratio["batch"] < 10
    assert acc[None] < 0.2 and acc["batch"] > 0.9


def test_larger_learning_rates(digits):
    x, y = digits

    def fit(norm, lr):
        net = nn.MLP([64] + [64] * 6 + [10], activation="relu", init="he_normal", seed=0, norm=norm)
        h = train(net, x, y, optimizer=nn.SGD(lr=lr, momentum=0.9), steps=300, seed=0)
        net.training = False
        return None if h.diverged_at is not None else accuracy(net, x, y)

    plain = fit(None, 1.0)
    assert plain is None or plain < 0.2
    assert fit("batch", 1.0) > 0.95  # tiny batches: notebook 05 asserts its controlled comparison itself


def test_yang_et_al_explosion_at_initialisation(digits):
    x, y = digits
    net = nn.MLP([64] + [64] * 50 + [10], activation="relu", init="he_normal", seed=0, norm="batch")
    g = diagnostics.layer_grad_norms(net, x[:64], y[:64], loss="cross_entropy")
    assert (g[0] / g[-1]) ** (1 / 50) == pytest.approx(np.sqrt(np.pi / (np.pi - 1)), rel=0.03)
    for bn in net.norms:  # layer_grad_norms left the running averages alone
        assert np.all(bn.running_mean == 0) and np.all(bn.running_var == 1)
