"""Exercises of notebook 00_start_here."""
import numpy as np

from .registry import Case, Exercise, Mistake, close, register


def _chain_product(factors):
    return float(np.prod(np.asarray(factors, dtype=np.float64)))


def _chain_product_cases(rng):
    return [
        Case(([0.25, 0.25, 0.25],)),
        Case(([0.9] * 10,)),
        Case(([1.1] * 30,)),
        Case(([2.0, 0.5, -1.0],)),
        Case((list(np.round(rng.uniform(0.1, 1.5, size=12), 3)),)),
        Case((list(np.round(rng.uniform(-2.0, 2.0, size=5), 3)),)),
        Case((np.array([-0.5, 3.0, -2.0, 0.1]),)),  # an array, not a list, with two negative factors
        Case(([float(rng.uniform(0.1, 3.0))],)),  # a single factor: the product is that factor
    ]


register(Exercise(
    name="chain_product",
    label="Exercise 0.1",
    notebook="00_start_here",
    points=1,
    reference=_chain_product,
    cases=_chain_product_cases,
    compare=close(rtol=1e-9, atol=1e-300),
    hints=(
        "Start from 1.0 and multiply by each factor in turn (or use np.prod).",
        "The message that reaches the end is the product of ALL the factors, not their sum or mean.",
    ),
    mistakes=(
        Mistake("adds the factors", lambda factors: float(np.sum(factors)),
                "Your result is the SUM of the factors. Each listener passes on a fraction of what reached them: "
                "the fractions multiply."),
        Mistake("starts from 0", lambda factors: 0.0,
                "Your result is 0 whatever the factors: a product that starts from 0 stays 0. Start from 1."),
        Mistake("forgets the signs", lambda factors: float(np.prod(np.abs(factors))),
                "Your result has the right size but not always the right sign: keep the factors' signs."),
        Mistake("skips the first factor", lambda factors: float(np.prod(np.asarray(factors, float)[1:])),
                "Your result leaves out the first factor: the loop must visit every factor, the first included."),
    ),
))
