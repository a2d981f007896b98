"""Write notebooks/exp_b_two_inputs.ipynb (without outputs) from the cell texts below.

    .venv/bin/python scripts/make_exp_b.py

Edit the chapter here and regenerate; the committed notebook has no outputs and no
execution counts.
"""

from pathlib import Path

from nbtools import code, md, write

OUT = Path(__file__).resolve().parents[1] / "notebooks" / "exp_b_two_inputs.ipynb"

cells = []
add = cells.append

# --------------------------------------------------------------------------- opening
add(md(r"""
# Experiments (b): two inputs

## Overview

The input manifold is now two-dimensional: every network of this chapter reads a point
$u$ of the square $Q = [0, s]^2$, $s = 1.4$. Two experiments:

1. **Two vector fields.** Network A learns the "mushroom" map, network B a rotated and
   sheared $\tanh$ field; the architectures differ. Both fields are injective, so the two
   networks' outputs are two different pictures of the same square. We check that the
   Mahalanobis diffusion map of each network's outputs recovers the intrinsic coordinates
   of the square itself, that the Euclidean one does not, and that the transformation
   $T = G_B\circ\Phi_A$ and its inverse reproduce one network's outputs from the other's.
2. **A scalar function of two inputs.** Two networks learn the same function
   $g: Q \to \mathbb R$, which folds the square onto an interval. The output alone cannot
   give two intrinsic coordinates; a few neurons of a hidden layer can. We measure the
   error of $T$ against the number $k$ of observed neurons and find Whitney's count
   $2n + 1 = 5$ sufficient.

The chapter ends with a table of the comparisons and the claims they support.

## Prerequisites

| Concepts | Importance | Notes |
|---|---|---|
| [Whitney's embedding reasoning](whitney.ipynb) | Necessary | why $2n+1$ observations, folds of a scalar map |
| [Diffusion maps](diffusion_maps.ipynb) | Necessary | eigenfunctions of a square, selection of non-harmonic coordinates |
| [A Mahalanobis-like metric](mahalanobis.ipynb) | Necessary | the local metric from Jacobians, observation independence |
| [Experiments (a): one input](exp_a_scalar.ipynb) | Helpful | the same construction with one input |

- **Time to learn**: 25 minutes of reading. Running the notebook takes about a minute in
  fast mode and 3–5 minutes in full mode on 2 CPU cores, training included (trained networks
  are cached, so reruns are faster).
- **Paper**: example (b) of {cite}`bertalan2024transformations` (observations of
  two-dimensional vector fields) and its use of Whitney's theorem to choose the observed
  neurons {cite}`bertalan2020transformations`. Checked here: the Mahalanobis diffusion map of
  each network's observations gives the same coordinates, those of the input square; $T$ and
  $T^{-1}$ between equivalent networks have small held-out errors; a non-injective observation
  (a scalar output of two inputs) cannot be used, while $2n+1 = 5$ neurons can.
"""))

add(code(r"""
%matplotlib inline
%config InlineBackend.figure_formats = ["svg"]
import json
import os
import time
from pathlib import Path

import numpy as np
from IPython.display import Markdown
from myst_nb import glue

from netequiv import compare, compare_observations, observe
from netequiv import field_tasks as ft
from netequiv import plotting_fields as pf
from netequiv.scalar_tasks import markdown_table
from netequiv.whitney import choose_neurons
"""))

add(code(r"""
fast = os.environ.get("BOOK_FAST", "0") == "1"
seed = 0
n_samples = None  # inputs of the vector-field comparison (default 2000; fast: 800)
n_sweep = None  # inputs of the scalar-function experiments (default 1000; fast: 600)
n_train = None  # training points per network (default 2000; fast: 800)
epochs = None  # Adam epochs per network (default 1000; fast: 400)
n_trials = None  # random choices of neurons per k (default 5; fast: 2)
n_neighbors_epsilon = None  # every diffusion map: epsilon from this neighbour (default 20; fast: 10)
results_dir = None  # when set, the headline numbers are written to <results_dir>/exp_b_two_inputs.json
""", tags=["parameters"]))

