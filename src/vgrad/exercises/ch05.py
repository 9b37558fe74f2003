"""Exercises of notebook 05_batch_norm."""
import numpy as np

from ..gradcheck import numerical_gradient
from ..nn.norm import BatchNorm, LayerNorm
from .registry import Case, Exercise, Mistake, close, close_each, register


def _layer(gamma, beta, eps, training=True, running=None):
    bn = BatchNorm(len(gamma), eps=eps)
    bn.gamma, bn.beta, bn.training = np.array(gamma, float), np.array(beta, float), training
    if running is not None:
        bn.running_mean, bn.running_var = (np.array(r, float) for r in running)
    return bn


def _forward(x, gamma, beta, eps=1e-5):
    return _layer(gamma, beta, eps).forward(x)


def _backward(dout, x, gamma, eps=1e-5):
    bn = _layer(gamma, np.zeros_like(gamma), eps)
    bn.forward(x)
    return bn.backward(dout), bn.dgamma, bn.dbeta


def _eval(x, gamma, beta, running_mean, running_var, eps=1e-5):
    return _layer(gamma, beta, eps, training=False, running=(running_mean, running_var)).forward(x)


# The normalisation layers compute these answers too (LayerNorm applied to x.T is batch norm), and a
# network built with norm="batch" goes through BatchNorm: grading removes them with the references.
# Nor may finite differences stand in for the backward pass the exercise derives (check_gradient
# calls numerical_gradient).
_LAYERS = (BatchNorm.forward, BatchNorm.backward, LayerNorm.forward, LayerNorm.backward, numerical_gradient)


# ---- cases ---------------------------------------------------------------------------------------------

def _batch(rng, n, d, scale=(0.5, 4.0)):
    """n examples of d features, each feature with its own mean and spread."""
    return rng.uniform(-3, 3, size=d) + rng.uniform(*scale, size=d) * rng.normal(size=(n, d))


def _affine(rng, d):
    return rng.normal(1, 0.3, size=d), rng.normal(size=d)


def _forward_cases(rng):
    n, d = int(rng.integers(6, 13)), int(rng.integers(2, 6))
    x = _batch(rng, n, d)
    x[:, rng.integers(d)] = rng.integers(-6, 7) / 2  # a feature constant over the batch: variance 0
    cases = [Case((x, *_affine(rng, d)))]
    d = int(rng.integers(3, 6))  # a square batch: statistics over the wrong axis still broadcast
    cases.append(Case((_batch(rng, d, d), *_affine(rng, d))))
    d = int(rng.integers(2, 6))  # a batch of two (section 4): each x_hat is about +-1
    cases.append(Case((_batch(rng, 2, d), *_affine(rng, d))))
    n, d = int(rng.integers(4, 11)), int(rng.integers(2, 6))  # an eps that matters: variances near it
    cases.append(Case((_batch(rng, n, d, scale=(0.05, 0.3)), *_affine(rng, d)), {"eps": 1e-2}))
    return cases


def _backward_cases(rng):
    cases = []
    for n, d in ((int(rng.integers(6, 13)), int(rng.integers(2, 6))), (4, 4)):  # the second square
        cases.append(Case((rng.normal(size=(n, d)), _batch(rng, n, d), rng.normal(1, 0.3, size=d))))
    n, d = int(rng.integers(4, 11)), int(rng.integers(2, 6))
    cases.append(Case((rng.normal(size=(n, d)), _batch(rng, n, d, scale=(0.05, 0.3)), rng.normal(1, 0.3, size=d)),
                      {"eps": 1e-2}))
    d = int(rng.integers(2, 6))  # a batch of two: the output hardly depends on x, nor does dx
    cases.append(Case((rng.normal(size=(2, d)), _batch(rng, 2, d), rng.normal(1, 0.3, size=d))))
    return cases


def _running(rng, d):
    return rng.normal(size=d), rng.uniform(0.3, 3.0, size=d)


