"""Known-answer tests for the representation-similarity baselines."""

import itertools

import numpy as np
import pytest
from scipy.linalg import orthogonal_procrustes, sqrtm
from scipy.spatial import cKDTree

from netequiv.baselines import linear_cka, linear_stitching, mutual_knn_overlap, procrustes_distance, rbf_cka, svcca

ALL = [linear_cka, rbf_cka, svcca, procrustes_distance, linear_stitching, mutual_knn_overlap]


def _orth(rng, d):
    Q, _ = np.linalg.qr(rng.normal(size=(d, d)))
    return Q


@pytest.fixture
def data():
    rng = np.random.default_rng(42)
    X = rng.normal(size=(300, 5))
    # a genuinely different but related representation
    Y = np.tanh(X @ rng.normal(size=(5, 4))) + 0.3 * rng.normal(size=(300, 4))
    return rng, X, Y


# ---------------------------------------------------------------- CKA
@pytest.mark.parametrize("unbiased", [False, True])
@pytest.mark.parametrize("cka", [linear_cka, rbf_cka])
def test_cka_orthogonal_invariance(data, cka, unbiased):
    rng, X, _ = data
    Q = _orth(rng, 5)
    assert cka(X, X @ Q + 3.0, unbiased=unbiased) == pytest.approx(1.0, abs=1e-10)


@pytest.mark.parametrize("unbiased", [False, True])
@pytest.mark.parametrize("cka", [linear_cka, rbf_cka])
def test_cka_isotropic_scaling_invariance(data, cka, unbiased):
    _, X, Y = data
    base = cka(X, Y, unbiased=unbiased)
    assert 0.1 < base < 0.99  # a non-trivial value, so invariance is not vacuous
    assert cka(7.5 * X, Y, unbiased=unbiased) == pytest.approx(base, rel=1e-10)
    assert cka(X, 0.01 * Y, unbiased=unbiased) == pytest.approx(base, rel=1e-10)
    assert cka(Y, X, unbiased=unbiased) == pytest.approx(base, rel=1e-10)  # symmetric


def test_linear_cka_not_invariant_to_anisotropic_scaling(data):
    _, X, _ = data
    assert linear_cka(X, X * np.array([1.0, 1.0, 1.0, 1.0, 20.0])) < 0.5


def _hsic_explicit(K, L):
    n = len(K)
    H = np.eye(n) - np.ones((n, n)) / n
    return np.trace(K @ H @ L @ H) / (n - 1) ** 2


def _hsic_u_statistic(K, L):
    """Unbiased HSIC as the U-statistic over ordered 4-tuples of distinct indices (Song et al. 2012)."""
    n = len(K)
    total, count = 0.0, 0
    for t, u, v, w in itertools.permutations(range(n), 4):
        total += K[t, u] * L[t, u] + K[t, u] * L[v, w] - 2.0 * K[t, u] * L[t, v]
        count += 1
    return total / count


@pytest.mark.parametrize("p", [3, 30])  # 3: feature-space formula, 30: Gram-matrix formula
def test_linear_cka_matches_explicit_centring_matrices(p):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(10, p))
    Y = X[:, :2] @ rng.normal(size=(2, 4)) + rng.normal(size=(10, 4))
    K, L = X @ X.T, Y @ Y.T  # uncentred: H does the centring
    expected = _hsic_explicit(K, L) / np.sqrt(_hsic_explicit(K, K) * _hsic_explicit(L, L))
    assert 0.05 < expected < 0.95
    assert linear_cka(X, Y) == pytest.approx(expected, rel=1e-12)


def test_unbiased_cka_matches_u_statistic():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(7, 3))
    Y = X @ rng.normal(size=(3, 2)) + 0.5 * rng.normal(size=(7, 2))
    K, L = X @ X.T, Y @ Y.T
    expected = _hsic_u_statistic(K, L) / np.sqrt(_hsic_u_statistic(K, K) * _hsic_u_statistic(L, L))
    assert linear_cka(X, Y, unbiased=True) == pytest.approx(expected, rel=1e-10)
    assert linear_cka(X, Y, unbiased=True) != pytest.approx(linear_cka(X, Y), rel=1e-3)