add(code(r"""
n_samples = n_samples or (800 if fast else 2000)
n_sweep = n_sweep or (600 if fast else 1000)
n_train = n_train or (800 if fast else 2000)
epochs = epochs or (400 if fast else 1000)
n_trials = n_trials or (2 if fast else 5)
n_neighbors_epsilon = n_neighbors_epsilon or (10 if fast else 20)
polish_iter = 150 if fast else 200
dmap_kwargs = {"n_neighbors_epsilon": n_neighbors_epsilon}
results = {"fast": fast, "seed": seed, "n_samples": n_samples, "n_sweep": n_sweep, "n_train": n_train}
t_start, cpu_start = time.perf_counter(), time.process_time()
"""))

# --------------------------------------------------------------------------- tasks
add(md(r"""
## The tasks

Network A learns the mushroom map ({py:func}`~netequiv.field_tasks.mushroom_field`)

$$
F_A(u) = \begin{pmatrix} u_1 + u_2^3 \\ u_2 - u_1^3 \end{pmatrix},
\qquad \det \frac{\partial F_A}{\partial u} = 1 + 9u_1^2u_2^2 > 0,
$$ (eq-expb-mushroom)

which is one to one on the whole plane. Network B learns a rotated, sheared $\tanh$ field
({py:func}`~netequiv.field_tasks.tanh_field`)

$$
F_B(u) = \tanh(Wu + b), \qquad
W = c\begin{pmatrix}\cos\theta & -\sin\theta\\ \sin\theta & \cos\theta\end{pmatrix}
\begin{pmatrix}1 & h\\ 0 & 1\end{pmatrix},
$$ (eq-expb-tanh)

with $c = 1.1$, $\theta = 30^\circ$, $h = 0.8$, $b = (0.2, -0.1)$, also one to one (a
strictly increasing function of an invertible linear map) but compressing the square
strongly near saturation. The side $s = 1.4$ of the square is chosen so that both fields
distort it enough for a Euclidean diffusion map to go wrong (on the unit square the
mushroom map is too gentle, see the exercises). The scalar task
({py:func}`~netequiv.field_tasks.scalar_function`) is a hill and a pit,

$$
g(u) = e^{-\|u - c_1\|^2/w} - 0.6\, e^{-\|u - c_2\|^2/w},\qquad
c_1 = (0.45, 0.85),\; c_2 = (1.0, 0.45),\; w = 0.15 ,
$$ (eq-expb-scalar)

whose levels are closed curves: a whole curve of inputs shares each value.

## Four networks

All networks are trained by {py:func}`~netequiv.nets.fit_mlp` on {glue:text}`n_train`
uniform points of $Q$, with smooth activations: a ReLU network has a piecewise-constant
Jacobian, so its local metric would jump from cell to cell.
"""))

add(code(r"""
fit_kw = dict(n_train=n_train, epochs=epochs, polish_iter=polish_iter, random_state=seed, progress=False)
fields = ft.fit_field_pair(**fit_kw)
scalar = ft.fit_scalar_pair(**fit_kw)
nets = {"fields A (mushroom)": (ft.FIELD_ARCHITECTURES["A"], fields.info_a),
        "fields B (tanh field)": (ft.FIELD_ARCHITECTURES["B"], fields.info_b),
        "scalar A": (ft.SCALAR_ARCHITECTURES["A"], scalar.info_a),
        "scalar B": (ft.SCALAR_ARCHITECTURES["B"], scalar.info_b)}
"""))

add(code(r"""
lines = ["| network | hidden layers | activation | test relative RMSE | trained in |", "|---|---|---|---|---|"]
for name, (arch, info) in nets.items():
    when = "cache" if info["cache_hit"] else f"{info['time_s']:.0f} s"
    lines.append(f"| {name} | {arch['hidden']} | {arch['activation']} | {info['test_relative_rmse']:.1e} | {when} |")
glue("n_train", n_train, display=False)
results["networks"] = {name: info["test_relative_rmse"] for name, (arch, info) in nets.items()}
Markdown("\n".join(lines))
""", tags=["hide-input"]))

add(md(r"""
The test error is measured on fresh points of the square. {numref}`fig-expb-fields` shows
what the field networks compute: the image of a grid of the square under the true fields
and under the networks.
"""))

