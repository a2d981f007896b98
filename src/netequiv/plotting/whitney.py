"""Figures of the chapter *Whitney's embedding reasoning* (:doc:`/notebooks/whitney`)."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from .base import CMAP, EVENT_STYLE, _colored_line, _colored_line3d, fit_width, new_figure  # noqa: F401

__all__ = [
    "plot_circle_images",
    "plot_self_intersection_survey",
    "plot_neuron_views",
    "plot_embedding_survey",
    "plot_level_sets",
    "plot_preimages",
]


def plot_circle_images(t, curves: dict, events: dict | None = None):
    r"""Images of the circle under maps into :math:`\mathbb R^1`, :math:`\mathbb R^2`, :math:`\mathbb R^3`.

    Parameters
    ----------
    t : ndarray of shape (N,)
        Angles of the samples (the colour).
    curves : dict {int: ndarray of shape (N, d)}
        Image of the circle for each target dimension ``d`` in {1, 2, 3}.
    events : dict {int: ndarray of shape (k, d)} or None
        Folds / crossings / near-contacts to mark (:func:`netequiv.chapters.whitney.self_intersection_points`).

    Returns
    -------
    fig : matplotlib.figure.Figure
    """
    events = events or {}
    dims = sorted(curves)
    fig = fit_width(Figure(figsize=(3.6 * len(dims), 3.3), layout="constrained"))
    lc = None
    for a, d in enumerate(dims):
        curve = np.asarray(curves[d])
        ev = np.asarray(events.get(d, np.zeros((0, d))))
        if d == 1:
            ax = fig.add_subplot(1, len(dims), a + 1)
            lc = _colored_line(ax, t, curve[:, 0], t)
            if len(ev):
                folds = np.flatnonzero(np.isin(curve[:, 0], ev[:, 0]))
                ax.scatter(t[folds], curve[folds, 0], **EVENT_STYLE)
            level = 0.5 * (curve[:, 0].min() + curve[:, 0].max())
            ax.axhline(level, color="0.4", ls="--", lw=1)
            ax.set_xlabel("angle $t$ on the circle")
            ax.set_ylabel("$f(t) \\in \\mathbb{R}$")
            ax.set_title(f"$\\mathbb{{R}}^1$: {len(ev)} folds")
        elif d == 2:
            ax = fig.add_subplot(1, len(dims), a + 1)
            lc = _colored_line(ax, curve[:, 0], curve[:, 1], t, closed=True)
            if len(ev):
                ax.scatter(ev[:, 0], ev[:, 1], **EVENT_STYLE)
            ax.set_xlabel("$f_1$")
            ax.set_ylabel("$f_2$")
            ax.set_aspect("equal", adjustable="datalim")
            ax.set_title(f"$\\mathbb{{R}}^2$: {len(ev)} crossings")
        else:
            ax = fig.add_subplot(1, len(dims), a + 1, projection="3d")
            lc = _colored_line3d(ax, curve[:, :3], t, closed=True)
            if len(ev):
                ax.scatter(ev[:, 0], ev[:, 1], ev[:, 2], color="crimson", s=40)
            ax.set_xlabel("$f_1$")
            ax.set_ylabel("$f_2$")
            ax.set_zlabel("$f_3$")
            ax.set_title(f"$\\mathbb{{R}}^{{{d}}}$: {len(ev)} contacts")
    if lc is not None:
        fig.colorbar(lc, ax=fig.axes, shrink=0.8, label="angle $t$")
    return fig


def plot_self_intersection_survey(survey: dict):
    """Events per random map and fraction of embedded images against the target dimension.

    Parameters
    ----------
    survey : dict
        The output of :func:`netequiv.chapters.whitney.self_intersection_survey`.

    Returns
    -------
    fig : matplotlib.figure.Figure
    """
    dims = np.asarray(survey["dims"])
    counts = np.asarray(survey["counts"])
    fig, (ax0, ax1, ax2) = new_figure(3, width=3.3, height=3.0)
    rng = np.random.default_rng(0)
    for a, d in enumerate(dims):
        jitter = rng.uniform(-0.15, 0.15, size=counts.shape[1])
        ax0.scatter(d + jitter, counts[a], s=8, alpha=0.35, color="tab:blue")
    ax0.plot(dims, counts.mean(axis=1), "o-", color="k", label="mean")
    ax0.set_xticks(dims)
    ax0.set_xlabel("target dimension $d$")
    ax0.set_ylabel("folds / crossings / contacts per map")
    ax0.legend(frameon=False)
    ax1.bar(dims, survey["embedded_fraction"], color="tab:green", width=0.6)
    ax1.set_xticks(dims)
    ax1.set_ylim(0, 1.05)
    ax1.set_xlabel("target dimension $d$")
    ax1.set_ylabel("fraction of maps that embed the circle")
    mind = np.asarray(survey["min_distance"])
    floor = 1e-6
    ax2.boxplot([np.maximum(m, floor) for m in mind], positions=dims, widths=0.5)
    ax2.set_yscale("log")
    ax2.set_xticks(dims)
    ax2.set_xticklabels([str(d) for d in dims])
    ax2.set_xlabel("target dimension $d$")
    ax2.set_ylabel("closest approach / diameter")
    return fig


def plot_neuron_views(x, features, names=None):
    r"""A 1-D input seen through 1, 2 and 3 features: a graph, a plane curve and a space curve.

    Parameters
    ----------
    x : ndarray of shape (N,)
        Sorted input samples (the colour).
    features : ndarray of shape (N, 3)
        Three observed features; panel ``k`` uses the first ``k``.
    names : list of str or None
        Axis labels of the three features.

    Returns
    -------
    fig : matplotlib.figure.Figure
    """
    x = np.ravel(x)
    F = np.asarray(features)
    names = names or [f"$h_{i + 1}$" for i in range(3)]
    fig = fit_width(Figure(figsize=(11, 3.3), layout="constrained"))
    ax = fig.add_subplot(1, 3, 1)
    lc = _colored_line(ax, x, F[:, 0], x)
    ax.set_xlabel("input $x$")
    ax.set_ylabel(names[0])
    ax.set_title("one neuron")
    ax = fig.add_subplot(1, 3, 2)
    _colored_line(ax, F[:, 0], F[:, 1], x)
    ax.set_xlabel(names[0])
    ax.set_ylabel(names[1])
    ax.set_title("two neurons")
    ax = fig.add_subplot(1, 3, 3, projection="3d")
    _colored_line3d(ax, F[:, :3], x)
    ax.set_xlabel(names[0])
    ax.set_ylabel(names[1])
    ax.set_zlabel(names[2])
    ax.set_title("three neurons")
    fig.colorbar(lc, ax=fig.axes, shrink=0.8, label="input $x$")
    return fig


def plot_embedding_survey(survey: dict, tol: float = 0.05):
    """Held-out reconstruction error of the input from ``k`` random units, and the success rate.

    Parameters
    ----------
    survey : dict
        The output of :func:`netequiv.chapters.whitney.neuron_embedding_survey`.
    tol : float, default=0.05
        The success threshold (drawn as a line).

    Returns
    -------
    fig : matplotlib.figure.Figure
    """
    ks = np.asarray(survey["ks"])
    err = np.asarray(survey["nrmse"])
    fig, (ax0, ax1) = new_figure(2, width=3.6, height=3.0)
    rng = np.random.default_rng(0)
    for a, k in enumerate(ks):
        jitter = rng.uniform(-0.15, 0.15, size=err.shape[1])
        ok = err[a] < tol
        ax0.scatter(k + jitter[ok], err[a, ok], s=14, color="tab:green", alpha=0.7)
        ax0.scatter(k + jitter[~ok], err[a, ~ok], s=14, color="crimson", alpha=0.7)
    ax0.axhline(tol, color="0.4", ls="--", lw=1, label=f"threshold {tol:g}")
    ax0.set_yscale("log")
    ax0.set_xticks(ks)
    ax0.set_xlabel("number of observed neurons $k$")
    ax0.set_ylabel("held-out NRMSE of $x$")
    ax0.legend(frameon=False)
    ax1.bar(ks, survey["embedded_fraction"], color="tab:green", width=0.6)
    ax1.set_xticks(ks)
    ax1.set_ylim(0, 1.05)
    ax1.set_xlabel("number of observed neurons $k$")
    ax1.set_ylabel("fraction that embed the input")
    return fig


def plot_level_sets(X1, X2, fields: dict, *, n_levels: int = 12, ncols: int = 2):
    """Level sets of scalar functions of two inputs, one panel each.

    Parameters
    ----------
    X1, X2 : ndarray of shape (M, M)
        A grid of the two inputs (``np.meshgrid``).
    fields : dict {str: ndarray of shape (M, M)}
        Panel title -> values on the grid.
    n_levels : int, default=12
        Number of contour levels.
    ncols : int, default=2
        Panels per row.

    Returns
    -------
    fig : matplotlib.figure.Figure
    """
    ncols = min(ncols, len(fields))
    nrows = -(-len(fields) // ncols)
    fig, axes = new_figure(ncols, nrows, width=3.4, height=3.2)
    for ax in axes[len(fields) :]:
        ax.set_visible(False)
    for ax, (title, V) in zip(axes, fields.items()):
        V = np.asarray(V)
        if np.ptp(V) > 0:
            cs = ax.contourf(X1, X2, V, levels=n_levels, cmap=CMAP)
            ax.contour(X1, X2, V, levels=cs.levels, colors="k", linewidths=0.4)
        else:
            ax.imshow(
                np.zeros_like(V),
                extent=(X1.min(), X1.max(), X2.min(), X2.max()),
                cmap="Greys",
                vmin=0,
                vmax=1,
                origin="lower",
            )
            ax.text(0.5, 0.5, f"constant = {V.flat[0]:.3g}", transform=ax.transAxes, ha="center", va="center")
        ax.set_title(title)
        ax.set_xlabel("$x_1$")
        ax.set_ylabel("$x_2$")
        ax.set_aspect("equal")
    return fig


def plot_preimages(x, y, levels, *, ylabel="$y$"):
    """A scalar function of one input, horizontal levels and their preimages.

    Parameters
    ----------
    x, y : ndarray of shape (N,)
        Sorted inputs and the function values.
    levels : sequence of float
        Levels to draw; the crossings with the curve are marked.
    ylabel : str
        Label of the vertical axis.

    Returns
    -------
    fig : matplotlib.figure.Figure
    """
    x, y = np.ravel(x), np.ravel(y)
    fig, (ax,) = new_figure(1, width=4.6, height=3.0)
    ax.plot(x, y, color="k", lw=1.8)
    for c in levels:
        ax.axhline(c, color="0.5", ls="--", lw=1)
        s = np.sign(y - c)
        idx = np.flatnonzero(s[:-1] * s[1:] < 0)
        xc = x[idx] + (c - y[idx]) * (x[idx + 1] - x[idx]) / (y[idx + 1] - y[idx])
        ax.scatter(xc, np.full_like(xc, c), **EVENT_STYLE)
    ax.set_xlabel("input $x$")
    ax.set_ylabel(ylabel)
    return fig
