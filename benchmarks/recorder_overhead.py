"""What recording diagnostics costs during training, measured: the recorder is meant to be left on.

    .venv/bin/python benchmarks/recorder_overhead.py [--steps 300] [--repeat 5]

Trains the sigmoid MLPs of notebook 02 (width 32; 2, 10 and 20 hidden layers; batch 64) on the digits
twice each: with the Recorder (train(), record_every=10 and 1) and with a bare loop doing the same
forward, backward and SGD step. Prints milliseconds per step (best of --repeat) and the overhead.
"""
import argparse
import time

import numpy as np

from vgrad import data, nn
from vgrad.train import train


def bare_loop(net, x, y, steps, seed=0):
    opt, rng = nn.SGD(lr=0.1, momentum=0.9), np.random.default_rng(seed)
    for _ in range(steps):
        batch = rng.choice(len(x), size=64, replace=False)
        _, dout = nn.softmax_cross_entropy(net.forward(x[batch]), y[batch])
        net.backward(dout)
        opt.step(net.layers)


def best_ms_per_step(run, depth, steps, repeat):
    times = []
    for _ in range(repeat):
        net = nn.MLP([64] + [32] * depth + [10], activation="sigmoid", seed=0)
        start = time.perf_counter()
        run(net)
        times.append(time.perf_counter() - start)
    return 1000 * min(times) / steps


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    x, y = data.digits()
    print(f"{'hidden layers':>13} {'bare (ms/step)':>15} {'every 10':>9} {'overhead':>9} {'every 1':>8} {'overhead':>9}")
    for depth in (2, 10, 20):
        bare = best_ms_per_step(lambda n: bare_loop(n, x, y, args.steps), depth, args.steps, args.repeat)
        r10 = best_ms_per_step(lambda n: train(n, x, y, optimizer=nn.SGD(lr=0.1, momentum=0.9), steps=args.steps,
                                               record_every=10), depth, args.steps, args.repeat)
        r1 = best_ms_per_step(lambda n: train(n, x, y, optimizer=nn.SGD(lr=0.1, momentum=0.9), steps=args.steps,
                                              record_every=1), depth, args.steps, args.repeat)
        print(f"{depth:13d} {bare:15.3f} {r10:9.3f} {r10 / bare - 1:9.0%} {r1:8.3f} {r1 / bare - 1:9.0%}")


if __name__ == "__main__":
    main()
