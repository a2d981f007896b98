"""Euclidean and Mahalanobis diffusion maps against scikit-learn, pydiffmap and datafold.

    .venv/bin/python benchmarks/bench_dmap.py --sizes 4000 16000 64000

For every data set and size, ours runs first (default settings: automatic epsilon, kernel cut
1e-8); its bandwidth and *mean number of neighbours k* are then handed to the peers, so that
every method works with the same neighbourhood size:

* scikit-learn SpectralEmbedding (affinity="nearest_neighbors", n_neighbors=k; lobpcg and
  arpack) -- a graph Laplacian of the symmetrised kNN graph, not a diffusion map;
* pydiffmap (kNN graph with k neighbours, the same Gaussian kernel, alpha=1);
* datafold (radius graph with our radius, the same Gaussian kernel, alpha=1).

Every method computes 10 non-trivial eigenvectors.  Each case is a separate process (peak RSS =
its ``ru_maxrss``).  Ratios are taken between cases of the same run.  Results are written to
benchmarks/results/dmap.json after every case.
"""

from __future__ import annotations

import argparse
import math

import peers_env
from _runner import OURS_PY, machine_info, run_case, save

PEERS = ["sklearn_lobpcg", "sklearn_arpack", "pydiffmap", "datafold"]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", type=int, nargs="+", default=[4000, 16000, 64000])
    p.add_argument("--data", nargs="+", default=["swissroll3d", "smooth10d"])
    p.add_argument("--methods", nargs="+", default=["ours_euclidean", "ours_mahalanobis", *PEERS])
    p.add_argument("--timeout", type=int, default=600, help="seconds per case")
    p.add_argument("--out", default="dmap.json")
    a = p.parse_args()
    peer_py, msg = peers_env.ensure()
    print(msg, flush=True)
    payload = {"machine": machine_info(), "peers_env": msg, "rows": []}
    for data in a.data:
        for n in a.sizes:
            base = run_case(OURS_PY, ["--method", "ours_euclidean", "--data", data, "--n", n], a.timeout)
            base.update(method="ours_euclidean", data=data, n=n)
            rows = [base]
            print(_fmt(base), flush=True)
            if base.get("error"):
                payload["rows"] += rows
                save(a.out, payload)
                continue
            k = int(round(base["mean_neighbors"]))
            eps = base["epsilon"]
            radius = math.sqrt(2.0 * eps * math.log(1e8))
            for m in a.methods:
                if m == "ours_euclidean":
                    continue
                args = ["--method", m, "--data", data, "--n", n, "--k", k, "--eps", eps, "--radius", radius]
                prev = [r for r in payload["rows"] if r["method"] == m and r["data"] == data]
                if prev and (
                    prev[-1].get("time_s") is None or prev[-1]["time_s"] * (n / prev[-1]["n"]) ** 1.2 > a.timeout
                ):
                    # it failed, or would run past the limit (at least N^1.2 growth), at a smaller size
                    row = {
                        "method": m,
                        "data": data,
                        "n": n,
                        "time_s": None,
                        "peak_rss_mb": None,
                        "error": f"skipped: over the {a.timeout} s limit expected from N={prev[-1]['n']}",
                    }
                    rows.append(row)
                    print(_fmt(row), flush=True)
                    continue
                if m in ("pydiffmap", "datafold"):
                    if peer_py is None:
                        rows.append({"method": m, "data": data, "n": n, "error": msg})
                        continue
                    row = run_case(peer_py, args, a.timeout)
                elif m == "ours_mahalanobis":
                    row = run_case(OURS_PY, ["--method", m, "--data", data, "--n", n], a.timeout)
                else:
                    row = run_case(OURS_PY, args, a.timeout)
                row.update(method=m, data=data, n=n, n_neighbors_used=k)
                if row.get("time_s"):
                    row["time_ratio_to_ours_euclidean"] = row["time_s"] / base["time_s"]
                rows.append(row)
                print(_fmt(row), flush=True)
                save(a.out, {**payload, "rows": payload["rows"] + rows})
            payload["rows"] += rows
            save(a.out, payload)


def _fmt(r):
    t = "%.2f s" % r["time_s"] if r.get("time_s") else r.get("error", "?")
    mem = "%.0f MB" % r["peak_rss_mb"] if r.get("peak_rss_mb") else ""
    return (
        f"{r['data']:12s} {r['n']:>8d} {r['method']:18s} {t:>10s} {mem:>9s} {r.get('time_ratio_to_ours_euclidean', '')}"
    )


if __name__ == "__main__":
    main()
