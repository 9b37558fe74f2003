"""Exercises of notebook 06_residual_networks."""
import numpy as np

from ..gradcheck import numerical_gradient
from ..nn.layers import Dense
from ..nn.recurrent import GRU, LSTM, RNN
from ..nn.residual import ResidualBlock
from .registry import Case, Exercise, Mistake, close, close_each, register


def _block_backward(dy, x, W, b, scale):
    block = ResidualBlock(W.shape[0], activation="relu", scale=scale)
    block.dense.W, block.dense.b = W.copy(), b.copy()
    block.forward(x)
    dx = block.backward(dy)
    return dx, block.dense.dW, block.dense.db


def _block_cases(rng):
    cases = []
    d = int(rng.integers(3, 6))  # the second batch is square: dx and dW, or sums over either axis, have one shape
    for n, d in ((int(rng.integers(4, 9)), int(rng.integers(3, 7))), (d, d), (int(rng.integers(2, 5)), int(rng.integers(6, 10)))):
        x = rng.normal(size=(n, d))
        x[x == 0] = 0.1  # relu'(0) is a convention: no case depends on it
        # a bias of either sign, larger than the branch's other terms: the block's output y and the branch's
        # output take signs other than x's, so a ReLU mask taken from them is wrong somewhere
        cases.append(Case((rng.normal(size=(n, d)), x, rng.normal(0, 0.5, size=(d, d)), rng.normal(0, 1.5, size=d),
                           float(np.round(rng.uniform(0.1, 0.9), 2)))))
    return cases


def _parts(dy, x, W, scale):
    u = np.maximum(x, 0)
    return u, scale * dy, (x > 0)


def _rb_no_skip(dy, x, W, b, scale):
    u, d, mask = _parts(dy, x, W, scale)
    return (d @ W.T) * mask, u.T @ d, d.sum(axis=0)


def _rb_unscaled_dW(dy, x, W, b, scale):
    u, d, mask = _parts(dy, x, W, scale)
    return dy + (d @ W.T) * mask, u.T @ dy, d.sum(axis=0)


def _rb_unscaled_db(dy, x, W, b, scale):
    u, d, mask = _parts(dy, x, W, scale)
    return dy + (d @ W.T) * mask, u.T @ d, dy.sum(axis=0)


def _rb_unscaled_du(dy, x, W, b, scale):
    u, d, mask = _parts(dy, x, W, scale)
    return dy + (dy @ W.T) * mask, u.T @ d, d.sum(axis=0)


def _rb_mask_before_W(dy, x, W, b, scale):
    u, d, mask = _parts(dy, x, W, scale)
    return dy + (d * mask) @ W.T, u.T @ d, d.sum(axis=0)


def _rb_mask_from_y(dy, x, W, b, scale):
    u, d, _ = _parts(dy, x, W, scale)
    y = x + scale * (u @ W + b)
    return dy + (d @ W.T) * (y > 0), u.T @ d, d.sum(axis=0)


def _rb_mask_on_skip(dy, x, W, b, scale):
    u, d, mask = _parts(dy, x, W, scale)
    return (dy + d @ W.T) * mask, u.T @ d, d.sum(axis=0)


def _rb_dW_transposed(dy, x, W, b, scale):
    u, d, mask = _parts(dy, x, W, scale)
    return dy + (d @ W.T) * mask, d.T @ u, d.sum(axis=0)


def _rb_dW_from_x(dy, x, W, b, scale):
    u, d, mask = _parts(dy, x, W, scale)
    return dy + (d @ W.T) * mask, x.T @ d, d.sum(axis=0)


def _rb_db_not_summed(dy, x, W, b, scale):
    u, d, mask = _parts(dy, x, W, scale)
    return dy + (d @ W.T) * mask, u.T @ d, d


def _rb_W_not_transposed(dy, x, W, b, scale):
    u, d, mask = _parts(dy, x, W, scale)
    return dy + (d @ W) * mask, u.T @ d, d.sum(axis=0)


def _rb_swapped(dy, x, W, b, scale):
    u, d, mask = _parts(dy, x, W, scale)
    return u.T @ d, dy + (d @ W.T) * mask, d.sum(axis=0)


