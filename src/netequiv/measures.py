"""Error measures for fitted maps: per-feature NRMSE and a relative Frobenius error.

A transformation between two networks is judged by how well it predicts held-out
observations.  Observations of different neurons live on very different scales, so
each feature's error is measured relative to that feature's own spread (the
normalised root-mean-square error, NRMSE); a single number for all features at once
is the relative Frobenius error.

Features that are (numerically) constant on the evaluation set have no spread to
normalise by.  They receive NaN rather than a warning (warnings are errors in the
test-suite); :func:`constant_features` returns the mask so that callers can report
them, and :func:`summarize_errors` counts them.  The rule is free of units: a feature
is constant when its spread is at the rounding level of its own mean, so multiplying
the observations by any factor (1e-12 or 1e12) classifies every feature as before.

Features that do vary, but only by a tiny amount compared with the other observed
features (a dead ReLU unit whose residual variation of 1e-9 is rounding noise), have a
finite but meaningless NRMSE.  :func:`near_constant_features` flags them, and
:func:`summarize_errors` leaves them out of its median and maximum (reporting the raw
maximum separately).
"""

from __future__ import annotations

import numpy as np

from ._validation import as_2d_float, check_fraction, check_positive

__all__ = ["constant_features", "near_constant_features", "nrmse", "relative_error", "summarize_errors"]

#: Default of :func:`near_constant_features`: a spread below this fraction of the largest
#: feature spread is not a signal.
NEAR_CONSTANT_REL = 1e-3


def _paired(y_true, y_pred, axis: int = 0):
    r"""Both arrays as float (n_samples, n_features), samples along rows."""
    yt = _samples_first(y_true, axis, "y_true")
    yp = _samples_first(y_pred, axis, "y_pred")
    if yt.shape != yp.shape:
        raise ValueError(
            f"y_true has shape {yt.shape} but y_pred has shape {yp.shape} (samples along axis {axis}); "
            "they must hold the same features for the same samples."
        )
    return yt, yp


def _samples_first(y, axis: int, name: str) -> np.ndarray:
    """``y`` as float (n_samples, n_features), samples along rows."""
    if axis not in (0, 1, -1, -2):
        raise ValueError(f"axis must be 0 (samples along rows) or 1 (samples along columns), got {axis!r}.")
    arr = np.asarray(y)
    if arr.ndim == 2 and axis in (1, -1):
        arr = arr.T
    return as_2d_float(arr, name)


def _constant_mask(arr: np.ndarray, tol: float, std: np.ndarray | None = None) -> np.ndarray:
    """The one rule for constant features (samples along rows): std <= tol * |mean|."""
    if std is None:
        std = arr.std(axis=0)
    return std <= tol * np.abs(arr.mean(axis=0))


def constant_features(y, tol: float = 1e-12, *, axis: int = 0) -> np.ndarray:
    r"""Mask of the features that are constant up to rounding at relative level ``tol``.

    Parameters
    ----------
    y : array-like of shape (n_samples, n_features) or (n_samples,)
        Observations, samples along ``axis``.
    tol : float, default=1e-12
        Relative tolerance: feature :math:`j` is constant when
        :math:`\operatorname{std}(y_j) \le \mathrm{tol}\,|\bar y_j|`.  This holds for a
        feature that takes one value (its computed spread is rounding error, a few
        units in the last place of the mean) and for an all-zero feature
        (:math:`\operatorname{std} = 0`); it does not depend on the units: ``c * y`` has
        the same constant features as ``y`` for every factor ``c != 0``.
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

    See Also
    --------
    near_constant_features : features that vary, but negligibly next to the others.

    Examples
    --------
    >>> import numpy as np
    >>> constant_features(np.array([[1.0, 5.0, 0.0], [2.0, 5.0, 0.0]]))
    array([False,  True,  True])
    >>> constant_features(1e-12 * np.array([[1.0, 5.0, 0.0], [2.0, 5.0, 0.0]]))
    array([False,  True,  True])
    """
    tol = check_positive(tol, "tol")
    return _constant_mask(_samples_first(y, axis, "y"), tol)