add(code(r"""
U1, U2 = ft.grid_square(41)
grid = np.column_stack([U1.ravel(), U2.ravel()])
as_grid = lambda y: (y[:, 0].reshape(U1.shape), y[:, 1].reshape(U1.shape))  # noqa: E731
images = {"input square $Q$": (U1, U2),
          "$F_A$ (mushroom)": as_grid(ft.mushroom_field(grid)),
          "network A": as_grid(observe(fields.net_a, grid).y),
          "$F_B$ (tanh field)": as_grid(ft.tanh_field(grid)),
          "network B": as_grid(observe(fields.net_b, grid).y)}
glue("fig_fields", pf.plot_square_images(U1, U2, images), display=False)
glue("fig_scalar", pf.plot_scalar_function(U1, U2, ft.scalar_function(grid).reshape(U1.shape)), display=False)
""", tags=["hide-input"]))

add(md(r"""
```{glue:figure} fig_fields
:name: fig-expb-fields

A grid of the square $Q$ (left; blue lines $u_1 = $ const, orange lines $u_2 = $ const,
darker for larger constants) and its images under the mushroom map {eq}`eq-expb-mushroom`,
network A, the $\tanh$ field {eq}`eq-expb-tanh` and network B. No grid line crosses another
of its colour: both fields are one to one.
```

```{glue:figure} fig_scalar
:name: fig-expb-scalar

The scalar task $g$ of {eq}`eq-expb-scalar` on $Q$. Each contour is a curve of inputs with
the same value.
```
"""))

# --------------------------------------------------------------------------- embeddings
add(md(r"""
## The same coordinates from both networks

We observe both field networks on {glue:text}`n_samples` fresh points of $Q$ and call
{py:func}`~netequiv.compare`, which computes each network's Mahalanobis diffusion map from
the exact Jacobians of its outputs, selects two non-harmonic eigenvectors, and fits $T$ and
$T^{-1}$ on 80 % of the points. Every diffusion map in this chapter sets its bandwidth
$\varepsilon$ from the {glue:text}`n_neighbors_epsilon`-th nearest neighbour. The full run uses
the 20th, twice the library default, which averages out more of the sampling noise of the
eigenvectors and lowers the errors of $T$ ({ref}`an exercise <expb-ex-bandwidth>` compares
the two); the fast run, with only a few hundred points, uses the 10th, because 20 neighbours
of so few points already span a large part of the square.
"""))

add(code(r"""
x = ft.sample_square(n_samples, random_state=seed + 1)
res = compare(fields.net_a, fields.net_b, x, random_state=seed, dmap_kwargs=dmap_kwargs)
train, test = res.train_index, res.test_index
res
"""))

add(md(r"""
The reference is the Euclidean diffusion map of the inputs $u$ themselves. For each
network we align its two coordinates to the reference (orthogonal Procrustes) and report
$R^2$, the mean squared correlation of matched coordinates
({py:func}`~netequiv.field_tasks.embedding_agreement`). The same outputs also get a plain
Euclidean diffusion map.
"""))

add(code(r"""
y_a, y_b = observe(fields.net_a, x[train]).y, observe(fields.net_b, x[train]).y
emb = ft.embedding_agreement(
    x[train],
    {"Mahalanobis, A": res.coords_a, "Mahalanobis, B": res.coords_b,
     "Euclidean, A": (y_a, None), "Euclidean, B": (y_b, None)},
    random_state=seed, dmap_kwargs=dmap_kwargs)
r2 = {name: emb[name]["r2"] for name in emb if name != "reference"}
r2
"""))

add(code(r"""
panels = {"input $u$ (reference)": emb["reference"].coords, **{k: emb[k]["aligned"] for k in r2}}
glue("fig_embeddings", pf.plot_embeddings(panels, x[train], r2=r2), display=False)
for key, name in [("maha_a", "Mahalanobis, A"), ("maha_b", "Mahalanobis, B"),
                  ("eucl_a", "Euclidean, A"), ("eucl_b", "Euclidean, B")]:
    glue(f"r2_{key}", r2[name], display=False)
glue("agreement_r2", res.agreement_r2, display=False)
glue("agreement_rms", res.agreement_rms, display=False)
glue("n_samples", n_samples, display=False)
glue("n_neighbors_epsilon", n_neighbors_epsilon, display=False)
""", tags=["hide-input"]))

