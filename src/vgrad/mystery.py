"""The capstone's mystery runs: training runs that went wrong, each for a reason the notebook does not show.

Every run is a configuration (``RUNS``) of one of two experiments the course has already made:

- ``"mlp"``: a multilayer perceptron on the digits (``train.fit_digits``): ``hidden`` layers of ``width`` units,
  an ``activation``, an ``init`` (a name or a standard deviation), a starting ``bias`` for every hidden unit,
  an optional ``norm`` ("batch" or "layer"), SGD with ``lr`` and ``momentum``, for ``steps`` minibatches;
- ``"sequence"``: a recurrent classifier on flag recall (notebooks 07 and 08): a ``kind`` of cell ("rnn",
  "lstm" or "gru") with its options, sequences of ``length`` steps, an ``optimizer`` ("sgd" with ``momentum``,
  or "adam") at ``lr``, gradients clipped to norm ``clip`` (None: not clipped), at most ``steps`` steps.

``run(name, changes, seed)`` trains one, with ``changes`` (a dict of settings, as a learner's fix gives them)
applied first, and returns a ``Run``: the recorded history and the accuracy reached. ``check_changes`` says what
is wrong with a learner's changes before anything is trained. A run reads the same on every call: it is seeded
by ``seed``, and its result is kept (``functools.lru_cache``), so a check and a grader that train the same fix
twice train it once.
"""
import functools
from dataclasses import dataclass

import numpy as np

from . import bptt, data, train
from .errors import InputError
from .nn import ACTIVATIONS, MLP, SGD, Adam, SequenceClassifier
from .nn.init import INITIALIZERS

RUNS = {
    "A": dict(model="mlp", hidden=10, width=32, activation="tanh", init=0.02, bias=0.0, norm=None,
              lr=0.05, momentum=0.9, steps=300),
    "B": dict(model="sequence", kind="rnn", activation="leaky_relu", recurrent_init="identity", length=30,
              optimizer="sgd", lr=0.01, momentum=0.9, clip=None, steps=400),
    "C": dict(model="mlp", hidden=6, width=32, activation="relu", init="he_normal", bias=0.0, norm=None,
              lr=1e-5, momentum=0.9, steps=300),
    "D": dict(model="mlp", hidden=10, width=32, activation="sigmoid", init=4.0, bias=0.0, norm=None,
              lr=0.02, momentum=0.9, steps=300),
    "E": dict(model="sequence", kind="rnn", activation="tanh", recurrent_init="orthogonal", length=80,
              optimizer="adam", lr=0.01, momentum=0.0, clip=1.0, steps=200),
    "F": dict(model="mlp", hidden=10, width=32, activation="relu", init=1.0, bias=0.0, norm=None,
              lr=0.01, momentum=0.9, steps=300),
    "G": dict(model="mlp", hidden=6, width=32, activation="tanh", init="xavier_normal", bias=0.0, norm=None,
              lr=1.0, momentum=0.9, steps=300),
    "H": dict(model="mlp", hidden=6, width=32, activation="relu", init="he_normal", bias=-2.0, norm=None,
              lr=0.05, momentum=0.9, steps=300),
}

