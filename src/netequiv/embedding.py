r"""Embedding checks: do observed features resolve the input manifold?

Whitney's theorem :cite:`whitney1936differentiable` (and *Embedology*
:cite:`sauer1991embedology`) says that :math:`2n+1` generic smooth measurements embed a
compact :math:`n`-manifold.  The method can only speak where each network's observations
resolve the manifold; these functions check it on samples: preimage counts and folds of a
scalar function (:func:`count_preimages`, :func:`folded_fraction`), rank-deficient
Jacobians (:func:`rank_deficient_fraction`), false nearest neighbours
(:func:`false_neighbor_fraction`, used by the verdict of :func:`netequiv.compare`),
choosing neurons (:func:`choose_neurons`) and reconstructing the input from features on
held-out points (:func:`embeds_manifold`, :func:`minimal_embedding_subset`).

The demonstrations of the chapter :doc:`/notebooks/whitney` (random smooth maps and their
self-intersections) live in :mod:`netequiv.chapters.whitney`.
"""

from __future__ import annotations

from itertools import combinations
from math import comb

import numpy as np

from ._validation import as_2d_float, check_positive, check_random_state, check_same_samples
from ._validation import check_fraction as _check_fraction
from ._validation import check_int as _check_int

__all__ = [
    "standardize_columns",
    "count_preimages",
    "folded_fraction",
    "rank_deficient_fraction",
    "false_neighbor_fraction",
    "choose_neurons",
    "embeds_manifold",
    "minimal_embedding_subset",
]


def count_preimages(values, levels) -> np.ndarray:
    r"""How many times a sampled scalar function :math:`y(x)` attains each level.

    Parameters
    ----------
    values : array-like of shape (N,)
        Samples :math:`y(x_1), \dots, y(x_N)` along an interval, :math:`x_1 < \dots < x_N`.
    levels : array-like of shape (L,)
        Levels :math:`c`.

    Returns
    -------
    counts : ndarray of int, shape (L,)
        The number of sign changes of :math:`y - c` between neighbouring samples plus
        the number of runs of samples where :math:`y = c` exactly: the number of
        preimages :math:`\#\{x : y(x) = c\}` resolved by the sampling.

    Raises
    ------
    ValueError
        "values must be 1-D, got shape ..."; "values has ... samples, but at least 2 are
        needed."; NaN/inf in ``values`` or ``levels``.

    Notes
    -----
    A scalar output can be inverted — :math:`x` recovered from :math:`y` — only if
    every level has at most one preimage, i.e. :math:`y` is monotone. For
    :math:`y = \sin 2\pi x` on :math:`[0, 1]` almost every level in :math:`(-1, 1)` has
    two preimages.

    Examples
    --------
    >>> x = np.linspace(0, 1, 1001)
    >>> count_preimages(np.sin(2 * np.pi * x), [0.5, -0.5, 2.0]).tolist()
    [2, 2, 0]
    """
    v = np.asarray(values, dtype=float)
    if v.ndim != 1:
        raise ValueError(f"values must be 1-D, got shape {v.shape}.")
    v = as_2d_float(v, "values", min_samples=2)[:, 0]
    c = as_2d_float(np.ravel(levels), "levels")[:, 0]
    sign = np.sign(v[None, :] - c[:, None])
    # a preimage is either a sign change between neighbouring samples or a run of exact hits
    changes = np.count_nonzero(sign[:, :-1] * sign[:, 1:] < 0, axis=1)
    zero = sign == 0
    runs = zero[:, 0].astype(int) + np.count_nonzero(zero[:, 1:] & ~zero[:, :-1], axis=1)
    return changes + runs


