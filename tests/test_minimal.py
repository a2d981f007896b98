"""Tests of netequiv.chapters.exp_d_minimal_neurons: intrinsic coordinates of a few neurons, the verdict
on subsets, the greedy search, random surveys, fold diagnostics and the encoder helpers."""

import numpy as np
import pytest

from netequiv.chapters import exp_d_minimal_neurons as mn
from netequiv.chapters.exp_a_scalar import fold_gap
from netequiv.embedding import choose_neurons, embeds_manifold


@pytest.fixture(scope="module")
def interval():
    x = np.random.default_rng(0).uniform(0, 1, 240)[:, None]
    t = x[:, 0]
    # a layer: folded, folded (symmetric about 1/2), folded (symmetric), constant, monotone
    acts = np.column_stack(
        [np.sin(2 * np.pi * t), np.sin(np.pi * t), np.cos(2 * np.pi * t), np.full_like(t, 0.3), t**3 + t]
    )
    jac = np.stack(
        [
            2 * np.pi * np.cos(2 * np.pi * t),
            np.pi * np.cos(np.pi * t),
            -2 * np.pi * np.sin(2 * np.pi * t),
            0 * t,
            3 * t**2 + 1,
        ],
        axis=1,
    )[:, :, None]
    return x, acts, jac, np.sin(2 * np.pi * t)[:, None]


@pytest.fixture(scope="module")
def layer(interval):
    x, acts, jac, _ = interval
    return mn.LayerObservations(acts, jac, x, np.ones((len(x), 1, 1)), n_intrinsic=1)


@pytest.fixture(scope="module")
def circle():
    theta = 2 * np.pi * np.arange(200) / 200
    u = np.column_stack([np.cos(theta), np.sin(theta)])
    feats = np.column_stack([np.cos(2 * theta), np.cos(theta), np.sin(2 * theta) + 0.3 * np.sin(theta), np.sin(theta)])
    return theta, u, feats


@pytest.fixture(scope="module")
def circle_layer(circle):
    theta, u, feats = circle
    dfeats = np.stack(
        [-2 * np.sin(2 * theta), -np.sin(theta), 2 * np.cos(2 * theta) + 0.3 * np.cos(theta), np.cos(theta)], axis=1
    )[:, :, None]
    du = np.stack([-np.sin(theta), np.cos(theta)], axis=1)[:, :, None]
    return mn.LayerObservations(feats, dfeats, u, du, n_intrinsic=1, n_coordinates=2)


# ----------------------------------------------------------------------------- the verdict on a subset


def test_compare_monotone_unit_determines_the_input_and_a_fold_does_not(layer):
    good = layer.compare([4])
    assert good.verdict == "equivalent" and good.forward_error["max_nrmse"] < 1e-3
    for j in (0, 1, 2):  # each folds the interval: distant inputs share a value
        res = layer.compare([j])
        assert res.verdict == "not equivalent", (j, res.reason)
        assert res.forward_error["max_nrmse"] > 0.5
    # two units symmetric about x = 1/2 still confuse x with 1 - x
    assert layer.compare([1, 2]).verdict == "not equivalent"
    # a monotone unit added to a folded one is enough
    assert layer.compare([2, 4]).verdict == "equivalent"


def test_compare_on_a_circle_needs_two_units(circle_layer):
    # one function on a closed curve always folds; (cos, sin) embeds it
    assert circle_layer.compare([0]).verdict != "equivalent"
    res = circle_layer.compare([1, 3])
    assert res.verdict == "equivalent" and res.coords_a.coords.shape[1] == 2
    # cos 2theta and sin 2theta + 0.3 sin theta: theta and theta + pi nearly coincide
    assert circle_layer.compare([0, 2]).verdict == "not equivalent"


def test_compare_with_another_network(layer, interval):
    x, _, _, y = interval
    t = x[:, 0]
    other = np.column_stack([np.tanh(3 * t), t**2])
    d_other = np.stack([3 / np.cosh(3 * t) ** 2, 2 * t], axis=1)[:, :, None]
    res = layer.compare([4], other, d_other)
    assert res.verdict == "equivalent" and res.predictions["b_from_a"].shape[1] == 2
    with pytest.raises(ValueError, match="other_jacobians must be finite Jacobians"):
        layer.compare([4], other, d_other[:, :1])


