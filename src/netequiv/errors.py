"""Error measures for fitted maps: per-feature NRMSE and a relative Frobenius error.

A transformation between two networks is judged by how well it predicts held-out
observations.  Observations of different neurons live on very different scales, so
each feature's error is measured relative to that feature's own spread (the
normalised root-mean-square error, NRMSE); a single number for all features at once
is the relative Frobenius error.

Features that are (numerically) constant on the evaluation set have no spread to
normalise by.  They receive NaN rather than a warning (warnings are errors in the
test-suite); :func:`constant_features` returns the mask so that callers can report
them, and :func:`summarize_errors` counts them.
"""

from __future__ import annotations

import numpy as np

from ._validation import as_2d_float, check_positive

__all__ = ["nrmse", "relative_error", "constant_features", "summarize_errors"]


def _paired(y_true, y_pred, axis: int = 0):
    r"""Both arrays as float (n_samples, n_features), samples along rows."""
    if axis not in (0, 1, -1, -2):
        raise ValueError(f"axis must be 0 (samples along rows) or 1 (samples along columns), got {axis!r}.")
    yt = np.asarray(y_true)
    yp = np.asarray(y_pred)
    if yt.ndim == 2 and axis in (1, -1):
        yt = yt.T
    if yp.ndim == 2 and axis in (1, -1):
        yp = yp.T
    yt = as_2d_float(yt, "y_true")
    yp = as_2d_float(yp, "y_pred")
    if yt.shape != yp.shape:
        raise ValueError(
            f"y_true has shape {yt.shape} but y_pred has shape {yp.shape} (samples along axis {axis}); "
            "they must hold the same features for the same samples."
        )
    return yt, yp


def constant_features(y, tol: float = 1e-12, *, axis: int = 0) -> np.ndarray:
    r"""Mask of the features that are constant up to ``tol``.

    Parameters
    ----------
    y : array-like of shape (n_samples, n_features) or (n_samples,)
        Observations, samples along ``axis``.
    tol : float, default=1e-12
        Relative tolerance: feature :math:`j` is constant when
        :math:`\operatorname{std}(y_j) \le \mathrm{tol}\,\max(1, |\bar y_j|)`.
    axis : {0, 1}, default=0
        The axis that indexes samples.

    Returns
    -------
    mask : ndarray of bool, shape (n_features,)
        ``True`` for constant features.

    Raises
    ------
    ValueError
        "y ... contains NaN or inf ..." / "y must have shape (n_samples, n_features) ..." from
        the shared input checks; "tol must be a finite number > 0, got ..." for a bad ``tol``;
        "axis must be 0 ... or 1 ..." for another axis.

    Examples
    --------
    >>> import numpy as np
    >>> constant_features(np.array([[1.0, 5.0], [2.0, 5.0]]))
    array([False,  True])
    """
    check_positive(tol, "tol")
    if axis not in (0, 1, -1, -2):
        raise ValueError(f"axis must be 0 (samples along rows) or 1 (samples along columns), got {axis!r}.")
    arr = np.asarray(y)
    if arr.ndim == 2 and axis in (1, -1):
        arr = arr.T
    arr = as_2d_float(arr, "y")
    mean = arr.mean(axis=0)
    std = arr.std(axis=0)
    return std <= tol * np.maximum(1.0, np.abs(mean))


