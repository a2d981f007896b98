"""Figures of the chapter *Experiments (c): two autoencoders* (matplotlib, imported lazily).

Every function returns a :class:`matplotlib.figure.Figure` with labelled axes and leaves
showing or saving it to the caller.
"""

from __future__ import annotations

import numpy as np

__all__ = ["plot_views", "plot_codes", "plot_circle_embeddings", "plot_reconstructions", "plot_negative_control"]


def _plt():
    import matplotlib.pyplot as plt

    return plt


def _subplots(*args, **kwargs):
    """``plt.subplots`` narrowed to the page width (:func:`netequiv.plotting.base.fit_width`)."""
    from .base import fit_width

    fig, axes = _plt().subplots(*args, **kwargs)
    return fit_width(fig), axes


def plot_views(thetas, images, *, n_show: int = 24, ncols: int = 8):
    """Equally spaced views of the turn, each titled with its angle in degrees.

    Parameters
    ----------
    thetas : array of shape (N,)
    images : array of shape (N, H, W)
    n_show : int, default 24
        Views shown (every ``N // n_show``-th).
    ncols : int, default 8

    Returns
    -------
    matplotlib.figure.Figure
    """
    thetas, images = np.asarray(thetas), np.asarray(images)
    idx = np.linspace(0, len(thetas), min(n_show, len(thetas)), endpoint=False).astype(int)
    nrows = -(-len(idx) // ncols)
    fig, axes = _subplots(nrows, ncols, figsize=(0.95 * ncols, 1.15 * nrows), squeeze=False)
    for ax in axes.ravel():
        ax.set_axis_off()
    for ax, i in zip(axes.ravel(), idx):
        ax.imshow(images[i], cmap="gray", vmin=0, vmax=1, interpolation="nearest")
        ax.set_title(rf"{np.degrees(thetas[i]):.0f}$^\circ$", fontsize=8)
    fig.suptitle(r"views of the horse turned by $\theta$ (title: $\theta$)", fontsize=10)
    fig.tight_layout()
    return fig


def plot_codes(thetas, codes: dict):
    """Every latent coordinate of each autoencoder against the angle.

    Parameters
    ----------
    thetas : array of shape (N,)
    codes : dict
        ``label -> (N, d)`` latent codes.

    Returns
    -------
    matplotlib.figure.Figure
    """
    deg = np.degrees(np.asarray(thetas))
    fig, axes = _subplots(1, len(codes), figsize=(3.6 * len(codes), 2.8), squeeze=False)
    for ax, (label, z) in zip(axes[0], codes.items()):
        z = np.asarray(z)
        for j in range(z.shape[1]):
            ax.plot(deg, z[:, j], lw=1.0)
        ax.set_title(f"{label} (latent size {z.shape[1]})", fontsize=10)
        ax.set_xlabel(r"angle $\theta$ (degrees)")
        ax.set_ylabel("latent coordinate $z_j$")
        ax.set_xticks([0, 90, 180, 270, 360])
    fig.tight_layout()
    return fig


def plot_circle_embeddings(thetas, results: dict):
    """Circle coordinates of each latent space and the angle read off them.

    Parameters
    ----------
    thetas : array of shape (N,)
    results : dict
        ``label -> circle_angles(...)`` results (``whitened``, ``angles``,
        ``median_error_deg``).

    Returns
    -------
    matplotlib.figure.Figure
        Top row: whitened coordinates :math:`(\\psi_1, \\psi_2)` coloured by the true angle;
        bottom row: recovered against true angle.
    """
    deg = np.degrees(np.asarray(thetas))
    k = len(results)
    fig, axes = _subplots(2, k, figsize=(3.6 * k + 1.0, 6.6), squeeze=False, layout="constrained")
    for j, (label, r) in enumerate(results.items()):
        ax = axes[0, j]
        sc = ax.scatter(r["whitened"][:, 0], r["whitened"][:, 1], c=deg, cmap="twilight", s=8, vmin=0, vmax=360)
        ax.set_aspect("equal")
        ax.set_xlabel(r"$\psi_1$ (whitened)")
        ax.set_ylabel(r"$\psi_2$ (whitened)")
        ax.set_title(f"{label}", fontsize=10)
        ax = axes[1, j]
        rec = deg + np.asarray(r["errors_deg"])  # the recovered angle, unwrapped next to the true one
        ax.scatter(deg, rec, s=5, color="tab:blue")
        ax.plot([0, 360], [0, 360], color="0.6", lw=0.8, zorder=0)
        ax.set_xlabel(r"true angle $\theta$ (degrees)")
        ax.set_ylabel("recovered angle (degrees)")
        ax.set_title(f"median error {r['median_error_deg']:.2f}$^\\circ$", fontsize=10)
        ax.set_xticks([0, 90, 180, 270, 360])
        ax.set_yticks([0, 90, 180, 270, 360])
    fig.colorbar(sc, ax=axes[0, :].tolist(), label=r"true angle $\theta$ (degrees)", shrink=0.9)
    return fig


_ROW_LABELS = {
    "input": "input view",
    "rec_a": "A: $D_A(E_A(x))$",
    "rec_b": "B: $D_B(E_B(x))$",
    "via_t": "$D_B(T(E_A(x)))$",
    "via_tinv": "$D_A(T^{-1}(E_B(x)))$",
}


def plot_reconstructions(images: dict, thetas=None, *, n_show: int = 8, rows=tuple(_ROW_LABELS)):
    """Rows of images: the input views, both reconstructions and the images through T.

    Parameters
    ----------
    images : dict
        ``images`` of :func:`netequiv.chapters.exp_c_horse.images_through_transform` (keys of
        ``rows``, arrays (M, H, W)).
    thetas : array of shape (M,), optional
        Angles of the views, for the column titles.
    n_show : int, default 8
    rows : sequence of str

    Returns
    -------
    matplotlib.figure.Figure
    """
    m = len(images["input"])
    cols = np.linspace(0, m, min(n_show, m), endpoint=False).astype(int)
    fig, axes = _subplots(len(rows), len(cols), figsize=(1.05 * len(cols) + 1.6, 1.1 * len(rows)), squeeze=False)
    for r, key in enumerate(rows):
        for c, i in enumerate(cols):
            ax = axes[r, c]
            ax.imshow(np.clip(images[key][i], 0, 1), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            if c == 0:
                ax.set_ylabel(_ROW_LABELS.get(key, key), rotation=0, ha="right", va="center", fontsize=9)
            if r == 0 and thetas is not None:
                ax.set_title(rf"{np.degrees(thetas[i]):.0f}$^\circ$", fontsize=8)
    fig.tight_layout()
    return fig


def plot_negative_control(thetas, codes_c, test_thetas, truth_a, pred_a, *, nrmse=None):
    """The one-number code against the angle, and A's code predicted from it.

    Parameters
    ----------
    thetas : array of shape (N,)
    codes_c : array of shape (N, 1)
        The control's latent code.
    test_thetas : array of shape (M,)
        Angles of the held-out views.
    truth_a, pred_a : arrays of shape (M, d_a)
        A's codes and their prediction :math:`T^{-1}(z^C)`.
    nrmse : array of shape (d_a,), optional
        Shown in the legend.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, axes = _subplots(1, 2, figsize=(9.0, 3.8), layout="constrained")
    ax = axes[0]
    ax.plot(np.degrees(thetas), np.asarray(codes_c)[:, 0], ".", ms=3)
    ax.set_xlabel(r"angle $\theta$ (degrees)")
    ax.set_ylabel("code $z^C$ of the control")
    ax.set_xticks([0, 90, 180, 270, 360])
    ax.set_title("a one-number code folds the circle", fontsize=10)
    ax = axes[1]
    deg = np.degrees(np.asarray(test_thetas))
    order = np.argsort(deg)
    for j in range(np.shape(truth_a)[1]):
        (line,) = ax.plot(deg[order], np.asarray(truth_a)[order, j], lw=1.0)
        lab = f"$z^A_{j + 1}$ predicted" + (f" (NRMSE {nrmse[j]:.2f})" if nrmse is not None else "")
        ax.plot(deg, np.asarray(pred_a)[:, j], "x", ms=4, color=line.get_color(), label=lab)
    ax.set_xlabel(r"angle $\theta$ of the held-out view (degrees)")
    ax.set_ylabel("latent coordinate of A")
    ax.set_xticks([0, 90, 180, 270, 360])
    ax.set_title(r"$T^{-1}$: A's code from C's (lines: truth)", fontsize=10)
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=3, frameon=False)
    return fig
