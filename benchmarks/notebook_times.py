"""Execution time of every solution notebook, measured: the course promises each runs in seconds.

    .venv/bin/python benchmarks/notebook_times.py [--repeat 3] [NOTEBOOK ...]

Prints, per notebook, the wall time of a full run in a fresh kernel (kernel start included) and of
the cells alone, best of --repeat runs, then the totals. Target: each notebook <= 10 s on a 2-core laptop.
"""
import argparse
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
TARGET = 10.0


def run_once(path):
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    with client.setup_kernel():
        ready = time.perf_counter()
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
        done = time.perf_counter()
    return done - start, done - ready


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    paths = args.paths or sorted((ROOT / "solutions").glob("*.ipynb"))
    print(f"{'notebook':28} {'total (s)':>10} {'cells (s)':>10}   best of {args.repeat}")
    totals = [0.0, 0.0]
    for path in paths:
        total, cells = min(run_once(path) for _ in range(args.repeat))
        totals[0] += total
        totals[1] += cells
        flag = "" if total <= TARGET else f"   over the {TARGET:g} s target"
        print(f"{path.name:28} {total:10.2f} {cells:10.2f}{flag}")
    print(f"{'all notebooks':28} {totals[0]:10.2f} {totals[1]:10.2f}")


if __name__ == "__main__":
    main()
