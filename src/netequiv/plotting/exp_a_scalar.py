"""Figures of the experiment chapters (a), (b), ... of the book.

Same conventions as :mod:`netequiv.plotting`: every helper returns a pyplot-free
:class:`matplotlib.figure.Figure` with labelled axes, colours follow the input coordinate
(colour map ``viridis``), held-out samples are drawn as dots and fitted curves as lines.
Helpers are grouped by chapter; shared pieces come first.

This module imports matplotlib and is therefore not loaded by ``import netequiv``; use
``from netequiv import plotting_exp``.
"""

from __future__ import annotations

import numpy as np

from .base import CMAP, new_figure, new_panels

__all__ = [
    "plot_scalar_fits",
    "plot_monotone_pair",
    "plot_fold",
    "plot_neuron_sweep",
    "plot_layers_units",
    "plot_feature_errors",
]

#: colours of the failure reasons of :func:`netequiv.chapters.exp_a_scalar.neuron_sweep`
REASON_COLORS = {
    "embeds": "tab:green",
    "fold": "crimson",
    "near contact": "darkorange",
    "saturated": "tab:purple",
    "other": "0.4",
}


def _col(a) -> np.ndarray:
    return np.asarray(a, dtype=float).reshape(len(a), -1)[:, 0]


def _held_out(res, x):
    """Inputs, train and test indices of a Comparison (x: the samples it was fitted on)."""
    x = _col(x)
    return x, np.asarray(res.train_index), np.asarray(res.test_index)


# ------------------------------------------------------------------ chapter (a): scalar functions


def plot_scalar_fits(x, curves: dict, errors: dict | None = None):
    """Targets and the networks trained on them, one panel per target.

    Parameters
    ----------
    x : ndarray of shape (N,)
        Sorted inputs on the interval.
    curves : dict {str: dict}
        Panel title -> ``{"truth": f(x), "<network name>": prediction, ...}`` (arrays (N,)).
    errors : dict {str: float} or None
        Relative test error per network name, shown in the legend.

    Returns
    -------
    fig : matplotlib.figure.Figure
    """
    x = _col(x)
    errors = errors or {}
    fig, axes = new_panels(len(curves), width=2.9, height=2.7)
    styles = ["--", ":", "-."]
    for ax, (title, panel) in zip(axes, curves.items()):
        ax.plot(x, _col(panel["truth"]), color="0.75", lw=5, label="target")
        for s, (name, y) in enumerate((k, v) for k, v in panel.items() if k != "truth"):
            lab = name if name not in errors else f"{name} ({errors[name]:.0e})"
            ax.plot(x, _col(y), styles[s % len(styles)], lw=1.6, label=lab)
        ax.set_title(title)
        ax.set_xlabel("input $x$")
        ax.set_ylabel("output")
        ax.legend(frameon=False, fontsize=7)
    return fig


def plot_monotone_pair(x, y_a, y_b, res):
    r"""Two networks with monotone outputs: outputs, :math:`\phi^A` against :math:`\phi^B`, :math:`T` and :math:`T^{-1}`.

    Parameters
    ----------
    x : ndarray of shape (N,) or (N, 1)
        The inputs the comparison used (in its order).
    y_a, y_b : ndarray of shape (N,) or (N, 1)
        The two outputs.
    res : Comparison
        :func:`netequiv.compare` of the two outputs.

    Returns
    -------
    fig : matplotlib.figure.Figure
        Four panels: the outputs against :math:`x`; :math:`\phi^A` against :math:`\phi^B`
        (training samples); held-out :math:`T(y^A)` against the true :math:`y^B` (and
        :math:`T^{-1}`); the held-out residuals against :math:`x`.
    """
    x, tr, te = _held_out(res, x)
    ya, yb = _col(y_a), _col(y_b)
    fig, (ax0, ax1, ax2, ax3) = new_panels(4, width=3.0, height=2.8)
    o = np.argsort(x)
    ax0.plot(x[o], ya[o], label="$y^A$ (A)")
    ax0.plot(x[o], yb[o], "--", label="$y^B$ (B)")
    ax0.set_xlabel("input $x$")
    ax0.set_ylabel("output")
    ax0.legend(frameon=False)
    sc = ax1.scatter(_col(res.coords_a.coords), _col(res.coords_b.coords), c=x[tr], s=4, cmap=CMAP)
    ax1.set_xlabel(r"$\phi^A$")
    ax1.set_ylabel(r"$\phi^B$")
    ax1.set_title("intrinsic coordinates")
    fig.colorbar(sc, ax=ax1, label="input $x$")
    s = np.argsort(ya[te])
    ax2.plot(ya[te][s], yb[te][s], color="0.7", lw=4, label="truth $y^B(y^A)$")
    ax2.plot(
        ya[te], _col(res.predictions["b_from_a"]), "o", ms=4, mfc="none", color="tab:blue", label="$T(y^A)$, held out"
    )
    ax2.plot(_col(res.predictions["a_from_b"]), yb[te], "x", ms=3, color="tab:red", label=r"$T^{-1}(y^B)$, held out")
    ax2.set_xlabel("$y^A$")
    ax2.set_ylabel("$y^B$")
    ax2.legend(frameon=False, fontsize=7)
    ax3.semilogy(
        x[te],
        np.abs(_col(res.predictions["b_from_a"]) - yb[te]) / yb.std(),
        "o",
        ms=4,
        mfc="none",
        color="tab:blue",
        label="$T$",
    )
    ax3.semilogy(
        x[te],
        np.abs(_col(res.predictions["a_from_b"]) - ya[te]) / ya.std(),
        "x",
        ms=3,
        color="tab:red",
        label="$T^{-1}$",
    )
    ax3.set_xlabel("input $x$")
    ax3.set_ylabel("|error| / std of target")
    ax3.legend(frameon=False)
    return fig


