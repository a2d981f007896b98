"""Figures of the book: one module per chapter plus a shared :mod:`~netequiv.plotting.base`.

Every helper returns a :class:`matplotlib.figure.Figure` created without pyplot.  The core
package :mod:`netequiv` never imports this subpackage.
"""
