r"""Experiment (d): a network's input and output from a few of its intermediate neurons.

The journal version of the paper :cite:`bertalan2024transformations` observes only a few
neurons of one intermediate layer and reconstructs from them the network's input and its
output.  The reconstruction goes through the *intrinsic coordinates* of those neurons: the
:math:`k` activations :math:`h_S(x) = (h_{j_1}(x), \dots, h_{j_k}(x))` of a subset
:math:`S` get a Mahalanobis diffusion map whose metric comes from their own Jacobians
along the input manifold, and kernel interpolants map its coordinates :math:`\Phi_S` to the
input, to the output and to the features of another network.  The inputs never enter the
coordinates: they are targets of the interpolants on the training samples and the score on
held-out ones.  If :math:`h_S` is one-to-one with a smooth inverse on the input manifold
(an *embedding*), everything the network computes is a function of :math:`\Phi_S`.

Whether a subset suffices is decided by the verdict of :func:`netequiv.compare_observations`
between the neurons and the input coordinates ("equivalent", "not equivalent",
"inconclusive"), the same rule that judges two networks.  This module holds the chapter's
algorithms (chapter :doc:`/notebooks/exp_d_minimal_neurons`):

* :class:`LayerObservations`: one hidden layer observed on the input manifold, with the
  metric and comparison settings of its network; :meth:`LayerObservations.compare` (the
  verdict of a subset) and :meth:`LayerObservations.through_coordinates` (input, output and
  other network's features learned through the subset's coordinates);
* :func:`minimal_subset`: the fewest neurons the verdict accepts (a greedy search ranked on
  the training samples only), and the chapter's table of them (:func:`search_row`,
  :func:`search_table`);
* :func:`verdict_survey`: random subsets of each size :math:`k` and their verdicts, with
  the regression of the input on the activations as a labelled supervised comparison
  (:func:`reconstruct`), summarised by :func:`outcome_counts` and :func:`subset_geometry`;
* :func:`unit_activity`: dead and flat units of a layer (why units of a convolutional layer
  are not generic measurements);
* the fold diagnostics of failing subsets (:func:`closest_distant_pair`,
  :func:`separation_gap`, compared with the spacing of the samples, :func:`sampling_step`);
* :func:`view_tangents`, :func:`encoder_features`, :func:`encoder_jacobians`: the units of
  a convolutional encoder and their derivatives along the circle of views of the
  rotating horse.

Only numpy is imported at module level; torch only by the encoder helpers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validation import as_2d_float, check_random_state, check_same_samples
from .._validation import check_fraction as _check_fraction
from .._validation import check_int as _check_int

__all__ = [
    "OUTCOMES",
    "LayerObservations",
    "minimal_subset",
    "search_row",
    "search_table",
    "verdict_survey",
    "outcome_counts",
    "subset_geometry",
    "unit_activity",
    "reconstruct",
    "closest_distant_pair",
    "separation_gap",
    "sampling_step",
    "view_tangents",
    "encoder_features",
    "encoder_jacobians",
]

#: What a subset of neurons can come to: the three verdicts of :func:`netequiv.decide`, and
#: ``"no coordinates"`` when the comparison cannot even be set up for it: most samples repeat
#: another (no bandwidth exists), all Jacobians vanish, or held-out samples lie beyond the
#: kernel's reach (units flat over long stretches of the input manifold).  A diffusion map
#: whose neighbour graph falls apart is already a verdict: "inconclusive", with that reason
#: (:func:`netequiv.compare_observations`).
OUTCOMES = ("equivalent", "not equivalent", "inconclusive", "no coordinates")

_ROW_BLOCK = 256  # rows of the pair-distance matrices handled at once


def _split(n: int, test_size: float, random_state):
    """Train/test indices drawn exactly as in :func:`netequiv.embedding.embeds_manifold`."""
    rng = check_random_state(random_state)
    perm = rng.permutation(n)
    n_test = max(1, int(round(test_size * n)))
    return perm[n_test:], perm[:n_test]


# --------------------------------------------------------------- intrinsic coordinates


def _jacobians(J, n_samples: int, n_features: int, name: str) -> np.ndarray:
    arr = np.asarray(J, dtype=np.float64)
    if arr.ndim != 3 or arr.shape[:2] != (n_samples, n_features) or not np.isfinite(arr).all():
        raise ValueError(
            f"{name} must be finite Jacobians of shape ({n_samples}, {n_features}, n), got shape {arr.shape}."
        )
    return arr


@dataclass
class LayerObservations:
    r"""One hidden layer of a network, observed on samples of its input manifold.

    Parameters
    ----------
    units : array of shape (N, D)
        Activations of every unit of the layer.
    jacobians : array of shape (N, D, n)
        Their derivatives along the input manifold (:math:`\partial h_j/\partial x`, or
        :math:`J_j\,T` with tangents :math:`T` of a lower-dimensional manifold).
    inputs : array of shape (N, m)
        Coordinates of the inputs: :math:`x` itself, or :math:`(\cos\theta, \sin\theta)`
        for an angle.  Used as the target of the verdict and as a score, never to build
        coordinates.
    input_jacobians : array of shape (N, m, n)
        Derivatives of ``inputs`` along the manifold (the identity for :math:`x`,
        :math:`(-\sin\theta, \cos\theta)` for a circle).
    n_intrinsic : int
        Dimension :math:`n` of the input manifold.
    n_coordinates : int or None, default None
        Intrinsic coordinates selected from a diffusion map (``None``: :math:`n`; 2 for a
        circle).  A subset of fewer units gets at most as many coordinates as it has units.
    normal_penalty : float or None, default None
        ``None``: the Jacobians are passed to :func:`netequiv.compare_observations` as they
        are (its default metric).  A number: they are first turned into a
        :class:`netequiv.LocalMetric` with this normal penalty and singular values floored at
        1 % (the settings of the horse chapter, :func:`netequiv.chapters.exp_c_horse.latent_metric`).
    dmap_kwargs : dict or None, default None
        Passed to every diffusion map (e.g. ``{"n_neighbors_epsilon": 4}`` for the horse).
    test_size : float, default 0.2
        Held-out fraction (the split of :func:`netequiv.comparison.split_samples`).

    Raises
    ------
    ValueError
        Shapes that disagree, NaN/inf, ``n_intrinsic`` or ``n_coordinates`` not a positive
        integer, a non-positive ``normal_penalty``, ``test_size`` outside (0, 1).

    Examples
    --------
    >>> x = np.linspace(0, 1, 200)[:, None]
    >>> h = np.column_stack([np.sin(2 * np.pi * x[:, 0]), x[:, 0] ** 3 + x[:, 0]])
    >>> J = np.stack([2 * np.pi * np.cos(2 * np.pi * x), 3 * x**2 + 1], axis=1)
    >>> layer = LayerObservations(h, J, x, np.ones((200, 1, 1)), n_intrinsic=1)
    >>> layer.compare([1]).verdict, layer.compare([0]).verdict
    ('equivalent', 'not equivalent')
    """

    units: np.ndarray
    jacobians: np.ndarray
    inputs: np.ndarray
    input_jacobians: np.ndarray
    n_intrinsic: int
    n_coordinates: int | None = None
    normal_penalty: float | None = None
    dmap_kwargs: dict | None = None
    test_size: float = 0.2

    def __post_init__(self):
        from .._validation import check_positive

        self.units = as_2d_float(self.units, "units", min_samples=10)
        N, D = self.units.shape
        self.inputs = as_2d_float(self.inputs, "inputs")
        check_same_samples(self.inputs, self.units, "inputs", "units")
        self.jacobians = _jacobians(self.jacobians, N, D, "jacobians")
        self.input_jacobians = _jacobians(self.input_jacobians, N, self.inputs.shape[1], "input_jacobians")
        self.n_intrinsic = _check_int(self.n_intrinsic, "n_intrinsic", 1)
        if self.jacobians.shape[2] != self.input_jacobians.shape[2] or self.jacobians.shape[2] < self.n_intrinsic:
            raise ValueError(
                f"jacobians and input_jacobians must both have n_intrinsic={self.n_intrinsic} columns per "
                f"sample, got {self.jacobians.shape[2]} and {self.input_jacobians.shape[2]}."
            )
        if self.n_coordinates is not None:
            self.n_coordinates = _check_int(self.n_coordinates, "n_coordinates", 1)
        if self.normal_penalty is not None:
            self.normal_penalty = check_positive(self.normal_penalty, "normal_penalty")
        self.test_size = _check_fraction(self.test_size, "test_size")

    @property
    def n_samples(self) -> int:
        return len(self.units)

    @property
    def whitney(self) -> int:
        """Whitney's count :math:`2n + 1`."""
        return 2 * self.n_intrinsic + 1

    def _subset(self, subset) -> list[int]:
        S = [int(j) for j in np.atleast_1d(subset)]
        if not S or len(set(S)) != len(S) or min(S) < 0 or max(S) >= self.units.shape[1]:
            raise ValueError(f"subset must hold distinct unit indices 0 <= j < {self.units.shape[1]}, got {subset!r}.")
        return S

    def metric(self, jacobians):
        """The metric passed to the comparison for observations with these Jacobians (N, d, n)."""
        if self.normal_penalty is None:
            return jacobians
        from ..metric import metric_from_jacobians

        rank = min(self.n_intrinsic, jacobians.shape[1])
        return metric_from_jacobians(
            jacobians, n_intrinsic=rank, rcond=1e-2, normal_penalty=self.normal_penalty, degenerate="clip"
        )

    def _n_coordinates(self, k: int) -> int | None:
        return None if self.n_coordinates is None else min(self.n_coordinates, k)

    def compare(self, subset, other=None, other_jacobians=None, *, random_state=0):
        r"""The verdict on the units ``subset`` against the inputs (or another network).

        :func:`netequiv.compare_observations` of :math:`h_S` (side A, metric from the units'
        Jacobians) and the input coordinates (side B): "equivalent" when each is reproduced
        from the other's intrinsic coordinates on held-out samples, i.e. when the units
        determine the input; "not equivalent" when the input clearly cannot be recovered
        although the units reproduce themselves; "inconclusive" when the method cannot tell.

        Parameters
        ----------
        subset : sequence of int
            Units of the layer.
        other, other_jacobians : arrays of shape (N, p), (N, p, n), optional
            Compare with these observations instead of the inputs (all features of another
            network observed on the same inputs, with their Jacobians).
        random_state : int, default 0
            Seed of the split and of every randomised step.

        Returns
        -------
        netequiv.Comparison
            ``forward_error`` is the error of the target (the input) predicted from the
            units' coordinates.

        Raises
        ------
        ValueError
            A bad subset or ``other``, and those of :func:`netequiv.compare_observations`
            (e.g. all Jacobians vanish, or most samples repeat another; a neighbour graph that
            falls apart gives an "inconclusive" comparison instead).
        """
        from ..comparison import compare_observations

        S = self._subset(subset)
        if other is None:
            y_b, J_b = self.inputs, self.input_jacobians
        else:
            y_b = as_2d_float(other, "other")
            check_same_samples(y_b, self.units, "other", "units")
            J_b = _jacobians(other_jacobians, self.n_samples, y_b.shape[1], "other_jacobians")
        nc = None if self.n_coordinates is None else (self._n_coordinates(len(S)), self.n_coordinates)
        return compare_observations(
            self.units[:, S],
            y_b,
            metric_a=self.metric(self.jacobians[:, S]),
            metric_b=self.metric(J_b),
            x=self.inputs,
            n_intrinsic=self.n_intrinsic,
            n_coordinates=nc,
            test_size=self.test_size,
            random_state=random_state,
            dmap_kwargs=self.dmap_kwargs,
        )

    def _side(self, S, train, test, seed, *, cross=None, x="inputs"):
        from ..comparison import prepare_side

        return prepare_side(
            self.units[:, S],
            self.metric(self.jacobians[:, S]),
            name="A",
            n_intrinsic=self.n_intrinsic,
            n_coordinates=self._n_coordinates(len(S)),
            train=train,
            test=test,
            seed=seed,
            x=self.inputs if isinstance(x, str) else x,
            cross=cross,
            dmap_kwargs=self.dmap_kwargs,
        )

    def through_coordinates(self, subset, targets: dict, *, random_state=0) -> dict:
        r"""Targets learned through the intrinsic coordinates of the units ``subset``.

        The diffusion map of :math:`h_S` (training samples, metric from the units' Jacobians)
        gives coordinates :math:`\Phi_S`; for every target :math:`t` a kernel interpolant
        :math:`G_t` is fitted on the training pairs :math:`(\Phi_S(x_i), t_i)`
        (:func:`netequiv.comparison.fit_direction`) and judged on the held-out samples,
        whose coordinates are the Nyström extension of their observations.  The split and
        the coordinates are those of :meth:`compare` with the same seed, so the error of the
        target ``inputs`` equals the comparison's forward error.

        Parameters
        ----------
        subset : sequence of int
        targets : dict {str: array of shape (N, p)}
            What to learn, e.g. ``{"input": layer.inputs, "output": f, "network B": y_b}``.
        random_state : int, default 0

        Returns
        -------
        dict
            ``errors`` ({name: largest held-out NRMSE over the varying features}),
            ``predictions`` ({name: (n_test, p)}), ``coords`` and ``coords_test`` (the
            training and held-out coordinates), ``self_error`` (the units' own round trip),
            ``train_index``, ``test_index``.

        Raises
        ------
        ValueError
            An empty ``targets``, targets with another number of samples, and the errors of
            the diffusion map.
        """
        from ..comparison import fit_direction, split_samples

        S = self._subset(subset)
        if not isinstance(targets, dict) or not targets:
            raise ValueError("targets must be a non-empty dict {name: array}.")
        T = {}
        for name, value in targets.items():
            T[name] = as_2d_float(value, f"targets[{name!r}]")
            check_same_samples(T[name], self.units, f"targets[{name!r}]", "units")
        train, test, seed = split_samples(self.n_samples, test_size=self.test_size, random_state=random_state)
        side = self._side(S, train, test, seed)
        out = {"errors": {}, "predictions": {}}
        for name, t in T.items():
            _, pred, err = fit_direction(side.coords.coords, side.coords_test, t[train], t[test], seed=seed)
            out["errors"][name] = float(err["max_nrmse"])
            out["predictions"][name] = pred
        out.update(
            coords=side.coords.coords,
            coords_test=side.coords_test,
            self_error=float(side.diagnostics.self_error["max_nrmse"]),
            train_index=train,
            test_index=test,
        )
        return out


