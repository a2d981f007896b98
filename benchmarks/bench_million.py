"""One million points: Euclidean and Mahalanobis diffusion maps, time and peak memory.

    .venv/bin/python benchmarks/bench_million.py                # 1,000,000 points
    .venv/bin/python benchmarks/bench_million.py --n 250000     # a quicker look

Data: the unit square mapped into R^10 by a random smooth map (datasets.smooth_10d); the
Mahalanobis run uses the exact Jacobians.  With the default settings a million points keep
~350 kernel entries per point (cut 1e-8 at the 10th-neighbour bandwidth): 3.5e8 non-zeros
(> 4 GB in CSR) and thousands of Lanczos steps (the spectral gaps shrink with epsilon).  Two
routes are measured instead:

* landmarks: the default diffusion map of ``--landmarks`` samples (the data are i.i.d., so the
  first ones are a random subset), then the Nyström extension (``DiffusionMaps.transform``) to
  all N samples in blocks of 65,536;
* cheap exact: the full graph of all N samples with a smaller bandwidth and a looser kernel cut
  (``--k-eps``, ``--kernel-cutoff``, ``--eigen-tol``), Euclidean only.

Their accuracy cost is measured on 64,000 samples against the default full fit (R^2 of each of
the first four default eigenvectors regressed on the cheaper run's ten).  Each run is a
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
    p.add_argument("--landmarks", type=int, default=32000, help="landmark fit size for the Nyström route")
    p.add_argument("--skip-accuracy", action="store_true")
    p.add_argument("--skip-exact", action="store_true", help="skip the full (non-landmark) run at N")
    a = p.parse_args()
    cheap = ["--k-eps", a.k_eps, "--kernel-cutoff", a.kernel_cutoff, "--eigen-tol", a.eigen_tol]
    settings = f"n_neighbors_epsilon={a.k_eps}, kernel_cutoff={a.kernel_cutoff:g}, eigen_tol={a.eigen_tol:g}"
    lm_settings = f"defaults on {a.landmarks:,} landmarks + Nyström"
    rows = []
    work = HERE / "_work"
    work.mkdir(exist_ok=True)
    n_acc = 64000
    if not a.skip_accuracy:
        for m in ("ours_euclidean", "ours_mahalanobis"):
            ref = run_case(
                OURS_PY, ["--method", m, "--data", a.data, "--n", n_acc, "--save", work / "ref.npy"], a.timeout
            )
            ref.update(label="64k default (reference)", method=m, n=n_acc, settings="defaults")
            rows.append(ref)
            print(ref, flush=True)
            lm = max(n_acc // 8, 2000)
            for args, lab, st, meth in (
                (cheap, "64k cheap exact", settings, m),
                (
                    ["--landmarks", lm],
                    f"64k from {lm:,} landmarks",
                    f"defaults on {lm:,} landmarks + Nyström",
                    m + "_landmarks",
                ),
            ):
                if a.skip_exact and lab.endswith("cheap exact"):
                    continue
                r = run_case(
                    OURS_PY,
                    ["--method", meth, "--data", a.data, "--n", n_acc, "--save", work / "fast.npy", *args],
                    a.timeout,
                )
                r.update(label=lab, method=meth, n=n_acc, settings=st)
                if r.get("time_s") and ref.get("time_s"):
                    r["r2_vs_default_min"] = r2_min(np.load(work / "fast.npy"), np.load(work / "ref.npy"))
                rows.append(r)
                print(r, flush=True)
                save("million.json", {"machine": machine_info(), "rows": rows})
    for m in ("ours_euclidean", "ours_mahalanobis"):
        r = run_case(
            OURS_PY, ["--method", m + "_landmarks", "--data", a.data, "--n", a.n, "--landmarks", a.landmarks], a.timeout
        )
        r.update(label=f"{a.n:,} via landmarks", method=m + "_landmarks", n=a.n, settings=lm_settings)
        rows.append(r)
        print(r, flush=True)
        save("million.json", {"machine": machine_info(), "rows": rows})
    if not a.skip_exact:
        r = run_case(OURS_PY, ["--method", "ours_euclidean", "--data", a.data, "--n", a.n, *cheap], a.timeout)
        r.update(label=f"{a.n:,} cheap exact", method="ours_euclidean", n=a.n, settings=settings)
        rows.append(r)
        print(r, flush=True)
        save("million.json", {"machine": machine_info(), "rows": rows})


if __name__ == "__main__":
    main()
