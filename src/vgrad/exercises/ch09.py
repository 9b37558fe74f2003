"""Exercises of notebook 09_capstone_diagnosis: for each mystery run X of ``vgrad.mystery`` (A to H), ``cause_x``
names its cause from ``mystery.CAUSES`` (Exercise 9.X1) and ``fix_x`` returns the settings that make it train (9.X2).

A cause is checked against the run's own; a wrong one is answered with the measurement that decides, not with the
answer. A fix is checked by training: the run, with the learner's changes, on every seed of ``mystery.SEEDS``, must
reach ``mystery.TRAINS``; the check names the seed where it did not, and what ``diagnose`` (or, for a recurrent run,
the gradient through time) says of that run. Neither depends on the grader's seed: the cases are the same
everywhere, and the trainings are kept, so a batch of submissions trains each distinct fix once.
"""
import difflib
import types

from .. import mystery
from ..mystery import CAUSES
from ..diagnostics import diagnose
from .registry import Case, Exercise, Mistake, register

#: Each run's measurement that decides its cause (said when a learner names another cause) and the plausible wrong
#: fixes, each with what it gets wrong. The causes and fixes themselves are in ``_answer``.
RUNS = {
    "A": dict(
        decides="compare the activations' spread layer by layer, and ‖dW‖/‖W‖ in every layer: is the profile "
                "flat because all is well, or because every layer is starved alike? And are the units saturated?",
        mistakes=(
            ({"activation": "relu"}, "ReLU does not rescue weights this small: the signal still shrinks at every "
             "layer, and units whose input has shrunk to almost nothing end up switched off (the check's diagnosis "
             "sees them dead)."),
            ({"lr": 1.0}, "A larger step multiplies gradients that are already vanishingly small in every layer: "
             "the steps of the input side stay tiny, and the output side's get too big."),
            ({"activation": "relu", "init": "he_normal"}, "ReLU with He's scale starts well, but this run's steps "
             "are sized for tanh: ten ReLU layers at the same learning rate overshoot, and their units end up "
             "switched off (the check's diagnosis sees them dead). Keep the activation and fix what was wrong with "
             "its start."),
        )),
    "B": dict(
        decides="read the gradient norm step by step from the first step, and note when the loss stopped being "
                "a number",
        mistakes=(
            ({"recurrent_init": "orthogonal"}, "Without the identity start, the leaky-ReLU network no longer blows "
             "up, but it no longer learns to remember either: what stopped the run was the size of a few steps."),
            ({"lr": 0.001}, "A smaller learning rate shrinks every step, the useful ones too: the run no longer blows "
             "up, but it does not learn in its 400 steps."),
            ({"activation": "tanh"}, "tanh bounds the hidden state, but the gradient through time can still grow "
             "and shrink: cap the length of the steps instead."),
            ({"kind": "lstm"}, "An LSTM with its usual gates does not learn this in 400 steps either: what stopped "
             "the run was a few steps that grew without bound."),
        )),
    "C": dict(
        decides="set the update/weight ratio of every layer against the ~1e-3 rule of thumb, and the gradients' own "
                "size (‖dW‖/‖W‖) against the healthy runs'",
        mistakes=(
            ({"init": "xavier_normal"}, "The gradients were of a healthy size already: changing the initialisation "
             "does not change how far each step goes."),
            ({"norm": "batch"}, "Batch normalisation steadies the gradients' flow, which was not the problem: "
             "every layer's update/weight ratio is what to look at."),
            ({"lr": 1e-4}, "Ten times larger is still far too small: the update/weight ratios stay two orders "
             "below the rule of thumb."),
            ({"momentum": 0.99}, "More momentum lengthens the steps by a factor of ten at most: still far below "
             "~1e-3 of the weights per step."),
        )),
    "D": dict(
        decides="read the saturated fraction of every layer (f' below 10 % of its peak) and the first-to-last "
                "ratio of the weight gradients",
        mistakes=(
            ({"init": "xavier_normal"}, "Smaller weights take the units out of saturation, but a ten-layer sigmoid "
             "network still multiplies the gradient by at most 1/4 per layer."),
            ({"lr": 1.0}, "A larger step does not bring back the gradient that saturated units do not pass; at this "
             "size the steps overshoot as well (the check's diagnosis of your run)."),
            ({"activation": "relu"}, "ReLU with these large weights makes the signal grow at every layer until it "
             "is not a number: change the initialisation with it."),
            ({"norm": "layer"}, "Layer normalisation takes the same large weights and normalises each sample: "
             "look at what the check's diagnosis says of your run."),
        )),
    "E": dict(
        decides="plot the gradient by lag, from the last step back to the flag at the start of the sequence",
        mistakes=(
            ({"clip": None}, "Clipping only shortens steps that are too long; the gradient of this run is too "
             "short at long lags, which no clipping lengthens."),
            ({"lr": 0.1}, "A larger learning rate scales the whole gradient, and the part from the start of the "
             "sequence is millions of times smaller than the rest."),
            ({"kind": "lstm"}, "An LSTM whose forget gate starts near sigmoid(1) = 0.73 learns this task on some "
             "seeds and not on others: give it the gate biases of notebook 08 that keep its memory from the start."),
            ({"recurrent_init": "identity"}, "The identity start with tanh still loses the gradient through the "
             "tanh's slope at every step."),
        )),
    "F": dict(
        decides="see when the loss stopped being a number, and how the activations' spread grows layer by layer "
                "before that",
        mistakes=(
            ({"lr": 0.001}, "A smaller step does not shrink the forward pass: with these weights the signal grows "
             "at every layer before any step is taken (the check's diagnosis reads the last steps, after the "
             "damage)."),
            ({"activation": "tanh"}, "tanh stops the signal growing, but with these weights its units sit saturated "
             "(or chaotic): change the scale instead."),
            ({"norm": "batch"}, "Batch normalisation tames the forward signal and the run does learn, but not to 80 % "
             "in its 300 steps at its learning rate: the scale of the weights is what was wrong."),
            ({"activation": "leaky_relu"}, "A leaky ReLU grows the signal as fast as ReLU with these weights."),
            ({"momentum": 0.0}, "Momentum only changes the steps; the forward signal of this network overflows "
             "before the first one."),
        )),
    "G": dict(
        decides="look at the loss curve: did it fall at first and then rise or jump? And at the update/weight "
                "ratios against ~1e-3",
        mistakes=(
            ({"init": "he_normal"}, "The start was fine: the steps are what overshoot."),
            ({"activation": "relu"}, "With steps this large the first updates switch a ReLU network's units off: "
             "the size of the steps is the problem, whatever the activation."),
            ({"lr": 2.0}, "Larger steps overshoot further."),
            ({"norm": "layer"}, "Layer normalisation did not stop steps this long from overshooting: the size of "
             "the steps is what was wrong."),
        )),
    "H": dict(
        decides="read the fraction of units that never fire, layer by layer, from the very first record",
        mistakes=(
            ({"activation": "leaky_relu"}, "A leaky ReLU passes back 1 % of the gradient of an inactive unit: with "
             "every unit pushed this far below zero, that is not enough in 300 steps."),
            ({"lr": 0.5}, "Larger steps do not reach units that pass no gradient back at all."),
            ({"bias": -1.0}, "Closer to zero, but most units still start switched off."),
            ({"init": "xavier_normal"}, "Smaller weights push the pre-activations even less above the bias: the "
             "units stay off."),
        )),
}


