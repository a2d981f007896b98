"""Figures of the chapter *Experiments (d): input and output from a few neurons*.

Every helper returns a :class:`matplotlib.figure.Figure` made without pyplot (see
:mod:`netequiv.plotting`); axes are labelled.  Failure reasons are coloured as in
:data:`REASON_COLORS`.
"""

from __future__ import annotations

import numpy as np

from .base import CMAP, EVENT_STYLE, _colored_line, new_figure

__all__ = ["REASON_COLORS", "plot_error_vs_k", "plot_reconstructions", "plot_failures"]

#: colour of each outcome of :func:`netequiv.chapters.exp_d_minimal_neurons.failure_reason`
REASON_COLORS = {
    "embeds": "tab:green",
    "too few units": "tab:gray",
    "fold": "tab:red",
    "near contact": "tab:orange",
    "rank deficient": "tab:purple",
    "other": "tab:blue",
}


def plot_error_vs_k(surveys: dict, *, minimal: dict | None = None, floor: float = 1e-6):
    """Reconstruction error against the number of observed neurons, one panel per network.

    Parameters
    ----------
    surveys : dict {str: dict}
        Panel title -> :func:`netequiv.chapters.exp_d_minimal_neurons.neuron_count_survey` result.
    minimal : dict {str: int or None}, optional
        Panel title -> the minimal ``k`` found by :func:`netequiv.chapters.exp_d_minimal_neurons.minimal_neurons`
        (drawn as a star on the threshold line).
    floor : float, default=1e-6
        Errors are drawn no lower than this (log scale).

    Returns
    -------
    fig : matplotlib.figure.Figure
        Per panel: the input error of every random subset (dots coloured by the reason of
        :func:`netequiv.chapters.exp_d_minimal_neurons.failure_reason`, slightly jittered), the median input error
        (solid) and median output error (dashed) per ``k``, the embedding threshold (dotted)
        and Whitney's :math:`2n + 1` (vertical grey line).
    """
    fig, axes = new_figure(len(surveys), width=3.5, height=3.1)
    for ax, (title, sv) in zip(axes, surveys.items()):
        k = np.asarray(sv["k"], dtype=float)
        reasons = np.asarray(sv["reason"])
        err = np.maximum(np.asarray(sv["input_error"], dtype=float), floor)
        jitter = np.random.default_rng(0).uniform(-0.18, 0.18, len(k))
        for reason, color in REASON_COLORS.items():
            m = reasons == reason
            if m.any():
                ax.scatter(k[m] + jitter[m], err[m], s=14, color=color, alpha=0.75, label=reason)
        ks = np.asarray(sv["ks"], dtype=float)
        ax.plot(ks, np.maximum(sv["median_input"], floor), color="k", lw=1.4, label="median, input")
        ax.plot(ks, np.maximum(sv["median_output"], floor), color="k", lw=1.4, ls="--", label="median, output")
        ax.axhline(sv["tol"], color="0.4", ls=":", lw=1)
        ax.axvline(sv["whitney"], color="0.6", lw=4, alpha=0.35, zorder=0)
        ax.text(sv["whitney"], 0.97, " $2n+1$", transform=ax.get_xaxis_transform(), va="top", fontsize=8, color="0.35")
        if minimal and minimal.get(title) is not None:
            ax.scatter(
                [minimal[title]],
                [sv["tol"]],
                marker="*",
                s=140,
                color="gold",
                edgecolors="k",
                zorder=6,
                label="minimal $k$ (search)",
            )
        ax.set_yscale("log")
        ax.set_xticks(ks)
        ax.set_xlabel("observed neurons $k$")
        ax.set_ylabel("held-out NRMSE")
        ax.set_title(title, fontsize=9)
    handles, labels = [], []
    for ax in axes:
        for h, lab in zip(*ax.get_legend_handles_labels()):
            if lab not in labels:
                handles.append(h)
                labels.append(lab)
    fig.legend(handles, labels, loc="outside lower center", ncol=min(len(labels), 5), frameon=False, fontsize=8)
    return fig


