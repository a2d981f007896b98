"""Harmonic detection (local linear regression residuals) and Procrustes alignment."""

import numpy as np
import pytest
from scipy.spatial.distance import pdist
from scipy.stats import ortho_group

from netequiv.selection import AlignResult, align_embeddings, llr_residuals, select_nonharmonic


def interval_psi(n=1000, seed=0):
    x = np.random.default_rng(seed).uniform(size=n)
    return np.column_stack([np.cos(j * np.pi * x) for j in range(1, 6)])


def rectangle_psi(height, n=1000, n_modes=8, seed=1):
    """Neumann eigenfunctions cos(a pi x) cos(b pi y / height) of [0,1] x [0,height], by eigenvalue."""
    rng = np.random.default_rng(seed)
    x, y = rng.uniform(size=n), height * rng.uniform(size=n)
    modes = [(a, b) for a in range(6) for b in range(6) if a + b > 0]
    modes.sort(key=lambda ab: ab[0] ** 2 + (ab[1] / height) ** 2)
    modes = modes[:n_modes]
    psi = np.column_stack([np.cos(a * np.pi * x) * np.cos(b * np.pi * y / height) for a, b in modes])
    return psi, modes


def brute_force_llr(psi, eps_factor=3.0):
    """One weighted least-squares problem per point (np.linalg.lstsq), for comparison."""
    res = np.ones(psi.shape[1])
    for j in range(1, psi.shape[1]):
        X, y = psi[:, :j], psi[:, j]
        eps = np.median(pdist(X)) / eps_factor
        fit = np.empty(len(y))
        for i in range(len(y)):
            w = np.exp(-np.sum((X - X[i]) ** 2, axis=1) / eps**2)
            w[i] = 0.0
            A = np.column_stack([np.ones(len(y)), X - X[i]]) * np.sqrt(w)[:, None]
            coef = np.linalg.lstsq(A, y * np.sqrt(w), rcond=None)[0]
            fit[i] = coef[0]
        res[j] = np.sqrt(np.sum((y - fit) ** 2) / np.sum(y**2))
    return res


def test_interval_harmonics_have_small_residuals():
    r = llr_residuals(interval_psi())
    assert r.shape == (5,)
    assert r[0] == 1.0
    # measured: 0.066, 0.056, 0.048, 0.035
    assert np.all(r[1:] < 0.1), r


def test_vectorised_fit_matches_pointwise_least_squares():
    rng = np.random.default_rng(3)
    x, y = rng.uniform(size=(2, 80))
    psi = np.column_stack(
        [np.cos(np.pi * x), np.cos(np.pi * y), np.cos(2 * np.pi * x), np.cos(np.pi * x) * np.cos(np.pi * y)]
    )
    np.testing.assert_allclose(llr_residuals(psi), brute_force_llr(psi), rtol=1e-6)


def test_rectangle_selects_first_x_and_y_modes():
    psi, modes = rectangle_psi(0.6)
    assert modes[:4] == [(1, 0), (0, 1), (1, 1), (2, 0)]
    np.testing.assert_array_equal(select_nonharmonic(psi, 2), [0, 1])

    # thinner strip: the y-mode comes after the x-harmonic cos(2 pi x)
    psi, modes = rectangle_psi(0.4)
    assert modes[:3] == [(1, 0), (2, 0), (0, 1)]
    r = llr_residuals(psi)
    # measured: [1, 0.066, 1.007, 0.019, 0.11, 0.017, 0.02, 0.075]
    assert r[2] > 0.9
    assert np.max(np.delete(r, [0, 2])) < 0.2
    np.testing.assert_array_equal(select_nonharmonic(psi, 2, residuals=r), [0, 2])
    np.testing.assert_array_equal(select_nonharmonic(psi, 2), [0, 2])


def test_too_many_components_names_the_residuals():
    psi = interval_psi()
    with pytest.raises(ValueError, match=r"only 1 of the 5 eigenvectors .* \(residuals: \[1\. +, 0\.066"):
        select_nonharmonic(psi, 2)
    with pytest.raises(ValueError, match="psi has only 5 eigenvectors"):
        select_nonharmonic(psi, 6)
    with pytest.raises(ValueError, match="n_components must be a positive integer"):
        select_nonharmonic(psi, 0)
    with pytest.raises(ValueError, match=r"residuals must have shape \(k,\) = \(5,\)"):
        select_nonharmonic(psi, 1, residuals=[1.0, 0.5])
    # a lower threshold accepts the best harmonic as a second direction
    np.testing.assert_array_equal(select_nonharmonic(psi, 2, min_residual=0.05), [0, 1])


