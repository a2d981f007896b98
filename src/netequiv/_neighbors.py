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

The Euclidean ball above must be wide enough for the *most stretched* direction of the
metric, so for an anisotropic metric it holds many more candidates than the metric ball
(about 9 per kept pair on a swiss roll).  When the observations have at most
``_WHITEN_MAX_DIM`` features we therefore search in *block-whitened* coordinates instead.
The query points are taken in k-d tree leaf order and cut into blocks of nearby points.
For a block :math:`c` let :math:`\bar M_c = L_c L_c^\top` be its mean metric and

.. math::

    \mu_c = \min_{i \in c} \lambda_{\min}\big(L_c^{-1} M_i L_c^{-\top}\big), \qquad
    A_c = \sqrt{\mu_c}\, L_c^\top ,

so that :math:`\|A_c\Delta\|^2 \le \Delta^\top M_i \Delta` for every :math:`i` in the block.
The data are cut into blocks :math:`b` the same way, and
:math:`\mu_{cb} = \sigma_{\min}(A_b A_c^{-1})^2` gives
:math:`\Delta^\top M_j \Delta \ge \mu_{cb} \|A_c\Delta\|^2` for every :math:`j` in :math:`b`.
Hence

.. math::

    d^2_{ij} \ge \tfrac12 (1 + \mu_{cb}) \|A_c y_i - A_c y_j\|^2 ,

a Euclidean ball in the block's whitened coordinates that hugs the metric ellipsoid.  One
tree query per block (the ball above around the block) gives the data points that can
matter, the whitened distances of all block-by-data pairs (one small matrix product,
widened by its rounding error) give the candidate pairs, and the exact distance
decides.  The candidates per kept pair drop from about 9 to about 3.5 on a swiss roll
(1.5 on a sheet in 10-D).  Both searches return exactly the same pairs and distances.

