"""Figures of the chapter *Beyond the paper: a network zoo* (:mod:`netequiv.chapters.zoo`).

Same conventions as :mod:`netequiv.plotting`: every helper returns a pyplot-free
:class:`matplotlib.figure.Figure` with labelled axes.  Members are always drawn in zoo order,
grouped by their ground-truth class, and coloured by that class (:data:`CLASS_COLORS`).

This module imports matplotlib and is therefore not loaded by ``import netequiv``; use
``from netequiv import plotting_zoo``.
"""

from __future__ import annotations

import numpy as np
from matplotlib.colors import LogNorm
from matplotlib.lines import Line2D

from .base import new_figure

__all__ = [
    "CLASS_COLORS",
    "class_order",
    "plot_members",
    "plot_relation",
    "plot_error_matrix",
    "plot_score_matrices",
    "plot_class_graph",
    "plot_score_strips",
    "plot_cases",
]

#: colour of ground-truth class k (cycled)
CLASS_COLORS = ("tab:blue", "tab:red", "tab:green", "tab:purple", "tab:orange", "tab:brown", "tab:olive")
RELATION_COLORS = {"equivalent": "tab:green", "one-way": "darkorange", "unrelated": "0.45"}


def _color(label: int) -> str:
    return CLASS_COLORS[int(label) % len(CLASS_COLORS)]


def class_order(labels) -> np.ndarray:
    """Indices that sort the members by class, keeping zoo order inside a class."""
    return np.argsort(np.asarray(labels), kind="stable")


def plot_members(x, observations: dict, labels, *, ncols: int = 4, class_names=None):
    """Every member's observation against the input, one small panel each.

    Parameters
    ----------
    x : ndarray of shape (N,) or (N, 1)
        Inputs (any order).
    observations : dict {str: ndarray (N, d)}
        Member name -> observation (1 column for an output, 3 for neurons).
    labels : array-like of int, shape (m,)
        Ground-truth class of every member, in the order of ``observations``.
    ncols : int, default=4
    class_names : dict {int: str}, optional
        Legend text per class.

    Returns
    -------
    fig : matplotlib.figure.Figure
    """
    x = np.asarray(x, dtype=float).reshape(-1)
    o = np.argsort(x)
    names = list(observations)
    labels = np.asarray(labels)
    order = class_order(labels)
    nrows = int(np.ceil(len(names) / ncols))
    fig, axes = new_figure(ncols, nrows, width=1.75, height=1.45)
    for ax in axes[len(names) :]:
        ax.set_visible(False)
    for ax, k in zip(axes, order):
        y = np.asarray(observations[names[k]], dtype=float).reshape(len(x), -1)[o]
        y = (y - y.mean(axis=0)) / np.where(y.std(axis=0) > 0, y.std(axis=0), 1.0)
        for c in range(y.shape[1]):
            ax.plot(
                x[o],
                y[:, c],
                color=_color(labels[k]),
                lw=1.2,
                alpha=1.0 if y.shape[1] == 1 else 0.75,
                ls=("-", "--", ":")[c % 3],
            )
        ax.set_title(names[k], fontsize=7)
        ax.tick_params(labelsize=6)
        ax.set_xticks([0, 0.5, 1])
        ax.set_yticks([])
    for ax in axes[(nrows - 1) * ncols :]:
        ax.set_xlabel("input $x$", fontsize=7)
    for ax in axes[::ncols]:
        ax.set_ylabel("observed\n(standardised)", fontsize=7)
    if class_names:
        handles = [Line2D([], [], color=_color(k), lw=2, label=v) for k, v in class_names.items()]
        fig.legend(handles=handles, loc="outside lower center", ncols=len(handles), frameon=False, fontsize=8)
    return fig


def _boundaries(ax, labels_sorted):
    cuts = np.flatnonzero(np.diff(labels_sorted)) + 0.5
    for c in cuts:
        ax.axhline(c, color="k", lw=0.8)
        ax.axvline(c, color="k", lw=0.8)


