"""Verdicts and timings of ``compare`` on pairs with a known truth (issue: a verdict that can be trusted).

For every pair: the held-out cross errors of T and T^-1, each network's self round trip, the
verdict of the self-calibrated rule and of the first version's error-only rule, and the time
of ``compare_observations`` now against the first version's ``compare_observations`` (its
source read from git at ``BASELINE``, run on today's diffusion maps and interpolator).  Writes ``benchmarks/results/verdict_pairs.json`` and the
figure ``book/_static_perf/verdict_pairs.png`` (cross error against self floor).

    .venv/bin/python benchmarks/verdict_pairs.py [--plot-only]
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import torch

from netequiv import compare_observations, observe
from netequiv.chapters import exp_b_two_inputs as ft
from netequiv.chapters.nets import mlp

HERE = Path(__file__).resolve().parent
BASELINE = "f964345"  # the last commit before the three-outcome verdict


def baseline_compare():
    """``compare_observations`` of commit ``BASELINE`` (two diffusion maps, two interpolators)."""
    import importlib.util
    import subprocess
    import sys

    src = subprocess.run(
        ["git", "show", f"{BASELINE}:src/netequiv/transform.py"], cwd=HERE, check=True, capture_output=True, text=True
    ).stdout
    spec = importlib.util.spec_from_loader("netequiv._transform_before", loader=None)
    mod = importlib.util.module_from_spec(spec)
    mod.__package__ = "netequiv"
    sys.modules[spec.name] = mod
    exec(compile(src, f"{BASELINE}:transform.py", "exec"), mod.__dict__)
    return mod.compare_observations


OUT = HERE / "results" / "verdict_pairs.json"
FIG = HERE.parent / "book" / "_static_perf" / "verdict_pairs.png"


class Then(torch.nn.Module):
    def __init__(self, net, f):
        super().__init__()
        self.net, self.f = net, f

    def forward(self, x):
        return self.f(self.net(x))


def smooth_inv(y):
    u = y[:, 0] + 0.3 * torch.tanh(y[:, 1])
    return torch.stack([u, y[:, 1] + 0.2 * u**3 / (1 + u**2)], dim=1)


def scaled(net, gain):
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, torch.nn.Linear):
                m.weight.mul_(gain)
    return net


def square(n, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, (n, 2))


def net_cases():
    """Torch pairs of the issue, with their truth."""
    relu = mlp(2, 3, hidden=(24, 24), activation="relu", seed=1)
    sat = scaled(mlp(2, 3, hidden=(24, 24), activation="tanh", seed=2), 6.0)
    fold = scaled(mlp(2, 2, hidden=(16, 16), activation="silu", seed=2), 2.0)
    tanh = mlp(2, 2, hidden=(16, 16), activation="tanh", seed=5)
    scalar = mlp(2, 1, hidden=(16, 16), seed=6)
    ident = Then(torch.nn.Identity(), smooth_inv)
    inv = Then(torch.nn.Identity(), lambda x: torch.stack([torch.tanh(x[:, 0]), x[:, 0] ** 3 + x[:, 0]], 1))
    x = square(1500)
    return [
        ("generic ReLU vs itself", relu, relu, x, "equivalent"),
        ("saturated tanh vs itself", sat, sat, x, "equivalent"),
        ("folding SiLU vs smooth map of it", fold, Then(fold, smooth_inv), x, "equivalent"),
        ("tanh vs smooth map of it", tanh, Then(tanh, smooth_inv), x, "equivalent"),
        ("identical, N = 40", tanh, tanh, square(40), "equivalent"),
        ("scalar vs 2-output embedding", scalar, ident, x, "not equivalent"),
        ("tanh vs network invariant in x2", tanh, inv, x, "not equivalent"),
    ]


def array_cases():
    """The analytic pairs of chapters (a) and (b) (test_zoo, test_field_tasks), with their truth."""
    out = []
    x = np.random.default_rng(3).uniform(0, 1, 1000)[:, None]
    s, c = np.sin(2 * np.pi * x), np.cos(2 * np.pi * x)
    ds = 2 * np.pi * c
    one = {
        "monotone": (np.tanh(3 * x - 1) + 0.5 * x, (3 / np.cosh(3 * x - 1) ** 2 + 0.5)[:, :, None]),
        "logistic": (1 / (1 + np.exp(-6 * (x - 0.5))), (1.5 / np.cosh(3 * (x - 0.5)) ** 2)[:, :, None]),
        "sine": (s, ds[:, :, None]),
        "sine_cubed": (s**3 + 0.2 * s, ((3 * s**2 + 0.2) * ds)[:, :, None]),
        "cosine": (c, (-2 * np.pi * s)[:, :, None]),
    }
    truth1 = {("monotone", "logistic"): "equivalent", ("sine", "sine_cubed"): "equivalent"}
    names = list(one)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            out.append((f"(a) {a} vs {b}", one[a], one[b], x, 1, truth1.get((a, b), "not equivalent")))
    u = ft.sample_square(1500, side=1.4, random_state=0)
    two = {
        "mushroom": ft.mushroom_field(u, jacobian=True),
        "tanh field": ft.tanh_field(u, jacobian=True),
        "scalar g": ft.scalar_function(u, jacobian=True),
    }
    out.append(("(b) mushroom vs tanh field", two["mushroom"], two["tanh field"], u, 2, "equivalent"))
    out.append(("(b) scalar g vs mushroom", two["scalar g"], two["mushroom"], u, 2, "not equivalent"))
    return out


def run_pair(name, ya, Ja, yb, Jb, x, n, truth):
    row = {"pair": name, "truth": truth, "n_samples": len(ya)}
    t0 = time.perf_counter()
    try:
        old = BEFORE(ya, yb, metric_a=Ja, metric_b=Jb, n_intrinsic=n)
        row["verdict_before"] = "equivalent" if old.equivalent else "not equivalent"
    except ValueError as exc:  # the first version raised on some legal pairs
        row["verdict_before"] = f"error: {exc}"
    row["seconds_before"] = time.perf_counter() - t0
    for rule in ("errors", "calibrated"):
        t0 = time.perf_counter()
        res = compare_observations(ya, yb, metric_a=Ja, metric_b=Jb, x=x, n_intrinsic=n, rule=rule)
        row[f"seconds_{rule}"] = time.perf_counter() - t0
        row[f"verdict_{rule}"] = res.verdict
    row.update(
        forward=res.forward_error["max_nrmse"],
        backward=res.backward_error["max_nrmse"],
        self_a=res.self_error_a["max_nrmse"],
        self_b=res.self_error_b["max_nrmse"],
        reason=res.reason,
    )
    print(
        f"{name:38s} truth {truth:15s} before {row['verdict_before'][:15]:15s} "
        f"calibrated {row['verdict_calibrated']:15s} fwd {row['forward']:.2g} bwd {row['backward']:.2g} "
        f"self {row['self_a']:.2g}/{row['self_b']:.2g}  time x{row['seconds_calibrated'] / row['seconds_before']:.2f}",
        flush=True,
    )
    return row


def plot(rows, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    colors = {"equivalent": "tab:green", "not equivalent": "tab:red", "inconclusive": "tab:orange"}
    fig, ax = plt.subplots(figsize=(6.4, 4.6))
    seen = set()
    for r in rows:
        floor = max(r["self_a"], r["self_b"])
        for e in (r["forward"], r["backward"]):
            v = r["verdict_calibrated"]
            ax.scatter(
                max(floor, 1e-5),
                max(e, 1e-5),
                color=colors[v],
                s=28,
                alpha=0.8,
                label=None if v in seen else v,
                marker="o" if r["truth"] == "equivalent" else "s",
            )
            seen.add(v)
    lim = (1e-5, 5)
    ax.plot(lim, lim, color="0.6", lw=0.8)
    ax.plot(lim, [3 * v for v in lim], color="0.6", lw=0.8, ls=":")
    ax.axhline(0.05, color="0.3", lw=0.8, ls="--")
    ax.axvline(0.05, color="0.3", lw=0.8, ls="--")
    ax.set(
        xscale="log",
        yscale="log",
        xlim=lim,
        ylim=lim,
        xlabel="self floor max(s_A, s_B) (held-out max NRMSE)",
        ylabel="cross error, each direction",
    )
    ax.legend(title="verdict of the pair\n(circle: truly equivalent)", fontsize=8, title_fontsize=8, loc="lower right")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=130)


def main():
    import sys

    if "--plot-only" in sys.argv:
        plot(json.loads(OUT.read_text())["rows"], FIG)
        return
    torch.set_num_threads(1)
    global BEFORE
    BEFORE = baseline_compare()
    rows = []
    for name, a, b, x, truth in net_cases():
        oa, ob = observe(a, x, jacobian=True), observe(b, x, jacobian=True)
        rows.append(run_pair(name, oa.y, oa.jac, ob.y, ob.jac, x, 2, truth))
    for name, (ya, Ja), (yb, Jb), x, n, truth in array_cases():
        rows.append(run_pair(name, ya, Ja, yb, Jb, x, n, truth))
    wrong = [r["pair"] for r in rows if r["verdict_calibrated"] not in (r["truth"], "inconclusive")]
    ratio = [
        r["seconds_calibrated"] / r["seconds_before"]
        for r in rows
        if r["n_samples"] >= 1000 and not r["verdict_before"].startswith("error")
    ]
    summary = {
        "n_pairs": len(rows),
        "wrong_verdicts": wrong,
        "n_inconclusive": sum(r["verdict_calibrated"] == "inconclusive" for r in rows),
        "time_ratio_median": float(np.median(ratio)),
        "time_ratio_max": float(np.max(ratio)),
    }
    print(json.dumps(summary, indent=2))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"summary": summary, "rows": rows}, indent=2))
    plot(rows, FIG)


if __name__ == "__main__":
    main()
