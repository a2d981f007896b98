"""Error measures against hand-computed numbers."""

import numpy as np
import pytest

from netequiv.measures import (
    NEAR_CONSTANT_REL,
    constant_features,
    near_constant_features,
    nrmse,
    relative_error,
    summarize_errors,
)

# column 0: mean 1.5, population std sqrt(1.25); the last prediction is off by 2 -> RMSE 1
# column 1: constant
# column 2: std 1, every prediction off by 0.5 -> NRMSE 0.5
Y_TRUE = np.array([[0.0, 5.0, 1.0], [1.0, 5.0, -1.0], [2.0, 5.0, 1.0], [3.0, 5.0, -1.0]])
Y_PRED = np.array([[0.0, 5.0, 1.5], [1.0, 7.0, -0.5], [2.0, 5.0, 1.5], [5.0, 5.0, -0.5]])


def test_nrmse_hand_computed():
    err = nrmse(Y_TRUE, Y_PRED)
    assert err.shape == (3,)
    assert err[0] == pytest.approx(1.0 / np.sqrt(1.25), rel=1e-14)  # 0.894427...
    assert np.isnan(err[1])
    assert err[2] == pytest.approx(0.5, rel=1e-14)


def test_nrmse_axis_one_and_1d():
    np.testing.assert_array_equal(nrmse(Y_TRUE.T, Y_PRED.T, axis=1), nrmse(Y_TRUE, Y_PRED))
    # 1-D input is one feature
    err = nrmse([0.0, 2.0], [0.5, 2.5])
    assert err.shape == (1,) and err[0] == pytest.approx(0.5)
    # predicting the mean gives exactly 1
    y = np.array([1.0, 4.0, 2.0, 7.0])
    assert nrmse(y, np.full(4, y.mean()))[0] == pytest.approx(1.0, rel=1e-14)


def test_constant_features_tolerance_is_relative_to_the_mean():
    y = np.array([[1e6, 0.0, 0.0, 3.0, 0.0], [1e6 + 1e-7, 1e-13, 1e-11, 4.0, 0.0]])
    # stds: 5e-8 (<= 1e-12 * 1e6), 5e-14 (> 1e-12 * 5e-14: a small signal, not rounding),
    # 5e-12, 0.5, and 0 (an all-zero feature)
    np.testing.assert_array_equal(constant_features(y), [True, False, False, False, True])
    np.testing.assert_array_equal(constant_features(y, 1e-2), [True, False, False, False, True])
    np.testing.assert_array_equal(constant_features(y.T, axis=1), [True, False, False, False, True])
    np.testing.assert_array_equal(constant_features(Y_TRUE), [False, True, False])
    # a value repeated many times: the computed spread is rounding error of the mean
    assert constant_features(np.full((1001, 1), 0.1))[0]


def _mixed_features(n=200):
    """Signal, offset signal, constants (zero, rounding-level and exact), tiny and dead units."""
    rng = np.random.default_rng(3)
    x = rng.uniform(size=n)
    return np.column_stack(
        [
            np.sin(3 * x),
            1e6 + np.cos(2 * x),  # large mean, spread 0.5: varies
            np.zeros(n),
            np.full(n, 0.1),
            1e3 * (1.0 + 1e-14 * rng.standard_normal(n)),  # rounding-level jitter of the mean
            1e-9 * np.maximum(x - 0.9, 0.0),  # dead ReLU unit with a 1e-9 residual
            1e-13 * x,  # a tiny but smooth signal around 0
        ]
    )


@pytest.mark.parametrize("scale", [1e-12, 1e12])
def test_constant_and_near_constant_features_do_not_depend_on_units(scale):
    y = _mixed_features()
    expected = [False, False, True, True, True, False, False]
    np.testing.assert_array_equal(constant_features(y), expected)
    np.testing.assert_array_equal(constant_features(scale * y), expected)
    near = [False, False, False, False, False, True, True]
    np.testing.assert_array_equal(near_constant_features(y), near)
    np.testing.assert_array_equal(near_constant_features(scale * y), near)
    # the old rule std <= tol * max(1, |mean|) called everything constant at 1e-12
    assert not constant_features(1e-12 * y)[0]


@pytest.mark.parametrize("scale", [1e-12, 1e12])
def test_nrmse_and_summary_do_not_depend_on_units(scale):
    y = _mixed_features()
    pred = y + 0.05 * np.std(y, axis=0) * np.cos(np.arange(len(y)))[:, None]
    ref, scaled = nrmse(y, pred), nrmse(scale * y, scale * pred)
    np.testing.assert_array_equal(np.isnan(ref), np.isnan(scaled))
    np.testing.assert_allclose(scaled[~np.isnan(ref)], ref[~np.isnan(ref)], rtol=1e-9)
    s1, s2 = summarize_errors(y, pred), summarize_errors(scale * y, scale * pred)
    assert s1.keys() == s2.keys()
    for k in s1:
        assert s2[k] == pytest.approx(s1[k], rel=1e-9), k


