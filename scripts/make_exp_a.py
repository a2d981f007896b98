"""Write notebooks/exp_a_scalar.ipynb (without outputs) from the cell texts below.

    .venv/bin/python scripts/make_exp_a.py

Edit the chapter here and regenerate; the committed notebook has no outputs.
"""

from pathlib import Path

from nbtools import collector, write

OUT = Path(__file__).resolve().parents[1] / "notebooks" / "exp_a_scalar.ipynb"
cells, M, C = collector()


# --------------------------------------------------------------------------- opening
M(r"""
# Experiments (a): scalar functions

## Overview

Two networks with one input $x \in [0, 1]$ and one output are the smallest case of the
paper's question: the input manifold is an interval ($n = 1$). We train networks that differ
in depth, width, activation and seed on scalar targets and ask, with
{py:func}`~netequiv.compare`, whether a smooth invertible map $T$ takes one network's
observations to the other's. The chapter:

1. trains the networks and reports each one's own test error;
2. compares two networks that learned the same **monotone** function through their
   outputs alone (they are equivalent);
3. shows why a **nonmonotonic** output fails: the metric blows up where $f' = 0$, the
   intrinsic coordinate folds two branches onto one, and the map to an injective
   observation is multi-valued;
4. applies the **Whitney fix** — observe $2n + 1 = 3$ hidden neurons instead of the output —
   and sweeps the number of observed neurons $k = 1, \dots, 5$;
5. compares networks that learned **different** functions, including the one-directional case;
6. ends with a table of every comparison and the claim it supports.

## Prerequisites

| Concepts | Importance | Notes |
|---|---|---|
| [Whitney's embedding reasoning](whitney.ipynb) | Necessary | $2n+1$ generic measurements, folds of scalar functions |
| [Diffusion maps](diffusion_maps.ipynb) | Necessary | eigenfunctions of an interval, $\phi_1 \approx \cos \pi x$ |
| [A Mahalanobis-like metric](mahalanobis.ipynb) | Necessary | observation-independent coordinates, $T = G_B \circ \Phi_A$ |

- **Time to learn**: 25 minutes. Running it takes about 3–4 minutes in full mode and under a
  minute in fast mode (`BOOK_FAST=1`) on two CPU cores with a cold cache; trained networks are
  cached, so re-runs are faster.
- **Paper**: experiment (a) of {cite}`bertalan2024transformations` (scalar functions; the
  earlier preprint {cite}`bertalan2020transformations`). Claims checked: two networks that
  learned the same invertible scalar function are related by a smooth invertible $T$ fitted
  through intrinsic coordinates of their outputs; a nonmonotonic output does not embed the
  input, so the output alone cannot be used; $2n + 1$ observed neurons can.
""")

C(r"""
%matplotlib inline
%config InlineBackend.figure_formats = ["svg"]
import os
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # one BLAS thread: much faster for these small problems
import json
import time
from pathlib import Path

import numpy as np
import torch
from IPython.display import Markdown, display
from myst_nb import glue

from netequiv import compare, plotting, plotting_exp, scalar_tasks as st
from netequiv.observation import observe
from netequiv.whitney import choose_neurons
torch.set_num_threads(1)
""")

C(r"""
fast = os.environ.get("BOOK_FAST", "0") == "1"
seed = 0
n_samples = None  # inputs of every comparison (1200; fast: 500)
epochs = None  # Adam epochs per network (1500; fast: 400)
n_trials = None  # random neuron subsets per k in the sweep (3; fast: 2)
progress = False  # tqdm bars while training and sweeping
results_dir = None  # if set: write <results_dir>/exp_a_scalar.json
""", "parameters")

C(r"""
n_samples = n_samples or (500 if fast else 1200)
epochs = epochs or (400 if fast else 1500)
polish_iter = 100 if fast else 300
n_trials = n_trials or (2 if fast else 3)
results = {"fast": fast, "seed": seed, "n_samples": n_samples}
start = time.perf_counter()
""")

