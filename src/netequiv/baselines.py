"""Similarity scores that practitioners use to compare two networks' representations.

These are the usual baselines against which the diffusion-map comparison of
:mod:`netequiv.comparison` is judged.  Every function takes *paired* observations:
``X`` of shape (N, p) and ``Y`` of shape (N, q) hold two networks' responses
(outputs or hidden activations) to the same N inputs, in the same order.

=========================  =======================================  ===============
function                   what it measures                         identical reps
=========================  =======================================  ===============
:func:`linear_cka`         alignment of linear Gram matrices        1
:func:`rbf_cka`            alignment of Gaussian-kernel Gram mats   1
:func:`svcca`              mean canonical correlation after SVD     1
:func:`procrustes_distance`  residual after best rotation           0
:func:`linear_stitching`   held-out R^2 of a least-squares map      1
:func:`mutual_knn_overlap` shared nearest neighbours                1
=========================  =======================================  ===============

Only numpy is used; all functions are deterministic (``linear_stitching`` takes a
seed for its train/test split).

References
----------
.. [K19] S. Kornblith, M. Norouzi, H. Lee, G. Hinton. *Similarity of neural network
   representations revisited.* ICML 2019.
.. [S12] L. Song, A. Smola, A. Gretton, J. Bedo, K. Borgwardt. *Feature selection via
   dependence maximization.* JMLR 13, 2012.
.. [R17] M. Raghu, J. Gilmer, J. Yosinski, J. Sohl-Dickstein. *SVCCA: singular vector
   canonical correlation analysis for deep learning dynamics and interpretability.*
   NeurIPS 2017.
.. [D21] F. Ding, J.-S. Denain, J. Steinhardt. *Grounding representation similarity
   with statistical testing.* NeurIPS 2021 (orthogonal Procrustes distance).
.. [L15] K. Lenc, A. Vedaldi. *Understanding image representations by measuring their
   equivariance and equivalence.* CVPR 2015 (stitching).
.. [H24] M. Huh, B. Cheung, T. Wang, P. Isola. *The platonic representation
   hypothesis.* ICML 2024 (mutual nearest-neighbour alignment).
"""

from __future__ import annotations

import numbers

import numpy as np

from ._validation import as_2d_float, check_fraction, check_positive, check_random_state, check_same_samples

__all__ = ["linear_cka", "rbf_cka", "svcca", "procrustes_distance", "linear_stitching", "mutual_knn_overlap"]


# ----------------------------------------------------------------------------- helpers
def _paired(X, Y, min_samples: int):
    X = as_2d_float(X, "X", min_samples=min_samples)
    Y = as_2d_float(Y, "Y", min_samples=min_samples)
    check_same_samples(X, Y, "X", "Y")
    return X, Y


def _centre(A: np.ndarray, name: str) -> np.ndarray:
    """Subtract the column means; raise when nothing is left (a constant representation)."""
    Ac = A - A.mean(axis=0)
    scale = np.abs(A).max()
    if scale == 0 or np.abs(Ac).max() <= 1e-12 * scale:
        raise ValueError(
            f"{name} is constant across samples (every row is the same); similarity to a constant "
            "representation is undefined. Remove it or pass observations that vary with the input."
        )
    return Ac