def minimal_subset(layer: LayerObservations, *, candidates=None, max_k=None, random_state=0) -> dict:
    r"""The fewest units of a layer that the verdict accepts as determining the input.

    A greedy search: at step :math:`k` every remaining candidate is added in turn to the
    units chosen so far, the subset's coordinates are built on the training samples, and the
    input and the units themselves are fitted from them; the candidate whose worse
    *validation* error of the two fits (:attr:`netequiv.KernelInterpolator.validation_nrmse_`,
    an internal split of the training samples) is smallest is kept: the verdict needs both.
    When no candidate gives coordinates at all (every such subset's diffusion map fails), the
    next unit of the pool is added, so that larger subsets are still tried.  Then :meth:`LayerObservations.compare` judges the subset on
    the held-out samples, and the search stops at the first "equivalent".  The held-out
    samples rank nothing.

    Parameters
    ----------
    layer : LayerObservations
    candidates : array-like of int, optional
        Units the search may choose from (e.g. a random pool of a wide layer); default all.
    max_k : int, optional
        Largest subset tried; default :math:`\min(2(2n+1), \text{pool size})`.
    random_state : int, default 0

    Returns
    -------
    dict
        ``subset`` (the units chosen, in order), ``k`` (its size when the last verdict is
        "equivalent", else ``None``), ``whitney`` (:math:`2n+1`), ``steps`` (one dict per
        size: ``k``, ``units``, ``outcome`` (:data:`OUTCOMES`), ``reason``, ``input_error``,
        ``self_error``), ``comparison`` (the last :class:`netequiv.Comparison`, or ``None``
        when its coordinates could not be built), ``n_evaluated`` (subsets ranked),
        ``n_candidates`` (the pool size), ``max_k``.

    Raises
    ------
    ValueError
        "candidates must be distinct unit indices ...", a bad ``max_k``.
    """
    from ..comparison import split_samples

    D = layer.units.shape[1]
    pool = np.arange(D) if candidates is None else np.asarray(candidates)
    if (
        pool.ndim != 1
        or pool.size == 0
        or not np.issubdtype(pool.dtype, np.integer)
        or pool.min() < 0
        or pool.max() >= D
        or len(np.unique(pool)) != pool.size
    ):
        raise ValueError(f"candidates must be distinct unit indices 0 <= j < {D}, got {candidates!r}.")
    max_k = min(2 * layer.whitney, pool.size) if max_k is None else _check_int(max_k, "max_k", 1)
    train, test, seed = split_samples(layer.n_samples, test_size=layer.test_size, random_state=random_state)
    chosen: list[int] = []
    steps, comparison, n_evaluated = [], None, 0
    for k in range(1, min(max_k, pool.size) + 1):
        best, best_unit = np.inf, None
        for c in pool:
            if int(c) in chosen:
                continue
            n_evaluated += 1
            try:
                side = layer._side(chosen + [int(c)], train, test, seed, cross=layer.inputs, x=None)
            except ValueError:  # no coordinates for this subset
                continue
            vals = (side.g_cross.validation_nrmse_, side.g_self.validation_nrmse_)
            score = max(v if np.isfinite(v) else np.inf for v in vals)
            if score < best:
                best, best_unit = score, int(c)
        if best_unit is None:  # no candidate has coordinates: take the next one of the pool
            remaining = [int(c) for c in pool if int(c) not in chosen]
            if not remaining:
                break
            best_unit = remaining[0]
        chosen.append(best_unit)
        comparison, step = _judge(layer, chosen, random_state)
        steps.append(step)
        if step["outcome"] == "equivalent":
            break
    done = bool(steps) and steps[-1]["outcome"] == "equivalent"
    return {
        "subset": chosen,
        "k": len(chosen) if done else None,
        "whitney": layer.whitney,
        "steps": steps,
        "comparison": comparison,
        "n_evaluated": n_evaluated,
        "n_candidates": int(pool.size),
        "max_k": int(max_k),
    }


