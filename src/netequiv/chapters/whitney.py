r"""Whitney's embedding reasoning, made executable.

How many generic measurements of an :math:`n`-dimensional manifold are enough to
recover it?  Whitney's theorem :cite:`whitney1936differentiable` (and its
measure-theoretic form, *Embedology* :cite:`sauer1991embedology`) says that
:math:`2n+1` generic smooth measurements embed a compact :math:`n`-manifold: the
measurement map is one-to-one and its inverse is smooth.  In the paper this count
tells how many neurons of one network must be observed to reconstruct its input, its
output and every neuron of another network (chapter :doc:`/notebooks/whitney`).

This module holds the demonstrations of that chapter:

* random smooth maps (:class:`RandomSmoothMap`) and the self-intersections of the
  curves they draw (:func:`count_self_intersections`, :func:`self_intersection_points`,
  :func:`min_self_distance`, :func:`self_intersection_survey`);
* preimage counting for scalar functions (:func:`count_preimages`);
* choosing neurons (:func:`choose_neurons`) and testing whether a set of features
  embeds the input manifold by reconstructing the input from them on held-out points
  (:func:`embeds_manifold`, :func:`minimal_embedding_subset`,
  :func:`neuron_embedding_survey`).

Only numpy and scipy are imported here; the interpolator is loaded when first used.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial.distance import cdist

from .._validation import as_2d_float, check_positive, check_random_state, check_same_samples
from .._validation import check_int as _check_int
from ..embedding import choose_neurons, embeds_manifold, false_neighbor_fraction, rank_deficient_fraction

__all__ = [
    "RandomSmoothMap",
    "random_smooth_map",
    "circle",
    "self_intersection_points",
    "count_self_intersections",
    "min_self_distance",
    "self_intersection_survey",
    "neuron_embedding_survey",
]

_ROW_BLOCK = 256  # rows of the pair matrices handled at once (memory bound)


# ----------------------------------------------------------------------------- helpers


# ----------------------------------------------------------------------- random maps


class RandomSmoothMap:
    r"""A random smooth map :math:`\mathbb R^{m} \to \mathbb R^{d}` (a random ridge sum).

    Parameters
    ----------
    in_dim : int
        Input dimension :math:`m`.
    out_dim : int
        Output dimension :math:`d`.
    n_units : int, default=24
        Number :math:`K` of random ridge functions summed per output.
    scale : float, default=2.0
        Standard deviation of the random input weights; larger values give wigglier maps.
    kind : {"tanh", "fourier"}, default="tanh"
        The ridge profile :math:`\sigma`: ``tanh`` or ``cos`` (random Fourier features).
    random_state : None, int or numpy Generator, default=0
        Seed of the weights.

    Attributes
    ----------
    weights_ : ndarray of shape (n_units, in_dim)
    biases_ : ndarray of shape (n_units,)
    coefficients_ : ndarray of shape (out_dim, n_units)

    Raises
    ------
    ValueError
        "in_dim must be an integer >= 1, ..." (likewise ``out_dim`` and ``n_units``);
        "scale must be a finite number > 0, ..."; "kind must be 'tanh' or 'fourier', ...".

    Notes
    -----
    With weights :math:`w_k \sim \mathcal N(0, s^2 I)`, biases :math:`b_k` uniform
    (in :math:`[-s, s]` for ``tanh``, in :math:`[0, 2\pi)` for ``fourier``) and output
    coefficients :math:`a_{jk} \sim \mathcal N(0, 1)`,

    .. math::

        f_j(z) = \frac{1}{\sqrt K} \sum_{k=1}^{K} a_{jk}\, \sigma(w_k \cdot z + b_k),
        \qquad j = 1, \dots, d.

    For almost every draw of the weights such a map is a *generic* smooth map in the
    sense of Whitney's theorem: its self-intersections are those that every nearby
    map has too.

    Examples
    --------
    >>> f = RandomSmoothMap(2, 3, random_state=0)
    >>> f(np.zeros((4, 2))).shape
    (4, 3)
    """

    def __init__(self, in_dim, out_dim, *, n_units=24, scale=2.0, kind="tanh", random_state=0):
        self.in_dim = _check_int(in_dim, "in_dim", 1)
        self.out_dim = _check_int(out_dim, "out_dim", 1)
        self.n_units = _check_int(n_units, "n_units", 1)
        self.scale = check_positive(scale, "scale")
        if kind not in ("tanh", "fourier"):
            raise ValueError(f"kind must be 'tanh' or 'fourier', got {kind!r}.")
        self.kind = kind
        rng = check_random_state(random_state)
        self.weights_ = rng.normal(0.0, self.scale, size=(self.n_units, self.in_dim))
        if kind == "tanh":
            self.biases_ = rng.uniform(-self.scale, self.scale, size=self.n_units)
        else:
            self.biases_ = rng.uniform(0.0, 2 * np.pi, size=self.n_units)
        self.coefficients_ = rng.normal(size=(self.out_dim, self.n_units))

    def __call__(self, Z) -> np.ndarray:
        """Evaluate the map on ``Z`` of shape (N, in_dim); returns shape (N, out_dim).

        Raises
        ------
        ValueError
            "Z has ... features but the map takes in_dim=..." for the wrong width, and the
            shared input checks (NaN/inf, shape).
        """
        Z = as_2d_float(Z, "Z")
        if Z.shape[1] != self.in_dim:
            raise ValueError(f"Z has {Z.shape[1]} features but the map takes in_dim={self.in_dim}.")
        pre = Z @ self.weights_.T + self.biases_
        ridge = np.tanh(pre) if self.kind == "tanh" else np.cos(pre)
        return ridge @ self.coefficients_.T / np.sqrt(self.n_units)

    def __repr__(self) -> str:
        return (
            f"RandomSmoothMap(in_dim={self.in_dim}, out_dim={self.out_dim}, n_units={self.n_units}, "
            f"scale={self.scale}, kind={self.kind!r})"
        )


def random_smooth_map(in_dim, out_dim, *, n_units=24, scale=2.0, kind="tanh", random_state=0):
    """Shorthand for :class:`RandomSmoothMap` (same parameters); returns the callable map."""
    return RandomSmoothMap(in_dim, out_dim, n_units=n_units, scale=scale, kind=kind, random_state=random_state)


def circle(n_points=400):
    r"""Equally spaced points on the unit circle.

    Parameters
    ----------
    n_points : int, default=400
        Number of points (at least 4).

    Returns
    -------
    t : ndarray of shape (n_points,)
        Angles :math:`t_k = 2\pi k / N`, :math:`k = 0, \dots, N-1` (the end point is not
        repeated: the curve is closed).
    Z : ndarray of shape (n_points, 2)
        The points :math:`(\cos t_k, \sin t_k)`.

    Raises
    ------
    ValueError
        "n_points must be an integer >= 4, ...".

    Examples
    --------
    >>> t, Z = circle(8)
    >>> Z.shape
    (8, 2)
    """
    n_points = _check_int(n_points, "n_points", 4)
    t = 2 * np.pi * np.arange(n_points) / n_points
    return t, np.column_stack([np.cos(t), np.sin(t)])


# ------------------------------------------------------------------ self-intersections


def _segments(curve: np.ndarray, closed: bool):
    """Start and end points of the polygon's edges."""
    start = curve
    end = np.roll(curve, -1, axis=0)
    if not closed:
        start, end = start[:-1], end[:-1]
    return start, end