def _check_int(value, name: str, low: int, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be an integer, got {value!r}.")
    v = int(value)
    if v < low or (high is not None and v > high):
        rng = f">= {low}" if high is None else f"between {low} and {high}"
        raise ValueError(f"{name} must be {rng}, got {v}.")
    return v


def _sq_dists(A: np.ndarray) -> np.ndarray:
    """Squared Euclidean distances between rows, exact zeros on the diagonal."""
    sq = np.einsum("ij,ij->i", A, A)
    D = sq[:, None] + sq[None, :] - 2.0 * (A @ A.T)
    np.maximum(D, 0.0, out=D)
    np.fill_diagonal(D, 0.0)
    return D


def _hsic_biased(K: np.ndarray, L: np.ndarray) -> float:
    """tr(K H L H) / (N-1)^2 with H the centring matrix (computed without forming H)."""
    n = len(K)
    Kc = K - K.mean(axis=0) - K.mean(axis=1)[:, None] + K.mean()
    return float(np.sum(Kc * L)) / (n - 1) ** 2


def _hsic_unbiased(K: np.ndarray, L: np.ndarray) -> float:
    """Song et al. (2012) unbiased HSIC estimator; needs N >= 4."""
    n = len(K)
    K = K.copy()
    L = L.copy()
    np.fill_diagonal(K, 0.0)
    np.fill_diagonal(L, 0.0)
    ones_K = K.sum(axis=0)
    ones_L = L.sum(axis=0)
    term1 = float(np.sum(K * L))  # tr(K L), both symmetric
    term2 = float(ones_K.sum()) * float(ones_L.sum()) / ((n - 1) * (n - 2))
    term3 = 2.0 * float(ones_K @ ones_L) / (n - 2)
    return (term1 + term2 - term3) / (n * (n - 3))


def _cka_from_grams(K: np.ndarray, L: np.ndarray, unbiased: bool) -> float:
    hsic = _hsic_unbiased if unbiased else _hsic_biased
    kl = hsic(K, L)
    kk = hsic(K, K)
    ll = hsic(L, L)
    if kk <= 0 or ll <= 0:
        which = "X" if kk <= 0 else "Y"
        raise ValueError(
            f"HSIC({which}, {which}) = {min(kk, ll):.3g} is not positive, so CKA is undefined: the "
            f"kernel matrix of {which} carries no variation after centring"
            + (
                " (the unbiased estimator can be <= 0 for tiny or nearly constant samples; use more "
                "samples or unbiased=False)."
                if unbiased
                else "."
            )
        )
    return float(np.clip(kl / np.sqrt(kk * ll), -1.0, 1.0))


# ----------------------------------------------------------------------------- CKA
def linear_cka(X, Y, *, unbiased: bool = False) -> float:
    r"""Linear centred kernel alignment (CKA) between two representations.

    Parameters
    ----------
    X : array-like of shape (N, p)
        Observations of network A (one row per input).
    Y : array-like of shape (N, q)
        Observations of network B of the same N inputs, in the same order.
    unbiased : bool, default=False
        Use the unbiased HSIC estimator of Song et al. (2012) instead of the biased
        (plug-in) one.  Needs N >= 4; the result can then be slightly negative.

    Returns
    -------
    float
        CKA in [0, 1] (biased estimator; the unbiased one lies in [-1, 1]).  1 means
        the representations agree up to an orthogonal transformation and isotropic
        scaling.

    Raises
    ------
    ValueError
        "X/Y must hold real numbers ...", "X/Y must have shape (n_samples,
        n_features) ...", "X/Y contains NaN or inf ..." for bad arrays;
        "X has N samples but Y has M ..." for unpaired data;
        "X/Y has n samples, but at least 2 (4 for unbiased) are needed.";
        "X/Y is constant across samples ..." when one representation does not vary;
        "HSIC(X, X) = ... is not positive ..." when the unbiased estimator degenerates.

    Notes
    -----
    With column-centred :math:`\tilde X, \tilde Y` (Kornblith et al. 2019),

    .. math::

        \mathrm{CKA}(X, Y) = \frac{\mathrm{HSIC}(K, L)}{\sqrt{\mathrm{HSIC}(K, K)\,
        \mathrm{HSIC}(L, L)}}, \qquad K = XX^\top,\; L = YY^\top,

    and with the biased estimator :math:`\mathrm{HSIC}(K, L) = \mathrm{tr}(KHLH)/(N-1)^2`
    (:math:`H = I - \tfrac1N \mathbf 1 \mathbf 1^\top`) this equals

    .. math::

        \mathrm{CKA}(X, Y) = \frac{\lVert \tilde Y^\top \tilde X \rVert_F^2}
        {\lVert \tilde X^\top \tilde X \rVert_F\, \lVert \tilde Y^\top \tilde Y \rVert_F},

    which is what is computed when it is cheaper than the N x N Gram matrices.  The
    unbiased estimator (Song et al. 2012) zeroes the diagonals of K and L
    (:math:`\hat K, \hat L`) and uses

    .. math::

        \mathrm{HSIC}_u = \frac{1}{N(N-3)}\Big[\mathrm{tr}(\hat K \hat L)
        + \frac{\mathbf 1^\top \hat K \mathbf 1\, \mathbf 1^\top \hat L \mathbf 1}{(N-1)(N-2)}
        - \frac{2}{N-2}\mathbf 1^\top \hat K \hat L \mathbf 1\Big].

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(100, 5))
    >>> Q, _ = np.linalg.qr(rng.normal(size=(5, 5)))
    >>> round(linear_cka(X, 3 * X @ Q), 6)
    1.0
    """
    X, Y = _paired(X, Y, 4 if unbiased else 2)
    Xc = _centre(X, "X")
    Yc = _centre(Y, "Y")
    n, p = Xc.shape
    q = Yc.shape[1]
    if not unbiased and p * q + p * p + q * q <= n * (p + q + 1):
        # feature-space form: cheaper when the widths are small compared with N
        xy = np.sum((Yc.T @ Xc) ** 2)
        xx = np.linalg.norm(Xc.T @ Xc)
        yy = np.linalg.norm(Yc.T @ Yc)
        return float(min(xy / (xx * yy), 1.0))
    return _cka_from_grams(Xc @ Xc.T, Yc @ Yc.T, unbiased)


def rbf_cka(X, Y, *, sigma_frac: float = 0.5, unbiased: bool = False) -> float:
    r"""Centred kernel alignment with Gaussian (RBF) kernels.

    Parameters
    ----------
    X : array-like of shape (N, p)
        Observations of network A.
    Y : array-like of shape (N, q)
        Observations of network B of the same inputs, in the same order.
    sigma_frac : float, default=0.5
        Bandwidth of each kernel as a fraction of the median pairwise distance
        between distinct samples of that representation (Kornblith et al. 2019 use
        0.2 to 0.8).
    unbiased : bool, default=False
        Use the unbiased HSIC estimator of Song et al. (2012) (needs N >= 4).

    Returns
    -------
    float
        RBF-CKA, in [0, 1] for the biased estimator.  Invariant to orthogonal
        transformations, translations and isotropic scaling (the bandwidth scales
        with the data).

    Raises
    ------
    ValueError
        Every error of :func:`linear_cka`; "sigma_frac must be a finite number > 0";
        "the median pairwise distance of X/Y is 0 ..." when more than half of the
        pairs of samples coincide.

    Notes
    -----
    :math:`K_{ab} = \exp\!\big(-\lVert x_a - x_b\rVert^2 / (2\sigma_X^2)\big)` with
    :math:`\sigma_X = \texttt{sigma\_frac}\cdot\mathrm{median}_{a<b}\lVert x_a - x_b\rVert`,
    likewise L for Y; then CKA as in :func:`linear_cka`.  Cost O(N^2 (p + q)) time and
    O(N^2) memory.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(100, 3))
    >>> round(rbf_cka(X, 2 * X + 1), 6)
    1.0
    """
    X, Y = _paired(X, Y, 4 if unbiased else 2)
    frac = check_positive(sigma_frac, "sigma_frac")
    grams = []
    for A, name in ((X, "X"), (Y, "Y")):
        _centre(A, name)
        D = _sq_dists(A)
        iu = np.triu_indices(len(A), k=1)
        med = float(np.median(np.sqrt(D[iu])))
        if med <= 0:
            raise ValueError(
                f"the median pairwise distance of {name} is 0 (more than half of the pairs of "
                "samples coincide), so the RBF bandwidth is undefined; remove duplicate samples."
            )
        sigma = frac * med
        grams.append(np.exp(-D / (2.0 * sigma**2)))
    return _cka_from_grams(grams[0], grams[1], unbiased)


# ----------------------------------------------------------------------------- SVCCA
def _svd_basis(A: np.ndarray, name: str, keep: float, n_components: int | None) -> np.ndarray:
    """Orthonormal basis (N, k) of the top singular directions of the centred A."""
    U, s, _ = np.linalg.svd(A, full_matrices=False)
    tol = s[0] * max(A.shape) * np.finfo(float).eps
    rank = int(np.sum(s > tol))
    if n_components is not None:
        if n_components > rank:
            raise ValueError(
                f"n_components={n_components} exceeds the rank {rank} of the centred {name}; "
                f"use n_components <= {rank}."
            )
        k = n_components
    else:
        var = s[:rank] ** 2
        frac = np.cumsum(var) / var.sum()
        k = int(np.searchsorted(frac, keep - 1e-12) + 1)
        k = min(k, rank)
    return U[:, :k]


def svcca(X, Y, *, keep: float = 0.99, n_components: int | None = None) -> float:
    r"""Singular vector canonical correlation analysis (SVCCA): mean canonical correlation.

    Parameters
    ----------
    X : array-like of shape (N, p)
        Observations of network A.
    Y : array-like of shape (N, q)
        Observations of network B of the same inputs, in the same order.
    keep : float in (0, 1], default=0.99
        Fraction of the variance of each centred representation retained by the SVD
        step: the fewest leading singular directions whose squared singular values add
        up to at least ``keep`` of the total.  Ignored when ``n_components`` is given.
    n_components : int or None, default=None
        Keep exactly this many leading singular directions of *each* representation
        (Raghu et al. often keep a fixed number such as 20).

    Returns
    -------
    float
        Mean of the :math:`\min(k_X, k_Y)` canonical correlations between the two
        reduced representations, in [0, 1].  1 when one reduced subspace lies inside
        the other, e.g. ``Y = X A`` with A invertible.

    Raises
    ------
    ValueError
        Every array error of :func:`linear_cka`; "keep must be in (0, 1]";
        "n_components must be ..."; "n_components=... exceeds the rank ...";
        "X/Y is constant across samples ..."; "too few samples for CCA ..." when
        :math:`k_X + k_Y \ge N`.

    Notes
    -----
    After centring, let :math:`U_X \in \mathbb R^{N\times k_X}` and
    :math:`U_Y \in \mathbb R^{N\times k_Y}` hold the leading left singular vectors of X
    and Y (the SVD step).  They are orthonormal bases of the reduced representations'
    column spaces, so the canonical correlations are the singular values
    :math:`\rho_1 \ge \dots \ge \rho_{\min(k_X,k_Y)}` of :math:`U_X^\top U_Y` (the cosines
    of the principal angles), and

    .. math:: \mathrm{SVCCA}(X, Y) = \frac{1}{\min(k_X, k_Y)} \sum_i \rho_i .

    CCA overfits when N is not much larger than :math:`k_X + k_Y`: for independent
    representations :math:`\mathbb E \sum_i \rho_i^2 = k_X k_Y/(N-1)`, so the score of
    unrelated networks is about :math:`\sqrt{\max(k_X,k_Y)/(N-1)}` rather than 0, and
    when :math:`k_X + k_Y \ge N` the two subspaces of the (N-1)-dimensional space of
    centred vectors must intersect, forcing spurious correlations of 1 (an error here).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 4))
    >>> A = rng.normal(size=(4, 4))
    >>> round(svcca(X, X @ A), 6)
    1.0
    """
    X, Y = _paired(X, Y, 3)
    try:
        keep_f = float(keep)
    except (TypeError, ValueError):
        raise ValueError(f"keep must be a number in (0, 1], got {keep!r}.") from None
    if not (0.0 < keep_f <= 1.0):
        raise ValueError(f"keep must be in (0, 1] (fraction of variance kept), got {keep!r}.")
    if n_components is not None:
        n_components = _check_int(n_components, "n_components", 1)
    Ux = _svd_basis(_centre(X, "X"), "X", keep_f, n_components)
    Uy = _svd_basis(_centre(Y, "Y"), "Y", keep_f, n_components)
    n = len(X)
    kx, ky = Ux.shape[1], Uy.shape[1]
    if kx + ky >= n:
        raise ValueError(
            f"too few samples for CCA: N={n} but the SVD step kept k_X={kx} and k_Y={ky} "
            f"directions; CCA needs k_X + k_Y < N (preferably N >> k_X + k_Y). Use more samples, "
            "a smaller keep, or a smaller n_components."
        )
    rho = np.linalg.svd(Ux.T @ Uy, compute_uv=False)
    return float(np.clip(rho, 0.0, 1.0).mean())


# ----------------------------------------------------------------------------- Procrustes
def procrustes_distance(X, Y) -> float:
    r"""Orthogonal Procrustes distance between centred, Frobenius-normalised representations.

    Parameters
    ----------
    X : array-like of shape (N, p)
        Observations of network A.
    Y : array-like of shape (N, q)
        Observations of network B of the same inputs, in the same order.  When
        :math:`p \ne q` the narrower one is padded with zero columns.

    Returns
    -------
    float
        Distance in :math:`[0, \sqrt 2]`: 0 exactly when Y is a translated, rotated
        (or reflected) and isotropically scaled copy of X; :math:`\sqrt 2` when the
        centred representations are orthogonal (:math:`X^\top Y = 0`).  It is a metric
        on representations modulo these transformations.  Divide by
        :math:`\sqrt 2` for a score in [0, 1].

    Raises
    ------
    ValueError
        Every array error of :func:`linear_cka`; "X/Y is constant across samples ...".

    Notes
    -----
    With :math:`\hat X = \tilde X/\lVert\tilde X\rVert_F`, :math:`\hat Y = \tilde Y/\lVert\tilde Y\rVert_F`
    (columns centred),

    .. math::

        d(X, Y)^2 = \min_{Q^\top Q = I}\lVert \hat X - \hat Y Q\rVert_F^2
                 = 2 - 2\,\lVert \hat X^\top \hat Y \rVert_*,

    where :math:`\lVert\cdot\rVert_*` (sum of singular values) is the nuclear norm and the
    minimiser is :math:`Q = VU^\top` from :math:`\hat Y^\top\hat X = U\Sigma V^\top`
    (Schönemann 1966; used as a representation distance by Ding et al. 2021).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(50, 3))
    >>> Q, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    >>> round(procrustes_distance(X, 5 * X @ Q + 2), 6)
    0.0
    """
    X, Y = _paired(X, Y, 2)
    Xc = _centre(X, "X")
    Yc = _centre(Y, "Y")
    Xc = Xc / np.linalg.norm(Xc)
    Yc = Yc / np.linalg.norm(Yc)
    nuc = float(np.linalg.svd(Xc.T @ Yc, compute_uv=False).sum())
    return float(np.sqrt(max(0.0, 2.0 - 2.0 * min(nuc, 1.0))))


# ----------------------------------------------------------------------------- stitching
def linear_stitching(X, Y, *, affine: bool = True, test_size: float = 0.2, random_state=0) -> float:
    r"""Held-out coefficient of determination of a least-squares linear map X -> Y.

    Parameters
    ----------
    X : array-like of shape (N, p)
        Observations of network A (the source of the stitching map).
    Y : array-like of shape (N, q)
        Observations of network B of the same inputs, in the same order (the target).
    affine : bool, default=True
        Fit :math:`Y \approx XW + b` (True) or :math:`Y \approx XW` (False).
    test_size : float in (0, 1), default=0.2
        Fraction of the samples held out for scoring; the rest fits the map.
    random_state : None, int or numpy Generator, default=0
        Seed of the random train/test split (None means 0: reruns are identical).

    Returns
    -------
    float
        Pooled held-out :math:`R^2 \le 1`: 1 for an exact affine relation, about 0
        (slightly negative) when Y does not depend linearly on X.  The score is
        asymmetric: ``linear_stitching(X, Y)`` asks whether B's observations are a
        linear function of A's.

    Raises
    ------
    ValueError
        Every array error of :func:`linear_cka`; "test_size must lie strictly between 0 and 1 ...";
        "random_state must be ..."; "too few samples ..." when the test split has fewer
        than 2 samples or the training split is not larger than the number of fitted
        coefficients per output (p + 1 with ``affine``, else p);
        "Y is constant on the test samples ..." when R^2 is undefined.

    Notes
    -----
    The samples are split at random into a training set (fit, :math:`W, b` by least
    squares with ``numpy.linalg.lstsq``) and a test set, on which

    .. math::

        R^2 = 1 - \frac{\sum_{a\in\text{test}} \lVert y_a - (x_a W + b)\rVert^2}
                     {\sum_{a\in\text{test}} \lVert y_a - \bar y_{\text{test}}\rVert^2}

    pools all q output columns (so low-variance neurons do not dominate, unlike an
    average of per-column :math:`R^2`).  For independent Gaussian data the expected
    held-out :math:`R^2` is about :math:`-(p+1)/(N_{\text{train}} - p - 2)`.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(100, 3))
    >>> Y = X @ rng.normal(size=(3, 2)) + 1.0
    >>> round(linear_stitching(X, Y), 6)
    1.0
    """
    X, Y = _paired(X, Y, 3)
    ts = check_fraction(test_size, "test_size")
    rng = check_random_state(random_state)
    n, p = X.shape
    n_test = int(round(ts * n))
    n_train = n - n_test
    n_coef = p + int(bool(affine))
    if n_test < 2 or n_train <= n_coef:
        raise ValueError(
            f"too few samples for linear stitching: N={n} gives {n_train} training and {n_test} test "
            f"samples, but the fit needs more than {n_coef} training samples (coefficients per output) "
            "and the test at least 2. Use more samples, fewer features or another test_size."
        )
    perm = rng.permutation(n)
    tr, te = perm[:n_train], perm[n_train:]
    A = X if not affine else np.hstack([X, np.ones((n, 1))])
    W, *_ = np.linalg.lstsq(A[tr], Y[tr], rcond=None)
    resid = Y[te] - A[te] @ W
    Yte = Y[te]
    ss_tot = float(np.sum((Yte - Yte.mean(axis=0)) ** 2))
    if ss_tot <= 1e-24 * max(1.0, float(np.sum(Yte**2))):
        raise ValueError(
            "Y is constant on the test samples, so R^2 is undefined; pass a representation that "
            "varies with the input or use a larger test_size."
        )
    return float(1.0 - np.sum(resid**2) / ss_tot)


# ----------------------------------------------------------------------------- kNN
def _knn(A: np.ndarray, k: int, chunk: int = 1024) -> np.ndarray:
    """Indices (N, k) of the k nearest other samples (Euclidean), brute force in row chunks."""
    n = len(A)
    sq = np.einsum("ij,ij->i", A, A)
    out = np.empty((n, k), dtype=np.intp)
    for start in range(0, n, chunk):
        stop = min(n, start + chunk)
        D = sq[start:stop, None] + sq[None, :] - 2.0 * (A[start:stop] @ A.T)
        D[np.arange(stop - start), np.arange(start, stop)] = np.inf  # exclude self
        out[start:stop] = np.argpartition(D, k - 1, axis=1)[:, :k]
    return out


def mutual_knn_overlap(X, Y, *, k: int = 10) -> float:
    r"""Mean fraction of shared k nearest neighbours in the two representations.

    Parameters
    ----------
    X : array-like of shape (N, p)
        Observations of network A.
    Y : array-like of shape (N, q)
        Observations of network B of the same inputs, in the same order.
    k : int, default=10
        Number of neighbours (self excluded), 1 <= k <= N - 1.

    Returns
    -------
    float
        In [0, 1]: 1 when every sample has the same k nearest neighbours in both
        representations (e.g. Y a rotated, translated and scaled copy of X); about
        :math:`k/(N-1)` for unrelated representations.

    Raises
    ------
    ValueError
        Every array error of :func:`linear_cka`; "k must be an integer" /
        "k must be between 1 and N-1".

    Notes
    -----
    With :math:`\mathcal N_k^X(a)` the indices of the k nearest neighbours of sample
    a among the other samples in X (Euclidean distance),

    .. math::

        \mathrm{overlap}(X, Y) = \frac1N\sum_{a=1}^N
        \frac{\lvert\mathcal N_k^X(a)\cap\mathcal N_k^Y(a)\rvert}{k}.

    Neighbours are found by brute force (O(N^2 (p+q)) time, O(1024 N) memory).  Ties
    at the k-th distance (duplicate samples) are broken arbitrarily but
    deterministically.  The score depends only on the rank order of distances, so it is
    invariant to any distance-preserving map and to isotropic scaling, but not to
    anisotropic linear maps.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(100, 3))
    >>> Q, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    >>> mutual_knn_overlap(X, X @ Q, k=5)
    1.0
    """
    X, Y = _paired(X, Y, 2)
    n = len(X)
    k = _check_int(k, "k", 1, n - 1)
    nx = _knn(X, k)
    ny = _knn(Y, k)
    both = np.concatenate([nx, ny], axis=1)
    both.sort(axis=1)
    shared = np.sum(both[:, 1:] == both[:, :-1], axis=1)  # duplicates = common neighbours
    return float(shared.mean() / k)
