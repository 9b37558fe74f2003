"""The ``vgrad`` command.

    vgrad build              write notebooks/ from solutions/
    vgrad build --check      exit 1 when notebooks/ is out of date
    vgrad execute [NB ...]   run solution notebooks and store their outputs (default: all)
"""
import argparse
import sys
import time
from pathlib import Path

from . import course


def main(argv=None):
    parser = argparse.ArgumentParser(prog="vgrad", description="Vanishing Gradients course tools")
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="write the learners' notebooks/ from solutions/")
    b.add_argument("--solutions", default="solutions")
    b.add_argument("--notebooks", default="notebooks")
    b.add_argument("--check", action="store_true", help="only report whether notebooks/ is up to date")
    e = sub.add_parser("execute", help="run solution notebooks and store their outputs in place")
    e.add_argument("paths", nargs="*", help="notebooks to run (default: solutions/*.ipynb)")
    e.add_argument("--timeout", type=int, default=120, help="seconds per cell")
    args = parser.parse_args(argv)
    try:
        if args.command == "build":
            return _build(args)
        return _execute(args)
    except course.BuildError as err:
        print(f"vgrad {args.command}: {err}", file=sys.stderr)
        return 2


def _build(args):
    if args.check:
        out_of_date = course.stale(args.solutions, args.notebooks)
        for name in out_of_date:
            print(f"out of date: {Path(args.notebooks) / name}")
        if out_of_date:
            print("run `vgrad build` (or `make notebooks`) to rebuild")
        return 1 if out_of_date else 0
    for path in course.build(args.solutions, args.notebooks):
        print(f"wrote {path}")
    return 0


def _execute(args):
    from nbclient.exceptions import CellExecutionError

    paths = [Path(p) for p in args.paths] or sorted(Path("solutions").glob("*.ipynb"))
    for path in paths:
        start = time.perf_counter()
        try:
            course.execute(path, timeout=args.timeout)
        except CellExecutionError as err:
            print(f"vgrad execute: {path} failed:\n{err}", file=sys.stderr)
            return 1
        print(f"executed {path} in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
