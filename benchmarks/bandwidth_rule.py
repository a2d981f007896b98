"""Held-out transformation errors on curves for bandwidth neighbours 10, 20, 40 and the data rule.

    .venv/bin/python benchmarks/bandwidth_rule.py            # all cases, a few minutes on 2 cores
    .venv/bin/python benchmarks/bandwidth_rule.py --quick    # (a) and (b) only

For every pair of observations of the same 1-D inputs, ``compare_observations`` is run with
``dmap_kwargs={"n_neighbors_epsilon": k}`` for k = 10, 20, 40 and for the k of
the fold-ratio rule of ``benchmarks/_fold_rule.py`` (the smaller of the two networks' values,
computed on the training samples of the comparison's own split), and, for reference, with
compare_observations' current default.  The score is the held-out max NRMSE over the
observed features, the worse of the two directions; a pair passes below 0.05 (every case is
equivalent by construction, so every failure is the method's).

Cases
-----
(a) scalar, monotone both: y_A = x + 0.1 sin 6x, y_B = tanh(2x - 1), x uniform on [0, 1],
    N = 500, 2000 (seed 0, the rule's calibration; seed 1, not seen by it).
(b) curves that bend on a short scale, compared with a monotone reparametrisation
    g(x) = x + 0.3 sin(2 pi x) / 2 pi of themselves seen through a fixed linear map:
    a helix (cos wt, sin wt, 10 t) in R^3 with 3-6 turns, and a random smooth curve in R^10
    (four sinusoids per coordinate, frequencies in [w/2, w]).
(c) two small CNNs (2 conv layers + linear, different widths and seeds) trained on
    scikit-learn's digits upsampled to 16x16 with rotation augmentation (+-45 deg); held-out
    digits rotated by theta uniform in [-40, 40] deg (N = 1000, torch affine_grid/grid_sample),
    logits observed, Jacobians d logits / d theta by central differences (h = 0.05 deg).
    Pair 1 (seeds 1, 2) was part of the rule's calibration; pair 2 (seeds 3, 4, other widths,
    more epochs) was not.

Writes ``benchmarks/results/bandwidth_rule.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from _fold_rule import choose_epsilon_neighbors, curve_fold_ratios  # noqa: E402

import netequiv  # noqa: E402
from netequiv import compare_observations, metric_from_jacobians  # noqa: E402

HERE = Path(__file__).resolve().parent
KS = (10, 20, 40)
TOL = 0.05


def split(n: int):
    """The training indices of compare_observations' default split (test_size 0.2, seed 0)."""
    try:
        from netequiv.comparison import split_samples
    except ImportError:  # older layout
        try:
            from netequiv.transform import split_samples
        except ImportError:
            split_samples = None
    if split_samples is not None:
        return split_samples(n)[0]
    perm = np.random.default_rng(0).permutation(n)
    return np.sort(perm[max(1, int(round(0.2 * n))) :])


# ----------------------------------------------------------------------------- cases
def scalar_pair(n, seed):
    x = np.random.default_rng(seed).uniform(0, 1, n)
    ya, ja = x + 0.1 * np.sin(6 * x), 1 + 0.6 * np.cos(6 * x)
    yb, jb = np.tanh(2 * x - 1), 2 / np.cosh(2 * x - 1) ** 2
    return ya[:, None], yb[:, None], ja[:, None, None], jb[:, None, None]


def _reparametrised(curve, n, seed, d, mix_seed):
    """A curve and a monotone reparametrisation of it seen through a fixed linear map."""
    x = np.random.default_rng(seed).uniform(0, 1, n)
    ya, ja = curve(x)
    g = x + 0.3 * np.sin(2 * np.pi * x) / (2 * np.pi)
    dg = 1 + 0.3 * np.cos(2 * np.pi * x)
    yb0, jb0 = curve(g)
    Q = np.linalg.qr(np.random.default_rng(mix_seed).normal(size=(d, d)))[0] * np.linspace(0.5, 2.0, d)
    return ya, yb0 @ Q.T, ja[:, :, None], ((jb0 * dg[:, None]) @ Q.T)[:, :, None]


def helix_pair(n, turns, seed=0, pitch=10.0):
    w = 2 * np.pi * turns

    def curve(t):
        y = np.c_[np.cos(w * t), np.sin(w * t), pitch * t]
        return y, np.c_[-w * np.sin(w * t), w * np.cos(w * t), np.full_like(t, pitch)]

    return _reparametrised(curve, n, seed, 3, 7)


def random_curve_pair(n, omega, seed=0, shape_seed=123):
    r = np.random.default_rng(shape_seed)
    w = r.uniform(0.5, 1.0, (10, 4)) * omega
    ph = r.uniform(0, 2 * np.pi, (10, 4))
    a = r.normal(size=(10, 4)) / 2.0

    def curve(t):
        arg = w[None] * t[:, None, None] + ph[None]
        return (a[None] * np.sin(arg)).sum(-1), (a[None] * w[None] * np.cos(arg)).sum(-1)

    return _reparametrised(curve, n, seed, 10, 7 + seed)