def _cause_compare(name):
    decides = RUNS[name]["decides"]

    def compare(expected, got):
        if got is None:
            return "got None (is a `return` missing?): return one of mystery.CAUSES, as text"
        if not isinstance(got, str):
            return f"expected one of mystery.CAUSES, as text (a str); got {type(got).__name__}"
        said = " ".join(str.__str__(got).lower().replace("initialization", "initialisation").split())
        if said not in CAUSES:
            near = ([c for c in CAUSES if said and c.startswith(said)]
                    or difflib.get_close_matches(said, CAUSES, n=3, cutoff=0.6))
            return (f"{said!r:.60} is not one of the causes"
                    + (f" (did you mean {' or '.join(repr(c) for c in near)}?)" if near else "")
                    + f". The causes: {', '.join(repr(c) for c in CAUSES)}")
        if said != expected:
            return f"run {name} is not {said!r}. The measurement that decides: {decides}"
        return None

    return compare


def _describe(failure):
    """What a run that did not train shows: its accuracy, and what decides why."""
    config = mystery.RUNS[failure.name]
    target = mystery.TRAINS[config["model"]]
    seeds = ", ".join(str(s) for s in mystery.SEEDS)
    head = (f"with your changes, run {failure.name} reaches {failure.accuracy:.0%} on seed {failure.seed} (a fix "
            f"must reach {target:.0%} on each of seeds {seeds})")
    h = failure.history
    if config["model"] == "mlp":
        d = diagnose(h)
        if d.verdict == "healthy":
            return (f"{head}. diagnose finds no problem in the run's last steps: it learns, too slowly; look at its "
                    f"first records and its loss curve")
        verdict = d.verdict + (f" ({d.cause})" if d.cause else "")
        return (f"{head}. diagnose, reading that run's last steps, says {verdict}"
                + (f": {d.because}" if d.because else ""))
    if h.diverged_at is not None:
        return f"{head}: its gradient norm stopped being a number at step {h.diverged_at}"
    lag = failure.lag_profile
    return (f"{head}: after {h.steps} steps its gradient norm was {h.grad_norm[-1]:.2g}; at the start, the gradient "
            f"reaching lag {len(lag) - 1} was {lag[-1] / lag[0]:.1e} times lag 0's")


