"""Figures of the chapter *Experiments (d): input and output from a few neurons*.

Every helper returns a :class:`matplotlib.figure.Figure` made without pyplot (see
:mod:`netequiv.plotting`); axes are labelled.  Outcomes are coloured as in
:data:`OUTCOME_COLORS`.
"""

from __future__ import annotations

import numpy as np

from .base import CMAP, EVENT_STYLE, _colored_line, new_figure

__all__ = ["OUTCOME_COLORS", "plot_outcomes_vs_k", "plot_reconstructions", "plot_failures"]

#: colour of each outcome of :data:`netequiv.chapters.exp_d_minimal_neurons.OUTCOMES`
OUTCOME_COLORS = {
    "equivalent": "tab:green",
    "not equivalent": "tab:red",
    "inconclusive": "tab:orange",
    "no coordinates": "tab:gray",
}


def plot_outcomes_vs_k(surveys: dict, *, tol: float = 0.05, floor: float = 1e-6):
    """Verdicts on random subsets of :math:`k` neurons, one column per network.

    Parameters
    ----------
    surveys : dict {str: dict}
        Column title -> :func:`netequiv.chapters.exp_d_minimal_neurons.verdict_survey` result.
    tol : float, default 0.05
        The verdict's threshold, drawn in the lower row.
    floor : float, default 1e-6
        Errors are drawn no lower than this (log scale).

    Returns
    -------
    fig : matplotlib.figure.Figure
        Top row: the fraction of subsets of each size with each outcome (stacked bars), the
        fraction that a supervised regression on the known inputs accepts (black line) and
        Whitney's :math:`2n + 1` (grey band).  Bottom row: the held-out error of the input
        learned through each subset's intrinsic coordinates (dots coloured by outcome,
        jittered sideways; none where no coordinates could be built) and of the regression
        (grey crosses), with the threshold (dotted).
    """
    fig, axes = new_figure(len(surveys), 2, width=3.4, height=3.0)
    axes = axes.reshape(2, len(surveys))
    for col, (title, sv) in enumerate(surveys.items()):
        ks = np.asarray(sv["ks"], dtype=float)
        top, bottom = axes[0, col], axes[1, col]
        base = np.zeros(len(ks))
        for outcome, color in OUTCOME_COLORS.items():
            frac = np.asarray(sv["fractions"][outcome])
            top.bar(ks, frac, bottom=base, color=color, width=0.7, label=outcome)
            base += frac
        top.plot(ks, sv["regression_fraction"], "k.-", lw=1.2, label="regression on the inputs")
        for ax in (top, bottom):
            ax.axvspan(sv["whitney"] - 0.45, sv["whitney"] + 0.45, color="0.6", alpha=0.25, zorder=0)
            ax.set_xticks(ks)
        top.text(sv["whitney"], 1.02, "$2n+1$", ha="center", va="bottom", fontsize=8, color="0.35")
        top.set_ylim(0, 1.12)
        top.set_ylabel("fraction of subsets")
        top.set_title(title, fontsize=9)
        k = np.asarray(sv["k"], dtype=float)
        jitter = np.random.default_rng(0).uniform(-0.18, 0.18, len(k))
        err = np.asarray(sv["input_error"], dtype=float)
        outs = np.asarray(sv["outcome"])
        for outcome, color in OUTCOME_COLORS.items():
            m = (outs == outcome) & np.isfinite(err)
            if m.any():
                bottom.scatter(k[m] + jitter[m], np.maximum(err[m], floor), s=14, color=color, alpha=0.8)
        reg = np.asarray(sv["regression_error"], dtype=float)
        bottom.scatter(k - jitter, np.maximum(reg, floor), marker="x", s=14, color="0.45", label="regression")
        bottom.axhline(tol, color="0.3", ls=":", lw=1)
        bottom.set_yscale("log")
        bottom.set_xlabel("observed neurons $k$")
        bottom.set_ylabel("input NRMSE (held out)")
    handles, labels = [], []
    for ax in axes.ravel():
        for h, lab in zip(*ax.get_legend_handles_labels()):
            if lab not in labels:
                handles.append(h)
                labels.append(lab)
    fig.legend(handles, labels, loc="outside lower center", ncol=3, frameon=False, fontsize=8)
    return fig


def plot_reconstructions(panels: dict):
    """Held-out targets learned through intrinsic coordinates against their true values.

    Parameters
    ----------
    panels : dict {str: list of (str, array, array)}
        Column title -> one ``(label, true, predicted)`` per row, with 1-D arrays of the
        held-out samples (e.g. the input, a feature of the other network); every column has
        the same number of rows.

    Returns
    -------
    fig : matplotlib.figure.Figure
        One scatter per target, predicted against true, with the diagonal (a perfect
        reconstruction) in grey.

    Raises
    ------
    ValueError
        "every column needs the same number of rows ...".
    """
    n_rows = {len(rows) for rows in panels.values()}
    if len(n_rows) != 1 or 0 in n_rows:
        raise ValueError(f"every column needs the same number of rows (at least one), got {sorted(n_rows)}.")
    n_rows = n_rows.pop()
    fig, axes = new_figure(len(panels), n_rows, width=2.9, height=2.7)
    axes = axes.reshape(n_rows, len(panels))
    colors = ("tab:blue", "tab:green", "tab:purple")
    for col, (title, rows) in enumerate(panels.items()):
        for row, (label, true, pred) in enumerate(rows):
            ax = axes[row, col]
            true, pred = np.ravel(true), np.ravel(pred)
            lo, hi = min(true.min(), pred.min()), max(true.max(), pred.max())
            ax.plot([lo, hi], [lo, hi], color="0.7", lw=1)
            ax.scatter(true, pred, s=7, color=colors[row % len(colors)])
            ax.set_xlabel(f"true {label}")
            ax.set_ylabel(f"learned {label}")
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
        One panel each (four in a 2 x 2 grid).  Interval: the unit against :math:`x` with the
        two inputs that share a value; square: the observation plane coloured by :math:`u_1`
        and the input square with the two inputs joined; circle: the closed curve of the two units coloured by :math:`\\theta`, its
        crossings circled.

    Raises
    ------
    ValueError
        "give at least one of interval, square, circle".
    """
    n_panels = (interval is not None) + 2 * (square is not None) + (circle is not None)
    if n_panels == 0:
        raise ValueError("give at least one of interval, square, circle.")
    ncols = 2 if n_panels == 4 else n_panels  # four panels in a square, so the page need not shrink them
    fig, axes = new_figure(ncols, n_panels // ncols, width=3.4, height=2.9)
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