def cnn_pairs(n, digits, log):
    """Two CNN pairs on rotated digits; yields (name, ya, yb, Ja, Jb)."""
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    from sklearn.datasets import load_digits

    torch.set_num_threads(1)
    d = load_digits()
    X = F.interpolate(
        torch.tensor(d.images, dtype=torch.float32)[:, None] / 16.0, size=(16, 16), mode="bilinear", align_corners=False
    )
    y = torch.tensor(d.target)
    perm = np.random.default_rng(0).permutation(len(X))
    tr, te = perm[:1500], perm[1500:]

    def rotate(img, deg):
        th = torch.as_tensor(deg, dtype=torch.float64) * np.pi / 180
        c, s, z = torch.cos(th), torch.sin(th), torch.zeros_like(th)
        A = torch.stack([torch.stack([c, -s, z], -1), torch.stack([s, c, z], -1)], -2).float()
        img = img.expand(len(th), -1, -1, -1) if img.shape[0] == 1 else img
        grid = F.affine_grid(A, list(img.shape), align_corners=False)
        return F.grid_sample(img, grid, mode="bilinear", padding_mode="zeros", align_corners=False)

    class CNN(nn.Module):
        def __init__(self, c1, c2):
            super().__init__()
            self.c1, self.c2 = nn.Conv2d(1, c1, 3, padding=1), nn.Conv2d(c1, c2, 3, padding=1)
            self.fc = nn.Linear(c2 * 16, 10)

        def forward(self, x):
            x = F.max_pool2d(F.relu(self.c1(x)), 2)
            return self.fc(F.max_pool2d(F.relu(self.c2(x)), 2).flatten(1))

    def train(seed, c1, c2, epochs):
        torch.manual_seed(seed)
        g = torch.Generator().manual_seed(seed)
        net = CNN(c1, c2)
        opt = torch.optim.Adam(net.parameters(), lr=3e-3)
        for _ in range(epochs):
            order = torch.randperm(len(tr), generator=g)
            for b in range(0, len(tr), 64):
                idx = torch.as_tensor(tr)[order[b : b + 64]]
                xb = rotate(X[idx], (torch.rand(len(idx), generator=g) * 2 - 1) * 45)
                loss = F.cross_entropy(net(xb), y[idx])
                opt.zero_grad()
                loss.backward()
                opt.step()
        return net.eval()

    def observe(net, img, theta, h=0.05):
        with torch.no_grad():
            out = net(rotate(img, theta)).double().numpy()
            jac = (net(rotate(img, theta + h)) - net(rotate(img, theta - h))).double().numpy() / (2 * h)
        return out, jac[:, :, None]

    for label, (sa, sb, wa, wb, ep) in {"1": (1, 2, (8, 16), (12, 24), 12), "2": (3, 4, (6, 12), (16, 32), 20)}.items():
        t0 = time.perf_counter()
        A, B = train(sa, *wa, ep), train(sb, *wb, ep)
        with torch.no_grad():
            th = torch.tensor(np.random.default_rng(5).uniform(-40, 40, len(te)))
            acc = [float((net(rotate(X[te], th)).argmax(1) == y[te]).float().mean()) for net in (A, B)]
        log(
            f"CNN pair {label}: trained in {time.perf_counter() - t0:.1f} s, rotated held-out accuracy {acc[0]:.3f}, {acc[1]:.3f}"
        )
        for j in digits:
            i = int(te[j])
            theta = torch.tensor(np.random.default_rng(100 + j).uniform(-40, 40, n))
            ya, ja = observe(A, X[i : i + 1], theta)
            yb, jb = observe(B, X[i : i + 1], theta)
            yield f"(c) CNN pair {label}, digit #{j} ('{int(y[i])}')", ya, yb, ja, jb


def cases(quick: bool, log):
    for n in (500, 2000):
        for seed in (0, 1):
            yield f"(a) scalar N={n} seed {seed}", "a", *scalar_pair(n, seed)
    for n, turns in ((1000, 3), (1000, 4), (2000, 6), (1500, 5)):
        yield f"(b) helix N={n} {turns} turns", "b", *helix_pair(n, turns)
    for n, om, seed in ((1000, 10, 0), (1000, 20, 0), (2000, 14, 0), (2000, 20, 0), (1000, 10, 2), (1500, 12, 3)):
        yield f"(b) R^10 curve N={n} w={om} seed {seed}", "b", *random_curve_pair(n, om, seed)
    if not quick:
        for name, *obs in cnn_pairs(1000, range(5), log):
            yield name, "c", *obs


