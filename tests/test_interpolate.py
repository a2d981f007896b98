"""Kernel interpolator: accuracy on smooth and boundary-kinked maps, centres, errors."""

import numpy as np
import pytest

from netequiv.interpolation import DEFAULT_RIDGE_GRID, DEFAULT_SCALE_MULTIPLES, KernelInterpolator
from netequiv.measures import nrmse, summarize_errors


def smooth_targets(Z):
    return np.column_stack(
        [np.sin(2 * np.pi * Z[:, 0]) * np.cos(np.pi * Z[:, 1]), np.cos(3 * Z[:, 0] + Z[:, 1]), np.sin(np.pi * Z[:, 1])]
    )


@pytest.fixture(scope="module")
def square_fit():
    Z = np.random.default_rng(0).uniform(size=(1000, 2))
    return Z, KernelInterpolator().fit(Z, smooth_targets(Z))


def test_smooth_targets_on_square(square_fit):
    _Z, model = square_fit
    Z_test = np.random.default_rng(2).uniform(size=(2000, 2))
    err = nrmse(smooth_targets(Z_test), model.predict(Z_test))
    # measured: about 8e-7, 4e-8, 1e-7 (length scale 0.54, ridge 1e-12)
    assert np.all(err <= 1e-3), err
    assert model.n_features_in_ == 2 and model.n_outputs_ == 3
    assert model.validation_nrmse_ < 1e-3
    assert model.ridge_ in DEFAULT_RIDGE_GRID
    assert model.centers_.shape == (1000, 2) and model.dual_coef_.shape == (1000, 3)


def test_square_root_kink_at_interval_ends():
    # psi_1 = cos(pi x) has zero slope at x = 0, 1, so x(psi_1) ~ sqrt(1 -+ psi_1) there
    x = np.random.default_rng(0).uniform(size=1000)
    x_test = np.random.default_rng(1).uniform(size=2000)
    model = KernelInterpolator().fit(np.cos(np.pi * x), x)
    pred = model.predict(np.cos(np.pi * x_test))
    assert pred.shape == (2000,)
    err = nrmse(x_test, pred)[0]
    # measured: 4.6e-4 (length scale 0.0104 = 8 median NN distances, ridge 1e-12);
    # a fixed length scale of 0.3 gives 4.7e-3, the same map without the kink 3e-8
    assert err <= 5e-3
    assert err <= 1e-3
    ends = (x_test < 0.05) | (x_test > 0.95)
    # measured: 1.4e-3 near the ends
    assert np.sqrt(np.mean((pred - x_test)[ends] ** 2)) / x_test.std() < 3e-3
    wide = KernelInterpolator(length_scale=0.3, ridge=1e-12).fit(np.cos(np.pi * x), x)
    assert nrmse(x_test, wide.predict(np.cos(np.pi * x_test)))[0] > 2 * err


def test_deterministic():
    Z = np.random.default_rng(5).uniform(size=(300, 2))
    F = smooth_targets(Z)
    a = KernelInterpolator().fit(Z, F)
    b = KernelInterpolator().fit(Z, F)
    assert (a.length_scale_, a.ridge_, a.validation_nrmse_) == (b.length_scale_, b.ridge_, b.validation_nrmse_)
    np.testing.assert_array_equal(a.predict(Z[:50]), b.predict(Z[:50]))
    c = KernelInterpolator(random_state=1).fit(Z, F)  # another hold-out split
    assert c.validation_nrmse_ != a.validation_nrmse_


@pytest.mark.slow  # the full solve factorises a 5000 x 5000 kernel (about 2 s)
def test_centre_subset_agrees_with_full_solve():
    Z = np.random.default_rng(0).uniform(size=(5000, 2))
    F = smooth_targets(Z)
    Z_test = np.random.default_rng(2).uniform(size=(1000, 2))
    full = KernelInterpolator(length_scale=0.2, ridge=1e-10, n_centers=5000).fit(Z, F)
    sub = KernelInterpolator(length_scale=0.2, ridge=1e-10, n_centers=1000).fit(Z, F)
    assert full.centers_.shape == (5000, 2) and sub.centers_.shape == (1000, 2)
    # measured: max |difference| 1.8e-6; both within 3e-7 NRMSE of the truth
    np.testing.assert_allclose(sub.predict(Z_test), full.predict(Z_test), atol=1e-5)
    assert np.all(nrmse(smooth_targets(Z_test), sub.predict(Z_test)) < 1e-5)


