"""vgrad.theory and vgrad.chain: the numbers notebook 01 states."""
import math

import numpy as np
import pytest

from vgrad import chain, theory
from vgrad.nn import sigmoid_grad


def test_sigmoid_derivative_peaks_at_one_quarter():
    a = np.linspace(-10, 10, 200001)
    d = sigmoid_grad(a)
    assert d.max() == theory.SIGMOID_GRAD_MAX
    assert a[d.argmax()] == 0.0


def test_chain_bound():
    assert theory.sigmoid_chain_bound(5) == pytest.approx(0.25**5)  # 9.77e-4
    assert theory.sigmoid_chain_bound(100) == pytest.approx(6.223015277861142e-61)
    assert np.allclose(theory.sigmoid_chain_bound(np.arange(3), -2.0), [1.0, 0.5, 0.25])


@pytest.mark.parametrize("threshold,w", [(1e-3, 1.0), (1e-6, 2.0), (0.5, 1.0), (0.3, 3.9), (1e-300, 0.5)])
def test_depth_below_is_the_first_depth_under_threshold(threshold, w):
    n = theory.depth_below(threshold, w)
    assert (abs(w) / 4) ** n < threshold
    assert n == 1 or (abs(w) / 4) ** (n - 1) >= threshold


def test_depth_below_edge_cases():
    assert theory.depth_below(1e-3, 1.0) == 5
    assert theory.depth_below(1e-2, 4.0) is None
    assert theory.depth_below(1e-2, -8.0) is None
    assert theory.depth_below(0.9, 0.0) == 1
    with pytest.raises(ValueError):
        theory.depth_below(0.0)


def test_underflow_depths_follow_from_the_formats():
    # 0.25^n = 2^-2n; the smallest subnormal is 2^-24 (float16), 2^-149 (float32), 2^-1074 (float64);
    # 2^-2n rounds to 0 once it is at or below half of that (ties round to even, i.e. to 0).
    assert theory.underflow_depth(0.25, np.float16) == 13
    assert theory.underflow_depth(0.25, np.float32) == 75
    assert theory.underflow_depth(0.25, np.float64) == 538
    assert theory.subnormal_depth(0.25, np.float16) == 8  # 2^-16 < 2^-14, the smallest normal
    assert theory.subnormal_depth(0.25, np.float32) == 64
    assert theory.subnormal_depth(0.25, np.float64) == 512
    with pytest.raises(ValueError):
        theory.underflow_depth(1.0, np.float32)


@pytest.mark.parametrize("dtype, last", [(np.float16, 24), (np.float32, 149), (np.float64, 1074)])
def test_a_factor_above_one_half_never_reaches_zero(dtype, last):
    """From the smallest subnormal 2^-last, times 1/2 is a tie that rounds to even, 0; times anything
    larger rounds back up: the product sticks above 0 and underflow_depth says so instead of looping."""
    assert theory.underflow_depth(0.5, dtype) == last + 1
    for factor in (0.5 + 2.0 ** -10, 0.75, 0.9, 0.999):
        assert theory.underflow_depth(factor, dtype) is None
    tiny = np.finfo(dtype).smallest_subnormal
    assert dtype(tiny * dtype(0.75)) == tiny


def test_subnormal_depth_for_factors_near_one():
    for dtype in (np.float32, np.float64):  # the count of exact products, against the logarithms (rounding: +-1)
        predicted = math.log(np.finfo(dtype).tiny) / math.log(dtype(0.999))
        assert abs(theory.subnormal_depth(0.999, dtype) - predicted) <= 1
    assert theory.subnormal_depth(0.9995, np.float16) is None  # 1 - 2^-11 in float16: 2^-14 * it rounds back
    with pytest.raises(ValueError, match="so close to 1"):
        theory.subnormal_depth(1 - 1e-9, np.float64)
    with pytest.raises(ValueError):
        theory.subnormal_depth(1.0, np.float64)


def test_chain_backward_is_the_product_of_local_derivatives():
    # short and strong, so the gradient stands far above the rounding of finite differences
    w, b = np.array([2.0, -3.0, 2.5, 1.5]), np.array([0.1, -0.2, 0.3, 0.0])
    a, h = chain.chain_forward(0.3, w, b, "sigmoid")
    g = chain.chain_backward(w, a, "sigmoid")
    # finite differences of the output w.r.t. the input
    eps = 1e-5
    numeric = (chain.chain_forward(0.3 + eps, w, b)[1][-1] - chain.chain_forward(0.3 - eps, w, b)[1][-1]) / (2 * eps)
    assert abs(g[0]) > 1e-3
    assert g[0] == pytest.approx(numeric, rel=1e-6)
    assert g[-1] == 1.0
    assert g[2] == pytest.approx(np.prod(w[2:] * sigmoid_grad(a[2:])))


@pytest.mark.parametrize("w", [0.5, 1.0, 3.0, 6.0])
def test_measured_chain_gradients_respect_the_bound(w):
    for seed in range(5):
        g = chain.chain_gradients(40, weight=w, activation="sigmoid", seed=seed)
        lags = np.arange(40, -1, -1)  # links between unit k and the output
        assert np.all(g <= theory.sigmoid_chain_bound(lags, w) * (1 + 1e-12))


def test_chain_gradients_in_float32_underflow_to_zero():
    g32 = chain.chain_gradients(200, weight=1.0, seed=0, dtype=np.float32)
    g64 = chain.chain_gradients(200, weight=1.0, seed=0, dtype=np.float64)
    assert g32[0] == 0.0 and g64[0] > 0.0


def test_chain_gradients_rejects_bad_depth():
    with pytest.raises(ValueError, match="depth"):
        chain.chain_gradients(0)
    with pytest.raises(ValueError, match="activation"):
        chain.chain_gradients(3, activation="sigmod")
