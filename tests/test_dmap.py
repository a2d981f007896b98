"""Diffusion maps against analytic eigenfunctions and small dense references."""

import re

import numpy as np
import pytest
import scipy.linalg as sla

from netequiv import DiffusionMaps, LocalMetric, metric_from_jacobians
from netequiv._neighbors import metric_knn_distances, metric_radius_graph, radius_graph_csr


def r2_linear(A, B):
    """Coefficient of determination of B (N, m) regressed affinely on A (N, k), per column of B."""
    A1 = np.c_[A, np.ones(len(A))]
    coef, *_ = np.linalg.lstsq(A1, B, rcond=None)
    res = B - A1 @ coef
    return 1.0 - (res**2).sum(0) / ((B - B.mean(0)) ** 2).sum(0)


def test_interval_first_eigenvector_is_cos():
    x = np.random.default_rng(0).uniform(0, 1, 2000)[:, None]
    dm = DiffusionMaps(n_components=4).fit(x)
    assert abs(np.corrcoef(dm.embedding_[:, 0], np.cos(np.pi * x[:, 0]))[0, 1]) >= 0.999
    # the second one is the first harmonic cos(2 pi x)
    assert abs(np.corrcoef(dm.embedding_[:, 1], np.cos(2 * np.pi * x[:, 0]))[0, 1]) >= 0.995


def test_interval_laplacian_eigenvalues_on_a_grid():
    x = np.linspace(0, 1, 2000)[:, None]
    dm = DiffusionMaps(n_components=3, epsilon=1e-5).fit(x)
    ratio = dm.laplacian_eigenvalues_ / (np.pi * np.arange(1, 4)) ** 2
    np.testing.assert_allclose(ratio, 1.0, atol=0.02)


def test_circle_first_pair_spans_cos_sin():
    th = np.random.default_rng(1).uniform(0, 2 * np.pi, 2000)
    Y = np.c_[np.cos(th), np.sin(th)]
    dm = DiffusionMaps(n_components=4).fit(Y)
    assert r2_linear(dm.embedding_[:, :2], np.c_[np.cos(th), np.sin(th)]).min() >= 0.999
    # the pair is (nearly) degenerate
    assert abs(dm.eigenvalues_[0] - dm.eigenvalues_[1]) < 1e-3 * (1 - dm.eigenvalues_[0]) + 1e-4


def test_nystrom_reproduces_training_and_predicts_new_points():
    rng = np.random.default_rng(2)
    x = rng.uniform(0, 1, 1500)[:, None]
    dm = DiffusionMaps(n_components=3).fit(x)
    np.testing.assert_allclose(dm.transform(x), dm.embedding_, atol=1e-8)
    x_new = rng.uniform(0.05, 0.95, 300)[:, None]
    psi_new = dm.transform(x_new)
    # compare with the same eigenfunction interpolated from the training samples
    order = np.argsort(x[:, 0])
    interp = np.interp(x_new[:, 0], x[order, 0], dm.embedding_[order, 0])
    assert np.max(np.abs(psi_new[:, 0] - interp)) < 2e-2


def _dense_dmap(Y, M, eps, alpha=1.0, k=3):
    """Independent dense reference: the full kernel, no cutoff."""
    D = Y[:, None, :] - Y[None, :, :]
    q = np.einsum("ijd,ide,ije->ij", D, M, D)
    d2 = 0.5 * (q + q.T)
    K = np.exp(-d2 / (2 * eps))
    qv = K.sum(1) ** alpha
    Kt = K / np.outer(qv, qv)
    d = Kt.sum(1)
    S = Kt / np.sqrt(np.outer(d, d))
    vals, vecs = sla.eigh(S)
    vals, vecs = vals[::-1][: k + 1], vecs[:, ::-1][:, : k + 1]
    return vals[1:], (vecs / np.sqrt(d)[:, None])[:, 1:]


