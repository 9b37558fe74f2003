"""Exercises of notebook 06_residual_networks."""
import numpy as np

from ..gradcheck import numerical_gradient
from ..nn.layers import Dense
from ..nn.residual import ResidualBlock
from .registry import Case, Exercise, close, close_each, register


def _block_backward(dy, x, W, b, scale):
    block = ResidualBlock(W.shape[0], activation="relu", scale=scale)
    block.dense.W, block.dense.b = W.copy(), b.copy()
    block.forward(x)
    dx = block.backward(dy)
    return dx, block.dense.dW, block.dense.db


def _block_cases(rng):
    cases = []
    for n, d in ((4, 3), (6, 5), (3, 8)):
        x = rng.normal(size=(n, d))
        x[x == 0] = 0.1
        cases.append(Case((rng.normal(size=(n, d)), x, rng.normal(0, 0.5, size=(d, d)), rng.normal(size=d),
                           float(np.round(rng.uniform(0.1, 1.0), 2)))))
    return cases


register(Exercise(
    name="residual_backward", label="Exercise 6.1", notebook="06_residual_networks", points=3,
    reference=_block_backward, cases=_block_cases, compare=close_each(rtol=1e-8, atol=1e-12),
    protected=(_block_backward, ResidualBlock.backward, Dense.backward, numerical_gradient),  # each does the work
    hints=(
        "Forward: u = relu(x), y = x + scale * (u @ W + b). Go backward through the branch first: "
        "dW = u.T @ (scale * dy), db = sum of scale * dy over the batch.",
        "du = (scale * dy) @ W.T, and through the ReLU: du * (x > 0).",
        "The skip adds dy itself: dx = dy + du * (x > 0). Return (dx, dW, db).",
    ),
))


def _stack(jacobians):
    out = np.eye(jacobians[0].shape[0])
    for J in jacobians:  # block 1 first: d h_L / d h_0 = (I + J_L) ... (I + J_1)
        out = (np.eye(len(J)) + J) @ out
    return out


def _stack_cases(rng):
    return [Case(([rng.normal(0, 0.2, size=(d, d)) for _ in range(depth)],))
            for depth, d in ((1, 2), (3, 3), (10, 4), (30, 5))]


register(Exercise(
    name="stack_jacobian", label="Exercise 6.2", notebook="06_residual_networks", points=2,
    reference=_stack, cases=_stack_cases, compare=close(rtol=1e-9, atol=1e-12), protected=(_stack,),
    hints=(
        "Block l maps h_{l-1} to h_l = h_{l-1} + F_l(h_{l-1}); its Jacobian is I + J_l.",
        "The chain rule multiplies the blocks' Jacobians, the last block's on the left: "
        "(I + J_L) @ ... @ (I + J_1).",
        "Start from np.eye(d) and, for J in the list in order, set result = (np.eye(d) + J) @ result.",
    ),
))


def _branch_scale(depth):
    return float(np.sqrt(2.0 ** (1.0 / depth) - 1.0))


def _branch_cases(rng):  # depths up to a million: far too many answers to tabulate in a notebook
    return [Case((d,)) for d in (1, 4, 20, 50, int(rng.integers(2, 10**6)))]


register(Exercise(
    name="branch_scale", label="Exercise 6.3", notebook="06_residual_networks", points=1,
    reference=_branch_scale, cases=_branch_cases,
    compare=close(rtol=1e-9), protected=(_branch_scale,),
    hints=(
        "Each block multiplies the signal's variance by (1 + s^2) (section 4), so L blocks by (1 + s^2)^L.",
        "Solve (1 + s^2)^L = 2 for s: s = sqrt(2^(1/L) - 1).",
    ),
))
