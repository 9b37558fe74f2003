"""vgrad.nn keeps its dtype everywhere, follows the papers' conventions, and keeps tiny values accurate."""
import math
import warnings

import numpy as np
import pytest

from vgrad import nn
from vgrad.nn.activations import sigmoid_grad_from, tanh_grad_from

FLOATS = [np.float16, np.float32, np.float64]


# ---- dtype -------------------------------------------------------------------------------------------

def _recurrent(kind, dtype):
    return {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[kind](3, 4, seed=1, dtype=dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_recurrent_layers_keep_their_dtype(kind, dtype):
    cell = _recurrent(kind, dtype)
    x = np.random.default_rng(0).normal(size=(2, 5, 3))  # float64 input: cast to the layer's dtype
    h = cell.forward(x)
    dx = cell.backward(np.ones_like(h, dtype=np.float64))
    arrays = [h, dx, cell.dh_total] + [getattr(cell, p) for p in cell.params] + [getattr(cell, "d" + p)
                                                                                for p in cell.params]
    assert all(a.dtype == dtype for a in arrays), [a.dtype for a in arrays]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_float32_recurrent_layers_agree_with_float64(kind, dtype):
    x = np.random.default_rng(0).normal(size=(2, 6, 3))
    low, high = _recurrent(kind, np.float32), _recurrent(kind, np.float64)
    assert np.allclose(low.forward(x), high.forward(x), rtol=1e-5, atol=1e-6)
    g = np.random.default_rng(1).normal(size=(2, 6, 4))
    assert np.allclose(low.backward(g), high.backward(g), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("norm", [None, "batch", "layer"])
def test_mlp_training_step_keeps_its_dtype(dtype, norm):
    net = nn.MLP([4, 6, 6, 3], activation="tanh", dtype=dtype, norm=norm)
    x = np.random.default_rng(0).normal(size=(8, 4))  # float64 data into a lower-precision network
    target = np.random.default_rng(1).normal(size=(8, 3))
    out = net.forward(x)
    loss, dout = nn.mse(out, target)
    assert out.dtype == dtype and dout.dtype == dtype and isinstance(loss, float)
    net.backward(dout)
    eps = 1e-4 if dtype == np.float16 else 1e-8  # 1e-8 is 0 in float16
    for opt in (nn.SGD(lr=0.01, momentum=0.9), nn.SGD(lr=0.01), nn.Adam(lr=0.01, eps=eps)):
        opt.step(net.trainable)
        opt.step(net.trainable)
    params = [getattr(layer, p) for layer in net.trainable for p in layer.params]
    grads = [getattr(layer, "d" + p) for layer in net.trainable for p in layer.params]
    assert all(a.dtype == dtype for a in params + grads + net.deltas + net.activations)
    for bn in net.norms:
        if norm == "batch":
            assert bn.running_mean.dtype == dtype and bn.running_var.dtype == dtype


def test_losses_take_the_prediction_dtype():
    pred32 = np.array([[0.5, -1.0], [2.0, 0.1]], dtype=np.float32)
    _, d = nn.mse(pred32, np.zeros((2, 2)))  # float64 targets
    assert d.dtype == np.float32
    _, d = nn.softmax_cross_entropy(pred32, np.array([0, 1]))
    assert d.dtype == np.float32
    _, d = nn.mse(np.array([[1, 2]]), np.array([[0.5, 0.5]]))  # integer predictions are read as float64
    assert d.dtype == np.float64 and np.allclose(d, [[0.5, 1.5]])


def test_float32_batchnorm_fed_float64_stays_float32():
    bn = nn.BatchNorm(3, dtype=np.float32)
    y = bn.forward(np.random.default_rng(0).normal(size=(5, 3)))
    assert y.dtype == np.float32 and bn.running_var.dtype == np.float32 and bn.running_mean.dtype == np.float32
    assert bn.backward(np.ones((5, 3))).dtype == np.float32


def test_a_dtype_that_is_not_floating_is_a_clear_error():
    for make in (lambda: nn.Dense(2, 3, dtype=int), lambda: nn.LSTM(2, 3, dtype="int32"),
                 lambda: nn.BatchNorm(3, dtype=bool), lambda: nn.GRU(2, 3, dtype="nonsense")):
        with pytest.raises(ValueError, match="floating type"):
            make()


# ---- conventions ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("batch", [2, 3, 8])
def test_batchnorm_running_statistics_follow_the_paper(batch):
    """Ioffe & Szegedy (2015), Algorithm 2, and PyTorch: the running variance averages the unbiased
    estimate m/(m-1) Var_B; momentum 0.9 here keeps 90 % of the old average (PyTorch's momentum=0.1)."""
    rng = np.random.default_rng(batch)
    bn = nn.BatchNorm(4, momentum=0.9)
    mean, var, biased = np.zeros(4), np.ones(4), np.ones(4)
    for _ in range(5):
        x = rng.normal(3.0, 2.0, size=(batch, 4))
        bn.forward(x)
        mean = 0.9 * mean + 0.1 * x.mean(axis=0)
        var = 0.9 * var + 0.1 * x.var(axis=0, ddof=1)
        biased = 0.9 * biased + 0.1 * x.var(axis=0)
    assert np.allclose(bn.running_mean, mean, rtol=1e-14) and np.allclose(bn.running_var, var, rtol=1e-14)
    assert np.all(np.abs(bn.running_var / biased - 1) > 0.01)  # the biased average is another number


def test_adam_says_when_eps_is_0_in_the_parameters_dtype():
    net = nn.MLP([2, 3], dtype=np.float16)
    net.backward(nn.mse(net.forward(np.ones((1, 2))), np.zeros((1, 3)))[1])
    with pytest.raises(ValueError, match="eps"):
        nn.Adam().step(net.trainable)


def test_batchnorm_momentum_is_checked():
    with pytest.raises(ValueError, match="fraction of the running averages kept"):
        nn.BatchNorm(3, momentum=1.5)


def test_two_layers_built_without_a_generator_differ():
    a, b = nn.Dense(5, 5), nn.Dense(5, 5)
    assert not np.array_equal(a.W, b.W)
    # a generator makes the weights independent of what was built before
    assert np.array_equal(nn.Dense(5, 5, rng=np.random.default_rng(3)).W,
                          nn.Dense(5, 5, rng=np.random.default_rng(3)).W)


# ---- accuracy in the tails -----------------------------------------------------------------------------

def _phi_lower(x):
    """Phi(x) for x < 0 from the complementary error function: no cancellation."""
    return 0.5 * math.erfc(-x / math.sqrt(2))


@pytest.mark.parametrize("x", [-37.0, -20.0, -10.0, -5.0, -1.0, -1e-3])
def test_gelu_lower_tail_is_accurate(x):
    exact = x * _phi_lower(x)
    assert nn.gelu(np.array(x)) == pytest.approx(exact, rel=1e-13)
    assert nn.gelu_grad(np.array(x)) == pytest.approx(_phi_lower(x) + x * math.exp(-x * x / 2)
                                                      / math.sqrt(2 * math.pi), rel=1e-12)
    u = math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)  # 0.5 x (1 + tanh u) = x e^{2u} / (1 + e^{2u})
    assert nn.gelu_tanh(np.array(x)) == pytest.approx(x * math.exp(2 * u) / (1 + math.exp(2 * u)), rel=1e-13)
    assert exact != 0.0  # so the relative tolerance above rules out -0.0


@pytest.mark.parametrize("dtype", FLOATS)
def test_derivatives_from_the_output_equal_the_exact_ones(dtype):
    a = np.linspace(-40, 40, 40001).astype(dtype)
    tolerance = {np.float16: 0.0, np.float32: 1e-5, np.float64: 2e-14}[dtype]  # float16: the exact formula
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for f, df, from_output in ((nn.sigmoid, nn.sigmoid_grad, sigmoid_grad_from),
                                   (nn.tanh, nn.tanh_grad, tanh_grad_from)):
            fast, exact = from_output(a, f(a)), df(a)
            assert fast.dtype == dtype
            assert np.all(np.abs(fast - exact) <= tolerance * np.abs(exact))
        # gelu'(a) = Phi(a) + a phi(a) with Phi(a) = gelu(a) / a: as exact, apart from the cancellation near
        # gelu'(-0.75) = 0 that both formulas share (an absolute error of a few eps there)
        fast, exact = nn.ACTIVATIONS["gelu"].grad(a, nn.gelu(a)), nn.gelu_grad(a)
        assert fast.dtype == dtype
        assert np.all(np.abs(fast - exact) <= tolerance * np.abs(exact) + 8 * np.finfo(dtype).eps)
    # the tails keep their size: s (1 - s) and 1 - t^2 alone would give 0 here
    assert sigmoid_grad_from(np.array([40.0]), nn.sigmoid(np.array([40.0])))[0] == pytest.approx(math.exp(-40))
    assert tanh_grad_from(np.array([20.0]), nn.tanh(np.array([20.0])))[0] == pytest.approx(4 * math.exp(-40))


def test_clipping_float16_gradients_and_numpy_scalar_settings():
    clipped, norm = nn.clip_by_norm([np.full(4, 200, np.float16)], 1.0)  # the squares overflow float16
    assert norm == pytest.approx(400.0) and clipped[0].dtype == np.float16 and np.allclose(clipped[0], 0.5)
    g = [np.ones(3, np.float32) * 4]
    assert nn.clip_by_norm(g, np.float64(1.0))[0][0].dtype == np.float32
    assert nn.clip_by_value(g, np.float64(1.0))[0].dtype == np.float32
    bn = nn.BatchNorm(2, momentum=np.float64(0.9), eps=np.float64(1e-5), dtype=np.float32)
    bn.forward(np.ones((3, 2), np.float32))
    bn.training = False
    assert bn.running_var.dtype == np.float32 and bn.forward(np.ones((1, 2))).dtype == np.float32


def test_residual_blocks_and_sequence_classifiers_keep_their_dtype():
    block = nn.ResidualBlock(3, dtype=np.float32)
    assert block.forward(np.ones((2, 3))).dtype == np.float32
    assert block.backward(np.ones((2, 3))).dtype == np.float32
    model = nn.SequenceClassifier("lstm", 2, 4, 3, dtype=np.float32)
    logits = model.forward(np.ones((2, 5, 2)))
    model.backward(nn.softmax_cross_entropy(logits, np.array([0, 2]))[1])
    assert logits.dtype == np.float32 and all(g.dtype == np.float32 for g in model.grads())