def test_near_constant_features_rule():
    # spreads 1, 5e-4 (flagged), 2e-3 (kept), 0 (constant: not flagged)
    y = np.array([[0.0, 0.0, 0.0, 7.0], [2.0, 1e-3, 4e-3, 7.0]])
    np.testing.assert_array_equal(near_constant_features(y), [False, True, False, False])
    np.testing.assert_array_equal(near_constant_features(y, 1e-2), [False, True, True, False])
    np.testing.assert_array_equal(near_constant_features(y.T, axis=1), [False, True, False, False])
    # all features constant: none is near-constant
    assert not near_constant_features(np.ones((4, 3))).any()
    assert NEAR_CONSTANT_REL == 1e-3
    for bad in (0.0, 1.0, 2.0, np.nan, -1e-3):
        with pytest.raises(ValueError, match="rel must"):
            near_constant_features(y, bad)
    with pytest.raises(ValueError, match="rel must"):
        summarize_errors(y, y, near_constant_rel=1.0)


def test_summary_leaves_near_constant_features_out():
    rng = np.random.default_rng(0)
    x = rng.uniform(size=300)
    # a good prediction of the live units; the dead unit (1e-9 residual) is predicted badly
    y = np.column_stack([np.sin(3 * x), np.cos(2 * x), 1e-9 * np.maximum(x - 0.95, 0.0), np.zeros(300)])
    pred = y.copy()
    pred[:, :2] += 1e-3 * rng.standard_normal((300, 2))
    pred[:, 2] = 0.0  # predicts the dead unit as exactly dead: NRMSE about 1.8
    err = nrmse(y, pred)
    s = summarize_errors(y, pred)
    assert s["n_constant"] == 1 and s["n_near_constant"] == 1
    assert s["max_nrmse"] == pytest.approx(err[:2].max(), rel=1e-14)
    assert s["median_nrmse"] == pytest.approx(np.median(err[:2]), rel=1e-14)
    assert s["max_nrmse_all"] == pytest.approx(err[2], rel=1e-14) and s["max_nrmse_all"] > 1.0
    assert s["max_nrmse"] < 0.01
    # without near-constant features the two maxima agree
    s_live = summarize_errors(y[:, :2], pred[:, :2])
    assert s_live["n_near_constant"] == 0 and s_live["max_nrmse_all"] == s_live["max_nrmse"]


def test_relative_error_hand_computed():
    y = np.array([[0.0, 0.0], [2.0, 4.0]])
    # ||1||_F over four entries = 2; ||y - mean||_F = sqrt(1 + 4 + 1 + 4)
    assert relative_error(y, y + 1.0) == pytest.approx(2.0 / np.sqrt(10.0), rel=1e-14)
    assert relative_error(y, np.tile(y.mean(axis=0), (2, 1))) == pytest.approx(1.0)
    assert relative_error(y, y) == 0.0


def test_summarize_errors_hand_computed():
    s = summarize_errors(Y_TRUE, Y_PRED)
    assert s["n_constant"] == 1 and s["n_near_constant"] == 0
    assert s["max_nrmse_all"] == s["max_nrmse"]
    assert s["median_nrmse"] == pytest.approx((1.0 / np.sqrt(1.25) + 0.5) / 2)
    assert s["max_nrmse"] == pytest.approx(1.0 / np.sqrt(1.25))
    # Frobenius: errors 2 (col 0), 2 (col 1, row 1), 0.5 x 4 (col 2) -> sqrt(4 + 4 + 1) = 3;
    # spread: 5 (col 0: 2.25+0.25+0.25+2.25) + 0 + 4 (col 2) -> sqrt(9) = 3
    assert s["relative"] == pytest.approx(1.0, rel=1e-14)


def test_summarize_all_constant_gives_nan_without_warning():
    y = np.ones((5, 2))
    s = summarize_errors(y, y + 1.0)
    assert s["n_constant"] == 2 and s["n_near_constant"] == 0
    assert np.isnan(s["median_nrmse"]) and np.isnan(s["max_nrmse"]) and np.isnan(s["relative"])
    assert np.isnan(s["max_nrmse_all"])


def test_bad_input_raises():
    with pytest.raises(ValueError, match="y_true has shape"):
        nrmse(np.zeros((4, 2)), np.zeros((4, 3)))
    with pytest.raises(ValueError, match="NaN or inf"):
        nrmse([0.0, np.nan, 1.0], [0.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="axis must be 0"):
        nrmse(Y_TRUE, Y_PRED, axis=2)
    with pytest.raises(ValueError, match="constant_tol must be"):
        nrmse(Y_TRUE, Y_PRED, constant_tol=-1.0)
    with pytest.raises(ValueError, match="y_true is constant"):
        relative_error(np.ones((3, 2)), np.zeros((3, 2)))
    with pytest.raises(ValueError, match="tol must be"):
        constant_features(Y_TRUE, 0.0)
