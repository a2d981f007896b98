"""The three-outcome verdict of compare / compare_observations on pairs with a known truth.

Cases of the issue "A verdict that can be trusted on any pair of networks": identical generic
networks must never be called "not equivalent", too few samples give "inconclusive", a scalar
observation against an embedding gives "not equivalent" without an exception, and the
verdict does not depend on the units of the observations.
"""

import numpy as np
import pytest
import torch

from netequiv import compare, compare_observations
from netequiv.chapters.nets import mlp
from netequiv.comparison import VERDICT_DEFAULTS, SideDiagnostics, decide


def _square(n, seed=0):
    return np.random.default_rng(seed).uniform(-1.0, 1.0, (n, 2))


class _Then(torch.nn.Module):
    """A network followed by a fixed map of its outputs."""

    def __init__(self, net, f):
        super().__init__()
        self.net, self.f = net, f

    def forward(self, x):
        return self.f(self.net(x))


def _smooth_invertible(y):
    """A smooth invertible map of R^2 (a shear by tanh, then a monotone cubic shear)."""
    u = y[:, 0] + 0.3 * torch.tanh(y[:, 1])
    return torch.stack([u, y[:, 1] + 0.2 * u**3 / (1 + u**2)], dim=1)


def _scaled(net, gain):
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, torch.nn.Linear):
                m.weight.mul_(gain)
    return net


@pytest.fixture(scope="module")
def tanh_net():
    return mlp(2, 2, hidden=(16, 16), activation="tanh", seed=5)


# --------------------------------------------------------------------------- networks


@pytest.mark.parametrize(
    "make",
    [
        lambda: mlp(2, 3, hidden=(24, 24), activation="relu", seed=1),  # generic ReLU
        lambda: _scaled(mlp(2, 3, hidden=(24, 24), activation="tanh", seed=2), 6.0),  # saturated tanh
    ],
    ids=["relu", "saturated-tanh"],
)
def test_identical_generic_networks_are_never_not_equivalent(make):
    net = make()
    res = compare(net, net, _square(1500))
    assert res.verdict != "not equivalent", res.reason
    # identical networks: T is exactly each network's self round trip, so the floor explains it
    assert res.forward_error["max_nrmse"] == pytest.approx(res.self_error_a["max_nrmse"], rel=1e-10)
    assert res.backward_error["max_nrmse"] == pytest.approx(res.self_error_b["max_nrmse"], rel=1e-10)
    if res.verdict == "inconclusive":
        assert "cannot reproduce its own observations" in res.reason


def test_too_few_samples_are_inconclusive(tanh_net):
    res = compare(tanh_net, tanh_net, _square(40))
    assert res.verdict == "inconclusive"
    assert res.self_error_a["max_nrmse"] > VERDICT_DEFAULTS["tol"]
    assert "32 training samples" in res.reason and "Add samples" in res.reason
    assert not res.equivalent and "inconclusive" in repr(res)


def test_scalar_against_an_embedding_is_not_equivalent():
    scalar = mlp(2, 1, hidden=(16, 16), seed=6)
    embedding = _Then(torch.nn.Identity(), _smooth_invertible)
    res = compare(scalar, embedding, _square(1200))
    assert res.verdict == "not equivalent", res.reason
    assert res.diagnostics_a.rank == 1 and res.diagnostics_b.rank == 2
    assert res.diagnostics_a.near_singular == 1.0 and res.diagnostics_b.near_singular == 0.0
    assert res.forward_error["max_nrmse"] > 0.3 and res.backward_error["max_nrmse"] < 0.05
    assert res.reason.startswith("A->B fails") and "observe 5 = 2n+1" in res.reason
    assert res.summary()["verdict"] == "not equivalent"


def test_folding_network_against_a_smooth_map_of_itself():
    # a SiLU network whose Jacobian determinant changes sign on 43 % of the square (it folds)
    fold = _scaled(mlp(2, 2, hidden=(16, 16), activation="silu", seed=2), 2.0)
    res = compare(fold, _Then(fold, _smooth_invertible), _square(1500))
    assert res.diagnostics_a.orientation_flips > 0.3
    assert res.verdict in ("equivalent", "inconclusive"), res.reason


def test_network_invariant_along_one_direction_gets_a_verdict(tanh_net):
    invariant = _Then(torch.nn.Identity(), lambda x: torch.stack([torch.tanh(x[:, 0]), x[:, 0] ** 3 + x[:, 0]], dim=1))
    res = compare(tanh_net, invariant, _square(1200))
    assert res.diagnostics_b.rank == 1 and res.diagnostics_a.rank == 2
    assert res.backward_error["max_nrmse"] > 0.3
    # A resolves the square, B does not: B confuses inputs that A separates
    assert res.verdict == "not equivalent", res.reason
    assert res.reason.startswith("B->A fails")


# --------------------------------------------------------------------------- units, new data