def test_through_coordinates_equals_the_verdicts_forward_direction(layer, interval):
    x, _, _, y = interval
    res = layer.compare([4], random_state=3)
    tc = layer.through_coordinates([4], {"input": x, "output": y}, random_state=3)
    # same split, same coordinates, same interpolator: the same held-out error
    assert tc["errors"]["input"] == res.forward_error["max_nrmse"]
    assert np.array_equal(tc["test_index"], res.test_index)
    assert np.array_equal(tc["coords"], res.coords_a.coords)
    assert tc["errors"]["output"] < 1e-3 and tc["predictions"]["output"].shape == (len(res.test_index), 1)
    # a folded unit: the input is lost, a function of the unit (its own square) is not
    folded = layer.through_coordinates([0], {"input": x, "square": layer.units[:, :1] ** 2})
    assert folded["errors"]["input"] > 0.5 and folded["errors"]["square"] < 0.05
    with pytest.raises(ValueError, match="targets must be a non-empty dict"):
        layer.through_coordinates([4], {})
    with pytest.raises(ValueError, match=r"targets\['input'\] has 10 samples but units has 240"):
        layer.through_coordinates([4], {"input": x[:10]})


def test_layer_observations_bad_input(interval):
    x, acts, jac, _ = interval
    eye = np.ones((len(x), 1, 1))
    with pytest.raises(ValueError, match=r"jacobians must be finite Jacobians of shape \(240, 5, n\)"):
        mn.LayerObservations(acts, jac[:, :3], x, eye, 1)
    with pytest.raises(ValueError, match="inputs has 10 samples but units has 240"):
        mn.LayerObservations(acts, jac, x[:10], eye, 1)
    with pytest.raises(ValueError, match="must both have n_intrinsic=2 columns"):
        mn.LayerObservations(acts, jac, x, eye, 2)
    with pytest.raises(ValueError, match="normal_penalty must be a finite number > 0"):
        mn.LayerObservations(acts, jac, x, eye, 1, normal_penalty=0.0)
    with pytest.raises(ValueError, match="test_size must lie strictly between 0 and 1"):
        mn.LayerObservations(acts, jac, x, eye, 1, test_size=1.0)
    bad = jac.copy()
    bad[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="jacobians must be finite"):
        mn.LayerObservations(acts, bad, x, eye, 1)
    layer = mn.LayerObservations(acts, jac, x, eye, 1)
    for subset in ([], [5], [1, 1], [-1]):
        with pytest.raises(ValueError, match="subset must hold distinct unit indices"):
            layer.compare(subset)


# ----------------------------------------------------------------------------- the search


def test_minimal_subset_finds_the_monotone_unit(layer):
    res = mn.minimal_subset(layer)
    assert res["subset"] == [4] and res["k"] == 1 and res["whitney"] == 3
    assert res["n_evaluated"] == 5 and res["n_candidates"] == 5
    assert res["steps"][0]["outcome"] == "equivalent"
    assert res["comparison"].verdict == "equivalent"
    assert res["steps"][0]["input_error"] == res["comparison"].forward_error["max_nrmse"]


def test_minimal_subset_without_an_accepted_subset(layer):
    # only folded units, each symmetric or antisymmetric: no subset of two is accepted here
    res = mn.minimal_subset(layer, candidates=[0, 1, 2], max_k=2)
    assert res["k"] is None and len(res["subset"]) == 2 and res["max_k"] == 2
    assert [s["k"] for s in res["steps"]] == [1, 2]
    assert all(s["outcome"] != "equivalent" for s in res["steps"])
    assert set(res["subset"]) <= {0, 1, 2}


def test_minimal_subset_on_a_circle(circle_layer):
    res = mn.minimal_subset(circle_layer)
    assert res["k"] == 2 and sorted(res["subset"]) == [1, 3]
    assert res["steps"][0]["outcome"] != "equivalent"


def test_minimal_subset_goes_on_when_no_subset_has_coordinates(interval):
    x, _, _, _ = interval
    t = x[:, 0]
    flat = np.clip(t - 0.9, 0, None)  # constant on 90 % of the inputs: all Jacobians vanish
    units = np.column_stack([flat, t])
    jac = np.stack([(t > 0.9).astype(float), np.ones_like(t)], axis=1)[:, :, None]
    lay = mn.LayerObservations(units, jac, x, np.ones((len(x), 1, 1)), 1)
    res = mn.minimal_subset(lay, candidates=[0], max_k=1)
    assert res["subset"] == [0] and res["k"] is None and res["comparison"] is None
    assert res["steps"][0]["outcome"] == "no coordinates" and "Jacobians vanish" in res["steps"][0]["reason"]
    # a candidate without coordinates is passed over while another has them
    assert mn.minimal_subset(lay, candidates=[0, 1], max_k=2)["subset"] == [1]


