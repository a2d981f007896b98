"""Tests of netequiv.chapters.exp_d_minimal_neurons: reconstruction from a few features, minimal subsets, fold diagnostics."""

import numpy as np
import pytest

from netequiv.chapters import exp_d_minimal_neurons as mn
from netequiv.chapters.exp_a_scalar import fold_gap
from netequiv.embedding import embeds_manifold, false_neighbor_fraction


@pytest.fixture(scope="module")
def interval():
    x = np.random.default_rng(0).uniform(0, 1, 240)[:, None]
    t = x[:, 0]
    # a layer: folded, monotone, folded, constant, monotone
    acts = np.column_stack(
        [np.sin(2 * np.pi * t), np.tanh(2 * t - 1), np.cos(2 * np.pi * t), np.full_like(t, 0.3), t**3 + t]
    )
    return x, acts, np.sin(2 * np.pi * t)[:, None]


@pytest.fixture(scope="module")
def circle():
    theta = 2 * np.pi * np.arange(200) / 200
    u = np.column_stack([np.cos(theta), np.sin(theta)])
    feats = np.column_stack([np.cos(2 * theta), np.cos(theta), np.sin(2 * theta) + 0.3 * np.sin(theta), np.sin(theta)])
    return theta, u, feats


# ----------------------------------------------------------------------------- reconstruct


def test_reconstruct_input_error_is_embeds_manifold_error(interval):
    x, acts, y = interval
    for cols in ([0], [1], [0, 2]):
        res = mn.reconstruct(acts[:, cols], {"input": x, "output": y}, random_state=3)
        assert res["errors"]["input"] == embeds_manifold(x, acts[:, cols], random_state=3)[1]
        assert len(res["test_index"]) == 60 and len(res["train_index"]) == 180
        assert res["predictions"]["output"].shape == (60, 1)
        assert set(res["test_index"]).isdisjoint(res["train_index"])


def test_reconstruct_embedding_and_fold():
    x = np.linspace(-1, 1, 400)
    # x^3 + x embeds [-1, 1]: input and output come back
    good = mn.reconstruct(x**3 + x, {"input": x, "output": np.cos(2 * x)})
    assert good["errors"]["input"] < 1e-3 and good["errors"]["output"] < 1e-3
    # x^2 folds: the input is lost (x and -x share it), a function of x^2 is still recovered
    bad = mn.reconstruct(x**2, {"input": x, "output": np.cos(2 * x)})
    assert bad["errors"]["input"] > 0.8
    assert bad["errors"]["output"] < 1e-3


def test_reconstruct_via_the_input():
    x = np.linspace(0, 1, 300)
    y = np.sin(6 * x)
    # a saturated unit embeds [0, 1] but squeezes its ends: the direct map to y is steep there
    h = np.tanh(6 * x - 3)
    two = mn.reconstruct(h, {"input": x, "output": y}, via="input")
    direct = mn.reconstruct(h, {"input": x, "output": y})
    assert two["errors"]["input"] == direct["errors"]["input"]  # the first stage is the same fit
    # the second stage: G fitted on the training inputs, evaluated at the reconstructed ones
    from netequiv.embedding import standardize_columns
    from netequiv.interpolation import KernelInterpolator

    tr = two["train_index"]
    Z_train, Z_test = standardize_columns(x[tr, None], two["predictions"]["input"])
    pred = KernelInterpolator(random_state=0).fit(Z_train, y[tr, None]).predict(Z_test)
    assert np.array_equal(pred, two["predictions"]["output"])
    with pytest.raises(ValueError, match="via must name one of the targets"):
        mn.reconstruct(h, {"input": x}, via="x")


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


# ----------------------------------------------------------------------------- minimal subsets


def test_minimal_neurons_interval(interval):
    x, acts, y = interval
    res = mn.minimal_neurons(x, acts, y)
    # a monotone unit alone embeds the interval
    assert res["k"] == 1 and res["embeds"] is True
    assert res["subset"][0] in (1, 4)
    assert res["whitney"] == 3
    assert res["input_error"] < 0.05 and res["output_error"] < 0.05
    assert res["n_evaluated"] == 5  # one greedy step over the five columns
    assert res["best_by_k"] == {1: pytest.approx(res["input_error"])}


