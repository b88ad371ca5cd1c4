"""Arrays reused from one Newton iteration to the next.

Above 32 MB every fresh NumPy array is a new memory mapping that the kernel zero-fills on
first touch, and glibc unmaps it again when it is freed: at 1e7 planes that costs a solve a
third of its time.  A :class:`Workspace` hands out the same memory on every iteration
instead.  :func:`~ase_spacecharge.equilibrium.newton.newton` makes one per solve; the residual, the Newton matrix and
the linear solve take it as ``work=`` (``None``: fresh arrays, as for any one-off call).
An array handed out stays valid until the next request of the same name (the residual's
site fractions, for instance, until the next residual); a workspace belongs to one solve:
never share one between threads.
"""

from __future__ import annotations

import numpy as np

__all__ = ["Workspace", "take"]


class Workspace:
    """Named float arrays, allocated on first request and reused afterwards.

    Examples
    --------
    >>> work = Workspace()
    >>> a = work.get("rhs", (4, 3), order="F")
    >>> work.get("rhs", (4, 3), order="F") is a, work.get("rhs", (5, 3), order="F") is a
    (True, False)
    """

    def __init__(self):
        self._arrays = {}

    def get(self, name, shape, order="C"):
        """The array ``name`` of ``shape`` (its contents are whatever was left in it).

        Parameters
        ----------
        name : str
            What the array is for; two uses alive at once need two names.
        shape : int or tuple of int
        order : {"C", "F"}

        Returns
        -------
        ndarray of float

        Examples
        --------
        >>> Workspace().get("phi", 3).shape
        (3,)
        """
        shape = (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(shape)
        kept = self._arrays.get(name)
        if kept is not None and kept[0].shape == shape and kept[1] == order:
            return kept[0]
        array = np.empty(shape, order=order)
        self._arrays[name] = (array, order)
        return array


def take(work, name, shape, order="C"):
    """``work.get(name, shape, order)``, or a fresh array when ``work`` is None.

    Parameters
    ----------
    work : Workspace or None
    name, shape, order
        As in :meth:`Workspace.get`.

    Returns
    -------
    ndarray of float

    Examples
    --------
    >>> take(None, "F", 2).shape
    (2,)
    """
    return np.empty(shape, order=order) if work is None else work.get(name, shape, order)
