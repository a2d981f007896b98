"""Error measures against hand-computed numbers."""

import numpy as np
import pytest

from netequiv.errors import constant_features, nrmse, relative_error, summarize_errors

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
    y = np.array([[1e6, 0.0, 0.0, 3.0], [1e6 + 1e-7, 1e-13, 1e-11, 4.0]])
    # stds: 5e-8 (<= 1e-12 * 1e6), 5e-14 (<= 1e-12), 5e-12 (> 1e-12), 0.5
    np.testing.assert_array_equal(constant_features(y), [True, True, False, False])
    np.testing.assert_array_equal(constant_features(y, 1e-2), [True, True, True, False])
    np.testing.assert_array_equal(constant_features(y.T, axis=1), [True, True, False, False])
    np.testing.assert_array_equal(constant_features(Y_TRUE), [False, True, False])


def test_relative_error_hand_computed():
    y = np.array([[0.0, 0.0], [2.0, 4.0]])
    # ||1||_F over four entries = 2; ||y - mean||_F = sqrt(1 + 4 + 1 + 4)
    assert relative_error(y, y + 1.0) == pytest.approx(2.0 / np.sqrt(10.0), rel=1e-14)
    assert relative_error(y, np.tile(y.mean(axis=0), (2, 1))) == pytest.approx(1.0)
    assert relative_error(y, y) == 0.0


def test_summarize_errors_hand_computed():
    s = summarize_errors(Y_TRUE, Y_PRED)
    assert s["n_constant"] == 1
    assert s["median_nrmse"] == pytest.approx((1.0 / np.sqrt(1.25) + 0.5) / 2)
    assert s["max_nrmse"] == pytest.approx(1.0 / np.sqrt(1.25))
    # Frobenius: errors 2 (col 0), 2 (col 1, row 1), 0.5 x 4 (col 2) -> sqrt(4 + 4 + 1) = 3;
    # spread: 5 (col 0: 2.25+0.25+0.25+2.25) + 0 + 4 (col 2) -> sqrt(9) = 3
    assert s["relative"] == pytest.approx(1.0, rel=1e-14)


def test_summarize_all_constant_gives_nan_without_warning():
    y = np.ones((5, 2))
    s = summarize_errors(y, y + 1.0)
    assert s["n_constant"] == 2
    assert np.isnan(s["median_nrmse"]) and np.isnan(s["max_nrmse"]) and np.isnan(s["relative"])


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
