"""Run ONE benchmark case in a fresh process and print one JSON line.

Used by the bench_*.py drivers (each case runs in its own subprocess so that its peak RSS,
``ru_maxrss``, belongs to that case alone).  Works in the project's .venv (ours, scikit-learn)
and in the peers' venv (datafold, pydiffmap).

    python benchmarks/_case.py --method ours_euclidean --data swissroll3d --n 16000
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from datasets import make  # noqa: E402

N_EIG = 10  # non-trivial eigenvectors, for every method


def _ours_estimator(a, mahalanobis, **extra):
    """Our DiffusionMaps with the case's kernel cut, bandwidth neighbour and eigen tolerance."""
    from netequiv import DiffusionMaps

    return DiffusionMaps(
        n_components=N_EIG,
        metric="mahalanobis" if mahalanobis else "euclidean",
        kernel_cutoff=a.kernel_cutoff,
        n_neighbors_epsilon=a.k_eps,
        eigen_tol=a.eigen_tol,
        **extra,
    )


def ours(Y, J, a, mahalanobis):
    from netequiv import metric_from_jacobians

    t0 = time.perf_counter()
    M = metric_from_jacobians(J, n_intrinsic=2) if mahalanobis else None
    dm = _ours_estimator(a, mahalanobis, **({"epsilon": a.eps} if a.eps else {})).fit(Y, M)
    el = time.perf_counter() - t0
    info = {"epsilon": dm.epsilon_, "mean_neighbors": dm.mean_neighbors_, "eigenvalues": dm.eigenvalues_.tolist()}
    return el, info, dm.eigenvectors_


def ours_landmarks(Y, J, a, mahalanobis):
    """Fit on the first ``a.landmarks`` samples (the data are i.i.d.), Nyström-extend to all."""
    from netequiv import metric_from_jacobians

    t0 = time.perf_counter()
    M = metric_from_jacobians(J, n_intrinsic=2) if mahalanobis else None
    m = a.landmarks
    dm = _ours_estimator(a, mahalanobis).fit(Y[:m], None if M is None else M[:m])
    t_fit = time.perf_counter() - t0
    out = np.empty((len(Y), N_EIG))
    out[:m] = dm.eigenvectors_
    step = 65536
    for s0 in range(m, len(Y), step):
        s1 = min(s0 + step, len(Y))
        out[s0:s1] = dm.transform(Y[s0:s1], metric=None if M is None else M[s0:s1])
    el = time.perf_counter() - t0
    info = {
        "epsilon": dm.epsilon_,
        "mean_neighbors": dm.mean_neighbors_,
        "landmarks": m,
        "fit_time_s": t_fit,
        "eigenvalues": dm.eigenvalues_.tolist(),
    }
    return el, info, out


def sklearn_se(Y, a, solver):
    from sklearn.manifold import SpectralEmbedding

    t0 = time.perf_counter()
    emb = SpectralEmbedding(
        n_components=N_EIG,
        affinity="nearest_neighbors",
        n_neighbors=a.k,
        eigen_solver=solver,
        random_state=0,
        n_jobs=-1,
    ).fit_transform(Y)
    return time.perf_counter() - t0, {"n_neighbors": a.k}, emb


def pydiffmap_dm(Y, a):
    from pydiffmap import diffusion_map as dmap

    t0 = time.perf_counter()
    # pydiffmap's kernel is exp(-d^2 / (4 eps_p)); ours exp(-d^2 / (2 eps)): eps_p = eps / 2
    m = dmap.DiffusionMap.from_sklearn(
        n_evecs=N_EIG, k=a.k, epsilon=a.eps / 2.0, alpha=1.0, neighbor_params={"n_jobs": -1, "algorithm": "kd_tree"}
    )
    m.fit(Y)
    el = time.perf_counter() - t0
    lam = 1.0 + (a.eps / 2.0) * np.asarray(m.evals)  # Markov eigenvalues from the generator's
    return el, {"n_neighbors": a.k, "eigenvalues": lam.tolist()}, np.asarray(m.evecs)