The result is assembled directly in compressed sparse row form (:func:`radius_graph_csr`,
int32 column indices below 2**31 samples), so memory stays proportional to the number of kept
pairs; no dense N x N array is ever formed.
"""

from __future__ import annotations

import itertools
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import scipy.sparse as sp
from scipy.spatial import cKDTree

from .metric import LocalMetric

__all__ = ["metric_radius_graph", "radius_graph_csr", "metric_knn_distances", "build_tree", "spatial_order"]

_CHUNK = 16384
_CANDIDATES = 4_000_000
_BLOCK = 64  # query (and data) points per whitened block (32-128 measured; 64 fastest)
_WHITEN_MAX_DIM = 64  # above this many features the blockwise d x d algebra costs more than it saves
_SLACK = 1e-9  # relative widening of every pruning bound (rounding must never drop a pair)


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


def _n_threads(n_jobs: int) -> int:
    """Threads for ``n_jobs`` (-1: the cores this process may run on)."""
    if n_jobs != -1:
        return int(n_jobs)
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def spatial_order(Y: np.ndarray, tree: cKDTree | None = None) -> np.ndarray:
    """Permutation that puts the samples in k-d tree leaf order.

    Consecutive samples in this order are close in space, so blocks of them are compact
    (the whitened search) and sparse matrices built in this order touch memory locally
    (matrix-vector products about 1.6 times faster at 64,000 points).
    """
    tree = build_tree(Y) if tree is None else tree
    return np.asarray(tree.indices, dtype=np.intp)


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
    delta = np.take(A, ia, axis=0)
    delta -= np.take(B, ib, axis=0)
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
    presorted: bool = False,
    search: str = "auto",
    n_jobs: int = -1,
    kth: int | None = None,
):
    r"""All pairs with metric distance :math:`d^2 \le` ``radius2``, as a CSR matrix.

    Same search as :func:`metric_radius_graph`, but returned in compressed sparse row form
    (one row per query point, columns not sorted within a row), built block by block so that
    the peak memory stays close to that of the result.

    Parameters
    ----------
    presorted : bool, default False
        The query rows are already in a spatially coherent order (e.g.
        :func:`~netequiv._neighbors.spatial_order`); otherwise they are processed in k-d tree
        leaf order and the rows put back at the end.
    search : {"auto", "whitened", "ball"}
        Mahalanobis candidate search (module notes): block-whitened coordinates, or per-point
        Euclidean balls.  ``"auto"`` whitens up to ``_WHITEN_MAX_DIM`` features.  Both give
        the same graph.
    n_jobs : int, default -1
        Threads for the Euclidean and the whitened search (-1: every available core).
    kth : int, optional
        Also return, for every query row, its k-th smallest kept squared distance (index
        ``kth`` in sorted order, so with the query in the data the self-pair at 0 counts as
        the first; rows with at most ``kth`` pairs give their largest).  Computed block by
        block while the graph is built.

    Returns
    -------
    scipy.sparse.csr_matrix of shape (Q, N)
        Squared metric distances of the kept pairs (explicit zeros on the diagonal when
        ``query`` is ``Y``); indices are int32 when N < 2**31.
    ndarray of shape (Q,)
        Only with ``kth``: the k-th smallest squared distance of each row.

    Raises
    ------
    ValueError
        If ``metric`` is given, ``query`` is not ``Y`` and ``query_metric`` is missing, or
        ``search`` is unknown.
    """
    if search not in ("auto", "whitened", "ball"):
        raise ValueError(f"search must be 'auto', 'whitened' or 'ball', got {search!r}.")
    same = query is None or query is Y
    if same:
        query, query_metric = Y, metric
    elif metric is not None and query_metric is None:
        raise ValueError("query_metric is required to search new points in a Mahalanobis metric.")
    tree = build_tree(Y) if tree is None else tree
    order = None
    if not presorted:
        order = spatial_order(query, tree if same else None)
        query = query[order]
        if query_metric is not None:
            query_metric = query_metric[order]
    n_threads = _n_threads(n_jobs)
    if metric is None:
        out = _euclidean_csr(tree, query, radius2, len(Y), n_threads, kth)
    elif search == "ball" or (search == "auto" and Y.shape[1] > _WHITEN_MAX_DIM):
        out = _ball_csr(tree, Y, metric, query, query_metric, radius2, chunk_size, kth)
    else:
        data_order = (np.arange(len(Y)) if order is None else order) if same else spatial_order(Y, tree)
        out = _whitened_csr(tree, Y, metric, query, query_metric, radius2, data_order, same, n_threads, kth)
    G, kv = out if kth is not None else (out, None)
    if order is not None:
        inv = np.argsort(order)
        G = G[inv]
        kv = None if kv is None else kv[inv]
    return G if kth is None else (G, kv)


def _piece_kth(counts: np.ndarray, d2: np.ndarray, k: int) -> np.ndarray:
    """k-th smallest value of each row of a CSR piece (rows with <= k entries: their largest)."""
    if len(d2) == 0:
        return np.zeros(len(counts))
    start = np.zeros(len(counts), dtype=np.int64)
    np.cumsum(counts[:-1], out=start[1:])
    rows = np.repeat(np.arange(len(counts)), counts)
    pad = np.full((len(counts), int(counts.max())), -np.inf)
    pad[rows, np.arange(len(d2)) - start[rows]] = d2
    big = counts > k
    out = pad.max(axis=1)  # short rows
    if big.any():
        full = pad[big]
        full[np.isneginf(full)] = np.inf
        out[big] = np.partition(full, k, axis=1)[:, k]
    return out


def _assemble(pieces, n_rows: int, n_cols: int, kth: int | None = None):
    """CSR matrix from consecutive row pieces ``(row_counts, indices, values)``.

    With ``kth``, also the k-th smallest value of every row (see :func:`radius_graph_csr`).
    """
    kv = None if kth is None else np.concatenate([_piece_kth(p[0], p[2], kth) for p in pieces])
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(np.concatenate([p[0] for p in pieces]), out=indptr[1:])
    indices = np.concatenate([p[1] for p in pieces])
    data = np.concatenate([p[2] for p in pieces])
    pieces.clear()
    if indptr[-1] < np.iinfo(np.int32).max and indices.dtype == np.int32:
        indptr = indptr.astype(np.int32)
    G = sp.csr_matrix((data, indices, indptr), shape=(n_rows, n_cols), copy=False)
    return G if kth is None else (G, kv)


def _map_pieces(fn, starts, n_threads: int):
    """``[fn(s) for s in starts]``, on ``n_threads`` threads (order kept).

    The work inside (k-d tree searches, NumPy gathers and arithmetic) releases the GIL.
    BLAS is limited to one thread meanwhile: the products are small, and BLAS worker threads
    would compete with ours.
    """
    limits = _single_threaded_blas()
    try:
        if n_threads <= 1 or len(starts) < 2:
            return [fn(s) for s in starts]
        with ThreadPoolExecutor(min(n_threads, len(starts))) as pool:
            return list(pool.map(fn, starts))
    finally:
        if limits is not None:
            limits.restore_original_limits()


def _single_threaded_blas():
    """Limit BLAS to one thread until ``.restore_original_limits()`` (None without threadpoolctl)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # scikit-learn brings it; without it BLAS keeps its threads
        return None
    return threadpool_limits(limits=1, user_api="blas")


