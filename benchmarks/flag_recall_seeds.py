"""Flag recall (notebook 08) over several seeds: how much of the notebook's single-seed table is luck.

    .venv/bin/python benchmarks/flag_recall_seeds.py [--seeds 0 1 2] [--lengths 10 50 100]

Trains every network of notebook 08 (32 units, Adam 1e-2, clip-by-norm 1, batches of 64, at most 400 steps with
early stopping) at each length and seed, and prints test accuracy on 1,000 new sequences and the steps used.
About 2-3 minutes for the defaults on one core.
"""
import argparse
import time
from functools import partial

from vgrad import data
from vgrad.nn import Adam, SequenceClassifier
from vgrad.train import accuracy, train_sequence

NETWORKS = {
    "RNN (tanh)": ("rnn", {}),
    "LSTM forget +5, input -3": ("lstm", dict(forget_bias=5.0, input_bias=-3.0)),
    "GRU update +3": ("gru", dict(update_bias=3.0)),
    "LSTM forget 1": ("lstm", dict(forget_bias=1.0)),
    "GRU update 0": ("gru", {}),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--lengths", type=int, nargs="+", default=[10, 50, 100])
    args = parser.parse_args()
    start = time.perf_counter()
    print(f"{'network':26} {'length':>6}  " + "  ".join(f"seed {s:<11}" for s in args.seeds))
    for length in args.lengths:
        x_test, y_test = data.flag_recall(1000, length, seed=12345)
        for name, (kind, gates) in NETWORKS.items():
            cells = []
            for seed in args.seeds:
                model = SequenceClassifier(kind, 5, 32, 4, seed=seed, **gates)
                history = train_sequence(model, partial(data.flag_recall, length=length), steps=400,
                                         optimizer=Adam(lr=1e-2), clip=1.0, seed=seed, stop_at=1.0)
                cells.append(f"{accuracy(model, x_test, y_test):6.1%} ({history.steps:3d})")
            print(f"{name:26} {length:6d}  " + "  ".join(cells), flush=True)
    print(f"\naccuracy (training steps); chance 25 %. {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
