"""Data generators of the diffusion-map and metric chapters, against analytic facts."""

import numpy as np
import pytest

from netequiv import DiffusionMaps, LocalMetric, metric_from_jacobians
from netequiv.chapters.datasets import (
    circle,
    interval,
    knn_truncated_kernel_check,
    latent_square,
    mushroom,
    random_tanh_params,
    swiss_roll,
    tanh_map,
)


def test_interval_uniform_and_ramp_densities():
    x = interval(50000)
    assert x.shape == (50000, 1) and 0 <= x.min() and x.max() <= 1
    assert abs(x.mean() - 0.5) < 0.01
    xr = interval(50000, density="ramp", ramp=10.0)
    # p(x) = (1 + 9x) / 5.5: mean = (1/2 + 9/3) / 5.5, histogram ratio of the end bins ~ 10
    assert abs(xr.mean() - (0.5 + 3.0) / 5.5) < 0.005
    h, _ = np.histogram(xr, bins=10, range=(0, 1))
    assert 6.0 < h[-1] / h[0] < 8.5  # bin means 1.45 and 9.55 of the density: ratio 6.6
    assert np.array_equal(interval(10, random_state=3), interval(10, random_state=3))


def test_circle_points_are_on_the_circle():
    theta, Y = circle(1000, random_state=1)
    np.testing.assert_allclose(np.arctan2(Y[:, 1], Y[:, 0]) % (2 * np.pi), theta, atol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(Y, axis=1), 1.0)


def test_swiss_roll_is_uniform_in_arc_length_and_isometric():
    st, Y = swiss_roll(20000, random_state=2)
    t = np.hypot(Y[:, 0], Y[:, 2])  # the spiral radius equals the parameter t
    np.testing.assert_allclose(np.arctan2(Y[:, 2], Y[:, 0]) % (2 * np.pi), t % (2 * np.pi), atol=1e-9)
    np.testing.assert_allclose(Y[:, 1], st[:, 1])
    # nearby samples along the spiral: arc-length difference = Euclidean distance (isometry)
    order = np.argsort(st[:, 0])
    ds = np.diff(st[order, 0])
    dxz = np.hypot(np.diff(Y[order, 0]), np.diff(Y[order, 2]))
    small = ds < 0.05
    np.testing.assert_allclose(dxz[small], ds[small], rtol=2e-3, atol=1e-9)
    # uniform in arc length: a quarter of the samples in each quarter of the strip
    q = np.histogram(st[:, 0], bins=4)[0] / len(st)
    np.testing.assert_allclose(q, 0.25, atol=0.02)


def _fd_jacobian(f, u, h=1e-6):
    cols = [(f(u + h * e) - f(u - h * e)) / (2 * h) for e in np.eye(u.shape[1])]
    return np.stack(cols, axis=2)


def test_maps_have_exact_jacobians():
    u = np.random.default_rng(0).uniform(size=(50, 2))
    y, J = mushroom(u, jacobian=True)
    np.testing.assert_allclose(J, _fd_jacobian(mushroom, u), atol=1e-7)
    np.testing.assert_allclose(np.linalg.det(J), 1 + 9 * u[:, 0] ** 2 * u[:, 1] ** 2)
    W, b = random_tanh_params(random_state=1)
    y2, J2 = tanh_map(u, W, b, jacobian=True)
    np.testing.assert_allclose(J2, _fd_jacobian(lambda v: tanh_map(v, W, b), u), atol=1e-7)
    np.testing.assert_allclose(y2, tanh_map(u, W, b))


def test_latent_square_matches_the_documented_draw_order():
    sq = latent_square(300, random_state=5)
    rng = np.random.default_rng(5)
    u = rng.uniform(0, 1, (300, 2))
    W, b = rng.normal(size=(5, 2)) * 1.5, rng.normal(size=5) * 0.5
    np.testing.assert_array_equal(sq.u, u)
    np.testing.assert_array_equal(sq.W, W)
    np.testing.assert_array_equal(sq.b, b)
    np.testing.assert_allclose(sq.y_tanh, np.tanh(u @ W.T + b))
    assert sq.jac_mushroom.shape == (300, 2, 2) and sq.jac_tanh.shape == (300, 5, 2)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: interval(1), "n_samples must be an integer >= 2"),
        (lambda: interval(10, density="beta"), "density must be 'uniform' or 'ramp'"),
        (lambda: interval(10, density="ramp", ramp=0.0), "ramp must be a finite number > 0"),
        (lambda: swiss_roll(10, width=-1.0), "width must be a finite number > 0"),
        (lambda: mushroom(np.zeros((3, 3))), "u must have 2 columns"),
        (lambda: tanh_map(np.zeros((3, 2)), np.zeros((5, 3)), np.zeros(5)), r"W must have shape \(d, n\)"),
        (lambda: tanh_map(np.zeros((3, 2)), np.zeros((5, 2)), np.zeros(4)), r"b must have shape \(d,\)"),
        (lambda: mushroom(np.full((3, 2), np.nan)), "NaN or inf"),
        (lambda: random_tanh_params(0), "n_features must be an integer >= 1"),
    ],
)
def test_bad_inputs_raise(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_knn_truncation_is_exact_with_all_neighbours_and_lossy_with_few():
    sq = latent_square(400, random_state=0)
    metric = metric_from_jacobians(sq.jac_mushroom, n_intrinsic=2)
    dm = DiffusionMaps(n_components=2, metric="mahalanobis", kernel_cutoff=1e-14).fit(sq.y_mushroom, metric=metric)
    full = knn_truncated_kernel_check(sq.y_mushroom, metric, dm.epsilon_, n_neighbors=400, kernel_cutoff=1e-14)
    assert full.kernel_dropped.max() == 0.0
    for j in range(2):  # the complete kernel reproduces DiffusionMaps up to sign
        assert abs(np.corrcoef(full.embedding[:, j], dm.eigenvectors_[:, j])[0, 1]) > 1 - 1e-8
    few = knn_truncated_kernel_check(sq.y_mushroom, metric, dm.epsilon_, n_neighbors=16)
    assert few.kernel_dropped.max() > 0.1 and few.kernel_at_farthest.max() > 0.1
    # the Euclidean metric in latent space: the farthest candidate is the k-th neighbour exactly
    eu = knn_truncated_kernel_check(sq.u, LocalMetric.euclidean(400, 2), 0.01, n_neighbors=10)
    d10 = np.sort(((sq.u[:, None] - sq.u[None]) ** 2).sum(-1), axis=1)[:, 9]
    np.testing.assert_allclose(eu.kernel_at_farthest, np.exp(-d10 / 0.02), rtol=1e-12)
    with pytest.raises(ValueError, match="n_neighbors must be an integer"):
        knn_truncated_kernel_check(sq.u, LocalMetric.euclidean(400, 2), 0.01, n_neighbors=2)
    with pytest.raises(ValueError, match="the local metric is for"):
        knn_truncated_kernel_check(sq.u[:10], LocalMetric.euclidean(400, 2), 0.01, n_neighbors=5)
