"""Figures of the chapter *The method by hand* (``notebooks/method_by_hand.ipynb``)."""

from __future__ import annotations

import numpy as np

from .base import CMAP, new_figure

__all__ = ["plot_kernel_check", "plot_pipeline"]

_SCATTER = {"s": 6, "cmap": CMAP, "linewidths": 0}


def plot_kernel_check(x, kernel_row, center, psi_hand, psi_package):
    r"""One row of the kernel over the inputs, and the eigenvectors by hand against the package.

    Parameters
    ----------
    x : array of shape (m, 2)
        Inputs of the samples.
    kernel_row : array of shape (m,)
        :math:`K_{ij}` of one sample :math:`i` with every sample :math:`j` (zero below the
        cutoff: drawn in grey); the colour is :math:`\log_{10} K_{ij}`.
    center : int
        The sample :math:`i` (marked with a cross).
    psi_hand, psi_package : arrays of shape (m, k)
        Eigenvectors :math:`\psi_1, \dots, \psi_k` computed densely and by
        :class:`netequiv.DiffusionMaps`.
    """
    fig, axes = new_figure(2, width=3.9, height=3.4)
    ax = axes[0]
    zero = kernel_row == 0
    ax.scatter(x[zero, 0], x[zero, 1], s=14, color="0.8", linewidths=0)
    logk = np.log10(kernel_row[~zero])
    sc = ax.scatter(x[~zero, 0], x[~zero, 1], c=logk, vmin=-8, vmax=0, **{**_SCATTER, "s": 14})
    ax.plot(*x[center], marker="x", color="crimson", ms=9, mew=2)
    fig.colorbar(sc, ax=ax, shrink=0.85, label=r"$\log_{10} K_{ij}$")
    ax.set_aspect("equal")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_title("kernel row of sample $i$ (cross)")
    ax = axes[1]
    for k in range(psi_hand.shape[1]):
        ax.scatter(psi_package[:, k], psi_hand[:, k], s=8, label=rf"$\psi_{k + 1}$")
    lim = [min(psi_hand.min(), psi_package.min()), max(psi_hand.max(), psi_package.max())]
    ax.plot(lim, lim, color="0.3", lw=0.8, ls="--")
    ax.set_xlabel("DiffusionMaps (sparse, Lanczos)")
    ax.set_ylabel("by hand (dense, eigh)")
    ax.set_title("eigenvectors")
    ax.legend(fontsize=8, markerscale=1.5)
    return fig


def plot_pipeline(x, phi_a, phi_b, residuals: dict, directions: dict, errors: dict, tol: float):
    r"""Intrinsic coordinates, selection residuals, :math:`T` and :math:`T^{-1}`, and the errors.

    Parameters
    ----------
    x : array of shape (N, 2)
        Inputs of the training samples (colour: :math:`x_1`).
    phi_a, phi_b : arrays of shape (N, 2)
        Selected coordinates :math:`\phi^A`, :math:`\phi^B` of the training samples.
    residuals : dict
        ``{label: (residuals, selected)}``: :func:`netequiv.llr_residuals` of each network's
        eigenvectors and the indices kept.
    directions : dict
        ``{title: (truth, prediction)}`` on the held-out samples, arrays of shape (M, d).
    errors : dict
        ``{label: max NRMSE}`` of the cross directions and self round trips.
    tol : float
        The verdict's threshold :math:`\tau` (dashed line).
    """
    fig, axes = new_figure(3, 2, width=3.3, height=3.0)
    for ax, phi, name in ((axes[0], phi_a, "A"), (axes[1], phi_b, "B")):
        sc = ax.scatter(phi[:, 0], phi[:, 1], c=x[:, 0], **_SCATTER)
        ax.set_xlabel(rf"$\phi^{name}_1$")
        ax.set_ylabel(rf"$\phi^{name}_2$")
        ax.set_title(f"coordinates of network {name}")
    fig.colorbar(sc, ax=axes[1], shrink=0.85, label="$x_1$")
    ax = axes[2]
    width = 0.8 / len(residuals)
    for t, (label, (r, selected)) in enumerate(residuals.items()):
        j = np.arange(1, len(r) + 1) + (t - (len(residuals) - 1) / 2) * width
        bars = ax.bar(j, r, width=width, label=label)
        sel = np.atleast_1d(selected)
        ax.plot(j[sel], r[sel] + 0.06, "v", color=bars[0].get_facecolor(), ms=5)
    ax.set_xticks(np.arange(1, len(r) + 1))
    ax.set_ylim(0, 1.25)
    ax.set_xlabel(r"eigenvector $\psi_j$")
    ax.set_ylabel("residual $r_j$")
    ax.set_title("selection (triangles: kept)")
    ax.legend(fontsize=8, loc="center right")
    for ax, (title, (truth, pred)) in zip(axes[3:5], directions.items()):
        for f in range(truth.shape[1]):
            ax.scatter(truth[:, f], pred[:, f], s=5, label=f"feature {f + 1}")
        lim = [truth.min(), truth.max()]
        ax.plot(lim, lim, color="0.3", lw=0.8, ls="--")
        ax.set_xlabel("true (held out)")
        ax.set_ylabel("predicted")
        ax.set_title(title)
    axes[3].legend(fontsize=7, markerscale=1.5)
    ax = axes[5]
    ax.bar(range(len(errors)), list(errors.values()), color=["C0", "C1", "0.6", "0.6"][: len(errors)])
    ax.axhline(tol, color="crimson", ls="--", lw=1, label=rf"$\tau$ = {tol:g}")
    ax.set_xticks(range(len(errors)), list(errors), fontsize=8)
    ax.set_ylabel("max held-out NRMSE")
    ax.set_title("errors (grey: self round trips)")
    ax.legend(fontsize=8)
    return fig
