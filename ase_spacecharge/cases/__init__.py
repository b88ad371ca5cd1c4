"""The cases wing: case files in, results and files out.

- :mod:`.schema` and :mod:`.casefile`: the TOML format, every key checked before any work;
- :mod:`.run`: :func:`run_case` builds the problem a case describes, solves each
  temperature, summarises and writes back onto the structure;
- :mod:`.dynamics`: the case tables ``[transient]``, ``[steady_state]`` and ``[impedance]``;
- :mod:`.output`: one writer per output format, the table the command line dispatches from.

Examples
--------
>>> import tempfile
>>> from ase_spacecharge.cases import load_case, run_case
>>> from ase_spacecharge.examples import write_ceria_like_case
>>> case = load_case(write_ceria_like_case(tempfile.mkdtemp(), temperature=773.15))
>>> result = run_case(case)
>>> round(result.solutions[0].phi0, 4)
0.1076
"""

from .casefile import load_case
from .run import CaseResult, run_case

__all__ = ["load_case", "run_case", "CaseResult"]