def _drop_far(indptr, c, d2, radius2):
    """Remove the entries with ``d2 > radius2`` from one CSR piece; returns row counts."""
    keep = d2 <= radius2
    counts = np.diff(indptr)
    if keep.all():
        return counts, c, d2
    rows = _row_index(indptr)[~keep]
    return counts - np.bincount(rows, minlength=len(counts)), c[keep], d2[keep]


def _euclidean_csr(tree, query, radius2, n_cols, n_threads, kth=None):
    """Euclidean radius graph: one dual-tree traversal per chunk of query rows."""
    step = 4096

    def piece(start):
        indptr, c, d2 = _euclidean_chunk(tree, query[start : start + step], np.sqrt(radius2) * (1.0 + 1e-12), n_cols)
        return _drop_far(indptr, c, d2, radius2)

    pieces = _map_pieces(piece, list(range(0, len(query), step)), n_threads)
    return _assemble(pieces, len(query), n_cols, kth)


def _exact_d2(query, query_metric, r, Y, metric, c):
    r""":math:`\tfrac12 \Delta^\top (M_r + M_c) \Delta` for the pairs ``(r, c)``.

    The same floating-point operations for (i, j) and (j, i), so a graph of the data with
    itself is exactly symmetric.
    """
    d2 = np.empty(len(r))
    for s0 in range(0, len(r), 1 << 20):  # bound the (P, d) displacement temporaries
        s1 = min(s0 + (1 << 20), len(r))
        delta = _delta_rows(query, r[s0:s1], Y, c[s0:s1])
        d2[s0:s1] = 0.5 * (query_metric.quadratic(r[s0:s1], delta) + metric.quadratic(c[s0:s1], delta))
    return d2


def _ball_csr(tree, Y, metric, query, query_metric, radius2, chunk_size, kth=None):
    """Mahalanobis radius graph from per-point Euclidean candidate balls (any dimension)."""
    n_cols = len(Y)
    lam_data = metric.min_eigenvalue()
    lam_q = query_metric.min_eigenvalue()
    # a hair wider than the bound, so rounding in the tree never drops a pair on one side only
    eucl_r = np.sqrt(2.0 * radius2 / (lam_q + lam_data.min())) * (1.0 + 1e-12)
    # chunks of at most ~_CANDIDATES candidate pairs: the candidate lists are Python
    # objects (tens of bytes per pair), so their number, not the number of queries, bounds memory
    counts = tree.query_ball_point(query, eucl_r, workers=-1, return_length=True)
    bounds = _chunk_bounds(np.asarray(counts, dtype=np.int64), chunk_size, _CANDIDATES)
    pieces = []
    for start, stop in zip(bounds[:-1], bounds[1:]):
        lists = tree.query_ball_point(query[start:stop], eucl_r[start:stop], workers=-1, return_sorted=False)
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
        np.cumsum(np.bincount(r - start, minlength=stop - start), out=indptr[1:])
        d2 = _exact_d2(query, query_metric, r, Y, metric, c)
        del r
        pieces.append(_drop_far(indptr, c, d2, radius2))
    return _assemble(pieces, len(query), n_cols, kth)