#: What a fix may change, per kind of run, and what each setting accepts. The architecture's depth and
#: width, the data, the batch size and the number of steps are the run's, not the fix's.
SETTINGS = {
    "mlp": {
        "activation": f"one of {', '.join(sorted(ACTIVATIONS))}",
        "init": f"one of {', '.join(INITIALIZERS)}, or a standard deviation between 1e-4 and 10",
        "bias": "a number between -10 and 10: every hidden unit's starting bias",
        "norm": 'None, "batch" or "layer": a normalisation before every activation',
        "lr": "a learning rate between 1e-6 and 10",
        "momentum": "a number from 0 up to (not including) 1",
    },
    "sequence": {
        "kind": '"rnn", "lstm" or "gru": the recurrent cell',
        "activation": 'the RNN\'s activation, "tanh", "relu" or "leaky_relu" (an RNN only)',
        "recurrent_init": 'how W_h starts: "orthogonal", "xavier_normal" or "identity" (an RNN only)',
        "forget_bias": "the LSTM's forget-gate bias, between -10 and 10 (an LSTM only)",
        "input_bias": "the LSTM's input-gate bias, between -10 and 10 (an LSTM only)",
        "update_bias": "the GRU's update-gate bias, between -10 and 10 (a GRU only)",
        "optimizer": '"sgd" (with momentum) or "adam"',
        "lr": "a learning rate between 1e-6 and 10",
        "momentum": "a number from 0 up to (not including) 1 (SGD only)",
        "clip": "None (no clipping) or a largest gradient norm between 1e-3 and 1e3",
    },
}
#: A fix is one idea from notebooks 03-08: it changes settings of one of these groups only (ReLU with He's
#: initialisation is one idea; so is a GRU with its gate bias; a new normalisation and a new learning rate are two).
IDEAS = {
    "mlp": {"the units and their start": ("activation", "init", "bias"), "the normalisation": ("norm",),
            "the steps": ("lr", "momentum")},
    "sequence": {"the cell and its start": ("kind", "activation", "recurrent_init", "forget_bias", "input_bias",
                                            "update_bias"),
                 "the steps": ("optimizer", "lr", "momentum", "clip")},
}

_CELL_OPTIONS = {"rnn": ("activation", "recurrent_init"), "lstm": ("forget_bias", "input_bias"),
                 "gru": ("update_bias",)}


@dataclass(frozen=True)
class Run:
    """One trained mystery run. ``history``: a ``diagnostics.History`` (mlp) or a ``train.SequenceHistory``
    (sequence); ``accuracy``: on the training digits (mlp) or on 500 new sequences (sequence); ``lag_profile``
    (sequence only): ``bptt.gradient_by_lag`` of the cell at initialisation, on 64 sequences, lag 0 first; ``clip``:
    its clipping threshold (sequence only; None: not clipped)."""

    name: str
    seed: int
    history: object
    accuracy: float
    lag_profile: np.ndarray = None
    clip: float = None  # the gradient-norm threshold of a sequence run, if it clips

    @property
    def kind(self):
        return RUNS[self.name]["model"]


def describe(name):
    """What run ``name`` is, as its owner would know it: the model and the task, not the settings that went wrong."""
    c = configuration(name)
    if c["model"] == "mlp":
        return (f"{c['hidden']} hidden layers of {c['width']} {c['activation']} units on the digits, {c['steps']} steps "
                f"of SGD")
    cell = f"{c['activation']} RNN" if c["kind"] == "rnn" else c["kind"].upper()
    clipped = "not clipped" if c["clip"] is None else f"clipped at norm {c['clip']:g}"
    return (f"a {cell} of 32 units on flag recall, sequences of {c['length']} steps, at most {c['steps']} steps of "
            f"{'SGD' if c['optimizer'] == 'sgd' else 'Adam'}, gradients {clipped}")


#: The names each setting accepts, and the ranges of the numbers (momentum's upper end excluded).
_NAMES = {"mlp": {"activation": tuple(ACTIVATIONS), "init": tuple(INITIALIZERS), "norm": ("batch", "layer")},
          "sequence": {"kind": ("rnn", "lstm", "gru"), "activation": ("tanh", "relu", "leaky_relu"),
                       "recurrent_init": ("orthogonal", "xavier_normal", "identity"), "optimizer": ("sgd", "adam")}}
_RANGES = {"init": (1e-4, 10), "clip": (1e-3, 1e3), "lr": (1e-6, 10), "momentum": (0, 1),
           **{bias: (-10, 10) for bias in ("bias", "forget_bias", "input_bias", "update_bias")}}


