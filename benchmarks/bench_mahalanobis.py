"""Our Mahalanobis diffusion map against datafold's MahalanobisKernel (5,000 points).

    .venv/bin/python benchmarks/bench_mahalanobis.py --n 5000

Both use the same metric matrices M_i (exact Jacobians, rank 2, normal penalty 1), the same
bandwidth epsilon (ours, automatic) and kernel exp(-d^2/2eps) with alpha = 1.  datafold first
takes the Euclidean pairs within the radius that contains every metric ball of radius
R = sqrt(2 eps ln 1e8) (the bound of netequiv._neighbors), then evaluates the Mahalanobis
distance pair by pair.  datafold runs in benchmarks/_work/peers-venv (skipped with a message
when it cannot be installed).  Results in results/mahalanobis.json.
"""

from __future__ import annotations

import argparse
import math
import sys

import numpy as np
import peers_env
from _runner import OURS_PY, machine_info, run_case, save


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--n", type=int, default=5000)
    p.add_argument("--data", nargs="+", default=["swissroll3d", "smooth10d"])
    p.add_argument("--timeout", type=int, default=1200)
    a = p.parse_args()
    from datasets import make

    from netequiv import metric_from_jacobians

    peer_py, msg = peers_env.ensure()
    print(msg, flush=True)
    rows = []
    for data in a.data:
        ours = run_case(OURS_PY, ["--method", "ours_mahalanobis", "--data", data, "--n", a.n], a.timeout)
        ours.update(method="ours_mahalanobis", data=data, n=a.n)
        rows.append(ours)
        print(ours, flush=True)
        if peer_py is None or ours.get("error"):
            rows.append({"method": "datafold_mahalanobis", "data": data, "n": a.n, "error": msg})
            continue
        Y, _, J = make(data, a.n)
        lam = metric_from_jacobians(J, n_intrinsic=2).min_eigenvalue()
        R2 = 2.0 * ours["epsilon"] * math.log(1e8)
        radius = float(np.sqrt(2.0 * R2 / (lam + lam.min())).max())
        row = run_case(
            peer_py,
            [
                "--method",
                "datafold_mahalanobis",
                "--data",
                data,
                "--n",
                a.n,
                "--eps",
                ours["epsilon"],
                "--radius",
                radius,
            ],
            a.timeout,
        )
        row.update(method="datafold_mahalanobis", data=data, n=a.n, euclidean_cut_off=radius)
        if row.get("time_s"):
            row["speedup_ours_vs_datafold"] = row["time_s"] / ours["time_s"]
            e1, e2 = np.array(ours["eigenvalues"]), np.array(row["eigenvalues"])
            row["max_eigenvalue_diff_vs_ours"] = float(np.abs(e1 - e2).max())
        rows.append(row)
        print(row, flush=True)
        save("mahalanobis.json", {"machine": machine_info(), "rows": rows})
    print(save("mahalanobis.json", {"machine": machine_info(), "rows": rows}), file=sys.stderr)


if __name__ == "__main__":
    main()
