r"""Experiment (c) of the paper: two convolutional autoencoders that watch a rotating horse.

The inputs are grey-scale views of the horse turned by an angle :math:`\theta` about the
vertical axis (:func:`netequiv.chapters.horse.horse_views`), so the input manifold is a circle
(:math:`n = 1`).  Two convolutional autoencoders (:mod:`netequiv.chapters.autoencoder`) of different
architecture and latent size are trained on the same views; their latent codes
:math:`z^A(\theta)\in\mathbb R^{3}` and :math:`z^B(\theta)\in\mathbb R^{8}` are the observations
compared.  This module holds what the chapter *Experiments (c): two autoencoders* needs
besides :func:`netequiv.compare_observations`:

* the autoencoders of the chapter (:data:`CAE_SPECS`, :func:`train_caes`) and the views
  (:func:`horse_data`);
* local metrics of the latent codes: from *bursts* of codes of nearby angles
  (:func:`angle_bursts`, :func:`latent_metric`) or from Jacobians of the encoder along
  :math:`\partial\,\text{image}/\partial\theta` (:func:`latent_tangents`);
* the angle read off the circle embedding (:func:`circle_angles`) and the intrinsic
  coordinates of one latent space (:func:`latent_circle`);
* the comparison with the settings a circle needs (:func:`compare_latents`) and the image
  errors of :math:`T` and :math:`T^{-1}` after decoding (:func:`images_through_transform`).

Torch is imported only by the functions that train or run networks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validation import as_2d_float, check_positive, check_same_samples
from .._validation import check_int as _check_int

__all__ = [
    "ELEVATION",
    "IMAGE_SIZE",
    "CaeSpec",
    "CAE_SPECS",
    "horse_data",
    "train_caes",
    "angle_bursts",
    "latent_tangents",
    "latent_metric",
    "latent_circle",
    "circle_angles",
    "compare_latents",
    "decode_codes",
    "images_through_transform",
    "COMPARE_DEFAULTS",
]

#: Camera elevation of the views (radians): looking down by 20 degrees breaks the near
#: mirror symmetries of the horizontal views (see :func:`netequiv.chapters.horse.horse_views`).
ELEVATION = float(np.radians(20.0))
#: Side of the rendered views in pixels.
IMAGE_SIZE = 32

#: Settings of the diffusion maps for the circle of views.  The local metrics have rank
#: ``n_intrinsic=1`` (one angle) but a circle needs ``n_coordinates=2`` (cos, sin).  The
#: latent curves of the autoencoders pass close to themselves (views that look alike), so the
#: bandwidth comes from the 4th neighbour (a wide kernel would join such stretches) and a
#: step off the curve costs ``normal_penalty = 3`` times as much as one along it.  The
#: penalty is a compromise: with 1 the near contacts of the curve short-cut the circle, with
#: 10 or more the chords of the strongly curved latent curves are over-charged and the
#: angles are stretched where the curve bends (both measured in the chapter).
COMPARE_DEFAULTS = {"n_neighbors_epsilon": 4, "normal_penalty": 3.0}


@dataclass(frozen=True)
class CaeSpec:
    """Architecture and seed of one autoencoder of the chapter.

    Attributes
    ----------
    latent_dim : int
    widths : tuple of int
        Channels of the encoder's convolutions (depth = ``len(widths)``).
    activation : str
    seed : int
    description : str
        One line for tables.
    """

    latent_dim: int
    widths: tuple
    activation: str
    seed: int
    description: str

    def kwargs(self) -> dict:
        """Keyword arguments of :func:`netequiv.chapters.autoencoder.train_autoencoder`."""
        return dict(latent_dim=self.latent_dim, widths=tuple(self.widths), activation=self.activation, seed=self.seed)


#: The autoencoders of the chapter: A and B differ in latent size, depth, widths, activation
#: and seed; C has a one-number code, which cannot embed a circle (the negative control).
CAE_SPECS = {
    "A": CaeSpec(3, (12, 24, 48), "elu", 0, "latent 3, 3 conv layers (12-24-48), ELU"),
    "B": CaeSpec(8, (8, 16, 32, 32), "tanh", 1, "latent 8, 4 conv layers (8-16-32-32), tanh"),
    "C": CaeSpec(1, (8, 16, 32), "elu", 2, "latent 1, 3 conv layers (8-16-32), ELU"),
}


def horse_data(n_views: int, *, size: int = IMAGE_SIZE, elevation: float = ELEVATION, progress: bool = True):
    r"""Equally spaced views of the horse over a full turn (cached).

    Parameters
    ----------
    n_views : int
        Number of views ``N`` (at least 8); :math:`\theta_k = 2\pi k / N`.
    size : int, default :data:`IMAGE_SIZE`
    elevation : float, default :data:`ELEVATION`
    progress : bool, default True
        Progress bar while rendering (only when the views are not cached).

    Returns
    -------
    thetas : ndarray of shape (N,)
    images : ndarray of shape (N, size, size), float32

    Raises
    ------
    ValueError
        "n_views must be an integer >= 8", and those of :func:`netequiv.chapters.horse.horse_views`.
    """
    from .horse import horse_views

    n_views = _check_int(n_views, "n_views", 8)
    return horse_views(n_views, size=size, elevation=elevation, progress=progress)


def train_caes(images, *, epochs: int, names=("A", "B"), specs=None, seed: int = 0, progress: bool = True) -> dict:
    """Train (or load from the cache) the chapter's autoencoders on the same views.

    Parameters
    ----------
    images : array of shape (N, H, H)
        Training views, values in [0, 1].
    epochs : int
        Epochs of every autoencoder.
    names : sequence of str, default ("A", "B")
        Keys of ``specs``.
    specs : dict of CaeSpec, optional
        Default :data:`CAE_SPECS`.
    seed : int, default 0
        Added to every spec's own seed (another draw of the same experiment).
    progress : bool, default True
        tqdm progress bars over the epochs.

    Returns
    -------
    dict
        ``name -> (model, info)`` with ``info`` from
        :func:`netequiv.chapters.autoencoder.train_autoencoder` (``rmse``, ``loss_history``,
        ``train_seconds``, ``from_cache``, ...).

    Raises
    ------
    ValueError
        "unknown autoencoder name(s) ...", and those of ``train_autoencoder``.
    """
    from .autoencoder import train_autoencoder

    specs = CAE_SPECS if specs is None else specs
    unknown = [n for n in names if n not in specs]
    if unknown:
        raise ValueError(f"unknown autoencoder name(s) {unknown}; choose from {sorted(specs)}.")
    seed = _check_int(seed, "seed", 0)
    out = {}
    for name in names:
        kw = specs[name].kwargs()
        kw["seed"] += seed
        out[name] = train_autoencoder(images, epochs=epochs, name=f"expc-{name}", progress=progress, **kw)
    return out


def _circle_step(n: int) -> float:
    return 2 * np.pi / n


def _closed_sequence(arr, name: str, min_samples: int = 8) -> np.ndarray:
    arr = np.asarray(arr)
    if arr.ndim < 2 or len(arr) < min_samples:
        raise ValueError(
            f"{name} must hold at least {min_samples} samples of equally spaced angles over a full turn "
            f"(first axis), got shape {arr.shape}."
        )
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} contains NaN or inf; repair these samples first.")
    return arr


def angle_bursts(codes) -> tuple[np.ndarray, float]:
    r"""Bursts of latent codes of nearby angles, from views equally spaced on the circle.

    For views at :math:`\theta_k = 2\pi k/N` the neighbours :math:`\theta_{k\pm1} =
    \theta_k \pm \delta`, :math:`\delta = 2\pi/N`, are a burst of two perturbed inputs around
    each view, with no extra rendering.

    Parameters
    ----------
    codes : array of shape (N, d)
        Latent codes of the views, in the order of the angles (a closed sequence: the last
        view is followed by the first).

    Returns
    -------
    bursts : ndarray of shape (N, 2, d)
        The codes at :math:`\theta_k - \delta` and :math:`\theta_k + \delta`.
    delta : float
        :math:`2\pi / N`.

    Raises
    ------
    ValueError
        When ``codes`` is not (N, d) with N >= 8 or holds NaN/inf.

    Notes
    -----
    With the unperturbed codes as centres, :func:`netequiv.metric_from_bursts` estimates

    .. math::

        \hat C_k = \frac{1}{2\delta^2}\sum_{\pm} (z_{k\pm1} - z_k)(z_{k\pm1} - z_k)^\top
                 = t_k t_k^\top + O(\delta^2), \qquad t_k = \frac{dz}{d\theta}(\theta_k),

    whose rank-1 pseudo-inverse makes the Mahalanobis distance of nearby codes approximate
    :math:`|\Delta\theta|`.

    Examples
    --------
    >>> import numpy as np
    >>> t = 2 * np.pi * np.arange(12) / 12
    >>> b, delta = angle_bursts(np.column_stack([np.cos(t), np.sin(t)]))
    >>> b.shape, round(delta, 4)
    ((12, 2, 2), 0.5236)
    """
    z = _closed_sequence(as_2d_float(codes, "codes"), "codes")
    return np.stack([np.roll(z, 1, axis=0), np.roll(z, -1, axis=0)], axis=1), _circle_step(len(z))


def latent_tangents(model, images, *, batch_size: int = 256) -> np.ndarray:
    r"""Jacobians :math:`dz/d\theta = J_{\mathrm{enc}}(x_k)\, dx/d\theta` of an encoder along the circle.

    The image derivative is the central difference of the equally spaced views,
    :math:`dx/d\theta \approx (x_{k+1} - x_{k-1}) / 2\delta`, and it is pushed through the
    encoder's exact Jacobian by forward-mode differentiation (``torch.func.jvp``).

    Parameters
    ----------
    model : netequiv.chapters.autoencoder.ConvAutoencoder
    images : array of shape (N, H, H)
        Views at equally spaced angles over a full turn, in order (N >= 8).
    batch_size : int, default 256

    Returns
    -------
    tangents : ndarray of shape (N, d, 1)
        One Jacobian column per view, for :func:`netequiv.metric_from_jacobians`.

    Raises
    ------
    ValueError
        When ``images`` is not (N, H, H) with N >= 8, holds NaN/inf, or does not match the
        model's image size.
    """
    import warnings

    import torch

    x = _closed_sequence(np.asarray(images, dtype=np.float32), "images")
    if x.ndim != 3:
        raise ValueError(f"images must have shape (N, H, H), got {x.shape}.")
    size = model.config["size"]
    if x.shape[1:] != (size, size):
        raise ValueError(f"images are {x.shape[1]}x{x.shape[2]} but the model expects {size}x{size}.")
    batch_size = _check_int(batch_size, "batch_size", 1)
    dx = (np.roll(x, -1, axis=0) - np.roll(x, 1, axis=0)) / (2 * _circle_step(len(x)))
    model.eval()
    out = []
    with torch.no_grad(), warnings.catch_warnings():
        # torch scripts a few internal decompositions the first time forward mode runs
        warnings.filterwarnings("ignore", message=r".*torch\.jit\.script.*deprecated", category=DeprecationWarning)
        for i in range(0, len(x), batch_size):
            xb = torch.from_numpy(x[i : i + batch_size]).unsqueeze(1)
            vb = torch.from_numpy(np.ascontiguousarray(dx[i : i + batch_size])).unsqueeze(1)
            _, t = torch.func.jvp(model.encode, (xb,), (vb,))
            out.append(t.double().numpy())
    return np.concatenate(out)[:, :, None]


def latent_metric(codes, *, tangents=None, normal_penalty: float = COMPARE_DEFAULTS["normal_penalty"]):
    r"""Rank-1 local metric of latent codes of views on a circle.

    Parameters
    ----------
    codes : array of shape (N, d)
        Latent codes of equally spaced views over a full turn, in order.
    tangents : array of shape (N, d, 1), optional
        Encoder Jacobians along the circle (:func:`latent_tangents`).  When omitted, the
        metric comes from the bursts of neighbouring codes (:func:`angle_bursts`).
    normal_penalty : float, default 3
        Cost of displacements off the latent curve (see :class:`netequiv.LocalMetric`).

    Returns
    -------
    LocalMetric
        ``n_intrinsic = 1``.  Where the code does not move with the angle (a fold of a code
        that cannot embed the circle) the speed is floored at 1 % of the median
        (``degenerate="clip"``).

    Raises
    ------
    ValueError
        When shapes disagree or inputs hold NaN/inf.

    Notes
    -----
    The metric at view :math:`k` is :math:`M_k = u_k u_k^\top / s_k^2 + \kappa_k (I - u_k
    u_k^\top)` with :math:`t_k = s_k u_k` the tangent of the latent curve and
    :math:`\kappa_k = p / s_k^2`, so that

    .. math:: (z_j - z_k)^\top M_k (z_j - z_k) \approx (\theta_j - \theta_k)^2

    for nearby views, whatever the autoencoder.

    Examples
    --------
    >>> import numpy as np
    >>> t = 2 * np.pi * np.arange(60) / 60
    >>> z = 3 * np.column_stack([np.cos(t), np.sin(t)])
    >>> M = latent_metric(z)
    >>> float(np.sqrt(M.quadratic([0], z[1:2] - z[0:1]))[0]) / (2 * np.pi / 60)  # doctest: +ELLIPSIS
    1.0...
    """
    from ..metric import metric_from_bursts, metric_from_jacobians

    z = _closed_sequence(as_2d_float(codes, "codes"), "codes")
    p = check_positive(normal_penalty, "normal_penalty")
    if tangents is None:
        bursts, delta = angle_bursts(z)
        return metric_from_bursts(
            bursts, delta, centers=z, n_intrinsic=1, normal_penalty=p, rcond=1e-2, degenerate="clip"
        )
    J = np.asarray(tangents, dtype=np.float64)
    if J.shape != (len(z), z.shape[1], 1):
        raise ValueError(f"tangents must have shape {(len(z), z.shape[1], 1)}, got {J.shape}.")
    return metric_from_jacobians(J, n_intrinsic=1, normal_penalty=p, rcond=1e-2, degenerate="clip")


def circle_angles(coords, thetas) -> dict:
    r"""Angles read off a two-coordinate embedding of a circle, and their error.

    Parameters
    ----------
    coords : array of shape (N, 2)
        Two intrinsic coordinates (e.g. the degenerate diffusion-map pair
        :math:`\psi_1, \psi_2 \approx \cos\theta, \sin\theta` up to a rotation).
    thetas : array of shape (N,)
        True angles (radians).

    Returns
    -------
    dict
        ``angles`` (N,): recovered angles after the best offset and orientation, in
        :math:`(-\pi, \pi]`; ``errors_deg`` (N,): signed errors in degrees;
        ``median_error_deg``, ``max_error_deg`` (float); ``orientation`` (+1 or -1) and
        ``offset`` (radians); ``whitened`` (N, 2): the coordinates after centring and
        whitening.

    Raises
    ------
    ValueError
        When ``coords`` is not (N, 2) with N >= 3, shapes disagree, inputs hold NaN/inf,
        or the coordinates are degenerate (rank < 2).

    Notes
    -----
    The coordinates are centred and whitened, :math:`w = C^{-1/2}(c - \bar c)`, which turns
    an ellipse into a circle whatever the rotation inside the eigenspace; then
    :math:`\hat\varphi = \operatorname{atan2}(w_2, w_1)` and, for both orientations
    :math:`s = \pm 1`, the offset is the circular mean
    :math:`\beta_s = \arg \sum_k e^{i(s\hat\varphi_k - \theta_k)}`.  The orientation with the
    smaller median :math:`|s\hat\varphi_k - \beta_s - \theta_k|` (wrapped to
    :math:`(-\pi, \pi]`) wins.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.linspace(0, 2 * np.pi, 50, endpoint=False)
    >>> res = circle_angles(np.column_stack([np.sin(t + 1), np.cos(t + 1)]), t)
    >>> round(res["median_error_deg"], 6), res["orientation"]
    (0.0, -1)
    """
    c = as_2d_float(coords, "coords", min_samples=3)
    th = as_2d_float(thetas, "thetas")
    if th.shape[1] != 1:
        raise ValueError(f"thetas must be a 1-D array of angles, got shape {np.shape(thetas)}.")
    th = th[:, 0]
    check_same_samples(c, th, "coords", "thetas")
    if c.shape[1] != 2:
        raise ValueError(f"coords must have two columns (a planar embedding of the circle), got {c.shape[1]}.")
    c = c - c.mean(axis=0)
    w, V = np.linalg.eigh(np.cov(c.T))
    if w[0] <= 1e-12 * max(w[1], np.finfo(float).tiny):
        raise ValueError("coords are degenerate (all on a line or a point); they cannot embed a circle.")
    if np.linalg.det(V) < 0:  # a proper rotation: the orientation refers to the given coordinates
        V[:, 1] *= -1
    white = c @ V / np.sqrt(w)
    phi = np.arctan2(white[:, 1], white[:, 0])
    best = None
    for s in (1, -1):
        d = s * phi - th
        off = float(np.angle(np.mean(np.exp(1j * d))))
        err = np.angle(np.exp(1j * (d - off)))
        med = float(np.degrees(np.median(np.abs(err))))
        if best is None or med < best[0]:
            best = (med, s, off, err)
    med, s, off, err = best
    return {
        "angles": np.angle(np.exp(1j * (s * phi - off))),
        "errors_deg": np.degrees(err),
        "median_error_deg": med,
        "max_error_deg": float(np.degrees(np.abs(err).max())),
        "orientation": int(s),
        "offset": off,
        "whitened": white,
    }


def latent_circle(
    codes,
    metric,
    *,
    n_eigenvectors: int = 6,
    random_state=0,
    n_neighbors_epsilon: int = COMPARE_DEFAULTS["n_neighbors_epsilon"],
):
    """Mahalanobis diffusion map of one latent space and its two circle coordinates.

    Parameters
    ----------
    codes : array of shape (N, d)
    metric : LocalMetric or None
        ``None``: a Euclidean diffusion map (for comparison).
    n_eigenvectors : int, default 6
    random_state : int, default 0
    n_neighbors_epsilon : int, default 4
        Bandwidth rule of the diffusion map (see :data:`COMPARE_DEFAULTS`).

    Returns
    -------
    IntrinsicCoordinates
        With two selected coordinates.

    Raises
    ------
    ValueError
        Those of :func:`netequiv.intrinsic_coordinates`.
    """
    from ..comparison import intrinsic_coordinates

    return intrinsic_coordinates(
        codes,
        metric,
        n_intrinsic=2,
        n_eigenvectors=n_eigenvectors,
        random_state=random_state,
        n_neighbors_epsilon=n_neighbors_epsilon,
    )


def compare_latents(
    codes_a,
    codes_b,
    metric_a,
    metric_b,
    *,
    n_coordinates=2,
    random_state=0,
    test_size: float = 0.2,
    n_neighbors_epsilon: int = COMPARE_DEFAULTS["n_neighbors_epsilon"],
    **kwargs,
):
    r""":func:`netequiv.compare_observations` of two latent spaces of the circle of views.

    Sets ``n_intrinsic=1`` (rank of the metrics: one angle), ``n_coordinates=2`` (a circle
    needs the pair :math:`\cos\theta, \sin\theta`) and the bandwidth rule of
    :data:`COMPARE_DEFAULTS`.

    Parameters
    ----------
    codes_a, codes_b : arrays of shape (N, d_a), (N, d_b)
        Latent codes of the same views.
    metric_a, metric_b : LocalMetric
        From :func:`latent_metric`.
    n_coordinates : int or (int, int), default 2
        Intrinsic coordinates selected from each side.  A pair such as ``(2, 1)`` gives
        each network its own count, for a network whose code cannot embed the circle (a
        one-number code has only one non-harmonic diffusion-map direction, and asking it for
        two raises).  With a pair the coordinate agreement is undefined (NaN) and the
        verdict rests on the two errors alone.
    random_state : int, default 0
    test_size : float, default 0.2
    n_neighbors_epsilon : int, default 4
    **kwargs
        Passed to :func:`netequiv.compare_observations`.

    Returns
    -------
    Comparison

    Raises
    ------
    ValueError
        "n_coordinates must be a positive integer or a pair of them", and those of
        :func:`netequiv.compare_observations`.
    """
    from ..comparison import compare_observations

    dk = {"n_neighbors_epsilon": n_neighbors_epsilon, **kwargs.pop("dmap_kwargs", {})}
    pair = np.atleast_1d(np.asarray(n_coordinates, dtype=object))
    if pair.size not in (1, 2) or not all(
        isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= 1 for v in pair
    ):
        raise ValueError(f"n_coordinates must be a positive integer or a pair of them, got {n_coordinates!r}.")
    n_a, n_b = int(pair[0]), int(pair[-1])
    return compare_observations(
        codes_a,
        codes_b,
        metric_a=metric_a,
        metric_b=metric_b,
        n_intrinsic=1,
        n_coordinates=(n_a, n_b),
        random_state=random_state,
        test_size=test_size,
        dmap_kwargs=dk,
        **kwargs,
    )


def decode_codes(model, codes, *, batch_size: int = 256) -> np.ndarray:
    """Images decoded from latent codes, as float64 numpy arrays.

    Parameters
    ----------
    model : netequiv.chapters.autoencoder.ConvAutoencoder
    codes : array of shape (N, latent_dim)
    batch_size : int, default 256

    Returns
    -------
    images : ndarray of shape (N, H, H)

    Raises
    ------
    ValueError
        When ``codes`` holds NaN/inf or has the wrong width.
    """
    import torch

    z = as_2d_float(codes, "codes")
    if z.shape[1] != model.config["latent_dim"]:
        raise ValueError(
            f"codes have {z.shape[1]} columns but the model's latent size is {model.config['latent_dim']}."
        )
    batch_size = _check_int(batch_size, "batch_size", 1)
    model.eval()
    with torch.no_grad():
        zt = torch.from_numpy(z.astype(np.float32))
        out = [model.decode(zt[i : i + batch_size])[:, 0] for i in range(0, len(z), batch_size)]
    return torch.cat(out).double().numpy()


def _rmse(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.sqrt(np.mean((a - b) ** 2)))


def images_through_transform(result, model_a, model_b, images, codes_a, codes_b) -> dict:
    r"""Image errors of :math:`T` and :math:`T^{-1}` on the comparison's held-out views.

    Parameters
    ----------
    result : Comparison
        From :func:`compare_latents` on ``codes_a``, ``codes_b`` (its ``test_index`` and
        ``predictions`` are used).
    model_a, model_b : ConvAutoencoder
    images : array of shape (N, H, H)
        The views whose codes were compared.
    codes_a, codes_b : arrays of shape (N, d_a), (N, d_b)

    Returns
    -------
    dict
        Per-pixel RMSE over the held-out views: ``rec_a``, ``rec_b`` (each autoencoder's own
        reconstruction error), ``via_t`` (:math:`D_B(T(z^A))` against the input),
        ``via_t_vs_b`` (against :math:`D_B(z^B)`), ``via_tinv`` and ``via_tinv_vs_a``
        (the same for :math:`D_A(T^{-1}(z^B))`), the ratios ``ratio_t = via_t / rec_b`` and
        ``ratio_tinv = via_tinv / rec_a``, and ``images``: a dict of (M, H, H) arrays
        ``input``, ``rec_a``, ``rec_b``, ``via_t``, ``via_tinv`` for plotting, with
        ``test_index``.

    Raises
    ------
    ValueError
        When the sample counts disagree.

    Notes
    -----
    :math:`T(z^A) = G_B(\Phi_A(z^A))` predicts B's code of a view from A's; decoding it with
    B's decoder must give nearly B's own reconstruction,
    :math:`D_B(T(z^A_k)) \approx D_B(z^B_k) \approx x_k`.
    """
    x = np.asarray(images, dtype=np.float64)
    za, zb = as_2d_float(codes_a, "codes_a"), as_2d_float(codes_b, "codes_b")
    check_same_samples(x, za, "images", "codes_a")
    check_same_samples(za, zb, "codes_a", "codes_b")
    idx = np.asarray(result.test_index)
    if idx.size == 0 or idx.max() >= len(x):
        raise ValueError("result.test_index does not index these images; pass the codes that were compared.")
    xt = x[idx]
    imgs = {
        "input": xt,
        "rec_a": decode_codes(model_a, za[idx]),
        "rec_b": decode_codes(model_b, zb[idx]),
        "via_t": decode_codes(model_b, result.predictions["b_from_a"]),
        "via_tinv": decode_codes(model_a, result.predictions["a_from_b"]),
    }
    out = {
        "rec_a": _rmse(imgs["rec_a"], xt),
        "rec_b": _rmse(imgs["rec_b"], xt),
        "via_t": _rmse(imgs["via_t"], xt),
        "via_t_vs_b": _rmse(imgs["via_t"], imgs["rec_b"]),
        "via_tinv": _rmse(imgs["via_tinv"], xt),
        "via_tinv_vs_a": _rmse(imgs["via_tinv"], imgs["rec_a"]),
    }
    out["ratio_t"] = out["via_t"] / out["rec_b"]
    out["ratio_tinv"] = out["via_tinv"] / out["rec_a"]
    out["images"] = imgs
    out["test_index"] = idx
    return out
