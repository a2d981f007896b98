"""Local metrics: pseudo-inverses, normal penalty, bursts, intrinsic dimension, errors."""

import numpy as np
import pytest

from netequiv import estimate_intrinsic_dim, metric_from_bursts, metric_from_jacobians
from netequiv.metric import IntrinsicDimensionWarning, LocalMetric


def random_jacobians(N=50, d=4, n=2, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(N, d, n))


def test_square_jacobian_metric_is_inverse_of_JJt():
    J = random_jacobians(d=2, n=2)
    M = metric_from_jacobians(J).matrices()
    expected = np.linalg.inv(J @ np.transpose(J, (0, 2, 1)))
    np.testing.assert_allclose(M, expected, rtol=1e-10, atol=1e-12)


def test_rank_n_pseudo_inverse_plus_normal_penalty():
    J = random_jacobians(d=4, n=2)
    metric = metric_from_jacobians(J, normal_penalty=3.0)
    M = metric.matrices()
    C = J @ np.transpose(J, (0, 2, 1))
    pinv = np.linalg.pinv(C, rcond=1e-10, hermitian=True)
    U, s, _ = np.linalg.svd(J, full_matrices=False)
    normal = np.eye(4) - U @ np.transpose(U, (0, 2, 1))
    kappa = 3.0 / s[:, -1] ** 2
    np.testing.assert_allclose(M, pinv + kappa[:, None, None] * normal, rtol=1e-9, atol=1e-10)
    # quadratic() agrees with the dense matrices
    delta = np.random.default_rng(1).normal(size=(50, 4))
    q = np.einsum("pd,pde,pe->p", delta, M, delta)
    np.testing.assert_allclose(metric.quadratic(np.arange(50), delta), q, rtol=1e-10)
    # Mahalanobis distance of a tangent displacement recovers the input displacement
    dx = np.random.default_rng(2).normal(size=(50, 2)) * 1e-3
    dy = np.einsum("pdn,pn->pd", J, dx)
    np.testing.assert_allclose(metric.quadratic(np.arange(50), dy), (dx**2).sum(1), rtol=1e-9)
    # min_eigenvalue bounds the spectrum
    lam = np.linalg.eigvalsh(M)[:, 0]
    np.testing.assert_allclose(metric.min_eigenvalue(), lam, rtol=1e-9)


def test_subset_indexing_and_euclidean():
    metric = metric_from_jacobians(random_jacobians())
    sub = metric[np.array([3, 1])]
    np.testing.assert_array_equal(sub.matrices(), metric.matrices()[[3, 1]])
    E = LocalMetric.euclidean(5, 3).matrices()
    np.testing.assert_array_equal(E, np.broadcast_to(np.eye(3), (5, 3, 3)))


def test_intrinsic_dimension_from_the_singular_value_gap():
    rng = np.random.default_rng(0)
    A = rng.normal(size=(200, 5, 1))
    B = rng.normal(size=(200, 1, 3))
    J = A @ B + 1e-9 * rng.normal(size=(200, 5, 3))  # rank 1 maps of a 3-D input
    assert estimate_intrinsic_dim(J) == 1
    assert estimate_intrinsic_dim(random_jacobians(d=5, n=3)) == 3
    assert metric_from_jacobians(J, degenerate="clip").n_intrinsic == 1


def test_largest_gap_decides_and_unclear_gaps_warn():
    J = np.zeros((10, 3, 3))
    J[:, [0, 1, 2], [0, 1, 2]] = [1.0, 0.08, 1e-7]  # gaps 12.5 and 8e5: rank 2
    assert estimate_intrinsic_dim(J) == 2
    J[:, [0, 1, 2], [0, 1, 2]] = [1.0, 0.5, 0.2]  # no interior gap, full rank
    assert estimate_intrinsic_dim(J) == 3
    # isotropic bursts have no gap at all: warned
    rng = np.random.default_rng(0)
    bursts = rng.normal(size=(30, 50, 3))
    with pytest.warns(IntrinsicDimensionWarning, match="pass n_intrinsic"):
        metric_from_bursts(bursts, 1.0)


def test_burst_covariance_estimates_the_jacobian_metric():
    rng = np.random.default_rng(3)
    N, K, sigma = 40, 400, 1e-4
    W = rng.normal(size=(3, 2))
    x = rng.uniform(-1, 1, size=(N, 2))
    xp = x[:, None, :] + sigma * rng.normal(size=(N, K, 2))
    bursts = np.tanh(xp @ W.T)
    J = (1 - np.tanh(x @ W.T) ** 2)[:, :, None] * W[None]
    Mb = metric_from_bursts(bursts, sigma, n_intrinsic=2).matrices()
    Mj = metric_from_jacobians(J, n_intrinsic=2).matrices()
    # sampling error of a K-sample covariance is ~ sqrt(2/K) = 7 %
    rel = np.linalg.norm(Mb - Mj, axis=(1, 2)) / np.linalg.norm(Mj, axis=(1, 2))
    assert np.median(rel) < 0.15


@pytest.mark.parametrize(
    "J, kwargs, match",
    [
        (np.zeros((3, 2)), {}, r"shape \(N, d, n\)"),
        (np.full((3, 2, 1), np.nan), {}, "NaN or inf"),
        (random_jacobians(), {"n_intrinsic": 3}, "exceeds"),
        (random_jacobians(), {"n_intrinsic": 0}, "positive integer"),
        (random_jacobians(), {"rcond": 0}, "rcond"),
        (random_jacobians(), {"normal_penalty": -1}, "normal_penalty"),
        (np.zeros((4, 2, 1)), {}, "vanish"),
    ],
)
def test_jacobian_errors(J, kwargs, match):
    with pytest.raises(ValueError, match=match):
        metric_from_jacobians(J, **kwargs)


