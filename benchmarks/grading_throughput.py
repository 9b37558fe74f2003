"""How fast `vgrad grade` grades a class, measured; side by side with `nbgrader autograde`
where nbgrader is installed (``make test`` puts it in .venv-nbgrader).

    .venv/bin/python benchmarks/grading_throughput.py [--submissions 20] [--jobs 2] [--nbgrader PATH]

Makes a class of submissions of notebook 01 (a third complete, a third untouched, a third half
done), grades them all with each isolation level this machine gives (full: bubblewrap; reduced: a
plain process), and prints wall time, seconds per submission and throughput. Targets: full
isolation costs at most 1.5x the reduced level's time per submission, and grading stays at least 5x
faster than nbgrader autograde on the same submissions.
"""
import argparse
import copy
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import nbformat

from vgrad.grading import isolation
from vgrad.grading.batch import grade_many
from vgrad.grading.grader import Limits

ROOT = Path(__file__).resolve().parent.parent


def make_class(folder, count):
    solution = nbformat.read(ROOT / "solutions" / "01_chain_rule.ipynb", as_version=4)
    student = nbformat.read(ROOT / "notebooks" / "01_chain_rule.ipynb", as_version=4)
    half = copy.deepcopy(student)
    done = [c for c in solution.cells if c.cell_type == "code" and c.source.startswith("def sigmoid_prime")]
    for cell in half.cells:
        if cell.cell_type == "code" and cell.source.startswith("def sigmoid_prime"):
            cell.source = done[0].source
    paths = []
    for i in range(count):
        path = Path(folder) / f"s{i:02d}" / "01_chain_rule.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write((solution, student, half)[i % 3], path)
        paths.append(path)
    return paths


def time_vgrad(paths, jobs, level):
    limits = Limits(isolation=level)
    grade_many(paths[:jobs], jobs=jobs, progress=False, limits=limits)  # the package copy, built once per run
    start = time.perf_counter()
    results = grade_many(paths, jobs=jobs, progress=False, limits=limits)
    wall = time.perf_counter() - start
    return wall, results


def time_nbgrader(nbgrader, paths):
    with tempfile.TemporaryDirectory() as course:
        course = Path(course)
        (course / "source" / "ps01").mkdir(parents=True)
        shutil.copy(ROOT / "solutions" / "01_chain_rule.ipynb", course / "source" / "ps01")
        for path in paths:
            target = course / "submitted" / path.parent.name / "ps01"
            target.mkdir(parents=True)
            shutil.copy(path, target)
        (course / "nbgrader_config.py").write_text(
            f"c = get_config()\nc.CourseDirectory.root = {str(course)!r}\nc.CourseDirectory.course_id = 'bench'\n"
            f"c.Exchange.root = {str(course / 'exchange')!r}\n")
        env = {**os.environ, "PATH": f"{Path(nbgrader).parent}{os.pathsep}{os.environ['PATH']}"}

        def run(*args):
            subprocess.run([nbgrader, *args], cwd=course, env=env, check=True, capture_output=True)

        run("generate_assignment", "ps01", "--force")
        for path in paths:
            run("db", "student", "add", path.parent.name)
        start = time.perf_counter()
        run("autograde", "ps01", "--force")
        return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=os.cpu_count())
    parser.add_argument("--nbgrader", default=str(ROOT / ".venv-nbgrader" / "bin" / "nbgrader"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        paths = make_class(folder, args.submissions)
        walls = {}
        for level in ("auto", "reduced"):
            name = isolation.detect(level != "reduced").name
            if name in walls:
                continue
            wall, results = time_vgrad(paths, args.jobs, level)
            walls[name] = wall
            per = sorted(r.seconds for r in results)
            scores = sorted({r.score for r in results})
            print(f"vgrad grade, isolation {name}: {len(paths)} submissions on {args.jobs} cores in {wall:.1f} s: "
                  f"{wall / len(paths):.2f} s per submission (wall), {len(paths) / wall * 60:.0f} per minute; "
                  f"each took {per[0]:.2f}-{per[-1]:.2f} s (median {per[len(per) // 2]:.2f} s); scores seen {scores}")
        if len(walls) == 2:
            print(f"full isolation costs {walls['full'] / walls['reduced']:.2f}x the reduced level's time (target <= 1.5x)")
        wall = max(walls.values())
        if Path(args.nbgrader).exists():
            nb_wall = time_nbgrader(args.nbgrader, paths)
            print(f"nbgrader autograde: {len(paths)} submissions in {nb_wall:.1f} s: "
                  f"{nb_wall / len(paths):.2f} s per submission ({nb_wall / wall:.1f}x vgrad's slower wall time, "
                  "target >= 5x; "
                  "nbgrader grades one submission at a time)")
        else:
            print(f"nbgrader not found at {args.nbgrader}: run `make test` once to install it")


if __name__ == "__main__":
    main()