register(Exercise(
    name="residual_backward", label="Exercise 6.1", notebook="06_residual_networks", points=3,
    reference=_block_backward, cases=_block_cases, compare=close_each(rtol=1e-8, atol=1e-12, names=("dx", "dW", "db")),
    # each does the work (the block's forward pass only prepares its backward, but is the block's route)
    # every backward pass of vgrad.nn that could be bent into this one (an RNN with a linear activation can)
    protected=(_block_backward, ResidualBlock.forward, ResidualBlock.backward, Dense.backward, RNN.backward,
               LSTM.backward, GRU.backward, numerical_gradient),
    hints=(
        "Name the steps of the forward pass: u = relu(x), z = u @ W + b, y = x + scale * z. Go backward from dy: "
        "the branch's output z receives scale * dy.",
        "Through z = u @ W + b, a Dense layer's rules: dW = u.T @ dz, db is dz summed over the batch, "
        "du = dz @ W.T. The ReLU then lets du through only where its input was positive.",
        "y depends on x twice, through the branch and directly: the two contributions to dx add up. "
        "Return the tuple (dx, dW, db).",
    ),
    mistakes=(
        Mistake("forgets the skip", _rb_no_skip,
                "Your dx is only the branch's part: y = x + scale * F(x) depends on x directly too, which adds "
                "dy itself to dx. That term is the point of a residual block."),
        Mistake("mask applied to the skip too", _rb_mask_on_skip,
                "Your dx multiplies the skip's dy by the ReLU mask as well: the ReLU is on the branch only, "
                "so the skip's contribution passes unmasked."),
        Mistake("scale forgotten in dW", _rb_unscaled_dW,
                "Your dW is u.T @ dy: the branch is multiplied by scale, so its gradient is scale * dy; "
                "dW needs that factor too."),
        Mistake("scale forgotten in db", _rb_unscaled_db,
                "Your db is dy summed over the batch: the branch is multiplied by scale, so db needs that factor too."),
        Mistake("scale forgotten in dx's branch", _rb_unscaled_du,
                "The branch's part of your dx misses the factor scale: the branch is multiplied by scale, so "
                "its gradient is scale * dy before it goes back through W."),
        Mistake("ReLU mask applied before W.T", _rb_mask_before_W,
                "Your dx applies the ReLU's mask to dy before going back through W: in the forward pass the ReLU "
                "comes first (on x), so in the backward pass its mask comes last, after @ W.T."),
        Mistake("ReLU mask from the output y", _rb_mask_from_y,
                "Your dx masks with y > 0: the ReLU's input is x (u = relu(x)), so its mask is x > 0."),
        Mistake("dW transposed", _rb_dW_transposed,
                "Your dW is the transpose of the right one: W has shape (inputs, outputs), so "
                "dW = (input of the layer).T @ (gradient of its output)."),
        Mistake("dW from x instead of relu(x)", _rb_dW_from_x,
                "Your dW uses x: the layer's input is u = relu(x), so dW = u.T @ (scale * dy)."),
        Mistake("db not summed over the batch", _rb_db_not_summed,
                "Your db has one row per example: b is shared by the whole batch, so sum its gradient over the "
                "batch (axis=0)."),
        Mistake("W instead of W.T in dx", _rb_W_not_transposed,
                "Your dx goes back through W: the gradient with respect to u of u @ W is (gradient) @ W.T."),
        Mistake("dx and dW swapped", _rb_swapped,
                "Your dx and dW are swapped: return (dx, dW, db) in that order."),
    ),
))


def _stack(jacobians):
    out = np.eye(jacobians[0].shape[0])
    for J in jacobians:  # block 1 first: d h_L / d h_0 = (I + J_L) ... (I + J_1)
        out = (np.eye(len(J)) + J) @ out
    return out


def _stack_cases(rng):
    # depth 1 comes last: there, transposing each factor or the whole product is the same mistake
    shapes = ((2, 2), (int(rng.integers(3, 7)), int(rng.integers(3, 5))), (int(rng.integers(10, 31)), int(rng.integers(4, 7))),
              (1, int(rng.integers(2, 4))))
    # square matrices drawn at random: no two commute, so the order of the product shows
    return [Case(([rng.normal(0, 0.3, size=(d, d)) for _ in range(depth)],)) for depth, d in shapes]


def _sj_left_to_right(jacobians):
    out = np.eye(len(jacobians[0]))
    for J in jacobians:
        out = out @ (np.eye(len(J)) + J)
    return out


def _sj_no_identity(jacobians):
    out = np.eye(len(jacobians[0]))
    for J in jacobians:
        out = J @ out
    return out


def _sj_sum(jacobians):
    return np.eye(len(jacobians[0])) + sum(jacobians)


def _sj_each_transposed(jacobians):
    out = np.eye(len(jacobians[0]))
    for J in jacobians:
        out = (np.eye(len(J)) + J.T) @ out
    return out


def _sj_transposed(jacobians):
    out = np.eye(len(jacobians[0]))
    for J in jacobians:
        out = (np.eye(len(J)) + J) @ out
    return out.T


def _sj_skips_first(jacobians):
    out = np.eye(len(jacobians[0]))
    for J in jacobians[1:]:
        out = (np.eye(len(J)) + J) @ out
    return out


def _sj_elementwise(jacobians):
    out = np.eye(len(jacobians[0]))
    for J in jacobians:
        out = (np.eye(len(J)) + J) * out
    return out


