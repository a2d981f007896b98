"""Numerical cross-check: our eigenvalues and eigenvectors against datafold and pydiffmap.

    .venv/bin/python benchmarks/crosscheck.py

Small problems, the same kernel for everybody: ours exp(-d^2/2eps) with the automatic eps and
a kernel cut of 1e-14 (practically the full kernel), alpha = 1; datafold GaussianKernel(eps)
(the same convention) with cut-off radius sqrt(2 eps ln 1e14); pydiffmap with every other
point as neighbour (k = N - 1) and epsilon = eps/2 (its kernel is exp(-d^2/4eps)), alpha = 1,
its generator eigenvalues l converted to Markov eigenvalues 1 + l eps/2.  The Mahalanobis
problem (the mushroom map with a metric from bursts) is compared with datafold's
MahalanobisKernel given our matrices M_i (pydiffmap has no such kernel).

Eigenvalues must agree to 1e-3; each peer eigenvector, regressed on our eigenvectors of
(nearly) the same eigenvalue (sign and rotations within degenerate pairs allowed), must have
R^2 >= 0.999.  Results in results/crosscheck.json.
"""

from __future__ import annotations

import subprocess

import numpy as np
import peers_env
from _runner import HERE, machine_info, save

N_EIG = 5
CUT = 1e-14


def problems():
    rng = np.random.default_rng(0)
    yield "interval", rng.uniform(0, 1, 1500)[:, None], None
    th = np.random.default_rng(1).uniform(0, 2 * np.pi, 1500)
    yield "circle", np.c_[np.cos(th), np.sin(th)], None
    from datasets import swiss_roll

    yield "swiss roll", swiss_roll(2000, seed=2)[0], None
    from netequiv import metric_from_bursts

    u = np.random.default_rng(3).uniform(0, 1, (1500, 2))
    mush = lambda v: np.stack([v[..., 0] + v[..., 1] ** 3, v[..., 1] - v[..., 0] ** 3], axis=-1)  # noqa: E731
    sigma = 1e-3
    bursts = mush(u[:, None, :] + sigma * np.random.default_rng(4).normal(size=(1500, 16, 2)))
    yield "mushroom + bursts (Mahalanobis)", mush(u), metric_from_bursts(bursts, sigma, n_intrinsic=2)


def r2_on(A, b):
    A1 = np.c_[A, np.ones(len(A))]
    coef, *_ = np.linalg.lstsq(A1, b, rcond=None)
    res = b - A1 @ coef
    return 1.0 - (res @ res) / ((b - b.mean()) @ (b - b.mean()))


def compare(vals, vecs, pv, pvec):
    out = {"eig_max_abs_diff": float(np.abs(vals - pv).max()), "r2": []}
    for j in range(len(pv)):
        block = np.abs(vals - pv[j]) <= max(1e-4, 1e-3 * (1 - pv[j]))
        block[j] = True
        out["r2"].append(float(r2_on(vecs[:, block], pvec[:, j])))
    out["r2_min"] = min(out["r2"])
    out["pass"] = bool(out["eig_max_abs_diff"] <= 1e-3 and out["r2_min"] >= 0.999)
    return out


def main():
    from netequiv import DiffusionMaps

    peer_py, msg = peers_env.ensure()
    print(msg, flush=True)
    work = HERE / "_work"
    rows = []
    for name, Y, M in problems():
        kind = "euclidean" if M is None else "mahalanobis"
        dm = DiffusionMaps(n_components=N_EIG, metric=kind, kernel_cutoff=CUT).fit(Y, metric=M)
        row = {
            "problem": name,
            "n": len(Y),
            "metric": kind,
            "epsilon": dm.epsilon_,
            "ours_eigenvalues": dm.eigenvalues_.tolist(),
        }
        if peer_py is None:
            row["error"] = msg
            rows.append(row)
            continue
        R2 = 2 * dm.epsilon_ * np.log(1 / CUT)
        if M is None:
            cut = float(np.sqrt(R2))
            extra = {}
        else:
            lam = M.min_eigenvalue()
            cut = float(np.sqrt(2 * R2 / (lam + lam.min())).max())
            extra = {"M": M.matrices()}
        src, dst = work / "xc_problem.npz", work / "xc_result.npz"
        np.savez(src, Y=Y, eps=dm.epsilon_, cut_off=cut, n_eig=N_EIG, **extra)
        subprocess.run([str(peer_py), str(HERE / "_xc_peer.py"), str(src), str(dst)], check=True)
        z = np.load(dst, allow_pickle=False)
        for peer in ("datafold", "pydiffmap"):
            if f"{peer}_vals" in z.files:
                row[peer] = compare(dm.eigenvalues_, dm.eigenvectors_, z[f"{peer}_vals"], z[f"{peer}_vecs"])
                row[peer]["eigenvalues"] = z[f"{peer}_vals"].tolist()
        rows.append(row)
        print(
            name,
            {k: (v["eig_max_abs_diff"], v["r2_min"], v["pass"]) for k, v in row.items() if isinstance(v, dict)},
            flush=True,
        )
    print(save("crosscheck.json", {"machine": machine_info(), "kernel_cutoff": CUT, "rows": rows}))


if __name__ == "__main__":
    main()
