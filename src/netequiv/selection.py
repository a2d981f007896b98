r"""Choosing non-harmonic diffusion-map eigenvectors and aligning two embeddings.

A diffusion map of data on an :math:`n`-dimensional manifold returns many more than
:math:`n` eigenvectors, and most of them are *harmonics*: functions of eigenvectors
that came earlier (on an interval, :math:`\psi_2 \approx \cos 2\pi x` is a
function of :math:`\psi_1 \approx \cos \pi x`).  :func:`llr_residuals` measures, for
each eigenvector, how badly it is predicted by the ones before it (the local linear
regression test of Dsilva, Talmon, Coifman & Kevrekidis, 2018), and
:func:`select_nonharmonic` keeps the eigenvectors that are new directions.

Two networks give two such sets of intrinsic coordinates.  Eigenvectors are defined
only up to sign, and up to a rotation inside a degenerate eigenspace, so
:func:`align_embeddings` matches one set to the other by orthogonal Procrustes before
comparing them.

All functions work on plain arrays, e.g. ``DiffusionMaps(...).fit(X).embedding_``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial.distance import pdist, squareform

from ._validation import ResolutionError, as_2d_float, check_positive, check_random_state, check_same_samples

__all__ = ["llr_residuals", "select_nonharmonic", "align_embeddings", "AlignResult"]

# Relative Tikhonov term on the local covariance (keeps the local normal equations
# solvable when the regressors lie on a curve, as earlier harmonics do).
_LOCAL_RIDGE = 1e-8


def _local_linear_loo(X: np.ndarray, y: np.ndarray, eps: float) -> np.ndarray:
    """Leave-one-out local linear fit of ``y`` on ``X`` at every sample (vectorised)."""
    n, d = X.shape
    W = np.exp(-squareform(pdist(X, "sqeuclidean")) / eps**2)
    np.fill_diagonal(W, 0.0)  # leave one out
    s = W.sum(axis=1)
    isolated = s <= np.finfo(float).tiny * 1e10
    W /= np.where(isolated, 1.0, s)[:, None]  # rows of W now sum to 1 (or are 0)

    # weighted local means and covariances, from first and second moments
    iu, ju = np.triu_indices(d)
    mu = W @ X  # (n, d)
    second = W @ (X[:, iu] * X[:, ju])  # (n, d(d+1)/2)
    C = np.empty((n, d, d))
    C[:, iu, ju] = second
    C[:, ju, iu] = second
    C -= mu[:, :, None] * mu[:, None, :]
    ybar = W @ y
    c = W @ (X * y[:, None]) - mu * ybar[:, None]

    diag = np.einsum("nii->ni", C).clip(min=0.0)
    # the floor, relative to the global spread of X, bounds the slope where the moment
    # formula cancels catastrophically (weights concentrated on a few near-identical points)
    reg = _LOCAL_RIDGE * diag + 1e-10 * float(X.var(axis=0).mean()) + 1e-300
    C[:, np.arange(d), np.arange(d)] += reg
    beta = np.linalg.solve(C, c[:, :, None])[:, :, 0]
    fit = ybar + np.einsum("ni,ni->n", beta, X - mu)
    fit[isolated] = 0.0  # no neighbour within reach: nothing to predict from
    return fit


def llr_residuals(psi, *, bandwidth="auto", n_samples: int = 2000, random_state=0) -> np.ndarray:
    r"""Local linear regression residual of every eigenvector given the earlier ones.

    Parameters
    ----------
    psi : array-like of shape (n_samples_total, k)
        Non-trivial diffusion-map eigenvectors :math:`\psi_1,\dots,\psi_k` as columns,
        ordered by decreasing eigenvalue (the constant eigenvector excluded), e.g.
        ``DiffusionMaps.embedding_``.  Pass eigenvectors of equal normalisation, not
        coordinates scaled by eigenvalue powers: the kernel distances depend on the
        relative scales of the columns.
    bandwidth : "auto" or float, default="auto"
        Kernel scale :math:`\varepsilon`.  ``"auto"`` uses, for each regression, the
        median pairwise distance between the regressors
        :math:`(\psi_1,\dots,\psi_{j-1})` of the (sub)sampled points divided by 3.
    n_samples : int, default=2000
        When there are more points than this, a seeded random subset of this size is
        used (cost and memory grow as ``n_samples**2``).
    random_state : None, int or numpy Generator, default=0
        Seed of the subset.

    Returns
    -------
    residuals : ndarray of shape (k,)
        :math:`r_1 = 1`; :math:`r_j \approx 0` when :math:`\psi_j` is a harmonic (a
        function of earlier eigenvectors), :math:`r_j \approx 1` when it is a new direction.

    Raises
    ------
    ValueError
        "psi ... contains NaN or inf ..." / "psi must have shape (n_samples, n_features) ..." /
        "psi has ... samples, but at least ... are needed." from the shared input checks
        (``k + 1`` and at least 3 samples are needed); "bandwidth must be 'auto' or a
        positive number, got ..."; "n_samples must be an integer >= 3, got ...";
        "psi column ... is identically zero; ..." for a zero column; "the automatic
        bandwidth for eigenvector ... is 0 (all regressors identical); ..." when all points
        coincide.

    Notes
    -----
    For :math:`j \ge 2` and every point :math:`i`, fit :math:`\psi_j \approx a_i +
    \beta_i^\top (\Psi_{<j} - \Psi_{<j}(i))` by weighted least squares, leaving point
    :math:`i` out:

    .. math::

        (a_i, \beta_i) = \arg\min_{a,\beta} \sum_{l \ne i} w_{il}
            \bigl(\psi_j(l) - a - \beta^\top (\Psi_{<j}(l) - \Psi_{<j}(i))\bigr)^2,
        \qquad w_{il} = \exp\bigl(-\|\Psi_{<j}(l) - \Psi_{<j}(i)\|^2/\varepsilon^2\bigr),

    with :math:`\Psi_{<j} = (\psi_1,\dots,\psi_{j-1})`; the fitted value at :math:`i` is
    :math:`a_i`, and

    .. math::

        r_j = \sqrt{\frac{\sum_i (\psi_j(i) - a_i)^2}{\sum_i \psi_j(i)^2}}.

    All points are solved at once from weighted local means and covariances
    (:math:`O(n^2 j^2)` work per eigenvector); a relative ridge of :math:`10^{-8}` on
    the local covariance keeps the normal equations solvable when earlier
    eigenvectors lie on a curve.  A point with no neighbour within reach of the kernel
    is predicted as 0.  The residual can slightly exceed 1 because of the
    leave-one-out fit.  Method: Dsilva, Talmon, Coifman & Kevrekidis, *Parsimonious
    representation of nonlinear dynamical systems through manifold learning*, ACHA 44
    (2018).

    Examples
    --------
    >>> import numpy as np
    >>> x = np.linspace(0, 1, 400)
    >>> psi = np.column_stack([np.cos(j * np.pi * x) for j in (1, 2, 3)])
    >>> r = llr_residuals(psi)
    >>> float(r[0]), bool(np.all(r[1:] < 0.1))
    (1.0, True)
    """
    psi = as_2d_float(psi, "psi", min_samples=3)
    k = psi.shape[1]
    if len(psi) < k + 1:
        raise ValueError(f"psi has {len(psi)} samples, but at least {k + 1} are needed for {k} eigenvectors.")
    if isinstance(bandwidth, str):
        if bandwidth != "auto":
            raise ValueError(f"bandwidth must be 'auto' or a positive number, got {bandwidth!r}.")
        eps_fixed = None
    else:
        try:
            eps_fixed = check_positive(bandwidth, "bandwidth")
        except ValueError:
            raise ValueError(f"bandwidth must be 'auto' or a positive number, got {bandwidth!r}.") from None
    if isinstance(n_samples, bool) or not isinstance(n_samples, (int, np.integer)) or n_samples < 3:
        raise ValueError(f"n_samples must be an integer >= 3, got {n_samples!r}.")
    zero = np.flatnonzero(~np.any(psi != 0, axis=0))
    if zero.size:
        raise ValueError(f"psi column {int(zero[0])} is identically zero; pass non-trivial eigenvectors only.")

    if len(psi) > n_samples:
        rng = check_random_state(random_state)
        psi = psi[np.sort(rng.choice(len(psi), size=int(n_samples), replace=False))]

    res = np.ones(k)
    for j in range(1, k):
        X, y = psi[:, :j], psi[:, j]
        if eps_fixed is None:
            eps = float(np.median(pdist(X))) / 3.0
            if not eps > 0:
                raise ValueError(
                    f"the automatic bandwidth for eigenvector {j} is 0 (all regressors identical); "
                    "check psi or pass a positive float bandwidth."
                )
        else:
            eps = eps_fixed
        fit = _local_linear_loo(X, y, eps)
        res[j] = np.sqrt(np.sum((y - fit) ** 2) / np.sum(y**2))
    return res


def select_nonharmonic(
    psi,
    n_components: int,
    *,
    residuals=None,
    min_residual: float = 0.1,
    bandwidth="auto",
    n_samples: int = 2000,
    random_state=0,
) -> np.ndarray:
    r"""Indices of the ``n_components`` eigenvectors that are new directions.

    Parameters
    ----------
    psi : array-like of shape (n_samples_total, k)
        Non-trivial eigenvectors as columns, ordered by decreasing eigenvalue.
    n_components : int
        How many eigenvectors to keep (the intrinsic dimension :math:`n`).
    residuals : array-like of shape (k,), optional
        Precomputed :func:`llr_residuals` (then ``bandwidth``, ``n_samples`` and
        ``random_state`` are not used).
    min_residual : float, default=0.1
        The ``n_components``-th largest residual must be at least this large;
        otherwise the embedding holds fewer independent directions than asked for.
    bandwidth, n_samples, random_state
        Passed to :func:`llr_residuals`.

    Returns
    -------
    indices : ndarray of int, shape (n_components,)
        Column indices into ``psi`` (0-based: index 0 is :math:`\psi_1`), increasing.
        Ties in the residual go to the earlier eigenvector.

    Raises
    ------
    ValueError
        "n_components must be a positive integer, got ..."; "n_components=... but psi has
        only ... eigenvectors; ..."; "residuals must have shape (k,) = (...), got ..." /
        "residuals must be finite ..."; "only ... of the ... eigenvectors have a local linear
        regression residual >= ... (residuals: ...); the embedding has fewer independent
        directions than n_components=...; ..." when too few new directions exist; and the
        errors of :func:`llr_residuals`.

    Notes
    -----
    The :math:`n` eigenvectors with the largest residuals :math:`r_j` (see
    :func:`llr_residuals`) are kept; :math:`\psi_1` always has :math:`r_1 = 1`.  When
    the :math:`n`-th largest residual is below ``min_residual``, the :math:`n`-th
    chosen "direction" would itself be a harmonic and the selection is refused.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> x, y = rng.uniform(size=(2, 1000)) * np.array([[1.0], [0.4]])
    >>> psi = np.column_stack([np.cos(np.pi * x), np.cos(2 * np.pi * x), np.cos(np.pi * y / 0.4)])
    >>> select_nonharmonic(psi, 2)
    array([0, 2])
    """
    psi = as_2d_float(psi, "psi", min_samples=3)
    k = psi.shape[1]
    if isinstance(n_components, bool) or not isinstance(n_components, (int, np.integer)) or n_components < 1:
        raise ValueError(f"n_components must be a positive integer, got {n_components!r}.")
    if n_components > k:
        raise ValueError(
            f"n_components={n_components} but psi has only {k} eigenvectors; compute more eigenvectors "
            "or ask for fewer components."
        )
    min_residual = check_positive(min_residual, "min_residual")
    if residuals is None:
        r = llr_residuals(psi, bandwidth=bandwidth, n_samples=n_samples, random_state=random_state)
    else:
        r = np.asarray(residuals, dtype=float)
        if r.shape != (k,):
            raise ValueError(f"residuals must have shape (k,) = ({k},), got {r.shape}.")
        if not np.all(np.isfinite(r)):
            raise ValueError("residuals must be finite; recompute them with llr_residuals(psi).")
    order = np.argsort(-r, kind="stable")
    chosen = order[:n_components]
    if r[chosen[-1]] < min_residual:
        n_ok = int(np.sum(r >= min_residual))
        shown = np.array2string(r, precision=3, separator=", ")
        raise ResolutionError(
            f"only {n_ok} of the {k} eigenvectors have a local linear regression residual >= {min_residual:g} "
            f"(residuals: {shown}); the embedding has fewer independent directions than "
            f"n_components={n_components}. Compute more eigenvectors, or ask for fewer components."
        )
    return np.sort(chosen)


@dataclass(frozen=True)
class AlignResult:
    r"""Result of :func:`align_embeddings`.

    Attributes
    ----------
    aligned : ndarray of shape (N, m)
        ``other`` centred, rotated by ``rotation`` and moved to the mean of ``reference``.
    rotation : ndarray of shape (m, m)
        Orthogonal :math:`Q` (:math:`Q^\top Q = I`; a reflection when :math:`\det Q = -1`).
    r2 : float
        Mean over coordinates of the coefficient of determination of the least-squares
        line from ``aligned[:, j]`` to ``reference[:, j]`` (the squared correlation):
        1 for a perfect match, about 0 for unrelated coordinates.
    rms : float
        Coordinate agreement RMS: root-mean-square difference of ``aligned`` and
        ``reference`` after each coordinate of each is standardised to zero mean and unit
        variance (0 perfect; :math:`\sqrt 2` for unrelated coordinates).
    """

    aligned: np.ndarray
    rotation: np.ndarray
    r2: float
    rms: float


def align_embeddings(reference, other) -> AlignResult:
    r"""Rotate (and reflect) one embedding onto another by orthogonal Procrustes.

    Parameters
    ----------
    reference : array-like of shape (N, m)
        Intrinsic coordinates of N samples, e.g. selected eigenvectors of network A.
    other : array-like of shape (N, m)
        Coordinates of the *same* N samples, in the same order, e.g. from network B,
        with the same normalisation as ``reference`` (unit-norm eigenvectors, say).

    Returns
    -------
    result : AlignResult
        ``aligned``, ``rotation``, ``r2`` and ``rms`` (see :class:`AlignResult`).

    Raises
    ------
    ValueError
        "reference has ... samples but other has ...; ..." for unpaired data; "reference has
        m=... coordinates but other has ...; ..."; "... contains NaN or inf ..." and
        "... has ... samples, but at least 3 are needed." from the shared input checks;
        "reference coordinate(s) ... are constant; ..." / "other coordinate(s) ... are constant;
        ..."; "the centred columns of other are linearly dependent (numerical rank ... < m=...);
        ..." when ``other`` cannot be rotated onto ``m`` independent coordinates.

    Notes
    -----
    Eigenvectors are determined only up to sign, and inside a degenerate (or nearly
    degenerate) eigenvalue block only up to an orthogonal mixing, so two diffusion maps
    of the same manifold can return coordinates that differ by an orthogonal map.  With
    both embeddings centred, :math:`A = \text{reference} - \bar a`,
    :math:`B = \text{other} - \bar b`,

    .. math::

        Q = \arg\min_{Q^\top Q = I} \|B Q - A\|_F = U V^\top,
        \qquad B^\top A = U \Sigma V^\top,

    which covers sign flips, permutations, rotations within degenerate blocks and
    reflections; no scaling is fitted, so pass coordinates of equal normalisation.
    Then ``aligned`` :math:`= BQ + \mathbf 1 \bar a^\top`,

    .. math::

        r^2 = \frac1m \sum_{j=1}^m \operatorname{corr}(\text{aligned}_j, \text{reference}_j)^2,
        \qquad
        \mathrm{rms} = \sqrt{\frac{1}{Nm}\sum_{i,j}(z^{\text{aligned}}_{ij} - z^{\text{reference}}_{ij})^2},

    with :math:`z` the per-coordinate z-scores, so that :math:`\mathrm{rms}^2 =
    \frac2m\sum_j (1 - \operatorname{corr}_j)`.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> a = rng.normal(size=(100, 2))
    >>> res = align_embeddings(a, a * [-1.0, 1.0])
    >>> np.round(res.rotation, 12) + 0.0, round(res.r2, 12), round(res.rms, 12)
    (array([[-1.,  0.],
           [ 0.,  1.]]), 1.0, 0.0)
    """
    A = as_2d_float(reference, "reference", min_samples=3)
    B = as_2d_float(other, "other", min_samples=3)
    check_same_samples(A, B, "reference", "other")
    m = A.shape[1]
    if B.shape[1] != m:
        raise ValueError(
            f"reference has m={m} coordinates but other has {B.shape[1]}; select the same number of "
            "intrinsic coordinates from both embeddings."
        )
    for name, arr in (("reference", A), ("other", B)):
        const = np.flatnonzero(arr.std(axis=0) <= 1e-12 * np.maximum(1.0, np.abs(arr.mean(axis=0))))
        if const.size:
            raise ValueError(
                f"{name} coordinate(s) {const.tolist()} are constant; drop them (the trivial eigenvector, "
                "say) before aligning."
            )
    a_mean = A.mean(axis=0)
    A0 = A - a_mean
    B0 = B - B.mean(axis=0)
    sv = np.linalg.svd(B0, compute_uv=False)
    rank = int(np.sum(sv > sv[0] * max(B0.shape) * np.finfo(float).eps))
    if rank < m:
        raise ValueError(
            f"the centred columns of other are linearly dependent (numerical rank {rank} < m={m}); "
            "select independent coordinates (see select_nonharmonic)."
        )
    U, _, Vt = np.linalg.svd(B0.T @ A0)
    Q = U @ Vt
    aligned0 = B0 @ Q
    za = aligned0 / aligned0.std(axis=0)
    zr = A0 / A0.std(axis=0)
    corr = np.mean(za * zr, axis=0)
    r2 = float(np.mean(corr**2))
    rms = float(np.sqrt(np.mean((za - zr) ** 2)))
    return AlignResult(aligned=aligned0 + a_mean, rotation=Q, r2=r2, rms=rms)