def plot_reconstructions(panels: dict):
    """True against reconstructed input and output on held-out samples, one column per network.

    Parameters
    ----------
    panels : dict {str: dict}
        Column title -> ``{"input": (true, predicted), "output": (true, predicted),
        "input_label": str, "output_label": str}`` with 1-D arrays (one input coordinate or
        angle, one output feature).

    Returns
    -------
    fig : matplotlib.figure.Figure
        Top row: reconstructed against true input; bottom row: the output; the diagonal is the
        perfect reconstruction.
    """
    fig, axes = new_figure(len(panels), 2, width=2.9, height=2.7)
    axes = axes.reshape(2, len(panels))
    for col, (title, p) in enumerate(panels.items()):
        for row, key in enumerate(("input", "output")):
            ax = axes[row, col]
            true, pred = (np.ravel(a) for a in p[key])
            lo, hi = min(true.min(), pred.min()), max(true.max(), pred.max())
            ax.plot([lo, hi], [lo, hi], color="0.7", lw=1)
            ax.scatter(true, pred, s=7, color="tab:blue" if row == 0 else "tab:green")
            label = p.get(f"{key}_label", key)
            ax.set_xlabel(f"true {label}")
            ax.set_ylabel(f"reconstructed {label}")
            if row == 0:
                ax.set_title(title, fontsize=9)
    return fig


def plot_failures(*, interval=None, square=None, circle=None):
    """Failing subsets, each with the pair of distant inputs whose observations coincide.

    Parameters
    ----------
    interval : dict, optional
        A subset of one unit on an interval: ``x`` (N,), ``h`` (N,), ``pair`` (i, j), ``title``.
    square : dict, optional
        A subset of two units on a square: ``u`` (N, 2), ``h`` (N, 2), ``pair``, ``title``.
    circle : dict, optional
        A subset of two units on a circle: ``theta`` (N,) sorted, ``h`` (N, 2), ``pair``,
        ``crossings`` (points (c, 2) where the curve crosses itself), ``title``.

    Returns
    -------
    fig : matplotlib.figure.Figure
        Interval: the unit against :math:`x` with the two inputs that share a value; square:
        the observation plane coloured by :math:`u_1` and the input square with the two inputs
        joined; circle: the closed curve of the two units coloured by :math:`\\theta`, its
        crossings circled.

    Raises
    ------
    ValueError
        "give at least one of interval, square, circle".
    """
    n_panels = (interval is not None) + 2 * (square is not None) + (circle is not None)
    if n_panels == 0:
        raise ValueError("give at least one of interval, square, circle.")
    fig, axes = new_figure(n_panels, width=3.1, height=2.9)
    it = iter(axes)
    pair_style = {"marker": "X", "s": 70, "color": "crimson", "edgecolors": "k", "zorder": 6}
    if interval is not None:
        ax = next(it)
        x, h = np.ravel(interval["x"]), np.ravel(interval["h"])
        order = np.argsort(x)
        ax.plot(x[order], h[order], color="tab:blue")
        i, j = interval["pair"]
        ax.scatter(x[[i, j]], h[[i, j]], **pair_style)
        ax.axhline(0.5 * (h[i] + h[j]), color="crimson", ls=":", lw=1)
        ax.set_xlabel("input $x$")
        ax.set_ylabel("activation $h_j(x)$")
        ax.set_title(interval.get("title", ""), fontsize=9)
    if square is not None:
        u, h = np.asarray(square["u"]), np.asarray(square["h"])
        i, j = square["pair"]
        ax = next(it)
        sc = ax.scatter(h[:, 0], h[:, 1], c=u[:, 0], s=6, cmap=CMAP)
        ax.scatter(h[[i, j], 0], h[[i, j], 1], **pair_style)
        fig.colorbar(sc, ax=ax, label="$u_1$")
        ax.set_xlabel("activation $h_a(u)$")
        ax.set_ylabel("activation $h_b(u)$")
        ax.set_title(square.get("title", ""), fontsize=9)
        ax = next(it)
        ax.scatter(u[:, 0], u[:, 1], c=u[:, 0], s=6, cmap=CMAP, alpha=0.35)
        ax.plot(u[[i, j], 0], u[[i, j], 1], color="crimson", lw=1.2)
        ax.scatter(u[[i, j], 0], u[[i, j], 1], **pair_style)
        ax.set_xlabel("input $u_1$")
        ax.set_ylabel("input $u_2$")
        ax.set_aspect("equal")
        ax.set_title("the two inputs", fontsize=9)
    if circle is not None:
        ax = next(it)
        theta, h = np.ravel(circle["theta"]), np.asarray(circle["h"])
        lc = _colored_line(ax, h[:, 0], h[:, 1], theta, closed=True, lw=1.6)
        fig.colorbar(lc, ax=ax, label=r"view angle $\theta$")
        cr = np.asarray(circle.get("crossings", np.zeros((0, 2))))
        if len(cr):
            ax.scatter(cr[:, 0], cr[:, 1], **EVENT_STYLE)
        i, j = circle["pair"]
        ax.scatter(h[[i, j], 0], h[[i, j], 1], **pair_style)
        ax.set_xlabel("activation $h_a(\\theta)$")
        ax.set_ylabel("activation $h_b(\\theta)$")
        ax.set_title(circle.get("title", ""), fontsize=9)
    return fig
