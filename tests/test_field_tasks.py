"""field_tasks: the two-input tasks, their Jacobians, and the chapter's measurements."""

import numpy as np
import pytest

from netequiv import compare_observations
from netequiv.chapters import exp_b_two_inputs as ft


def _fd_jacobian(f, u, h=1e-6):
    """Central finite differences of a map (N, 2) -> (N, d), shape (N, d, 2)."""
    cols = []
    for j in range(2):
        e = np.zeros(2)
        e[j] = h
        cols.append((f(u + e) - f(u - e)) / (2 * h))
    return np.stack(cols, axis=2)


@pytest.mark.parametrize("func", [ft.mushroom_field, ft.tanh_field, ft.scalar_function])
def test_jacobians_match_finite_differences(func):
    u = ft.sample_square(50, random_state=3)
    y, J = func(u, jacobian=True)
    np.testing.assert_allclose(y, func(u), rtol=0, atol=0)
    np.testing.assert_allclose(J, _fd_jacobian(func, u), rtol=1e-6, atol=1e-8)


def test_fields_are_locally_invertible_and_the_scalar_is_not():
    u = ft.sample_square(2000, random_state=0)
    for func in (ft.mushroom_field, ft.tanh_field):
        _, J = func(u, jacobian=True)
        assert np.linalg.det(J).min() > 0
    # the scalar function folds: two inputs far apart share (nearly) the same value
    g = ft.scalar_function(u)[:, 0]
    order = np.argsort(g)
    close_values = np.abs(np.diff(g[order])) < 1e-3
    far_inputs = np.linalg.norm(np.diff(u[order], axis=0), axis=1) > 0.5
    assert np.any(close_values & far_inputs)


def test_mushroom_values_and_known_points():
    np.testing.assert_allclose(ft.mushroom_field([[1.0, 2.0], [0.0, 0.0]]), [[9.0, 1.0], [0.0, 0.0]])
    y, J = ft.tanh_field([[0.0, 0.0]], weight=np.eye(2), bias=[0.0, 0.0], jacobian=True)
    np.testing.assert_allclose(J[0], np.eye(2))
    # at the hill's centre c_1: its height 1 plus the tail of the pit at distance^2 0.55^2 + 0.4^2
    expected = 1.0 - 0.6 * np.exp(-(0.55**2 + 0.4**2) / 0.15)
    assert ft.scalar_function([[0.45, 0.85]])[0, 0] == pytest.approx(expected, rel=1e-12)


def test_shear_rotation_determinant_and_orthogonal_part():
    W = ft.shear_rotation(2.0, 45.0, 3.0)
    assert np.linalg.det(W) == pytest.approx(4.0)
    R = ft.shear_rotation(1.0, 30.0, 0.0)
    np.testing.assert_allclose(R @ R.T, np.eye(2), atol=1e-12)


def test_sampling_is_seeded_and_inside_the_square():
    a = ft.sample_square(500, side=1.4, random_state=7)
    b = ft.sample_square(500, side=1.4, random_state=7)
    np.testing.assert_array_equal(a, b)
    assert a.min() >= 0 and a.max() <= 1.4
    assert not np.array_equal(a, ft.sample_square(500, side=1.4, random_state=8))
    U1, U2 = ft.grid_square(5, side=2.0)
    assert U1.shape == (5, 5) and U1[0, -1] == 2.0 and U2[-1, 0] == 2.0


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: ft.mushroom_field(np.zeros((4, 3))), "shape \\(N, 2\\)"),
        (lambda: ft.tanh_field([[np.nan, 0.0]]), "NaN or inf"),
        (lambda: ft.tanh_field(np.zeros((3, 2)), weight=np.ones((2, 2))), "invertible"),
        (lambda: ft.tanh_field(np.zeros((3, 2)), bias=[0.0]), "bias must have shape"),
        (lambda: ft.sample_square(0), "n_samples must be an integer >= 1"),
        (lambda: ft.sample_square(5, side=-1.0), "side must be"),
        (lambda: ft.grid_square(1), "n_per_side"),
        (lambda: ft.shear_rotation(0.0), "scale must be"),
        (lambda: ft.shear_rotation(1.0, np.inf), "finite numbers"),
    ],
)
def test_bad_inputs_raise(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# --------------------------------------------------------------------------- measurements


@pytest.fixture(scope="module")
def analytic():
    u = ft.sample_square(700, random_state=1)
    return u, ft.mushroom_field(u, jacobian=True), ft.tanh_field(u, jacobian=True), ft.scalar_function(u, jacobian=True)


def test_embedding_agreement_mahalanobis_matches_input(analytic):
    u, (ya, Ja), (yb, Jb), _ = analytic
    res = ft.embedding_agreement(u, {"maha": (ya, Ja), "eucl": (yb, None), "flat": (np.zeros((len(u), 2)), None)})
    assert res["maha"]["r2"] >= 0.99 and res["maha"]["error"] is None
    assert res["maha"]["aligned"].shape == (len(u), 2)
    # the Euclidean map of the saturated tanh field is bent: clearly below the Mahalanobis one
    assert res["eucl"]["r2"] < 0.9
    # a constant observation has no diffusion map: the failure is recorded, not raised
    assert np.isnan(res["flat"]["r2"]) and "epsilon" in res["flat"]["error"]
    # coordinates already computed are accepted as they are
    again = ft.embedding_agreement(u, {"ref": res["reference"]})
    assert again["ref"]["r2"] == pytest.approx(1.0, abs=1e-12)


def test_one_way_error_equals_compare_observations_forward(analytic):
    u, (ya, Ja), (yb, Jb), _ = analytic
    one = ft.one_way_error(ya, Ja, yb, random_state=4)
    both = compare_observations(ya, yb, metric_a=Ja, metric_b=Jb, n_intrinsic=2, random_state=4)
    assert one["relative"] == pytest.approx(both.forward_error["relative"], rel=1e-9)
    np.testing.assert_array_equal(one["test_index"], both.test_index)
    assert one["relative"] < 2e-2 and one["n_coords"] == 2


def test_one_way_error_fails_from_a_scalar_and_succeeds_towards_it(analytic):
    u, (ya, Ja), _, (g, Jg) = analytic
    alone = ft.one_way_error(g, Jg, ya)
    assert alone["n_coords"] == 1
    # the same construction as compare_observations, which gives the scalar side one coordinate
    both = compare_observations(g, ya, metric_a=Jg, metric_b=Ja, n_intrinsic=2)
    assert alone["relative"] == pytest.approx(both.forward_error["relative"], rel=1e-9)
    assert alone["relative"] > 0.3  # one value cannot tell the points of a level curve apart
    # ... and a verdict, not an exception: the two-output side resolves the square, the scalar cannot
    assert both.diagnostics_a.rank == 1 and both.diagnostics_b.rank == 2
    assert both.verdict == "not equivalent", both.reason
    towards = ft.one_way_error(ya, Ja, g)
    assert towards["relative"] < 2e-2


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"y_b": np.zeros((5, 2))}, "y_a has 700 samples but y_b has 5"),
        ({"jac_a": np.zeros((700, 2, 1))}, "jac_a must have shape"),
        ({"test_size": 1.0}, "test_size must lie strictly between 0 and 1"),
        ({"n_intrinsic": 0}, "n_intrinsic must be an integer"),
    ],
)
def test_one_way_error_bad_inputs(analytic, kwargs, match):
    u, (ya, Ja), (yb, _), _ = analytic
    args = {"y_a": ya, "jac_a": Ja, "y_b": yb, **kwargs}
    with pytest.raises(ValueError, match=match):
        ft.one_way_error(args.pop("y_a"), args.pop("jac_a"), args.pop("y_b"), **args)


