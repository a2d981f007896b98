"""Unit tests of netequiv.digits: the warp and its exact tangents, the manifolds, the networks,
the cached training, the folded observations and the probes (book-only helpers of the digits
chapter)."""

import numpy as np
import pytest
import torch

import netequiv as ne
from netequiv.chapters import digits as dg


@pytest.fixture(scope="module")
def split():
    return dg.load_digit_split()


@pytest.fixture(scope="module")
def digit(split):
    return split.digit(3)


# --------------------------------------------------------------------------- data and the warp


def test_split_is_stratified_and_disjoint(split):
    assert split.images.shape == (1797, 8, 8) and split.images.min() >= 0 and split.images.max() <= 1
    assert len(split.train) + len(split.test) == 1797
    assert not set(split.train) & set(split.test)
    counts = np.bincount(split.labels[split.test], minlength=10)
    assert counts.min() >= 40  # every class held out, about a quarter of its digits
    assert split.labels[split.test][split.labels[split.test] == 7].size == counts[7]


def test_digit_returns_a_held_out_digit_of_the_label(split):
    d = split.digit(5, 2)
    idx = [i for i in split.test if split.labels[i] == 5][2]
    np.testing.assert_array_equal(d, split.images[idx])
    with pytest.raises(ValueError, match="held-out digits with label 5"):
        split.digit(5, 10_000)


def test_render_shapes_and_a_quarter_turn_is_rot90(digit):
    img = dg.render(digit, [0.0, np.pi / 2])
    assert img.shape == (2, 1, dg.IMAGE_SIZE, dg.IMAGE_SIZE)
    # the canvas is symmetric, so a quarter turn maps pixel centres onto pixel centres
    np.testing.assert_allclose(img[1, 0], np.rot90(img[0, 0]), atol=1e-12)


def test_render_scale_moves_a_single_pixel_outwards():
    one = np.zeros((8, 8))
    one[1, 6] = 1.0  # x = 6 - 3.5 = 2.5, y = 3.5 - 1 = 2.5
    q1, q2 = dg.canvas_coordinates()
    for lam in (-0.2, 0.0, 0.2):
        img = dg.render(one, 0.0, lam)[0, 0]
        centroid = np.array([(img * q1).sum(), (img * q2).sum()]) / img.sum()
        # exact up to the sampling of a Gaussian of width e^lam pixels on the pixel grid (~1e-6)
        np.testing.assert_allclose(centroid, np.exp(lam) * np.array([2.5, 2.5]), atol=1e-4)


def test_exact_tangents_match_central_differences(digit):
    th, lam = np.array([-0.4, 0.1, 0.5]), np.array([0.1, -0.12, 0.0])
    _, tan = dg.render(digit, th, lam, tangents=True)
    h = 1e-5
    fd = [
        (dg.render(digit, th + h, lam) - dg.render(digit, th - h, lam)) / (2 * h),
        (dg.render(digit, th, lam + h) - dg.render(digit, th, lam - h)) / (2 * h),
    ]
    for k in range(2):
        assert np.abs(fd[k] - tan[..., k]).max() < 1e-7 * np.abs(tan[..., k]).max()
    assert dg.tangent_check(digit) < 1e-7


def test_render_rejects_bad_arguments(digit):
    with pytest.raises(ValueError, match="digits must have shape"):
        dg.render(np.zeros((3, 8, 8)), [0.0, 1.0])
    with pytest.raises(ValueError, match="theta and log_scale"):
        dg.render(digit, [0.0, np.nan])
    with pytest.raises(ValueError, match="theta and log_scale"):
        dg.render(digit, [0.0, 1.0], [0.0, 0.1, 0.2])


def test_sample_family_is_seeded_and_scales_the_second_tangent(digit):
    fam = dg.sample_family(digit, 50, theta_range=(-30, 30), log_scale_range=(-0.15, 0.15), random_state=4)
    again = dg.sample_family(digit, 50, theta_range=(-30, 30), log_scale_range=(-0.15, 0.15), random_state=4)
    np.testing.assert_array_equal(fam.images, again.images)
    assert fam.n_intrinsic == 2 and fam.names == ["theta", "log_scale"]
    assert np.abs(np.degrees(fam.theta)).max() <= 30 and np.abs(fam.params[:, 1]).max() <= 0.15
    w = 0.3 / np.radians(60.0)
    np.testing.assert_allclose(fam.tangent_scale, [1.0, w])
    img, tan = dg.render(digit, fam.params[:, 0], fam.params[:, 1], tangents=True)
    np.testing.assert_allclose(fam.images, img)
    np.testing.assert_allclose(fam.tangents, tan * np.array([1.0, w]))
    raw = dg.sample_family(
        digit, 50, theta_range=(-30, 30), log_scale_range=(-0.15, 0.15), square=False, random_state=4
    )
    np.testing.assert_allclose(raw.tangents, tan)
    curve = dg.sample_family(digit, 20, random_state=1)
    assert curve.n_intrinsic == 1 and curve.tangents.shape == (20, 1, dg.IMAGE_SIZE, dg.IMAGE_SIZE, 1)
    with pytest.raises(ValueError, match="theta_range"):
        dg.sample_family(digit, 20, theta_range=(10, -10))