def _index_gap(i: np.ndarray, j: np.ndarray, m: int, closed: bool) -> np.ndarray:
    """Number of edges between edges i and j along the curve (cyclic when closed)."""
    gap = np.abs(i - j)
    return np.minimum(gap, m - gap) if closed else gap


def _cross2(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0]


def _crossing_pairs_2d(start, end, closed):
    """Pairs (i, j), i < j, of non-adjacent edges that cross, and the crossing points."""
    m = len(start)
    d = end - start
    pairs, points = [], []
    for r0 in range(0, m, _ROW_BLOCK):
        rows = np.arange(r0, min(r0 + _ROW_BLOCK, m))
        p, r = start[rows, None, :], d[rows, None, :]
        q, s = start[None, :, :], d[None, :, :]
        qp = q - p
        denom = _cross2(r, s)
        with np.errstate(divide="ignore", invalid="ignore"):
            t = _cross2(qp, s) / denom
            u = _cross2(qp, r) / denom
        # a little slack so that a crossing through a vertex is not lost to round-off; the
        # (up to four) edge pairs that then report it are merged into one event later
        slack = 1e-9
        hit = (denom != 0) & (t >= -slack) & (t <= 1 + slack) & (u >= -slack) & (u <= 1 + slack)
        ii, jj = np.nonzero(hit)
        ii = rows[ii]
        keep = (ii < jj) & (_index_gap(ii, jj, m, closed) > 1)
        ii, jj = ii[keep], jj[keep]
        pairs.append(np.column_stack([ii, jj]))
        points.append(start[ii] + t[ii - r0, jj][:, None] * d[ii])
    return np.concatenate(pairs), np.concatenate(points)