def _setting_problem(kind, key, value):
    if value is None and key in ("norm", "clip") or isinstance(value, str) and value in _NAMES[kind].get(key, ()):
        return None
    if key in _RANGES and isinstance(value, (int, float)) and not isinstance(value, bool):
        low, high = _RANGES[key]
        if low <= value and (value < high if key == "momentum" else value <= high):  # (NaN fails every comparison)
            return None
    return f"{key} must be {SETTINGS[kind][key]}; got {value!r:.60}"


def _a(cell):
    return {"rnn": "an RNN", "lstm": "an LSTM", "gru": "a GRU"}[cell]


class Unreadable:
    """Stands for a value of a type a fix does not take (an object of the learner's own, say), so that judging it
    runs none of its code: only its type's name is kept, for the message."""

    def __init__(self, value):
        self.type_name = type(value).__name__

    def __repr__(self):
        return f"<a {self.type_name}>"


def _plain_value(v):
    if v is None or type(v) in (bool, int, float):
        return v
    if isinstance(v, str):  # str.__str__, not the value's own methods: a subclass's code does not run
        return " ".join(str.__str__(v).lower().split())
    if isinstance(v, (np.ndarray, np.generic)) and np.ndim(v) == 0 and np.asarray(v).dtype.kind in "biuf":
        kind = np.asarray(v).dtype.kind  # a float32, an int8, or the 0-d array a grader receives for one
        return bool(v) if kind == "b" else float(v) if kind == "f" else int(v)
    return Unreadable(v)


def plain(changes):
    """``changes`` as plain data: NumPy numbers (scalars, or the 0-d arrays a grader receives for them) as Python
    numbers, names in lower case without stray spaces, and any other value an ``Unreadable``. A dict's content is
    read with ``dict``'s own methods, so that a learner's subclass runs none of its code while a check judges it."""
    if not isinstance(changes, dict):
        return changes
    return {(_plain_value(k) if isinstance(k, str) else k if type(k) in (int, float, bool) else Unreadable(k)):
            _plain_value(v) for k, v in dict.items(changes)}


def check_changes(name, changes):
    """None when ``changes`` (after ``plain``) is a fix that run ``name`` can take, else what is wrong, in a
    learner's words."""
    kind = RUNS[name]["model"]
    if changes is None:
        return "got None: a fix is a dict of the settings it changes, such as {'lr': 0.01} (is a `return` missing?)"
    if not isinstance(changes, dict):
        what = getattr(changes, "type_name", None) if type(changes).__name__ == "Opaque" else None
        return ("a fix is a dict of the settings it changes, with the settings' names as text, such as "
                f"{{'lr': 0.01}}; got {what or type(changes).__name__}")
    changes = plain(changes)
    if not changes:
        return "the dict is empty: change at least one setting"
    unknown = [k for k in changes if k not in SETTINGS[kind]]
    if unknown:
        return (f"run {name} has no setting {str(unknown[0])!r:.40}; a fix may change: {', '.join(SETTINGS[kind])} "
                f"(the depth, the width, the data and the number of steps stay the run's)")
    groups = [idea for idea, keys in IDEAS[kind].items() if any(k in keys for k in changes)]
    if len(groups) > 1:
        return (f"a fix is one idea: it changes settings of one group only, and yours changes {' and '.join(groups)} "
                f"({', '.join(changes)}). The groups: "
                + "; ".join(f"{idea}: {', '.join(keys)}" for idea, keys in IDEAS[kind].items()))
    for key, value in changes.items():
        problem = _setting_problem(kind, key, value)
        if problem:
            return problem
    if kind == "sequence":
        cell = changes.get("kind", RUNS[name]["kind"])
        wrong = next((k for k in changes for c, keys in _CELL_OPTIONS.items() if k in keys and c != cell), None)
        if wrong:
            owner = next(c for c, keys in _CELL_OPTIONS.items() if wrong in keys)
            return f"{wrong} is a setting of {_a(owner)}, and this run's cell would be {_a(cell)}"
    return None