# --------------------------------------------------------------------------- networks


@pytest.mark.parametrize("kind", sorted(dg.ARCHITECTURES))
def test_networks_classify_images_into_ten_classes(kind):
    net = dg.build_network(kind, seed=3)
    out = net(torch.zeros(2, 1, dg.IMAGE_SIZE, dg.IMAGE_SIZE) + 0.1)
    assert out.shape == (2, 10)
    again = dg.build_network(kind, seed=3)
    assert all(torch.equal(a, b) for a, b in zip(net.state_dict().values(), again.state_dict().values()))


def test_build_network_rejects_unknown_kinds():
    with pytest.raises(ValueError, match="kind must be one of"):
        dg.build_network("transformer")


def test_moment_features_are_scale_invariant_but_see_rotation(digit):
    m = dg.MomentFeatures().double()
    at = lambda th, lam: m(torch.as_tensor(dg.render(digit, th, lam)))[0].numpy()  # noqa: E731
    base = at(0.2, 0.0)
    for lam in (-0.15, 0.15):
        assert np.abs(at(0.2, lam) - base).max() < 1e-4 * np.abs(base).max()
    assert np.abs(at(0.5, 0.0) - base).max() > 0.05 * np.abs(base).max()


def test_training_is_cached_and_a_corrupt_entry_is_retrained(split, tmp_path, monkeypatch):
    monkeypatch.setenv("NETEQUIV_CACHE", str(tmp_path))
    torch.set_num_threads(1)
    net, info = dg.train_classifier("moments", split, epochs=1, copies=1, seed=0)
    assert not info["cache_hit"] and info["path"].startswith(str(tmp_path))
    assert 0.1 < info["accuracy"] <= 1.0 and info["n_params"] == sum(p.numel() for p in net.parameters())
    net2, info2 = dg.train_classifier("moments", split, epochs=1, copies=1, seed=0)
    assert info2["cache_hit"] and info2["train_s"] == 0.0 and info2["accuracy"] == info["accuracy"]
    assert all(torch.equal(a, b) for a, b in zip(net.state_dict().values(), net2.state_dict().values()))
    with open(info["path"], "wb") as fh:
        fh.write(b"not a torch file")
    with pytest.warns(dg._cache.CacheWarning, match="unusable cache entry"):
        _, info3 = dg.train_classifier("moments", split, epochs=1, copies=1, seed=0)
    assert not info3["cache_hit"] and info3["accuracy"] == info["accuracy"]


def test_evaluate_classifier_of_an_untrained_network_is_near_chance(split):
    acc = dg.evaluate_classifier(dg.build_network("gelu_cnn", seed=1), split, n_copies=1)
    assert 0.0 <= acc["accuracy"] <= 0.3 and 0.0 <= acc["accuracy_upright"] <= 0.3


# --------------------------------------------------------------------------- controls and comparisons


class _Linear(torch.nn.Module):
    """A fixed linear map of the image to three outputs."""

    def __init__(self):
        super().__init__()
        g = torch.Generator().manual_seed(0)
        self.w = torch.nn.Parameter(torch.randn(3, dg.IMAGE_SIZE**2, generator=g))

    def forward(self, x):
        return x.reshape(len(x), -1) @ self.w.T


def test_observe_folded_sees_abs_theta_with_exact_jacobians(digit):
    fam = dg.sample_family(digit, 30, theta_range=(-30, 30), log_scale_range=(-0.1, 0.1), random_state=2)
    net = _Linear()
    fold = dg.observe_folded(net, fam)
    mirror = dg.Family(
        params=fam.params * [-1, 1],
        images=fam.images,
        tangents=fam.tangents,
        digit=digit,
        names=fam.names,
        tangent_scale=fam.tangent_scale,
    )
    np.testing.assert_allclose(dg.observe_folded(net, mirror).y, fold.y)
    # the linear network's Jacobian along u = (theta, lambda / w) by central differences of the folded map
    h = 1e-6
    w = fam.tangent_scale[1]
    th, lam = fam.params[:, 0], fam.params[:, 1]
    f = lambda t, ls: ne.observe(net, dg.render(digit, np.abs(t), ls)).y  # noqa: E731
    fd = np.stack(
        [(f(th + h, lam) - f(th - h, lam)) / (2 * h), w * (f(th, lam + h) - f(th, lam - h)) / (2 * h)], axis=-1
    )
    np.testing.assert_allclose(fold.jac, fd, rtol=1e-5, atol=1e-6 * np.abs(fd).max())


