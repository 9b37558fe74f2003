"""Independent, seeded experiments run side by side in worker processes: the results they give one after
another, sooner."""
import concurrent.futures
import multiprocessing
import os
from concurrent.futures.process import BrokenProcessPool


_BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def _one_blas_thread():
    """Run first in each worker, before NumPy loads: one BLAS thread per process, since there is a process
    per CPU (and for the small products of the course, one thread is faster anyway)."""
    for name in _BLAS_THREADS:
        os.environ[name] = "1"


def _cpus():
    try:
        return len(os.sched_getaffinity(0))  # the CPUs this process may use (Linux)
    except AttributeError:
        return os.cpu_count() or 1


def run_all(fn, jobs, workers=None):
    """``[fn(**job) for job in jobs]``, the jobs shared among ``workers`` processes (default: one per CPU).

    ``fn`` must be importable by name (defined in a module, not in a notebook cell), its arguments and
    result picklable, and each job must seed its own random draws: then a job's result does not depend on
    which process ran it, and the list is in the order of ``jobs``. An exception in a job is raised here.
    Where worker processes cannot be started (a browser kernel, a sandbox without processes), or with
    ``workers=1``, the jobs run in this process, one after another.
    """
    jobs = [dict(job) for job in jobs]
    workers = min(workers or _cpus(), len(jobs))
    if workers > 1:
        try:
            context = multiprocessing.get_context("spawn")  # the same on Linux, macOS and Windows
            with concurrent.futures.ProcessPoolExecutor(workers, mp_context=context, initializer=_one_blas_thread) as pool:
                futures = [pool.submit(fn, **job) for job in jobs]
                return [future.result() for future in futures]
        except (OSError, NotImplementedError, ImportError, BrokenProcessPool):
            pass  # no worker processes here: run the jobs in this one
    return [fn(**job) for job in jobs]
