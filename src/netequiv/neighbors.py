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
:math:`R` are dropped.  The query points are processed in chunks holding at most a few
million candidate pairs.  In the Euclidean case (no metric) one dual-tree traversal per chunk
(``cKDTree.sparse_distance_matrix``) returns the pairs together with their distances.

The result is assembled directly in compressed sparse row form (:func:`radius_graph_csr`,
int32 column indices below 2**31 samples), so memory stays proportional to the number of kept
pairs; no dense N x N array is ever formed.
"""

from __future__ import annotations

import numpy as np
import itertools

import scipy.sparse as sp
from scipy.spatial import cKDTree

from .metric import LocalMetric

__all__ = ["metric_radius_graph", "radius_graph_csr", "metric_knn_distances", "build_tree"]

_CHUNK = 16384
_CANDIDATES = 4_000_000


def _chunk_bounds(counts: np.ndarray, max_rows: int, max_pairs: int) -> list[int]:
    """Split rows into consecutive chunks of <= max_rows rows and (about) <= max_pairs pairs."""
    bounds = [0]
    csum = np.cumsum(counts)
    n = len(counts)
    while bounds[-1] < n:
        start = bounds[-1]
        base = csum[start - 1] if start else 0
        stop = int(np.searchsorted(csum, base + max_pairs, side="right"))
        bounds.append(min(max(stop, start + 1), start + max_rows, n))
    return bounds


def build_tree(Y: np.ndarray) -> cKDTree:
    """A k-d tree on the observations (sliding-midpoint splits, no data copy)."""
    return cKDTree(Y, balanced_tree=False, compact_nodes=False, copy_data=False)


def _index_dtype(n: int):
    """int32 indices while they fit (half the memory of int64 at a million points)."""
    return np.int32 if n < np.iinfo(np.int32).max else np.int64


def _csr_from_lists(lists, n_cols: int):
    """``indptr`` (int64) and ``indices`` of a CSR matrix whose row ``i`` holds ``lists[i]``."""
    lens = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
    indptr = np.zeros(len(lists) + 1, dtype=np.int64)
    np.cumsum(lens, out=indptr[1:])
    indices = np.fromiter(itertools.chain.from_iterable(lists), dtype=_index_dtype(n_cols), count=int(indptr[-1]))
    return indptr, indices


def _row_index(indptr: np.ndarray) -> np.ndarray:
    """Row of every stored entry of a CSR matrix."""
    n = len(indptr) - 1
    return np.repeat(np.arange(n, dtype=_index_dtype(n)), np.diff(indptr))


def _sq_dist_rows(A: np.ndarray, ia: np.ndarray, B: np.ndarray, ib: np.ndarray) -> np.ndarray:
    r"""``|A[ia] - B[ib]|^2`` one coordinate at a time (no (P, d) temporaries)."""
    out = np.zeros(len(ia))
    for j in range(A.shape[1]):
        t = A[:, j][ia]
        t -= B[:, j][ib]
        t *= t
        out += t
    return out


def _delta_rows(A: np.ndarray, ia: np.ndarray, B: np.ndarray, ib: np.ndarray) -> np.ndarray:
    """``A[ia] - B[ib]`` of shape (P, d)."""
    delta = A[ia]
    delta -= B[ib]
    return delta


def _euclidean_chunk(tree: cKDTree, Q: np.ndarray, radius: float, n_cols: int):
    """CSR pieces (indptr, indices, d2) of all tree points within ``radius`` of the rows of ``Q``.

    One dual-tree traversal (``sparse_distance_matrix``) returns the pairs *with* their
    distances, which is several times faster than ball queries followed by a gather.
    """
    qtree = cKDTree(Q, balanced_tree=False, compact_nodes=False, copy_data=False)
    pairs = qtree.sparse_distance_matrix(tree, radius, output_type="ndarray")
    i = pairs["i"].astype(np.int32) if len(Q) < np.iinfo(np.int32).max else pairs["i"]
    counts = np.bincount(i, minlength=len(Q))
    order = np.argsort(i, kind="stable")
    indptr = np.zeros(len(Q) + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    indices = pairs["j"][order].astype(_index_dtype(n_cols))
    d2 = pairs["v"][order]
    del pairs, order, i
    d2 *= d2
    return indptr, indices, d2


def radius_graph_csr(
    Y: np.ndarray,
    radius2: float,
    metric: LocalMetric | None = None,
    *,
    query: np.ndarray | None = None,
    query_metric: LocalMetric | None = None,
    tree: cKDTree | None = None,
    chunk_size: int = _CHUNK,
):
    r"""All pairs with metric distance :math:`d^2 \le` ``radius2``, as a CSR matrix.

    Same search as :func:`metric_radius_graph`, but returned in compressed sparse row form
    (one row per query point, columns not sorted within a row), built chunk by chunk so that
    the peak memory stays close to that of the result.

    Returns
    -------
    scipy.sparse.csr_matrix of shape (Q, N)
        Squared metric distances of the kept pairs (explicit zeros on the diagonal when
        ``query`` is ``Y``); indices are int32 when N < 2**31.

    Raises
    ------
    ValueError
        If ``metric`` is given, ``query`` is not ``Y`` and ``query_metric`` is missing.
    """
    if query is None:
        query, query_metric = Y, metric
    elif metric is not None and query_metric is None:
        raise ValueError("query_metric is required to search new points in a Mahalanobis metric.")
    tree = build_tree(Y) if tree is None else tree
    n_cols = len(Y)
    if metric is not None:
        lam_data = metric.min_eigenvalue()
        lam_q = query_metric.min_eigenvalue()
        # a hair wider than the bound, so rounding in the tree never drops a pair on one side only
        eucl_r = np.sqrt(2.0 * radius2 / (lam_q + lam_data.min())) * (1.0 + 1e-12)
    ptrs, idxs, vals = [np.zeros(1, dtype=np.int64)], [], []
    offset = 0
    if metric is None:
        bounds = list(range(0, len(query), chunk_size)) + [len(query)]
    else:
        # chunks of at most ~_CANDIDATES candidate pairs: the candidate lists are Python
        # objects (tens of bytes per pair), so their number, not the number of queries, bounds memory
        counts = tree.query_ball_point(query, eucl_r, workers=-1, return_length=True)
        bounds = _chunk_bounds(np.asarray(counts, dtype=np.int64), chunk_size, _CANDIDATES)
    for start, stop in zip(bounds[:-1], bounds[1:]):
        sl = slice(start, stop)
        if metric is None:
            indptr, c, d2 = _euclidean_chunk(tree, query[sl], np.sqrt(radius2) * (1.0 + 1e-12), n_cols)
            keep = d2 <= radius2
        else:
            lists = tree.query_ball_point(query[sl], eucl_r[sl], workers=-1, return_sorted=False)
            indptr, c = _csr_from_lists(lists, n_cols)
            del lists
            r = _row_index(indptr)
            r += start
            e2 = _sq_dist_rows(query, r, Y, c)
            # the pairwise bound |delta|^2 (lam_i + lam_j) <= 2 R^2 is cheap: filter first
            ok = e2 * (lam_q[r] + lam_data[c]) <= 2.0 * radius2
            del e2
            r, c = r[ok], c[ok]
            indptr = np.zeros_like(indptr)
            np.cumsum(np.bincount(r - start, minlength=sl.stop - sl.start), out=indptr[1:])
            d2 = np.empty(len(r))
            delta = None
            for s0 in range(0, len(r), 1 << 20):  # bound the (P, d) displacement temporaries
                s1 = min(s0 + (1 << 20), len(r))
                delta = _delta_rows(query, r[s0:s1], Y, c[s0:s1])
                d2[s0:s1] = 0.5 * (query_metric.quadratic(r[s0:s1], delta) + metric.quadratic(c[s0:s1], delta))
            del r, delta
            keep = d2 <= radius2
        if not keep.all():
            rows = _row_index(indptr)[~keep]
            indptr = indptr - np.concatenate(([0], np.cumsum(np.bincount(rows, minlength=len(indptr) - 1))))
            c, d2 = c[keep], d2[keep]
        ptrs.append(indptr[1:] + offset)
        idxs.append(c)
        vals.append(d2)
        offset += len(c)
    indptr = np.concatenate(ptrs)
    indices = np.concatenate(idxs) if len(idxs) > 1 else idxs[0]
    data = np.concatenate(vals) if len(vals) > 1 else vals[0]
    del ptrs, idxs, vals
    if indptr[-1] < np.iinfo(np.int32).max and indices.dtype == np.int32:
        indptr = indptr.astype(np.int32)
    return sp.csr_matrix((data, indices, indptr), shape=(len(query), n_cols), copy=False)


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
    rows, cols : ndarray of int (int32 when N < 2**31)
        Query index and data index of each kept pair (self-pairs included when ``query`` is
        ``Y``), grouped by row.
    d2 : ndarray of float64
        Their squared metric distances.

    Raises
    ------
    ValueError
        If ``metric`` is given, ``query`` is not ``Y`` and ``query_metric`` is missing.

    Notes
    -----
    Euclidean case: one dual-tree traversal per chunk of query points returns the pairs
    within :math:`R` with their distances.  Mahalanobis case: ball queries with the per-point
    radii of the module notes, the pairwise eigenvalue bound, then the exact distance on the
    surviving candidates.  See :func:`radius_graph_csr` for the same result as a sparse matrix.
    """
    G = radius_graph_csr(Y, radius2, metric, query=query, query_metric=query_metric, tree=tree, chunk_size=chunk_size)
    return _row_index(G.indptr), G.indices, G.data


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
