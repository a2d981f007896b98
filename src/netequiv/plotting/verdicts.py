"""Figure of the chapter *Verdicts across the book*: cross errors against the self floor."""

from __future__ import annotations

import numpy as np

from .base import new_figure

__all__ = ["VERDICT_COLORS", "plot_verdict_map"]

#: colour of each verdict of :func:`netequiv.comparison.decide`
VERDICT_COLORS = {"equivalent": "tab:green", "not equivalent": "tab:red", "inconclusive": "tab:orange"}
_MARKERS = {"exp_a_scalar": "o", "exp_b_two_inputs": "s", "exp_c_horse": "D", "zoo": "^"}


def plot_verdict_map(rows, *, tol: float = 0.05, margin: float = 3.0, chapters: dict | None = None):
    r"""Both held-out cross errors of every pair against its self floor :math:`\max(s_A, s_B)`.

    Parameters
    ----------
    rows : list of dict
        Rows of :func:`netequiv.chapters.verdicts.comparison_row` (``forward``, ``backward``,
        ``floor``, ``verdict``, ``chapter``).
    tol : float, default 0.05
        The threshold :math:`\tau`: a direction below it succeeds (horizontal line); a
        self floor at or above it makes a failure inconclusive (vertical line).
    margin : float, default 3
        A failure is clear above ``margin`` times the self floor (the slanted line).
    chapters : dict, optional
        Chapter key -> legend title (default: the keys).

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, (ax,) = new_figure(width=7.6, height=4.8)
    floors = np.array([r["floor"] for r in rows], dtype=float)
    errs = np.array([[r["forward"], r["backward"]] for r in rows], dtype=float)
    lo = 0.3 * np.nanmin(np.concatenate([floors, errs.ravel()]))
    hi = 3.0 * max(1.0, np.nanmax(errs))
    s = np.geomspace(lo, hi, 400)
    left = s[s <= tol]  # where a clear failure can be called "not equivalent"
    ax.fill_between(left, np.maximum(tol, margin * left), hi, color="0.93", zorder=0, label="clear failure")
    ax.axhline(tol, color="k", lw=1, ls="--", label=rf"$\tau$ = {tol:g}")
    ax.axvline(tol, color="k", lw=1, ls=":")
    ax.plot(s, margin * s, color="0.3", lw=1, label=f"{margin:g} × self floor")
    ax.plot(s, s, color="0.7", lw=0.8, ls="-.", label="self floor")
    for r, f, e in zip(rows, floors, errs):
        kw = {"marker": _MARKERS.get(r["chapter"], "o"), "color": VERDICT_COLORS[r["verdict"]]}
        ax.scatter([f, f], e, s=20, alpha=0.8, zorder=3, **kw)
        ax.plot([f, f], e, color=kw["color"], lw=0.6, alpha=0.5, zorder=2)
    for v, c in VERDICT_COLORS.items():
        ax.scatter([], [], color=c, marker="s", label=v)
    names = chapters or {}
    for k, m in _MARKERS.items():
        if any(r["chapter"] == k for r in rows):
            ax.scatter([], [], color="0.4", marker=m, label=names.get(k, k))
    ax.set(xscale="log", yscale="log", xlim=(lo, 3 * max(tol, np.nanmax(floors))), ylim=(lo, hi))
    ax.set_xlabel(r"self floor $\max(s_A, s_B)$ (held-out NRMSE)")
    ax.set_ylabel(r"cross error $e_{A\to B}$, $e_{B\to A}$ (held-out max NRMSE)")
    fig.legend(fontsize=7, loc="outside right upper")
    return fig
