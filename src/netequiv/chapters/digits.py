r"""Handwritten digits under rotation and scaling: data, classifiers and probes of the digits chapter.

Book-only helpers of the chapter :doc:`/notebooks/digits`, in which two image classifiers
trained on scikit-learn's handwritten digits are compared on a manifold of transformed
images of one held-out digit.

* **The warp and its exact tangents** (:func:`render`).  An 8 x 8 digit is turned into a
  smooth image by placing a Gaussian of width :data:`BLUR` on every pixel,

  .. math::

      f(p) = \sum_{r, c} a_{rc}\, \exp\!\Bigl(-\frac{\lVert p - p_{rc}\rVert^2}{2\sigma^2}\Bigr),

  and the canvas pixel :math:`q` of the image rotated by :math:`\theta` and scaled by
  :math:`s = e^{\lambda}` shows :math:`I_{\theta,\lambda}(q) = f\bigl(e^{-\lambda} R_{-\theta}\, q\bigr)`.
  The image is an analytic function of :math:`(\theta, \lambda)`, so its derivatives, the
  tangents of the image manifold, are exact:

  .. math::

      \frac{\partial I}{\partial \theta} = \nabla f(p)\cdot (p_2, -p_1), \qquad
      \frac{\partial I}{\partial \lambda} = -\nabla f(p)\cdot p, \qquad
      p = e^{-\lambda} R_{-\theta}\, q .

* **The input manifolds** (:func:`sample_family`): a curve (rotation, :math:`n = 1`) and a
  surface (rotation x scale, :math:`n = 2`) of images of one digit.
* **The classifiers** (:func:`build_network`, :func:`train_classifier`): a ReLU CNN with
  max pooling, a GELU CNN with average pooling, and a network that reads only normalised
  central moments of the image (:class:`MomentFeatures`), hence invariant to scale; trained
  with rotation and scale augmentation and cached (``netequiv.chapters.cache``).
* **Controls** (:func:`observe_folded`, :func:`rising_falling_unit`): observations that fold
  the manifold.
* **Probes and transfer** (:class:`LinearProbe`, :func:`transfer_probe`): a linear readout
  of the transformation parameters trained on one network's observations and carried to
  the other network through the fitted map :math:`T^{-1}`.
"""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np
import torch

from .. import choose_neurons, compare_observations, linear_cka, observe, svcca
from .._validation import as_2d_float, check_int, check_positive, check_random_state
from ..observation import Observation
from . import cache as _cache

__all__ = [
    "ARCHITECTURES",
    "AUGMENT_LOG_SCALE",
    "AUGMENT_THETA",
    "BLUR",
    "CLASSIFIERS",
    "CURVE_THETA",
    "DigitSplit",
    "EXTENT",
    "Family",
    "IMAGE_SIZE",
    "LinearProbe",
    "MomentFeatures",
    "SURFACE_LOG_SCALE",
    "SURFACE_THETA",
    "augmented_images",
    "build_network",
    "canvas_coordinates",
    "chart_r2",
    "classify",
    "compare_on",
    "compare_pairs",
    "comparison_row",
    "digit_sweep",
    "evaluate_classifier",
    "load_digit_split",
    "markdown_table",
    "network_rows",
    "observe_folded",
    "observe_units",
    "probe_scores",
    "render",
    "rising_falling_unit",
    "sample_family",
    "score_extremes",
    "select_columns",
    "tangent_check",
    "train_classifier",
    "train_networks",
    "transfer_probe",
    "transfer_rows",
]

#: Side of the square canvas in pixels.
IMAGE_SIZE = 20
#: Half-width of the canvas in units of the digit's pixel spacing (the 8 x 8 digit spans 8).
EXTENT = 10.0
#: Width :math:`\sigma` of the Gaussian placed on each digit pixel, in the same units.
BLUR = 1.0
#: Rotations of the training augmentation, radians: uniform on [-AUGMENT_THETA, AUGMENT_THETA].
AUGMENT_THETA = float(np.radians(45.0))
#: Log-scales of the training augmentation: uniform on this interval (scales 0.8 to 1.25).
AUGMENT_LOG_SCALE = (float(np.log(0.8)), float(np.log(1.25)))

#: Rotation range of the curve (:math:`n = 1`), degrees.
CURVE_THETA = (-40.0, 40.0)
#: Rotation range of the surface (:math:`n = 2`), degrees.
SURFACE_THETA = (-30.0, 30.0)
#: Log-scale range of the surface (scales 0.86 to 1.16).
SURFACE_LOG_SCALE = (-0.15, 0.15)

_TRAINING_VERSION = 1


# --------------------------------------------------------------------------- data


@dataclass
class DigitSplit:
    """scikit-learn's handwritten digits, scaled to [0, 1], split into training and test digits.

    Attributes
    ----------
    images : ndarray of shape (1797, 8, 8)
        Pixel values divided by 16.
    labels : ndarray of int, shape (1797,)
    train, test : ndarray of int
        Indices of the training and the held-out digits (stratified by label).
    """

    images: np.ndarray
    labels: np.ndarray
    train: np.ndarray
    test: np.ndarray

    def digit(self, label: int, k: int = 0) -> np.ndarray:
        """The ``k``-th held-out digit with this label, shape (8, 8)."""
        idx = self.test[self.labels[self.test] == label]
        if not 0 <= k < len(idx):
            raise ValueError(f"there are {len(idx)} held-out digits with label {label}; k={k} is out of range.")
        return self.images[idx[k]]


def load_digit_split(test_size: float = 0.25, random_state=0) -> DigitSplit:
    """Load the 1,797 digits that ship with scikit-learn and split them (no download).

    Parameters
    ----------
    test_size : float, default 0.25
        Fraction of digits held out; the chapter's manifolds are made of held-out digits.
    random_state : int, default 0
        Seed of the stratified split.

    Returns
    -------
    DigitSplit
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    idx = np.arange(len(y))
    train, test = train_test_split(idx, test_size=test_size, random_state=random_state, stratify=y)
    return DigitSplit(
        images=(X / 16.0).reshape(-1, 8, 8), labels=y.astype(int), train=np.sort(train), test=np.sort(test)
    )


def canvas_coordinates(size: int = IMAGE_SIZE, extent: float = EXTENT) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates :math:`q = (q_1, q_2)` of the canvas pixel centres, each of shape (size, size).

    :math:`q_1` grows to the right, :math:`q_2` upwards (row 0 is the top row), in units of
    the digit's pixel spacing; the canvas covers :math:`[-\\text{extent}, \\text{extent}]^2`.
    """
    size = check_int(size, "size", 1)
    extent = check_positive(extent, "extent")
    h = 2.0 * extent / size
    c = -extent + h * (np.arange(size) + 0.5)
    q1, q2 = np.meshgrid(c, -c)
    return q1, q2