register(Exercise(
    name="stack_jacobian", label="Exercise 6.2", notebook="06_residual_networks", points=2,
    reference=_stack, cases=_stack_cases, compare=close(rtol=1e-9, atol=1e-12),
    # a linear ResidualBlock's forward pass applies I + J (with W = J.T) and would do the exercise's work
    protected=(_stack, ResidualBlock.forward),
    hints=(
        "Block l maps h_{l-1} to h_l = h_{l-1} + F_l(h_{l-1}); its Jacobian is I + J_l.",
        "The chain rule multiplies the blocks' Jacobians, the last block's on the left: "
        "(I + J_L) @ ... @ (I + J_1). Matrices do not commute: the order matters.",
        "A loop over the list can keep a running product: decide on which side of it each new block's "
        "factor goes, and what the product is before the first block.",
    ),
    mistakes=(
        Mistake("wrong order (J_1 on the left)", _sj_left_to_right,
                "Your product has the first block's factor on the left, (I + J_1) @ ... @ (I + J_L): the chain "
                "rule puts the last block's on the left, and matrices do not commute."),
        Mistake("forgets the identity", _sj_no_identity,
                "Your result is the product of the J_l alone, a plain network's Jacobian: each block's Jacobian "
                "is I + J_l, the identity coming from the skip."),
        Mistake("sum instead of product", _sj_sum,
                "Your result is I + J_1 + ... + J_L, only the first-order terms of the product: multiply the "
                "blocks' Jacobians (I + J_l) instead."),
        Mistake("each J transposed", _sj_each_transposed,
                "Your product uses each J_l transposed: the Jacobians are given as they are, I + J_l."),
        Mistake("the whole product transposed", _sj_transposed,
                "Your result is the transpose of the stack's Jacobian: the last block's factor goes on the left, "
                "and nothing is transposed."),
        Mistake("skips the first Jacobian", _sj_skips_first,
                "Your product leaves out the first block: every J_l in the list, J_1 included, contributes its "
                "factor I + J_l."),
        Mistake("element-wise product", _sj_elementwise,
                "Your result multiplies element by element (*): the chain rule takes matrix products (@)."),
    ),
))


def _branch_scale(depth):
    return float(np.sqrt(np.expm1(np.log(2.0) / depth)))  # 2^(1/depth) - 1 without losing digits at great depth


def _bs_bisection_absolute(depth):
    lo, hi = 0.0, 1.0
    while hi - lo > 1e-6:
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if depth * np.log1p(mid ** 2) <= np.log(2) else (lo, mid)
    return (lo + hi) / 2


def _within_absolute(value, got):
    """``got`` is a float64 within about 1e-6 of the answer, as a search to an absolute 1e-6 gives."""
    return isinstance(got, float) and abs(got - value) <= 1.5e-6


def _branch_cases(rng):
    """Depths up to a million, far too many answers to tabulate in a notebook: four fixed, one below a
    thousand, one up to 1e5 and three from 3e5 to a million, where s is below 2e-3: a search stopped at
    an absolute 1e-7 misses the relative 1e-6 on every seed, at 1e-8 on 97 % of them."""
    drawn = [int(rng.integers(2, 1000)), int(10 ** rng.uniform(3, 5)), *rng.integers(300_000, 1_000_001, 3)]
    return [Case((int(d),)) for d in (1, 4, 20, 50, *drawn)]


register(Exercise(
    name="branch_scale", label="Exercise 6.3", notebook="06_residual_networks", points=1,
    reference=_branch_scale, cases=_branch_cases,
    compare=close(rtol=1e-6), protected=(_branch_scale,),  # the notebook states a relative error of 1e-6
    hints=(
        "Each block multiplies the signal's variance by (1 + s^2) (section 4), so L blocks by (1 + s^2)^L.",
        "Solve (1 + s^2)^L = 2 for s exactly: no approximation, since the check tries depth 1 too. "
        "An L-th root is a power of 1/L.",
    ),
    mistakes=(
        Mistake("the standard deviation doubles", lambda depth: 2 ** (1 / (2 * depth)) - 1,
                "Your s solves (1 + s)^L = sqrt(2): each block multiplies the variance by 1 + s^2, not the "
                "standard deviation by 1 + s."),
        Mistake("s^2 instead of s", lambda depth: 2 ** (1 / depth) - 1,
                "Your result is s^2: (1 + s^2)^L = 2 gives s^2 first; take its square root."),
        Mistake("1/sqrt(L)", lambda depth: 1 / np.sqrt(depth),
                "That is section 4's scale 1/sqrt(L), which lets the variance grow to about e = 2.7: the "
                "exercise asks for the s at which it exactly doubles."),
        Mistake("first-order approximation", lambda depth: np.sqrt(np.log(2) / depth),
                "Your result is sqrt(ln 2 / L), from ln(1 + s^2) ~ s^2: close at great depth, wrong at small "
                "depth. Solve (1 + s^2)^L = 2 exactly."),
        Mistake("depth off by one", lambda depth: np.sqrt(2 ** (1 / (depth + 1)) - 1),
                "Your result is the answer for depth + 1 blocks: the variance doubles over `depth` blocks."),
        Mistake("a search to an absolute 1e-6", _bs_bisection_absolute,
                "Your result is within about 1e-6 of the answer, but the check asks for a relative error of 1e-6: "
                "at a depth of a million s is below 1e-3, where an absolute 1e-6 is 0.1 %. Stop your search when "
                "the bracket is narrower than 1e-6 times s (or solve exactly).", _within_absolute),
    ),
))
