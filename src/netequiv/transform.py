r"""Transformations between two networks through intrinsic coordinates, and the verdict.

Two networks A and B observed on the same inputs :math:`x_i` give paired observations
:math:`y^A_i = F_A(x_i)` and :math:`y^B_i = F_B(x_i)`.  From each network separately a
Mahalanobis diffusion map gives intrinsic coordinates :math:`\phi^A`, :math:`\phi^B`
(:class:`~netequiv.DiffusionMaps` followed by the selection of the ``n`` non-harmonic
eigenvectors).  The transformation from A's observations to B's is

.. math::

    T = G_B \circ \Phi_A, \qquad T^{-1} = G_A \circ \Phi_B ,

where :math:`\Phi_A` extends A's coordinates to new observations (Nyström) and
:math:`G_B` maps A's coordinates to B's observations (a Gaussian kernel ridge fitted on the
*training* pairs :math:`(\phi^A_i, y^B_i)`: because the samples are paired, B's observations
are regressed on A's own coordinates, rather than chaining two independently computed,
aligned embeddings whose small disagreement would be amplified near the boundary).

**Verdict.**  A and B are judged *equivalent on the sampled manifold* when, on held-out
samples, every non-constant observed feature is reproduced in both directions with
NRMSE (RMSE / standard deviation of the feature) below ``tol`` (default 0.05): each
network's observations are then a smooth function of the other's, which is the
definition.  The threshold separated every success (NRMSE <= 1.4e-2) from every failure
(>= 0.083) measured in the prototype; ``error_floor`` raises it to the networks' own error
level when that is larger.  A one-directional success (B is a function of A but not
conversely) is *not* equivalence.

The agreement of the two networks' intrinsic coordinates after orthogonal alignment
(``agreement_rms``, RMS difference of standardised coordinates) is reported as the
consistency diagnostic of the paper's "consistent intrinsic representation".  It is not
part of the verdict unless ``agreement_tol`` is given: with more observed neurons than
input dimensions the curvature of the observed manifold biases the coordinates slightly
(RMS 0.15 for five neurons of a two-input network whose transformation errors were 7e-3
both ways, chapter (b)), so requiring RMS < 0.1 would reject an equivalence that the
held-out errors establish.

See the chapters *Experiments (a)* and *(b)* of the book.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ._validation import as_2d_float, check_positive, check_random_state, check_same_samples
from .dmap import DiffusionMaps
from .errors import nrmse, summarize_errors
from .interpolate import KernelInterpolator
from .metric import LocalMetric, metric_from_jacobians
from .selection import align_embeddings, llr_residuals, select_nonharmonic

__all__ = [
    "Comparison",
    "IntrinsicCoordinates",
    "compare",
    "compare_observations",
    "default_epsilon_neighbors",
    "intrinsic_coordinates",
    "split_samples",
]


@dataclass
class IntrinsicCoordinates:
    r"""The intrinsic coordinates :math:`\phi` of one network's observations.

    Attributes
    ----------
    dmap : DiffusionMaps
        The fitted diffusion map (``dmap.embedding_`` holds all computed eigenvectors).
    selected : ndarray of int
        Columns of ``dmap.embedding_`` chosen as non-harmonic coordinates.
    residuals : ndarray
        Local-linear-regression residuals of every computed eigenvector.
    coords : ndarray of shape (N, n)
        The selected coordinates of the training samples.
    """

    dmap: DiffusionMaps
    selected: np.ndarray
    residuals: np.ndarray
    coords: np.ndarray

    def transform(self, Y_new, metric=None) -> np.ndarray:
        """Nyström extension :math:`\\Phi(y)` of the selected coordinates to new observations."""
        return self.dmap.transform(Y_new, metric)[:, self.selected]


def intrinsic_coordinates(
    Y,
    metric=None,
    *,
    n_intrinsic: int,
    n_eigenvectors: int = 10,
    random_state=0,
    **dmap_kwargs,
) -> IntrinsicCoordinates:
    r"""Diffusion map plus non-harmonic selection: the ``n`` intrinsic coordinates of ``Y``.

    Parameters
    ----------
    Y : array of shape (N, d)
        Observations.
    metric : LocalMetric or array (N, d, n), optional
        Local metric (Mahalanobis kernel); ``None`` gives a Euclidean diffusion map.
    n_intrinsic : int
        Number of coordinates to select (the dimension of the input manifold; 2 for a
        circle).
    n_eigenvectors : int, default 10
        Eigenvectors computed before the selection.
    random_state : int, default 0
    **dmap_kwargs
        Passed to :class:`~netequiv.DiffusionMaps` (``epsilon``, ``kernel_cutoff``, ...).

    Returns
    -------
    IntrinsicCoordinates
    """
    kind = "euclidean" if metric is None else "mahalanobis"
    dm = DiffusionMaps(n_components=n_eigenvectors, metric=kind, random_state=random_state, **dmap_kwargs)
    dm.fit(Y, metric)
    res = llr_residuals(dm.embedding_, random_state=random_state)
    sel = select_nonharmonic(dm.embedding_, n_intrinsic, residuals=res)
    return IntrinsicCoordinates(dm, sel, res, dm.embedding_[:, sel])


@dataclass
class Comparison:
    r"""The outcome of :func:`compare` / :func:`compare_observations`.

    Attributes
    ----------
    equivalent : bool
        The verdict (see the module notes for the rule).
    forward_nrmse, backward_nrmse : ndarray
        Held-out NRMSE of every feature of B predicted from A (:math:`T`) and of A from B
        (:math:`T^{-1}`); NaN for constant features.
    forward_error, backward_error : dict
        :func:`netequiv.errors.summarize_errors` of the two directions (``max_nrmse``,
        ``median_nrmse``, ``relative``, ``n_constant``).
    agreement_r2, agreement_rms : float
        Agreement of A's and B's intrinsic coordinates on the training samples after
        orthogonal alignment.
    threshold : float
        The NRMSE threshold the verdict used.
    agreement_threshold : float or None
        The coordinate-agreement threshold, when it was part of the verdict.
    coords_a, coords_b : IntrinsicCoordinates
    g_a, g_b : KernelInterpolator
        :math:`G_A` (B's coordinates -> A's observations) and :math:`G_B` (A's coordinates ->
        B's observations).
    train_index, test_index : ndarray of int
    n_degenerate_a, n_degenerate_b : int
        Samples where the observations did not resolve the input (Jacobian rank below ``n``;
        their singular values were floored).  Non-zero counts explain a failure.
    """

    equivalent: bool
    forward_nrmse: np.ndarray
    backward_nrmse: np.ndarray
    forward_error: dict
    backward_error: dict
    agreement_r2: float
    agreement_rms: float
    threshold: float
    agreement_threshold: float | None
    coords_a: IntrinsicCoordinates
    coords_b: IntrinsicCoordinates
    g_a: KernelInterpolator
    g_b: KernelInterpolator
    train_index: np.ndarray
    test_index: np.ndarray
    n_degenerate_a: int = 0
    n_degenerate_b: int = 0
    predictions: dict = field(default_factory=dict, repr=False)

    def forward(self, y_a, metric_a=None) -> np.ndarray:
        """:math:`T(y^A) = G_B(\\Phi_A(y^A))`: B's observations predicted from A's."""
        return self.g_b.predict(self.coords_a.transform(y_a, metric_a))

    def backward(self, y_b, metric_b=None) -> np.ndarray:
        """:math:`T^{-1}(y^B) = G_A(\\Phi_B(y^B))`: A's observations predicted from B's."""
        return self.g_a.predict(self.coords_b.transform(y_b, metric_b))

    def summary(self) -> dict:
        """A flat dict of the headline numbers (for tables and JSON)."""
        return {
            "equivalent": bool(self.equivalent),
            "forward_max_nrmse": self.forward_error["max_nrmse"],
            "forward_median_nrmse": self.forward_error["median_nrmse"],
            "forward_relative": self.forward_error["relative"],
            "backward_max_nrmse": self.backward_error["max_nrmse"],
            "backward_median_nrmse": self.backward_error["median_nrmse"],
            "backward_relative": self.backward_error["relative"],
            "agreement_r2": self.agreement_r2,
            "agreement_rms": self.agreement_rms,
            "threshold": self.threshold,
            "n_degenerate_a": self.n_degenerate_a,
            "n_degenerate_b": self.n_degenerate_b,
        }

    def __repr__(self) -> str:
        s = self.summary()
        return (
            f"Comparison(equivalent={s['equivalent']}, A->B max NRMSE={s['forward_max_nrmse']:.3g}, "
            f"B->A max NRMSE={s['backward_max_nrmse']:.3g}, coordinate agreement RMS={s['agreement_rms']:.3g})"
        )


def split_samples(n_samples: int, *, test_size: float = 0.2, random_state=0):
    """The training/test split of :func:`compare_observations` and the seed of its later steps.

    Returns
    -------
    train, test : ndarray of int
        Sorted sample indices (``round(test_size * n_samples)`` test samples, at least one).
    seed : int
        Seed of every randomised step downstream (diffusion maps, interpolators).

    Raises
    ------
    ValueError
        ``"test_size must lie in (0, 1), ..."``.
    """
    if not 0.0 < float(test_size) < 1.0:
        raise ValueError(f"test_size must lie in (0, 1), got {test_size!r}.")
    rng = check_random_state(random_state)
    perm = rng.permutation(n_samples)
    n_test = max(1, int(round(float(test_size) * n_samples)))
    return np.sort(perm[n_test:]), np.sort(perm[:n_test]), int(rng.integers(2**31))


def default_epsilon_neighbors(n_intrinsic: int, n_coordinates: int, n_train: int) -> int:
    r"""The bandwidth rule of :func:`compare_observations` (``n_neighbors_epsilon``).

    On an open 1-D curve the 10th neighbour lies within a few random sampling gaps, and the
    widest gaps then nearly disconnect the graph (a jump in :math:`\phi`); the 40th cut the
    transformation error of a monotone pair 30-fold (chapter (a)).  Otherwise the sampling
    noise of the eigenvectors sets an error floor (about 9e-3 at the 10th neighbour for
    N = 2000 in 2-D, halved at the 20th, chapter (b)): about ``N_train / 100`` neighbours,
    at least 10.  A closed curve that comes close to itself needs a smaller value (the horse
    chapter passes its own).
    """
    if n_intrinsic == 1 and n_coordinates == 1:
        return 40
    return max(10, round(n_train / 100))


def _as_metric(metric, n_samples: int, n_intrinsic, name: str, rcond: float):
    """LocalMetric from a metric or Jacobians; counts samples with floored singular values."""
    if metric is None:
        return None, 0
    if isinstance(metric, LocalMetric):
        if metric.n_samples != n_samples:
            raise ValueError(f"{name} is for {metric.n_samples} samples, but there are {n_samples}.")
        return metric, 0
    J = np.asarray(metric, dtype=np.float64)
    if J.ndim != 3 or len(J) != n_samples:
        raise ValueError(f"{name} must be a LocalMetric or Jacobians of shape ({n_samples}, d, n), got {J.shape}.")
    M = metric_from_jacobians(J, n_intrinsic=n_intrinsic, rcond=rcond, degenerate="clip")
    s = np.linalg.svd(J, compute_uv=False)[:, : M.n_intrinsic]
    n_bad = int((s[:, -1] <= rcond * np.median(s[:, 0])).sum())
    return M, n_bad


def compare_observations(
    y_a,
    y_b,
    *,
    metric_a=None,
    metric_b=None,
    n_intrinsic: int | None = None,
    n_coordinates: int | tuple[int, int] | None = None,
    test_size: float = 0.2,
    random_state=0,
    n_eigenvectors: int = 10,
    tol: float = 0.05,
    agreement_tol: float | None = None,
    error_floor: float = 0.0,
    jacobian_rcond: float = 1e-2,
    dmap_kwargs: dict | None = None,
    interpolator_kwargs: dict | None = None,
) -> Comparison:
    r"""Fit :math:`T = G_B\circ\Phi_A` and :math:`T^{-1} = G_A\circ\Phi_B` on paired observations.

    Parameters
    ----------
    y_a, y_b : arrays of shape (N, d_a), (N, d_b)
        Observations of the *same* N inputs by networks A and B, in the same order.
    metric_a, metric_b : LocalMetric or Jacobians (N, d, n), optional
        Local metrics (Mahalanobis kernel).  Jacobians are turned into metrics with
        singular values floored where they vanish (counted in ``n_degenerate_*``).  ``None``:
        Euclidean diffusion maps (not observation independent; for comparisons only).
    n_intrinsic : int, optional
        Dimension of the input manifold (the rank of the local metrics); taken from the
        metrics when omitted.
    n_coordinates : int or (int, int), optional
        Number of intrinsic coordinates selected from each diffusion map (default
        ``n_intrinsic``).  A closed manifold needs more than its dimension: a circle
        (``n_intrinsic=1``) is embedded by the pair :math:`(\cos\theta, \sin\theta)`, so pass
        ``n_coordinates=2``.  A pair ``(n_a, n_b)`` selects different numbers for the two
        networks (e.g. a network whose one-dimensional code folds a circle has a single
        non-harmonic direction); the coordinate agreement is then undefined (NaN) and the
        verdict rests on the two held-out errors.
    test_size : float, default 0.2
        Fraction of samples held out to measure the errors.
    random_state : int, default 0
        Seed of the split and every randomised step.
    n_eigenvectors : int, default 10
        Eigenvectors computed by each diffusion map before the selection.
    tol : float, default 0.05
        NRMSE threshold of the verdict (module notes).
    agreement_tol : float, optional
        If given, the verdict also requires ``agreement_rms < agreement_tol``.
    error_floor : float, default 0
        The networks' own error level (NRMSE); the threshold is ``max(tol, error_floor)``.
    jacobian_rcond : float, default 1e-2
        When the metrics are given as Jacobians, singular values below this fraction of the
        median are floored there (:func:`~netequiv.metric_from_jacobians` with
        ``degenerate="clip"``).  Where the observations barely resolve the input (a
        nonmonotonic output near its extremum, saturated units) the exact pseudo-inverse
        would isolate the sample from all others and split the neighbour graph; the floor
        keeps the graph connected so that the fold of a non-injective observation shows up
        as a large transformation error.  The number of floored samples is reported
        (``n_degenerate_a``/``n_degenerate_b``).
    dmap_kwargs, interpolator_kwargs : dict, optional
        Passed to :class:`~netequiv.DiffusionMaps` and :class:`~netequiv.KernelInterpolator`.
        The bandwidth rule defaults to the 40th neighbour on a 1-D manifold and to the
        ``max(10, N_train/100)``-th otherwise (``n_neighbors_epsilon``).

    Returns
    -------
    Comparison

    Raises
    ------
    ValueError
        If the samples are unpaired (different N), contain NaN/inf, ``test_size`` is not in
        (0, 1), ``n_intrinsic`` cannot be determined, or a step below fails (too few samples,
        disconnected graph, ...).
    """
    ya = as_2d_float(y_a, "y_a")
    yb = as_2d_float(y_b, "y_b")
    check_same_samples(ya, yb, "y_a", "y_b")
    if not 0.0 < float(test_size) < 1.0:
        raise ValueError(f"test_size must lie in (0, 1), got {test_size!r}.")
    tol = check_positive(tol, "tol")
    if agreement_tol is not None:
        agreement_tol = check_positive(agreement_tol, "agreement_tol")
    rc = check_positive(jacobian_rcond, "jacobian_rcond")
    Ma, bad_a = _as_metric(metric_a, len(ya), n_intrinsic, "metric_a", rc)
    Mb, bad_b = _as_metric(metric_b, len(yb), n_intrinsic, "metric_b", rc)
    if n_intrinsic is None:
        dims = {m.n_intrinsic for m in (Ma, Mb) if m is not None}
        if len(dims) != 1:
            raise ValueError(
                "n_intrinsic could not be determined: pass it (the dimension of the input manifold)"
                + (f"; the two metrics disagree ({sorted(dims)})" if dims else "")
                + "."
            )
        n_intrinsic = dims.pop()
    if n_coordinates is None:
        n_coordinates = n_intrinsic
    n_coord_a, n_coord_b = (n_coordinates, n_coordinates) if np.ndim(n_coordinates) == 0 else n_coordinates
    train, test, seed = split_samples(len(ya), test_size=test_size, random_state=random_state)
    k_eps = default_epsilon_neighbors(n_intrinsic, max(n_coord_a, n_coord_b), len(train))
    dk = {"n_neighbors_epsilon": k_eps, **(dmap_kwargs or {})}
    ik = {"random_state": seed, **(interpolator_kwargs or {})}

    def sub(M, idx):
        return None if M is None else M[idx]

    ca = intrinsic_coordinates(ya[train], sub(Ma, train), n_intrinsic=n_coord_a,
                               n_eigenvectors=n_eigenvectors, random_state=seed, **dk)
    cb = intrinsic_coordinates(yb[train], sub(Mb, train), n_intrinsic=n_coord_b,
                               n_eigenvectors=n_eigenvectors, random_state=seed, **dk)
    g_b = KernelInterpolator(**ik).fit(ca.coords, yb[train])
    g_a = KernelInterpolator(**ik).fit(cb.coords, ya[train])
    pred_b = g_b.predict(ca.transform(ya[test], sub(Ma, test)))
    pred_a = g_a.predict(cb.transform(yb[test], sub(Mb, test)))
    fwd, bwd = nrmse(yb[test], pred_b), nrmse(ya[test], pred_a)
    fe, be = summarize_errors(yb[test], pred_b), summarize_errors(ya[test], pred_a)
    if n_coord_a == n_coord_b:
        align = align_embeddings(ca.coords, cb.coords)
        agree_r2, agree_rms, aligned = float(align.r2), float(align.rms), align.aligned
    else:
        agree_r2 = agree_rms = float("nan")
        aligned = None
    threshold = max(tol, float(error_floor))
    ok = lambda e: np.isfinite(e["max_nrmse"]) and e["max_nrmse"] < threshold  # noqa: E731
    equivalent = bool(ok(fe) and ok(be) and (agreement_tol is None or agree_rms < agreement_tol))
    return Comparison(
        equivalent=equivalent,
        forward_nrmse=fwd,
        backward_nrmse=bwd,
        forward_error=fe,
        backward_error=be,
        agreement_r2=agree_r2,
        agreement_rms=agree_rms,
        threshold=threshold,
        agreement_threshold=agreement_tol,
        coords_a=ca,
        coords_b=cb,
        g_a=g_a,
        g_b=g_b,
        train_index=train,
        test_index=test,
        n_degenerate_a=bad_a,
        n_degenerate_b=bad_b,
        predictions={"b_from_a": pred_b, "a_from_b": pred_a, "aligned_b": aligned},
    )


def compare(
    net_a,
    net_b,
    x,
    *,
    observe_a: dict | None = None,
    observe_b: dict | None = None,
    n_intrinsic: int | None = None,
    metric: str = "jacobian",
    test_size: float = 0.2,
    random_state=0,
    **kwargs,
) -> Comparison:
    r"""Are two torch networks equivalent on the inputs ``x``?

    Observes both networks (outputs and/or chosen neurons, :func:`netequiv.observe`), builds
    each one's local metric from exact Jacobians, and calls :func:`compare_observations`.

    Parameters
    ----------
    net_a, net_b : torch.nn.Module
    x : array of shape (N, n)
        Inputs sampling the manifold (the same for both networks).
    observe_a, observe_b : dict, optional
        Keyword arguments of :func:`netequiv.observe` for each network, e.g.
        ``{"layers": {"act2": [0, 5, 9]}, "output": False}``.  Default: the output only.
    n_intrinsic : int, optional
        Dimension of the input manifold (default: the input dimension of ``x``).
    metric : {"jacobian", "euclidean"}, default "jacobian"
        Mahalanobis kernel from exact Jacobians, or a plain Euclidean kernel (to show what
        goes wrong without the metric).
    test_size, random_state, **kwargs
        As in :func:`compare_observations`.

    Returns
    -------
    Comparison

    Examples
    --------
    >>> from netequiv.nets import mlp                                   # doctest: +SKIP
    >>> res = compare(net_a, net_b, x)                                  # doctest: +SKIP
    >>> res.equivalent, res.forward_error["max_nrmse"]                  # doctest: +SKIP
    """
    from .observation import observe

    if metric not in ("jacobian", "euclidean"):
        raise ValueError(f"metric must be 'jacobian' or 'euclidean', got {metric!r}.")
    x = as_2d_float(x, "x")
    if n_intrinsic is None:
        n_intrinsic = x.shape[1]
    jac = metric == "jacobian"
    oa = observe(net_a, x, jacobian=jac, **(observe_a or {}))
    ob = observe(net_b, x, jacobian=jac, **(observe_b or {}))
    return compare_observations(
        oa.y, ob.y,
        metric_a=oa.jac if jac else None,
        metric_b=ob.jac if jac else None,
        n_intrinsic=n_intrinsic,
        test_size=test_size,
        random_state=random_state,
        **kwargs,
    )