# ----------------------------------------------------------------------------- measuring
def score(ya, yb, ja, jb, **kw):
    try:
        res = compare_observations(ya, yb, metric_a=ja, metric_b=jb, n_intrinsic=1, rule="errors", **kw)
    except TypeError:  # a compare_observations without ``rule``
        res = compare_observations(ya, yb, metric_a=ja, metric_b=jb, n_intrinsic=1, **kw)
    except ValueError as exc:
        return float("nan"), str(exc).split(";")[0][:80]
    return max(res.forward_error["max_nrmse"], res.backward_error["max_nrmse"]), None


def measure(name, group, ya, yb, ja, jb, with_default):
    train = split(len(ya))
    row = {"case": name, "group": group, "n": len(ya), "errors": {}, "notes": {}}
    ks_rule, rho, t_rule = [], [], 0.0
    for y, j in ((ya, ja), (yb, jb)):
        M = metric_from_jacobians(j[train], n_intrinsic=1, degenerate="clip")
        t0 = time.perf_counter()
        ks_rule.append(choose_epsilon_neighbors(y[train], M, n_intrinsic=1, n_coordinates=1, n_train=len(train)))
        t_rule += time.perf_counter() - t0
        rho.append(curve_fold_ratios(y[train], M))
    k_rule = min(ks_rule)
    # one diffusion map at the chosen bandwidth, for the cost comparison
    M = metric_from_jacobians(ja[train], n_intrinsic=1, degenerate="clip")
    t0 = time.perf_counter()
    netequiv.DiffusionMaps(n_components=10, metric="mahalanobis", n_neighbors_epsilon=k_rule).fit(ya[train], metric=M)
    t_dmap = time.perf_counter() - t0
    for k in sorted(set(KS) | {k_rule}):
        err, note = score(ya, yb, ja, jb, dmap_kwargs={"n_neighbors_epsilon": k})
        row["errors"][str(k)] = err
        if note:
            row["notes"][str(k)] = note
    row["k_rule"], row["k_rule_per_side"] = k_rule, ks_rule
    row["rule_error"] = row["errors"][str(k_rule)]
    row["fold_ratio"] = {str(k): max(r[k] for r in rho) for k in (10, 14, 20, 28, 40)}
    row["rule_time_s"], row["dmap_time_s"] = t_rule / 2, t_dmap
    if with_default:
        row["default_error"] = score(ya, yb, ja, jb)[0]
    return row


def fmt(e):
    return "   error" if not np.isfinite(e) else (f"{e:8.3f}" + ("*" if e >= TOL else " "))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="skip the CNN case (c)")
    ap.add_argument("--no-default", action="store_true", help="skip compare_observations' own default")
    ap.add_argument("--out", default=str(HERE / "results" / "bandwidth_rule.json"))
    a = ap.parse_args(argv)
    t_start = time.perf_counter()
    log = lambda s: print(s, flush=True)  # noqa: E731
    rows = []
    head = f"{'case':44s} {'k=10':>9s} {'k=20':>9s} {'k=40':>9s} {'rule (k)':>14s}" + (
        "" if a.no_default else f" {'default':>9s}"
    )
    log(head)
    for name, group, ya, yb, ja, jb in cases(a.quick, log):
        r = measure(name, group, ya, yb, ja, jb, not a.no_default)
        rows.append(r)
        e = r["errors"]
        log(
            f"{name:44s} {fmt(e['10'])} {fmt(e['20'])} {fmt(e['40'])} {fmt(r['rule_error'])} ({r['k_rule']:2d})"
            + ("" if a.no_default else f" {fmt(r['default_error'])}")
        )
    log(f"* = fails (max NRMSE >= {TOL})")
    summary = {}
    for label in ["10", "20", "40", "rule"] + ([] if a.no_default else ["default"]):
        for g in ("a", "b", "c", "all"):
            sel = [r for r in rows if g == "all" or r["group"] == g]
            if not sel:
                continue
            errs = [
                r["rule_error"] if label == "rule" else r["default_error"] if label == "default" else r["errors"][label]
                for r in sel
            ]
            summary.setdefault(label, {})[g] = f"{sum(1 for v in errs if v < TOL)}/{len(sel)}"
    log("passes (a / b / c / all): " + "; ".join(f"k={lab}: " + " ".join(v.values()) for lab, v in summary.items()))
    ratio = [r["rule_time_s"] / r["dmap_time_s"] for r in rows]
    log(
        f"rule cost per network / one diffusion map fit at the chosen k: median {np.median(ratio):.2f}, "
        f"max {np.max(ratio):.2f} (N_train 400-1600)"
    )
    out = {
        "what": "held-out max NRMSE (worse direction) of compare_observations per bandwidth neighbour",
        "tol": TOL,
        "rows": rows,
        "passes": summary,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "numpy": np.__version__,
            "netequiv": netequiv.__version__,
            "load_avg": os.getloadavg(),
        },
        "wall_s": time.perf_counter() - t_start,
    }
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(out, indent=1, default=float))
    log(f"wrote {a.out} ({out['wall_s']:.0f} s)")


if __name__ == "__main__":
    sys.exit(main())