def _block_whiteners(metric: LocalMetric, order: np.ndarray, m: int) -> np.ndarray:
    r"""Matrices :math:`A_b` (nb, d, d) with :math:`\|A_b\Delta\|^2 \le \Delta^\top M_i\Delta`.

    Block ``b`` holds the samples ``order[b*m:(b+1)*m]`` (module notes: :math:`A_b =
    \sqrt{\mu_b} L_b^\top` from the Cholesky factor of the block's mean metric).
    """
    n, d = len(order), metric.n_features
    nb = -(-n // m)
    idx = np.concatenate([order, np.repeat(order[-1:], nb * m - n)]).reshape(nb, m)
    A = np.empty((nb, d, d))
    step = max(1, (8 << 20) // (m * d * d))  # blocks per batch: ~64 MB of dense matrices
    for s0 in range(0, nb, step):
        s1 = min(nb, s0 + step)
        Mi = metric[idx[s0:s1].ravel()].matrices().reshape(s1 - s0, m, d, d)
        L = np.linalg.cholesky(Mi.mean(axis=1))
        Linv = np.linalg.inv(L)
        W = Linv[:, None] @ Mi @ np.swapaxes(Linv, -1, -2)[:, None]
        ev = np.linalg.eigvalsh(W)
        # the smallest eigenvalue over the block, less its rounding error and a relative slack
        mu = ev[..., 0].min(axis=1) - 1e-12 * ev[..., -1].max(axis=1)
        mu = np.maximum(mu * (1.0 - _SLACK), 0.0)
        A[s0:s1] = np.sqrt(mu)[:, None, None] * np.swapaxes(L, -1, -2)
    return A


def _whitened_csr(tree, Y, metric, query, query_metric, radius2, data_order, same, n_threads, kth=None):
    """Mahalanobis radius graph from the block-whitened search of the module notes.

    ``query`` is in a spatially coherent order; its consecutive blocks of ``_BLOCK`` rows are
    the query blocks.  The data blocks follow ``data_order``; when ``same`` the data are the
    query points and share their blocks.
    """
    n_cols, m = len(Y), _BLOCK
    lam_data_min = metric.min_eigenvalue().min()
    lam_q = query_metric.min_eigenvalue()
    A_q = _block_whiteners(query_metric, np.arange(len(query)), m)
    A_d = A_q if same else _block_whiteners(metric, data_order, m)
    block_of = np.empty(n_cols, dtype=np.intp)
    block_of[data_order] = np.arange(n_cols) // m
    two_r2 = 2.0 * radius2 * (1.0 + _SLACK)
    idx_dtype = _index_dtype(n_cols)

    def block(start):
        stop = min(start + m, len(query))
        Qb = query[start:stop]
        center = Qb.mean(axis=0)
        rho = np.sqrt(((Qb - center) ** 2).sum(axis=1).max())
        # data that can be within R of some block point (isotropic bound of the module notes)
        r_ball = (rho + np.sqrt(two_r2 / (lam_q[start:stop].min() + lam_data_min))) * (1.0 + _SLACK)
        J = np.asarray(tree.query_ball_point(center, r_ball, return_sorted=True), dtype=np.intp)
        Ac = A_q[start // m]
        # mu_cb = sigma_min(A_b A_c^-1)^2 for the data blocks present
        ub, inv = np.unique(block_of[J], return_inverse=True)
        C = A_d[ub] @ np.linalg.pinv(Ac)
        mu = np.linalg.eigvalsh(np.swapaxes(C, -1, -2) @ C)[:, 0]
        mu = np.maximum(mu * (1.0 - _SLACK) - 1e-12 * np.abs(mu).max(), 0.0)
        rz = np.sqrt(two_r2 / (1.0 + mu[inv]))  # whitened radius of each data point
        Zq = Qb @ Ac.T
        Zd = np.take(Y, J, axis=0) @ Ac.T
        zc = Zq.mean(axis=0)
        rho_z = np.sqrt(((Zq - zc) ** 2).sum(axis=1).max())
        near = np.sqrt(((Zd - zc) ** 2).sum(axis=1)) <= (rho_z + rz) * (1.0 + _SLACK)
        J, Zd, rz = J[near], Zd[near], rz[near]
        # all block x near pairs at once (a few thousand candidates: cheaper than a tree in
        # 10-D); squared distances from one product, widened by its rounding error
        Zq -= zc
        Zd -= zc
        nq, nd = (Zq * Zq).sum(axis=1), (Zd * Zd).sum(axis=1)
        D2 = nq[:, None] + nd[None, :] - 2.0 * (Zq @ Zd.T)
        tol = 1e-12 * (nq.max() + nd.max())
        i, jl = np.nonzero(D2 <= (rz * rz)[None, :] * (1.0 + _SLACK) + tol)
        c = np.take(J, jl).astype(idx_dtype)
        i = i + start
        d2 = _exact_d2(query, query_metric, i, Y, metric, c)
        keep = d2 <= radius2
        return np.bincount(i[keep] - start, minlength=stop - start), c[keep], d2[keep]

    def task(start):  # a few blocks per task: less scheduling overhead
        return [block(s) for s in range(start, min(start + 8 * m, len(query)), m)]

    tasks = _map_pieces(task, list(range(0, len(query), 8 * m)), n_threads)
    return _assemble([p for t in tasks for p in t], len(query), n_cols, kth)


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
        Query points processed at once by the ball search (bounds the memory of candidate
        pairs).

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
        delta = _delta_rows(Y, rows, Y, cols)
        d2 = (0.5 * (metric.quadratic(rows, delta) + metric.quadratic(cols, delta))).reshape(-1, m)
        out[sl] = np.partition(d2, k, axis=1)[:, k]
    return out