def render(
    digits,
    theta,
    log_scale=0.0,
    *,
    tangents: bool = False,
    size: int = IMAGE_SIZE,
    extent: float = EXTENT,
    blur: float = BLUR,
):
    r"""Images of digits rotated by ``theta`` and scaled by ``exp(log_scale)``, and their exact tangents.

    Parameters
    ----------
    digits : array of shape (8, 8) or (N, 8, 8)
        Pixel values (one digit for every sample, or one per sample).
    theta : array of shape (N,) or float
        Rotation angles in radians (counter-clockwise as displayed).
    log_scale : array of shape (N,) or float, default 0
        :math:`\lambda = \ln s`; the image is magnified by :math:`s`.
    tangents : bool, default False
        Also return :math:`\partial I/\partial\theta` and :math:`\partial I/\partial\lambda`.
    size, extent, blur : optional
        Canvas side in pixels, canvas half-width and Gaussian width in units of the digit's
        pixel spacing (defaults :data:`IMAGE_SIZE`, :data:`EXTENT`, :data:`BLUR`).

    Returns
    -------
    images : ndarray of shape (N, 1, size, size)
    tangent_images : ndarray of shape (N, 1, size, size, 2)
        Only with ``tangents=True``: the derivatives with respect to :math:`\theta` (per
        radian) and :math:`\lambda`, exact (see the module docstring).

    Raises
    ------
    ValueError
        "digits must have shape (8, 8) or (N, 8, 8) ..."; "theta and log_scale must be ...".

    Examples
    --------
    >>> import numpy as np
    >>> digit = np.eye(8)
    >>> img, tan = render(digit, [0.0, 0.3], tangents=True)
    >>> img.shape, tan.shape
    ((2, 1, 16, 16), (2, 1, 16, 16, 2))
    """
    blur = check_positive(blur, "blur")
    theta = np.atleast_1d(np.asarray(theta, dtype=np.float64))
    if theta.ndim != 1 or not np.isfinite(theta).all():
        raise ValueError(f"theta and log_scale must be finite scalars or 1-D arrays, got theta of shape {theta.shape}.")
    try:
        lam = np.broadcast_to(np.asarray(log_scale, dtype=np.float64), theta.shape)
    except ValueError:
        raise ValueError(
            f"theta and log_scale must be finite scalars or 1-D arrays of the same length, got {theta.shape} "
            f"and {np.shape(log_scale)}."
        ) from None
    if not np.isfinite(lam).all():
        raise ValueError("theta and log_scale must be finite scalars or 1-D arrays; log_scale holds NaN or inf.")
    N = len(theta)
    digits = np.asarray(digits, dtype=np.float64)
    if digits.shape == (8, 8):
        digits = np.broadcast_to(digits, (N, 8, 8))
    if digits.shape != (N, 8, 8):
        raise ValueError(f"digits must have shape (8, 8) or (N, 8, 8) with N = {N} angles, got {digits.shape}.")
    q1, q2 = canvas_coordinates(size, extent)
    q1, q2 = q1.ravel(), q2.ravel()
    c, s = np.cos(theta)[:, None], np.sin(theta)[:, None]
    shrink = np.exp(-lam)[:, None]
    # p = exp(-lambda) R(-theta) q, the point of the digit shown at canvas pixel q
    p1 = shrink * (c * q1 + s * q2)
    p2 = shrink * (-s * q1 + c * q2)
    centre = np.arange(8) - 3.5  # digit column c sits at x = c - 3.5, row r at y = 3.5 - r
    d1 = p1[:, :, None] - centre
    d2 = p2[:, :, None] + centre
    g1 = np.exp(-(d1**2) / (2 * blur**2))
    g2 = np.exp(-(d2**2) / (2 * blur**2))
    images = np.einsum("npr,nrc,npc->np", g2, digits, g1).reshape(N, 1, size, size)
    if not tangents:
        return images
    f1 = np.einsum("npr,nrc,npc->np", g2, digits, -d1 / blur**2 * g1)  # df/dp1
    f2 = np.einsum("npr,nrc,npc->np", -d2 / blur**2 * g2, digits, g1)  # df/dp2
    d_theta = f1 * p2 - f2 * p1
    d_lambda = -(f1 * p1 + f2 * p2)
    return images, np.stack([d_theta, d_lambda], axis=-1).reshape(N, 1, size, size, 2)


@dataclass
class Family:
    r"""Images of one digit sampled on a manifold of transformations, with exact tangents.

    Attributes
    ----------
    params : ndarray of shape (N, n)
        :math:`\theta` (radians) and, for :math:`n = 2`, :math:`\lambda = \ln s`.
    images : ndarray of shape (N, 1, size, size)
    tangents : ndarray of shape (N, 1, size, size, n)
        :math:`\partial I / \partial u_k` for the manifold coordinates
        :math:`u = (\theta, \lambda / w)`: the derivatives of :func:`render` times
        ``tangent_scale``.
    digit : ndarray of shape (8, 8)
    names : list of str
        ``["theta"]`` or ``["theta", "log_scale"]``.
    tangent_scale : ndarray of shape (n,)
        :math:`(1, w)`: the length of one unit of each parameter in the metric the tangents
        define (:math:`\theta` in radians).
    """

    params: np.ndarray
    images: np.ndarray
    tangents: np.ndarray
    digit: np.ndarray
    names: list = field(default_factory=list)
    tangent_scale: np.ndarray = field(default_factory=lambda: np.ones(1))

    @property
    def theta(self) -> np.ndarray:
        """The rotation angles, radians, shape (N,)."""
        return self.params[:, 0]

    @property
    def n_intrinsic(self) -> int:
        """Dimension :math:`n` of the manifold."""
        return int(self.params.shape[1])