def test_rising_falling_unit_picks_the_column_with_an_interior_extremum():
    theta = np.linspace(-1, 1, 200)
    y = np.column_stack([theta, np.tanh(3 * theta), 1 - theta**2, theta**3])
    assert dg.rising_falling_unit(y, theta) == 2
    perm = np.random.default_rng(0).permutation(200)
    assert dg.rising_falling_unit(y[perm], theta[perm]) == 2


def test_chart_r2_tells_a_chart_from_a_missing_direction():
    rng = np.random.default_rng(0)
    p = rng.uniform(-1, 1, (500, 2))
    c = np.cos(np.pi * (p + 1) / 2) @ np.array([[0.8, 0.6], [-0.6, 0.8]])  # rotated eigenfunctions of a square
    r2 = dg.chart_r2(c, p)
    assert r2.min() > 0.98
    one = dg.chart_r2(c[:, :1] * 0 + np.cos(np.pi * (p[:, :1] + 1) / 2), p)
    assert one[0] > 0.98 and one[1] < 0.05


def test_select_columns_keeps_values_and_jacobians(digit):
    fam = dg.sample_family(digit, 10, random_state=0)
    obs = ne.observe(_Linear(), fam.images, jacobian=True, tangents=fam.tangents)
    one = dg.select_columns(obs, [2])
    np.testing.assert_array_equal(one.y, obs.y[:, [2]])
    np.testing.assert_array_equal(one.jac, obs.jac[:, [2]])
    assert one.names == [obs.names[2]]


# --------------------------------------------------------------------------- probes and transfer


def test_linear_probe_recovers_a_linear_readout():
    rng = np.random.default_rng(1)
    y = rng.normal(size=(200, 4)) * [1, 10, 0.1, 3]
    t = y @ [0.5, -0.1, 2.0, 0.0] + 3.0
    probe = dg.LinearProbe(alpha=1e-10).fit(y, t)
    np.testing.assert_allclose(probe.predict(y)[:, 0], t, atol=1e-6)
    s = dg.probe_scores(probe.predict(y), t)
    assert s["r2"][0] > 1 - 1e-10 and s["rmse"][0] < 1e-6
    assert dg.probe_scores(np.full((200, 1), t.mean()), t)["r2"][0] == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(ValueError, match="not fitted"):
        dg.LinearProbe().predict(y)
    with pytest.raises(ValueError, match="features"):
        probe.predict(y[:, :3])


def test_transfer_through_the_inverse_map_on_a_curve():
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, 400)
    y_a = np.column_stack([x, x**2 + 0.3 * x, np.sin(x)])
    y_b = np.column_stack([np.tanh(2 * x - 1), np.exp(x)])
    ja = np.stack([np.ones_like(x), 2 * x + 0.3, np.cos(x)], axis=1)[:, :, None]
    jb = np.stack([2 / np.cosh(2 * x - 1) ** 2, np.exp(x)], axis=1)[:, :, None]
    res = ne.compare_observations(y_a, y_b, metric_a=ja, metric_b=jb, x=x[:, None], random_state=0)
    assert res.verdict == "equivalent"
    out = dg.transfer_probe(res, y_a, y_b, x)
    assert out["carried"]["r2"][0] > 0.999
    assert out["on_a"]["r2"][0] > 0.999
    assert out["raw"] is None  # different numbers of features: A's probe cannot read B as it is
    assert abs(out["chance"]["r2"][0]) < 0.05
    assert out["target"].shape == (len(res.test_index), 1)
    row = dg.comparison_row(res, y_a, y_b, x[:, None])
    assert row["verdict"] == "equivalent" and row["chart_a"][0] > 0.99 and 0 < row["linear_cka"] <= 1


def test_markdown_table():
    text = dg.markdown_table([{"a": 1.23456, "b": None}, {"a": float("nan"), "b": "x"}], {"a": "A", "b": "B"})
    assert text.splitlines() == ["| A | B |", "|---|---|", "| 1.23 | – |", "| – | x |"]
