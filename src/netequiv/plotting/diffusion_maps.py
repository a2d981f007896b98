r"""Figures of the chapters *Diffusion maps* and *A Mahalanobis-like metric and invariance*.

Like :mod:`netequiv.plotting`, every helper builds a :class:`matplotlib.figure.Figure` without
pyplot and returns it; the notebook displays it once.  Point clouds are coloured by a known
intrinsic coordinate so that a good embedding shows a smooth colour gradient.

This module imports matplotlib and is not loaded by ``import netequiv``; use
``from netequiv import plotting_dmap``.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import NullFormatter

from .base import CMAP, fit_width, new_figure, new_panels

__all__ = [
    "plot_matrices",
    "plot_eigenfunctions",
    "plot_circle_eigenvectors",
    "plot_alpha_comparison",
    "plot_epsilon_sweep",
    "plot_spectra",
    "plot_swiss_roll",
    "plot_llr_residuals",
    "plot_nystrom",
    "plot_eigenvector_pairs",
    "plot_observations",
    "plot_metric_ellipses",
    "plot_distances",
    "plot_embedding_grid",
    "plot_knn_candidates",
    "plot_truncation_sweep",
    "plot_burst_sweep",
]

_SCATTER = {"s": 6, "cmap": CMAP, "linewidths": 0}


def _scale_to(ref, target):
    """``a * ref + b`` fitted to ``target`` by least squares (shows a shape up to scale)."""
    A = np.c_[ref, np.ones_like(ref)]
    coef, *_ = np.linalg.lstsq(A, target, rcond=None)
    return A @ coef


# ------------------------------------------------------------------ chapter: diffusion maps


def plot_matrices(mats: dict, x=None):
    """Heat maps of a few N x N matrices side by side (samples sorted by ``x`` when given)."""
    fig, axes = new_figure(len(mats), width=3.3, height=3.0)
    order = np.argsort(np.ravel(x)) if x is not None else None
    for ax, (title, M) in zip(axes, mats.items()):
        M = np.asarray(M)
        if order is not None:
            M = M[np.ix_(order, order)]
        im = ax.imshow(M, cmap="magma", interpolation="nearest")
        ax.set_title(title)
        ax.set_xlabel("sample $j$")
        ax.set_ylabel("sample $i$")
        fig.colorbar(im, ax=ax, shrink=0.8)
    return fig


def plot_eigenfunctions(x, psi, references, *, labels=None, xlabel="$x$"):
    """Eigenvectors against a coordinate, each with its analytic counterpart overlaid.

    Parameters
    ----------
    x : ndarray of shape (N,)
        The coordinate on the horizontal axis.
    psi : ndarray of shape (N, k)
        Eigenvectors (dots).
    references : ndarray of shape (N, k)
        Analytic eigenfunctions; each is scaled and shifted to its eigenvector by least squares
        (eigenvectors are defined up to sign and normalisation) and drawn as a line.
    labels : list of str, optional
        Titles of the panels.
    """
    x = np.ravel(x)
    k = psi.shape[1]
    fig, axes = new_panels(k, width=2.7, height=2.5)
    order = np.argsort(x)
    for j, ax in enumerate(axes):
        ax.plot(x, psi[:, j], ".", ms=2, color="tab:blue", label="diffusion map")
        fitted = _scale_to(references[:, j], psi[:, j])
        ax.plot(x[order], fitted[order], color="crimson", lw=1.2, label="analytic")
        ax.set_xlabel(xlabel)
        ax.set_title(labels[j] if labels else f"$\\psi_{{{j + 1}}}$")
    axes[0].legend(fontsize=7, loc="best")
    return fig


def plot_circle_eigenvectors(theta, psi, n_pairs: int = 2):
    """Pairs :math:`(\\psi_{2m-1}, \\psi_{2m})` in the plane, coloured by the angle, and against it."""
    fig, axes = new_figure(n_pairs + 1, width=3.0, height=2.9)
    for m in range(n_pairs):
        ax = axes[m]
        sc = ax.scatter(psi[:, 2 * m], psi[:, 2 * m + 1], c=theta, **_SCATTER)
        ax.set_aspect("equal", adjustable="datalim")
        ax.set_xlabel(f"$\\psi_{{{2 * m + 1}}}$")
        ax.set_ylabel(f"$\\psi_{{{2 * m + 2}}}$")
        ax.set_title(f"pair {m + 1}: winds {m + 1}x")
    ax = axes[-1]
    for j in range(2 * n_pairs):
        ax.plot(theta, psi[:, j], ".", ms=1.5, label=f"$\\psi_{{{j + 1}}}$")
    ax.set_xlabel("angle $\\theta$")
    ax.legend(fontsize=7, markerscale=4, ncol=2)
    fig.colorbar(sc, ax=axes[:n_pairs].tolist(), shrink=0.8, label="angle $\\theta$")
    return fig


def plot_alpha_comparison(x, psi1: dict, *, bins: int = 30):
    r"""Sample density and :math:`\psi_1` for several :math:`\alpha` against :math:`\cos\pi x`."""
    x = np.ravel(x)
    fig, axes = new_panels(len(psi1) + 1, width=2.8, height=2.6)
    axes[0].hist(x, bins=bins, color="0.6")
    axes[0].set_xlabel("$x$")
    axes[0].set_title("samples per bin")
    order = np.argsort(x)
    ref = np.cos(np.pi * x)
    for ax, (alpha, psi) in zip(axes[1:], psi1.items()):
        ax.plot(x, psi, ".", ms=2, color="tab:blue")
        ax.plot(x[order], _scale_to(ref, psi)[order], color="crimson", lw=1.2)
        c = abs(np.corrcoef(psi, ref)[0, 1])
        ax.set_title(f"$\\alpha={alpha:g}$: |corr| = {c:.5f}")
        ax.set_xlabel("$x$")
    axes[1].set_ylabel("$\\psi_1$")
    return fig


def plot_epsilon_sweep(eps, corr_err, lap_ratio, *, eps_auto=None):
    r"""Bandwidth sweep: :math:`1 - |\mathrm{corr}(\psi_1, \cos\pi x)|` and :math:`\mu_k/(k\pi)^2`."""
    fig, axes = new_figure(2, width=3.8, height=3.0)
    axes[0].loglog(eps, np.maximum(corr_err, 1e-16), "o-")
    axes[0].set_ylabel("$1 - |\\mathrm{corr}(\\psi_1, \\cos\\pi x)|$")
    lap_ratio = np.asarray(lap_ratio)
    for k in range(lap_ratio.shape[1]):
        axes[1].semilogx(eps, lap_ratio[:, k], "o-", label=f"$k={k + 1}$")
    axes[1].axhline(1.0, color="0.3", lw=0.8)
    axes[1].set_ylabel("$\\mu_k / (k\\pi)^2$")
    axes[1].legend(fontsize=8)
    for ax in axes:
        ax.set_xlabel("bandwidth $\\varepsilon$")
        if eps_auto is not None:
            ax.axvline(eps_auto, color="tab:green", ls="--", lw=1)
    return fig


def plot_spectra(spectra: dict):
    r"""Laplacian eigenvalue estimates relative to the first, :math:`\mu_k/\mu_1`, against the exact ratios.

    Parameters
    ----------
    spectra : dict {name: (mu, exact)}
        Estimated eigenvalues :math:`\mu_k` (markers) and the exact ones (dashed line).
    """
    fig, axes = new_figure(1, width=4.6, height=3.0)
    ax = axes[0]
    for name, (mu, exact) in spectra.items():
        mu, exact = np.asarray(mu), np.asarray(exact, dtype=float)
        k = np.arange(1, len(mu) + 1)
        line = ax.plot(k, mu / mu[0], "o", ms=5, label=f"{name}: estimate")[0]
        ax.plot(k, exact / exact[0], "--", color=line.get_color(), lw=1, label=f"{name}: exact")
    ax.set_yscale("log")
    ax.set_xlabel("index $k$")
    ax.set_ylabel("$\\mu_k / \\mu_1$")
    ax.legend(fontsize=8)
    return fig


def plot_swiss_roll(Y, intrinsic, coords, *, labels=("$\\psi_1$", "$\\psi_j$")):
    """The roll in 3-D and a 2-D embedding of it, coloured by each unrolled coordinate."""
    fig = fit_width(Figure(figsize=(11.0, 3.4), layout="constrained"))
    ax = fig.add_subplot(1, 3, 1, projection="3d")
    ax.scatter(Y[:, 0], Y[:, 1], Y[:, 2], c=intrinsic[:, 0], s=2, cmap=CMAP)
    ax.set_title("swiss roll, colour: arc length $s$")
    ax.view_init(elev=12, azim=-70)
    for p, (col, name) in enumerate(((0, "arc length $s$"), (1, "height $h$"))):
        a2 = fig.add_subplot(1, 3, p + 2)
        sc = a2.scatter(coords[:, 0], coords[:, 1], c=intrinsic[:, col], **_SCATTER)
        a2.set_xlabel(labels[0])
        a2.set_ylabel(labels[1])
        a2.set_title(f"embedding, colour: {name}")
        fig.colorbar(sc, ax=a2, shrink=0.8)
    return fig


def plot_llr_residuals(residuals, selected, *, threshold=None):
    """Bar plot of local-linear-regression residuals; the selected eigenvectors highlighted."""
    r = np.asarray(residuals)
    fig, axes = new_figure(1, width=5.0, height=2.8)
    ax = axes[0]
    colors = np.where(np.isin(np.arange(len(r)), selected), "tab:orange", "0.6")
    ax.bar(np.arange(1, len(r) + 1), r, color=colors)
    if threshold is not None:
        ax.axhline(threshold, color="crimson", ls="--", lw=1, label=f"threshold {threshold:g}")
        ax.legend(fontsize=8)
    ax.set_xticks(np.arange(1, len(r) + 1))
    ax.set_xlabel("eigenvector $\\psi_k$")
    ax.set_ylabel("LLR residual $r_k$")
    return fig


def plot_nystrom(full, extended, *, labels=None):
    """Nyström-extended coordinates against those of a fit on all samples (one panel each)."""
    k = full.shape[1]
    fig, axes = new_figure(k, width=3.0, height=2.9)
    for j, ax in enumerate(axes):
        ax.plot(full[:, j], extended[:, j], ".", ms=2)
        lo, hi = full[:, j].min(), full[:, j].max()
        ax.plot([lo, hi], [lo, hi], color="crimson", lw=0.8)
        name = labels[j] if labels else f"coordinate {j + 1}"
        ax.set_xlabel(f"{name}, fit on all samples")
        ax.set_ylabel(f"{name}, Nyström extension")
    return fig


# ------------------------------------------------------------- chapter: Mahalanobis metric


def plot_observations(u, views: dict, *, color_by: int = 0):
    """The latent square and each observation of it (first two or three features)."""
    fig = fit_width(Figure(figsize=(3.4 * (len(views) + 1), 3.2), layout="constrained"))
    c = u[:, color_by]
    ax = fig.add_subplot(1, len(views) + 1, 1)
    sc = ax.scatter(u[:, 0], u[:, 1], c=c, **_SCATTER)
    ax.set_xlabel("$u_1$")
    ax.set_ylabel("$u_2$")
    ax.set_title("latent square")
    ax.set_aspect("equal")
    for i, (name, y) in enumerate(views.items()):
        if y.shape[1] >= 3:
            a = fig.add_subplot(1, len(views) + 1, i + 2, projection="3d")
            a.scatter(y[:, 0], y[:, 1], y[:, 2], c=c, s=2, cmap=CMAP)
            a.set_zlabel("$y_3$")
        else:
            a = fig.add_subplot(1, len(views) + 1, i + 2)
            a.scatter(y[:, 0], y[:, 1], c=c, **_SCATTER)
        a.set_xlabel("$y_1$")
        a.set_ylabel("$y_2$")
        a.set_title(name)
    fig.colorbar(sc, ax=fig.axes, shrink=0.8, label=f"$u_{color_by + 1}$")
    return fig


def plot_metric_ellipses(y, jac, index, *, radius: float = 0.04, color=None):
    r"""Observed points and, at ``index``, the images :math:`y_i + J_i\,r(\cos t, \sin t)` of latent circles.

    The ellipses are the unit balls of the local metric scaled by ``radius``: they are round
    in latent space and stretched by the observation map.
    """
    fig, axes = new_figure(1, width=4.4, height=4.0)
    ax = axes[0]
    ax.scatter(y[:, 0], y[:, 1], c=color if color is not None else "0.8", **{**_SCATTER, "s": 3})
    t = np.linspace(0, 2 * np.pi, 60)
    circ = radius * np.c_[np.cos(t), np.sin(t)]
    for i in np.atleast_1d(index):
        e = y[i] + circ @ jac[i].T
        ax.plot(e[:, 0], e[:, 1], color="crimson", lw=1.2)
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_xlabel("$y_1$")
    ax.set_ylabel("$y_2$")
    return fig


def plot_distances(d_latent, distances: dict):
    """Observed-space distances of nearby pairs against their latent distances (one panel each)."""
    fig, axes = new_panels(len(distances), width=3.2, height=3.0)
    hi = float(np.max(d_latent))
    for ax, (name, d) in zip(axes, distances.items()):
        ax.plot(d_latent, d, ".", ms=1.5, alpha=0.5)
        ax.plot([0, hi], [0, hi], color="crimson", lw=0.8)
        ax.set_xlabel("latent distance $\\|u_i - u_j\\|$")
        ax.set_ylabel(name)
    return fig


def plot_embedding_grid(u, embeddings: dict):
    """Two-coordinate embeddings side by side; top row coloured by :math:`u_1`, bottom by :math:`u_2`."""
    names = list(embeddings)
    fig, axes = new_figure(len(names), 2, width=2.6, height=2.5)
    axes = axes.reshape(2, len(names))
    for col, name in enumerate(names):
        E = np.asarray(embeddings[name])
        for row in range(2):
            ax = axes[row, col]
            sc = ax.scatter(E[:, 0], E[:, 1], c=u[:, row], **{**_SCATTER, "s": 3})
            ax.set_xticks([])
            ax.set_yticks([])
            if row == 0:
                ax.set_title(name.replace(", ", ",\n"), fontsize=8)
        axes[0, col].set_xlabel("")
    axes[0, 0].set_ylabel("colour: $u_1$")
    axes[1, 0].set_ylabel("colour: $u_2$")
    fig.colorbar(sc, ax=axes.ravel().tolist(), shrink=0.6, label="$u_1$ (top), $u_2$ (bottom)")
    return fig


def plot_knn_candidates(y, center: int, candidates, kernel):
    """Kernel values around one sample and its Euclidean nearest-neighbour candidate set."""
    fig, axes = new_figure(1, width=4.6, height=4.0)
    ax = axes[0]
    show = kernel > 1e-8
    sc = ax.scatter(y[show, 0], y[show, 1], c=np.log10(kernel[show]), cmap=CMAP, s=10, linewidths=0)
    ax.scatter(
        y[candidates, 0],
        y[candidates, 1],
        s=28,
        facecolors="none",
        edgecolors="crimson",
        linewidths=0.8,
        label=f"{len(candidates)} Euclidean nearest neighbours",
    )
    ax.plot(*y[center], "k+", ms=12, mew=2)
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_xlabel("$y_1$")
    ax.set_ylabel("$y_2$")
    ax.legend(fontsize=8, loc="lower left")
    fig.colorbar(sc, ax=ax, shrink=0.8, label="$\\log_{10}$ kernel value")
    return fig


def plot_truncation_sweep(ks, series: dict, r2: dict):
    """Kernel value at the farthest candidate and the embedding's R² against the candidate count."""
    fig, axes = new_figure(2, width=3.8, height=3.0)
    for name, vals in series.items():
        axes[0].semilogy(ks, vals, "o-", label=name)
    axes[0].set_ylabel("max kernel at farthest candidate")
    for name, vals in r2.items():
        axes[1].plot(ks, vals, "o-", label=name)
    axes[1].set_ylabel("min $R^2$ vs latent embedding")
    for ax in axes:
        ax.set_xscale("log", base=2)
        ax.set_xlabel("Euclidean candidates $k$")
        ax.legend(fontsize=8)
    return fig