def _judge(layer: LayerObservations, subset, random_state):
    """The comparison of one subset and a flat record of it (``no coordinates`` on failure)."""
    subset = [int(j) for j in subset]
    try:
        res = layer.compare(subset, random_state=random_state)
    except ValueError as exc:
        return None, {
            "k": len(subset),
            "units": subset,
            "outcome": "no coordinates",
            "reason": str(exc),
            "input_error": float("nan"),
            "self_error": float("nan"),
            "near_singular": float("nan"),
            "false_neighbors": float("nan"),
            "coordinates": False,
        }
    d = res.diagnostics_a
    return res, {
        "k": len(subset),
        "units": subset,
        "outcome": res.verdict,
        "reason": res.reason,
        "input_error": float(res.forward_error["max_nrmse"]),
        "self_error": float(res.self_error_a["max_nrmse"]),
        "near_singular": float(d.near_singular),
        "false_neighbors": float(d.false_neighbors),
        "coordinates": res.coords_a is not None,
    }


def search_row(network: str, layer_name: str, search: dict, *, through=None, versus=None) -> dict:
    """One row of the chapter's table of minimal subsets (JSON-able; ``None`` where not measured).

    Parameters
    ----------
    network, layer_name : str
    search : dict
        A :func:`minimal_subset` result.
    through : dict, optional
        :meth:`LayerObservations.through_coordinates` of the accepted subset with the targets
        ``"input"``, ``"output"`` and ``"partner"``.
    versus : netequiv.Comparison, optional
        :meth:`LayerObservations.compare` of the accepted subset with the partner network.

    Returns
    -------
    dict
        ``network``, ``layer``, ``candidates``, ``k`` (None when no subset was accepted),
        ``k_tried``, ``whitney``, ``units``, ``last_outcome`` (of the largest subset tried),
        ``input_error``, ``output_error``, ``partner_error``, ``partner_verdict``, ``steps``
        (per size tried: ``k``, ``outcome``, ``input_error``, ``self_error``).
    """
    steps = search["steps"]
    errors = through["errors"] if through is not None else {}
    return {
        "network": network,
        "layer": layer_name,
        "candidates": search["n_candidates"],
        "k": search["k"],
        "k_tried": len(search["subset"]),
        "whitney": search["whitney"],
        "units": list(search["subset"]),
        "last_outcome": steps[-1]["outcome"] if steps else "no coordinates",
        "input_error": errors.get("input"),
        "output_error": errors.get("output"),
        "partner_error": errors.get("partner"),
        "partner_verdict": None if versus is None else versus.verdict,
        "steps": [{key: st[key] for key in ("k", "outcome", "input_error", "self_error")} for st in steps],
    }


