"""One million points: Euclidean and Mahalanobis diffusion maps, time and peak memory.

    .venv/bin/python benchmarks/bench_million.py                # 1,000,000 points
    .venv/bin/python benchmarks/bench_million.py --n 250000     # a quicker look

Data: the unit square mapped into R^10 by a random smooth map (datasets.smooth_10d); the
Mahalanobis run uses the exact Jacobians.  With the default settings a million points keep
~350 kernel entries per point (cut 1e-8 at the 10th-neighbour bandwidth), i.e. 3.5e8 non-zeros
(> 4 GB in CSR) and thousands of Lanczos steps, so the large runs use cheaper *exact* settings
(passed with --k-eps / --kernel-cutoff / --eigen-tol): a smaller bandwidth and a looser kernel
cut.  Their accuracy cost is measured on a 64,000-point subset against the default settings
(R^2 of each default eigenvector regressed on the cheap run's eigenvectors).  Each run is a
subprocess; peak RSS is its ru_maxrss.  Results in results/million.json.
"""

from __future__ import annotations

import argparse

import numpy as np

from _runner import HERE, OURS_PY, machine_info, run_case, save


def r2_min(A, B, k=4):
    """min over the first k columns of B of the R^2 of B[:, j] regressed on all of A."""
    A1 = np.c_[A, np.ones(len(A))]
    out = []
    for j in range(k):
        b = B[:, j]
        coef, *_ = np.linalg.lstsq(A1, b, rcond=None)
        res = b - A1 @ coef
        out.append(1.0 - (res @ res) / ((b - b.mean()) @ (b - b.mean())))
    return float(min(out))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n", type=int, default=1_000_000)
    p.add_argument("--data", default="smooth10d")
    p.add_argument("--k-eps", type=int, default=5)
    p.add_argument("--kernel-cutoff", type=float, default=1e-3)
    p.add_argument("--eigen-tol", type=float, default=1e-8)
    p.add_argument("--timeout", type=int, default=1500)
    p.add_argument("--skip-accuracy", action="store_true")
    a = p.parse_args()
    cheap = ["--k-eps", a.k_eps, "--kernel-cutoff", a.kernel_cutoff, "--eigen-tol", a.eigen_tol]
    settings = f"n_neighbors_epsilon={a.k_eps}, kernel_cutoff={a.kernel_cutoff:g}, eigen_tol={a.eigen_tol:g}"
    rows = []
    work = HERE / "_work"
    work.mkdir(exist_ok=True)
    if not a.skip_accuracy:
        for m in ("ours_euclidean", "ours_mahalanobis"):
            ref = run_case(OURS_PY, ["--method", m, "--data", a.data, "--n", 64000, "--save", work / "ref.npy"], a.timeout)
            fast = run_case(OURS_PY, ["--method", m, "--data", a.data, "--n", 64000, "--save", work / "fast.npy", *cheap], a.timeout)
            for r, lab, st in ((ref, "64k default", "defaults"), (fast, "64k cheap", settings)):
                r.update(label=lab, method=m, n=64000, settings=st)
            if fast.get("time_s") and ref.get("time_s"):
                fast["r2_vs_default_min"] = r2_min(np.load(work / "fast.npy"), np.load(work / "ref.npy"))
            rows += [ref, fast]
            print(ref, "\n", fast, flush=True)
            save("million.json", {"machine": machine_info(), "rows": rows})
    for m in ("ours_euclidean", "ours_mahalanobis"):
        r = run_case(OURS_PY, ["--method", m, "--data", a.data, "--n", a.n, *cheap], a.timeout)
        r.update(label=f"{a.n:,} cheap", method=m, n=a.n, settings=settings)
        r.pop("eigenvalues", None)
        rows.append(r)
        print(r, flush=True)
        save("million.json", {"machine": machine_info(), "rows": rows})


if __name__ == "__main__":
    main()
