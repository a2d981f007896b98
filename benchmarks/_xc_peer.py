"""Peer side of crosscheck.py (runs in the peers' venv): datafold and pydiffmap on a saved problem.

    python _xc_peer.py problem.npz out.npz

``problem.npz`` holds Y, eps (for exp(-d^2/2eps)), cut_off (Euclidean radius for datafold),
n_eig and, for a Mahalanobis problem, M (N, d, d).
"""

import sys
import warnings

import numpy as np

warnings.simplefilter("ignore")


def main(src, dst):
    z = np.load(src, allow_pickle=False)
    Y, eps, cut, k = z["Y"], float(z["eps"]), float(z["cut_off"]), int(z["n_eig"])
    out = {}
    import datafold.dynfold as dfold
    import datafold.pcfold as pfold

    if "M" in z.files:
        from datafold.pcfold.kernels import MahalanobisKernel

        kern = MahalanobisKernel(epsilon=eps, distance={"metric": "euclidean", "cut_off": cut})
        dm = dfold.DiffusionMaps(kernel=kern, n_eigenpairs=k + 1, alpha=1.0).fit(
            Y, kernel_kwargs={"cov_matrices": z["M"]}
        )
    else:
        kern = pfold.GaussianKernel(epsilon=eps, distance={"cut_off": cut})
        dm = dfold.DiffusionMaps(kernel=kern, n_eigenpairs=k + 1, alpha=1.0).fit(Y)
    vals = np.real(np.asarray(dm.eigenvalues_))
    vecs = np.real(np.asarray(dm.eigenvectors_))
    o = np.argsort(vals)[::-1]
    out["datafold_vals"], out["datafold_vecs"] = vals[o][1:], vecs[:, o][:, 1:]
    if "M" not in z.files:
        from pydiffmap import diffusion_map as dmap

        m = dmap.DiffusionMap.from_sklearn(n_evecs=k, k=len(Y) - 1, epsilon=eps / 2.0, alpha=1.0)
        m.fit(Y)
        out["pydiffmap_vals"] = 1.0 + (eps / 2.0) * np.asarray(m.evals)
        out["pydiffmap_vecs"] = np.asarray(m.evecs)
    np.savez(dst, **out)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