def folded_fraction(values, *, n_levels=200) -> float:
    r"""Fraction of the range of a sampled scalar function whose levels have several preimages.

    Parameters
    ----------
    values : array-like of shape (N,)
        Samples :math:`y(x_1), \dots, y(x_N)` along an interval, :math:`x_1 < \dots < x_N`.
    n_levels : int, default=200
        Number of equally spaced levels strictly inside :math:`(\min y, \max y)`.

    Returns
    -------
    fraction : float
        Fraction of the levels with at least two preimages (:func:`count_preimages`):
        0 for a monotone function, close to 1 for :math:`\sin 2\pi x` on :math:`[0, 1]`,
        small for a function that turns back only slightly. A constant function gives 0.

    Raises
    ------
    ValueError
        As :func:`count_preimages`; "n_levels must be an integer >= 1, ...".

    Notes
    -----
    Counting turning points (:func:`count_self_intersections` with ``closed=False``) says
    *whether* a scalar feature folds; this says *how much* of its range is ambiguous.
    A fold of depth :math:`\delta` leaves a band of levels of relative width
    :math:`\delta / (\max y - \min y)` with two preimages.

    Examples
    --------
    >>> x = np.linspace(0, 1, 1001)
    >>> folded_fraction(x**2), folded_fraction(np.sin(2 * np.pi * x)), folded_fraction(np.sin(np.pi * x))
    (0.0, 1.0, 1.0)
    >>> round(folded_fraction(np.sin(1.5 * np.pi * x)), 2)   # falls back to -1 from 1: half of it folds
    0.5
    """
    v = np.asarray(values, dtype=float)
    if v.ndim != 1:
        raise ValueError(f"values must be 1-D, got shape {v.shape}.")
    n_levels = _check_int(n_levels, "n_levels", 1)
    v = as_2d_float(v, "values", min_samples=2)[:, 0]
    lo, hi = v.min(), v.max()
    if hi == lo:
        return 0.0
    levels = lo + (hi - lo) * (np.arange(n_levels) + 0.5) / n_levels
    return float(np.mean(count_preimages(v, levels) >= 2))


def rank_deficient_fraction(jacobians, n_intrinsic=None, *, rtol=1e-6) -> float:
    r"""Fraction of the samples where the observation map is not an immersion.

    Parameters
    ----------
    jacobians : array-like of shape (N, d, n)
        Jacobians :math:`J_i = \partial y / \partial x\,(x_i)` of the observed features
        (e.g. ``observe(..., jacobian=True).jac``).
    n_intrinsic : int or None, default=None
        Required rank; ``None`` means the input dimension ``n``.
    rtol : float, default=1e-6
        :math:`J_i` is rank deficient when its ``n_intrinsic``-th singular value is below
        ``rtol`` times the largest singular value over all samples.

    Returns
    -------
    fraction : float
        Fraction of samples with :math:`\operatorname{rank} J_i < n` (1 when every
        Jacobian is zero: the features do not depend on the input at all).

    Raises
    ------
    ValueError
        "jacobians must have shape (N, d, n), got ..."; "jacobians contains NaN or inf";
        "n_intrinsic must be an integer >= 1, ..." or "n_intrinsic=... exceeds min(d, n)=...";
        "rtol must be a finite number > 0, ...".

    Notes
    -----
    An embedding is a one-to-one *immersion*: :math:`J_i` must have full rank :math:`n`
    everywhere. Where it does not, nearby inputs are squeezed together and cannot be
    told apart from the observations. ReLU units are flat wherever they are inactive:
    where fewer than :math:`n` of the observed units are active, the Jacobian of an
    :math:`n`-dimensional input has rank below :math:`n`.

    Examples
    --------
    >>> x = np.linspace(-1, 1, 5)
    >>> rank_deficient_fraction((3 * x**2)[:, None, None])   # x -> x**3 is flat at x = 0
    0.2
    """
    J = np.asarray(jacobians, dtype=float)
    if J.ndim != 3 or 0 in J.shape:
        raise ValueError(f"jacobians must have shape (N, d, n), got {J.shape}.")
    if not np.isfinite(J).all():
        raise ValueError("jacobians contains NaN or inf; repair the observations first.")
    limit = min(J.shape[1], J.shape[2])
    n = J.shape[2] if n_intrinsic is None else _check_int(n_intrinsic, "n_intrinsic", 1)
    if n > limit:
        raise ValueError(f"n_intrinsic={n} exceeds min(d, n)={limit}: the Jacobians cannot have that rank.")
    rtol = check_positive(rtol, "rtol")
    sv = np.linalg.svd(J, compute_uv=False)
    top = sv[:, 0].max()
    if not top > 0:
        return 1.0
    return float(np.mean(sv[:, n - 1] < rtol * top))