def _tick_labels(ax, names, labels_sorted, fontsize=6):
    m = len(names)
    ax.set_xticks(range(m))
    ax.set_yticks(range(m))
    ax.set_xticklabels(names, rotation=90, fontsize=fontsize)
    ax.set_yticklabels(names, fontsize=fontsize)
    for t, lab in zip(ax.get_xticklabels(), labels_sorted):
        t.set_color(_color(lab))
    for t, lab in zip(ax.get_yticklabels(), labels_sorted):
        t.set_color(_color(lab))


def plot_relation(function_of, names, labels):
    """The ground truth of every ordered pair: equivalent, one-way, or unrelated.

    Parameters
    ----------
    function_of : ndarray of bool, shape (m, m)
        ``function_of[i, j]``: member j's observation is a smooth function of member i's
        (:class:`netequiv.chapters.zoo.GroundTruth`).
    names : list of str
    labels : array-like of int
        Ground-truth classes (rows and columns grouped by them).

    Returns
    -------
    fig : matplotlib.figure.Figure
    """
    from matplotlib.colors import ListedColormap

    labels = np.asarray(labels)
    o = class_order(labels)
    F = np.asarray(function_of, dtype=bool)[np.ix_(o, o)]
    code = np.where(F & F.T, 0, np.where(F, 1, np.where(F.T, 2, 3))).astype(float)
    np.fill_diagonal(code, np.nan)
    m = len(o)
    fig, (ax,) = new_figure(1, width=0.26 * m + 3.0, height=0.26 * m + 2.2)
    cmap = ListedColormap([RELATION_COLORS["equivalent"], "darkorange", "moccasin", "0.8"])
    ax.imshow(code, cmap=cmap, vmin=-0.5, vmax=3.5)
    _boundaries(ax, labels[o])
    _tick_labels(ax, [names[k] for k in o], labels[o])
    ax.set_xlabel("member B")
    ax.set_ylabel("member A")
    handles = [
        Line2D([], [], marker="s", ls="", ms=9, color=c, label=t)
        for c, t in (
            (RELATION_COLORS["equivalent"], "equivalent (both ways)"),
            ("darkorange", "only B = h(A)"),
            ("moccasin", "only A = h(B)"),
            ("0.8", "unrelated"),
        )
    ]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False, fontsize=8)
    return fig


def plot_error_matrix(max_nrmse, names, labels, *, tol: float = 0.05, verdicts=None):
    """Heat map of the held-out error of :math:`T: i \\to j` for every ordered pair.

    Parameters
    ----------
    max_nrmse : ndarray of shape (m, m)
        Row i = source A, column j = target B (NaN on the diagonal).
    names : list of str
    labels : array-like of int
        Ground-truth classes (rows and columns are grouped by them; black lines separate them).
    tol : float, default=0.05
        Verdict threshold, marked on the colour bar.
    verdicts : ndarray of bool, optional
        Pairs judged equivalent get a white dot.

    Returns
    -------
    fig : matplotlib.figure.Figure
    """
    labels = np.asarray(labels)
    o = class_order(labels)
    E = np.asarray(max_nrmse, dtype=float)[np.ix_(o, o)]
    m = len(o)
    fig, (ax,) = new_figure(1, width=0.26 * m + 3.0, height=0.26 * m + 2.2)
    finite = E[np.isfinite(E)]
    lo = max(1e-4, float(finite.min()) / 1.5) if finite.size else 1e-4
    hi = max(2.0, float(finite.max())) if finite.size else 2.0
    im = ax.imshow(np.where(np.isfinite(E), np.clip(E, lo, hi), np.nan), norm=LogNorm(lo, hi), cmap="magma_r")
    cb = fig.colorbar(im, ax=ax, shrink=0.8)
    cb.set_label("held-out max NRMSE of $T$: row $\\to$ column")
    cb.ax.axhline(tol, color="tab:cyan", lw=2)
    if verdicts is not None:
        V = np.asarray(verdicts, dtype=bool)[np.ix_(o, o)]
        ii, jj = np.nonzero(V & ~np.eye(m, dtype=bool))
        ax.scatter(jj, ii, s=6, color="white", marker="o", linewidths=0)
    _boundaries(ax, labels[o])
    _tick_labels(ax, [names[k] for k in o], labels[o])
    ax.set_xlabel("target member B (observations predicted)")
    ax.set_ylabel("source member A (coordinates used)")
    return fig