# --------------------------------------------------------------------------- networks
M(r"""
## Targets and networks

Four targets on $[0, 1]$ ({py:data}`~netequiv.scalar_tasks.TARGETS`): two strictly monotone
ones, $\tanh(3x - 1) + x/2$ and the logistic $1/(1 + e^{-6(x - 1/2)})$, and two nonmonotonic
ones, $\sin 2\pi x$ (turning points at $x = 1/4, 3/4$) and the bump $4x(1 - x)$ (one turning
point at $x = 1/2$). Network **A** is always a tanh network with three hidden layers of 32
units; network **B** is a SiLU network with two hidden layers of 64 units and another seed.
Two more networks learned *other* targets: **C** (softplus, 2x64) the logistic function and
**D** (GELU, 2x64) the bump. All activations are smooth: the local metric is built from the
Jacobians $\partial y / \partial x$, and a ReLU network's Jacobian is piecewise constant.

{py:func}`~netequiv.scalar_tasks.train_scalar_nets` trains every network on the same 400
random inputs (Adam, then an L-BFGS polish; {py:func}`~netequiv.nets.fit_mlp` caches the
weights) and measures its relative test error on 2000 independent inputs.
""")

C(r"""
nets = st.train_scalar_nets(epochs=epochs, polish_iter=polish_iter,
                            random_state=seed, progress=progress)
net_rows = [{"name": k, "target": v.spec.target, "architecture": v.spec.label,
             "seed": v.spec.seed, "test": v.test_relative_rmse,
             "train_s": v.time_s} for k, v in nets.items()]
results["nets"] = {r["name"]: r for r in net_rows}
display(Markdown(st.markdown_table(net_rows, {
    "name": "network", "target": "target", "architecture": "architecture",
    "seed": "seed", "test": "relative test error"})))
""")

C(r"""
grid = np.linspace(0, 1, 400)[:, None]
pred = {k: v.model(torch.as_tensor(grid)).detach().numpy()[:, 0]
        for k, v in nets.items()}
panels = {}
for k, v in nets.items():
    f = st.get_target(v.spec.target)
    panels.setdefault(f"${f.formula}$", {"truth": f(grid[:, 0])})[k] = pred[k]
worst_test = max(v.test_relative_rmse for v in nets.values())
glue("worst_test", worst_test, display=False)
glue("fig_fits", plotting_exp.plot_scalar_fits(
    grid, panels, {k: v.test_relative_rmse for k, v in nets.items()}), display=False)
""", "hide-input")

M(r"""
```{glue:figure} fig_fits
:name: fig-a-fits

The four targets (thick grey) and the networks trained on them (dashed; relative test
error in the legend). At this scale every network lies on its target.
```

Every network reproduces its target with a relative test error of at most
{glue:text}`worst_test:.1e` ({numref}`fig-a-fits`). This is the floor for every
transformation error below: $T$ cannot be more accurate than the networks that it relates.
""")

# --------------------------------------------------------------------------- monotone
M(r"""
## A monotone pair: the outputs suffice

When $f$ is strictly monotone the output $y = f(x)$ is a chart of the interval: it determines
$x$. The Mahalanobis-like distance $d^2_{ij} \approx (y_i - y_j)^2 / f'(x)^2 \approx
(x_i - x_j)^2$ then makes the diffusion-map coordinate $\phi$ of either network's output a
function of $x$ alone, the same function for both networks (up to sign), and

$$
T = G_B \circ \Phi_A, \qquad T^{-1} = G_A \circ \Phi_B
$$ (eq-a-T)

can be fitted on 80 % of the samples and tested on the rest
({py:func}`~netequiv.compare_observations`).
""")

C(r"""
x = np.random.default_rng(seed + 7).uniform(0, 1, n_samples)[:, None]
m = {k: v.model for k, v in nets.items()}
res_mono = compare(m["A_monotone"], m["B_monotone"], x, random_state=seed)
floor_mono = max(1e-2, 2 * max(nets["A_monotone"].test_relative_rmse,
                               nets["B_monotone"].test_relative_rmse))
res_mono
""")

C(r"""
mono = {"forward_relative": res_mono.forward_error["relative"],
        "backward_relative": res_mono.backward_error["relative"],
        "equivalent": res_mono.equivalent, "target": floor_mono,
        "agreement_rms": res_mono.agreement_rms}
results["monotone"] = mono
for key, value in mono.items():
    glue(f"mono_{key}", value, display=False)
ya, yb = (observe(m[k], x).y for k in ("A_monotone", "B_monotone"))
glue("fig_mono", plotting_exp.plot_monotone_pair(x, ya, yb, res_mono), display=False)
""", "hide-input")

