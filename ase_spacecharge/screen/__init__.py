"""Screening many grain boundaries: structures × parameter sets, one row each, on Dask.

``screen(structures, case, sweep)`` (or ``ase-spacecharge screen CASE.toml --structures ...
--out results.db``) takes the common settings from a structure case, the parameter lists
from a ``[sweep]`` table (product semantics) and the structures from files, globs or ase.db
databases.  The modules follow the data flow:

1. :mod:`.sweep` checks the sweep against the case schema and expands it;
2. :mod:`.sources` finds the structures and gives each a content identity;
3. :mod:`.run` plans the rows (each keyed by its structure's identity and every input of
   the solve) and the tasks (rows that differ only in temperature share one problem);
4. :mod:`.task` solves one task where a worker runs it;
5. :mod:`.executors` runs the tasks: a loop, Dask's in-process scheduler or a
   ``dask.distributed`` cluster;
6. :mod:`.store` writes the rows into an ase.db from this process as tasks finish, and
   reads them back; a rerun computes only the rows the database lacks.

Dask is optional (``pip install 'ase_spacecharge[screen]'``); without it the screen runs
serially (``client="serial"``).
"""

from .executors import connect
from .run import plan_screen, run_plan, screen
from .store import read_results
from .sweep import check_sweep

__all__ = ["screen", "plan_screen", "run_plan", "connect", "read_results", "check_sweep"]