def test_minimal_subset_bad_input(layer):
    for bad in ([0, 0], [7], [], [0.5]):
        with pytest.raises(ValueError, match="candidates must be distinct unit indices"):
            mn.minimal_subset(layer, candidates=bad)
    with pytest.raises(ValueError, match="max_k must be an integer >= 1"):
        mn.minimal_subset(layer, max_k=0)


def test_search_row_and_table(layer, interval):
    x, _, _, y = interval
    res = mn.minimal_subset(layer)
    tc = layer.through_coordinates(res["subset"], {"input": x, "output": y, "partner": y**2})
    row = mn.search_row("toy", "h", res, through=tc, versus=layer.compare(res["subset"]))
    assert row["k"] == 1 and row["input_error"] == tc["errors"]["input"] and row["partner_verdict"] == "equivalent"
    assert row["steps"] == [{key: res["steps"][0][key] for key in ("k", "outcome", "input_error", "self_error")}]
    empty = mn.search_row("toy", "g", mn.minimal_subset(layer, candidates=[0, 1, 2], max_k=1))
    table = mn.search_table([row, empty])
    assert "None" not in table and "nan" not in table
    assert "| toy | h | 5 | 1 | 3 |" in table and "none up to 1 (last: not equivalent)" in table


# ----------------------------------------------------------------------------- random subsets


def test_verdict_survey_is_consistent(layer, interval):
    x = interval[0]
    sv = mn.verdict_survey(layer, ks=(1, 2), n_trials=3, random_state=2)
    assert sv["k"] == [1] * 3 + [2] * 3 and sv["ks"] == [1, 2] and sv["whitney"] == 3 and sv["n_trials"] == 3
    for i, (k, units) in enumerate(zip(sv["k"], sv["units"])):
        assert units == [int(j) for j in choose_neurons(5, k, 1, 2 + i % 3, activations=layer.units)]
        assert 3 not in units  # the constant unit is never chosen
        res = layer.compare(units, random_state=2)
        assert sv["outcome"][i] == res.verdict and sv["input_error"][i] == res.forward_error["max_nrmse"]
        F = layer.units[:, units]
        assert sv["regression_error"][i] == embeds_manifold(x, F, test_size=0.25, random_state=2)[1]
        assert sv["gap"][i] == mn.separation_gap(x, F) and sv["step"][i] == mn.sampling_step(F)
        assert 0.0 <= sv["near_singular"][i] <= 1.0
    outs = np.asarray(sv["outcome"])
    for j, k in enumerate((1, 2)):
        assert sum(sv["fractions"][o][j] for o in mn.OUTCOMES) == pytest.approx(1.0)
        assert sv["fractions"]["equivalent"][j] == np.mean(outs[np.asarray(sv["k"]) == k] == "equivalent")
    counts = mn.outcome_counts(sv)
    assert sum(counts[1].values()) == 3 and list(counts[1]) == list(mn.OUTCOMES)


def test_verdict_survey_too_few_units_on_a_square():
    u = np.random.default_rng(1).uniform(0, 1, (150, 2))
    units = np.column_stack([u[:, 0] + u[:, 1], np.tanh(u[:, 0] - 2 * u[:, 1])])
    sech2 = 1 / np.cosh(u[:, 0] - 2 * u[:, 1]) ** 2
    jac = np.stack([np.ones((150, 2)), np.column_stack([sech2, -2 * sech2])], axis=1)
    lay = mn.LayerObservations(units, jac, u, np.broadcast_to(np.eye(2), (150, 2, 2)), 2)
    sv = mn.verdict_survey(lay, ks=(1,), n_trials=2, regression=False)
    assert sv["outcome"] == ["not equivalent"] * 2  # one number cannot determine two
    assert sv["near_singular"] == [1.0, 1.0] and np.isnan(sv["regression_error"]).all()


def test_verdict_survey_bad_input(layer):
    with pytest.raises(ValueError, match="ks must be a non-empty sequence of integers >= 1"):
        mn.verdict_survey(layer, ks=[0])
    with pytest.raises(ValueError, match="ks must be a non-empty sequence of integers >= 1"):
        mn.verdict_survey(layer, ks=[])
    with pytest.raises(ValueError, match="n_trials must be an integer >= 1"):
        mn.verdict_survey(layer, n_trials=0)
    with pytest.raises(ValueError, match="cannot choose k=5 units"):
        mn.verdict_survey(layer, ks=[5], n_trials=1)


