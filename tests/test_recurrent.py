"""Recurrent cells: backpropagation through time against finite differences; gradient clipping."""
import numpy as np
import pytest

from vgrad import nn
from vgrad.gradcheck import check_gradient


def make(kind):
    if kind == "rnn":
        return nn.RNN(3, 4, seed=1)
    if kind == "lstm":
        return nn.LSTM(3, 4, forget_bias=1.0, input_bias=-0.5, seed=1)
    return nn.GRU(3, 4, update_bias=0.5, seed=1)


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_bptt_matches_finite_differences(kind):
    rng = np.random.default_rng(0)
    cell = make(kind)
    for p in cell.params:  # biases away from their start values, so every term is exercised
        getattr(cell, p)[...] += rng.normal(0, 0.3, size=getattr(cell, p).shape)
    x = rng.normal(size=(2, 6, 3))
    g = rng.normal(size=(2, 6, 4))
    loss = lambda: float(np.sum(g * cell.forward(x)))
    loss()
    dx = cell.backward(g)
    assert check_gradient(loss, x, dx) < 1e-7
    for p in cell.params:
        assert check_gradient(loss, getattr(cell, p), getattr(cell, "d" + p)) < 1e-7, p


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_gradient_reaching_each_step(kind):
    rng = np.random.default_rng(1)
    cell = make(kind)
    x = rng.normal(size=(3, 8, 3))
    h = cell.forward(x)
    dh = np.zeros_like(h)
    dh[:, -1] = 1.0  # a loss on the last hidden state only
    cell.backward(dh)
    assert cell.dh_total.shape == h.shape and np.array_equal(cell.dh_total[:, -1], dh[:, -1])
    assert np.all(np.isfinite(cell.dh_total)) and np.any(cell.dh_total[:, 0] != 0)  # it reaches step 1


def test_lstm_cell_state_carousel():
    cell = nn.LSTM(2, 3, forget_bias=50.0, input_bias=-50.0, seed=0)  # f ~ 1, i ~ 0: remember everything
    x = np.random.default_rng(0).normal(size=(1, 30, 2))
    h = cell.forward(x)
    dh = np.zeros_like(h)
    dh[:, -1] = 1.0
    cell.backward(dh)
    assert np.allclose(cell.dc_total[:, 0], cell.dc_total[:, -1])  # dc_t/dc_{t-1} = f_t = 1: nothing lost


def test_shapes_are_checked():
    with pytest.raises(ValueError, match=r"\(batch, time, 3\)"):
        nn.RNN(3, 4).forward(np.zeros((2, 3)))
    cell = nn.GRU(3, 4)
    cell.forward(np.zeros((2, 5, 3)))
    with pytest.raises(ValueError, match=r"\(2, 5, 4\)"):
        cell.backward(np.zeros((2, 5, 3)))


def test_clip_by_norm_keeps_the_direction():
    grads = [np.array([3.0, 0.0]), np.array([[0.0, 4.0]])]  # global norm 5
    clipped, norm = nn.clip_by_norm(grads, 1.0)
    assert norm == pytest.approx(5.0)
    assert nn.global_norm(clipped) == pytest.approx(1.0)
    assert np.allclose(clipped[0], [0.6, 0.0]) and np.allclose(clipped[1], [[0.0, 0.8]])
    same, norm = nn.clip_by_norm(grads, 10.0)
    assert norm == pytest.approx(5.0) and all(np.array_equal(a, b) for a, b in zip(same, grads))
    assert [c.tolist() for c in nn.clip_by_value(grads, 1.0)] == [[1.0, 0.0], [[0.0, 1.0]]]
    with pytest.raises(ValueError):
        nn.clip_by_norm(grads, 0.0)


def test_recurrent_layers_train_with_the_optimisers():
    rng = np.random.default_rng(0)
    cell = nn.LSTM(2, 8, seed=0)
    readout = nn.Dense(8, 2, rng=rng)
    x = rng.normal(size=(16, 5, 2))
    y = (x[:, 0, 0] > 0).astype(int)  # remember the sign of the first input
    opt = nn.Adam(lr=0.05)
    for _ in range(150):
        h = cell.forward(x)
        loss, d = nn.softmax_cross_entropy(readout.forward(h[:, -1]), y)
        dh = np.zeros_like(h)
        dh[:, -1] = readout.backward(d)
        cell.backward(dh)
        opt.step([cell, readout])
    assert loss < 0.1
