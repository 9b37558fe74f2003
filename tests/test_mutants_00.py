"""The mutant catalogue of notebook 00 (harness: tests/mutants.py)."""
import functools
import math
import operator

import numpy as np

from mutants import catalogue_tests
NOTEBOOK = "00_start_here"

WRONG = {
    "chain_product": {
        "the mean": lambda factors: float(np.mean(factors)),
        "skips the last factor": lambda factors: float(np.prod(np.asarray(factors, float)[:-1])),
        "a constant (the first example's answer)": lambda factors: 0.015625,
        "in float32": lambda factors: np.prod(np.asarray(factors, dtype=np.float32)),
        "returns the list of running products": lambda factors: np.cumprod(factors),
        "product of rounded factors": lambda factors: float(np.prod(np.round(factors, 1))),
        "forgets to return": lambda factors: None,
    },
}

RIGHT = {
    "chain_product": {
        "math.prod": lambda factors: math.prod(factors),
        "functools.reduce": lambda factors: functools.reduce(operator.mul, factors, 1.0),
        "sign and exp of summed logs": lambda factors: (
            float(np.prod(np.sign(factors)) * np.exp(np.sum(np.log(np.abs(factors)))))),
    },
}


test_every_wrong_answer_fails_everywhere, test_every_right_answer_passes_everywhere = catalogue_tests(
    NOTEBOOK, WRONG, RIGHT)