def _fix_compare(name):
    def compare(expected, got):
        problem = mystery.check_changes(name, got)
        if problem:
            return f"not a fix run {name} can take: {problem}"
        failure = mystery.first_failure(name, mystery.plain(got))
        return None if failure is None else _describe(failure)

    return compare


def _same(value, got):
    return isinstance(got, dict) and got == value


def _constant(value):
    return lambda: dict(value)


def _answer(name, part):
    """Run ``name``'s cause (``part`` "cause") or a fix that trains it ("fix"): the references of cause_x and fix_x.
    The answers live in this function's body, so that while a check runs, code that reaches for them earns
    nothing (the function is protected), in the notebook as in the grader."""
    cause, fix = {
        "A": ("vanishing: initialisation too small", {"init": "xavier_normal"}),
        "B": ("exploding through time", {"clip": 1.0}),
        "C": ("learning rate too small", {"lr": 0.05}),
        "D": ("vanishing: saturation", {"activation": "tanh", "init": "xavier_normal"}),
        "E": ("vanishing through time", {"kind": "gru", "update_bias": 3.0}),
        "F": ("exploding: initialisation too large", {"init": "he_normal"}),
        "G": ("learning rate too large", {"lr": 0.05}),
        "H": ("dead units", {"bias": 0.0}),
    }[name]
    return cause if part == "cause" else fix


def _reference(name, part):
    """``_answer`` for one run and part as a module-level function of no arguments, ``_cause_a`` say: what a check
    protects (a learner's function that calls it earns nothing) and what the grader's tests import by name."""
    fn = types.FunctionType(_answer.__code__, globals(), f"_{part}_{name.lower()}", (name, part))
    fn.__qualname__ = fn.__name__
    globals()[fn.__name__] = fn
    return fn


for _name, _run in RUNS.items():
    _letter = _name.lower()
    _cause, _fix = _reference(_name, "cause"), _reference(_name, "fix")
    register(Exercise(
        name=f"cause_{_letter}", label=f"Exercise 9.{_name}1", notebook="09_capstone_diagnosis", points=1,
        reference=_cause, protected=(_cause, _answer), cases=lambda rng: [Case(())], compare=_cause_compare(_name),
        hints=("The field guide at the end of the notebook lists, for each cause, the symptom that sets it apart.",
               "Read the measurements in the order of section 1: the loss, the gradient profile and its level, the "
               "update/weight ratios, the units, the forward signal, the gradient through time."),
    ))
    register(Exercise(
        name=f"fix_{_letter}", label=f"Exercise 9.{_name}2", notebook="09_capstone_diagnosis", points=2,
        reference=_fix, protected=(_fix, _answer), cases=lambda rng: [Case(())], compare=_fix_compare(_name),
        hints=(f"Name the cause of run {_name} first (cause_{_letter}): the fix follows from it.",
               "A fix is one idea of notebooks 03-08, changing settings of one group: an activation with its "
               "initialisation, a scale or a bias; a normalisation; a learning rate or clipping; a gated cell with "
               "its gate biases."),
        mistakes=tuple(Mistake(f"changes {changes}", _constant(changes), hint, matches=_same)
                       for changes, hint in _run["mistakes"]),
    ))