def _segment_distances(p, r, q, s):
    """Distances between segments p + a r and q + b s (a, b in [0, 1]), broadcast; and the midpoints."""
    w = p - q
    rr = np.sum(r * r, axis=-1)
    ss = np.sum(s * s, axis=-1)
    rs = np.sum(r * s, axis=-1)
    rw = np.sum(r * w, axis=-1)
    sw = np.sum(s * w, axis=-1)
    den = rr * ss - rs**2
    tiny = 1e-300
    # unconstrained minimiser in a, clamped; then b from a, clamped; then a again from b
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.where(den > 1e-14 * rr * ss, (rs * sw - ss * rw) / np.maximum(den, tiny), 0.0)
        a = np.clip(a, 0.0, 1.0)
        b = np.clip((rs * a + sw) / np.maximum(ss, tiny), 0.0, 1.0)
        a = np.clip((rs * b - rw) / np.maximum(rr, tiny), 0.0, 1.0)
    pa = p + a[..., None] * r
    qb = q + b[..., None] * s
    return np.linalg.norm(pa - qb, axis=-1), 0.5 * (pa + qb)


def _close_pairs(start, end, closed, tol):
    """Pairs (i, j), i < j, of edges closer than tol that are far apart along the curve."""
    from scipy.spatial import cKDTree

    m = len(start)
    d = end - start
    seg_len = np.linalg.norm(d, axis=1)
    # arc length from the start of the curve to the start of each edge
    arc0 = np.concatenate([[0.0], np.cumsum(seg_len)[:-1]])
    total = seg_len.sum()
    # candidates: two edges closer than tol have midpoints closer than tol + the longest edge
    cand = cKDTree(start + 0.5 * d).query_pairs(tol + seg_len.max(), output_type="ndarray")
    ii, jj = np.sort(cand, axis=1).T if len(cand) else (np.zeros(0, int), np.zeros(0, int))
    # a sharp turn brings nearby edges close without the curve meeting itself: only edges
    # more than 1 % of the samples and 3 tol of arc length apart count
    between = arc0[jj] - (arc0[ii] + seg_len[ii])
    if closed:
        between = np.minimum(between, total - (arc0[jj] + seg_len[jj]) + arc0[ii])
    keep = (_index_gap(ii, jj, m, closed) > max(1, int(0.01 * m))) & (between > 3.0 * tol)
    ii, jj = ii[keep], jj[keep]
    dist, mid = _segment_distances(start[ii], d[ii], start[jj], d[jj])
    close = dist < tol
    order = np.lexsort((jj[close], ii[close]))
    return np.column_stack([ii[close], jj[close]])[order], mid[close][order]