def false_neighbor_fraction(x, features, *, factor=10.0) -> float:
    r"""Fraction of samples whose nearest neighbour in feature space is far away in input space.

    Parameters
    ----------
    x : array-like of shape (N, n) or (N,)
        Input samples.
    features : array-like of shape (N, k) or (N,)
        Observations of the same samples.
    factor : float, default=10.0
        A neighbour is *false* when its input lies more than ``factor`` times the median
        nearest-neighbour distance of the inputs away.

    Returns
    -------
    fraction : float
        Fraction of samples with a false nearest neighbour: near 0 when the features
        embed the inputs, large when they fold or cross (distant inputs, close
        observations). 1.0 when every feature is constant.

    Raises
    ------
    ValueError
        "x has ... samples, but at least 10 are needed." (likewise ``features``); "x has ...
        samples but features has ..."; "factor must be a finite number > 0, ...".

    Notes
    -----
    The features are standardised column by column (constant columns dropped) and each
    sample's nearest neighbour :math:`j(i)` among the observations is found. With
    :math:`\delta` the median distance of an input to its nearest input,

    .. math::

        \text{false}(i) = \bigl[\, \lVert x_{j(i)} - x_i \rVert > \text{factor}\cdot\delta \,\bigr].

    This is the idea of false nearest neighbours used to choose embedding dimensions
    of delay coordinates :cite:`kennel1992determining`: where observations are an
    embedding, neighbours in observation space are neighbours in the input.

    Examples
    --------
    >>> x = np.linspace(-1, 1, 401)
    >>> false_neighbor_fraction(x, x**3 + x), round(false_neighbor_fraction(x, x**2), 2)
    (0.0, 0.98)
    """
    from scipy.spatial import cKDTree

    x, features = _check_xf(x, features)
    factor = check_positive(factor, "factor")
    F, _ = standardize_columns(features, features[:1])
    if F.shape[1] == 0:
        return 1.0
    delta = np.median(cKDTree(x).query(x, k=2)[0][:, 1])
    # the nearest other sample (duplicated observations may come before the sample itself)
    idx = cKDTree(F).query(F, k=3)[1]
    nn = np.where(idx[:, 0] == np.arange(len(F)), idx[:, 1], idx[:, 0])
    return float(np.mean(np.linalg.norm(x[nn] - x, axis=1) > factor * delta))


# -------------------------------------------------------------- neurons and embedding


def choose_neurons(width, k=None, n_intrinsic=1, random_state=0, *, activations=None, constant_tol=1e-6) -> np.ndarray:
    r"""Pick ``k`` distinct units of a layer at random (default :math:`k = 2n+1`).

    Parameters
    ----------
    width : int
        Number of units in the layer.
    k : int or None, default=None
        How many units to pick; ``None`` means :math:`2n + 1`, Whitney's count for an
        :math:`n`-dimensional input manifold.
    n_intrinsic : int, default=1
        Intrinsic dimension :math:`n` of the input manifold.
    random_state : None, int or numpy Generator, default=0
        Seed of the choice.
    activations : array-like of shape (N, width) or None, default=None
        The layer's activations on the inputs. When given, units whose activation is
        (numerically) constant — dead ReLUs, saturated tanh units — are never picked:
        they carry no information about the input.
    constant_tol : float, default=1e-6
        A unit is constant when its standard deviation is at most ``constant_tol``
        times the largest standard deviation in the layer.

    Returns
    -------
    units : ndarray of int, shape (k,)
        Sorted unit indices.

    Raises
    ------
    ValueError
        "width must be an integer >= 1, ..."; "n_intrinsic must be an integer >= 1, ...";
        "k must be an integer >= 1, ..."; "activations has ... columns but width is ...";
        "cannot choose k=... units: only ... of the ... units vary on the inputs; lower k or
        observe another layer."

    Notes
    -----
    Whitney's theorem guarantees that :math:`2n+1` *generic* smooth measurements embed a
    compact :math:`n`-manifold. Neurons are not always generic: a constant unit is not a
    measurement at all, and a unit of the first layer is a ridge function
    :math:`\sigma(w \cdot x + b)` that cannot tell apart inputs on the same level set
    of :math:`w \cdot x`. Use :func:`embeds_manifold` to check a choice.

    Examples
    --------
    >>> choose_neurons(32, n_intrinsic=1, random_state=0)
    array([16, 19, 25])
    """
    width = _check_int(width, "width", 1)
    n_intrinsic = _check_int(n_intrinsic, "n_intrinsic", 1)
    k = 2 * n_intrinsic + 1 if k is None else _check_int(k, "k", 1)
    candidates = np.arange(width)
    if activations is not None:
        acts = as_2d_float(activations, "activations")
        if acts.shape[1] != width:
            raise ValueError(f"activations has {acts.shape[1]} columns but width is {width}.")
        std = acts.std(axis=0)
        candidates = np.flatnonzero(std > check_positive(constant_tol, "constant_tol") * std.max())
    if k > len(candidates):
        raise ValueError(
            f"cannot choose k={k} units: only {len(candidates)} of the {width} units vary on the inputs; "
            "lower k or observe another layer."
        )
    rng = check_random_state(random_state)
    return np.sort(rng.choice(candidates, size=k, replace=False))