def test_outcome_counts_and_geometry_bad_input():
    with pytest.raises(ValueError, match="equally long lists"):
        mn.outcome_counts({"k": [1, 2], "outcome": ["equivalent"]})
    with pytest.raises(ValueError, match="equally long lists"):
        mn.outcome_counts({"k": [1]})
    with pytest.raises(ValueError, match="unknown outcome"):
        mn.outcome_counts({"k": [1], "outcome": ["broken"]})
    with pytest.raises(ValueError, match="k=3 is not a size of the survey"):
        mn.subset_geometry({"ks": [2], "k": [2]}, 3)


def test_unit_activity_counts_dead_and_flat_units():
    x = np.linspace(-1, 1, 201)
    relu = np.maximum(x, 0)
    h = np.column_stack([relu, x, np.zeros_like(x), np.tanh(20 * x)])
    J = np.column_stack([(x > 0).astype(float), np.ones_like(x), np.zeros_like(x), 20 / np.cosh(20 * x) ** 2])
    act = mn.unit_activity(h, J[:, :, None])
    assert act["width"] == 4 and act["constant"] == 0.25
    flat = act["flat_per_unit"]
    assert flat[0] == pytest.approx(np.mean(x <= 0)) and flat[1] == 0.0
    assert 0.7 < flat[2] < 1.0  # the saturated tanh is flat away from 0
    assert act["flat_median"] == pytest.approx(np.median(flat))
    with pytest.raises(ValueError, match="every unit is constant"):
        mn.unit_activity(np.ones((10, 2)), np.zeros((10, 2, 1)))
    with pytest.raises(ValueError, match="jacobians must be finite Jacobians"):
        mn.unit_activity(h, J)


def test_sampling_step():
    x = np.linspace(0, 1, 101)
    assert mn.sampling_step(x) == pytest.approx(0.01)
    # scale- and shift-free, like the gap
    assert mn.sampling_step(np.column_stack([5 * x - 2, x])) == pytest.approx(mn.sampling_step(np.column_stack([x, x])))
    assert mn.sampling_step(np.ones(20)) == 0.0
    assert mn.sampling_step(np.repeat(x[:10], 5)) == 0.0  # most samples repeat another
    with pytest.raises(ValueError, match="at least 4 are needed"):
        mn.sampling_step(x[:3])


# ----------------------------------------------------------------------------- the supervised comparison


def test_reconstruct_input_error_is_embeds_manifold_error(interval):
    x, acts, _, y = interval
    for cols in ([0], [1], [0, 2]):
        res = mn.reconstruct(acts[:, cols], {"input": x, "output": y}, random_state=3)
        assert res["errors"]["input"] == embeds_manifold(x, acts[:, cols], random_state=3)[1]
        assert len(res["test_index"]) == 60 and len(res["train_index"]) == 180
        assert res["predictions"]["output"].shape == (60, 1)
        assert set(res["test_index"]).isdisjoint(res["train_index"])


def test_reconstruct_embedding_and_fold():
    x = np.linspace(-1, 1, 400)
    good = mn.reconstruct(x**3 + x, {"input": x, "output": np.cos(2 * x)})
    assert good["errors"]["input"] < 1e-3 and good["errors"]["output"] < 1e-3
    # x^2 folds: the input is lost (x and -x share it), a function of x^2 is still recovered
    bad = mn.reconstruct(x**2, {"input": x, "output": np.cos(2 * x)})
    assert bad["errors"]["input"] > 0.8
    assert bad["errors"]["output"] < 1e-3


def test_reconstruct_constant_features_predict_the_mean():
    x = np.linspace(0, 1, 100)
    res = mn.reconstruct(np.ones((100, 2)), {"input": x})
    pred = res["predictions"]["input"]
    assert np.allclose(pred, x[res["train_index"]].mean())
    assert 0.9 < res["errors"]["input"] < 1.2  # predicting the mean gives NRMSE about 1


def test_reconstruct_constant_target_has_zero_error():
    x = np.linspace(0, 1, 50)
    res = mn.reconstruct(x, {"c": np.full(50, 2.0)})
    assert res["errors"]["c"] == 0.0 and np.isnan(res["nrmse"]["c"]).all()


