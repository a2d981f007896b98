"""Figures of the chapter *Experiments (b): two inputs*.

Every helper returns a :class:`matplotlib.figure.Figure` made without pyplot (see
:func:`netequiv.plotting.base.new_figure`), with labelled axes.  Points are coloured by an input
coordinate so that the correspondence between panels can be read off.

This module imports matplotlib and is not loaded by ``import netequiv``; use
``from netequiv import plotting_fields``.
"""

from __future__ import annotations

import numpy as np

from .base import CMAP, new_figure, new_panels

__all__ = [
    "plot_square_images",
    "plot_scalar_function",
    "plot_embeddings",
    "plot_transform_vs_truth",
    "plot_error_vs_k",
]


def plot_square_images(U1, U2, images: dict, *, n_lines: int = 11):
    """Images of a grid of the square under maps of the plane, one panel per map.

    Parameters
    ----------
    U1, U2 : ndarray of shape (M, M)
        A grid of the square (:func:`netequiv.chapters.exp_b_two_inputs.grid_square`), ``M >= n_lines``.
    images : dict {str: (Y1, Y2)}
        Panel title -> the two components of the map on the grid, each (M, M).
        Pass ``(U1, U2)`` itself for the square.
    n_lines : int, default=11
        Grid lines drawn in each direction.

    Returns
    -------
    fig : matplotlib.figure.Figure
        Lines :math:`u_1 = \\text{const}` are blue, lines :math:`u_2 = \\text{const}` orange; the
        shade darkens as the constant grows.  A fold would show as crossing lines of one colour.
    """
    M = U1.shape[0]
    idx = np.unique(np.linspace(0, M - 1, n_lines).round().astype(int))
    fig, axes = new_panels(len(images), width=3.2, height=3.1)
    blues = [(0.55 - 0.45 * t, 0.65 - 0.4 * t, 0.95 - 0.25 * t) for t in np.linspace(0, 1, len(idx))]
    oranges = [(1.0 - 0.3 * t, 0.65 - 0.4 * t, 0.3 - 0.25 * t) for t in np.linspace(0, 1, len(idx))]
    for ax, (title, (Y1, Y2)) in zip(axes, images.items()):
        for c, j in zip(blues, idx):  # u1 = const: a column of the xy grid
            ax.plot(Y1[:, j], Y2[:, j], color=c, lw=1.0)
        for c, i in zip(oranges, idx):  # u2 = const: a row
            ax.plot(Y1[i, :], Y2[i, :], color=c, lw=1.0)
        ax.set_title(title)
        is_input = Y1 is U1 and Y2 is U2
        ax.set_xlabel("$u_1$" if is_input else "$y_1$")
        ax.set_ylabel("$u_2$" if is_input else "$y_2$")
        ax.set_aspect("equal", adjustable="datalim")
    return fig


def plot_scalar_function(U1, U2, G, *, title: str = "$g(u)$", n_levels: int = 14):
    """Filled contours of a scalar function of two inputs, with a colour bar.

    Parameters
    ----------
    U1, U2, G : ndarray of shape (M, M)
        Grid and values.
    title : str
        Panel title.
    n_levels : int, default=14

    Returns
    -------
    fig : matplotlib.figure.Figure
    """
    fig, (ax,) = new_figure(1, width=3.9, height=3.2)
    cs = ax.contourf(U1, U2, G, levels=n_levels, cmap="RdBu_r")
    ax.contour(U1, U2, G, levels=cs.levels, colors="k", linewidths=0.3)
    fig.colorbar(cs, ax=ax, label=title)
    ax.set_title(title)
    ax.set_xlabel("$u_1$")
    ax.set_ylabel("$u_2$")
    ax.set_aspect("equal")
    return fig


def plot_embeddings(panels: dict, u, *, r2: dict | None = None):
    """Two-dimensional embeddings side by side, coloured by each input coordinate.

    Parameters
    ----------
    panels : dict {str: ndarray of shape (N, 2)}
        Panel title -> coordinates (already aligned to a common reference; NaN rows are
        skipped and a panel of NaN reads "failed").
    u : ndarray of shape (N, 2)
        The inputs of the same samples; row 1 is coloured by :math:`u_1`, row 2 by
        :math:`u_2`.
    r2 : dict {str: float}, optional
        Agreement with the reference, printed in the titles.

    Returns
    -------
    fig : matplotlib.figure.Figure
    """
    u = np.asarray(u)
    fig, axes = new_figure(len(panels), 2, width=2.7, height=2.6)
    axes = axes.reshape(2, len(panels))
    for col, (title, Z) in enumerate(panels.items()):
        Z = np.asarray(Z)
        ok = np.all(np.isfinite(Z), axis=1)
        for row in range(2):
            ax = axes[row, col]
            if ok.any():
                sc = ax.scatter(Z[ok, 0], Z[ok, 1], c=u[ok, row], s=4, cmap=CMAP, rasterized=True)
            else:
                ax.text(0.5, 0.5, "failed", transform=ax.transAxes, ha="center", va="center")
            label = title if r2 is None or title not in r2 else f"{title}\n$R^2$ = {r2[title]:.3f}"
            if row == 0:
                ax.set_title(label, fontsize=8)
            if row == 1:
                ax.set_xlabel(r"$\phi_1$ (aligned)", fontsize=8)
            if col == 0:
                ax.set_ylabel(r"$\phi_2$ (aligned)", fontsize=8)
            ax.set_xticks([])
            ax.set_yticks([])
        if ok.any():
            for row, name in enumerate(("$u_1$", "$u_2$")):
                if col == len(panels) - 1:
                    fig.colorbar(sc, ax=axes[row, col], label=f"colour: {name}")
    return fig