def _eval_cases(rng):
    cases = []
    n, d = int(rng.integers(5, 13)), int(rng.integers(2, 6))  # a batch like the training data
    m, v = _running(rng, d)
    cases.append(Case((m + np.sqrt(v) * rng.normal(size=(n, d)), *_affine(rng, d), m, v)))
    n, d = int(rng.integers(3, 9)), int(rng.integers(2, 6))  # a batch far from the running statistics
    m, v = _running(rng, d)
    x = m + rng.choice([-1, 1], size=d) * rng.uniform(2, 4, size=d) + rng.uniform(2, 3, size=d) * rng.normal(size=(n, d))
    cases.append(Case((x, *_affine(rng, d), m, v)))
    d = int(rng.integers(2, 6))  # a single example
    m, v = _running(rng, d)
    cases.append(Case((m + rng.normal(size=(1, d)), *_affine(rng, d), m, v)))
    n, d = int(rng.integers(3, 9)), int(rng.integers(2, 6))  # features that hardly varied: eps matters
    m, v = rng.normal(size=d), rng.uniform(1e-3, 2e-2, size=d)
    cases.append(Case((m + rng.normal(0, 0.2, size=(n, d)), *_affine(rng, d), m, v), {"eps": 1e-2}))
    return cases


# ---- mistakes (written as a learner would) --------------------------------------------------------------

def _norm(x, mean, var, eps):
    return (x - mean) / np.sqrt(var + eps)


def _fwd_ddof(x, gamma, beta, eps=1e-5):
    return gamma * _norm(x, x.mean(axis=0), x.var(axis=0, ddof=1), eps) + beta


def _fwd_eps_outside(x, gamma, beta, eps=1e-5):
    return gamma * (x - x.mean(axis=0)) / (x.std(axis=0) + eps) + beta


def _fwd_no_eps(x, gamma, beta, eps=1e-5):
    return gamma * (x - x.mean(axis=0)) / x.std(axis=0) + beta


def _fwd_fixed_eps(x, gamma, beta, eps=1e-5):
    return gamma * _norm(x, x.mean(axis=0), x.var(axis=0), 1e-5) + beta


def _fwd_rows(x, gamma, beta, eps=1e-5):
    return gamma * _norm(x, x.mean(axis=1, keepdims=True), x.var(axis=1, keepdims=True), eps) + beta


def _fwd_whole(x, gamma, beta, eps=1e-5):
    return gamma * _norm(x, x.mean(), x.var(), eps) + beta


def _fwd_no_gamma(x, gamma, beta, eps=1e-5):
    return _norm(x, x.mean(axis=0), x.var(axis=0), eps) + beta


def _fwd_no_beta(x, gamma, beta, eps=1e-5):
    return gamma * _norm(x, x.mean(axis=0), x.var(axis=0), eps)


def _fwd_swapped(x, gamma, beta, eps=1e-5):
    return beta * _norm(x, x.mean(axis=0), x.var(axis=0), eps) + gamma


def _parts(x, eps, ddof=0, eps_inside=True):
    inv_std = 1 / np.sqrt(x.var(axis=0, ddof=ddof) + eps) if eps_inside else 1 / (x.std(axis=0) + eps)
    return inv_std, (x - x.mean(axis=0)) * inv_std


def _bwd(dout, x, gamma, eps=1e-5, ddof=0, eps_inside=True):
    """The right backward pass, but for the variance's ddof and where eps goes."""
    n = x.shape[0]
    inv_std, x_hat = _parts(x, eps, ddof, eps_inside)
    dx_hat = dout * gamma
    dx = inv_std / n * (n * dx_hat - dx_hat.sum(axis=0) - x_hat * np.sum(dx_hat * x_hat, axis=0))
    return dx, np.sum(dout * x_hat, axis=0), np.sum(dout, axis=0)


