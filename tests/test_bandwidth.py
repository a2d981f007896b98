"""The data-driven bandwidth rule on a curve (netequiv._bandwidth)."""

import numpy as np
import pytest

from netequiv import metric_from_jacobians
from netequiv._bandwidth import choose_epsilon_neighbors, curve_fold_ratios


def _scalar_curve(n=400, seed=0):
    """Case (a): y = x + 0.1 sin 6x on random uniform x in [0, 1], exact Jacobians."""
    x = np.random.default_rng(seed).uniform(0, 1, n)
    return (x + 0.1 * np.sin(6 * x))[:, None], (1 + 0.6 * np.cos(6 * x))[:, None, None]


def _bending_curve(n=800, omega=20.0, seed=0):
    """Case (b): a random smooth curve in R^10 that bends on the scale 1/omega."""
    rng = np.random.default_rng(123)
    w = rng.uniform(0.5, 1.0, (10, 4)) * omega
    ph = rng.uniform(0, 2 * np.pi, (10, 4))
    a = rng.normal(size=(10, 4)) / 2.0
    t = np.random.default_rng(seed).uniform(0, 1, n)
    arg = w[None] * t[:, None, None] + ph[None]
    return (a * np.sin(arg)).sum(-1), (a * w * np.cos(arg)).sum(-1)[:, :, None]


def _k(Y, J, **kw):
    args = {"n_intrinsic": 1, "n_coordinates": 1, "n_train": len(Y), **kw}
    return choose_epsilon_neighbors(Y, metric_from_jacobians(J), **args)


def test_monotone_scalar_pair_gets_a_wide_bandwidth():
    Y, J = _scalar_curve()
    assert _k(Y, J) >= 20
    rho = curve_fold_ratios(Y, metric_from_jacobians(J))
    assert rho[40] < 0.5  # far below the threshold min(rho(10), 1) + 1.8


def test_curve_that_bends_on_a_short_scale_gets_a_narrow_bandwidth():
    Y, J = _bending_curve()
    k = _k(Y, J)
    assert k <= 14
    rho = curve_fold_ratios(Y, metric_from_jacobians(J), candidates=(10, 40))
    assert rho[40] > 10 * (rho[10] + 1)  # the 40th neighbour's kernel folds the coordinate


def test_rule_is_deterministic():
    Y, J = _bending_curve(n=600, omega=10.0, seed=3)
    M = metric_from_jacobians(J)
    first = choose_epsilon_neighbors(Y, M, n_intrinsic=1, n_coordinates=1, n_train=len(Y))
    again = [choose_epsilon_neighbors(Y.copy(), M, n_intrinsic=1, n_coordinates=1, n_train=len(Y)) for _ in range(2)]
    assert again == [first, first]
    r1 = curve_fold_ratios(Y, M)
    r2 = curve_fold_ratios(Y, M)
    assert r1 == r2


def test_euclidean_kernel_and_many_samples_are_accepted():
    Y, _ = _scalar_curve(n=300)
    assert choose_epsilon_neighbors(Y, None, n_intrinsic=1, n_coordinates=1, n_train=300) >= 20


def test_surfaces_and_closed_curves_keep_the_sample_count_rule():
    Y = np.random.default_rng(0).uniform(size=(3000, 3))
    assert choose_epsilon_neighbors(Y, None, n_intrinsic=2, n_coordinates=2, n_train=3000) == 30
    assert choose_epsilon_neighbors(Y[:500], None, n_intrinsic=2, n_coordinates=2, n_train=500) == 10
    th = np.random.default_rng(1).uniform(0, 2 * np.pi, 2500)
    circle = np.c_[np.cos(th), np.sin(th)]
    assert choose_epsilon_neighbors(circle, None, n_intrinsic=1, n_coordinates=2, n_train=2500) == 25


def test_too_few_samples_fall_back_to_the_smallest_candidate():
    Y, J = _scalar_curve(n=15)
    assert _k(Y, J) == 10


@pytest.mark.parametrize(
    "change, message",
    [
        ({"n_train": 399}, "n_train=399 but Y has 400 samples"),
        ({"n_intrinsic": 0}, "n_intrinsic must be an integer >= 1"),
        ({"n_intrinsic": True}, "n_intrinsic must be an integer >= 1"),
        ({"n_coordinates": 1.5}, "n_coordinates must be an integer >= 1"),
        ({"n_train": "400"}, "n_train must be an integer >= 1"),
    ],
)
def test_invalid_counts_are_rejected(change, message):
    Y, J = _scalar_curve()
    args = {"n_intrinsic": 1, "n_coordinates": 1, "n_train": 400, **change}
    with pytest.raises(ValueError, match=message):
        choose_epsilon_neighbors(Y, metric_from_jacobians(J), **args)


def test_invalid_data_and_metrics_are_rejected():
    Y, J = _scalar_curve()
    M = metric_from_jacobians(J)
    kw = {"n_intrinsic": 1, "n_coordinates": 1, "n_train": 400}
    with pytest.raises(ValueError, match="must be a netequiv.LocalMetric or None"):
        choose_epsilon_neighbors(Y, J, **kw)
    with pytest.raises(ValueError, match="the local metric is for 399 samples"):
        choose_epsilon_neighbors(Y, M[:399], **kw)
    bad = Y.copy()
    bad[7] = np.nan
    with pytest.raises(ValueError, match="NaN or inf"):
        choose_epsilon_neighbors(bad, M, **kw)
    with pytest.raises(ValueError, match="too few for the 40th neighbour"):
        curve_fold_ratios(Y[:30], M[:30])
    dup = np.repeat(Y[:20], 20, axis=0)
    with pytest.raises(ValueError, match="duplicates"):
        choose_epsilon_neighbors(dup, None, n_intrinsic=1, n_coordinates=1, n_train=len(dup))