def test_subsampling_is_seeded_and_bandwidth_override():
    psi = interval_psi(n=3000)
    a = llr_residuals(psi, n_samples=500, random_state=7)
    np.testing.assert_array_equal(a, llr_residuals(psi, n_samples=500, random_state=7))
    assert not np.array_equal(a, llr_residuals(psi, n_samples=500, random_state=8))
    assert np.all(a[1:] < 0.1)
    # a bandwidth far below the point spacing leaves every point without neighbours: r = 1
    x = np.linspace(0.0, 1.0, 50)  # closest pair of cos(pi x) values is 2e-3 apart
    grid_psi = np.column_stack([np.cos(j * np.pi * x) for j in range(1, 4)])
    np.testing.assert_array_equal(llr_residuals(grid_psi, bandwidth=1e-5), np.ones(3))
    assert np.all(llr_residuals(grid_psi)[1:] < 0.1)


def test_llr_bad_input():
    psi = interval_psi(n=50)
    with pytest.raises(ValueError, match="NaN or inf"):
        llr_residuals(np.where(np.arange(50)[:, None] == 3, np.nan, psi))
    with pytest.raises(ValueError, match="bandwidth must be 'auto' or a positive number"):
        llr_residuals(psi, bandwidth="median")
    with pytest.raises(ValueError, match="bandwidth must be 'auto' or a positive number"):
        llr_residuals(psi, bandwidth=-1.0)
    with pytest.raises(ValueError, match="n_samples must be an integer >= 3"):
        llr_residuals(psi, n_samples=2)
    with pytest.raises(ValueError, match="psi column 1 is identically zero"):
        llr_residuals(np.column_stack([psi[:, 0], np.zeros(50)]))
    with pytest.raises(ValueError, match="at least 6 are needed for 5 eigenvectors"):
        llr_residuals(psi[:5])


def test_align_recovers_orthogonal_map_with_reflection():
    rng = np.random.default_rng(0)
    A = rng.normal(size=(300, 3)) * [1.0, 0.7, 0.4]
    Q0 = ortho_group.rvs(3, random_state=1)
    if np.linalg.det(Q0) > 0:
        Q0[:, 0] *= -1.0
    assert np.linalg.det(Q0) == pytest.approx(-1.0)
    B = A @ Q0.T + [5.0, -2.0, 1.0]  # other = rotated, reflected and shifted reference
    res = align_embeddings(A, B)
    assert isinstance(res, AlignResult)
    np.testing.assert_allclose(res.rotation, Q0, atol=1e-10)
    np.testing.assert_allclose(res.aligned, A, atol=1e-10)
    assert res.r2 == pytest.approx(1.0, abs=1e-12)
    assert res.rms < 1e-10


def test_align_degenerate_eigenspace_and_sign_flip():
    # on the unit square cos(pi x) and cos(pi y) share one eigenvalue: any rotation of the pair
    # (and a sign flip of cos(2 pi x)) is an equally valid diffusion-map output
    rng = np.random.default_rng(2)
    x, y = rng.uniform(size=(2, 500))
    ref = np.column_stack([np.cos(np.pi * x), np.cos(np.pi * y), np.cos(2 * np.pi * x)])
    t = 0.7
    R = np.array([[np.cos(t), -np.sin(t), 0.0], [np.sin(t), np.cos(t), 0.0], [0.0, 0.0, -1.0]])
    res = align_embeddings(ref, ref @ R)
    np.testing.assert_allclose(res.rotation, R.T, atol=1e-10)
    np.testing.assert_allclose(res.aligned, ref, atol=1e-10)
    assert res.rms < 1e-10


def test_align_independent_noise_has_no_agreement():
    rng = np.random.default_rng(4)
    res = align_embeddings(rng.normal(size=(4000, 2)), rng.normal(size=(4000, 2)))
    assert res.r2 < 0.01
    assert res.rms == pytest.approx(np.sqrt(2.0), abs=0.05)
    np.testing.assert_allclose(res.rotation.T @ res.rotation, np.eye(2), atol=1e-12)


def test_align_partial_agreement():
    # other = reference + independent noise of the same variance: corr = 1/sqrt(2) per coordinate
    rng = np.random.default_rng(5)
    A = rng.normal(size=(20000, 2))
    res = align_embeddings(A, A + rng.normal(size=A.shape))
    assert res.r2 == pytest.approx(0.5, abs=0.02)
    assert res.rms == pytest.approx(np.sqrt(2.0 - np.sqrt(2.0)), abs=0.02)


def test_align_bad_input():
    A = np.random.default_rng(6).normal(size=(20, 2))
    with pytest.raises(ValueError, match="reference has 20 samples but other has 19"):
        align_embeddings(A, A[:19])
    with pytest.raises(ValueError, match="reference has m=2 coordinates but other has 3"):
        align_embeddings(A, np.column_stack([A, A[:, 0]]))
    with pytest.raises(ValueError, match=r"other coordinate\(s\) \[1\] are constant"):
        align_embeddings(A, np.column_stack([A[:, 0], np.ones(20)]))
    with pytest.raises(ValueError, match="linearly dependent"):
        align_embeddings(A, np.column_stack([A[:, 0], 2.0 * A[:, 0]]))
    with pytest.raises(ValueError, match="NaN or inf"):
        align_embeddings(A, np.where(A > 1.0, np.inf, A))