def _bwd_simple(dout, x, gamma, eps=1e-5):
    inv_std, x_hat = _parts(x, eps)
    return dout * gamma * inv_std, np.sum(dout * x_hat, axis=0), np.sum(dout, axis=0)


def _bwd_mean_path_only(dout, x, gamma, eps=1e-5):
    inv_std, x_hat = _parts(x, eps)
    dx_hat = dout * gamma
    return inv_std * (dx_hat - dx_hat.mean(axis=0)), np.sum(dout * x_hat, axis=0), np.sum(dout, axis=0)


def _bwd_var_path_only(dout, x, gamma, eps=1e-5):
    inv_std, x_hat = _parts(x, eps)
    dx_hat = dout * gamma
    dx = inv_std * (dx_hat - x_hat * np.mean(dx_hat * x_hat, axis=0))
    return dx, np.sum(dout * x_hat, axis=0), np.sum(dout, axis=0)


def _bwd_no_gamma(dout, x, gamma, eps=1e-5):
    return _bwd(dout, x, np.ones_like(gamma), eps)


def _bwd_swapped(dout, x, gamma, eps=1e-5):
    dx, dgamma, dbeta = _bwd(dout, x, gamma, eps)
    return dx, dbeta, dgamma


def _bwd_mean_dbeta(dout, x, gamma, eps=1e-5):
    dx, dgamma, _ = _bwd(dout, x, gamma, eps)
    return dx, dgamma, dout.mean(axis=0)


def _bwd_dgamma_from_x(dout, x, gamma, eps=1e-5):
    dx, _, dbeta = _bwd(dout, x, gamma, eps)
    return dx, np.sum(dout * x, axis=0), dbeta


def _bwd_two(dout, x, gamma, eps=1e-5):
    return _bwd(dout, x, gamma, eps)[:2]


def _bwd_dx_only(dout, x, gamma, eps=1e-5):
    return _bwd(dout, x, gamma, eps)[0]


def _is_dx(value, got):
    """``got`` is the array ``value`` alone, not in a tuple."""
    return isinstance(got, np.ndarray) and got.shape == value.shape and np.allclose(got, value, rtol=1e-7, atol=1e-10)


def _eval_batch_stats(x, gamma, beta, running_mean, running_var, eps=1e-5):
    return gamma * _norm(x, x.mean(axis=0), x.var(axis=0), eps) + beta


def _eval_batch_var(x, gamma, beta, running_mean, running_var, eps=1e-5):
    return gamma * _norm(x, running_mean, x.var(axis=0), eps) + beta


def _eval_batch_mean(x, gamma, beta, running_mean, running_var, eps=1e-5):
    return gamma * _norm(x, x.mean(axis=0), running_var, eps) + beta


def _eval_var_as_std(x, gamma, beta, running_mean, running_var, eps=1e-5):
    return gamma * (x - running_mean) / (running_var + eps) + beta


def _eval_no_eps(x, gamma, beta, running_mean, running_var, eps=1e-5):
    return gamma * (x - running_mean) / np.sqrt(running_var) + beta


def _eval_eps_outside(x, gamma, beta, running_mean, running_var, eps=1e-5):
    return gamma * (x - running_mean) / (np.sqrt(running_var) + eps) + beta


def _eval_fixed_eps(x, gamma, beta, running_mean, running_var, eps=1e-5):
    return gamma * _norm(x, running_mean, running_var, 1e-5) + beta


def _eval_no_gamma(x, gamma, beta, running_mean, running_var, eps=1e-5):
    return _norm(x, running_mean, running_var, eps) + beta


def _eval_no_beta(x, gamma, beta, running_mean, running_var, eps=1e-5):
    return gamma * _norm(x, running_mean, running_var, eps)


_DDOF = ("Your result matches the unbiased variance (ddof=1, dividing by N - 1): batch norm divides by N, "
         "which is what x.var(axis=0) does by default.")