add(md(r"""
```{glue:figure} fig_embeddings
:name: fig-expb-embeddings

Two diffusion-map coordinates of the input square (left) and of the two networks' outputs,
aligned to the left panel; top row coloured by $u_1$, bottom row by $u_2$. The titles give
$R^2$ against the reference. The Mahalanobis maps of both networks reproduce the square's
own coordinates; the Euclidean maps of the same outputs are bent by each field in its own way.
```

The Mahalanobis coordinates match those of the input with $R^2 =$
{glue:text}`r2_maha_a:.4f` (network A) and {glue:text}`r2_maha_b:.4f` (network B), and each
other with $R^2 =$ {glue:text}`agreement_r2:.4f` (coordinate RMS difference
{glue:text}`agreement_rms:.3f`). The Euclidean diffusion maps of the same outputs reach only
{glue:text}`r2_eucl_a:.2f` (A) and {glue:text}`r2_eucl_b:.2f` (B): they describe the
distorted images of {numref}`fig-expb-fields`, not the square. This is the observation
independence of the Mahalanobis-like distance: to second order it measures distances in the
input, whatever smooth injective map produced the observations.
"""))

# --------------------------------------------------------------------------- transformation
add(md(r"""
## The transformation and its inverse

$T = G_B\circ\Phi_A$ maps A's outputs to B's: the Nyström extension $\Phi_A$ gives a new
output of A its coordinates, and a kernel interpolant $G_B$, fitted on the training pairs,
returns B's output ({py:func}`~netequiv.compare`). $T^{-1} = G_A\circ\Phi_B$ goes back.
{numref}`fig-expb-transform` compares both with the true outputs on the held-out points.
"""))

add(code(r"""
truth_b, truth_a = observe(fields.net_b, x[test]).y, observe(fields.net_a, x[test]).y
directions = {
    "$T$: A → B": (truth_b, res.predictions["b_from_a"], ["$y^B_1$", "$y^B_2$"]),
    "$T^{-1}$: B → A": (truth_a, res.predictions["a_from_b"], ["$y^A_1$", "$y^A_2$"]),
}
glue("fig_transform", pf.plot_transform_vs_truth(directions), display=False)
fields_summary = res.summary()
for key in ("forward_relative", "backward_relative", "forward_max_nrmse", "backward_max_nrmse"):
    glue(f"fields_{key}", fields_summary[key], display=False)
glue("fields_equivalent", "equivalent" if res.equivalent else "not equivalent", display=False)
""", tags=["hide-input"]))

add(md(r"""
```{glue:figure} fig_transform
:name: fig-expb-transform

Held-out outputs of network B predicted from network A's outputs by $T$ (left) and of A from
B by $T^{-1}$ (right), against the true outputs. Points on the dashed diagonal are exact.
```

The held-out relative error is {glue:text}`fields_forward_relative:.1e` for $T$ and
{glue:text}`fields_backward_relative:.1e` for $T^{-1}$ (worst feature NRMSE
{glue:text}`fields_forward_max_nrmse:.1e` and {glue:text}`fields_backward_max_nrmse:.1e`);
the verdict is **{glue:text}`fields_equivalent`**.

Without the metric, the same construction with Euclidean diffusion maps still fits a map
from A's coordinates to B's outputs, but the two networks no longer agree on the coordinates
and $T$ is less accurate:
"""))

add(code(r"""
res_eucl = compare(fields.net_a, fields.net_b, x, metric="euclidean", random_state=seed,
                   dmap_kwargs=dmap_kwargs)
eucl_summary = res_eucl.summary()
for key in ("forward_relative", "backward_relative", "agreement_rms"):
    glue(f"eucl_{key}", eucl_summary[key], display=False)
res_eucl
"""))

add(md(r"""
With Euclidean kernels the relative errors are {glue:text}`eucl_forward_relative:.2f`
($T$) and {glue:text}`eucl_backward_relative:.2f` ($T^{-1}$) and the coordinate RMS
difference is {glue:text}`eucl_agreement_rms:.2f` (unrelated coordinates give
$\sqrt 2 \approx 1.41$): each network's coordinates describe its own distorted image, and
the networks are not judged equivalent.
"""))