def test_verdict_does_not_depend_on_units(tanh_net):
    from netequiv import observe

    x = _square(1000, seed=3)
    oa = observe(tanh_net, x, jacobian=True)
    ob = observe(_Then(tanh_net, _smooth_invertible), x, jacobian=True)
    ref = compare_observations(oa.y, ob.y, metric_a=oa.jac, metric_b=ob.jac, x=x)
    assert ref.verdict == "equivalent"
    for s in (1e-12, 1e12):
        res = compare_observations(s * oa.y, ob.y / s, metric_a=s * oa.jac, metric_b=ob.jac / s, x=x)
        assert res.verdict == ref.verdict
        assert res.forward_error["max_nrmse"] == pytest.approx(ref.forward_error["max_nrmse"], rel=1e-3)
        assert res.self_error_a["max_nrmse"] == pytest.approx(ref.self_error_a["max_nrmse"], rel=1e-3)


def test_transformation_on_new_inputs_and_observations(tanh_net):
    other = _Then(tanh_net, _smooth_invertible)
    res = compare(tanh_net, other, _square(1200, seed=4))
    assert res.verdict == "equivalent", res.reason
    x_new = _square(300, seed=99) * 0.95  # inside the sampled square
    out = res.evaluate(x_new)
    # fresh samples, no metric: the accuracy of the verdict
    assert out["forward_error"]["max_nrmse"] < res.threshold
    assert out["backward_error"]["max_nrmse"] < res.threshold
    assert out["forward_error"]["max_nrmse"] < 3 * max(res.forward_error["max_nrmse"], 1e-3)
    np.testing.assert_allclose(res.forward(out["y_a"]), out["b_from_a"], rtol=0, atol=1e-12)


def test_evaluate_needs_the_networks():
    x = np.linspace(0, 1, 300)[:, None]
    y, J = np.tanh(2 * x), (2 / np.cosh(2 * x) ** 2)[:, :, None]
    res = compare_observations(y, np.exp(x), metric_a=J, metric_b=np.exp(x)[:, :, None])
    with pytest.raises(ValueError, match="made from observations"):
        res.evaluate(x)
    # new observations without their metric: Nystrom with the nearest training sample's metric
    assert res.forward(np.tanh(2 * x[10:20])).shape == (10, 1)


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"error_floor": 1e9}, "error_floor must be below 1"),
        ({"tol": 2.0}, "tol must be below 1"),
        ({"error_floor": -0.1}, "error_floor must be a number >= 0"),
        ({"n_coordinates": (1, 2, 3)}, "n_coordinates must be a positive integer or a pair"),
        ({"n_coordinates": 0}, "n_coordinates must be"),
        ({"test_size": "a"}, "test_size must lie strictly between 0 and 1"),
        ({"rule": "loose"}, "rule must be 'calibrated' or 'errors'"),
        ({"metric_a": np.ones((300, 1, 1)) * 1j}, "metric_a must be real-valued, got complex"),
        ({"metric_a": np.full((300, 1, 1), np.nan)}, "NaN or inf"),
    ],
)
def test_bad_parameters_get_one_clear_error(kwargs, match):
    x = np.linspace(0, 1, 300)[:, None]
    base = {"metric_a": np.ones((300, 1, 1)), "metric_b": np.ones((300, 1, 1))}
    with pytest.raises(ValueError, match=match):
        compare_observations(x, 2 * x, **{**base, **kwargs})


def test_compare_rejects_observe_options_it_sets(tanh_net):
    with pytest.raises(ValueError, match="observe_a must not set \\['jacobian'\\]"):
        compare(tanh_net, tanh_net, _square(50), observe_a={"jacobian": True})
    with pytest.raises(ValueError, match="observe_b must be a dict"):
        compare(tanh_net, tanh_net, _square(50), observe_b=["act1"])


# --------------------------------------------------------------------------- the rule itself


def _side(name, self_err, rank=1, near=0.0, n=1):
    return SideDiagnostics(
        name=name,
        n_features=1,
        n_intrinsic=n,
        rank=rank,
        near_singular=near,
        orientation_flips=float("nan"),
        false_neighbors=float("nan"),
        self_error={"max_nrmse": self_err},
    )


def _e(v):
    return {"max_nrmse": v}