def test_reconstruct_bad_input():
    x = np.linspace(0, 1, 50)
    with pytest.raises(ValueError, match="targets must be a non-empty dict"):
        mn.reconstruct(x, {})
    with pytest.raises(ValueError, match="targets must be a non-empty dict"):
        mn.reconstruct(x, [x])
    with pytest.raises(ValueError, match=r"targets\['input'\] has 40 samples but features has 50"):
        mn.reconstruct(x, {"input": x[:40]})
    with pytest.raises(ValueError, match="test_size must lie strictly between 0 and 1"):
        mn.reconstruct(x, {"input": x}, test_size=1.0)
    with pytest.raises(ValueError, match="at least 10 are needed"):
        mn.reconstruct(x[:5], {"input": x[:5]})
    with pytest.raises(ValueError, match="NaN or inf"):
        mn.reconstruct(np.where(x > 0.5, np.nan, x), {"input": x})


# ----------------------------------------------------------------------------- fold diagnostics


def test_separation_gap_matches_fold_gap_for_scalar_inputs(interval):
    x, acts, _, _ = interval
    for cols in ([0], [1], [0, 2], [1, 4]):
        for s in (0.1, 0.3):
            assert mn.separation_gap(x, acts[:, cols], min_separation=s) == pytest.approx(
                fold_gap(x, acts[:, cols], min_separation=s), rel=1e-12
            )


def test_closest_distant_pair_finds_the_fold():
    x = np.linspace(-1, 1, 201)
    i, j, gap = mn.closest_distant_pair(x, x**2)
    assert gap == 0.0 and x[i] == pytest.approx(-x[j]) and abs(x[i] - x[j]) >= 0.2
    # invariant to rescaling and shifting the features
    assert mn.separation_gap(x, 5 * (x**3 + x) - 2) == pytest.approx(mn.separation_gap(x, x**3 + x))


def test_separation_gap_on_a_circle(circle):
    theta, u, feats = circle
    # (cos, sin) itself: distant inputs stay distant (chords of at least 0.1 * diagonal)
    assert 0.1 <= mn.separation_gap(u, u) < 0.12
    # cos theta alone folds theta onto -theta
    i, j, gap = mn.closest_distant_pair(u, np.cos(theta))
    assert gap < 1e-12 and np.cos(theta[i]) == pytest.approx(np.cos(theta[j]))
    # constant features: nothing to tell apart
    assert mn.closest_distant_pair(u, np.ones(200)) == (0, 0, 0.0)


def test_separation_gap_bad_input(circle):
    x = np.linspace(0, 1, 20)
    with pytest.raises(ValueError, match="min_separation must lie strictly between 0 and 1"):
        mn.separation_gap(x, x, min_separation=1.5)
    with pytest.raises(ValueError, match="inputs are all equal"):
        mn.separation_gap(np.ones(20), x)
    with pytest.raises(ValueError, match="no pair of inputs is min_separation apart"):
        # the widest chord of a circle is 0.71 times the diagonal of its bounding box
        mn.separation_gap(circle[1], circle[2], min_separation=0.9)
    with pytest.raises(ValueError, match="inputs has 20 samples but features has 10"):
        mn.separation_gap(x, x[:10])


# ----------------------------------------------------------------------------- encoder features


def test_encoder_features_units_and_channel_means():
    torch = pytest.importorskip("torch")
    from netequiv.chapters.autoencoder import ConvAutoencoder, encode_images

    torch.manual_seed(0)
    model = ConvAutoencoder(latent_dim=2, widths=(4, 8), size=16, activation="elu").eval()
    imgs = np.random.default_rng(0).random((6, 16, 16)).astype(np.float32)
    F, code, names = mn.encoder_features(model, imgs, 1)
    assert F.shape == (6, 4 * 8 * 8) and len(names) == F.shape[1] and names[9] == "conv[0, 1, 1]"
    with torch.no_grad():
        ref = model.encoder[:2](torch.from_numpy(imgs)[:, None])
    assert np.allclose(F, ref.reshape(6, -1).numpy(), atol=1e-5)
    assert np.allclose(code, encode_images(model, imgs), atol=1e-5)
    means, code2, names2 = mn.encoder_features(model, imgs[:, None], "3", reduce="channel_mean")
    units3, _, _ = mn.encoder_features(model, imgs, 3)
    assert means.shape == (6, 8) and names2[0] == "mean[0]"
    assert np.allclose(means, units3.reshape(6, 8, -1).mean(axis=2))
    assert np.array_equal(code, code2)


