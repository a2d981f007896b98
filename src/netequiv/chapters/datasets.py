r"""Small data sets with known geometry, for the chapters on diffusion maps and the metric.

Every generator is seeded (``random_state``; ``None`` means 0, so reruns are identical) and
returns the *intrinsic* coordinates alongside the observations, so that an embedding can be
checked against the truth:

* :func:`interval` -- points of :math:`[0, 1]`, uniform or with a linear density ramp;
* :func:`circle` -- angles :math:`\theta` and the unit circle :math:`(\cos\theta, \sin\theta)`;
* :func:`swiss_roll` -- a strip rolled up in :math:`\mathbb R^3`, sampled uniformly in area;
* :func:`latent_square` -- :math:`u \sim U[0,1]^2` seen through two observation maps with
  exact Jacobians: :func:`mushroom` (:math:`\mathbb R^2 \to \mathbb R^2`) and :func:`tanh_map`
  (:math:`\mathbb R^2 \to \mathbb R^5`);
* :func:`knn_truncated_kernel_check` -- the pitfall of a Euclidean nearest-neighbour cut under
  an anisotropic (Mahalanobis-like) kernel.

See the chapters *Diffusion maps* and *A Mahalanobis-like metric and invariance* of the book.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components
from scipy.sparse.linalg import eigsh

from .._validation import as_2d_float, check_positive, check_random_state

__all__ = [
    "interval",
    "circle",
    "swiss_roll",
    "mushroom",
    "tanh_map",
    "random_tanh_params",
    "LatentSquare",
    "latent_square",
    "KnnTruncation",
    "knn_truncated_kernel_check",
]


def _check_n(n_samples, minimum: int = 2) -> int:
    if isinstance(n_samples, bool) or not isinstance(n_samples, (int, np.integer)) or n_samples < minimum:
        raise ValueError(f"n_samples must be an integer >= {minimum}, got {n_samples!r}.")
    return int(n_samples)


# --------------------------------------------------------------------------- curves


def interval(n_samples: int, *, density: str = "uniform", ramp: float = 10.0, random_state=0) -> np.ndarray:
    r"""Random points of the unit interval.

    Parameters
    ----------
    n_samples : int
        Number of points, at least 2.
    density : {"uniform", "ramp"}, default "uniform"
        "uniform": :math:`x \sim U[0, 1]`. "ramp": the linear density
        :math:`p(x) \propto 1 + (\rho - 1) x`, which is :math:`\rho` times larger at
        :math:`x = 1` than at :math:`x = 0`.
    ramp : float, default 10
        The ratio :math:`\rho = p(1)/p(0) > 0` of the "ramp" density.
    random_state : None, int or numpy Generator, default 0
        Seed.

    Returns
    -------
    x : ndarray of shape (n_samples, 1)
        The points, in the order drawn.

    Raises
    ------
    ValueError
        "n_samples must be an integer >= 2, got ..."; "density must be 'uniform' or 'ramp',
        got ..."; "ramp must be a finite number > 0, got ...".

    Notes
    -----
    The ramp is sampled by inverting its distribution function: with :math:`c = \rho - 1`,
    :math:`F(x) = (x + c x^2/2)/(1 + c/2)`, so :math:`x = (\sqrt{1 + c(2 + c)v} - 1)/c` for
    :math:`v \sim U[0, 1]` (and :math:`x = v` when :math:`c = 0`).

    Examples
    --------
    >>> x = interval(20000, density="ramp", ramp=10.0)
    >>> bool(abs((x > 0.5).mean() - (1 + 1.5 * 9 / 2) / (2 + 9)) < 0.01)
    True
    """
    n = _check_n(n_samples)
    if density not in ("uniform", "ramp"):
        raise ValueError(f"density must be 'uniform' or 'ramp', got {density!r}.")
    rho = check_positive(ramp, "ramp")
    v = check_random_state(random_state).uniform(0.0, 1.0, n)
    if density == "uniform" or rho == 1.0:
        return v[:, None]
    c = rho - 1.0
    return ((np.sqrt(1.0 + c * (2.0 + c) * v) - 1.0) / c)[:, None]


def circle(n_samples: int, *, random_state=0):
    r"""Uniformly random points of the unit circle.

    Parameters
    ----------
    n_samples : int
        Number of points, at least 2.
    random_state : None, int or numpy Generator, default 0
        Seed.

    Returns
    -------
    theta : ndarray of shape (n_samples,)
        Angles in :math:`[0, 2\pi)`.
    Y : ndarray of shape (n_samples, 2)
        :math:`(\cos\theta, \sin\theta)`.

    Raises
    ------
    ValueError
        "n_samples must be an integer >= 2, got ...".

    Examples
    --------
    >>> theta, Y = circle(5)
    >>> bool(np.allclose(np.hypot(Y[:, 0], Y[:, 1]), 1.0))
    True
    """
    n = _check_n(n_samples)
    theta = check_random_state(random_state).uniform(0.0, 2.0 * np.pi, n)
    return theta, np.c_[np.cos(theta), np.sin(theta)]


def swiss_roll(n_samples: int, *, turns: float = 1.0, width: float = 14.0, random_state=0):
    r"""A swiss roll sampled uniformly in area, with its unrolled coordinates.

    Parameters
    ----------
    n_samples : int
        Number of points, at least 2.
    turns : float, default 1
        Number of windings: :math:`t \in [1.5\pi, (1.5 + 2\,\text{turns})\pi]`.
    width : float, default 14
        Extent :math:`w` of the roll along its axis.
    random_state : None, int or numpy Generator, default 0
        Seed.

    Returns
    -------
    intrinsic : ndarray of shape (n_samples, 2)
        Unrolled coordinates (arc length :math:`s` along the spiral, height :math:`h`).
    Y : ndarray of shape (n_samples, 3)
        :math:`(t\cos t,\; h,\; t\sin t)`.

    Raises
    ------
    ValueError
        "n_samples must be an integer >= 2, got ..."; "turns must be a finite number > 0,
        got ..."; "width must be a finite number > 0, got ...".

    Notes
    -----
    The spiral :math:`t \mapsto (t\cos t, t\sin t)` has speed :math:`\sqrt{1 + t^2}`, so the
    arc length is :math:`s(t) = \tfrac12\left(t\sqrt{1+t^2} + \operatorname{arsinh} t\right)`
    (minus its value at the start).  Drawing :math:`s` uniformly and inverting :math:`s(t)`
    numerically gives a uniform density on the surface (unlike drawing :math:`t` uniformly).
    Consecutive layers are :math:`2\pi` apart.

    Examples
    --------
    >>> st, Y = swiss_roll(1000)
    >>> Y.shape, bool(st[:, 1].min() >= 0 and st[:, 1].max() <= 14)
    ((1000, 3), True)
    """
    n = _check_n(n_samples)
    turns = check_positive(turns, "turns")
    width = check_positive(width, "width")
    rng = check_random_state(random_state)
    t0, t1 = 1.5 * np.pi, (1.5 + 2.0 * turns) * np.pi

    def arc(t):
        return 0.5 * (t * np.sqrt(1.0 + t * t) + np.arcsinh(t))

    grid = np.linspace(t0, t1, 20001)
    s_grid = arc(grid) - arc(t0)
    s = rng.uniform(0.0, s_grid[-1], n)
    h = rng.uniform(0.0, width, n)
    t = np.interp(s, s_grid, grid)
    return np.c_[s, h], np.c_[t * np.cos(t), h, t * np.sin(t)]


# --------------------------------------------------------------------------- latent square


def mushroom(u, *, jacobian: bool = False):
    r"""The "mushroom" map :math:`(u_1 + u_2^3,\; u_2 - u_1^3)` of the plane.

    Parameters
    ----------
    u : array-like of shape (N, 2)
        Latent points.
    jacobian : bool, default False
        Also return the exact Jacobians.

    Returns
    -------
    y : ndarray of shape (N, 2)
    J : ndarray of shape (N, 2, 2)
        Only with ``jacobian=True``:
        :math:`\begin{pmatrix}1 & 3u_2^2\\ -3u_1^2 & 1\end{pmatrix}` (determinant
        :math:`1 + 9u_1^2u_2^2 > 0`, so the map is a local diffeomorphism everywhere).

    Raises
    ------
    ValueError
        "u must have 2 columns, got ..." and the shared input checks (NaN/inf, shape).

    Examples
    --------
    >>> y, J = mushroom(np.array([[1.0, 1.0]]), jacobian=True)
    >>> y.tolist(), J[0].tolist()
    ([[2.0, 0.0]], [[1.0, 3.0], [-3.0, 1.0]])
    """
    u = as_2d_float(u, "u")
    if u.shape[1] != 2:
        raise ValueError(f"u must have 2 columns, got {u.shape[1]}.")
    y = np.c_[u[:, 0] + u[:, 1] ** 3, u[:, 1] - u[:, 0] ** 3]
    if not jacobian:
        return y
    J = np.empty((len(u), 2, 2))
    J[:, 0, 0], J[:, 0, 1] = 1.0, 3.0 * u[:, 1] ** 2
    J[:, 1, 0], J[:, 1, 1] = -3.0 * u[:, 0] ** 2, 1.0
    return y, J


def random_tanh_params(
    n_features: int = 5, n_inputs: int = 2, *, scale: float = 1.5, bias_scale: float = 0.5, random_state=0
):
    r"""Gaussian weights :math:`W` (``scale`` :math:`\times N(0,1)`) and bias :math:`b` for :func:`tanh_map`.

    Returns
    -------
    W : ndarray of shape (n_features, n_inputs)
    b : ndarray of shape (n_features,)

    Raises
    ------
    ValueError
        "n_features must be an integer >= 1, got ..." (likewise ``n_inputs``); "scale must be a
        finite number > 0, got ..."; "bias_scale must be a finite number > 0, got ...".
    """
    for name, v in (("n_features", n_features), ("n_inputs", n_inputs)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(f"{name} must be an integer >= 1, got {v!r}.")
    scale = check_positive(scale, "scale")
    bias_scale = check_positive(bias_scale, "bias_scale")
    rng = check_random_state(random_state)
    return rng.normal(size=(n_features, n_inputs)) * scale, rng.normal(size=n_features) * bias_scale


def tanh_map(u, W, b, *, jacobian: bool = False):
    r"""A one-layer network :math:`y = \tanh(W u + b)`, with exact Jacobians.

    Parameters
    ----------
    u : array-like of shape (N, n)
    W : array-like of shape (d, n)
    b : array-like of shape (d,)
    jacobian : bool, default False
        Also return :math:`J = \operatorname{diag}(1 - y^2)\, W` at every sample.

    Returns
    -------
    y : ndarray of shape (N, d)
    J : ndarray of shape (N, d, n)
        Only with ``jacobian=True``.

    Raises
    ------
    ValueError
        "W must have shape (d, n) = (..., ...), got ..."; "b must have shape (d,) = (...,),
        got ..."; and the shared input checks on ``u``.

    Examples
    --------
    >>> y, J = tanh_map(np.zeros((1, 2)), np.eye(2), np.zeros(2), jacobian=True)
    >>> y.tolist(), J[0].tolist()
    ([[0.0, 0.0]], [[1.0, 0.0], [0.0, 1.0]])
    """
    u = as_2d_float(u, "u")
    W = np.asarray(W, dtype=float)
    b = np.asarray(b, dtype=float)
    if W.ndim != 2 or W.shape[1] != u.shape[1]:
        raise ValueError(f"W must have shape (d, n) = (d, {u.shape[1]}), got {W.shape}.")
    if b.shape != (W.shape[0],):
        raise ValueError(f"b must have shape (d,) = ({W.shape[0]},), got {b.shape}.")
    y = np.tanh(u @ W.T + b)
    if not jacobian:
        return y
    return y, (1.0 - y**2)[:, :, None] * W[None]


@dataclass(frozen=True)
class LatentSquare:
    r"""The latent square seen through two observation maps (see :func:`latent_square`).

    Attributes
    ----------
    u : ndarray of shape (N, 2)
        Latent samples :math:`u \sim U[0, 1]^2`.
    y_mushroom, jac_mushroom : ndarray of shape (N, 2) and (N, 2, 2)
        :func:`mushroom` observations and Jacobians.
    y_tanh, jac_tanh : ndarray of shape (N, 5) and (N, 5, 2)
        :func:`tanh_map` observations and Jacobians.
    W, b : ndarray of shape (5, 2) and (5,)
        Parameters of the tanh map.
    """

    u: np.ndarray
    y_mushroom: np.ndarray
    jac_mushroom: np.ndarray
    y_tanh: np.ndarray
    jac_tanh: np.ndarray
    W: np.ndarray
    b: np.ndarray


def latent_square(n_samples: int = 2500, *, random_state=0) -> LatentSquare:
    r"""Samples of :math:`U[0,1]^2` observed by :func:`mushroom` and by a :func:`tanh_map` into :math:`\mathbb R^5`.

    Parameters
    ----------
    n_samples : int, default 2500
        Number of latent samples, at least 2.
    random_state : None, int or numpy Generator, default 0
        One generator draws, in this order, ``u`` (uniform, shape (N, 2)), then ``W`` and
        ``b`` (:func:`random_tanh_params` with its defaults).

    Returns
    -------
    LatentSquare

    Raises
    ------
    ValueError
        "n_samples must be an integer >= 2, got ...".

    Examples
    --------
    >>> sq = latent_square(100)
    >>> sq.y_mushroom.shape, sq.y_tanh.shape, sq.jac_tanh.shape
    ((100, 2), (100, 5), (100, 5, 2))
    """
    n = _check_n(n_samples)
    rng = check_random_state(random_state)
    u = rng.uniform(0.0, 1.0, (n, 2))
    W, b = random_tanh_params(random_state=rng)
    y1, J1 = mushroom(u, jacobian=True)
    y2, J2 = tanh_map(u, W, b, jacobian=True)
    return LatentSquare(u=u, y_mushroom=y1, jac_mushroom=J1, y_tanh=y2, jac_tanh=J2, W=W, b=b)


# --------------------------------------------------------------------------- kNN truncation


@dataclass(frozen=True)
class KnnTruncation:
    r"""Result of :func:`knn_truncated_kernel_check`.

    Attributes
    ----------
    kernel_at_farthest : ndarray of shape (N,)
        Kernel value :math:`\exp(-d^2/2\varepsilon)` (metric distance) at each point's
        ``k``-th Euclidean neighbour, the farthest candidate of the cut.
    kernel_dropped : ndarray of shape (N,)
        Largest kernel value, per point, of the pairs within the kernel cutoff that the
        Euclidean candidate set misses (0 where it misses none).
    embedding : ndarray of shape (N, n_components)
        Diffusion-map eigenvectors (:math:`\alpha = 1`) of the kernel restricted to the
        symmetrised candidate pairs.
    epsilon : float
        The bandwidth used.
    """

    kernel_at_farthest: np.ndarray
    kernel_dropped: np.ndarray
    embedding: np.ndarray
    epsilon: float


def knn_truncated_kernel_check(
    Y, metric, epsilon: float, *, n_neighbors: int = 64, n_components: int = 2, kernel_cutoff: float = 1e-8
) -> KnnTruncation:
    r"""What a Euclidean ``k``-nearest-neighbour candidate set does to an anisotropic kernel.

    A demonstration of a pitfall (the book's Mahalanobis chapter), not a method to use:
    :class:`netequiv.DiffusionMaps` searches a radius in the metric itself
    (:func:`netequiv.metric_radius_graph`) and does not truncate.

    Parameters
    ----------
    Y : array-like of shape (N, d)
        Observations.
    metric : LocalMetric
        Local metric at every sample.
    epsilon : float
        Kernel bandwidth, e.g. ``DiffusionMaps(...).fit(Y, metric=metric).epsilon_``.
    n_neighbors : int, default 64
        Size ``k`` of the Euclidean candidate set (the point itself included).
    n_components : int, default 2
        Non-trivial eigenvectors to return.
    kernel_cutoff : float, default 1e-8
        Cutoff of the reference radius graph used to find the dropped pairs.

    Returns
    -------
    KnnTruncation

    Raises
    ------
    ValueError
        "n_neighbors must be an integer with n_components + 2 <= n_neighbors <= N, got ...";
        "the local metric is for ... samples of dimension ..., but Y has shape ..."; "the
        truncated kernel graph is disconnected (... components); increase n_neighbors.";
        "epsilon must be a finite number > 0, got ..."; and the shared input checks on ``Y``.

    Notes
    -----
    For every point the candidates are its ``k`` Euclidean nearest neighbours; the kernel
    :math:`K_{ij} = \exp(-d^2_{ij}/2\varepsilon)` with the metric distance
    :math:`d^2_{ij} = \tfrac12\Delta^\top(M_i + M_j)\Delta` is kept on pairs where *either*
    point is a candidate of the other, then :math:`\alpha = 1` normalised and
    diagonalised as in :class:`netequiv.DiffusionMaps`.  ``kernel_dropped`` compares with the
    complete radius graph :math:`d^2_{ij} \le 2\varepsilon\log(1/\text{cutoff})`.
    """
    from scipy.spatial import cKDTree

    from .._neighbors import metric_radius_graph

    Y = as_2d_float(Y, "Y")
    N = len(Y)
    eps = check_positive(epsilon, "epsilon")
    k = n_neighbors
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not (n_components + 2 <= k <= N):
        raise ValueError(f"n_neighbors must be an integer with n_components + 2 <= n_neighbors <= N, got {k!r}.")
    if metric.n_samples != N or metric.n_features != Y.shape[1]:
        raise ValueError(
            f"the local metric is for {metric.n_samples} samples of dimension {metric.n_features}, "
            f"but Y has shape {Y.shape}."
        )
    _, idx = cKDTree(Y).query(Y, k=int(k))
    rows, cols = np.repeat(np.arange(N), k), idx.ravel()
    delta = Y[rows] - Y[cols]
    d2 = 0.5 * (metric.quadratic(rows, delta) + metric.quadratic(cols, delta))
    kern = np.exp(-d2 / (2.0 * eps))
    at_farthest = kern.reshape(N, k)[:, -1]
    K = sp.csr_matrix((kern, (rows, cols)), shape=(N, N))
    K = K.maximum(K.T).tocsr()
    # pairs of the complete kernel that the candidate set misses
    rr, cc, dd = metric_radius_graph(Y, 2.0 * eps * np.log(1.0 / kernel_cutoff), metric)
    missed = np.asarray(K[rr, cc]).ravel() == 0
    dropped = np.zeros(N)
    np.maximum.at(dropped, rr[missed], np.exp(-dd[missed] / (2.0 * eps)))
    n_comp, _ = connected_components(K, directed=False)
    if n_comp > 1:
        raise ValueError(f"the truncated kernel graph is disconnected ({n_comp} components); increase n_neighbors.")
    q = np.asarray(K.sum(axis=1)).ravel()
    Kt = (sp.diags(1.0 / q) @ K @ sp.diags(1.0 / q)).tocsr()
    dh = 1.0 / np.sqrt(np.asarray(Kt.sum(axis=1)).ravel())
    vals, vecs = eigsh(
        sp.diags(dh) @ Kt @ sp.diags(dh), k=n_components + 1, which="LA", v0=np.linspace(0.5, 1.5, N), tol=1e-10
    )
    order = np.argsort(vals)[::-1]
    psi = (vecs[:, order] * dh[:, None])[:, 1:]
    psi *= np.sign(psi[np.argmax(np.abs(psi), axis=0), np.arange(n_components)])
    return KnnTruncation(kernel_at_farthest=at_farthest, kernel_dropped=dropped, embedding=psi, epsilon=eps)