def search_table(rows) -> str:
    """The rows of :func:`search_row` as a Markdown table (no ``None`` or ``nan`` printed).

    A layer without an accepted subset reads "none up to K" (K the largest size tried)
    with the outcome of that last subset; quantities not measured read "n/a".

    Examples
    --------
    >>> row = {"network": "toy", "layer": "h", "candidates": 4, "k": None, "k_tried": 2,
    ...        "whitney": 3, "last_outcome": "inconclusive", "input_error": None,
    ...        "output_error": None, "partner_error": None, "partner_verdict": None}
    >>> print(search_table([row]).splitlines()[2])
    | toy | h | 4 | none up to 2 (last: inconclusive) | 3 | n/a | n/a | n/a | n/a |
    """
    head = (
        "| network | layer | units searched | fewest units accepted | $2n+1$ | input NRMSE "
        "| output NRMSE | network B NRMSE | verdict against B |"
    )
    lines = [head, "|" + "---|" * 9]

    def num(v):
        return "n/a" if v is None or not np.isfinite(v) else f"{v:.1e}"

    for r in rows:
        k = str(r["k"]) if r["k"] is not None else f"none up to {r['k_tried']} (last: {r['last_outcome']})"
        cells = [r["network"], r["layer"], str(r["candidates"]), k, str(r["whitney"])]
        cells += [num(r["input_error"]), num(r["output_error"]), num(r["partner_error"])]
        cells.append(r["partner_verdict"] or "n/a")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _near_singular(J: np.ndarray, n: int, rcond: float = 1e-2) -> float:
    """Fraction of samples whose n-th Jacobian singular value is at most rcond times the median leading one.

    The rule of :class:`netequiv.comparison.SideDiagnostics` (``near_singular``), 1.0 when
    fewer than n units are observed.
    """
    if J.shape[1] < n:
        return 1.0
    sv = np.linalg.svd(J, compute_uv=False)
    top = float(np.median(sv[:, 0]))
    return float(np.mean(sv[:, n - 1] <= rcond * top)) if top > 0 else 1.0