def test_sparse_mahalanobis_matches_dense_reference():
    rng = np.random.default_rng(3)
    u = rng.uniform(0, 1, (300, 2))
    y = np.c_[u[:, 0] + u[:, 1] ** 3, u[:, 1] - u[:, 0] ** 3]
    J = np.zeros((300, 2, 2))
    J[:, 0, 0], J[:, 0, 1], J[:, 1, 0], J[:, 1, 1] = 1, 3 * u[:, 1] ** 2, -3 * u[:, 0] ** 2, 1
    metric = metric_from_jacobians(J, n_intrinsic=2)
    dm = DiffusionMaps(n_components=3, metric="mahalanobis", kernel_cutoff=1e-14).fit(y, metric=metric)
    vals, vecs = _dense_dmap(y, metric.matrices(), dm.epsilon_)
    np.testing.assert_allclose(dm.eigenvalues_, vals, rtol=1e-9)
    for j in range(3):
        c = np.corrcoef(dm.eigenvectors_[:, j], vecs[:, j])[0, 1]
        assert abs(c) > 1 - 1e-8


def test_identity_metric_equals_euclidean_and_reruns_are_identical():
    rng = np.random.default_rng(4)
    Y = rng.uniform(0, 1, (800, 2))
    e1 = DiffusionMaps(n_components=3).fit(Y)
    e2 = DiffusionMaps(n_components=3).fit(Y)
    m = DiffusionMaps(n_components=3, metric="mahalanobis").fit(Y, metric=LocalMetric.euclidean(800, 2))
    assert np.array_equal(e1.embedding_, e2.embedding_)
    np.testing.assert_allclose(m.epsilon_, e1.epsilon_, rtol=1e-12)
    np.testing.assert_allclose(m.embedding_, e1.embedding_, atol=1e-8)


def test_radius_graph_finds_every_pair_within_the_metric_radius():
    rng = np.random.default_rng(5)
    u = rng.uniform(0, 1, (400, 2))
    W = rng.normal(size=(5, 2)) * 1.5
    y = np.tanh(u @ W.T)
    J = (1 - y**2)[:, :, None] * W[None]
    metric = metric_from_jacobians(J, n_intrinsic=2)
    M = metric.matrices()
    D = y[:, None, :] - y[None, :, :]
    q = np.einsum("ijd,ide,ije->ij", D, M, D)
    d2 = 0.5 * (q + q.T)
    R2 = np.quantile(d2, 0.05)
    rows, cols, vals = metric_radius_graph(y, R2, metric)
    expected = np.argwhere(d2 <= R2)
    got = np.c_[rows, cols]
    assert set(map(tuple, expected)) == set(map(tuple, got))
    np.testing.assert_allclose(vals, d2[rows, cols], rtol=1e-12, atol=1e-15)
    # the k-th smallest kept distance of every row, computed while the graph is built
    for search in ("whitened", "ball"):
        _, kv = radius_graph_csr(y, R2, metric, kth=10, search=search)
        inside = np.where(d2 <= R2, d2, np.nan)
        counts = (d2 <= R2).sum(axis=1)
        expect = np.where(
            counts > 10, np.sort(np.nan_to_num(inside, nan=np.inf), axis=1)[:, 10], np.nanmax(inside, axis=1)
        )
        np.testing.assert_allclose(kv, expect, rtol=1e-12, atol=1e-15)
        assert (counts <= 10).any() and (counts > 10).any()  # both branches are exercised
    # the 10th-neighbour distance from candidates is an upper bound, exact here
    kth = metric_knn_distances(y, 10, metric)
    np.testing.assert_array_less(np.sort(d2, axis=1)[:, 10] - 1e-12, kth)