M(r"""
```{glue:figure} fig_mono
:name: fig-a-mono

A (tanh 3x32) and B (SiLU 2x64) trained on $\tanh(3x-1) + x/2$. From left: the two outputs;
the intrinsic coordinates $\phi^A$ and $\phi^B$ of the training samples (one curve: they
agree); the held-out predictions $T(y^A)$ and $T^{-1}(y^B)$ on the true relation
$y^B(y^A)$ (grey); their errors relative to the spread of the target.
```

On held-out samples $T$ has a relative error of {glue:text}`mono_forward_relative:.1e` and
$T^{-1}$ of {glue:text}`mono_backward_relative:.1e`, well below the target
{glue:text}`mono_target:.0e` (the larger of $10^{-2}$ and twice the networks' test error);
the coordinates agree to an RMS of {glue:text}`mono_agreement_rms:.1e` and the verdict is
*equivalent* ({numref}`fig-a-mono`).
""")

# --------------------------------------------------------------------------- fold
M(r"""
## A nonmonotonic output: the fold

Now let A be the network trained on $\sin 2\pi x$, observed through its output only, and B
the monotone network of the previous section. Three things go wrong, all visible in
{numref}`fig-a-fold`:

- **The metric blows up where $f' = 0$.** The local metric is $1 / (dy^A/dx)^2$, infinite at
  the turning points $x = 1/4, 3/4$. There the output does not resolve the input; the
  comparison floors the singular values (and counts these samples in `n_degenerate_a`) so
  that the neighbour graph stays connected.
- **The embedding folds the two branches.** Inputs $x$ and $1/2 - x$ give the same
  $y^A$, so they are at distance 0 in A's observation space: the diffusion map sees the
  interval of *values* $[-1, 1]$, not the interval of inputs, and $\phi^A$ is a function of
  $y^A$ — folded as a function of $x$.
- **The map is multi-valued.** Over one value of $\phi^A$ (or $y^A$) lie two values of the
  monotone $y^B$; the best single-valued $G_B$ returns roughly their mean.
""")

C(r"""
res_fold = compare(m["A_sine"], m["B_monotone"], x, random_state=seed)
obs_sine = observe(m["A_sine"], x, jacobian=True)
fold = {"forward_relative": res_fold.forward_error["relative"],
        "backward_relative": res_fold.backward_error["relative"],
        "equivalent": res_fold.equivalent,
        "n_degenerate_a": res_fold.n_degenerate_a,
        "ratio_to_monotone": res_fold.forward_error["relative"]
        / max(mono["forward_relative"], mono["backward_relative"])}
results["nonmonotonic"] = fold
res_fold
""")

C(r"""
for key, value in fold.items():
    glue(f"fold_{key}", value, display=False)
yb_mono = observe(m["B_monotone"], x).y
glue("fig_fold", plotting_exp.plot_fold(
    x, obs_sine.y, obs_sine.jac[:, 0, 0], yb_mono, res_fold), display=False)
""", "hide-input")

M(r"""
```{glue:figure} fig_fold
:name: fig-a-fold

A learned $\sin 2\pi x$, B the monotone $\tanh(3x-1) + x/2$; only the outputs are observed.
From left: $y^A$ and the scale of the metric, $1/|dy^A/dx|$ (red, log scale), which diverges at
the turning points; A's intrinsic coordinate against $x$, folded; $y^B$ against $y^A$ with
the held-out $T(y^A)$ (black): two branches, one prediction in between; $y^A$ against $y^B$
with the held-out $T^{-1}(y^B)$: a single-valued relation, reproduced.
```

The held-out relative error of $T$ is {glue:text}`fold_forward_relative:.2f`,
{glue:text}`fold_ratio_to_monotone:.0f` times the monotone pair's; the verdict is *not
equivalent*. {glue:text}`fold_n_degenerate_a` samples had a Jacobian below 1 % of the median
(the neighbourhoods of the turning points). The reverse map $T^{-1}$ still succeeds, with
relative error {glue:text}`fold_backward_relative:.1e`: $y^A = \sin(2\pi f_B^{-1}(y^B))$ is a
smooth function of B's output because B's output is injective. The relation is
**one-directional**: B's observation determines A's, not conversely. The paper's
equivalence needs both directions, so one successful direction is not enough.
""")

