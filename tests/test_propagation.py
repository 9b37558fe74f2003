"""vgrad.theory's mean-field quantities against an independent adaptive quadrature and against
simulation; vgrad.propagation's measurements."""
import math

import numpy as np
import pytest

from vgrad import propagation, theory


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