def test_automatic_search_with_centre_subset():
    Z = np.random.default_rng(3).uniform(size=(3000, 2))
    model = KernelInterpolator(n_centers=400).fit(Z, smooth_targets(Z))
    assert model.centers_.shape == (400, 2)
    Z_test = np.random.default_rng(4).uniform(size=(1000, 2))
    # measured: about 3e-5 at most
    assert np.all(nrmse(smooth_targets(Z_test), model.predict(Z_test)) < 1e-3)


def test_standardize_handles_mixed_units():
    rng = np.random.default_rng(6)
    Z = rng.uniform(size=(400, 2)) * [1.0, 1000.0]
    F = smooth_targets(Z / [1.0, 1000.0])
    Z_test = rng.uniform(size=(500, 2)) * [1.0, 1000.0]
    truth = smooth_targets(Z_test / [1.0, 1000.0])
    model = KernelInterpolator(standardize=True).fit(Z, F)
    assert np.all(nrmse(truth, model.predict(Z_test)) < 1e-3)
    np.testing.assert_allclose(model.centers_.std(axis=0), [1.0, 1.0])


def test_constant_features_and_fixed_parameters():
    Z = np.random.default_rng(7).uniform(size=(50, 1))
    F = np.column_stack([np.full(50, 3.0), np.sin(3 * Z[:, 0])])
    model = KernelInterpolator().fit(Z, F)
    np.testing.assert_allclose(model.predict(Z[:5])[:, 0], 3.0, atol=1e-12)
    const = KernelInterpolator().fit(Z, np.full(50, 2.0))
    assert np.isnan(const.validation_nrmse_)
    np.testing.assert_allclose(const.predict(Z[:5]), 2.0)
    fixed = KernelInterpolator(length_scale=0.5, ridge=0.0).fit(Z, F[:, 1])
    assert (fixed.length_scale_, fixed.ridge_) == (0.5, 0.0) and np.isnan(fixed.validation_nrmse_)
    # with ridge 0 the interpolant passes through the data (up to the conditioning jitter)
    np.testing.assert_allclose(fixed.predict(Z), F[:, 1], atol=1e-6)
    # only the ridge searched: the length scale stays
    half = KernelInterpolator(length_scale=0.5).fit(Z, F[:, 1])
    assert half.length_scale_ == 0.5 and half.ridge_ in DEFAULT_RIDGE_GRID
    assert half.validation_nrmse_ >= 0
    grid = KernelInterpolator(scale_multiples=[2.0], ridge_grid=[1e-6]).fit(Z, F[:, 1])
    assert grid.ridge_ == 1e-6
    assert DEFAULT_SCALE_MULTIPLES[0] == 1.0


def test_scaled_observations_give_the_same_errors():
    """Constant features follow the scale-free rule of netequiv.measures: F and c * F are the same problem."""
    rng = np.random.default_rng(11)
    Z = rng.uniform(size=(240, 2))
    Z_test = rng.uniform(size=(80, 2))

    def targets(Z):
        return np.column_stack([smooth_targets(Z)[:, :2], np.full(len(Z), 0.3), np.zeros(len(Z))])

    # noisy training data: the errors (about 0.05) are far above the rounding error of the
    # solves, which differs between scales that are not powers of 2
    F = targets(Z)
    F[:, :2] += 0.05 * rng.standard_normal((len(Z), 2))
    F_test = targets(Z_test)
    ref = None
    for scale in (1e-12, 1.0, 1e12):
        model = KernelInterpolator().fit(Z, scale * F)
        pred = model.predict(Z_test)
        np.testing.assert_allclose(pred[:, 2:], scale * F_test[:, 2:], rtol=1e-9, atol=0)  # constants
        got = (
            model.length_scale_,
            model.ridge_,
            model.validation_nrmse_,
            nrmse(scale * F_test, pred),
            summarize_errors(scale * F_test, pred),
        )
        if ref is None:
            ref = got
            assert 0.01 < got[2] < 0.2 and got[4]["n_constant"] == 2 and 0.01 < got[4]["max_nrmse"] < 0.2
            continue
        assert got[:2] == ref[:2], scale  # the same (length scale, ridge) pair is chosen
        assert got[2] == pytest.approx(ref[2], rel=1e-9)
        np.testing.assert_array_equal(np.isnan(got[3]), np.isnan(ref[3]))
        np.testing.assert_allclose(got[3][:2], ref[3][:2], rtol=1e-9)
        assert got[4].keys() == ref[4].keys()
        for k in ref[4]:
            assert got[4][k] == pytest.approx(ref[4][k], rel=1e-9), (scale, k)


