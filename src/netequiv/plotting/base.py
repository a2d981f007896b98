"""Shared pieces of the book's figures.

Every helper returns a :class:`matplotlib.figure.Figure` created without pyplot, so a
notebook shows it only where it is glued or displayed (no duplicate output, nothing
kept alive by pyplot's figure manager).  Axes are labelled; colours follow the input
coordinate so that folds and crossings can be read off.

This module imports matplotlib and is therefore not loaded by ``import netequiv``;
use ``from netequiv.plotting import base``.
"""

from __future__ import annotations

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure

__all__ = ["CMAP", "EVENT_STYLE", "MAX_WIDTH", "fit_width", "glue_figure", "new_figure", "new_panels"]

#: Widest figure (inches) that the book's page shows at full size.  A wider one is shrunk by
#: the browser, text included; :func:`fit_width` narrows it instead, so that its text keeps
#: its size and only the panels get smaller.
MAX_WIDTH = 6.8

CMAP = "viridis"
EVENT_STYLE = {"marker": "o", "s": 60, "facecolors": "none", "edgecolors": "crimson", "linewidths": 1.6, "zorder": 5}


def new_figure(ncols: int = 1, nrows: int = 1, *, width: float = 3.4, height: float = 3.0, **subplot_kw):
    """A pyplot-free figure with a grid of axes; returns ``(fig, axes)`` (axes always a flat array).

    ``width`` and ``height`` are per panel; a grid wider than :data:`MAX_WIDTH` is scaled down
    to it, keeping its aspect ratio (:func:`fit_width`).
    """
    fig = fit_width(Figure(figsize=(width * ncols, height * nrows), layout="constrained"))
    axes = fig.subplots(nrows, ncols, squeeze=False, subplot_kw=subplot_kw or None)
    return fig, axes.ravel()


def new_panels(n: int, *, width: float = 3.4, height: float = 3.0, **subplot_kw):
    """``n`` panels laid out to fit the page; returns ``(fig, axes)`` with ``len(axes) == n``.

    Up to three panels stand in one row, four in two rows of two, more in rows of three
    (unused axes of the last row are hidden).  ``width`` and ``height`` are per panel, as in
    :func:`new_figure`.
    """
    ncols = n if n <= 3 else (2 if n == 4 else 3)
    nrows = -(-n // ncols)
    fig, axes = new_figure(ncols, nrows, width=width, height=height, **subplot_kw)
    for ax in axes[n:]:
        ax.set_visible(False)
    return fig, axes[:n]


def fit_width(fig, max_width: float = MAX_WIDTH):
    """Scale ``fig`` down to at most ``max_width`` inches wide, keeping its aspect ratio.

    Font sizes are in points and stay as they are, so the text of a wide figure stays legible
    on the page instead of being shrunk with the picture.  Returns ``fig``.
    """
    w, h = fig.get_size_inches()
    if w > max_width:
        fig.set_size_inches(max_width, h * max_width / w)
    return fig


def _colored_line(ax, x, y, c, *, closed=False, lw=2.0):
    """Draw the polyline (x, y) coloured by c; returns the collection (for a colour bar)."""
    pts = np.column_stack([x, y])
    if closed:
        pts = np.vstack([pts, pts[:1]])
        c = np.append(c, c[0])
    segs = np.stack([pts[:-1], pts[1:]], axis=1)
    lc = LineCollection(segs, cmap=CMAP, linewidths=lw)
    lc.set_array(0.5 * (c[:-1] + c[1:]))
    ax.add_collection(lc)
    ax.autoscale_view()
    return lc


def _colored_line3d(ax, curve, c, *, closed=False, lw=2.0):
    from mpl_toolkits.mplot3d.art3d import Line3DCollection

    pts = np.vstack([curve, curve[:1]]) if closed else curve
    cc = np.append(c, c[0]) if closed else c
    segs = np.stack([pts[:-1], pts[1:]], axis=1)
    lc = Line3DCollection(segs, cmap=CMAP, linewidths=lw)
    lc.set_array(0.5 * (cc[:-1] + cc[1:]))
    ax.add_collection3d(lc)
    for setter, col in zip((ax.set_xlim, ax.set_ylim, ax.set_zlim), pts.T):
        pad = 0.05 * (col.max() - col.min() + 1e-12)
        setter(col.min() - pad, col.max() + pad)
    return lc


def glue_figure(name: str, fig) -> None:
    """Glue a figure for the book under ``name`` and show it in the notebook.

    In JupyterLab the figure appears below the cell as soon as it runs.  The built book shows
    it where a ``{glue:figure}`` directive references it, with its caption: cells that call
    this carry the tag ``remove-output``, so the page does not show it a second time.  The
    book's copy is always SVG, whatever the notebook's inline backend produces, so that every
    chapter's figures look the same; a figure wider than :data:`MAX_WIDTH` is narrowed first
    (:func:`fit_width`).
    """
    import io

    from IPython.display import SVG, display
    from myst_nb import glue

    fit_width(fig)
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    glue(name, SVG(buf.getvalue()), display=False)
    display(fig)