# --------------------------------------------------------------------------- same task
M(r"""
## The same nonmonotonic task, observed in different ways

Both A and B below learned $\sin 2\pi x$. Whether they are judged equivalent depends on what
is observed, because the test compares *observations*:

- **Output against output.** Both outputs fold the same way: $y^B \approx y^A$, and each is a
  function of the other ($T \approx$ identity). The pair is equivalent *as output maps*, even
  though neither output is a chart of the input.
- **Output against a hidden layer.** If B is observed through its output and all 64 units of
  its second hidden layer, B's observation resolves $x$ while A's output does not: the fold
  of the previous section again, $T$ fails and $T^{-1}$ succeeds.
""")

C(r"""
obs_b_layer = {"layers": ["act2"], "output": True}
res_same_out = compare(m["A_sine"], m["B_sine"], x, random_state=seed)
res_out_layer = compare(m["A_sine"], m["B_sine"], x, observe_b=obs_b_layer,
                        random_state=seed)
results["same_task_outputs"] = res_same_out.summary()
results["output_vs_layer"] = res_out_layer.summary()
res_same_out, res_out_layer
""")

C(r"""
for name, r in (("same_out", res_same_out), ("out_layer", res_out_layer)):
    glue(f"{name}_fwd", r.forward_error["max_nrmse"], display=False)
    glue(f"{name}_bwd", r.backward_error["max_nrmse"], display=False)
""", "hide-input")

M(r"""
Output against output: largest held-out NRMSE {glue:text}`same_out_fwd:.1e` ($T$) and
{glue:text}`same_out_bwd:.1e` ($T^{-1}$), *equivalent*. Output against output and hidden
layer: {glue:text}`out_layer_fwd:.2f` and {glue:text}`out_layer_bwd:.1e`, *not equivalent*.
To compare what the two networks do *with the input*, the observations must embed the
interval — which brings us to Whitney.
""")

# --------------------------------------------------------------------------- Whitney
M(r"""
## The Whitney fix: three neurons of A

Whitney's theorem ({doc}`whitney`): $2n + 1 = 3$ generic smooth measurements embed an
$n = 1$ dimensional manifold. Instead of A's output we observe three units of its second
hidden layer, drawn at random ({py:func}`~netequiv.whitney.choose_neurons`), and reconstruct
from them B's output **and every one of the 64 units of B's second hidden layer** (65
features); $T^{-1}$ reconstructs the three units of A from B's 65 features.
""")

C(r"""
acts_a2 = observe(m["A_sine"], x, layers=["act2"], output=False).y
units = choose_neurons(32, 3, n_intrinsic=1, random_state=seed, activations=acts_a2)
obs_a_units = {"layers": {"act2": units.tolist()}, "output": False}
res_w = compare(m["A_sine"], m["B_sine"], x, observe_a=obs_a_units,
                observe_b=obs_b_layer, random_state=seed)
whit = {"units": units.tolist(), "equivalent": res_w.equivalent,
        "forward_median": res_w.forward_error["median_nrmse"],
        "forward_max": res_w.forward_error["max_nrmse"],
        "backward_median": res_w.backward_error["median_nrmse"],
        "backward_max": res_w.backward_error["max_nrmse"]}
results["whitney"] = whit
whit
""")

C(r"""
for key, value in whit.items():
    glue(f"w_{key}", value if key != "units" else str(value), display=False)
o = np.argsort(x[:, 0])
fig_units = plotting.plot_neuron_views(x[o, 0], acts_a2[o][:, units],
                                       [f"unit {u}" for u in units])
glue("fig_w_units", fig_units, display=False)
glue("fig_w_err", plotting_exp.plot_feature_errors(
    {"A's 3 units -> B (T)": res_w.forward_nrmse,
     "A's output -> B (fold)": res_out_layer.forward_nrmse},
    res_w.threshold), display=False)
""", "hide-input")

M(r"""
```{glue:figure} fig_w_units
:name: fig-a-w-units

Units {glue:text}`w_units` of A's second hidden layer against the input (colour): one unit
alone, two units as a plane curve, three units as a space curve.
```

```{glue:figure} fig_w_err
:name: fig-a-w-err

Held-out NRMSE of each of B's 65 observed features (64 units of its second hidden layer and
its output), sorted, reconstructed from A's three units (blue) and from A's output alone
(orange).
```

From three units of A, B's 65 features are reconstructed with a median held-out NRMSE of
{glue:text}`w_forward_median:.1e` (largest {glue:text}`w_forward_max:.1e`), and A's units from
B's with a largest NRMSE of {glue:text}`w_backward_max:.1e`: *equivalent*
({numref}`fig-a-w-err`). From A's output alone most of B's features are lost.
""")