_EPS_OUTSIDE = ("Your result matches (x - mean) / (sqrt(var) + eps): eps belongs inside the square root, added to "
                "the variance, sqrt(var + eps).")
_NO_GAMMA = "Your result leaves out gamma: after normalising, scale each feature by gamma, then shift by beta."
_NO_BETA = "Your result leaves out beta: after scaling by gamma, shift each feature by beta."
_FIXED_EPS = ("Your result uses eps = 1e-5 even when the call passes another eps (the check passes eps=0.01 "
              "once): use the argument.")

register(Exercise(
    name="batchnorm_forward", label="Exercise 5.1", notebook="05_batch_norm", points=2,
    reference=_forward, cases=_forward_cases, compare=close(rtol=1e-8, atol=1e-12), protected=(_forward, *_LAYERS),
    hints=(
        "Batch norm works per feature, that is per column: the mean and variance are taken over the batch "
        "(axis=0), one value per feature, and every example of the batch is normalised with them.",
        "Use the biased variance (divide by N, as x.var(axis=0) does), add eps to it inside the square root, "
        "then scale the normalised values by gamma and shift them by beta.",
    ),
    mistakes=(
        Mistake("unbiased variance (ddof=1)", _fwd_ddof, _DDOF),
        Mistake("eps outside the square root", _fwd_eps_outside, _EPS_OUTSIDE),
        Mistake("no eps", _fwd_no_eps,
                "Your result divides by sqrt(var) without eps: add eps to the variance under the square root. "
                "Without it, a feature that is constant over the batch (variance 0) gives 0 / 0."),
        Mistake("normalises each row (axis=1)", _fwd_rows,
                "Your result normalises each example over its features (axis=1): batch norm normalises each "
                "feature over the batch, the columns, axis=0."),
        Mistake("statistics of the whole array", _fwd_whole,
                "Your result uses one mean and one variance for the whole array: batch norm takes them per "
                "feature, over the batch (axis=0)."),
        Mistake("forgets gamma", _fwd_no_gamma, _NO_GAMMA),
        Mistake("forgets beta", _fwd_no_beta, _NO_BETA),
        Mistake("gamma and beta swapped", _fwd_swapped,
                "Your result scales by beta and shifts by gamma: it is gamma * x_hat + beta."),
        Mistake("ignores the eps argument", _fwd_fixed_eps, _FIXED_EPS),
    ),
))

