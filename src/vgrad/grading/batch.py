"""Grading a class: many submissions in parallel, with a progress bar."""
import os
import sys
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from .grader import SubmissionResult, grade_submission
from .notebook_file import Unreadable, find_submissions, read_submission

__all__ = ["find_submissions", "grade_many"]  # find_submissions: re-exported, for the CLI


def _snapshot(path):
    """The submitted bytes, or the ``Unreadable`` reason why there are none."""
    try:
        return read_submission(path)
    except Unreadable as err:
        return err


def grade_many(paths, jobs=None, progress=True, **kwargs):
    """Grade ``paths`` with ``jobs`` sandboxes at a time (default: the number of cores); results
    in the order of ``paths``. Each sandbox is its own process, so threads suffice here.

    Every file is read before any is graded, and graded from that copy; a file that cannot be read
    (a symbolic link, a FIFO, a device, too big) gets 0 and the reason. Whatever goes wrong while
    one submission is graded stays with that submission: it gets 0 and a one-line reason, and the
    batch goes on. Any file that changed during grading is put back as it was (possible only with
    reduced isolation): submissions are graded, and left, exactly as submitted.
    """
    jobs = jobs or os.cpu_count() or 1
    originals = [_snapshot(p) for p in paths]
    results = [None] * len(paths)

    def grade_one(path, data):
        if isinstance(data, Unreadable):
            return SubmissionResult(path=str(path), notebook="", error=str(data))
        try:
            return grade_submission(path, data=data, **kwargs)
        except Exception as exc:  # a fault of the grader's own: this submission only, never the batch
            return SubmissionResult(path=str(path), notebook="", error=(
                f"the grader failed on this file ({type(exc).__name__}); please report it"))

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(grade_one, p, data): i for i, (p, data) in enumerate(zip(paths, originals))}
        for done, future in enumerate(as_completed(futures), start=1):
            results[futures[future]] = future.result()
            if progress:
                bar = "#" * (30 * done // len(paths))
                print(f"\rgrading [{bar:<30}] {done}/{len(paths)}", end="", file=sys.stderr, flush=True)
    if progress and paths:
        print(file=sys.stderr)
    for path, data in zip(paths, originals):
        if isinstance(data, bytes) and _snapshot(path) != data:
            try:
                Path(path).write_bytes(data)
                print(f"vgrad grade: {path} was changed during grading and has been restored", file=sys.stderr)
            except OSError as exc:
                print(f"vgrad grade: {path} was changed during grading and could not be restored "
                      f"({exc.strerror})", file=sys.stderr)
    return results