def _events(pairs: np.ndarray, m: int, closed: bool) -> list[np.ndarray]:
    """Group neighbouring edge pairs into events (one per crossing or near-contact)."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    def near(a, b):
        return _index_gap(a[:, None], b[None, :], m, closed) <= 1

    i, j = pairs[:, 0], pairs[:, 1]
    linked = (near(i, i) & near(j, j)) | (near(i, j) & near(j, i))
    _, labels = connected_components(csr_matrix(linked), directed=False)
    return [np.flatnonzero(labels == r) for r in np.unique(labels)]


def _fold_indices(values: np.ndarray, closed: bool) -> np.ndarray:
    """Indices of the samples where a 1-D sequence turns back (strict local extrema)."""
    v = values[:, 0]
    step = np.diff(np.concatenate([v, v[:1]])) if closed else np.diff(v)
    moving = np.flatnonzero(step != 0)  # steps that change the value
    if moving.size < 2:
        return np.zeros(0, dtype=int)
    sgn = np.sign(step[moving])
    nxt = np.roll(sgn, -1) if closed else sgn[1:]
    turns = moving[: len(nxt)][sgn[: len(nxt)] != nxt]
    # the turning sample is the end point of the last step before the reversal
    return np.sort((turns + 1) % len(v))


def self_intersection_points(curve, *, closed=True, tol=None) -> np.ndarray:
    r"""Where a sampled curve fails to be embedded: folds, crossings or near-contacts.

    Parameters
    ----------
    curve : array-like of shape (N, d) or (N,)
        Consecutive samples of a curve in :math:`\mathbb R^d`, joined by straight edges.
    closed : bool, default=True
        Whether the last sample is joined back to the first.
    tol : float or None, default=None
        Only for :math:`d \ge 3`: edges closer than ``tol`` count as a near-contact when
        they are more than :math:`3\,\mathrm{tol}` apart along the curve and more than
        1 % of the samples apart (so that a sharp turn is not mistaken for a contact).
        ``None`` means :math:`10^{-4}` times the diameter of the curve's bounding box.

    Returns
    -------
    points : ndarray of shape (k, d)
        One point per event: for :math:`d = 1` the values at the folds (turning points);
        for :math:`d = 2` the crossings of non-adjacent edges; for :math:`d \ge 3`
        the midpoint of the closest pair of edges of each near-contact.

    Raises
    ------
    ValueError
        "curve has ... samples, but at least 4 are needed." and the shared input checks
        (NaN/inf, shape); "tol must be a finite number > 0, ..." for a bad ``tol``.

    Notes
    -----
    A map :math:`f: S^1 \to \mathbb R^d` is an embedding when it is one-to-one (and
    immersive). In :math:`\mathbb R^1` this is impossible: a closed curve reaches a
    maximum and a minimum, where it folds back, and every value strictly between them
    is attained at least twice. In :math:`\mathbb R^2` the double points
    :math:`f(s) = f(t)`, :math:`s \ne t`, of a generic map are isolated transversal
    crossings that survive small perturbations. In :math:`\mathbb R^3` the pairs
    :math:`(s, t)` form a 2-dimensional family while :math:`f(s) = f(t)` imposes 3
    equations, so a generic map has no double points at all — the case :math:`n = 1`,
    :math:`2n + 1 = 3` of Whitney's theorem :cite:`whitney1936differentiable`.

    Adjacent edges (which share a vertex) are never compared, and neighbouring edge
    pairs that belong to the same crossing or near-contact are merged into one event.

    Examples
    --------
    >>> t = np.linspace(0, 2 * np.pi, 200, endpoint=False)
    >>> self_intersection_points(np.column_stack([np.sin(t), np.sin(2 * t)])).round(6)
    array([[0., 0.]])
    """
    curve = as_2d_float(curve, "curve", min_samples=4)
    n, dim = curve.shape
    closed = bool(closed)
    if dim == 1:
        return curve[_fold_indices(curve, closed)]
    start, end = _segments(curve, closed)
    m = len(start)
    if dim == 2:
        pairs, points = _crossing_pairs_2d(start, end, closed)
    else:
        if tol is None:
            tol = 1e-4 * float(np.linalg.norm(np.ptp(curve, axis=0)))
            if tol == 0:
                return np.zeros((0, dim))
        tol = check_positive(tol, "tol")
        pairs, points = _close_pairs(start, end, closed, tol)
    if len(pairs) == 0:
        return np.zeros((0, dim))
    groups = _events(pairs, m, closed)
    if dim == 2:
        return np.array([points[g[0]] for g in groups])
    # near-contact: report the closest pair of the event
    out = []
    for g in groups:
        seg = pairs[g]
        dist, mid = _segment_distances(
            start[seg[:, 0]], end[seg[:, 0]] - start[seg[:, 0]], start[seg[:, 1]], end[seg[:, 1]] - start[seg[:, 1]]
        )
        out.append(mid[np.argmin(dist)])
    return np.array(out)


def count_self_intersections(curve, *, closed=True, tol=None) -> int:
    r"""Number of folds (:math:`d=1`), crossings (:math:`d=2`) or near-contacts (:math:`d\ge 3`).

    ``len(self_intersection_points(curve, closed=closed, tol=tol))``; see
    :func:`self_intersection_points` for the parameters, errors and the geometry. Zero
    means the sampled curve is embedded (for :math:`d \ge 3`: up to ``tol``); a closed
    curve in :math:`\mathbb R^1` always has at least two folds.

    Examples
    --------
    >>> t = np.linspace(0, 2 * np.pi, 300, endpoint=False)
    >>> count_self_intersections(np.cos(t))               # a circle seen through x: 2 folds
    2
    >>> trefoil = np.column_stack([np.sin(t) + 2 * np.sin(2 * t), np.cos(t) - 2 * np.cos(2 * t)])
    >>> count_self_intersections(trefoil)                  # its shadow crosses itself 3 times
    3
    """
    return int(len(self_intersection_points(curve, closed=closed, tol=tol)))


def min_self_distance(curve, *, closed=True, min_arc=0.05) -> float:
    r"""Smallest distance between samples of a curve that are far apart along it.

    Parameters
    ----------
    curve : array-like of shape (N, d) or (N,)
        Consecutive samples of a curve.
    closed : bool, default=True
        Whether the last sample is joined back to the first.
    min_arc : float, default=0.05
        Pairs of samples closer than ``min_arc`` times the curve's length, measured along
        the curve (the shorter way round when closed), are ignored. Must lie in (0, 0.5).

    Returns
    -------
    distance : float
        :math:`\min \|f(s) - f(t)\|` over the admissible pairs, divided by the diameter
        of the curve's bounding box: 0 for a curve that meets itself (up to the sampling
        step), bounded away from 0 for an embedded one.

    Raises
    ------
    ValueError
        "curve has ... samples, but at least 4 are needed." and the shared input checks;
        "min_arc must lie strictly between 0 and 0.5, ..."; "curve has zero length ...".

    Examples
    --------
    >>> t = np.linspace(0, 2 * np.pi, 400, endpoint=False)
    >>> round(min_self_distance(np.column_stack([np.cos(t), np.sin(t)])), 3)   # chord of 1/20 turn
    0.111
    """
    curve = as_2d_float(curve, "curve", min_samples=4)
    min_arc = check_positive(min_arc, "min_arc")
    if min_arc >= 0.5:
        raise ValueError(f"min_arc must lie strictly between 0 and 0.5, got {min_arc!r}.")
    steps = np.linalg.norm(np.diff(curve, axis=0, append=curve[:1] if closed else None), axis=1)
    total = steps.sum()
    if not total > 0:
        raise ValueError("curve has zero length (all samples coincide); nothing to measure.")
    arc = np.concatenate([[0.0], np.cumsum(steps)])[: len(curve)]
    diam = float(np.linalg.norm(np.ptp(curve, axis=0)))
    best = np.inf
    for r0 in range(0, len(curve), _ROW_BLOCK):
        rows = slice(r0, min(r0 + _ROW_BLOCK, len(curve)))
        sep = np.abs(arc[rows, None] - arc[None, :])
        if closed:
            sep = np.minimum(sep, total - sep)
        dist = cdist(curve[rows], curve)
        dist[sep < min_arc * total] = np.inf
        best = min(best, float(dist.min()))
    return best / diam


def self_intersection_survey(
    dims=(1, 2, 3), *, n_maps=100, n_points=400, n_units=24, scale=2.0, kind="tanh", tol=None, random_state=0
):
    r"""Send the circle through many random smooth maps into :math:`\mathbb R^d` and count.

    Parameters
    ----------
    dims : sequence of int, default=(1, 2, 3)
        Target dimensions :math:`d`.
    n_maps : int, default=100
        Random maps per target dimension.
    n_points : int, default=400
        Samples of the circle.
    n_units, scale, kind
        Passed to :class:`RandomSmoothMap`.
    tol : float or None, default=None
        Near-contact tolerance for :math:`d \ge 3` (:func:`count_self_intersections`).
    random_state : None, int or numpy Generator, default=0
        Seed; map ``k`` of dimension ``d`` is drawn from its own child seed, so results
        do not depend on the order of ``dims``.

    Returns
    -------
    survey : dict
        ``dims`` (ndarray of int), ``counts`` (int ndarray of shape (len(dims), n_maps),
        :func:`count_self_intersections` of each image), ``min_distance`` (shape
        (len(dims), n_maps), :func:`min_self_distance`), ``mean_count`` and
        ``embedded_fraction`` (fraction of maps with zero events), both of shape
        (len(dims),).

    Raises
    ------
    ValueError
        "dims must be a non-empty sequence of integers >= 1, ..." and the errors of
        :class:`RandomSmoothMap` and :func:`circle`.

    Examples
    --------
    >>> s = self_intersection_survey(dims=(1, 3), n_maps=5, n_points=200)
    >>> bool(s["counts"][0].min() >= 2), float(s["embedded_fraction"][1])
    (True, 1.0)
    """
    dims_arr = np.asarray(dims)
    if (
        dims_arr.ndim != 1
        or dims_arr.size == 0
        or not np.issubdtype(dims_arr.dtype, np.integer)
        or (dims_arr < 1).any()
    ):
        raise ValueError(f"dims must be a non-empty sequence of integers >= 1, got {dims!r}.")
    n_maps = _check_int(n_maps, "n_maps", 1)
    _, Z = circle(n_points)
    root = np.random.SeedSequence(int(check_random_state(random_state).integers(2**63)))
    counts = np.zeros((len(dims_arr), n_maps), dtype=int)
    mind = np.zeros((len(dims_arr), n_maps))
    for a, d in enumerate(dims_arr):
        seeds = np.random.SeedSequence(root.entropy, spawn_key=(int(d),)).spawn(n_maps)
        for k, ss in enumerate(seeds):
            f = RandomSmoothMap(
                2, int(d), n_units=n_units, scale=scale, kind=kind, random_state=np.random.default_rng(ss)
            )
            curve = f(Z)
            counts[a, k] = count_self_intersections(curve, tol=tol)
            mind[a, k] = min_self_distance(curve)
    return {
        "dims": dims_arr.astype(int),
        "counts": counts,
        "min_distance": mind,
        "mean_count": counts.mean(axis=1),
        "embedded_fraction": (counts == 0).mean(axis=1),
    }


def neuron_embedding_survey(
    x,
    activations,
    ks=(1, 2, 3),
    *,
    n_trials=20,
    tol=0.05,
    skip_constant=True,
    jacobians=None,
    random_state=0,
    interpolator_kwargs=None,
):
    r"""How often do ``k`` random units of a layer embed the input? One row per ``k``.

    Parameters
    ----------
    x : array-like of shape (N, n) or (N,)
        Input samples.
    activations : array-like of shape (N, width)
        Activations of every unit of one layer on these inputs.
    ks : sequence of int, default=(1, 2, 3)
        Numbers of units to observe.
    n_trials : int, default=20
        Random choices of units per ``k`` (:func:`choose_neurons`, seeds 0, 1, ...
        offset by ``random_state``).
    tol : float, default=0.05
        Success threshold of :func:`embeds_manifold`.
    skip_constant : bool, default=True
        Never choose constant units (``activations`` passed to :func:`choose_neurons`).
    jacobians : array-like of shape (N, width, n) or None, default=None
        Jacobians of every unit; when given, :func:`rank_deficient_fraction` of each choice
        is reported too.
    random_state : int, default=0
        Offset of the seeds of the choices and of the train/test split.
    interpolator_kwargs : dict or None
        As in :func:`embeds_manifold`.

    Returns
    -------
    survey : dict
        ``ks`` (ndarray of int), ``nrmse`` (shape (len(ks), n_trials)), ``units`` (list of
        lists of unit-index arrays), ``embedded_fraction`` (shape (len(ks),)) and, when
        ``jacobians`` are given, ``rank_deficient`` (shape (len(ks), n_trials));
        ``false_neighbors`` (shape (len(ks), n_trials), :func:`false_neighbor_fraction`).

    Raises
    ------
    ValueError
        The errors of :func:`choose_neurons` and :func:`embeds_manifold`;
        "n_trials must be an integer >= 1, ..."; "jacobians must have shape (N, width, n) = ...".

    Examples
    --------
    >>> x = np.linspace(0, 1, 200)
    >>> acts = np.column_stack([np.sin(2 * np.pi * x), x, np.cos(np.pi * x)])
    >>> neuron_embedding_survey(x, acts, ks=(3,), n_trials=1)["embedded_fraction"]
    array([1.])
    """
    x = as_2d_float(x, "x", min_samples=10)
    acts = as_2d_float(activations, "activations", min_samples=10)
    check_same_samples(x, acts, "x", "activations")
    n_trials = _check_int(n_trials, "n_trials", 1)
    offset = _check_int(random_state, "random_state", 0)
    width = acts.shape[1]
    ks = np.asarray(ks, dtype=int)
    if jacobians is not None:
        jacobians = np.asarray(jacobians, dtype=float)
        if jacobians.shape != (len(x), width, x.shape[1]):
            raise ValueError(
                f"jacobians must have shape (N, width, n) = {(len(x), width, x.shape[1])}, got {jacobians.shape}."
            )
    errs = np.zeros((len(ks), n_trials))
    deficient = np.zeros((len(ks), n_trials))
    false_nn = np.zeros((len(ks), n_trials))
    units = []
    for a, k in enumerate(ks):
        row = []
        for trial in range(n_trials):
            u = choose_neurons(width, int(k), x.shape[1], offset + trial, activations=acts if skip_constant else None)
            row.append(u)
            errs[a, trial] = embeds_manifold(
                x, acts[:, u], tol=tol, random_state=offset, interpolator_kwargs=interpolator_kwargs
            )[1]
            false_nn[a, trial] = false_neighbor_fraction(x, acts[:, u])
            if jacobians is not None:
                deficient[a, trial] = rank_deficient_fraction(jacobians[:, u], min(int(k), x.shape[1]))
        units.append(row)
    out = {
        "ks": ks,
        "nrmse": errs,
        "units": units,
        "embedded_fraction": (errs < tol).mean(axis=1),
        "false_neighbors": false_nn,
    }
    if jacobians is not None:
        out["rank_deficient"] = deficient
    return out