def _swiss_roll(n, seed):
    """A swiss roll in 3-D with its exact Jacobians: a strongly anisotropic metric (ratio ~40)."""
    u = np.random.default_rng(seed).uniform(size=(n, 2))
    t, h = 1.5 * np.pi * (1 + 2 * u[:, 0]), 21 * u[:, 1]
    y = np.c_[t * np.cos(t), h, t * np.sin(t)]
    J = np.zeros((n, 3, 2))
    J[:, 0, 0], J[:, 2, 0] = 3 * np.pi * (np.cos(t) - t * np.sin(t)), 3 * np.pi * (np.sin(t) + t * np.cos(t))
    J[:, 1, 1] = 21.0
    return y, metric_from_jacobians(J, n_intrinsic=2)


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_whitened_search_gives_exactly_the_ball_search_graph(n_jobs):
    y, metric = _swiss_roll(3000, 0)
    R2 = 2 * 8e-4 * np.log(1e8)
    ball = radius_graph_csr(y, R2, metric, search="ball")
    white = radius_graph_csr(y, R2, metric, search="whitened", n_jobs=n_jobs)
    assert ball.nnz > 100 * len(y)  # a real test: about 190 neighbours each
    for G in (ball, white):
        G.sort_indices()
    np.testing.assert_array_equal(white.indptr, ball.indptr)
    np.testing.assert_array_equal(white.indices, ball.indices)
    np.testing.assert_array_equal(white.data, ball.data)
    assert abs(white - white.T).max() == 0.0  # symmetric entry by entry
    # new query points (the Nystrom path), given in random order
    yq, mq = _swiss_roll(300, 1)
    a = radius_graph_csr(y, R2, metric, query=yq, query_metric=mq, search="ball")
    b = radius_graph_csr(y, R2, metric, query=yq, query_metric=mq, search="whitened", n_jobs=n_jobs)
    assert abs(a - b).max() == 0.0 and a.nnz == b.nnz > 0


def test_fit_is_equivariant_under_permutation_and_independent_of_threads():
    y, metric = _swiss_roll(3000, 2)
    ref = DiffusionMaps(n_components=4, metric="mahalanobis", n_jobs=1).fit(y, metric=metric)
    perm = np.random.default_rng(0).permutation(len(y))
    dm = DiffusionMaps(n_components=4, metric="mahalanobis", n_jobs=2).fit(y[perm], metric=metric[perm])
    np.testing.assert_allclose(dm.eigenvalues_, ref.eigenvalues_, rtol=0, atol=1e-12)
    # the start vector is drawn per sample position, so signs may differ after a permutation
    for k in range(4):
        a, b = dm.eigenvectors_[:, k], ref.eigenvectors_[perm, k]
        assert min(abs(a - b).max(), abs(a + b).max()) < 1e-7
    np.testing.assert_allclose(dm.stationary_, ref.stationary_[perm], rtol=1e-10)
    # Nystrom on the training samples, whatever their order
    np.testing.assert_allclose(dm.transform(y[perm], metric=metric[perm]), dm.embedding_, atol=1e-8)


def test_n_jobs_must_be_valid():
    with pytest.raises(ValueError, match="n_jobs"):
        DiffusionMaps(n_jobs=0).fit(np.random.default_rng(0).uniform(size=(100, 2)))


def _latent_square(n=2500, seed=0):
    rng = np.random.default_rng(seed)
    u = rng.uniform(0, 1, (n, 2))
    y1 = np.c_[u[:, 0] + u[:, 1] ** 3, u[:, 1] - u[:, 0] ** 3]
    J1 = np.zeros((n, 2, 2))
    J1[:, 0, 0], J1[:, 0, 1], J1[:, 1, 0], J1[:, 1, 1] = 1, 3 * u[:, 1] ** 2, -3 * u[:, 0] ** 2, 1
    W, b = rng.normal(size=(5, 2)) * 1.5, rng.normal(size=5) * 0.5
    y2 = np.tanh(u @ W.T + b)
    J2 = (1 - y2**2)[:, :, None] * W[None]
    return u, (y1, J1), (y2, J2)


@pytest.fixture(scope="module")
def latent_square():
    u, mush, tanh = _latent_square()
    ref = DiffusionMaps(n_components=2).fit(u).embedding_
    maha = [
        DiffusionMaps(n_components=2, metric="mahalanobis")
        .fit(y, metric=metric_from_jacobians(J, n_intrinsic=2))
        .embedding_
        for y, J in (mush, tanh)
    ]
    eucl = [DiffusionMaps(n_components=2).fit(y).embedding_ for y, _ in (mush, tanh)]
    return u, ref, maha, eucl, (mush, tanh)


def test_mahalanobis_embeddings_are_observation_independent(latent_square):
    _u, ref, maha, eucl, _ = latent_square
    for emb in maha:
        assert r2_linear(emb, ref).min() >= 0.99
    assert r2_linear(maha[0], maha[1]).min() >= 0.99
    assert r2_linear(maha[1], maha[0]).min() >= 0.99
    # the Euclidean map of the tanh observations distorts the square badly
    assert r2_linear(eucl[1], ref).mean() < 0.8
    # and neither Euclidean embedding is as good as the Mahalanobis ones
    assert max(r2_linear(e, ref).mean() for e in eucl) < 0.9


