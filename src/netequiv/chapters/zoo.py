r"""A zoo of networks on one input manifold: ground-truth classes, all pairs, class recovery.

The chapter *Beyond the paper: a network zoo* compares many small networks at once.  All
of them take a scalar input :math:`x \in [0, 1]` (the input manifold is an interval,
:math:`n = 1`); they differ in the function they learned, their architecture, activation
and seed, and in what is *observed* of them: the output alone, or :math:`2n + 1 = 3`
neurons of a hidden layer.  This module holds

* the zoo: targets (:data:`ZOO_TARGETS`), members (:data:`ZOO_SPECS`, :data:`FAST_ZOO`),
  their training (:func:`train_zoo`, cached through :func:`netequiv.chapters.nets.fit_mlp`, sharing
  the cache with the chapter *Experiments (a)* where the networks coincide) and their
  observations (:func:`observe_zoo`);
* the ground truth, derived from the theory and not from task labels
  (:func:`signatures`, :func:`function_ratio`, :func:`ground_truth`);
* the pairwise work: intrinsic coordinates once per member (:func:`prepare_member`), one
  fit per ordered pair plus every baseline score (:func:`pair_scores`), run on a dask
  cluster (:func:`evaluate_zoo`), and the verdict matrix (:func:`verdict_matrix`);
* the evaluation: classes from the verdicts (:func:`recover_classes`), confusion tables
  (:func:`class_confusion`, :func:`pair_confusion`), how well each baseline score separates
  equivalent from non-equivalent pairs (:func:`score_separation`) and the pairs where it
  misleads most (:func:`misleading_cases`).

The fast path is the rule of :func:`netequiv.compare_observations`
--------------------------------------------------------------------

:func:`netequiv.compare_observations` splits the N samples into training and test samples
(a permutation drawn from ``random_state``), computes each network's intrinsic coordinates
on the training samples (a Mahalanobis diffusion map of that network's observations
*alone*), fits :math:`G_B` from A's coordinates to B's observations and :math:`G_A` from
B's coordinates to A's observations, and judges held-out errors and the agreement of the
two coordinate sets.  When every member is observed on the *same* N inputs with the same
``random_state``, the split and the derived seed are the same for every pair, so each
member's coordinates (and their Nyström extension to the test samples) are the same in
every pair it takes part in.  :func:`prepare_member` computes them once per member
(:math:`m` diffusion maps instead of :math:`m(m-1)`), and :func:`pair_scores` does only
what depends on the pair: the kernel-ridge fit of one direction,

.. math::

    E_{AB} = \max_k \operatorname{NRMSE}_k\bigl(y^B_{\text{test}},
    \;G_B(\Phi_A(y^A_{\text{test}}))\bigr),

and the coordinate agreement (a diagnostic).  The verdict for the unordered pair
:math:`\{A, B\}` is that of ``compare_observations(y_A, y_B)``:

.. math::

    E_{AB} < \tau \quad\text{and}\quad E_{BA} < \tau \qquad (\tau = 0.05),

optionally also :math:`\operatorname{rms}(\phi^A, Q\phi^B) < \tau_\phi`, with the same
estimators, seeds and thresholds, so the numbers agree with
:func:`~netequiv.compare_observations` to rounding (``tests/test_zoo.py`` checks this).

Ground truth
------------

Two observations of the interval are equivalent when each is a smooth function of the
other on the interval.  Every member's observation has a known *signature* :math:`s(x)`
with the same level sets: the target function for an output (the network learned it up to
its test error), and :math:`x` itself for three neurons whose curve embeds the interval
(checked on the trained network: no fold, no near contact, no stop).  :math:`s_A` is a
Lipschitz function of :math:`s_B` exactly when

.. math::

    L(A \mid B) = \sup_{x \ne x'} \frac{|s_A(x) - s_A(x')| / \operatorname{range} s_A}
                                     {|s_B(x) - s_B(x')| / \operatorname{range} s_B} < \infty ;

on a grid of spacing :math:`h` a non-function shows ratios of order :math:`1/h`, a function
its Lipschitz constant (:func:`function_ratio`).  Equivalence needs both directions; a
one-way relation is not equivalence.  Torch is imported only by the functions that train or
observe networks; dask only by :func:`evaluate_zoo`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from .._validation import as_2d_float, check_positive, check_random_state

__all__ = [
    "ZooTarget",
    "ZOO_TARGETS",
    "MemberSpec",
    "ZOO_SPECS",
    "FAST_ZOO",
    "zoo_specs",
    "Member",
    "train_zoo",
    "observe_zoo",
    "signatures",
    "function_ratio",
    "GroundTruth",
    "ground_truth",
    "describe_classes",
    "split_indices",
    "prepare_member",
    "pair_scores",
    "open_client",
    "evaluate_zoo",
    "score_matrices",
    "verdict_matrix",
    "pair_verdict",
    "recover_classes",
    "same_partition",
    "class_confusion",
    "pair_confusion",
    "SCORES",
    "symmetric_score",
    "score_separation",
    "misleading_cases",
]


# --------------------------------------------------------------------------- targets


@dataclass(frozen=True)
class ZooTarget:
    r"""A scalar target on :math:`[0, 1]`.

    Attributes
    ----------
    name : str
        Key of :data:`ZOO_TARGETS`.
    formula : str
        LaTeX formula (for tables and labels).
    fold : str
        How the output folds the interval, in words (documentation only: the ground truth
        is computed from the function itself, :func:`ground_truth`).
    turning_points : int
        Number of interior zeros of :math:`f'` (0 for a monotone target).
    """

    name: str
    formula: str
    fold: str
    turning_points: int

    def __call__(self, x) -> np.ndarray:
        """:math:`f(x)`, elementwise."""
        return _ZOO_FUNCS[self.name](np.asarray(x, dtype=float))


def _s(x):
    return np.sin(2 * np.pi * x)


def _c(x):
    # cos 2 pi t on t in [0.05, 0.95]: one turning point (x = 1/2) and none at the ends, where a
    # trained network could not reproduce a vanishing slope without tiny spurious folds
    return np.cos(2 * np.pi * (0.05 + 0.9 * x))


_ZOO_FUNCS = {
    # the first three are the targets of chapter (a) (netequiv.chapters.exp_a_scalar), same formulas
    "monotone": lambda x: np.tanh(3 * x - 1) + 0.5 * x,
    "logistic": lambda x: 1 / (1 + np.exp(-6 * (x - 0.5))),
    "sine": _s,
    # f' = 1 - 0.8 cos(4 pi x) in [0.2, 1.8]: monotone, but a strongly nonlinear staircase
    "staircase": lambda x: x - 0.8 * np.sin(4 * np.pi * x) / (4 * np.pi),
    # g(s) = s^3 + 0.2 s is strictly increasing (g' >= 0.2): the same level sets as sin 2 pi x
    "sine_cubed": lambda x: _s(x) ** 3 + 0.2 * _s(x),
    "cosine": _c,
    # g(c) = c + 0.3 c^2 is strictly increasing on [-1, 1] (g' >= 0.4): the level sets of cos
    "cosine_warped": lambda x: _c(x) + 0.3 * _c(x) ** 2,
}

#: name -> :class:`ZooTarget`.  Monotone targets embed the interval; ``sine`` and
#: ``sine_cubed`` fold it identically (x ~ 1/2 - x and x ~ 3/2 - x); ``cosine`` and
#: ``cosine_warped`` fold it identically (x ~ 1 - x), differently from the sines.
ZOO_TARGETS = {
    "monotone": ZooTarget("monotone", r"\tanh(3x-1) + x/2", "none (injective)", 0),
    "logistic": ZooTarget("logistic", r"1/(1 + e^{-6(x - 1/2)})", "none (injective)", 0),
    "staircase": ZooTarget("staircase", r"x - \frac{0.8}{4\pi}\sin 4\pi x", "none (injective)", 0),
    "sine": ZooTarget("sine", r"\sin 2\pi x", "x ~ 1/2 - x, x ~ 3/2 - x", 2),
    "sine_cubed": ZooTarget("sine_cubed", r"\sin^3 2\pi x + 0.2 \sin 2\pi x", "x ~ 1/2 - x, x ~ 3/2 - x", 2),
    "cosine": ZooTarget("cosine", r"c(x) = \cos 2\pi(0.05 + 0.9x)", "x ~ 1 - x", 1),
    "cosine_warped": ZooTarget("cosine_warped", r"c(x) + 0.3\, c(x)^2", "x ~ 1 - x", 1),
}


# --------------------------------------------------------------------------- members


@dataclass(frozen=True)
class MemberSpec:
    """One member of the zoo: a network (target, architecture, seed) and what is observed.

    Attributes
    ----------
    target : str
        Key of :data:`ZOO_TARGETS`.
    hidden : tuple of int
        Hidden layer widths.
    activation : str
        Activation (smooth ones only: the local metric needs smooth Jacobians).
    seed : int
        Initialisation seed (also the seed of the neuron draw).
    observe : {"output", "neurons"}
        The output alone, or three units of the last hidden layer.
    cache_name : str
        Name of the trained weights in the cache (shared with other chapters where the
        network is the same).
    """

    target: str
    hidden: tuple
    activation: str
    seed: int
    observe: str
    cache_name: str

    @property
    def architecture(self) -> str:
        """E.g. ``"tanh 3x32"``."""
        widths = set(self.hidden)
        shape = f"{len(self.hidden)}x{self.hidden[0]}" if len(widths) == 1 else "-".join(map(str, self.hidden))
        return f"{self.activation} {shape}"


def _spec(target, hidden, activation, seed, observe, cache_name=None):
    return MemberSpec(target, tuple(hidden), activation, seed, observe, cache_name or f"zoo-{target}-{seed}")


#: The full zoo (24 members).  Names: target, observation (``out``/``3n`` for three neurons)
#: and a letter.  Five networks are those of chapter (a) and share its cache.
ZOO_SPECS = {
    "monotone/out/a": _spec("monotone", (32, 32, 32), "tanh", 0, "output", "scalar-A_monotone"),
    "monotone/out/b": _spec("monotone", (64, 64), "silu", 1, "output", "scalar-B_monotone"),
    "monotone/3n/c": _spec("monotone", (48, 48), "gelu", 10, "neurons"),
    "logistic/out/a": _spec("logistic", (64, 64), "softplus", 4, "output", "scalar-C_logistic"),
    "logistic/out/b": _spec("logistic", (32, 32), "sigmoid", 26, "output"),
    "logistic/3n/c": _spec("logistic", (32, 32, 32), "tanh", 11, "neurons"),
    "staircase/out/a": _spec("staircase", (32, 32, 32), "tanh", 12, "output"),
    "staircase/out/b": _spec("staircase", (64, 64), "silu", 13, "output"),
    "staircase/3n/c": _spec("staircase", (32, 32, 32), "gelu", 14, "neurons"),
    "sine/out/a": _spec("sine", (32, 32, 32), "tanh", 2, "output", "scalar-A_sine"),
    "sine/out/b": _spec("sine", (64, 64), "silu", 3, "output", "scalar-B_sine"),
    "sine/out/c": _spec("sine", (48, 48), "softplus", 27, "output"),
    "sine/3n/d": _spec("sine", (48, 48), "gelu", 15, "neurons"),
    "sine/3n/e": _spec("sine", (32, 32, 32), "tanh", 16, "neurons"),
    "sine_cubed/out/a": _spec("sine_cubed", (32, 32, 32), "tanh", 17, "output"),
    "sine_cubed/out/b": _spec("sine_cubed", (64, 64), "silu", 18, "output"),
    "sine_cubed/3n/c": _spec("sine_cubed", (64, 64), "softplus", 19, "neurons"),
    "cosine/out/a": _spec("cosine", (32, 32, 32), "tanh", 20, "output"),
    "cosine/out/b": _spec("cosine", (64, 64), "silu", 21, "output"),
    "cosine/3n/c": _spec("cosine", (48, 48), "gelu", 22, "neurons"),
    "cosine/3n/d": _spec("cosine", (32, 32, 32), "softplus", 28, "neurons"),
    "cosine_warped/out/a": _spec("cosine_warped", (32, 32, 32), "tanh", 23, "output"),
    "cosine_warped/out/b": _spec("cosine_warped", (64, 64), "silu", 24, "output"),
    "cosine_warped/3n/c": _spec("cosine_warped", (32, 32, 32), "tanh", 25, "neurons"),
}

#: The fast zoo (9 members): every class with at least two members, outputs and neurons.
FAST_ZOO = (
    "monotone/out/a",
    "logistic/out/a",
    "staircase/3n/c",
    "sine/out/a",
    "sine/out/b",
    "sine_cubed/out/a",
    "sine/3n/d",
    "cosine/out/a",
    "cosine_warped/out/a",
)


def zoo_specs(fast: bool = False) -> dict:
    """The members of the zoo: :data:`FAST_ZOO` when ``fast``, else all of :data:`ZOO_SPECS`."""
    names = FAST_ZOO if fast else tuple(ZOO_SPECS)
    return {k: ZOO_SPECS[k] for k in names}


@dataclass
class Member:
    """A trained member of the zoo.

    Attributes
    ----------
    name : str
    spec : MemberSpec
    model : torch.nn.Sequential
        The trained network (float64, eval mode).
    test_relative_rmse : float
        RMSE on independent test inputs divided by the standard deviation of the target.
    layer : str or None
        Observed hidden layer (``"act<k>"``, the last one) when ``spec.observe == "neurons"``.
    units : ndarray of int or None
        The three observed units.
    embedding : dict
        For neurons: ``fold_gap`` (closest approach, in units of :math:`x`, of inputs at least
        0.1 apart; about 0.1 for a clean embedding) and ``min_speed`` (slowest speed of the
        standardised curve relative to its median) on a dense grid, and ``draws`` (how many
        random triples were drawn).  For outputs: ``turning_points`` of the trained output on
        the grid (must equal the target's).
    time_s : float
        Training seconds (0 on a cache hit).
    """

    name: str
    spec: MemberSpec
    model: object
    test_relative_rmse: float
    layer: str | None
    units: np.ndarray | None
    embedding: dict = field(default_factory=dict)
    time_s: float = 0.0

    @property
    def kind(self) -> str:
        """``"output"`` or ``"neurons"``."""
        return self.spec.observe

    def observe_kwargs(self) -> dict:
        """Keyword arguments of :func:`netequiv.observe` that produce this member's observation."""
        if self.kind == "output":
            return {"output": True}
        return {"layers": {self.layer: self.units.tolist()}, "output": False}


def _check_int(value, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}.")
    return int(value)


def _turning_points(dy: np.ndarray) -> int:
    s = np.sign(dy[np.abs(dy) > 1e-9 * np.abs(dy).max()])
    return int(np.count_nonzero(s[1:] != s[:-1]))


def _pick_neurons(model, spec: MemberSpec, grid, *, min_gap: float, min_speed: float, max_draws: int):
    """Draw triples of the last hidden layer until one embeds the interval (on the grid)."""
    from ..embedding import choose_neurons
    from ..observation import observe
    from .exp_a_scalar import fold_gap, min_relative_speed

    layer = f"act{len(spec.hidden)}"
    full = observe(model, grid, layers=[layer], output=False, jacobian=True)
    for draw in range(max_draws):
        units = choose_neurons(full.y.shape[1], 3, 1, spec.seed + 7919 * draw, activations=full.y)
        gap = fold_gap(grid, full.y[:, units], full.jac[:, units], min_separation=0.1)
        speed = min_relative_speed(full.jac[:, units], full.y[:, units])
        if gap >= min_gap and speed >= min_speed:
            return layer, units, {"fold_gap": float(gap), "min_speed": float(speed), "draws": draw + 1}
    raise ValueError(
        f"no triple of units of {layer} embeds the interval after {max_draws} draws (fold gap >= {min_gap}, "
        f"relative speed >= {min_speed}); observe another layer or more units."
    )


def train_zoo(
    specs=None,
    *,
    n_train: int = 400,
    n_test: int = 2000,
    epochs: int = 1500,
    polish_iter: int = 300,
    random_state: int = 0,
    min_gap: float = 0.06,
    min_speed: float = 0.2,
    max_draws: int = 50,
    cache: bool = True,
    progress: bool = True,
) -> dict:
    r"""Train (or load from the cache) every member and choose the observed neurons.

    Parameters
    ----------
    specs : dict {str: MemberSpec} or None, default=None
        The members; ``None`` means :data:`ZOO_SPECS`.
    n_train : int, default=400
        Training inputs, uniform on :math:`[0, 1]` (seed ``random_state``; the same inputs as
        :func:`netequiv.chapters.exp_a_scalar.scalar_data`, so the networks of chapter (a) are shared).
    n_test : int, default=2000
        Independent test inputs (seed ``random_state + 1``).
    epochs, polish_iter : int
        Adam epochs and L-BFGS iterations (:func:`netequiv.chapters.nets.fit_mlp`).
    random_state : int, default=0
        Seed of the data.
    min_gap, min_speed : float, default 0.06 and 0.2
        A triple of neurons is accepted when, on a grid of 1001 inputs, its curve has a
        :func:`~netequiv.chapters.exp_a_scalar.fold_gap` of at least ``min_gap`` (units of :math:`x`;
        0.1 is the ideal) and a :func:`~netequiv.chapters.exp_a_scalar.min_relative_speed` of at least
        ``min_speed``: it embeds the interval with room to spare.  The speed condition rules
        out triples whose units all saturate at once: where the speed of the curve changes
        by a large factor within a kernel width, the local-metric distances are distorted
        and the coordinates lose accuracy (a triple with speed 0.05 gave an error of 0.19).
    max_draws : int, default=50
        Random triples tried per member (seeds ``spec.seed + 7919 k``).
    cache : bool, default=True
        Reuse cached weights.
    progress : bool, default=True
        A progress bar over the members.

    Returns
    -------
    dict {str: Member}

    Raises
    ------
    ValueError
        ``"specs must map names to MemberSpec, ..."``; ``"unknown target ..."``; ``"observe must
        be 'output' or 'neurons', ..."``; ``"no triple of units of ... embeds the interval ..."``;
        the errors of :func:`netequiv.chapters.nets.fit_mlp`.

    Notes
    -----
    For an output, the turning points of the trained network on the grid are counted and
    stored in ``embedding["turning_points"]``: the ground truth assumes that the network
    folds the interval as its target does.
    """
    specs = ZOO_SPECS if specs is None else specs
    if not isinstance(specs, dict) or not all(isinstance(s, MemberSpec) for s in specs.values()):
        raise ValueError("specs must map names to MemberSpec, e.g. zoo_specs(fast=True).")
    for name, s in specs.items():
        if s.target not in ZOO_TARGETS:
            raise ValueError(
                f"unknown target {s.target!r} of member {name!r}; choose one of: {', '.join(ZOO_TARGETS)}."
            )
        if s.observe not in ("output", "neurons"):
            raise ValueError(f"observe must be 'output' or 'neurons', got {s.observe!r} for member {name!r}.")
    seed = _check_int(random_state, "random_state", 0)
    max_draws = _check_int(max_draws, "max_draws", 1)

    from tqdm import tqdm

    from ..observation import observe
    from .nets import fit_mlp, model_rmse

    grid = np.linspace(0.0, 1.0, 1001)[:, None]
    x = np.sort(check_random_state(seed).uniform(0.0, 1.0, n_train))[:, None]
    xt = np.sort(check_random_state(seed + 1).uniform(0.0, 1.0, n_test))[:, None]
    out = {}
    for name, spec in tqdm(specs.items(), desc="zoo", disable=not progress):
        f = ZOO_TARGETS[spec.target]
        model, info = fit_mlp(
            x,
            f(x),
            hidden=spec.hidden,
            activation=spec.activation,
            seed=spec.seed,
            epochs=epochs,
            polish_iter=polish_iter,
            cache=cache,
            name=spec.cache_name,
            progress=False,
        )
        test = float(model_rmse(model, xt, f(xt))["relative_rmse"])
        if spec.observe == "neurons":
            layer, units, emb = _pick_neurons(
                model, spec, grid, min_gap=min_gap, min_speed=min_speed, max_draws=max_draws
            )
        else:
            layer, units = None, None
            emb = {"turning_points": _turning_points(observe(model, grid, jacobian=True).jac[:, 0, 0])}
        out[name] = Member(name, spec, model, test, layer, units, emb, float(info["time_s"]))
    return out


def observe_zoo(members: dict, x) -> dict:
    """Observations and Jacobians of every member on the inputs ``x``.

    Parameters
    ----------
    members : dict {str: Member}
        From :func:`train_zoo`.
    x : array-like of shape (N, 1)
        Inputs on the interval, the same for every member.

    Returns
    -------
    dict {str: (y, jac)}
        ``y`` of shape (N, d) (d = 1 for an output, 3 for neurons) and ``jac`` of shape
        (N, d, 1).
    """
    from ..observation import observe

    x = as_2d_float(x, "x", min_samples=10)
    res = {}
    for name, m in members.items():
        o = observe(m.model, x, jacobian=True, **m.observe_kwargs())
        res[name] = (o.y, o.jac)
    return res


# --------------------------------------------------------------------------- ground truth


def signatures(members: dict, grid) -> dict:
    r"""The known signature :math:`s(x)` of every member on a grid (the basis of the ground truth).

    Parameters
    ----------
    members : dict {str: Member or MemberSpec}
    grid : array-like of shape (G,) or (G, 1)

    Returns
    -------
    dict {str: ndarray of shape (G,)}
        The target function for an output; :math:`x` itself for neurons (three units that
        embed the interval, as checked by :func:`train_zoo`, are a chart of it).
    """
    g = as_2d_float(grid, "grid")[:, 0]
    out = {}
    for name, m in members.items():
        spec = m.spec if isinstance(m, Member) else m
        out[name] = ZOO_TARGETS[spec.target](g) if spec.observe == "output" else g.copy()
    return out


def function_ratio(s_a, s_b, *, tiny: float = 1e-12) -> float:
    r"""Discrete Lipschitz constant of :math:`s_A` as a function of :math:`s_B`.

    Parameters
    ----------
    s_a, s_b : array-like of shape (G,)
        Two signatures on the same grid.
    tiny : float, default=1e-12
        Differences below ``tiny`` (after scaling to unit range) count as zero; two grid points
        with equal :math:`s_B` and different :math:`s_A` give an infinite ratio.

    Returns
    -------
    float
        :math:`L(A\mid B) = \max_{i \ne j} \dfrac{|s_A(x_i) - s_A(x_j)| / \operatorname{range}
        s_A}{|s_B(x_i) - s_B(x_j)| / \operatorname{range} s_B}`; ``inf`` when :math:`s_A` is not a
        function of :math:`s_B` on the grid.

    Raises
    ------
    ValueError
        ``"s_a has ... grid points but s_b has ..."``; ``"a signature is constant on the grid
        ..."``; NaN/inf; fewer than 3 points.

    Notes
    -----
    If :math:`s_A = h \circ s_B` with :math:`h` Lipschitz, every ratio is at most
    :math:`\operatorname{Lip}(h)` (in scaled units).  Otherwise two inputs with (nearly) the
    same :math:`s_B` have different :math:`s_A`, and the ratio grows like :math:`1/h` with the
    grid spacing :math:`h`; near a turning point of :math:`s_B` that :math:`s_A` does not share,
    :math:`\Delta s_B \sim \Delta x^2` while :math:`\Delta s_A \sim \Delta x`.

    The maximum over all :math:`G^2` pairs equals the maximum over neighbours in the order
    of :math:`s_B`: with the points sorted by :math:`s_B`, the slope between any two is a
    weighted mean of the slopes between consecutive ones.  The cost is :math:`O(G \log G)`.

    Examples
    --------
    >>> x = np.linspace(0, 1, 201)
    >>> s = np.sin(2 * np.pi * x)
    >>> round(function_ratio(s**3 + 0.2 * s, s), 2), function_ratio(x, s) > 20
    (2.67, True)
    """
    a = as_2d_float(s_a, "s_a", min_samples=3)[:, 0]
    b = as_2d_float(s_b, "s_b", min_samples=3)[:, 0]
    if len(a) != len(b):
        raise ValueError(f"s_a has {len(a)} grid points but s_b has {len(b)}; evaluate both on the same grid.")
    ra, rb = np.ptp(a), np.ptp(b)
    if not (ra > 0 and rb > 0):
        raise ValueError("a signature is constant on the grid; it carries no information about x.")
    order = np.lexsort((a, b))
    da = np.abs(np.diff(a[order])) / ra
    db = np.abs(np.diff(b[order])) / rb
    zero_b = db <= tiny
    if np.any(zero_b & (da > 1e3 * tiny)):
        return float("inf")
    ratio = np.where(zero_b, 0.0, da / np.where(zero_b, 1.0, db))
    return float(ratio.max())


@dataclass
class GroundTruth:
    """The ground truth of a zoo (:func:`ground_truth`).

    Attributes
    ----------
    names : list of str
    ratio : ndarray of shape (m, m)
        ``ratio[i, j]`` = :func:`function_ratio` of member j's signature as a function of
        member i's (finite and small: *j is a function of i*, i.e. :math:`T: i \\to j` exists);
        0 on the diagonal.
    function_of : ndarray of bool, shape (m, m)
        ``ratio <= lipschitz``.
    equivalent : ndarray of bool, shape (m, m)
        Both directions (symmetric; True on the diagonal).
    relation : ndarray of str, shape (m, m)
        ``"equivalent"``, ``"one-way"`` (exactly one direction) or ``"unrelated"``;
        ``"self"`` on the diagonal.
    labels : ndarray of int, shape (m,)
        Ground-truth class of every member (connected components of ``equivalent``,
        numbered in order of first appearance).
    lipschitz : float
        The threshold used.
    largest_function_ratio, smallest_nonfunction_ratio : float
        The gap the threshold sits in (finite ratios of functions are small; those of
        non-functions grow with the grid).
    """

    names: list
    ratio: np.ndarray
    function_of: np.ndarray
    equivalent: np.ndarray
    relation: np.ndarray
    labels: np.ndarray
    lipschitz: float
    largest_function_ratio: float
    smallest_nonfunction_ratio: float

    @property
    def n_classes(self) -> int:
        return int(self.labels.max()) + 1


def _components(adj: np.ndarray) -> np.ndarray:
    """Connected components, numbered in order of first appearance."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    _, lab = connected_components(csr_matrix(adj.astype(np.int8)), directed=False)
    order = {}
    for v in lab:
        order.setdefault(int(v), len(order))
    return np.array([order[int(v)] for v in lab])


def ground_truth(members: dict, *, n_grid: int = 20001, lipschitz: float = 100.0) -> GroundTruth:
    r"""Which members are functions of which, and the equivalence classes, from the theory.

    Parameters
    ----------
    members : dict {str: Member or MemberSpec}
    n_grid : int, default=20001
        Grid points on :math:`[0, 1]` (seeded uniform points plus both ends, so that no two
        points sit symmetrically about a turning point by construction).
    lipschitz : float, default=100
        :math:`s_j` counts as a function of :math:`s_i` when :func:`function_ratio` is at most
        this (in units of the two ranges).

    Returns
    -------
    GroundTruth

    Raises
    ------
    ValueError
        ``"n_grid must be an integer >= 10, ..."``; ``"lipschitz must be ..."``; ``"the
        ground-truth equivalence is not transitive ..."`` (cannot happen for exact functions;
        it would flag a threshold in the wrong place).
    """
    n_grid = _check_int(n_grid, "n_grid", 10)
    lip = check_positive(lipschitz, "lipschitz")
    grid = np.sort(np.concatenate([[0.0, 1.0], check_random_state(12345).uniform(0, 1, n_grid - 2)]))
    sig = signatures(members, grid)
    names = list(sig)
    m = len(names)
    ratio = np.zeros((m, m))
    for i, a in enumerate(names):
        for j, b in enumerate(names):
            if i != j:
                ratio[i, j] = function_ratio(sig[b], sig[a])
    fn = ratio <= lip
    eq = fn & fn.T
    labels = _components(eq)
    if not np.array_equal(eq, labels[:, None] == labels[None, :]):
        raise ValueError("the ground-truth equivalence is not transitive; the Lipschitz threshold is misplaced.")
    rel = np.where(eq, "equivalent", np.where(fn | fn.T, "one-way", "unrelated")).astype(object)
    np.fill_diagonal(rel, "self")
    off = ~np.eye(m, dtype=bool)
    funcs, nonfuncs = ratio[off & fn], ratio[off & ~fn]
    return GroundTruth(
        names,
        ratio,
        fn,
        eq,
        rel.astype(str),
        labels,
        lip,
        float(funcs.max()) if funcs.size else float("nan"),
        float(nonfuncs.min()) if nonfuncs.size else float("nan"),
    )


# --------------------------------------------------------------------------- fast pairwise path


def describe_classes(members: dict, labels) -> dict:
    """A short description of every ground-truth class (for legends and tables).

    Returns
    -------
    dict {int: str}
        ``"embeds the interval"`` for the class of injective observations, else ``"folds like
        $f$"`` with the formula of the first folded target in the class.
    """
    specs = [m.spec if isinstance(m, Member) else m for m in members.values()]
    labels = np.asarray(labels)
    if len(labels) != len(specs):
        raise ValueError(f"labels has {len(labels)} entries for {len(specs)} members.")
    out = {}
    for k in range(int(labels.max()) + 1):
        idx = np.flatnonzero(labels == k)
        folded = [
            specs[i].target
            for i in idx
            if specs[i].observe == "output" and ZOO_TARGETS[specs[i].target].turning_points > 0
        ]
        text = "embeds the interval" if len(folded) < len(idx) else f"folds like ${ZOO_TARGETS[folded[0]].formula}$"
        out[k] = f"{text} ({len(idx)})"
    return out


def split_indices(n_samples: int, *, test_size: float = 0.2, random_state=0):
    """Training/test split and derived seed exactly as :func:`netequiv.compare_observations` draws them.

    Returns
    -------
    train, test : ndarray of int
        Sorted indices.
    seed : int
        The seed of every randomised step downstream (diffusion maps, interpolators).

    Raises
    ------
    ValueError
        ``"test_size must lie in (0, 1), ..."``; ``"n_samples must be an integer >= 10, ..."``.
    """
    from ..comparison import split_samples

    return split_samples(_check_int(n_samples, "n_samples", 10), test_size=test_size, random_state=random_state)


def prepare_member(
    y,
    jac,
    *,
    x=None,
    n_intrinsic: int = 1,
    test_size: float = 0.2,
    random_state=0,
    n_eigenvectors: int = 10,
    jacobian_rcond: float = 1e-2,
    dmap_kwargs=None,
    interpolator_kwargs=None,
) -> dict:
    r"""Everything of one member that :func:`pair_scores` and :func:`verdict_matrix` need, computed once.

    Parameters
    ----------
    y : array-like of shape (N, d)
        The member's observations of the common inputs.
    jac : array-like of shape (N, d, n)
        Their Jacobians (the local metric, as in :func:`netequiv.compare_observations`).
    x : array-like of shape (N, n), optional
        The common inputs (for the false-nearest-neighbour diagnostic).
    n_intrinsic, test_size, random_state, n_eigenvectors, jacobian_rcond, dmap_kwargs, interpolator_kwargs
        As in :func:`netequiv.compare_observations` (same defaults); the same values must be
        used for every member.

    Returns
    -------
    dict
        ``y`` (all samples), ``y_train``, ``y_test``, ``coords_train`` (the selected
        diffusion-map coordinates of the training samples), ``coords_test`` (their Nyström
        extension to the test samples), ``diagnostics`` (the fields of
        :class:`netequiv.comparison.SideDiagnostics`, self round trip included),
        ``n_degenerate``, ``seed`` and ``interpolator_kwargs``; plain values only, so that
        the dict is cheap to send to a dask worker.

    Raises
    ------
    ValueError
        Shapes, NaN/inf, and the errors of :func:`netequiv.metric_from_jacobians` and
        :class:`netequiv.DiffusionMaps`.

    Notes
    -----
    This *is* the A side of :func:`netequiv.compare_observations`:
    :func:`netequiv.comparison.prepare_side` with the split of :func:`split_indices` and its
    default bandwidth.
    ``tests/test_zoo.py`` and the chapter compare the result with
    :func:`~netequiv.compare_observations`.
    """
    from dataclasses import asdict

    from ..comparison import prepare_side

    Y = as_2d_float(y, "y", min_samples=10)
    J = np.asarray(jac, dtype=np.float64)
    if J.ndim != 3 or len(J) != len(Y) or J.shape[1] != Y.shape[1]:
        raise ValueError(f"jac must have shape ({len(Y)}, {Y.shape[1]}, n), got {J.shape}.")
    rc = check_positive(jacobian_rcond, "jacobian_rcond")
    train, test, seed = split_indices(len(Y), test_size=test_size, random_state=random_state)
    side = prepare_side(
        Y,
        J,
        name="A",
        n_intrinsic=n_intrinsic,
        n_coordinates=None,
        train=train,
        test=test,
        seed=seed,
        x=x,
        n_eigenvectors=n_eigenvectors,
        jacobian_rcond=rc,
        dmap_kwargs=dmap_kwargs,
        interpolator_kwargs=interpolator_kwargs,
    )
    return {
        "y": Y,
        "y_train": Y[train],
        "y_test": Y[test],
        "coords_train": np.asarray(side.coords.coords),
        "coords_test": np.asarray(side.coords_test),
        "diagnostics": asdict(side.diagnostics),
        "n_degenerate": side.diagnostics.n_degenerate,
        "seed": seed,
        "interpolator_kwargs": dict(interpolator_kwargs or {}),
    }


#: baseline scores of :func:`pair_scores`: name -> whether a higher value means more similar
SCORES = {
    "linear_cka": True,
    "rbf_cka": True,
    "svcca": True,
    "procrustes": False,
    "stitching_r2": True,
    "knn_overlap": True,
}


def pair_scores(a: dict, b: dict) -> dict:
    r"""One ordered pair: the error of :math:`T: A \to B` and every baseline score.

    Parameters
    ----------
    a, b : dict
        Two members prepared by :func:`prepare_member` (same inputs, same settings).

    Returns
    -------
    dict of float
        ``max_nrmse`` and ``median_nrmse`` (held-out NRMSE over B's features of
        :math:`G_B(\Phi_A(y^A))`), ``relative`` (held-out relative error), ``agreement_rms``
        and ``agreement_r2`` (:func:`netequiv.align_embeddings` with A as reference), the
        interpolator's ``length_scale`` and ``ridge``; and the baselines on all samples:
        ``linear_cka``, ``rbf_cka``, ``svcca``, ``procrustes`` (distance),
        ``stitching_r2`` (held-out :math:`R^2` of an affine map A -> B) and ``knn_overlap``.

    Raises
    ------
    ValueError
        Members prepared on different samples or with different seeds; the errors of the
        interpolator and the baselines.
    """
    from ..baselines import linear_cka, linear_stitching, mutual_knn_overlap, procrustes_distance, rbf_cka, svcca
    from ..comparison import fit_direction
    from ..selection import align_embeddings

    if a["seed"] != b["seed"] or len(a["y"]) != len(b["y"]) or len(a["y_test"]) != len(b["y_test"]):
        raise ValueError(
            "the two members were prepared on different samples or seeds; prepare every member "
            "with the same inputs, test_size and random_state."
        )
    g, _, err = fit_direction(
        a["coords_train"],
        a["coords_test"],
        b["y_train"],
        b["y_test"],
        seed=a["seed"],
        interpolator_kwargs=a["interpolator_kwargs"],
    )
    al = align_embeddings(a["coords_train"], b["coords_train"])
    ya, yb = a["y"], b["y"]
    return {
        "max_nrmse": float(err["max_nrmse"]),
        "median_nrmse": float(err["median_nrmse"]),
        "relative": float(err["relative"]),
        "agreement_rms": float(al.rms),
        "agreement_r2": float(al.r2),
        "length_scale": float(g.length_scale_),
        "ridge": float(g.ridge_),
        "linear_cka": linear_cka(ya, yb),
        "rbf_cka": rbf_cka(ya, yb),
        "svcca": svcca(ya, yb),
        "procrustes": procrustes_distance(ya, yb),
        "stitching_r2": linear_stitching(ya, yb),
        "knn_overlap": mutual_knn_overlap(ya, yb),
    }


def open_client(address: str | None = None, *, n_workers: int = 2):
    """A ``distributed.Client``: connected to ``address``, or owning a new ``LocalCluster``.

    Parameters
    ----------
    address : str or None, default=None
        Address of a running Dask scheduler (``"tcp://host:8786"``).  ``None`` starts a
        ``LocalCluster`` with ``n_workers`` single-threaded worker processes, its HTTP server
        on a free port and logs below ERROR silenced; ``client.close()`` shuts it down.
    n_workers : int, default=2

    Returns
    -------
    distributed.Client

    Raises
    ------
    ValueError
        ``"n_workers must be an integer >= 1, ..."``.
    ImportError
        When dask.distributed is not installed.
    """
    import logging

    from distributed import Client

    if address is not None:
        return Client(address, set_as_default=False)
    n_workers = _check_int(n_workers, "n_workers", 1)
    # ":0": the scheduler's HTTP server on a free port.  With None it still binds the default
    # port 8787 and warns when another cluster on the machine holds it.
    return Client(
        n_workers=n_workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",
        silence_logs=logging.ERROR,
        set_as_default=False,
    )


def evaluate_zoo(
    prepared, pairs=None, *, client=None, address=None, n_workers: int = 2, retries: int = 1, progress: bool = True
) -> list:
    """Run :func:`pair_scores` on every ordered pair through dask (:func:`netequiv.run_pairs`).

    Parameters
    ----------
    prepared : list of dict
        Members prepared by :func:`prepare_member`, in zoo order.
    pairs : list of (int, int), optional
        Default: every ordered pair (:func:`netequiv.all_pairs`).
    client, address, n_workers, retries, progress
        As in :func:`netequiv.run_pairs`: an open ``distributed.Client``, or the address of a
        running scheduler, or a ``LocalCluster`` with ``n_workers`` processes.  A failing pair
        is retried ``retries`` times and then reported as an error row.

    Returns
    -------
    list of dict
        The rows of :func:`netequiv.run_pairs`.
    """
    from ..parallel import all_pairs, run_pairs

    if pairs is None:
        pairs = all_pairs(len(prepared))
    return run_pairs(
        pair_scores,
        list(prepared),
        pairs,
        client=client,
        address=address,
        n_workers=n_workers,
        retries=retries,
        progress=progress,
    )


def score_matrices(rows, n: int) -> dict:
    """Every field of the :func:`pair_scores` results as an (n, n) matrix (NaN: diagonal, failed pairs)."""
    from ..parallel import rows_to_matrix

    rows = list(rows)
    keys = next((list(r["result"]) for r in rows if "result" in r), [])
    return {k: rows_to_matrix(rows, n, key=k) for k in keys}


def verdict_matrix(
    max_nrmse,
    prepared=None,
    agreement_rms=None,
    *,
    tol: float = 0.05,
    agreement_tol: float | None = None,
    rule: str = "calibrated",
) -> np.ndarray:
    r"""The verdicts of :func:`netequiv.compare_observations` from the pair matrices.

    Parameters
    ----------
    max_nrmse : ndarray of shape (m, m)
        ``max_nrmse[i, j]``: largest held-out NRMSE of j's features predicted from i.
    prepared : list of dict, optional
        The members (:func:`prepare_member`): their self round trips and embedding
        diagnostics.  Required by the default rule.
    agreement_rms : ndarray of shape (m, m), optional
        Coordinate agreement with i as reference; used only with ``agreement_tol``.
    tol : float, default 0.05
        NRMSE threshold (that of :func:`netequiv.compare_observations`).
    agreement_tol : float, optional
        If given, "equivalent" also requires agreement RMS (i as reference, i < j) below it,
        as :func:`netequiv.compare_observations` does with the same argument.
    rule : {"calibrated", "errors"}, default "calibrated"
        The rule of :func:`netequiv.comparison.decide`; ``"errors"`` (the first version's
        rule) needs no ``prepared``.

    Returns
    -------
    ndarray of str, shape (m, m)
        Symmetric; entry (i, j) is the verdict of ``compare_observations(y_i, y_j)``:
        ``"equivalent"``, ``"not equivalent"`` or ``"inconclusive"``
        (:func:`netequiv.comparison.decide`).  A failed pair (NaN) is "inconclusive" (or "not
        equivalent" under ``rule="errors"``); the diagonal is "equivalent".

    Raises
    ------
    ValueError
        ``"max_nrmse must be a square matrix ..."``; ``"prepared must hold one member per row
        ..."``; ``"agreement_tol needs agreement_rms ..."``; ``"agreement_rms must have the
        shape ..."``; non-positive thresholds; an unknown rule.
    """
    from ..comparison import SideDiagnostics, decide

    E = np.asarray(max_nrmse, dtype=float)
    if E.ndim != 2 or E.shape[0] != E.shape[1]:
        raise ValueError(f"max_nrmse must be a square matrix, got shape {E.shape}.")
    tol = check_positive(tol, "tol")
    m = len(E)
    if prepared is None:
        if rule != "errors":
            raise ValueError(
                "prepared must hold one member per row (prepare_member) for the calibrated rule; "
                "pass rule='errors' for the error-only rule."
            )
        sides = [SideDiagnostics.unknown("", 1, 1) for _ in range(m)]
    else:
        if len(prepared) != m:
            raise ValueError(f"prepared must hold one member per row of max_nrmse ({m}), got {len(prepared)}.")
        sides = [SideDiagnostics(**p["diagnostics"]) for p in prepared]
    if agreement_tol is not None:
        if agreement_rms is None:
            raise ValueError("agreement_tol needs agreement_rms (the matrix of coordinate agreements).")
        A = np.asarray(agreement_rms, dtype=float)
        if A.shape != E.shape:
            raise ValueError(f"agreement_rms must have the shape of max_nrmse {E.shape}, got {A.shape}.")
        agreement_tol = check_positive(agreement_tol, "agreement_tol")
    V = np.full((m, m), "equivalent", dtype=object)
    for i in range(m):
        for j in range(i + 1, m):
            sa, sb = replace(sides[i], name="A"), replace(sides[j], name="B")
            v, _ = decide({"max_nrmse": E[i, j]}, {"max_nrmse": E[j, i]}, sa, sb, tol=tol, rule=rule)
            if v == "equivalent" and agreement_tol is not None and not A[i, j] < agreement_tol:
                v = "inconclusive"
            V[i, j] = V[j, i] = v
    return V.astype(str)


def pair_verdict(
    forward: dict, backward: dict, a: dict, b: dict, *, tol: float = 0.05, agreement_tol: float | None = None
) -> str:
    """The verdict of one unordered pair from its two :func:`pair_scores` results and members.

    ``forward = pair_scores(a, b)`` and ``backward = pair_scores(b, a)``; the result equals
    ``compare_observations(y_a, y_b).verdict`` (see :func:`verdict_matrix`).
    """
    E = np.array([[np.nan, forward["max_nrmse"]], [backward["max_nrmse"], np.nan]], dtype=float)
    A = np.array([[np.nan, forward["agreement_rms"]], [backward["agreement_rms"], np.nan]], dtype=float)
    return str(verdict_matrix(E, [a, b], A, tol=tol, agreement_tol=agreement_tol)[0, 1])


# --------------------------------------------------------------------------- evaluation


def recover_classes(verdicts) -> np.ndarray:
    """Equivalence classes from the verdicts: connected components of the 'equivalent' graph.

    Parameters
    ----------
    verdicts : array-like of str or bool, shape (m, m)
        Symmetric verdict matrix (:func:`verdict_matrix`; booleans: True = equivalent).

    Returns
    -------
    ndarray of int, shape (m,)
        Class labels numbered in order of first appearance.

    Raises
    ------
    ValueError
        ``"verdicts must be a square boolean matrix ..."``; ``"verdicts must be symmetric ..."``.

    Examples
    --------
    >>> V = np.array([[1, 1, 0], [1, 1, 0], [0, 0, 1]], bool)
    >>> recover_classes(V).tolist()
    [0, 0, 1]
    """
    V = np.asarray(verdicts)
    if V.dtype.kind in "US" or V.dtype == object:
        V = _verdict_masks(V)[0]
    if V.ndim != 2 or V.shape[0] != V.shape[1] or V.dtype != bool:
        raise ValueError(f"verdicts must be a square boolean matrix, got dtype {V.dtype} and shape {V.shape}.")
    if not np.array_equal(V, V.T):
        raise ValueError("verdicts must be symmetric (one verdict per unordered pair).")
    return _components(V)


def same_partition(labels_a, labels_b) -> bool:
    """Whether two labelings define the same partition (up to renaming the classes)."""
    a, b = np.asarray(labels_a), np.asarray(labels_b)
    if a.shape != b.shape:
        raise ValueError(f"labelings have different lengths: {a.shape} and {b.shape}.")
    return bool(np.array_equal(a[:, None] == a[None, :], b[:, None] == b[None, :]))


def class_confusion(true_labels, found_labels) -> np.ndarray:
    """Contingency table: ``C[t, f]`` = members of true class t placed in found class f.

    Examples
    --------
    >>> class_confusion([0, 0, 1], [0, 1, 1]).tolist()
    [[1, 1], [0, 1]]
    """
    t, f = np.asarray(true_labels, dtype=int), np.asarray(found_labels, dtype=int)
    if t.shape != f.shape or t.ndim != 1:
        raise ValueError(f"labelings must be 1-D and of equal length, got {t.shape} and {f.shape}.")
    C = np.zeros((t.max() + 1, f.max() + 1), dtype=int)
    np.add.at(C, (t, f), 1)
    return C


def pair_confusion(true_equivalent, verdicts) -> dict:
    """Confusion counts over the unordered pairs (i < j).

    Returns
    -------
    dict
        ``tp`` (equivalent, judged equivalent), ``fn`` (equivalent, judged not equivalent),
        ``fp`` (not equivalent, judged equivalent), ``tn``, ``inconclusive`` (pairs judged
        inconclusive, split by the truth into ``inconclusive_equivalent`` and
        ``inconclusive_not_equivalent``), ``n_pairs``, ``false_positive_rate`` = fp / (fp +
        tn + inconclusive_not_equivalent) and ``false_negative_rate`` = fn / (tp + fn +
        inconclusive_equivalent) (NaN when undefined).  ``verdicts`` may be the strings of
        :func:`verdict_matrix` or booleans (True = equivalent, no inconclusive).
    """
    T = np.asarray(true_equivalent, dtype=bool)
    V, U = _verdict_masks(verdicts)
    if T.shape != V.shape or T.ndim != 2 or T.shape[0] != T.shape[1]:
        raise ValueError(
            f"true_equivalent and verdicts must be square matrices of one shape, got {T.shape}, {V.shape}."
        )
    iu = np.triu_indices(len(T), 1)
    t, v, u = T[iu], V[iu], U[iu]
    tp, fn, fp, tn = (int(np.sum(t & v)), int(np.sum(t & ~v & ~u)), int(np.sum(~t & v)), int(np.sum(~t & ~v & ~u)))
    return {
        "tp": tp,
        "fn": fn,
        "fp": fp,
        "tn": tn,
        "n_pairs": len(t),
        "inconclusive": int(u.sum()),
        "inconclusive_equivalent": int(np.sum(t & u)),
        "inconclusive_not_equivalent": int(np.sum(~t & u)),
        "false_positive_rate": fp / int((~t).sum()) if (~t).any() else float("nan"),
        "false_negative_rate": fn / int(t.sum()) if t.any() else float("nan"),
    }


def _verdict_masks(verdicts):
    """(equivalent, inconclusive) boolean masks of a verdict matrix of strings or booleans."""
    V = np.asarray(verdicts)
    if V.dtype.kind in "US" or V.dtype == object:
        return V == "equivalent", V == "inconclusive"
    return V.astype(bool), np.zeros(V.shape, dtype=bool)


def symmetric_score(M, name: str | None = None) -> np.ndarray:
    r"""One similarity per unordered pair from an ordered score matrix, larger = more similar.

    Parameters
    ----------
    M : ndarray of shape (m, m)
        ``M[i, j]`` from :func:`pair_scores` (i as A, j as B).
    name : str, optional
        A key of :data:`SCORES`, or ``"max_nrmse"`` (the method's held-out error).  Distances
        (``procrustes``, ``max_nrmse``) are negated.

    Returns
    -------
    ndarray of shape (m, m)
        Symmetric: the *smaller* similarity of the two directions (for a directional score
        such as stitching this is "works both ways", the analogue of the verdict), i.e.
        :math:`\min(s_{ij}, s_{ji})`; NaN on the diagonal.
    """
    S = np.asarray(M, dtype=float).copy()
    if name == "max_nrmse" or (name in SCORES and not SCORES[name]):
        S = -S
    elif name is not None and name not in SCORES:
        raise ValueError(f"unknown score {name!r}; choose one of: max_nrmse, {', '.join(SCORES)}.")
    S = np.fmin(S, S.T)
    np.fill_diagonal(S, np.nan)
    return S


def score_separation(similarity, true_equivalent) -> dict:
    r"""How well a similarity separates equivalent from non-equivalent pairs.

    Parameters
    ----------
    similarity : ndarray of shape (m, m)
        Symmetric, larger = more similar (:func:`symmetric_score`).
    true_equivalent : ndarray of bool, shape (m, m)

    Returns
    -------
    dict
        ``auc``: probability that an equivalent pair scores above a non-equivalent one (ties
        count one half; 1 means some threshold separates them perfectly); ``best_errors``:
        the fewest misclassified pairs over all thresholds; ``best_threshold``;
        ``overlap``: non-equivalent pairs scoring at least the lowest equivalent pair.

    Raises
    ------
    ValueError
        Mismatched shapes; no equivalent or no non-equivalent pair.
    """
    S, T = np.asarray(similarity, dtype=float), np.asarray(true_equivalent, dtype=bool)
    if S.shape != T.shape or S.ndim != 2:
        raise ValueError(f"similarity and true_equivalent must have one square shape, got {S.shape}, {T.shape}.")
    iu = np.triu_indices(len(S), 1)
    s, t = S[iu], T[iu]
    ok = np.isfinite(s)
    s, t = s[ok], t[ok]
    pos, neg = s[t], s[~t]
    if not pos.size or not neg.size:
        raise ValueError("need at least one equivalent and one non-equivalent pair with a finite score.")
    auc = float(
        (np.sum(pos[:, None] > neg[None, :]) + 0.5 * np.sum(pos[:, None] == neg[None, :])) / (pos.size * neg.size)
    )
    cuts = np.unique(s)
    errors = [int(np.sum(neg >= c) + np.sum(pos < c)) for c in cuts]
    k = int(np.argmin(errors))
    return {
        "auc": auc,
        "best_errors": errors[k],
        "best_threshold": float(cuts[k]),
        "overlap": int(np.sum(neg >= pos.min())),
    }


def misleading_cases(similarities: dict, truth: GroundTruth, *, n_cases: int = 2) -> list:
    """The pairs on which each similarity score misleads most.

    Parameters
    ----------
    similarities : dict {str: ndarray (m, m)}
        Symmetric similarities (:func:`symmetric_score`), one per score.
    truth : GroundTruth
    n_cases : int, default=2
        Cases of each kind per score.

    Returns
    -------
    list of dict
        Per score: the ``n_cases`` *non-equivalent* pairs with the highest similarity
        (``kind="high, not equivalent"``) and the ``n_cases`` *equivalent* pairs with the
        lowest (``kind="low, equivalent"``).  Keys: ``score``, ``kind``, ``a``, ``b``,
        ``relation``, ``value`` (the similarity), ``raw`` (the score as the baseline reports
        it: a distance for ``procrustes``) and ``rank`` (percentile of the value among all
        pairs, 0 = least similar, 1 = most).
    """
    n_cases = _check_int(n_cases, "n_cases", 1)
    names = truth.names
    iu = np.triu_indices(len(names), 1)
    rows = []
    for score, S in similarities.items():
        s = np.asarray(S, dtype=float)[iu]
        t = truth.equivalent[iu]
        ok = np.isfinite(s)
        ranks = np.full(s.shape, np.nan)
        ranks[ok] = np.argsort(np.argsort(s[ok])) / max(1, ok.sum() - 1)
        for kind, mask, order in (("high, not equivalent", ~t & ok, -1), ("low, equivalent", t & ok, 1)):
            idx = np.flatnonzero(mask)
            idx = idx[np.argsort(order * s[idx], kind="stable")][:n_cases]
            for k in idx:
                i, j = iu[0][k], iu[1][k]
                negated = score == "max_nrmse" or (score in SCORES and not SCORES[score])
                rows.append(
                    {
                        "score": score,
                        "kind": kind,
                        "a": names[i],
                        "b": names[j],
                        "relation": str(truth.relation[i, j]),
                        "value": float(s[k]),
                        "raw": float(-s[k] if negated else s[k]),
                        "rank": float(ranks[k]),
                    }
                )
    return rows