def plot_score_matrices(matrices: dict, names, labels, *, ncols: int = 2, titles=None):
    """Heat maps of baseline scores, one panel each, members grouped by ground-truth class.

    The values are shown as the score computes them (Procrustes: a distance, small = similar);
    rows and columns are labelled with the member names, coloured by class.

    Parameters
    ----------
    matrices : dict {str: ndarray (m, m)}
        Score name -> matrix (row A, column B).
    names : list of str
    labels : array-like of int
    ncols : int, default=2
    titles : dict {str: str}, optional
        Panel titles (default: the score names).

    Returns
    -------
    fig : matplotlib.figure.Figure
    """
    labels = np.asarray(labels)
    o = class_order(labels)
    nrows = int(np.ceil(len(matrices) / ncols))
    fig, axes = new_figure(ncols, nrows, width=3.5, height=3.5)
    for ax in axes[len(matrices) :]:
        ax.set_visible(False)
    titles = titles or {}
    fontsize = 6 if len(o) <= 12 else 4
    for ax, (key, M) in zip(axes, matrices.items()):
        S = np.asarray(M, dtype=float)[np.ix_(o, o)]
        im = ax.imshow(S, cmap="viridis")
        fig.colorbar(im, ax=ax, shrink=0.8)
        _boundaries(ax, labels[o])
        _tick_labels(ax, [names[k] for k in o], labels[o], fontsize=fontsize)
        ax.set_title(titles.get(key, key), fontsize=9)
        ax.set_xlabel("member B", fontsize=8)
        ax.set_ylabel("member A", fontsize=8)
    return fig


def plot_class_graph(names, labels, verdicts, *, kinds=None, found_labels=None, class_names=None):
    """The members as nodes, one circle per ground-truth class; an edge for every 'equivalent' verdict.

    Parameters
    ----------
    names : list of str
    labels : array-like of int
        Ground-truth classes (node colour).
    verdicts : ndarray of bool, shape (m, m)
        Symmetric verdicts; an edge joins every pair judged equivalent.
    kinds : list of str, optional
        ``"output"`` (circle) or ``"neurons"`` (triangle) per member.
    found_labels : array-like of int, optional
        Classes recovered from the verdicts, written next to each node.
    class_names : dict {int: str}, optional
        Legend text per ground-truth class.

    Returns
    -------
    fig : matplotlib.figure.Figure
    """
    labels = np.asarray(labels)
    m = len(names)
    # every class on its own circle (radius grows with its size), the circles side by side
    classes = np.unique(labels)
    radius = {k: 0.45 + 0.07 * np.sum(labels == k) for k in classes}
    pos, centre, x0 = np.zeros((m, 2)), np.zeros((m, 2)), 0.0
    for k in classes:
        idx = np.flatnonzero(labels == k)
        r = radius[k]
        c = np.array([x0 + r, 0.0])
        ang = np.pi / 2 + 2 * np.pi * np.arange(len(idx)) / len(idx)
        pos[idx] = c + r * np.column_stack([np.cos(ang), np.sin(ang)])
        centre[idx] = c
        x0 += 2 * r + 1.6
    width = x0 - 1.6
    rmax = max(radius.values())
    fig, (ax,) = new_figure(1, width=min(11.0, 1.2 + 1.6 * width), height=1.6 + 2.2 * rmax)
    V = np.asarray(verdicts, dtype=bool)
    for i in range(m):
        for j in range(i + 1, m):
            if V[i, j]:
                same = labels[i] == labels[j]
                ax.plot(
                    *pos[[i, j]].T,
                    color=_color(labels[i]) if same else "k",
                    lw=0.9 if same else 2.5,
                    alpha=0.55 if same else 1.0,
                    zorder=1,
                )
    for i in range(m):
        mk = "^" if kinds is not None and kinds[i] == "neurons" else "o"
        ax.scatter(*pos[i], s=70, marker=mk, color=_color(labels[i]), edgecolors="k", zorder=3)
        u = pos[i] - centre[i]
        u = u / max(np.linalg.norm(u), 1e-12)
        ha = "left" if u[0] > 0.3 else ("right" if u[0] < -0.3 else "center")
        va = "bottom" if u[1] > 0.3 else ("top" if u[1] < -0.3 else "center")
        text = names[i] if found_labels is None else f"{names[i]} [{int(np.asarray(found_labels)[i])}]"
        ax.text(*(pos[i] + 0.08 * u), text, fontsize=6.5, ha=ha, va=va)
    ax.set_xlim(-1.3, width + 1.3)
    ax.set_ylim(-rmax - 0.5, rmax + 0.5)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("members grouped by ground-truth class (edges: verdict 'equivalent')")
    handles = []
    if class_names:
        handles += [Line2D([], [], marker="s", ls="", color=_color(k), label=v) for k, v in class_names.items()]
    if kinds is not None:
        handles += [
            Line2D([], [], marker="o", ls="", color="0.5", label="output observed"),
            Line2D([], [], marker="^", ls="", color="0.5", label="3 neurons observed"),
        ]
    if handles:
        fig.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 3), fontsize=7, frameon=False)
    return fig