register(Exercise(
    name="batchnorm_backward", label="Exercise 5.2", notebook="05_batch_norm", points=3,
    reference=_backward, cases=_backward_cases, compare=close_each(rtol=1e-7, atol=1e-10, names=("dx", "dgamma", "dbeta")),
    protected=(_backward, *_LAYERS),
    hints=(
        "Start with dgamma and dbeta: y = gamma * x_hat + beta, so each is a sum over the batch (axis=0) of dout "
        "times what gamma or beta multiplies. For dx, recompute the forward pass (mean, var, "
        "inv_std = 1 / sqrt(var + eps), x_hat) and go back from dx_hat = dout * gamma.",
        "Each x_ij reaches x_hat three ways: directly, through the feature's mean (which it moves by 1/N) and "
        "through the feature's variance (which it moves by 2 (x_ij - mean) / N). dx is the sum of the three "
        "paths; the last two are sums over the batch.",
        "Check dx against finite differences in a cell of your own (the check switches numerical_gradient off "
        "inside batchnorm_backward): with L = sum(dout * batchnorm_forward(x, gamma, 0)), nudge one x_ij by "
        "+-1e-6. Two properties help too: for each feature, dx sums to 0 over the batch, and dx * x_hat nearly "
        "so (exactly, were eps 0).",
    ),
    mistakes=(
        Mistake("the simple backward, without the mean and variance paths", _bwd_simple,
                "Your dx is dout * gamma / sqrt(var + eps): it treats the batch's mean and variance as constants. "
                "They depend on every x_i, so dx has two more terms, one through the mean, one through the variance."),
        Mistake("only the path through the mean", _bwd_mean_path_only,
                "Your dx has the path through the mean but not the one through the variance: the variance "
                "depends on every x_i too."),
        Mistake("only the path through the variance", _bwd_var_path_only,
                "Your dx has the path through the variance but not the one through the mean: the mean "
                "depends on every x_i too, each by 1/N."),
        Mistake("dgamma and dbeta swapped", _bwd_swapped,
                "Your dgamma and dbeta are right but swapped: return them in the order (dx, dgamma, dbeta)."),
        Mistake("returns (dx, dgamma) only", _bwd_two,
                "Your result has two items: return all three, (dx, dgamma, dbeta)."),
        Mistake("returns dx only", _bwd_dx_only,
                "You returned dx alone (and it is right): return the tuple (dx, dgamma, dbeta).", _is_dx),
        Mistake("dbeta as the mean of dout", _bwd_mean_dbeta,
                "Your dbeta is the mean of dout over the batch: beta is added to every example, so its gradient "
                "is the sum."),
        Mistake("dgamma from x instead of x_hat", _bwd_dgamma_from_x,
                "Your dgamma multiplies dout by x: gamma multiplies the normalised x_hat, so use x_hat."),
        Mistake("dx without gamma", _bwd_no_gamma,
                "Your dx leaves out gamma: the output is gamma * x_hat + beta, so dx_hat = dout * gamma."),
        Mistake("unbiased variance (ddof=1)", lambda dout, x, gamma, eps=1e-5: _bwd(dout, x, gamma, eps, ddof=1), _DDOF),
        Mistake("eps outside the square root", lambda dout, x, gamma, eps=1e-5: _bwd(dout, x, gamma, eps, eps_inside=False),
                _EPS_OUTSIDE),
    ),
))

register(Exercise(
    name="batchnorm_eval", label="Exercise 5.3", notebook="05_batch_norm", points=1,
    reference=_eval, cases=_eval_cases, compare=close(rtol=1e-8, atol=1e-12), protected=(_eval, *_LAYERS),
    hints=(
        "In evaluation mode nothing is computed from the batch: the mean and variance are the running ones passed "
        "in. That is why it works for a batch of one.",
        "Apart from where the statistics come from, it is 5.1's formula: eps in the same place, the same "
        "gamma and beta.",
    ),
    mistakes=(
        Mistake("batch statistics", _eval_batch_stats,
                "Your result uses the batch's own mean and variance, as in training mode: in evaluation mode use "
                "running_mean and running_var, so that a prediction does not depend on the rest of the batch "
                "(and a batch of one works)."),
        Mistake("batch variance with the running mean", _eval_batch_var,
                "Your result uses the batch's variance: in evaluation mode the variance is running_var too."),
        Mistake("batch mean with the running variance", _eval_batch_mean,
                "Your result uses the batch's mean: in evaluation mode the mean is running_mean too."),
        Mistake("running_var used as a standard deviation", _eval_var_as_std,
                "Your result divides by running_var (+ eps): running_var is a variance, so divide by its square "
                "root, sqrt(running_var + eps)."),
        Mistake("no eps", _eval_no_eps,
                "Your result divides by sqrt(running_var) without eps: add eps to the variance under the square "
                "root, as in training mode."),
        Mistake("eps outside the square root", _eval_eps_outside, (
                "Your result matches (x - running_mean) / (sqrt(running_var) + eps): eps belongs inside the square "
                "root, added to the variance, as in training mode.")),
        Mistake("ignores the eps argument", _eval_fixed_eps, _FIXED_EPS),
        Mistake("forgets gamma", _eval_no_gamma, _NO_GAMMA),
        Mistake("forgets beta", _eval_no_beta, _NO_BETA),
    ),
))