def near_constant_features(
    y, rel: float = NEAR_CONSTANT_REL, *, axis: int = 0, constant_tol: float = 1e-12
) -> np.ndarray:
    r"""Mask of the features that vary, but negligibly compared with the other features.

    Parameters
    ----------
    y : array-like of shape (n_samples, n_features) or (n_samples,)
        Observations, samples along ``axis``.
    rel : float, default=1e-3
        Feature :math:`j` is near-constant when
        :math:`\operatorname{std}(y_j) \le \mathrm{rel}\,\max_k \operatorname{std}(y_k)`
        and it is not constant (:func:`constant_features`).  Must lie in (0, 1).
    axis : {0, 1}, default=0
        The axis that indexes samples.
    constant_tol : float, default=1e-12
        Tolerance of :func:`constant_features`; constant features are never flagged here
        (the two masks are disjoint).

    Returns
    -------
    mask : ndarray of bool, shape (n_features,)

    Raises
    ------
    ValueError
        As :func:`constant_features`; "rel must lie strictly between 0 and 1, got ..." for a
        bad ``rel``.

    Notes
    -----
    Why: the NRMSE divides a feature's error by that feature's own spread.  A dead ReLU
    unit, or a unit whose output cancels to rounding noise, can vary by 1e-9 where the
    other units vary by 1; its "signal" is not a smooth function of the input, no
    interpolant can predict it, and its NRMSE (often near 1 or far above) says nothing
    about whether two networks agree.  Its contribution to the joint
    :func:`relative_error` is below :math:`\mathrm{rel}^2 = 10^{-6}` anyway.

    The rule is scale-free: it compares spreads with each other, so multiplying all
    observations by one factor leaves the mask unchanged.  (Observations in mixed units
    should be standardised, or compared per group, before relying on it.)

    The default ``rel = 1e-3`` separates the two cases with room on both sides: in
    trained 2-32-32-2 MLPs (tanh and ReLU, two seeds each) every live hidden unit had a
    spread of at least 0.08 times the largest in its layer, while rounding noise is
    about :math:`10^{-7}` (float32) or :math:`10^{-16}` (float64) of the signal.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.array([[0.0, 0.0, 3.0], [1.0, 1e-9, 3.0], [2.0, 0.0, 3.0]])
    >>> near_constant_features(y)
    array([False,  True, False])
    """
    constant_tol = check_positive(constant_tol, "constant_tol")
    rel = check_fraction(rel, "rel")
    arr = _samples_first(y, axis, "y")
    std = arr.std(axis=0)
    const = _constant_mask(arr, constant_tol, std)
    return ~const & (std <= rel * std.max())


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
        |\bar y_j|` are constant; their NRMSE is NaN (see :func:`constant_features`).

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
    const = _constant_mask(yt, constant_tol, std)
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


def summarize_errors(
    y_true, y_pred, *, constant_tol: float = 1e-12, near_constant_rel: float = NEAR_CONSTANT_REL
) -> dict:
    r"""Median and maximum per-feature NRMSE, relative error and the features left out.

    Parameters
    ----------
    y_true : array-like of shape (n_samples, n_features) or (n_samples,)
        True observations, one row per sample.
    y_pred : array-like, same shape as ``y_true``
        Predicted observations.
    constant_tol : float, default=1e-12
        Tolerance of :func:`constant_features`.
    near_constant_rel : float, default=1e-3
        ``rel`` of :func:`near_constant_features`.

    Returns
    -------
    summary : dict
        ``median_nrmse`` and ``max_nrmse`` (floats): over the features that are neither
        constant nor near-constant; ``max_nrmse_all`` (float): the maximum over every
        non-constant feature, near-constant ones included; ``relative`` (float,
        :func:`relative_error`); ``n_constant`` (int, features with NaN NRMSE) and
        ``n_near_constant`` (int, features left out of the median and maximum).  When
        every feature is constant the four floats are NaN.

    Raises
    ------
    ValueError
        As :func:`nrmse`; "rel must lie strictly between 0 and 1, got ..." for a bad
        ``near_constant_rel``.

    Notes
    -----
    A feature whose spread is at most ``near_constant_rel`` times the largest feature
    spread (:func:`near_constant_features`), e.g. a dead ReLU unit with a residual
    variation of 1e-9, has an NRMSE that measures rounding noise, not the quality of the
    map; one such feature would set ``max_nrmse``.  It is therefore counted in
    ``n_near_constant`` and left out of ``median_nrmse`` and ``max_nrmse``;
    ``max_nrmse_all`` keeps the raw maximum for inspection.  When no feature is
    near-constant (the usual case), ``max_nrmse_all == max_nrmse``.  All rules are
    scale-free: multiplying both arrays by one factor changes no entry.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.array([[0.0, 1.0], [2.0, 1.0]])
    >>> s = summarize_errors(y, y + [[0.5, 0.0], [0.5, 0.0]])
    >>> s["median_nrmse"], s["n_constant"], s["n_near_constant"]
    (0.5, 1, 0)
    """
    constant_tol = check_positive(constant_tol, "constant_tol")
    near_constant_rel = check_fraction(near_constant_rel, "rel")
    err = nrmse(y_true, y_pred, constant_tol=constant_tol)
    ok = np.isfinite(err)
    n_constant = int((~ok).sum())
    if not ok.any():
        return {
            "median_nrmse": float("nan"),
            "max_nrmse": float("nan"),
            "max_nrmse_all": float("nan"),
            "relative": float("nan"),
            "n_constant": n_constant,
            "n_near_constant": 0,
        }
    near = near_constant_features(y_true, near_constant_rel, constant_tol=constant_tol)
    keep = ok & ~near
    return {
        "median_nrmse": float(np.median(err[keep])),
        "max_nrmse": float(np.max(err[keep])),
        "max_nrmse_all": float(np.max(err[ok])),
        "relative": relative_error(y_true, y_pred),
        "n_constant": n_constant,
        "n_near_constant": int(near.sum()),
    }