def standardize_columns(train: np.ndarray, test: np.ndarray):
    """z-score the columns of ``train`` and ``test`` with the training statistics.

    Columns that are constant on the training samples (the scale-free rule of
    :func:`netequiv.constant_features`) are dropped from both.

    Returns
    -------
    train, test : ndarray
        The standardised arrays, with the same kept columns.
    """
    from .measures import constant_features

    keep = ~constant_features(train)
    mean, std = train[:, keep].mean(axis=0), train[:, keep].std(axis=0)
    return (train[:, keep] - mean) / std, (test[:, keep] - mean) / std


def _reconstruction_error(x, features, test_size, random_state, interpolator_kwargs) -> float:
    """Worst held-out NRMSE of x predicted from the features by kernel interpolation."""
    from .interpolation import KernelInterpolator
    from .measures import nrmse

    rng = check_random_state(random_state)
    n = len(x)
    perm = rng.permutation(n)
    n_test = max(1, int(round(test_size * n)))
    test, train = perm[:n_test], perm[n_test:]
    F_train, F_test = standardize_columns(features[train], features[test])
    if F_train.shape[1] == 0:  # nothing varies: the best prediction is the mean
        pred = np.broadcast_to(x[train].mean(axis=0), x[test].shape)
    else:
        kwargs = {"random_state": 0, **(interpolator_kwargs or {})}
        pred = KernelInterpolator(**kwargs).fit(F_train, x[train]).predict(F_test)
    err = nrmse(x[test], pred)
    return float(np.nanmax(err)) if np.isfinite(err).any() else 0.0


def _check_xf(x, features):
    x = as_2d_float(x, "x", min_samples=10)
    features = as_2d_float(features, "features", min_samples=10)
    check_same_samples(x, features, "x", "features")
    return x, features


def embeds_manifold(x, features, *, tol=0.05, test_size=0.25, random_state=0, interpolator_kwargs=None):
    r"""Do the features embed the input manifold? Reconstruct the input from them and see.

    Parameters
    ----------
    x : array-like of shape (N, n) or (N,)
        Input samples (coordinates of the input manifold, e.g. :math:`x \in [0, 1]`).
    features : array-like of shape (N, k) or (N,)
        Observations of the same samples: outputs or neuron activations.
    tol : float, default=0.05
        The features embed the input when the worst held-out NRMSE of :math:`x` is below
        ``tol`` (0.05 separated all successes from all failures in the prototype).
    test_size : float, default=0.25
        Fraction of the samples held out (drawn at random).
    random_state : None, int or numpy Generator, default=0
        Seed of the split.
    interpolator_kwargs : dict or None, default=None
        Keyword arguments of :class:`netequiv.KernelInterpolator` (default: its own
        defaults with ``random_state=0``).

    Returns
    -------
    embeds : bool
        ``nrmse < tol``.
    nrmse : float
        The largest held-out NRMSE over the columns of ``x``
        (:func:`netequiv.nrmse`).

    Raises
    ------
    ValueError
        "x has ... samples, but at least 10 are needed." (likewise ``features``); "x has ...
        samples but features has ..."; "tol must be a finite number > 0, ..."; "test_size must
        lie strictly between 0 and 1, ..."; the shared input checks (NaN/inf, shape).

    Notes
    -----
    The features are standardised column by column (constant columns are dropped:
    they carry no information) and a kernel interpolant
    :math:`\hat x = g(y)` is fitted on the training samples. If the observation map
    :math:`y = F(x)` is one-to-one with a smooth inverse on the sampled manifold,
    :math:`g \approx F^{-1}` and the held-out error

    .. math::

        \mathrm{NRMSE}_j = \frac{\|\hat x_j - x_j\|_2}{\|x_j - \bar x_j\|_2}

    is small. If two distant inputs share an observation (a fold, a crossing, a
    constant unit), no function of :math:`y` can return both and the error stays of
    order one. This is the paper's practical test of Whitney's count
    :cite:`bertalan2024transformations`.

    Examples
    --------
    >>> x = np.linspace(-1, 1, 400)
    >>> embeds_manifold(x, np.column_stack([x, x**2]))[0], embeds_manifold(x, x**2)[0]
    (True, False)
    """
    x, features = _check_xf(x, features)
    tol = check_positive(tol, "tol")
    test_size = _check_fraction(test_size, "test_size")
    err = _reconstruction_error(x, features, test_size, random_state, interpolator_kwargs)
    return bool(err < tol), err


