"""run_all: the results of running the jobs one after another, in order, from worker processes or not."""
import concurrent.futures
import os
import sys
import types
from concurrent.futures.process import BrokenProcessPool

import numpy as np
import pytest

from vgrad import InputError, data, parallel

JOBS = [dict(n=3, length=5, seed=seed) for seed in (4, 0, 7, 1)]


def _same(a, b):
    return len(a) == len(b) and all(np.array_equal(x, y) and np.array_equal(u, v) for (x, u), (y, v) in zip(a, b))


def test_workers_give_the_serial_results_in_order():
    serial = [data.flag_recall(**job) for job in JOBS]
    assert _same(parallel.run_all(data.flag_recall, JOBS, workers=2), serial)
    assert _same(parallel.run_all(data.flag_recall, JOBS, workers=1), serial)
    assert not _same(serial[1:] + serial[:1], serial)  # the comparison can fail


def test_a_job_that_fails_raises_its_own_error():
    with pytest.raises(InputError, match="length"):
        parallel.run_all(data.flag_recall, JOBS[:1] + [dict(n=3, length=0)], workers=2)


@pytest.mark.parametrize("problem", [OSError("no processes here"), NotImplementedError(),
                                     BrokenProcessPool()])
def test_where_workers_cannot_start_the_jobs_run_here(monkeypatch, problem):
    def refuse(*args, **kwargs):
        raise problem
    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", refuse)
    assert _same(parallel.run_all(data.flag_recall, JOBS, workers=2), [data.flag_recall(**job) for job in JOBS])


def test_jobs_run_in_other_processes_with_one_blas_thread_each(monkeypatch):
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "3")
    assert os.getpid() not in parallel.run_all(os.getpid, [{}] * 2, workers=2)
    assert parallel.run_all(os.getenv, [dict(key="OPENBLAS_NUM_THREADS")] * 2, workers=2) == ["1", "1"]
    assert os.environ["OPENBLAS_NUM_THREADS"] == "3"  # this process is left as it was


def test_a_worker_that_dies_is_reported_and_this_process_lives_on():
    with pytest.raises(BrokenProcessPool):
        parallel.run_all(os._exit, [dict(status=3)] * 2, workers=2)
    assert parallel.run_all(os.getpid, [{}], workers=1) == [os.getpid()]  # and the jobs were not re-run here


def test_a_function_from_a_notebook_runs_here_with_a_warning(monkeypatch):
    monkeypatch.setitem(sys.modules, "__main__", types.ModuleType("__main__"))  # a kernel's: no __file__

    def square(k):
        return k * k
    square.__module__ = "__main__"
    with pytest.warns(UserWarning, match="defined in this notebook"):
        assert parallel.run_all(square, [dict(k=k) for k in range(4)], workers=2) == [0, 1, 4, 9]
