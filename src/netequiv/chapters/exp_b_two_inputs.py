r"""Tasks with two inputs: vector fields and a scalar function on a square.

The chapter *Experiments (b): two inputs* of the book studies networks whose input
manifold is a square :math:`Q = [0, s]^2` (``s = SIDE``):

* two *injective* vector fields :math:`F: \mathbb R^2 \to \mathbb R^2` learned by two
  networks of different architectures: the "mushroom" map
  (:func:`mushroom_field`) and a rotated, sheared ``tanh`` field
  (:func:`tanh_field`).  Their outputs are two different smooth, invertible observations
  of the same square, so the networks are equivalent on :math:`Q`;
* a *scalar* function of the two inputs (:func:`scalar_function`), which folds the
  square onto an interval: its output alone cannot resolve the input, but a few neurons
  of a hidden layer can (Whitney's count :math:`2n + 1 = 5`).

Besides the tasks, the module holds the chapter's measurements: the trained network pairs
(:func:`fit_field_pair`, :func:`fit_scalar_pair`, cached through
:func:`netequiv.chapters.nets.fit_mlp`), the agreement of diffusion-map coordinates with those of
the input itself (:func:`embedding_agreement`), the error of a one-way transformation
:math:`T = G_B\circ\Phi_A` (:func:`one_way_error`) and its dependence on the number of
observed neurons (:func:`neuron_sweep`).  Torch is imported only by the functions that
train or observe networks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validation import as_2d_float, check_positive, check_random_state
from .._validation import check_int as _check_int
from ..comparison import IntrinsicCoordinates, intrinsic_coordinates
from ..metric import metric_from_jacobians
from ..selection import align_embeddings

__all__ = [
    "CLOSING_COLUMNS",
    "CLOSING_TABLE",
    "closing_table",
    "SIDE",
    "FIELD_ARCHITECTURES",
    "SCALAR_ARCHITECTURES",
    "NetworkPair",
    "sample_square",
    "grid_square",
    "shear_rotation",
    "mushroom_field",
    "tanh_field",
    "scalar_function",
    "fit_field_pair",
    "fit_scalar_pair",
    "embedding_agreement",
    "one_way_error",
    "neuron_sweep",
]

#: side length ``s`` of the input square :math:`[0, s]^2`
SIDE = 1.4

#: architectures of the two networks that learn the vector fields (network A: mushroom map)
FIELD_ARCHITECTURES = {
    "A": {"hidden": (32, 32, 32), "activation": "tanh"},
    "B": {"hidden": (48, 48), "activation": "silu"},
}

#: architectures of the two networks that learn the scalar function
SCALAR_ARCHITECTURES = {
    "A": {"hidden": (32, 32, 32), "activation": "tanh"},
    "B": {"hidden": (40, 40), "activation": "silu"},
}

# centres, widths and heights of the two Gaussians of the scalar function
_BUMPS = (((0.45, 0.85), 0.15, 1.0), ((1.0, 0.45), 0.15, -0.6))


def _as_points(u, name: str = "u") -> np.ndarray:
    u = as_2d_float(u, name)
    if u.shape[1] != 2:
        raise ValueError(f"{name} must have shape (N, 2) (points of the plane), got {u.shape}.")
    return u


# --------------------------------------------------------------------------- the square


def sample_square(n_samples: int, *, side: float = SIDE, random_state=0) -> np.ndarray:
    r"""Points drawn uniformly from the square :math:`[0, s]^2`.

    Parameters
    ----------
    n_samples : int
        Number of points ``N`` (at least 1).
    side : float, default=SIDE (1.4)
        Side length :math:`s`.
    random_state : None, int or numpy Generator, default=0
        Seed (``None`` means 0: reruns are identical).

    Returns
    -------
    u : ndarray of shape (N, 2)

    Raises
    ------
    ValueError
        "n_samples must be an integer >= 1, ..."; "side must be a finite number > 0, ...";
        "random_state must be None, an int or a numpy Generator, ...".

    Examples
    --------
    >>> u = sample_square(100, side=2.0)
    >>> u.shape, bool(u.min() >= 0 and u.max() <= 2)
    ((100, 2), True)
    """
    n = _check_int(n_samples, "n_samples", 1)
    side = check_positive(side, "side")
    return check_random_state(random_state).uniform(0.0, side, size=(n, 2))


def grid_square(n_per_side: int, *, side: float = SIDE) -> tuple[np.ndarray, np.ndarray]:
    """A regular grid of the square :math:`[0, s]^2` (``np.meshgrid``, ``indexing="xy"``).

    Parameters
    ----------
    n_per_side : int
        Grid points along each side (at least 2).
    side : float, default=SIDE (1.4)

    Returns
    -------
    U1, U2 : ndarray of shape (n_per_side, n_per_side)

    Raises
    ------
    ValueError
        "n_per_side must be an integer >= 2, ..."; "side must be a finite number > 0, ...".

    Examples
    --------
    >>> U1, U2 = grid_square(3, side=1.0)
    >>> U1[0].tolist(), U2[:, 0].tolist()
    ([0.0, 0.5, 1.0], [0.0, 0.5, 1.0])
    """
    m = _check_int(n_per_side, "n_per_side", 2)
    t = np.linspace(0.0, check_positive(side, "side"), m)
    return np.meshgrid(t, t)


# --------------------------------------------------------------------------- the tasks


def shear_rotation(scale: float = 1.1, angle_deg: float = 30.0, shear: float = 0.8) -> np.ndarray:
    r"""The matrix :math:`W = c\,R(\theta)\,S(h)` of the ``tanh`` field.

    Parameters
    ----------
    scale : float, default=1.1
        Overall gain :math:`c > 0` (how far into saturation the field goes).
    angle_deg : float, default=30
        Rotation angle :math:`\theta` in degrees.
    shear : float, default=0.8
        Shear :math:`h`.

    Returns
    -------
    W : ndarray of shape (2, 2)
        :math:`c \begin{pmatrix}\cos\theta & -\sin\theta\\ \sin\theta & \cos\theta\end{pmatrix}
        \begin{pmatrix}1 & h\\ 0 & 1\end{pmatrix}`, invertible (:math:`\det W = c^2`).

    Raises
    ------
    ValueError
        "scale must be a finite number > 0, ..."; "angle_deg and shear must be finite numbers".

    Examples
    --------
    >>> round(float(np.linalg.det(shear_rotation(2.0, 45.0, 3.0))), 12)
    4.0
    """
    c = check_positive(scale, "scale")
    try:
        th, h = np.deg2rad(float(angle_deg)), float(shear)
    except (TypeError, ValueError):
        th = h = np.nan
    if not (np.isfinite(th) and np.isfinite(h)):
        raise ValueError(f"angle_deg and shear must be finite numbers, got {angle_deg!r} and {shear!r}.")
    R = np.array([[np.cos(th), -np.sin(th)], [np.sin(th), np.cos(th)]])
    return c * R @ np.array([[1.0, h], [0.0, 1.0]])


#: default weights and bias of :func:`tanh_field`
TANH_WEIGHT = shear_rotation()
TANH_BIAS = np.array([0.2, -0.1])


def mushroom_field(u, *, jacobian: bool = False):
    r"""The "mushroom" map :math:`F(u) = (u_1 + u_2^3,\; u_2 - u_1^3)`.

    Parameters
    ----------
    u : array-like of shape (N, 2)
        Points of the plane.
    jacobian : bool, default=False
        Also return the exact Jacobians.

    Returns
    -------
    y : ndarray of shape (N, 2)
    J : ndarray of shape (N, 2, 2)
        Only with ``jacobian=True``: :math:`J_{ab} = \partial F_a / \partial u_b`.

    Raises
    ------
    ValueError
        "u must have shape (N, 2) ..." and the shared input checks (NaN/inf).

    Notes
    -----
    .. math::

        J(u) = \begin{pmatrix} 1 & 3u_2^2 \\ -3u_1^2 & 1 \end{pmatrix}, \qquad
        \det J = 1 + 9u_1^2u_2^2 > 0 .

    :math:`F` is injective on the whole plane: if :math:`F(u) = F(v)` with
    :math:`u_1 > v_1`, the second component gives :math:`u_2 - v_2 = u_1^3 - v_1^3 > 0`,
    and then the first gives :math:`u_1 - v_1 = v_2^3 - u_2^3 < 0`, a contradiction
    (likewise for :math:`u_1 < v_1`; :math:`u_1 = v_1` forces :math:`u_2 = v_2`).

    Examples
    --------
    >>> mushroom_field([[1.0, 2.0]]).tolist()
    [[9.0, 1.0]]
    """
    u = _as_points(u)
    u1, u2 = u[:, 0], u[:, 1]
    y = np.column_stack([u1 + u2**3, u2 - u1**3])
    if not jacobian:
        return y
    J = np.empty((len(u), 2, 2))
    J[:, 0, 0], J[:, 0, 1] = 1.0, 3.0 * u2**2
    J[:, 1, 0], J[:, 1, 1] = -3.0 * u1**2, 1.0
    return y, J


def tanh_field(u, *, weight=None, bias=None, jacobian: bool = False):
    r"""A rotated, sheared ``tanh`` field :math:`F(u) = \tanh(Wu + b)` (componentwise).

    Parameters
    ----------
    u : array-like of shape (N, 2)
        Points of the plane.
    weight : array-like of shape (2, 2), optional
        Invertible :math:`W`; default ``TANH_WEIGHT`` = :func:`shear_rotation` ``()``.
    bias : array-like of shape (2,), optional
        :math:`b`; default ``TANH_BIAS`` = (0.2, -0.1).
    jacobian : bool, default=False
        Also return the exact Jacobians.

    Returns
    -------
    y : ndarray of shape (N, 2)
    J : ndarray of shape (N, 2, 2)
        Only with ``jacobian=True``.

    Raises
    ------
    ValueError
        "u must have shape (N, 2) ..."; "weight must be an invertible (2, 2) matrix, ...";
        "bias must have shape (2,), ..."; NaN/inf anywhere.

    Notes
    -----
    .. math::

        J(u) = \operatorname{diag}\bigl(1 - F(u)^2\bigr)\, W ,

    invertible everywhere; :math:`F` is injective because :math:`\tanh` is strictly
    increasing and :math:`W` is invertible.  Near saturation the field compresses the
    square strongly and unevenly, which is what distorts a Euclidean diffusion map of its
    values.

    Examples
    --------
    >>> y, J = tanh_field([[0.0, 0.0]], weight=np.eye(2), bias=[0.0, 0.0], jacobian=True)
    >>> y.tolist(), J[0].tolist()
    ([[0.0, 0.0]], [[1.0, 0.0], [0.0, 1.0]])
    """
    u = _as_points(u)
    W = TANH_WEIGHT if weight is None else np.asarray(weight, dtype=float)
    b = TANH_BIAS if bias is None else np.asarray(bias, dtype=float)
    if W.shape != (2, 2) or not np.all(np.isfinite(W)) or abs(np.linalg.det(W)) < 1e-12:
        raise ValueError(f"weight must be an invertible (2, 2) matrix of finite numbers, got {W!r}.")
    if b.shape != (2,) or not np.all(np.isfinite(b)):
        raise ValueError(f"bias must have shape (2,) and be finite, got {b!r}.")
    y = np.tanh(u @ W.T + b)
    if not jacobian:
        return y
    return y, (1.0 - y**2)[:, :, None] * W[None, :, :]


def scalar_function(u, *, jacobian: bool = False):
    r"""A scalar function of two inputs: a hill and a pit, :math:`g: \mathbb R^2 \to \mathbb R`.

    Parameters
    ----------
    u : array-like of shape (N, 2)
        Points of the plane.
    jacobian : bool, default=False
        Also return the exact gradients as Jacobians of shape (N, 1, 2).

    Returns
    -------
    y : ndarray of shape (N, 1)
    J : ndarray of shape (N, 1, 2)
        Only with ``jacobian=True``.

    Raises
    ------
    ValueError
        "u must have shape (N, 2) ..." and the shared input checks.

    Notes
    -----
    .. math::

        g(u) = \sum_{j=1}^{2} h_j \exp\!\Bigl(-\frac{\|u - c_j\|^2}{w_j}\Bigr), \qquad
        c_1 = (0.45, 0.85),\; c_2 = (1.0, 0.45),\; w_j = 0.15,\; h = (1, -0.6).

    Every level between the extreme values is a closed curve (or several) in the square: a
    whole curve of inputs shares each output value, so :math:`g` is not injective and its
    value alone cannot give two intrinsic coordinates.

    Examples
    --------
    >>> round(float(scalar_function([[0.45, 0.85]])[0, 0]), 3)
    0.973
    """
    u = _as_points(u)
    y = np.zeros(len(u))
    grad = np.zeros((len(u), 2))
    for centre, width, height in _BUMPS:
        diff = u - np.asarray(centre)
        e = height * np.exp(-np.sum(diff**2, axis=1) / width)
        y += e
        grad += (-2.0 / width) * e[:, None] * diff
    y = y[:, None]
    return (y, grad[:, None, :]) if jacobian else y


# --------------------------------------------------------------------------- networks


@dataclass
class NetworkPair:
    """Two trained networks of the chapter and how well they fit their tasks.

    Attributes
    ----------
    net_a, net_b : torch.nn.Sequential
        The trained networks (float64, eval mode), modules named as in
        :func:`netequiv.chapters.nets.mlp` (``fc1, act1, ..., out``).
    info_a, info_b : dict
        What :func:`netequiv.chapters.nets.fit_mlp` returned (``train_relative_rmse``,
        ``cache_hit``, ``time_s``, ...), plus ``"test_relative_rmse"`` on fresh samples.
    last_hidden_a, last_hidden_b : str
        Name of the last hidden layer after its nonlinearity (e.g. ``"act3"``).
    """

    net_a: object
    net_b: object
    info_a: dict
    info_b: dict
    last_hidden_a: str
    last_hidden_b: str


def _fit_pair(tasks, archs, prefix, n_train, epochs, polish_iter, side, random_state, progress):
    from .nets import fit_mlp, model_rmse

    n_train = _check_int(n_train, "n_train", 10)
    seed = _check_int(random_state, "random_state", 0)
    x = sample_square(n_train, side=side, random_state=seed)
    x_test = sample_square(max(200, n_train // 4), side=side, random_state=seed + 10_000)
    nets, infos, layers = [], [], []
    for name, task in zip("AB", tasks):
        arch = archs[name]
        net, info = fit_mlp(
            x,
            task(x),
            hidden=arch["hidden"],
            activation=arch["activation"],
            seed=seed,
            epochs=epochs,
            polish_iter=polish_iter,
            name=f"{prefix}-{name.lower()}",
            progress=progress,
        )
        info = dict(info, test_relative_rmse=model_rmse(net, x_test, task(x_test))["relative_rmse"])
        nets.append(net)
        infos.append(info)
        layers.append(f"act{len(arch['hidden'])}")
    return NetworkPair(nets[0], nets[1], infos[0], infos[1], layers[0], layers[1])


def fit_field_pair(
    *,
    n_train: int = 2000,
    epochs: int = 1000,
    polish_iter: int = 200,
    side: float = SIDE,
    random_state: int = 0,
    progress: bool = True,
) -> NetworkPair:
    r"""Train network A on :func:`mushroom_field` and network B on :func:`tanh_field`.

    Parameters
    ----------
    n_train : int, default=2000
        Training points, uniform on :math:`[0, s]^2` (seed ``random_state``).
    epochs, polish_iter : int, default=1000, 200
        Adam epochs and L-BFGS iterations (:func:`netequiv.chapters.nets.train_regressor`).
    side : float, default=SIDE
        Side of the square.
    random_state : int, default=0
        Seed of the data and of the weight initialisation.
    progress : bool, default=True
        Progress bars while training (nothing is shown on a cache hit).

    Returns
    -------
    NetworkPair
        A has ``FIELD_ARCHITECTURES["A"]`` (tanh, 32-32-32), B has
        ``FIELD_ARCHITECTURES["B"]`` (SiLU, 48-48): different architectures with smooth
        activations (a ReLU network has piecewise-constant Jacobians, and the local
        metric would jump from cell to cell).

    Raises
    ------
    ValueError
        "n_train must be an integer >= 10, ..."; "random_state must be an integer >= 0, ...";
        and what :func:`netequiv.chapters.nets.fit_mlp` raises.

    Notes
    -----
    Trained weights are cached (:func:`netequiv.chapters.nets.fit_mlp`); a second call with the same
    arguments loads them.  The test error is measured on ``max(200, n_train // 4)`` fresh
    points.

    Examples
    --------
    >>> pair = fit_field_pair(n_train=300, epochs=100, polish_iter=20, progress=False)  # doctest: +SKIP
    >>> pair.info_a["test_relative_rmse"] < 0.05                                          # doctest: +SKIP
    True
    """
    return _fit_pair(
        (mushroom_field, tanh_field),
        FIELD_ARCHITECTURES,
        "expb-field",
        n_train,
        epochs,
        polish_iter,
        side,
        random_state,
        progress,
    )


def fit_scalar_pair(
    *,
    n_train: int = 2000,
    epochs: int = 1000,
    polish_iter: int = 200,
    side: float = SIDE,
    random_state: int = 0,
    progress: bool = True,
) -> NetworkPair:
    r"""Train two networks of different architectures on :func:`scalar_function`.

    Parameters
    ----------
    n_train, epochs, polish_iter, side, random_state, progress
        As in :func:`fit_field_pair`.

    Returns
    -------
    NetworkPair
        A has ``SCALAR_ARCHITECTURES["A"]`` (tanh, 32-32-32), B has
        ``SCALAR_ARCHITECTURES["B"]`` (SiLU, 40-40).

    Raises
    ------
    ValueError
        As :func:`fit_field_pair`.

    Examples
    --------
    >>> pair = fit_scalar_pair(n_train=300, epochs=100, polish_iter=20, progress=False)  # doctest: +SKIP
    >>> pair.last_hidden_a, pair.last_hidden_b                                            # doctest: +SKIP
    ('act3', 'act2')
    """
    return _fit_pair(
        (scalar_function, scalar_function),
        SCALAR_ARCHITECTURES,
        "expb-scalar",
        n_train,
        epochs,
        polish_iter,
        side,
        random_state,
        progress,
    )


# --------------------------------------------------------------------------- measurements


def embedding_agreement(
    x,
    observations: dict,
    *,
    n_intrinsic: int = 2,
    n_eigenvectors: int = 10,
    random_state=0,
    dmap_kwargs: dict | None = None,
) -> dict:
    r"""How well do diffusion-map coordinates of observations match those of the input?

    Parameters
    ----------
    x : array-like of shape (N, n)
        The inputs themselves; their Euclidean diffusion map is the reference.
    observations : dict {str: IntrinsicCoordinates or tuple (y, jac)}
        Per name either coordinates already computed on the same N samples (e.g.
        ``Comparison.coords_a``), or observations ``y`` (N, d) with Jacobians ``jac``
        (N, d, n) for a Mahalanobis diffusion map, or ``jac=None`` for a Euclidean one.
    n_intrinsic : int, default=2
        Number of coordinates selected.
    n_eigenvectors : int, default=10
        Eigenvectors computed before the selection.
    random_state : int, default=0
        Seed of the diffusion maps and the selection.
    dmap_kwargs : dict, optional
        Passed to every :class:`~netequiv.DiffusionMaps` computed here (the reference's too).

    Returns
    -------
    result : dict
        ``"reference"``: the :class:`~netequiv.IntrinsicCoordinates` of ``x``; and per name a
        dict with ``"r2"`` (float; NaN when the diffusion map failed), ``"aligned"`` ((N, n)
        coordinates rotated onto the reference; NaN on failure), ``"selected"`` (list of
        eigenvector indices, 0-based) and ``"error"`` (``None`` or the failure message).

    Raises
    ------
    ValueError
        "x ..." shared input checks; "observations must be a non-empty dict ..."; "observation
        '...' has N' samples but x has N ..."; "observation '...' must be IntrinsicCoordinates or
        a tuple (y, jac) ...".  A diffusion map that fails on an observation (disconnected graph,
        too few independent eigenvectors) does not raise: the failure is recorded.

    Notes
    -----
    The agreement is the :math:`r^2` of :func:`netequiv.align_embeddings`: both coordinate
    sets are centred, the observation's coordinates are rotated (and reflected) onto the
    reference by orthogonal Procrustes, and the squared correlations of the matched
    coordinates are averaged,

    .. math::

        r^2 = \frac1n \sum_{j=1}^n \operatorname{corr}\bigl((\phi Q)_j, \phi^{x}_j\bigr)^2 .

    A Mahalanobis diffusion map of any smooth injective observation approximates the
    Laplace–Beltrami eigenfunctions of the input square itself, so :math:`r^2 \to 1`; a
    Euclidean one sees the square as the observation map distorts it.

    Examples
    --------
    >>> u = sample_square(600, side=1.0)
    >>> res = embedding_agreement(u, {"mushroom": mushroom_field(u, jacobian=True)})  # doctest: +SKIP
    >>> res["mushroom"]["r2"] > 0.99                                                  # doctest: +SKIP
    True
    """
    x = as_2d_float(x, "x", min_samples=3)
    if not isinstance(observations, dict) or not observations:
        raise ValueError("observations must be a non-empty dict {name: IntrinsicCoordinates or (y, jac)}.")
    prepared = {}
    for name, obs in observations.items():
        if isinstance(obs, IntrinsicCoordinates):
            n_obs = len(obs.coords)
        elif isinstance(obs, tuple) and len(obs) == 2:
            y = as_2d_float(obs[0], f"observation {name!r}")
            n_obs = len(y)
            obs = (y, obs[1])
        else:
            raise ValueError(
                f"observation {name!r} must be IntrinsicCoordinates or a tuple (y, jac) with jac=None for a "
                f"Euclidean diffusion map, got {type(obs).__name__}."
            )
        if n_obs != len(x):
            raise ValueError(f"observation {name!r} has {n_obs} samples but x has {len(x)}; use the same inputs.")
        prepared[name] = obs
    dk = dict(dmap_kwargs or {})
    ref = intrinsic_coordinates(
        x, n_intrinsic=n_intrinsic, n_eigenvectors=n_eigenvectors, random_state=random_state, **dk
    )
    out: dict = {"reference": ref}
    for name, obs in prepared.items():
        try:
            if isinstance(obs, IntrinsicCoordinates):
                coords = obs
            else:
                y, jac = obs
                metric = None if jac is None else metric_from_jacobians(jac, n_intrinsic=n_intrinsic)
                coords = intrinsic_coordinates(
                    y, metric, n_intrinsic=n_intrinsic, n_eigenvectors=n_eigenvectors, random_state=random_state, **dk
                )
            al = align_embeddings(ref.coords, coords.coords)
            out[name] = {"r2": float(al.r2), "aligned": al.aligned, "selected": coords.selected.tolist(), "error": None}
        except (ValueError, FloatingPointError) as exc:
            out[name] = {
                "r2": float("nan"),
                "aligned": np.full((len(x), n_intrinsic), np.nan),
                "selected": [],
                "error": str(exc),
            }
    return out


def one_way_error(
    y_a,
    jac_a,
    y_b,
    *,
    n_intrinsic: int = 2,
    test_size: float = 0.2,
    random_state=0,
    jacobian_rcond: float = 1e-2,
    n_eigenvectors: int = 10,
    dmap_kwargs: dict | None = None,
    interpolator_kwargs: dict | None = None,
) -> dict:
    r"""Held-out error of :math:`T = G_B \circ \Phi_A`: B's observations predicted from A's.

    Parameters
    ----------
    y_a : array-like of shape (N, d_a)
        Observations of network A (a few neurons, or the output).
    jac_a : array-like of shape (N, d_a, n)
        Their exact Jacobians with respect to the input.
    y_b : array-like of shape (N, d_b)
        Observations of network B on the same inputs (anything: all neurons of a layer and
        the output, say).  No Jacobians are needed: only :math:`G_B` is fitted on B's side.
    n_intrinsic : int, default=2
        Dimension ``n`` of the input manifold.  An observation with fewer features,
        :math:`d_a < n`, can carry at most :math:`d_a` coordinates; that many are used
        (``n_coords`` in the result), and the transformation then fails, as it must.
    test_size : float, default=0.2
        Fraction of samples held out.
    random_state : int, default=0
        Seed of the split and of every randomised step, drawn as in
        :func:`netequiv.compare_observations` so that with the same seed the forward error
        equals ``compare_observations(...).forward_error``.
    jacobian_rcond : float, default=1e-2
        Singular values of :math:`J_A` below this fraction of the median are floored
        (``degenerate="clip"``), as in :func:`netequiv.compare_observations`.
    n_eigenvectors : int, default=10
    dmap_kwargs, interpolator_kwargs : dict, optional
        Passed to :class:`~netequiv.DiffusionMaps` and :class:`~netequiv.KernelInterpolator`.
        The bandwidth is that of :func:`netequiv.compare_observations`
        (:func:`netequiv.comparison.default_epsilon_neighbors`) unless ``dmap_kwargs`` gives
        ``n_neighbors_epsilon``.

    Returns
    -------
    result : dict
        ``relative`` (relative Frobenius error), ``max_nrmse``, ``median_nrmse``,
        ``n_constant`` (:func:`netequiv.summarize_errors` of B's held-out observations),
        ``n_coords`` (coordinates used), ``selected`` (eigenvector indices), ``prediction``
        (held-out predictions, (n_test, d_b)), ``test_index`` and ``train_index``.

    Raises
    ------
    ValueError
        Shared input checks on ``y_a``/``y_b``; "jac_a must have shape (N, d_a, n) = ..., got ...";
        "y_a has N samples but y_b has M ..."; "test_size must lie in (0, 1), ..."; and what the
        diffusion map raises (e.g. a disconnected neighbour graph).

    Notes
    -----
    The samples are paired, so :math:`G_B` is fitted on the training samples from A's own
    intrinsic coordinates :math:`\phi^A_i` to B's observations :math:`y^B_i`; held-out samples
    are mapped by the Nyström extension :math:`\Phi_A` and then :math:`G_B`:

    .. math::

        \hat y^B = G_B\bigl(\Phi_A(y^A)\bigr), \qquad
        \varepsilon_{\mathrm{rel}} = \frac{\|\hat Y^B - Y^B\|_F}{\|Y^B - \mathbf 1 \bar Y^{B\top}\|_F} .

    If A's observation is not injective on the input manifold (one output of two inputs, two
    neurons that fold the square), distant inputs share a coordinate and no :math:`G_B` can
    return both of their B-observations: the error is of order one.

    Examples
    --------
    >>> u = sample_square(800, side=1.0)
    >>> ya, Ja = mushroom_field(u, jacobian=True)
    >>> one_way_error(ya, Ja, tanh_field(u))["relative"] < 1e-2                       # doctest: +SKIP
    True
    """
    from ..comparison import prepare_side, split_samples

    ya = as_2d_float(y_a, "y_a")
    yb = as_2d_float(y_b, "y_b")
    if len(ya) != len(yb):
        raise ValueError(f"y_a has {len(ya)} samples but y_b has {len(yb)}; observe the same inputs with both.")
    J = np.asarray(jac_a, dtype=float)
    n_intrinsic = _check_int(n_intrinsic, "n_intrinsic", 1)
    if J.ndim != 3 or J.shape[:2] != ya.shape or J.shape[2] < n_intrinsic:
        raise ValueError(
            f"jac_a must have shape (N, d_a, n) = ({len(ya)}, {ya.shape[1]}, n >= {n_intrinsic}), got {J.shape}."
        )
    train, test, seed = split_samples(len(ya), test_size=test_size, random_state=random_state)
    n_coords = min(n_intrinsic, ya.shape[1])
    side = prepare_side(
        ya,
        J,
        name="A",
        n_intrinsic=n_intrinsic,
        n_coordinates=n_coords,
        train=train,
        test=test,
        seed=seed,
        n_eigenvectors=n_eigenvectors,
        jacobian_rcond=check_positive(jacobian_rcond, "jacobian_rcond"),
        dmap_kwargs=dmap_kwargs,
        interpolator_kwargs=interpolator_kwargs,
        self_check=False,
        cross=yb,
    )
    pred, summary = side.cross_prediction, side.cross_error
    return {
        **summary,
        "n_coords": n_coords,
        "selected": side.coords.selected.tolist(),
        "prediction": pred,
        "test_index": test,
        "train_index": train,
    }


def neuron_sweep(
    net_a,
    net_b,
    x,
    *,
    layer_a: str,
    layer_b: str,
    ks=range(1, 8),
    n_trials: int = 5,
    n_intrinsic: int | None = None,
    test_size: float = 0.2,
    random_state: int = 0,
    dmap_kwargs: dict | None = None,
    interpolator_kwargs: dict | None = None,
    progress: bool = True,
) -> dict:
    r"""Error of :math:`T`, from ``k`` random neurons of A to B's whole layer and output, against ``k``.

    Parameters
    ----------
    net_a, net_b : torch.nn.Module
        Two trained networks.
    x : array-like of shape (N, n)
        Inputs sampling the manifold.
    layer_a : str
        Module of A whose units are observed (e.g. ``"act3"``).
    layer_b : str
        Module of B observed in full, together with B's output: the target of :math:`T`.
    ks : iterable of int, default=range(1, 8)
        Numbers of observed units of A.
    n_trials : int, default=5
        Random choices of units per ``k`` (:func:`netequiv.embedding.choose_neurons`, seeds
        ``random_state + trial``; units constant on ``x`` are never chosen).
    n_intrinsic : int, optional
        Dimension of the input manifold (default: ``x.shape[1]``).
    test_size : float, default=0.2
    random_state : int, default=0
        Seed of the unit choices and of the (shared) train/test split.
    dmap_kwargs, interpolator_kwargs : dict, optional
        Passed to :func:`one_way_error`.
    progress : bool, default=True
        A tqdm progress bar over the ``len(ks) * n_trials`` transformations.

    Returns
    -------
    sweep : dict
        ``ks`` (ndarray of int), ``relative`` and ``max_nrmse`` (ndarrays (len(ks), n_trials);
        ``inf`` where the diffusion map failed), ``units`` (list of lists of unit-index
        arrays), ``failures`` (list of ``(k, trial, message)``), ``median_relative``
        (ndarray (len(ks),)), ``target_names`` (labels of B's observed features).

    Raises
    ------
    ValueError
        "ks must hold integers >= 1, ..."; "n_trials must be an integer >= 1, ..."; what
        :func:`netequiv.observe` and :func:`netequiv.embedding.choose_neurons` raise (unknown
        layer, more units asked than vary, ...).

    Notes
    -----
    For each ``k`` and trial, :func:`one_way_error` fits
    :math:`T_k = G_B \circ \Phi_{A,k}` from the intrinsic coordinates of the ``k`` chosen
    units of A to all units of B's layer and its output.  Whitney's theorem says that
    :math:`2n + 1` generic smooth measurements embed an :math:`n`-dimensional manifold;
    fewer may fold it (for :math:`n = 2`: one unit always does, two often do), and then
    :math:`T_k` cannot exist.

    Examples
    --------
    >>> sweep = neuron_sweep(pair.net_a, pair.net_b, x, layer_a="act3", layer_b="act2",
    ...                      ks=[1, 5], n_trials=2)                                 # doctest: +SKIP
    >>> sweep["median_relative"]                                                   # doctest: +SKIP
    """
    from tqdm import tqdm

    from ..embedding import choose_neurons
    from ..observation import observe

    x = as_2d_float(x, "x")
    ks_arr = np.asarray(list(ks))
    if ks_arr.ndim != 1 or ks_arr.size == 0 or not np.issubdtype(ks_arr.dtype, np.integer) or (ks_arr < 1).any():
        raise ValueError(f"ks must hold integers >= 1, got {list(ks)!r}.")
    n_trials = _check_int(n_trials, "n_trials", 1)
    offset = _check_int(random_state, "random_state", 0)
    n = x.shape[1] if n_intrinsic is None else _check_int(n_intrinsic, "n_intrinsic", 1)
    acts = observe(net_a, x, layers=[layer_a], output=False, jacobian=True)
    target = observe(net_b, x, layers=[layer_b], output=True)
    width = acts.n_features
    rel = np.full((len(ks_arr), n_trials), np.inf)
    mx = np.full((len(ks_arr), n_trials), np.inf)
    units, failures = [], []
    with tqdm(total=rel.size, disable=not progress, desc="k neurons", leave=False) as bar:
        for a, k in enumerate(ks_arr):
            row = []
            for t in range(n_trials):
                u = choose_neurons(width, int(k), n, offset + t, activations=acts.y)
                row.append(u)
                try:
                    res = one_way_error(
                        acts.y[:, u],
                        acts.jac[:, u],
                        target.y,
                        n_intrinsic=n,
                        test_size=test_size,
                        random_state=offset,
                        dmap_kwargs=dmap_kwargs,
                        interpolator_kwargs=interpolator_kwargs,
                    )
                    rel[a, t], mx[a, t] = res["relative"], res["max_nrmse"]
                except ValueError as exc:
                    failures.append((int(k), t, str(exc)))
                bar.update(1)
            units.append(row)
    return {
        "ks": ks_arr.astype(int),
        "relative": rel,
        "max_nrmse": mx,
        "units": units,
        "failures": failures,
        "median_relative": np.median(rel, axis=1),
        "target_names": target.names,
    }


#: The chapter's closing table: key -> (pair, the claim the row tests).
CLOSING_TABLE = {
    "fields": (
        "fields: A (mushroom) vs B (tanh field)",
        "intrinsic coordinates are observation independent; $T$, $T^{-1}$ exist between equivalent networks",
    ),
    "fields_euclidean": ("same pair", "without the metric the coordinates depend on the observation"),
    "output_alone": (
        "scalar: A vs B",
        "a non-injective observation cannot give $n$ coordinates; the relation is one-way",
    ),
    "k5": ("scalar: A vs B", "Whitney: $2n + 1 = 5$ generic neurons suffice to reconstruct the other network"),
}

#: Column titles of the closing table.
CLOSING_COLUMNS = {
    "pair": "pair",
    "observed": "observed units",
    "fwd": "error A→B",
    "bwd": "error B→A",
    "verdict": "verdict",
    "claim": "claim tested",
}


def closing_table(rows: dict) -> list:
    """Rows of the chapter's closing table from ``key -> (observed units, Comparison.summary())``
    for keys of :data:`CLOSING_TABLE`: relative held-out errors both ways and the verdict.

    Raises
    ------
    ValueError
        ``"unknown comparisons ..."`` for keys that are not in :data:`CLOSING_TABLE`.
    """
    unknown = sorted(set(rows) - set(CLOSING_TABLE))
    if unknown:
        raise ValueError(f"unknown comparisons {unknown}; the table knows {sorted(CLOSING_TABLE)}.")
    out = []
    for key, (observed, s) in rows.items():
        pair, claim = CLOSING_TABLE[key]
        out.append(
            {
                "pair": pair,
                "observed": observed,
                "fwd": s["forward_relative"],
                "bwd": s["backward_relative"],
                "verdict": s["verdict"],
                "claim": claim,
            }
        )
    return out
