"""compare / compare_observations on known maps: verdicts and held-out errors."""

import numpy as np
import pytest
from test_dmap import _latent_square

from netequiv import compare_observations
from netequiv.metric import LocalMetric


@pytest.fixture(scope="module")
def square_comparison():
    u, (y1, J1), (y2, J2) = _latent_square(n=2000, seed=1)
    return compare_observations(y1, y2, metric_a=J1, metric_b=J2, n_intrinsic=2, random_state=0)


def test_two_injective_maps_of_the_square_are_equivalent(square_comparison):
    res = square_comparison
    assert res.equivalent
    assert res.forward_error["relative"] <= 1e-2
    assert res.backward_error["relative"] <= 1e-2
    assert res.agreement_rms < 0.1
    assert res.agreement_r2 > 0.99
    assert sorted(res.coords_a.selected.tolist()) == [0, 1]


def test_forward_and_backward_apply_to_new_observations(square_comparison):
    res = square_comparison
    u, (y1, J1), (y2, J2) = _latent_square(n=2000, seed=1)
    test = res.test_index
    np.testing.assert_allclose(res.forward(y1[test], J1[test]), res.predictions["b_from_a"], rtol=1e-10, atol=1e-12)
    # (passing Jacobians as metric) works as well as a LocalMetric would
    err = np.sqrt(np.mean((res.backward(y2[test], J2[test]) - y1[test]) ** 2))
    assert err / y1.std() < 2e-2


def _scalar_pair(fa, dfa, fb, dfb, n=1200, seed=0):
    x = np.random.default_rng(seed).uniform(0, 1, n)
    return fa(x)[:, None], dfa(x)[:, None, None], fb(x)[:, None], dfb(x)[:, None, None]


def test_nonmonotonic_output_is_not_equivalent_to_a_monotone_one():
    ya, Ja, yb, Jb = _scalar_pair(
        lambda x: np.sin(2 * np.pi * x),
        lambda x: 2 * np.pi * np.cos(2 * np.pi * x),
        lambda x: x + 0.3 * x**2,
        lambda x: 1 + 0.6 * x,
    )
    res = compare_observations(ya, yb, metric_a=Ja, metric_b=Jb)
    assert not res.equivalent
    # A -> B fails badly (the fold); B -> A succeeds: a one-directional relation
    assert res.forward_error["max_nrmse"] > 0.5
    assert res.backward_error["max_nrmse"] < 0.05


def test_two_monotone_outputs_are_equivalent():
    ya, Ja, yb, Jb = _scalar_pair(
        lambda x: x + 0.3 * x**2,
        lambda x: 1 + 0.6 * x,
        lambda x: np.tanh(3 * x - 1),
        lambda x: 3 / np.cosh(3 * x - 1) ** 2,
    )
    res = compare_observations(ya, yb, metric_a=Ja, metric_b=Jb)
    assert res.equivalent
    assert max(res.forward_error["relative"], res.backward_error["relative"]) <= 1e-2


def test_reruns_are_identical():
    ya, Ja, yb, Jb = _scalar_pair(np.exp, np.exp, lambda x: np.sqrt(1 + x), lambda x: 0.5 / np.sqrt(1 + x), n=600)
    r1 = compare_observations(ya, yb, metric_a=Ja, metric_b=Jb)
    r2 = compare_observations(ya, yb, metric_a=Ja, metric_b=Jb)
    assert r1.summary() == r2.summary()


def test_bad_inputs():
    y = np.random.default_rng(0).uniform(size=(300, 1))
    J = np.ones((300, 1, 1))
    with pytest.raises(ValueError, match="same inputs x"):
        compare_observations(y, y[:200], metric_a=J, metric_b=J[:200])
    with pytest.raises(ValueError, match="NaN or inf"):
        bad = y.copy()
        bad[3] = np.inf
        compare_observations(bad, y, metric_a=J, metric_b=J)
    with pytest.raises(ValueError, match="test_size"):
        compare_observations(y, y, metric_a=J, metric_b=J, test_size=1.5)
    with pytest.raises(ValueError, match="n_intrinsic could not be determined"):
        compare_observations(y, y)
    with pytest.raises(ValueError, match="metric_b is for 10 samples"):
        compare_observations(y, y, metric_a=J, metric_b=LocalMetric.euclidean(10, 1))
    with pytest.raises(ValueError, match=r"Jacobians of shape \(300, 1, n\)"):
        compare_observations(y, y, metric_a=J, metric_b=np.ones((300, 1)))


def test_circle_against_a_folding_code_with_unequal_coordinate_counts():
    theta = np.random.default_rng(3).uniform(0, 2 * np.pi, 1000)
    ya = np.c_[np.cos(theta), np.sin(theta)]
    Ja = np.stack([-np.sin(theta), np.cos(theta)], axis=1)[:, :, None]
    yb = np.cos(theta)[:, None]  # folds the circle: theta and -theta meet
    Jb = -np.sin(theta)[:, None, None]
    res = compare_observations(
        ya, yb, metric_a=Ja, metric_b=Jb, n_intrinsic=1, n_coordinates=(2, 1), dmap_kwargs={"n_neighbors_epsilon": 10}
    )
    assert not res.equivalent
    assert np.isnan(res.agreement_rms)
    assert res.forward_error["max_nrmse"] < 0.05  # cos(theta) is a function of the circle
    assert res.backward_error["max_nrmse"] > 0.5  # the circle is not a function of cos(theta)
