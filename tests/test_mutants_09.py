"""The mutant catalogue of notebook 09 (harness: tests/mutants.py).

A cause is wrong when it is another run's (or none of the list); a fix is wrong when the run, with it, does not train
on every one of ``mystery.SEEDS`` (the registry's mistakes: plausible fixes of the wrong problem), or when it is not a
fix the run can take. The right fixes are other fixes that train, measured on seeds 0-2 (their accuracies are in the
closing note of the capstone).
"""
import numpy as np

from vgrad import mystery
from vgrad.exercises.ch09 import RUNS, _answer
from vgrad.mystery import CAUSES

from mutants import catalogue_tests

NOTEBOOK = "09_capstone_diagnosis"


def _returning(value):
    return lambda: value


def _wrong_causes(name):
    others = [c for c in CAUSES if c != _answer(name, "cause")]
    wrong = {f"names {c!r}": _returning(c) for c in others[:6]}
    wrong["a cause not in the list"] = _returning("bad luck")
    wrong["the cause as a one-item list"] = _returning([_answer(name, "cause")])
    wrong["forgets to return"] = _returning(None)
    return wrong


def _right_causes(name):
    cause = _answer(name, "cause")
    return {"in capitals": _returning(cause.upper()), "with spaces around and inside": _returning(f"  {cause}  "),
            "spelt with a z": _returning(cause.replace("initialisation", "initialization")),
            "by its place in mystery.CAUSES": _returning(CAUSES[CAUSES.index(cause)]),
            "as a NumPy string": _returning(np.str_(cause))}


#: Fixes that are not fixes a run can take, per kind of run: each must fail with its reason, not train.
NOT_FIXES = {
    "mlp": {"two ideas at once": _returning({"norm": "batch", "lr": 0.05}),
            "a setting of recurrent runs": _returning({"clip": 1.0})},
    "sequence": {"two ideas at once": _returning({"kind": "gru", "update_bias": 3.0, "clip": 1.0}),
                 "a setting of networks": _returning({"norm": "batch"})},
}
for _not_fixes in NOT_FIXES.values():
    _not_fixes.update({
        "no change": _returning({}),
        "a setting no run has": _returning({"depth": 2}),
        "a number as text": _returning({"lr": "0.05"}),
        "a learning rate too large to be one": _returning({"lr": 2 ** 70}),
        "the settings as a list": _returning([("lr", 0.05)]),
        "forgets to return": _returning(None),
    })

#: Wrong fixes per run beyond the registry's mistakes: plausible, and measured not to train on seed 0.
WRONG_FIXES = {
    "B": {"clipping too loose": _returning({"clip": 5.0}), "Adam with clipping": _returning({"optimizer": "adam",
                                                                                              "clip": 1.0})},
    "D": {"batch norm with a learning rate too small": _returning({"norm": "batch", "lr": 1e-4})},
    "E": {"an LSTM with its forget bias alone": _returning({"kind": "lstm", "forget_bias": 5.0}),
          "a GRU without its gate bias": _returning({"kind": "gru"})},
    "H": {"a bias that is still negative": _returning({"bias": -1.0})},
}

RIGHT_FIXES = {
    "A": {"He's scale": {"init": "he_normal"}, "batch norm": {"norm": "batch"}},
    "B": {"clipping at 0.5": {"clip": 0.5}, "clipping at 1 with less momentum": {"clip": 1.0, "momentum": 0.8},
          "clipping at 1, as a float32": {"clip": np.float32(1.0)}},
    "C": {"lr 0.01": {"lr": 0.01}, "lr 0.02 with momentum 0.9": {"lr": 0.02, "momentum": 0.9}},
    "D": {"ReLU with He": {"activation": "relu", "init": "he_normal"}, "batch norm": {"norm": "batch"}},
    "E": {"an LSTM with notebook 08's gate biases": {"kind": "lstm", "forget_bias": 5.0, "input_bias": -3.0},
          "a GRU with update bias 4": {"kind": "gru", "update_bias": 4.0}},
    "F": {"Xavier's scale": {"init": "xavier_normal"}, "He's scale, uniform": {"init": "he_uniform"},
          "He's scale, in capitals": {"init": "He_Normal"}},
    "G": {"lr 0.01": {"lr": 0.01}, "no momentum": {"momentum": 0.0}},
    "H": {"ELU": {"activation": "elu"}, "batch norm": {"norm": "batch"}, "a small positive bias": {"bias": 0.1}},
}

WRONG = {f"cause_{name.lower()}": _wrong_causes(name) for name in RUNS}
WRONG.update({f"fix_{name.lower()}": {**NOT_FIXES[mystery.RUNS[name]["model"]], **WRONG_FIXES.get(name, {})}
              for name in RUNS})
RIGHT = {f"cause_{name.lower()}": _right_causes(name) for name in RUNS}
RIGHT.update({f"fix_{name.lower()}": {label: _returning(fix) for label, fix in fixes.items()}
              for name, fixes in RIGHT_FIXES.items()})

test_every_wrong_answer_fails_everywhere, test_every_right_answer_passes_everywhere = catalogue_tests(
    NOTEBOOK, WRONG, RIGHT)
