r"""Local metrics from a network: the Mahalanobis-like distance of the paper.

At every sample :math:`x_i` a network gives observations :math:`y_i = F(x_i)\in\mathbb{R}^d`
and, through its Jacobian :math:`J_i = \partial y/\partial x\,(x_i)\in\mathbb{R}^{d\times n}`,
the local covariance :math:`C_i = J_i J_i^\top`.  With the rank-:math:`n` pseudo-inverse
:math:`C_i^+` the squared distance

.. math::

    d^2_{ij} = \tfrac12 (y_i - y_j)^\top \left(C_i^+ + C_j^+\right) (y_i - y_j)

approximates :math:`\|x_i - x_j\|^2` to second order, whatever smooth invertible
observation map produced :math:`y` (Singer & Coifman 2008).  This is what makes the
diffusion-map coordinates *observation independent*.

Representation
--------------
With the thin SVD :math:`J_i = U_i S_i V_i^\top` (``U_i`` has ``n`` columns),
:math:`C_i^+ = U_i S_i^{-2} U_i^\top`.  When ``d > n`` the pseudo-inverse gives zero cost to
displacements normal to the observed manifold, and two distant branches that pass close
to each other in :math:`\mathbb{R}^d` would be joined.  We therefore add a penalty on the
normal space,

.. math::

    M_i = U_i S_i^{-2} U_i^\top + \kappa_i \,(I - U_i U_i^\top), \qquad
    \kappa_i = p / s_{n,i}^2 ,

where :math:`s_{n,i}` is the smallest kept singular value and ``p`` is ``normal_penalty``
(default 1: a normal displacement costs as much as a tangent displacement along the most
expensive tangent direction).  A :class:`LocalMetric` stores only ``U_i`` (``basis``),
:math:`s^{-2}` (``tangent_weights``) and :math:`\kappa_i` (``normal_weight``) and evaluates

.. math::

    (y_i - y_j)^\top M_i (y_i - y_j)
      = \kappa_i \|\Delta\|^2 + \sum_k (s_{k,i}^{-2} - \kappa_i)(u_{k,i}^\top \Delta)^2

in :math:`O(nd)` per pair.

See the chapter *A Mahalanobis-like metric and invariance* of the book.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from ._validation import as_2d_float, check_positive

__all__ = [
    "IntrinsicDimensionWarning",
    "LocalMetric",
    "estimate_intrinsic_dim",
    "metric_from_bursts",
    "metric_from_jacobians",
]


class IntrinsicDimensionWarning(UserWarning):
    """The singular-value gap that decides the intrinsic dimension is not clear."""


@dataclass(frozen=True)
class LocalMetric:
    r"""Per-sample positive definite matrices :math:`M_i` in factored form.

    Attributes
    ----------
    basis : ndarray of shape (N, n, d)
        Rows are an orthonormal basis :math:`u_{k,i}^\top` of the tangent space at sample i.
    tangent_weights : ndarray of shape (N, n)
        :math:`s_{k,i}^{-2}`, the metric along each tangent direction.
    normal_weight : ndarray of shape (N,)
        :math:`\kappa_i`, the metric in the normal directions (irrelevant when d == n).

    Every weight must be finite and > 0 (``ValueError`` otherwise), so that each :math:`M_i`
    is positive definite.

    Use :func:`metric_from_jacobians` or :func:`metric_from_bursts` to build one;
    ``LocalMetric.euclidean(N, d)`` gives :math:`M_i = I`.  Index it with an integer array
    or slice to take the metric of a subset of samples (``metric[train]``).
    """

    basis: np.ndarray
    tangent_weights: np.ndarray
    normal_weight: np.ndarray

    def __post_init__(self):
        b, w, k = self.basis, self.tangent_weights, self.normal_weight
        if b.ndim != 3 or w.shape != b.shape[:2] or k.shape != b.shape[:1]:
            raise ValueError(
                "inconsistent LocalMetric: basis must be (N, n, d), tangent_weights (N, n) and "
                f"normal_weight (N,), got {b.shape}, {w.shape}, {k.shape}."
            )
        for name, arr in (("basis", b), ("tangent_weights", w), ("normal_weight", k)):
            if np.iscomplexobj(arr) or not np.issubdtype(arr.dtype, np.number):
                raise ValueError(f"LocalMetric {name} must hold real numbers, got dtype {arr.dtype}.")
        if not np.isfinite(b).all():
            first = int(np.flatnonzero(~np.isfinite(b).all(axis=(1, 2)))[0])
            raise ValueError(
                f"LocalMetric basis contains NaN or inf at sample {first}; build the metric from finite Jacobians."
            )
        for name, arr in (("tangent_weights", w), ("normal_weight", k)):
            if arr.size == 0:
                continue
            bad = ~(np.isfinite(arr) & (arr > 0)).reshape(len(arr), -1)
            rows = np.flatnonzero(bad.any(axis=1))
            if rows.size:
                i = int(rows[0])
                value = float(arr.reshape(len(arr), -1)[i][bad[i]][0])
                raise ValueError(
                    f"LocalMetric {name} must be finite and > 0 (every M_i positive definite), got "
                    f"{value!r} at sample {i} ({rows.size} sample(s) affected). Build the metric with "
                    "metric_from_jacobians or metric_from_bursts; NaN, inf or 0 there come from a "
                    "vanishing or overflowing singular value (degenerate='clip' floors them)."
                )

    @classmethod
    def euclidean(cls, n_samples: int, n_features: int) -> LocalMetric:
        """The identity metric :math:`M_i = I` (Mahalanobis distance = Euclidean distance)."""
        return cls(
            basis=np.zeros((n_samples, 0, n_features)),
            tangent_weights=np.zeros((n_samples, 0)),
            normal_weight=np.ones(n_samples),
        )

    @property
    def n_samples(self) -> int:
        return self.basis.shape[0]

    @property
    def n_intrinsic(self) -> int:
        return self.basis.shape[1]

    @property
    def n_features(self) -> int:
        return self.basis.shape[2]

    def __len__(self) -> int:
        return self.n_samples

    def __getitem__(self, index) -> LocalMetric:
        index = np.arange(self.n_samples)[index]
        return LocalMetric(self.basis[index], self.tangent_weights[index], self.normal_weight[index])

    def min_eigenvalue(self) -> np.ndarray:
        """Smallest eigenvalue of each :math:`M_i`: bounds the Euclidean extent of a metric ball."""
        lam = self.normal_weight.copy() if self.n_features > self.n_intrinsic else np.full(self.n_samples, np.inf)
        if self.n_intrinsic:
            lam = np.minimum(lam, self.tangent_weights.min(axis=1))
        return lam

    def matrices(self) -> np.ndarray:
        """The dense matrices :math:`M_i`, shape (N, d, d) (for small problems and tests)."""
        d = self.n_features
        eye = np.eye(d)
        M = self.normal_weight[:, None, None] * eye
        w = self.tangent_weights - self.normal_weight[:, None]
        return M + np.einsum("nkd,nk,nke->nde", self.basis, w, self.basis)

    def quadratic(self, index, delta: np.ndarray) -> np.ndarray:
        r""":math:`\Delta_p^\top M_{i_p} \Delta_p` for displacement rows ``delta`` (P, d) at samples ``index`` (P,)."""
        # np.take: several times faster than fancy indexing for these row gathers
        kappa = np.take(self.normal_weight, index)
        q = kappa * np.einsum("pd,pd->p", delta, delta)
        if self.n_intrinsic:
            proj = np.einsum("pkd,pd->pk", np.take(self.basis, index, axis=0), delta)
            w = np.take(self.tangent_weights, index, axis=0)
            w -= kappa[:, None]
            q += np.einsum("pk,pk->p", w, proj * proj)
        return q


def _intrinsic_dim_from_singular_values(
    s: np.ndarray, gap_warn: float, complete: bool = True, what: str = "Jacobians"
) -> int:
    """Largest gap in the median (over samples) singular-value spectrum.

    Samples whose factor is zero (a dead input region) are left out of the median.

    ``n`` maximises the ratio of consecutive median singular values :math:`s_n / s_{n+1}`.
    For Jacobians (``complete=True``) the singular values beyond the list are exactly zero, so
    the ratio after the last one is taken against a relative floor of 1e-6 and a
    well-conditioned full-rank spectrum gives its full length.  For burst covariances the tail
    is sampling and curvature noise, not zero, and only interior gaps count.
    """
    live = s[:, 0] > 0
    if not live.any():
        raise ValueError(f"all {what} vanish: the observations do not depend on the input.")
    med = np.median(s[live], axis=0)
    rel = np.maximum(med / med[0], 1e-300)
    ratios = rel[:-1] / rel[1:]
    if complete:
        ratios = np.append(ratios, rel[-1] / 1e-6)
    if ratios.size == 0:
        return 1
    n = int(np.argmax(ratios)) + 1
    if ratios[n - 1] < gap_warn:
        warnings.warn(
            f"the singular-value gap that decides the intrinsic dimension (n={n}) is only "
            f"{ratios[n - 1]:.3g} (median relative spectrum {np.array2string(rel, precision=3)}); "
            "pass n_intrinsic explicitly.",
            IntrinsicDimensionWarning,
            stacklevel=3,
        )
    return n


def estimate_intrinsic_dim(jacobians, *, gap_warn: float = 10.0) -> int:
    """Intrinsic dimension from the singular values of per-sample Jacobians.

    Parameters
    ----------
    jacobians : array of shape (N, d, m)
        Jacobians of the observations with respect to the inputs (``m`` input dimensions).
    gap_warn : float, default 10
        Warn with :class:`IntrinsicDimensionWarning` when the chosen gap (ratio of consecutive
        median singular values) is below this.

    Returns
    -------
    int
        The number of median singular values before the largest relative gap, counting the
        gap after the last one against a relative floor of 1e-6: a well-conditioned full-rank
        spectrum gives ``min(d, m)``.
    """
    J = _as_jacobians(jacobians)
    s = np.linalg.svd(J, compute_uv=False)
    return _intrinsic_dim_from_singular_values(s, gap_warn)


def _as_real(x, name: str, shape: str) -> np.ndarray:
    """``x`` as float64; complex input is an error (numpy would drop the imaginary part)."""
    try:
        arr = np.asarray(x)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a numeric array of shape {shape}.") from None
    if np.iscomplexobj(arr):
        raise ValueError(
            f"{name} must be real-valued, got complex dtype {arr.dtype}; the metric is defined for "
            f"real observations. Pass {name}.real if the imaginary part is round-off."
        )
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise ValueError(f"{name} must be a numeric array of shape {shape}, got dtype {arr.dtype}.")
    return arr.astype(np.float64, copy=False)


def _as_jacobians(jacobians, name: str = "jacobians") -> np.ndarray:
    """``jacobians`` as a finite float64 array (N, d, n); one clear error otherwise."""
    J = _as_real(jacobians, name, "(N, d, n)")
    if J.ndim != 3:
        raise ValueError(f"{name} must have shape (N, d, n) = (samples, observed features, inputs), got {J.shape}.")
    if J.shape[0] < 1 or J.shape[1] < 1 or J.shape[2] < 1:
        raise ValueError(f"{name} has an empty axis: shape {J.shape}.")
    if not np.isfinite(J).all():
        bad = np.flatnonzero(~np.isfinite(J).reshape(len(J), -1).all(axis=1))
        raise ValueError(
            f"{name} contain NaN or inf at {bad.size} sample(s) (first at row {bad[0]}); "
            "check the network and its inputs there."
        )
    return J


def _metric_from_factors(U, s, n, rcond, normal_penalty, degenerate, what) -> LocalMetric:
    """Shared tail: keep ``n`` leading directions, check degeneracy, build the metric."""
    N, d, _ = U.shape
    if degenerate not in ("raise", "clip"):
        raise ValueError(f"degenerate must be 'raise' or 'clip', got {degenerate!r}.")
    s_n = s[:, :n]
    live = s_n[:, 0] > 0
    if not live.any():
        raise ValueError(
            f"all {what} vanish: the observations do not depend on the input at any sample, so there "
            "is no metric to build (not even a clipped one). Check that the observed neurons are alive "
            "and that the Jacobians are taken with respect to the input."
        )
    # the typical scale: the median leading singular value of the samples whose factor is not zero
    floor = rcond * np.median(s_n[live, 0])
    bad = s_n[:, -1] <= floor
    if bad.any():
        if degenerate == "raise":
            first = np.flatnonzero(bad)[:5]
            raise ValueError(
                f"{what} of rank < {n} at {bad.sum()} of {N} samples (first rows {first.tolist()}): "
                f"singular value <= {rcond:g} x median. The observations do not resolve the input there "
                "(e.g. a nonmonotonic output at its extremum, or saturated/dead neurons). Observe more or "
                "other neurons, drop these samples, lower n_intrinsic, or pass degenerate='clip' to floor "
                "the singular values."
            )
        s_n = np.maximum(s_n, floor)
    basis = np.ascontiguousarray(np.transpose(U[:, :, :n], (0, 2, 1)))
    tangent = 1.0 / s_n**2
    # with d == n there is no normal space and kappa cancels in ``quadratic``; taking it on the
    # tangent scale (not 1) keeps that cancellation exact for observations in any units
    normal = normal_penalty * tangent[:, -1] if d > n else tangent[:, -1].copy()
    return LocalMetric(basis=basis, tangent_weights=tangent, normal_weight=normal)


def metric_from_jacobians(
    jacobians,
    *,
    n_intrinsic: int | None = None,
    rcond: float = 1e-5,
    normal_penalty: float = 1.0,
    degenerate: str = "raise",
) -> LocalMetric:
    r"""The local metric :math:`M_i \approx (J_i J_i^\top)^+` from exact Jacobians.

    Parameters
    ----------
    jacobians : array of shape (N, d, m)
        :math:`J_i = \partial y / \partial x` at every sample (e.g. from :func:`netequiv.observe`
        with ``jacobian=True``).
    n_intrinsic : int, optional
        Rank ``n`` kept in the pseudo-inverse (the dimension of the input manifold).  By default
        it is detected from the singular-value gap (:func:`estimate_intrinsic_dim`).
    rcond : float, default 1e-5
        Singular values at or below ``rcond`` times the median leading singular value count
        as zero (the median is over the samples whose Jacobian is not zero).
    normal_penalty : float, default 1.0
        ``p`` in :math:`\kappa_i = p / s_{n,i}^2`, the cost of displacements normal to the
        observed manifold (see the module notes).  Must be > 0.
    degenerate : {"raise", "clip"}, default "raise"
        What to do where a Jacobian has rank below ``n``: raise, or floor the singular values at
        ``rcond`` times the median (useful to *demonstrate* the failure of a non-injective
        observation).  A zero Jacobian is floored like any other, so every weight stays
        finite; when *every* Jacobian is zero there is no scale to floor at and both
        settings raise.

    Returns
    -------
    LocalMetric

    Raises
    ------
    ValueError
        If the array is not (N, d, m), is complex ("jacobians must be real-valued, got complex
        dtype ..."), holds NaN/inf, ``n_intrinsic`` exceeds ``min(d, m)``,
        ``normal_penalty``/``rcond`` are not positive, a Jacobian is rank deficient and
        ``degenerate="raise"``, or every Jacobian is zero ("all Jacobians vanish: ...").

    Notes
    -----
    With :math:`J_i = U_i S_i V_i^\top`, :math:`C_i^+ = U_i S_i^{-2} U_i^\top` restricted to the
    ``n`` leading singular directions; see :class:`LocalMetric` for the normal penalty.

    Examples
    --------
    >>> import numpy as np
    >>> J = np.tile(np.array([[2.0], [0.0]]), (5, 1, 1))      # y = (2x, 0)
    >>> M = metric_from_jacobians(J).matrices()[0]
    >>> np.round(M, 3).tolist()
    [[0.25, 0.0], [0.0, 0.25]]
    """
    J = _as_jacobians(jacobians)
    _, d, m = J.shape
    rcond = check_positive(rcond, "rcond")
    normal_penalty = check_positive(normal_penalty, "normal_penalty")
    U, s, _ = np.linalg.svd(J, full_matrices=False)
    if n_intrinsic is None:
        n_intrinsic = _intrinsic_dim_from_singular_values(s, 10.0)
    n = _check_n(n_intrinsic, min(d, m))
    return _metric_from_factors(U, s, n, rcond, normal_penalty, degenerate, "Jacobians")


def metric_from_bursts(
    bursts,
    sigma: float,
    *,
    n_intrinsic: int | None = None,
    centers=None,
    rcond: float = 1e-5,
    normal_penalty: float = 1.0,
    degenerate: str = "raise",
) -> LocalMetric:
    r"""The local metric from bursts of observations of perturbed inputs (black-box networks).

    For inputs :math:`x_i + \sigma z_k` with :math:`z_k \sim N(0, I)`, the covariance of the
    observations is :math:`\sigma^2 J_i J_i^\top + O(\sigma^4)`, so
    :math:`\hat C_i = \mathrm{cov}(\text{burst}_i)/\sigma^2` estimates :math:`C_i`.

    Parameters
    ----------
    bursts : array of shape (N, K, d)
        ``K`` observations around each of the ``N`` samples
        (:func:`netequiv.burst_observations`).
    sigma : float
        Standard deviation of the input perturbations.
    n_intrinsic : int, optional
        Rank kept; detected from the eigenvalue gap of :math:`\hat C_i` when omitted.
    centers : array of shape (N, d), optional
        Deviations are taken from these (the unperturbed observations) instead of the burst means.
    rcond, normal_penalty, degenerate
        As in :func:`metric_from_jacobians`.

    Returns
    -------
    LocalMetric

    Raises
    ------
    ValueError
        If ``bursts`` is not (N, K, d) with K >= 2, holds NaN/inf, ``centers`` does not match,
        ``sigma`` is not positive, or a burst covariance is rank deficient (see
        :func:`metric_from_jacobians`).
    """
    B = _as_real(bursts, "bursts", "(N, K, d)")
    if B.ndim != 3 or B.shape[1] < 2:
        raise ValueError(f"bursts must have shape (N, K, d) with K >= 2 perturbed observations, got {B.shape}.")
    if not np.isfinite(B).all():
        raise ValueError("bursts contain NaN or inf; check the network's outputs on the perturbed inputs.")
    sigma = check_positive(sigma, "sigma")
    if centers is None:
        dev = B - B.mean(axis=1, keepdims=True)
        dof = B.shape[1] - 1
    else:
        c = as_2d_float(centers, "centers")
        if c.shape != (B.shape[0], B.shape[2]):
            raise ValueError(f"centers must have shape {(B.shape[0], B.shape[2])}, got {c.shape}.")
        dev = B - c[:, None, :]
        dof = B.shape[1]
    # a (d x K) factor of the covariance: C = F F^T with F = dev^T / (sigma sqrt(dof))
    F = np.transpose(dev, (0, 2, 1)) / (sigma * np.sqrt(dof))
    U, s, _ = np.linalg.svd(F, full_matrices=False)
    if n_intrinsic is None:
        n_intrinsic = _intrinsic_dim_from_singular_values(s, 10.0, complete=False, what="burst covariances")
    n = _check_n(n_intrinsic, min(B.shape[2], B.shape[1]))
    return _metric_from_factors(
        U,
        s,
        n,
        check_positive(rcond, "rcond"),
        check_positive(normal_penalty, "normal_penalty"),
        degenerate,
        "burst covariances",
    )


def _check_n(n_intrinsic, limit: int) -> int:
    if not isinstance(n_intrinsic, (int, np.integer)) or n_intrinsic < 1:
        raise ValueError(f"n_intrinsic must be a positive integer, got {n_intrinsic!r}.")
    if n_intrinsic > limit:
        raise ValueError(f"n_intrinsic={n_intrinsic} exceeds the rank a Jacobian of this shape can have ({limit}).")
    return int(n_intrinsic)