def test_minimal_neurons_circle_needs_two(circle):
    theta, u, feats = circle
    res = mn.minimal_neurons(u, feats, np.cos(3 * theta), n_intrinsic=1, strategy="exhaustive", max_k=2)
    assert res["whitney"] == 3
    # no single function on a circle is one-to-one: the search must take two columns
    assert res["k"] == 2 and res["n_evaluated"] == 4 + 6
    assert res["best_by_k"][1] > 0.3
    assert sorted(res["subset"]) in ([1, 3], [1, 2])
    assert res["output_error"] < 0.05
    # the rerun gives the same subset and errors
    again = mn.minimal_neurons(u, feats, np.cos(3 * theta), n_intrinsic=1, strategy="exhaustive", max_k=2)
    assert again["subset"] == res["subset"] and again["input_error"] == res["input_error"]


def test_minimal_neurons_candidates_index_the_layer(interval):
    x, acts, y = interval
    res = mn.minimal_neurons(x, acts, y, candidates=[0, 2, 4], max_k=2)
    assert res["subset"] == [4] and res["k"] == 1
    assert all(set(cols) <= {0, 2, 4} for cols, _ in res["history"])
    # only folded units: one is not enough, the pair (sin, cos) is a circle and embeds
    folded = mn.minimal_neurons(x, acts, y, candidates=[0, 2], max_k=2)
    assert folded["k"] == 2 and sorted(folded["subset"]) == [0, 2]


def test_minimal_neurons_exhaustive_and_failure(interval):
    x, acts, y = interval
    res = mn.minimal_neurons(x, acts, y, strategy="exhaustive", max_k=1)
    assert res["k"] == 1 and res["n_evaluated"] == 5
    fail = mn.minimal_neurons(x, acts, y, candidates=[0], max_k=1)
    assert fail["k"] is None and fail["embeds"] is False and fail["input_error"] > 0.3


def test_minimal_neurons_bad_input(interval):
    x, acts, y = interval
    with pytest.raises(ValueError, match="candidates must be distinct column indices"):
        mn.minimal_neurons(x, acts, y, candidates=[0, 0])
    with pytest.raises(ValueError, match="candidates must be distinct column indices"):
        mn.minimal_neurons(x, acts, y, candidates=[7])
    with pytest.raises(ValueError, match="n_intrinsic must be an integer >= 1"):
        mn.minimal_neurons(x, acts, y, n_intrinsic=0)
    with pytest.raises(ValueError, match="outputs has 10 samples but activations has 240"):
        mn.minimal_neurons(x, acts, y[:10])
    with pytest.raises(ValueError, match="strategy must be"):
        mn.minimal_neurons(x, acts, y, strategy="random")


# ----------------------------------------------------------------------------- fold diagnostics


def test_separation_gap_matches_fold_gap_for_scalar_inputs(interval):
    x, acts, _ = interval
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


def test_failure_reason_cases():
    assert mn.failure_reason(0.01, 1, 1, 0.0) == "embeds"
    assert mn.failure_reason(0.9, 1, 2, 0.3) == "too few units"
    assert mn.failure_reason(0.9, 2, 1, 0.001) == "fold"
    assert mn.failure_reason(0.2, 2, 1, 0.03) == "near contact"
    assert mn.failure_reason(0.2, 3, 1, 0.2, rank_deficient=0.5) == "rank deficient"
    assert mn.failure_reason(0.06, 3, 1, 0.2, rank_deficient=0.0) == "other"
    assert mn.failure_reason(0.06, 3, 1, 0.2) == "other"
    assert set(mn.REASONS) >= {"embeds", "too few units", "fold", "near contact", "rank deficient", "other"}


def test_failure_reason_bad_input():
    with pytest.raises(ValueError, match="input_error must be a number >= 0"):
        mn.failure_reason(np.nan, 1, 1, 0.1)
    with pytest.raises(ValueError, match="gap must be a number >= 0"):
        mn.failure_reason(0.1, 1, 1, -1.0)
    with pytest.raises(ValueError, match="k must be an integer >= 1"):
        mn.failure_reason(0.1, 0, 1, 0.1)
    with pytest.raises(ValueError, match="contact_tol must be >= fold_tol"):
        mn.failure_reason(0.1, 1, 1, 0.1, fold_tol=0.1, contact_tol=0.01)
    with pytest.raises(ValueError, match="tol must be a finite number > 0"):
        mn.failure_reason(0.1, 1, 1, 0.1, tol=0)


# ----------------------------------------------------------------------------- survey


