"""Numbers of the chapters *Diffusion maps* and *A Mahalanobis-like metric and invariance*.

Each notebook runs once per session in fast mode (``notebook_results`` fixture of
``conftest.py``): 800 samples of the interval, circle and latent square, 2000 of the swiss
roll.  The thresholds below are for these fast sizes; the full-size values, quoted in the
chapters, are better (e.g. Mahalanobis R^2 >= 0.998 at N = 2500).
"""

import numpy as np
import pytest

# one xdist worker runs every test of this notebook, so it executes once (make test: -n 2)
pytestmark = [pytest.mark.notebook, pytest.mark.xdist_group("diffusion_maps+mahalanobis")]


@pytest.fixture(scope="module")
def dm(notebook_results):
    return notebook_results("diffusion_maps")


@pytest.fixture(scope="module")
def mh(notebook_results):
    return notebook_results("mahalanobis")


# ------------------------------------------------------------------ diffusion_maps.ipynb


def test_dense_steps_equal_the_estimator(dm):
    assert dm["fast"] is True
    assert dm["dense_vs_sparse_max_abs"] < 1e-8


def test_interval_and_circle_eigenvectors(dm):
    assert dm["interval"]["corr_cos"][0] >= 0.999  # psi_1 ~ cos(pi x)
    assert min(dm["interval"]["corr_cos"][:3]) >= 0.98  # and the next two harmonics
    assert min(dm["circle"]["r2_cos_sin"]) >= 0.99  # (psi_1, psi_2) spans (cos, sin)
    mu = np.array(dm["circle"]["laplacian"])
    # eigenvalues in pairs 1, 1, 4, 4, 9, 9: ratios within a pair near 1, across pairs near 4
    assert np.all(np.abs(mu[1::2] / mu[0::2] - 1) < 0.15)
    assert 3.0 < mu[2] / mu[0] < 5.0


def test_only_alpha_one_removes_the_density(dm):
    a0, a1 = dm["alpha"]["0.0"], dm["alpha"]["1.0"]
    assert a1["corr_cos"] >= 0.999
    assert (1 - a1["corr_cos"]) < 0.2 * (1 - a0["corr_cos"])
    assert 0.85 < a1["laplacian_ratio"][0] < 1.05
    assert a0["laplacian_ratio"][0] > 1.3  # the density drift inflates mu_1


def test_bandwidth_sweep(dm):
    sweep = dm["epsilon_sweep"]
    assert min(sweep["one_minus_corr"]) < 1e-3
    best = np.min(np.abs(np.array(sweep["laplacian_ratio"])[:, 0] - 1))
    assert best < 0.1
    # the best bandwidth lies inside the grid, not at its end (the grid stops where the kernel
    # reaches across most of the interval)
    assert 0 < sweep["best"] < len(sweep["epsilon"]) - 1
    assert max(sweep["epsilon"]) == pytest.approx(1e-2)


def test_swiss_roll_harmonics_are_detected(dm):
    roll = dm["swiss_roll"]
    r = np.array(roll["residuals"])
    assert roll["selected"] == [0, 3]  # arc length and height
    assert r[roll["selected"]].min() >= 0.5
    assert np.delete(r, roll["selected"]).max() < 0.15
    assert roll["corr_s"] >= 0.99 and roll["corr_h"] >= 0.95


def test_nystrom_matches_the_full_fit(dm):
    assert dm["nystrom"]["selected_half"] == [0, 3]
    assert dm["nystrom"]["r2"] >= 0.98


# ------------------------------------------------------------------- mahalanobis.ipynb


def test_metric_distances_match_latent_distances(mh):
    rel = mh["distance_median_relative_error"]
    for name in ("mushroom", "tanh"):
        assert rel[f"{name}: Mahalanobis"] < 0.01
        assert rel[f"{name}: Euclidean"] > 0.2


def test_mahalanobis_embeddings_are_observer_independent(mh):
    r2 = mh["r2_vs_latent"]
    assert min(r2["mushroom, Mahalanobis"]) >= 0.98
    assert min(r2["tanh, Mahalanobis"]) >= 0.98
    assert min(mh["r2_between"]["Mahalanobis"]) >= 0.98


def test_euclidean_embeddings_are_not(mh):
    r2 = mh["r2_vs_latent"]
    assert np.mean(r2["tanh, Euclidean"]) < 0.8
    assert max(np.mean(r2["mushroom, Euclidean"]), np.mean(r2["tanh, Euclidean"])) < 0.9
    assert min(mh["r2_between"]["Euclidean"]) < 0.8
    assert min(mh["r2_tanh_euclidean_nonharmonic"]["r2"]) < 0.9


def test_burst_metric(mh):
    assert min(min(v) for v in mh["r2_burst"].values()) >= 0.98  # K = 32, sigma = 0.01
    sweep = mh["burst_sweep"]
    k = sweep["n_burst"]
    small = sweep["r2_min"]["$\\sigma = 0.01$"]
    wide = sweep["r2_min"]["$\\sigma = 0.3$"]
    assert small[k.index(16)] >= 0.98
    assert small[k.index(4)] < small[k.index(16)]  # 4 observations per burst are too few
    assert wide[k.index(16)] < small[k.index(16)] - 0.01  # O(sigma^2) bias of wide bursts
    # the chapter's claim, in both modes: the same grid of K and sigma, and a K from which the
    # burst metric is within the chapter's factor of the exact one, larger than 4
    assert k == [4, 8, 16, 32, 64]
    assert 4 < sweep["k_min"] <= 16
    assert 1 - sweep["r2_k_min"] <= 3.0 * (1 - sweep["exact"])
    assert sweep["decades"] == pytest.approx(2.0)
    assert sweep["r2_wide"] < sweep["r2_k_min"]


def test_euclidean_knn_cut_truncates_the_kernel(mh):
    t = mh["knn_truncation"]
    i64 = t["k"].index(64)
    for name in ("mushroom", "tanh"):
        assert t["kernel_at_farthest_max"][name][i64] > 0.1
        assert t["kernel_at_farthest_max"][name][i64] > t["kernel_at_farthest_max"]["latent (control)"][i64]
        assert t["r2_min"][name][i64] < t["r2_radius_search"][name]
        assert t["r2_min"][name][0] < t["r2_min"][name][-1]  # more candidates, less damage