def configuration(name, changes=None):
    """Run ``name``'s settings with ``changes`` applied (an ``InputError`` saying what is wrong with them)."""
    if name not in RUNS:
        raise InputError(f"there is no mystery run {name!r}; the runs are {', '.join(RUNS)}")
    if changes is not None:
        problem = check_changes(name, changes)
        if problem:
            raise InputError(problem)
    return {**RUNS[name], **plain(changes or {})}


def run(name, changes=None, seed=0):
    """Train mystery run ``name`` (with ``changes`` applied) on ``seed`` -> ``Run``."""
    config = configuration(name, changes)
    if not (isinstance(seed, (int, np.integer)) and not isinstance(seed, bool) and seed >= 0):
        raise InputError(f"seed must be a whole number >= 0; got {seed!r}")
    return _run(name, tuple(sorted(config.items())), int(seed))


@functools.lru_cache(maxsize=256)
def _run(name, config, seed):
    config = dict(config)
    if config["model"] == "mlp":
        net = MLP([64] + [config["width"]] * config["hidden"] + [10], activation=config["activation"],
                  init=config["init"], seed=seed, norm=config["norm"])
        for layer in net.layers[:-1]:
            layer.b[...] = config["bias"]
        history, acc = train.fit_digits(net, seed=seed, steps=config["steps"], lr=config["lr"],
                                        momentum=config["momentum"])
        return Run(name, seed, history, acc)
    cell = config["kind"]
    options = {k: config[k] for k in _CELL_OPTIONS[cell] if k in config}
    identity = options.get("recurrent_init") == "identity"
    if identity:
        options["recurrent_init"] = "orthogonal"
    model = SequenceClassifier(cell, 5, 32, 4, seed=seed, dtype=np.float32, **options)
    if identity:  # notebook 07's IRNN (Le et al., 2015)
        model.cell.Wh[...] = np.eye(32, dtype=np.float32)
    x_lag, _ = data.flag_recall(64, config["length"], seed=seed + 1)
    lag_profile = bptt.gradient_by_lag(model.cell, x_lag.astype(np.float32), seed=seed)
    optimizer = (SGD(lr=config["lr"], momentum=config["momentum"]) if config["optimizer"] == "sgd"
                 else Adam(lr=config["lr"]))
    task = functools.partial(data.flag_recall, length=config["length"])
    history = train.train_sequence(model, task, steps=config["steps"], optimizer=optimizer, clip=config["clip"],
                                   seed=seed, stop_at=1.0)
    with np.errstate(over="ignore", invalid="ignore"):
        acc = train.accuracy(model, *data.flag_recall(500, config["length"], seed=12345))
    return Run(name, seed, history, acc, lag_profile, config["clip"])


#: The causes a run may have, as the capstone's exercises name them (each run has one of its own; "healthy" is none).
CAUSES = (
    "vanishing: saturation",
    "vanishing: initialisation too small",
    "exploding: initialisation too large",
    "dead units",
    "learning rate too small",
    "learning rate too large",
    "exploding through time",
    "vanishing through time",
    "healthy",
)

#: A run trains when it reaches this accuracy (training digits; new sequences) on every seed of ``SEEDS``.
#: The mystery runs reach 10-30 %, and the fixes of notebooks 03-08 over 85 % (digits) and 99 % (sequences).
TRAINS = {"mlp": 0.8, "sequence": 0.9}
SEEDS = (0, 1, 2)


def first_failure(name, changes):
    """The first ``Run`` of ``name`` with ``changes`` (seed by seed, in ``SEEDS``) that does not reach
    ``TRAINS``, or None when every seed trains."""
    target = TRAINS[RUNS[name]["model"]]
    return next((r for r in (run(name, changes, seed) for seed in SEEDS) if not r.accuracy >= target), None)
