r"""Out-of-sample maps from intrinsic coordinates to observations.

After a diffusion map has given every sample intrinsic coordinates :math:`z_i`, the
map :math:`G: z \mapsto f` back to any observation of the same samples (the outputs
or activations of a network) is needed at new points, for example to compose
:math:`T = G_B \circ \Phi_A`.  :class:`KernelInterpolator` fits :math:`G` by
Gaussian-kernel ridge regression, in the spirit of geometric harmonics: a smooth
interpolant whose length scale and regularisation are chosen on a hold-out split.
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np
from scipy.linalg import cho_factor, cho_solve, solve_triangular
from scipy.spatial import cKDTree
from scipy.spatial.distance import cdist
from sklearn.base import BaseEstimator

from ._neighbors import _single_threaded_blas
from ._validation import as_2d_float, check_positive, check_random_state
from .measures import constant_features

__all__ = ["KernelInterpolator"]

# Defaults of the automatic search (overridable through the constructor).
DEFAULT_SCALE_MULTIPLES = 2.0 ** np.arange(0, 10)  # x median nearest-neighbour distance
DEFAULT_RIDGE_GRID = 10.0 ** np.arange(-12, -1)  # 1e-12 ... 1e-2

_CHUNK = 2**22  # entries of a kernel block built at once during predict


@contextmanager
def _one_blas_thread():
    """Run the block with one BLAS thread (the kernel systems are small; see the class notes)."""
    limits = _single_threaded_blas()
    try:
        yield
    finally:
        if limits is not None:
            limits.restore_original_limits()


def _kernel(A: np.ndarray, B: np.ndarray, gamma: float) -> np.ndarray:
    """Gaussian kernel block exp(-gamma |a - b|^2), built in place."""
    K = cdist(A, B, "sqeuclidean")
    K *= -gamma
    np.exp(K, out=K)
    return K


def _cholesky_jitter(M: np.ndarray, shift: float = 0.0):
    """``cho_factor`` of ``M + (shift + jitter) I``, with the smallest jitter that works.

    The jitter is 0 first, then grows by factors of 10 from ``1e-14`` times the mean
    diagonal.  ``M`` itself is left untouched (one working copy at a time).
    """
    scale = float(np.mean(np.diag(M))) if M.size else 1.0
    jitter = 0.0
    for _ in range(14):
        work = M.copy()
        work[np.diag_indices_from(work)] += shift + jitter
        try:
            return cho_factor(work, lower=True, overwrite_a=True, check_finite=False)
        except np.linalg.LinAlgError:
            jitter = max(10.0 * jitter, 1e-14 * scale)
    raise np.linalg.LinAlgError(
        "the kernel system is not positive definite even with a diagonal jitter of "
        f"{jitter:.1e}; Z or F probably holds extreme values"
    )


def _median_nn_distance(Z: np.ndarray) -> float:
    """Median distance from each point to its nearest distinct neighbour."""
    nn = cKDTree(Z).query(Z, k=2)[0][:, 1]
    nn = nn[nn > 0]
    if nn.size == 0:
        raise ValueError("all points of Z coincide; the map to F cannot be learnt from them.")
    return float(np.median(nn))


def _grid_search(score, n_i: int, n_j: int):
    """Coarse-to-fine minimisation of ``score(i, j)`` over an ``n_i`` x ``n_j`` index grid.

    Every second index of each axis (and the last) first; then, repeatedly, the
    unvisited neighbours (8-connected) of the best pair until it stops changing.
    Ties go to the smaller length scale, then the smaller ridge.
    """
    seen: dict = {}

    def visit(pairs):
        for pair in sorted(pairs):  # grouped by scale index: one kernel per scale
            if pair not in seen:
                seen[pair] = score(*pair)

    coarse_i = sorted(set(range(0, n_i, 2)) | {n_i - 1})
    coarse_j = sorted(set(range(0, n_j, 2)) | {n_j - 1})
    visit([(i, j) for i in coarse_i for j in coarse_j])
    best = min(seen, key=lambda p: (seen[p], p))
    while True:
        bi, bj = best
        visit(
            [(i, j) for i in range(max(0, bi - 1), min(n_i, bi + 2)) for j in range(max(0, bj - 1), min(n_j, bj + 2))]
        )
        new = min(seen, key=lambda p: (seen[p], p))
        if new == best:
            return best[0], best[1], seen[best]
        best = new


class _Solver:
    """Kernel ridge solutions for one length scale and several ridges (internal)."""

    def __init__(self, Z: np.ndarray, centers: np.ndarray | None, length_scale: float):
        self.gamma = 0.5 / length_scale**2
        self.full = centers is None
        # ridge per centre: the data term of N samples is weighted by n_c / N
        self.ridge_factor = 1.0 if centers is None else len(Z) / len(centers)
        self.centers = Z if centers is None else Z[centers]
        if self.full:
            self.K = _kernel(Z, Z, self.gamma)
        else:
            Kcc = _kernel(self.centers, self.centers, self.gamma)
            # Kcc = L L^T; features B = Knc L^-T turn the problem into ordinary ridge.
            self.L = np.tril(_cholesky_jitter(Kcc, shift=1e-12)[0])
            del Kcc
            Knc = _kernel(Z, self.centers, self.gamma)
            # in place on the Fortran-ordered view Knc.T: one N x n_c array in memory
            self.B = solve_triangular(self.L, Knc.T, lower=True, overwrite_b=True, check_finite=False).T
            self.G = self.B.T @ self.B

    def coef(self, F: np.ndarray, ridge: float) -> np.ndarray:
        """Weights of the centres for the (centred) targets ``F``."""
        if self.full:
            return cho_solve(_cholesky_jitter(self.K, ridge), F, check_finite=False)
        cf = _cholesky_jitter(self.G, ridge * self.ridge_factor)
        beta = cho_solve(cf, self.B.T @ F, check_finite=False)
        return solve_triangular(self.L, beta, lower=True, trans="T", check_finite=False)

    def predict(self, Z_new: np.ndarray, coef: np.ndarray) -> np.ndarray:
        return _kernel_predict(Z_new, self.centers, self.gamma, coef)


def _kernel_predict(Z_new, centers, gamma, coef):
    out = np.empty((len(Z_new), coef.shape[1]))
    step = max(1, _CHUNK // max(1, len(centers)))
    for s in range(0, len(Z_new), step):
        out[s : s + step] = _kernel(Z_new[s : s + step], centers, gamma) @ coef
    return out


class KernelInterpolator(BaseEstimator):
    r"""Gaussian-kernel ridge regression from intrinsic coordinates to observations.

    Parameters
    ----------
    length_scale : "auto" or float, default="auto"
        Kernel length scale :math:`\ell` in the units of ``Z`` (after standardisation
        when ``standardize=True``).  ``"auto"``: chosen from
        ``scale_multiples`` times the median nearest-neighbour distance of the
        points fitted during the search, by hold-out error.
    ridge : "auto" or float, default="auto"
        Regularisation :math:`\lambda \ge 0` relative to the unit kernel diagonal.
        ``"auto"``: chosen from ``ridge_grid`` by hold-out error (jointly with the
        length scale).
    n_centers : int, default=2000
        With more training points than this, the kernel expansion uses this many
        centres, a seeded random subset of the samples (so their density follows the
        data's), and the regularised least-squares problem over all samples is solved
        (memory :math:`O(N n_c + n_c^2)`); the automatic search then runs on that
        subset only.  Otherwise every sample is a centre.
    standardize : bool, default=False
        Scale each coordinate of ``Z`` to unit variance before the kernel is applied.
        Off by default: intrinsic coordinates (selected diffusion-map eigenvectors)
        share one normalisation, and their relative spread is part of the geometry an
        isotropic kernel should see.  Switch it on for raw inputs in mixed units.
    random_state : None, int or numpy Generator, default=0
        Seed of the centre subset and of the hold-out split.
    validation_fraction : float, default=0.2
        Fraction of the training samples held out by the automatic search.
    scale_multiples : array-like of float, optional
        Length-scale grid as multiples of the median nearest-neighbour distance;
        default ``2**arange(10)`` (1 to 512).
    ridge_grid : array-like of float, optional
        Ridge grid; default ``10**arange(-12, -1)`` (1e-12 to 1e-2).

    Attributes
    ----------
    length_scale_ : float
        Length scale used by the final fit.
    ridge_ : float
        Ridge used by the final fit.
    validation_nrmse_ : float
        Hold-out error of the chosen pair: mean over non-constant features of the
        hold-out RMSE divided by the standard deviation of the feature over all
        samples; NaN when nothing was chosen automatically (or every feature is
        constant).
    n_features_in_ : int
        Number of coordinates ``m`` of ``Z``.
    n_outputs_ : int
        Number of features ``p`` of ``F``.
    centers_ : ndarray of shape (n_c, m)
        Kernel centres (in the possibly standardised units).
    dual_coef_ : ndarray of shape (n_c, p)
        Weights of the centres.

    Notes
    -----
    With centres :math:`c_1,\dots,c_{n_c}`, kernel
    :math:`k(z,z') = \exp(-\|z-z'\|^2/2\ell^2)` and centred targets
    :math:`\tilde F = F - \mathbf 1\bar F^\top`, the weights solve

    .. math::

        \alpha = \arg\min_\alpha \frac{n_c}{N}\|K_{NC}\alpha - \tilde F\|_F^2
                 + \lambda\, \operatorname{tr}(\alpha^\top K_{CC}\,\alpha),
        \qquad G(z) = \bar F + \sum_{c} k(z, c)\,\alpha_c .

    When every sample is a centre (:math:`n_c = N`) this is ordinary kernel ridge
    regression, :math:`(K + \lambda I)\alpha = \tilde F`, solved by Cholesky.  With
    fewer centres the factor :math:`n_c/N` keeps :math:`\lambda` comparable to a full
    solve on the centres alone; :math:`K_{CC} = LL^\top` (Cholesky, jitter
    :math:`10^{-12}` or more) and :math:`B = K_{NC}L^{-\top}` turn the problem into
    :math:`(B^\top B + \tfrac{N}{n_c}\lambda I)\beta = B^\top\tilde F`,
    :math:`\alpha = L^{-\top}\beta`; no :math:`N\times N` matrix is formed.  A
    Cholesky factorisation that fails is retried with a diagonal jitter growing by
    factors of 10 from :math:`10^{-14}`.

    The automatic search holds out ``validation_fraction`` of the samples (of the
    centre subset when :math:`N > n_c`; seeded), fits (length scale, ridge) pairs of
    the grids on the rest by full kernel ridge regression, and keeps the pair with the
    smallest hold-out error.  It visits every second grid value of each axis first,
    then the neighbours of the best pair until that pair stops changing (about 40
    of the 110 default pairs).  The final fit uses all samples.  Small ridges and fairly
    long length scales win for smooth maps; a short length scale wins where the map is
    less smooth, e.g. :math:`x` as a function of :math:`\psi_1 = \cos\pi x`, which
    behaves like :math:`\sqrt{1 \mp \psi_1}` near the ends of an interval (the
    eigenfunctions of a diffusion map have zero slope at the boundary).

    Features of ``F`` that are constant (:func:`netequiv.measures.constant_features`, a
    scale-free rule: spread at the rounding level of the mean) are predicted by their
    mean and left out of the hold-out error, so multiplying ``F`` by any factor scales
    the predictions by that factor and leaves the chosen pair unchanged.

    :meth:`fit` and :meth:`predict` run their dense algebra with one BLAS thread
    (``threadpoolctl``; restored afterwards).  The systems are too small to gain from
    threads, and BLAS threads that spin while another process holds a core are very
    slow: fitting 1,600 points (2 coordinates, 3 outputs) on a 2-core machine with one
    core kept busy by another process took 3.6 to 41 s (median 26 s, 9 runs) with the
    default two OpenBLAS threads, and 1.3 to 5.4 s (median 2.5 s) with one.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> Z = rng.uniform(size=(300, 2))
    >>> F = np.sin(2 * Z[:, :1]) * np.cos(Z[:, 1:])
    >>> model = KernelInterpolator().fit(Z, F)
    >>> Z_new = rng.uniform(size=(100, 2))
    >>> err = np.abs(model.predict(Z_new) - np.sin(2 * Z_new[:, :1]) * np.cos(Z_new[:, 1:])).max()
    >>> bool(err < 1e-3)
    True
    """

    def __init__(
        self,
        length_scale="auto",
        ridge="auto",
        *,
        n_centers: int = 2000,
        standardize: bool = False,
        random_state=0,
        validation_fraction: float = 0.2,
        scale_multiples=None,
        ridge_grid=None,
    ):
        self.length_scale = length_scale
        self.ridge = ridge
        self.n_centers = n_centers
        self.standardize = standardize
        self.random_state = random_state
        self.validation_fraction = validation_fraction
        self.scale_multiples = scale_multiples
        self.ridge_grid = ridge_grid

    # ------------------------------------------------------------------ checks
    def _check_params(self):
        ls = self.length_scale
        if isinstance(ls, str):
            if ls != "auto":
                raise ValueError(f"length_scale must be 'auto' or a positive number, got {ls!r}.")
        else:
            try:
                ls = check_positive(ls, "length_scale")
            except ValueError:
                raise ValueError(f"length_scale must be 'auto' or a positive number, got {ls!r}.") from None
        rd = self.ridge
        if isinstance(rd, str):
            if rd != "auto":
                raise ValueError(f"ridge must be 'auto' or a number >= 0, got {rd!r}.")
        else:
            try:
                rd = float(rd)
            except (TypeError, ValueError):
                raise ValueError(f"ridge must be 'auto' or a number >= 0, got {rd!r}.") from None
            if not np.isfinite(rd) or rd < 0:
                raise ValueError(f"ridge must be 'auto' or a number >= 0, got {self.ridge!r}.")
        nc = self.n_centers
        if isinstance(nc, bool) or not isinstance(nc, (int, np.integer)) or nc < 1:
            raise ValueError(f"n_centers must be a positive integer, got {nc!r}.")
        vf = self.validation_fraction
        try:
            vf = float(vf)
        except (TypeError, ValueError):
            vf = np.nan
        if not 0 < vf < 1:
            raise ValueError(
                f"validation_fraction must lie strictly between 0 and 1, got {self.validation_fraction!r}."
            )
        grids = []
        for name, value, default in (
            ("scale_multiples", self.scale_multiples, DEFAULT_SCALE_MULTIPLES),
            ("ridge_grid", self.ridge_grid, DEFAULT_RIDGE_GRID),
        ):
            g = default if value is None else np.atleast_1d(np.asarray(value, dtype=float))
            if (
                g.ndim != 1
                or g.size == 0
                or not np.all(np.isfinite(g))
                or np.any(g < 0)
                or (name == "scale_multiples" and np.any(g <= 0))
            ):
                raise ValueError(f"{name} must be a non-empty 1-D list of positive numbers, got {value!r}.")
            grids.append(g)
        return ls, rd, int(nc), vf, grids[0], grids[1]

    def _scale(self, Z: np.ndarray) -> np.ndarray:
        return (Z - self._z_mean) / self._z_scale

    # --------------------------------------------------------------------- fit
    def fit(self, Z, F):
        r"""Fit the map from coordinates ``Z`` to observations ``F``.

        Parameters
        ----------
        Z : array-like of shape (N, m)
            Intrinsic coordinates of N samples (1-D input is one coordinate).
        F : array-like of shape (N, p) or (N,)
            Observations of the same samples, in the same order.

        Returns
        -------
        self : KernelInterpolator

        Raises
        ------
        ValueError
            "Z ... contains NaN or inf ..." / "F ... contains NaN or inf ..." and the other
            shared input checks; "Z has ... samples but F has ...; ..."; "KernelInterpolator
            needs at least 2*m+2 = ... samples for m=... coordinates, got ..."; "Z
            coordinate(s) ... are constant; ..." when ``standardize=True``; "all points of Z
            coincide; ..."; "every (length_scale, ridge) pair of the search gave a non-finite
            hold-out error; ..."; and the parameter errors ("length_scale must be 'auto' or a
            positive number, got ...", "ridge must be 'auto' or a number >= 0, got ...",
            "n_centers must be a positive integer, got ...", "validation_fraction must lie
            strictly between 0 and 1, got ...", "scale_multiples/ridge_grid must be a
            non-empty 1-D list of positive numbers, got ...").
        """
        with _one_blas_thread():
            return self._fit(Z, F)

    def _fit(self, Z, F):
        return _fit_shared([self], Z, [F])[0]

    # ----------------------------------------------------------------- predict
    def predict(self, Z_new) -> np.ndarray:
        r"""Evaluate the fitted map at new coordinates.

        Parameters
        ----------
        Z_new : array-like of shape (n, m)
            Coordinates in the same system as the ``Z`` passed to :meth:`fit`.

        Returns
        -------
        F_new : ndarray of shape (n, p), or (n,) when ``F`` was 1-D

        Raises
        ------
        sklearn.exceptions.NotFittedError
            (a ``ValueError``) "This KernelInterpolator is not fitted yet; call fit(Z, F) first."
        ValueError
            "Z_new has ... coordinates but the interpolator was fitted on m=..."; "Z_new ...
            contains NaN or inf ..." from the shared input checks.
        """
        if not hasattr(self, "dual_coef_"):
            from sklearn.exceptions import NotFittedError

            raise NotFittedError("This KernelInterpolator is not fitted yet; call fit(Z, F) first.")
        Z_new = as_2d_float(Z_new, "Z_new")
        if Z_new.shape[1] != self.n_features_in_:
            raise ValueError(
                f"Z_new has {Z_new.shape[1]} coordinates but the interpolator was fitted on m={self.n_features_in_}."
            )
        with _one_blas_thread():
            out = _kernel_predict(self._scale(Z_new), self.centers_, self._gamma, self.dual_coef_) + self._f_mean
        return out[:, 0] if self._y_1d else out


def fit_shared(interpolators, Z, targets) -> list:
    r"""Fit several interpolators on the *same* coordinates, sharing the kernel factorizations.

    ``fit_shared([g1, g2], Z, [F1, F2])`` gives exactly what ``g1.fit(Z, F1)`` and
    ``g2.fit(Z, F2)`` give (the same validation split, search path and choice for each
    target), but every kernel matrix and Cholesky factor of the search is computed once
    for all targets: a comparison fits :math:`G_B` and A's self round trip from the same
    coordinates :math:`\phi^A`.  The interpolators must have the same parameters.

    Parameters
    ----------
    interpolators : list of KernelInterpolator
        Unfitted (or to be refitted), one per target, with equal parameters.
    Z : array-like of shape (N, m)
    targets : list of array-like of shape (N, p_t) or (N,)

    Returns
    -------
    list of KernelInterpolator
        The fitted interpolators.

    Raises
    ------
    ValueError
        ``"fit_shared needs one interpolator per target ..."``, ``"... must have the same
        parameters ..."`` and the errors of :meth:`KernelInterpolator.fit`.
    """
    if len(interpolators) != len(targets) or not interpolators:
        raise ValueError(f"fit_shared needs one interpolator per target, got {len(interpolators)} and {len(targets)}.")
    params = [g.get_params() if hasattr(g, "get_params") else _params(g) for g in interpolators]
    if any(not _same_params(params[0], p) for p in params[1:]):
        raise ValueError("the interpolators passed to fit_shared must have the same parameters.")
    with _one_blas_thread():
        return _fit_shared(interpolators, Z, targets)


def _params(g) -> dict:
    return {
        k: getattr(g, k)
        for k in (
            "length_scale",
            "ridge",
            "n_centers",
            "validation_fraction",
            "scale_multiples",
            "ridge_grid",
            "standardize",
            "random_state",
        )
        if hasattr(g, k)
    }


def _same_params(a: dict, b: dict) -> bool:
    if a.keys() != b.keys():
        return False
    return all(np.array_equal(np.asarray(a[k], dtype=object), np.asarray(b[k], dtype=object)) for k in a)


def _fit_shared(interpolators, Z, targets) -> list:
    """The fit of :class:`KernelInterpolator` for one or several targets (see :func:`fit_shared`)."""
    first = interpolators[0]
    ls, rd, n_centers, vf, multiples, ridges = first._check_params()
    Z = as_2d_float(Z, "Z")
    Fs, one_d = [], []
    for F in targets:
        one_d.append(np.asarray(F).ndim == 1)
        F = as_2d_float(F, "F")
        if len(Z) != len(F):
            raise ValueError(
                f"Z has {len(Z)} samples but F has {len(F)}; both must describe the same samples, in the same order."
            )
        Fs.append(F)
    N, m = Z.shape
    if N < 2 * m + 2:
        raise ValueError(
            f"KernelInterpolator needs at least 2*m+2 = {2 * m + 2} samples for m={m} coordinates, got {N}."
        )
    z_mean = Z.mean(axis=0)
    if first.standardize:
        sd = Z.std(axis=0)
        const = np.flatnonzero(constant_features(Z))
        if const.size:
            raise ValueError(f"Z coordinate(s) {const.tolist()} are constant; drop them or use standardize=False.")
        z_scale = sd
    else:
        z_scale = np.ones(m)
    Zs = (Z - z_mean) / z_scale
    rng = check_random_state(first.random_state)
    f_means = [F.mean(axis=0) for F in Fs]
    f_stds = [F.std(axis=0) for F in Fs]
    actives = [~constant_features(F) for F in Fs]  # the scale-free rule of netequiv.measures

    # centres: every sample, or a seeded random subset (density-proportional, like the data)
    subset = np.sort(rng.choice(N, size=n_centers, replace=False)) if N > n_centers else None
    pool = np.arange(N) if subset is None else subset
    searches = [(ls == "auto" or rd == "auto") and bool(a.any()) for a in actives]
    if any(searches):
        perm = rng.permutation(pool)
        n_val = min(len(pool) - 2, max(1, round(vf * len(pool))))
        val, tr = perm[:n_val], perm[n_val:]
    else:
        tr = pool
    if ls == "auto":
        h = _median_nn_distance(Zs[tr])
        scale_grid = np.sort(multiples) * h
    else:
        scale_grid = np.array([ls])
    ridge_grid = np.sort(ridges) if rd == "auto" else np.array([rd])

    chosen = []
    if any(searches):
        cols = np.cumsum([0] + [F.shape[1] for F in Fs])
        F_tr_means = [F[tr].mean(axis=0) for F in Fs]
        F0_tr = np.hstack([F[tr] - mu for F, mu in zip(Fs, F_tr_means)])
        solvers: dict = {}
        cache: dict = {}

        def compute(i, j):
            if i not in solvers:
                solvers.clear()  # one kernel matrix in memory at a time
                solvers[i] = _Solver(Zs[tr], None, float(scale_grid[i]))
            solver = solvers[i]
            try:
                coef = solver.coef(F0_tr, float(ridge_grid[j]))
            except np.linalg.LinAlgError:
                return [np.inf] * len(Fs)
            pred = solver.predict(Zs[val], coef)
            out = []
            for t, F in enumerate(Fs):
                p = pred[:, cols[t] : cols[t + 1]] + F_tr_means[t]
                err = np.sqrt(np.mean((p - F[val]) ** 2, axis=0))[actives[t]] / f_stds[t][actives[t]]
                value = float(np.mean(err)) if err.size else np.inf
                out.append(value if np.isfinite(value) else np.inf)
            return out

        for t in range(len(Fs)):
            if not searches[t]:
                chosen.append(None)
                continue

            def score(i, j, t=t):
                if (i, j) not in cache:
                    cache[(i, j)] = compute(i, j)
                return cache[(i, j)][t]

            chosen.append(_grid_search(score, len(scale_grid), len(ridge_grid)))
        solvers.clear()
    else:
        chosen = [None] * len(Fs)

    finals: dict = {}
    for t, g in enumerate(interpolators):
        g.validation_nrmse_ = float("nan")
        if chosen[t] is not None:
            i_best, j_best, g.validation_nrmse_ = chosen[t]
            if not np.isfinite(g.validation_nrmse_):
                raise ValueError(
                    "every (length_scale, ridge) pair of the search gave a non-finite hold-out error; "
                    "check the scales of Z and F or pass explicit length_scale and ridge."
                )
            lst, rdt = float(scale_grid[i_best]), float(ridge_grid[j_best])
        else:
            lst = float(scale_grid[len(scale_grid) // 2])
            rdt = float(ridge_grid[len(ridge_grid) // 2])
        finals.setdefault(lst, {}).setdefault(rdt, []).append(t)
        g.length_scale_, g.ridge_ = lst, rdt
    for lst, by_ridge in finals.items():
        solver = _Solver(Zs, subset, lst)
        for rdt, ts in by_ridge.items():
            F0 = np.hstack([Fs[t] - f_means[t] for t in ts])
            coef = solver.coef(F0, rdt)
            start = 0
            for t in ts:
                g, p = interpolators[t], Fs[t].shape[1]
                g.dual_coef_ = coef[:, start : start + p]
                start += p
                g.centers_, g._gamma = solver.centers, solver.gamma
        del solver
    for t, g in enumerate(interpolators):
        g._y_1d = one_d[t]
        g._z_mean, g._z_scale = z_mean, z_scale
        g._f_mean = f_means[t]
        g.n_features_in_ = m
        g.n_outputs_ = Fs[t].shape[1]
    return list(interpolators)
