r"""Neighbour search in a local (Mahalanobis-like) metric.

A Euclidean k-nearest-neighbour cut truncates an anisotropic kernel: the k Euclidean
neighbours of a point need not contain its nearest neighbours in the metric
:math:`d^2_{ij} = \frac12 \Delta^\top (M_i + M_j)\Delta`.  We therefore search a
*radius* in the metric itself.  Because

.. math::

    d^2_{ij} \ge \tfrac12 (\lambda_{\min}(M_i) + \lambda_{\min}(M_j)) \|\Delta\|^2
             \ge \tfrac12 (\lambda_{\min}(M_i) + \underline{\lambda}) \|\Delta\|^2 ,

with :math:`\underline{\lambda}` the smallest eigenvalue over all samples, every pair with
:math:`d^2_{ij} \le R^2` lies in the Euclidean ball of radius
:math:`r_i = R\,\sqrt{2 / (\lambda_{\min}(M_i) + \underline{\lambda})}` around :math:`y_i`.
A k-d tree returns these candidates (a ball query with one radius per point), the cheap
symmetric bound :math:`\|\Delta\|^2(\lambda_{\min}(M_i)+\lambda_{\min}(M_j)) \le 2R^2` prunes
them, the exact metric distance is evaluated on the rest in chunks, and pairs beyond
:math:`R` are dropped.  Memory stays
proportional to the number of kept pairs; no dense N x N array is ever formed.
"""

from __future__ import annotations

import numpy as np
import itertools

from scipy.spatial import cKDTree

from .metric import LocalMetric

__all__ = ["metric_radius_graph", "metric_knn_distances", "build_tree"]

_CHUNK = 16384


def build_tree(Y: np.ndarray) -> cKDTree:
    """A k-d tree on the observations (balanced, no data copy)."""
    return cKDTree(Y, balanced_tree=False, compact_nodes=False, copy_data=False)


def _ball_candidates(tree: cKDTree, Q: np.ndarray, radii: np.ndarray):
    """All tree points within Euclidean ``radii[i]`` of ``Q[i]``: (rows, cols)."""
    lists = tree.query_ball_point(Q, radii, workers=-1, return_sorted=False)
    lens = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
    cols = np.fromiter(itertools.chain.from_iterable(lists), dtype=np.int64, count=int(lens.sum()))
    return np.repeat(np.arange(len(Q)), lens), cols


def metric_radius_graph(
    Y: np.ndarray,
    radius2: float,
    metric: LocalMetric | None = None,
    *,
    query: np.ndarray | None = None,
    query_metric: LocalMetric | None = None,
    tree: cKDTree | None = None,
    chunk_size: int = _CHUNK,
):
    r"""All pairs with metric distance :math:`d^2 \le` ``radius2``.

    Parameters
    ----------
    Y : ndarray of shape (N, d)
        The data (observations).
    radius2 : float
        Squared radius :math:`R^2` in the metric.
    metric : LocalMetric, optional
        Metric at the data points; ``None`` means Euclidean.
    query : ndarray of shape (Q, d), optional
        Query points (default: ``Y`` itself, giving the symmetric graph of the data).
    query_metric : LocalMetric, optional
        Metric at the query points (required when ``metric`` is given and ``query`` is not
        ``Y``).
    tree : cKDTree, optional
        A tree on ``Y`` to reuse.
    chunk_size : int, default 16384
        Query points processed at once (bounds the memory of candidate pairs).

    Returns
    -------
    rows, cols : ndarray of int64
        Query index and data index of each kept pair (self-pairs included when ``query`` is
        ``Y``).
    d2 : ndarray of float64
        Their squared metric distances.
    """
    if query is None:
        query, query_metric = Y, metric
    elif metric is not None and query_metric is None:
        raise ValueError("query_metric is required to search new points in a Mahalanobis metric.")
    tree = build_tree(Y) if tree is None else tree
    if metric is None:
        eucl_r = np.full(len(query), np.sqrt(radius2))
    else:
        lam_data = metric.min_eigenvalue()
        lam_q = query_metric.min_eigenvalue()
        eucl_r = np.sqrt(2.0 * radius2 / (lam_q + lam_data.min()))
    out_r, out_c, out_d = [], [], []
    for start in range(0, len(query), chunk_size):
        sl = slice(start, min(start + chunk_size, len(query)))
        r, c = _ball_candidates(tree, query[sl], eucl_r[sl])
        r += start
        delta = query[r] - Y[c]
        e2 = np.einsum("pd,pd->p", delta, delta)
        if metric is None:
            d2 = e2
        else:
            # the pairwise bound |delta|^2 (lam_i + lam_j) <= 2 R^2 is cheap: filter first
            ok = e2 * (lam_q[r] + lam_data[c]) <= 2.0 * radius2
            r, c, delta = r[ok], c[ok], delta[ok]
            d2 = 0.5 * (query_metric.quadratic(r, delta) + metric.quadratic(c, delta))
        keep = d2 <= radius2
        out_r.append(r[keep])
        out_c.append(c[keep])
        out_d.append(d2[keep])
    return np.concatenate(out_r), np.concatenate(out_c), np.concatenate(out_d)


def metric_knn_distances(
    Y: np.ndarray,
    k: int,
    metric: LocalMetric | None = None,
    *,
    tree: cKDTree | None = None,
    n_candidates: int | None = None,
) -> np.ndarray:
    """Squared metric distance of every point to its ``k``-th nearest other point.

    The candidates are the ``n_candidates`` Euclidean nearest neighbours (default
    ``max(4k, 32)``), so in a Mahalanobis metric the value is an *upper bound* of the exact
    k-th neighbour distance (exact in the Euclidean case).  :class:`~netequiv.DiffusionMaps`
    uses it only to bracket the bandwidth and then recomputes it exactly on the radius graph.

    Returns
    -------
    ndarray of shape (N,)
    """
    tree = build_tree(Y) if tree is None else tree
    N = len(Y)
    if metric is None:
        dist, _ = tree.query(Y, k=k + 1, workers=-1)
        return dist[:, k] ** 2
    m = int(min(N, n_candidates or max(4 * k, 32)))
    out = np.empty(N)
    for start in range(0, N, _CHUNK):
        sl = slice(start, min(start + _CHUNK, N))
        _, idx = tree.query(Y[sl], k=m, workers=-1)
        rows = np.repeat(np.arange(sl.start, sl.stop), m)
        cols = idx.ravel()
        delta = Y[rows] - Y[cols]
        d2 = (0.5 * (metric.quadratic(rows, delta) + metric.quadratic(cols, delta))).reshape(-1, m)
        out[sl] = np.partition(d2, k, axis=1)[:, k]
    return out