def minimal_embedding_subset(
    x, features, *, max_k=None, tol=0.05, strategy="greedy", test_size=0.25, random_state=0, interpolator_kwargs=None
):
    r"""The smallest set of feature columns that embeds the input manifold.

    Parameters
    ----------
    x : array-like of shape (N, n) or (N,)
        Input samples.
    features : array-like of shape (N, D)
        Candidate observations (columns).
    max_k : int or None, default=None
        Largest subset size tried; ``None`` means all ``D`` columns (greedy) or
        :math:`\min(D, 2n+1)` (exhaustive).
    tol : float, default=0.05
        Success threshold of :func:`embeds_manifold`.
    strategy : {"greedy", "exhaustive"}, default="greedy"
        ``"greedy"`` adds, one at a time, the column that lowers the reconstruction
        error most (at most ``max_k * D`` fits); ``"exhaustive"`` tries every subset of
        size 1, 2, ... in turn and stops at the first size that succeeds (returning its
        best subset).
    test_size, random_state, interpolator_kwargs
        As in :func:`embeds_manifold`; the same split is used for every subset.

    Returns
    -------
    result : dict
        ``subset`` (list of int, the best subset found, in the order chosen),
        ``k`` (its size when it embeds the input, else ``None``), ``nrmse`` (its error),
        ``embeds`` (bool) and ``history`` (list of ``(subset, nrmse)`` for every subset
        evaluated, in order).

    Raises
    ------
    ValueError
        The errors of :func:`embeds_manifold`; "strategy must be 'greedy' or 'exhaustive',
        ..."; "max_k must be an integer >= 1, ..."; "exhaustive search over ... subsets is too
        large (limit 5000); lower max_k or use strategy='greedy'."

    Notes
    -----
    Whitney's theorem bounds the answer by :math:`2n + 1` for generic features; special
    features may need fewer (a monotone scalar embeds an interval alone) or never
    succeed (constant units, folds shared by every column).

    Examples
    --------
    >>> x = np.linspace(-1, 1, 300)
    >>> res = minimal_embedding_subset(x, np.column_stack([x**2, x**3 + x / 2, np.cos(3 * x)]))
    >>> res["subset"], res["k"]
    ([1], 1)
    """
    x, features = _check_xf(x, features)
    tol = check_positive(tol, "tol")
    test_size = _check_fraction(test_size, "test_size")
    if strategy not in ("greedy", "exhaustive"):
        raise ValueError(f"strategy must be 'greedy' or 'exhaustive', got {strategy!r}.")
    n_cols = features.shape[1]
    default = n_cols if strategy == "greedy" else min(n_cols, 2 * x.shape[1] + 1)
    max_k = default if max_k is None else min(_check_int(max_k, "max_k", 1), n_cols)
    # one split for every subset (a Generator is turned into a fixed seed once)
    seed = random_state if not isinstance(random_state, np.random.Generator) else int(random_state.integers(2**31))

    def err_of(cols):
        e = _reconstruction_error(x, features[:, list(cols)], test_size, seed, interpolator_kwargs)
        history.append((list(cols), e))
        return e

    history: list = []
    best, best_err = [], np.inf
    if strategy == "greedy":
        chosen: list[int] = []
        for _ in range(max_k):
            trials = [(err_of(chosen + [c]), c) for c in range(n_cols) if c not in chosen]
            e, c = min(trials)
            chosen = chosen + [c]
            best, best_err = list(chosen), e
            if e < tol:
                break
    else:
        total = sum(comb(n_cols, k) for k in range(1, max_k + 1))
        if total > 5000:
            raise ValueError(
                f"exhaustive search over {total} subsets is too large (limit 5000); lower max_k or use "
                "strategy='greedy'."
            )
        for k in range(1, max_k + 1):
            e, cols = min((err_of(cols), cols) for cols in combinations(range(n_cols), k))
            best, best_err = list(cols), e
            if e < tol:
                break
    ok = bool(best_err < tol)
    return {"subset": best, "k": len(best) if ok else None, "nrmse": float(best_err), "embeds": ok, "history": history}