# --------------------------------------------------------------------------- sweep
M(r"""
## How many neurons? The error against $k$

{py:func}`~netequiv.scalar_tasks.neuron_sweep` repeats the comparison with $k = 1, \dots, 5$
random units of A's second hidden layer and labels every subset that fails by what the curve
of its units does ({py:func}`~netequiv.scalar_tasks.fold_gap`: the closest approach of two
inputs at least 0.1 apart, measured in the local metric, i.e. in units of $x$; about 0.1 for
a clean embedding): a **fold** (gap 0: two inputs share an observation), a **near contact**
(gap below 0.03: two stretches of the curve pass closer than the diffusion-map kernel can
resolve, so the graph joins them) or **saturation** (every chosen unit flat over much of the
interval).
""")

C(r"""
sweep = st.neuron_sweep(m["A_sine"], m["B_sine"], x, layer_a="act2",
                        observe_b=obs_b_layer, n_trials=n_trials, random_state=seed,
                        progress=progress)
k_arr, eq_arr = np.array(sweep["k"]), np.array(sweep["equivalent"])
success = {int(k): float(eq_arr[k_arr == k].mean()) for k in np.unique(k_arr)}
results["sweep"] = {key: sweep[key] for key in sweep if key != "profile"}
results["sweep"]["success_fraction"] = success
success
""")

C(r"""
prof = sweep["profile"]
obs_a1 = observe(m["A_sine"], grid, layers=["act1"], output=False, jacobian=True)
prof1 = st.unit_profile(grid, obs_a1.y, obs_a1.jac)
layer = {"n_folded_act2": int((~prof["monotone"]).sum()),
         "n_folded_act1": int((~prof1["monotone"]).sum()),
         "max_flat_act2": float(prof["flat_fraction"].max()),
         "max_flat_act1": float(prof1["flat_fraction"].max())}
results["layers"] = layer
layer
""")

C(r"""
for k, v in success.items():
    glue(f"sweep_success_{k}", v, display=False)
for key, value in layer.items():
    glue(key, value, display=False)
glue("n_trials", n_trials, display=False)
glue("fig_sweep", plotting_exp.plot_neuron_sweep(sweep, res_w.threshold), display=False)
glue("fig_layer", plotting_exp.plot_layer_units(
    x, acts_a2, prof, title="A (sin), second hidden layer"), display=False)
""", "hide-input")

M(r"""
```{glue:figure} fig_layer
:name: fig-a-layer

The 32 units of A's second hidden layer against the input; units with turning points in red.
```

```{glue:figure} fig_sweep
:name: fig-a-sweep

{glue:text}`n_trials` random subsets of $k$ units of A's second hidden layer per $k$. Left:
median held-out NRMSE of B's 65 features predicted from them; right: largest NRMSE of the
reverse direction. Colour: the verdict (green: equivalent) or the reason for the failure;
dashed: the verdict threshold.
```

{glue:text}`n_folded_act2` of the 32 units of A's second layer have turning points
({numref}`fig-a-layer`); a single folded unit fails like the output did, a single monotone one
succeeds. The fraction of subsets judged equivalent is {glue:text}`sweep_success_1:.0%` for
$k = 1$, {glue:text}`sweep_success_2:.0%` for $k = 2$ and {glue:text}`sweep_success_3:.0%` for
$k = 3$ ({numref}`fig-a-sweep`). Two units can fail when their plane curve passes through or
close to itself; from three units on, every subset drawn from this layer succeeded. Every subset that
embeds gives practically the same error: with the Mahalanobis-like metric A's intrinsic
coordinate is the same function of $x$ whichever units are observed, so $G_B$ and its error do
not depend on the choice — the observation independence the method is built on.

**Ridge-function and saturated units.** For $n = 1$ a first-layer unit
$\sigma(w x + b)$ is a ridge function of a scalar, hence monotone: {glue:text}`n_folded_act1`
of A's 32 first-layer units have a turning point. A ridge unit can only fail by
*saturating* — being flat, $|h'| < 5\%$ of its typical slope, over much of the interval so that
many inputs share almost one value. In these tanh networks trained on standardised inputs
saturation is mild: the largest flat fraction of a unit is {glue:text}`max_flat_act1:.0%` in the
first layer and {glue:text}`max_flat_act2:.0%` in the second, and no subset above failed for
that reason. Ridge units become a real failure for $n \ge 2$, where $\sigma(w \cdot x + b)$ is
constant along whole lines (chapter (b)).

Whitney's count assumes *generic* measurements, and units of one layer need not be generic.
In the last hidden layer of A almost every unit is close to an affine function of the output
$\sin 2\pi x$ and folds where the output folds; three such units nearly fold together. {py:func}`~netequiv.scalar_tasks.subset_fold_gaps` screens many random triples of a
layer without fitting anything:
""")

