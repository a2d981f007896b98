"""Book-only helpers, one module per chapter (named like its notebook) plus shared ones.

Data, networks and their training (:mod:`~netequiv.chapters.nets`, cached through
:mod:`~netequiv.chapters.cache`), and the studies of each chapter.  The method itself is the
core package :mod:`netequiv`, which never imports this subpackage.
"""
