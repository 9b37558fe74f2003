"""Vanishing Gradients: the helper package of the course.

Small modules, each named for what it holds:

- ``vgrad.nn``         activations, initialisers, layers with explicit forward/backward, losses, optimisers
- ``vgrad.gradcheck``  finite-difference gradient checking
- ``vgrad.chain``      a chain of scalar units, the smallest deep network (notebook 01)
- ``vgrad.theory``     closed forms and predictions (the sigmoid chain bound, float underflow depth)
- ``vgrad.plots``      figures; every function returns its ``Figure``
- ``vgrad.widgets``    explorers: thin ipywidgets shells over plain functions
- ``vgrad.exercises``  the exercise registry and the in-notebook ``check``
- ``vgrad.course``     the solutions -> notebooks build and notebook execution
- ``vgrad.errors``     ``InputError``, raised for every wrong argument, shown in notebooks without a traceback
"""

from .errors import InputError, install_notebook_handler

__version__ = "0.1.0"
__all__ = ["InputError", "install_notebook_handler", "__version__"]

install_notebook_handler()  # in a notebook, a wrong argument shows as one clear line, not a traceback
