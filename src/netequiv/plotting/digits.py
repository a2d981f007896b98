"""Figures of the digits chapter (:doc:`/notebooks/digits`).

Every helper returns a :class:`matplotlib.figure.Figure` created without pyplot
(:func:`~netequiv.plotting.base.new_figure`); the notebook glues it for the book and displays
it (:func:`~netequiv.plotting.base.glue_figure`).  Angles are shown in degrees and scales as
:math:`s = e^{\\lambda}`.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from ..chapters import digits as _dg
from .base import new_figure

__all__ = [
    "VERDICT_COLORS",
    "plot_curve_coordinates",
    "plot_family",
    "plot_surface_coordinates",
    "plot_transfer",
    "plot_verdicts",
]

#: Colour of each verdict in the chapter's figures.
VERDICT_COLORS = {"equivalent": "tab:green", "not equivalent": "tab:red", "inconclusive": "tab:orange"}


def _figure(nrows: int, ncols: int, width: float, height: float):
    """:func:`~netequiv.plotting.base.new_figure` with its axes as a (nrows, ncols) grid."""
    fig, axes = new_figure(ncols, nrows, width=width, height=height)
    return fig, axes.reshape(nrows, ncols)


def plot_family(
    digit,
    *,
    n_views: int = 7,
    theta_range=_dg.SURFACE_THETA,
    log_scale_range=_dg.SURFACE_LOG_SCALE,
    curve_theta=_dg.CURVE_THETA,
) -> Figure:
    """Images of a digit along the rotation curve and along the scale direction, with their exact tangents.

    Rows: the image at equally spaced angles of ``curve_theta`` and its derivative
    :math:`\\partial I/\\partial\\theta`; the image at equally spaced log-scales of
    ``log_scale_range`` (:math:`\\theta = 0`) and :math:`\\partial I/\\partial\\lambda`.
    Derivatives share one symmetric colour scale per row (red positive, blue negative).
    """
    th = np.radians(np.linspace(*curve_theta, n_views))
    lam = np.linspace(*log_scale_range, n_views)
    img_t, tan_t = _dg.render(digit, th, 0.0, tangents=True)
    img_s, tan_s = _dg.render(digit, np.zeros(n_views), lam, tangents=True)
    rows = [
        (img_t[:, 0], "gray_r", [f"θ = {np.degrees(t):.0f}°" for t in th], "image"),
        (tan_t[:, 0, :, :, 0], "RdBu_r", None, "∂I/∂θ"),
        (img_s[:, 0], "gray_r", [f"s = {np.exp(v):.2f}" for v in lam], "image"),
        (tan_s[:, 0, :, :, 1], "RdBu_r", None, "∂I/∂λ"),
    ]
    fig, axes = _figure(4, n_views, 1.15, 1.2)
    for r, (ims, cmap, titles, label) in enumerate(rows):
        vmax = np.abs(ims).max()
        vmin = -vmax if cmap == "RdBu_r" else 0.0
        for c in range(n_views):
            ax = axes[r, c]
            ax.imshow(ims[c], cmap=cmap, vmin=vmin, vmax=vmax)
            ax.set_xticks([])
            ax.set_yticks([])
            if titles:
                ax.set_title(titles[c], fontsize=8)
        axes[r, 0].set_ylabel(label, fontsize=9)
    return fig


def plot_curve_coordinates(theta, panels: dict, *, ncols: int = 3) -> Figure:
    """Intrinsic coordinate of each observation set against the rotation angle.

    Parameters
    ----------
    theta : array of shape (N,)
        Angles of the samples, radians.
    panels : dict
        ``title -> (coordinate (N,), verdict or None)``; the coordinate is the first
        selected diffusion-map coordinate (its sign is arbitrary), the verdict colours the
        points.
    ncols : int, default 3
    """
    n = len(panels)
    nrows = -(-n // ncols)
    fig, axes = _figure(nrows, ncols, 2.7, 2.3)
    deg = np.degrees(np.asarray(theta))
    for ax, (title, (coord, verdict)) in zip(axes.ravel(), panels.items()):
        color = VERDICT_COLORS.get(verdict, "0.3")
        ax.scatter(deg, coord, s=4, color=color)
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("θ (degrees)")
        ax.set_ylabel("intrinsic coordinate")
    for ax in axes.ravel()[n:]:
        ax.set_visible(False)
    return fig


def plot_surface_coordinates(params, panels: dict) -> Figure:
    """Two intrinsic coordinates of each observation set, coloured by the angle (top) and the scale (bottom).

    Parameters
    ----------
    params : array of shape (N, 2)
        :math:`(\\theta, \\lambda)` of the samples.
    panels : dict
        ``title -> coordinates (N, k)``; the first two columns are drawn (one column: drawn
        against the sample index order of :math:`\\theta`).
    """
    params = np.asarray(params)
    n = len(panels)
    fig, axes = _figure(2, n, 2.6, 2.4)
    colours = [
        (np.degrees(params[:, 0]), "θ (degrees)", "twilight_shifted"),
        (np.exp(params[:, 1]), "scale s", "viridis"),
    ]
    for j, (title, coords) in enumerate(panels.items()):
        coords = np.asarray(coords)
        y = coords[:, 1] if coords.shape[1] > 1 else np.zeros(len(coords))
        for i, (c, label, cmap) in enumerate(colours):
            ax = axes[i, j]
            sc = ax.scatter(coords[:, 0], y, c=c, s=3, cmap=cmap)
            ax.set_xticks([])
            ax.set_yticks([])
            if i == 0:
                ax.set_title(title, fontsize=9)
            if j == n - 1:
                fig.colorbar(sc, ax=ax, label=label, shrink=0.85)
        axes[1, j].set_xlabel("coordinate 1")
        axes[0, j].set_ylabel("coordinate 2")
        axes[1, j].set_ylabel("coordinate 2")
    return fig


def plot_verdicts(rows: dict, *, tol: float = 0.05, margin: float = 3.0) -> Figure:
    r"""Held-out errors of both directions of every comparison against the pair's self floor.

    One row per comparison: circle :math:`T` (A to B), triangle :math:`T^{-1}` (B to A),
    black bar the self floor :math:`\max(s_A, s_B)` and grey bar ``margin`` times it; colour
    the verdict.  Dashed: the tolerance.

    Parameters
    ----------
    rows : dict
        ``label -> row`` with keys ``forward``, ``backward``, ``self_a``, ``self_b`` and
        ``verdict`` (:func:`netequiv.chapters.digits.comparison_row`), drawn from top to bottom.
    tol, margin : float
        The verdict's tolerance and margin over the self floor.
    """
    n = len(rows)
    fig, axes = _figure(1, 1, 6.4, 0.32 * n + 1.0)
    ax = axes[0, 0]
    values = []
    for i, (label, r) in enumerate(rows.items()):
        y = n - 1 - i
        floor = max(r["self_a"], r["self_b"])
        color = VERDICT_COLORS.get(r["verdict"], "0.3")
        ax.plot([floor, floor], [y - 0.3, y + 0.3], color="k", lw=1.5)
        ax.plot([margin * floor] * 2, [y - 0.3, y + 0.3], color="0.6", lw=1.5)
        ax.scatter([r["forward"]], [y], marker="o", color=color, s=40, edgecolor="k", linewidth=0.4, zorder=3)
        ax.scatter([r["backward"]], [y], marker="^", color=color, s=40, edgecolor="k", linewidth=0.4, zorder=3)
        values += [floor, r["forward"], r["backward"]]
    ax.axvline(tol, color="k", ls="--", lw=0.8)
    ax.set_yticks(range(n))
    ax.set_yticklabels(list(rows)[::-1], fontsize=8)
    ax.set_xscale("log")
    v = np.asarray(values)
    v = v[v > 0]
    ax.set_xlim(v.min() / 2, max(v.max(), tol) * 2)
    ax.set_ylim(-0.7, n - 0.3)
    ax.set_xlabel("held-out max NRMSE")
    handles = [
        ax.scatter([], [], marker="o", color="w", edgecolor="k", label="A → B"),
        ax.scatter([], [], marker="^", color="w", edgecolor="k", label="B → A"),
        ax.plot([], [], color="k", lw=1.5, label="self floor")[0],
        ax.plot([], [], color="0.6", lw=1.5, label=f"{margin:g} × self floor")[0],
        ax.plot([], [], color="k", ls="--", lw=0.8, label=f"tolerance {tol:g}")[0],
    ]
    handles += [ax.scatter([], [], color=c, label=k) for k, c in VERDICT_COLORS.items()]
    fig.legend(handles=handles, loc="outside right center", fontsize=8, frameon=False)
    return fig


def plot_transfer(panels: dict, *, unit: str = "degrees") -> Figure:
    """Readouts against the truth on held-out samples.

    Parameters
    ----------
    panels : dict
        ``title -> (truth (M,), prediction (M,))`` or ``(truth, prediction, unit)``.
    unit : str, default "degrees"
        The unit of the panels that do not name their own (axis labels).
    """
    n = len(panels)
    ncols = min(n, 3)
    nrows = -(-n // ncols)
    fig, axes = _figure(nrows, ncols, 2.6, 2.5)
    for ax in axes.ravel()[n:]:
        ax.set_visible(False)
    for ax, (title, panel) in zip(axes.ravel(), panels.items()):
        truth, pred = np.ravel(panel[0]), np.ravel(panel[1])
        u = panel[2] if len(panel) > 2 else unit
        lo, hi = truth.min(), truth.max()
        ax.plot([lo, hi], [lo, hi], "k--", lw=0.8)
        ax.scatter(truth, pred, s=5)
        ax.set_title(title, fontsize=9)
        ax.set_xlabel(f"true ({u})" if u else "true")
        ax.set_ylabel(f"readout ({u})" if u else "readout")
    return fig