def sample_family(
    digit, n_samples: int, *, theta_range=(-40.0, 40.0), log_scale_range=None, square: bool = True, random_state=0
) -> Family:
    r"""Sample the rotation curve (:math:`n = 1`) or the rotation x scale surface (:math:`n = 2`).

    The tangents define the metric of the manifold, that of its parameters.  On the surface
    the log-scale is measured in units of :math:`w = \Delta\lambda / \Delta\theta` (the ratio
    of the two ranges, :math:`\theta` in radians) when ``square`` is true, so that the sampled
    rectangle is a square: its first two diffusion-map eigenfunctions are then one along each
    side, instead of several harmonics of the long side before the first of the short one.

    Parameters
    ----------
    digit : array of shape (8, 8)
    n_samples : int
        Number of images ``N``; the parameters are drawn uniformly at random.
    theta_range : (float, float), default (-40, 40)
        Range of the rotation angle, **degrees**.
    log_scale_range : (float, float), optional
        Range of :math:`\lambda = \ln s`; given, the family is two-dimensional.
    square : bool, default True
        Scale the :math:`\lambda` tangent by :math:`w` (see above); ``False`` keeps
        :math:`\partial I/\partial\lambda`.
    random_state : int or Generator, default 0

    Returns
    -------
    Family

    Raises
    ------
    ValueError
        "n_samples must be an integer >= 2 ..."; "theta_range must be (low, high) with low < high ...".
    """
    n_samples = check_int(n_samples, "n_samples", 2)
    rng = check_random_state(random_state)
    ranges = [("theta_range", theta_range)] + ([("log_scale_range", log_scale_range)] if log_scale_range else [])
    for name, (lo, hi) in ranges:
        if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
            raise ValueError(f"{name} must be (low, high) with low < high, got {(lo, hi)!r}.")
    theta = np.radians(rng.uniform(theta_range[0], theta_range[1], n_samples))
    if log_scale_range is None:
        lam = np.zeros(n_samples)
        params, names, scale = theta[:, None], ["theta"], np.ones(1)
    else:
        lam = rng.uniform(log_scale_range[0], log_scale_range[1], n_samples)
        params, names = np.column_stack([theta, lam]), ["theta", "log_scale"]
        w = (log_scale_range[1] - log_scale_range[0]) / np.radians(theta_range[1] - theta_range[0])
        scale = np.array([1.0, w if square else 1.0])
    digit = np.asarray(digit, dtype=np.float64)
    images, tangents = render(digit, theta, lam, tangents=True)
    return Family(
        params=params,
        images=images,
        tangents=tangents[..., : params.shape[1]] * scale,
        digit=digit,
        names=names,
        tangent_scale=scale,
    )


def observe_folded(model, family: Family, **observe_kwargs):
    r"""Observe a network on the images at :math:`|\theta|` instead of :math:`\theta`: a fold at 0.

    The observation :math:`y(\theta) = F(I_{|\theta|, \lambda})` cannot tell :math:`\theta`
    from :math:`-\theta`.  Its Jacobian along the manifold is exact: the network's Jacobian
    along the tangents at :math:`|\theta|`, with the :math:`\theta` column multiplied by
    :math:`\operatorname{sign}\theta`.

    Parameters
    ----------
    model : torch.nn.Module
    family : Family
    **observe_kwargs
        ``layers``, ``output`` ... of :func:`netequiv.observe`.

    Returns
    -------
    Observation
        As from :func:`netequiv.observe` with ``jacobian=True``.
    """

    theta = family.theta
    lam = family.params[:, 1] if family.n_intrinsic == 2 else 0.0
    images, tangents = render(family.digit, np.abs(theta), lam, tangents=True)
    tangents = tangents[..., : family.n_intrinsic] * family.tangent_scale
    obs = observe(model, images, jacobian=True, tangents=tangents, **observe_kwargs)
    obs.jac[:, :, 0] *= np.where(theta < 0, -1.0, 1.0)[:, None]
    return obs