def test_rbf_cka_matches_explicit_kernel():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(12, 2))
    Y = np.sin(X) + 0.1 * rng.normal(size=(12, 2))

    def gram(A, frac):
        D = np.linalg.norm(A[:, None] - A[None], axis=-1)
        sigma = frac * np.median(D[np.triu_indices(len(A), 1)])
        return np.exp(-(D**2) / (2 * sigma**2))

    K, L = gram(X, 0.8), gram(Y, 0.8)
    expected = _hsic_explicit(K, L) / np.sqrt(_hsic_explicit(K, K) * _hsic_explicit(L, L))
    assert rbf_cka(X, Y, sigma_frac=0.8) == pytest.approx(expected, rel=1e-10)


def test_cka_independent_noise_small():
    rng = np.random.default_rng(4)
    X, Y = rng.normal(size=(500, 5)), rng.normal(size=(500, 5))
    # biased linear CKA of independent data is O(p/N)-ish (here ~ 0.01), unbiased ~ 0
    assert linear_cka(X, Y) < 0.05
    assert abs(linear_cka(X, Y, unbiased=True)) < 0.01
    assert abs(rbf_cka(X, Y, unbiased=True)) < 0.01


# ---------------------------------------------------------------- SVCCA
def test_svcca_invertible_linear_map_is_one(data):
    rng, X, _ = data
    A = rng.normal(size=(5, 5))
    assert abs(np.linalg.det(A)) > 0.1
    assert svcca(X, X @ A + 1.0) == pytest.approx(1.0, abs=1e-10)
    assert svcca(X, X @ A, n_components=5) == pytest.approx(1.0, abs=1e-10)
    # wider Y with the same 5-dimensional span: still 1
    assert svcca(X, X @ rng.normal(size=(5, 8))) == pytest.approx(1.0, abs=1e-10)


def test_svcca_independent_noise_bound():
    # For independent isotropic data the kept subspaces are random; E sum_i rho_i^2 =
    # k_X k_Y / (N - 1), so by Jensen E mean(rho) <= sqrt(max(k_X, k_Y) / (N - 1)).
    rng = np.random.default_rng(5)
    N, p = 1000, 5
    X, Y = rng.normal(size=(N, p)), rng.normal(size=(N, p))
    bound = np.sqrt(p / (N - 1))  # keep=0.99 retains all 5 isotropic directions
    score = svcca(X, Y)
    assert score < 2 * bound
    assert score > 0.2 * bound  # the small-sample bias is real, not zero
    # ten times the samples, about a third of the score
    X2, Y2 = rng.normal(size=(10 * N, p)), rng.normal(size=(10 * N, p))
    assert svcca(X2, Y2) < 0.6 * score


def test_svcca_matches_whitened_cca():
    rng = np.random.default_rng(6)
    X = rng.normal(size=(200, 3))
    Y = np.column_stack([X[:, 0] + 0.5 * rng.normal(size=200), rng.normal(size=(200, 2))])
    Xc, Yc = X - X.mean(0), Y - Y.mean(0)
    Cxx, Cyy, Cxy = Xc.T @ Xc, Yc.T @ Yc, Xc.T @ Yc
    M = np.linalg.inv(np.real(sqrtm(Cxx))) @ Cxy @ np.linalg.inv(np.real(sqrtm(Cyy)))
    rho = np.linalg.svd(M, compute_uv=False)
    assert svcca(X, Y, keep=1.0) == pytest.approx(rho.mean(), rel=1e-10)
    assert rho[0] > 0.8  # the shared direction is found