def plot_fold(x, y_a, dy_a, y_b, res):
    r"""Why a nonmonotonic output cannot be mapped to a monotone one.

    Parameters
    ----------
    x : ndarray of shape (N,) or (N, 1)
        The inputs the comparison used.
    y_a, dy_a : ndarray of shape (N,) or (N, 1)
        The nonmonotonic output of A and its derivative :math:`dy^A/dx`.
    y_b : ndarray of shape (N,) or (N, 1)
        B's (injective) observation; with several columns the last one is drawn (the output,
        which :func:`netequiv.observation.observe` appends after the layer features).
    res : Comparison
        :func:`netequiv.compare` of A's output with B.

    Returns
    -------
    fig : matplotlib.figure.Figure
        Four panels: :math:`y^A` and the metric weight :math:`1/|dy^A/dx|` against
        :math:`x`; :math:`\phi^A` against :math:`x` (the fold); :math:`y^B` against
        :math:`y^A` with the held-out :math:`T(y^A)` (two branches, one prediction: the
        relation is multi-valued); :math:`y^A` against :math:`y^B` with the held-out
        :math:`T^{-1}(y^B)` (single-valued).
    """
    x, tr, te = _held_out(res, x)
    ya, dya = _col(y_a), _col(dy_a)
    yb = np.asarray(y_b, dtype=float).reshape(len(x), -1)[:, -1]
    pb = np.asarray(res.predictions["b_from_a"]).reshape(len(te), -1)[:, -1]
    fig, (ax0, ax1, ax2, ax3) = new_panels(4, width=3.0, height=2.8)
    o = np.argsort(x)
    ax0.plot(x[o], ya[o], color="k", label="$y^A$")
    ax0.set_xlabel("input $x$")
    ax0.set_ylabel("$y^A$")
    tw = ax0.twinx()
    tw.semilogy(x[o], 1 / np.maximum(np.abs(dya[o]), 1e-12), color="crimson", lw=1, label="$1/|dy^A/dx|$")
    tw.set_ylabel(r"metric scale $1/|dy^A/dx|$", color="crimson")
    ax1.scatter(x[tr], _col(res.coords_a.coords), c=x[tr], s=4, cmap=CMAP)
    ax1.set_xlabel("input $x$")
    ax1.set_ylabel(r"$\phi^A$")
    ax1.set_title(r"A's coordinate folds")
    sc = ax2.scatter(ya[tr], yb[tr], c=x[tr], s=4, cmap=CMAP)
    ax2.plot(ya[te], pb, "k.", ms=3, label="$T(y^A)$, held out")
    ax2.set_xlabel("$y^A$")
    ax2.set_ylabel("$y^B$")
    ax2.set_title("$y^B$ over $y^A$: two branches")
    ax2.legend(frameon=False, fontsize=7)
    fig.colorbar(sc, ax=ax2, label="input $x$")
    ax3.scatter(yb[tr], ya[tr], c=x[tr], s=4, cmap=CMAP)
    pa = _col(res.predictions["a_from_b"])
    ax3.plot(yb[te], pa, "k.", ms=3, label=r"$T^{-1}(y^B)$, held out")
    ax3.set_xlabel("$y^B$")
    ax3.set_ylabel("$y^A$")
    ax3.set_title(r"$y^A$ over $y^B$: single-valued")
    ax3.legend(frameon=False, fontsize=7)
    return fig


