"""Where a screen's tasks run: a plain loop, Dask's in-process threaded scheduler, or a
``dask.distributed`` cluster (a ``LocalCluster`` or a running scheduler, e.g. one started by
dask-jobqueue on Slurm/PBS).  Every executor calls ``done(task, rows)`` in this process, as
tasks finish, so the results database has one writer.
"""

from __future__ import annotations

import contextlib
import os

from ..errors import InputError
from .task import solve_group

__all__ = ["executor", "connect"]


def _serial(tasks, done):
    for task in tasks:
        done(task, solve_group(dict(task, record_warnings=True)))


def _threads(tasks, done):
    """Dask's in-process threaded scheduler, a few tasks per thread at a time (rows are
    written between chunks)."""
    import dask
    workers = os.cpu_count() or 1
    for i in range(0, len(tasks), 4 * workers):
        part = tasks[i:i + 4 * workers]
        results = dask.compute(*[dask.delayed(solve_group, pure=False)(t) for t in part], scheduler="threads",
                               num_workers=workers)
        for task, rows in zip(part, results):
            done(task, rows)


def _distributed(client, tasks, done):
    """A dask.distributed cluster: every task submitted, rows written as tasks finish; a
    task lost with its worker leaves its rows missing (a rerun computes them)."""
    from distributed import as_completed
    alone = all(n == 1 for n in client.nthreads().values())  # a task alone in its process records warnings
    futures = {}
    for task in tasks:
        future = client.submit(solve_group, dict(task, record_warnings=alone), pure=False)
        futures[future.key] = (future, task)
    try:
        for future in as_completed([f for f, _ in futures.values()], loop=client.loop):
            task = futures[future.key][1]
            try:
                rows = future.result()
            except Exception as exc:  # noqa: BLE001 - the task did not run to its end (worker lost, ...)
                rows = [dict(key=r["key"], status="missing", error=f"{type(exc).__name__}: {exc} (rerun to "
                             "compute it)") for r in task["rows"]]
            done(task, rows)
            future.release()
    finally:
        client.cancel([f for f, _ in futures.values() if not f.done()])


def executor(client):
    """The function that runs a screen's tasks for ``client``.

    Parameters
    ----------
    client : None, "serial", "threads" or dask.distributed.Client
        None or "threads": Dask's in-process threaded scheduler (chunks of four tasks per
        core; rows written between chunks); "serial": a plain loop without Dask; a Client:
        every task submitted to its cluster, rows written as tasks finish.  Where a task
        runs alone in its process (serially, or on single-threaded workers) every
        space-charge warning goes into its rows; elsewhere the rows say when the bulk is
        not bulk-like or Boltzmann fractions pass one, and other warnings are shown.

    Returns
    -------
    callable
        ``run(tasks, done)``.

    Raises
    ------
    InputError
        Dask missing (for None or "threads"), or another kind of client.

    Examples
    --------
    >>> executor("serial").__name__
    '_serial'
    """
    if client == "serial":
        return _serial
    if client is None or client == "threads":
        try:
            import dask  # noqa: F401
        except ImportError:
            raise InputError("the screen runs on Dask: pip install 'ase_spacecharge[screen]' (or run it serially: "
                             "client='serial', --serial)") from None
        return _threads
    if hasattr(client, "submit") and hasattr(client, "cancel"):
        return lambda tasks, done: _distributed(client, tasks, done)
    raise InputError(f"client: expected None, 'serial', 'threads' or a dask.distributed Client, got {client!r}")


def _check_address(address):
    from distributed.comm import parse_address
    from distributed.comm.registry import get_backend
    try:
        get_backend(parse_address(address)[0])
    except (ValueError, TypeError) as exc:
        raise InputError(f"--scheduler {address!r}: not a scheduler address ({exc}); e.g. tcp://host:8786") \
            from None


@contextlib.contextmanager
def connect(scheduler=None, workers=None, timeout=10.0):
    """A Dask client for a screen: a running scheduler, a new local cluster, or none.

    Parameters
    ----------
    scheduler : str, optional
        A ``dask.distributed`` scheduler's address (``tcp://host:8786``), e.g. one that
        dask-jobqueue's ``SLURMCluster``/``PBSCluster`` or ``dask scheduler`` started.
    workers : int, optional
        Start a ``LocalCluster`` of this many single-threaded worker processes.
    timeout : float
        Seconds to reach the scheduler.

    Returns
    -------
    context manager
        Yields the ``Client`` (closed on exit, with its local cluster), or None (neither
        given: the in-process scheduler).

    Raises
    ------
    InputError
        Both given, a bad worker count or address, dask.distributed missing, or a
        scheduler not reached within ``timeout`` -- before any work.

    Examples
    --------
    >>> with connect() as client:
    ...     print(client)
    None
    """
    if scheduler is not None and workers is not None:
        raise InputError("give --scheduler or --workers, not both")
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout < float("inf"):
        raise InputError(f"--timeout: expected a positive number of seconds, got {timeout!r}")
    if scheduler is None and workers is None:
        yield None
        return
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise InputError(f"--workers: expected a positive number of worker processes, got {workers!r}")
    try:
        from distributed import Client
    except ImportError:
        raise InputError("--scheduler and --workers need dask.distributed: pip install 'ase_spacecharge[screen]'") \
            from None
    if workers is not None:
        client = Client(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                        set_as_default=False)
    else:
        _check_address(scheduler)
        try:
            client = Client(scheduler, timeout=timeout, set_as_default=False)
        except OSError as exc:
            raise InputError(f"--scheduler {scheduler}: cannot reach the scheduler ({exc}); start it first (dask "
                             "scheduler, or dask-jobqueue on a cluster) or run without --scheduler") from None
    try:
        yield client
    finally:
        client.close()