def test_burst_metric_gives_the_same_embedding(latent_square):
    u, ref, maha, _, (mush, _) = latent_square
    from netequiv import metric_from_bursts

    rng = np.random.default_rng(7)
    sigma, K = 1e-3, 16
    z = rng.normal(size=(len(u), K, 2))
    up = u[:, None, :] + sigma * z
    bursts = np.stack([up[..., 0] + up[..., 1] ** 3, up[..., 1] - up[..., 0] ** 3], axis=-1)
    metric = metric_from_bursts(bursts, sigma, n_intrinsic=2)
    emb = DiffusionMaps(n_components=2, metric="mahalanobis").fit(mush[0], metric=metric).embedding_
    assert r2_linear(emb, ref).min() >= 0.98
    assert r2_linear(emb, maha[0]).min() >= 0.98


@pytest.mark.parametrize(
    "kwargs, data, match",
    [
        ({}, np.array([[0.0], [np.nan]] * 20), "NaN or inf"),
        ({}, np.zeros((5, 2, 2)), "shape"),
        ({}, np.random.default_rng(0).uniform(size=(8, 1)), "too few"),
        ({"epsilon": 0.0}, np.random.default_rng(0).uniform(size=(100, 1)), "epsilon"),
        ({"epsilon": -1.0}, np.random.default_rng(0).uniform(size=(100, 1)), "epsilon"),
        ({"epsilon": "median"}, np.random.default_rng(0).uniform(size=(100, 1)), "epsilon"),
        ({"metric": "cosine"}, np.random.default_rng(0).uniform(size=(100, 1)), "metric"),
        ({"n_components": 0}, np.random.default_rng(0).uniform(size=(100, 1)), "n_components"),
        ({"kernel_cutoff": 2.0}, np.random.default_rng(0).uniform(size=(100, 1)), "kernel_cutoff"),
    ],
)
def test_bad_input_raises(kwargs, data, match):
    with pytest.raises(ValueError, match=match):
        DiffusionMaps(**kwargs).fit(data)


def test_string_data_raise():
    with pytest.raises(ValueError, match="real numbers"):
        DiffusionMaps().fit(np.array([["a"], ["b"]] * 30))


def test_disconnected_graph_raises():
    x = np.r_[np.linspace(0, 1, 200), np.linspace(5, 6, 200)][:, None]
    with pytest.raises(ValueError, match="disconnected: 2 components"):
        DiffusionMaps(n_components=2).fit(x)


def test_metric_argument_mismatches_raise():
    Y = np.random.default_rng(0).uniform(size=(100, 2))
    with pytest.raises(ValueError, match="needs the local metric"):
        DiffusionMaps(metric="mahalanobis").fit(Y)
    with pytest.raises(ValueError, match="metric='euclidean'"):
        DiffusionMaps().fit(Y, metric=LocalMetric.euclidean(100, 2))
    with pytest.raises(ValueError, match="for 50 samples"):
        DiffusionMaps(metric="mahalanobis").fit(Y, metric=LocalMetric.euclidean(50, 2))


def test_transform_errors():
    x = np.linspace(0, 1, 300)[:, None]
    with pytest.raises(ValueError, match="not fitted"):
        DiffusionMaps().transform(x)
    dm = DiffusionMaps(n_components=2).fit(x)
    with pytest.raises(ValueError, match="outside the training data"):
        dm.transform(np.array([[5.0]]))
    with pytest.raises(ValueError, match="features"):
        dm.transform(np.zeros((3, 2)))


def test_eigensolver_failure_is_a_clear_error(monkeypatch):
    from scipy.sparse.linalg import ArpackNoConvergence

    import netequiv.dmap as dmap_module

    def no_convergence(S, k, **kwargs):
        raise ArpackNoConvergence("ARPACK error -1: No convergence", np.ones(1), np.ones((S.shape[0], 1)))

    monkeypatch.setattr(dmap_module, "eigsh", no_convergence)
    with pytest.raises(ValueError, match=r"did not converge \(1 of 4 eigenpairs\).*Increase epsilon"):
        DiffusionMaps(n_components=3).fit(np.linspace(0, 1, 200)[:, None])

    # on a flat kernel the same failure names the real cause (epsilon too large), not "increase"
    with pytest.raises(ValueError, match=r"epsilon=1e\+06 is too large.*did not converge.*lower epsilon"):
        DiffusionMaps(n_components=3, epsilon=1e6).fit(np.linspace(0, 1, 200)[:, None])


