"""The equilibrium wing: the discrete system of a :class:`Problem` and its Newton.

Floor plan, bottom up (each module imports only those above it in this list):

- :mod:`.workspace` (reused buffers), :mod:`.linalg` (the O(N) bordered tridiagonal solves);
- :mod:`.terms` (:class:`~.terms.ProblemTerms`, the numbers the equations read, of one
  problem at a temperature or of a stack of problems);
- :mod:`.site_terms` (:class:`~.site_terms.ActiveSites`, the solver's view of the sites, and
  their occupancies), :mod:`.carrier_terms` (band carriers), :mod:`.poisson` (the one Poisson
  operator on the planes), :mod:`.newton_matrix` (the bordered Newton matrix);
- :mod:`.problem` (:class:`Problem`: unknowns, residual and matrix, for one state or a stack
  of states ``(..., N)``);
- :mod:`.newton` (the Newton contract and :class:`NewtonResult`), :mod:`.batch_newton` and
  :mod:`.batch` (many problems in one vectorised Newton).

:func:`ase_spacecharge.solve` (in :mod:`ase_spacecharge.solution`) is the wing's front door:
it turns a converged state into a :class:`~ase_spacecharge.SpaceChargeSolution`.

Examples
--------
The workflow inside the wing, from a problem to its converged state:

>>> from ase_spacecharge.equilibrium import newton, solve_batch
>>> from ase_spacecharge.examples import ceria_like_problem
>>> problem = ceria_like_problem()
>>> result = newton(problem, 773.15)
>>> result.success, result.status, result.residual <= 1e-10
(True, 0, True)
>>> F, scale, _ = problem.residual(result.state, 773.15)
>>> F.shape == result.state.shape
True
>>> batch = solve_batch([problem] * 3, [673.15, 773.15, 873.15])
>>> bool(batch.success.all()), batch.states.shape[0]
(True, 3)
"""

from .batch import solve_batch
from .batch_newton import BatchResult
from ..errors import STATUS, NewtonResult
from .newton import newton, solve_problem
from .problem import Problem

__all__ = ["Problem", "NewtonResult", "STATUS", "newton", "solve_problem", "BatchResult", "solve_batch"]