def test_svcca_keep_truncates():
    rng = np.random.default_rng(7)
    # X: one strong direction and a faint one; Y shares only the faint one
    z1, z2 = rng.normal(size=(2, 500))
    X = np.column_stack([10 * z1, 0.01 * z2])
    Y = np.column_stack([z2, rng.normal(size=500)])
    assert svcca(X, Y, keep=1.0) > 0.45  # faint direction matched (rho ~ 1, ~ 0)
    assert svcca(X, Y, keep=0.99) < 0.1  # faint direction dropped by the SVD step


# ---------------------------------------------------------------- Procrustes
def test_procrustes_zero_for_rotated_scaled_copy(data):
    rng, X, _ = data
    Q = _orth(rng, 5)
    assert procrustes_distance(X, 4.0 * X @ Q - 2.0) == pytest.approx(0.0, abs=1e-6)
    # reflection too
    assert procrustes_distance(X, X * np.array([1, -1, 1, 1, 1])) == pytest.approx(0.0, abs=1e-6)


def test_procrustes_independent_noise_bound():
    # d^2 = 2 - 2 ||X^T Y||_* >= 2 - 2 sqrt(min(p, q)) ||X^T Y||_F with normalised X, Y, and
    # E ||X^T Y||_F^2 ~ 1/(N-1) for independent isotropic data; allow a factor 2 on the norm.
    rng = np.random.default_rng(8)
    N, p, q = 400, 4, 6
    d = procrustes_distance(rng.normal(size=(N, p)), rng.normal(size=(N, q)))
    assert np.sqrt(2 - 4 * np.sqrt(min(p, q) / (N - 1))) < d <= np.sqrt(2)


def test_procrustes_matches_scipy(data):
    _, X, Y = data
    Xh = (X - X.mean(0)) / np.linalg.norm(X - X.mean(0))
    Yh = (Y - Y.mean(0)) / np.linalg.norm(Y - Y.mean(0))
    Yh = np.column_stack([Yh, np.zeros((len(Y), 1))])  # pad 4 -> 5 columns
    R, _ = orthogonal_procrustes(Yh, Xh)
    expected = np.linalg.norm(Yh @ R - Xh)
    d = procrustes_distance(X, Y)
    assert 0.2 < d < 1.2
    assert d == pytest.approx(expected, rel=1e-10)
    assert procrustes_distance(Y, X) == pytest.approx(d, rel=1e-10)


# ---------------------------------------------------------------- stitching
def test_stitching_affine_map_is_one(data):
    rng, X, _ = data
    Y = X @ rng.normal(size=(5, 7)) + rng.normal(size=7)
    assert linear_stitching(X, Y) == pytest.approx(1.0, abs=1e-10)
    # without the intercept the offset cannot be fitted
    assert linear_stitching(X, Y + 5.0, affine=False) < 0.9


def test_stitching_independent_noise_near_zero():
    rng = np.random.default_rng(9)
    X, Y = rng.normal(size=(1000, 5)), rng.normal(size=(1000, 3))
    r2 = linear_stitching(X, Y)
    # expected about -(p+1)/(N_train - p - 2) = -0.008
    assert -0.05 < r2 < 0.01


def test_stitching_seeded_and_asymmetric(data):
    _, X, Y = data
    assert linear_stitching(X, Y, random_state=3) == linear_stitching(X, Y, random_state=3)
    assert linear_stitching(X, Y, random_state=3) != linear_stitching(X, Y, random_state=4)
    # Y is a noisy function of X: X -> Y is predictable, Y -> X (one dimension lost) less so
    r_xy, r_yx = linear_stitching(X, Y), linear_stitching(Y, X)
    assert 0.3 < r_xy < 1 and r_yx < r_xy


# ---------------------------------------------------------------- kNN
def test_knn_overlap_rotated_copy_is_one(data):
    rng, X, _ = data
    Q = _orth(rng, 5)
    assert mutual_knn_overlap(X, 2.0 * X @ Q + 1.0, k=10) == 1.0