def test_rank_deficient_jacobians_raise_with_advice():
    x = np.linspace(0, 1, 101)
    J = (2 * np.pi * np.cos(2 * np.pi * x))[:, None, None]  # sin(2 pi x): f' = 0 at x = 1/4, 3/4
    # the grid hits both extrema exactly (rows 25 and 75)
    with pytest.raises(ValueError, match=r"rank < 1 at 2 of 101 samples \(first rows \[25, 75\]\).*degenerate='clip'"):
        metric_from_jacobians(J, n_intrinsic=1)
    clipped = metric_from_jacobians(J, n_intrinsic=1, degenerate="clip")
    assert np.isfinite(clipped.tangent_weights).all()


def test_burst_errors():
    with pytest.raises(ValueError, match="K >= 2"):
        metric_from_bursts(np.zeros((3, 1, 2)), 0.1)
    with pytest.raises(ValueError, match="sigma"):
        metric_from_bursts(np.zeros((3, 4, 2)), 0.0)
    with pytest.raises(ValueError, match="centers must have shape"):
        metric_from_bursts(np.ones((3, 4, 2)), 0.1, centers=np.zeros((2, 2)))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf, -1.0, 0.0])
@pytest.mark.parametrize("field", ["tangent_weights", "normal_weight"])
def test_local_metric_rejects_bad_weights(field, bad):
    good = metric_from_jacobians(random_jacobians(N=6))
    parts = {
        "basis": good.basis,
        "tangent_weights": good.tangent_weights.copy(),
        "normal_weight": good.normal_weight.copy(),
    }
    parts[field][3] = bad  # the whole row of sample 3
    with pytest.raises(ValueError, match=rf"LocalMetric {field} must be finite and > 0 .*got {bad!r} at sample 3"):
        LocalMetric(**parts)
    LocalMetric(good.basis, good.tangent_weights, good.normal_weight)  # the good one builds
    LocalMetric.euclidean(4, 3)  # no tangent weights at all
    with pytest.raises(ValueError, match="basis contains NaN or inf at sample 2"):
        basis = good.basis.copy()
        basis[2, 0, 1] = np.nan
        LocalMetric(basis, good.tangent_weights, good.normal_weight)
    with pytest.raises(ValueError, match="must hold real numbers, got dtype complex128"):
        LocalMetric(good.basis.astype(complex), good.tangent_weights, good.normal_weight)


def test_complex_jacobians_and_bursts_raise_without_warning():
    J = random_jacobians(N=5) + 0j
    for f, args in ((metric_from_jacobians, ()), (estimate_intrinsic_dim, ())):
        with pytest.raises(ValueError, match=r"jacobians must be real-valued, got complex dtype complex128.*\.real"):
            f(J, *args)
    # even an imaginary part of exactly zero: the caller passes the real part explicitly
    with pytest.raises(ValueError, match="real-valued"):
        metric_from_jacobians(J.astype(np.complex64))
    with pytest.raises(ValueError, match="bursts must be real-valued"):
        metric_from_bursts(np.ones((3, 4, 2), dtype=complex), 0.1)
    with pytest.raises(ValueError, match="numeric array"):
        metric_from_jacobians(np.array([[["a"]]]))


@pytest.mark.parametrize("n_intrinsic", [None, 1])
@pytest.mark.parametrize("degenerate", ["raise", "clip"])
def test_all_zero_jacobians_raise_also_when_clipping(n_intrinsic, degenerate):
    with pytest.raises(ValueError, match="all Jacobians vanish"):
        metric_from_jacobians(np.zeros((6, 3, 1)), n_intrinsic=n_intrinsic, degenerate=degenerate)
    with pytest.raises(ValueError, match="all burst covariances vanish"):
        metric_from_bursts(np.ones((6, 4, 2)), 0.1, n_intrinsic=n_intrinsic, degenerate=degenerate)


@pytest.mark.parametrize("n_zero", [1, 4, 5])
def test_clip_keeps_weights_finite_when_some_jacobians_vanish(n_zero):
    """Zero Jacobians (dead inputs) at some samples: 'clip' floors them at rcond x the typical scale."""
    J = np.tile(np.array([[2.0], [0.0]]), (6, 1, 1))  # y = (2x, 0): s = 2 where alive
    J[:n_zero] = 0.0  # also when they are the majority (the median of all samples would be 0)
    with pytest.raises(ValueError, match=rf"rank < 1 at {n_zero} of 6 samples"):
        metric_from_jacobians(J, n_intrinsic=1)
    m = metric_from_jacobians(J, n_intrinsic=1, degenerate="clip", rcond=1e-3)
    assert np.isfinite(m.tangent_weights).all() and np.isfinite(m.normal_weight).all()
    np.testing.assert_allclose(m.tangent_weights[:n_zero, 0], 1.0 / (1e-3 * 2.0) ** 2)
    np.testing.assert_allclose(m.tangent_weights[n_zero:, 0], 0.25)
    # the detected dimension ignores the dead samples as well
    assert metric_from_jacobians(J, degenerate="clip").n_intrinsic == 1
    assert np.isfinite(m.matrices()).all()


def test_degenerate_setting_is_checked_always():
    with pytest.raises(ValueError, match="degenerate must be 'raise' or 'clip', got 'warn'"):
        metric_from_jacobians(random_jacobians(), degenerate="warn")
