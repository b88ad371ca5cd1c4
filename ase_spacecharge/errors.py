"""Every exception the package raises on purpose.

* :class:`InputError` -- bad input; the message names the culprit (key, file line, site,
  species or value).  A subclass of :class:`ValueError`.
* :class:`ConvergenceError` -- a solve that did not converge; carries the solver's
  :class:`NewtonResult` (last iterate, residual history), the one result record of every
  Newton in the package (the contract: :mod:`ase_spacecharge.equilibrium.newton`).
* :class:`SingularMatrixError` -- a singular Newton matrix (caught by the solver and turned
  into a :class:`ConvergenceError`).

This module imports nothing heavy, so the command line can catch these without loading
NumPy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: this module imports nothing heavy
    import numpy as np

__all__ = ["NewtonResult", "STATUS", "InputError", "ConvergenceError", "SingularMatrixError", "SpaceChargeWarning", "check_temperature"]


#: Meaning of :attr:`NewtonResult.status`, for every Newton of the package.
STATUS = {0: "converged", 1: "iteration limit reached", 2: "line search failed", 3: "singular Newton matrix",
          4: "non-finite residual", 5: "continuation stalled"}


@dataclass
class NewtonResult:
    """Outcome of a Newton solve, in the manner of :class:`scipy.optimize.OptimizeResult`.

    Attributes
    ----------
    state : ndarray
        The last iterate (the problem's state vector: plane potentials in V, then the
        bordered unknowns, see :mod:`ase_spacecharge.equilibrium.problem`; for a dynamics
        Newton the PNP state, φ and ν per plane, see :mod:`ase_spacecharge.dynamics.system`).
    success : bool
        Whether the relative residual reached the tolerance.
    status : int
        0 converged, 1 iteration limit, 2 line search failed, 3 singular matrix,
        4 non-finite residual, 5 continuation stalled (see :data:`STATUS`).
    message : str
        Description of the outcome.
    iterations : int
        Newton iterations spent (all continuation steps included).
    residual : float
        Relative residual (max-norm) of ``state`` (the dynamics: each row relative to its
        own terms, :mod:`ase_spacecharge.dynamics.rows`).
    residual_history : ndarray
        Relative residual at the start and after every accepted iteration.

    Examples
    --------
    >>> from ase_spacecharge.equilibrium.newton import newton
    >>> from ase_spacecharge.examples import ceria_like_problem
    >>> r = newton(ceria_like_problem(), 773.15)
    >>> r.success, r.status, r.residual <= 1e-10, r.residual_history.size == r.iterations + 1
    (True, 0, True, True)
    """

    state: np.ndarray
    success: bool
    status: int
    message: str
    iterations: int
    residual: float
    residual_history: np.ndarray


class InputError(ValueError):
    """Bad input: the message names the culprit (file line, key, site, species or value).

    Examples
    --------
    >>> from ase_spacecharge import DefectSpecies, InputError
    >>> try:
    ...     DefectSpecies("Vo", 2, 1.5)
    ... except InputError as exc:
    ...     print(exc)
    defect 'Vo': mole_fraction must lie in (0, 1), got 1.5
    """


class ConvergenceError(RuntimeError):
    """A solve that did not converge.

    Parameters
    ----------
    message : str
        What went wrong.
    result : NewtonResult
        The solver's result: ``result.state`` is the last iterate, ``result.residual`` its
        relative residual, ``result.iterations`` the Newton iterations spent and
        ``result.residual_history`` the residual after every iteration.

    Examples
    --------
    >>> from ase_spacecharge import ConvergenceError, solve
    >>> from ase_spacecharge.examples import ceria_like_problem
    >>> try:
    ...     solve(ceria_like_problem(), 773.15, max_iter=1)
    ... except ConvergenceError as exc:
    ...     print(exc.result.success, exc.state.shape, exc.residual > 1e-10)
    False (91,) True
    """

    def __init__(self, message, result):
        super().__init__(f"{message} (relative residual {result.residual:.3e} after "
                         f"{result.iterations} iterations)")
        self.result = result

    @property
    def residual(self):
        """Relative residual of the last iterate."""
        return self.result.residual

    @property
    def iterations(self):
        """Newton iterations spent."""
        return self.result.iterations

    @property
    def state(self):
        """The last iterate (the solver's unknown vector)."""
        return self.result.state

    @property
    def residual_history(self):
        """Relative residual after every iteration, the start included."""
        return self.result.residual_history


class SpaceChargeWarning(UserWarning):
    """A result that is computed correctly but may not mean what the user thinks: a bulk
    region that is not bulk-like, boundaries that differ, Boltzmann fractions above one.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warnings.warn("bulk region is not bulk-like", SpaceChargeWarning)
    >>> caught[0].category.__name__
    'SpaceChargeWarning'
    """


class SingularMatrixError(ArithmeticError):
    """The Newton matrix is singular (LAPACK reported a zero pivot).

    Examples
    --------
    >>> import numpy as np
    >>> from ase_spacecharge.equilibrium.linalg import solve_bordered_tridiagonal
    >>> z = np.zeros(3)
    >>> try:
    ...     solve_bordered_tridiagonal(z, z, z, np.zeros((3, 0)), np.zeros((0, 3)), np.zeros((0, 0)),
    ...                                np.ones(3), np.zeros(0), periodic=False)
    ... except SingularMatrixError as exc:
    ...     print("singular")
    singular
    """


def did_you_mean(key, allowed):
    """``" (did you mean 'x'?)"`` for a mistyped ``key`` close to one of ``allowed``, else ``""``.

    Examples
    --------
    >>> did_you_mean("mobilty", ["label", "mobility"])
    " (did you mean 'mobility'?)"
    """
    import difflib
    close = difflib.get_close_matches(str(key), [str(a) for a in allowed], n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def check_writable(folder, prefix):
    """Raise :class:`InputError` (``"<prefix>: the folder '<folder>' does not exist or is not
    writable"``) unless ``folder`` is a writable directory: checked before any work starts.

    Examples
    --------
    >>> check_writable("/no/such/folder", "--json out.json")
    Traceback (most recent call last):
    ...
    ase_spacecharge.errors.InputError: --json out.json: the folder '/no/such/folder' does not exist or is not writable
    """
    import os
    if not os.path.isdir(folder) or not os.access(folder, os.W_OK):
        raise InputError(f"{prefix}: the folder {folder!r} does not exist or is not writable")


def available_memory():
    """Bytes of memory available to a new computation (Linux ``MemAvailable``, else the free
    physical pages), or None when the system does not say.

    Examples
    --------
    >>> m = available_memory()
    >>> m is None or m > 0
    True
    """
    import os
    try:
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def check_memory(nbytes, what):
    """Raise :class:`InputError` when ``what`` would need more memory (``nbytes``, an
    estimate) than is available, saying how much.

    Examples
    --------
    >>> try:
    ...     check_memory(1e30, "n_points = 1e27")
    ... except InputError as exc:
    ...     print(str(exc)[:48])
    n_points = 1e27 would need about 1e+30 bytes of
    """
    free = available_memory()
    if free is not None and nbytes > free:
        raise InputError(f"{what} would need about {nbytes:.3g} bytes of memory ({nbytes / 2**30:.3g} GiB), more than "
                         f"the {free / 2**30:.3g} GiB available")


def is_number(value):
    """Whether ``value`` is one real number, a Python or NumPy one (a bool is not).

    Examples
    --------
    >>> import numpy as np
    >>> is_number(np.float32(1.5)), is_number(3), is_number(True), is_number("1")
    (True, True, False, False)
    """
    import numbers
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def check_temperature(temperature, name="temperature"):
    """``temperature`` as a float (K), or an :class:`InputError` naming ``name``.

    Parameters
    ----------
    temperature : float
    name : str
        The key or argument, for the message.

    Returns
    -------
    float

    Examples
    --------
    >>> check_temperature(773)
    773.0
    """
    if not is_number(temperature) or not math.isfinite(temperature) or temperature <= 0:
        raise InputError(f"{name} must be a positive number of kelvin, got {temperature!r}")
    return float(temperature)