# --------------------------------------------------------------------------- scalar
add(md(r"""
## A scalar function of two inputs

Both scalar networks compute $g$ of {eq}`eq-expb-scalar`. What would it take to
reconstruct *everything* network B computes — its output and all units of its last hidden
layer — from observations of network A? We observe the networks on {glue:text}`n_sweep`
fresh points.

**The output alone.** A's output has a $1\times 2$ Jacobian: at most one direction of the
square is seen, and every level curve of $g$ collapses to one value. Its diffusion map has
one coordinate, a function of $g$, and no $G_B$ can tell apart the inputs on a level curve
({py:func}`~netequiv.field_tasks.one_way_error` uses as many coordinates as the observation
has features).
"""))

add(code(r"""
x_s = ft.sample_square(n_sweep, random_state=seed + 2)
layer_a, layer_b = "act2", scalar.last_hidden_b
state_b = observe(scalar.net_b, x_s, layers=[layer_b], jacobian=True)  # all units of B's layer + output
out_a = observe(scalar.net_a, x_s, jacobian=True)
alone = ft.one_way_error(out_a.y, out_a.jac, state_b.y, random_state=seed, dmap_kwargs=dmap_kwargs)
back = ft.one_way_error(state_b.y, state_b.jac, out_a.y, random_state=seed, dmap_kwargs=dmap_kwargs)
alone["relative"], back["relative"]
"""))

add(md(r"""
From A's output, B's state is reconstructed with relative error
{glue:text}`alone_relative:.2f` — no better than a constant guess. The reverse works
(error {glue:text}`back_relative:.1e`): B's many units resolve the input, and A's output is
a function of it. The relation is one-directional, so the networks are not judged
equivalent through their outputs.

**Five neurons.** Whitney's count for $n = 2$ is $2n + 1 = 5$. We observe five units of A's
second hidden layer, chosen at random among those that vary, and compare them with B's
state in both directions.
"""))

add(code(r"""
layer_acts = observe(scalar.net_a, x_s, layers=[layer_a], output=False).y
units = choose_neurons(layer_acts.shape[1], 5, n_intrinsic=2, random_state=seed, activations=layer_acts)
acts_a = observe(scalar.net_a, x_s, layers={layer_a: units}, output=False, jacobian=True)
res5 = compare_observations(acts_a.y, state_b.y, metric_a=acts_a.jac, metric_b=state_b.jac,
                            n_intrinsic=2, random_state=seed, dmap_kwargs=dmap_kwargs)
emb5 = ft.embedding_agreement(x_s[res5.train_index], {"A": res5.coords_a, "B": res5.coords_b},
                              random_state=seed, dmap_kwargs=dmap_kwargs)
res5
"""))

add(code(r"""
glue("alone_relative", alone["relative"], display=False)
glue("back_relative", back["relative"], display=False)
glue("n_sweep", n_sweep, display=False)
glue("units5", ", ".join(acts_a.names), display=False)
for key in ("forward_relative", "backward_relative", "forward_max_nrmse", "backward_max_nrmse",
            "agreement_rms", "agreement_r2"):
    glue(f"k5_{key}", res5.summary()[key], display=False)
glue("k5_verdict", ft.verdict_text(res5.summary()), display=False)
k5_ok = max(res5.forward_error["max_nrmse"], res5.backward_error["max_nrmse"]) < 0.05
glue("k5_errors_pass", "pass" if k5_ok else "fail", display=False)
glue("k5_r2_a", emb5["A"]["r2"], display=False)
glue("state_dim", state_b.n_features, display=False)
glue("k5_r2_b", emb5["B"]["r2"], display=False)
sv = np.linalg.svd(acts_a.jac, compute_uv=False)
glue("k5_sv_ratio", float(np.quantile(sv[:, 1] / sv[:, 0], 0.01)), display=False)
""", tags=["hide-input"]))