def test_knn_overlap_matches_kdtree_and_chance(data):
    _, X, Y = data
    k = 7
    nx = cKDTree(X).query(X, k + 1)[1][:, 1:]
    ny = cKDTree(Y).query(Y, k + 1)[1][:, 1:]
    expected = np.mean([len(set(a) & set(b)) / k for a, b in zip(nx, ny)])
    assert mutual_knn_overlap(X, Y, k=k) == pytest.approx(expected, abs=1e-12)
    # independent data: chance level k / (N - 1)
    rng = np.random.default_rng(10)
    N = 300
    chance = 10 / (N - 1)
    assert mutual_knn_overlap(rng.normal(size=(N, 3)), rng.normal(size=(N, 3))) == pytest.approx(chance, abs=0.015)


def test_knn_chunking_consistent():
    from netequiv.baselines import _knn

    rng = np.random.default_rng(11)
    A = rng.normal(size=(50, 3))
    assert np.array_equal(np.sort(_knn(A, 4, chunk=7), 1), np.sort(_knn(A, 4), 1))


# ---------------------------------------------------------------- errors
@pytest.mark.parametrize("func", ALL)
def test_error_nan(func, data):
    _, X, Y = data
    X = X.copy()
    X[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN or inf"):
        func(X, Y)


@pytest.mark.parametrize("func", ALL)
def test_error_shape(func, data):
    _, X, Y = data
    with pytest.raises(ValueError, match="shape"):
        func(X.reshape(300, 5, 1), Y)


@pytest.mark.parametrize("func", ALL)
def test_error_mismatched_samples(func, data):
    _, X, Y = data
    with pytest.raises(ValueError, match="same inputs"):
        func(X, Y[:-1])


@pytest.mark.parametrize("func", ALL)
def test_error_too_few_samples(func):
    with pytest.raises(ValueError, match="at least|too few"):
        func(np.ones((1, 2)), np.ones((1, 2)))


@pytest.mark.parametrize("func", [linear_cka, rbf_cka, svcca, procrustes_distance])
def test_error_constant_representation(func, data):
    _, X, _ = data
    with pytest.raises(ValueError, match="constant"):
        func(X, np.full((300, 3), 2.5))
    with pytest.raises(ValueError, match="constant"):
        func(np.zeros((300, 2)), X)


def test_error_stitching_constant_target(data):
    _, X, _ = data
    with pytest.raises(ValueError, match="constant on the test"):
        linear_stitching(X, np.full((300, 2), 1.0))


def test_error_parameters(data):
    _, X, Y = data
    with pytest.raises(ValueError, match="at least 4"):
        linear_cka(X[:3], Y[:3], unbiased=True)
    with pytest.raises(ValueError, match="sigma_frac"):
        rbf_cka(X, Y, sigma_frac=0)
    with pytest.raises(ValueError, match="median pairwise distance of X is 0"):
        rbf_cka(np.r_[np.zeros((8, 2)), np.ones((2, 2))], Y[:10])
    with pytest.raises(ValueError, match="keep"):
        svcca(X, Y, keep=1.5)
    with pytest.raises(ValueError, match="n_components must be an integer"):
        svcca(X, Y, n_components=2.5)
    with pytest.raises(ValueError, match="exceeds the rank 4"):
        svcca(X, Y, n_components=5)
    with pytest.raises(ValueError, match="too few samples for CCA"):
        svcca(X[:6], Y[:6], n_components=3)
    with pytest.raises(ValueError, match="test_size"):
        linear_stitching(X, Y, test_size=1.0)
    with pytest.raises(ValueError, match="random_state"):
        linear_stitching(X, Y, random_state="a")
    with pytest.raises(ValueError, match="too few samples for linear stitching"):
        linear_stitching(X[:8], Y[:8])
    with pytest.raises(ValueError, match="k must be between 1 and 299"):
        mutual_knn_overlap(X, Y, k=300)
    with pytest.raises(ValueError, match="k must be an integer"):
        mutual_knn_overlap(X, Y, k=2.0)