def test_encoder_features_bad_input():
    pytest.importorskip("torch")
    from netequiv.chapters.autoencoder import ConvAutoencoder

    model = ConvAutoencoder(latent_dim=2, widths=(4, 8), size=16)
    imgs = np.zeros((3, 16, 16))
    with pytest.raises(ValueError, match="model must have an 'encoder'"):
        mn.encoder_features(object(), imgs, 1)
    with pytest.raises(ValueError, match="is not a module of the encoder"):
        mn.encoder_features(model, imgs, 9)
    with pytest.raises(ValueError, match="reduce must be 'units' or 'channel_mean'"):
        mn.encoder_features(model, imgs, 1, reduce="max")
    with pytest.raises(ValueError, match=r"images must have shape \(N, H, H\)"):
        mn.encoder_features(model, np.zeros((3, 16, 8)), 1)
    with pytest.raises(ValueError, match="must output feature maps of shape"):
        mn.encoder_features(model, imgs, 4, reduce="channel_mean")  # the Flatten layer


def test_view_tangents_and_encoder_jacobians():
    torch = pytest.importorskip("torch")
    from netequiv.chapters.autoencoder import ConvAutoencoder

    torch.manual_seed(0)
    model = ConvAutoencoder(latent_dim=2, widths=(4, 8), size=16, activation="elu").eval()
    t = 2 * np.pi * np.arange(24) / 24
    base = np.random.default_rng(0).random((2, 16, 16))
    imgs = np.cos(t)[:, None, None] * base[0] + np.sin(t)[:, None, None] * base[1]
    tang = mn.view_tangents(imgs)
    assert tang.shape == (24, 16, 16, 1)
    dh, dz = mn.encoder_jacobians(model, imgs, 3, tang)
    assert dh.shape == (24, 8 * 4 * 4, 1) and dz.shape == (24, 2, 1)
    # J t against a central difference of the encoder along the same direction
    eps = 1e-4
    hp, zp, _ = mn.encoder_features(model, imgs + eps * tang[..., 0], 3)
    hm, zm, _ = mn.encoder_features(model, imgs - eps * tang[..., 0], 3)
    assert np.allclose(dh[:, :, 0], (hp - hm) / (2 * eps), atol=1e-5)
    assert np.allclose(dz[:, :, 0], (zp - zm) / (2 * eps), atol=1e-5)
    with pytest.raises(ValueError, match="tangents must have shape"):
        mn.encoder_jacobians(model, imgs, 3, tang[..., 0])
    with pytest.raises(ValueError, match="images must be finite views"):
        mn.view_tangents(imgs[:5])


# ----------------------------------------------------------------------------- plots


def test_plots_have_labelled_axes(layer, interval, circle):
    pytest.importorskip("matplotlib")
    from netequiv.plotting import exp_d_minimal_neurons as pm

    x, acts, _, y = interval
    sv = mn.verdict_survey(layer, ks=(1, 2), n_trials=2)
    fig = pm.plot_outcomes_vs_k({"toy": sv})
    assert len(fig.axes) == 2 and all(ax.get_xlabel() or ax.get_ylabel() for ax in fig.axes)
    assert fig.axes[1].get_xlabel() == "observed neurons $k$"
    tc = layer.through_coordinates([4], {"input": x, "output": y})
    t = tc["test_index"]
    rows = [("input", x[t], tc["predictions"]["input"]), ("output", y[t], tc["predictions"]["output"])]
    fig = pm.plot_reconstructions({"a": rows, "b": rows})
    assert len(fig.axes) == 4 and all(ax.get_xlabel().startswith("true") for ax in fig.axes)
    with pytest.raises(ValueError, match="every column needs the same number of rows"):
        pm.plot_reconstructions({"a": rows, "b": rows[:1]})
    theta, u, feats = circle
    i, j, _ = mn.closest_distant_pair(x, acts[:, 0])
    fig = pm.plot_failures(
        interval={"x": x, "h": acts[:, 0], "pair": (i, j)}, circle={"theta": theta, "h": feats[:, :2], "pair": (0, 1)}
    )
    assert [ax.get_xlabel() for ax in fig.axes[:2]] == ["input $x$", "activation $h_a(\\theta)$"]
    with pytest.raises(ValueError, match="give at least one of"):
        pm.plot_failures()