add(md(r"""
With the units {glue:text}`units5`, B's state is reconstructed with relative error
{glue:text}`k5_forward_relative:.1e` (worst feature NRMSE {glue:text}`k5_forward_max_nrmse:.1e`),
and the five units from B's state with {glue:text}`k5_backward_relative:.1e`
({glue:text}`k5_backward_max_nrmse:.1e`). Five units carry everything B computes, and back.

The errors {glue:text}`k5_errors_pass` the error criterion of the verdict (worst feature NRMSE
below 0.05 both ways). The library's verdict is **{glue:text}`k5_verdict`**: its rule also asks
the two networks' intrinsic coordinates to agree to an RMS difference below 0.1, and here they
agree less well than for the vector fields ($R^2 =$ {glue:text}`k5_agreement_r2:.3f`, RMS
{glue:text}`k5_agreement_rms:.2f`). Both are still close to the square's own coordinates
($R^2 =$ {glue:text}`k5_r2_a:.3f` for A's five units, {glue:text}`k5_r2_b:.3f` for B's state),
but less close than the field outputs were. The Mahalanobis-like distance is exact only to
second order, and these observations are harder for it than two smooth outputs: they are
curved surfaces in $\mathbb R^5$ and in the {glue:text}`state_dim`-dimensional space of B's
state, and A's five units barely resolve one
direction in parts of the square (the smaller singular value of their Jacobian falls to
{glue:text}`k5_sv_ratio:.2f` of the larger one at 1 % of the points). We report the verdict
as computed, with the criterion that decided it.

**Error against $k$.** One random choice proves little. For $k = 1, \dots, 7$ and
{glue:text}`n_trials` random choices each, {py:func}`~netequiv.field_tasks.neuron_sweep`
fits $T_k$ from $k$ units of A to B's state ({numref}`fig-expb-sweep`).
"""))

add(code(r"""
sweep = ft.neuron_sweep(scalar.net_a, scalar.net_b, x_s, layer_a=layer_a, layer_b=layer_b,
                        n_trials=n_trials, random_state=seed, dmap_kwargs=dmap_kwargs, progress=False)
dict(zip(sweep["ks"].tolist(), np.round(sweep["median_relative"], 4).tolist()))
"""))

add(code(r"""
fig = pf.plot_error_vs_k(sweep, single={"A's output only": (1, alone["relative"])},
                         ylabel="relative error of B's state (held out)")
glue("fig_sweep", fig, display=False)
for k, value, errs in zip(sweep["ks"].tolist(), sweep["median_relative"].tolist(), sweep["relative"]):
    glue(f"median_k{k}", value, display=False)
    glue(f"fail_k{k}", float(np.mean(errs > 0.05)), display=False)
glue("n_trials", n_trials, display=False)
glue("n_failed", len(sweep["failures"]), display=False)
""", tags=["hide-input"]))

add(md(r"""
```{glue:figure} fig_sweep
:name: fig-expb-sweep

Held-out relative error of B's state (output and all units of its last hidden layer)
reconstructed from $k$ random units of A's second hidden layer, {glue:text}`n_trials`
choices per $k$ (dots; crosses at the top: the diffusion map failed), their median (line)
and the reconstruction from A's output alone (square). Dashed: $10^{-2}$.
```

One unit never suffices (median error {glue:text}`median_k1:.2f`). Two units are fragile: a
pair of generic functions of two variables can fold the square, and then no $G_B$ can undo
the fold. The fraction of choices with an error above 5 % is {glue:text}`fail_k1:.0%` for
$k = 1$, {glue:text}`fail_k2:.0%` for $k = 2$, {glue:text}`fail_k3:.0%` for $k = 3$ and
{glue:text}`fail_k5:.0%` for $k = 5$, where the median error is {glue:text}`median_k5:.1e`
($k = 7$: {glue:text}`median_k7:.1e`). Diffusion maps that failed outright (disconnected
neighbour graph): {glue:text}`n_failed`.
"""))

# --------------------------------------------------------------------------- table
add(md(r"""
## The comparisons at a glance

Relative errors (held out) of B's observations predicted from A's and back, and the verdict
of {py:func}`~netequiv.compare_observations` with the criteria that failed
({py:func}`~netequiv.field_tasks.verdict_text`: worst feature NRMSE below 0.05 both ways and
coordinate agreement RMS below 0.1; for the output alone, which has fewer features than the
input has dimensions, only the error rule).
"""))