def test_neuron_count_survey_is_consistent(interval):
    x, acts, y = interval
    jac = np.zeros((len(x), acts.shape[1], 1))
    sv = mn.neuron_count_survey(x, acts, y, ks=(1, 2), n_trials=4, jacobians=jac + 1.0, random_state=2)
    assert sv["k"] == [1] * 4 + [2] * 4 and sv["ks"] == [1, 2] and sv["whitney"] == 3
    for k, units, ie, oe, od, fnn, gap, reason in zip(
        sv["k"],
        sv["units"],
        sv["input_error"],
        sv["output_error"],
        sv["output_error_direct"],
        sv["false_neighbors"],
        sv["gap"],
        sv["reason"],
    ):
        assert len(units) == k and 3 not in units  # the constant unit is never chosen
        F = acts[:, units]
        assert ie == embeds_manifold(x, F, random_state=2)[1]
        assert oe == mn.reconstruct(F, {"input": x, "output": y}, via="input", random_state=2)["errors"]["output"]
        assert od == mn.reconstruct(F, {"output": y}, random_state=2)["errors"]["output"]
        assert fnn == false_neighbor_fraction(x, F)
        assert gap == mn.separation_gap(x, F)
        assert (reason == "embeds") == (ie < 0.05)
        if k == 1 and units[0] in (0, 2):  # a folded unit
            assert reason == "fold"
    ins = np.asarray(sv["input_error"])
    assert sv["embedded_fraction"] == [float(np.mean(ins[:4] < 0.05)), float(np.mean(ins[4:] < 0.05))]
    assert sv["median_input"][0] == pytest.approx(np.median(ins[:4]))
    assert sv["rank_deficient"] == [0.0] * 8


def test_neuron_count_survey_too_few_units_on_a_square():
    u = np.random.default_rng(1).uniform(0, 1, (150, 2))
    acts = np.column_stack([u[:, 0] + u[:, 1], np.tanh(u[:, 0] - 2 * u[:, 1]), u[:, 0] ** 2])
    sv = mn.neuron_count_survey(u, acts, u.sum(axis=1), ks=(1,), n_trials=3)
    assert sv["reason"] == ["too few units"] * 3
    assert np.isnan(sv["rank_deficient"]).all()
    counts = mn.reason_counts(sv)
    assert counts[1]["too few units"] == 3 and sum(counts[1].values()) == 3
    assert list(counts[1]) == list(mn.REASONS)


def test_neuron_count_survey_bad_input(interval):
    x, acts, y = interval
    with pytest.raises(ValueError, match="ks must be a non-empty sequence of integers >= 1"):
        mn.neuron_count_survey(x, acts, y, ks=[0])
    with pytest.raises(ValueError, match="ks must be a non-empty sequence of integers >= 1"):
        mn.neuron_count_survey(x, acts, y, ks=[])
    with pytest.raises(ValueError, match="n_trials must be an integer >= 1"):
        mn.neuron_count_survey(x, acts, y, n_trials=0)
    with pytest.raises(ValueError, match=r"jacobians must have shape \(N, width, n\)"):
        mn.neuron_count_survey(x, acts, y, jacobians=np.zeros((len(x), 2, 1)))


def test_reason_counts_bad_input():
    with pytest.raises(ValueError, match="equally long lists"):
        mn.reason_counts({"k": [1, 2], "reason": ["fold"]})
    with pytest.raises(ValueError, match="equally long lists"):
        mn.reason_counts({"k": [1]})
    with pytest.raises(ValueError, match="unknown reason"):
        mn.reason_counts({"k": [1], "reason": ["broken"]})


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


# ----------------------------------------------------------------------------- plots


def test_plots_have_labelled_axes(interval, circle):
    pytest.importorskip("matplotlib")
    from netequiv.plotting import exp_d_minimal_neurons as pm

    x, acts, y = interval
    sv = mn.neuron_count_survey(x, acts, y, ks=(1, 2), n_trials=2)
    fig = pm.plot_error_vs_k({"toy": sv}, minimal={"toy": 1})
    assert all(ax.get_xlabel() and ax.get_ylabel() for ax in fig.axes)
    rec = mn.reconstruct(acts[:, [1]], {"input": x, "output": y})
    t = rec["test_index"]
    fig = pm.plot_reconstructions(
        {"toy": {"input": (x[t], rec["predictions"]["input"]), "output": (y[t], rec["predictions"]["output"])}}
    )
    assert len(fig.axes) == 2 and all(ax.get_xlabel().startswith("true") for ax in fig.axes)
    theta, u, feats = circle
    i, j, _ = mn.closest_distant_pair(x, acts[:, 0])
    fig = pm.plot_failures(
        interval={"x": x, "h": acts[:, 0], "pair": (i, j)}, circle={"theta": theta, "h": feats[:, :2], "pair": (0, 1)}
    )
    assert [ax.get_xlabel() for ax in fig.axes[:2]] == ["input $x$", "activation $h_a(\\theta)$"]
    with pytest.raises(ValueError, match="give at least one of"):
        pm.plot_failures()
