"""Input checks shared by every estimator: one clear ``ValueError`` per problem."""

from __future__ import annotations

import numpy as np


def as_2d_float(X, name: str = "X", *, min_samples: int = 1, dtype=np.float64) -> np.ndarray:
    """Return ``X`` as a C-contiguous float array of shape (N, D).

    Raises
    ------
    ValueError
        If ``X`` is not numeric, not 1-D/2-D, has fewer than ``min_samples`` rows,
        has no columns, or contains NaN or inf.
    """
    try:
        arr = np.asarray(X)
    except Exception as exc:  # noqa: BLE001 - ragged lists and the like
        raise ValueError(f"{name} must be an array of shape (n_samples, n_features); {exc}") from None
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise ValueError(
            f"{name} must hold real numbers, got dtype {arr.dtype}; convert it with np.asarray(..., dtype=float)."
        )
    if np.iscomplexobj(arr):
        raise ValueError(f"{name} must be real-valued, got complex dtype {arr.dtype}.")
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise ValueError(
            f"{name} must have shape (n_samples, n_features), got an array with shape {arr.shape}; "
            "reshape it, e.g. X.reshape(len(X), -1)."
        )
    if arr.shape[1] == 0:
        raise ValueError(f"{name} has no features (shape {arr.shape}).")
    if arr.shape[0] < min_samples:
        raise ValueError(f"{name} has {arr.shape[0]} samples, but at least {min_samples} are needed.")
    arr = np.ascontiguousarray(arr, dtype=dtype)
    check_finite(arr, name)
    return arr


def check_finite(arr: np.ndarray, name: str) -> None:
    """Raise ``ValueError`` naming the first offending row when ``arr`` holds NaN or inf."""
    finite = np.isfinite(arr)
    if not finite.all():
        bad = np.flatnonzero(~finite.reshape(len(arr), -1).all(axis=1))
        raise ValueError(
            f"{name} contains NaN or inf in {bad.size} sample(s) (first at row {bad[0]}); "
            "remove or repair these samples before fitting."
        )


def check_same_samples(a: np.ndarray, b: np.ndarray, name_a: str, name_b: str) -> None:
    """Paired data must have one row per sample in both arrays."""
    if len(a) != len(b):
        raise ValueError(
            f"{name_a} has {len(a)} samples but {name_b} has {len(b)}; both must be observations of the "
            "same inputs x, in the same order."
        )


def check_positive(value, name: str) -> float:
    """Return ``value`` as a float, or raise when it is not a finite positive number."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a positive number, got {value!r}.") from None
    if not np.isfinite(v) or v <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}.")
    return v


def check_int(value, name: str, minimum: int = 1) -> int:
    """Return ``value`` as an int, or raise when it is not an integer >= ``minimum`` (bools rejected)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}.")
    return int(value)


def check_fraction(value, name: str) -> float:
    """Return ``value`` as a float, or raise when it is not a number strictly between 0 and 1."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        v = float("nan")
    if isinstance(value, bool) or not 0.0 < v < 1.0:
        raise ValueError(f"{name} must lie strictly between 0 and 1, got {value!r}.")
    return v


def check_random_state(seed) -> np.random.Generator:
    """A numpy ``Generator`` from ``None``/int/``Generator`` (``None`` means seed 0: reruns are identical)."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        seed = 0
    if isinstance(seed, (int, np.integer)):
        return np.random.default_rng(int(seed))
    raise ValueError(f"random_state must be None, an int or a numpy Generator, got {type(seed).__name__}.")


class ResolutionError(ValueError):
    """The data are legal, but the method cannot resolve them as sampled.

    Raised where a diffusion map cannot be computed from the samples it is given (a neighbour
    graph in pieces, an eigensolver that does not converge on a clustered spectrum, fewer
    independent eigen-directions than coordinates asked for).  :func:`netequiv.compare_observations`
    turns it into the verdict "inconclusive" with the message as its reason; called directly,
    it is a ``ValueError`` that says what to change.
    """