add(code(r"""
alone_summary = {"forward_relative": alone["relative"], "backward_relative": back["relative"],
                 "forward_max_nrmse": alone["max_nrmse"], "backward_max_nrmse": back["max_nrmse"]}
rows = [
    ("fields: A (mushroom) vs B (tanh field)", "outputs, 2 + 2, Mahalanobis", fields_summary,
     "intrinsic coordinates are observation independent; $T$, $T^{-1}$ exist between equivalent networks"),
    ("same pair", "outputs, 2 + 2, Euclidean kernel", eucl_summary,
     "without the metric the coordinates depend on the observation"),
    ("scalar: A vs B", f"A: output (1); B: {layer_b} + output ({state_b.n_features})", alone_summary,
     "a non-injective observation cannot give $n$ coordinates; the relation is one-way"),
    ("scalar: A vs B", f"A: 5 units of {layer_a}; B: {layer_b} + output ({state_b.n_features})", res5.summary(),
     "Whitney: $2n + 1 = 5$ generic neurons suffice to reconstruct the other network"),
]
table = [{"pair": p, "observed": o, "fwd": s["forward_relative"], "bwd": s["backward_relative"],
          "verdict": ft.verdict_text(s), "claim": c} for p, o, s, c in rows]
Markdown(markdown_table(table, {"pair": "pair", "observed": "observed units", "fwd": "error A→B",
                                "bwd": "error B→A", "verdict": "verdict", "claim": "claim supported"}))
"""))

add(code(r"""
clean = lambda a: [None if not np.isfinite(v) else float(v) for v in np.ravel(a)]  # noqa: E731
results["fields"] = {**fields_summary, "r2_vs_input": r2}
results["fields_euclidean"] = eucl_summary
results["scalar"] = {
    "outputs_alone": {"forward_relative": alone["relative"], "backward_relative": back["relative"],
                      "forward_max_nrmse": alone["max_nrmse"], "n_coords": alone["n_coords"]},
    "k5": {**res5.summary(), "units": units.tolist()},
    "sweep": {"ks": sweep["ks"].tolist(), "median_relative": clean(sweep["median_relative"]),
              "relative": [clean(r) for r in sweep["relative"]], "n_failed": len(sweep["failures"])},
}
results["time_s"] = time.perf_counter() - t_start
results["cpu_s"] = time.process_time() - cpu_start
if results_dir is not None:
    Path(results_dir).mkdir(parents=True, exist_ok=True)
    Path(results_dir, "exp_b_two_inputs.json").write_text(json.dumps(results, indent=2))
glue("time_s", results["time_s"], display=False)
""", tags=["hide-input"]))

# --------------------------------------------------------------------------- closing
add(md(r"""
## Summary

- Two networks of different architectures learned two different injective fields on the
  square. The Mahalanobis diffusion maps of their outputs agree with each other
  ($R^2 =$ {glue:text}`agreement_r2:.4f`) and with the diffusion map of the input itself
  ({glue:text}`r2_maha_a:.4f` and {glue:text}`r2_maha_b:.4f`); Euclidean diffusion maps of
  the same outputs reach only {glue:text}`r2_eucl_a:.2f` and {glue:text}`r2_eucl_b:.2f`.
- $T$ and $T^{-1}$ reproduce held-out outputs with relative errors
  {glue:text}`fields_forward_relative:.1e` and {glue:text}`fields_backward_relative:.1e`:
  the networks are {glue:text}`fields_equivalent`.
- For a scalar function of two inputs the output alone cannot reconstruct the other
  network (error {glue:text}`alone_relative:.2f`); five units of a hidden layer can
  ({glue:text}`k5_forward_relative:.1e` and {glue:text}`k5_backward_relative:.1e`), although
  their coordinates agree too loosely (RMS {glue:text}`k5_agreement_rms:.2f`) for the library's
  stricter verdict; over random choices the median error falls from {glue:text}`median_k1:.2f` at $k = 1$ to
  {glue:text}`median_k5:.1e` at $k = 5$.
- The whole notebook ran in {glue:text}`time_s:.0f` s.

### What's next?

Experiments (c) replace the square by the circle of views of a rotating object: the inputs
are images, and the networks are autoencoders.

## Exercises
"""))