@pytest.mark.parametrize("n_components", [27, 28, 29, 30])
def test_n_components_close_to_n_samples(n_components):
    """N = 30: at most N - 3 = 27 components; N - 2 used to fail inside ARPACK ("ncv must be k<ncv<=n")."""
    x = np.linspace(0, 1, 30)[:, None]
    dm = DiffusionMaps(n_components=27, n_neighbors_epsilon=5)
    if n_components == 27:
        assert dm.fit(x).embedding_.shape == (30, 27)
        return
    with pytest.raises(
        ValueError,
        match=rf"30 samples are too few: at least {n_components + 3} are needed for "
        rf"n_components={n_components}.*at most N - 3 = 27",
    ):
        DiffusionMaps(n_components=n_components, n_neighbors_epsilon=5).fit(x)


@pytest.mark.parametrize("t", [np.nan, np.inf, -np.inf, -0.5, "soon", None])
def test_diffusion_time_must_be_finite_and_non_negative(t):
    x = np.linspace(0, 1, 100)[:, None]
    with pytest.raises(ValueError, match="diffusion_time must be a finite number >= 0"):
        DiffusionMaps(n_components=2, diffusion_time=t).fit(x)


def test_diffusion_time_scales_the_eigenvectors():
    x = np.linspace(0, 1, 100)[:, None]
    dm = DiffusionMaps(n_components=2, diffusion_time=2.5).fit(x)
    np.testing.assert_allclose(dm.embedding_, dm.eigenvectors_ * dm.eigenvalues_**2.5)


@pytest.mark.parametrize("epsilon", [1e3, 1e6, 1e12, 1e20])
def test_flat_kernel_raises(epsilon):
    """A huge epsilon: eigenvalues collapse towards 0 (not 1) and the eigenvectors are noise."""
    x = np.random.default_rng(0).uniform(size=(300, 1))
    head = re.escape(f"epsilon={epsilon:.4g} is too large for these data: the kernel is flat")
    tail = r" .* lambda_\d = .* is below 1e-08.*lower epsilon, e\.g\. epsilon='auto'"
    with pytest.raises(ValueError, match=head + tail):
        DiffusionMaps(n_components=3, epsilon=epsilon).fit(x)
    # the same holds in other units: scale the data and epsilon together
    with pytest.raises(ValueError, match="the kernel is flat"):
        DiffusionMaps(n_components=3, epsilon=1e-12 * epsilon).fit(1e-6 * x)


def test_wide_but_resolved_kernels_still_fit():
    x = np.random.default_rng(0).uniform(size=(300, 1))
    # flat (weights >= 0.5 for the median sample) but the 3 eigenvalues are resolved (>= 5e-5)
    dm = DiffusionMaps(n_components=3, epsilon=1.0).fit(x)
    assert dm.eigenvalues_.min() > 1e-5
    assert abs(np.corrcoef(dm.embedding_[:, 0], np.cos(np.pi * x[:, 0]))[0, 1]) > 0.99
    # ... and asking for 10 of them is refused, naming how many are resolved
    with pytest.raises(ValueError, match=r"lambda_(\d).*compute fewer n_components \(at most \d\)"):
        DiffusionMaps(n_components=10, epsilon=1.0).fit(x)
    # not flat: small eigenvalues are allowed (here lambda_10 is about 2e-9)
    dm = DiffusionMaps(n_components=10, epsilon=0.1).fit(x)
    assert dm.eigenvalues_[-1] < 1e-8
    # a flat kernel from the automatic epsilon names n_neighbors_epsilon
    with pytest.raises(ValueError, match=r"the kernel is flat.*lower n_neighbors_epsilon"):
        DiffusionMaps(n_components=8, n_neighbors_epsilon=20).fit(x[:24])
