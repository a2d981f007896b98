"""Pieces of experiment (c): bursts and metrics on a circle, angle recovery, comparisons, images.

Synthetic closed curves stand in for the latent codes (known angle, known speed), and a tiny
autoencoder on moving-blob images checks the torch parts; no horse rendering is needed.
"""

from __future__ import annotations

import numpy as np
import pytest

from netequiv.chapters import exp_c_horse as ht


def _curve(n=120, speed_wiggle=0.0):
    """A closed curve in R^3 with non-uniform speed: z(theta) for equally spaced theta."""
    th = 2 * np.pi * np.arange(n) / n
    s = th + speed_wiggle * np.sin(2 * th)  # a reparametrisation: speed varies along the curve
    z = np.column_stack([3 * np.cos(s), 2 * np.sin(s), 0.8 * np.sin(2 * s)])
    return th, z


def test_angle_bursts_are_the_neighbours():
    th, z = _curve(24)
    b, delta = ht.angle_bursts(z)
    assert b.shape == (24, 2, 3)
    assert delta == pytest.approx(2 * np.pi / 24)
    np.testing.assert_array_equal(b[0, 0], z[-1])
    np.testing.assert_array_equal(b[0, 1], z[1])
    np.testing.assert_array_equal(b[5, 1], z[6])


def test_latent_metric_distance_approximates_the_angle_step():
    th, z = _curve(360, speed_wiggle=0.4)
    M = ht.latent_metric(z)
    assert M.n_intrinsic == 1
    idx = np.arange(360)
    d = np.sqrt(M.quadratic(idx, np.roll(z, -1, axis=0) - z))
    # one step of 1 degree, whatever the local speed of the curve (which varies 3-fold)
    np.testing.assert_allclose(d, 2 * np.pi / 360, rtol=0.03)
    speed = np.linalg.norm(np.roll(z, -1, axis=0) - z, axis=1)
    assert speed.max() / speed.min() > 2.5


def test_latent_metric_from_tangents_matches_bursts():
    th, z = _curve(200, speed_wiggle=0.3)
    s = th + 0.3 * np.sin(2 * th)
    ds = 1 + 0.6 * np.cos(2 * th)
    tang = np.column_stack([-3 * np.sin(s), 2 * np.cos(s), 1.6 * np.cos(2 * s)]) * ds[:, None]
    Mj = ht.latent_metric(z, tangents=tang[:, :, None])
    Mb = ht.latent_metric(z)
    np.testing.assert_allclose(Mj.tangent_weights, Mb.tangent_weights, rtol=5e-3)
    with pytest.raises(ValueError, match="tangents must have shape"):
        ht.latent_metric(z, tangents=tang)


def test_circle_angles_recovers_rotation_reflection_and_ellipse():
    th = np.linspace(0, 2 * np.pi, 90, endpoint=False)
    # a reflected, rotated, unequally scaled and shifted circle
    c = np.column_stack([2.0 * np.cos(-th + 0.7) + 5, 0.5 * np.sin(-th + 0.7) - 1])
    rot = np.array([[np.cos(0.3), -np.sin(0.3)], [np.sin(0.3), np.cos(0.3)]])
    res = ht.circle_angles(c @ rot.T, th)
    assert res["orientation"] == -1
    assert res["median_error_deg"] < 0.5
    np.testing.assert_allclose(np.cos(res["angles"]), np.cos(th), atol=0.02)
    noisy = ht.circle_angles(
        np.column_stack([np.cos(th), np.sin(th)]) + 0.05 * np.random.default_rng(0).normal(size=(90, 2)), th
    )
    assert 0.3 < noisy["median_error_deg"] < 5


def test_circle_angles_rejects_bad_input():
    th = np.linspace(0, 2 * np.pi, 20, endpoint=False)
    with pytest.raises(ValueError, match="two columns"):
        ht.circle_angles(np.ones((20, 3)), th)
    with pytest.raises(ValueError, match="degenerate"):
        ht.circle_angles(np.column_stack([np.cos(th), np.cos(th)]), th)
    with pytest.raises(ValueError, match="samples"):
        ht.circle_angles(np.column_stack([np.cos(th), np.sin(th)]), th[:10])
    with pytest.raises(ValueError, match="NaN"):
        ht.circle_angles(np.full((20, 2), np.nan), th)


def test_closed_sequence_checks():
    with pytest.raises(ValueError, match="at least 8"):
        ht.angle_bursts(np.ones((5, 2)))
    with pytest.raises(ValueError, match="NaN"):
        ht.latent_metric(np.full((10, 2), np.nan))
    with pytest.raises(ValueError, match="n_views"):
        ht.horse_data(4)


def test_latent_circle_recovers_the_angle_of_a_curve_with_uneven_speed():
    th, z = _curve(180, speed_wiggle=0.4)
    ic = ht.latent_circle(z, ht.latent_metric(z))
    assert ic.coords.shape == (180, 2)
    assert ht.circle_angles(ic.coords, th)["median_error_deg"] < 1.0
    # without the metric the diffusion map follows the curve's own arc length, not the angle
    ic_e = ht.latent_circle(z, None)
    assert ht.circle_angles(ic_e.coords, th)["median_error_deg"] > 5.0


