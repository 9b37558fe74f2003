"""Independent, seeded experiments run side by side in worker processes: the results they give one after
another, sooner."""
import concurrent.futures
import multiprocessing
import os
import sys
import warnings
from concurrent.futures.process import BrokenProcessPool

_BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def _cpus():
    try:
        return len(os.sched_getaffinity(0))  # the CPUs this process may use (Linux)
    except AttributeError:
        return os.cpu_count() or 1


def _defined_in_a_notebook(fn):
    """True for a function of a notebook cell or an interactive session: worker processes cannot import it."""
    return getattr(fn, "__module__", None) == "__main__" and not hasattr(sys.modules["__main__"], "__file__")


def _submit_all(fn, jobs, workers):
    """(pool, futures): every job submitted to a new pool of worker processes, each started with one BLAS thread
    (there is a process per CPU); or (None, None) where worker processes cannot be started here (a browser kernel,
    a sandbox without processes)."""
    saved = {name: os.environ.get(name) for name in _BLAS_THREADS}
    os.environ.update({name: "1" for name in _BLAS_THREADS})  # a worker inherits the environment it starts in
    pool = None
    try:
        pool = concurrent.futures.ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
        return pool, [pool.submit(fn, **job) for job in jobs]  # submitting starts the workers
    except (OSError, NotImplementedError, ImportError, BrokenProcessPool):
        if pool is not None:
            _stop(pool)
        return None, None
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _stop(pool):
    """Cancel what has not started and end the workers, also those still running a job."""
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        process.terminate()
    pool.shutdown(wait=False, cancel_futures=True)


def run_all(fn, jobs, workers=None):
    """``[fn(**job) for job in jobs]``, the jobs shared among ``workers`` processes (default: one per CPU).

    ``fn`` must be importable by name (defined in a module, not in a notebook cell), its arguments and result
    picklable, and each job must seed its own random draws: then a job's result does not depend on which
    process ran it, and the list is in the order of ``jobs``. The first job that fails stops the others, and
    its exception is raised here; so does an interrupt. A script that calls ``run_all`` needs the usual
    ``if __name__ == "__main__":`` guard, since each worker imports the script.

    The jobs run here, one after another, with ``workers=1``, for a function defined in a notebook (with a
    warning), and where worker processes cannot be started at all (a browser kernel, a sandbox).
    """
    jobs = [dict(job) for job in jobs]
    workers = min(workers or _cpus(), len(jobs))
    if workers > 1 and _defined_in_a_notebook(fn):
        warnings.warn(f"run_all: {getattr(fn, '__name__', fn)} is defined in this notebook, which worker processes "
                      "cannot import; the jobs run one after another. Define it in a .py file to run them side "
                      "by side.", stacklevel=2)
        workers = 1
    pool, futures = _submit_all(fn, jobs, workers) if workers > 1 else (None, None)
    if pool is None:
        return [fn(**job) for job in jobs]
    try:
        results = [future.result() for future in futures]
    except BaseException:  # a failed job, a worker that died, an interrupt: stop the rest, then report it
        _stop(pool)
        raise
    pool.shutdown()
    return results