def plot_burst_sweep(n_burst, r2: dict, *, reference=None):
    """R² of burst-metric embeddings against the burst size, one line per :math:`\\sigma`."""
    fig, axes = new_figure(1, width=4.6, height=3.2)
    ax = axes[0]
    for name, vals in r2.items():
        ax.semilogx(n_burst, np.maximum(1.0 - np.asarray(vals), 1e-6), "o-", label=name)
    if reference is not None:
        ax.axhline(max(1.0 - reference, 1e-6), color="0.3", ls="--", lw=1, label="exact Jacobians")
    ax.set_yscale("log")
    ax.set_xticks(list(n_burst), [str(k) for k in n_burst])
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("burst size $K$")
    ax.set_ylabel("$1 - R^2$ vs latent embedding")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1.0))
    return fig


def plot_eigenvector_pairs(psi, pairs, color, *, clabel=""):
    r"""Scatter plots :math:`(\psi_a, \psi_b)`: a harmonic traces a curve, a new direction fills an area."""
    fig, axes = new_figure(len(pairs), width=3.0, height=2.9)
    for ax, (a, b) in zip(axes, pairs):
        sc = ax.scatter(psi[:, a], psi[:, b], c=color, **{**_SCATTER, "s": 3})
        ax.set_xlabel(f"$\\psi_{{{a + 1}}}$")
        ax.set_ylabel(f"$\\psi_{{{b + 1}}}$")
    fig.colorbar(sc, ax=axes.tolist(), shrink=0.8, label=clabel)
    return fig
