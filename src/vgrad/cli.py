"""The ``vgrad`` command.

    vgrad build              write notebooks/ from solutions/
    vgrad build --check      exit 1 when notebooks/ is out of date
    vgrad execute [NB ...]   run solution notebooks and store their outputs (default: all)
    vgrad grade PATH ...     grade submitted notebooks (files or folders); see lessons/grading.md
    vgrad gradescope-zip     build Gradescope's autograder zip

``build`` and ``execute`` need the extra ``vgrad[course]`` (nbformat, nbclient); grading needs only the
course's plain dependencies.
"""
import argparse
import os
import importlib.util
import sys
import time
from pathlib import Path

COURSE_TOOLS = {"build": ("nbformat",), "execute": ("nbformat", "nbclient", "ipykernel")}


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
    g = sub.add_parser("grade", help="grade submitted notebooks in sandboxed processes")
    g.add_argument("paths", nargs="+", help="submitted .ipynb files, or folders of them")
    g.add_argument("--format", choices=("table", "json", "gradescope"), default="table")
    g.add_argument("--out", help="write one result file per submission and gradebook.csv into this folder")
    g.add_argument("--notebook", help="grade every submission as this course notebook, e.g. 01_chain_rule")
    g.add_argument("--jobs", type=int, default=None, help="submissions graded at once (default: all cores)")
    g.add_argument("--timeout", type=float, default=120.0, help="seconds per submission (default 120)")
    g.add_argument("--cell-timeout", type=float, default=30.0, help="seconds per code cell (default 30)")
    g.add_argument("--call-timeout", type=float, default=5.0, help="seconds per call of an exercise function")
    g.add_argument("--memory", type=int, default=2048, help="memory limit per submission in MB (default 2048)")
    g.add_argument("--run-all-cells", action="store_true",
                   help="run every code cell, experiments included (default: definitions only, unless needed)")
    g.add_argument("--seed", type=int, default=None, help="fix the test inputs (default: new ones every run)")
    g.add_argument("--isolation", choices=("auto", "full", "reduced"), default="auto",
                   help="auto: the best this machine gives (default); full: refuse to grade without "
                        "bubblewrap's sandbox; reduced: a plain process (see lessons/grading.md)")
    g.add_argument("--quiet", action="store_true", help="no progress bar")
    z = sub.add_parser("gradescope-zip", help="build the Gradescope autograder zip")
    z.add_argument("--out", default="vgrad-autograder.zip")
    args = parser.parse_args(argv)
    if args.command == "gradescope-zip":
        from .grading.gradescope import build_zip

        names = build_zip(args.out)
        print(f"wrote {args.out} ({len(names)} files): upload it as the autograder of a Gradescope "
              "programming assignment (base image: Ubuntu 24.04)")
        return 0
    if args.command == "grade":
        return _grade(args)
    missing = [m for m in COURSE_TOOLS[args.command] if importlib.util.find_spec(m) is None]
    if missing:
        print(f"vgrad {args.command} needs {', '.join(missing)} (not installed): "
              "pip install 'vgrad[course]'", file=sys.stderr)
        return 2
    from . import course

    try:
        return _build(args) if args.command == "build" else _execute(args)
    except course.BuildError as err:
        print(f"vgrad {args.command}: {err}", file=sys.stderr)
        return 2


def _build(args):
    from . import course

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

    from . import course

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


def _grade(args):
    from .grading import reports
    from .grading.batch import find_submissions, grade_many
    from .grading.grader import Limits

    paths = find_submissions(args.paths)
    if not paths:
        print("vgrad grade: no .ipynb files found in " + ", ".join(args.paths), file=sys.stderr)
        return 2
    if args.format == "gradescope" and len(paths) != 1:
        print("vgrad grade: --format gradescope takes exactly one submission", file=sys.stderr)
        return 2
    from .grading.isolation import detect, refusal

    level = detect(args.isolation != "reduced")
    refused = refusal(level, args.isolation)
    if refused:
        print(f"vgrad grade: {refused}", file=sys.stderr)
        return 2
    if not args.quiet:
        print(f"vgrad grade: {level}", file=sys.stderr)
    if args.out and Path(args.out).exists() and not Path(args.out).is_dir():  # say so before grading, not after
        print(f"vgrad grade: cannot write the results into {args.out} (a file is in the way)", file=sys.stderr)
        return 2
    limits = Limits(cell_timeout=args.cell_timeout, call_timeout=args.call_timeout, timeout=args.timeout,
                    memory_mb=args.memory, run_all_cells=args.run_all_cells, isolation=args.isolation)
    results = grade_many(paths, jobs=args.jobs, progress=not args.quiet and len(paths) > 1,
                         notebook=args.notebook, limits=limits, seed=args.seed)
    names = reports.submission_names(paths, base=reports.common_folder(args.paths))  # alice/hw.ipynb
    status = 0
    if args.out:  # first: a closed or broken terminal must not lose the gradebook
        try:
            reports.write_outputs(args.out, results, names)
        except OSError as exc:
            why = "a file is in the way" if isinstance(exc, (FileExistsError, NotADirectoryError)) else exc.strerror or type(exc).__name__
            print(f"vgrad grade: cannot write the results into {args.out} ({why}); the grades follow", file=sys.stderr)
            status = 2
    if args.format == "gradescope":
        text = reports.gradescope(results[0])
    elif args.format == "json":
        text = reports.as_json(results)
    else:
        text = reports.table(results, names) + f"\n\n{level}"  # the report says how code was isolated
    try:
        print(text)
        sys.stdout.flush()
    except BrokenPipeError:  # `vgrad grade ... | head`: the reader left; nothing is lost
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return status


if __name__ == "__main__":
    sys.exit(main())