def verdict_survey(layer: LayerObservations, ks=(1, 2, 3), *, n_trials=8, random_state=0, regression=True) -> dict:
    r"""Verdicts on random subsets of each size :math:`k`, with the reason each fails.

    Parameters
    ----------
    layer : LayerObservations
    ks : sequence of int, default (1, 2, 3)
        Subset sizes.
    n_trials : int, default 8
        Random subsets per size, drawn by :func:`netequiv.embedding.choose_neurons` (never a
        constant unit) with seeds ``random_state + trial``.
    random_state : int, default 0
        Also the seed of every comparison.
    regression : bool, default True
        Also regress the input directly on the activations (:func:`reconstruct`, which sees
        the inputs of the training samples: a supervised comparison, not the method).

    Returns
    -------
    dict
        Per subset, equally long lists: ``k``, ``units``, ``outcome`` (:data:`OUTCOMES`),
        ``reason``, ``input_error`` (held-out, through the coordinates; NaN without
        coordinates), ``coordinates`` (whether the units' diffusion map could be built),
        ``self_error`` and ``false_neighbors`` (of the units,
        :class:`netequiv.comparison.SideDiagnostics`), ``near_singular`` (fraction of the
        samples where the units' Jacobian is near-singular, by the rule of the
        comparison, measured even where no coordinates could be built), ``regression_error`` (NaN when
        ``regression`` is False), ``gap`` (:func:`separation_gap`: closest approach of the
        observations of two distant inputs) and ``step`` (:func:`sampling_step`: the spacing
        of neighbouring samples, in the same units).  Per size: ``ks`` and ``fractions`` ({outcome: list of
        fractions}), ``regression_fraction`` (share whose regression error is below 0.05).
        And ``whitney`` (:math:`2n+1`), ``n_trials``.

    Raises
    ------
    ValueError
        "ks must be a non-empty sequence of integers >= 1, ...", "n_trials must be an
        integer >= 1, ...", and those of :func:`netequiv.embedding.choose_neurons` (e.g.
        :math:`k` above the number of units that vary).
    """
    from ..embedding import choose_neurons

    ks_arr = np.asarray(list(ks))
    if ks_arr.ndim != 1 or ks_arr.size == 0 or not np.issubdtype(ks_arr.dtype, np.integer) or (ks_arr < 1).any():
        raise ValueError(f"ks must be a non-empty sequence of integers >= 1, got {ks!r}.")
    n_trials = _check_int(n_trials, "n_trials", 1)
    offset = _check_int(random_state, "random_state", 0)
    keys = (
        "k",
        "units",
        "outcome",
        "reason",
        "input_error",
        "self_error",
        "near_singular",
        "false_neighbors",
        "coordinates",
    )
    rows = {key: [] for key in (*keys, "regression_error", "gap", "step")}
    D = layer.units.shape[1]
    for k in ks_arr:
        for t in range(n_trials):
            S = choose_neurons(D, int(k), layer.n_intrinsic, offset + t, activations=layer.units)
            _, step = _judge(layer, S, offset)
            step["near_singular"] = _near_singular(layer.jacobians[:, S], layer.n_intrinsic)
            for key in keys:
                rows[key].append(step[key])
            reg = np.nan
            if regression:
                reg = reconstruct(layer.units[:, S], {"input": layer.inputs}, random_state=offset)["errors"]["input"]
            rows["regression_error"].append(float(reg))
            rows["gap"].append(separation_gap(layer.inputs, layer.units[:, S]))
            rows["step"].append(sampling_step(layer.units[:, S]))
    k_col, out = np.asarray(rows["k"]), np.asarray(rows["outcome"])
    reg = np.asarray(rows["regression_error"])
    rows["ks"] = [int(k) for k in ks_arr]
    rows["fractions"] = {o: [float(np.mean(out[k_col == k] == o)) for k in ks_arr] for o in OUTCOMES}
    rows["regression_fraction"] = [float(np.mean(reg[k_col == k] < 0.05)) for k in ks_arr]
    rows.update(whitney=layer.whitney, n_trials=n_trials)
    return rows