def test_standardize_constant_rule_is_scale_free():
    Z = np.random.default_rng(12).uniform(size=(40, 2))
    F = np.sin(3 * Z[:, 0]) + Z[:, 1]
    a = KernelInterpolator(standardize=True).fit(Z, F)
    b = KernelInterpolator(standardize=True).fit(1e-12 * Z, F)  # tiny but varying coordinates are fine
    np.testing.assert_allclose(b.predict(1e-12 * Z[:5]), a.predict(Z[:5]), rtol=1e-6)
    with pytest.raises(ValueError, match=r"Z coordinate\(s\) \[1\] are constant"):
        KernelInterpolator(standardize=True).fit(np.column_stack([Z[:, 0], np.full(40, 1e-20)]), F)


def test_fit_and_predict_use_one_blas_thread(monkeypatch):
    """The dense algebra runs with one BLAS thread (restored afterwards); see the class notes."""
    threadpoolctl = pytest.importorskip("threadpoolctl")
    import netequiv.interpolation as interp

    seen = []
    kernel = interp._kernel

    def spy(A, B, gamma):
        seen.append({i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"})
        return kernel(A, B, gamma)

    monkeypatch.setattr(interp, "_kernel", spy)
    Z = np.random.default_rng(13).uniform(size=(60, 2))
    with threadpoolctl.threadpool_limits(limits=2, user_api="blas"):
        model = KernelInterpolator().fit(Z, Z.sum(axis=1))
        n_fit = len(seen)
        model.predict(Z[:7])
        after = {i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"}
    assert n_fit > 1 and len(seen) > n_fit
    assert all(s == {1} for s in seen)
    assert after == {2}  # the caller's setting is back


def test_errors():
    Z = np.random.default_rng(8).uniform(size=(20, 2))
    F = Z.sum(axis=1)
    model = KernelInterpolator()
    with pytest.raises(ValueError, match="not fitted yet"):
        model.predict(Z)
    with pytest.raises(ValueError, match="Z contains NaN or inf"):
        model.fit(np.where(Z > 0.9, np.nan, Z), F)
    with pytest.raises(ValueError, match="F contains NaN or inf"):
        model.fit(Z, np.where(F > 1.0, np.inf, F))
    with pytest.raises(ValueError, match="Z has 20 samples but F has 19"):
        model.fit(Z, F[:19])
    with pytest.raises(ValueError, match=r"at least 2\*m\+2 = 6 samples for m=2 coordinates, got 5"):
        model.fit(Z[:5], F[:5])
    model.fit(Z, F)
    with pytest.raises(ValueError, match="Z_new has 3 coordinates but the interpolator was fitted on m=2"):
        model.predict(np.zeros((4, 3)))
    with pytest.raises(ValueError, match="Z_new contains NaN or inf"):
        model.predict([[0.5, np.nan]])
    with pytest.raises(ValueError, match="all points of Z coincide"):
        KernelInterpolator().fit(np.zeros((10, 1)), np.arange(10.0))
    with pytest.raises(ValueError, match=r"Z coordinate\(s\) \[1\] are constant"):
        KernelInterpolator(standardize=True).fit(np.column_stack([Z[:, 0], np.ones(20)]), F)
    for kwargs, message in [
        ({"length_scale": "median"}, "length_scale must be 'auto' or a positive number"),
        ({"length_scale": 0.0}, "length_scale must be 'auto' or a positive number"),
        ({"ridge": -1.0}, "ridge must be 'auto' or a number >= 0"),
        ({"n_centers": 0}, "n_centers must be a positive integer"),
        ({"validation_fraction": 1.0}, "validation_fraction must lie strictly between 0 and 1"),
        ({"ridge_grid": []}, "ridge_grid must be a non-empty 1-D list of positive numbers"),
        ({"scale_multiples": [0.0, 1.0]}, "scale_multiples must be a non-empty 1-D list"),
    ]:
        with pytest.raises(ValueError, match=message):
            KernelInterpolator(**kwargs).fit(Z, F)