def datafold_dm(Y, a):
    import datafold.dynfold as dfold
    import datafold.pcfold as pfold

    t0 = time.perf_counter()
    kernel = pfold.GaussianKernel(epsilon=a.eps, distance={"cut_off": a.radius})
    dm = dfold.DiffusionMaps(kernel=kernel, n_eigenpairs=N_EIG + 1, alpha=1.0).fit(Y)
    el = time.perf_counter() - t0
    vals = np.real(np.asarray(dm.eigenvalues_))
    return el, {"cut_off": a.radius, "eigenvalues": vals[1:].tolist()}, np.real(np.asarray(dm.eigenvectors_))[:, 1:]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--method", required=True)
    p.add_argument("--data", required=True)
    p.add_argument("--n", type=int, required=True)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--k", type=int, default=None, help="neighbours for kNN peers")
    p.add_argument("--eps", type=float, default=None, help="bandwidth in exp(-d^2/2eps)")
    p.add_argument("--radius", type=float, default=None, help="Euclidean cut-off radius for datafold")
    p.add_argument("--kernel-cutoff", type=float, default=1e-8)
    p.add_argument("--k-eps", type=int, default=10)
    p.add_argument("--eigen-tol", type=float, default=1e-10)
    p.add_argument("--landmarks", type=int, default=None, help="fit on this many samples, Nyström for the rest")
    p.add_argument("--save", default=None, help="save the eigenvectors (.npy)")
    a = p.parse_args(argv)
    warnings.simplefilter("ignore")
    Y, u, J = make(a.data, a.n, a.seed)
    m = a.method
    if m == "ours_euclidean":
        el, info, vec = ours(Y, None, a, False)
    elif m == "ours_mahalanobis":
        el, info, vec = ours(Y, J, a, True)
    elif m in ("ours_euclidean_landmarks", "ours_mahalanobis_landmarks"):
        el, info, vec = ours_landmarks(Y, J, a, m.startswith("ours_mahalanobis"))
    elif m in ("sklearn_lobpcg", "sklearn_arpack"):
        el, info, vec = sklearn_se(Y, a, m.split("_")[1])
    elif m == "pydiffmap":
        el, info, vec = pydiffmap_dm(Y, a)
    elif m == "datafold":
        el, info, vec = datafold_dm(Y, a)
    elif m == "datafold_mahalanobis":
        el, info, vec = datafold_maha(Y, J, a)
    else:
        raise SystemExit(f"unknown method {m}")
    if a.save:
        np.save(a.save, np.asarray(vec, dtype=np.float64))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps({"method": m, "data": a.data, "n": a.n, "time_s": el, "peak_rss_mb": peak_mb, **info}))


def datafold_maha(Y, J, a):
    """datafold's (experimental) MahalanobisKernel with our metric matrices M_i as covariances."""
    import datafold.dynfold as dfold

    # the same M_i as netequiv.metric_from_jacobians(J, n_intrinsic=2) for d >= n: the
    # pseudo-inverse of J J^T on the tangent space plus the normal penalty 1/s_n^2
    U, s, _ = np.linalg.svd(J, full_matrices=False)
    tangent = 1.0 / s**2
    d = J.shape[1]
    normal = tangent[:, -1]
    M = normal[:, None, None] * np.eye(d) + np.einsum("nda,na,nea->nde", U, tangent - normal[:, None], U)
    t0 = time.perf_counter()
    from datafold.pcfold.kernels import MahalanobisKernel

    kernel = MahalanobisKernel(epsilon=a.eps, distance={"metric": "euclidean", "cut_off": a.radius})
    dm = dfold.DiffusionMaps(kernel=kernel, n_eigenpairs=N_EIG + 1, alpha=1.0).fit(Y, kernel_kwargs={"cov_matrices": M})
    el = time.perf_counter() - t0
    vals = np.real(np.asarray(dm.eigenvalues_))
    return el, {"cut_off": a.radius, "eigenvalues": vals[1:].tolist()}, np.real(np.asarray(dm.eigenvectors_))[:, 1:]


if __name__ == "__main__":
    main()