def test_decide_rule():
    a, b = _side("A", 0.004), _side("B", 0.006)
    assert decide(_e(0.01), _e(0.02), a, b)[0] == "equivalent"
    # a clear failure towards a side that resolves the manifold
    v, why = decide(_e(0.9), _e(0.01), a, b)
    assert v == "not equivalent" and why.startswith("A->B fails") and "150 times" in why
    # the same failure, but B's Jacobian is near-singular at 40 % of samples
    v, why = decide(_e(0.9), _e(0.01), a, _side("B", 0.006, near=0.4))
    assert v == "inconclusive" and "do not resolve the manifold either" in why
    # a side that cannot reproduce itself
    v, why = decide(_e(0.9), _e(0.01), _side("A", 0.2), b)
    assert v == "inconclusive" and "network A cannot reproduce" in why
    # within the margin of the floor
    v, why = decide(_e(0.06), _e(0.01), _side("A", 0.03), b)
    assert v == "inconclusive" and "within 3 times" in why
    assert decide(_e(0.06), _e(0.01), _side("A", 0.03), b, margin=1.5)[0] == "not equivalent"
    # no metric, no evidence: a failure cannot be attributed
    unknown = SideDiagnostics("B", 1, 1, None, float("nan"), float("nan"), float("nan"), {"max_nrmse": 0.01})
    assert decide(_e(0.9), _e(0.01), a, unknown)[0] == "inconclusive"
    # the error-only rule of the first version, for comparison
    assert decide(_e(0.06), _e(0.01), _side("A", 0.2), b, rule="errors")[0] == "not equivalent"
    # an error floor raises the threshold; NaN errors cannot be judged
    assert decide(_e(0.06), _e(0.01), a, b, error_floor=0.1)[0] == "equivalent"
    assert decide(_e(float("nan")), _e(0.01), a, b)[0] == "inconclusive"
    with pytest.raises(ValueError, match="rule must be"):
        decide(_e(0.01), _e(0.01), a, b, rule="x")


# --------------------------------------------------------------------------- lower-dimensional manifolds


def _helix(n, seed=0):
    t = np.sort(np.random.default_rng(seed).uniform(0.0, 3.0, n))
    x = np.column_stack([np.cos(t), np.sin(t), 0.3 * t])
    dx = np.column_stack([-np.sin(t), np.cos(t), np.full_like(t, 0.3)])
    return x, (dx / np.linalg.norm(dx, axis=1, keepdims=True))[:, :, None]


def test_curve_in_r3_with_exact_and_estimated_tangents():
    net = mlp(3, 2, hidden=(16, 16), activation="tanh", seed=11)
    other = _Then(net, _smooth_invertible)
    x, T = _helix(800)
    exact = compare(net, other, x, tangents=T)
    assert exact.verdict == "equivalent", exact.reason
    assert exact.diagnostics_a.n_intrinsic == 1 and not exact.tangents_estimated
    est = compare(net, other, x, n_intrinsic=1)
    assert est.verdict == "equivalent", est.reason
    assert est.tangents_estimated and "estimated from x by local PCA" in est.reason
    assert max(est.forward_error["max_nrmse"], exact.forward_error["max_nrmse"]) < 1e-3


def _blob_images(thetas, size=16):
    g = np.linspace(-1, 1, size)
    X, Y = np.meshgrid(g, g)
    c = np.column_stack([0.5 * np.cos(thetas), 0.5 * np.sin(thetas)])
    img = np.exp(-((X[None] - c[:, :1, None]) ** 2 + (Y[None] - c[:, 1:, None]) ** 2) / 0.08)
    return img[:, None]  # (N, 1, size, size)


def test_one_dimensional_family_of_images():
    torch.manual_seed(0)
    conv = torch.nn.Sequential(
        torch.nn.Conv2d(1, 4, 3), torch.nn.Tanh(), torch.nn.Flatten(), torch.nn.Linear(4 * 14 * 14, 3)
    ).double()
    theta = np.sort(np.random.default_rng(1).uniform(0.0, 2.5, 600))
    imgs = _blob_images(theta)
    h = 1e-5
    tang = ((_blob_images(theta + h) - _blob_images(theta - h)) / (2 * h))[..., None]
    tang /= np.linalg.norm(tang.reshape(len(theta), -1), axis=1)[:, None, None, None, None]
    other = _Then(conv, lambda y: y + 0.2 * torch.tanh(torch.roll(y, 1, dims=1)))
    res = compare(conv, other, imgs, tangents=tang)
    assert res.diagnostics_a.n_intrinsic == 1 and res.diagnostics_a.rank == 1
    assert res.verdict == "equivalent", res.reason
    # one logit that rises and falls along the curve folds it: against the embedding, not equivalent
    from netequiv import observe

    mid = float(np.median(observe(conv, imgs).y[:, 0]))
    folded = _Then(conv, lambda y: (y[:, :1] - mid) ** 2)
    res_fold = compare(folded, conv, imgs, tangents=tang)
    assert res_fold.verdict in ("not equivalent", "inconclusive"), res_fold.reason


def test_samples_the_diffusion_map_cannot_join_are_inconclusive():
    # legal data in two far-apart pieces: the neighbour graph of either network falls apart
    rng = np.random.default_rng(0)
    x = np.sort(np.r_[rng.uniform(0.0, 0.1, 150), rng.uniform(0.9, 1.0, 150)])[:, None]
    J = np.ones((300, 1, 1))
    res = compare_observations(x, 2 * x, metric_a=J, metric_b=2 * J)
    assert res.verdict == "inconclusive"
    assert "cannot be computed" in res.reason and "disconnected" in res.reason
    assert np.isnan(res.forward_error["max_nrmse"]) and res.summary()["verdict"] == "inconclusive"
    with pytest.raises(ValueError, match="no transformation"):
        res.forward(x[:5])
    from netequiv import DiffusionMaps, ResolutionError

    with pytest.raises(ResolutionError, match="disconnected"):
        DiffusionMaps(n_components=3).fit(x)