C(r"""
obs_l = {L: observe(m["A_sine"], x, layers=[L], output=False, jacobian=True)
         for L in ("act2", "act3")}
gaps = {L: st.subset_fold_gaps(x, o.y, o.jac, 3, n_subsets=100, random_state=seed)
        for L, o in obs_l.items()}
folded3 = {L: float((g < 0.03).mean()) for L, g in gaps.items()}
results["folded_triples"] = folded3
for name, v in folded3.items():
    glue(f"folded3_{name}", v, display=False)
folded3
""")

M(r"""
Of 100 random triples, {glue:text}`folded3_act2:.0%` fold or nearly touch themselves (gap
below 0.03) in the second hidden layer and {glue:text}`folded3_act3:.0%` in the third: three
nearly collinear folded units draw a thin hairpin whose two arms the kernel joins. Observe an
earlier layer, or more units, when the last one merely copies the output.
""")

# --------------------------------------------------------------------------- different
M(r"""
## Networks that learned different functions

Equivalence in the paper's sense asks whether each network's observations are a smooth
function of the other's on the input manifold — not whether they learned the *same* function.
Hence:

- **Different but both injective outputs are equivalent.** If $f_A$ and $f_C$ are both
  strictly monotone, $y^C = f_C(f_A^{-1}(y^A))$ and $y^A = f_A(f_C^{-1}(y^C))$ are smooth and
  invertible. A (trained on $\tanh(3x-1) + x/2$) and C (trained on the logistic function)
  should be judged *equivalent*.
- **A nonmonotonic output against a monotone one is not** (the fold section): one direction
  only.
- **Two nonmonotonic outputs that fold differently are not**, in either direction: $\sin 2\pi x$
  identifies $x$ with $1/2 - x$ (and $3/2 - x$), the bump $4x(1-x)$ identifies $x$ with $1 - x$;
  neither output is a function of the other.
""")

C(r"""
res_diff_mono = compare(m["A_monotone"], m["C_logistic"], x, random_state=seed)
res_diff_fold = compare(m["A_sine"], m["D_bump"], x, random_state=seed)
results["different_monotone"] = res_diff_mono.summary()
results["different_nonmonotonic"] = res_diff_fold.summary()
for name, r in (("dm", res_diff_mono), ("df", res_diff_fold)):
    glue(f"{name}_fwd", r.forward_error["max_nrmse"], display=False)
    glue(f"{name}_bwd", r.backward_error["max_nrmse"], display=False)
res_diff_mono, res_diff_fold
""")

M(r"""
A against C: held-out NRMSE {glue:text}`dm_fwd:.1e` and {glue:text}`dm_bwd:.1e`, *equivalent*,
although they learned different functions. A (sine) against D (bump):
{glue:text}`df_fwd:.2f` and {glue:text}`df_bwd:.2f`, *not equivalent* in both directions.
""")

# --------------------------------------------------------------------------- table
M(r"""
## All comparisons

Errors are the largest held-out NRMSE over the features of the network being predicted
($T$: A -> B, $T^{-1}$: B -> A); the verdict needs both below 0.05 and agreeing intrinsic
coordinates.
""")

