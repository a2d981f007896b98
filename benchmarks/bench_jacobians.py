"""Batched exact Jacobians of a 3-hidden-layer MLP (width 64) for 64,000 inputs.

    .venv/bin/python benchmarks/bench_jacobians.py

Times ``netequiv.observe(net, x, layers=..., jacobian=True)`` (torch.func vmap + jacfwd/jacrev)
for the output (1 x 2 Jacobians) and for all 64 units of the second hidden layer plus the
output (65 x 2 Jacobians), float64.  Best of 3 repeats; results in results/jacobians.json.
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np
import torch
from _runner import machine_info, save


def make_net(n_in=2, n_out=1, width=64, seed=0):
    try:
        from netequiv.chapters.nets import mlp

        torch.manual_seed(seed)
        return mlp(n_in, n_out, hidden=(width, width, width))
    except ImportError:  # netequiv.chapters.nets not there yet: the same architecture by hand
        torch.manual_seed(seed)
        layers = []
        d = n_in
        for i in range(1, 4):
            layers += [(f"lin{i}", torch.nn.Linear(d, width)), (f"act{i}", torch.nn.Tanh())]
            d = width
        layers.append(("out", torch.nn.Linear(d, n_out)))
        from collections import OrderedDict

        return torch.nn.Sequential(OrderedDict(layers))


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--n", type=int, default=64000)
    p.add_argument("--repeats", type=int, default=3)
    a = p.parse_args()
    from netequiv import observe

    torch.set_num_threads(2)
    net = make_net()
    x = np.random.default_rng(0).uniform(-1, 1, size=(a.n, 2))
    rows = []
    for label, kw in [("output", {}), ("act2 (64 units) + output", {"layers": ["act2"]})]:
        times = []
        for _ in range(a.repeats):
            t0 = time.perf_counter()
            obs = observe(net, x, jacobian=True, **kw)
            times.append(time.perf_counter() - t0)
        # check one Jacobian against finite differences
        h = 1e-6
        i = 123
        fd = np.stack(
            [
                (observe(net, x[i : i + 1] + h * e, **kw).y - observe(net, x[i : i + 1] - h * e, **kw).y)[0] / (2 * h)
                for e in np.eye(2)
            ],
            axis=1,
        )
        rows.append(
            {
                "case": label,
                "n": a.n,
                "jacobian_shape": list(obs.jac.shape),
                "time_s": min(times),
                "times_s": times,
                "fd_max_abs_err": float(np.abs(fd - obs.jac[i]).max()),
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
            }
        )
        print(rows[-1], flush=True)
        if label == "output":
            obs0 = obs.jac
    # reference: torch.func directly on the whole batch, no hooks or copies (what observe wraps)
    from torch.func import jacfwd, vmap

    xt = torch.as_tensor(x)
    net64 = net.to(torch.float64).eval()
    f = vmap(jacfwd(lambda v: net64(v[None])[0]))
    times = []
    for _ in range(a.repeats):
        t0 = time.perf_counter()
        with torch.no_grad():
            Jd = f(xt)
        times.append(time.perf_counter() - t0)
    rows.append(
        {
            "case": "output, plain torch.func vmap(jacfwd), one batch",
            "n": a.n,
            "jacobian_shape": list(Jd.shape),
            "time_s": min(times),
            "times_s": times,
            "max_abs_diff_vs_observe": float(np.abs(Jd.numpy().reshape(obs0.shape) - obs0).max()),
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
        }
    )
    print(rows[-1], flush=True)
    print(save("jacobians.json", {"machine": machine_info(), "torch": torch.__version__, "rows": rows}))


if __name__ == "__main__":
    main()