def plot_score_strips(similarities: dict, relation, *, titles=None, ncols: int = 4, seed: int = 0):
    """Every unordered pair's score, split by the true relation of the pair.

    Parameters
    ----------
    similarities : dict {str: ndarray (m, m)}
        Symmetric scores (larger = more similar), e.g. :func:`netequiv.chapters.zoo.symmetric_score`.
    relation : ndarray of str, shape (m, m)
        ``"equivalent"``, ``"one-way"``, ``"unrelated"`` (:class:`netequiv.chapters.zoo.GroundTruth`).
    titles : dict {str: str}, optional
        Axis label per score.
    ncols : int, default=4
    seed : int, default=0
        Seed of the horizontal jitter.

    Returns
    -------
    fig : matplotlib.figure.Figure
    """
    rel = np.asarray(relation)
    iu = np.triu_indices(len(rel), 1)
    r = rel[iu]
    nrows = int(np.ceil(len(similarities) / ncols))
    fig, axes = new_figure(ncols, nrows, width=2.4, height=2.6)
    for ax in axes[len(similarities) :]:
        ax.set_visible(False)
    rng = np.random.default_rng(seed)
    titles = titles or {}
    kinds = list(RELATION_COLORS)
    for ax, (key, S) in zip(axes, similarities.items()):
        s = np.asarray(S, dtype=float)[iu]
        for k, kind in enumerate(kinds):
            v = s[r == kind]
            ax.scatter(k + rng.uniform(-0.18, 0.18, v.size), v, s=8, color=RELATION_COLORS[kind], alpha=0.7)
        ax.set_xticks(range(len(kinds)))
        ax.set_xticklabels(kinds, rotation=20, fontsize=7)
        ax.set_ylabel(titles.get(key, key), fontsize=8)
        ax.set_xlabel("true relation", fontsize=8)
    return fig


def plot_cases(x, observations: dict, cases, *, ncols: int = 3):
    """The two observations of each case against the input.

    Parameters
    ----------
    x : ndarray of shape (N,) or (N, 1)
    observations : dict {str: ndarray (N, d)}
    cases : list of dict
        Rows with keys ``a``, ``b`` (member names) and ``title``.
    ncols : int, default=3

    Returns
    -------
    fig : matplotlib.figure.Figure
    """
    x = np.asarray(x, dtype=float).reshape(-1)
    o = np.argsort(x)
    nrows = int(np.ceil(len(cases) / ncols))
    fig, axes = new_figure(ncols, nrows, width=2.9, height=2.4)
    for ax in axes[len(cases) :]:
        ax.set_visible(False)
    for ax, case in zip(axes, cases):
        for name, color in ((case["a"], "tab:blue"), (case["b"], "tab:red")):
            y = np.asarray(observations[name], dtype=float).reshape(len(x), -1)[o]
            y = (y - y.mean(axis=0)) / np.where(y.std(axis=0) > 0, y.std(axis=0), 1.0)
            for c in range(y.shape[1]):
                ax.plot(x[o], y[:, c], color=color, lw=1.3, ls=("-", "--", ":")[c % 3], label=name if c == 0 else None)
        ax.set_title(case.get("title", ""), fontsize=8)
        ax.set_xlabel("input $x$")
        ax.set_ylabel("observed (standardised)")
        ax.legend(frameon=False, fontsize=6, loc="best")
    return fig