C(r"""
rows = [st.comparison_row(*r) for r in (
    ("A_monotone / B_monotone", "output", "output", res_mono,
     "same invertible function: T and its inverse exist"),
    ("A_sine / B_monotone", "output", "output", res_fold,
     "a folded output cannot be mapped to an injective one (one-directional)"),
    ("A_sine / B_sine", "output", "output", res_same_out,
     "identical folds: the outputs are functions of each other"),
    ("A_sine / B_sine", "output", "output + 64 units of act2", res_out_layer,
     "the output alone does not embed the input"),
    ("A_sine / B_sine", f"units {units.tolist()} of act2", "output + 64 units of act2",
     res_w, "Whitney: 2n+1 = 3 neurons embed the interval"),
    ("A_monotone / C_logistic", "output", "output", res_diff_mono,
     "different but injective functions are equivalent"),
    ("A_sine / D_bump", "output", "output", res_diff_fold,
     "different folds: no map in either direction"))]
results["table"] = rows
display(Markdown(st.markdown_table(rows, {
    "pair": "pair", "observed": "observed units", "error_a_to_b": "error A->B",
    "error_b_to_a": "error B->A", "verdict": "verdict", "claim": "paper's claim"})))
""")

C(r"""
results["time_s"] = time.perf_counter() - start
if results_dir is not None:
    Path(results_dir).mkdir(parents=True, exist_ok=True)
    Path(results_dir, "exp_a_scalar.json").write_text(
        json.dumps(results, indent=2, default=float))
round(results["time_s"], 1)
""")

# --------------------------------------------------------------------------- closing
M(r"""
## Summary

- Networks of different depth, width, activation and seed that learned the same monotone
  function are related by $T$ and $T^{-1}$ with held-out relative errors
  {glue:text}`mono_forward_relative:.1e` / {glue:text}`mono_backward_relative:.1e`:
  equivalent, from their outputs alone.
- A nonmonotonic output is not a chart of the interval: its metric diverges at the turning
  points and its intrinsic coordinate folds. Mapped to a monotone output the error is
  {glue:text}`fold_forward_relative:.2f` ({glue:text}`fold_ratio_to_monotone:.0f` times the
  monotone case) while the reverse direction works: one-directional, not equivalent.
- Observing $2n + 1 = 3$ hidden units of A instead reconstructs B's output and all 64 units of
  B's second layer with median NRMSE {glue:text}`w_forward_median:.1e`.
- Single folded units fail, pairs sometimes, triples of the second layer never did; units of
  a layer are not generic measurements when they copy a folded output.
- Equivalence is about observations being functions of each other: different injective
  functions are equivalent, differently folded ones are not.

### What's next?

Chapter (b) moves to two inputs ($n = 2$), where first-layer units are ridge functions that
cannot tell apart inputs on a line and $2n + 1 = 5$ neurons are needed.

## Exercises

```{exercise}
:label: ex-a-bump
Compare B_sine with D_bump through their outputs. Which direction fails, and why does neither
succeed although both targets are "nice" smooth functions?
```

```{solution} ex-a-bump
:class: dropdown
Both fail. $\sin 2\pi x$ takes equal values at $x$ and $1/2 - x$ (and at $x$ and $3/2 - x$),
the bump at $x$ and $1 - x$. Knowing the sine value leaves two inputs with different bump
values, and knowing the bump value leaves two inputs with different sine values, so neither
output is a function of the other:
`compare(m["B_sine"], m["D_bump"], x)` gives errors of order 1 both ways.
```

```{exercise}
:label: ex-a-layer3
Run the Whitney comparison with three units of A's *third* hidden layer
(`{"layers": {"act3": [...]}, "output": False}`). How often does it fail, and how does
{py:func}`~netequiv.scalar_tasks.unit_profile` explain it?
```

```{solution} ex-a-layer3
:class: dropdown
Most units of the third layer have the two turning points of $\sin 2\pi x$ (count them with
`unit_profile(...)["turning_points"]`). Nearly collinear folded units draw a thin hairpin:
the screen `subset_fold_gaps(x, acts, jacs, 3)` (with `acts, jacs` the third layer's
activations and Jacobians) finds about one triple in five with a gap below 0.03, and such a
triple gives an A -> B error of order 1, like the output itself.
```

## References

- {cite:t}`bertalan2024transformations` (and the preprint {cite}`bertalan2020transformations`):
  transformations between networks through intrinsic coordinates; experiment (a).
- {cite:t}`singer2008nonlinear`: the Mahalanobis-like distance that makes the coordinates
  independent of the observation function.
- {cite:t}`coifman2006diffusion`: diffusion maps.
- {cite:t}`whitney1936differentiable`, {cite:t}`sauer1991embedology`: $2n + 1$ generic
  measurements embed an $n$-manifold.
""")

write(cells, OUT)