def nrmse(y_true, y_pred, *, axis: int = 0, constant_tol: float = 1e-12) -> np.ndarray:
    r"""Normalised root-mean-square error of every feature.

    Parameters
    ----------
    y_true : array-like of shape (n_samples, n_features) or (n_samples,)
        True observations.
    y_pred : array-like, same shape as ``y_true``
        Predicted observations.
    axis : {0, 1}, default=0
        The axis that indexes samples (``1`` for arrays stored features-by-samples).
    constant_tol : float, default=1e-12
        Features with :math:`\operatorname{std}(y_j) \le \text{constant\_tol}\,
        \max(1, |\bar y_j|)` are constant; their NRMSE is NaN (see
        :func:`constant_features`).

    Returns
    -------
    err : ndarray of shape (n_features,)
        One value per feature; 1-D input gives shape (1,).

    Raises
    ------
    ValueError
        "y_true has shape ... but y_pred has shape ..." when the shapes differ; "... contains
        NaN or inf ..." for non-finite input; "axis must be 0 ... or 1 ..." for another axis;
        "constant_tol must be a finite number > 0, got ..." for a bad tolerance.

    Notes
    -----
    With :math:`N` samples, feature :math:`j` has

    .. math::

        \mathrm{NRMSE}_j = \frac{\sqrt{\tfrac1N\sum_{i=1}^N (\hat y_{ij} - y_{ij})^2}}
                                  {\sqrt{\tfrac1N\sum_{i=1}^N (y_{ij} - \bar y_j)^2}},

    i.e. the RMSE divided by the (population) standard deviation of the true
    feature.  Predicting the mean gives 1; a perfect prediction gives 0.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.array([[0.0], [2.0]])
    >>> nrmse(y, y + 0.5)
    array([0.5])
    """
    constant_tol = check_positive(constant_tol, "constant_tol")
    yt, yp = _paired(y_true, y_pred, axis)
    rmse = np.sqrt(np.mean((yp - yt) ** 2, axis=0))
    std = yt.std(axis=0)
    const = std <= constant_tol * np.maximum(1.0, np.abs(yt.mean(axis=0)))
    out = np.full(yt.shape[1], np.nan)
    out[~const] = rmse[~const] / std[~const]
    return out


def relative_error(y_true, y_pred) -> float:
    r"""Relative Frobenius error of a prediction of all features at once.

    Parameters
    ----------
    y_true : array-like of shape (n_samples, n_features) or (n_samples,)
        True observations, one row per sample.
    y_pred : array-like, same shape as ``y_true``
        Predicted observations.

    Returns
    -------
    err : float
        :math:`\|\hat Y - Y\|_F / \|Y - \mathbf 1\bar Y\|_F`.

    Raises
    ------
    ValueError
        "y_true has shape ... but y_pred has shape ..." when the shapes differ; "... contains
        NaN or inf ..." for non-finite input; "y_true is constant (every feature equals its
        mean), so the relative error is undefined; ..." when the denominator vanishes.

    Notes
    -----
    .. math::

        \varepsilon_{\mathrm{rel}} = \frac{\|\hat Y - Y\|_F}{\|Y - \mathbf 1 \bar Y^\top\|_F},

    where :math:`\bar Y` is the vector of feature means.  Unlike the per-feature
    NRMSE, features with a large spread dominate; predicting the feature means gives 1.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.array([[0.0, 0.0], [2.0, 4.0]])
    >>> float(relative_error(y, y + 1.0))
    0.6324555320336759
    """
    yt, yp = _paired(y_true, y_pred, 0)
    denom = np.linalg.norm(yt - yt.mean(axis=0))
    if not denom > 0:
        raise ValueError(
            "y_true is constant (every feature equals its mean), so the relative error is undefined; "
            "evaluate on samples whose observations vary."
        )
    return float(np.linalg.norm(yp - yt) / denom)


def summarize_errors(y_true, y_pred, *, constant_tol: float = 1e-12) -> dict:
    r"""Median and maximum per-feature NRMSE, relative error and number of constant features.

    Parameters
    ----------
    y_true : array-like of shape (n_samples, n_features) or (n_samples,)
        True observations, one row per sample.
    y_pred : array-like, same shape as ``y_true``
        Predicted observations.
    constant_tol : float, default=1e-12
        Tolerance of :func:`constant_features`.

    Returns
    -------
    summary : dict
        ``median_nrmse`` and ``max_nrmse`` (floats, over the non-constant features),
        ``relative`` (float, :func:`relative_error`) and ``n_constant`` (int).  When every
        feature is constant the three floats are NaN.

    Raises
    ------
    ValueError
        As :func:`nrmse`.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.array([[0.0, 1.0], [2.0, 1.0]])
    >>> s = summarize_errors(y, y + [[0.5, 0.0], [0.5, 0.0]])
    >>> s["median_nrmse"], s["n_constant"]
    (0.5, 1)
    """
    err = nrmse(y_true, y_pred, constant_tol=constant_tol)
    ok = np.isfinite(err)
    n_constant = int((~ok).sum())
    if not ok.any():
        return {"median_nrmse": float("nan"), "max_nrmse": float("nan"), "relative": float("nan"),
                "n_constant": n_constant}
    return {
        "median_nrmse": float(np.median(err[ok])),
        "max_nrmse": float(np.max(err[ok])),
        "relative": relative_error(y_true, y_pred),
        "n_constant": n_constant,
    }
