"""vgrad.theory's mean-field quantities against an independent adaptive quadrature and against
simulation; vgrad.propagation's measurements."""
import math

import numpy as np
import pytest

from vgrad import propagation, theory


def adaptive_simpson(f, a, b, tol=1e-13, depth=60):
    """Integral of f over [a, b] by recursive Simpson, refining where the error estimate is large."""
    def simpson(fa, fm, fb, a, b):
        return (b - a) / 6 * (fa + 4 * fm + fb)

    def go(a, b, fa, fm, fb, whole, tol, depth):
        m = (a + b) / 2
        lm, rm = (a + m) / 2, (m + b) / 2
        flm, frm = f(lm), f(rm)
        left, right = simpson(fa, flm, fm, a, m), simpson(fm, frm, fb, m, b)
        if depth <= 0 or abs(left + right - whole) <= 15 * tol:
            return left + right + (left + right - whole) / 15
        return go(a, m, fa, flm, fm, left, tol / 2, depth - 1) + go(m, b, fm, frm, fb, right, tol / 2, depth - 1)

    fa, fm, fb = f(a), f((a + b) / 2), f(b)
    return go(a, b, fa, fm, fb, simpson(fa, fm, fb, a, b), tol, depth)


def expectation_by_adaptive_quadrature(g, q):
    """E[g(h)], h ~ N(0, q), over z in [-40, 40] (the density is below 1e-300 beyond), in 80 panels so
    that no narrow peak falls between the first samples."""
    s = math.sqrt(q)
    f = lambda z: g(s * z) * math.exp(-z * z / 2) / math.sqrt(2 * math.pi)
    edges = np.linspace(-40.0, 40.0, 81)
    return sum(adaptive_simpson(f, a, b, tol=1e-14) for a, b in zip(edges[:-1], edges[1:]))


TANH_SQUARED = lambda h: math.tanh(h) ** 2  # written with math here: independent of vgrad.nn
TANH_PRIME_SQUARED = lambda h: (1 - math.tanh(h) ** 2) ** 2


@pytest.mark.parametrize("sigma_w", [0.5, 1.0, 1.5, 2.0, 2.5, 3.0])
@pytest.mark.parametrize("sigma_b", [0.0, 0.5, 1.0])
def test_chi1_tanh_to_1e4_against_adaptive_quadrature(sigma_w, sigma_b):
    q = theory.q_star("tanh", sigma_w, sigma_b)
    # the fixed point really is one, by the independent quadrature
    if q > 0:
        assert sigma_w**2 * expectation_by_adaptive_quadrature(TANH_SQUARED, q) + sigma_b**2 == \
            pytest.approx(q, rel=1e-5)
        reference = sigma_w**2 * expectation_by_adaptive_quadrature(TANH_PRIME_SQUARED, q)
    else:
        reference = sigma_w**2
    assert theory.chi1("tanh", sigma_w, sigma_b) == pytest.approx(reference, rel=1e-4)


def test_chi1_closed_forms():
    assert theory.chi1("relu", math.sqrt(2)) == pytest.approx(1.0)  # He initialisation is critical
    assert theory.chi1("relu", 1.0) == pytest.approx(0.5)  # Xavier (square layers): halves every layer
    assert theory.chi1("tanh", 0.8) == pytest.approx(0.64)  # q* = 0: chi1 = sigma_w^2 tanh'(0)^2
    assert isinstance(theory.chi1("tanh", 2.0, 0.5), float)
    with pytest.raises(ValueError):
        theory.q_star("tanh", -1.0)


def test_gains():
    assert theory.gain("relu") == pytest.approx(math.sqrt(2), rel=1e-10)
    assert theory.gain("linear") == pytest.approx(1.0, rel=1e-12)
    assert theory.gain("leaky_relu") == pytest.approx(math.sqrt(2 / (1 + 0.01**2)), rel=1e-6)
    assert 1.55 < theory.gain("tanh") < 1.65


def test_quadrature_is_exact_for_polynomials():
    assert theory.gaussian_expectation(lambda h: h**2, 3.0) == pytest.approx(3.0, rel=1e-12)
    assert theory.gaussian_expectation(lambda h: h**4, 2.0) == pytest.approx(3 * 4.0, rel=1e-12)


@pytest.mark.parametrize("sigma_w", [0.7, 1.2, 2.0, 3.0])
def test_simulation_follows_the_mean_field_prediction(sigma_w):
    q, g = propagation.simulate("tanh", sigma_w, 0.3, depth=40, width=256, seed=1)
    # one layer's variance is an average over 256 units: use the mean over the settled layers
    assert np.mean(q[20:]) == pytest.approx(theory.q_star("tanh", sigma_w, 0.3), rel=0.1)
    assert propagation.gradient_growth(g) == pytest.approx(theory.chi1("tanh", sigma_w, 0.3), rel=0.05)


def test_relu_under_he_and_xavier():
    _, g_he = propagation.simulate("relu", math.sqrt(2), depth=30, width=256, seed=0)
    _, g_xavier = propagation.simulate("relu", 1.0, depth=30, width=256, seed=0)
    assert propagation.gradient_growth(g_he, skip=0) == pytest.approx(1.0, rel=0.1)
    assert propagation.gradient_growth(g_xavier, skip=0) == pytest.approx(0.5, rel=0.1)
