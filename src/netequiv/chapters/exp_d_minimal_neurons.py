r"""Experiment (d): a network's input and output from a few of its intermediate neurons.

The journal version of the paper :cite:`bertalan2024transformations` observes only a few
neurons of one intermediate layer and asks whether they determine everything else: the
input :math:`x` on its :math:`n`-dimensional manifold and the network's output
:math:`f(x)`.  If the :math:`k` chosen activations :math:`h_S(x) = (h_{j_1}(x), \dots,
h_{j_k}(x))` are one-to-one with a smooth inverse on the input manifold (an *embedding*),
then :math:`x = h_S^{-1}(y)` and :math:`f(x) = f(h_S^{-1}(y))` are smooth functions of the
observation :math:`y`, and both can be learned from samples.  Whitney's theorem says that
:math:`2n + 1` generic measurements suffice; special ones may need fewer (one monotone unit
embeds an interval) or never succeed (units that all fold the same way).

This module holds the chapter's algorithms (chapter :doc:`/notebooks/exp_d_minimal_neurons`):

* :func:`reconstruct`: held-out reconstruction of the input and of the output from
  chosen features by kernel interpolation;
* :func:`minimal_neurons`: the smallest subset that embeds the input (a wrapper of
  :func:`netequiv.embedding.minimal_embedding_subset`), with the input and output errors it
  reaches;
* :func:`neuron_count_survey`: random subsets of each size :math:`k`, their input and output
  errors and the reason each failing subset fails (:func:`closest_distant_pair`,
  :func:`separation_gap`,
  :func:`failure_reason`, :func:`reason_counts`);
* :func:`encoder_features`: activations of a convolutional encoder's intermediate layer
  (single units or channel averages), for the rotating-horse autoencoder.

Only numpy and scipy are imported at module level; torch only by :func:`encoder_features`.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from .._validation import as_2d_float, check_positive, check_random_state, check_same_samples
from .._validation import check_fraction as _check_fraction
from .._validation import check_int as _check_int

__all__ = [
    "search_row",
    "REASONS",
    "reconstruct",
    "minimal_neurons",
    "closest_distant_pair",
    "separation_gap",
    "failure_reason",
    "neuron_count_survey",
    "reason_counts",
    "encoder_features",
]

#: the outcomes :func:`failure_reason` can report, from "works" to the least specific failure
REASONS = ("embeds", "too few units", "fold", "near contact", "rank deficient", "other")

_ROW_BLOCK = 256  # rows of the pair-distance matrices handled at once


def _split(n: int, test_size: float, random_state):
    """Train/test indices drawn exactly as in :func:`netequiv.embedding.embeds_manifold`."""
    rng = check_random_state(random_state)
    perm = rng.permutation(n)
    n_test = max(1, int(round(test_size * n)))
    return perm[n_test:], perm[:n_test]


# ------------------------------------------------------------------------ reconstruction


def reconstruct(features, targets: dict, *, via=None, test_size=0.25, random_state=0, interpolator_kwargs=None) -> dict:
    r"""Predict targets (the input, the output, ...) from observed features on held-out samples.

    Parameters
    ----------
    features : array-like of shape (N, k) or (N,)
        The observed activations (e.g. ``k`` units of one hidden layer).
    targets : dict {str: array-like of shape (N, d) or (N,)}
        What to reconstruct, e.g. ``{"input": x, "output": y}``; one interpolant per entry.
    via : str or None, default=None
        ``None``: every target is interpolated directly from the features.  The name of a
        target (e.g. ``"input"``): that target is reconstructed from the features first, and
        every other target is then interpolated from it (fitted on the training samples'
        true values of the ``via`` target, evaluated at its reconstruction): the two-stage
        route :math:`\hat f = G(\hat x(y))` of the Notes.
    test_size : float, default=0.25
        Fraction of the samples held out (drawn at random).
    random_state : None, int or numpy Generator, default=0
        Seed of the split; the split is the one :func:`netequiv.embedding.embeds_manifold` draws
        with the same seed, so the input error here equals its error.
    interpolator_kwargs : dict or None, default=None
        Keyword arguments of :class:`netequiv.KernelInterpolator` (default: its defaults with
        ``random_state=0``).

    Returns
    -------
    result : dict
        ``errors`` ({name: float}, the largest held-out NRMSE over the target's non-constant
        columns; 0.0 when every column is constant), ``nrmse`` ({name: ndarray (d,)}, NaN for
        constant columns), ``predictions`` ({name: ndarray (n_test, d)}), ``test_index`` and
        ``train_index`` (int arrays).

    Raises
    ------
    ValueError
        "features has ... samples, but at least 10 are needed."; "targets must be a non-empty
        dict {name: array}, ..."; "targets['...'] has ... samples but features has ...";
        "test_size must lie strictly between 0 and 1, ..."; "via must name one of the targets
        ..."; the shared input checks (NaN/inf, shape).

    Notes
    -----
    The features are standardised with the training statistics (constant columns dropped)
    and a Gaussian kernel ridge interpolant :math:`\hat t = g(y)` is fitted on the training
    samples for every target :math:`t`.  The error of column :math:`j` is

    .. math::

        \mathrm{NRMSE}_j = \frac{\bigl(\tfrac1{N_\mathrm{test}}\sum_i (\hat t_{ij} - t_{ij})^2\bigr)^{1/2}}
                                {\operatorname{std}_i t_{ij}}

    over the held-out samples (:func:`netequiv.nrmse`).  If the observation map
    :math:`x \mapsto y` is an embedding of the input manifold, :math:`x = h_S^{-1}(y)` and
    the output :math:`f(h_S^{-1}(y))` are smooth functions of :math:`y` and both errors are
    small; if two distant inputs share an observation, neither can be recovered there.

    An embedding can still distort the manifold strongly (saturated units squeeze parts of it),
    and a kernel with one length scale then struggles with :math:`f \circ h_S^{-1}` directly.
    The two-stage route (``via="input"``) first recovers the input, :math:`\hat x = g(y)`,
    and then maps it with an interpolant :math:`G` fitted in input coordinates,
    :math:`\hat f = G(\hat x)`: the paper's :math:`T = G \circ \Phi` with the
    reconstructed input as the intrinsic coordinates :math:`\Phi`.

    Examples
    --------
    >>> x = np.linspace(0, 1, 300)
    >>> res = reconstruct(np.column_stack([x**3 + x, np.cos(3 * x)]), {"input": x, "output": np.sin(6 * x)})
    >>> bool(res["errors"]["input"] < 1e-3 and res["errors"]["output"] < 1e-3)
    True
    >>> two = reconstruct(np.tanh(4 * x - 2), {"input": x, "output": np.sin(6 * x)}, via="input")
    >>> bool(two["errors"]["output"] < 1e-3)
    True
    """
    from ..embedding import standardize_columns
    from ..interpolation import KernelInterpolator
    from ..measures import nrmse

    F = as_2d_float(features, "features", min_samples=10)
    if not isinstance(targets, dict) or not targets:
        raise ValueError("targets must be a non-empty dict {name: array}, e.g. {'input': x, 'output': y}.")
    T = {}
    for name, value in targets.items():
        arr = as_2d_float(value, f"targets[{name!r}]")
        check_same_samples(arr, F, f"targets[{name!r}]", "features")
        T[name] = arr
    if via is not None and via not in T:
        raise ValueError(f"via must name one of the targets {list(T)} or be None, got {via!r}.")
    test_size = _check_fraction(test_size, "test_size")
    train, test = _split(len(F), test_size, random_state)
    kwargs = {"random_state": 0, **(interpolator_kwargs or {})}

    def fit_predict(Z_train, Z_test, t):
        Z_train, Z_test = standardize_columns(Z_train, Z_test)
        if Z_train.shape[1] == 0:  # nothing varies: the best prediction is the mean
            return np.repeat(t[train].mean(axis=0, keepdims=True), len(Z_test), axis=0)
        return KernelInterpolator(**kwargs).fit(Z_train, t[train]).predict(Z_test)

    out = {"errors": {}, "nrmse": {}, "predictions": {}, "test_index": test, "train_index": train}
    order = list(T) if via is None else [via] + [name for name in T if name != via]
    for name in order:
        t = T[name]
        if via is None or name == via:
            pred = fit_predict(F[train], F[test], t)
        else:
            pred = fit_predict(T[via][train], out["predictions"][via], t)
        err = nrmse(t[test], pred)
        out["nrmse"][name] = err
        out["errors"][name] = float(np.nanmax(err)) if np.isfinite(err).any() else 0.0
        out["predictions"][name] = pred
    return out


def minimal_neurons(
    inputs,
    activations,
    outputs,
    *,
    n_intrinsic=None,
    max_k=None,
    tol=0.05,
    strategy="greedy",
    candidates=None,
    test_size=0.25,
    random_state=0,
    interpolator_kwargs=None,
) -> dict:
    r"""The fewest neurons of a layer that embed the input, and what they reconstruct.

    Parameters
    ----------
    inputs : array-like of shape (N, m) or (N,)
        Coordinates of the input manifold to reconstruct: :math:`x` itself, or
        :math:`(\cos\theta, \sin\theta)` for an angle (an angle is not a function on the
        circle, its cosine and sine are).
    activations : array-like of shape (N, D)
        Candidate neurons (all units of one layer).
    outputs : array-like of shape (N, p) or (N,)
        The network's output on the same samples.
    n_intrinsic : int or None, default=None
        Dimension :math:`n` of the input manifold (``None``: ``m``; pass 1 for a circle
        given as :math:`(\cos\theta, \sin\theta)`); sets Whitney's count :math:`2n + 1`.
    max_k : int or None, default=None
        Largest subset size tried; ``None`` means :math:`\min(D, 2(2n + 1))`.
    tol : float, default=0.05
        A subset embeds the input when the held-out NRMSE of every input coordinate is
        below ``tol`` (:func:`netequiv.embedding.embeds_manifold`).
    strategy : {"greedy", "exhaustive"}, default="greedy"
        Search of :func:`netequiv.embedding.minimal_embedding_subset`.
    candidates : array-like of int or None, default=None
        Columns of ``activations`` the search may choose from (e.g. a random pool of a wide
        convolutional layer, where a greedy step over every unit is too costly); ``None``
        means all.  The returned subset indexes ``activations`` either way.
    test_size, random_state, interpolator_kwargs
        As in :func:`reconstruct`; the same split serves the search and the final errors.

    Returns
    -------
    result : dict
        ``subset`` (list of int: the subset found, in the order chosen), ``k`` (its size when
        it embeds the input, else ``None``), ``embeds`` (bool), ``whitney`` (:math:`2n+1`),
        ``input_error`` and ``output_error`` (held-out NRMSE from the subset, largest over
        the columns; the output through the reconstructed input, ``via="input"`` of
        :func:`reconstruct`), ``output_error_direct`` (the output interpolated directly from
        the subset), ``best_by_k`` ({k: smallest input error among the subsets of size k
        evaluated}), ``n_evaluated`` (subsets tried), ``history`` (list of
        ``(subset, input error)``) and ``reconstruction`` (:func:`reconstruct` of input and
        output from the subset, output via the input).

    Raises
    ------
    ValueError
        The errors of :func:`reconstruct` and of
        :func:`netequiv.embedding.minimal_embedding_subset` (unknown strategy, too many subsets);
        "n_intrinsic must be an integer >= 1, ..."; "candidates must be distinct column indices
        of activations (0 <= j < D), ..."; "inputs has ... samples but activations
        has ..." (likewise ``outputs``).

    Notes
    -----
    The search minimises the number of observed neurons :math:`k` subject to
    :math:`\max_j \mathrm{NRMSE}(x_j) < \mathrm{tol}`.  Whitney's theorem bounds the answer
    by :math:`2n + 1` for generic neurons; a search may find fewer, down to :math:`k = n`
    (below that no map onto :math:`\mathbb R^k` is one-to-one on an :math:`n`-manifold; on a
    circle, :math:`k = 1` never works because a closed curve in :math:`\mathbb R` folds).  The
    greedy search adds the neuron that lowers the error most and is not guaranteed to find
    the smallest subset; the exhaustive one is, but costs :math:`\binom{D}{k}` fits per size.
    Once the input is recovered, the output :math:`f(x)` is a function of the observation
    too; its error is reported alongside, both through the reconstructed input
    (:math:`G(\hat x(y))`) and directly (:math:`g_f(y)`).

    Examples
    --------
    >>> x = np.linspace(0, 1, 300)
    >>> acts = np.column_stack([np.sin(2 * np.pi * x), np.cos(2 * np.pi * x), np.tanh(2 * x)])
    >>> res = minimal_neurons(x, acts, x**2)
    >>> res["subset"], res["k"], res["whitney"]
    ([2], 1, 3)
    """
    from ..embedding import minimal_embedding_subset

    u = as_2d_float(inputs, "inputs", min_samples=10)
    A = as_2d_float(activations, "activations", min_samples=10)
    Y = as_2d_float(outputs, "outputs", min_samples=10)
    check_same_samples(u, A, "inputs", "activations")
    check_same_samples(Y, A, "outputs", "activations")
    n = u.shape[1] if n_intrinsic is None else _check_int(n_intrinsic, "n_intrinsic", 1)
    if candidates is None:
        pool = np.arange(A.shape[1])
    else:
        pool = np.asarray(candidates)
        if (
            pool.ndim != 1
            or pool.size == 0
            or not np.issubdtype(pool.dtype, np.integer)
            or pool.min() < 0
            or pool.max() >= A.shape[1]
            or len(np.unique(pool)) != pool.size
        ):
            raise ValueError(
                f"candidates must be distinct column indices of activations (0 <= j < {A.shape[1]}), "
                f"got {candidates!r}."
            )
    whitney = 2 * n + 1
    max_k = min(pool.size, 2 * whitney) if max_k is None else _check_int(max_k, "max_k", 1)
    seed = random_state if not isinstance(random_state, np.random.Generator) else int(random_state.integers(2**31))
    search = minimal_embedding_subset(
        u,
        A[:, pool],
        max_k=max_k,
        tol=tol,
        strategy=strategy,
        test_size=test_size,
        random_state=seed,
        interpolator_kwargs=interpolator_kwargs,
    )
    subset = [int(pool[c]) for c in search["subset"]]
    rec = reconstruct(
        A[:, subset],
        {"input": u, "output": Y},
        via="input",
        test_size=test_size,
        random_state=seed,
        interpolator_kwargs=interpolator_kwargs,
    )
    direct = reconstruct(
        A[:, subset], {"output": Y}, test_size=test_size, random_state=seed, interpolator_kwargs=interpolator_kwargs
    )
    best: dict = {}
    history = [([int(pool[c]) for c in cols], float(err)) for cols, err in search["history"]]
    for cols, err in history:
        best[len(cols)] = min(err, best.get(len(cols), np.inf))
    return {
        "subset": subset,
        "k": search["k"],
        "embeds": search["embeds"],
        "whitney": whitney,
        "input_error": rec["errors"]["input"],
        "output_error": rec["errors"]["output"],
        "output_error_direct": direct["errors"]["output"],
        "best_by_k": {int(k): float(v) for k, v in sorted(best.items())},
        "n_evaluated": len(history),
        "history": history,
        "reconstruction": rec,
    }


# ----------------------------------------------------------------------- why subsets fail


def closest_distant_pair(inputs, features, *, min_separation=0.1):
    r"""The two far-apart inputs whose observations come closest (the worst fold or crossing).

    Parameters
    ----------
    inputs : array-like of shape (N, m) or (N,)
        Input coordinates (for a circle, :math:`(\cos\theta, \sin\theta)`: distances are then
        chords and the curve has no artificial ends).
    features : array-like of shape (N, k) or (N,)
        Observations of the same samples.
    min_separation : float, default=0.1
        Only pairs whose inputs are at least ``min_separation`` times the diagonal of the
        inputs' bounding box apart are compared; must lie in (0, 1).

    Returns
    -------
    i, j : int
        Sample indices of the closest admissible pair (``i < j``; ``(0, 0)`` when every feature
        is constant).
    gap : float
        :math:`\|\tilde y_i - \tilde y_j\| / \operatorname{diam}(\tilde y)` for the standardised
        features :math:`\tilde y` (constant columns dropped) and the diagonal
        :math:`\operatorname{diam}` of their bounding box: of the order of the sampling step
        for a fold (two distant inputs, one observation), clearly positive for an embedding;
        0.0 when every feature is constant.

    Raises
    ------
    ValueError
        "inputs has ... samples, but at least 4 are needed." (likewise ``features``);
        "inputs has ... samples but features has ..."; "min_separation must lie strictly between
        0 and 1, ..."; "inputs are all equal; ..."; "no pair of inputs is min_separation apart;
        lower it.".

    Notes
    -----
    With :math:`s = \text{min\_separation}\cdot\operatorname{diam}(x)`,

    .. math::

        \operatorname{gap} = \min_{\|x_i - x_j\| \ge s}
            \frac{\|\tilde y_i - \tilde y_j\|}{\operatorname{diam}(\tilde y)} .

    An embedding of a compact manifold has a uniformly continuous inverse, so the gap stays
    bounded away from zero as the sampling is refined; a fold or a crossing drives it to
    zero.  For a scalar input the gap is :func:`netequiv.chapters.exp_a_scalar.fold_gap` without
    Jacobians; here the inputs may have any dimension.

    Examples
    --------
    >>> x = np.linspace(-1, 1, 201)
    >>> i, j, gap = closest_distant_pair(x, x**2)
    >>> float(x[i] + x[j]), gap
    (0.0, 0.0)
    """
    u = as_2d_float(inputs, "inputs", min_samples=4)
    F = as_2d_float(features, "features", min_samples=4)
    check_same_samples(u, F, "inputs", "features")
    s = _check_fraction(min_separation, "min_separation")
    diam_u = float(np.linalg.norm(np.ptp(u, axis=0)))
    if not diam_u > 0:
        raise ValueError("inputs are all equal; pass samples that cover the input manifold.")
    std = F.std(axis=0)
    keep = std > 1e-12 * np.maximum(1.0, np.abs(F.mean(axis=0)))
    if not keep.any():
        return 0, 0, 0.0
    Z = (F[:, keep] - F[:, keep].mean(axis=0)) / std[keep]
    Z /= float(np.linalg.norm(np.ptp(Z, axis=0)))
    sep2 = (s * diam_u) ** 2
    best, pair = np.inf, (0, 0)
    for r0 in range(0, len(u), _ROW_BLOCK):
        rows = slice(r0, r0 + _ROW_BLOCK)
        du = ((u[rows, None, :] - u[None, :, :]) ** 2).sum(axis=2)
        dz = ((Z[rows, None, :] - Z[None, :, :]) ** 2).sum(axis=2)
        dz[du < sep2] = np.inf
        a, b = np.unravel_index(np.argmin(dz), dz.shape)
        if dz[a, b] < best:
            best, pair = float(dz[a, b]), (r0 + int(a), int(b))
    if not np.isfinite(best):
        raise ValueError("no pair of inputs is min_separation apart; lower it.")
    i, j = sorted(pair)
    return i, j, float(np.sqrt(best))


def separation_gap(inputs, features, *, min_separation=0.1) -> float:
    r"""Closest approach of the observations of two inputs that lie far apart.

    The ``gap`` of :func:`closest_distant_pair` (same parameters and errors): about the
    sampling step for a fold or a crossing, clearly positive for an embedding.

    Examples
    --------
    >>> x = np.linspace(-1, 1, 201)
    >>> round(separation_gap(x, x**3 + x), 3), round(separation_gap(x, x**2), 3)
    (0.051, 0.0)
    """
    return closest_distant_pair(inputs, features, min_separation=min_separation)[2]


def failure_reason(
    input_error, k, n_intrinsic, gap, *, tol=0.05, fold_tol=0.01, contact_tol=0.05, rank_deficient=None, rank_tol=0.05
) -> str:
    r"""Why a subset of ``k`` neurons does (not) embed the input: one word of :data:`REASONS`.

    Parameters
    ----------
    input_error : float
        Held-out NRMSE of the input reconstructed from the subset (:func:`reconstruct`).
    k : int
        Number of observed neurons.
    n_intrinsic : int
        Dimension :math:`n` of the input manifold.
    gap : float
        :func:`separation_gap` of the subset.
    tol : float, default=0.05
        The subset embeds the input when ``input_error < tol``.
    fold_tol, contact_tol : float, default=0.01, 0.05
        A failing subset *folds* when its gap is below ``fold_tol`` (two distant inputs share an
        observation up to the sampling step) and has a *near contact* when it is below
        ``contact_tol`` (two distant stretches come closer than the interpolant resolves).
    rank_deficient : float or None, default=None
        :func:`netequiv.embedding.rank_deficient_fraction` of the subset's Jacobians, if known.
    rank_tol : float, default=0.05
        Otherwise the subset is *rank deficient* when more than this fraction of the inputs
        has a Jacobian of rank below :math:`\min(k, n)` (the observation is locally flat).

    Returns
    -------
    reason : str
        ``"embeds"``; ``"too few units"`` (:math:`k < n`: no map to :math:`\mathbb R^k` is
        one-to-one on an :math:`n`-manifold); ``"fold"``; ``"near contact"``;
        ``"rank deficient"``; or ``"other"`` (e.g. an error just above ``tol`` from a steep
        but one-to-one observation).

    Raises
    ------
    ValueError
        "input_error must be a number >= 0 ..." (likewise ``gap``); "k must be an integer >= 1,
        ..." (likewise ``n_intrinsic``); "tol must be a finite number > 0, ..." (likewise the
        other tolerances); "contact_tol must be >= fold_tol, ...".

    Notes
    -----
    The checks are made in the order listed, so each failure gets its most basic reason.

    Examples
    --------
    >>> failure_reason(0.8, 1, 2, 0.0), failure_reason(0.9, 1, 1, 0.002), failure_reason(0.01, 3, 1, 0.1)
    ('too few units', 'fold', 'embeds')
    """
    vals = {}
    for name, v in (("input_error", input_error), ("gap", gap)):
        try:
            vals[name] = float(v)
        except (TypeError, ValueError):
            vals[name] = np.nan
        if not vals[name] >= 0:
            raise ValueError(f"{name} must be a number >= 0 (NaN is not allowed), got {v!r}.")
    k = _check_int(k, "k", 1)
    n = _check_int(n_intrinsic, "n_intrinsic", 1)
    tol = check_positive(tol, "tol")
    fold_tol = check_positive(fold_tol, "fold_tol")
    contact_tol = check_positive(contact_tol, "contact_tol")
    rank_tol = check_positive(rank_tol, "rank_tol")
    if contact_tol < fold_tol:
        raise ValueError(f"contact_tol must be >= fold_tol, got {contact_tol!r} < {fold_tol!r}.")
    if vals["input_error"] < tol:
        return "embeds"
    if k < n:
        return "too few units"
    if vals["gap"] < fold_tol:
        return "fold"
    if vals["gap"] < contact_tol:
        return "near contact"
    if rank_deficient is not None and float(rank_deficient) > rank_tol:
        return "rank deficient"
    return "other"


def neuron_count_survey(
    inputs,
    activations,
    outputs,
    ks=(1, 2, 3, 4, 5),
    *,
    n_trials=10,
    n_intrinsic=None,
    tol=0.05,
    jacobians=None,
    min_separation=0.1,
    fold_tol=0.01,
    contact_tol=0.05,
    random_state=0,
    interpolator_kwargs=None,
    progress=False,
) -> dict:
    r"""Input and output errors of random ``k``-subsets of a layer, and why failing ones fail.

    Parameters
    ----------
    inputs : array-like of shape (N, m) or (N,)
        Input coordinates to reconstruct (:math:`x`, or :math:`(\cos\theta, \sin\theta)`).
    activations : array-like of shape (N, width)
        Every unit of one layer.
    outputs : array-like of shape (N, p) or (N,)
        The network's output.
    ks : sequence of int, default=(1, 2, 3, 4, 5)
        Subset sizes.
    n_trials : int, default=10
        Random subsets per size (:func:`netequiv.embedding.choose_neurons`, never a constant
        unit; seeds ``random_state + trial``).
    n_intrinsic : int or None, default=None
        Dimension :math:`n` of the input manifold (``None``: ``m``).
    tol : float, default=0.05
        Embedding threshold on the input error.
    jacobians : array-like of shape (N, width, n) or None, default=None
        :math:`\partial h_j / \partial x` of every unit; when given, the rank-deficient fraction
        of each subset is measured and used by :func:`failure_reason`.
    min_separation, fold_tol, contact_tol : float
        As in :func:`separation_gap` and :func:`failure_reason`.
    random_state : int, default=0
        Offset of the subset seeds; also the seed of the (shared) train/test split.
    interpolator_kwargs : dict or None
        As in :func:`reconstruct`.
    progress : bool, default=False
        A tqdm bar over the sizes.

    Returns
    -------
    survey : dict
        Per subset, lists of equal length (``len(ks) * n_trials``): ``k``, ``units`` (list of
        int), ``input_error``, ``output_error`` (through the reconstructed input),
        ``output_error_direct`` (interpolated directly from the units), ``false_neighbors``
        (:func:`netequiv.embedding.false_neighbor_fraction`), ``gap``, ``rank_deficient``
        (NaN without Jacobians) and ``reason``.  Per size: ``ks`` (list of int),
        ``embedded_fraction``, ``median_input``, ``median_output``, ``median_output_direct``.  And ``whitney``
        (:math:`2n + 1`), ``n_intrinsic``, ``tol``.

    Raises
    ------
    ValueError
        "ks must be a non-empty sequence of integers >= 1, ..."; "n_trials must be an integer
        >= 1, ..."; "n_intrinsic must be an integer >= 1, ..."; "jacobians must have shape
        (N, width, n) ..."; the errors of :func:`netequiv.chapters.whitney.neuron_embedding_survey`
        (e.g. ``k`` larger than the number of units that vary) and of :func:`reconstruct`.

    Notes
    -----
    The input errors, the subsets and the false-neighbour fractions come from
    :func:`netequiv.chapters.whitney.neuron_embedding_survey`; the output error of the same subset is
    measured on the same held-out samples.  For generic units Whitney's count predicts that
    every subset with :math:`k \ge 2n + 1` embeds; subsets with :math:`n \le k \le 2n`
    succeed with a probability that depends on the layer.

    Examples
    --------
    >>> x = np.linspace(0, 1, 200)
    >>> acts = np.column_stack([np.sin(2 * np.pi * x), x, np.cos(np.pi * x)])
    >>> sv = neuron_count_survey(x, acts, x**2, ks=(3,), n_trials=1)
    >>> sv["reason"], sv["embedded_fraction"]
    (['embeds'], [1.0])
    """
    from tqdm import tqdm

    from ..embedding import rank_deficient_fraction
    from .whitney import neuron_embedding_survey

    u = as_2d_float(inputs, "inputs", min_samples=10)
    A = as_2d_float(activations, "activations", min_samples=10)
    Y = as_2d_float(outputs, "outputs", min_samples=10)
    check_same_samples(u, A, "inputs", "activations")
    check_same_samples(Y, A, "outputs", "activations")
    ks_arr = np.asarray(list(ks)) if not isinstance(ks, np.ndarray) else ks
    if ks_arr.ndim != 1 or ks_arr.size == 0 or not np.issubdtype(ks_arr.dtype, np.integer) or (ks_arr < 1).any():
        raise ValueError(f"ks must be a non-empty sequence of integers >= 1, got {ks!r}.")
    n_trials = _check_int(n_trials, "n_trials", 1)
    n = u.shape[1] if n_intrinsic is None else _check_int(n_intrinsic, "n_intrinsic", 1)
    offset = _check_int(random_state, "random_state", 0)
    J = None
    if jacobians is not None:
        J = np.asarray(jacobians, dtype=float)
        if J.ndim != 3 or J.shape[:2] != A.shape or not np.isfinite(J).all():
            raise ValueError(
                f"jacobians must have shape (N, width, n) = ({A.shape[0]}, {A.shape[1]}, n) and be "
                f"finite, got shape {J.shape}."
            )
    keys = (
        "k",
        "units",
        "input_error",
        "output_error",
        "output_error_direct",
        "false_neighbors",
        "gap",
        "rank_deficient",
        "reason",
    )
    rows = {key: [] for key in keys}
    for k in tqdm(ks_arr, desc="subset sizes", disable=not progress, leave=False):
        sv = neuron_embedding_survey(
            u, A, ks=(int(k),), n_trials=n_trials, tol=tol, random_state=offset, interpolator_kwargs=interpolator_kwargs
        )
        for t, units in enumerate(sv["units"][0]):
            F = A[:, units]
            out_err = reconstruct(
                F, {"input": u, "output": Y}, via="input", random_state=offset, interpolator_kwargs=interpolator_kwargs
            )["errors"]["output"]
            out_direct = reconstruct(F, {"output": Y}, random_state=offset, interpolator_kwargs=interpolator_kwargs)[
                "errors"
            ]["output"]
            gap = separation_gap(u, F, min_separation=min_separation)
            deficient = rank_deficient_fraction(J[:, units], min(int(k), n)) if J is not None else np.nan
            in_err = float(sv["nrmse"][0, t])
            reason = failure_reason(
                in_err,
                int(k),
                n,
                gap,
                tol=tol,
                fold_tol=fold_tol,
                contact_tol=contact_tol,
                rank_deficient=None if J is None else deficient,
            )
            for key, v in zip(
                keys,
                (
                    int(k),
                    [int(i) for i in units],
                    in_err,
                    float(out_err),
                    float(out_direct),
                    float(sv["false_neighbors"][0, t]),
                    gap,
                    float(deficient),
                    reason,
                ),
            ):
                rows[key].append(v)
    k_col = np.asarray(rows["k"])
    ins, outs = np.asarray(rows["input_error"]), np.asarray(rows["output_error"])
    rows["ks"] = [int(k) for k in ks_arr]
    rows["embedded_fraction"] = [float(np.mean(ins[k_col == k] < tol)) for k in ks_arr]
    rows["median_input"] = [float(np.median(ins[k_col == k])) for k in ks_arr]
    rows["median_output"] = [float(np.median(outs[k_col == k])) for k in ks_arr]
    direct = np.asarray(rows["output_error_direct"])
    rows["median_output_direct"] = [float(np.median(direct[k_col == k])) for k in ks_arr]
    rows.update(whitney=2 * n + 1, n_intrinsic=n, tol=float(tol))
    return rows


def reason_counts(survey: dict) -> dict:
    """How many subsets of each size ended with each reason.

    Parameters
    ----------
    survey : dict
        The result of :func:`neuron_count_survey` (keys ``k`` and ``reason``).

    Returns
    -------
    counts : dict {int: dict {str: int}}
        Per size ``k``, the count of every reason in :data:`REASONS` (zeros included, in that
        order).

    Raises
    ------
    ValueError
        "survey must hold equally long lists 'k' and 'reason' ..."; "unknown reason ...".

    Examples
    --------
    >>> reason_counts({"k": [1, 1, 2], "reason": ["fold", "embeds", "embeds"]})[1]["fold"]
    1
    """
    try:
        ks, reasons = list(survey["k"]), list(survey["reason"])
    except (KeyError, TypeError):
        ks, reasons = None, None
    if ks is None or len(ks) != len(reasons):
        raise ValueError("survey must hold equally long lists 'k' and 'reason' (see neuron_count_survey).")
    bad = set(reasons) - set(REASONS)
    if bad:
        raise ValueError(f"unknown reason(s) {sorted(bad)}; expected some of {list(REASONS)}.")
    out = {}
    for k in sorted(set(int(v) for v in ks)):
        c = Counter(r for kk, r in zip(ks, reasons) if int(kk) == k)
        out[k] = {r: int(c.get(r, 0)) for r in REASONS}
    return out


# ------------------------------------------------------------------- convolutional layers


def encoder_features(model, images, layer, *, reduce="units", batch_size=256):
    r"""Activations of one intermediate layer of a convolutional encoder, and its code.

    Parameters
    ----------
    model : netequiv.chapters.autoencoder.ConvAutoencoder
        A trained autoencoder (anything with an ``encoder`` :class:`torch.nn.Sequential`
        taking images of shape (B, 1, H, H)).
    images : array-like of shape (N, H, H) or (N, 1, H, H)
        The images (e.g. :func:`netequiv.chapters.horse.horse_views`).
    layer : int or str
        Index (or name) of the module inside ``model.encoder`` whose output is observed, e.g.
        ``3`` for the activation after the second convolution of a
        :class:`~netequiv.chapters.autoencoder.ConvAutoencoder`.
    reduce : {"units", "channel_mean"}, default="units"
        ``"units"``: every unit (channel, row, column) of the feature maps, flattened;
        ``"channel_mean"``: the mean over the spatial positions of each channel.
    batch_size : int, default=256
        Images evaluated at once.

    Returns
    -------
    features : ndarray of shape (N, C*h*w) or (N, C)
        The observed activations (float64).
    code : ndarray of shape (N, latent_dim)
        The encoder's output (the latent code), on the same images.
    names : list of str
        One label per feature, e.g. ``"conv[3, 1, 2]"`` (channel 3, row 1, column 2) or
        ``"mean[3]"``.

    Raises
    ------
    ValueError
        "model must have an 'encoder' torch.nn.Sequential, ..."; "layer ... is not a module of
        the encoder; choose one of ..."; "reduce must be 'units' or 'channel_mean', ...";
        "images must have shape (N, H, H) or (N, 1, H, H), ..."; "layer ... must output feature
        maps of shape (C, h, w) for reduce='channel_mean', ..."; the errors of
        :func:`netequiv.observe`.

    Notes
    -----
    The encoder is wrapped so that it takes flattened images, and the layer is observed with
    :func:`netequiv.observe` (float64, no Jacobians: the input manifold, the angle of the
    view, is not the image space, and :math:`\partial h / \partial\theta` is not available in
    closed form).  A channel mean :math:`\bar h_c = \frac1{hw}\sum_{r,s} h_{c,r,s}` is a
    global-average-pooled unit.

    Examples
    --------
    >>> from netequiv.chapters.autoencoder import ConvAutoencoder             # doctest: +SKIP
    >>> model = ConvAutoencoder(widths=(4, 8), size=16)              # doctest: +SKIP
    >>> F, z, names = encoder_features(model, np.zeros((5, 16, 16)), 3, reduce="channel_mean")  # doctest: +SKIP
    >>> F.shape, z.shape                                             # doctest: +SKIP
    ((5, 8), (5, 3))
    """
    import torch
    from torch import nn

    from ..observation import observe

    enc = getattr(model, "encoder", None)
    if not isinstance(enc, nn.Sequential):
        raise ValueError(f"model must have an 'encoder' torch.nn.Sequential, got {type(model).__name__}.")
    names = [name for name, _ in enc.named_children()]
    if str(layer) not in names:
        raise ValueError(f"layer {layer!r} is not a module of the encoder; choose one of {names}.")
    if reduce not in ("units", "channel_mean"):
        raise ValueError(f"reduce must be 'units' or 'channel_mean', got {reduce!r}.")
    arr = np.asarray(images, dtype=float)
    if arr.ndim == 4 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 3 or arr.shape[1] != arr.shape[2]:
        raise ValueError(f"images must have shape (N, H, H) or (N, 1, H, H), got {np.shape(images)}.")
    n, size = arr.shape[0], arr.shape[1]
    wrapper = nn.Sequential()
    wrapper.add_module("image", nn.Unflatten(1, (1, size, size)))
    wrapper.add_module("encoder", enc)
    with torch.no_grad():
        probe = wrapper[0](torch.zeros(1, size * size, dtype=next(enc.parameters()).dtype))
        for name, module in enc.named_children():
            probe = module(probe)
            if name == str(layer):
                shape = tuple(probe.shape[1:])
                break
    obs = observe(wrapper, arr.reshape(n, -1), layers=[f"encoder.{layer}"], output=True, batch_size=batch_size)
    width = int(np.prod(shape))
    feats, code = obs.y[:, :width], obs.y[:, width:]
    if reduce == "units":
        grid = np.indices(shape).reshape(len(shape), -1).T
        labels = [f"conv[{', '.join(map(str, g))}]" for g in grid]
        return feats, code, labels
    if len(shape) != 3:
        raise ValueError(
            f"layer {layer!r} must output feature maps of shape (C, h, w) for reduce='channel_mean', got {shape}."
        )
    means = feats.reshape(n, shape[0], -1).mean(axis=2)
    return means, code, [f"mean[{c}]" for c in range(shape[0])]


def search_row(network: str, layer: str, width: int, res: dict) -> dict:
    """One row of the chapter's table of minimal neuron sets, from a :func:`minimal_neurons` result."""
    return {
        "network": network,
        "layer": layer,
        "width": int(width),
        "k_min": res["k"],
        "whitney": res["whitney"],
        "units": res["subset"],
        "input_error": res["input_error"],
        "output_error": res["output_error"],
        "output_direct": res["output_error_direct"],
    }
