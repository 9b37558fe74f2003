"""Recurrent cells: backpropagation through time against finite differences; gradient clipping; the sequence
classifier, its training loop and task; measuring gradient through time."""
from functools import partial

import numpy as np
import pytest

from vgrad import bptt, data, nn
from vgrad.gradcheck import check_gradient
from vgrad.train import train_sequence


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


def test_flag_recall():
    x, y = data.flag_recall(50, 12, symbols=4, seed=3)
    assert x.shape == (50, 12, 5) and y.shape == (50,)
    assert np.all(x[:, :, :4].sum(axis=2) == 1)  # one symbol per step
    assert np.all(x[:, 0, 4] == 1) and np.all(x[:, 1:, 4] == 0)  # the flag is on at step 0 only
    assert np.array_equal(np.argmax(x[:, 0, :4], axis=1), y)
    assert np.array_equal(data.flag_recall(50, 12, seed=3)[0], x) and not np.array_equal(data.flag_recall(50, 12)[0], x)
    with pytest.raises(ValueError, match="length"):
        data.flag_recall(5, 0)


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_sequence_classifier_gradients(kind):
    rng = np.random.default_rng(0)
    model = nn.SequenceClassifier(kind, 3, 4, 2, seed=1)
    x, y = rng.normal(size=(3, 5, 3)), np.array([0, 1, 1])
    loss = lambda: nn.softmax_cross_entropy(model.forward(x), y)[0]
    _, d = nn.softmax_cross_entropy(model.forward(x), y)
    model.backward(d)
    grads = model.grads()
    params = [getattr(layer, p) for layer in model.trainable for p in layer.params]
    assert len(grads) == len(params)
    for p, g in zip(params, grads):
        assert check_gradient(loss, p, g) < 1e-7
    with pytest.raises(ValueError, match="unknown cell"):
        nn.SequenceClassifier("transformer", 3, 4, 2)


def _irnn(seed=0):
    model = nn.SequenceClassifier("rnn", 5, 32, 4, activation="leaky_relu", seed=seed)
    model.cell.Wh[...] = np.eye(32)
    return model


def test_train_sequence_reports_divergence_and_clipping_prevents_it():
    task = partial(data.flag_recall, length=30)
    blown = train_sequence(_irnn(), task, steps=50, optimizer=nn.SGD(lr=0.01, momentum=0.9))
    assert blown.diverged_at is not None and blown.steps == blown.diverged_at + 1
    assert not np.isfinite(blown.loss[-1]) or not np.isfinite(blown.grad_norm[-1])
    safe = train_sequence(_irnn(), task, steps=50, optimizer=nn.SGD(lr=0.01, momentum=0.9), clip=1.0)
    assert safe.diverged_at is None and safe.steps == 50 and np.all(np.isfinite(safe.loss))
    assert safe.clipped_fraction > 0.5  # the raw norms kept exceeding the threshold
    assert max(safe.grad_norm) > 1.0  # recorded before clipping


def test_train_sequence_stops_early_and_applies_clipped_gradients():
    model = nn.SequenceClassifier("gru", 5, 16, 4, update_bias=1.0, seed=0)
    h = train_sequence(model, partial(data.flag_recall, length=5), steps=400, clip=1.0, stop_at=1.0)
    assert h.steps < 400 and np.mean(h.accuracy[-10:]) == 1.0
    model = _irnn()
    model.forward(data.flag_recall(64, 30)[0])
    train_sequence(model, partial(data.flag_recall, length=30), steps=1, optimizer=nn.SGD(lr=1.0), clip=0.5)
    step = np.sqrt(sum(np.sum(np.square(g)) for g in model.grads()))
    assert step == pytest.approx(0.5)  # the gradients left in the model are the clipped ones


def test_gradient_by_lag_and_the_linear_theory():
    measured, bound = bptt.rnn_lag_profile(0.8, length=30, activation="linear", hidden=16)
    assert np.allclose(measured, 0.8 ** np.arange(30), rtol=1e-9)  # orthogonal * 0.8: exactly rho^lag
    assert np.allclose(bound, 0.8 ** np.arange(30))
    measured, bound = bptt.rnn_lag_profile(1.5, length=30, activation="tanh", hidden=16)
    assert np.all(measured <= bound * (1 + 1e-9)) and measured[-1] < bound[-1] / 10
    x = np.random.default_rng(0).normal(size=(8, 20, 3))
    assert bptt.gradient_by_lag(nn.LSTM(3, 4), x, wrt="x").shape == (20,)
    with pytest.raises(ValueError, match="wrt"):
        bptt.gradient_by_lag(nn.RNN(3, 4), x, wrt="W")


def test_forget_path_is_the_product_of_forget_gates():
    lstm = nn.LSTM(5, 6, forget_bias=2.0, seed=0)
    x, _ = data.flag_recall(4, 10, seed=0)
    path = bptt.forget_path(lstm, x)
    f = lstm.cache[3][:, :, 6:12]
    assert path[0] == 1.0 and path[3] == pytest.approx(np.median(f[:, -3:].prod(axis=1)))
    measured, predicted = bptt.cell_state_profile(50.0, length=20)
    assert np.allclose(measured, 1.0) and np.allclose(predicted, 1.0)  # f ~ 1: the carousel
    with pytest.raises(ValueError, match="LSTM"):
        bptt.forget_path(nn.GRU(5, 6), x)


def test_spectral_radius_is_not_the_largest_singular_value():
    W = np.array([[0.9, 5.0], [0.0, 0.9]])
    assert bptt.spectral_radius(W) == pytest.approx(0.9) and np.linalg.norm(W, 2) > 5
    with pytest.raises(ValueError, match="square"):
        bptt.spectral_radius(np.ones((2, 3)))


def test_flag_recall_run_is_seeded_and_learns_a_short_lag():
    from vgrad import train
    first, again, other = (train.flag_recall_run("lstm", 5, seed=seed, steps=150, test_size=200, forget_bias=1.0)
                           for seed in (3, 3, 4))
    assert first[0].loss == again[0].loss and first[1] == again[1] >= 0.98
    assert first[0].loss != other[0].loss  # the seed sets the run
    assert first[0].steps < 150  # it stopped early: ten batches in a row all right