def subset_geometry(survey: dict, k: int) -> dict:
    """How the random subsets of one size of a :func:`verdict_survey` sit on the manifold.

    Parameters
    ----------
    survey : dict
        A :func:`verdict_survey` result.
    k : int
        A size in ``survey["ks"]``.

    Returns
    -------
    dict
        ``near_singular`` (median over the subsets of the share of samples where their
        Jacobian is near-singular), ``ratio`` (median of ``gap / step``: below one, two distant
        stretches of the observed manifold come closer than neighbouring samples are apart;
        0 where the samples repeat one another), ``n_subsets``, ``no_diffusion_map`` (subsets
        whose diffusion map could not be built: outcome "no coordinates", or an
        "inconclusive" verdict for that reason) and the count of every outcome of
        :data:`OUTCOMES`.

    Raises
    ------
    ValueError
        "k=... is not a size of the survey ...".

    Examples
    --------
    >>> sv = {"ks": [2], "k": [2, 2], "near_singular": [0.0, 0.5], "gap": [0.02, 0.0],
    ...       "step": [0.01, 0.0], "outcome": ["equivalent", "no coordinates"],
    ...       "coordinates": [True, False]}
    >>> g = subset_geometry(sv, 2)
    >>> g["ratio"], g["near_singular"], g["equivalent"], g["no coordinates"]
    (1.0, 0.25, 1, 1)
    """
    if k not in list(survey["ks"]):
        raise ValueError(f"k={k!r} is not a size of the survey (ks={list(survey['ks'])}).")
    m = np.asarray(survey["k"]) == k
    gap, step = np.asarray(survey["gap"], dtype=float)[m], np.asarray(survey["step"], dtype=float)[m]
    ratio = np.divide(gap, step, out=np.zeros_like(gap), where=step > 0)
    outs = np.asarray(survey["outcome"])[m]
    return {
        "near_singular": float(np.median(np.asarray(survey["near_singular"], dtype=float)[m])),
        "ratio": float(np.median(ratio)),
        "n_subsets": int(m.sum()),
        "no_diffusion_map": int((~np.asarray(survey["coordinates"], dtype=bool)[m]).sum()),
        **{o: int((outs == o).sum()) for o in OUTCOMES},
    }


def outcome_counts(survey: dict) -> dict:
    """How many subsets of each size came to each outcome.

    Parameters
    ----------
    survey : dict
        A :func:`verdict_survey` result (keys ``k`` and ``outcome``).

    Returns
    -------
    dict {int: dict {str: int}}
        Per size, the count of every outcome of :data:`OUTCOMES` (zeros included, in that
        order).

    Raises
    ------
    ValueError
        "survey must hold equally long lists 'k' and 'outcome' ..."; "unknown outcome ...".

    Examples
    --------
    >>> outcome_counts({"k": [1, 1, 2], "outcome": ["inconclusive", "equivalent", "equivalent"]})[1]["equivalent"]
    1
    """
    try:
        ks, outs = list(survey["k"]), list(survey["outcome"])
    except (KeyError, TypeError):
        ks, outs = None, None
    if ks is None or len(ks) != len(outs):
        raise ValueError("survey must hold equally long lists 'k' and 'outcome' (see verdict_survey).")
    bad = set(outs) - set(OUTCOMES)
    if bad:
        raise ValueError(f"unknown outcome(s) {sorted(bad)}; expected some of {list(OUTCOMES)}.")
    return {
        k: {o: sum(1 for kk, oo in zip(ks, outs) if int(kk) == k and oo == o) for o in OUTCOMES}
        for k in sorted({int(v) for v in ks})
    }