def rising_falling_unit(y, theta) -> int:
    r"""The feature of ``y`` that rises and falls most clearly along :math:`\theta`.

    For each column, the rise from each end of the :math:`\theta` interval to the column's
    interior extremum, the smaller of the two, relative to the column's range.  A feature
    with a large score folds the curve: inputs on both sides of its extremum share values.

    Parameters
    ----------
    y : array of shape (N, d)
    theta : array of shape (N,)

    Returns
    -------
    int
        The column with the largest score.
    """
    y = as_2d_float(y, "y")
    order = np.argsort(np.asarray(theta, dtype=np.float64))
    ys = y[order]
    k = max(1, len(ys) // 50)  # average the ends over a few samples
    first, last = ys[:k].mean(0), ys[-k:].mean(0)
    span = np.ptp(ys, axis=0) + 1e-300
    up = np.minimum(ys.max(0) - first, ys.max(0) - last)
    down = np.minimum(first - ys.min(0), last - ys.min(0))
    return int(np.argmax(np.maximum(up, down) / span))


def chart_r2(coords, params, degree: int = 3) -> np.ndarray:
    r"""How well intrinsic coordinates determine each parameter of the family: :math:`R^2` of a polynomial fit.

    Each parameter is fitted by least squares with all monomials of the (standardised)
    coordinates up to ``degree``.  Coordinates that form a chart of the manifold determine
    every parameter (:math:`R^2` close to 1) whatever their orientation or mixing — the
    first eigenfunctions of a square may come out as any rotation of the two along its
    sides; a coordinate set that misses a direction leaves that parameter unexplained
    (:math:`R^2` near 0).

    Parameters
    ----------
    coords : array of shape (N, k)
        Intrinsic coordinates.
    params : array of shape (N, n)
    degree : int, default 3

    Returns
    -------
    ndarray of shape (n,)
    """
    from itertools import combinations_with_replacement

    coords, params = as_2d_float(coords, "coords"), as_2d_float(params, "params")
    if len(coords) != len(params):
        raise ValueError(f"coords has {len(coords)} samples but params has {len(params)}.")
    degree = check_int(degree, "degree", 1)
    z = (coords - coords.mean(0)) / np.where(coords.std(0) > 0, coords.std(0), 1.0)
    cols = [np.ones(len(z))]
    for d in range(1, degree + 1):
        for idx in combinations_with_replacement(range(z.shape[1]), d):
            cols.append(np.prod(z[:, list(idx)], axis=1))
    X = np.column_stack(cols)
    coef = np.linalg.lstsq(X, params, rcond=None)[0]
    resid = ((params - X @ coef) ** 2).sum(0)
    total = ((params - params.mean(0)) ** 2).sum(0)
    return 1.0 - resid / total


# --------------------------------------------------------------------------- networks


def _moment_orders(max_order: int) -> list[tuple[int, int]]:
    return [(p, q) for p in range(max_order + 1) for q in range(max_order + 1) if 2 <= p + q <= max_order]


class MomentFeatures(torch.nn.Module):
    r"""Normalised central moments :math:`\eta_{pq}` of an image, :math:`2 \le p + q \le` ``max_order``.

    .. math::

        \eta_{pq} = \frac{\mu_{pq}}{\mu_{00}^{1 + (p+q)/2}}, \qquad
        \mu_{pq} = \sum_q I(q)\,(q_1 - \bar q_1)^p (q_2 - \bar q_2)^q ,

    with the centroid :math:`\bar q` of the intensity, at the canvas coordinates of
    :func:`canvas_coordinates`.  For an image magnified by :math:`s` (content and blur
    alike) :math:`\mu_{pq}` grows as :math:`s^{p+q+2}`, so :math:`\eta_{pq}` does not
    change :cite:`hu1962visual`: a network that reads only these features is invariant to
    scale (up to the sampling of the image on the pixel grid), translation and contrast, but
    not to rotation.

    Parameters
    ----------
    max_order : int, default 4
        Highest order :math:`p + q` (12 features for 4).
    size, extent : optional
        The canvas (:data:`IMAGE_SIZE`, :data:`EXTENT`).
    """

    def __init__(self, max_order: int = 4, size: int = IMAGE_SIZE, extent: float = EXTENT):
        super().__init__()
        q1, q2 = canvas_coordinates(size, extent)
        self.register_buffer("q1", torch.as_tensor(q1, dtype=torch.float32))
        self.register_buffer("q2", torch.as_tensor(q2, dtype=torch.float32))
        self.orders = _moment_orders(check_int(max_order, "max_order", 2))

    @property
    def n_features(self) -> int:
        """Number of moments."""
        return len(self.orders)

    def forward(self, x):
        """Moments of a batch of images (B, 1, H, W) or (B, H, W), shape (B, n_features)."""
        img = x.reshape(x.shape[0], x.shape[-2], x.shape[-1])
        q1, q2 = self.q1.to(img.dtype), self.q2.to(img.dtype)
        m00 = img.sum((1, 2))
        c1 = (img * q1).sum((1, 2)) / m00
        c2 = (img * q2).sum((1, 2)) / m00
        d1, d2 = q1 - c1[:, None, None], q2 - c2[:, None, None]
        feats = [(img * d1**p * d2**q).sum((1, 2)) / m00 ** (1 + (p + q) / 2) for p, q in self.orders]
        return torch.stack(feats, dim=1)


class _Standardise(torch.nn.Module):
    """``(x - mean) / scale`` with fixed buffers (set from the training features)."""

    def __init__(self, n: int):
        super().__init__()
        self.register_buffer("mean", torch.zeros(n))
        self.register_buffer("scale", torch.ones(n))

    def forward(self, x):
        return (x - self.mean.to(x.dtype)) / self.scale.to(x.dtype)


#: The chapter's classifiers: a short description of each architecture (see :func:`build_network`).
ARCHITECTURES = {
    "relu_cnn": "conv 3x3 (16) - ReLU - max pool - conv 3x3 (32) - ReLU - max pool - dense 128 - ReLU - 10",
    "gelu_cnn": "conv 5x5 (12) - GELU - avg pool - conv 3x3 (24) - GELU - avg pool - dense 96 - GELU - 10",
    "moments": "12 normalised central moments (orders 2-4) - standardise - dense 128 - tanh - dense 128 - tanh - 10",
}


def build_network(kind: str, seed: int = 0):
    """A freshly initialised classifier of 16 x 16 images into 10 classes (float32).

    Parameters
    ----------
    kind : {"relu_cnn", "gelu_cnn", "moments"}
        See :data:`ARCHITECTURES`.  The layers are named (``conv1``, ``act1``, ...,
        ``act3`` = the dense hidden layer of the CNNs, ``out``), so that
        :func:`netequiv.observe` can pick units by name.
    seed : int, default 0
        Seed of the initial weights.

    Returns
    -------
    torch.nn.Sequential

    Raises
    ------
    ValueError
        "kind must be one of ...".
    """
    nn = torch.nn
    if kind not in ARCHITECTURES:
        raise ValueError(f"kind must be one of {sorted(ARCHITECTURES)}, got {kind!r}.")
    torch.manual_seed(check_int(seed, "seed", 0))
    if kind == "relu_cnn":
        layers = OrderedDict(
            conv1=nn.Conv2d(1, 16, 3, padding=1),
            act1=nn.ReLU(),
            pool1=nn.MaxPool2d(2),
            conv2=nn.Conv2d(16, 32, 3, padding=1),
            act2=nn.ReLU(),
            pool2=nn.MaxPool2d(2),
            flat=nn.Flatten(),
            fc1=nn.Linear(32 * (IMAGE_SIZE // 4) ** 2, 128),
            act3=nn.ReLU(),
            out=nn.Linear(128, 10),
        )
    elif kind == "gelu_cnn":
        layers = OrderedDict(
            conv1=nn.Conv2d(1, 12, 5, padding=2),
            act1=nn.GELU(),
            pool1=nn.AvgPool2d(2),
            conv2=nn.Conv2d(12, 24, 3, padding=1),
            act2=nn.GELU(),
            pool2=nn.AvgPool2d(2),
            flat=nn.Flatten(),
            fc1=nn.Linear(24 * (IMAGE_SIZE // 4) ** 2, 96),
            act3=nn.GELU(),
            out=nn.Linear(96, 10),
        )
    else:
        moments = MomentFeatures()
        k = moments.n_features
        layers = OrderedDict(
            moments=moments,
            norm=_Standardise(k),
            fc1=nn.Linear(k, 128),
            act1=nn.Tanh(),
            fc2=nn.Linear(128, 128),
            act2=nn.Tanh(),
            out=nn.Linear(128, 10),
        )
    return nn.Sequential(layers).float()


def augmented_images(split: DigitSplit, indices, copies: int, random_state=0):
    """Each digit of ``indices`` rendered ``copies`` times at random rotations and scales.

    Angles are uniform on :math:`[-45°, 45°]` (:data:`AUGMENT_THETA`) and log-scales uniform
    on :data:`AUGMENT_LOG_SCALE` (scales 0.8 to 1.25).

    Returns
    -------
    images : ndarray of shape (len(indices) * copies, 1, 16, 16), float32
    labels : ndarray of int
    """
    copies = check_int(copies, "copies", 1)
    rng = check_random_state(random_state)
    idx = np.repeat(np.asarray(indices), copies)
    theta = rng.uniform(-AUGMENT_THETA, AUGMENT_THETA, len(idx))
    lam = rng.uniform(*AUGMENT_LOG_SCALE, len(idx))
    images = np.concatenate(
        [
            render(split.images[idx[i : i + 2000]], theta[i : i + 2000], lam[i : i + 2000])
            for i in range(0, len(idx), 2000)
        ]
    )
    return images.astype(np.float32), split.labels[idx]


def classify(model, images, batch_size: int = 2048) -> np.ndarray:
    """Predicted classes of images (N, 1, H, W) by a classifier (argmax of its outputs)."""
    model.eval()
    dtype = next(model.parameters()).dtype
    out = []
    with torch.no_grad():
        for i in range(0, len(images), batch_size):
            out.append(model(torch.as_tensor(np.asarray(images[i : i + batch_size]), dtype=dtype)).argmax(1).numpy())
    return np.concatenate(out)


def _split_digest(split: DigitSplit) -> str:
    h = hashlib.sha256()
    for a in (split.images, split.labels, split.train):
        h.update(np.ascontiguousarray(a).tobytes())
    h.update(repr((IMAGE_SIZE, EXTENT, BLUR, AUGMENT_THETA, AUGMENT_LOG_SCALE)).encode())
    return h.hexdigest()[:16]


def train_classifier(
    kind: str,
    split: DigitSplit,
    *,
    epochs: int,
    copies: int,
    seed: int = 0,
    lr: float = 3e-3,
    batch_size: int = 128,
    cache: bool = True,
    n_test_copies: int = 4,
):
    r"""Train (or load from the cache) a classifier of rotated and scaled digits.

    Parameters
    ----------
    kind : {"relu_cnn", "gelu_cnn", "moments"}
        The architecture (:func:`build_network`).
    split : DigitSplit
        Only ``split.train`` digits are used for training.
    epochs : int
        Passes over the augmented training set.
    copies : int
        Random renderings of each training digit (:func:`augmented_images`).
    seed : int, default 0
        Seed of the weights, the augmentation and the batch order.
    lr : float, default 3e-3
        Peak learning rate of Adam under a one-cycle schedule.
    batch_size : int, default 128
    cache : bool, default True
        Reuse the weights of an identical earlier run from the cache and store new ones.
    n_test_copies : int, default 4
        Random renderings of each held-out digit for the test accuracy
        (:func:`evaluate_classifier`).

    Returns
    -------
    model : torch.nn.Sequential
        The trained classifier, float32, eval mode.
    info : dict
        ``kind``, ``n_params``, ``accuracy`` (held-out digits at random rotations and scales
        of the training ranges), ``accuracy_upright`` (held-out digits as they are),
        ``train_s`` (0 on a cache hit), ``cache_hit``, ``path``.

    Notes
    -----
    Cross-entropy, float32, one thread per process as set by the caller.  For ``"moments"``
    the standardisation of the moment features is fixed from the training images before
    training.  An unusable cache entry is retrained after a ``CacheWarning``.
    """
    epochs = check_int(epochs, "epochs", 1)
    copies = check_int(copies, "copies", 1)
    seed = check_int(seed, "seed", 0)
    lr = check_positive(lr, "lr")
    batch_size = check_int(batch_size, "batch_size", 1)
    net = build_network(kind, seed)
    n_params = int(sum(p.numel() for p in net.parameters()))
    path = None
    state = None
    if cache:
        stem = _cache.key(
            kind=kind,
            seed=seed,
            epochs=epochs,
            copies=copies,
            lr=lr,
            batch_size=batch_size,
            data=_split_digest(split),
            version=_TRAINING_VERSION,
            torch=torch.__version__.split("+")[0],
        )
        path = _cache.cache_dir("models") / f"digits-{kind}-{stem}.pt"
    with _cache.entry_lock(path):  # another process training the same network: wait, then read it
        if path is not None:
            state = _cache.read_entry(path, _cache.load_torch, lambda st: _cache.check_state_dict(st, net.state_dict()))
        t0 = time.perf_counter()
        if state is not None:
            net.load_state_dict(state)
        else:
            x, y = augmented_images(split, split.train, copies, random_state=seed + 1)
            X, Y = torch.from_numpy(x), torch.from_numpy(y)
            if kind == "moments":
                with torch.no_grad():
                    f = net.moments(X)
                    net.norm.mean.copy_(f.mean(0))
                    net.norm.scale.copy_(f.std(0))
            gen = torch.Generator().manual_seed(seed)
            opt = torch.optim.Adam(net.parameters(), lr=lr)
            steps = epochs * ((len(X) + batch_size - 1) // batch_size)
            sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps)
            net.train()
            for _ in range(epochs):
                perm = torch.randperm(len(X), generator=gen)
                for i in range(0, len(X), batch_size):
                    b = perm[i : i + batch_size]
                    loss = torch.nn.functional.cross_entropy(net(X[b]), Y[b])
                    opt.zero_grad()
                    loss.backward()
                    opt.step()
                    sched.step()
            if path is not None:
                with _cache.atomic_path(path) as tmp:
                    torch.save(net.state_dict(), tmp)
        train_s = 0.0 if state is not None else time.perf_counter() - t0
    net.eval()
    for p in net.parameters():
        p.requires_grad_(False)
    info = {
        "kind": kind,
        "n_params": n_params,
        **evaluate_classifier(net, split, n_copies=n_test_copies),
        "train_s": train_s,
        "cache_hit": state is not None,
        "path": "" if path is None else str(path),
    }
    return net, info


def evaluate_classifier(model, split: DigitSplit, *, n_copies: int = 4, random_state=10_000) -> dict:
    """Accuracy on the held-out digits, transformed as in training and as they are.

    Parameters
    ----------
    model : torch.nn.Module
        A classifier of (N, 1, 20, 20) images.
    split : DigitSplit
    n_copies : int, default 4
        Random renderings of each held-out digit (:func:`augmented_images`).
    random_state : int, default 10000
        Seed of those renderings (the same for every network).

    Returns
    -------
    dict
        ``accuracy`` (rotated and scaled held-out digits) and ``accuracy_upright``.
    """
    xt, yt = augmented_images(split, split.test, n_copies, random_state=random_state)
    upright = render(split.images[split.test], np.zeros(len(split.test)))
    return {
        "accuracy": float(np.mean(classify(model, xt) == yt)),
        "accuracy_upright": float(np.mean(classify(model, upright) == split.labels[split.test])),
    }


# --------------------------------------------------------------------------- probes and transfer


class LinearProbe:
    r"""A linear readout :math:`\hat t = w^\top \tilde y + b` of standardised observations (ridge).

    Parameters
    ----------
    alpha : float, default 1e-6
        Ridge penalty on the standardised features (relative to the number of samples).

    Attributes
    ----------
    mean_, scale_ : ndarray of shape (d,)
        Standardisation of the training observations.
    coef_ : ndarray of shape (d, k)
    intercept_ : ndarray of shape (k,)
    """

    def __init__(self, alpha: float = 1e-6):
        self.alpha = alpha

    def fit(self, y, target) -> LinearProbe:
        """Fit on observations ``y`` (N, d) and targets (N,) or (N, k); returns ``self``."""
        y = as_2d_float(y, "y", min_samples=2)
        t = as_2d_float(target, "target")
        if len(t) != len(y):
            raise ValueError(f"y has {len(y)} samples but target has {len(t)}.")
        alpha = check_positive(self.alpha, "alpha")
        self.mean_ = y.mean(0)
        self.scale_ = np.where(y.std(0) > 0, y.std(0), 1.0)
        z = (y - self.mean_) / self.scale_
        tm = t.mean(0)
        A = z.T @ z + alpha * len(z) * np.eye(z.shape[1])
        self.coef_ = np.linalg.solve(A, z.T @ (t - tm))
        self.intercept_ = tm
        return self

    def predict(self, y) -> np.ndarray:
        """The readout of new observations, shape (M, k)."""
        if not hasattr(self, "coef_"):
            raise ValueError("this LinearProbe is not fitted yet; call fit(y, target) first.")
        y = as_2d_float(y, "y")
        if y.shape[1] != len(self.mean_):
            raise ValueError(f"y has {y.shape[1]} features, but the probe was fitted on {len(self.mean_)}.")
        return (y - self.mean_) / self.scale_ @ self.coef_ + self.intercept_


def probe_scores(prediction, target) -> dict:
    r""":math:`R^2` and RMSE of a readout, per target column.

    Returns
    -------
    dict
        ``r2`` and ``rmse`` (lists, one value per column); :math:`R^2 = 1 -
        \sum (\hat t - t)^2 / \sum (t - \bar t)^2` on the samples given (0: no better than
        their mean, negative: worse).
    """
    p, t = as_2d_float(prediction, "prediction"), as_2d_float(target, "target")
    if p.shape != t.shape:
        raise ValueError(f"prediction has shape {p.shape} but target has {t.shape}.")
    ss = ((t - t.mean(0)) ** 2).sum(0)
    r2 = 1.0 - ((p - t) ** 2).sum(0) / np.where(ss > 0, ss, np.nan)
    return {"r2": r2.tolist(), "rmse": np.sqrt(((p - t) ** 2).mean(0)).tolist()}


def transfer_probe(comparison, y_a, y_b, target, *, columns=None, alpha: float = 1e-6) -> dict:
    r"""Carry a linear readout from network A to network B through :math:`T^{-1}`, without retraining.

    A probe :math:`P_A` is fitted on A's observations of the comparison's *training*
    samples.  On the held-out samples, B's observations are mapped to A's by the fitted
    :math:`T^{-1} = G_A\circ\Phi_B` (:meth:`netequiv.Comparison.backward`, which needs
    nothing of A) and read out: :math:`\hat t = P_A(T^{-1}(y^B))`.

    Parameters
    ----------
    comparison : netequiv.Comparison
        From :func:`netequiv.compare` or :func:`netequiv.compare_observations` on these
        observations.
    y_a, y_b : arrays of shape (N, d_A), (N, d_B)
        The observations the comparison was fitted on (all N samples).
    target : array of shape (N,) or (N, k)
        What the probe reads out (e.g. :math:`\theta`).
    columns : list of str, optional
        Names of the target columns (default ``["target 0", ...]``), kept in the result.
    alpha : float, default 1e-6
        Ridge penalty of every probe.

    Returns
    -------
    dict
        Scores (:func:`probe_scores`) on the held-out samples of: ``carried``
        (:math:`P_A\circ T^{-1}` on B), ``retrained`` (a probe fitted on B's own training
        observations), ``on_a`` (:math:`P_A` on A itself), ``raw`` (:math:`P_A` applied to
        B's observations as if they were A's; only when :math:`d_A = d_B`, else ``None``)
        and ``chance`` (the training mean); ``predictions`` holds the held-out predictions,
        ``target`` the held-out targets and ``columns`` their names.
    """
    y_a, y_b = as_2d_float(y_a, "y_a"), as_2d_float(y_b, "y_b")
    t = as_2d_float(target, "target")
    tr, te = comparison.train_index, comparison.test_index
    probe_a = LinearProbe(alpha).fit(y_a[tr], t[tr])
    probe_b = LinearProbe(alpha).fit(y_b[tr], t[tr])
    preds = {
        "carried": probe_a.predict(comparison.backward(y_b[te])),
        "retrained": probe_b.predict(y_b[te]),
        "on_a": probe_a.predict(y_a[te]),
        "raw": probe_a.predict(y_b[te]) if y_a.shape[1] == y_b.shape[1] else None,
        "chance": np.broadcast_to(t[tr].mean(0), t[te].shape),
    }
    out = {k: (None if p is None else probe_scores(p, t[te])) for k, p in preds.items()}
    out["predictions"] = {k: p for k, p in preds.items() if p is not None}
    out["target"] = t[te]
    out["columns"] = list(columns) if columns is not None else [f"target {j}" for j in range(t.shape[1])]
    if len(out["columns"]) != t.shape[1]:
        raise ValueError(f"columns names {len(out['columns'])} columns, but target has {t.shape[1]}.")
    return out


def comparison_row(comparison, y_a, y_b, params=None) -> dict:
    """The numbers of one comparison for the chapter's tables and results.

    Returns
    -------
    dict
        ``verdict``, ``reason``, ``forward``/``backward`` (max held-out NRMSE of
        :math:`T`, :math:`T^{-1}`), ``self_a``/``self_b`` (self round trips), ``median_forward``,
        ``median_backward``, ``linear_cka``, ``svcca`` (:func:`netequiv.linear_cka`,
        :func:`netequiv.svcca` of ``y_a``, ``y_b`` on all samples), ``rank_a``/``rank_b``
        (directions resolved), ``agreement_rms`` (the two sides' coordinates after
        alignment; NaN when their numbers differ) and, with ``params`` (N, n), ``chart_a``/``chart_b``
        (:func:`chart_r2` of each side's coordinates of the training samples).
    """

    c = comparison
    row = {
        "verdict": c.verdict,
        "reason": c.reason,
        "forward": float(c.forward_error["max_nrmse"]),
        "backward": float(c.backward_error["max_nrmse"]),
        "median_forward": float(c.forward_error["median_nrmse"]),
        "median_backward": float(c.backward_error["median_nrmse"]),
        "self_a": float(c.self_error_a["max_nrmse"]),
        "self_b": float(c.self_error_b["max_nrmse"]),
        "linear_cka": float(linear_cka(y_a, y_b)),
        "svcca": float(svcca(y_a, y_b)),
        "rank_a": c.diagnostics_a.rank,
        "rank_b": c.diagnostics_b.rank,
        "agreement_rms": float(c.agreement_rms),
    }
    if params is not None:
        p = as_2d_float(params, "params")[c.train_index]
        row["chart_a"] = chart_r2(c.coords_a.coords, p).tolist()
        row["chart_b"] = chart_r2(c.coords_b.coords, p).tolist()
    return row


# --------------------------------------------------------------------------- comparisons on a family


def compare_on(family: Family, obs_a, obs_b, *, random_state=0, **kwargs):
    """:func:`netequiv.compare_observations` of two observations of a family's images.

    The same call as :func:`netequiv.compare` makes after observing the networks itself
    (Jacobians along the family's tangents, the images as the inputs of the
    false-nearest-neighbour diagnostic); with observations made once, several comparisons
    share them, and observations that no single network computes (:func:`observe_folded`,
    one column of an output) can be compared as well.

    Parameters
    ----------
    family : Family
    obs_a, obs_b : Observation
        With Jacobians (``jac`` of shape (N, d, n); full-pixel Jacobians (N, d, pixels) are
        accepted too).
    random_state : int, default 0
    **kwargs
        Passed to :func:`netequiv.compare_observations`.

    Returns
    -------
    netequiv.Comparison
    """

    x = family.images.reshape(len(family.images), -1)
    return compare_observations(
        obs_a.y,
        obs_b.y,
        metric_a=obs_a.jac,
        metric_b=obs_b.jac,
        x=x,
        n_intrinsic=family.n_intrinsic,
        random_state=random_state,
        **kwargs,
    )


def select_columns(obs, columns):
    """An :class:`~netequiv.observation.Observation` restricted to some of its features."""

    cols = np.atleast_1d(np.asarray(columns, dtype=int))
    return Observation(
        y=obs.y[:, cols],
        jac=None if obs.jac is None else obs.jac[:, cols],
        names=[obs.names[i] for i in cols],
        jacobian_mode=obs.jacobian_mode,
    )


def tangent_check(digit, n_samples: int = 20, step: float = 1e-5, random_state=0) -> float:
    r"""Largest difference between the exact tangents of :func:`render` and central differences.

    Relative to the largest tangent entry, over ``n_samples`` random points of the
    surface (:data:`SURFACE_THETA`, :data:`SURFACE_LOG_SCALE`) and both directions.
    """
    rng = check_random_state(random_state)
    th = np.radians(rng.uniform(*SURFACE_THETA, n_samples))
    lam = rng.uniform(*SURFACE_LOG_SCALE, n_samples)
    _, tan = render(digit, th, lam, tangents=True)
    fd_theta = (render(digit, th + step, lam) - render(digit, th - step, lam)) / (2 * step)
    fd_lambda = (render(digit, th, lam + step) - render(digit, th, lam - step)) / (2 * step)
    diff = max(np.abs(fd_theta - tan[..., 0]).max(), np.abs(fd_lambda - tan[..., 1]).max())
    return float(diff / np.abs(tan).max())


def digit_sweep(net_a, net_b, split: DigitSplit, labels, *, n_samples: int, random_state=0) -> list[dict]:
    r"""The rotation curve of one held-out digit per label: A against B, and A against B at :math:`|\theta|`.

    Parameters
    ----------
    net_a, net_b : torch.nn.Module
    split : DigitSplit
    labels : sequence of int
        One manifold per label (its first held-out digit).
    n_samples : int
        Images per curve (:data:`CURVE_THETA`).
    random_state : int, default 0

    Returns
    -------
    list of dict
        Per label: ``label``, ``verdict``/``forward``/``backward``/``self_a``/``self_b`` of the
        outputs, and ``fold_verdict``/``fold_backward``/``fold_reason`` of the folded control.
    """

    rows = []
    for label in labels:
        fam = sample_family(
            split.digit(int(label)), n_samples, theta_range=CURVE_THETA, random_state=random_state + 1000 + int(label)
        )
        oa = observe(net_a, fam.images, jacobian=True, tangents=fam.tangents)
        ob = observe(net_b, fam.images, jacobian=True, tangents=fam.tangents)
        res = compare_on(fam, oa, ob, random_state=random_state)
        fold = compare_on(fam, oa, observe_folded(net_b, fam), random_state=random_state)
        rows.append(
            {
                "label": int(label),
                "verdict": res.verdict,
                "forward": float(res.forward_error["max_nrmse"]),
                "backward": float(res.backward_error["max_nrmse"]),
                "self_a": float(res.self_error_a["max_nrmse"]),
                "self_b": float(res.self_error_b["max_nrmse"]),
                "fold_verdict": fold.verdict,
                "fold_backward": float(fold.backward_error["max_nrmse"]),
                "fold_reason": fold.reason,
            }
        )
    return rows


def markdown_table(rows, columns: dict, float_format: str = ".3g") -> str:
    """A Markdown table of ``rows`` (dicts), ``columns`` mapping keys to headers; floats formatted.

    Missing values and NaN show as a dash; a ``|`` inside a value is escaped.
    """

    def fmt(v):
        if isinstance(v, float):
            return "–" if not np.isfinite(v) else format(v, float_format)
        return "–" if v is None else str(v).replace("|", "\\|")

    lines = ["| " + " | ".join(columns.values()) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(fmt(r.get(k)) for k in columns) + " |" for r in rows]
    return "\n".join(lines)


def observe_units(model, family: Family, layer: str, k: int, *, random_state=0):
    r"""Observe ``k`` random units of a hidden layer on a family, with Jacobians along its tangents.

    The units are drawn by :func:`netequiv.choose_neurons` among those that vary on the
    family's images (a ReLU unit that never fires is no measurement); Whitney's count is
    :math:`k = 2n + 1`.

    Returns
    -------
    Observation
        ``names`` tells which units were drawn.
    """

    acts = observe(model, family.images, layers=[layer], output=False).y
    units = choose_neurons(
        acts.shape[1], k, n_intrinsic=family.n_intrinsic, random_state=random_state, activations=acts
    )
    return observe(
        model, family.images, layers={layer: units.tolist()}, output=False, jacobian=True, tangents=family.tangents
    )


# --------------------------------------------------------------------------- the chapter's steps

#: The chapter's trained classifiers and their architectures (:data:`ARCHITECTURES`).
CLASSIFIERS = {"A": "gelu_cnn", "B": "relu_cnn", "M": "moments"}


def train_networks(split: DigitSplit, *, epochs: int, copies: int, seed: int = 0) -> tuple[dict, dict]:
    """The chapter's four networks: A, B and M trained (:data:`CLASSIFIERS`), U untrained.

    M, the smallest network, is trained for twice as many epochs.  U has A's architecture
    and other initial weights (seed ``seed + 1``) and is never trained.

    Returns
    -------
    nets : dict
        ``name -> torch.nn.Sequential`` for ``"A"``, ``"B"``, ``"M"``, ``"U"``.
    infos : dict
        ``name -> info`` of :func:`train_classifier` (for U: ``kind``, ``n_params``, the
        accuracies of :func:`evaluate_classifier`, ``train_s`` 0 and ``cache_hit`` False).
    """
    nets, infos = {}, {}
    for name, kind in CLASSIFIERS.items():
        n_epochs = 2 * epochs if kind == "moments" else epochs
        nets[name], infos[name] = train_classifier(kind, split, epochs=n_epochs, copies=copies, seed=seed)
    nets["U"] = build_network(CLASSIFIERS["A"], seed=seed + 1)
    nets["U"].eval()
    infos["U"] = {
        "kind": CLASSIFIERS["A"],
        "n_params": infos["A"]["n_params"],
        **evaluate_classifier(nets["U"], split),
        "train_s": 0.0,
        "cache_hit": False,
    }
    return nets, infos


def network_rows(infos: dict) -> list[dict]:
    """One row per network for the chapter's table (:func:`markdown_table`)."""
    rows = []
    for name, v in infos.items():
        if name == "U":
            when = "never"
        else:
            when = "cache" if v["cache_hit"] else f"{v['train_s']:.0f} s"
        rows.append(
            {
                "net": name,
                "arch": ARCHITECTURES[v["kind"]],
                "params": v["n_params"],
                "acc": v["accuracy"],
                "upright": v["accuracy_upright"],
                "time": when,
            }
        )
    return rows


def compare_pairs(family: Family, pairs: dict, *, random_state=0) -> tuple[dict, dict]:
    """:func:`compare_on` and :func:`comparison_row` for every pair of observations.

    Parameters
    ----------
    family : Family
    pairs : dict
        ``name -> (obs_a, obs_b)``.
    random_state : int, default 0

    Returns
    -------
    comparisons : dict
        ``name -> netequiv.Comparison``.
    rows : dict
        ``name -> row`` (:func:`comparison_row` with the family's parameters).
    """
    comparisons, rows = {}, {}
    for name, (a, b) in pairs.items():
        comparisons[name] = compare_on(family, a, b, random_state=random_state)
        rows[name] = comparison_row(comparisons[name], a.y, b.y, family.params)
    return comparisons, rows


def score_extremes(rows, score: str) -> tuple[dict, dict]:
    """The not-equivalent row with the highest ``score`` and the equivalent one with the lowest.

    A similarity score separates the verdicts on these rows exactly when the first scores
    below the second.
    """
    high = max((r for r in rows if r["verdict"] == "not equivalent"), key=lambda r: r[score])
    low = min((r for r in rows if r["verdict"] == "equivalent"), key=lambda r: r[score])
    return high, low


def transfer_rows(transfers: dict) -> list[dict]:
    """One row per readout column of :func:`transfer_probe` results (``name -> result``).

    Each row: ``readout`` (``"<name>, <column>"``, columns from ``result["columns"]``), the
    :math:`R^2` of ``carried``, ``retrained``, ``raw`` (``None`` when not defined) and
    ``chance``, and the RMSE of the carried and retrained readouts.
    """
    rows = []
    for name, tr in transfers.items():
        for j, column in enumerate(tr["columns"]):
            row = {"readout": f"{name}, {column}"}
            for k in ("carried", "retrained", "raw", "chance"):
                row[k] = tr[k]["r2"][j] if tr[k] is not None else None
            row["rmse_carried"] = tr["carried"]["rmse"][j]
            row["rmse_retrained"] = tr["retrained"]["rmse"][j]
            rows.append(row)
    return rows