def test_embedding_agreement_bad_inputs(analytic):
    u, (ya, Ja), _, _ = analytic
    with pytest.raises(ValueError, match="non-empty dict"):
        ft.embedding_agreement(u, {})
    with pytest.raises(ValueError, match="has 10 samples but x has 700"):
        ft.embedding_agreement(u, {"short": (ya[:10], None)})
    with pytest.raises(ValueError, match="must be IntrinsicCoordinates or a tuple"):
        ft.embedding_agreement(u, {"bad": ya})


# --------------------------------------------------------------------------- networks


def test_neuron_sweep_one_unit_fails_five_succeed():
    from netequiv.chapters.nets import mlp

    net_a = mlp(2, 1, hidden=(16, 16, 16), activation="tanh", seed=1)
    net_b = mlp(2, 1, hidden=(12, 12), activation="softplus", seed=2)
    x = ft.sample_square(400, random_state=0)
    sweep = ft.neuron_sweep(net_a, net_b, x, layer_a="act2", layer_b="act2", ks=[1, 5], n_trials=2, progress=False)
    assert sweep["relative"].shape == (2, 2) and sweep["ks"].tolist() == [1, 5]
    assert all(len(u) == k for row, k in zip(sweep["units"], (1, 5)) for u in row)
    assert sweep["target_names"][-1] == "output[0]" and len(sweep["target_names"]) == 13
    assert np.all(sweep["relative"][0] > 0.2)
    assert np.all(sweep["relative"][1] < 0.05)
    np.testing.assert_allclose(sweep["median_relative"], np.median(sweep["relative"], axis=1))
    with pytest.raises(ValueError, match="ks must hold integers >= 1"):
        ft.neuron_sweep(net_a, net_b, x, layer_a="act2", layer_b="act2", ks=[0, 2])
    with pytest.raises(ValueError, match="n_trials"):
        ft.neuron_sweep(net_a, net_b, x, layer_a="act2", layer_b="act2", n_trials=0)


def test_fit_field_pair_trains_caches_and_names_layers(tmp_path, monkeypatch):
    monkeypatch.setenv("NETEQUIV_CACHE", str(tmp_path))
    kw = dict(n_train=60, epochs=5, polish_iter=0, progress=False)
    pair = ft.fit_field_pair(**kw)
    assert (pair.last_hidden_a, pair.last_hidden_b) == ("act3", "act2")
    assert not pair.info_a["cache_hit"] and np.isfinite(pair.info_b["test_relative_rmse"])
    again = ft.fit_field_pair(**kw)
    assert again.info_a["cache_hit"] and again.info_b["cache_hit"]
    scalar = ft.fit_scalar_pair(**kw)
    assert scalar.net_b.out.out_features == 1
    with pytest.raises(ValueError, match="n_train must be an integer >= 10"):
        ft.fit_field_pair(n_train=5)