def plot_transform_vs_truth(directions: dict, *, max_points: int = 600):
    """Predicted against true observations, one panel per direction of the transformation.

    Parameters
    ----------
    directions : dict {str: (true, pred, names)}
        Panel title -> held-out true observations (n, d), predictions (n, d) and d feature
        labels (at most 8 features are drawn, the first ones).
    max_points : int, default=600
        Points drawn per feature (the first ones).

    Returns
    -------
    fig : matplotlib.figure.Figure
        A point on the diagonal is a perfect prediction.
    """
    fig, axes = new_figure(len(directions), width=3.4, height=3.2)
    for ax, (title, (true, pred, names)) in zip(axes, directions.items()):
        true, pred = np.atleast_2d(np.asarray(true)), np.atleast_2d(np.asarray(pred))
        lo, hi = float(min(true.min(), pred.min())), float(max(true.max(), pred.max()))
        ax.plot([lo, hi], [lo, hi], color="0.4", lw=1, ls="--", zorder=0)
        for j, name in enumerate(list(names)[:8]):
            ax.scatter(true[:max_points, j], pred[:max_points, j], s=5, label=name, alpha=0.7, rasterized=True)
        ax.set_title(title)
        ax.set_xlabel("true value (held out)")
        ax.set_ylabel("predicted by $T$")
        ax.legend(fontsize=7, markerscale=2, loc="upper left")
    return fig


def plot_error_vs_k(sweep: dict, *, single: dict | None = None, threshold: float = 1e-2, ylabel=None):
    """Transformation error against the number of observed neurons.

    Parameters
    ----------
    sweep : dict
        What :func:`netequiv.chapters.exp_b_two_inputs.neuron_sweep` returns (``ks``, ``relative``,
        ``median_relative``).  Failed trials (``inf``) are drawn as crosses at the top.
    single : dict {str: (k, error)}, optional
        Extra labelled points, e.g. ``{"output only": (1, 0.6)}``.
    threshold : float, default=1e-2
        Drawn as a dashed horizontal line.
    ylabel : str, optional
        Label of the error axis.

    Returns
    -------
    fig : matplotlib.figure.Figure
    """
    ks = np.asarray(sweep["ks"])
    rel = np.asarray(sweep["relative"], dtype=float)
    fig, (ax,) = new_figure(1, width=4.8, height=3.3)
    finite = rel[np.isfinite(rel)]
    top = 2.0 * max(1.0, finite.max() if finite.size else 1.0)
    jitter = np.linspace(-0.12, 0.12, rel.shape[1]) if rel.shape[1] > 1 else np.zeros(1)
    for a, k in enumerate(ks):
        r = rel[a]
        ok = np.isfinite(r)
        ax.scatter(
            k + jitter[ok], r[ok], s=16, color="tab:blue", alpha=0.7, label="one choice of neurons" if a == 0 else None
        )
        if (~ok).any():
            ax.scatter(
                k + jitter[~ok],
                np.full((~ok).sum(), top),
                marker="x",
                color="crimson",
                s=30,
                label="diffusion map failed"
                if not ax.get_legend_handles_labels()[1].count("diffusion map failed")
                else None,
            )
    med = np.where(np.isfinite(sweep["median_relative"]), sweep["median_relative"], top)
    ax.plot(ks, med, color="k", lw=1.8, marker="o", label="median")
    for name, (k, err) in (single or {}).items():
        ax.scatter(
            [k],
            [err],
            marker="s",
            s=50,
            facecolors="none",
            edgecolors="tab:orange",
            linewidths=1.8,
            label=name,
            zorder=5,
        )
    ax.axhline(threshold, color="0.4", ls="--", lw=1, label=f"{threshold:g}")
    ax.set_yscale("log")
    ax.set_xticks(ks)
    ax.set_xlabel("observed neurons of A, $k$")
    ax.set_ylabel(ylabel or "relative error of $T$ (held out)")
    ax.legend(fontsize=7, loc="upper right")
    return fig