def plot_neuron_sweep(sweep: dict, threshold: float):
    """Error of :math:`T` against the number of observed neurons, coloured by failure reason.

    Parameters
    ----------
    sweep : dict
        The output of :func:`netequiv.chapters.exp_a_scalar.neuron_sweep`.
    threshold : float
        The verdict threshold (drawn as a dashed line).

    Returns
    -------
    fig : matplotlib.figure.Figure
        Left: median held-out NRMSE over B's features (A -> B) per subset; right: the largest
        NRMSE of the reverse direction (B -> A's chosen units).
    """
    k = np.asarray(sweep["k"], dtype=float)
    reasons = np.asarray(sweep["reason"])
    fig, axes = new_figure(2, width=3.6, height=3.0)
    jitter = np.random.default_rng(0).uniform(-0.15, 0.15, len(k))
    for ax, key, label in zip(
        axes,
        ("forward_median", "backward_max"),
        ("median NRMSE of B's features (A -> B)", "max NRMSE of A's units (B -> A)"),
    ):
        err = np.maximum(np.asarray(sweep[key], dtype=float), 1e-6)
        for reason, color in REASON_COLORS.items():
            m = reasons == reason
            if m.any():
                ax.scatter(k[m] + jitter[m], err[m], s=18, color=color, label=reason, alpha=0.8)
        ax.axhline(threshold, color="0.4", ls="--", lw=1)
        ax.set_yscale("log")
        ax.set_xticks(np.unique(k))
        ax.set_xlabel("observed neurons of A, $k$")
        ax.set_ylabel(label)
    axes[0].legend(frameon=False, fontsize=7)
    return fig


def plot_layers_units(x, layers: dict):
    """Every unit of several layers against a scalar input, one panel per layer.

    Parameters
    ----------
    x : ndarray of shape (N,) or (N, 1)
        Inputs.
    layers : dict {str: (ndarray of shape (N, width), dict)}
        Panel title -> (the layer's activations, its
        :func:`netequiv.chapters.exp_a_scalar.unit_profile`).

    Returns
    -------
    fig : matplotlib.figure.Figure
        Units with turning points in red, monotone ones in blue; the legend counts both.
    """
    x = _col(x)
    o = np.argsort(x)
    fig, axes = new_figure(len(layers), width=3.4, height=2.8)
    for ax, (title, (acts, profile)) in zip(axes, layers.items()):
        H = np.asarray(acts, dtype=float)
        folded = ~np.asarray(profile["monotone"])
        for j in range(H.shape[1]):
            ax.plot(x[o], H[o, j], color="crimson" if folded[j] else "tab:blue", lw=1, alpha=0.8)
        ax.plot([], [], color="tab:blue", label=f"monotone ({int((~folded).sum())})")
        ax.plot([], [], color="crimson", label=f"with turning points ({int(folded.sum())})")
        ax.set_xlabel("input $x$")
        ax.set_title(title)
        ax.legend(frameon=False, fontsize=7)
    axes[0].set_ylabel("activation")
    return fig


def plot_feature_errors(errors: dict, threshold: float):
    """Held-out NRMSE of every reconstructed feature, sorted, one curve per comparison.

    Parameters
    ----------
    errors : dict {str: ndarray}
        Label -> per-feature NRMSE (e.g. ``Comparison.forward_nrmse``); NaN (constant
        features) are dropped.
    threshold : float
        The verdict threshold (dashed line).

    Returns
    -------
    fig : matplotlib.figure.Figure
    """
    fig, (ax,) = new_figure(1, width=4.4, height=3.0)
    for label, e in errors.items():
        e = np.sort(np.asarray(e, dtype=float)[np.isfinite(e)])
        ax.semilogy(np.arange(1, len(e) + 1), np.maximum(e, 1e-6), "o-", ms=3, lw=1, label=label)
    ax.axhline(threshold, color="0.4", ls="--", lw=1, label=f"threshold {threshold:g}")
    ax.set_xlabel("feature of B (sorted by error)")
    ax.set_ylabel("held-out NRMSE")
    ax.legend(frameon=False, fontsize=7)
    return fig