def test_compare_latents_equivalent_curves_and_a_folded_code():
    th, za = _curve(200, speed_wiggle=0.3)
    zb = np.column_stack([np.tanh(np.cos(th + 1)), np.sin(th + 1) ** 3 + np.sin(th + 1), np.cos(2 * th), np.sin(th)])
    Ma, Mb = ht.latent_metric(za), ht.latent_metric(zb)
    res = ht.compare_latents(za, zb, Ma, Mb)
    assert res.equivalent
    assert res.forward_error["max_nrmse"] < 0.05 and res.backward_error["max_nrmse"] < 0.05
    assert res.coords_a.coords.shape[1] == 2
    # a one-number code: cos(theta) folds the circle (theta and -theta share a code)
    zc = np.cos(th)[:, None]
    rc = ht.compare_latents(za, zc, Ma, ht.latent_metric(zc), n_coordinates=(2, 1))
    assert not rc.equivalent
    assert rc.coords_b.coords.shape[1] == 1
    assert rc.forward_error["max_nrmse"] < 0.05  # the code is a function of the angle ...
    assert rc.backward_error["max_nrmse"] > 0.3  # ... but the angle is not a function of the code
    assert np.isnan(rc.agreement_rms)
    # same split as compare_observations
    np.testing.assert_array_equal(rc.test_index, res.test_index)
    with pytest.raises(ValueError, match="n_coordinates"):
        ht.compare_latents(za, zc, Ma, ht.latent_metric(zc), n_coordinates=(2, 0))


def test_train_caes_rejects_unknown_names():
    with pytest.raises(ValueError, match="unknown autoencoder"):
        ht.train_caes(np.zeros((8, 8, 8)), epochs=1, names=("Z",))
    assert set(ht.CAE_SPECS) == {"A", "B", "C"}
    assert ht.CAE_SPECS["A"].latent_dim != ht.CAE_SPECS["B"].latent_dim
    assert ht.CAE_SPECS["C"].latent_dim == 1


def _blobs(n=48, size=16):
    """A Gaussian spot going round a circle: images on a closed 1-D manifold."""
    phi = 2 * np.pi * np.arange(n) / n
    yy, xx = np.mgrid[0:size, 0:size]
    cx = size / 2 - 0.5 + 0.25 * size * np.cos(phi)
    cy = size / 2 - 0.5 + 0.25 * size * np.sin(phi)
    d2 = (xx[None] - cx[:, None, None]) ** 2 + (yy[None] - cy[:, None, None]) ** 2
    return phi, np.exp(-d2 / (2 * (size / 8) ** 2)).astype(np.float32)


def test_torch_parts_tangents_decoding_and_image_errors():
    torch = pytest.importorskip("torch")
    from netequiv.chapters.autoencoder import ConvAutoencoder, encode_images

    torch.manual_seed(0)
    model = ConvAutoencoder(latent_dim=3, widths=(4, 8), size=16, activation="tanh").double().float()
    phi, x = _blobs()
    z = encode_images(model, x)
    t = ht.latent_tangents(model, x)
    assert t.shape == (48, 3, 1)
    # the Jacobian-vector product agrees with the central difference of the codes
    fd = (np.roll(z, -1, axis=0) - np.roll(z, 1, axis=0)) / (2 * (2 * np.pi / 48))
    cos = np.sum(fd * t[:, :, 0], axis=1) / (np.linalg.norm(fd, axis=1) * np.linalg.norm(t[:, :, 0], axis=1))
    assert np.median(cos) > 0.95
    with pytest.raises(ValueError, match="expects"):
        ht.latent_tangents(model, np.zeros((10, 8, 8), dtype=np.float32))
    dec = ht.decode_codes(model, z)
    with torch.no_grad():
        ref = model(torch.from_numpy(x).unsqueeze(1))[:, 0].double().numpy()
    np.testing.assert_allclose(dec, ref, atol=1e-6)
    with pytest.raises(ValueError, match="latent size"):
        ht.decode_codes(model, np.zeros((3, 2)))

    class _Result:  # T = identity on the held-out samples: images through T equal the reconstructions
        test_index = np.array([1, 5, 9])
        predictions = {"b_from_a": z[[1, 5, 9]], "a_from_b": z[[1, 5, 9]]}

    out = ht.images_through_transform(_Result(), model, model, x, z, z)
    assert out["via_t_vs_b"] == pytest.approx(0.0, abs=1e-12)
    assert out["ratio_t"] == pytest.approx(1.0)
    assert out["rec_b"] == pytest.approx(np.sqrt(np.mean((ref[[1, 5, 9]] - x[[1, 5, 9]]) ** 2)), rel=1e-5)
    assert out["images"]["input"].shape == (3, 16, 16)
