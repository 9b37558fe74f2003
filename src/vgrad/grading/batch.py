"""Grading a class: many submissions in parallel, with a progress bar."""
import os
import sys
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from .grader import grade_submission


def find_submissions(paths):
    """Every .ipynb named, or inside a named folder (recursively), sorted, without checkpoints."""
    found = []
    for p in map(Path, paths):
        if p.is_dir():
            found.extend(q for q in sorted(p.rglob("*.ipynb")) if ".ipynb_checkpoints" not in q.parts)
        else:
            found.append(p)
    return found


def grade_many(paths, jobs=None, progress=True, **kwargs):
    """Grade ``paths`` with ``jobs`` sandboxes at a time (default: the number of cores); results
    in the order of ``paths``. Each sandbox is its own process, so threads suffice here."""
    jobs = jobs or os.cpu_count() or 1
    results = [None] * len(paths)
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(grade_submission, p, **kwargs): i for i, p in enumerate(paths)}
        for done, future in enumerate(as_completed(futures), start=1):
            results[futures[future]] = future.result()
            if progress:
                bar = "#" * (30 * done // len(paths))
                print(f"\rgrading [{bar:<30}] {done}/{len(paths)}", end="", file=sys.stderr, flush=True)
    if progress and paths:
        print(file=sys.stderr)
    return results