def unit_activity(units, jacobians, *, rcond=1e-2, constant_tol=1e-6) -> dict:
    r"""Dead and flat units of a layer: how far its units are from generic measurements.

    Parameters
    ----------
    units : array of shape (N, D)
    jacobians : array of shape (N, D, n)
        Derivatives of the units along the input manifold.
    rcond : float, default 1e-2
        A unit is *flat* at a sample where the norm of its derivative is at most ``rcond``
        times the median, over the units that vary, of their largest derivative norm (the
        threshold below which :func:`netequiv.compare_observations` counts a Jacobian as
        near-singular).
    constant_tol : float, default 1e-6
        A unit is *constant* (dead) when its standard deviation is at most ``constant_tol``
        times the largest in the layer (as in :func:`netequiv.embedding.choose_neurons`).

    Returns
    -------
    dict
        ``width``, ``constant`` (fraction of constant units), ``flat_median`` (median over
        the varying units of the fraction of samples where the unit is flat),
        ``flat_per_unit`` (ndarray over the varying units).

    Raises
    ------
    ValueError
        Shapes that disagree or NaN/inf; "every unit is constant ...".

    Examples
    --------
    >>> x = np.linspace(-1, 1, 101)
    >>> h = np.column_stack([np.maximum(x, 0), x, np.zeros_like(x)])   # a ReLU, a line, a dead unit
    >>> J = np.column_stack([(x > 0).astype(float), np.ones_like(x), np.zeros_like(x)])[:, :, None]
    >>> act = unit_activity(h, J)
    >>> round(act["constant"], 3), act["flat_per_unit"].round(2).tolist()
    (0.333, [0.5, 0.0])
    """
    from .._validation import check_positive

    H = as_2d_float(units, "units")
    J = _jacobians(jacobians, *H.shape, "jacobians")
    rcond = check_positive(rcond, "rcond")
    std = H.std(axis=0)
    varying = std > check_positive(constant_tol, "constant_tol") * std.max()
    if not varying.any():
        raise ValueError("every unit is constant on these samples; observe another layer.")
    speed = np.linalg.norm(J[:, varying, :], axis=2)
    scale = float(np.median(speed.max(axis=0)))
    flat = (speed <= rcond * scale).mean(axis=0)
    return {
        "width": int(H.shape[1]),
        "constant": float(1.0 - varying.mean()),
        "flat_median": float(np.median(flat)),
        "flat_per_unit": flat,
    }


# ---------------------------------------------------- supervised regression (comparison)


def reconstruct(features, targets: dict, *, test_size=0.25, random_state=0, interpolator_kwargs=None) -> dict:
    r"""Regress targets (e.g. the known input) directly on observed features: a supervised comparison.

    Not the paper's method: the interpolant sees the targets of the training samples as a
    function of the raw activations, with no intrinsic coordinates in between.  The
    chapter uses it to show what a regression on the known inputs says about the same
    subsets as :meth:`LayerObservations.compare`.

    Parameters
    ----------
    features : array-like of shape (N, k) or (N,)
        The observed activations (e.g. ``k`` units of one hidden layer).
    targets : dict {str: array-like of shape (N, d) or (N,)}
        What to reconstruct, e.g. ``{"input": x}``; one interpolant per entry.
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
        "test_size must lie strictly between 0 and 1, ..."; the shared input checks (NaN/inf,
        shape).

    Notes
    -----
    The features are standardised with the training statistics (constant columns dropped)
    and a Gaussian kernel ridge interpolant :math:`\hat t = g(y)` is fitted on the training
    samples for every target :math:`t`.  The error of column :math:`j` is

    .. math::

        \mathrm{NRMSE}_j = \frac{\bigl(\tfrac1{N_\mathrm{test}}\sum_i (\hat t_{ij} - t_{ij})^2\bigr)^{1/2}}
                                {\operatorname{std}_i t_{ij}}

    over the held-out samples (:func:`netequiv.nrmse`).

    Examples
    --------
    >>> x = np.linspace(0, 1, 300)
    >>> res = reconstruct(np.column_stack([x**3 + x, np.cos(3 * x)]), {"input": x, "output": np.sin(6 * x)})
    >>> bool(res["errors"]["input"] < 1e-3 and res["errors"]["output"] < 1e-3)
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
    test_size = _check_fraction(test_size, "test_size")
    train, test = _split(len(F), test_size, random_state)
    kwargs = {"random_state": 0, **(interpolator_kwargs or {})}
    Z_train, Z_test = standardize_columns(F[train], F[test])
    out = {"errors": {}, "nrmse": {}, "predictions": {}, "test_index": test, "train_index": train}
    for name, t in T.items():
        if Z_train.shape[1] == 0:  # nothing varies: the best prediction is the mean
            pred = np.repeat(t[train].mean(axis=0, keepdims=True), len(Z_test), axis=0)
        else:
            pred = KernelInterpolator(**kwargs).fit(Z_train, t[train]).predict(Z_test)
        err = nrmse(t[test], pred)
        out["nrmse"][name] = err
        out["errors"][name] = float(np.nanmax(err)) if np.isfinite(err).any() else 0.0
        out["predictions"][name] = pred
    return out


# ----------------------------------------------------------------------- why subsets fail


def _normalised(F: np.ndarray):
    """Standardised features (constant columns dropped) scaled to a bounding-box diagonal of 1; None if all constant."""
    std = F.std(axis=0)
    keep = std > 1e-12 * np.maximum(1.0, np.abs(F.mean(axis=0)))
    if not keep.any():
        return None
    Z = (F[:, keep] - F[:, keep].mean(axis=0)) / std[keep]
    return Z / float(np.linalg.norm(np.ptp(Z, axis=0)))


def sampling_step(features) -> float:
    r"""The typical distance between neighbouring samples of the observations.

    The median, over the samples, of the distance to the nearest other sample, in the
    normalisation of :func:`closest_distant_pair` (standardised features, bounding-box
    diagonal 1).  A :func:`separation_gap` below it means that two distant inputs come closer
    in observation space than neighbouring samples are apart: no kernel built from these
    samples can tell the two stretches apart.

    Parameters
    ----------
    features : array-like of shape (N, k) or (N,)

    Returns
    -------
    float
        0.0 when every feature is constant or most samples repeat another one.

    Raises
    ------
    ValueError
        Fewer than 4 samples, NaN/inf.

    Examples
    --------
    >>> round(sampling_step(np.linspace(0, 1, 101)), 6)
    0.01
    """
    F = as_2d_float(features, "features", min_samples=4)
    Z = _normalised(F)
    if Z is None:
        return 0.0
    nearest = np.full(len(Z), np.inf)
    for r0 in range(0, len(Z), _ROW_BLOCK):
        rows = slice(r0, r0 + _ROW_BLOCK)
        d2 = ((Z[rows, None, :] - Z[None, :, :]) ** 2).sum(axis=2)
        d2[np.arange(d2.shape[0]), np.arange(r0, r0 + d2.shape[0])] = np.inf
        nearest[rows] = d2.min(axis=1)
    return float(np.sqrt(np.median(nearest)))


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
    Z = _normalised(F)
    if Z is None:
        return 0, 0, 0.0
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
    view, is not the image space; :func:`encoder_jacobians` gives the derivatives along the
    turn, :math:`\partial h / \partial\theta`).  A channel mean :math:`\bar h_c = \frac1{hw}\sum_{r,s} h_{c,r,s}` is a
    global-average-pooled unit.

    Examples
    --------
    >>> from netequiv.chapters.autoencoder import ConvAutoencoder             # doctest: +SKIP
    >>> model = ConvAutoencoder(widths=(4, 8), size=16)              # doctest: +SKIP
    >>> F, z, names = encoder_features(model, np.zeros((5, 16, 16)), 3, reduce="channel_mean")  # doctest: +SKIP
    >>> F.shape, z.shape                                             # doctest: +SKIP
    ((5, 8), (5, 3))
    """
    from ..observation import observe

    wrapper, flat, shape = _encoder_wrapper(model, images, layer, reduce)
    n = len(flat)
    obs = observe(wrapper, flat, layers=[f"encoder.{layer}"], output=True, batch_size=batch_size)
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


