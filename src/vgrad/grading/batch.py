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


def _snapshot(path):
    try:
        return Path(path).read_bytes()
    except OSError:
        return None


def grade_many(paths, jobs=None, progress=True, **kwargs):
    """Grade ``paths`` with ``jobs`` sandboxes at a time (default: the number of cores); results
    in the order of ``paths``. Each sandbox is its own process, so threads suffice here.

    Every file is read before any is graded, and any file that changed during grading is put back
    as it was: submissions are graded, and left, exactly as submitted.
    """
    jobs = jobs or os.cpu_count() or 1
    originals = [_snapshot(p) for p in paths]
    results = [None] * len(paths)
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(grade_submission, p, data=data, **kwargs): i
                   for i, (p, data) in enumerate(zip(paths, originals))}
        for done, future in enumerate(as_completed(futures), start=1):
            results[futures[future]] = future.result()
            if progress:
                bar = "#" * (30 * done // len(paths))
                print(f"\rgrading [{bar:<30}] {done}/{len(paths)}", end="", file=sys.stderr, flush=True)
    if progress and paths:
        print(file=sys.stderr)
    for path, data in zip(paths, originals):
        if data is not None and _snapshot(path) != data:
            Path(path).write_bytes(data)
            print(f"vgrad grade: {path} was changed during grading and has been restored", file=sys.stderr)
    return results