add(md(r"""
```{exercise}
:label: expb-ex-output

Why can no metric, however clever, give two intrinsic coordinates from the output of the
scalar network alone?
```

```{solution} expb-ex-output
:class: dropdown

The output $y = g(u)$ is one number. Its Jacobian $\nabla g^\top$ is $1\times 2$, of rank at
most one, so the local metric sees only the direction across the level curves; along a
level curve $y$ does not change at all. Any function of $y$ — every diffusion-map
eigenvector of the values $y_i$ included — is constant on each level curve, so two inputs on
the same curve get the same coordinates. Two coordinates that separate the points of the
square would have to separate points with equal $y$, and no function of $y$ can.
```
"""))

add(md(r"""
```{exercise}
:label: expb-ex-bandwidth

This run sets the bandwidth $\varepsilon$ from the {glue:text}`n_neighbors_epsilon`-th
neighbour. Compare the vector-field networks again with another neighbour count (10, the
library default, after a full run; 20 after a fast one). What happens to the errors of $T$
and to the agreement of the coordinates, and why?
```
"""))

add(md(r"""
````{solution-start} expb-ex-bandwidth
:class: dropdown
````
"""))

add(code(r"""
other = 10 if n_neighbors_epsilon != 10 else 20
res10 = compare(fields.net_a, fields.net_b, x, random_state=seed, dmap_kwargs={"n_neighbors_epsilon": other})
print(f"{other}th neighbour: T {res10.forward_error['relative']:.1e}, T^-1 {res10.backward_error['relative']:.1e}, "
      f"agreement RMS {res10.agreement_rms:.3f}")
print(f"{n_neighbors_epsilon}th neighbour: T {res.forward_error['relative']:.1e}, "
      f"T^-1 {res.backward_error['relative']:.1e}, agreement RMS {res.agreement_rms:.3f}")
"""))

add(md(r"""
With the smaller bandwidth (10th neighbour) the errors of $T$ and $T^{-1}$ are larger, while
the two networks' coordinates agree slightly better. The computed eigenvectors carry
sample-to-sample noise from the random sampling, and a narrow kernel averages over fewer
neighbours; $G_B$ must then fit a function of noisy coordinates and cannot even reproduce its
own training points much better than the held-out ones. A wider kernel averages the noise
away at the price of a small bias, which shows up as a slightly larger disagreement between
the two networks' coordinates.

````{solution-end}
````
"""))

add(md(r"""
```{exercise}
:label: expb-ex-last-layer

Repeat the sweep with A's *last* hidden layer (`act3`) instead of the second. Are five units
still enough? What makes the last layer of a network that computes a scalar function
different?
```
"""))

add(md(r"""
````{solution-start} expb-ex-last-layer
:class: dropdown
````
"""))

add(code(r"""
sweep3 = ft.neuron_sweep(scalar.net_a, scalar.net_b, x_s, layer_a=scalar.last_hidden_a, layer_b=layer_b,
                         ks=[5], n_trials=n_trials, random_state=seed, dmap_kwargs=dmap_kwargs, progress=False)
print(f"{scalar.last_hidden_a}, k = 5: relative errors {np.round(sweep3['relative'][0], 4).tolist()}")
print(f"{layer_a}, k = 5: relative errors {np.round(sweep['relative'][4], 4).tolist()}")
"""))

add(md(r"""
Five units of the last layer fail much more often than five units of the second layer (with
enough choices; the fast run makes only two). The last hidden layer feeds a single
linear output, and training shapes it for that: many of its units become nearly functions
of $g$ itself (they vary across the level curves and hardly along them) or saturate in
parts of the square. Such units are not *generic* measurements, and Whitney's count is a
statement about generic ones. Earlier layers, further from the output, keep more of the
input's geometry.

````{solution-end}
````
"""))

add(md(r"""
## References

- {cite:t}`bertalan2024transformations` and {cite:t}`bertalan2020transformations`: the method and the examples.
- {cite:t}`singer2008nonlinear`: the Mahalanobis-like distance and its invariance.
- {cite:t}`coifman2006diffusion`: diffusion maps.
- {cite:t}`whitney1936differentiable`, {cite:t}`sauer1991embedology`: the embedding count $2n+1$.
"""))

write(cells, OUT)
print(f"wrote {OUT.relative_to(OUT.parents[1])} ({len(cells)} cells)")
