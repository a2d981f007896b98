r"""Experiment (a) of the paper: networks that learned scalar functions of one input.

The input manifold is an interval, :math:`x \in [0, 1]` (:math:`n = 1`).  Networks are trained
on scalar targets :math:`f: [0, 1] \to \mathbb{R}` that are either *monotone* (the output alone
is a chart of the interval) or *nonmonotonic* (the output folds two stretches of the interval
onto one another).  This module holds what the chapter *Experiments (a): scalar functions*
needs besides :func:`netequiv.compare`:

* the targets (:data:`TARGETS`, :func:`get_target`) and their samples (:func:`scalar_data`);
* the trained networks of the chapter (:data:`NET_SPECS`, :func:`train_scalar_nets`), cached
  through :func:`netequiv.chapters.nets.fit_mlp`;
* diagnostics of observed features on the interval: turning points of single units
  (:func:`unit_profile`), the closest approach of distant inputs (:func:`fold_gap`) and the
  slowest relative speed (:func:`min_relative_speed`);
* the sweep of the error of :math:`T` against the number :math:`k` of observed neurons, with the
  reason why a subset fails (:func:`neuron_sweep`);
* one table row per comparison (:func:`comparison_row`).

Torch is imported only by the functions that train or observe networks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .._validation import as_2d_float, check_positive, check_random_state, check_same_samples
from .._validation import check_int as _check_int

__all__ = [
    "CLOSING_COLUMNS",
    "CLOSING_TABLE",
    "closing_table",
    "ScalarTarget",
    "TARGETS",
    "get_target",
    "scalar_data",
    "NetSpec",
    "NET_SPECS",
    "TrainedNet",
    "train_scalar_nets",
    "unit_profile",
    "fold_gap",
    "min_relative_speed",
    "neuron_sweep",
    "subset_fold_gaps",
    "comparison_row",
    "markdown_table",
    "share_words",
]


# --------------------------------------------------------------------------- targets


@dataclass(frozen=True)
class ScalarTarget:
    r"""A scalar function of one input on :math:`[0, 1]` and its derivative.

    Attributes
    ----------
    name : str
        Short identifier (a key of :data:`TARGETS`).
    formula : str
        The formula in LaTeX (for labels and tables).
    monotone : bool
        Whether :math:`f` is strictly monotone on :math:`[0, 1]`, i.e. whether the output alone
        embeds the interval.
    """

    name: str
    formula: str
    monotone: bool

    def __call__(self, x) -> np.ndarray:
        """:math:`f(x)`, elementwise."""
        return _FUNCS[self.name][0](np.asarray(x, dtype=float))

    def derivative(self, x) -> np.ndarray:
        """:math:`f'(x)`, elementwise."""
        return _FUNCS[self.name][1](np.asarray(x, dtype=float))


_FUNCS = {
    # f' = 3 sech^2(3x - 1) + 0.5 >= 0.5: strictly increasing
    "monotone": (lambda x: np.tanh(3 * x - 1) + 0.5 * x, lambda x: 3 / np.cosh(3 * x - 1) ** 2 + 0.5),
    # f' = 6 f (1 - f) > 0: strictly increasing, an S shape with flat ends
    "logistic": (lambda x: 1 / (1 + np.exp(-6 * (x - 0.5))), lambda x: 1.5 / np.cosh(3 * (x - 0.5)) ** 2),
    # two turning points, x = 1/4 and x = 3/4
    "sine": (lambda x: np.sin(2 * np.pi * x), lambda x: 2 * np.pi * np.cos(2 * np.pi * x)),
    # one turning point, x = 1/2: folds x onto 1 - x
    "bump": (lambda x: 4 * x * (1 - x), lambda x: 4 - 8 * x),
}

#: name -> :class:`ScalarTarget` (on :math:`[0, 1]`)
TARGETS = {
    "monotone": ScalarTarget("monotone", r"\tanh(3x-1) + x/2", True),
    "logistic": ScalarTarget("logistic", r"1 / (1 + e^{-6(x - 1/2)})", True),
    "sine": ScalarTarget("sine", r"\sin 2\pi x", False),
    "bump": ScalarTarget("bump", r"4x(1-x)", False),
}


def get_target(name) -> ScalarTarget:
    """The :class:`ScalarTarget` called ``name`` (or ``name`` itself when it is one).

    Raises
    ------
    ValueError
        ``"unknown target ...; choose one of: monotone, logistic, sine, bump."``
    """
    if isinstance(name, ScalarTarget):
        return name
    if name not in TARGETS:
        raise ValueError(f"unknown target {name!r}; choose one of: {', '.join(TARGETS)}.")
    return TARGETS[name]


def scalar_data(target, n_samples: int, *, random_state=0, grid: bool = False):
    r"""Samples :math:`(x_i, f(x_i))` of a target on :math:`[0, 1]`.

    Parameters
    ----------
    target : str or ScalarTarget
        A key of :data:`TARGETS` (``"monotone"``, ``"logistic"``, ``"sine"``, ``"bump"``).
    n_samples : int
        Number of samples ``N`` (at least 2).
    random_state : None, int or numpy Generator, default=0
        Seed of the uniform draw (ignored when ``grid=True``).
    grid : bool, default=False
        Equally spaced samples :math:`x_i = i/(N-1)` instead of uniform random ones.

    Returns
    -------
    x : ndarray of shape (N, 1)
        Inputs, sorted increasingly.
    y : ndarray of shape (N, 1)
        Targets :math:`f(x_i)`.

    Raises
    ------
    ValueError
        ``"unknown target ..."``; ``"n_samples must be an integer >= 2, ..."``.

    Examples
    --------
    >>> x, y = scalar_data("bump", 3, grid=True)
    >>> x.ravel().tolist(), y.ravel().tolist()
    ([0.0, 0.5, 1.0], [0.0, 1.0, 0.0])
    """
    f = get_target(target)
    n = _check_int(n_samples, "n_samples", 2)
    if grid:
        x = np.linspace(0.0, 1.0, n)
    else:
        x = np.sort(check_random_state(random_state).uniform(0.0, 1.0, n))
    return x[:, None], f(x)[:, None]


# --------------------------------------------------------------------------- networks


@dataclass(frozen=True)
class NetSpec:
    """Architecture, activation, initialisation seed and target of one network of the chapter."""

    target: str
    hidden: tuple
    activation: str
    seed: int

    @property
    def label(self) -> str:
        """E.g. ``"tanh 3x32"``."""
        widths = set(self.hidden)
        shape = f"{len(self.hidden)}x{self.hidden[0]}" if len(widths) == 1 else "-".join(map(str, self.hidden))
        return f"{self.activation} {shape}"


#: the networks of the chapter: A is always tanh 3x32, B a smooth 2x64 network (SiLU); C and D
#: learned *other* targets (a second monotone function, a second nonmonotonic one).  ReLU is
#: avoided on purpose: its Jacobians are piecewise constant, and the local metric needs smooth ones.
NET_SPECS = {
    "A_monotone": NetSpec("monotone", (32, 32, 32), "tanh", 0),
    "B_monotone": NetSpec("monotone", (64, 64), "silu", 1),
    "A_sine": NetSpec("sine", (32, 32, 32), "tanh", 2),
    "B_sine": NetSpec("sine", (64, 64), "silu", 3),
    "C_logistic": NetSpec("logistic", (64, 64), "softplus", 4),
    "D_bump": NetSpec("bump", (64, 64), "gelu", 5),
}


@dataclass
class TrainedNet:
    """One trained network of the chapter.

    Attributes
    ----------
    name : str
        Key in :data:`NET_SPECS` (or in the ``specs`` passed to :func:`train_scalar_nets`).
    spec : NetSpec
    model : torch.nn.Sequential
        The trained network (float64, eval mode).
    train_relative_rmse, test_relative_rmse : float
        RMSE divided by the standard deviation of the target, on the training data and on
        independent test inputs.
    time_s : float
        Training time in seconds (0 when the weights came from the cache).
    cache_hit : bool
    """

    name: str
    spec: NetSpec
    model: object
    train_relative_rmse: float
    test_relative_rmse: float
    time_s: float
    cache_hit: bool


def train_scalar_nets(
    specs=None,
    *,
    n_train: int = 400,
    n_test: int = 2000,
    epochs: int = 2000,
    polish_iter: int = 300,
    random_state: int = 0,
    cache: bool = True,
    progress: bool = True,
) -> dict:
    r"""Train (or load from the cache) the networks of the chapter and measure their test error.

    Parameters
    ----------
    specs : dict {str: NetSpec} or None, default=None
        Networks to train; ``None`` means :data:`NET_SPECS`.
    n_train : int, default=400
        Training inputs per target, uniform on :math:`[0, 1]` (seed ``random_state``; the same
        inputs for every network).
    n_test : int, default=2000
        Independent test inputs (seed ``random_state + 1``).
    epochs, polish_iter : int
        Adam epochs and L-BFGS iterations of :func:`netequiv.chapters.nets.fit_mlp`.
    random_state : int, default=0
        Seed of the data; the weight initialisation uses each spec's own seed.
    cache : bool, default=True
        Reuse weights trained before on the same data and settings.
    progress : bool, default=True
        Progress bars while training.

    Returns
    -------
    dict {str: TrainedNet}
        In the order of ``specs``.

    Raises
    ------
    ValueError
        ``"specs must map names to NetSpec, ..."``; ``"unknown target ..."``; the errors of
        :func:`netequiv.chapters.nets.fit_mlp` (bad widths, activation, epochs, ...).

    Notes
    -----
    The relative test error is :math:`\|\hat f - f\|_2 / \|f - \bar f\|_2` on the test inputs
    (:func:`netequiv.chapters.nets.model_rmse`): the networks' own error level, which sets the floor
    of every transformation error in the chapter.
    """
    from .nets import fit_mlp, model_rmse

    specs = NET_SPECS if specs is None else specs
    if not isinstance(specs, dict) or not all(isinstance(s, NetSpec) for s in specs.values()):
        raise ValueError("specs must map names to NetSpec, e.g. {'A': NetSpec('sine', (32, 32), 'tanh', 0)}.")
    seed = _check_int(random_state, "random_state", 0)
    out = {}
    for name, spec in specs.items():
        x, y = scalar_data(spec.target, n_train, random_state=seed)
        xt, yt = scalar_data(spec.target, n_test, random_state=seed + 1)
        model, info = fit_mlp(
            x,
            y,
            hidden=spec.hidden,
            activation=spec.activation,
            seed=spec.seed,
            epochs=epochs,
            polish_iter=polish_iter,
            cache=cache,
            name=f"scalar-{name}",
            progress=progress,
        )
        out[name] = TrainedNet(
            name,
            spec,
            model,
            float(info["train_relative_rmse"]),
            float(model_rmse(model, xt, yt)["relative_rmse"]),
            float(info["time_s"]),
            bool(info["cache_hit"]),
        )
    return out


# --------------------------------------------------------------------------- diagnostics


def _sorted_1d(x, features, what="features"):
    x = as_2d_float(x, "x", min_samples=4)
    if x.shape[1] != 1:
        raise ValueError(f"x must hold one input coordinate (shape (N, 1)), got shape {x.shape}.")
    F = as_2d_float(features, what, min_samples=4)
    check_same_samples(x, F, "x", what)
    order = np.argsort(x[:, 0], kind="stable")
    return x[order, 0], F[order], order


def unit_profile(x, activations, jacobians, *, flat_tol: float = 0.05) -> dict:
    r"""How each unit of a layer depends on a scalar input: turning points and flat stretches.

    Parameters
    ----------
    x : array-like of shape (N,) or (N, 1)
        Inputs on the interval (any order).
    activations : array-like of shape (N, width)
        The layer's activations :math:`h_j(x_i)`.
    jacobians : array-like of shape (N, width, 1) or (N, width)
        :math:`\partial h_j / \partial x\,(x_i)` (e.g. ``observe(..., jacobian=True).jac``).
    flat_tol : float, default=0.05
        A unit is *flat* at :math:`x` when :math:`|h_j'(x)|` is below ``flat_tol`` times its
        typical slope :math:`\Delta h_j` (the unit's range over the interval, i.e. the slope of
        a linear unit with the same range).

    Returns
    -------
    dict
        ``turning_points`` (int array (width,): sign changes of :math:`h_j'` along the
        interval; 0 means monotone), ``flat_fraction`` (float array: fraction of the interval
        where the unit is flat), ``range`` (float array: :math:`\max h_j - \min h_j`),
        ``monotone`` (bool array).

    Raises
    ------
    ValueError
        ``"x must hold one input coordinate ..."``; ``"jacobians must have shape (N, width) or
        (N, width, 1) ..."``; mismatched samples; NaN/inf.

    Notes
    -----
    For :math:`n = 1` a single unit embeds the interval exactly when it is strictly monotone
    with :math:`h_j' \neq 0`.  A unit with turning points folds (two inputs share one value);
    a flat (saturated) unit squeezes a stretch of inputs onto almost one value, so small
    errors there become large errors in :math:`x`.  Units of the first layer,
    :math:`\sigma(w x + b)`, are ridge functions: for a scalar input they are always monotone
    and can only fail by saturating.

    Examples
    --------
    >>> x = np.linspace(0, 1, 201)
    >>> h = np.column_stack([x, np.sin(2 * np.pi * x)])
    >>> dh = np.column_stack([np.ones_like(x), 2 * np.pi * np.cos(2 * np.pi * x)])
    >>> unit_profile(x, h, dh)["turning_points"].tolist()
    [0, 2]
    """
    xs, H, order = _sorted_1d(x, activations, "activations")
    J = np.asarray(jacobians, dtype=float)
    if J.ndim == 3 and J.shape[2] == 1:
        J = J[:, :, 0]
    if J.shape != H.shape:
        raise ValueError(f"jacobians must have shape (N, width) or (N, width, 1) = {H.shape}, got {J.shape}.")
    J = as_2d_float(J, "jacobians")[order]
    flat_tol = check_positive(flat_tol, "flat_tol")
    s = np.sign(J)
    turning = np.array([int(np.count_nonzero(c[c != 0][1:] != c[c != 0][:-1])) for c in s.T])
    rng = np.ptp(H, axis=0)
    typical = rng / max(np.ptp(xs), np.finfo(float).tiny)
    flat = (np.abs(J) <= flat_tol * typical[None, :]).mean(axis=0)
    return {"turning_points": turning, "flat_fraction": flat, "range": rng, "monotone": turning == 0}


def fold_gap(x, features, jacobians=None, *, min_separation: float = 0.1) -> float:
    r"""Closest approach of the observations of two inputs at least ``min_separation`` apart.

    Parameters
    ----------
    x : array-like of shape (N,) or (N, 1)
        Scalar inputs.
    features : array-like of shape (N, k)
        Observed features.
    jacobians : array-like of shape (N, k, 1) or (N, k), optional
        :math:`\partial y / \partial x`.  When given, distances are measured in the local
        metric, i.e. in units of :math:`x` (see Notes); otherwise the features are
        standardised and distances are divided by the diameter of the curve.
    min_separation : float, default=0.1
        Only pairs with :math:`|x_i - x_j| \ge` ``min_separation`` (in units of the range of
        ``x``) are compared.

    Returns
    -------
    gap : float
        With Jacobians: :math:`\min_{|x_i - x_j| \ge s} \|y_i - y_j\| / \|y'(x_i)\|`, about
        :math:`s` for a well-separated embedding and 0 for a fold; a value well below
        :math:`s` (a *near contact*) is closer than the diffusion-map kernel can resolve.
        Without: :math:`\min \|\tilde y_i - \tilde y_j\| / \operatorname{diam}(\tilde y)`
        for the standardised :math:`\tilde y`, at the sampling resolution for a fold.

    Raises
    ------
    ValueError
        ``"min_separation must lie strictly between 0 and 1, ..."``; ``"features are constant
        ..."``; ``"jacobians must have shape ..."``; shapes, NaN/inf.

    Notes
    -----
    For one input and a Jacobian-based metric with unit normal penalty
    (:func:`netequiv.metric_from_jacobians`) the local metric is
    :math:`M_i = I / \|y'(x_i)\|^2`, so :math:`\|y_i - y_j\| / \|y'(x_i)\|` is the distance the
    diffusion map sees, in units of the input.  Two stretches of the interval whose
    observations pass within a few kernel widths :math:`\sqrt{\varepsilon}` of each other are
    joined by the kernel even if they never touch.

    Examples
    --------
    >>> x = np.linspace(0, 1, 401)
    >>> fold_gap(x, np.sin(2 * np.pi * x)[:, None]) < 0.01, fold_gap(x, x[:, None]) > 0.05
    (True, True)
    >>> round(fold_gap(x, 3 * x[:, None], np.full((401, 1), 3.0)), 3)    # in units of x
    0.1
    """
    xs, F, order = _sorted_1d(x, features)
    s = check_positive(min_separation, "min_separation")
    if s >= 1:
        raise ValueError(f"min_separation must lie strictly between 0 and 1, got {min_separation!r}.")
    if jacobians is None:
        std = F.std(axis=0)
        keep = std > 1e-12 * np.maximum(1.0, np.abs(F.mean(axis=0)))
        if not keep.any():
            raise ValueError("features are constant on the inputs; nothing to measure.")
        Z = (F[:, keep] - F[:, keep].mean(axis=0)) / std[keep]
        scale = np.full(len(Z), float(np.linalg.norm(np.ptp(Z, axis=0))))
    else:
        J = np.asarray(jacobians, dtype=float)
        if J.ndim == 3 and J.shape[2] == 1:
            J = J[:, :, 0]
        if J.shape != F.shape:
            raise ValueError(f"jacobians must have shape (N, k) or (N, k, 1) = {F.shape}, got {np.shape(jacobians)}.")
        speed = np.linalg.norm(as_2d_float(J, "jacobians")[order], axis=1)
        if not speed.max() > 0:
            raise ValueError("features are constant on the inputs; nothing to measure.")
        Z, scale = F, np.maximum(speed, 1e-300)
    sep = s * np.ptp(xs)
    best = np.inf
    for r0 in range(0, len(xs), 256):
        rows = slice(r0, r0 + 256)
        d = np.sqrt(((Z[rows, None, :] - Z[None, :, :]) ** 2).sum(axis=2)) / scale[rows, None]
        d[np.abs(xs[rows, None] - xs[None, :]) < sep] = np.inf
        best = min(best, float(d.min()))
    return best


def min_relative_speed(jacobians, activations=None) -> float:
    r"""Slowest speed of the observation curve, relative to its median speed.

    Parameters
    ----------
    jacobians : array-like of shape (N, k, 1) or (N, k)
        :math:`\partial y / \partial x` of the observed features at N inputs.
    activations : array-like of shape (N, k), optional
        When given, every feature's derivative is divided by that feature's standard deviation
        (the speed of the standardised features, as the interpolators see them).

    Returns
    -------
    float
        :math:`\min_i \|y'(x_i)\| / \operatorname{median}_i \|y'(x_i)\|`: 0 where the curve
        stops (a turning point of a single feature, or every observed unit saturated at once).

    Raises
    ------
    ValueError
        Shapes, NaN/inf, ``"the observations do not depend on x ..."`` when every derivative is 0.

    Examples
    --------
    >>> x = np.linspace(0, 1, 5)
    >>> float(min_relative_speed((1 + x)[:, None]))
    0.6666666666666666
    """
    J = np.asarray(jacobians, dtype=float)
    if J.ndim == 3 and J.shape[2] == 1:
        J = J[:, :, 0]
    J = as_2d_float(J, "jacobians")
    if activations is not None:
        A = as_2d_float(activations, "activations")
        if A.shape != J.shape:
            raise ValueError(f"activations must have the shape of the Jacobians {J.shape}, got {A.shape}.")
        J = J / np.where(A.std(axis=0) > 0, A.std(axis=0), 1.0)
    speed = np.linalg.norm(J, axis=1)
    med = float(np.median(speed))
    if not med > 0:
        raise ValueError("the observations do not depend on x (median derivative 0); observe other units.")
    return float(speed.min() / med)


# --------------------------------------------------------------------------- neuron sweep


def _reason(embeds: bool, gap: float, flat: float, gap_tol: float, flat_tol: float) -> str:
    if embeds:
        return "embeds"
    if gap < 0.1 * gap_tol:
        return "fold"
    if gap < gap_tol:
        return "near contact"
    if flat > flat_tol:
        return "saturated"
    return "other"


def neuron_sweep(
    net_a,
    net_b,
    x,
    *,
    layer_a,
    observe_b: dict | None = None,
    units=None,
    ks=(1, 2, 3, 4, 5),
    n_trials: int = 5,
    random_state: int = 0,
    gap_tol: float = 0.03,
    flat_tol: float = 0.3,
    progress: bool = True,
    **compare_kwargs,
) -> dict:
    r"""Error of :math:`T` from ``k`` randomly chosen neurons of A to B, for ``k`` in ``ks``.

    For each ``k`` and trial, ``k`` distinct units of ``layer_a`` (or of the pool ``units``)
    are drawn (:func:`netequiv.embedding.choose_neurons`, never a constant unit), A is observed
    through them alone, B through ``observe_b``, and :func:`netequiv.compare_observations`
    fits :math:`T` and :math:`T^{-1}`.  Every failing subset is given a reason.

    Parameters
    ----------
    net_a, net_b : torch.nn.Module
        Networks with scalar input.
    x : array-like of shape (N,) or (N, 1)
        Inputs on the interval (the samples of every comparison).
    layer_a : str or sequence of str
        Module(s) of A whose units are drawn, e.g. ``"act3"`` or ``["act2", "act3"]`` (their
        units are numbered in the order of :func:`netequiv.observe`, layer after layer).
    observe_b : dict, optional
        Keyword arguments of :func:`netequiv.observe` for B, e.g.
        ``{"layers": ["act2"], "output": True}`` (default: B's output only).
    units : sequence of int, optional
        The pool the subsets are drawn from (indices into the units of ``layer_a``, e.g. only
        the units with turning points); default: every unit.
    ks : sequence of int, default=(1, 2, 3, 4, 5)
        Numbers of observed units.
    n_trials : int, default=5
        Random subsets per ``k`` (seeds ``random_state + 1000 k + trial``).
    random_state : int, default=0
        Offset of the subset seeds; also the seed of every comparison.
    gap_tol : float, default=0.03
        A failing subset whose :func:`fold_gap` (in the local metric, units of :math:`x`, pairs at
        least 0.1 apart) is below ``gap_tol / 10`` *folds*; below ``gap_tol`` it has a *near
        contact*: two stretches of the interval come closer than the kernel resolves.
    flat_tol : float, default=0.3
        Otherwise it is *saturated* when all its units are flat (:func:`unit_profile`) on more
        than this fraction of the interval at once.
    progress : bool, default=True
        A tqdm bar over the comparisons.
    **compare_kwargs
        Passed to :func:`netequiv.compare_observations` (``tol``, ``error_floor``, ...).

    Returns
    -------
    dict
        One entry per comparison, as lists of equal length: ``k``, ``units`` (list of int,
        indices into the units of ``layer_a``),
        ``forward_median``, ``forward_max`` (NRMSE over B's features, A -> B),
        ``backward_max`` (NRMSE over A's units, B -> A), ``equivalent``, ``fold_gap``,
        ``min_speed`` (:func:`min_relative_speed` of the standardised units), ``n_folded``
        (units with turning points), ``flat_fraction`` (fraction of the interval where every
        chosen unit is flat) and ``reason`` (``"embeds"``, ``"fold"``, ``"near contact"``,
        ``"saturated"`` or ``"other"``; ``"embeds"`` means the verdict was *equivalent*).
        Plus ``profile``: :func:`unit_profile` of all units of ``layer_a``, and ``names``:
        their names (``"act2[5]"``, ...).

    Raises
    ------
    ValueError
        ``"ks must be a non-empty sequence of integers >= 1, ..."``; ``"n_trials must be an
        integer >= 1, ..."``; ``"units must be distinct indices of the ... units of ..."``;
        the errors of :func:`netequiv.observe`,
        :func:`netequiv.embedding.choose_neurons` (e.g. ``k`` larger than the layer) and
        :func:`netequiv.compare_observations`.

    Notes
    -----
    Whitney's count says :math:`2n + 1 = 3` *generic* measurements embed the interval.  A
    single unit embeds it only if it is monotone and nowhere flat; two units fail where
    their joint curve in the plane crosses itself, which generic pairs do with positive
    probability; from three units on, crossings are non-generic.
    """
    from tqdm import tqdm

    from ..comparison import compare_observations
    from ..embedding import choose_neurons
    from ..observation import observe

    x = as_2d_float(x, "x", min_samples=20)
    ks_arr = np.asarray(ks)
    if ks_arr.ndim != 1 or ks_arr.size == 0 or not np.issubdtype(ks_arr.dtype, np.integer) or (ks_arr < 1).any():
        raise ValueError(f"ks must be a non-empty sequence of integers >= 1, got {ks!r}.")
    n_trials = _check_int(n_trials, "n_trials", 1)
    seed = _check_int(random_state, "random_state", 0)
    layers = [layer_a] if isinstance(layer_a, str) else list(layer_a)
    full = observe(net_a, x, layers=layers, output=False, jacobian=True)
    prof = unit_profile(x, full.y, full.jac)
    width = full.y.shape[1]
    pool = np.arange(width) if units is None else np.asarray(units)
    if (
        pool.ndim != 1
        or pool.size == 0
        or not np.issubdtype(pool.dtype, np.integer)
        or (pool < 0).any()
        or (pool >= width).any()
        or len(np.unique(pool)) != pool.size
    ):
        raise ValueError(f"units must be distinct indices of the {width} units of {layers}, got {units!r}.")
    ob = observe(net_b, x, jacobian=True, **(observe_b or {}))
    keys = (
        "k",
        "units",
        "forward_median",
        "forward_max",
        "backward_max",
        "equivalent",
        "fold_gap",
        "min_speed",
        "n_folded",
        "flat_fraction",
        "reason",
    )
    rows = {key: [] for key in keys}
    jobs = [(int(k), t) for k in ks_arr for t in range(n_trials)]
    for k, trial in tqdm(jobs, desc="neuron subsets", disable=not progress, leave=False):
        chosen = choose_neurons(pool.size, k, 1, seed + 1000 * k + trial, activations=full.y[:, pool])
        units = pool[chosen]
        ya, ja = full.y[:, units], full.jac[:, units]
        res = compare_observations(
            ya, ob.y, metric_a=ja, metric_b=ob.jac, n_intrinsic=1, random_state=seed, **compare_kwargs
        )
        gap = fold_gap(x, ya, ja)
        flat_sets = np.abs(ja[:, :, 0]) <= 0.05 * (prof["range"][units] / np.ptp(x))[None, :]
        flat = float(flat_sets.all(axis=1).mean())
        n_folded = int((~prof["monotone"][units]).sum())
        values = (
            k,
            units.tolist(),
            res.forward_error["median_nrmse"],
            res.forward_error["max_nrmse"],
            res.backward_error["max_nrmse"],
            bool(res.equivalent),
            gap,
            min_relative_speed(ja, ya),
            n_folded,
            flat,
            _reason(res.equivalent, gap, flat, gap_tol, flat_tol),
        )
        for key, v in zip(keys, values):
            rows[key].append(v)
    rows["profile"] = prof
    rows["names"] = list(full.names)
    return rows


def subset_fold_gaps(
    x, activations, jacobians, k: int, *, n_subsets: int = 200, random_state: int = 0, min_separation: float = 0.1
) -> np.ndarray:
    r""":func:`fold_gap` (local metric) of random ``k``-subsets of a layer's units, without any fit.

    Parameters
    ----------
    x : array-like of shape (N,) or (N, 1)
        Scalar inputs.
    activations : array-like of shape (N, width)
        The layer's activations.
    jacobians : array-like of shape (N, width, 1) or (N, width)
        Their derivatives with respect to ``x``.
    k : int
        Units per subset (at most the number of non-constant units).
    n_subsets : int, default=200
        Random subsets drawn (:func:`netequiv.embedding.choose_neurons` with seeds
        ``random_state, random_state + 1, ...``; repeats are possible).
    random_state : int, default=0
    min_separation : float, default=0.1
        As in :func:`fold_gap`.

    Returns
    -------
    gaps : ndarray of shape (n_subsets,)
        In units of ``x``; about ``min_separation`` for a well-separated embedding.

    Raises
    ------
    ValueError
        ``"n_subsets must be an integer >= 1, ..."``; ``"jacobians must have shape ..."``; the
        errors of :func:`netequiv.embedding.choose_neurons` and :func:`fold_gap`.

    Notes
    -----
    A cheap screen for Whitney's count: a subset whose gap is far below ``min_separation``
    folds, or comes back so close to itself that the diffusion-map kernel joins the two
    stretches; such subsets fail in :func:`neuron_sweep` (a gap below 0.03 for
    ``min_separation = 0.1`` separated every failure from every success there).

    Examples
    --------
    >>> x = np.linspace(0, 1, 200)
    >>> acts = np.column_stack([np.sin(2 * np.pi * x), x])
    >>> jacs = np.column_stack([2 * np.pi * np.cos(2 * np.pi * x), np.ones_like(x)])
    >>> subset_fold_gaps(x, acts, jacs, 1, n_subsets=2).round(3).tolist()
    [0.101, 0.0]
    """
    from ..embedding import choose_neurons

    acts = as_2d_float(activations, "activations", min_samples=4)
    J = np.asarray(jacobians, dtype=float)
    if J.ndim == 3 and J.shape[2] == 1:
        J = J[:, :, 0]
    if J.shape != acts.shape:
        raise ValueError(
            f"jacobians must have shape (N, width) or (N, width, 1) = {acts.shape}, got {np.shape(jacobians)}."
        )
    n_subsets = _check_int(n_subsets, "n_subsets", 1)
    seed = _check_int(random_state, "random_state", 0)
    gaps = np.empty(n_subsets)
    for t in range(n_subsets):
        units = choose_neurons(acts.shape[1], k, 1, seed + t, activations=acts)
        gaps[t] = fold_gap(x, acts[:, units], J[:, units], min_separation=min_separation)
    return gaps


# --------------------------------------------------------------------------- prose


def share_words(fraction: float) -> str:
    """Words for a fraction of random draws, so that a sentence holds whatever the run gives.

    The chapters glue these words into their prose (``{glue:text}``) instead of typing a
    judgement that would be true for one run only.

    Parameters
    ----------
    fraction : float
        In :math:`[0, 1]`.

    Returns
    -------
    str
        ``"none"`` (0), ``"a minority"`` (below one half), ``"half"``, ``"most"`` (above one
        half, below 1) or ``"all"`` (1).

    Raises
    ------
    ValueError
        ``"fraction must lie in [0, 1], ..."``.

    Examples
    --------
    >>> [share_words(f) for f in (0.0, 0.3, 0.5, 0.9, 1.0)]
    ['none', 'a minority', 'half', 'most', 'all']
    """
    f = float(fraction)
    if not 0.0 <= f <= 1.0:
        raise ValueError(f"fraction must lie in [0, 1], got {fraction!r}.")
    if f == 0.0:
        return "none"
    if f == 1.0:
        return "all"
    if f < 0.5:
        return "a minority"
    return "half" if f == 0.5 else "most"


# --------------------------------------------------------------------------- table


def comparison_row(pair: str, observed_a: str, observed_b: str, result, claim: str) -> dict:
    """One row of the chapter's closing table from a :class:`netequiv.Comparison`.

    Parameters
    ----------
    pair : str
        Which networks, e.g. ``"A_monotone / B_monotone"``.
    observed_a, observed_b : str
        What was observed of each, e.g. ``"output"``, ``"3 units of act3"``.
    result : Comparison
        The comparison (:func:`netequiv.compare`).
    claim : str
        The claim of the paper the row supports.

    Returns
    -------
    dict
        ``pair``, ``observed`` (``"A: ...; B: ..."``), ``error_a_to_b`` / ``error_b_to_a``
        (largest held-out NRMSE over the observed features of the target network),
        ``median_a_to_b`` (median NRMSE over B's features), ``verdict``
        (``"equivalent"`` or ``"not equivalent"``) and ``claim``.

    Raises
    ------
    ValueError
        ``"result must be a Comparison, ..."``.
    """
    from ..comparison import Comparison

    if not isinstance(result, Comparison):
        raise ValueError(f"result must be a Comparison, got {type(result).__name__}.")
    return {
        "pair": pair,
        "observed": f"A: {observed_a}; B: {observed_b}",
        "error_a_to_b": float(result.forward_error["max_nrmse"]),
        "error_b_to_a": float(result.backward_error["max_nrmse"]),
        "median_a_to_b": float(result.forward_error["median_nrmse"]),
        "verdict": result.verdict,
        "claim": claim,
    }


_EXPONENT = re.compile(r"e-(?=\d)")


def markdown_table(rows, columns: dict, *, float_format: str = ".1e") -> str:
    """A Markdown table of dict rows (for ``IPython.display.Markdown`` in a chapter).

    Parameters
    ----------
    rows : list of dict
        One dict per row.
    columns : dict {str: str}
        Key in the rows -> column header, in display order.
    float_format : str, default=".1e"
        Format of float values (``bool`` and ``str`` are written as they are).  The minus of
        an exponent is written as the minus sign U+2212, which a browser never breaks at
        (an ASCII hyphen lets a narrow column wrap ``2.0e-02`` after the hyphen).

    Returns
    -------
    str

    Raises
    ------
    ValueError
        ``"rows must be a non-empty list of dicts"``; ``"row ... has no key ..."``.

    Examples
    --------
    >>> print(markdown_table([{"a": "x", "b": 0.00123}], {"a": "name", "b": "error"}))
    | name | error |
    |---|---|
    | x | 1.2e−03 |
    """
    if not isinstance(rows, (list, tuple)) or not rows or not all(isinstance(r, dict) for r in rows):
        raise ValueError("rows must be a non-empty list of dicts.")
    lines = ["| " + " | ".join(columns.values()) + " |", "|" + "---|" * len(columns)]
    for i, row in enumerate(rows):
        cells = []
        for key in columns:
            if key not in row:
                raise ValueError(f"row {i} has no key {key!r}.")
            v = row[key]
            cells.append(_EXPONENT.sub("e\u2212", format(v, float_format)) if isinstance(v, float) else str(v))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


#: The comparisons of the chapter's closing table: key -> (pair, observed of A, observed of B,
#: the paper's claim the row supports).  ``{units}`` and ``{width_b}`` are filled in by
#: :func:`closing_table`.
CLOSING_TABLE = {
    "monotone": ("A_monotone / B_monotone", "output", "output", "same invertible function: T and its inverse exist"),
    "fold": (
        "A_sine / B_monotone",
        "output",
        "output",
        "a folded output cannot be mapped to an injective one (one-directional)",
    ),
    "same_fold": ("A_sine / B_sine", "output", "output", "identical folds: the outputs are functions of each other"),
    "output_vs_layer": (
        "A_sine / B_sine",
        "output",
        "output + {width_b} units of act2",
        "the output alone does not embed the input",
    ),
    "whitney": (
        "A_sine / B_sine",
        "units {units} of act2",
        "output + {width_b} units of act2",
        "Whitney: 2n+1 = 3 neurons embed the interval",
    ),
    "different_monotone": (
        "A_monotone / C_logistic",
        "output",
        "output",
        "different but injective functions are equivalent",
    ),
    "different_folds": ("A_sine / D_bump", "output", "output", "different folds: no map in either direction"),
}

#: Column titles of the closing table (:func:`markdown_table`).
CLOSING_COLUMNS = {
    "pair": "pair",
    "observed": "observed units",
    "error_a_to_b": "error A->B",
    "error_b_to_a": "error B->A",
    "verdict": "verdict",
    "claim": "paper's claim",
}


def closing_table(results: dict, **fill) -> list:
    """The rows of the chapter's closing table: :func:`comparison_row` of every key of
    :data:`CLOSING_TABLE` in ``results`` (key -> :class:`~netequiv.comparison.Comparison`),
    with ``fill`` substituted into the observed-unit texts (``units=[3, 7, 9]``, the observed
    units of A, and ``width_b=64``, the width of B's observed layer).

    Raises
    ------
    ValueError
        ``"unknown comparisons ..."`` for keys that are not in :data:`CLOSING_TABLE`.
    """
    unknown = sorted(set(results) - set(CLOSING_TABLE))
    if unknown:
        raise ValueError(f"unknown comparisons {unknown}; the table knows {sorted(CLOSING_TABLE)}.")
    rows = []
    for key, res in results.items():
        pair, obs_a, obs_b, claim = CLOSING_TABLE[key]
        rows.append(comparison_row(pair, obs_a.format(**fill), obs_b.format(**fill), res, claim))
    return rows