def _encoder_wrapper(model, images, layer, reduce="units"):
    """The encoder taking flattened images, the flattened images and the layer's output shape."""
    import torch
    from torch import nn

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
    return wrapper, arr.reshape(n, -1), shape


def view_tangents(images) -> np.ndarray:
    r"""Derivatives of equally spaced views over a full turn along the angle.

    Central differences of the closed sequence of views :math:`x_k` at
    :math:`\theta_k = 2\pi k / N`: :math:`dx/d\theta \approx (x_{k+1} - x_{k-1}) / 2\delta`,
    :math:`\delta = 2\pi/N` (the last view is followed by the first), as in
    :func:`netequiv.chapters.exp_c_horse.latent_tangents`.

    Parameters
    ----------
    images : array of shape (N, H, H)
        Views in the order of their angles, N >= 8.

    Returns
    -------
    ndarray of shape (N, H, H, 1)
        One tangent per view (the last axis: the one direction of the circle), ready for
        :func:`encoder_jacobians`.

    Raises
    ------
    ValueError
        Fewer than 8 views, not (N, H, H), or NaN/inf.

    Examples
    --------
    >>> t = 2 * np.pi * np.arange(64) / 64
    >>> imgs = np.sin(t)[:, None, None] * np.ones((64, 2, 2))
    >>> d = view_tangents(imgs)
    >>> d.shape, bool(np.allclose(d[:, 0, 0, 0], np.cos(t), atol=2e-3))
    ((64, 2, 2, 1), True)
    """
    x = np.asarray(images, dtype=np.float64)
    if x.ndim != 3 or len(x) < 8 or not np.isfinite(x).all():
        raise ValueError(f"images must be finite views of shape (N, H, H) with N >= 8, got shape {x.shape}.")
    delta = 2 * np.pi / len(x)
    return ((np.roll(x, -1, axis=0) - np.roll(x, 1, axis=0)) / (2 * delta))[..., None]


def encoder_jacobians(model, images, layer, tangents, *, batch_size=256):
    r"""Derivatives of one encoder layer's units and of the code along given image tangents.

    Parameters
    ----------
    model, images, layer, batch_size
        As in :func:`encoder_features` (``reduce="units"``).
    tangents : array of shape (N, H, H, k)
        Directions in image space at every image (e.g. :func:`view_tangents`).

    Returns
    -------
    units_jac : ndarray of shape (N, C*h*w, k)
        :math:`J_h(x_i)\,t_i`, the derivatives of every unit (in the order of
        :func:`encoder_features`), by forward-mode products (:func:`netequiv.observe` with
        ``tangents``).
    code_jac : ndarray of shape (N, latent_dim, k)
        The same for the latent code.

    Raises
    ------
    ValueError
        Those of :func:`encoder_features`; tangents of the wrong shape.
    """
    from ..observation import observe

    wrapper, flat, shape = _encoder_wrapper(model, images, layer)
    t = np.asarray(tangents, dtype=np.float64)
    if t.ndim != 4 or t.shape[:3] != (len(flat), *np.shape(images)[-2:]):
        raise ValueError(
            f"tangents must have shape (N, H, H, k) = ({len(flat)}, {np.shape(images)[-2]}, "
            f"{np.shape(images)[-1]}, k), got {t.shape}."
        )
    obs = observe(
        wrapper,
        flat,
        layers=[f"encoder.{layer}"],
        output=True,
        jacobian=True,
        tangents=t.reshape(len(flat), -1, t.shape[3]),
        batch_size=batch_size,
    )
    width = int(np.prod(shape))
    return obs.jac[:, :width], obs.jac[:, width:]
